"""The senior curve fitted on (age, answer) cells equals the fit on every respondent.

Models whose only predictors are age (and categorical attributes) are exact on the distinct
cells with summed weights; the bootstrap of respondents becomes a multinomial draw of the cell
counts (unweighted: equal in distribution) or a row draw summed per cell (weighted: the same
random stream as drawing rows, so the same numbers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit

from clientvalue.stats import senior_curve as SC
from clientvalue.stats import senior_halfway as SH
from clientvalue.stats.logistic import firth_logit


def whole_years(n: int = 4000, seed: int = 3, young_yes: bool = True) -> pd.DataFrame:
    """Ages in whole years (as surveys record them), a planted curve, weights and a region."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 96, n).astype(float)
    p = 1 / (1 + np.exp(-(age - 72) / 6))
    if not young_yes:
        p[age < 45] = 0.0  # nobody young says yes: quasi-separation, Firth's fit
    return pd.DataFrame({"age": age, "senior": (rng.random(n) < p).astype(float),
                         "w": np.round(np.exp(0.3 * rng.standard_normal(n)), 4),
                         "region": rng.choice(["north", "south", "east"], n)})


def row_design(curve: SC.SeniorCurve, data: pd.DataFrame, adjust: list[str]) -> np.ndarray:
    frame = pd.DataFrame({"age": data["age"].to_numpy()})
    for i, c in enumerate(adjust):
        frame[f"x{i}"] = data[c].astype(str).to_numpy(dtype=object)
    return np.asarray(patsy.build_design_matrices([curve._design_info], frame)[0])


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("df,adjust", [(4, []), (1, []), (3, ["region"])])
def test_cell_fit_equals_glm_on_every_row(weighted, df, adjust):
    data = whole_years()
    curve = SC.fit_curve(data, age="age", senior="senior", weights="w" if weighted else None, df=df,
                         adjust_for=adjust)
    assert curve.method == "ml" and len(curve._y) < len(data) / 10  # cells, not rows
    X = row_design(curve, data, adjust)
    y = data["senior"].to_numpy()
    if weighted:
        wn = data["w"].to_numpy() / data["w"].mean()
        ref = sm.GLM(y, X, family=sm.families.Binomial(), var_weights=wn).fit(cov_type="HC0")
    else:
        ref = sm.GLM(y, X, family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(curve.coef, ref.params, rtol=1e-8, atol=1e-10)
    scale = np.abs(ref.cov_params()).max()
    np.testing.assert_allclose(curve.cov, ref.cov_params(), rtol=1e-8, atol=1e-8 * scale)
    assert curve.n == len(data)
    if weighted:  # Kish's effective n is that of the respondents, not of the cells
        w = data["w"].to_numpy()
        assert curve.n_eff == pytest.approx(w.sum() ** 2 / (w**2).sum(), rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_firth_on_cells_equals_firth_on_every_row(weighted):
    data = whole_years(young_yes=False, n=1500, seed=8)
    # nobody under 60 says yes, everybody over 64 does: quasi-separation, so Firth's fit (an age range
    # that is all "no" alone is not: maximum likelihood then converges and is kept)
    data.loc[data["age"] < 60, "senior"] = 0.0
    data.loc[data["age"] > 64, "senior"] = 1.0
    curve = SC.fit_curve(data, age="age", senior="senior", weights="w" if weighted else None)
    assert curve.method == "firth" and SC.separated(curve._X, curve._y)
    X = row_design(curve, data, [])
    y = data["senior"].to_numpy()
    w = data["w"].to_numpy() / data["w"].mean() if weighted else np.ones(len(data))
    firth = firth_logit(w * y, X, trials=w)
    beta = firth.params
    assert firth.converged
    np.testing.assert_allclose(curve.coef, beta, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(curve.cov, SC.logit_cov(X, y, w, beta, robust=weighted), rtol=1e-8)


def row_bootstrap(curve: SC.SeniorCurve, data: pd.DataFrame, grid: np.ndarray, n_boot: int, seed: int,
                  weighted: bool) -> np.ndarray:
    """The bootstrap as it ran before cells: draw respondents, refit on their rows."""
    rng = np.random.default_rng(seed)
    X, y = row_design(curve, data, []), data["senior"].to_numpy()
    w = data["w"].to_numpy() / data["w"].mean() if weighted else np.ones(len(data))
    Xg = curve._design(grid)
    out = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        ok = False
        if curve.method == "ml":
            beta, ok = SC.irls(X[idx], y[idx], w[idx], curve.coef)
        if not ok:
            fit = firth_logit(w[idx] * y[idx], X[idx], trials=w[idx], start=curve.coef)
            beta, ok = fit.params, fit.converged
        if not ok:
            continue  # a failed refit is left out
        age, status = SC.first_crossing(grid, curve._pattern_w @ expit(Xg @ beta))
        out.append(age if status == "ok" else np.nan)
    return np.asarray(out)


def test_weighted_bootstrap_is_the_row_bootstrap_replicate_by_replicate():
    data = whole_years(n=1500, seed=4)
    curve = SC.fit_curve(data, age="age", senior="senior", weights="w")
    grid = np.unique(np.r_[np.arange(curve.age_min, curve.age_max, 0.1), curve.age_max])
    cells, failed, _ = SH.bootstrap_half_ages(curve, grid, 60, np.random.default_rng(12))
    assert failed == 0
    rows = row_bootstrap(curve, data, grid, 60, 12, weighted=True)
    # equal up to the refits' own convergence tolerance (1e-8 relative on the coefficients)
    np.testing.assert_allclose(cells, rows, rtol=1e-9, atol=0)
    half = SH.half_way_age(curve, n_boot=60, seed=12).table
    lo, hi = np.quantile(rows, [0.025, 0.975], method="inverted_cdf")
    assert (half["ci_low"], half["ci_high"]) == pytest.approx((lo, hi), rel=1e-9)


def test_unweighted_multinomial_bootstrap_has_the_row_bootstrap_distribution():
    data = whole_years(n=800, seed=5)
    curve = SC.fit_curve(data, age="age", senior="senior")
    grid = np.unique(np.r_[np.arange(curve.age_min, curve.age_max, 0.1), curve.age_max])
    n_boot = 1500
    cells, failed, _ = SH.bootstrap_half_ages(curve, grid, n_boot, np.random.default_rng(1))
    assert failed < n_boot / 100
    cells = np.asarray(cells)
    rows = row_bootstrap(curve, data, grid, n_boot, 2, weighted=False)
    assert np.abs(cells).max() < SH.BIG and np.isfinite(rows).all()
    # same distribution: a two-sample Kolmogorov-Smirnov test does not reject, and the 2.5%,
    # 50% and 97.5% points agree within their Monte Carlo error (about 0.1 year here)
    assert stats.ks_2samp(cells, rows).pvalue > 0.01
    q = [0.025, 0.5, 0.975]
    np.testing.assert_allclose(np.quantile(cells, q), np.quantile(rows, q), atol=0.25)
    assert cells.std() == pytest.approx(rows.std(), rel=0.1)
    # ... while the same test rejects a bootstrap of the wrong size (half the respondents)
    p = curve._count / curve._count.sum()
    Xg = curve._design(grid)
    wrong = []
    for counts in np.random.default_rng(3).multinomial(curve.n // 2, p, size=n_boot).astype(float):
        beta, _ = SC.irls(curve._X[counts > 0], curve._y[counts > 0], counts[counts > 0], curve.coef)
        wrong.append(SC.first_crossing(grid, curve._pattern_w @ expit(Xg @ beta))[0])
    wrong = np.asarray(wrong)
    assert stats.ks_2samp(wrong[np.isfinite(wrong)], rows).pvalue < 1e-4
