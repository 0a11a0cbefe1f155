"""A vignette study: several employees judge the same written cases; optionally what they weigh.

The codebook (YAML, format in ``docs/codebook.md``) names the long file (one row per employee x
vignette), its columns, the decision categories with labels and their measurement level, the
variants of factorial vignettes, and an optional employee survey of considerations.
:func:`load_vignette_study` validates both and refuses what cannot be analysed with a message that
names the file, the column, the rows and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from clientvalue.data.codebook import Label, as_label
from clientvalue.data.readers import read_export
from clientvalue.data.yamlfile import read_yaml, validated
from clientvalue.errors import CodebookError, DataError

Code = int | float | str
CONSIDERATION_KINDS = ("rules", "equality", "own_judgement", "other")
_EXAMPLES = 8


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(_Strict):
    """One decision category: the code in the file and its label."""

    code: Code
    label: Label = Field(default_factory=Label)
    label_from_text = field_validator("label", mode="before")(as_label)


class Decision(_Strict):
    """The decision column, its categories and their measurement level."""

    column: str
    level: Literal["nominal", "ordinal"]
    categories: list[Category] = Field(min_length=2)
    missing_codes: list[Code] = Field(default_factory=list)

    @model_validator(mode="after")
    def _distinct(self) -> "Decision":
        codes = [str(c.code) for c in self.categories]
        doubles = sorted({c for c in codes if codes.count(c) > 1})
        if doubles:
            raise ValueError(f"category codes {doubles} appear more than once; a code means one decision")
        clash = sorted(set(codes) & set(map(str, self.missing_codes)))
        if clash:
            raise ValueError(f"codes {clash} are both a category and a missing code")
        return self


class Variants(_Strict):
    """Factorial vignettes: which variant is the reference and what differs between variants."""

    column: str
    reference: Code
    differs: Label = Field(default_factory=Label)
    protected: bool = False
    focus: Code | None = None
    labels: dict[str, Label] = Field(default_factory=dict)

    differs_from_text = field_validator("differs", mode="before")(as_label)

    @field_validator("labels", mode="before")
    @classmethod
    def _labels(cls, value: Any) -> Any:
        return {str(k): as_label(v) for k, v in (value or {}).items()}


class Consideration(_Strict):
    """One yes/no question: "When deciding on an exception, I weigh ..."."""

    column: str
    kind: Literal["rules", "equality", "own_judgement", "other"] = "other"
    label: Label = Field(default_factory=Label)
    label_from_text = field_validator("label", mode="before")(as_label)


class Considerations(_Strict):
    """The optional employee survey of what they weigh (multi-select yes/no columns)."""

    data: str
    employee: str
    team: str | None = None
    yes_codes: list[Code] = Field(default_factory=lambda: list[Code]([1]))
    no_codes: list[Code] = Field(default_factory=lambda: list[Code]([0]))
    missing_codes: list[Code] = Field(default_factory=list)
    items: list[Consideration] = Field(min_length=1)


class VignetteCodebook(_Strict):
    """A validated vignette-study codebook. Build it with :func:`load_vignette_codebook`."""

    title: Label = Field(default_factory=Label)
    data: str
    employee: str
    team: str | None = None
    vignette: str
    decision: Decision
    vignette_labels: dict[str, Label] = Field(default_factory=dict)
    variants: Variants | None = None
    considerations: Considerations | None = None

    title_from_text = field_validator("title", mode="before")(as_label)

    @field_validator("vignette_labels", mode="before")
    @classmethod
    def _vignette_labels(cls, value: Any) -> Any:
        return {str(k): as_label(v) for k, v in (value or {}).items()}

    @model_validator(mode="after")
    def _focus_is_a_category(self) -> "VignetteCodebook":
        codes = [str(c.code) for c in self.decision.categories]
        if self.variants is not None and self.variants.focus is not None and str(self.variants.focus) not in codes:
            raise ValueError(f"variants.focus {self.variants.focus!r} is not one of the decision categories {codes}")
        if self.decision.level == "nominal" and self.variants is not None and self.variants.focus is None:
            raise ValueError("variants.focus is required when decision.level is nominal: name the decision whose "
                             "rate the variants are compared on (e.g. the eviction)")
        return self


def load_vignette_codebook(path: str | Path) -> VignetteCodebook:
    """Read and validate a vignette-study codebook; raise :class:`CodebookError` listing every problem."""
    raw = read_yaml(path, error=CodebookError, what="vignette codebook")
    allowed = ", ".join(VignetteCodebook.model_fields)
    return validated(raw, VignetteCodebook, error=CodebookError,
                     not_mapping=f"vignette codebook {path}: must be a YAML mapping (see docs/codebook.md)",
                     head=f"vignette codebook {path}: {{n}} problem(s):\n",
                     unknown=f"unknown key; allowed at the top level: {allowed}", missing="required key is missing",
                     footer="\nSee docs/codebook.md, section 'Vignette studies'.")


@dataclass
class VignetteStudy:
    """A loaded, validated vignette study.

    ``data`` has the tidy columns ``employee``, ``team`` (``(no team)`` without one), ``vignette``,
    ``variant`` (None without variants), ``decision`` (category code as text) and ``position``
    (0 = first declared category). ``considerations`` has ``employee``, ``team`` and one boolean
    (or NA) column per consideration. ``problems`` lists what was handled (``problem``, ``count``,
    ``handling``).
    """

    codebook: VignetteCodebook
    codebook_path: Path
    path: Path
    data: pd.DataFrame
    considerations: pd.DataFrame | None = None
    considerations_path: Path | None = None
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["problem", "count", "handling"]))

    @property
    def level(self) -> str:
        return self.codebook.decision.level

    @property
    def categories(self) -> list[str]:
        return [str(c.code) for c in self.codebook.decision.categories]

    def category_labels(self, language: str) -> dict[str, str]:
        return {str(c.code): c.label.get(language) or str(c.code) for c in self.codebook.decision.categories}

    def vignette_label(self, code: str, language: str) -> str:
        label = self.codebook.vignette_labels.get(str(code))
        return (label.get(language) if label else None) or str(code)

    def title(self, language: str) -> str:
        return self.codebook.title.get(language) or self.path.stem

    @property
    def has_teams(self) -> bool:
        return self.codebook.team is not None

    @property
    def inputs(self) -> list[Path]:
        """Every file this study reads: codebook, decisions and (optionally) considerations."""
        return [self.codebook_path, self.path] + ([self.considerations_path] if self.considerations_path else [])


def _text(value: Any) -> str | None:
    """A code as text: ``3.0`` -> ``"3"``; empty -> None."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
        text = text[:-2]
    return text or None


