"""Data-check tables for notebook 00: what is in the export and what was wrong with it.

Every function takes a :class:`~clientvalue.data.survey.Survey` and returns a tidy DataFrame
with only aggregated numbers: no respondent-level rows. Groups below ``min_group_size``
have their numbers blanked (``suppressed`` is True).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clientvalue import disclosure
from clientvalue.defaults import AGE_BANDS, MIN_GROUP_SIZE
from clientvalue.data.categories import MAX_CODES, band_numeric, is_numeric
from clientvalue.data.survey import ALL_GROUP, Survey


def responses_per_group(survey: Survey, *, min_group_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Respondents per reported group (groups too small to report are neither shown nor named).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``n``, ``share`` of the reported respondents, ``suppressed`` (only for a survey
        without groups that is itself smaller than ``min_group_size``).
    """
    disclosure.check_min_group_size(min_group_size)
    sizes = survey.group_sizes()
    if survey.group is not None:
        sizes = sizes[sizes >= min_group_size]  # clientvalue.disclosure: never named
    total = len(survey.reported_data(min_group_size))
    table = pd.DataFrame({"group": sizes.index.astype(str), "n": sizes.to_numpy(dtype=float)})
    if survey.group is not None:
        all_row = pd.DataFrame({"group": [ALL_GROUP], "n": [float(total)]})
        table = pd.concat([all_row, table], ignore_index=True)
    table["share"] = table["n"] / total if total else np.nan
    table["suppressed"] = table["n"] < min_group_size
    table.loc[table["suppressed"], ["n", "share"]] = np.nan
    return table


