"""Charts for the value-driver analysis: value split, driver importance, quadrants.

Statistics come from :mod:`clientvalue.stats.importance` and :mod:`clientvalue.stats.ipa`; these functions
only draw. Each takes ``ax=None`` (a new figure) and ``language="en"|"nl"`` and returns the Axes.
The charts with one panel per group are in :mod:`clientvalue.report.plots_driver_panels`, which
draws its panels with the functions here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import Bbox

from clientvalue.errors import ParameterError
from clientvalue.report.i18n import Translator, translator
from clientvalue.report.ticks import localize_ticks
from clientvalue.report.phone import wrapped
from clientvalue.report.texts import DIMENSION_NAMES, QUADRANT_LABELS, group_label
from clientvalue.stats.importance import Importance
from clientvalue.stats.ipa_result import ImportancePerformance

__all__ = ["importance_limit", "item_numbers", "numbered_key_lines", "place_numbers", "plot_importance",
           "plot_quadrants", "plot_value_split", "quadrant_limits"]

# Blue and orange stay apart for every common colour-vision deficiency; shapes repeat the difference.
COLOURS = {"practical": "#1f6f8b", "emotional": "#e07a2f"}
MARKERS = {"practical": "o", "emotional": "s"}
DIMENSION_ORDER = ["practical", "emotional"]
_OTHER_COLOURS = ["#6a994e", "#8e6c8a", "#bc4749", "#7f7f7f"]
_OTHER_MARKERS = ["^", "D", "v", "P"]
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


def plot_value_split(profile: pd.DataFrame, *, ax: Axes | None = None, width: float = 8.0,
                     language: str = "en") -> Axes:
    """One bar per group: practical share from the left, emotional share from the right.

    Parameters
    ----------
    profile : pandas.DataFrame
        Columns ``group``, ``practical_share``, ``practical_ci_low``, ``practical_ci_high``,
        ``emotional_share``, ``emotional_ci_low``, ``emotional_ci_high`` (shares 0-1). Groups
        must already be filtered for minimum size; rows with a missing share are not drawn.
    ax : matplotlib Axes, optional
    width : float, default 8
        Width of a new figure in inches; :data:`~clientvalue.report.phone.PHONE_WIDTH` gives the
        phone variant (title and axis label wrapped to fit).
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
    new = ax is None
    ax = _ax(ax, (width, 1.2 + 0.6 * max(len(data), 1) + (0.6 if width < 6 else 0)))
    width = ax.get_figure().get_size_inches()[0]
    if new and width < 6:
        ax.get_figure().set_layout_engine("constrained")  # labels inside the phone's width: no shrinking
    # a share's label goes inside its bar only where it fits (about 0.45 inch; the bars take
    # about 60% of the figure's width), else it would spill into the other bar
    fits = max(0.1, 0.45 / (0.6 * width))
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
        if pp >= fits:
            ax.text(0.01, yy, _.percent(pp, 0), va="center", ha="left", color="white", fontweight="bold")
        if ee >= fits:
            ax.text(0.99, yy, _.percent(ee, 0), va="center", ha="right", color="white", fontweight="bold")
    ax.axvline(0.5, color="black", ls=":", lw=1)
    ax.set_yticks(y, [group_label(str(g), language) for g in data["group"]])
    ax.set_xlim(0, 1)
    _percent_axis(ax.xaxis, _)
    ax.set_xlabel(wrapped(_("Share of the explained variance in the overall rating"), 0.75 * width,
                           plt.rcParams["axes.labelsize"]))  # the axes are about 3/4 of the figure
    # the title starts where the bars start (after the group names): on a phone it has about 60% of the width
    title = wrapped(_("What drives the overall rating: practical or emotional value?"),
                    width if width >= 6 else 0.6 * width, plt.rcParams["axes.titlesize"])
    narrow = width < 6  # on a phone the legend's two entries go under each other
    ax.set_title(title, pad=30 + 15 * title.count("\n") + (18 if narrow else 0))  # room for the legend
    ax.legend(loc="lower left" if narrow else "lower center", bbox_to_anchor=(0.0 if narrow else 0.5, 1.0),
              ncols=1 if narrow else 2, frameon=False)
    return localize_ticks(ax, language)


