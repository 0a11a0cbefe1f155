"""Charts for the value-driver analysis: value split, driver importance, quadrants.

Statistics come from :mod:`clientvalue.stats.importance` and :mod:`clientvalue.stats.ipa`; these functions
only draw. Each takes ``ax=None`` (a new figure) and ``language="en"|"nl"`` and returns the Axes.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from clientvalue.errors import ParameterError
from clientvalue.report.i18n import Translator, translator
from clientvalue.report.texts import DIMENSION_NAMES, QUADRANT_LABELS, group_label

__all__ = ["plot_importance", "plot_quadrants", "plot_value_split"]

COLOURS = {"practical": "#1f6f8b", "emotional": "#e07a2f"}
_OTHER_COLOURS = ["#6a994e", "#8e6c8a", "#bc4749", "#7f7f7f"]
RED = "#c0392b"

def _percent_axis(axis, _: Translator) -> None:
    """Tick labels as whole percentages in the report's locale."""
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: _.percent(x, 0)))


def _need(table: pd.DataFrame, columns: list[str], argument: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"{argument} must be a pandas DataFrame, got {type(table).__name__}.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ParameterError(f"{argument} lacks columns {missing}; it has {list(table.columns)}.")


def _ax(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _dimension_name(dim: str, _: Translator) -> str:
    return _(DIMENSION_NAMES[dim]) if dim in DIMENSION_NAMES else dim


def plot_value_split(profile: pd.DataFrame, *, ax: Axes | None = None,
                     language: str = "en") -> Axes:
    """One bar per group: practical share from the left, emotional share from the right.

    Parameters
    ----------
    profile : pandas.DataFrame
        Columns ``group``, ``practical_share``, ``practical_ci_low``, ``practical_ci_high``,
        ``emotional_share``, ``emotional_ci_low``, ``emotional_ci_high`` (shares 0-1). Groups
        must already be filtered for minimum size; rows with a missing share are not drawn.
    ax : matplotlib Axes, optional
    language : {"en", "nl"}

    Notes
    -----
    When the two shares add up to one the bars meet; the whiskers on each side of the meeting
    point show the 95% intervals. A dotted line marks 50%.
    """
    _ = translator(language)
    cols = ["group", "practical_share", "practical_ci_low", "practical_ci_high",
            "emotional_share", "emotional_ci_low", "emotional_ci_high"]
    _need(profile, cols, "profile")
    data = profile.dropna(subset=["practical_share", "emotional_share"]).reset_index(drop=True)
    ax = _ax(ax, (8, 1.2 + 0.6 * max(len(data), 1)))
    y = np.arange(len(data))[::-1]
    p = data["practical_share"].to_numpy(dtype=float)
    e = data["emotional_share"].to_numpy(dtype=float)
    ax.barh(y, p, height=0.6, color=COLOURS["practical"], label=_(DIMENSION_NAMES["practical"]))
    ax.barh(y, e, left=1 - e, height=0.6, color=COLOURS["emotional"], label=_(DIMENSION_NAMES["emotional"]))
    for yy, pp, ee, row in zip(y, p, e, data.itertuples(), strict=True):
        # one whisker where the bars meet: the emotional interval mirrors the practical one
        lo, hi = row.practical_ci_low, row.practical_ci_high
        if np.isfinite(lo) and np.isfinite(hi):
            ax.errorbar(pp, yy, xerr=[[max(pp - lo, 0.0)], [max(hi - pp, 0.0)]], fmt="none", ecolor="black",
                        capsize=4, lw=1.4)
        if pp >= 0.1:
            ax.text(0.01, yy, _.percent(pp, 0), va="center", ha="left", color="white", fontweight="bold")
        if ee >= 0.1:
            ax.text(0.99, yy, _.percent(ee, 0), va="center", ha="right", color="white", fontweight="bold")
    ax.axvline(0.5, color="black", ls=":", lw=1)
    ax.set_yticks(y, [group_label(str(g), language) for g in data["group"]])
    ax.set_xlim(0, 1)
    _percent_axis(ax.xaxis, _)
    ax.set_xlabel(_("Share of the explained variance in the overall rating"))
    ax.set_title(_("What drives the overall rating: practical or emotional value?"), pad=22)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)
    return ax


def plot_importance(table: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
                    dimensions: Mapping[str, list[str]] | None = None, value: str = "share",
                    ax: Axes | None = None, language: str = "en") -> Axes:
    """Drivers ranked by importance, with interval whiskers, coloured by dimension.

    Parameters
    ----------
    table : pandas.DataFrame
        A drivers table: ``driver``, ``importance``, ``share``, ``ci_low``, ``ci_high`` (the
        interval of ``importance``; all-NaN without bootstrap), optionally ``dimension``.
    labels : dict, optional
        Readable question texts, column -> label.
    dimensions : dict, optional
        ``{dimension: [columns]}``, used when ``table`` has no ``dimension`` column.
    value : {"share", "importance"}, default "share"
        Plot shares of R² or raw contributions to R².
    ax : matplotlib Axes, optional
    language : {"en", "nl"}
    """
    _ = translator(language)
    if value not in ("share", "importance"):
        raise ParameterError(f"value must be 'share' or 'importance', got {value!r}.")
    _need(table, ["driver", "importance", "share", "ci_low", "ci_high"], "table")
    data = table.copy()
    if "dimension" not in data.columns:
        dim_of = {c: d for d, cols in (dimensions or {}).items() for c in cols}
        data["dimension"] = [dim_of.get(d, "") for d in data["driver"]]
    data = data.sort_values(value, ascending=True, kind="stable").reset_index(drop=True)
    ax = _ax(ax, (8, 1.2 + 0.4 * max(len(data), 1)))
    x = data[value].to_numpy(dtype=float)
    boot = table.attrs.get("boot")
    if value == "share" and isinstance(boot, np.ndarray) and boot.shape[1:] == (len(table),):
        # percentile interval of each replicate's share (importance / replicate R²)
        level = float(table.attrs.get("ci", 0.95))
        rep = boot[~np.isnan(boot).any(axis=1)]
        rep = rep / rep.sum(axis=1, keepdims=True)
        q = np.quantile(rep, [(1 - level) / 2, (1 + level) / 2], axis=0)
        order = [list(table["driver"]).index(d) for d in data["driver"]]
        lo, hi = q[0, order], q[1, order]
    else:
        imp = data["importance"].to_numpy(dtype=float)
        scale = np.divide(x, imp, out=np.full_like(x, np.nan), where=imp != 0) \
            if value == "share" else np.ones_like(x)
        lo = data["ci_low"].to_numpy(dtype=float) * scale
        hi = data["ci_high"].to_numpy(dtype=float) * scale
    dims = list(dict.fromkeys(d for d in data["dimension"] if d))
    palette = {d: COLOURS.get(d, _OTHER_COLOURS[i % len(_OTHER_COLOURS)])
               for i, d in enumerate(dims)}
    colours = [palette.get(d, "#999999") for d in data["dimension"]]
    y = np.arange(len(data))
    ax.barh(y, x, color=colours, height=0.7)
    ok = np.isfinite(lo) & np.isfinite(hi)
    if ok.any():
        ax.errorbar(x[ok], y[ok], xerr=[np.clip(x[ok] - lo[ok], 0, None),
                                        np.clip(hi[ok] - x[ok], 0, None)],
                    fmt="none", ecolor="black", capsize=2, lw=1)
    names = [labels.get(d, d) if labels else d for d in data["driver"]]
    ax.set_yticks(y, names)
    if value == "share":
        _percent_axis(ax.xaxis, _)
    ax.set_xlim(left=0)
    ax.set_xlabel(_("Share of the explained variance (95%\u00a0interval)") if value == "share"
                  else _("Contribution to R² (95%\u00a0interval)"))
    ax.set_title(_("Which questions drive the overall rating"))
    if dims:
        ax.legend(handles=[Patch(color=palette[d], label=_dimension_name(d, _)) for d in dims],
                  loc="lower right", frameon=False)
    return ax


def plot_quadrants(ipa_table: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
                   ax: Axes | None = None, language: str = "en") -> Axes:
    """Importance (up) against performance (right) with crosshairs and quadrant names.

    Top left is "concentrate here" (important, underperforming); items in the red are drawn
    in red.

    Parameters
    ----------
    ipa_table : pandas.DataFrame
        From :func:`clientvalue.stats.ipa.importance_performance` (``item``, ``share``,
        ``performance``, ``quadrant``, ``in_red``; crosshairs in ``.attrs``, else the means).
    labels : dict, optional
        Readable question texts, column -> label (shortened to 40 characters on the chart).
    ax : matplotlib Axes, optional
    language : {"en", "nl"}
    """
    _ = translator(language)
    _need(ipa_table, ["item", "share", "performance", "in_red"], "ipa_table")
    data = ipa_table.reset_index(drop=True)
    ax = _ax(ax, (8, 6))
    x = data["performance"].to_numpy(dtype=float)
    y = data["share"].to_numpy(dtype=float)
    red = data["in_red"].to_numpy(dtype=bool)
    x_cross = float(ipa_table.attrs.get("crosshair_performance", np.nanmean(x)))
    y_cross = float(ipa_table.attrs.get("crosshair_share", np.nanmean(y)))
    ax.scatter(x[~red], y[~red], s=45, color=COLOURS["practical"], label=_("Not in the red"),
               zorder=3)
    ax.scatter(x[red], y[red], s=55, color=RED, marker="D", label=_("In the red"), zorder=3)
    for xi, yi, item in zip(x, y, data["item"], strict=True):
        text = labels.get(item, item) if labels else item
        text = text if len(text) <= 40 else text[:39] + "…"
        ax.annotate(text, (xi, yi), xytext=(4, 4), textcoords="offset points", fontsize=8)
    ax.axvline(x_cross, color="gray", lw=1, ls="--")
    ax.axhline(y_cross, color="gray", lw=1, ls="--")
    x_lo = max(0.0, min(np.nanmin(x), x_cross) - 10)
    x_hi = min(100.0, max(np.nanmax(x), x_cross) + 10)
    y_hi = max(np.nanmax(y), y_cross) * 1.2
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(0, y_hi)
    corners = {"concentrate_here": (x_lo, y_hi, "left", "top"),
               "keep_up": (x_hi, y_hi, "right", "top"),
               "low_priority": (x_lo, 0, "left", "bottom"),
               "possible_overkill": (x_hi, 0, "right", "bottom")}
    for q, (cx, cy, ha, va) in corners.items():
        ax.annotate(_(QUADRANT_LABELS[q]), (cx, cy), ha=ha, va=va,
                    xytext=(6 if ha == "left" else -6, -6 if va == "top" else 6),
                    textcoords="offset points", fontsize=10, fontstyle="italic",
                    color=RED if q == "concentrate_here" else "dimgray")
    _percent_axis(ax.yaxis, _)
    ax.set_xlabel(_("Performance (0 = lowest, 100 = highest possible score)"))
    ax.set_ylabel(_("Importance (share of the explained variance)"))
    ax.set_title(_("Importance and performance per question"))
    ax.legend(loc="best", frameon=True, fontsize=8)
    return ax