def _rows(index: pd.Index) -> str:
    """Data rows (1 = first row after the header) of an index, at most a few."""
    numbers = [str(int(i) + 1) for i in index[:_EXAMPLES]]
    more = f" and {len(index) - _EXAMPLES} more" if len(index) > _EXAMPLES else ""
    return ", ".join(numbers) + more


def _require_columns(frame: pd.DataFrame, columns: dict[str, str | None], path: Path) -> None:
    import difflib

    for key, column in columns.items():
        if column is not None and column not in frame.columns:
            close = difflib.get_close_matches(column, [str(c) for c in frame.columns], n=1)
            hint = f" The closest column is {close[0]!r}." if close else ""
            raise DataError(f"{path}: column {column!r} (codebook key `{key}`) is not in the file; it has "
                            f"{list(frame.columns)[:20]}.{hint} Fix the codebook or the export.")


def _no_empty(frame: pd.DataFrame, column: str, path: Path, what: str) -> None:
    empty = frame.index[frame[column].isna()]
    if len(empty):
        raise DataError(f"{path}: column {column!r} ({what}) is empty in data rows {_rows(empty)}. "
                        f"Every row needs its {what}; fill them in or remove those rows.")


def _one_team_per_employee(frame: pd.DataFrame, path: Path, employee: str, team: str) -> None:
    teams = frame.groupby("employee")["team"].nunique()
    many = teams.index[teams > 1]
    if len(many):
        rows = frame.index[frame["employee"].isin(many)]
        raise DataError(f"{path}: employees {list(many[:_EXAMPLES])} appear in more than one team (column "
                        f"{team!r}, data rows {_rows(rows)}). Give every employee one team.")


