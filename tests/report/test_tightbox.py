"""Charts saved within a tight box measured once (clientvalue.report.tightbox).

The reference is matplotlib's own ``savefig(bbox_inches="tight")`` on an identical figure: the
PNG must be the same, pixel for pixel, whatever the layout.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.layout_engine import TightLayoutEngine  # noqa: E402
from PIL import Image  # noqa: E402

from clientvalue.report.tightbox import lays_itself_out, save_png, tight_box  # noqa: E402

QUESTIONS = ["It was right first time, without errors", "I was helped quickly",
             "That the exception must be possible for every client"]
LAYOUTS = ["none", "tight_layout()", "tight engine once", "tight", "constrained"]


def chart(layout: str):
    """Two panels with a title, tick labels, a legend outside the axes, an annotation and a colour bar."""
    engine = layout if layout in ("tight", "constrained") else None
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2), layout=engine)
    left.barh(QUESTIONS, [0.3, 0.5, 0.7], label="share")
    left.set_title("What matters most, per question, with a long title", loc="left")
    left.set_xlabel("Share of the explained variance")
    left.annotate("7", xy=(0.7, 2), xytext=(8, -8), textcoords="offset points", ha="left", va="top")
    image = right.imshow(np.arange(12.0).reshape(3, 4), cmap="viridis")
    fig.colorbar(image, ax=right)
    fig.legend(loc="upper left", bbox_to_anchor=(0.0, 1.02))
    fig.text(0.01, 0.01, "Questions: 1 the first, 2 the second", va="bottom", ha="left")
    if layout == "tight_layout()":
        fig.tight_layout()  # leaves a placeholder engine
    elif layout == "tight engine once":
        TightLayoutEngine(rect=(0, 0.05, 1, 0.95)).execute(fig)  # leaves none
    return fig


@contextlib.contextmanager
def drawn(layout: str) -> Iterator[plt.Figure]:
    """:func:`chart`, closed when the block ends."""
    fig = chart(layout)
    try:
        yield fig
    finally:
        plt.close(fig)


def reference(layout: str, dpi: float, *, measured_first: bool = False) -> bytes:
    with drawn(layout) as fig:
        if measured_first:  # laid out (if it has an engine) and measured, as tight_box does
            tight_box(fig, dpi=dpi)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        return buffer.getvalue()


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dpi", [110, 150])
def test_a_png_saved_within_the_measured_box_is_the_one_savefig_writes(layout, dpi):
    expected = pixels(reference(layout, dpi))
    with drawn(layout) as fig:
        assert np.array_equal(pixels(save_png(fig, dpi=dpi)), expected)  # measured by save_png
    # measured before (each layout pass of a figure with an engine counts: savefig lays it out again)
    expected = pixels(reference(layout, dpi, measured_first=True))
    with drawn(layout) as fig:
        box = tight_box(fig, dpi=dpi)
        if not lays_itself_out(fig):  # the measured box is the saved one (no second layout pass)
            assert int(box.width * dpi) == expected.shape[1]
        got = pixels(save_png(fig, dpi=dpi, box=box))
        assert got.shape == expected.shape
        assert np.array_equal(got, expected)
        assert fig.dpi == plt.rcParams["figure.dpi"]  # saved at dpi, left at its own


def test_the_png_is_the_same_after_the_figure_was_drawn_and_measured_at_other_resolutions():
    expected = pixels(reference("tight engine once", 150))
    with drawn("tight engine once") as fig:
        for dpi in (100, 110, 150):
            tight_box(fig, dpi=dpi)
        fig.draw_without_rendering()
        assert np.array_equal(pixels(save_png(fig, dpi=150)), expected)


def test_a_figure_with_a_layout_engine_is_laid_out_again_whatever_box_is_given():
    from matplotlib.transforms import Bbox

    expected = pixels(reference("constrained", 110))
    with drawn("constrained") as fig:
        wrong = Bbox.from_bounds(0, 0, 1, 1)  # a stale box must not cut the chart
        assert np.array_equal(pixels(save_png(fig, dpi=110, box=wrong)), expected)


@pytest.mark.parametrize(("layout", "expected"), [("none", False), ("tight_layout()", False),
                                                  ("tight engine once", False), ("tight", True),
                                                  ("constrained", True)])
def test_only_a_tight_or_constrained_engine_lays_the_figure_out(layout, expected):
    with drawn(layout) as fig:
        assert lays_itself_out(fig) is expected


@pytest.mark.parametrize("layout", LAYOUTS)
def test_raw_pixels_are_those_of_the_png_savefig_writes(layout):
    from clientvalue.report.tightbox import save_rgba

    expected = pixels(reference(layout, 150))
    with drawn(layout) as fig:
        engine = fig.get_layout_engine()
        raw, (width, height) = save_rgba(fig, dpi=150)
        assert fig.get_layout_engine() is engine  # switched off for the draw only
        assert (height, width, 4) == expected.shape
        assert np.array_equal(np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 4), expected)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_published_chart_is_the_compacted_png_savefig_writes(layout):
    import base64

    from clientvalue.report.notebook import _png_base64, compact_png

    with drawn(layout) as fig:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=150, bbox_inches="tight", pil_kwargs={"compress_level": 0})
    with drawn(layout) as fig:
        assert base64.b64decode(_png_base64(fig, 150)) == compact_png(buffer.getvalue())


def test_no_raw_pixels_where_the_layout_engine_cannot_be_switched_off():
    from clientvalue.report.tightbox import save_rgba

    with plt.rc_context({"figure.constrained_layout.use": True}):
        with drawn("constrained") as fig:
            assert save_rgba(fig, dpi=110) is None  # save_png then
