"""Tests for clientvalue.stats.senior_shares and clientvalue.report.plots_senior.

References: the textbook closed form of the Wilson interval, statsmodels
``proportion_confint(method="wilson")``, statsmodels formula GLMs fitted
independently, plain least squares, brute-force counting, planted curves.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import statsmodels.api as sm  # noqa: E402
import statsmodels.formula.api as smf  # noqa: E402
from scipy import stats  # noqa: E402
from statsmodels.stats.proportion import proportion_confint  # noqa: E402

from clientvalue.stats import senior_shares as S  # noqa: E402
from clientvalue.stats import senior_curve as SC  # noqa: E402
from clientvalue.stats.logistic import firth_logit  # noqa: E402
from clientvalue.errors import AnalysisError, DataError, ParameterError  # noqa: E402
from clientvalue.report.plots_senior import plot_share_by_age, plot_thresholds  # noqa: E402
from clientvalue.report.senior_text import describe_findings  # noqa: E402

Z95 = stats.norm.ppf(0.975)


def wilson_textbook(k: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927) in the (2k + z^2 +- z sqrt(z^2 + 4k(n-k)/n)) / (2(n + z^2)) form."""
    root = z * math.sqrt(z**2 + 4 * k * (n - k) / n)
    return (2 * k + z**2 - root) / (2 * (n + z**2)), (2 * k + z**2 + root) / (2 * (n + z**2))


