"""The data check's reader text (notebook 00): the facts about the export, the attribute
categories in the report's language and the chart of the answer distributions.

The counting is in :mod:`clientvalue.data.checks` (language-free); this module words it. The tables
keep codes and English (as their CSV copies do); the ``*_labels`` functions return what a report
shows instead, for ``Report.table(..., value_labels=...)``: ``{column: {value: label}}`` in one
language.
"""

from __future__ import annotations

import pandas as pd

from clientvalue.data import checks
from clientvalue.data.survey import Survey
from clientvalue.defaults import AGE_BANDS, MIN_GROUP_SIZE
from clientvalue.report.i18n import N_, translator


def summary(survey: Survey, *, min_group_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """One row per fact about the export: file, format, respondents, groups, items.

    The number of respondents is that of the reported groups: the total of the file would,
    minus the reported groups, give away the size of the groups too small to report.

    Returns
    -------
    pandas.DataFrame
        Columns ``fact`` and ``value`` (English text, as the CSV keeps it; a report in another
        language shows the cells of :func:`summary_labels`).
    """
    return pd.DataFrame(_facts(survey, min_group_size, "en"), columns=SUMMARY_COLUMNS)


def summary_labels(survey: Survey, *, min_group_size: int = MIN_GROUP_SIZE,
                   language: str = "en") -> dict[str, dict[str, str]]:
    """The cells of :func:`summary` in ``language``: ``{"fact": {english: text}, "value": {english: text}}``."""
    english, shown = _facts(survey, min_group_size, "en"), _facts(survey, min_group_size, language)
    return {column: dict(zip([row[i] for row in english], [row[i] for row in shown]))
            for i, column in enumerate(SUMMARY_COLUMNS)}


def _facts(survey: Survey, min_group_size: int, language: str) -> list[tuple[str, str]]:
    _ = translator(language)
    details = survey.read_details
    how = ", ".join(f"{_(READ_DETAILS[k]) if k in READ_DETAILS else k} {v!r}"
                    for k, v in details.items() if k != "format" and v)
    reported = len(survey.reported_data(min_group_size))
    small = survey.suppressed_groups(min_group_size)
    none = _("none")
    facts = [
        (_("file"), survey.path.name),
        (_("format"), details.get("format", "") + (f" ({how})" if how else "")),
        (_("respondents in reported groups"), _.integer(reported)),
        (_("groups too small to report"),
         _("{k} (each fewer than {n} respondents; left out of every number)",
           k=_.integer(len(small)), n=_.integer(min_group_size))),
        (_("columns in file"), _.integer(survey.data.shape[1])),
        (_("groups"), _.integer(survey.data[survey.group].nunique()) if survey.group else _("none (one group)")),
        (_("outcome"), _named_column(survey, survey.outcome, language) if survey.outcome else none),
    ]
    for dimension, items in survey.dimensions().items():
        facts.append((_(ITEM_FACTS[dimension]) if dimension in ITEM_FACTS else _("{dimension} items", dimension=dimension),
                      _.integer(len(items))))
    facts.append((_("survey weights"), _named_column(survey, survey.weight, language) if survey.weight
                  else _("none (every respondent counts once)")))
    facts.append((_("senior question"), _named_column(survey, survey.senior, language) if survey.senior else none))
    return facts


def _named_column(survey: Survey, column: str, language: str) -> str:
    """A column as a reader knows it: the codebook's label, with the file's column name after it."""
    _ = translator(language)
    label = survey.label(column, language)
    in_file = _("column {name}", name=column)
    return in_file if label == column else f"{label} ({in_file})"


SUMMARY_COLUMNS = ["fact", "value"]
ITEM_FACTS = {"practical": N_("practical items"), "emotional": N_("emotional items")}
READ_DETAILS = {"encoding": N_("encoding"), "delimiter": N_("delimiter"), "decimal": N_("decimal"), "sheet": N_("sheet")}


OTHER = N_("other (each fewer than {n})")


def attributes(
    survey: Survey,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    age_bands: list[int] | tuple[int, ...] = AGE_BANDS,
    language: str = "en",
) -> pd.DataFrame:
    """Who answered: :func:`clientvalue.data.checks.attribute_counts` worded in ``language``.

    The pooled row of small categories reads "other (each fewer than 10)", missing answers
    "(missing)", and an attribute with too many distinct values "42 different values".

    Returns
    -------
    pandas.DataFrame
        ``attribute``, ``category``, ``n``, ``share``, ``suppressed``; :func:`attribute_labels` shows
        the attributes by their codebook labels.
    """
    _ = translator(language)
    table = checks.attribute_counts(survey, min_group_size=min_group_size, age_bands=age_bands)
    words = {
        checks.MISSING: lambda category: _("(missing)"),
        checks.OTHER: lambda category: _(OTHER, n=_.integer(min_group_size)),
        checks.DISTINCT: lambda category: _("{n} different values", n=_.integer(int(category))),
    }
    table["category"] = [words[kind](category) if kind in words else category
                         for kind, category in zip(table["kind"], table["category"])]
    return table.drop(columns="kind")


def attribute_labels(survey: Survey, *, language: str = "en") -> dict[str, dict[str, str]]:
    """The attributes of :func:`attributes` by their codebook labels in ``language`` (the key without one)."""
    return {"attribute": {key: a.label.get(language) or key for key, a in survey.codebook.attributes.items()}}


def column_labels(survey: Survey, *, language: str = "en") -> dict[str, dict[str, str]]:
    """The ``column`` of a data-check table (missing answers, problems handled) by its codebook label."""
    return {"column": {column: survey.label(column, language) for column in survey.codebook.columns()}}


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

    _ = translator(language)
    if ax is None:
        _fig, ax = plt.subplots(figsize=(8, 0.45 * max(distributions["column"].nunique(), 2) + 1.2))
    if distributions.empty:
        ax.text(0.5, 0.5, _("no rating questions to show"),
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
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _pos: _.percent(x, 0)))
    ax.set_xlabel(_("share of valid answers (red = lowest answer, green = highest; numbers = answer)"))
    ax.set_title(_("Answers per question"), loc="left", y=1.0)  # y: see plot_driver_panels
    ax.grid(False)
    return ax
