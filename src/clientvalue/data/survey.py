"""Load a survey export through its codebook, check it and clean it.

What is fatal and what is handled (see also the README):

* **Fatal** (:class:`~clientvalue.errors.DataError`): the file is missing, empty or unreadable;
  a column the codebook names is absent; text where a number is expected (outcome, items,
  weight, age); missing or duplicate respondent ids; missing, zero or negative weights;
  a senior answer that is neither a yes, a no nor a missing code.
* **Handled and reported** (``Survey.problems``): missing codes (codebook ``missing_codes`` on
  the outcome and items, the senior section's own ``missing_codes``, SPSS user-missing values on
  any column) become missing; out-of-range ratings become missing; ages outside 0-120 become
  missing; empty group values are put in a group "(missing)"; partial responses stay (analyses
  drop incomplete rows themselves and say how many).
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from clientvalue.defaults import MIN_GROUP_SIZE
from clientvalue import disclosure
from clientvalue.examples import examples as _examples
from clientvalue.examples import rows as _rows
from clientvalue.examples import show as _show
from clientvalue.data.codebook import Codebook, load_codebook
from clientvalue.errors import DataError
from clientvalue.memory import private_copy
from clientvalue.data.readers import Export, read_export, strip_thousands

AGE_RANGE = (0, 120)
MISSING_GROUP = "(missing)"
ALL_GROUP = disclosure.ALL_GROUP  # "all": every reported group together
# Group values that would read as the whole-sample line (casefolded): the id and its display names.
RESERVED_GROUPS = {ALL_GROUP, "all respondents", "alle respondenten"}
# Largest over smallest weight that is still plausible; beyond it one respondent outweighs a survey.
MAX_WEIGHT_RATIO = 1000

PROBLEM_COLUMNS = ["check", "column", "count", "examples", "action"]


@dataclass
class Survey:
    """A cleaned survey and the codebook that describes it.

    Build it with :func:`load_survey`. ``data`` keeps the export's column names; see
    ``docs/codebook.md`` for what cleaning did to each kind of column.
    """

    data: pd.DataFrame
    codebook: Codebook
    path: Path
    codebook_path: Path | None = None
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))
    read_details: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict] = field(default_factory=dict)
    problem_values: list[pd.Series] | None = None  # the handled values per row of ``problems``
    # A private folder of the run in which its notebooks share results computed once
    # (:mod:`clientvalue.analyses.shared`); set when the survey comes from the run's prepared file.
    shared_dir: Path | None = None

    @property
    def outcome(self) -> str | None:
        """Name of the outcome column, or None."""
        return self.codebook.outcome.column if self.codebook.outcome else None

    @property
    def group(self) -> str | None:
        """Name of the column the report is split by, or None."""
        return self.codebook.group

    @property
    def weight(self) -> str | None:
        """Name of the survey-weight column, or None."""
        return self.codebook.weight

    @property
    def age(self) -> str | None:
        """Name of the age column (``attributes.age``), or None."""
        attribute = self.codebook.attributes.get("age")
        return attribute.column if attribute else None

    @property
    def senior(self) -> str | None:
        """Name of the senior self-identification column (1.0 yes / 0.0 no), or None."""
        return self.codebook.senior.column if self.codebook.senior else None

    def items(self, dimension: str | None = None) -> list[str]:
        """Item columns in codebook order, optionally of one dimension only."""
        return [i.column for i in self.codebook.items if dimension in (None, i.dimension)]

    def dimensions(self) -> dict[str, list[str]]:
        """Item columns per dimension, e.g. ``{"practical": [...], "emotional": [...]}``."""
        return self.codebook.dimensions()

    def dimension_of(self, column: str) -> str:
        """The dimension the codebook gives an item column."""
        for item in self.codebook.items:
            if item.column == column:
                return item.dimension
        raise KeyError(f"{column!r} is not an item in the codebook")

    def scales(self) -> dict[str, tuple[float, float]]:
        """Valid (min, max) of the outcome and every item."""
        out = {i.column: (i.scale.min, i.scale.max) for i in self.codebook.items}
        if self.codebook.outcome:
            out[self.codebook.outcome.column] = (
                self.codebook.outcome.scale.min,
                self.codebook.outcome.scale.max,
            )
        return out

    def dimension_scores(self, *, min_answered: float = 0.5) -> pd.DataFrame:
        """Each respondent's mean item score per dimension, columns ``<dimension>_score``.

        A score needs at least ``min_answered`` (share) of that dimension's items answered;
        otherwise it is missing. Items are on their codebook scales (reversed items already recoded).
        """
        scores = {}
        for dimension, columns in self.dimensions().items():
            answers = self.data[columns]
            enough = answers.notna().mean(axis=1) >= min_answered
            scores[f"{dimension}_score"] = answers.mean(axis=1).where(enough)
        return pd.DataFrame(scores, index=self.data.index)

    def label(self, column: str, language: str = "en") -> str:
        """The codebook's label of a column in ``language``, else the column name."""
        cb = self.codebook
        labelled = list(cb.items) + list(cb.attributes.values())
        labelled += [x for x in (cb.outcome, cb.senior) if x is not None]
        labelled += list(cb.segmentation) + list(cb.treatments.values())
        for entry in labelled:
            if entry.column == column:
                label = entry.display_label() if hasattr(entry, "display_label") else entry.label
                return label.get(language) or column
        return column

    def rating_columns(self) -> list[str]:
        """The outcome (if any) and every item, in codebook order."""
        return ([self.outcome] if self.outcome else []) + self.items()

    def labels(self, language: str = "en") -> dict[str, str]:
        """Column -> label for the outcome and every item, in ``language``."""
        return {column: self.label(column, language) for column in self.rating_columns()}

    def case_mix_labels(self, language: str = "en") -> dict[str, str]:
        """Column -> label for every case-mix column of ``units`` (empty without units), in ``language``."""
        return {column: self.label(column, language) for column in self.codebook.case_mix_columns()}

    def title(self, language: str = "en") -> str:
        """The survey's title from the codebook, else the data file's name."""
        return self.codebook.title.get(language) or self.path.stem

    def group_sizes(self) -> pd.Series:
        """Respondents per group (all rows, before any analysis drops incomplete ones)."""
        return disclosure.group_sizes(self)

    def reported_data(self, min_group_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
        """The rows of every reported group (see :mod:`clientvalue.disclosure`)."""
        return disclosure.reported_data(self, min_group_size)

    def group_frames(self, min_group_size: int = MIN_GROUP_SIZE) -> disclosure.GroupFrames:
        """``"all"`` then each reported group (see :mod:`clientvalue.disclosure`)."""
        return disclosure.group_frames(self, min_group_size)

    def suppressed_groups(self, min_group_size: int = MIN_GROUP_SIZE) -> list[str]:
        """Groups with fewer than ``min_group_size`` rows: never reported (:mod:`clientvalue.disclosure`)."""
        return disclosure.suppressed_groups(self, min_group_size)


class _Cleaner:
    """Turns an :class:`Export` into clean columns, logging what it handles."""

    def __init__(self, export: Export, codebook: Codebook, codebook_path: Path | None):
        self.export = export
        self.codebook = codebook
        self.source = str(export.path)
        self.where = f"{export.path}" + (f" (codebook {codebook_path})" if codebook_path else "")
        self.problems: list[dict] = []
        self.values: list[pd.Series] = []

    def note(self, check: str, column: str, values: pd.Series, action: str) -> None:
        if len(values):
            self.values.append(values.copy())
            self.problems.append(
                {
                    "check": check,
                    "column": column,
                    "count": int(len(values)),
                    "examples": _examples(values.sort_values()),
                    "action": action,
                }
            )

    def respondent(self, frame: pd.DataFrame, row: object) -> str:
        """``data row 4, id '17'``: where a value is, as a spreadsheet and the export name it."""
        return f"data row {int(row) + 1}, id {_show(frame.at[row, self.codebook.id])!r}"

    def fail(self, column: str, message: str) -> DataError:
        return DataError(f"{self.source}, column {column!r}: {message}")

    def require_columns(self) -> None:
        frame = self.export.frame
        missing = [(c, role) for c, role in self.codebook.columns().items() if c not in frame.columns]
        if missing:
            lines = []
            for column, role in missing:
                close = difflib.get_close_matches(column, [str(c) for c in frame.columns], n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                lines.append(f"  - {column!r} (codebook {role}){hint}")
            available = _examples(list(frame.columns), limit=12)
            raise DataError(
                f"{self.where}: {len(missing)} column(s) named in the codebook are not in the data:\n"
                + "\n".join(lines)
                + f"\nColumns in the file: {available}. Fix the codebook or the export."
            )

    def user_missing(self, frame: pd.DataFrame) -> None:
        for column, codes in self.export.user_missing.items():
            if column in self.codebook.columns() and column in frame:
                hit = frame[column].isin(codes)
                self.note("user_missing_code", column, frame.loc[hit, column], "set to missing")
                frame.loc[hit, column] = np.nan

    def numeric(self, frame: pd.DataFrame, column: str, what: str) -> pd.Series:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            return values.astype(float)
        text = values.astype("string").str.strip()
        text = text.mask(text == "", pd.NA)
        text = strip_thousands(text, self.export.details.get("thousands"))
        if self.export.details.get("decimal") == ",":
            text = text.str.replace(",", ".", regex=False)
        numbers = pd.to_numeric(text, errors="coerce")
        bad = numbers.isna() & text.notna()
        if bad.any():
            comma = _has_decimal_comma(values[bad])
            raise self.fail(
                column,
                f"{int(bad.sum())} value(s) are {'not read as' if comma else 'not'} numbers ({what} must be "
                f"numeric): {_examples(values[bad])} in data rows {_rows(values.index[bad])}. "
                + (self.decimal_comma_hint() if comma else
                   "Recode them to numbers, or list them in the codebook's `missing_codes`."),
            )
        return numbers.astype(float)

    def decimal_comma_hint(self) -> str:
        """Why numbers with a decimal comma were not read, and how to save the export instead."""
        delimiter = self.export.details.get("delimiter", ",")
        why = ("fields are separated by commas, so the file's decimal mark is the point" if delimiter == "," else
               "the file also holds numbers with a decimal point, so its decimal mark cannot be told")
        return (
            f"They are numbers with a decimal comma, but {why}. Use one decimal mark throughout: save the export "
            "from Excel as \"CSV (semicolon delimited)\" (decimal commas) or \"CSV UTF-8 (comma delimited)\" "
            "(decimal points), or as an .xlsx workbook."
        )

    def ids(self, frame: pd.DataFrame) -> None:
        column = self.codebook.id
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            ids = values  # numbers are ids as they are (what _id_text returns for them)
        else:
            ids = values.map(_id_text)  # " 12", "12\u00a0" and "12" are one id; "  " is no id
        if ids.isna().any():
            raise self.fail(
                column,
                f"{int(ids.isna().sum())} respondent(s) have no id (data rows {_rows(ids.index[ids.isna()])}). "
                "Every row needs a unique id.",
            )
        duplicated = ids.duplicated(keep=False)
        if duplicated.any():
            raise self.fail(
                column,
                f"{int(ids[duplicated].nunique())} id(s) occur more than once: "
                f"{_examples(ids[duplicated])} (data rows {_rows(ids.index[duplicated])}). "
                "Remove duplicate responses from the export, or fix the ids.",
            )

    def ratings(self, frame: pd.DataFrame) -> None:
        entries = [self.codebook.outcome] if self.codebook.outcome else []
        entries += list(self.codebook.items)
        entries += list(self.codebook.segmentation)  # rated like items (missing codes, scale)
        codes = [float(c) for c in self.codebook.missing_codes if _is_number(c)]
        for entry in entries:
            column = entry.column
            values = self.numeric(frame, column, "a rating")
            own = [float(c) for c in entry.missing_codes if _is_number(c)]
            is_code = values.isin(codes + own)
            self.note("missing_code", column, values[is_code], "set to missing")
            values = values.mask(is_code)
            out = values.notna() & ((values < entry.scale.min) | (values > entry.scale.max))
            self.note(
                "out_of_range",
                column,
                values[out],
                f"outside [{entry.scale.min:g}, {entry.scale.max:g}]: set to missing",
            )
            values = values.mask(out)
            if values.notna().sum() == 0:
                raise self.fail(column, "has no valid answer at all (every value is empty, a missing code or "
                                f"outside [{entry.scale.min:g}, {entry.scale.max:g}]). Check that the codebook names "
                                "the right column and scale, or export the answers again.")
            if getattr(entry, "reverse", False):
                values = entry.scale.min + entry.scale.max - values
            frame[column] = values

    def weight(self, frame: pd.DataFrame) -> None:
        column = self.codebook.weight
        if column is None:
            return
        values = self.numeric(frame, column, "a survey weight")
        bad = values.isna() | (values <= 0) | ~np.isfinite(values)
        if bad.any():
            raise self.fail(
                column,
                f"{int(bad.sum())} weight(s) are missing, zero or negative: {_examples(frame[column][bad])} "
                f"(data rows {_rows(values.index[bad])}). Weights must be positive numbers; fix them "
                "or leave `weight` out of the codebook.",
            )
        with np.errstate(over="ignore"):  # 1e308 / 0.5 overflows: a ratio too large to write, not a warning
            ratio = float(values.max() / values.min())
        if not np.isfinite(ratio) or ratio > MAX_WEIGHT_RATIO:
            big, small = values.idxmax(), values.idxmin()
            times = f"{ratio:.3g} times" if np.isfinite(ratio) else f"more than {MAX_WEIGHT_RATIO:,} times"
            raise self.fail(
                column,
                f"the largest weight ({_show(float(values[big]))}, {self.respondent(frame, big)}) is {times} the "
                f"smallest ({_show(float(values[small]))}, {self.respondent(frame, small)}); clientvalue refuses a "
                f"ratio above {MAX_WEIGHT_RATIO:,} as implausible (one respondent would count for a whole survey). "
                "Check the weights, or trim them before the export.",
            )
        frame[column] = values

    def age(self, frame: pd.DataFrame) -> None:
        attribute = self.codebook.attributes.get("age")
        if attribute is None:
            return
        values = self.numeric(frame, attribute.column, "age in years")
        out = values.notna() & ((values < AGE_RANGE[0]) | (values > AGE_RANGE[1]))
        self.note("age_out_of_range", attribute.column, values[out], "outside 0-120: set to missing")
        frame[attribute.column] = values.mask(out)

    def senior(self, frame: pd.DataFrame) -> None:
        senior = self.codebook.senior
        if senior is None:
            return
        raw = frame[senior.column]
        key = map_distinct(raw, code_key)
        yes, no = {code_key(c) for c in senior.yes_codes}, {code_key(c) for c in senior.no_codes}
        missing = {code_key(c) for c in [*senior.missing_codes, *self.codebook.missing_codes]}
        is_missing_code = key.isin(missing)
        self.note("missing_code", senior.column, raw[is_missing_code], "set to missing")
        unknown = raw.notna() & ~key.isin(yes | no | missing)
        if unknown.any():
            raise self.fail(
                senior.column,
                f"{int(unknown.sum())} answer(s) are neither a yes code {list(senior.yes_codes)}, a no "
                f"code {list(senior.no_codes)} nor a missing code {list(senior.missing_codes)}: "
                f"{_examples(raw[unknown])} (data rows {_rows(raw.index[unknown])}). Add them to the "
                "codebook's `senior` section.",
            )
        frame[senior.column] = np.where(key.isin(yes), 1.0, np.where(key.isin(no), 0.0, np.nan))

    def group(self, frame: pd.DataFrame) -> None:
        column = self.codebook.group
        if column is None:
            return
        values = frame[column]
        labels = self.export.value_labels.get(column)
        if labels:
            values = map_distinct(values, lambda v: labels.get(v, v))
        values = map_distinct(values, code_text)
        reserved = map_distinct(values, str.casefold).isin(RESERVED_GROUPS)
        if reserved.any():
            raise self.fail(
                column,
                f"the group value {values[reserved].iloc[0]!r} (data rows {_rows(values.index[reserved])}) is "
                f"reserved: '{ALL_GROUP}' ('all respondents', 'alle respondenten') stands for the whole sample in "
                "every report. Rename that group.",
            )
        empty = values.isna()
        self.note("missing_group", column, pd.Series(MISSING_GROUP, index=values.index[empty]), f"put in group {MISSING_GROUP}")
        frame[column] = values.fillna(MISSING_GROUP).astype(str)

    def clean(self) -> pd.DataFrame:
        self.require_columns()
        frame = private_copy(self.export.frame)  # the export stays as it was read
        self.ids(frame)
        self.user_missing(frame)
        self.ratings(frame)
        self.weight(frame)
        self.age(frame)
        self.senior(frame)
        self.group(frame)
        return frame


def _has_decimal_comma(values: pd.Series) -> bool:
    """Whether every value reads as a number once its comma is a decimal mark (``3,5``, ``1.234,5``)."""
    text = strip_thousands(values.astype("string").str.strip(), ".").str.replace(",", ".", regex=False)
    return bool(values.astype("string").str.contains(",", regex=False).any()) and bool(
        pd.to_numeric(text, errors="coerce").notna().all())


def _is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
        return True
    except (TypeError, ValueError):
        return False


def map_distinct(values: pd.Series, func) -> pd.Series:
    """``values.map(func)``, calling ``func`` once per distinct value instead of once per row.

    An export has a million rows but a handful of distinct group names or codes. The result is
    that of ``values.map(func)`` for a ``func`` that maps a missing value to missing and equal
    values (``1``, ``1.0``) to the same result, as the cleaning functions here do (tested).
    """
    codes, uniques = pd.factorize(values)  # -1: a missing value
    plain = isinstance(values.dtype, np.dtype) or (isinstance(values.dtype, pd.StringDtype)
                                                   and values.dtype.na_value is not pd.NA)
    # func sees the values pd.unique gives (numpy scalars: a float32 2023 reads "2023.0", a date keeps its type)
    results = [func(value) for value in (uniques.to_numpy() if plain else uniques)]
    if not plain or all(result is None for result in results):  # pandas' own rules for these: map
        return values.map(dict(zip(uniques, results)))
    # what ``values.map(mapping)`` does on numpy and "str" columns, with each row's code from
    # factorize instead of hashing every row again: the same Series, dtype included (tested)
    mapper = pd.Series(results, index=pd.Index(uniques, tupleize_cols=False))
    mapped = pd.api.extensions.take(mapper.array, codes, allow_fill=True)
    return pd.Series(mapped, index=values.index, copy=False).__finalize__(values, method="map")


def code_key(value: object) -> str | None:
    """Compare codes across types: 1, 1.0 and "1" are the same code."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if _is_number(value):
        number = float(value)  # type: ignore[arg-type]
        return f"{number:g}"
    return str(value).strip().casefold()


def code_text(value: object) -> str | None:
    """A group, wave or unit name from the data as text: ``2024.0`` -> ``"2024"``, NFC-normalised and
    stripped; None for a missing or blank value. The one spelling every analysis compares names in."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text or None


def code_texts(values: pd.Series) -> pd.Series:
    """``values.map(code_text)``, with an integer column converted at once.

    Respondent ids are distinct, so mapping distinct values saves nothing there; the text of an
    integer is its decimal digits, which numpy writes for a million ids in a fraction of a second.
    """
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "iu":  # numpy integers: never missing, no fraction
        return pd.Series(values.to_numpy().astype(str), index=values.index, name=values.name, dtype="str")
    return values.map(code_text)


def _id_text(value: object) -> object:
    """An id as compared for duplicates: text NFC-normalised and stripped (also of NBSP); blank -> None."""
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value).strip()  # str.strip() removes NBSP too
        return text or None
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def clean_export(export: Export, codebook: Codebook, *, codebook_path: Path | None = None) -> Survey:
    """Check and clean an export against a codebook (see the module docstring for the rules)."""
    cleaner = _Cleaner(export, codebook, codebook_path)
    data = cleaner.clean()
    problems = pd.DataFrame(cleaner.problems, columns=PROBLEM_COLUMNS)
    return Survey(
        data=data,
        codebook=codebook,
        path=export.path,
        codebook_path=codebook_path,
        problems=problems,
        read_details=dict(export.details, format=export.format),
        value_labels=export.value_labels,
        problem_values=cleaner.values,
    )


def load_survey(codebook_path: str | Path, *, prepared: str | Path | None = None) -> Survey:
    """Read a survey export through its codebook.

    Parameters
    ----------
    codebook_path : str or Path
        The YAML codebook; its ``data`` path is relative to the codebook's folder.
    prepared : str or Path, optional
        A survey ``clientvalue run`` already read and checked (:mod:`clientvalue.data.prepared`);
        used instead of reading the export again when it was made from this codebook and
        neither file changed since. Empty or ``None``: read the export.

    Returns
    -------
    Survey
        Cleaned data plus ``problems``: what was handled (missing codes, out-of-range values...).

    Raises
    ------
    CodebookError
        The codebook is invalid.
    DataError
        The export is unreadable or breaks a fatal rule (see the module docstring).

    Examples
    --------
    >>> survey = load_survey("data/demo/municipality/codebook.yaml")  # doctest: +SKIP
    >>> survey.dimensions()["practical"]  # doctest: +SKIP
    ['q_fast', 'q_correct', 'q_easy', 'q_cost', 'q_effort']
    """
    codebook_path = Path(codebook_path)
    if prepared:
        from clientvalue.data.prepared import read_prepared

        survey = read_prepared(prepared, codebook_path)
        if survey is not None:
            return survey
    codebook = load_codebook(codebook_path)
    return read_survey(codebook, codebook_path)


def export_path(codebook: Codebook, codebook_path: str | Path) -> Path:
    """The export ``codebook`` reads: its ``data`` path, relative to the codebook's folder."""
    data_path = Path(codebook.data)
    return data_path if data_path.is_absolute() else Path(codebook_path).parent / data_path


def read_survey(codebook: Codebook, codebook_path: str | Path) -> Survey:
    """Read and clean the export of a codebook already loaded (:func:`load_survey` does both)."""
    return clean_export(read_export(export_path(codebook, codebook_path)), codebook, codebook_path=Path(codebook_path))
