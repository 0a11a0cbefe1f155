"""Relative importance of drivers: LMG (Shapley), Johnson's relative weights, bootstrap.

References used here:

* R relaimpo's documented example ``calc.relimp(lm(Fertility ~ ., swiss), type = "lmg")``
  (R² 0.706735, LMG 0.0570912, 0.1711730, 0.2601347, 0.1055702, 0.1127659);
* relaimpo 2.2-7 with weights ``w = 1 + (1:47 %% 3)`` and Johnson's weights of the Python
  package relativeImp 0.0.2 on swiss, as quoted in a public project's test suite
  (``find_string`` of the LMG value); both are also checked here against a second method;
* brute force: one OLS/WLS fit per subset (``numpy.linalg.lstsq`` and statsmodels);
* Johnson's (2000) procedure on the raw data (SVD of the standardized predictors), an
  independent route to the relative weights;
* closed forms: population LMG from a known covariance matrix.
"""

from __future__ import annotations

import dataclasses
import pickle
from itertools import combinations
from math import factorial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clientvalue.stats import lmg as _lmg
from clientvalue.stats.importance import (
    DimensionTotals,
    Importance,
    ShareDifference,
    dimension_totals,
    importance,
    naive_lmg,
)
from clientvalue.errors import AnalysisError, DataError, ParameterError

SWISS_PATH = Path(__file__).parents[1] / "fixtures" / "swiss.csv"
SWISS_X = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


@pytest.fixture(scope="module")
def swiss() -> pd.DataFrame:
    return pd.read_csv(SWISS_PATH, index_col=0)


def _random_data(n: int, p: int, seed: int, *, weights: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(p, p)) * 0.5 + np.eye(p)
    x = rng.normal(size=(n, p)) @ mix
    y = x @ rng.normal(size=p) + rng.normal(size=n) * 2
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(p)])
    frame["y"] = y
    if weights:
        frame["w"] = rng.uniform(0.2, 3.0, n)
    return frame


