"""The report as a Dutch reader reads it: Dutch numbers in charts and text, no English words or calques."""

from __future__ import annotations

import html as html_lib
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from clientvalue.report.plots_consistency import (  # noqa: E402
    plot_considerations,
    plot_variant_effect,
    plot_vignette_agreement,
)
from clientvalue.report.plots_segments import plot_fairness, plot_profiles, text_colour  # noqa: E402
from clientvalue.report.ticks import localize_ticks, localized_number  # noqa: E402

#: A number written the English way: "0.5", "12.25", "0.405" (Dutch writes "0,5"; "1.680" is Dutch for 1680).
ENGLISH_DECIMAL = re.compile(r"(?<![\d.,])(?:\d+\.\d{1,2}(?![\d.])|0\.\d+)")
#: English words and calques a Dutch reader tripped over (lower case; whole words).
ENGLISH_WORDS = ["overkill", "proxy", "gedragen door", "een leeftijdsgrens mist", "vrijblijvend",
                 "statsmodels", "spline", "bootstrap", "performance", "higher is better", "possible",
                 "the", "and", "of the", "not shown", "respondents", "datacontrole"]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def chart_texts(fig) -> list[str]:
    """Every tick label, axis label, title and text of a drawn figure (colour bars included)."""
    fig.canvas.draw()
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        out += [ax.get_xlabel(), ax.get_ylabel(), ax.get_title(), ax.xaxis.get_offset_text().get_text(),
                ax.yaxis.get_offset_text().get_text()]
        out += [t.get_text() for t in ax.texts]
    return [t for t in out if t]


def test_localized_number_keeps_decimals_and_writes_dutch_separators():
    assert localized_number("0.5", "nl") == "0,5"
    assert localized_number("\N{MINUS SIGN}0.50", "nl") == "\N{MINUS SIGN}0,50"
    assert localized_number("-1.0", "nl") == "\N{MINUS SIGN}1,0"
    assert localized_number("2500", "nl") == "2.500"
    assert localized_number("2500", "en") == "2,500"
    assert localized_number("12.5%", "nl") == "12,5%"
    assert localized_number("$50\\%$", "nl") == "50%"  # PercentFormatter with TeX on
    for text in ("65+", "Segment 1", "1e3", "", "q1.2a"):
        assert localized_number(text, "nl") == text


def test_every_numeric_axis_and_the_colour_bar_are_written_in_dutch():
    fig, ax = plt.subplots()
    image = ax.imshow(np.linspace(-1, 1, 12).reshape(3, 4), vmin=-1, vmax=1)
    fig.colorbar(image, ax=ax)
    ax.plot([0, 3], [0.25, 2.5])
    localize_ticks(fig, "nl")
    texts = chart_texts(fig)
    assert "0,5" in texts and "\N{MINUS SIGN}0,5" in texts  # the colour bar's ticks
    assert not [t for t in texts if ENGLISH_DECIMAL.search(t)], texts
    # the same figure in English: matplotlib's labels unchanged
    localize_ticks(fig, "en")
    assert "0.5" in chart_texts(fig)


def test_percent_axes_in_dutch():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 0.125])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    localize_ticks(ax, "nl")
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "2,0%" in labels and "10,0%" in labels and not [t for t in labels if "." in t]


def _consistency_frames():
    agreement = pd.DataFrame({"vignette": ["v1", "v2", "v3"], "pair_agreement": [0.55, 0.8, 0.95],
                              "ci_low": [0.45, 0.7, 0.9], "ci_high": [0.65, 0.9, 0.99],
                              "modal_share": [0.5, 0.7, 0.95], "majority_low": [0.35, 0.55, 0.85],
                              "majority_high": [0.65, 0.82, 0.99],
                              "agreement_class": ["split", "minority", "clear"]})
    variant = pd.DataFrame({"team": ["all", "Oost", "West"], "outcome": ["mean_position"] * 3,
                            "effect": [0.25, 0.6, -0.1], "ci_low": [0.05, 0.1, -0.5], "ci_high": [0.45, 1.1, 0.3],
                            "ci_level": [0.95, 0.99, 0.99], "flagged": [True, True, False],
                            "suppressed": [False, False, False]})
    considerations = pd.DataFrame({"team": ["all", "all"], "consideration": ["c1", "c2"], "kind": ["rules", "other"],
                                   "share": [0.3, 0.6], "ci_low": [0.2, 0.5], "ci_high": [0.4, 0.7],
                                   "suppressed": [False, False]})
    return agreement, variant, considerations


