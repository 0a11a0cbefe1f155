"""Fairness numerics against independent references: scipy's Cramér's V, statsmodels' average
marginal effects and Newcombe interval, and hand-computed predictive gain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats.contingency import association as scipy_association

from clientvalue.stats import fairness as fair
from clientvalue.stats.logistic import firth_logit


@pytest.fixture(scope="module")
def pair():
    rng = np.random.default_rng(7)
    y = rng.choice(["a", "b", "c"], 1500, p=[0.5, 0.3, 0.2])
    x = np.where(rng.random(1500) < 0.4, y, rng.choice(["a", "b", "c", "d"], 1500))
    return x, y


def test_cramers_v_equals_scipy(pair):
    x, y = pair
    table = fair.contingency(x, y)
    assert fair.cramers_v_table(table) == pytest.approx(scipy_association(table, method="cramer"), abs=1e-12)
    res = fair.association(x, y, n_boot=200, n_perm=199, seed=1)
    assert res["cramers_v"] == pytest.approx(scipy_association(table, method="cramer"), abs=1e-12)
    assert res["ci_low"] < res["cramers_v"] < res["ci_high"]
    from scipy.stats import chi2_contingency

    assert res["p_value"] == pytest.approx(chi2_contingency(table, correction=False)[1])  # large expected counts


def test_permutation_p_for_sparse_tables():
    x = np.array(["a"] * 6 + ["b"] * 6)
    y = np.array(["u"] * 5 + ["v"] + ["v"] * 5 + ["u"])  # expected counts 3: permutation test
    res = fair.association(x, y, n_boot=0, n_perm=2000, seed=1)
    from scipy.stats import fisher_exact

    # |V| is monotone in |a - 3| here, so the permutation p equals Fisher's two-sided exact p
    assert res["p_value"] == pytest.approx(fisher_exact([[5, 1], [1, 5]])[1], abs=0.02)


def test_permutation_p_is_uniformish_under_independence():
    rng = np.random.default_rng(3)
    ps = [fair.association(rng.integers(0, 3, 300), rng.integers(0, 2, 300), n_boot=0, n_perm=99, seed=s)["p_value"]
          for s in range(40)]
    assert 0.3 < np.mean(ps) < 0.7
    assert np.mean(np.array(ps) < 0.05) <= 0.15


def test_v_batch_equals_one_by_one(pair):
    rng = np.random.default_rng(0)
    tables = rng.integers(1, 40, size=(5, 3, 4))
    expected = [scipy_association(t, method="cramer") for t in tables]
    np.testing.assert_allclose(fair._v_batch(tables), expected, atol=1e-12)


def test_predictive_gain_by_hand():
    # x determines y perfectly: gain 1; x unrelated (constant): gain 0
    y = np.array(["p", "q"] * 50)
    assert fair.predictive_gain(y.copy(), y, folds=5, seed=0) == pytest.approx(1.0)
    assert fair.predictive_gain(np.zeros(100), y, folds=5, seed=0) <= 0.0
    # hand computation with 2 folds: fold assignment = permutation % 2
    x = np.array([0, 0, 0, 1, 1, 1, 0, 1])
    yy = np.array(["a", "a", "b", "b", "b", "a", "a", "b"])
    fold = np.random.default_rng(5).permutation(8) % 2
    hits = base = 0
    for f in (0, 1):
        tr, te = fold != f, fold == f
        overall = pd.Series(yy[tr]).value_counts().sort_index().idxmax()
        for xi, yi in zip(x[te], yy[te]):
            seen = yy[tr][x[tr] == xi]
            guess = pd.Series(seen).value_counts().sort_index().idxmax() if len(seen) else overall
            hits += guess == yi
            base += overall == yi
    expected = (hits / 8 - base / 8) / (1 - base / 8)
    assert fair.predictive_gain(x, yy, folds=2, seed=5) == pytest.approx(expected)


def test_adjusted_difference_equals_statsmodels_margeff():
    rng = np.random.default_rng(11)
    n = 2000
    member = rng.random(n) < 0.3
    z1 = rng.normal(size=n) + 0.5 * member
    z2 = rng.integers(0, 3, n)
    eta = -1.0 + 0.8 * member + 0.6 * z1 - 0.3 * (z2 == 2)
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    cov = fair.design(pd.DataFrame({"z1": z1, "z2": z2}), numeric=["z1"], categorical=["z2"])
    got = fair.adjusted_difference(y, member, cov)
    exog = np.column_stack([np.ones(n), member.astype(float), cov.to_numpy()])
    model = sm.Logit(y, exog).fit(disp=0)
    own = fair.logit_fit(y, exog)
    np.testing.assert_allclose(own["params"], model.params, atol=1e-8)
    np.testing.assert_allclose(own["cov"], model.cov_params(), rtol=1e-6)
    assert own["llf"] == pytest.approx(model.llf) and own["converged"]
    ref = model.get_margeff(at="overall", method="dydx", dummy=True)
    assert got["diff"] == pytest.approx(ref.margeff[0], abs=1e-8)
    assert got["se"] == pytest.approx(ref.margeff_se[0], rel=1e-5)
    lo, hi = ref.conf_int()[0]
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((lo, hi), rel=1e-5)
    assert got["p_value"] < 1e-6 and got["status"] == "ok"


def test_no_adjustment_ame_equals_raw_difference():
    rng = np.random.default_rng(2)
    member = rng.random(500) < 0.4
    y = (rng.random(500) < np.where(member, 0.4, 0.2)).astype(float)
    raw = fair.rate_difference(y, member)
    adj = fair.adjusted_difference(y, member, None)
    assert adj["diff"] == pytest.approx(raw["diff"], abs=1e-9)  # saturated model: AME = raw difference
    from statsmodels.stats.proportion import confint_proportions_2indep

    lo, hi = confint_proportions_2indep(int(y[member].sum()), int(member.sum()), int(y[~member].sum()),
                                        int((~member).sum()), method="newcomb")
    assert (raw["ci_low"], raw["ci_high"]) == pytest.approx((lo, hi))


def test_proxy_carries_difference():
    rng = np.random.default_rng(4)
    n = 3000
    protected = rng.random(n) < 0.3
    area = np.where(rng.random(n) < np.where(protected, 0.8, 0.15), "A", "B")
    y = (rng.random(n) < np.where(area == "A", 0.35, 0.05)).astype(float)
    without = fair.adjusted_difference(y, protected, None)
    with_area = fair.adjusted_difference(y, protected, fair.design(pd.DataFrame({"a": area}), categorical=["a"]))
    assert without["ci_low"] > 0.1
    assert with_area["ci_low"] < 0 < with_area["ci_high"]


def test_logit_converges_on_a_large_file():
    rng = np.random.default_rng(8)
    n = 200_000
    x = rng.normal(size=(n, 3))
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + x @ [0.5, -0.2, 0.1])))).astype(float)
    exog = np.column_stack([np.ones(n), x])
    fit = fair.logit_fit(y, exog)
    assert fit["converged"]
    np.testing.assert_allclose(fit["params"], sm.Logit(y, exog).fit(disp=0).params, atol=1e-7)
    member = x[:, 0] > 0
    assert fair.adjusted_difference(y, member, pd.DataFrame(x[:, 1:]))["status"] == "ok"


def test_adjusted_mean_difference_equals_statsmodels_ols():
    rng = np.random.default_rng(9)
    n = 400
    member = rng.random(n) < 0.4
    z = rng.normal(size=(n, 2))
    y = 7 + 0.3 * member + z @ [0.5, -0.4] + rng.normal(size=n)
    got = fair.adjusted_mean_difference(y, member, pd.DataFrame(z))
    ref = sm.OLS(y, np.column_stack([np.ones(n), member, z])).fit()
    assert got["diff"] == pytest.approx(ref.params[1])
    assert (got["ci_low"], got["ci_high"]) == pytest.approx(tuple(ref.conf_int()[1]))


def test_adjusted_mean_difference_drops_constant_covariates():
    """A covariate with one value (or none) is left out of the model."""
    rng = np.random.default_rng(12)
    n = 500
    member = rng.random(n) < 0.3
    z = pd.DataFrame({"a": rng.normal(size=n), "const": 3.0, "missing": np.nan, "b": rng.integers(1, 6, n) * 1.0})
    y = (6 + 0.4 * member + 0.5 * z["a"] - 0.2 * z["b"]).to_numpy() + rng.normal(size=n)
    ref = sm.OLS(y, np.column_stack([np.ones(n), member, z[["a", "b"]]])).fit()
    fresh = fair.adjusted_mean_difference(y, member, z)
    assert fresh["diff"] == pytest.approx(ref.params[1], rel=1e-10)
    assert (fresh["ci_low"], fresh["ci_high"]) == pytest.approx(tuple(ref.conf_int()[1]), rel=1e-10)


def test_shared_reduced_model_gives_the_same_p():
    rng = np.random.default_rng(10)
    member = rng.random(800) < 0.5
    z = pd.DataFrame({"z": rng.normal(size=800)})
    y = (rng.random(800) < 0.3 + 0.1 * member).astype(float)
    a = fair.adjusted_difference(y, member, z)
    b = fair.adjusted_difference(y, member, z, reduced_llf=fair.reduced_loglik(y, z))
    assert a["p_value"] == pytest.approx(b["p_value"], rel=1e-9)


def test_firth_on_a_two_by_two_table_is_the_haldane_correction():
    # with one binary predictor the model is saturated and Firth's estimate is the logit of each
    # category's rate after adding 1/2 to every cell (closed form), also under complete separation
    for treated_in, n_in, treated_out, n_out in [(30, 30, 0, 70), (12, 40, 25, 60)]:
        y = np.r_[np.ones(treated_in), np.zeros(n_in - treated_in), np.ones(treated_out), np.zeros(n_out - treated_out)]
        d = np.r_[np.ones(n_in), np.zeros(n_out)]
        fit = firth_logit(y, np.column_stack([np.ones(len(y)), d]))
        logit = lambda a, n: np.log((a + 0.5) / (n - a + 0.5))  # noqa: E731
        assert fit.converged
        assert fit.params[0] == pytest.approx(logit(treated_out, n_out), abs=1e-7)
        assert fit.params[1] == pytest.approx(logit(treated_in, n_in) - logit(treated_out, n_out), abs=1e-7)
        # the same fit on cells of counts
        cells = firth_logit(np.array([treated_in, treated_out], float), np.array([[1.0, 1.0], [1.0, 0.0]]),
                            trials=np.array([n_in, n_out], float))
        np.testing.assert_allclose(cells.params, fit.params, atol=1e-7)


def test_separation_gives_a_penalised_adjusted_difference():
    rng = np.random.default_rng(5)
    d = rng.random(400) < 0.3
    x = pd.DataFrame({"need": rng.integers(1, 6, 400).astype(float)})
    y = d.astype(float)  # treated exactly when in the category
    res = fair.adjusted_difference(y, d, x)
    assert res["status"] == "penalised"
    assert 0.9 < res["diff"] <= 1.0 and res["ci_low"] > 0.5
    # no covariates: the closed form of Firth's average effect on a 2 x 2 table
    res = fair.adjusted_difference(y, d)
    n1, n0 = d.sum(), (~d).sum()
    assert res["diff"] == pytest.approx((n1 + 0.5) / (n1 + 1) - 0.5 / (n0 + 1), abs=1e-6)