def planted(n: int = 3000, seed: int = 100, mid: float = 72.0, scale: float = 6.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.uniform(18, 95, n)
    p = 1 / (1 + np.exp(-(age - mid) / scale))
    return pd.DataFrame({"age": age, "senior": (rng.random(n) < p).astype(float),
                         "region": rng.choice(["north", "south", "east"], n)})


def counts_frame(spec: dict[float, tuple[int, int]]) -> pd.DataFrame:
    """spec: age -> (number yes, number no)."""
    rows = []
    for a, (yes, no) in spec.items():
        rows += [(a, 1.0)] * yes + [(a, 0.0)] * no
    return pd.DataFrame(rows, columns=["age", "senior"])


# --------------------------------------------------------------------------- Wilson / bands
@pytest.mark.parametrize("k,n", [(0, 12), (3, 12), (12, 12), (37, 150), (1, 1000)])
def test_wilson_matches_closed_form_and_statsmodels(k, n):
    lo, hi = S.wilson_interval(k / n, n)
    tlo, thi = wilson_textbook(k, n)
    slo, shi = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert lo == pytest.approx(tlo, abs=1e-12) and hi == pytest.approx(thi, abs=1e-12)
    assert lo == pytest.approx(slo, abs=1e-12) and hi == pytest.approx(shi, abs=1e-12)


def test_share_by_age_band_counts_and_intervals():
    data = counts_frame({30: (1, 19), 60: (4, 16), 70: (12, 13), 80: (15, 5), 90: (9, 3)})
    out = S.share_by_age_band(data, age="age", senior="senior").table
    assert out["age_band"].tolist() == ["18\u201354", "55\u201364", "65\u201374", "75\u201384", "85+"]
    expected = {"18\u201354": (1, 20), "55\u201364": (4, 20), "65\u201374": (12, 25), "75\u201384": (15, 20), "85+": (9, 12)}
    for _, r in out.iterrows():
        k, n = expected[r["age_band"]]
        slo, shi = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert r["n"] == n and r["share_senior"] == pytest.approx(k / n)
        assert r["ci_low"] == pytest.approx(slo, abs=1e-12) and r["ci_high"] == pytest.approx(shi, abs=1e-12)
    assert not out["suppressed"].any()


def test_band_boundaries_and_outside():
    data = pd.DataFrame({"age": [17, 18, 54.5, 55, 64.9, 65, 85, 101], "senior": [0, 0, 0, 1, 1, 1, 1, 1.0]})
    out = S.share_by_age_band(data, age="age", senior="senior", min_group_size=1)
    n = out.table.set_index("age_band")["n"]
    assert (n["18\u201354"], n["55\u201364"], n["65\u201374"], n["85+"]) == (2, 2, 1, 2)
    assert out.n_outside_bands == 1  # the 17-year-old


def test_small_band_is_suppressed():
    data = counts_frame({40: (2, 30), 70: (20, 20), 90: (3, 2)})
    out = S.share_by_age_band(data, age="age", senior="senior", bands=[(18, 64), (65, 84), (85, None)])
    r = out.table.set_index("age_band").loc["85+"]
    assert bool(r["suppressed"]) and pd.isna(r["n"]) and np.isnan(r["share_senior"])
    assert np.isnan(r["ci_low"]) and np.isnan(r["ci_high"]) and np.isnan(r["age_mean"])
    assert out.suppressed == ("85+",)


def test_dropped_ages_and_answers_are_counted():
    data = pd.DataFrame({"age": [np.nan, -1, 121, 150, 30, 40, 50, 70],
                         "senior": [1, 0, 1, np.nan, np.nan, 0, 0, 1.0]})
    out = S.share_by_age_band(data, age="age", senior="senior", min_group_size=1)
    assert out.n_dropped_age == 4
    assert out.n_dropped_answer == 1  # the 30-year-old; the 150-year-old counts as an age drop
    assert out.n_used == 3


def test_bad_senior_codes_and_weights_refused():
    data = pd.DataFrame({"age": [30, 40], "senior": [1, 2]})
    with pytest.raises(DataError, match="senior"):
        S.share_by_age_band(data, age="age", senior="senior")
    data = pd.DataFrame({"age": [30, 40], "senior": [1, 0], "w": [1.0, -2.0]})
    with pytest.raises(DataError, match="weights"):
        S.share_by_age_band(data, age="age", senior="senior", weights="w")
    with pytest.raises(ParameterError, match="agex"):
        S.share_by_age_band(data, age="agex", senior="senior")
    with pytest.raises(ParameterError, match="bands"):
        S.share_by_age_band(data, age="age", senior="senior", bands=[(65, None), (18, 64)])
    with pytest.raises(ParameterError, match="ci"):
        S.share_by_age_band(data, age="age", senior="senior", ci=95)


def test_frequency_weights_equal_replicated_rows():
    rng = np.random.default_rng(3)
    base = pd.DataFrame({"age": rng.integers(20, 95, 300).astype(float), "senior": rng.integers(0, 2, 300) * 1.0,
                         "w": rng.integers(1, 5, 300).astype(float)})
    replicated = base.loc[base.index.repeat(base["w"].astype(int))]
    a = S.share_by_age_band(base, age="age", senior="senior", weights="w").table
    b = S.share_by_age_band(replicated, age="age", senior="senior").table
    np.testing.assert_allclose(a["share_senior"], b["share_senior"], rtol=1e-12)
    ta = S.threshold_comparison(base, age="age", senior="senior", weights="w").table
    tb = S.threshold_comparison(replicated, age="age", senior="senior").table
    np.testing.assert_allclose(ta["labelled_against_self_image"], tb["labelled_against_self_image"], rtol=1e-12)
    np.testing.assert_allclose(ta["missed"], tb["missed"], rtol=1e-12)


def test_weighted_interval_uses_kish_effective_n():
    data = counts_frame({70: (12, 18)})
    data["w"] = np.r_[np.full(12, 2.0), np.full(18, 1.0)]
    out = S.share_by_age_band(data, age="age", senior="senior", weights="w", bands=[(65, 74)]).table.iloc[0]
    w = data["w"].to_numpy()
    p = 24 / 42
    n_eff = w.sum() ** 2 / (w**2).sum()
    lo, hi = wilson_textbook(p * n_eff, n_eff)
    assert out["share_senior"] == pytest.approx(p)
    assert out["ci_low"] == pytest.approx(lo, abs=1e-12) and out["ci_high"] == pytest.approx(hi, abs=1e-12)
    # equal weights change nothing
    data["w"] = 3.0
    eq = S.share_by_age_band(data, age="age", senior="senior", weights="w", bands=[(65, 74)]).table.iloc[0]
    assert (eq["ci_low"], eq["ci_high"]) == pytest.approx(proportion_confint(12, 30, method="wilson"))


# --------------------------------------------------------------------------- edge cases: all one class
def test_nobody_identifies():
    data = counts_frame({30: (0, 20), 60: (0, 20), 70: (0, 20), 80: (0, 15), 90: (0, 12)})
    out = S.share_by_age_band(data, age="age", senior="senior")
    assert (out.table["share_senior"] == 0).all() and (out.table["ci_high"] > 0).all()
    curve = S.fit_curve(data, age="age", senior="senior")
    assert curve.status == "all_no"
    pred = curve.predict([40, 85])
    assert (pred["p"] == 0).all() and (pred["ci_high"] > 0).all()
    half = S.half_way_age(curve, n_boot=50, seed=1)
    assert half.table["status"] == "never_half" and np.isnan(half.table["age_half"])
    text = describe_findings(out, half, S.threshold_comparison(data, age="age", senior="senior"))
    assert "At no age" in text


def test_everybody_identifies():
    data = counts_frame({30: (20, 0), 70: (20, 0), 90: (12, 0)})
    out = S.share_by_age_band(data, age="age", senior="senior").table
    shown = out[~out["suppressed"]]
    assert (shown["share_senior"] == 1).all() and (shown["ci_low"] < 1).all()
    half = S.half_way_age(data, age="age", senior="senior", n_boot=0)
    assert half.table["status"] == "above_half_throughout" and np.isnan(half.table["age_half"])


def test_perfect_separation_gives_status_not_exception():
    data = counts_frame({40: (0, 20), 55: (0, 20), 75: (20, 0), 85: (20, 0)})
    curve = S.fit_curve(data, age="age", senior="senior")
    assert curve.status == "separation" and curve.gap == (55.0, 75.0)
    half = S.half_way_age(curve, n_boot=20, seed=0)
    assert half.table["status"] == "separation"
    assert (half.table["age_half"], half.table["ci_low"], half.table["ci_high"]) == (65.0, 55.0, 75.0)
    # one finding, worded alike on page 20 and by the summary's wording of the finding
    from clientvalue.analyses.senior import half_way_findings
    from clientvalue.report.senior_text import describe

    (finding,) = half_way_findings(half.table)
    assert finding.kind == "half_way_status" and finding.numbers == {"from_age": 55.0, "to_age": 75.0}
    out = S.share_by_age_band(data, age="age", senior="senior")
    for language in ("en", "nl"):
        page = describe_findings(out, half, S.threshold_comparison(data, age="age", senior="senior"), language=language)
        sentence = describe(finding, language=language)
        assert "55" in sentence and "75" in sentence and f"- {sentence}" in page.splitlines()


def test_nothing_usable_raises_analysis_error():
    data = pd.DataFrame({"age": [np.nan, 200.0], "senior": [1.0, 0.0]})
    with pytest.raises(AnalysisError, match="No usable rows"):
        S.fit_curve(data, age="age", senior="senior")


# --------------------------------------------------------------------------- curve and half-way age
def test_planted_logistic_half_way_covered():
    data = planted()
    half = S.half_way_age(data, age="age", senior="senior", df=4, n_boot=200, seed=11)
    assert half.table["status"] == "ok"
    assert half.table["ci_low"] < 72 < half.table["ci_high"]
    assert abs(half.table["age_half"] - 72) < 2
    assert half.table["ci_high"] - half.table["ci_low"] < 5
    curve = S.fit_curve(data, age="age", senior="senior")
    ages = np.array([40.0, 60.0, 72.0, 85.0])
    truth = 1 / (1 + np.exp(-(ages - 72) / 6))
    np.testing.assert_allclose(curve.predict(ages)["p"], truth, atol=0.06)


def test_linear_logit_half_way_is_minus_b0_over_b1():
    data = planted(n=1500, seed=2)
    ref = sm.Logit(data["senior"], sm.add_constant(data["age"])).fit(disp=0)
    b0, b1 = ref.params["const"], ref.params["age"]
    half = S.half_way_age(data, age="age", senior="senior", df=1, n_boot=0)
    assert half.table["age_half"] == pytest.approx(-b0 / b1, abs=1e-6)


def test_curve_band_matches_statsmodels_prediction():
    data = planted(n=1200, seed=4)
    curve = S.fit_curve(data, age="age", senior="senior", df=4)
    ref = smf.glm("senior ~ cr(age, df=4, constraints='center')", data, family=sm.families.Binomial()).fit()
    ages = np.array([25.0, 50.0, 70.0, 90.0])
    sf = ref.get_prediction(pd.DataFrame({"age": ages})).summary_frame(alpha=0.05)
    got = curve.predict(ages)
    np.testing.assert_allclose(got["p"], sf["mean"], rtol=1e-6)
    np.testing.assert_allclose(got["ci_low"], sf["mean_ci_lower"], rtol=1e-5)
    np.testing.assert_allclose(got["ci_high"], sf["mean_ci_upper"], rtol=1e-5)
    assert got.columns.tolist() == ["age", "p", "ci_low", "ci_high"]
    assert curve.predict([5.0, 120.0])["p"].isna().all()  # no extrapolation


def test_adjusted_curve_averages_over_sample():
    data = planted(n=1500, seed=5)
    data.loc[data["region"] == "north", "senior"] = (np.random.default_rng(1).random(
        (data["region"] == "north").sum()) < 0.5).astype(float)
    curve = S.fit_curve(data, age="age", senior="senior", df=3, adjust_for=["region"])
    ref = smf.glm("senior ~ cr(age, df=3, constraints='center') + C(region)", data,
                  family=sm.families.Binomial()).fit()
    for a in (45.0, 70.0):
        brute = ref.predict(data.assign(age=a)).mean()
        assert curve.predict([a])["p"].iloc[0] == pytest.approx(brute, rel=1e-6)


def test_weighted_curve_equals_replicated_rows():
    data = planted(n=600, seed=6)
    data["w"] = np.random.default_rng(2).integers(1, 4, len(data)).astype(float)
    rep = data.loc[data.index.repeat(data["w"].astype(int))]
    a = S.fit_curve(data, age="age", senior="senior", weights="w", df=1)
    b = S.fit_curve(rep, age="age", senior="senior", df=1)
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-6)