def _segment_frames():
    profile = pd.DataFrame({"label": ["quick", "quick", "kind", "kind"], "segment": [1, 2, 1, 2],
                            "difference": [1.45, -1.45, 0.25, -0.25]})
    fairness = pd.DataFrame({"source": ["segment", "segment"], "attribute": ["age", "migration"],
                             "cramers_v": [0.12, 0.45], "ci_low": [0.05, 0.35], "ci_high": [0.2, 0.55],
                             "flag": [False, True]})
    return profile, fairness


def test_the_report_charts_write_numbers_the_dutch_way():
    agreement, variant, considerations = _consistency_frames()
    profile, fairness = _segment_frames()
    figures = [plot_vignette_agreement(agreement, language="nl").figure,
               plot_variant_effect(variant, outcome="mean_position", language="nl").figure,
               plot_considerations(considerations, language="nl").figure,
               plot_profiles(profile, language="nl").figure,
               plot_fairness(fairness, language="nl").figure]
    for fig in figures:
        texts = chart_texts(fig)
        english = [t for t in texts if ENGLISH_DECIMAL.search(t)]
        assert not english, english
    # the heat map's colour bar has Dutch ticks, and the cell numbers too
    heat = chart_texts(figures[3])
    assert "1,5" in heat and "0,3" in heat  # the cells (1.45 and 0.25, rounded half up)
    small = chart_texts(plot_profiles(profile.assign(difference=profile["difference"] / 3), language="nl").figure)
    assert "0,5" in small and "\N{MINUS SIGN}0,5" in small  # the colour bar (from -1 to 1)
    assert "Cramér's V" not in chart_texts(figures[4])  # explained, not a bare header


def test_variant_chart_states_the_level_of_its_intervals():
    _, variant, _c = _consistency_frames()
    title = plot_variant_effect(variant, outcome="mean_position", language="en").get_title()
    assert "95%" in title and "99%" in title
    title = plot_variant_effect(variant.assign(ci_level=0.9), outcome="mean_position", language="en").get_title()
    assert "90%" in title and "95%" not in title


def test_heat_map_numbers_are_white_on_dark_and_black_on_light_cells():
    assert text_colour((0.40, 0.0, 0.12)) == "white"  # dark red (RdBu's end)
    assert text_colour((0.02, 0.19, 0.38)) == "white"  # dark blue
    assert text_colour((0.97, 0.97, 0.97)) == "black"
    assert text_colour((0.99, 0.86, 0.78)) == "black"  # pale red
    profile, _f = _segment_frames()
    ax = plot_profiles(profile, language="en")
    colours = {t.get_text(): t.get_color() for t in ax.texts}
    assert colours["1.5"] == "white" and colours["0.3"] == "black"  # 1.45 is the darkest red, 0.25 pale


def visible_text(page: str) -> str:
    """The text a reader sees on a page: no style, no markup, entities decoded, the appendix dropped."""
    page = re.sub(r"(?s)<style.*?</style>", " ", page)
    page = re.sub(r"(?s)<section class=.appendix.*?</section>", " ", page)
    page = re.sub(r"(?s)<img[^>]*>", " ", page)
    page = re.sub(r"clientvalue \d+\.\d+(\.\d+)?", "clientvalue", page)  # the program's version
    text = re.sub(r"<[^>]+>", " ", page)
    return html_lib.unescape(re.sub(r"\s+", " ", text))


def test_dutch_report_has_no_english_numbers_or_words(demo_report_nl):
    pages = sorted(demo_report_nl.glob("*.html"))
    assert len(pages) >= 3
    problems = []
    for page in pages:
        text = visible_text(page.read_text(encoding="utf-8"))
        for match in ENGLISH_DECIMAL.finditer(text):
            problems.append(f"{page.name}: English number {match.group()!r} in …{text[max(0, match.start() - 60):match.end() + 20]}…")
        lower = text.lower()
        for word in ENGLISH_WORDS:
            for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", lower):
                problems.append(f"{page.name}: {word!r} in …{text[max(0, match.start() - 60):match.end() + 40]}…")
    assert not problems, "\n".join(problems[:40])


