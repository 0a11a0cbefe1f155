"""Charts fitted to a phone (clientvalue.report.phone)."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from clientvalue.report.phone import LABEL_CHARACTERS, PHONE_WIDTH, fit_to_phone, wrapped  # noqa: E402

QUESTIONS = ["It was right first time, without errors", "I was helped quickly",
             "That the exception must be possible for every client"]


def bar_chart(width=8.0):
    fig, ax = plt.subplots(figsize=(width, 3))
    ax.barh(QUESTIONS, [0.3, 0.5, 0.7])
    ax.set_title("What employees weigh when deciding on an exception, per question, with intervals")
    ax.set_xlabel("Share of the explained variance in the overall rating, per group of clients")
    return fig


def test_a_wide_chart_is_redrawn_narrow_with_its_texts_wrapped():
    fig = fit_to_phone(bar_chart())
    try:
        assert fig.get_size_inches()[0] == PHONE_WIDTH
        ax = fig.axes[0]
        title = "".join(ax.get_title(loc) for loc in ("left", "center", "right"))  # rcParams may place it left
        assert "\n" in title and "\n" in ax.get_xlabel()
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert all(max(len(line) for line in label.split("\n")) <= LABEL_CHARACTERS for label in labels)
        assert [label.replace("\n", " ") for label in labels] == QUESTIONS  # same words, same order
        fig.canvas.draw()  # and it draws
    finally:
        plt.close(fig)


def test_narrow_charts_and_heat_maps_get_no_phone_variant():
    narrow = bar_chart(width=4.0)
    heat, ax = plt.subplots(figsize=(9, 4))
    ax.imshow(np.arange(36).reshape(3, 12))  # twelve columns need the width
    try:
        assert fit_to_phone(narrow) is None and fit_to_phone(heat) is None
        assert heat.get_size_inches()[0] == 9  # left as it was
    finally:
        plt.close(narrow)
        plt.close(heat)


def test_wrapped_keeps_every_word():
    text = "What drives the overall rating: practical or emotional value?"
    lines = wrapped(text, 2.0, 12).split("\n")
    assert len(lines) > 1 and " ".join(lines) == text


def test_long_legend_entries_are_wrapped_on_a_phone():
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot([0, 1], [0, 1], label="Sees themselves as senior but falls below the age rule (missed by the rule)")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16))
    fig = fit_to_phone(fig)
    try:
        entry = fig.axes[0].get_legend().get_texts()[0].get_text()
        assert "\n" in entry and entry.replace("\n", " ") == ax.get_legend_handles_labels()[1][0]
        fig.canvas.draw()
        legend_box = fig.axes[0].get_legend().get_window_extent()
        assert legend_box.x1 <= fig.bbox.x1 + 1  # the legend fits the phone's width
    finally:
        plt.close(fig)


def test_a_heat_map_of_few_columns_is_redrawn_narrow_with_short_labels():
    from clientvalue.report.plots_segments import plot_profiles
    import pandas as pd

    questions = ["Personal contact is important to me", "I want to arrange my own affairs online", "Quick"]
    profile = pd.DataFrame({"label": np.repeat(questions, 4), "segment": np.tile([1, 2, 3, 4], 3),
                            "difference": np.linspace(-1.2, 1.2, 12)})
    fig = fit_to_phone(plot_profiles(profile, language="nl").figure)
    try:
        assert fig is not None and fig.get_size_inches()[0] == PHONE_WIDTH
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert all(max(len(line) for line in label.split("\n")) <= LABEL_CHARACTERS * 2 // 3 for label in labels)
        assert sorted(label.replace("\n", " ") for label in labels) == sorted(questions)
    finally:
        plt.close(fig)


def test_a_phone_chart_with_long_category_labels_stays_within_its_width():
    from io import BytesIO

    from PIL import Image

    fig, ax = plt.subplots(figsize=(8, 5))
    cases = [f"Case {k}: benefit stopped, a long description of the situation" for k in range(12)]
    ax.barh(cases, np.linspace(0.2, 0.9, 12))
    ax.set_title("Agreement per case (red: split cases), with the share of pairs of employees who agree", loc="left")
    fig = fit_to_phone(fig)
    try:
        buffer = BytesIO()
        fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        assert Image.open(buffer).size[0] <= PHONE_WIDTH * 100 + 25  # + the tight box's padding: nothing sticks out
    finally:
        plt.close(fig)


def test_smallest_text_px_is_points_times_dpi_over_72_times_the_screen_scale():
    """Closed form: a 6 pt text in a figure saved 800 px wide at 100 dpi and shown 350 px wide."""
    from io import BytesIO

    from PIL import Image

    from clientvalue.report.phone import smallest_text_px

    fig, ax = plt.subplots(figsize=(8, 3))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "small", fontsize=6)
    ax.set_title("large", fontsize=14)
    try:
        buffer = BytesIO()
        fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        saved = Image.open(buffer).size[0]
        assert smallest_text_px(fig, dpi=100, screen=350) == pytest.approx(6 * 100 / 72 * 350 / saved)
        assert smallest_text_px(fig, dpi=100, screen=10_000) == pytest.approx(6 * 100 / 72)  # never enlarged
    finally:
        plt.close(fig)


def test_small_text_of_a_phone_chart_is_enlarged_to_the_minimum_and_large_text_kept():
    from clientvalue.report.phone import MIN_TEXT_PX, enlarge_small_text, smallest_text_px

    fig = fit_to_phone(bar_chart())
    ax = fig.axes[0]
    ax.tick_params(labelsize=5)
    ax.annotate("note", (0.3, 0), fontsize=4)
    ax.title.set_fontsize(20)
    try:
        assert smallest_text_px(fig, dpi=110) < MIN_TEXT_PX * 0.6
        enlarge_small_text(fig, dpi=110)
        assert smallest_text_px(fig, dpi=110) >= MIN_TEXT_PX
        assert ax.title.get_fontsize() == 20
        ax.set_xlim(0, 2)  # ticks made after the enlargement keep the size
        fig.canvas.draw()
        assert smallest_text_px(fig, dpi=110) >= MIN_TEXT_PX
    finally:
        plt.close(fig)


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_chart_of_the_demo_report_has_text_of_at_least_9_css_px_on_a_phone(language, request):
    """Every figure of every page, as recorded when it was drawn: its phone variant on a 390-px phone."""
    import nbformat

    from clientvalue.report.notebook import PHONE_TEXT_METADATA
    from clientvalue.report.phone import MIN_TEXT_PX

    report = request.getfixturevalue("demo_report" if language == "en" else "demo_report_nl")
    sizes = {}
    for path in sorted(report.glob("*.ipynb")):
        for number, cell in enumerate(nbformat.read(path, as_version=4).cells):
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    sizes[f"{path.stem} cell {number}"] = output["metadata"].get(PHONE_TEXT_METADATA)
    pages = {where.split(" cell")[0] for where in sizes}
    assert pages == {path.stem for path in report.glob("*.ipynb")} and len(sizes) >= 12, sizes  # every page's charts
    small = {where: px for where, px in sizes.items() if px is None or px < MIN_TEXT_PX}
    assert not small, small


def test_the_width_read_from_a_saved_chart_gives_the_same_text_size():
    from clientvalue.report.notebook import _png_base64, _png_width
    from clientvalue.report.phone import smallest_text_px

    fig = bar_chart()
    try:
        png = _png_base64(fig, dpi=110)
        assert smallest_text_px(fig, dpi=110, saved_width=_png_width(png)) == pytest.approx(
            smallest_text_px(fig, dpi=110), rel=0.01)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("layout", [None, "tight", "constrained"])
@pytest.mark.parametrize("dpi", [110, 150])
def test_saved_width_is_the_width_of_the_png_savefig_writes(layout, dpi):
    import io

    from PIL import Image

    from clientvalue.report.phone import saved_width

    fig = bar_chart()
    try:
        if layout:
            fig.set_layout_engine(layout)
        fig.legend(["a long legend entry that sticks out to the right"], loc="center left", bbox_to_anchor=(1, 0.5))
        expected = saved_width(fig, dpi=dpi)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        assert expected == Image.open(buffer).size[0]
        assert fig.dpi == plt.rcParams["figure.dpi"]  # measured at dpi, left at its own
    finally:
        plt.close(fig)
