"""Weighted levels and their comparisons against closed forms and second methods.

References: R survey's svymean / svyciprop for ``svydesign(ids = ~1, weights = ~w)``. R is not
available, so the tests check the formulas those functions implement by other routes:
closed forms (unweighted: the linearisation SE is s / sqrt(n)), statsmodels' DescrStatsW (means),
WLS / GLM with sandwich covariances (the linearisation variance is the HC0 sandwich of an
intercept-only WLS, times n / (n - 1)), and a complex-step derivative of the estimator itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.weightstats import DescrStatsW

from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.stats.levels import (compare_independent, compare_with_reference, flag_change, group_codes,
                                      paired_change, weighted_levels)


def _survey(n=400, seed=3, groups=("a", "b", "c")):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "rating": rng.integers(1, 11, n).astype(float),
        "w": rng.gamma(2.0, 1.0, n) + 0.1,
        "service": rng.choice(list(groups), n),
    })


def test_unweighted_one_group_is_the_textbook_mean_and_se():
    data = _survey()
    out = weighted_levels(data, value="rating", satisfied_from=7)
    y = data["rating"].to_numpy()
    n = len(y)
    assert out.loc[0, "n"] == n
    assert out.loc[0, "mean"] == pytest.approx(y.mean(), abs=1e-12)
    # svymean: n/(n-1) * sum((y-m)^2)/n^2 = s^2/n with the sample variance s^2
    assert out.loc[0, "se"] == pytest.approx(y.std(ddof=1) / np.sqrt(n), abs=1e-12)
    z = stats.norm.ppf(0.975)
    assert out.loc[0, "ci_low"] == pytest.approx(y.mean() - z * y.std(ddof=1) / np.sqrt(n), abs=1e-12)
    p = (y >= 7).mean()
    assert out.loc[0, "share_satisfied"] == pytest.approx(p, abs=1e-12)
    assert out.loc[0, "share_se"] == pytest.approx(np.sqrt(p * (1 - p) / (n - 1)), abs=1e-12)


def _complex_step_se(y, w):
    """Linearisation SE by differentiating the estimator: z_i = w_i dm/dw_i (complex step), then
    svyrecvar's n/(n-1) sum (z - zbar)^2."""
    n, h = len(y), 1e-30
    z = np.empty(n)
    for i in range(n):
        wc = w.astype(complex)
        wc[i] += 1j * h
        z[i] = w[i] * (np.sum(wc * y) / np.sum(wc)).imag / h
    return np.sqrt(n / (n - 1) * np.sum((z - z.mean()) ** 2))


def test_weighted_one_group_against_descrstatsw_sandwich_and_complex_step():
    data = _survey(n=150, seed=5)
    out = weighted_levels(data, value="rating", weights="w", satisfied_from=7)
    y, w = data["rating"].to_numpy(), data["w"].to_numpy()
    assert out.loc[0, "mean"] == pytest.approx(DescrStatsW(y, weights=w).mean, abs=1e-12)
    hc1 = sm.WLS(y, np.ones(len(y)), weights=w).fit(cov_type="HC1").bse[0]
    assert out.loc[0, "se"] == pytest.approx(hc1, abs=1e-10)
    assert out.loc[0, "se"] == pytest.approx(_complex_step_se(y, w), abs=1e-10)
    s = (y >= 7).astype(float)
    assert out.loc[0, "share_satisfied"] == pytest.approx(DescrStatsW(s, weights=w).mean, abs=1e-12)
    assert out.loc[0, "share_se"] == pytest.approx(_complex_step_se(s, w), abs=1e-10)
    assert out.loc[0, "weight_sum"] == pytest.approx(w.sum())


