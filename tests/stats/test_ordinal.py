"""Proportional-odds model of the overall rating."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special, stats

from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.stats.model_results import OrdinalFit
from clientvalue.stats.ordinal import ordinal_model


def simulate(n, beta, cuts, *, noise="logistic", seed=0, labels=None):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(beta)))
    eps = rng.logistic(size=n) if noise == "logistic" else rng.normal(size=n)
    latent = x @ np.asarray(beta) + eps
    y = np.searchsorted(np.asarray(cuts), latent) + 1  # 1 .. len(cuts)+1
    if labels is not None:
        y = np.asarray(labels)[y - 1]
    df = pd.DataFrame(x, columns=[f"x{i}" for i in range(len(beta))])
    df["grade"] = y.astype(float)
    return df


def direct_mle(df, outcome, drivers, cdf=special.expit):
    """Cumulative-link MLE written out and maximised with scipy (independent of statsmodels)."""
    levels = np.sort(df[outcome].unique())
    y = np.searchsorted(levels, df[outcome].to_numpy())
    x = df[drivers].to_numpy()
    k, p = len(levels), x.shape[1]

    def negll(theta):
        beta, cuts = theta[:p], np.cumsum(np.r_[theta[p], np.exp(theta[p + 1:])])
        eta = x @ beta
        upper = np.r_[cuts, np.inf][y]
        lower = np.r_[-np.inf, cuts][y]
        prob = cdf(upper - eta) - cdf(lower - eta)
        return -np.log(np.clip(prob, 1e-300, None)).sum()

    start = np.r_[np.zeros(p), -1.0, np.zeros(k - 2)]
    res = optimize.minimize(negll, start, method="BFGS", options={"gtol": 1e-9})
    beta = res.x[:p]
    cuts = np.cumsum(np.r_[res.x[p], np.exp(res.x[p + 1:])])
    return beta, cuts, -res.fun


def test_recovers_latent_logistic_coefficients_on_a_ten_point_grade():
    beta = [0.8, -0.5, 0.0]
    # grade 2 never occurs: cut points 1|2 and 2|3 coincide -> an empty category
    cuts = [-3.0, -2.5, -2.5, -1.8, -1.0, 0.0, 0.9, 1.8, 2.8]
    df = simulate(1500, beta, cuts, seed=7)
    assert (df["grade"] == 3).sum() == 0  # searchsorted puts ties in the lower bin
    res = ordinal_model(df, outcome="grade", drivers=["x0", "x1", "x2"])
    assert list(res.table.columns) == ["driver", "coef", "odds_ratio", "ci_low", "ci_high", "p_value"]
    assert res.converged
    assert res.n == 1500 and res.n_categories == 9
    for b, (_, row) in zip(beta, res.table.iterrows(), strict=True):
        assert row["ci_low"] < np.exp(b) < row["ci_high"]
        assert row["odds_ratio"] == pytest.approx(np.exp(row["coef"]))
    assert res.table.loc[0, "p_value"] < 1e-10
    assert 0 < res.pseudo_r2 < 1


def test_matches_a_direct_scipy_mle():
    df = simulate(250, [1.0, -0.7], [-1.0, 0.2, 1.5], seed=3)
    res = ordinal_model(df, outcome="grade", drivers=["x0", "x1"])
    beta, cuts, llf = direct_mle(df, "grade", ["x0", "x1"])
    np.testing.assert_allclose(res.table["coef"], beta, atol=1e-4)
    np.testing.assert_allclose(res.thresholds.to_numpy(), cuts, atol=1e-4)
    assert res.llf == pytest.approx(llf, abs=1e-6)
    assert list(res.thresholds.index) == ["1/2", "2/3", "3/4"]
    # McFadden against a null model fitted the same independent way (thresholds only)
    _, _, ll0 = direct_mle(df, "grade", [])
    assert res.pseudo_r2 == pytest.approx(1 - llf / ll0, abs=1e-6)


def test_probit_link_matches_direct_mle():
    df = simulate(300, [0.6], [-0.5, 0.5], noise="normal", seed=5)
    res = ordinal_model(df, outcome="grade", drivers=["x0"], distr="probit")
    beta, _, _ = direct_mle(df, "grade", ["x0"], cdf=stats.norm.cdf)
    assert res.table.loc[0, "coef"] == pytest.approx(beta[0], abs=1e-4)
    assert np.isnan(res.table.loc[0, "odds_ratio"])
    assert res.table.loc[0, "ci_low"] < res.table.loc[0, "coef"] < res.table.loc[0, "ci_high"]


def test_missing_rows_are_dropped_and_bad_input_refused():
    df = simulate(200, [1.0], [0.0, 1.0], seed=1)
    df.loc[:9, "x0"] = np.nan
    assert ordinal_model(df, outcome="grade", drivers=["x0"]).n == 190
    with pytest.raises(ParameterError, match="distr"):
        ordinal_model(df, outcome="grade", drivers=["x0"], distr="cloglog")
    with pytest.raises(ParameterError, match="also listed"):
        ordinal_model(df, outcome="grade", drivers=["grade"])
    with pytest.raises(AnalysisError, match="two different values"):
        ordinal_model(df.assign(grade=3.0), outcome="grade", drivers=["x0"])
    with pytest.raises(AnalysisError, match="without variance"):
        ordinal_model(df.assign(c=1.0), outcome="grade", drivers=["x0", "c"])
    with pytest.raises(AnalysisError, match="at least"):
        ordinal_model(df.iloc[10:20], outcome="grade", drivers=["x0"])


@pytest.mark.parametrize("distr", ["logit", "probit"])
def test_same_fit_as_plain_statsmodels_ordered_model(distr):
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    df = simulate(600, [0.8, -0.5], [-1.5, -0.5, 0.5, 1.5], seed=11)
    res = ordinal_model(df, outcome="grade", drivers=["x0", "x1"], distr=distr)
    y = pd.Series(pd.Categorical(df["grade"], ordered=True))
    ref = OrderedModel(y, df[["x0", "x1"]], distr=distr).fit(method="bfgs", disp=False,
                                                             maxiter=5000)
    np.testing.assert_allclose(res.table["coef"], ref.params[["x0", "x1"]], atol=1e-5)
    z = stats.norm.ppf(0.975)
    lo = ref.params[["x0", "x1"]] - z * ref.bse[["x0", "x1"]]
    expected_lo = np.exp(lo) if distr == "logit" else lo
    np.testing.assert_allclose(res.table["ci_low"], expected_lo, rtol=1e-4)
    np.testing.assert_allclose(res.table["p_value"], ref.pvalues[["x0", "x1"]], rtol=1e-3, atol=1e-12)
    assert res.llf == pytest.approx(ref.llf, abs=1e-6)
    assert res.pseudo_r2 == pytest.approx(ref.prsquared, abs=1e-6)


def rating_data(n=3000, seed=5):
    """Answers on 1-5 items and a 1-10 grade: many respondents share an answer pattern."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 3))
    items = np.clip(np.round(3 + latent), 1, 5)
    grade = np.clip(np.round(5.5 + items @ np.array([0.8, 0.5, 0.2]) - 8 + rng.logistic(size=n)), 1, 10)
    return pd.DataFrame({"grade": grade, "a": items[:, 0], "b": items[:, 1], "c": items[:, 2]})