def plot_importance(table: Importance | pd.DataFrame, *, labels: Mapping[str, str] | None = None,
                    dimensions: Mapping[str, list[str]] | None = None, value: str = "share",
                    xlim: tuple[float, float] | None = None, n_rows: int | None = None,
                    legend: bool = True, ax: Axes | None = None, language: str = "en") -> Axes:
    """Drivers ranked by importance, with interval whiskers, coloured by dimension.

    Parameters
    ----------
    table : Importance or pandas.DataFrame
        What :func:`~clientvalue.stats.importance.importance` returns (its bootstrap replicates give
        the whiskers of the shares), or a drivers table: ``driver``, ``importance``, ``share``,
        ``ci_low``, ``ci_high`` (the interval of ``importance``; all-NaN without bootstrap),
        optionally ``dimension``.
    labels : dict, optional
        Readable question texts, column -> label.
    dimensions : dict, optional
        ``{dimension: [columns]}``, used when ``table`` has no ``dimension`` column.
    value : {"share", "importance"}, default "share"
        Plot shares of R² or raw contributions to R².
    xlim : (float, float), optional
        Horizontal limits, shared by the panels of one chart (:func:`importance_limit`).
    n_rows : int, optional
        Room for this many bars, so that panels with fewer questions keep the same bar height.
    legend : bool
        Draw the legend above the axes (a chart of several panels draws one for the figure).
    ax : matplotlib Axes, optional
    language : {"en", "nl"}
    """
    _ = translator(language)
    if value not in ("share", "importance"):
        raise ParameterError(f"value must be 'share' or 'importance', got {value!r}.")
    frame, replicates, level = _importance_parts(table)
    _need(frame, ["driver", "importance", "share", "ci_low", "ci_high"], "table")
    data = _importance_rows(frame, dimensions=dimensions, value=value)
    ax = _ax(ax, (8, 1.2 + 0.4 * max(len(data), 1)))
    x = data[value].to_numpy(dtype=float)
    lo, hi = _importance_interval(frame, data, x, value=value, replicates=replicates, level=level)
    dims = _importance_bars(ax, data, x, lo, hi)
    _importance_axes(ax, data, _, labels=labels, value=value, xlim=xlim, n_rows=n_rows)
    if dims and legend:
        ax.legend(handles=importance_legend_handles(dims, language), loc="lower left", bbox_to_anchor=(0.0, 1.0),
                  ncols=len(dims), frameon=False, fontsize="small", borderaxespad=0.3)
        ax.set_title(ax.get_title(), pad=30)
    return localize_ticks(ax, language)


def _importance_parts(table: Importance | pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray | None, float]:
    """The drivers table, the bootstrap replicates (None without, or for a bare table) and the interval level."""
    if isinstance(table, Importance):
        return table.table, table.replicates, table.ci
    return table, None, 0.95


def _importance_rows(table: pd.DataFrame, *, dimensions: Mapping[str, list[str]] | None, value: str
                     ) -> pd.DataFrame:
    """The drivers with their dimension (from ``dimensions`` when the table has none), smallest first."""
    data = table.copy()
    if "dimension" not in data.columns:
        dim_of = {c: d for d, cols in (dimensions or {}).items() for c in cols}
        data["dimension"] = [dim_of.get(d, "") for d in data["driver"]]
    return data.sort_values(value, ascending=True, kind="stable").reset_index(drop=True)