def test_bootstrap_is_seeded():
    data = planted(n=800, seed=8)
    curve = S.fit_curve(data, age="age", senior="senior")
    h1 = S.half_way_age(curve, n_boot=50, seed=3)
    h2 = S.half_way_age(curve, n_boot=50, seed=3)
    assert (h1.table["ci_low"], h1.table["ci_high"]) == (h2.table["ci_low"], h2.table["ci_high"])


def test_irls_matches_statsmodels():
    data = planted(n=2000, seed=21)
    curve = S.fit_curve(data, age="age", senior="senior", df=3)
    assert curve.method == "ml"
    beta, ok = SC.irls(curve._X, curve._y, curve._w, np.zeros_like(curve.coef))
    assert ok
    np.testing.assert_allclose(beta, curve.coef, rtol=1e-6, atol=1e-8)


def test_curve_parameter_errors():
    data = planted(n=200)
    with pytest.raises(ParameterError, match="df"):
        S.fit_curve(data, age="age", senior="senior", df=0)
    with pytest.raises(ParameterError, match="n_boot"):
        S.half_way_age(data, age="age", senior="senior", n_boot=-1)


# --------------------------------------------------------------------------- thresholds
def test_threshold_comparison_brute_force():
    data = planted(n=900, seed=10)
    out = S.threshold_comparison(data, age="age", senior="senior", thresholds=(65, 70)).table
    for _, r in out.iterrows():
        up = data["age"] >= r["threshold"]
        k_against, n_up = int((data.loc[up, "senior"] == 0).sum()), int(up.sum())
        k_missed, n_below = int((data.loc[~up, "senior"] == 1).sum()), int((~up).sum())
        assert r["n_labelled"] == n_up and r["n_below"] == n_below
        assert r["labelled_against_self_image"] == pytest.approx(k_against / n_up)
        assert r["missed"] == pytest.approx(k_missed / n_below)
        assert (r["ci_low"], r["ci_high"]) == pytest.approx(proportion_confint(k_against, n_up, method="wilson"))
        assert (r["missed_ci_low"], r["missed_ci_high"]) == pytest.approx(
            proportion_confint(k_missed, n_below, method="wilson"))


