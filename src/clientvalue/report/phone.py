"""A chart fitted to a phone: the same figure redrawn narrow, its long texts wrapped.

A chart drawn 8 inches wide and shown on a 390-pixel phone screen has text of about five
pixels. :func:`fit_to_phone` redraws the same figure about 4.4 inches wide (so the text, still
the same size in points, is about twice as large on the screen), wraps titles, axis labels and
long category labels to the new width, and lets matplotlib's constrained layout place them.
``Report.figure`` shows the result on narrow screens (see ``clientvalue.report.publish``);
a chart function that draws a better narrow version itself (``plot_value_split(width=...)``,
``plot_groups(columns=1)``) is passed explicitly instead.
"""

from __future__ import annotations

import textwrap
from typing import Any

from matplotlib.ticker import FixedLocator
from matplotlib.transforms import Bbox

from clientvalue.report.tightbox import lays_itself_out

#: Width of a phone variant in inches (about 500 pixels at the phone variants' resolution).
PHONE_WIDTH = 4.4
#: Characters per line of a wrapped category label (a question's text on a bar chart's axis).
LABEL_CHARACTERS = 24
#: A heat map with at most this many columns is redrawn narrow (its labels wrapped shorter still).
HEAT_MAP_COLUMNS = 6
#: Width in CSS pixels of a chart on a 390-pixel phone: the page's 390 less its margins (1.25rem a side).
PHONE_SCREEN = 350
#: Smallest text of a chart on a phone, in CSS pixels (measured as shown on a 390-pixel screen).
MIN_TEXT_PX = 9.0


def wrapped(text: str, width: float, size: float | str) -> str:
    """``text`` broken into lines that fit ``width`` inches at font ``size`` (points or a name such as "large")."""
    from matplotlib.font_manager import FontProperties

    points = FontProperties(size=size).get_size_in_points()
    lines = [textwrap.fill(part, max(12, int(width * 72 / (0.55 * points)))) for part in text.split("\n")]
    return "\n".join(lines)


def fit_to_phone(fig: Any, *, width: float = PHONE_WIDTH) -> Any | None:
    """Redraw ``fig`` (in place) about ``width`` inches wide for a phone; return it.

    The height grows a little (wrapped texts take lines). ``None`` for a figure that needs no
    phone variant (already narrow) or that cannot be narrowed this way (a heat map of more than
    :data:`HEAT_MAP_COLUMNS` columns: its cells need the width); the page then shows the wide
    chart on a phone too.
    """
    old_width, height = fig.get_size_inches()
    if old_width <= width or any(image.get_array().shape[1] > HEAT_MAP_COLUMNS
                                 for ax in fig.axes for image in ax.images):
        return None
    fig.set_size_inches(width, height * 1.25 + 0.4)
    for ax in fig.axes:
        _wrap_titles(ax, width)
        _wrap_category_labels(ax)
    _wrap_legends(fig, width)
    if any(ax.images for ax in fig.axes):
        _place_heat_map(fig)
    elif fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")
    # a title starts where its axes start (after the category labels): wrap it again to the room
    # it has once laid out, else it runs past the phone's edge and the saved chart gets wider
    # (a figure without a layout engine stays where it is: its positions need no draw)
    if lays_itself_out(fig):
        fig.draw_without_rendering()
    for ax in fig.axes:
        room = width * (1 - ax.get_position().x0) - 0.1
        if room < width * 0.9:
            _wrap_titles(ax, max(room, 1.5))
    return fig


def _wrap_titles(ax: Any, width: float) -> None:
    """Wrap the titles and axis labels of ``ax`` to ``width`` inches."""
    for loc in ("left", "center", "right"):
        title = ax.get_title(loc)
        if title:
            size = getattr(ax, {"left": "_left_title", "center": "title", "right": "_right_title"}[loc]).get_fontsize()
            ax.set_title(wrapped(title.replace("\n", " "), width, size), loc=loc)
    for label in (ax.xaxis.label, ax.yaxis.label):
        if label.get_text():
            label.set_text(wrapped(label.get_text().replace("\n", " "), width * 0.9, label.get_fontsize()))


def _wrap_category_labels(ax: Any) -> None:
    """Wrap long labels on a category axis (questions, cases...) to :data:`LABEL_CHARACTERS`.

    A heat map's row labels share the width with its cells and colour bar: two thirds as long.
    """
    if not isinstance(ax.yaxis.get_major_locator(), FixedLocator) and not ax.yaxis.units:
        return  # a numeric axis: its labels are short numbers
    characters = LABEL_CHARACTERS * 2 // 3 if ax.images else LABEL_CHARACTERS
    if lays_itself_out(ax.get_figure()):  # a layout pass, as before (get_yticklabels makes the labels)
        ax.get_figure().draw_without_rendering()
    ticks = ax.get_yticks()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    if len(labels) == len(ticks) and any(len(t) > characters for t in labels):
        ax.set_yticks(ticks, [textwrap.fill(t, characters) for t in labels])


def _wrap_legends(fig: Any, width: float) -> None:
    """Wrap legend entries to about two thirds of ``width``: a long entry would squeeze the axes."""
    legends = [ax.get_legend() for ax in fig.axes] + list(fig.legends)
    for legend in legends:
        if legend is None:
            continue
        for text in legend.get_texts():
            text.set_text(wrapped(text.get_text().replace("\n", " "), width * 0.66, text.get_fontsize()))