def _importance_interval(table: pd.DataFrame, data: pd.DataFrame, x: np.ndarray, *, value: str,
                         replicates: np.ndarray | None, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The whiskers' ends of the sorted bars: bootstrap percentiles of the share, else the scaled interval."""
    boot = replicates
    if value == "share" and boot is not None and boot.shape[1:] == (len(table),):
        # percentile interval of each replicate's share (importance / replicate R²)
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
    return lo, hi


def _importance_bars(ax: Axes, data: pd.DataFrame, x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list[str]:
    """Draw the bars in their dimension's colour and the interval whiskers; returns the dimensions drawn."""
    dims = list(dict.fromkeys(d for d in data["dimension"] if d))
    palette = {d: c for d, (c, _m) in _dimension_styles(dims).items()}
    colours = [palette.get(d, "#999999") for d in data["dimension"]]
    y = np.arange(len(data))
    ax.barh(y, x, color=colours, height=0.7)
    ok = np.isfinite(lo) & np.isfinite(hi)
    if ok.any():
        ax.errorbar(x[ok], y[ok], xerr=[np.clip(x[ok] - lo[ok], 0, None),
                                        np.clip(hi[ok] - x[ok], 0, None)],
                    fmt="none", ecolor="black", capsize=2, lw=1)
    return dims


def _importance_axes(ax: Axes, data: pd.DataFrame, _: Translator, *, labels: Mapping[str, str] | None,
                     value: str, xlim: tuple[float, float] | None, n_rows: int | None) -> None:
    """Question names, axis formats and limits, axis label and title of the importance chart."""
    y = np.arange(len(data))
    names = [labels.get(d, d) if labels else d for d in data["driver"]]
    ax.set_yticks(y, names)
    if value == "share":
        _percent_axis(ax.xaxis, _)
    if xlim is not None:
        ax.set_xlim(*xlim)
    else:
        ax.set_xlim(left=0)
    if n_rows is not None:
        ax.set_ylim(-0.6, max(n_rows, len(data)) - 0.4)
    ax.set_xlabel(_("Share of the explained variance (95%\u00a0interval)") if value == "share"
                  else _("Contribution to R² (95%\u00a0interval)"))
    ax.set_title(_("Which questions drive the overall rating"))


def importance_limit(tables, value: str = "share") -> tuple[float, float]:
    """Shared horizontal limits ``(0, hi)`` of several importance charts (bars and intervals).

    ``tables``: :class:`~clientvalue.stats.importance.Importance` results or bare drivers tables, as
    :func:`plot_importance` takes them.
    """
    hi = 0.0
    for result in tables:
        table, boot, _level = _importance_parts(result)
        cols = [value] + (["ci_high"] if value == "importance" else [])
        vals = table[cols].to_numpy(dtype=float).ravel()
        if value == "share" and boot is not None and boot.ndim == 2 and boot.size:
            rep = boot[~np.isnan(boot).any(axis=1)]
            if len(rep):
                vals = np.concatenate([vals, np.quantile(rep / rep.sum(axis=1, keepdims=True), 0.975, axis=0)])
        elif value == "share":
            imp = table["importance"].to_numpy(dtype=float)
            ratio = np.divide(table["share"].to_numpy(dtype=float), imp, out=np.full(len(table), np.nan), where=imp != 0)
            vals = np.concatenate([vals, table["ci_high"].to_numpy(dtype=float) * ratio])
        vals = vals[np.isfinite(vals)]
        if vals.size:
            hi = max(hi, float(vals.max()))
    return 0.0, (hi or 1.0) * 1.05


def item_numbers(items) -> dict[str, int]:
    """Number the questions 1, 2, 3 ... in the order given (the codebook's order).

    The same number stands for the same question in every panel of a chart and in its key.
    """
    return {item: number for number, item in enumerate(dict.fromkeys(items), start=1)}


def quadrant_limits(results: Iterable[ImportancePerformance]) -> tuple[tuple[float, float], tuple[float, float]]:
    """Shared ``((x_lo, x_hi), (0, y_hi))`` of the data and crosshairs of several IPA results.

    Performance is padded by 5 points (within 0-100), importance by 8% above its largest value,
    so that every panel of a chart has the same scales.
    """
    xs, ys = [], []
    for result in results:
        x = result.table["performance"].to_numpy(dtype=float)
        y = result.table["share"].to_numpy(dtype=float)
        xs += [np.nanmin(x), np.nanmax(x), result.crosshair_performance]
        ys += [np.nanmax(y), result.crosshair_share]
    xs = [v for v in xs if np.isfinite(v)] or [0.0, 100.0]
    ys = [v for v in ys if np.isfinite(v)] or [1.0]
    x_lo, x_hi = max(0.0, min(xs) - 5), min(100.0, max(xs) + 5)
    if x_hi - x_lo < 10:
        x_lo, x_hi = max(0.0, x_lo - 5), min(100.0, x_hi + 5)
    return (x_lo, x_hi), (0.0, max(max(ys), 1e-9) * 1.08)


def _dimension_styles(dims) -> dict[str, tuple[str, str]]:
    """Colour and marker per dimension, in a fixed order: practical, emotional, then the rest."""
    order = [d for d in DIMENSION_ORDER if d in dims] + sorted(d for d in dims if d not in DIMENSION_ORDER)
    styles = {}
    for i, d in enumerate(order):
        styles[d] = (COLOURS.get(d, _OTHER_COLOURS[i % len(_OTHER_COLOURS)]),
                     MARKERS.get(d, _OTHER_MARKERS[i % len(_OTHER_MARKERS)]))
    return styles


def quadrant_legend_handles(dims, language: str = "en") -> list:
    """Legend entries of the quadrant chart in a fixed order: dimensions, then "in the red"."""
    _ = translator(language)
    handles = [Line2D([], [], ls="none", marker=m, markersize=7, color=c, label=_dimension_name(d, _))
               for d, (c, m) in _dimension_styles(dims).items()]
    handles.append(Line2D([], [], ls="none", marker="o", markersize=12, markerfacecolor="none",
                          markeredgecolor=RED, markeredgewidth=2, label=_("In the red")))
    return handles


def importance_legend_handles(dims, language: str = "en") -> list:
    """Legend entries of the importance chart in a fixed order: practical, emotional, the rest."""
    _ = translator(language)
    return [Patch(color=c, label=_dimension_name(d, _)) for d, (c, _m) in _dimension_styles(dims).items()]


def _overlaps(box, boxes) -> bool:
    return any(box.x0 < b.x1 and b.x0 < box.x1 and box.y0 < b.y1 and b.y0 < box.y1 for b in boxes)


def place_numbers(ax: Axes) -> None:
    """Move each point's number to a free spot near it (no text over text, a point or a caption).

    Call after the figure's layout is final; :func:`plot_quadrants` and
    :func:`~clientvalue.report.plots_driver_panels.plot_driver_panels`
    do. Tries eight directions at growing distances and draws a thin leader line from the point
    when the number had to move further away. Each number is measured once: a spot's box is that
    size placed at the spot (:func:`_number_box`). Placing again (after the layout changed) removes
    the leaders of the earlier placement.
    """
    for leader in [t for t in ax.texts if t.get_gid() == "cv-leader"]:
        leader.remove()  # placed again: a leader of an earlier placement would point to where a number was
    numbers = [t for t in ax.texts if t.get_gid() == "cv-number"]
    if not numbers:
        return
    fig = ax.get_figure()
    renderer = fig.canvas.get_renderer()
    per_point = fig.dpi / 72
    pad = 1.5 * per_point
    frame = ax.get_window_extent(renderer)
    taken = [t.get_window_extent(renderer).expanded(1.0, 1.0) for t in ax.texts if t.get_gid() == "cv-caption"]
    radius = 5.5 * per_point
    points = [ax.transData.transform(t.xy) for t in numbers]
    taken += [Bbox.from_extents(px - radius, py - radius, px + radius, py + radius) for px, py in points]
    directions = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
    for text, point in zip(numbers, points, strict=True):
        size = _text_size(text, renderer)
        best = None
        for distance in (4, 8, 12, 17, 23, 30, 38, 48, 60):
            for dx, dy in directions:
                box = _number_box(point, (dx, dy), distance, size, per_point)
                inside = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1)
                if inside and not _overlaps(box.expanded(1.0, 1.0).padded(pad), taken):
                    best = (distance, dx, dy, box)
                    break
            if best:
                break
        if best is None:  # nowhere free: the nearest spot inside the axes
            best = (4, 1, 1, _number_box(point, (1, 1), 4, size, per_point))
        distance, dx, dy, box = best
        text.set_position((dx * distance, dy * distance))
        text.set_ha({1: "left", -1: "right", 0: "center"}[dx])
        text.set_va({1: "bottom", -1: "top", 0: "center"}[dy])
        taken.append(box)
        if distance >= 8:
            ax.annotate("", xy=text.xy, xytext=(dx * (distance - 1), dy * (distance - 1)),
                        textcoords="offset points", gid="cv-leader",
                        arrowprops={"arrowstyle": "-", "color": "0.45", "lw": 0.6, "shrinkA": 0, "shrinkB": 4})


def _text_size(text, renderer) -> tuple[float, float]:
    """Width and height in pixels of an unrotated text (the same wherever it is placed or aligned)."""
    box = text.get_window_extent(renderer)
    return box.width, box.height


def _number_box(point, direction: tuple[int, int], distance: float, size: tuple[float, float],
                per_point: float) -> Bbox:
    """Box in pixels of a number ``distance`` points from ``point`` in ``direction``, aligned away from it.

    Placed as :func:`place_numbers` sets the text: offset ``direction * distance`` points, aligned
    left/right/center (``dx`` 1/-1/0) and bottom/top/center (``dy`` 1/-1/0) at that offset.
    """
    (px, py), (dx, dy), (width, height) = point, direction, size
    x = px + dx * distance * per_point - {1: 0.0, -1: width, 0: width / 2}[dx]
    y = py + dy * distance * per_point - {1: 0.0, -1: height, 0: height / 2}[dy]
    return Bbox.from_bounds(x, y, width, height)


def numbered_key_lines(items, numbers: Mapping[str, int], labels: Mapping[str, str] | None, width: int = 60) -> list[str]:
    out = []
    ordered = sorted(items, key=lambda i: numbers[i])
    digits = len(str(max((numbers[i] for i in ordered), default=1)))
    for item in ordered:
        text = labels.get(item, item) if labels else item
        text = text if len(text) <= width else text[:width - 1] + "…"
        number = str(numbers[item])
        # figure spaces (U+2007, as wide as a digit) right-align the numbers
        out.append("\u2007" * (digits - len(number)) + f"{number}\u2002{text}")
    return out


def _quadrant_numbers(data: pd.DataFrame, numbers: Mapping[str, int] | None) -> dict[str, int]:
    """Item -> number (by default 1, 2, 3 ... in the table's order); an item without a number is refused."""
    numbers = dict(numbers) if numbers else item_numbers(data["item"])
    missing = [i for i in data["item"] if i not in numbers]
    if missing:
        raise ParameterError(f"numbers has no number for items {missing}; give every item of ipa_table a number.")
    return numbers


def _item_dimensions(data: pd.DataFrame, dimensions: Mapping[str, list[str]] | None) -> list[str]:
    """Each item's dimension (from the table's ``dimension`` column, else ``dimensions``; "practical" if none)."""
    if "dimension" in data.columns:
        dim_of = dict(zip(data["item"], data["dimension"].fillna("")))
    else:
        dim_of = {c: d for d, cols in (dimensions or {}).items() for c in cols}
    return [dim_of.get(i, "") or "practical" for i in data["item"]]


def _draw_quadrant_points(ax: Axes, data: pd.DataFrame, dims: list[str], numbers: Mapping[str, int]) -> None:
    """The questions' points (colour and shape by dimension), red rings and numbers."""
    x = data["performance"].to_numpy(dtype=float)
    y = data["share"].to_numpy(dtype=float)
    red = data["in_red"].to_numpy(dtype=bool)
    styles = _dimension_styles(set(dims))
    for d, (colour, marker) in styles.items():
        sel = np.array([dd == d for dd in dims])
        ax.scatter(x[sel], y[sel], s=42, color=colour, marker=marker, zorder=3, gid=f"cv-points-{d}",
                   edgecolors="white", linewidths=0.6)
    if red.any():
        ax.scatter(x[red], y[red], s=150, facecolors="none", edgecolors=RED, linewidths=1.8, zorder=4,
                   gid="cv-red")
    for xi, yi, item, is_red in zip(x, y, data["item"], red, strict=True):
        if np.isfinite(xi) and np.isfinite(yi):
            ax.annotate(str(numbers[item]), (xi, yi), xytext=(6, 6), textcoords="offset points",
                        fontsize="small", fontweight="bold", color=RED if is_red else "0.15", gid="cv-number",
                        zorder=5)


def _draw_crosshairs_and_bands(ax: Axes, x_cross: float, y_cross: float,
                               limits: tuple[tuple[float, float], tuple[float, float]]) -> None:
    """Crosshairs, the data limits and the bands above and below the data that hold the quadrant names."""
    (x_lo, x_hi), (y_lo, y_hi) = limits
    ax.axvline(x_cross, color="gray", lw=1, ls="--")
    ax.axhline(y_cross, color="gray", lw=1, ls="--")
    # bands above and below the data hold the quadrant names: no point can reach them
    span = y_hi - y_lo
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo - 0.13 * span, y_hi + 0.13 * span)
    ax.set_yticks([t for t in MaxNLocator(5).tick_values(y_lo, y_hi) if y_lo - 1e-12 <= t <= y_hi + 1e-12])
    for lo, hi in ((y_lo - 0.13 * span, y_lo), (y_hi, y_hi + 0.13 * span)):
        ax.axhspan(lo, hi, color="0.96", lw=0, zorder=0)