@pytest.mark.parametrize("distr", ["logit", "probit"])
def test_patterns_with_frequencies_give_the_row_level_likelihood(distr):
    from clientvalue.stats.ordinal import _loglik, distinct_patterns

    df = rating_data()
    patterns, freq = distinct_patterns(df, ["grade", "a", "b", "c"])
    assert len(patterns) < len(df) / 3 and freq.sum() == len(df)
    levels = np.sort(df["grade"].unique())
    beta, theta = np.array([0.7, 0.4, 0.1]), np.linspace(-1.5, 6.0, len(levels) - 1)
    on_patterns = _loglik(patterns[["a", "b", "c"]].to_numpy(), np.searchsorted(levels, patterns["grade"]),
                          freq, beta, theta, distr)
    rows = df.sort_values("grade", kind="stable")
    on_rows = _loglik(rows[["a", "b", "c"]].to_numpy(), np.searchsorted(levels, rows["grade"]),
                      np.ones(len(rows)), beta, theta, distr)
    assert on_patterns[0] == pytest.approx(on_rows[0], rel=1e-12)
    np.testing.assert_allclose(on_patterns[1], on_rows[1], rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(on_patterns[2], on_rows[2], rtol=1e-10, atol=1e-9)
    # the analytic score and Hessian are the derivatives of the log-likelihood
    params = np.r_[beta, theta]
    x, y = rows[["a", "b", "c"]].to_numpy(), np.searchsorted(levels, rows["grade"])
    ll = lambda t: _loglik(x, y, np.ones(len(y)), t[:3], t[3:], distr, derivatives=False)  # noqa: E731
    np.testing.assert_allclose(optimize.approx_fprime(params, ll, 1e-6), on_rows[1], rtol=1e-5, atol=1e-3)
    sc = lambda t: _loglik(x, y, np.ones(len(y)), t[:3], t[3:], distr)[1]  # noqa: E731
    numeric = np.array([(sc(params + h) - sc(params - h)) / 2e-6 for h in np.eye(len(params)) * 1e-6])
    np.testing.assert_allclose(numeric, on_rows[2], rtol=1e-5, atol=1e-3)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")
@pytest.mark.parametrize("distr", ["logit", "probit"])
def test_pattern_fit_equals_statsmodels_on_every_row(distr):
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    df = rating_data(n=600, seed=9)
    res = ordinal_model(df, outcome="grade", drivers=["a", "b", "c"], distr=distr)
    assert res.converged
    y = pd.Series(pd.Categorical(df["grade"], ordered=True))
    model = OrderedModel(y, df[["a", "b", "c"]], distr=distr)
    ref = model.fit(method="bfgs", disp=False, maxiter=5000, gtol=1e-10)
    ref = model.fit(start_params=ref.params, method="newton", disp=False, maxiter=100, tol=1e-12)
    np.testing.assert_allclose(res.table["coef"], ref.params[["a", "b", "c"]], atol=1e-6)
    np.testing.assert_allclose(res.thresholds.to_numpy(),
                               model.transform_threshold_params(ref.params.to_numpy())[1:-1], atol=1e-6)
    z = stats.norm.ppf(0.975)
    lo = ref.params[["a", "b", "c"]] - z * ref.bse[["a", "b", "c"]]
    np.testing.assert_allclose(res.table["ci_low"], np.exp(lo) if distr == "logit" else lo, rtol=1e-5)
    assert res.llf == pytest.approx(ref.llf, abs=1e-8)


def test_result_is_frozen_shows_its_table_and_the_table_carries_no_attrs():
    res = ordinal_model(simulate(250, [1.0, -0.7], [-1.0, 0.2, 1.5], seed=3), outcome="grade", drivers=["x0", "x1"])
    assert isinstance(res, OrdinalFit) and res.table.attrs == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.n = 0  # type: ignore[misc]
    assert res.table._repr_html_() in res._repr_html_() and repr(res.table) in repr(res)
    assert repr(res).startswith(f"Ordinal model (logit) of 2 drivers: n = 250, 4 categories, "
                                f"pseudo R² = {res.pseudo_r2:.4f}\n")
