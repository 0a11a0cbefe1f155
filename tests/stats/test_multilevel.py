"""The random-intercept model from sufficient statistics, against second methods and closed forms.

* statsmodels ``MixedLM`` (REML) on simulated data with case mix: fixed effects, variance
  components and predicted unit effects (BLUPs);
* the balanced one-way layout: REML = the ANOVA estimators when positive, 0 and the pooled
  variance when not;
* lme4's published fits of the Dyestuff data (Bates, *lme4: Mixed-effects modeling with R*, ch. 1),
  ``lmer(Yield ~ 1 + (1 | Batch), Dyestuff)``, and of the sleepstudy data with a covariate,
  ``lmer(Reaction ~ Days + (1 | Subject), sleepstudy)`` (lme4's documented summary);
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

# Belenky et al. (2003) via lme4's sleepstudy: reaction time (ms) of 18 subjects on days 0..9.
SLEEPSTUDY = {
    "308": [249.56, 258.7047, 250.8006, 321.4398, 356.8519, 414.6901, 382.2038, 290.1486, 430.5853, 466.3535],
    "309": [222.7339, 205.2658, 202.9778, 204.707, 207.7161, 215.9618, 213.6303, 217.7272, 224.2957, 237.3142],
    "310": [199.0539, 194.3322, 234.32, 232.8416, 229.3074, 220.4579, 235.4208, 255.7511, 261.0125, 247.5153],
    "330": [321.5426, 300.4002, 283.8565, 285.133, 285.7973, 297.5855, 280.2396, 318.2613, 305.3495, 354.0487],
    "331": [287.6079, 285.0, 301.8206, 320.1153, 316.2773, 293.3187, 290.075, 334.8177, 293.7469, 371.5811],
    "332": [234.8606, 242.8118, 272.9613, 309.7688, 317.4629, 309.9976, 454.1619, 346.8311, 330.3003, 253.8644],
    "333": [283.8424, 289.555, 276.7693, 299.8097, 297.171, 338.1665, 332.0265, 348.8399, 333.36, 362.0428],
    "334": [265.4731, 276.2012, 243.3647, 254.6723, 279.0244, 284.1912, 305.5248, 331.5229, 335.7469, 377.299],
    "335": [241.6083, 273.9472, 254.4907, 270.8021, 251.4519, 254.6362, 245.4523, 235.311, 235.7541, 237.2466],
    "337": [312.3666, 313.8058, 291.6112, 346.1222, 365.7324, 391.8385, 404.2601, 416.6923, 455.8643, 458.9167],
    "349": [236.1032, 230.3167, 238.9256, 254.922, 250.7103, 269.7744, 281.5648, 308.102, 336.2806, 351.6451],
    "350": [256.2968, 243.4543, 256.2046, 255.5271, 268.9165, 329.7247, 379.4445, 362.9184, 394.4872, 389.0527],
    "351": [250.5265, 300.0576, 269.8939, 280.5891, 271.8274, 304.6336, 287.7466, 266.5955, 321.5418, 347.5655],
    "352": [221.6771, 298.1939, 326.8785, 346.8555, 348.7402, 352.8287, 354.4266, 360.4326, 375.6406, 388.5417],
    "369": [271.9235, 268.4369, 257.2424, 277.6566, 314.8222, 317.2135, 298.1353, 348.1229, 340.28, 366.5131],
    "370": [225.264, 234.5235, 238.9008, 240.473, 267.5373, 344.1937, 281.1481, 347.5855, 365.163, 372.2288],
    "371": [269.8804, 272.4428, 277.8989, 281.7895, 279.1705, 284.512, 259.2658, 304.6306, 350.7807, 369.4692],
    "372": [269.4117, 273.474, 297.5968, 310.6316, 287.1726, 329.6076, 334.4818, 343.2199, 369.1417, 364.1236],
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


def test_sleepstudy_published_lme4_fit_with_a_covariate():
    data = pd.DataFrame([(subject, day, float(y)) for subject, ys in SLEEPSTUDY.items() for day, y in enumerate(ys)],
                        columns=["Subject", "Days", "Reaction"])
    fit = random_intercept(unit_statistics(data, value="Reaction", unit="Subject", case_mix=["Days"]))
    # summary(lmer(Reaction ~ Days + (1 | Subject), sleepstudy)) prints: REML criterion 1786.5;
    # Subject variance 1378.2 (sd 37.12), Residual 960.5 (sd 30.99);
    # (Intercept) 251.4051 (se 9.7467), Days 10.4673 (se 0.8042)
    assert fit.reml_criterion == pytest.approx(1786.5, abs=0.05)
    assert fit.tau2 == pytest.approx(1378.2, abs=0.05)
    assert fit.sigma2 == pytest.approx(960.5, abs=0.05)
    assert np.sqrt(fit.tau2) == pytest.approx(37.12, abs=0.005)
    assert np.sqrt(fit.sigma2) == pytest.approx(30.99, abs=0.005)
    np.testing.assert_allclose(fit.fixed_effects["estimate"], [251.4051, 10.4673], atol=5e-5)
    np.testing.assert_allclose(fit.fixed_effects["se"], [9.7467, 0.8042], atol=5e-5)
    ref = MixedLM(data["Reaction"].to_numpy(), np.column_stack([np.ones(len(data)), data["Days"]]),
                  groups=data["Subject"].to_numpy()).fit(reml=True)
    blups = np.array([np.asarray(ref.random_effects[u])[0] for u in fit.units["unit"]])
    np.testing.assert_allclose(fit.units["effect"], blups, atol=1e-4)


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
    shift = np.repeat(np.r_[np.zeros(17), -1.2, 1.2, 0.0, 0.0], sizes)          # t18 better, t17 worse
    y = 6.0 + 1.0 * old + shift + rng.normal(0, 1.5, len(unit))
    y[unit == "t20"] += 2.5                                                                  # tiny, extreme raw mean
    data = pd.DataFrame({"unit": unit, "old": np.where(old, "75+", "under 75"), "y": y})
    fit = random_intercept(unit_statistics(data, value="y", unit="unit", case_mix=["old"]))
    u = fit.units.set_index("unit")
    assert u.loc["t18", "position"] == "above" and u.loc["t17", "position"] == "below"
    assert (u.drop(["t17", "t18", "t20"])["position"] == "within").all()
    assert u.loc["t19", "raw_mean"] > u.drop(["t17", "t18", "t19", "t20"])["raw_mean"].max()  # looks better raw ...
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
    with pytest.raises(AnalysisError, match="single respondent"):
        random_intercept(unit_statistics(data.groupby("Batch").head(1), value="Yield", unit="Batch"))
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


def test_the_analytic_reml_derivative_matches_finite_differences():
    from clientvalue.stats.multilevel import _gradient, _prepare, _profile

    data = _simulated(n_units=12, seed=5)
    data["w"] = np.random.default_rng(3).uniform(0.5, 2, len(data))
    pre = _prepare(unit_statistics(data, value="rating", unit="unit", case_mix=["age", "service"], weights="w"))
    for gamma in (0.0, 0.01, 0.2, 3.0):
        h = 1e-6 * max(gamma, 1e-3)
        numeric = (_profile(pre, gamma + h)["criterion"] - _profile(pre, max(gamma - h, 0.0))["criterion"]) / (
            gamma + h - max(gamma - h, 0.0))
        assert _gradient(pre, gamma) == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def test_case_mix_levels_are_compared_as_text_and_numbers_are_linear():
    data = _dyestuff()
    data["shift"] = np.tile(np.array([1, "1", 2, "2", 2], dtype=object), 6)  # 1 and "1" are one level
    data["temperature"] = np.tile([20.0, 21.0, 22.0, 23.0, 24.0], 6)
    st = unit_statistics(data, value="Yield", unit="Batch", case_mix=["shift", "temperature"])
    assert st.columns == ("(Intercept)", "temperature", "shift[1]", "shift[2]")
    assert st.categorical == {"shift": ("shift[1]", "shift[2]")}
    assert st.xtwx[:, 2, 2].tolist() == [2.0] * 6


def test_sufficient_statistics_equal_the_dense_cross_products():
    data = _simulated(n_units=7, seed=11)
    rng = np.random.default_rng(5)
    data["band"] = rng.choice(["young", "middle", "old", "oldest"], len(data))
    data["w"] = rng.uniform(0.5, 2, len(data))
    st = unit_statistics(data, value="rating", unit="unit", case_mix=["service", "age", "band"], weights="w")
    assert st.columns[:2] == ("(Intercept)", "age")
    x = np.column_stack([np.ones(len(data)), data["age"]]
                        + [(data[v] == c[len(v) + 1:-1]).to_numpy(float) for v in ("service", "band")
                           for c in st.categorical[v]])
    for j, unit in enumerate(st.units):
        rows = (data["unit"] == unit).to_numpy()
        xw = x[rows] * data["w"].to_numpy()[rows, None]
        np.testing.assert_allclose(st.xtwx[j], xw.T @ x[rows], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(st.xtwy[j], xw.T @ data["rating"].to_numpy()[rows], rtol=1e-12)
        assert st.n[j] == rows.sum()


@pytest.mark.study
def test_adjusted_mean_intervals_cover_the_planted_unit_means_and_the_funnel_false_alarm_rate():
    rng = np.random.default_rng(2024)
    covered, total, flagged_95, flagged_998, units_null = 0, 0, 0, 0, 0
    for _rep in range(60):
        n_units = 40
        sizes = rng.integers(5, 120, n_units)
        unit = np.repeat(np.arange(n_units), sizes)
        age = rng.normal(60, 12, len(unit))
        u = rng.normal(0, 0.5, n_units)
        y = 6.0 + 0.03 * (age - 60) + u[unit] + rng.normal(0, 1.5, len(unit))
        fit = random_intercept(unit_statistics(pd.DataFrame({"u": unit, "age": age, "y": y}), value="y", unit="u",
                                               case_mix=["age"]))
        truth = 6.0 + 0.03 * (age.mean() - 60) + u[fit.units["unit"].to_numpy(int)]
        covered += int(((fit.units["ci_low"] < truth) & (truth < fit.units["ci_high"])).sum())
        total += n_units
        # the same units without any unit differences: how often does the funnel flag one?
        y0 = 6.0 + 0.03 * (age - 60) + rng.normal(0, 1.5, len(unit))
        null = random_intercept(unit_statistics(pd.DataFrame({"u": unit, "age": age, "y": y0}), value="y", unit="u",
                                                case_mix=["age"]))
        flagged_95 += int((null.units["position_95"] != "within").sum())
        flagged_998 += int((null.units["position"] != "within").sum())
        units_null += n_units
    assert 0.92 <= covered / total <= 0.975
    assert 0.035 <= flagged_95 / units_null <= 0.065
    assert flagged_998 / units_null <= 0.006