def _draw_quadrant_names(ax: Axes, _: Translator) -> None:
    """The four quadrant names in the corners ("concentrate here" in bold red)."""
    corners = {"concentrate_here": (0.0, 1.0, "left", "top"), "keep_up": (1.0, 1.0, "right", "top"),
               "low_priority": (0.0, 0.0, "left", "bottom"), "possible_overkill": (1.0, 0.0, "right", "bottom")}
    for q, (cx, cy, ha, va) in corners.items():
        ax.annotate(_(QUADRANT_LABELS[q]), (cx, cy), xycoords="axes fraction", ha=ha, va=va,
                    xytext=(4 if ha == "left" else -4, -3 if va == "top" else 3), textcoords="offset points",
                    fontsize="small", fontstyle="italic", gid="cv-caption", zorder=6,
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "0.96", "edgecolor": "none"},
                    color=RED if q == "concentrate_here" else "0.3",
                    fontweight="bold" if q == "concentrate_here" else "normal")


def _label_quadrant_chart(ax: Axes, data: pd.DataFrame, dims: list[str], numbers: Mapping[str, int],
                          labels: Mapping[str, str] | None, *, legend: bool, key: bool, language: str) -> None:
    """Axis labels and title, and when asked the legend above the axes and the numbered key below them."""
    _ = translator(language)
    _percent_axis(ax.yaxis, _)
    ax.set_xlabel(_("Score (0 = lowest, 100 = highest possible)"))
    ax.set_ylabel(_("Importance (share of the explained variance)"))
    ax.set_title(_("Importance and score per question"))
    if legend:
        ax.legend(handles=quadrant_legend_handles(set(dims), language), loc="lower left",
                  bbox_to_anchor=(0.0, 1.0), ncols=3, frameon=False, fontsize="small", borderaxespad=0.3)
        ax.set_title(ax.get_title(), pad=30)
    if key:
        ax.annotate("\n".join(numbered_key_lines(data["item"], numbers, labels)), (0, 0), xycoords="axes fraction",
                    xytext=(0, -40), textcoords="offset points", va="top", ha="left", fontsize="small",
                    gid="cv-key")