def test_threshold_small_group_suppressed():
    data = counts_frame({40: (1, 30), 70: (10, 10), 82: (2, 3)})
    out = S.threshold_comparison(data, age="age", senior="senior", thresholds=(65, 80)).table.set_index("threshold")
    assert np.isnan(out.loc[80.0, "labelled_against_self_image"]) and pd.isna(out.loc[80.0, "n_labelled"])
    assert np.isnan(out.loc[80.0, "ci_low"]) and not np.isnan(out.loc[80.0, "missed"])
    assert out.loc[65.0, "n_labelled"] == 25


# --------------------------------------------------------------------------- value by self-image
def _value_data(n=1200, diff=-0.8, seed=12):
    rng = np.random.default_rng(seed)
    age = rng.uniform(65, 95, n)
    senior = (rng.random(n) < 1 / (1 + np.exp(-(age - 75) / 5))).astype(float)
    against = 1 - senior
    emo = 6 + diff * against + 0.03 * (age - 75) + rng.normal(0, 1, n)
    prac = 5 + 0.0 * against + rng.normal(0, 1, n)
    young = pd.DataFrame({"age": rng.uniform(20, 60, 50), "senior": 0.0, "emo": 0.0, "prac": 0.0})
    return pd.concat([pd.DataFrame({"age": age, "senior": senior, "emo": emo, "prac": prac}), young],
                     ignore_index=True)