def test_share_interval_is_svycipropss_logit_interval_from_a_weighted_glm():
    data = _survey(n=120, seed=8)
    out = weighted_levels(data, value="rating", weights="w", satisfied_from=8, level=0.9)
    y, w = data["rating"].to_numpy(), data["w"].to_numpy()
    s = (y >= 8).astype(float)
    n = len(y)
    # svyciprop(method="logit") = confint of svyglm(s ~ 1, family=quasibinomial) on degf = n - 1,
    # the svyglm variance being the design-based sandwich (HC0 times n / (n - 1)).
    glm = sm.GLM(s, np.ones(n), family=sm.families.Binomial(), var_weights=w).fit(cov_type="HC0")
    beta, se = glm.params[0], glm.bse[0] * np.sqrt(n / (n - 1))
    t = stats.t.ppf(0.95, n - 1)
    expit = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    assert out.loc[0, "share_ci_low"] == pytest.approx(expit(beta - t * se), abs=1e-10)
    assert out.loc[0, "share_ci_high"] == pytest.approx(expit(beta + t * se), abs=1e-10)
    assert out.loc[0, "share_method"] == "logit"


def test_groups_are_domains_of_one_design():
    data = _survey(n=300, seed=11)
    data.loc[[3, 4, 5], "rating"] = np.nan       # no value: not in the design
    data.loc[[7, 8], "service"] = np.nan         # a value but no group: in the design, in no group
    out = weighted_levels(data, value="rating", weights="w", by=["service"], satisfied_from=7)
    assert list(out["service"]) == ["a", "b", "c"]
    has = data["rating"].notna()
    big_n = int(has.sum())
    for _, row in out.iterrows():
        part = data[has & (data["service"] == row["service"])]
        y, w = part["rating"].to_numpy(), part["w"].to_numpy()
        m = np.sum(w * y) / np.sum(w)
        # WLS on the group alone with HC0, rescaled by the design's N/(N-1) (zero influence outside)
        hc0 = sm.WLS(y, np.ones(len(y)), weights=w).fit(cov_type="HC0").bse[0]
        assert row["n"] == len(y)
        assert row["mean"] == pytest.approx(m, abs=1e-12)
        assert row["se"] == pytest.approx(hc0 * np.sqrt(big_n / (big_n - 1)), abs=1e-10)
    assert out["n"].sum() == len(data) - 3 - 2 and out.attrs == {}  # no rating, or a rating in no group


def test_two_grouping_columns_and_unweighted_domains():
    data = _survey(n=500, seed=2)
    data["wave"] = np.where(np.arange(500) % 2 == 0, 2023, 2024)
    out = weighted_levels(data, value="rating", by=["service", "wave"], satisfied_from=7)
    assert len(out) == 6
    ref = data.groupby(["service", "wave"])["rating"].agg(["mean", "count", "var"]).reset_index()
    merged = out.merge(ref, on=["service", "wave"])
    n_all = len(data)
    # unweighted domain: sum (y - m)^2 / n_g^2 * N/(N-1)
    expected = np.sqrt(merged["var"] * (merged["count"] - 1) / merged["count"] ** 2 * n_all / (n_all - 1))
    np.testing.assert_allclose(merged["mean_x"], merged["mean_y"], atol=1e-12)
    np.testing.assert_allclose(merged["se"], expected, atol=1e-12)


def test_share_zero_or_one_uses_wilson_and_the_interval_contains_the_share():
    data = pd.DataFrame({"rating": [8.0, 9, 10, 7, 9, 2, 3, 1], "g": list("aaaaabbb")})
    out = weighted_levels(data, value="rating", by=["g"], satisfied_from=7)
    assert list(out["share_satisfied"]) == [1.0, 0.0]
    assert list(out["share_method"]) == ["wilson", "wilson"]
    assert out.loc[0, "share_ci_high"] == 1.0 and out.loc[0, "share_ci_low"] < 1.0
    assert out.loc[1, "share_ci_low"] == 0.0 and out.loc[1, "share_ci_high"] > 0.0