def test_a_share_label_stays_inside_its_bar_on_a_phone():
    from clientvalue.report.phone import PHONE_WIDTH
    from clientvalue.report.plots_drivers import plot_value_split

    profile = pd.DataFrame({"group": ["all", "Jeugd"], "practical_share": [0.6, 0.12],
                            "practical_ci_low": [0.5, 0.07], "practical_ci_high": [0.7, 0.25],
                            "emotional_share": [0.4, 0.88], "emotional_ci_low": [0.3, 0.75],
                            "emotional_ci_high": [0.5, 0.93]})
    for width in (8.0, PHONE_WIDTH):
        ax = plot_value_split(profile, width=width, language="nl")
        fig = ax.figure
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        bars = [p.get_window_extent(renderer) for p in ax.patches]
        for text in ax.texts:  # every share label inside the bar it starts in
            box = text.get_window_extent(renderer)
            assert any(b.x0 - 1 <= box.x0 and box.x1 <= b.x1 + 1 and b.y0 <= box.y0 <= b.y1 for b in bars), text.get_text()
        labels = [t.get_text() for t in ax.texts]
        assert ("12%" in labels) == (width == 8.0)  # too narrow a bar on a phone: the table has the number
        plt.close(fig)


def test_the_phone_fairness_chart_shows_the_strongest_rows_and_every_flagged_one():
    from clientvalue.report.plots_segments import plot_fairness_phone

    v = np.linspace(0.01, 0.33, 33)
    fairness = pd.DataFrame({"source": [f"s{k}" for k in range(33)], "attribute": ["age"] * 33, "cramers_v": v,
                             "ci_low": v - 0.01, "ci_high": v + 0.01, "flag": [k == 3 for k in range(33)]})
    assert plot_fairness_phone(fairness.head(8)) is None  # short enough as it is
    fig = plot_fairness_phone(fairness, rows=10, language="nl")
    labels = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()]
    expected = {f"s{k} × age" for k in [*range(23, 33), 3]}  # the ten strongest and the flagged one
    assert set(labels) == expected
    assert "11" in fig.axes[0].get_title("left") and "33" in fig.axes[0].get_title("left")
    assert fig.get_size_inches()[0] <= 4.5


def test_every_run_parameter_is_explained_in_the_appendix_in_both_languages():
    from clientvalue.report.i18n import translator
    from clientvalue.report.publish import PARAMETER_NOTES, _parameter_value
    from clientvalue.run.params import RunParameters

    assert set(RunParameters.model_fields) <= set(PARAMETER_NOTES)  # a new parameter needs its note
    nl = translator("nl")
    for note in PARAMETER_NOTES.values():
        assert nl(note) != note  # translated
    assert _parameter_value("pdf", False, nl) == "nee" and _parameter_value("pdf", True, translator("en")) == "yes"
    assert _parameter_value("codebook", "/home/analyst/secret/codebook.yaml", nl) == "codebook.yaml"
    assert _parameter_value("age_bands", [18, 55], nl) == "18, 55"


def test_interval_headers_state_the_level_the_table_holds():
    from clientvalue.report.consistency_text import display_frame

    frame = pd.DataFrame({"team": ["all", "Oost"], "effect": [0.1, 0.3], "ci_low": [0.0, 0.1], "ci_high": [0.2, 0.5],
                          "ci_level": [0.95, 0.99], "flagged": [False, True], "suppressed": [False, False]})
    one_level = list(display_frame(frame.assign(ci_level=0.99), language="nl").columns)
    assert "ondergrens 99%" in one_level and "bovengrens 99%" in one_level and not [c for c in one_level if "95" in c]
    mixed = list(display_frame(frame, language="en").columns)
    assert not [c for c in mixed if "95" in c or "99" in c]  # per row in the level column, not in a header
    assert mixed[:2] == ["team", "interval excludes 0"]  # the verdict right after the row's name
