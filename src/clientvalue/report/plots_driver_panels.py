"""Value-driver charts with one panel per reported group, on shared scales.

Split from :mod:`clientvalue.report.plots_drivers`, which draws the single charts: each panel of
:func:`plot_driver_panels` is a :func:`~clientvalue.report.plots_drivers.plot_importance` or
:func:`~clientvalue.report.plots_drivers.plot_quadrants` chart on the limits of
:func:`~clientvalue.report.plots_drivers.importance_limit` or
:func:`~clientvalue.report.plots_drivers.quadrant_limits`, with one legend and one numbered key for
all panels (:func:`_fit_panel_to_phone` wraps a phone panel's labels). :func:`plot_groups` draws the
panels of a :class:`~clientvalue.analyses.drivers.DriverResults` with :func:`drivers_alt_text`, what
the chart says for readers who cannot see it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.layout_engine import TightLayoutEngine
from matplotlib.ticker import FuncFormatter

from clientvalue.analyses.drivers import DriverResults
from clientvalue.errors import ParameterError
from clientvalue.report.i18n import translator
from clientvalue.report.phone import wrapped
from clientvalue.report.plots_drivers import (importance_legend_handles, importance_limit, item_numbers,
                                              numbered_key_lines, place_numbers, plot_importance, plot_quadrants,
                                              quadrant_legend_handles, quadrant_limits)
from clientvalue.report.texts import group_label
from clientvalue.report.ticks import localize_ticks
from clientvalue.stats.importance import Importance
from clientvalue.stats.ipa_result import ImportancePerformance

__all__ = ["drivers_alt_text", "plot_driver_panels", "plot_groups"]


class _PanelLayout(NamedTuple):
    """Sizes (inches) of a chart of panels, its legend and its numbered key."""

    panel_h: float
    width: float
    n_rows: int  # question rows of the tallest importance panel (0 for quadrants)
    height: float
    top_h: float
    key_h: float
    handles: list
    legend_columns: int
    key_lines: list[str]
    key_columns: int
    per_column: int


def _frame(table: Importance | ImportancePerformance | pd.DataFrame) -> pd.DataFrame:
    """The table of an importance or IPA result; a bare drivers table as it is."""
    return table if isinstance(table, pd.DataFrame) else table.table


def _panel_groups(tables: Mapping[str, Importance | ImportancePerformance | pd.DataFrame], kind: str, columns: int) -> list[str]:
    """The groups to draw, after checking ``kind`` and ``columns``; no group at all is refused."""
    if kind not in ("importance", "quadrants"):
        raise ParameterError(f"kind must be 'importance' or 'quadrants', got {kind!r}")
    if not isinstance(columns, int) or columns < 1:
        raise ParameterError(f"columns must be a positive whole number, got {columns!r}.")
    groups = list(tables)
    if not groups:
        raise ParameterError("tables is empty: there is no reported group to draw.")
    if kind == "quadrants" and not all(isinstance(t, ImportancePerformance) for t in tables.values()):
        raise ParameterError("kind='quadrants' draws importance-performance results (stats.ipa.importance_performance).")
    return groups


def _item_order(tables: Mapping[str, pd.DataFrame], dimensions: Mapping[str, list[str]], item_col: str) -> list[str]:
    """The questions in codebook order, then those only the tables have, in their order."""
    order = [c for cols in dimensions.values() for c in cols]
    order += [i for t in tables.values() for i in t[item_col] if i not in order]
    return order


def _panel_fonts(phone: bool) -> dict[str, float]:
    """Font sizes of the panels: larger on a phone, where the chart is shown about 350 pixels wide."""
    if phone:
        return {"font.size": 12, "axes.labelsize": 10.5, "axes.titlesize": 12, "xtick.labelsize": 10.5,
                "ytick.labelsize": 10.5, "legend.fontsize": 10.5}
    return {"font.size": 10, "axes.labelsize": 9.5, "axes.titlesize": 11, "xtick.labelsize": 9,
            "ytick.labelsize": 9, "legend.fontsize": 10}


def _panel_layout(tables: Mapping[str, pd.DataFrame], kind: str, *, order: list[str], numbers: Mapping[str, int],
                  labels: Mapping[str, str] | None, dims: set[str], rows: int, columns: int, phone: bool,
                  language: str) -> _PanelLayout:
    """Panel size, legend and key (quadrants: the questions shown, numbered) and the figure's height."""
    n_rows = 0
    if kind == "importance":
        n_rows = max(len(t) for t in tables.values())
        panel_h, width = 0.9 + (0.42 if phone else 0.28) * n_rows, 5.2
        key_lines: list[str] = []
    else:
        panel_h, width = 3.5, 4.5
        shown = [i for i in order if any(i in set(t["item"]) for t in tables.values())]
        key_lines = numbered_key_lines(shown, numbers, labels)
    key_columns = 2 if (columns >= 2 and len(key_lines) > 5) else 1
    per_column = -(-len(key_lines) // key_columns) if key_lines else 0
    handles = (quadrant_legend_handles(dims, language) if kind == "quadrants"
               else importance_legend_handles(dims, language))
    legend_columns = min(len(handles), 2) if phone else len(handles)  # a phone's width holds two entries
    legend_rows = -(-len(handles) // legend_columns)
    top_h = 0.45 + 0.25 * (legend_rows - 1)
    key_h = (0.25 + (0.25 if phone else 0.215) * per_column) if key_lines else 0.0
    height = rows * panel_h + top_h + key_h
    return _PanelLayout(panel_h=panel_h, width=width, n_rows=n_rows, height=height, top_h=top_h, key_h=key_h,
                        handles=handles, legend_columns=legend_columns, key_lines=key_lines,
                        key_columns=key_columns, per_column=per_column)


def _draw_panels(axes: np.ndarray, tables: Mapping[str, Importance | ImportancePerformance | pd.DataFrame], kind: str, *,
                 labels: Mapping[str, str] | None, dimensions: Mapping[str, list[str]], numbers: Mapping[str, int],
                 layout: _PanelLayout, columns: int, phone: bool, language: str) -> None:
    """One chart per group on the shared limits, titled by the group; axis labels once per row and column."""
    groups = list(tables)
    ipas = {group: t for group, t in tables.items() if isinstance(t, ImportancePerformance)}
    if kind == "importance":
        xlim = importance_limit(tables.values())
    else:
        limits = quadrant_limits(ipas.values())
    for number, (ax, group) in enumerate(zip(axes.flat, groups)):
        if kind == "importance":
            plot_importance(tables[group], labels=labels, dimensions=dimensions, xlim=xlim, n_rows=layout.n_rows,
                            legend=False, ax=ax, language=language)
        else:
            plot_quadrants(ipas[group], labels=labels, dimensions=dimensions, numbers=numbers,
                           limits=limits, legend=False, key=False, ax=ax, language=language)
        # y=1.0: the titles stay where matplotlib puts them above a panel without ticks on top,
        # and it does not search for decorations to clear each time the panel is measured or drawn
        ax.set_title(group_label(str(group), language), loc="left", y=1.0)
        if phone:
            _fit_panel_to_phone(ax, layout.width)
        if kind == "quadrants" and number % columns:
            ax.set_ylabel("")  # one axis label per row is enough
        if number + columns < len(groups):
            ax.set_xlabel("")
    for ax in list(axes.flat)[len(groups):]:
        ax.set_axis_off()


def _add_legend_and_key(fig, layout: _PanelLayout, language: str) -> None:
    """The legend above the panels and (if any) the key of question numbers below them, in columns."""
    _ = translator(language)
    height, key_h, key_lines, per_column = layout.height, layout.key_h, layout.key_lines, layout.per_column
    fig.legend(handles=layout.handles, loc="upper left", bbox_to_anchor=(0.01, 1.0), ncols=layout.legend_columns,
               frameon=False, borderaxespad=0.2)
    if key_lines:
        fig.text(0.01, (key_h - 0.08) / height, _("Questions:"), fontweight="bold", va="top", ha="left",
                 gid="cv-key-title")
        for c in range(layout.key_columns):
            chunk = key_lines[c * per_column:(c + 1) * per_column]
            fig.text(0.01 + c * 0.5, (key_h - 0.08) / height - 0.22 / height, "\n".join(chunk), va="top",
                     ha="left", linespacing=1.45, gid="cv-key")


def plot_driver_panels(tables: Mapping[str, Importance | ImportancePerformance | pd.DataFrame], kind: str = "quadrants", *,
                       labels: Mapping[str, str] | None = None,
                       dimensions: Mapping[str, list[str]] | None = None, columns: int = 2,
                       language: str = "en"):
    """One panel per group on shared scales, with one legend and (quadrants) one numbered key.

    Parameters
    ----------
    tables : dict
        Group -> importance result or drivers table (``kind="importance"``) or importance-performance
        result (``kind="quadrants"``), already limited to the groups that may be reported, in the order to show.
    kind : {"quadrants", "importance"}
    labels : dict, optional
        Readable question texts, column -> label.
    dimensions : dict, optional
        ``{dimension: [columns]}`` in codebook order; also fixes the question numbers.
    columns : int
        Panels per row.
    language : {"en", "nl"}

    Returns
    -------
    matplotlib Figure
        Every panel has the same x and y limits; the legend sits above the panels, the key of
        question numbers below them, both outside every axes.
    """
    groups = _panel_groups(tables, kind, columns)
    columns = min(columns, len(groups))
    rows = -(-len(groups) // columns)
    dimensions = dict(dimensions or {})
    frames = {group: _frame(table) for group, table in tables.items()}
    order = _item_order(frames, dimensions, "driver" if kind == "importance" else "item")
    numbers = item_numbers(order)
    # one panel per row is the phone variant, shown about 350 pixels wide: its smallest text
    # (the question numbers, "small") must stay at least 9 CSS pixels there (report/phone.py)
    phone = columns == 1
    with plt.rc_context(_panel_fonts(phone)):
        layout = _panel_layout(frames, kind, order=order, numbers=numbers, labels=labels,
                               dims=set(dimensions) or {"practical"}, rows=rows, columns=columns, phone=phone,
                               language=language)
        fig, axes = plt.subplots(rows, columns, figsize=(layout.width * columns, layout.height), squeeze=False)
        _draw_panels(axes, tables, kind, labels=labels, dimensions=dimensions, numbers=numbers, layout=layout,
                     columns=columns, phone=phone, language=language)
        # tight layout, once: fig.tight_layout() would leave a placeholder layout engine, which makes
        # savefig lay the figure out again (a draw) before measuring its tight box (report/tightbox.py)
        TightLayoutEngine(rect=(0, layout.key_h / layout.height, 1, 1 - layout.top_h / layout.height), h_pad=1.2,
                          w_pad=1.5).execute(fig)
        _add_legend_and_key(fig, layout, language)
        if kind == "quadrants":
            for ax in list(axes.flat)[:len(groups)]:
                place_numbers(ax)
    return localize_ticks(fig, language)


def _fit_panel_to_phone(ax: Axes, width: float) -> None:
    """Wrap a phone panel's question labels and axis label so that they stay within ``width`` inches."""
    import textwrap

    from clientvalue.report.phone import LABEL_CHARACTERS

    if not isinstance(ax.yaxis.get_major_formatter(), FuncFormatter):  # question texts, not numbers
        ticks = ax.get_yticks()
        labels = [t.get_text() for t in ax.get_yticklabels()]
        if len(labels) == len(ticks) and any(len(t) > LABEL_CHARACTERS for t in labels):
            ax.set_yticks(ticks, [textwrap.fill(t, LABEL_CHARACTERS) for t in labels])
    label = ax.xaxis.label
    if label.get_text():
        label.set_text(wrapped(label.get_text().replace("\n", " "), 0.6 * width, label.get_fontsize()))


def drivers_alt_text(tables: Mapping[str, Importance | ImportancePerformance | pd.DataFrame], kind: str = "quadrants", *,
                     labels: Mapping[str, str] | None = None, language: str = "en", max_groups: int = 8) -> str:
    """What a driver chart says, for readers who cannot see it: per group the most important question.

    For the quadrant chart also how that question performs (lowest, highest or its score) and how
    many questions are in the red.
    """
    _ = translator(language)
    sentences = []
    for group, table in list(tables.items())[:max_groups]:
        item_col = "driver" if kind == "importance" else "item"
        data = _frame(table).dropna(subset=["share"])
        if data.empty:
            continue
        top = data.loc[data["share"].idxmax()]
        item = str(top[item_col])
        name = "\u2018" + (labels.get(item, item) if labels else item) + "\u2019"
        where = group_label(str(group), language)
        share = _.percent(float(top["share"]), 0)
        if kind == "importance":
            sentences.append(_("In {group}, {item} drives the overall rating most ({share} of the explained "
                               "variance).", group=where, item=name, share=share))
            continue
        perf = data["performance"].to_numpy(dtype=float)
        score = float(top["performance"])
        if len(data) > 1 and score <= np.nanmin(perf):
            sentences.append(_("In {group}, {item} is the most important question and scores lowest.",
                               group=where, item=name))
        elif len(data) > 1 and score >= np.nanmax(perf):
            sentences.append(_("In {group}, {item} is the most important question and scores highest.",
                               group=where, item=name))
        else:
            sentences.append(_("In {group}, {item} is the most important question; it scores {score} of 100.",
                               group=where, item=name, score=_.number(score, 0)))
        n_red = int(data["in_red"].astype(bool).sum())
        if n_red:
            sentences[-1] += " " + _.ngettext("{n} question is in the red.", "{n} questions are in the red.",
                                              n_red, n=_.integer(n_red))
    rest = len(tables) - max_groups
    if rest > 0:
        sentences.append(_.ngettext("The chart shows {n} more group.", "The chart shows {n} more groups.", rest,
                                    n=_.integer(rest)))
    return " ".join(sentences)


def plot_groups(results: DriverResults, kind: str = "importance", *, columns: int = 2):
    """One panel per reported group on shared scales: ``"importance"`` ranking or ``"quadrants"``.

    Drawn by :func:`plot_driver_panels`; the figure's
    ``alt_text`` attribute says what the chart shows (used by ``Report.figure`` as alt text).

    Returns
    -------
    matplotlib Figure
    """
    if kind not in ("importance", "quadrants"):
        raise ParameterError(f"kind must be 'importance' or 'quadrants', got {kind!r}")
    tables: Mapping[str, Importance | ImportancePerformance]
    tables = results.importance_results if kind == "importance" else results.ipa_results
    tables = {g: tables[g] for g in results.importance_results if g in tables}
    dimensions: dict[str, list[str]] = {}
    for row in results.drivers.drop_duplicates("item").itertuples(index=False):
        dimensions.setdefault(row.dimension, []).append(row.item)
    fig = plot_driver_panels(tables, kind, labels=results.labels, dimensions=dimensions, columns=columns,
                             language=results.language)
    fig.alt_text = drivers_alt_text(tables, kind, labels=results.labels, language=results.language)
    return fig