def plot_quadrants(ipa: ImportancePerformance, *, labels: Mapping[str, str] | None = None,
                   dimensions: Mapping[str, list[str]] | None = None,
                   numbers: Mapping[str, int] | None = None,
                   limits: tuple[tuple[float, float], tuple[float, float]] | None = None,
                   legend: bool = True, key: bool = True,
                   ax: Axes | None = None, language: str = "en") -> Axes:
    """Importance (up) against performance (right) with crosshairs and quadrant names.

    Top left is "concentrate here" (important, underperforming). Each question is a numbered
    point (colour and shape by dimension); items in the red get a red ring. The numbers are
    explained in a key below the chart, so that no question text lies on another; the quadrant
    names sit in bands above and below the data that no point or number reaches.

    Parameters
    ----------
    ipa : ImportancePerformance
        From :func:`clientvalue.stats.ipa.importance_performance`: its table (``item``, ``share``,
        ``performance``, ``quadrant``, ``in_red``) and its crosshairs.
    labels : dict, optional
        Readable question texts, column -> label (shortened to 60 characters in the key).
    dimensions : dict, optional
        ``{dimension: [columns]}`` for colour and shape; without it every point is practical-coloured.
    numbers : dict, optional
        Item -> number (:func:`item_numbers`); by default 1, 2, 3 ... in the table's order.
    limits : ((x_lo, x_hi), (y_lo, y_hi)), optional
        Data limits (:func:`quadrant_limits`), shared by the panels of one chart.
    legend, key : bool
        Draw the legend and the numbered key under the axes (a chart of several panels draws
        one of each for the whole figure instead).
    ax : matplotlib Axes, optional
    language : {"en", "nl"}
    """
    _ = translator(language)
    _need(ipa.table, ["item", "share", "performance", "in_red"], "ipa.table")
    data = ipa.table.reset_index(drop=True)
    fresh = ax is None
    ax = _ax(ax, (7, 5.5))
    numbers = _quadrant_numbers(data, numbers)
    dims = _item_dimensions(data, dimensions)
    _draw_quadrant_points(ax, data, dims, numbers)
    _draw_crosshairs_and_bands(ax, ipa.crosshair_performance, ipa.crosshair_share, limits or quadrant_limits([ipa]))
    _draw_quadrant_names(ax, _)
    _label_quadrant_chart(ax, data, dims, numbers, labels, legend=legend, key=key, language=language)
    fig = ax.get_figure()
    engine = fig.get_layout_engine()
    if fresh and engine is not None:
        engine.execute(fig)
        fig.set_layout_engine("none")
    place_numbers(ax)
    return localize_ticks(ax, language)
