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
    return pd.DataFrame(rows)


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
    wide = distributions.pivot(index="column", columns="value", values="share").fillna(0.0)
    order = list(dict.fromkeys(distributions["column"]))[::-1]
    wide = wide.loc[order]
    colours = plt.get_cmap("RdYlGn")(np.linspace(0.05, 0.95, wide.shape[1]))
    left = np.zeros(len(wide))
    names = [(labels or {}).get(c, c) for c in wide.index]
    for (value, shares), colour in zip(wide.items(), colours):
        ax.barh(names, shares.to_numpy(), left=left, color=colour, label=f"{value:g}", edgecolor="white", linewidth=0.5)
        left += shares.to_numpy()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"{x:.0%}"))
    ax.set_xlabel({"en": "share of valid answers", "nl": "aandeel van de geldige antwoorden"}[language])
    ax.set_title({"en": "Answers per question", "nl": "Antwoorden per vraag"}[language], loc="left")
    ax.legend(title={"en": "answer", "nl": "antwoord"}[language], ncols=min(wide.shape[1], 10),
              bbox_to_anchor=(0, -0.25 - 0.02 * len(wide)), loc="upper left", fontsize="small", frameon=False)
    return ax
