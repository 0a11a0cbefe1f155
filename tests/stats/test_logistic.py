"""The one Firth solver (stats.logistic.firth_logit), used by the fairness audit and the senior curve."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from clientvalue.stats.logistic import firth_logit, weighted_gram


def _separated(seed: int = 11, n: int = 300):
    """A category that is always treated (no finite ML estimate), and a covariate."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    d = (rng.random(n) < 0.2).astype(float)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1 + 0.8 * x1)))).astype(float)
    y[d == 1] = 1.0
    return y, np.column_stack([np.ones(n), d, x1])


def _penalised(y, X, m, b) -> float:
    eta = X @ b
    p = 1 / (1 + np.exp(-eta))
    info = (X * (m * p * (1 - p))[:, None]).T @ X
    return float(np.sum(y * eta - m * np.log1p(np.exp(eta))) + 0.5 * np.linalg.slogdet(info)[1])


def test_estimates_of_the_two_solvers_it_replaces():
    # the fairness audit's and the senior curve's own Firth solvers gave these (to 3e-10 of each other)
    y, X = _separated()
    fit = firth_logit(y, X)
    assert fit.converged
    np.testing.assert_allclose(fit.params, [-1.0581632004981083, 5.973007049660375, 0.7131382369798336], atol=1e-8)
    cells = firth_logit(np.array([10, 12, 20, 9.0]), np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1.0]]),
                        trials=np.array([40, 12, 35, 9.0]))
    np.testing.assert_allclose(cells.params, [-1.0652964693253693, 4.435835137078692, 1.3437723797270789], atol=1e-8)


def test_it_maximises_the_penalised_likelihood_second_method():
    y, X = _separated(seed=4, n=200)
    fit = firth_logit(y, X)
    m = np.ones(len(y))
    assert fit.llf == pytest.approx(_penalised(y, X, m, fit.params), rel=1e-12)
    opt = optimize.minimize(lambda b: -_penalised(y, X, m, b), np.zeros(3), method="BFGS", options={"gtol": 1e-9})
    np.testing.assert_allclose(fit.params, opt.x, atol=1e-4)
    assert -opt.fun <= fit.llf + 1e-9
    info = weighted_gram(X, 1 / (1 + np.exp(-X @ fit.params)) * (1 / (1 + np.exp(X @ fit.params))))
    np.testing.assert_allclose(fit.cov, np.linalg.inv(info), rtol=1e-8)


def test_cells_with_weighted_counts_equal_the_respondents():
    rng = np.random.default_rng(2)
    y, X = _separated(seed=9, n=240)
    w = rng.uniform(0.5, 2.0, len(y))
    rows = firth_logit(w * y, X, trials=w)
    # the same respondents, split over two half-weight copies each
    doubled = firth_logit(np.r_[w * y, w * y] / 2, np.vstack([X, X]), trials=np.r_[w, w] / 2)
    np.testing.assert_allclose(doubled.params, rows.params, atol=1e-8)
    start = firth_logit(w * y, X, trials=w, start=rows.params + 0.01)  # a bootstrap refit's start
    np.testing.assert_allclose(start.params, rows.params, atol=1e-7)


def test_too_few_steps_are_not_converged():
    y, X = _separated()
    fit = firth_logit(y, X, max_iter=2)
    assert not fit.converged and np.all(np.isfinite(fit.params))
