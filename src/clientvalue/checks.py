"""Data-check tables for notebook 00: what is in the export and what was wrong with it.

Every function takes a :class:`~clientvalue.survey.Survey` and returns a tidy DataFrame
with only aggregated numbers: no respondent-level rows. Groups below ``min_group_size``
have their numbers blanked (``suppressed`` is True).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clientvalue.errors import ParameterError
from clientvalue.survey import ALL_GROUP, Survey


def _check_min_size(min_group_size: int) -> None:
    if not isinstance(min_group_size, (int, np.integer)) or min_group_size < 1:
        raise ParameterError(f"min_group_size must be a whole number >= 1, got {min_group_size!r}")


def _rating_columns(survey: Survey) -> list[str]:
    return ([survey.outcome] if survey.outcome else []) + survey.items()


def summary(survey: Survey) -> pd.DataFrame:
    """One row per fact about the export: file, format, rows, columns, groups, items.

    Returns
    -------
    pandas.DataFrame
        Columns ``fact`` and ``value`` (text).
    """
    details = survey.read_details
    how = ", ".join(f"{k} {v!r}" for k, v in details.items() if k != "format" and v)
    facts = [
        ("file", survey.path.name),
        ("format", details.get("format", "") + (f" ({how})" if how else "")),
        ("respondents", f"{len(survey.data):,}"),
        ("columns in file", f"{survey.data.shape[1]:,}"),
        ("groups", str(survey.data[survey.group].nunique()) if survey.group else "none (one group)"),
        ("outcome", survey.outcome or "none"),
    ]
    for dimension, items in survey.dimensions().items():
        facts.append((f"{dimension} items", str(len(items))))
    facts.append(("survey weights", survey.weight or "none (every respondent counts once)"))
    facts.append(("senior question", survey.senior or "none"))
    return pd.DataFrame(facts, columns=["fact", "value"])


def responses_per_group(survey: Survey, *, min_group_size: int = 10) -> pd.DataFrame:
    """Respondents per group, with the groups too small to report marked and blanked.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``n`` (NaN when suppressed), ``share`` of all respondents, ``suppressed``.
    """
    _check_min_size(min_group_size)
    sizes = survey.group_sizes()
    total = len(survey.data)
    table = pd.DataFrame({"group": sizes.index.astype(str), "n": sizes.to_numpy(dtype=float)})
    table["share"] = table["n"] / total
    table["suppressed"] = table["n"] < min_group_size
    table.loc[table["suppressed"], ["n", "share"]] = np.nan
    if survey.group is not None:
        all_row = pd.DataFrame(
            {"group": [ALL_GROUP], "n": [float(total)], "share": [1.0], "suppressed": [total < min_group_size]}
        )
        table = pd.concat([all_row, table], ignore_index=True)
    return table


def missingness(survey: Survey) -> pd.DataFrame:
    """Missing answers per rating column, split by why they are missing.

    Returns
    -------
    pandas.DataFrame
        ``column``, ``dimension``, ``n_answered``, ``n_missing``, ``share_missing``,
        ``n_missing_code`` (don't know / not applicable), ``n_out_of_range`` (set to missing).
    """
    problems = survey.problems
    rows = []
    for column in _rating_columns(survey):
        values = survey.data[column]
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


def response_patterns(survey: Survey, *, min_group_size: int = 10, min_items: int = 4) -> pd.DataFrame:
    """Complete, partial and straight-lined responses per group.

    A respondent straight-lines when they gave the same answer to every item and answered at
    least ``min_items`` of them (with fewer items, identical answers say little).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``n``, ``complete``, ``partial``, ``empty``, ``straight_lining``,
        ``share_straight_lining``, ``suppressed``.
    """
    _check_min_size(min_group_size)
    items = survey.items()
    if not items:
        return pd.DataFrame(
            columns=["group", "n", "complete", "partial", "empty", "straight_lining", "share_straight_lining", "suppressed"]
        )
    answers = survey.data[items]
    answered = answers.notna().sum(axis=1)
    same = answers.nunique(axis=1, dropna=True) == 1
    flags = pd.DataFrame(
        {
            "complete": answered == len(items),
            "partial": (answered > 0) & (answered < len(items)),
            "empty": answered == 0,
            "straight_lining": same & (answered >= min(min_items, len(items))),
        }
    )
    groups = survey.data[survey.group] if survey.group else pd.Series(ALL_GROUP, index=survey.data.index)
    per_group = flags.groupby(groups.to_numpy()).sum()
    per_group.loc[ALL_GROUP] = flags.sum()
    per_group["n"] = pd.concat([groups.value_counts(), pd.Series({ALL_GROUP: len(groups)})]).groupby(level=0).max()
    table = per_group.reset_index(names="group")
    table = pd.concat([table[table["group"] == ALL_GROUP], table[table["group"] != ALL_GROUP]], ignore_index=True)
    table = table[["group", "n", "complete", "partial", "empty", "straight_lining"]].astype({"n": float})
    table["share_straight_lining"] = table["straight_lining"] / table["n"]
    table["suppressed"] = table["n"] < min_group_size
    numbers = ["n", "complete", "partial", "empty", "straight_lining", "share_straight_lining"]
    table[numbers] = table[numbers].astype(float)
    table.loc[table["suppressed"], numbers] = np.nan
    return table


def item_distributions(survey: Survey, *, min_group_size: int = 10) -> pd.DataFrame:
    """How often each answer was given, for the outcome and every item (whole sample).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``column``, ``value``, ``count``, ``share`` (of valid answers). Empty when the whole
        sample is smaller than ``min_group_size``.
    """
    _check_min_size(min_group_size)
    rows = []
    if len(survey.data) < min_group_size:
        return pd.DataFrame(columns=["column", "value", "count", "share"])
    scales = survey.scales()
    for column in _rating_columns(survey):
        lo, hi = scales[column]
        values = survey.data[column].dropna()
        counts = values.round().value_counts()
        for value in np.arange(lo, hi + 1):
            count = int(counts.get(value, 0))
            rows.append({"column": column, "value": float(value), "count": count, "share": count / max(len(values), 1)})
    return pd.DataFrame(rows, columns=["column", "value", "count", "share"])


def attributes(survey: Survey, *, min_group_size: int = 10, age_bands: tuple[int, ...] = (18, 35, 55, 65, 75, 85)) -> pd.DataFrame:
    """Who answered: respondents per category of every attribute (age in bands).

    Returns
    -------
    pandas.DataFrame
        ``attribute``, ``category``, ``n``, ``share``, ``suppressed`` (categories smaller than
        ``min_group_size`` are blanked).
    """
    _check_min_size(min_group_size)
    rows = []
    for key, attribute in survey.codebook.attributes.items():
        values = survey.data[attribute.column]
        if key == "age":
            edges = [-np.inf, *age_bands, np.inf]
            names = [f"< {age_bands[0]}"] + [f"{a}–{b - 1}" for a, b in zip(age_bands, age_bands[1:])] + [f"{age_bands[-1]}+"]
            values = pd.cut(values, edges, right=False, labels=names)
            counts = values.value_counts(sort=False, dropna=False)
        else:
            counts = values.astype("string").value_counts(dropna=False).sort_index()
        for category, count in counts.items():
            name = "(missing)" if pd.isna(category) else str(category)
            rows.append({"attribute": key, "category": name, "n": float(count)})
    table = pd.DataFrame(rows, columns=["attribute", "category", "n"])
    table = table[table["n"] > 0].reset_index(drop=True)
    table["share"] = table["n"] / len(survey.data)
    table["suppressed"] = table["n"] < min_group_size
    table.loc[table["suppressed"], ["n", "share"]] = np.nan
    return table


def handled_problems(survey: Survey) -> pd.DataFrame:
    """What cleaning handled (missing codes, out-of-range values...), one row per check and column."""
    return survey.problems.copy()


def plot_item_distributions(distributions: pd.DataFrame, *, labels: dict[str, str] | None = None, ax=None, language: str = "en"):
    """Stacked horizontal bars of the answer distribution of every rating column.

    Parameters
    ----------
    distributions : pandas.DataFrame
        The output of :func:`item_distributions`.
    labels : dict, optional
        Column -> label to show instead of the column name.
    ax : matplotlib Axes, optional
    language : {"en", "nl"}

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * max(distributions["column"].nunique(), 2) + 1.2))
    if distributions.empty:
        ax.text(0.5, 0.5, {"en": "no rating questions to show", "nl": "geen beoordelingsvragen om te tonen"}[language],
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    order = list(dict.fromkeys(distributions["column"]))[::-1]
    cmap = plt.get_cmap("RdYlGn")
    for row, column in enumerate(order):
        part = distributions[distributions["column"] == column].sort_values("value")
        lo, hi = part["value"].min(), part["value"].max()
        left = 0.0
        for value, share in zip(part["value"], part["share"]):
            ax.barh(row, share, left=left, color=cmap(0.05 + 0.9 * (value - lo) / max(hi - lo, 1)),
                    edgecolor="white", linewidth=0.5)
            if share >= 0.06:
                ax.text(left + share / 2, row, f"{value:g}", ha="center", va="center", fontsize="x-small")
            left += share
    ax.set_yticks(range(len(order)), [(labels or {}).get(c, c) for c in order])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"{x:.0%}"))
    ax.set_xlabel({"en": "share of valid answers (red = lowest answer, green = highest; numbers = answer)",
                   "nl": "aandeel van de geldige antwoorden (rood = laagste antwoord, groen = hoogste; getallen = antwoord)"}[language])
    ax.set_title({"en": "Answers per question", "nl": "Antwoorden per vraag"}[language], loc="left")
    ax.grid(False)
    return ax