def test_value_by_self_image_planted_difference_and_closed_form():
    data = _value_data()
    out = S.value_by_self_image(data, age="age", senior="senior", scores={"emotional": "emo", "practical": "prac"},
                                threshold=65).table.set_index("score")
    assert out.loc["emotional", "ci_low"] < -0.8 < out.loc["emotional", "ci_high"]
    assert out.loc["emotional", "p_value"] < 1e-6
    # closed-form OLS on the 65+ rows
    sub = data[data["age"] >= 65]
    X = np.column_stack([np.ones(len(sub)), 1 - sub["senior"], sub["age"]])
    beta, *_ = np.linalg.lstsq(X, sub["emo"].to_numpy(), rcond=None)
    resid = sub["emo"].to_numpy() - X @ beta
    sigma2 = resid @ resid / (len(sub) - 3)
    se = math.sqrt(sigma2 * np.linalg.inv(X.T @ X)[1, 1])
    assert out.loc["emotional", "difference"] == pytest.approx(beta[1], rel=1e-9)
    q = stats.t(len(sub) - 3).ppf(0.975)
    assert out.loc["emotional", "ci_high"] == pytest.approx(beta[1] + q * se, rel=1e-9)
    assert out.loc["emotional", "n_against"] == int((sub["senior"] == 0).sum())
    assert out.loc["practical", "ci_low"] < 0 < out.loc["practical", "ci_high"]  # no planted difference


def test_value_by_self_image_small_group_suppressed():
    data = _value_data(n=200)
    data = data[~((data["age"] >= 65) & (data["senior"] == 0))].copy()
    extra = pd.DataFrame({"age": [70.0] * 4, "senior": 0.0, "emo": 1.0, "prac": 1.0})
    out = S.value_by_self_image(pd.concat([data, extra]), age="age", senior="senior", scores={"e": "emo"}).table
    assert np.isnan(out.loc[0, "difference"]) and pd.isna(out.loc[0, "n_against"]) and pd.isna(out.loc[0, "n_match"])


# --------------------------------------------------------------------------- reference, text
def test_reference_figures_as_published():
    ref = S.REFERENCE_FIGURES
    assert ref.columns.tolist() == ["source", "citation", "measure", "age_low", "age_high", "share"]
    cbs = ref[ref["source"] == "CBS"].set_index("age_low")["share"]
    pew = ref[ref["source"] == "Pew"].set_index("age_low")["share"]
    assert cbs.to_dict() == {55: 0.06, 65: 0.05, 75: 0.17}
    assert pew.to_dict() == {65: 0.21, 75: 0.35}
    assert (ref["measure"] == "feeling old").all()
    assert "not" in S.REFERENCE_NOTE and "senior" in S.REFERENCE_NOTE
    assert ref.attrs == {}


@pytest.mark.parametrize("language,offer,optout", [("en", "reduced rate", "opt out"),
                                                   ("nl", "tarief met korting", "afzien")])
def test_describe_findings_cites_numbers_and_hides_suppressed(language, offer, optout):
    data = planted(n=1500, seed=13)
    data = data[~((data["age"] >= 85) & (data.index % 40 != 0))]  # leave very few 85+
    by_band = S.share_by_age_band(data, age="age", senior="senior")
    assert by_band.suppressed == ("85+",)
    half = S.half_way_age(data, age="age", senior="senior", n_boot=50, seed=1)
    thr = S.threshold_comparison(data, age="age", senior="senior")
    text = describe_findings(by_band, half, thr, threshold=65, language=language)
    r = by_band.table.set_index("age_band").loc["65\u201374"]
    assert f"{round(100 * r['share_senior'])}%" in text
    t65 = thr.table.set_index("threshold").loc[65.0]
    assert f"{round(100 * t65['labelled_against_self_image'])}%" in text
    assert f"{half.table['age_half']:.0f}" in text
    assert offer in text and optout in text
    suppressed_line = [ln for ln in text.splitlines() if "85+" in ln]
    assert suppressed_line and all("%" not in ln for ln in suppressed_line)
    with pytest.raises(ParameterError, match="language"):
        describe_findings(by_band, half, thr, language="fr")