def test_one_respondent_has_no_standard_error_and_empty_data_gives_an_empty_table():
    out = weighted_levels(pd.DataFrame({"rating": [5.0, 6.0], "g": ["a", "b"]}), value="rating",
                          by=["g"], satisfied_from=7)
    assert out["se"].isna().all() and (out["n"] == 1).all()
    empty = weighted_levels(pd.DataFrame({"rating": pd.Series([], dtype=float), "g": pd.Series([], dtype=object)}),
                            value="rating", by=["g"], satisfied_from=7)
    assert empty.empty and "share_ci_high" in empty.columns
    none = weighted_levels(pd.DataFrame({"rating": [np.nan]}), value="rating", satisfied_from=7)
    assert none.empty


def test_bad_input_is_refused_with_the_column_named():
    data = _survey(n=20)
    with pytest.raises(ParameterError, match="'nope'"):
        weighted_levels(data, value="nope", satisfied_from=7)
    data.loc[4, "w"] = 0
    with pytest.raises(ParameterError, match="weights column 'w'.*row 4"):
        weighted_levels(data, value="rating", weights="w", satisfied_from=7)
    with pytest.raises(ParameterError, match="level"):
        weighted_levels(_survey(n=20), value="rating", satisfied_from=7, level=95)


def test_group_codes_made_once_give_every_value_the_same_table():
    data = _survey(n=600, seed=5, groups=("a", "b", "c", "d"))
    data["wave"] = np.where(np.arange(600) % 3 == 0, "2024", "2025")
    data["other"] = np.where(data["service"] == "b", np.nan, data["rating"] - 1)  # service b never answered
    data.loc[7, "service"] = np.nan  # a respondent without a service: in the design, in no group
    codes = group_codes(data, ["wave", "service"])
    for value in ("rating", "other"):
        alone = weighted_levels(data, value=value, weights="w", by=["wave", "service"], satisfied_from=7)
        shared = weighted_levels(data, value=value, weights="w", by=["wave", "service"], satisfied_from=7,
                                 codes=codes)
        pd.testing.assert_frame_equal(shared, alone, check_exact=True)
    assert "b" not in set(weighted_levels(data, value="other", weights="w", by=["wave", "service"],
                                          satisfied_from=7, codes=codes)["service"])


def test_many_rows_and_two_integer_keys():
    rng = np.random.default_rng(0)
    n = 200_000
    data = pd.DataFrame({"rating": rng.integers(1, 11, n).astype(float), "w": rng.uniform(0.5, 2, n),
                         "service": rng.integers(0, 5, n), "wave": rng.integers(0, 3, n)})
    out = weighted_levels(data, value="rating", weights="w", by=["service", "wave"], satisfied_from=7)
    assert len(out) == 15 and out["n"].sum() == n
    assert np.all(np.abs(out["mean"] - 5.5) < 0.1)


def test_compare_independent_closed_form():
    out = compare_independent([7.0, 7.0, 6.0], [0.1, 0.2, 0.0], [7.5, 7.0, 6.0], [0.2, 0.0, 0.0])
    se0 = np.sqrt(0.1 ** 2 + 0.2 ** 2)
    assert out.loc[0, "change"] == pytest.approx(0.5)
    assert out.loc[0, "se"] == pytest.approx(se0)
    assert out.loc[0, "p_value"] == pytest.approx(2 * stats.norm.sf(0.5 / se0))
    assert out.loc[0, "ci_low"] == pytest.approx(0.5 - stats.norm.ppf(0.975) * se0)
    assert out.loc[1, "p_value"] == pytest.approx(1.0) and out.loc[2, "p_value"] == 1.0
    # a change of exactly 1.96 standard errors has p = 0.05 and an interval touching 0
    edge = compare_independent(0.0, 0.0, stats.norm.ppf(0.975), 1.0)
    assert edge.loc[0, "p_value"] == pytest.approx(0.05)
    assert edge.loc[0, "ci_low"] == pytest.approx(0.0, abs=1e-12)
    assert list(flag_change([0.1, -0.3, -0.1], [0.5, -0.1, 0.2])) == ["above", "below", "similar"]


