"""Charts of the comparisons page (notebook 50): trend per service, funnel plot, unit intervals.

Every chart shows uncertainty: no unit is ever ranked without its interval, and units are drawn
in alphabetical order (never sorted by their mean). Charts take ``ax=None`` and return the axes;
the trend chart draws small multiples and takes ``columns`` (1 for a phone).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from clientvalue.report.i18n import translator
from clientvalue.report.texts import group_label

__all__ = ["plot_trend", "plot_funnel", "plot_unit_intervals"]


def plot_trend(levels: pd.DataFrame, *, question: str, waves: list[str], language: str = "en", columns: int = 3,
               width: float = 8.0, question_label: str | None = None):
    """The mean of ``question`` per wave with 95% intervals, one panel per group (shared y axis).

    Parameters
    ----------
    levels : DataFrame
        ``levels`` of :class:`~clientvalue.analyses.comparisons.ComparisonsResult`.
    question : str
        The question (usually the outcome).
    waves : list of str
        The waves in order (the x axis).
    language : {"en", "nl"}
    columns : int
        Panels per row (1 for a phone).
    width : float
        Figure width in inches.
    question_label : str, optional
        The question's wording for the y axis.

    Returns
    -------
    Figure
    """
    _ = translator(language)
    data = levels[levels["question"] == question]
    groups = list(dict.fromkeys(data["group"]))
    if not groups:
        fig, ax = plt.subplots(figsize=(width, 2))
        ax.set_axis_off()
        ax.text(0.5, 0.5, _("No levels to show."), ha="center", va="center")
        return fig
    rows = math.ceil(len(groups) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(width, 2.4 * rows + 0.6), sharey=True, squeeze=False,
                             layout="constrained")
    x_of = {w: i for i, w in enumerate(waves)}
    for ax, group in zip(axes.flat, groups):
        part = data[data["group"] == group].sort_values("wave", key=lambda s: s.map(x_of))
        x = part["wave"].map(x_of).to_numpy(dtype=float)
        y = part["mean"].to_numpy(dtype=float)
        err = np.vstack([y - part["ci_low"].to_numpy(dtype=float), part["ci_high"].to_numpy(dtype=float) - y])
        ax.errorbar(x, y, yerr=np.clip(err, 0, None), fmt="o-", color="C0", capsize=4)
        ax.set_title(group_label(group, language), fontsize="medium")
        ax.set_xticks(range(len(waves)), [str(w) for w in waves])
        ax.set_xlim(-0.5, len(waves) - 0.5)
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(groups):]:
        ax.set_axis_off()
    for ax in axes[:, 0]:
        ax.set_ylabel(_("mean"))
    fig.suptitle(question_label or question, fontsize="medium")
    fig.alt_text = _("Mean per wave with 95%\u00a0intervals, one panel per group.")
    return fig


def plot_funnel(units: pd.DataFrame, *, reference: float, ax: Axes | None = None, language: str = "en") -> Axes:
    """Funnel plot: each unit's case-mix adjusted (unshrunk) mean against its number of respondents.

    The 95% and 99.8% limits are ``reference +- z sqrt(sigma2 / n)`` (Spiegelhalter 2005), taken
    from the units table (``funnel_*`` columns) and drawn as curves over the range of unit sizes.
    Units outside the 99.8% limits are labelled with their name.
    """
    _ = translator(language)
    if ax is None:
        _fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
    if units.empty:
        ax.set_axis_off()
        return ax
    n = units["n"].to_numpy(dtype=float)
    half_95 = (units["funnel_high_95"] - reference).to_numpy(dtype=float) * np.sqrt(n)  # z95 * sigma
    half_998 = (units["funnel_high_998"] - reference).to_numpy(dtype=float) * np.sqrt(n)
    grid = np.linspace(max(1.0, n.min() * 0.8), n.max() * 1.1, 200)
    ax.axhline(reference, color="0.3", lw=1)
    for half, style, label in ((np.median(half_95), "--", _("95%\u00a0limits")),
                               (np.median(half_998), ":", _("99.8%\u00a0limits"))):
        ax.plot(grid, reference + half / np.sqrt(grid), style, color="0.4", label=label)
        ax.plot(grid, reference - half / np.sqrt(grid), style, color="0.4")
    colours = units["position"].map({"above": "C2", "below": "C3"}).fillna("C0")
    ax.scatter(n, units["case_mix_mean"], c=list(colours), zorder=3)
    for row in units[units["position"] != "within"].itertuples(index=False):
        ax.annotate(str(row.unit), (row.n, row.case_mix_mean), textcoords="offset points", xytext=(5, 4),
                    fontsize="small")
    ax.set_xlabel(_("respondents"))
    ax.set_ylabel(_("mean adjusted for case mix"))
    ax.legend(loc="upper right", frameon=False)
    ax.figure.alt_text = _("Funnel plot of the units' adjusted means against their number of respondents.")
    return ax


def plot_unit_intervals(units: pd.DataFrame, *, reference: float, ax: Axes | None = None,
                        language: str = "en") -> Axes:
    """Each unit's adjusted (shrunk) mean with its 95% interval, units in alphabetical order."""
    _ = translator(language)
    shown = units.sort_values("unit", ascending=False)  # alphabetical from the top
    if ax is None:
        _fig, ax = plt.subplots(figsize=(8, 0.4 * max(len(shown), 2) + 1.2), layout="constrained")
    if shown.empty:
        ax.set_axis_off()
        return ax
    y = np.arange(len(shown))
    m = shown["adjusted_mean"].to_numpy(dtype=float)
    err = np.vstack([m - shown["ci_low"].to_numpy(dtype=float), shown["ci_high"].to_numpy(dtype=float) - m])
    colours = shown["position"].map({"above": "C2", "below": "C3"}).fillna("C0").tolist()
    for yi, mi, lo, hi, c in zip(y, m, err[0], err[1], colours):
        ax.errorbar(mi, yi, xerr=[[max(lo, 0)], [max(hi, 0)]], fmt="o", color=c, capsize=3)
    ax.axvline(reference, color="0.4", ls="--", lw=1, label=_("typical unit"))
    ax.set_yticks(y, [str(u) for u in shown["unit"]])
    ax.set_xlabel(_("adjusted mean (95%\u00a0interval)"))
    ax.legend(loc="lower right", frameon=False)
    ax.figure.alt_text = _("Adjusted mean per unit with its 95%\u00a0interval, in alphabetical order.")
    return ax