# --------------------------------------------------------------------------- plots
def _band_table():
    data = counts_frame({30: (1, 19), 60: (4, 16), 70: (12, 13), 80: (15, 5), 90: (3, 2)})
    return data, S.share_by_age_band(data, age="age", senior="senior").table


def test_plot_share_by_age_uses_ax_and_skips_suppressed():
    data, table = _band_table()
    assert table["suppressed"].sum() == 1
    curve = S.fit_curve(data, age="age", senior="senior", df=1)
    fig, ax = plt.subplots()
    got = plot_share_by_age(table, curve=curve, reference=S.REFERENCE_FIGURES, threshold=65, ax=ax, language="nl")
    assert got is ax
    pts = [ln for ln in ax.get_lines() if ln.get_gid() == "band_points"]
    assert len(pts) == 1
    xs = pts[0].get_xdata()
    assert len(xs) == 4 and not np.any(np.asarray(xs) >= 85)
    assert ax.get_title() == "Aandeel dat zichzelf als senior ziet, naar leeftijd"
    assert any("CBS" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(fig)


def test_plot_share_by_age_new_axes_english():
    _, table = _band_table()
    ax = plot_share_by_age(table)
    assert ax.get_xlabel() == "Age (years)"
    plt.close(ax.figure)
    with pytest.raises(ParameterError):
        plot_share_by_age(table, language="de")


def test_plot_thresholds():
    data = planted(n=600, seed=14)
    table = S.threshold_comparison(data, age="age", senior="senior").table
    fig, ax = plt.subplots()
    assert plot_thresholds(table, ax=ax, language="en") is ax
    assert ax.get_title() == "An age rule compared with self-image"
    assert len(ax.get_legend().get_texts()) == 2
    plt.close(fig)


# --------------------------------------------------------------------------- Firth fallback
def test_quasi_separation_falls_back_to_firth():
    # nobody under ~30 says yes: the ML spline fit diverges
    data = planted(n=800, seed=9)
    curve = S.fit_curve(data, age="age", senior="senior")
    assert curve.status == "ok" and curve.method == "firth"
    assert np.all(np.abs(curve.coef) < 100)
    half = S.half_way_age(curve, n_boot=50, seed=2)
    assert half.table["status"] == "ok" and abs(half.table["age_half"] - 72) < 3


def test_firth_maximises_penalised_likelihood():
    # second method: direct numerical maximisation of l(b) + 0.5 log det I(b)
    from scipy import optimize

    data = planted(n=300, seed=15)
    X = np.column_stack([np.ones(len(data)), (data["age"] - 60) / 10])
    y = data["senior"].to_numpy()
    w = np.random.default_rng(0).uniform(0.5, 2, len(data))
    fit = firth_logit(w * y, X, trials=w)
    beta = fit.params
    assert fit.converged

    def penalised_loglik(b):  # written out here, independently of the solver
        eta = X @ b
        mu = 1 / (1 + np.exp(-eta))
        info = (X * (w * mu * (1 - mu))[:, None]).T @ X
        return float(np.sum(w * (y * eta - np.log1p(np.exp(eta)))) + 0.5 * np.log(np.linalg.det(info)))

    assert fit.llf == pytest.approx(penalised_loglik(beta), rel=1e-10)
    opt = optimize.minimize(lambda b: -penalised_loglik(b), np.array([0.5, 0.5]), method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000})
    np.testing.assert_allclose(beta, opt.x, atol=1e-5)
    # Firth shrinks towards zero relative to ML, never away from it by much
    ml = sm.GLM(y, X, family=sm.families.Binomial(), var_weights=w).fit().params
    assert abs(beta[1]) < abs(ml[1])


@pytest.mark.study
def test_half_way_interval_coverage():
    hits = sum(
        S.half_way_age(planted(seed=500 + s), age="age", senior="senior", n_boot=200, seed=s).pipe(
            lambda h: h.table["ci_low"] < 72 < h.table["ci_high"])
        for s in range(40)
    )
    assert 0.85 <= hits / 40 <= 1.0