def test_compare_with_reference_every_way_of_giving_the_spread():
    own = pd.DataFrame({"question": ["q1", "q2", "q3", "q4"], "mean": [7.5, 6.0, 7.0, 7.0],
                        "se": [0.05, 0.10, 0.08, 0.02], "n": [900, 400, 400, 2500]})
    reference = pd.DataFrame({"question": ["q2", "q1", "q3", "q4"], "mean": [6.5, 7.2, 7.0, 6.9],
                              "n": [1000, 10_000, 2500, np.nan], "sd": [2.0, np.nan, np.nan, np.nan],
                              "se": [np.nan, 0.01, np.nan, np.nan]})
    out = compare_with_reference(own, reference).set_index("question")
    assert list(out.index) == ["q2", "q1", "q3", "q4"]
    assert list(out["reference_se_source"]) == ["sd", "se", "own_sd", "none"]
    assert out.loc["q2", "reference_se"] == pytest.approx(2.0 / np.sqrt(1000))
    assert out.loc["q3", "reference_se"] == pytest.approx(0.08 * np.sqrt(400) / np.sqrt(2500))
    assert out.loc["q4", "reference_se"] == 0.0
    se_q2 = np.sqrt(0.1 ** 2 + 0.004)
    assert out.loc["q2", "difference"] == pytest.approx(-0.5)
    assert out.loc["q2", "se"] == pytest.approx(se_q2)
    assert out.loc["q2", "p_value"] == pytest.approx(2 * stats.norm.sf(0.5 / se_q2))
    assert out.loc["q2", "flag"] == "below" and out.loc["q1", "flag"] == "above"
    assert out.loc["q3", "flag"] == "similar"
    assert out.loc["q4", "flag"] == "above"  # 0.1 with se 0.02 against a known figure


def test_compare_with_reference_refuses_unknown_questions():
    own = pd.DataFrame({"question": ["q1"], "mean": [7.0], "se": [0.1], "n": [100]})
    reference = pd.DataFrame({"question": ["q1", "q9"], "mean": [7.0, 6.0], "n": [100, 100]})
    with pytest.raises(AnalysisError, match="'q9'"):
        compare_with_reference(own, reference)
    with pytest.raises(ParameterError, match="mean"):
        compare_with_reference(own, reference.drop(columns="mean"))


def _two_waves(n_panel, n_only, seed):
    """Respondents 0..n_panel-1 answer in both waves, then n_only more in each wave alone."""
    rng = np.random.default_rng(seed)
    person = rng.normal(0, 1.5, n_panel)
    rows = []
    for wave, shift in ((2023, 0.0), (2024, 0.4)):
        rows.append(pd.DataFrame({"id": np.arange(n_panel), "wave": wave,
                                  "rating": 6.5 + shift + person + rng.normal(0, 1, n_panel)}))
        start = n_panel + (0 if wave == 2023 else n_only)
        rows.append(pd.DataFrame({"id": np.arange(start, start + n_only), "wave": wave,
                                  "rating": 6.5 + shift + rng.normal(0, 1.8, n_only)}))
    data = pd.concat(rows, ignore_index=True)
    data["w"] = rng.uniform(0.5, 2.0, len(data))
    data["service"] = rng.choice(["a", "b"], len(data))
    return data


