"""Driver charts: they draw on the Axes given, say what they show, in English and Dutch."""

from __future__ import annotations

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
    assert ipa.attrs["crosshair_performance"] in xs
    assert ipa.attrs["crosshair_share"] in ys
    red_points = ax.collections[1].get_offsets()
    assert len(red_points) == int(ipa["in_red"].sum()) > 0
    en = texts(ax)
    assert {"Concentrate here", "Keep up the good work", "Low priority",
            "Possible overkill", "I was helped quickly"} <= en
    nl = texts(plot_quadrants(ipa, language="nl"))
    assert {"Hier verbeteren", "Zo houden", "Lage prioriteit", "Mogelijk meer dan nodig"} <= nl
    assert ax.get_xlabel() != plt.gca().get_xlabel()
    with pytest.raises(ParameterError, match="lacks"):
        plot_quadrants(ipa.drop(columns="in_red"))


def test_importance_from_the_drivers_module_uses_bootstrap_shares():
    from clientvalue.stats.importance import importance

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    data = pd.DataFrame(x, columns=["a", "b", "c"]).assign(
        y=x @ [0.6, 0.3, 0.1] + rng.normal(size=300))
    tab = importance(data, outcome="y", drivers=["a", "b", "c"], n_boot=200, seed=1)
    ax = plot_importance(tab)
    boot = tab.attrs["boot"]
    shares = boot / boot.sum(axis=1, keepdims=True)
    lo, hi = np.quantile(shares[:, 0], [0.025, 0.975])
    segs = ax.collections[0].get_segments()
    top = [sg for sg in segs if abs(sg[0][1] - 2) < 1e-9][0]  # "a" has the largest share
    assert sorted([top[0][0], top[1][0]]) == pytest.approx([lo, hi])