def _decision_frame(raw: pd.DataFrame, cb: VignetteCodebook, path: Path) -> pd.DataFrame:
    """The codebook's columns as text, one row per judgement, with employee and vignette never empty."""
    _require_columns(raw, {"employee": cb.employee, "team": cb.team, "vignette": cb.vignette,
                           "decision.column": cb.decision.column,
                           "variants.column": cb.variants.column if cb.variants else None}, path)
    frame = pd.DataFrame({
        "employee": raw[cb.employee].map(_text),
        "team": raw[cb.team].map(_text) if cb.team else "(no team)",
        "vignette": raw[cb.vignette].map(_text),
        "variant": raw[cb.variants.column].map(_text) if cb.variants else None,
        "decision": raw[cb.decision.column].map(_text),
    }, index=raw.index)
    _no_empty(frame, "employee", path, "employee code")
    _no_empty(frame, "vignette", path, "vignette")
    return frame


def _team_problems(frame: pd.DataFrame, cb: VignetteCodebook, path: Path) -> list[dict]:
    """Put empty teams in team "(missing)" (in place) and check that every employee has one team."""
    problems: list[dict] = []
    if cb.team:
        missing_team = frame["team"].isna()
        if missing_team.any():
            frame.loc[missing_team, "team"] = "(missing)"
            problems.append({"problem": f"empty team (column {cb.team!r})", "count": int(missing_team.sum()),
                             "handling": "put in team (missing)"})
        _one_team_per_employee(frame, path, cb.employee, cb.team)
    return problems


def _check_variants(frame: pd.DataFrame, cb: VignetteCodebook, path: Path) -> None:
    """Every judgement has a variant and the reference variant occurs."""
    if cb.variants:
        _no_empty(frame, "variant", path, "variant")
        if str(_text(cb.variants.reference)) not in set(frame["variant"]):
            raise DataError(f"{path}: the reference variant {cb.variants.reference!r} (codebook variants.reference) "
                            f"never occurs in column {cb.variants.column!r}; it has {sorted(frame['variant'].unique())}.")


def _one_judgement_per_vignette(frame: pd.DataFrame, cb: VignetteCodebook, path: Path) -> None:
    """No employee judged the same vignette twice."""
    duplicated = frame.duplicated(["employee", "vignette"], keep=False)
    if duplicated.any():
        pairs = frame.loc[duplicated, ["employee", "vignette"]].drop_duplicates().head(_EXAMPLES)
        shown = ", ".join(f"{e}/{v}" for e, v in pairs.itertuples(index=False))
        raise DataError(f"{path}: an employee judged the same vignette more than once (columns {cb.employee!r} "
                        f"and {cb.vignette!r}: {shown}; data rows {_rows(frame.index[duplicated])}). Keep one "
                        "judgement per employee and vignette (the one the study counts) and run again.")


def _usable_decisions(frame: pd.DataFrame, cb: VignetteCodebook,
                      path: Path) -> tuple[pd.DataFrame, list[dict]]:
    """The judgements with a declared decision, with its position on the decision scale."""
    problems: list[dict] = []
    missing = {str(_text(c)) for c in cb.decision.missing_codes}
    is_missing = frame["decision"].isin(missing) | frame["decision"].isna()
    if is_missing.any():
        problems.append({"problem": f"no decision (empty or a missing code, column {cb.decision.column!r})",
                         "count": int(is_missing.sum()), "handling": "left out of the analysis"})
    frame.loc[is_missing, "decision"] = None
    allowed = [str(_text(c.code)) for c in cb.decision.categories]
    unknown = frame["decision"].notna() & ~frame["decision"].isin(allowed)
    if unknown.any():
        values = sorted(frame.loc[unknown, "decision"].unique())[:_EXAMPLES]
        raise DataError(f"{path}: column {cb.decision.column!r} has decisions {values} that are not among the "
                        f"declared categories {allowed} (data rows {_rows(frame.index[unknown])}). Add them to "
                        "decision.categories, or to decision.missing_codes if they mean 'no decision'.")
    frame = frame[frame["decision"].notna()].copy()
    frame["position"] = frame["decision"].map({c: i for i, c in enumerate(allowed)}).astype(int)
    return frame, problems


