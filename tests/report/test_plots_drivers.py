"""Driver charts: they draw on the Axes given, say what they show, in English and Dutch."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from clientvalue.errors import ParameterError  # noqa: E402
from clientvalue.stats.ipa import importance_performance  # noqa: E402
from clientvalue.report.plots_drivers import (  # noqa: E402
    plot_importance,
    plot_quadrants,
    quadrant_limits,
    plot_value_split,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture
def profile():
    return pd.DataFrame({
        "group": ["all", "Burgerzaken", "Jeugd"],
        "practical_share": [0.6, 0.72, 0.35],
        "practical_ci_low": [0.5, 0.6, 0.2],
        "practical_ci_high": [0.7, 0.82, 0.5],
        "emotional_share": [0.4, 0.28, 0.65],
        "emotional_ci_low": [0.3, 0.18, 0.5],
        "emotional_ci_high": [0.5, 0.4, 0.8],
    })


@pytest.fixture
def drivers():
    return pd.DataFrame({
        "driver": ["q_fast", "q_listen", "q_easy", "q_welcome"],
        "importance": [0.10, 0.20, 0.05, 0.15],
        "share": [0.2, 0.4, 0.1, 0.3],
        "ci_low": [0.06, 0.15, 0.02, 0.1],
        "ci_high": [0.14, 0.25, 0.08, 0.2],
        "sign": [1.0, 1.0, 1.0, 1.0],
    })


DIMS = {"practical": ["q_fast", "q_easy"], "emotional": ["q_listen", "q_welcome"]}


@pytest.fixture
def ipa(drivers):
    data = pd.DataFrame({"q_fast": [2.0, 3, 2, 3], "q_listen": [2.0, 2, 3, 2],
                         "q_easy": [5.0, 4, 5, 5], "q_welcome": [4.0, 5, 4, 4]})
    return importance_performance(data, importance=drivers, items=list(data.columns),
                                  scales={c: (1, 5) for c in data.columns})


def texts(ax: Axes) -> set[str]:
    out = {ax.get_title(), ax.get_xlabel(), ax.get_ylabel()}
    out |= {t.get_text() for t in ax.texts}
    if ax.get_legend() is not None:
        out |= {t.get_text() for t in ax.get_legend().get_texts()}
    return {t for t in out if t}


def test_value_split_draws_shares_on_the_given_axes(profile):
    fig, ax = plt.subplots()
    out = plot_value_split(profile, ax=ax)
    assert out is ax and isinstance(out, Axes)
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == sorted([0.6, 0.72, 0.35, 0.4, 0.28, 0.65])
    # emotional bars end at 100%
    assert {round(p.get_x() + p.get_width(), 6) for p in ax.patches} >= {1.0}
    pos = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)}
    assert pos["all respondents"] > pos["Burgerzaken"] > pos["Jeugd"]  # first group on top
    assert ax.get_title()


def test_value_split_language(profile):
    en = texts(plot_value_split(profile, language="en"))
    nl = texts(plot_value_split(profile, language="nl"))
    assert "Practical value" in en and "Praktische waarde" in nl
    assert "Emotionele waarde" in nl
    assert en - {"50%"} != nl - {"50%"}
    assert not ({t for t in en if t[-1] != "%"} & {t for t in nl if t[-1] != "%"})
    with pytest.raises(ParameterError, match="language"):
        plot_value_split(profile, language="fr")
    with pytest.raises(ParameterError, match="lacks"):
        plot_value_split(profile.drop(columns="emotional_ci_low"))


def test_importance_ranked_with_intervals_and_colours(drivers):
    fig, ax = plt.subplots()
    out = plot_importance(drivers, dimensions=DIMS, labels={"q_listen": "I was listened to"},
                          ax=ax)
    assert out is ax
    pos = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)}
    ranked = sorted(pos, key=pos.get, reverse=True)
    assert ranked == ["I was listened to", "q_welcome", "q_fast", "q_easy"]  # largest on top
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx([0.1, 0.2, 0.3, 0.4])
    # bar colours follow the dimension
    colours = {tuple(np.round(p.get_facecolor(), 3)) for p in ax.patches}
    assert len(colours) == 2
    # interval of the top bar rescaled to the share scale: importance CI / R2 (0.5)
    segs = ax.collections[0].get_segments()
    top = [s for s in segs if abs(s[0][1] - 3) < 1e-9][0]
    assert sorted([top[0][0], top[1][0]]) == pytest.approx([0.30, 0.50])
    en = texts(ax)
    nl = texts(plot_importance(drivers, dimensions=DIMS, language="nl"))
    assert "Emotional value" in en and "Emotionele waarde" in nl
    assert en.isdisjoint(nl)


def test_importance_without_intervals_or_dimensions(drivers):
    ax = plot_importance(drivers.assign(ci_low=np.nan, ci_high=np.nan), value="importance")
    assert isinstance(ax, Axes)
    assert ax.get_legend() is None and not ax.collections
    with pytest.raises(ParameterError, match="value"):
        plot_importance(drivers, value="r2")


def test_quadrants_crosshairs_names_and_red_items(ipa):
    fig, ax = plt.subplots()
    out = plot_quadrants(ipa, ax=ax, labels={"q_fast": "I was helped quickly"})
    assert out is ax
    xs = [ln.get_xdata()[0] for ln in ax.lines if ln.get_xdata()[0] == ln.get_xdata()[1]]
    ys = [ln.get_ydata()[0] for ln in ax.lines if ln.get_ydata()[0] == ln.get_ydata()[1]]
    assert ipa.crosshair_performance in xs
    assert ipa.crosshair_share in ys
    red_points = ax.collections[1].get_offsets()
    assert len(red_points) == int(ipa.table["in_red"].sum()) > 0
    en = texts(ax)
    assert {"Concentrate here", "Keep up the good work", "Low priority", "Scores above what it weighs"} <= en
    key = [t.get_text() for t in ax.texts if t.get_gid() == "cv-key"][0]
    assert "2\u2002I was helped quickly" in key.split("\n")  # numbered in the table's order
    nl = texts(plot_quadrants(ipa, language="nl"))
    assert {"Hier verbeteren", "Zo houden", "Lage prioriteit", "Scoort hoger dan het weegt"} <= nl
    assert ax.get_xlabel() != plt.gca().get_xlabel()
    with pytest.raises(ParameterError, match="lacks"):
        plot_quadrants(dataclasses.replace(ipa, table=ipa.table.drop(columns="in_red")))


def test_quadrants_cross_where_the_result_says_not_at_the_means(drivers):
    data = pd.DataFrame({"q_fast": [2.0, 3, 2, 3], "q_listen": [2.0, 2, 3, 2],
                         "q_easy": [5.0, 4, 5, 5], "q_welcome": [4.0, 5, 4, 4]})
    fixed = importance_performance(data, importance=drivers, items=list(data.columns),
                                   scales={c: (1, 5) for c in data.columns}, crosshair=(0.1, 20.0))
    ax = plot_quadrants(fixed)
    assert 20.0 in [ln.get_xdata()[0] for ln in ax.lines if ln.get_xdata()[0] == ln.get_xdata()[1]]
    assert 0.1 in [ln.get_ydata()[0] for ln in ax.lines if ln.get_ydata()[0] == ln.get_ydata()[1]]
    assert quadrant_limits([fixed])[0][0] == 15.0  # 5 below the line at 20, not below the data (31.25)
    with pytest.raises(ParameterError, match="importance-performance"):
        plot_driver_panels({"all": fixed.table}, "quadrants")


def test_importance_from_the_drivers_module_uses_bootstrap_shares():
    from clientvalue.stats.importance import importance

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    data = pd.DataFrame(x, columns=["a", "b", "c"]).assign(
        y=x @ [0.6, 0.3, 0.1] + rng.normal(size=300))
    result = importance(data, outcome="y", drivers=["a", "b", "c"], n_boot=200, seed=1)
    ax = plot_importance(result)
    boot = result.replicates
    shares = boot / boot.sum(axis=1, keepdims=True)
    lo, hi = np.quantile(shares[:, 0], [0.025, 0.975])
    segs = ax.collections[0].get_segments()
    top = [sg for sg in segs if abs(sg[0][1] - 2) < 1e-9][0]  # "a" has the largest share
    assert sorted([top[0][0], top[1][0]]) == pytest.approx([lo, hi])


# --- readable charts: panels on shared scales, numbered points, legends outside the data ---

from matplotlib.transforms import Bbox  # noqa: E402

from clientvalue.report.plots_driver_panels import (  # noqa: E402
    drivers_alt_text,
    plot_driver_panels,
)
from clientvalue.report.plots_drivers import item_numbers  # noqa: E402


def _group_tables(seed: int = 3, n_items: int = 12, groups=("all", "A", "B", "C", "D")):
    """IPA and importance tables per group; items clustered so that naive labels would collide."""
    rng = np.random.default_rng(seed)
    items = [f"q{i}" for i in range(n_items)]
    ipa_tables, imp_tables = {}, {}
    for k, g in enumerate(groups):
        share = rng.dirichlet(np.ones(n_items)) * (1 + k)  # different ranges per group
        share = share / share.sum()
        imp = pd.DataFrame({"driver": items, "importance": share * 0.4, "share": share,
                            "ci_low": share * 0.3, "ci_high": share * 0.55 * (1 + k)})
        cols = {i: rng.integers(3, 6, 40).astype(float) for i in items}
        cols["q0"] = rng.integers(1, 3, 40).astype(float)
        table = importance_performance(pd.DataFrame(cols), importance=imp, items=items,
                                       scales={i: (1, 5) for i in items})
        ipa_tables[g], imp_tables[g] = table, imp
    dims = {"practical": items[: n_items // 2], "emotional": items[n_items // 2:]}
    labels = {i: f"Question number {i} with a fairly long text" for i in items}
    return ipa_tables, imp_tables, dims, labels


def _boxes(fig, texts):
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts]


def _intersects(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("language", ["en", "nl"])
def test_quadrant_panels_numbers_never_overlap_text_points_or_captions(language):
    ipa_tables, _imp, dims, labels = _group_tables()
    fig = plot_driver_panels(ipa_tables, "quadrants", labels=labels, dimensions=dims, language=language)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == len(ipa_tables)
    for ax in panels:
        numbers = [t for t in ax.texts if t.get_gid() == "cv-number"]
        captions = [t for t in ax.texts if t.get_gid() == "cv-caption"]
        assert len(numbers) == 12 and len(captions) == 4
        boxes = _boxes(fig, numbers)
        cap_boxes = _boxes(fig, captions)
        frame = ax.get_window_extent(renderer)
        for i, a in enumerate(boxes):
            assert frame.x0 <= a.x0 and a.x1 <= frame.x1 and frame.y0 <= a.y0 and a.y1 <= frame.y1
            assert not any(_intersects(a, b) for b in boxes[i + 1:]), "two numbers overlap"
            assert not any(_intersects(a, c) for c in cap_boxes), "a number covers a quadrant name"
        # no point (marker radius 4 pt) under a quadrant name, nor under another point's number
        points = np.vstack([c.get_offsets() for c in ax.collections if str(c.get_gid()).startswith("cv-points")])
        r = 4 * fig.dpi / 72
        for px, py in ax.transData.transform(points):
            dot = Bbox.from_extents(px - r, py - r, px + r, py + r)
            assert not any(_intersects(dot, c) for c in cap_boxes)
            assert not any(_intersects(dot, b) for b in boxes)
        # the four quadrant names do not run into each other
        for i, a in enumerate(cap_boxes):
            assert not any(_intersects(a, b) for b in cap_boxes[i + 1:])
    # the same question has the same number in every panel, and the key lists it once
    key = "\n".join(t.get_text() for t in fig.texts if t.get_gid() == "cv-key")
    assert key.count("Question number q3 with") == 1
    assert "4\u2002Question number q3" in key
    assert item_numbers(["b", "a", "b"]) == {"b": 1, "a": 2}


@pytest.mark.parametrize("kind", ["quadrants", "importance"])
def test_panels_share_axis_limits(kind):
    ipa_tables, imp_tables, dims, labels = _group_tables()
    tables = ipa_tables if kind == "quadrants" else imp_tables
    fig = plot_driver_panels(tables, kind, labels=labels, dimensions=dims)
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 5
    assert len({ax.get_xlim() for ax in panels}) == 1
    assert len({ax.get_ylim() for ax in panels}) == 1
    # and every panel's data fits the shared limits
    (x0, x1), (y0, y1) = panels[0].get_xlim(), panels[0].get_ylim()
    if kind == "quadrants":
        for t in (t.table for t in tables.values()):
            assert x0 <= t["performance"].min() and t["performance"].max() <= x1
            assert y0 <= t["share"].min() and t["share"].max() <= y1
    else:
        assert max(t["share"].max() for t in tables.values()) <= x1
        assert max((t["ci_high"] / t["importance"] * t["share"]).max() for t in tables.values()) <= x1


@pytest.mark.parametrize("kind", ["quadrants", "importance"])
def test_one_legend_outside_the_data_and_clear_of_titles_in_fixed_order(kind):
    ipa_tables, imp_tables, dims, labels = _group_tables()
    tables = ipa_tables if kind == "quadrants" else imp_tables
    fig = plot_driver_panels(tables, kind, labels=labels, dimensions=dims)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in fig.axes)
    legend = fig.legends[0].get_window_extent(renderer)
    for ax in fig.axes:
        if not ax.axison:
            continue
        assert not _intersects(legend, ax.get_window_extent(renderer))
        assert not _intersects(legend, ax.title.get_window_extent(renderer).padded(2))
        assert not _intersects(legend, ax.get_tightbbox(renderer))
    names = [t.get_text() for t in fig.legends[0].get_texts()]
    expected = ["Practical value", "Emotional value"] + (["In the red"] if kind == "quadrants" else [])
    assert names == expected
    # the dimension order does not depend on the order of the dimensions given, colours are fixed
    swapped = {"emotional": dims["emotional"], "practical": dims["practical"]}
    fig2 = plot_driver_panels(tables, kind, labels=labels, dimensions=swapped)
    assert [t.get_text() for t in fig2.legends[0].get_texts()] == expected
    handles = fig2.legends[0].legend_handles
    colour = handles[0].get_markerfacecolor() if kind == "quadrants" else handles[0].get_facecolor()
    assert matplotlib.colors.to_hex(colour) == "#1f6f8b"


def test_single_quadrant_chart_legend_clear_of_data_and_title(ipa):
    ax = plot_quadrants(ipa, dimensions=DIMS)
    fig = ax.get_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    assert not _intersects(legend, ax.get_window_extent(renderer))
    assert not _intersects(legend, ax.title.get_window_extent(renderer))
    # marker shapes differ per dimension, not only colours
    markers = {c.get_gid(): c.get_paths()[0].vertices.shape for c in ax.collections
               if str(c.get_gid()).startswith("cv-points")}
    assert len(markers) == 2 and len(set(markers.values())) == 2


def test_practical_and_emotional_colours_distinguishable_for_colour_blind_readers():
    """Blue and orange stay far apart (CIE Lab distance) under simulated protan, deutan and tritan
    vision (Machado, Oliveira & Fernandes 2009, severity 1) and differ in lightness (greyscale)."""
    from clientvalue.report.plots_drivers import COLOURS

    machado = {
        "protan": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
        "deutan": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
        "tritan": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
    }

    def linear(hex_colour):
        c = np.array(matplotlib.colors.to_rgb(hex_colour))
        return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)

    def lab(rgb):  # linear sRGB -> CIE L*a*b* (D65)
        xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ rgb
        t = xyz / np.array([0.95047, 1.0, 1.08883])
        f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
        return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])

    p, e = linear(COLOURS["practical"]), linear(COLOURS["emotional"])
    assert np.linalg.norm(lab(p) - lab(e)) > 40
    for m in machado.values():
        m = np.array(m)
        assert np.linalg.norm(lab(np.clip(m @ p, 0, 1)) - lab(np.clip(m @ e, 0, 1))) > 40
    assert abs(lab(p)[0] - lab(e)[0]) > 15  # lightness: also apart in greyscale


def test_alt_text_says_the_top_question_and_how_it_scores():
    ipa_tables, imp_tables, dims, labels = _group_tables()
    text = drivers_alt_text(ipa_tables, "quadrants", labels=labels)
    for group, ipa in ipa_tables.items():
        top = ipa.table.loc[ipa.table["share"].idxmax(), "item"]
        name = "all respondents" if group == "all" else group
        assert f"In {name}, \u2018{labels[top]}\u2019 is the most important question" in text
    # the planted low performer q0: when it is the top item, the text says it scores lowest
    table = ipa_tables["A"].table.copy()
    table.loc[table["item"] == "q0", "share"] = 0.9
    table = dataclasses.replace(ipa_tables["A"], table=table)
    one = drivers_alt_text({"Burgerzaken": table}, "quadrants", labels={"q0": "The costs were reasonable"})
    assert one.startswith("In Burgerzaken, \u2018The costs were reasonable\u2019 is the most important question "
                          "and scores lowest.")
    nl = drivers_alt_text({"Burgerzaken": table}, "quadrants", labels={"q0": "De kosten waren redelijk"},
                          language="nl")
    assert "Burgerzaken" in nl and "De kosten waren redelijk" in nl and "most important" not in nl
    imp = drivers_alt_text(imp_tables, "importance", labels=labels)
    top = imp_tables["all"].loc[imp_tables["all"]["share"].idxmax(), "driver"]
    assert f"In all respondents, \u2018{labels[top]}\u2019 drives the overall rating most" in imp


def test_report_figure_saves_sharp_png_with_the_charts_alt_text(monkeypatch):
    import base64
    import io

    from PIL import Image

    from clientvalue.report import notebook

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append((a, k)))
    with matplotlib.rc_context():  # Report sets the report's plot style; keep it out of other tests
        report = notebook.Report(language="en")
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.plot([0, 1], [0, 1])
        fig.alt_text = "In Burgerzaken, 'The costs were reasonable' is the most important question."
        report.figure(fig, "quadrants")
        (bundle,), kwargs = shown[0]
        assert kwargs["metadata"]["image/png"]["alt"] == fig.alt_text
        image = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
        assert notebook.SAVE_DPI >= 150
        assert image.width >= 5 * 150 * 0.8  # 5 inch wide at >= 150 dpi (the tight box trims a little)
        # an explicit alt wins; without any, the caption is the alt text
        report.figure(plt.subplots()[0], "quadrants", alt="Explicit")
        assert shown[2][1]["metadata"]["image/png"]["alt"] == "Explicit"
        report.figure(plt.subplots()[0], "quadrants")
        assert shown[4][1]["metadata"]["image/png"]["alt"].startswith("Importance against score")


@pytest.mark.parametrize("dpi", [100, 150])
def test_a_numbers_box_at_a_spot_is_the_box_matplotlib_measures_for_it_there(dpi):
    """place_numbers measures each number once and places its box arithmetically at every spot."""
    from clientvalue.report.plots_drivers import _number_box, _text_size

    fig, ax = plt.subplots(figsize=(4, 3), dpi=dpi)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    text = ax.annotate("12", (3.3, 6.1), xytext=(6, 6), textcoords="offset points", fontsize="small",
                       fontweight="bold", gid="cv-number")
    renderer = fig.canvas.get_renderer()
    size = _text_size(text, renderer)
    point = ax.transData.transform(text.xy)
    directions = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
    for distance in (4, 17, 60):
        for dx, dy in directions:
            text.set_position((dx * distance, dy * distance))
            text.set_ha({1: "left", -1: "right", 0: "center"}[dx])
            text.set_va({1: "bottom", -1: "top", 0: "center"}[dy])
            measured = text.get_window_extent(renderer)
            placed = _number_box(point, (dx, dy), distance, size, dpi / 72)
            np.testing.assert_allclose(placed.get_points(), measured.get_points(), rtol=0, atol=1e-9)
    assert size[0] > 5 and size[1] > 5


def test_placing_numbers_again_leaves_only_the_leaders_of_the_last_placement():
    """A number that moved far from its point gets one leader line, pointing to where it is now."""
    from clientvalue.report.plots_drivers import place_numbers

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    for i in range(12):  # crowded: most numbers must move away from their point
        ax.annotate(str(i + 1), (5 + 0.05 * i, 5), xytext=(4, 4), textcoords="offset points", fontsize="small",
                    gid="cv-number")
    place_numbers(ax)
    first = [t for t in ax.texts if t.get_gid() == "cv-leader"]
    fig.set_size_inches(3, 2)  # the layout changes: the numbers are placed again
    place_numbers(ax)
    numbers = [t for t in ax.texts if t.get_gid() == "cv-number"]
    leaders = [t for t in ax.texts if t.get_gid() == "cv-leader"]
    far = [t for t in numbers if max(abs(v) for v in t.get_position()) >= 8]
    assert first and far and len(leaders) == len(far)
    for number, leader in zip(far, leaders, strict=True):
        assert leader.xy == number.xy
        (nx, ny), (lx, ly) = number.get_position(), leader.get_position()
        assert np.sign(lx) == np.sign(nx) and np.sign(ly) == np.sign(ny)
        assert max(abs(lx), abs(ly)) == max(abs(nx), abs(ny)) - 1