def _place_heat_map(fig: Any) -> None:
    """Lay out a narrowed heat map by hand: row labels left, cells in the middle, colour bar right.

    A colour bar made with ``fig.colorbar(ax=...)`` keeps its place under a layout engine switched
    on afterwards and squeezes the cells; the positions are set here instead, and the column
    labels are turned so that they do not run into each other.
    """
    fig.set_layout_engine("none")
    bars = [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is not None]
    maps = [ax for ax in fig.axes if ax.images and ax not in bars]
    for ax in maps:
        ax.set_position([0.40, 0.14, 0.46, 0.80])
        ax.tick_params(axis="x", labelrotation=40)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
            label.set_rotation_mode("anchor")
    for ax in bars:
        ax.set_position([0.89, 0.24, 0.035, 0.60])


def _texts(fig: Any) -> list[Any]:
    """The figure's visible, non-empty texts (titles, labels, tick labels, legends, annotations)."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def saved_width(fig: Any, *, dpi: float) -> int:
    """Width in pixels of ``fig`` saved at ``dpi`` with ``bbox_inches="tight"``, without drawing its pixels.

    Measures the box ``savefig`` would save (:func:`clientvalue.report.tightbox.tight_box`: the figure
    laid out at ``dpi`` as ``savefig`` does, its tight box padded by ``savefig.pad_inches``): the PNG
    ``savefig`` would write has this width, at a fraction of the cost of rendering and encoding it.
    """
    from clientvalue.report.tightbox import pixel_size, tight_box

    return pixel_size(tight_box(fig, dpi=dpi), dpi=dpi)[0]


def screen_scale(width: int, *, screen: float = PHONE_SCREEN) -> float:
    """CSS pixels per pixel of an image ``width`` pixels wide shown at most ``screen`` wide (never enlarged)."""
    return min(1.0, screen / width)


def shown_scale(fig: Any, *, dpi: float, screen: float = PHONE_SCREEN) -> float:
    """CSS pixels per pixel of the figure saved at ``dpi`` (tight box) and shown at most ``screen`` wide.

    An image is never shown larger than its own pixels (``max-width: 100%``), so the scale is at most 1.
    """
    return screen_scale(saved_width(fig, dpi=dpi), screen=screen)


def smallest_text_px(fig: Any, *, dpi: float, screen: float = PHONE_SCREEN, saved_width: int | None = None) -> float:
    """Size in CSS pixels of the smallest text of ``fig`` saved at ``dpi`` and shown ``screen`` pixels wide.

    A text of ``s`` points is ``s * dpi / 72`` pixels high in the image; the page shrinks the image
    to the screen (:func:`shown_scale`). ``saved_width``: the width in pixels of the image already
    saved (tight box), which spares saving it again. ``inf`` for a figure without text.
    """
    scale = (shown_scale(fig, dpi=dpi, screen=screen) if saved_width is None
             else screen_scale(saved_width, screen=screen))
    sizes = [t.get_fontsize() for t in _texts(fig)]
    return min(sizes) * dpi / 72 * scale if sizes else float("inf")


def enlarge_small_text(fig: Any, *, dpi: float, minimum: float = MIN_TEXT_PX, screen: float = PHONE_SCREEN) -> Any:
    """Make every text of ``fig`` at least ``minimum`` CSS pixels as shown ``screen`` pixels wide; return ``fig``.

    Texts below the minimum are set to it (tick labels through ``tick_params``, so that ticks drawn
    later keep the size); larger texts stay as they are. Larger text can widen the saved figure
    (a longer label), which shrinks it on the screen: the step is repeated until it holds.
    :func:`enlarge_text_for_phone` does the same and also returns the saved box it measured.
    """
    enlarge_text_for_phone(fig, dpi=dpi, minimum=minimum, screen=screen)
    return fig


def enlarge_text_for_phone(fig: Any, *, dpi: float, minimum: float = MIN_TEXT_PX,
                           screen: float = PHONE_SCREEN) -> Bbox | None:
    """:func:`enlarge_small_text`, returning the box ``fig`` saves at ``dpi`` (tight) as it is left.

    Returns
    -------
    matplotlib.transforms.Bbox or None
        The :func:`~clientvalue.report.tightbox.tight_box` measured last, when no text changed
        after it (pass it to :func:`~clientvalue.report.tightbox.save_png`); ``None`` when the
        last round still enlarged text.
    """
    from clientvalue.report.tightbox import pixel_size, tight_box

    for _round in range(4):
        box = tight_box(fig, dpi=dpi)
        scale = screen_scale(pixel_size(box, dpi=dpi)[0], screen=screen)  # shown_scale, from the box just measured
        points = minimum * 1.02 * 72 / (dpi * scale)  # 2% above: rounding in the saved image
        small = [t for t in _texts(fig) if t.get_fontsize() * dpi / 72 * scale < minimum]
        if not small:
            return box
        for ax in fig.axes:
            for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
                if any(t.get_fontsize() < points for t in axis.get_ticklabels()):
                    ax.tick_params(axis=which, labelsize=points)
        for text in small:
            text.set_fontsize(max(points, text.get_fontsize()))
        fig.draw_without_rendering()  # the ticks made at the next layout take the new size
    return None