# --------------------------------------------------------------------------- ML or Firth: evidence of separation
def steep(n: int = 2000, seed: int = 21, b0: float = -30.0, b1: float = 0.42) -> pd.DataFrame:
    """Ordinary data with a steep age effect: ML converges, yet the fitted logit at 18 is near -22."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 96, n).astype(float)
    senior = (rng.uniform(size=n) < 1 / (1 + np.exp(-(b0 + b1 * age)))).astype(float)
    return pd.DataFrame({"age": age, "senior": senior})


@pytest.mark.parametrize("df, formula, data", [
    (1, "senior ~ age", {}),
    (4, "senior ~ cr(age, df=4, constraints='center')", {"seed": 0, "b0": -20.0, "b1": 0.3}),
])
def test_converged_ml_with_an_extreme_fitted_logit_stays_ml(df, formula, data):
    data = steep(**data)
    assert data.loc[data["senior"] == 0, "age"].max() > data.loc[data["senior"] == 1, "age"].min()  # overlap
    curve = S.fit_curve(data, age="age", senior="senior", df=df)
    # the second method: statsmodels' GLM Binomial on every row (as R's glm), which converges
    glm = smf.glm(formula, data=data, family=sm.families.Binomial()).fit()
    assert glm.converged and glm.fittedvalues.min() < 3e-7  # a fitted logit beyond -15
    assert curve.status == "ok" and curve.method == "ml"
    np.testing.assert_allclose(curve.coef, glm.params.to_numpy(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(curve.probability([30.0, 60.0, 75.0]),
                               glm.predict(pd.DataFrame({"age": [30.0, 60.0, 75.0]})).to_numpy(), rtol=1e-6)
    if df == 1:  # the half-way age of a linear logit is -b0 / b1 of the GLM fit
        half = S.half_way_age(curve, n_boot=0)
        assert half.table["age_half"] == pytest.approx(-glm.params["Intercept"] / glm.params["age"], abs=1e-6)
        assert not SC.separated(curve._X, curve._y)


def test_quasi_separated_answers_use_firth():
    # everybody under 60 says no, everybody over 60 yes, both answers at exactly 60: quasi-separation
    # (no gap between the oldest "no" and the youngest "yes", so it reaches the model); ML does not exist
    ages = np.r_[np.arange(30.0, 60.0), 60.0, 60.0, np.arange(61.0, 91.0)]
    data = pd.DataFrame({"age": ages, "senior": (ages > 60).astype(float)})
    data.loc[data.index[31], "senior"] = 1.0  # one of the two 60-year-olds says yes
    curve = S.fit_curve(data, age="age", senior="senior", df=1)
    assert curve.status == "ok" and curve.method == "firth" and np.all(np.isfinite(curve.coef))
    assert SC.separated(curve._X, curve._y)
    assert S.half_way_age(curve, n_boot=0).table["age_half"] == pytest.approx(60.0, abs=0.5)


def test_separation_check_against_a_category_without_any_yes():
    # quasi-separation through an adjusted attribute: nobody in category "B" says yes
    data = steep(n=600, seed=3, b0=-8.0, b1=0.12)
    data["team"] = np.where(np.arange(len(data)) % 3 == 0, "B", "A")
    data.loc[data["team"] == "B", "senior"] = 0.0
    curve = S.fit_curve(data, age="age", senior="senior", df=1, adjust_for=["team"])
    assert curve.method == "firth" and SC.separated(curve._X, curve._y)
    plain = S.fit_curve(data[data["team"] == "A"], age="age", senior="senior", df=1)
    assert plain.method == "ml" and not SC.separated(plain._X, plain._y)


@pytest.mark.parametrize("against, words", [(0.04, "but 4.0% of the people it targets do not see themselves"),
                                            (float("nan"), "but people it targets may not see themselves")])
def test_what_the_age_rule_means_states_the_share_it_has(against, words):
    """"Many people it targets do not see themselves as senior" is a claim the data may not bear out:
    the page states the rule's own share, or makes no claim when that share is not shown."""
    from clientvalue.findings import Finding
    from clientvalue.report.i18n import translator
    from clientvalue.report.senior_text import _meaning

    rule = Finding("age_rule", {"threshold": "65"}, {"labelled_against": against, "missed": 0.03}, {})
    text = _meaning(rule, "65", translator("en"))
    assert words in text and "many" not in text
    assert "may not see themselves" in _meaning(None, "65", translator("en"))