def _wls_r2(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """R² of a weighted least-squares fit with intercept, by lstsq on sqrt(w)-scaled data."""
    design = np.column_stack([np.ones(len(y)), x])
    sw = np.sqrt(w)
    coef = np.linalg.lstsq(design * sw[:, None], y * sw, rcond=None)[0]
    resid = y - design @ coef
    ybar = np.average(y, weights=w)
    return 1 - (w * resid**2).sum() / (w * (y - ybar) ** 2).sum()


def _shapley_from_r2(r2: dict[frozenset, float], p: int) -> np.ndarray:
    out = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for k in range(p):
            wk = factorial(k) * factorial(p - k - 1) / factorial(p)
            for s in combinations(others, k):
                out[j] += wk * (r2[frozenset(s) | {j}] - r2[frozenset(s)])
    return out


# --------------------------------------------------------------------------- LMG vs relaimpo
def test_swiss_lmg_matches_relaimpo(swiss):
    result = importance(swiss, outcome="Fertility", drivers=SWISS_X)
    table = result.table
    assert result.r2 == pytest.approx(0.706735, abs=1e-6)
    expected = [0.0570912, 0.1711730, 0.2601347, 0.1055702, 0.1127659]
    np.testing.assert_allclose(table["importance"], expected, atol=1e-6)
    assert list(table["driver"]) == SWISS_X
    assert table["share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert result.n == 47 and result.n_dropped == 0
    assert result.method == "lmg" and result.outcome == "Fertility" and result.n_boot == 0
    assert table[["ci_low", "ci_high"]].isna().all().all()
    assert result.replicates is None and result.n_boot_failed == 0


def test_swiss_weighted_lmg_matches_relaimpo_and_wls(swiss):
    w = 1 + np.arange(1, 48) % 3
    data = swiss.assign(w=w)
    result = importance(data, outcome="Fertility", drivers=SWISS_X, weights="w")
    table = result.table
    assert result.r2 == pytest.approx(0.694332891423, abs=1e-9)
    expected = [0.0518208063017, 0.1549452302086, 0.2559770835712, 0.1019573530969, 0.1296324182449]
    np.testing.assert_allclose(table["importance"], expected, atol=1e-9)
    naive = naive_lmg(data, outcome="Fertility", drivers=SWISS_X, weights="w")
    np.testing.assert_allclose(table["importance"], naive.lmg.to_numpy(), atol=1e-10)
    assert naive.r2 == pytest.approx(result.r2, abs=1e-10)
    # weights given as an array act like the column
    same = importance(data, outcome="Fertility", drivers=SWISS_X, weights=w.astype(float)).table
    np.testing.assert_allclose(same["importance"], table["importance"], atol=1e-14)


def test_sign_is_the_sign_of_the_ols_coefficient(swiss):
    table = importance(swiss, outcome="Fertility", drivers=SWISS_X).table
    design = np.column_stack([np.ones(47), swiss[SWISS_X].to_numpy()])
    coef = np.linalg.lstsq(design, swiss["Fertility"].to_numpy(), rcond=None)[0][1:]
    assert list(table["sign"]) == list(np.sign(coef).astype(int))
    assert list(table["sign"]) == [-1, -1, -1, 1, 1]  # summary(lm(Fertility ~ ., swiss))


# --------------------------------------------------------------------------- brute force
def test_brute_force_subsets_p6_with_weights():
    data = _random_data(300, 6, seed=1, weights=True)
    drivers = [f"x{j}" for j in range(6)]
    x, y, w = data[drivers].to_numpy(), data["y"].to_numpy(), data["w"].to_numpy()
    r2 = {frozenset(): 0.0}
    for k in range(1, 7):
        for s in combinations(range(6), k):
            r2[frozenset(s)] = _wls_r2(x[:, list(s)], y, w)
    # every subset R² from the recursion
    corr = _lmg.weighted_corr(np.column_stack([x, y]), w)
    fast = _lmg.subset_r2(corr)
    for s, value in r2.items():
        assert fast[sum(1 << j for j in s)] == pytest.approx(value, abs=1e-12)
    brute = _shapley_from_r2(r2, 6)
    result = importance(data, outcome="y", drivers=drivers, weights="w")
    table = result.table
    np.testing.assert_allclose(table["importance"], brute, atol=1e-10)
    naive = naive_lmg(data, outcome="y", drivers=drivers, weights="w")
    np.testing.assert_allclose(naive.lmg.to_numpy(), brute, atol=1e-10)
    # efficiency: the Shapley values add up to the full-model R²
    assert table["importance"].sum() == pytest.approx(r2[frozenset(range(6))], abs=1e-12)
    assert result.r2 == pytest.approx(r2[frozenset(range(6))], abs=1e-12)


@pytest.mark.parametrize("p", [1, 2, 9, 12])
def test_efficiency_and_chunking(p):
    """Sum = R²; tiny budgets (prefix split, one replicate per chunk) change nothing."""
    data = _random_data(200, p, seed=p)
    drivers = [f"x{j}" for j in range(p)]
    x, y = data[drivers].to_numpy(), data["y"].to_numpy()
    r2 = _wls_r2(x, y, np.ones(len(y)))
    table = importance(data, outcome="y", drivers=drivers).table
    assert table["importance"].sum() == pytest.approx(r2, abs=1e-11)
    rw = importance(data, outcome="y", drivers=drivers, method="relative_weights").table
    assert rw["importance"].sum() == pytest.approx(r2, abs=1e-11)
    corr = _lmg.weighted_corr(np.column_stack([x, y]), np.ones(len(y)))
    stack = np.stack([corr, corr[::1]])
    small = _lmg.lmg_batch(stack, budget=64)
    if p >= 9:
        assert _lmg.plan(p, 2, 64)[1] > 0  # the prefix split is exercised
    np.testing.assert_allclose(small[0], table["importance"], atol=1e-12)
    np.testing.assert_allclose(small[1], table["importance"], atol=1e-12)


def test_batch_rows_are_independent():
    """A batch of different matrices gives each matrix its own decomposition."""
    corrs = []
    for seed in range(5):
        data = _random_data(100, 5, seed=10 + seed)
        corrs.append(_lmg.weighted_corr(data.to_numpy(), np.ones(100)))
    batch = _lmg.lmg_batch(np.stack(corrs))
    for i, corr in enumerate(corrs):
        r2 = _lmg.subset_r2(corr)
        brute = _shapley_from_r2(
            {frozenset(j for j in range(5) if m >> j & 1): r2[m] for m in range(32)}, 5
        )
        np.testing.assert_allclose(batch[i], brute, atol=1e-12)


def test_uncorrelated_drivers_get_their_squared_correlation():
    corr = np.eye(4)
    corr[:3, 3] = corr[3, :3] = [0.5, 0.3, 0.1]
    expected = [0.25, 0.09, 0.01]
    np.testing.assert_allclose(_lmg.lmg_batch(corr[None])[0], expected, atol=1e-14)
    np.testing.assert_allclose(_lmg.relative_weights_batch(corr[None])[0], expected, atol=1e-14)


# --------------------------------------------------------------------------- relative weights
def _johnson_from_data(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson (2000) on the raw data: orthogonal Z = P Q' from the SVD of standardized X."""
    xs = (x - x.mean(0)) / x.std(0) / np.sqrt(len(y))
    ys = (y - y.mean()) / y.std() / np.sqrt(len(y))
    p_, _, qt = np.linalg.svd(xs, full_matrices=False)
    z = p_ @ qt
    beta = z.T @ ys  # regression of y on Z (Z'Z = I)
    lam = z.T @ xs  # regression of X on Z
    return (lam**2 * (beta**2)[:, None]).sum(axis=0)


def test_relative_weights_swiss(swiss):
    result = importance(swiss, outcome="Fertility", drivers=SWISS_X, method="relative_weights")
    table = result.table
    quoted = [0.048416895812, 0.154708249806, 0.271964104646, 0.114680029948, 0.116965721381]
    np.testing.assert_allclose(table["importance"], quoted, atol=1e-10)
    second = _johnson_from_data(swiss[SWISS_X].to_numpy(), swiss["Fertility"].to_numpy())
    np.testing.assert_allclose(table["importance"], second, atol=1e-12)
    assert table["importance"].sum() == pytest.approx(0.706735001593, abs=1e-10)
    assert result.method == "relative_weights"


def test_two_drivers_lmg_equals_relative_weights():
    """With two drivers both methods give 0.5 (r1² + R² - r2²) to driver 1 (by hand)."""
    corr = np.array([[1.0, 0.5, 0.6], [0.5, 1.0, 0.4], [0.6, 0.4, 1.0]])
    r2 = (0.36 + 0.16 - 2 * 0.6 * 0.4 * 0.5) / (1 - 0.25)
    expected = [0.5 * (0.36 + r2 - 0.16), 0.5 * (0.16 + r2 - 0.36)]
    np.testing.assert_allclose(_lmg.lmg_batch(corr[None])[0], expected, atol=1e-14)
    np.testing.assert_allclose(_lmg.relative_weights_batch(corr[None])[0], expected, atol=1e-14)


# --------------------------------------------------------------------------- weights, missing
def test_frequency_weights_equal_replicated_rows():
    data = _random_data(60, 4, seed=3)
    drivers = [f"x{j}" for j in range(4)]
    freq = np.random.default_rng(5).integers(1, 5, len(data))
    weighted = importance(data.assign(f=freq), outcome="y", drivers=drivers, weights="f")
    replicated = importance(data.loc[data.index.repeat(freq)], outcome="y", drivers=drivers)
    np.testing.assert_allclose(weighted.table["importance"], replicated.table["importance"], atol=1e-12)
    assert weighted.r2 == pytest.approx(replicated.r2, abs=1e-12)
    assert weighted.n == 60 and replicated.n == freq.sum()


def test_listwise_deletion_is_counted():
    data = _random_data(80, 3, seed=4, weights=True)
    data.loc[[0, 1], "x0"] = np.nan
    data.loc[[1, 2], "y"] = np.nan
    data.loc[[5], "w"] = np.nan
    result = importance(data, outcome="y", drivers=["x0", "x1", "x2"], weights="w")
    assert result.n_dropped == 4 and result.n == 76
    kept = data.drop(index=[0, 1, 2, 5])
    again = importance(kept, outcome="y", drivers=["x0", "x1", "x2"], weights="w")
    np.testing.assert_allclose(result.table["importance"], again.table["importance"], atol=1e-14)


def test_vif_warning_names_the_pair():
    data = _random_data(200, 3, seed=6)
    rng = np.random.default_rng(7)
    data["twin"] = data["x0"] + rng.normal(scale=0.1, size=200)
    drivers = ["x0", "x1", "x2", "twin"]
    result = importance(data, outcome="y", drivers=drivers)
    # VIF_j = 1 / (1 - R²_j), R²_j from regressing driver j on the others
    for d in drivers:
        others = [o for o in drivers if o != d]
        r2 = _wls_r2(data[others].to_numpy(), data[d].to_numpy(), np.ones(200))
        assert result.vif[d] == pytest.approx(1 / (1 - r2), rel=1e-9)
    msgs = result.warnings
    assert len(msgs) == 1
    assert "x0" in msgs[0] and "twin" in msgs[0] and "VIF" in msgs[0] and "> 10" in msgs[0]
    plain = importance(data, outcome="y", drivers=["x0", "x1", "x2"])
    assert plain.warnings == ()


# --------------------------------------------------------------------------- bootstrap
def test_bootstrap_is_seeded_and_covers_the_estimate(swiss):
    kw = {"outcome": "Fertility", "drivers": SWISS_X, "n_boot": 200}
    a = importance(swiss, seed=11, **kw)
    b = importance(swiss, seed=11, **kw)
    c = importance(swiss, seed=12, **kw)
    pd.testing.assert_frame_equal(a.table, b.table)
    np.testing.assert_array_equal(a.replicates, b.replicates)
    assert not np.allclose(a.table["ci_low"], c.table["ci_low"])
    assert a.replicates.shape == (200, 5)
    t = a.table
    assert ((t["ci_low"] <= t["importance"]) & (t["importance"] <= t["ci_high"])).all()
    # every replicate is itself a decomposition of its R² (efficiency per replicate)
    assert (a.replicates >= -1e-12).all()
    rw = importance(swiss, seed=11, method="relative_weights", **kw).table
    assert ((rw["ci_low"] <= rw["importance"]) & (rw["importance"] <= rw["ci_high"])).all()


def test_bootstrap_replicate_correlations_are_resampled_weighted_correlations():
    data = _random_data(200, 3, seed=8, weights=True)
    x = data[["x0", "x1", "x2", "y"]].to_numpy()
    w = data["w"].to_numpy()
    # budget 1000 forces the row-blocked pair products (npair = 10 -> 100 rows a block)
    chunks = list(_lmg.bootstrap_corr(x, w, 5, np.random.default_rng(3), budget=1000))
    assert len(chunks) == 1
    idx = np.random.default_rng(3).integers(0, 200, size=(5, 200))
    for b in range(5):
        direct = _lmg.weighted_corr(x[idx[b]], w[idx[b]])
        np.testing.assert_allclose(chunks[0][b], direct, atol=1e-12)


def _reference_corr(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted correlation matrix by numpy.cov (an independent route)."""
    cov = np.cov(x.T, aweights=weights, bias=True)
    sd = np.sqrt(np.diag(cov))
    return cov / np.outer(sd, sd)


@pytest.mark.parametrize("budget", [_lmg.BUDGET, 40])
def test_resampled_corr_equals_reference_for_given_counts(budget):
    """The fast path (counts @ per-row terms, row blocks) equals per-replicate correlations."""
    rng = np.random.default_rng(21)
    n, q = 150, 5
    # far from zero mean and on different scales: the centring must hold up
    x = rng.normal(size=(n, q)) @ (rng.normal(size=(q, q)) + 2 * np.eye(q)) * [1, 10, 0.1, 3, 50]
    x += [100, -20, 5, 0, 1e3]
    w = rng.uniform(0.2, 3.0, n)
    counts = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(6)])
    counts[5] = 0
    counts[5, :3] = [300, 1, 2]  # a count above 255 and mostly absent rows
    if budget == 40:  # row blocks of 40 // 21 = 1 row: the blocked products are exercised
        assert _lmg._row_block(q, len(counts), budget) < n
    fast = _lmg.resampled_corr(x, w, counts, budget=budget)
    for r in range(len(counts)):
        np.testing.assert_allclose(fast[r], _reference_corr(x, counts[r] * w), atol=1e-11)
    # the same replicate written out as repeated rows gives the same matrix
    rows = np.repeat(np.arange(n), counts[0])
    np.testing.assert_allclose(fast[0], _lmg.weighted_corr(x[rows], w[rows]), atol=1e-11)
    # a replicate drawing one row only has no variance: all-NaN
    one = np.zeros((1, n), dtype=np.uint8)
    one[0, 7] = n
    assert np.isnan(_lmg.resampled_corr(x, w, one, budget=budget)).all()


def test_moment_terms_are_the_unique_products():
    rng = np.random.default_rng(5)
    xc, w = rng.normal(size=(30, 4)), rng.uniform(size=30)
    iu, ju = np.triu_indices(4)
    expected = np.column_stack([w, w[:, None] * xc, w[:, None] * xc[:, iu] * xc[:, ju]])
    np.testing.assert_array_equal(_lmg.moment_terms(xc, w), expected.T)


def test_draw_counts_are_counted_index_draws():
    n, b = 40, 7
    idx = np.random.default_rng(9).integers(0, n, size=(b, n))
    expected = np.stack([np.bincount(i, minlength=n) for i in idx])
    counts = _lmg.draw_counts(np.random.default_rng(9), n, b)
    assert counts.dtype == np.uint8
    np.testing.assert_array_equal(counts, expected)
    assert (counts.sum(axis=1) == n).all()
    # a count above the cap switches to int64 with the same values
    wide = _lmg.draw_counts(np.random.default_rng(9), n, b, cap=1)
    assert wide.dtype == np.int64
    np.testing.assert_array_equal(wide, expected)


def test_bootstrap_corr_chunking_does_not_change_replicates():
    data = _random_data(120, 4, seed=12, weights=True)
    x = data[["x0", "x1", "x2", "x3", "y"]].to_numpy()
    w = data["w"].to_numpy()
    whole = np.concatenate(list(_lmg.bootstrap_corr(x, w, 10, np.random.default_rng(4))))
    # 3 replicates a chunk (count_budget in bytes) and row blocks of a few rows
    chunks = list(_lmg.bootstrap_corr(x, w, 10, np.random.default_rng(4), budget=30,
                                      count_budget=3 * 120))  # fmt: skip
    assert [len(c) for c in chunks] == [3, 3, 3, 1]
    np.testing.assert_allclose(np.concatenate(chunks), whole, atol=1e-12)
    counts = np.random.default_rng(4).integers(0, 120, size=(10, 120))
    for r in range(10):
        np.testing.assert_allclose(
            whole[r], _reference_corr(x, np.bincount(counts[r], minlength=120) * w), atol=1e-12
        )


def test_bootstrap_replicates_without_variance_are_left_out():
    """A rare binary driver is constant in some replicates: NaN rows, counted, warned."""
    rng = np.random.default_rng(3)
    n = 15
    data = pd.DataFrame({"a": rng.normal(size=n), "rare": (np.arange(n) == 0).astype(float)})
    data["y"] = data["a"] + data["rare"] + rng.normal(size=n)
    result = importance(data, outcome="y", drivers=["a", "rare"], n_boot=200, seed=2)
    table, boot = result.table, result.replicates
    bad = np.isnan(boot).any(axis=1)
    # P(row 0 never drawn) = (1 - 1/15)^15 ~ 0.36 per replicate
    assert 0 < result.n_boot_failed == bad.sum() < 200
    assert np.isnan(boot[bad]).all()
    assert any("no variation" in m for m in result.warnings)
    lo, hi = np.quantile(boot[~bad], [0.025, 0.975], axis=0)
    np.testing.assert_allclose(table["ci_low"], lo)
    np.testing.assert_allclose(table["ci_high"], hi)


def test_bootstrap_covers_known_truth():
    """Population LMG from a known covariance matrix lies inside the intervals."""
    p = 4
    sigma = np.full((p, p), 0.3) + 0.7 * np.eye(p)
    beta = np.array([0.6, 0.4, 0.2, 0.0])
    cov = np.zeros((p + 1, p + 1))
    cov[:p, :p] = sigma
    cov[:p, p] = cov[p, :p] = sigma @ beta
    cov[p, p] = beta @ sigma @ beta + 1.0
    sd = np.sqrt(np.diag(cov))
    pop = cov / np.outer(sd, sd)
    r2 = {frozenset(): 0.0}
    for k in range(1, p + 1):
        for s in combinations(range(p), k):
            s_ = list(s)
            r2[frozenset(s)] = pop[s_, p] @ np.linalg.solve(pop[np.ix_(s_, s_)], pop[s_, p])
    truth = _shapley_from_r2(r2, p)
    rng = np.random.default_rng(2024)
    x = rng.multivariate_normal(np.zeros(p + 1), cov, size=3000)
    data = pd.DataFrame(x, columns=["a", "b", "c", "d", "y"])
    table = importance(data, outcome="y", drivers=["a", "b", "c", "d"], n_boot=300, seed=1).table
    assert ((table["ci_low"] <= truth) & (truth <= table["ci_high"])).all()
    assert (table["ci_high"] - table["ci_low"] < 0.05).all()  # and they are informative


# --------------------------------------------------------------------------- dimension totals
def test_dimension_totals_and_difference():
    rng = np.random.default_rng(9)
    n = 400
    x = rng.normal(size=(n, 4))
    y = x @ np.array([0.8, 0.7, 0.1, 0.1]) + rng.normal(size=n)
    data = pd.DataFrame(x, columns=["fast", "easy", "heard", "welcome"]).assign(y=y)
    result = importance(data, outcome="y", drivers=["fast", "easy", "heard", "welcome"],
                        n_boot=200, seed=3)  # fmt: skip
    dims = {"practical": ["fast", "easy"], "emotional": ["heard", "welcome"]}
    totals = dimension_totals(result, dimensions=dims)
    out = totals.table
    assert list(out["dimension"]) == ["practical", "emotional"]
    imp = result.table.set_index("driver")["importance"]
    assert out["importance"].iloc[0] == pytest.approx(imp["fast"] + imp["easy"], abs=1e-14)
    assert out["share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert totals.r2 == result.r2 and totals.ci == 0.95 and totals.unassigned == ()
    boot = result.replicates
    share_b = boot[:, :2].sum(axis=1) / boot.sum(axis=1)
    assert out["ci_low"].iloc[0] == pytest.approx(np.quantile(share_b, 0.025), abs=1e-14)
    assert (out["ci_low"] <= out["share"]).all() and (out["share"] <= out["ci_high"]).all()
    diff = totals.difference
    assert diff.dimensions == ("practical", "emotional")
    assert diff.diff == pytest.approx(out["share"].iloc[0] - out["share"].iloc[1])
    assert diff.ci_low > 0  # practical clearly dominates
    assert diff.p_value == pytest.approx(2 / 201)  # no replicate on the other side
    # no bootstrap: totals but NaN intervals and p-value
    plain = dimension_totals(importance(data, outcome="y", drivers=list(imp.index)),
                             dimensions=dims)  # fmt: skip
    assert plain.table["ci_low"].isna().all() and np.isnan(plain.difference.p_value)
    # a driver in no dimension is left out and named; one dimension: no difference
    partial = dimension_totals(result, dimensions={"practical": ["fast", "easy"]})
    assert partial.unassigned == ("heard", "welcome") and partial.difference is None
    with pytest.raises(ParameterError, match="not in the table"):
        dimension_totals(result, dimensions={"practical": ["fast", "nope"]})
    with pytest.raises(ParameterError, match="two dimensions"):
        dimension_totals(result, dimensions={"a": ["fast"], "b": ["fast", "easy"]})
    with pytest.raises(ParameterError, match="what importance"):
        dimension_totals(result.table, dimensions=dims)


def test_difference_p_value_when_shares_are_equal():
    rng = np.random.default_rng(10)
    x = rng.normal(size=(300, 4))
    y = x @ np.array([0.5, 0.5, 0.5, 0.5]) + rng.normal(size=300)
    data = pd.DataFrame(x, columns=list("abcd")).assign(y=y)
    result = importance(data, outcome="y", drivers=list("abcd"), n_boot=300, seed=4)
    diff = dimension_totals(result, dimensions={"p": ["a", "b"], "e": ["c", "d"]}).difference
    assert diff.ci_low < 0 < diff.ci_high
    boot = result.replicates
    d_b = (boot[:, :2].sum(1) - boot[:, 2:].sum(1)) / boot.sum(1)
    other = (d_b <= 0).sum() if diff.diff > 0 else (d_b >= 0).sum()
    assert diff.p_value == pytest.approx(min(1, 2 * (other + 1) / 301))
    assert diff.p_value > 0.05


# --------------------------------------------------------------------------- refusals
def test_more_than_30_drivers_is_refused():
    data = pd.DataFrame(np.random.default_rng(0).normal(size=(100, 32)))
    data.columns = [f"q{j}" for j in range(31)] + ["y"]
    with pytest.raises(ParameterError, match="31 columns; at most 30"):
        importance(data, outcome="y", drivers=[f"q{j}" for j in range(31)])


def test_too_few_rows_and_constant_driver():
    data = _random_data(5, 4, seed=2)
    with pytest.raises(AnalysisError, match="5 complete rows for 4 drivers"):
        importance(data, outcome="y", drivers=["x0", "x1", "x2", "x3"])
    data = _random_data(50, 3, seed=2).assign(flat=3.0)
    with pytest.raises(AnalysisError, match="flat"):
        importance(data, outcome="y", drivers=["x0", "flat", "x1"])
    data = data.assign(total=data["x0"] + data["x1"])
    with pytest.raises(AnalysisError, match="perfectly collinear"):
        importance(data, outcome="y", drivers=["x0", "x1", "total"])


def test_bad_arguments():
    data = _random_data(50, 3, seed=2, weights=True)
    drivers = ["x0", "x1", "x2"]
    with pytest.raises(ParameterError, match="method='shapley'"):
        importance(data, outcome="y", drivers=drivers, method="shapley")
    with pytest.raises(ParameterError, match="not in the data"):
        importance(data, outcome="y", drivers=["x0", "nope"])
    with pytest.raises(ParameterError, match="also listed in drivers"):
        importance(data, outcome="y", drivers=["x0", "y"])
    with pytest.raises(ParameterError, match="n_boot"):
        importance(data, outcome="y", drivers=drivers, n_boot=-1)
    with pytest.raises(ParameterError, match="ci"):
        importance(data, outcome="y", drivers=drivers, ci=95)
    with pytest.raises(ParameterError, match="more than once"):
        importance(data, outcome="y", drivers=["x0", "x0"])
    with pytest.raises(DataError, match="positive"):
        importance(data.assign(w=-data["w"]), outcome="y", drivers=drivers, weights="w")
    with pytest.raises(DataError, match="not numeric"):
        importance(data.assign(x0="a"), outcome="y", drivers=drivers)


def test_progress_bar_runs(capsys):
    data = _random_data(80, 3, seed=2)
    result = importance(data, outcome="y", drivers=["x0", "x1", "x2"], n_boot=20, seed=1,
                        progress=True)  # fmt: skip
    assert result.n_boot == 20
    assert "bootstrap" in capsys.readouterr().err


# --------------------------------------------------------------------------- result objects
def test_result_is_frozen_and_its_replicates_read_only(swiss):
    result = importance(swiss, outcome="Fertility", drivers=SWISS_X, n_boot=30, seed=1)
    assert isinstance(result, Importance)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.r2 = 0.5  # type: ignore[misc]
    assert not result.replicates.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        result.replicates[0, 0] = 1.0
    assert isinstance(result.warnings, tuple) and isinstance(result.vif, dict)
    # a result saved and loaded (notebooks share one, analyses/shared.py) stays read-only
    loaded = pickle.loads(pickle.dumps(result))
    pd.testing.assert_frame_equal(loaded.table, result.table)
    np.testing.assert_array_equal(loaded.replicates, result.replicates)
    assert not loaded.replicates.flags.writeable and loaded.r2 == result.r2
    totals = dimension_totals(result, dimensions={"a": SWISS_X[:2], "b": SWISS_X[2:]})
    assert isinstance(totals, DimensionTotals) and isinstance(totals.difference, ShareDifference)
    with pytest.raises(dataclasses.FrozenInstanceError):
        totals.difference = None  # type: ignore[misc]


def test_result_tables_carry_no_attrs_and_concatenate(swiss):
    kw = {"outcome": "Fertility", "drivers": SWISS_X}
    a = importance(swiss, n_boot=30, seed=1, **kw)
    b = importance(swiss, n_boot=40, seed=2, **kw)
    totals = dimension_totals(a, dimensions={"a": SWISS_X[:2], "b": SWISS_X[2:]})
    naive = naive_lmg(swiss, **kw)
    assert a.table.attrs == {} and totals.table.attrs == {} and naive.lmg.attrs == {}
    both = pd.concat([a.table.assign(group="a"), b.table.assign(group="b")], ignore_index=True)
    assert len(both) == 10 and both.attrs == {}
    assert a.replicates.shape == (30, 5) and b.replicates.shape == (40, 5)


def test_results_show_their_table_in_a_notebook(swiss):
    result = importance(swiss, outcome="Fertility", drivers=SWISS_X, n_boot=20, seed=1)
    shown = result._repr_html_()
    assert result.table._repr_html_() in shown and "Fertility" in shown and "R² = 0.7067" in shown
    assert repr(result.table) in repr(result) and "20 bootstrap replicates" in repr(result)
    totals = dimension_totals(result, dimensions={"a": SWISS_X[:2], "b": SWISS_X[2:]})
    assert totals.table._repr_html_() in totals._repr_html_() and repr(totals.table) in repr(totals)
    naive = naive_lmg(swiss, outcome="Fertility", drivers=SWISS_X)
    assert "Agriculture" in naive._repr_html_() and repr(naive.lmg) in repr(naive)


def _permutation_check(p: int, n: int) -> None:
    data = _random_data(n, p, seed=p)
    drivers = [f"x{j}" for j in range(p)]
    table = importance(data, outcome="y", drivers=drivers).table.set_index("driver")
    order = list(np.random.default_rng(p).permutation(drivers))
    shuffled = importance(data, outcome="y", drivers=order).table.set_index("driver")
    # a different driver order runs a different recursion (other pivots, other prefix split)
    np.testing.assert_allclose(shuffled.loc[drivers, "importance"], table["importance"],
                               atol=1e-11)  # fmt: skip
    x, y = data[drivers].to_numpy(), data["y"].to_numpy()
    assert table["importance"].sum() == pytest.approx(_wls_r2(x, y, np.ones(n)), abs=1e-10)


def test_driver_order_does_not_matter():
    _permutation_check(12, 300)


@pytest.mark.slow
def test_exact_with_25_drivers():
    _permutation_check(25, 400)


# ------------------------------------------------------------------------------------------------
# Why a regression cannot decompose R²: planted constant, copied, combined and outcome-copy columns.

def _design_frame(seed: int = 4, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({c: rng.integers(1, 6, n).astype(float) for c in ("a", "b", "c", "d")})
    frame["y"] = frame[["a", "b", "c", "d"]].sum(axis=1) + rng.normal(0, 1, n)
    return frame


def _problems(frame: pd.DataFrame) -> list[tuple[str, list[str]]]:
    from clientvalue.stats.importance import design_problems

    table = design_problems(frame, outcome="y", drivers=["a", "b", "c", "d"])
    return [(p, sorted(c)) for p, c in zip(table["problem"], table["columns"])]


def test_design_problems_none_on_ordinary_data():
    assert _problems(_design_frame()) == []


def test_design_problems_name_a_constant_item_and_its_value():
    from clientvalue.stats.importance import design_problems

    frame = _design_frame().assign(c=4.0)
    table = design_problems(frame, outcome="y", drivers=["a", "b", "c", "d"])
    assert _problems(frame) == [("constant", ["c"])] and table["value"].iloc[0] == 4.0 and table["n"].iloc[0] == 60


@pytest.mark.parametrize("make, involved", [
    (lambda f: f.assign(d=f["b"]), ["b", "d"]),                       # an identical copy
    (lambda f: f.assign(d=6 - f["b"]), ["b", "d"]),                   # a reversed copy (r = -1)
    (lambda f: f.assign(d=f["a"] + f["b"] + f["c"]), ["a", "b", "c", "d"]),  # a total of the others
])
def test_design_problems_name_exactly_collinear_items(make, involved):
    frame = make(_design_frame())
    assert _problems(frame) == [("collinear", involved)]
    # the second method: statsmodels' OLS sees the same rank deficiency
    import statsmodels.api as sm

    design = sm.add_constant(frame[["a", "b", "c", "d"]])
    assert np.linalg.matrix_rank(design.to_numpy()) == 4


def test_design_problems_name_an_item_that_copies_the_outcome():
    frame = _design_frame()
    frame["c"] = frame["y"]
    assert _problems(frame) == [("outcome_determined", ["c"])]
    import statsmodels.api as sm

    assert sm.OLS(frame["y"], sm.add_constant(frame[["a", "b", "c", "d"]])).fit().rsquared == pytest.approx(1.0)


def test_design_problems_leave_a_nearly_determined_outcome_alone():
    frame = _design_frame()
    frame["c"] = frame["y"] + np.random.default_rng(1).normal(0, 1e-3, len(frame))  # R² < 1: a very good item
    assert _problems(frame) == []
