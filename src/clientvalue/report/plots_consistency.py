"""Charts of notebook 40 (customisation or arbitrariness). Statistics are computed elsewhere;
these functions only draw. Suppressed teams are never drawn."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from clientvalue.report.i18n import translator
from clientvalue.report.phone import wrapped
from clientvalue.report.ticks import localize_ticks

__all__ = ["plot_vignette_agreement", "plot_variant_effect", "plot_considerations"]


def _ax(ax: Axes | None, n_rows: int) -> Axes:
    if ax is None:
        _fig, ax = plt.subplots(figsize=(8, max(2.5, 0.32 * n_rows + 1.2)))
    return ax


CLASS_COLOURS = {"clear": "#2c7fb8", "minority": "#e6a23c", "split": "#c0392b"}


def plot_vignette_agreement(table: pd.DataFrame, *, labels: dict[str, str] | None = None, split_below: float = 0.60,
                            clear_from: float = 0.80, ax: Axes | None = None, language: str = "en") -> Axes:
    """Majority share per case with its interval, coloured by the analysis' classification
    (``agreement_class``: blue clear, orange a minority decides differently, red split); dashed
    lines at ``split_below`` and ``clear_from``."""
    _ = translator(language)
    labels = labels or {}
    data = table.iloc[::-1]
    ax = _ax(ax, len(data))
    y = np.arange(len(data))
    colours = [CLASS_COLOURS.get(str(c), "#969696") for c in data["agreement_class"]]
    ax.barh(y, data["modal_share"], color=colours, alpha=0.85)
    err = np.vstack([data["modal_share"] - data["majority_low"], data["majority_high"] - data["modal_share"]])
    ax.errorbar(data["modal_share"], y, xerr=np.nan_to_num(np.clip(err, 0, None)), fmt="none", ecolor="black", lw=1)
    for bound in (split_below, clear_from):
        ax.axvline(bound, color="grey", ls="--", lw=1)
    ax.set_yticks(y, [labels.get(str(v), str(v)) for v in data["vignette"]])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(_("Employees who take the most common decision"))
    ax.set_title(_("Agreement per case (blue: clear; orange: a minority decides differently; red: split)"))
    return localize_ticks(ax, language)


def plot_variant_effect(table: pd.DataFrame, *, outcome: str, ax: Axes | None = None, language: str = "en",
                        versions: dict[str, str] | None = None, decision: str | None = None) -> Axes:
    """The variant effect per team and overall with 95% intervals; flagged effects in red.

    ``versions`` (code -> label, from the vignette codebook) names the versions in the title;
    ``decision`` names the decision of a rate outcome that is not the harshest of an ordinal scale
    (a ``focus`` from the codebook, or a nominal scale), else the axis says "the harshest decision"."""
    _ = translator(language)
    data = table[(table["outcome"] == outcome) & ~table["suppressed"].astype(bool)].iloc[::-1]
    ax = _ax(ax, len(data))
    y = np.arange(len(data))
    scale = 1.0 if outcome == "mean_position" else 100.0
    colours = np.where(data["flagged"].astype(bool), "#c0392b", "#2c7fb8")
    for yi, (_i, row), colour in zip(y, data.iterrows(), colours):
        ax.plot([scale * row["ci_low"], scale * row["ci_high"]], [yi, yi], color=colour, lw=2)
        ax.plot(scale * row["effect"], yi, "o", color=colour)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(y, [_("all employees") if t == "all" else str(t) for t in data["team"]])
    if outcome == "mean_position":
        ax.set_xlabel(_("Difference in steps on the decision scale"))
    elif decision is not None:  # a label from the codebook can be long: wrapped to the chart's width
        ax.set_xlabel(wrapped(_("Difference in the rate of “{decision}” (percentage points)", decision=decision),
                              ax.figure.get_figwidth() * 0.9, "medium"))
    else:
        ax.set_xlabel(_("Difference in the rate of the harshest decision (percentage points)"))
    names = versions or {}
    compared = sorted({str(v) for v in data["variant"]}) if "variant" in data else []
    if len(compared) == 1 and "reference" in data:
        reference = str(data["reference"].iloc[0])
        version, reference = names.get(compared[0], compared[0]), names.get(reference, reference)
        title = (_("Version “{version}” against version “{reference}” (positive: “{version}” gets “{decision}” "
                   "more often)", version=version, reference=reference, decision=decision)
                 if decision is not None and outcome != "mean_position" else
                 _("Version “{version}” against version “{reference}” (positive: “{version}” judged more harshly)",
                   version=version, reference=reference))
        ax.set_title(wrapped(title, ax.figure.get_figwidth() * 0.9, "large"))
    else:
        ax.set_title(_interval_title(data, _))
    return localize_ticks(ax, language)


def _interval_title(data: pd.DataFrame, _) -> str:
    """The variant chart's title with the intervals' actual level (team intervals are wider: Bonferroni)."""
    if "ci_level" not in data.columns or data["ci_level"].isna().all():
        return _("Other version against reference version, 95% intervals")
    overall = data.loc[data["team"] == "all", "ci_level"].dropna()
    teams = data.loc[data["team"] != "all", "ci_level"].dropna()
    if len(overall) and len(teams) and round(float(teams.max()), 4) != round(float(overall.iloc[0]), 4):
        return _("Other version against reference version; intervals {overall} for all employees, {team} per team",
                 overall=_.percent(float(overall.iloc[0]), 0), team=_.percent(float(teams.max()), 0))
    level = float(data["ci_level"].dropna().iloc[0])
    return _("Other version against reference version, {level} intervals", level=_.percent(level, 0))


def plot_considerations(table: pd.DataFrame, *, labels: dict[str, str] | None = None, ax: Axes | None = None,
                        language: str = "en") -> Axes:
    """Share of all employees weighing each consideration, with Wilson intervals."""
    _ = translator(language)
    labels = labels or {}
    data = table[(table["team"] == "all") & ~table["suppressed"].astype(bool)].sort_values("share")
    ax = _ax(ax, len(data))
    y = np.arange(len(data))
    palette = {"rules": "#2c7fb8", "equality": "#41ab5d", "own_judgement": "#c0392b", "other": "#969696"}
    ax.barh(y, data["share"], color=[palette.get(k, "#969696") for k in data["kind"]], alpha=0.85)
    err = np.vstack([data["share"] - data["ci_low"], data["ci_high"] - data["share"]])
    ax.errorbar(data["share"], y, xerr=np.clip(err, 0, None), fmt="none", ecolor="black", lw=1)
    ax.set_yticks(y, [labels.get(c, c) for c in data["consideration"]])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(_("Share of employees"))
    ax.set_title(_("What employees weigh when deciding on an exception"))
    return localize_ticks(ax, language)
