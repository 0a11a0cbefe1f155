"""The batched bootstrap of the half-way age equals the one-replicate-at-a-time refits.

:func:`clientvalue.stats.senior_halfway.bootstrap_half_ages` refits the replicates together
(batched Newton steps) and skips the separation check of a replicate that keeps every large cell;
:func:`bootstrap_half_ages_slow` is the reference: one :func:`irls` per replicate and a linear
programme for every fit that reaches far into the tails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clientvalue.stats import senior_curve as SC
from clientvalue.stats import senior_halfway as SH


def survey(n: int, seed: int, *, young_yes: bool = True, steep: float = 6.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 96, n).astype(float)
    p = 1 / (1 + np.exp(-(age - 72) / steep))
    if not young_yes:
        p[age < 45] = 0.0
    return pd.DataFrame({"age": age, "senior": (rng.random(n) < p).astype(float),
                         "w": np.round(np.exp(0.3 * rng.standard_normal(n)), 4),
                         "region": rng.choice(["north", "south", "east"], n)})


def grid_of(curve: SC.SeniorCurve) -> np.ndarray:
    return np.unique(np.r_[np.arange(curve.age_min, curve.age_max, 0.1), curve.age_max])


@pytest.mark.parametrize("n, seed, weighted, adjust, steep", [
    (1500, 2, True, None, 6.0),
    (600, 3, False, ["region"], 6.0),
    (300, 4, True, None, 2.0),   # steep and small: many far fits, some separated replicates (Firth)
    (120, 5, False, None, 1.0),
])
def test_batched_bootstrap_equals_the_slow_one_replicate_by_replicate(n, seed, weighted, adjust, steep):
    data = survey(n, seed, steep=steep)
    curve = SC.fit_curve(data, age="age", senior="senior", weights="w" if weighted else None, adjust_for=adjust)
    assert curve.status == "ok"
    grid = grid_of(curve)
    n_boot = 150
    fast, failed, firth = SH.bootstrap_half_ages(curve, grid, n_boot, np.random.default_rng(7))
    slow, failed_slow, firth_slow = SH.bootstrap_half_ages_slow(curve, grid, n_boot, np.random.default_rng(7))
    assert (failed, firth) == (failed_slow, firth_slow)
    assert len(fast) == len(slow) == n_boot - failed
    # equal up to the refits' own convergence tolerance (1e-8 relative on the coefficients)
    np.testing.assert_allclose(fast, slow, rtol=1e-7, atol=1e-7)


def test_the_half_way_age_and_its_interval_are_unchanged():
    data = survey(1500, 11)
    curve = SC.fit_curve(data, age="age", senior="senior")
    fast = SH.half_way_age(curve, n_boot=200, seed=3).table
    grid = grid_of(curve)
    slow, _, _ = SH.bootstrap_half_ages_slow(curve, grid, 200, np.random.default_rng(3))
    lo, hi = np.quantile(np.asarray(slow), [(1 - 0.95) / 2, (1 + 0.95) / 2], method="inverted_cdf")  # as half_way_age
    assert (fast["ci_low"], fast["ci_high"]) == pytest.approx((lo, hi), rel=1e-9)


def test_a_replicate_keeping_the_core_cells_is_never_separated():
    data = survey(1500, 21)
    curve = SC.fit_curve(data, age="age", senior="senior")
    assert curve.method == "ml"
    core = SH.core_cells(curve)
    assert core is not None and 0 < len(core) < len(curve._y)
    rng = np.random.default_rng(5)
    for _ in range(40):  # random sets of cells that keep the core: the linear programme agrees
        keep = rng.random(len(curve._y)) < rng.uniform(0.2, 1.0)
        keep[core] = True
        assert not SC.separated(curve._X[keep], curve._y[keep])


def test_the_core_is_the_fewest_largest_cells_that_are_not_separated():
    data = survey(1500, 22)
    curve = SC.fit_curve(data, age="age", senior="senior")
    core = SH.core_cells(curve)
    assert core is not None
    others = np.setdiff1d(np.arange(len(curve._y)), core)
    assert curve._count[core].min() >= curve._count[others].max()  # the largest cells
    X, y = curve._X[core], curve._y[core]
    assert np.linalg.matrix_rank(X) == X.shape[1] and not SC.separated(X, y)
    smaller = core[curve._count[core] > curve._count[core].min()]  # drop the smallest of them
    Xs, ys = curve._X[smaller], curve._y[smaller]
    assert ys.min() == ys.max() or np.linalg.matrix_rank(Xs) < Xs.shape[1] or SC.separated(Xs, ys)


def test_irls_batch_equals_irls_row_by_row():
    data = survey(1500, 21)
    curve = SC.fit_curve(data, age="age", senior="senior")
    assert curve.method == "ml"
    W = np.random.default_rng(2).multinomial(curve.n, curve._count / curve._count.sum(), size=25).astype(float)
    betas, ok = SH.irls_batch(curve._X, curve._y, W, curve.coef)
    compared = 0
    for r in range(len(W)):
        keep = W[r] > 0
        beta, converged = SC.irls(curve._X[keep], curve._y[keep], W[r][keep], curve.coef)
        if converged:  # irls converged (and found no separation): the batch converged to the same estimates
            assert ok[r]
            np.testing.assert_allclose(betas[r], beta, rtol=1e-8, atol=1e-8)
            compared += 1
        elif ok[r]:  # only irls' separation check can tell them apart
            assert np.max(np.abs(curve._X[keep] @ beta)) >= SC.MAX_ABS_LOGIT
            assert SC.separated(curve._X[keep], curve._y[keep])
    assert compared >= len(W) // 2