def test_paired_change_without_repeats_is_the_independent_comparison():
    data = _two_waves(0, 300, seed=1)
    out = paired_change(data, value="rating", wave="wave", respondent="id", from_wave=2023, to_wave=2024,
                        weights="w", by=["service"])
    lev = weighted_levels(data, value="rating", weights="w", by=["service", "wave"], satisfied_from=7)
    for row in out.itertuples():
        a = lev[(lev["service"] == row.service) & (lev["wave"] == 2023)].iloc[0]
        b = lev[(lev["service"] == row.service) & (lev["wave"] == 2024)].iloc[0]
        ref = compare_independent(a["mean"], a["se"], b["mean"], b["se"]).iloc[0]
        assert row.n_both == 0
        assert row.change == pytest.approx(ref["change"], abs=1e-12)
        assert row.se == pytest.approx(ref["se"], abs=1e-12)
        assert row.p_value == pytest.approx(ref["p_value"], abs=1e-12)


def test_paired_change_of_a_full_panel_is_the_paired_t_standard_error():
    data = _two_waves(250, 0, seed=2)
    out = paired_change(data, value="rating", wave="wave", respondent="id", from_wave=2023, to_wave=2024)
    d = (data[data["wave"] == 2024].set_index("id")["rating"] - data[data["wave"] == 2023].set_index("id")["rating"])
    assert out.loc[0, "n_both"] == 250
    assert out.loc[0, "change"] == pytest.approx(d.mean(), abs=1e-12)
    assert out.loc[0, "se"] == pytest.approx(d.std(ddof=1) / np.sqrt(len(d)), abs=1e-12)
    # the panel makes the change much more precise than two independent samples would
    lev = weighted_levels(data, value="rating", by=["wave"], satisfied_from=7)
    assert out.loc[0, "se"] < 0.7 * np.sqrt((lev["se"] ** 2).sum())


def test_paired_change_with_partial_overlap_against_a_cluster_robust_wls():
    data = _two_waves(120, 80, seed=3)
    out = paired_change(data, value="rating", wave="wave", respondent="id", from_wave=2023, to_wave=2024,
                        weights="w")
    x = np.column_stack([np.ones(len(data)), (data["wave"] == 2024).astype(float)])
    fit = sm.WLS(data["rating"].to_numpy(), x, weights=data["w"].to_numpy()).fit(
        cov_type="cluster", cov_kwds={"groups": data["id"].to_numpy(), "use_correction": False})
    k = data["id"].nunique()
    assert out.loc[0, "n_both"] == 120 and out.loc[0, "n_from"] == 200
    assert out.loc[0, "change"] == pytest.approx(fit.params[1], abs=1e-12)
    assert out.loc[0, "se"] == pytest.approx(fit.bse[1] * np.sqrt(k / (k - 1)), abs=1e-10)


def test_paired_change_refuses_one_wave_twice_and_unknown_columns():
    data = _two_waves(10, 10, seed=4)
    with pytest.raises(ParameterError, match="both 2023"):
        paired_change(data, value="rating", wave="wave", respondent="id", from_wave=2023, to_wave=2023)
    with pytest.raises(ParameterError, match="respondent='client'"):
        paired_change(data, value="rating", wave="wave", respondent="client", from_wave=2023, to_wave=2024)


@pytest.mark.study
def test_interval_coverage_of_weighted_means_and_shares():
    rng = np.random.default_rng(77)
    hits_mean = hits_share = 0
    reps = 400
    # ratings 1..10 with known probabilities; weights independent of the rating
    p = np.array([2, 2, 3, 4, 6, 9, 14, 20, 24, 16], float)
    p /= p.sum()
    true_mean, true_share = float(np.arange(1, 11) @ p), float(p[6:].sum())
    for _ in range(reps):
        data = pd.DataFrame({"rating": rng.choice(np.arange(1, 11), 150, p=p).astype(float),
                             "w": rng.lognormal(0, 0.6, 150)})
        out = weighted_levels(data, value="rating", weights="w", satisfied_from=7).iloc[0]
        hits_mean += out["ci_low"] < true_mean < out["ci_high"]
        hits_share += out["share_ci_low"] < true_share < out["share_ci_high"]
    assert 0.92 <= hits_mean / reps <= 0.975
    assert 0.92 <= hits_share / reps <= 0.975