def missingness(survey: Survey, *, min_group_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Missing answers per rating column (reported groups), split by why they are missing.

    ``n_missing_code`` and ``n_out_of_range`` count what cleaning handled in the reported rows. A
    report shows the columns by their codebook labels (``column_labels`` in report/checks_text.py).

    Returns
    -------
    pandas.DataFrame
        ``column``, ``dimension``, ``n_answered``, ``n_missing``, ``share_missing``,
        ``n_missing_code`` (don't know / not applicable), ``n_out_of_range`` (set to missing).
    """
    problems = disclosure.reported_problems(survey, min_group_size)
    data = survey.reported_data(min_group_size)
    rows = []
    for column in survey.rating_columns():
        values = data[column]
        handled = problems[problems["column"] == column]
        codes = handled.loc[handled["check"].isin(["missing_code", "user_missing_code"]), "count"].sum()
        out = handled.loc[handled["check"] == "out_of_range", "count"].sum()
        dimension = "outcome" if column == survey.outcome else survey.dimension_of(column)
        rows.append(
            {
                "column": column,
                "dimension": dimension,
                "n_answered": int(values.notna().sum()),
                "n_missing": int(values.isna().sum()),
                "share_missing": float(values.isna().mean()),
                "n_missing_code": int(codes),
                "n_out_of_range": int(out),
            }
        )
    return pd.DataFrame(rows)


def response_patterns(survey: Survey, *, min_group_size: int = MIN_GROUP_SIZE, min_items: int = 4) -> pd.DataFrame:
    """Complete, partial and straight-lined responses per group.

    A respondent straight-lines when they gave the same answer to every item and answered at
    least ``min_items`` of them (with fewer items, identical answers say little).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``n``, ``complete``, ``partial``, ``empty``, ``straight_lining``,
        ``share_straight_lining``, ``suppressed``.
    """
    disclosure.check_min_group_size(min_group_size)
    items = survey.items()
    if not items:
        return pd.DataFrame(
            columns=["group", "n", "complete", "partial", "empty", "straight_lining", "share_straight_lining", "suppressed"]
        )
    data = survey.reported_data(min_group_size)
    answers = data[items]
    answered = answers.notna().sum(axis=1)
    # the same answer to every answered item: highest equals lowest (vectorised; a row-wise
    # nunique costs seconds per 100,000 rows)
    same = (answered > 0) & (answers.max(axis=1) == answers.min(axis=1))
    flags = pd.DataFrame(
        {
            "complete": answered == len(items),
            "partial": (answered > 0) & (answered < len(items)),
            "empty": answered == 0,
            "straight_lining": same & (answered >= min(min_items, len(items))),
        }
    )
    flags.insert(0, "n", 1)
    table = flags.sum().rename(ALL_GROUP).to_frame().T
    if survey.group is not None:
        table = pd.concat([table, flags.groupby(data[survey.group].to_numpy()).sum()])
    table = table.rename_axis("group").reset_index()
    table["share_straight_lining"] = table["straight_lining"] / table["n"]
    table["suppressed"] = table["n"] < min_group_size
    numbers = ["n", "complete", "partial", "empty", "straight_lining", "share_straight_lining"]
    table[numbers] = table[numbers].astype(float)
    table.loc[table["suppressed"], numbers] = np.nan
    return table


def item_distributions(survey: Survey, *, min_group_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """How often each answer was given, for the outcome and every item (reported groups).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``column``, ``value``, ``count``, ``share`` (of valid answers). Empty when the whole
        sample is smaller than ``min_group_size``.
    """
    disclosure.check_min_group_size(min_group_size)
    rows = []
    data = survey.reported_data(min_group_size)
    if len(data) < min_group_size:
        return pd.DataFrame(columns=["column", "value", "count", "share"])
    scales = survey.scales()
    for column in survey.rating_columns():
        lo, hi = scales[column]
        values = data[column].dropna()
        counts = values.round().value_counts()
        for value in np.arange(lo, hi + 1):
            count = int(counts.get(value, 0))
            rows.append({"column": column, "value": float(value), "count": count, "share": count / max(len(values), 1)})
    return pd.DataFrame(rows, columns=["column", "value", "count", "share"])


MAX_CATEGORIES = 30
# What a row of :func:`attribute_counts` holds in ``category`` (the report words them: report/checks_text.py)
VALUE, MISSING, OTHER, DISTINCT = "value", "missing", "other", "distinct"


def attribute_counts(
    survey: Survey,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    age_bands: list[int] | tuple[int, ...] = AGE_BANDS,
) -> pd.DataFrame:
    """Who answered: respondents per category of every attribute (age in bands), language-free.

    Age and numeric protected attributes are banded as the fairness audit bands them
    (:func:`clientvalue.data.categories.band_numeric`: bands of at least ``min_group_size``,
    rounded bounds). Categories smaller than ``min_group_size`` are pooled into one row of kind
    ``"other"`` whose category names none of them (a rare category's name can itself identify
    someone); that row is blanked when it is small too, and then so is the attribute's next smallest
    row (otherwise the blank would follow from the total minus the others). An attribute with more
    than 30 distinct values (free text, ids) is one row of kind ``"distinct"`` whose category is
    the number of distinct values. ``attributes`` in report/checks_text.py words the
    kinds in the report's language.

    Returns
    -------
    pandas.DataFrame
        ``attribute``, ``category``, ``kind`` (``value``, ``missing``, ``other``, ``distinct``),
        ``n``, ``share``, ``suppressed``.
    """
    disclosure.check_min_group_size(min_group_size)
    rows = []
    data = survey.reported_data(min_group_size)
    for key, attribute in survey.codebook.attributes.items():
        values = data[attribute.column]
        age = key == "age" or attribute.column == survey.age
        if is_numeric(values) and (age or (attribute.protected and values.nunique() > MAX_CODES)):
            # banded as the fairness audit bands them: rounded bounds, never an exact value
            values, order = band_numeric(values, min_group_size=min_group_size,
                                         edges=list(age_bands) if age else None)
            counts = values.value_counts(dropna=False)
            counts = counts.reindex([c for c in order if c in counts.index] + [c for c in counts.index if pd.isna(c)])
        else:
            counts = values.astype("string").value_counts(dropna=False).sort_index()
            if len(counts) > MAX_CATEGORIES:
                rows.append({"attribute": key, "category": str(len(counts)), "kind": DISTINCT, "n": np.nan})
                continue
        small = 0.0
        for category, count in counts.items():
            if count == 0:
                continue
            if count < min_group_size:
                small += count
                continue
            missing = pd.isna(category)
            rows.append({"attribute": key, "category": "" if missing else str(category),
                         "kind": MISSING if missing else VALUE, "n": float(count)})
        if small:
            rows.append({"attribute": key, "category": "", "kind": OTHER, "n": small})
    table = pd.DataFrame(rows, columns=["attribute", "category", "kind", "n"])
    table["share"] = table["n"] / max(len(data), 1)
    table["suppressed"] = table["n"].isna() | (table["n"] < min_group_size)
    for key in table.loc[table["n"] < min_group_size, "attribute"].unique():
        # secondary suppression: with one blank row, its count would be the total minus the others
        rows_of = table.index[(table["attribute"] == key) & ~table["suppressed"]]
        if len(rows_of) and int(((table["attribute"] == key) & table["suppressed"]).sum()) == 1:
            table.loc[table.loc[rows_of, "n"].idxmin(), "suppressed"] = True
    table.loc[table["suppressed"], ["n", "share"]] = np.nan
    return table


def handled_problems(survey: Survey, *, min_group_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """What cleaning handled (missing codes, out-of-range values...), one row per check and column.

    Counted over the rows of reported groups only (:func:`clientvalue.disclosure.reported_problems`).
    ``check`` holds a code (``out_of_range``, ...) and ``action`` the English wording; a report
    shows both in its language (``shown_frame`` in report/texts.py) and ``column`` by the codebook's
    labels (``column_labels`` in report/checks_text.py).
    """
    return disclosure.reported_problems(survey, min_group_size)
