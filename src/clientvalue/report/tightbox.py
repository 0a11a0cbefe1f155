"""A chart's tight box measured once and saved with it: ``savefig(bbox_inches="tight")`` for less.

``savefig(bbox_inches="tight")`` lays the figure out with a draw that renders nothing (text is
measured, nothing is painted), measures the figure's tight box, then draws it for real inside
that box. A figure without a layout engine (no ``tight``/``constrained`` layout to run, e.g. one
laid out once by :class:`matplotlib.layout_engine.TightLayoutEngine` and left alone since) gets
nothing from that first draw: its tight box can be measured directly. :func:`tight_box` does so
(and lays a figure with an engine out first, as ``savefig`` does); :func:`save_png` saves a figure
within a box measured this way, without measuring it again, and :func:`save_rgba` gives its raw
pixels (no PNG encoded only to be decoded again). The pixels are those ``savefig`` writes with
``bbox_inches="tight"`` (``tests/report/test_tightbox.py``).
"""

from __future__ import annotations

import io
from typing import Any

from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.transforms import Bbox


def lays_itself_out(fig: Any) -> bool:
    """Whether ``fig`` runs a layout engine (tight or constrained layout) each time it is drawn."""
    engine = fig.get_layout_engine()
    return engine is not None and not isinstance(engine, PlaceHolderLayoutEngine)


def tight_box(fig: Any, *, dpi: float) -> Bbox:
    """The box, in inches, that ``fig.savefig(dpi=dpi, bbox_inches="tight")`` would save.

    The figure's tight box padded by ``savefig.pad_inches``, measured at ``dpi`` (text sizes in
    pixels depend on it). A figure that lays itself out (:func:`lays_itself_out`) is laid out at
    ``dpi`` first, as ``savefig`` does; one without a layout engine is measured as it stands.
    """
    import matplotlib as mpl

    original = fig.dpi
    try:
        fig.dpi = dpi
        if lays_itself_out(fig):
            fig.draw_without_rendering()
        return fig.get_tightbbox().padded(mpl.rcParams["savefig.pad_inches"])
    finally:
        fig.dpi = original


def pixel_size(box: Bbox, *, dpi: float) -> tuple[int, int]:
    """Width and height in pixels of an image of ``box`` (inches) at ``dpi``: cut to whole pixels, as Agg does."""
    return int(box.width * dpi), int(box.height * dpi)


def save_png(fig: Any, *, dpi: float, box: Bbox | None = None, **pil_kwargs: Any) -> bytes:
    """``fig`` as PNG at ``dpi``, cut to its tight box as ``savefig(bbox_inches="tight")`` cuts it.

    Parameters
    ----------
    fig : matplotlib Figure
    dpi : float
        Resolution of the PNG.
    box : matplotlib.transforms.Bbox, optional
        The figure's :func:`tight_box` at ``dpi``, measured after its last change (spares measuring
        it again). Used only for a figure without a layout engine: one that lays itself out is laid
        out and measured again, as ``savefig`` does (a second layout pass can still move things).
    **pil_kwargs
        Passed to Pillow's PNG writer (e.g. ``compress_level``).

    Returns
    -------
    bytes
        The PNG file.
    """
    buffer = io.BytesIO()
    if lays_itself_out(fig):
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pil_kwargs=pil_kwargs)
        return buffer.getvalue()
    if box is None:
        box = tight_box(fig, dpi=dpi)
    # no layout engine: savefig draws once, within the box (a placeholder engine would make it lay
    # out first, but it does nothing, so the figure is measured as it stands in either case)
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches=box, pil_kwargs=pil_kwargs)
    return buffer.getvalue()


def save_rgba(fig: Any, *, dpi: float, box: Bbox | None = None) -> tuple[bytes, tuple[int, int]] | None:
    """The pixels :func:`save_png` would write, as raw RGBA bytes and their ``(width, height)``.

    Spares encoding a PNG only to decode it again. A figure that lays itself out is laid out and
    measured here as ``savefig`` does it (``box`` is not used for it, as in :func:`save_png`), then
    drawn within that box with its engine switched off, as ``savefig`` draws it after its own
    layout pass. ``None`` when the engine cannot be switched off that way (``figure.autolayout`` or
    ``figure.constrained_layout.use`` set) or the pixels do not have the size expected from the
    box; use :func:`save_png` then.
    """
    import matplotlib as mpl

    engine = fig.get_layout_engine()
    laid_out = lays_itself_out(fig)
    if laid_out:
        if mpl.rcParams["figure.autolayout"] or mpl.rcParams["figure.constrained_layout.use"]:
            return None  # set_layout_engine(None) would switch an engine on
        box = tight_box(fig, dpi=dpi)  # savefig's layout pass and tight box
    elif box is None:
        box = tight_box(fig, dpi=dpi)
    size = pixel_size(box, dpi=dpi)  # the canvas savefig draws on
    buffer = io.BytesIO()
    if laid_out:
        fig.set_layout_engine(None)  # no engine (a placeholder would make savefig lay it out again)
    try:
        fig.savefig(buffer, format="rgba", dpi=dpi, bbox_inches=box)
    finally:
        if laid_out:
            fig.set_layout_engine(engine)
    pixels = buffer.getvalue()
    return (pixels, size) if len(pixels) == 4 * size[0] * size[1] else None