def _without_lonely_vignettes(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Leave out the vignettes only one employee judged: nothing to compare."""
    problems: list[dict] = []
    per_vignette = frame.groupby("vignette")["employee"].nunique()
    lonely = per_vignette.index[per_vignette < 2]
    if len(lonely):
        problems.append({"problem": f"vignettes judged by one employee only: {', '.join(map(str, lonely[:_EXAMPLES]))}",
                         "count": int(len(lonely)), "handling": "left out: nothing to compare"})
        frame = frame[~frame["vignette"].isin(lonely)]
    return frame, problems


def _read_decisions(codebook: VignetteCodebook, path: Path) -> tuple[pd.DataFrame, list[dict]]:
    raw = read_export(path).frame
    cb = codebook
    frame = _decision_frame(raw, cb, path)
    problems = _team_problems(frame, cb, path)
    _check_variants(frame, cb, path)
    _one_judgement_per_vignette(frame, cb, path)
    frame, missing_problems = _usable_decisions(frame, cb, path)
    frame, lonely_problems = _without_lonely_vignettes(frame)
    problems += missing_problems + lonely_problems
    if frame["employee"].nunique() < 2:
        raise DataError(f"{path}: only {frame['employee'].nunique()} employee with usable decisions (column "
                        f"{cb.employee!r}); agreement needs at least two employees judging the same vignettes.")
    return frame.reset_index(drop=True), problems


def _read_considerations(spec: Considerations, path: Path) -> tuple[pd.DataFrame, list[dict]]:
    raw = read_export(path).frame
    _require_columns(raw, {"considerations.employee": spec.employee, "considerations.team": spec.team,
                           **{f"considerations.items[{i}]": it.column for i, it in enumerate(spec.items)}}, path)
    frame = pd.DataFrame({"employee": raw[spec.employee].map(_text),
                          "team": raw[spec.team].map(_text).fillna("(missing)") if spec.team else "(no team)"},
                         index=raw.index)
    _no_empty(frame, "employee", path, "employee code")
    doubles = frame.index[frame["employee"].duplicated(keep=False)]
    if len(doubles):
        raise DataError(f"{path}: employees answered the considerations survey more than once (column "
                        f"{spec.employee!r}, data rows {_rows(doubles)}). Keep one row per employee.")
    yes, no = {str(_text(c)) for c in spec.yes_codes}, {str(_text(c)) for c in spec.no_codes}
    missing = {str(_text(c)) for c in spec.missing_codes}
    problems = []
    for item in spec.items:
        codes = raw[item.column].map(_text)
        bad = codes.notna() & ~codes.isin(yes | no | missing)
        if bad.any():
            raise DataError(f"{path}: column {item.column!r} has answers {sorted(codes[bad].unique())[:_EXAMPLES]} "
                            f"that are neither yes {sorted(yes)} nor no {sorted(no)} (data rows {_rows(codes.index[bad])}). "
                            "Add them to considerations.yes_codes, no_codes or missing_codes.")
        frame[item.column] = pd.array(np.where(codes.isin(yes), True, np.where(codes.isin(no), False, None)),
                                      dtype="boolean")
        n_missing = int(frame[item.column].isna().sum())
        if n_missing:
            problems.append({"problem": f"no answer to consideration {item.column!r}", "count": n_missing,
                             "handling": "left out of that consideration's share"})
    return frame.reset_index(drop=True), problems


def load_vignette_study(codebook_path: str | Path) -> VignetteStudy:
    """Read, validate and tidy a vignette study (and its considerations survey, when declared).

    Paths in the codebook are relative to the codebook's folder. The input files are only read.

    Raises
    ------
    CodebookError
        The codebook is missing or invalid.
    DataError
        A file cannot be read, a column is missing, an employee judged a vignette twice, a decision
        is not a declared category, an employee sits in two teams, or fewer than two employees remain.
    """
    codebook_path = Path(codebook_path).resolve()
    codebook = load_vignette_codebook(codebook_path)
    path = (codebook_path.parent / codebook.data).resolve()
    data, problems = _read_decisions(codebook, path)
    considerations = considerations_path = None
    if codebook.considerations is not None:
        considerations_path = (codebook_path.parent / codebook.considerations.data).resolve()
        considerations, more = _read_considerations(codebook.considerations, considerations_path)
        problems += more
    return VignetteStudy(codebook=codebook, codebook_path=codebook_path, path=path, data=data,
                         considerations=considerations, considerations_path=considerations_path,
                         problems=pd.DataFrame(problems, columns=["problem", "count", "handling"]))
