"""Charts for the senior self-identification analysis (:mod:`clientvalue.stats.senior_shares`).

Statistics are computed in :mod:`clientvalue.stats.senior_shares`; these functions only draw.
Suppressed (too small) age bands are never drawn.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from clientvalue.report.i18n import Translator, translator
from clientvalue.report.ticks import localize_ticks

__all__ = ["plot_share_by_age", "plot_thresholds"]

def _percent_axis(axis, _: Translator) -> None:
    """Tick labels as whole percentages in the report's locale."""
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: _.percent(x, 0)))


def _band_x(table: pd.DataFrame) -> np.ndarray:
    """x position of each band: its (weighted) mean age, else the band midpoint."""
    lo = table["age_low"].astype(float).to_numpy()
    hi = table["age_high"].astype(float).to_numpy()
    mid = np.where(np.isnan(hi), lo + 5.0, (lo + hi + 1) / 2)
    if "age_mean" in table:
        mean = table["age_mean"].astype(float).to_numpy()
        return np.where(np.isnan(mean), mid, mean)
    return mid


def plot_share_by_age(by_band: pd.DataFrame, *, curve=None, reference: pd.DataFrame | None = None,
                      threshold: float | None = None, ax: Axes | None = None, language: str = "en",
                      ci: float = 0.95) -> Axes:
    """Band shares with interval whiskers, the fitted curve and optional overlays.

    Parameters
    ----------
    by_band : DataFrame
        The ``table`` of :func:`clientvalue.stats.senior_shares.share_by_age_band` (or
        ``SeniorResults.by_age``). Suppressed bands are not drawn.
    curve : SeniorCurve, optional
        From :func:`clientvalue.stats.senior_shares.fit_curve`; drawn with its confidence band
        when its status is ``"ok"``.
    reference : DataFrame, optional
        Published "feeling old" figures (e.g. ``senior.REFERENCE_FIGURES``), drawn
        with distinct markers and labelled as a different measure.
    threshold : number, optional
        An age rule, drawn as a vertical line.
    ax : Axes, optional
        Axes to draw on; a new figure otherwise.
    language : {"en", "nl"}
    ci : float
        Confidence level of the curve's band.

    Returns
    -------
    Axes
    """
    _ = translator(language)
    if ax is None:
        _fig, ax = plt.subplots(figsize=(8, 5))
    shown = by_band[~by_band["suppressed"].astype(bool)]
    if len(shown):
        x = _band_x(shown)
        p = shown["share_senior"].astype(float).to_numpy()
        yerr = np.clip(np.vstack([p - shown["ci_low"].astype(float).to_numpy(),
                                  shown["ci_high"].astype(float).to_numpy() - p]), 0.0, None)  # round-off
        cont = ax.errorbar(x, p, yerr=yerr, fmt="o", color="C0", capsize=4, label=_("Age band (95%\u00a0interval)"), zorder=3)
        cont.lines[0].set_gid("band_points")
    if curve is not None and getattr(curve, "status", None) == "ok":
        # drawn between whole lustra inside the observed range, so that the curve's ends do not
        # give away the exact age of the youngest or oldest respondent
        low, high = np.ceil(curve.age_min / 5) * 5, np.floor(curve.age_max / 5) * 5
        if high <= low:
            low, high = curve.age_min, curve.age_max
        pr = curve.predict(np.linspace(low, high, 200), ci=ci)
        ax.plot(pr["age"], pr["p"], color="C1", label=_("Fitted curve (95%\u00a0band)"))
        ax.fill_between(pr["age"], pr["ci_low"], pr["ci_high"], color="C1", alpha=0.2, linewidth=0)
    if reference is not None and len(reference):
        for k, (source, grp) in enumerate(reference.groupby("source", sort=False)):
            lo = grp["age_low"].astype(float).to_numpy()
            hi = grp["age_high"].astype(float).to_numpy()
            xr = np.where(np.isnan(hi), lo + 5.0, (lo + hi + 1) / 2)
            ax.plot(xr, grp["share"].astype(float), linestyle="none", marker=["s", "^", "D", "v"][k % 4],
                    markerfacecolor="none", color=f"C{k + 2}", label=_("Feeling old ({source}, other measure)", source=source))
    if threshold is not None:
        ax.axvline(float(threshold), color="grey", linestyle="--", label=_("Age rule {t}+", t=_.integer(threshold)))
    ax.set_ylim(0, 1)
    _percent_axis(ax.yaxis, _)
    ax.set_title(_("Share who see themselves as a senior, by age"), y=1.0)  # y: see plot_driver_panels
    ax.set_xlabel(_("Age (years)"))
    ax.set_ylabel(_("Sees themselves as a senior"))
    _legend_below(ax)
    return localize_ticks(ax, language)


def plot_thresholds(table: pd.DataFrame, *, ax: Axes | None = None, language: str = "en") -> Axes:
    """Per age rule: share labelled senior against their self-image, and share missed.

    Parameters
    ----------
    table : DataFrame
        The ``table`` of :func:`clientvalue.stats.senior_shares.threshold_comparison` (or
        ``SeniorResults.thresholds``). Suppressed shares (missing) are not drawn.
    ax : Axes, optional
    language : {"en", "nl"}

    Returns
    -------
    Axes
    """
    _ = translator(language)
    if ax is None:
        _fig, ax = plt.subplots(figsize=(8, 5))
    t = table["threshold"].astype(float).to_numpy()
    for col, lo, hi, label, color, marker in (
        ("labelled_against_self_image", "ci_low", "ci_high", _("Labelled senior against their self-image"), "C3", "o"),
        ("missed", "missed_ci_low", "missed_ci_high", _("Sees themselves as senior but below the rule (missed)"),
         "C0", "s"),
    ):
        p = table[col].astype(float).to_numpy()
        ok = ~np.isnan(p)
        if ok.any():
            yerr = np.clip(np.vstack([p[ok] - table[lo].astype(float).to_numpy()[ok],
                                      table[hi].astype(float).to_numpy()[ok] - p[ok]]), 0.0, None)
            ax.errorbar(t[ok], p[ok], yerr=yerr, fmt=f"-{marker}", color=color, capsize=4, label=label)
    ax.set_ylim(0, 1)
    ax.set_xticks(t)
    ax.set_xticklabels(_staggered([f"{v:g}+" for v in t], t))
    _percent_axis(ax.yaxis, _)
    ax.set_title(_("An age rule compared with self-image"), y=1.0)  # y: see plot_driver_panels
    ax.set_xlabel(_("Age rule: senior from age"))
    ax.set_ylabel(_("Share"))
    _legend_below(ax)
    return localize_ticks(ax, language)


def _legend_below(ax: Axes) -> None:
    """The legend under the axes, where it covers no point (one entry per line: it fits a phone)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), fontsize="small", frameon=False, ncols=1)


def _staggered(labels: list[str], positions, min_gap: float = 4.0) -> list[str]:
    """Tick labels on two alternating lines where neighbours are closer than ``min_gap`` (no "65+67+").

    >>> _staggered(["60+", "65+", "67+", "70+"], [60, 65, 67, 70])
    ['60+', '65+', '\\n67+', '70+']
    """
    out, low = [], False
    for k, label in enumerate(labels):
        close = k > 0 and float(positions[k]) - float(positions[k - 1]) < min_gap
        low = close and not low
        out.append("\n" + label if low else label)
    return out
