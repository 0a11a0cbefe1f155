"""The random-intercept model from sufficient statistics, against second methods and closed forms.

* statsmodels ``MixedLM`` (REML) on simulated data with case mix: fixed effects, variance
  components and predicted unit effects (BLUPs);
* the balanced one-way layout: REML = the ANOVA estimators when positive, 0 and the pooled
  variance when not;
* lme4's published fit of the Dyestuff data (Bates, *lme4: Mixed-effects modeling with R*, ch. 1):
  ``lmer(Yield ~ 1 + (1 | Batch), Dyestuff)``;
* a dense, row-level REML likelihood maximised with scipy (weighted case), and Henderson's mixed
  model equations inverted densely (prediction error variances);
* ``combine`` of partitions equals the statistics of the whole.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats
from statsmodels.regression.mixed_linear_model import MixedLM

from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.stats.multilevel import (UNIT_COLUMNS, combine, random_intercept, unit_statistics)

# Davies (1947) via lme4's Dyestuff: yield of dyestuff, 5 preparations from each of 6 batches.
DYESTUFF = {
    "A": [1545, 1440, 1440, 1520, 1580], "B": [1540, 1555, 1490, 1560, 1495],
    "C": [1595, 1550, 1605, 1510, 1560], "D": [1445, 1440, 1595, 1465, 1545],
    "E": [1595, 1630, 1515, 1635, 1625], "F": [1520, 1455, 1450, 1480, 1445],
}


def _dyestuff() -> pd.DataFrame:
    return pd.DataFrame([(b, float(y)) for b, ys in DYESTUFF.items() for y in ys], columns=["Batch", "Yield"])


def _simulated(n_units=40, seed=1, tau=0.6, sigma=1.5):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(5, 80, n_units)
    unit = np.repeat([f"u{j:02d}" for j in range(n_units)], sizes)
    n = len(unit)
    u = rng.normal(0, tau, n_units)
    age = rng.normal(60, 12, n) + np.repeat(rng.normal(0, 5, n_units), sizes)  # case mix differs by unit
    service = rng.choice(["home care", "day care", "advice"], n, p=[0.5, 0.3, 0.2])
    effect = {"advice": 0.0, "day care": 0.4, "home care": -0.3}
    y = 6.5 + 0.03 * (age - 60) + np.vectorize(effect.get)(service) + np.repeat(u, sizes) + rng.normal(0, sigma, n)
    return pd.DataFrame({"unit": unit, "age": age, "service": service, "rating": y})


def test_against_statsmodels_mixedlm_with_case_mix():
    data = _simulated()
    fit = random_intercept(unit_statistics(data, value="rating", unit="unit", case_mix=["age", "service"]))
    exog = np.column_stack([np.ones(len(data)), data["age"], data["service"] == "day care",
                            data["service"] == "home care"]).astype(float)
    ref = MixedLM(data["rating"].to_numpy(), exog, groups=data["unit"].to_numpy()).fit(reml=True)
    assert list(fit.fixed_effects["term"]) == ["(Intercept)", "age", "service[day care]", "service[home care]"]
    np.testing.assert_allclose(fit.fixed_effects["estimate"], ref.fe_params, rtol=1e-5, atol=1e-5)
    # MixedLM's standard errors come from the Hessian of the whole likelihood (variance parameters
    # included), lme4's and ours from sigma2 (X'V^-1 X)^-1: they agree to ~1e-3 here; the exact check
    # of ours is the mixed-model-equations test below.
    np.testing.assert_allclose(fit.fixed_effects["se"], ref.bse_fe, rtol=2e-3)
    assert fit.sigma2 == pytest.approx(ref.scale, rel=1e-5)
    assert fit.tau2 == pytest.approx(float(np.asarray(ref.cov_re)[0, 0]), rel=1e-4)
    blups = np.array([np.asarray(ref.random_effects[u])[0] for u in fit.units["unit"]])
    np.testing.assert_allclose(fit.units["effect"], blups, atol=1e-4)
    assert fit.reml_criterion == pytest.approx(-2 * ref.llf, rel=1e-7)
    assert list(fit.units.columns) == UNIT_COLUMNS


def test_balanced_one_way_layout_gives_the_anova_estimators():
    rng = np.random.default_rng(4)
    k, m = 12, 9
    y = 5 + np.repeat(rng.normal(0, 1.0, k), m) + rng.normal(0, 2.0, k * m)
    data = pd.DataFrame({"g": np.repeat(np.arange(k), m), "y": y})
    fit = random_intercept(unit_statistics(data, value="y", unit="g"))
    means = data.groupby("g")["y"].mean().to_numpy()
    msw = ((y - np.repeat(means, m)) ** 2).sum() / (k * m - k)
    msb = m * ((means - y.mean()) ** 2).sum() / (k - 1)
    assert msb > msw
    assert fit.sigma2 == pytest.approx(msw, rel=1e-8)
    assert fit.tau2 == pytest.approx((msb - msw) / m, rel=1e-6)
    assert fit.fixed_effects["estimate"].iloc[0] == pytest.approx(y.mean(), rel=1e-12)
    # BLUP = reliability * (unit mean - grand mean); reliability = tau2 / (tau2 + sigma2 / m)
    rel = fit.tau2 / (fit.tau2 + fit.sigma2 / m)
    np.testing.assert_allclose(fit.units["reliability"], rel, rtol=1e-12)
    np.testing.assert_allclose(fit.units["effect"], rel * (means - y.mean()), atol=1e-9)
    assert fit.icc == pytest.approx(fit.tau2 / (fit.tau2 + fit.sigma2))


def test_balanced_layout_without_unit_variation_sits_on_the_boundary():
    k, m = 5, 4
    noise = np.array([-1.5, -0.5, 0.5, 1.5])
    y = np.concatenate([5 + noise * (1 + j / 10) for j in range(k)])  # every unit mean exactly 5
    data = pd.DataFrame({"g": np.repeat(list("abcde"), m), "y": y})
    fit = random_intercept(unit_statistics(data, value="y", unit="g"))
    assert fit.boundary and fit.tau2 == 0.0 and fit.icc == 0.0
    assert fit.sigma2 == pytest.approx(((y - 5) ** 2).sum() / (k * m - 1), rel=1e-12)
    np.testing.assert_allclose(fit.units["adjusted_mean"], 5.0, atol=1e-12)
    np.testing.assert_allclose(fit.units["reliability"], 0.0)
    assert (fit.units["position"] == "within").all()
    # the interval is then the uncertainty of the grand mean alone
    np.testing.assert_allclose(fit.units["se"], np.sqrt(fit.sigma2 / (k * m)), rtol=1e-12)


def test_dyestuff_published_lme4_fit():
    fit = random_intercept(unit_statistics(_dyestuff(), value="Yield", unit="Batch"))
    # printed by lme4: Batch variance 1764.0 (sd 42.00), residual 2451.3 (sd 49.51),
    # intercept 1527.5 (se 19.38), REML criterion at convergence 319.7
    assert fit.tau2 == pytest.approx(1764, abs=0.5)  # printed to 4 significant digits
    assert fit.sigma2 == pytest.approx(2451, abs=0.5)
    assert np.sqrt(fit.tau2) == pytest.approx(42.00, abs=0.005)
    assert np.sqrt(fit.sigma2) == pytest.approx(49.51, abs=0.005)
    assert fit.fixed_effects["estimate"].iloc[0] == pytest.approx(1527.5, abs=1e-9)
    assert fit.fixed_effects["se"].iloc[0] == pytest.approx(19.38, abs=0.005)
    assert fit.reml_criterion == pytest.approx(319.7, abs=0.05)
    # ranef(fm1) as printed: A -17.61, B 0.39, C 28.56, D -23.08, E 56.73, F -45.00
    np.testing.assert_allclose(fit.units["effect"], [-17.61, 0.39, 28.56, -23.08, 56.73, -45.00], atol=0.006)
    assert list(fit.units["unit"]) == list("ABCDEF")


def _dense_reml(y, x, groups, w):
    """-2 REML log-likelihood maximised over (log sigma2, log tau2) with every row (second method)."""
    n, p = x.shape
    z = (groups[:, None] == np.unique(groups)[None, :]).astype(float)

    def crit(par):
        s2, t2 = np.exp(par)
        v = s2 * np.diag(1 / w) + t2 * z @ z.T
        vi = np.linalg.inv(v)
        a = x.T @ vi @ x
        b = np.linalg.solve(a, x.T @ vi @ y)
        r = y - x @ b
        return np.linalg.slogdet(v)[1] + np.linalg.slogdet(a)[1] + r @ vi @ r + (n - p) * np.log(2 * np.pi)

    res = optimize.minimize(crit, x0=[0.0, -1.0], method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000})
    s2, t2 = np.exp(res.x)
    v = s2 * np.diag(1 / w) + t2 * z @ z.T
    vi = np.linalg.inv(v)
    b = np.linalg.solve(x.T @ vi @ x, x.T @ vi @ y)
    u = t2 * z.T @ vi @ (y - x @ b)
    return s2, t2, b, u, res.fun


def test_weighted_fit_against_a_dense_row_level_reml():
    rng = np.random.default_rng(9)
    data = _simulated(n_units=8, seed=3)
    data = data.groupby("unit").head(12).reset_index(drop=True)
    data["w"] = rng.uniform(0.3, 3.0, len(data))
    fit = random_intercept(unit_statistics(data, value="rating", unit="unit", case_mix=["age"], weights="w"))
    x = np.column_stack([np.ones(len(data)), data["age"]])
    w = data["w"].to_numpy() * len(data) / data["w"].sum()  # weights normalised to mean 1, as documented
    s2, t2, b, u, crit = _dense_reml(data["rating"].to_numpy(), x, data["unit"].to_numpy(), w)
    assert fit.sigma2 == pytest.approx(s2, rel=1e-4)
    assert fit.tau2 == pytest.approx(t2, rel=1e-4)
    np.testing.assert_allclose(fit.fixed_effects["estimate"], b, rtol=1e-5)
    np.testing.assert_allclose(fit.units["effect"], u, atol=1e-4)
    assert fit.reml_criterion == pytest.approx(crit, abs=1e-6)
    # scaling the weights changes nothing
    data["w"] *= 7.0
    again = random_intercept(unit_statistics(data, value="rating", unit="unit", case_mix=["age"], weights="w"))
    assert again.tau2 == pytest.approx(fit.tau2, rel=1e-9)
    np.testing.assert_allclose(again.units["adjusted_mean"], fit.units["adjusted_mean"], rtol=1e-9)


def test_prediction_error_variance_equals_the_inverse_of_hendersons_equations():
    data = _simulated(n_units=10, seed=6)
    fit = random_intercept(unit_statistics(data, value="rating", unit="unit", case_mix=["age", "service"]))
    x = np.column_stack([np.ones(len(data)), data["age"], data["service"] == "day care",
                         data["service"] == "home care"]).astype(float)
    units = fit.units["unit"].to_numpy()
    z = (data["unit"].to_numpy()[:, None] == units[None, :]).astype(float)
    gamma = fit.tau2 / fit.sigma2
    c_mat = np.block([[x.T @ x, x.T @ z], [z.T @ x, z.T @ z + np.eye(len(units)) / gamma]])
    c_inv = np.linalg.inv(c_mat) * fit.sigma2
    xbar = x.mean(axis=0)
    for j in range(len(units)):
        k = np.concatenate([xbar, np.eye(len(units))[j]])
        assert fit.units["se"].iloc[j] == pytest.approx(np.sqrt(k @ c_inv @ k), rel=1e-8)
    # the fixed effects' covariance is the b-block of the same inverse
    np.testing.assert_allclose(fit.cov_fixed, c_inv[:4, :4], rtol=1e-7)
    sol = np.linalg.solve(c_mat, np.concatenate([x.T @ data["rating"], z.T @ data["rating"]]))
    np.testing.assert_allclose(fit.fixed_effects["estimate"], sol[:4], rtol=1e-9)
    np.testing.assert_allclose(fit.units["effect"], sol[4:], atol=1e-9)


def test_adjusted_means_funnel_and_position_recover_planted_units():
    rng = np.random.default_rng(12)
    sizes = np.array([200] * 20 + [6])
    unit = np.repeat([f"t{j:02d}" for j in range(21)], sizes)
    old = rng.random(len(unit)) < np.repeat(np.r_[np.full(19, 0.3), 0.9, 0.3], sizes)  # t19: older clients
    shift = np.repeat(np.r_[np.zeros(18), 1.2, 0.0, 0.0], sizes)                          # t18: really better
    y = 6.0 + 1.0 * old + shift + rng.normal(0, 1.5, len(unit))
    y[unit == "t20"] += 2.5                                                                  # tiny, extreme raw mean
    data = pd.DataFrame({"unit": unit, "old": np.where(old, "75+", "under 75"), "y": y})
    fit = random_intercept(unit_statistics(data, value="y", unit="unit", case_mix=["old"]))
    u = fit.units.set_index("unit")
    assert u.loc["t18", "position"] == "above"
    assert u.loc["t19", "raw_mean"] > u.drop(["t18", "t19", "t20"])["raw_mean"].max()  # looks better raw ...
    assert u.loc["t19", "position"] == "within"                                           # ... not after case mix
    assert u.loc["t20", "raw_mean"] == u["raw_mean"].max()
    assert u.loc["t20", "reliability"] < 0.7 < u.loc["t00", "reliability"]
    assert abs(u.loc["t20", "adjusted_mean"] - fit.reference) < abs(u.loc["t20", "raw_mean"] - fit.reference) / 2
    z = stats.norm.ppf(0.999)
    np.testing.assert_allclose(u["funnel_high_998"] - fit.reference, z * np.sqrt(fit.sigma2 / u["n"]), rtol=1e-12)
    assert (u["ci_low"] < u["adjusted_mean"]).all() and (u["adjusted_mean"] < u["ci_high"]).all()


def test_combine_of_partitions_equals_the_whole():
    data = _simulated(n_units=15, seed=8)
    data["w"] = np.random.default_rng(1).uniform(0.5, 2, len(data))
    rng = np.random.default_rng(2)
    part = rng.integers(0, 3, len(data))
    part[(data["service"] == "advice").to_numpy()] = 0  # partitions 1 and 2 lack a level
    kwargs = dict(value="rating", unit="unit", case_mix=["age", "service"], weights="w")
    whole = unit_statistics(data, **kwargs)
    pieces = combine([unit_statistics(data[part == k], **kwargs) for k in (2, 0, 1)])
    assert pieces.columns == whole.columns and list(pieces.units) == list(whole.units)
    np.testing.assert_array_equal(pieces.n, whole.n)
    for name in ("xtwx", "xtwy", "ytwy", "sum_log_w"):
        np.testing.assert_allclose(getattr(pieces, name), getattr(whole, name), rtol=1e-12, atol=1e-9)
    a, b = random_intercept(whole), random_intercept(pieces)
    assert a.tau2 == pytest.approx(b.tau2, rel=1e-9)
    np.testing.assert_allclose(a.units["adjusted_mean"], b.units["adjusted_mean"], rtol=1e-10)


def test_bad_input_is_refused_clearly():
    data = _dyestuff()
    with pytest.raises(AnalysisError, match="unit column 'Batch'"):
        random_intercept(unit_statistics(data[data["Batch"] == "A"], value="Yield", unit="Batch"))
    with pytest.raises(ParameterError, match="'Team'"):
        unit_statistics(data, value="Yield", unit="Team")
    data["constant"] = 1.0
    with pytest.raises(AnalysisError, match="collinear or constant"):
        random_intercept(unit_statistics(data, value="Yield", unit="Batch", case_mix=["constant"]))
    other = unit_statistics(data, value="Yield", unit="Batch", case_mix=["constant"])
    with pytest.raises(ParameterError, match="cannot combine"):
        combine([other, unit_statistics(data, value="Yield", unit="Batch")])


def test_missing_rows_are_left_out_and_counted():
    data = _dyestuff()
    data.loc[[0, 7], "Yield"] = np.nan
    data.loc[3, "Batch"] = None
    st = unit_statistics(data, value="Yield", unit="Batch")
    assert st.rows_dropped == 3 and st.n.sum() == 27
