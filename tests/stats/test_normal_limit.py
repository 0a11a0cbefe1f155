"""The normal limit of bootstrap and permutation moment sums (clientvalue.stats.lmg).

Large samples draw each replicate's moment sums from a normal law with the exact mean and
covariance of resampling (or shuffling) rows. Checked against the closed-form covariances and
against resampling rows one by one (a second method): same spread, same percentiles of the
driver shares within Monte Carlo noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clientvalue.analyses.strategy import segment_difference_test
from clientvalue.stats import lmg, moments_memo


def _ratings(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rounded 1-5 drivers and a 0-10 outcome (last column), uneven weights."""
    rng = np.random.default_rng(seed)
    corr = 0.4 * np.ones((p, p)) + 0.6 * np.eye(p)
    z = rng.standard_normal((n, p)) @ np.linalg.cholesky(corr).T
    y = z @ np.linspace(0.5, 0.05, p) + rng.standard_normal(n)
    x = np.column_stack([np.round(1.2 * z + 3).clip(1, 5), np.round(y + 7).clip(0, 10)])
    return x, rng.uniform(0.5, 1.5, n)


def _terms(n: int = 40, seed: int = 0) -> np.ndarray:
    x, w = _ratings(n, 3, seed)
    wn, xc, _ = lmg.centre(x, w)
    return lmg.moment_terms(xc, wn).T  # (n, k)


def test_term_moments_are_the_sum_and_the_multinomial_covariance_of_the_terms():
    x, w = _ratings(500, 3, 1)
    wn, xc, _ = lmg.centre(x, w)
    t = lmg.moment_terms(xc, wn).T
    n = len(t)
    total, cross = lmg.term_moments(xc, wn, budget=7 * 19)  # several row blocks
    np.testing.assert_allclose(total, t.sum(axis=0), rtol=1e-12, atol=1e-12 * np.abs(total).max())
    # multinomial counts c (n draws, each row 1/n): Cov(c) = I - 11'/n, so Cov(c @ T) = T'(I - 11'/n)T
    closed_form = t.T @ (np.eye(n) - np.ones((n, n)) / n) @ t
    np.testing.assert_allclose(cross, closed_form, rtol=1e-9, atol=1e-12 * np.abs(closed_form).max())


def test_bootstrap_sums_have_the_mean_and_covariance_of_resampled_rows():
    t = _terms()
    n = len(t)
    total, cross = t.sum(axis=0), t.T @ (np.eye(n) - np.ones((n, n)) / n) @ t
    drawn = lmg.bootstrap_sums(total, cross, 200_000, np.random.default_rng(2))
    counts = np.random.default_rng(3).multinomial(n, np.full(n, 1 / n), size=200_000)
    resampled = counts @ t
    scale = np.sqrt(np.diag(cross))
    for sums in (drawn, resampled):
        np.testing.assert_allclose((sums.mean(axis=0) - total) / scale, 0, atol=0.02)
        corr = np.cov(sums.T) / np.outer(scale, scale)
        np.testing.assert_allclose(corr, cross / np.outer(scale, scale), atol=0.02)
        np.testing.assert_allclose(np.diag(np.cov(sums.T)) / scale**2, 1, atol=0.02)


def test_permutation_sums_have_the_covariances_of_shuffled_labels():
    t = _terms(30, seed=4)
    n, k = t.shape
    sizes = np.array([12, 10, 8])
    total = t.sum(axis=0)
    cross = t.T @ (np.eye(n) - np.ones((n, n)) / n) @ t
    drawn = lmg.permutation_sums(total, cross, sizes, 200_000, np.random.default_rng(5))
    np.testing.assert_allclose(drawn.sum(axis=0), np.broadcast_to(total, (200_000, k)), rtol=1e-9,
                               atol=1e-12 * np.abs(total).max())
    rng = np.random.default_rng(6)
    labels = np.repeat(np.arange(3), sizes)
    shuffled = np.stack([np.stack([t[perm == g].sum(axis=0) for g in range(3)])
                         for perm in (rng.permutation(labels) for _ in range(40_000))], axis=1)
    c = cross / (n - 1)
    for g, m in enumerate(sizes):
        expected_mean = m / n * total
        expected_cov = m * (n - m) / n * c
        for sums, atol in ((drawn, 0.02), (shuffled, 0.04)):
            sd = np.sqrt(np.diag(expected_cov))
            np.testing.assert_allclose((sums[g].mean(axis=0) - expected_mean) / sd, 0, atol=atol)
            np.testing.assert_allclose(np.cov(sums[g].T) / np.outer(sd, sd),
                                       expected_cov / np.outer(sd, sd), atol=atol)
    # two segments move against each other: Cov(S_0, S_1) = -m_0 m_1 / n · C
    for sums, atol in ((drawn, 0.02), (shuffled, 0.04)):
        cov01 = (sums[0] - sums[0].mean(0)).T @ (sums[1] - sums[1].mean(0)) / (len(sums[0]) - 1)
        expected = -sizes[0] * sizes[1] / n * c
        np.testing.assert_allclose(np.diag(cov01) / np.diag(expected), 1, atol=3 * atol)


def _shares(chunks) -> np.ndarray:
    out = []
    for corr in chunks:
        point = lmg.lmg_batch(corr)
        out.append(point / point.sum(axis=1, keepdims=True))
    return np.concatenate(out)


def test_bootstrapped_driver_shares_match_resampling_rows_within_monte_carlo_noise():
    x, w = _ratings(30_000, 5, 7)
    rows = _shares(lmg.bootstrap_corr(x, w, 4000, np.random.default_rng(8)))
    normal = _shares(lmg.bootstrap_corr(x, w, 4000, np.random.default_rng(9), normal_from=0))
    sd = rows.std(axis=0)
    np.testing.assert_allclose(normal.std(axis=0) / sd, 1, atol=0.06)
    for percentile in (2.5, 50, 97.5):  # Monte Carlo error of a 2.5% percentile: about 0.05 sd
        gap = np.percentile(normal, percentile, axis=0) - np.percentile(rows, percentile, axis=0)
        np.testing.assert_array_less(np.abs(gap) / sd, 0.2)


def test_bootstrap_switches_to_the_normal_limit_at_normal_from_effective_rows():
    x, w = _ratings(2_000, 3, 10)
    n_eff = lmg.effective_n(w)
    assert n_eff == pytest.approx(w.sum() ** 2 / (w**2).sum()) and 1_700 < n_eff < 2_000
    below = np.concatenate(list(lmg.bootstrap_corr(x, w, 20, np.random.default_rng(1),
                                                   normal_from=int(n_eff) + 1)))
    rows = np.concatenate(list(lmg.bootstrap_corr(x, w, 20, np.random.default_rng(1))))
    at = np.concatenate(list(lmg.bootstrap_corr(x, w, 20, np.random.default_rng(1), normal_from=int(n_eff))))
    np.testing.assert_array_equal(below, rows)  # resampled rows: the same stream as before
    assert not np.allclose(at, rows)
    assert at.shape == rows.shape and np.isfinite(at).all()


def test_a_few_heavy_weights_keep_the_rows_resampled():
    x, w = _ratings(12_000, 3, 15)
    w[:3] = 2_000.0  # three respondents carry a third of the weight: about 27 effective respondents
    assert lmg.effective_n(w) < 100
    rows = np.concatenate(list(lmg.bootstrap_corr(x, w, 20, np.random.default_rng(2), normal_from=10**9)))
    default = np.concatenate(list(lmg.bootstrap_corr(x, w, 20, np.random.default_rng(2), normal_from=10_000)))
    np.testing.assert_array_equal(default, rows)


def test_the_normal_limit_does_not_depend_on_the_units_of_a_driver():
    x, w = _ratings(30_000, 4, 16)
    wide = x.copy()
    wide[:, 0] *= 1e6  # a driver in large units: correlations and shares are the same
    plain = _shares(lmg.bootstrap_corr(x, w, 2000, np.random.default_rng(3), normal_from=0))
    scaled_chunks = list(lmg.bootstrap_corr(wide, w, 2000, np.random.default_rng(3), normal_from=0))
    assert not np.isnan(np.concatenate(scaled_chunks)).any()
    scaled = _shares(scaled_chunks)
    np.testing.assert_allclose(scaled.std(axis=0) / plain.std(axis=0), 1, atol=0.08)
    np.testing.assert_allclose(np.percentile(scaled, [2.5, 97.5], axis=0),
                               np.percentile(plain, [2.5, 97.5], axis=0), atol=0.25 * plain.std(axis=0).max())


def test_two_samples_with_the_same_seed_do_not_share_their_normal_draws():
    a = _shares(lmg.bootstrap_corr(*_ratings(30_000, 4, 17), 1000, np.random.default_rng(5), normal_from=0))
    b = _shares(lmg.bootstrap_corr(*_ratings(30_000, 4, 18), 1000, np.random.default_rng(5), normal_from=0))
    moments_memo.forget()  # summed again, as in another process
    again = _shares(lmg.bootstrap_corr(*_ratings(30_000, 4, 17), 1000, np.random.default_rng(5), normal_from=0))
    np.testing.assert_array_equal(a, again)  # same sample, same seed: same draws
    for j in range(a.shape[1]):
        assert abs(np.corrcoef(a[:, j], b[:, j])[0, 1]) < 0.15


def test_an_impossible_replicate_is_dropped():
    good = np.array([[1.0, 0.5], [0.5, 1.0]])
    impossible = np.array([[1.0, 1.2], [1.2, 1.0]])  # a correlation above one: eigenvalue -0.2
    corr = lmg._drop_indefinite(np.stack([good, impossible, np.full((2, 2), np.nan)]))
    np.testing.assert_array_equal(corr[0], good)
    assert np.isnan(corr[1]).all() and np.isnan(corr[2]).all()


def test_segment_test_null_matches_shuffling_rows_within_monte_carlo_noise(monkeypatch):
    rng = np.random.default_rng(11)
    x, w = _ratings(30_000, 4, 12)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d", "y"])
    frame["w"] = w
    frame["segment"] = rng.choice(["x", "y", "z"], len(frame), p=[0.5, 0.3, 0.2])
    monkeypatch.setattr(lmg, "NORMAL_SEGMENT_FROM", 1_000)
    kwargs = dict(outcome="y", drivers=["a", "b", "c", "d"], segment="segment", weights="w",
                  n_perm=2000, seed=5)
    shuffled = segment_difference_test(frame, **kwargs)
    normal = segment_difference_test(frame, normal_from=0, **kwargs)
    assert normal["difference"] == shuffled["difference"]  # the observed value is computed exactly
    assert normal["null_mean"] == pytest.approx(shuffled["null_mean"], rel=0.03)
    assert normal["null_q95"] == pytest.approx(shuffled["null_q95"], rel=0.06)
    assert abs(normal["p_value"] - shuffled["p_value"]) < 0.04


def test_the_observed_pass_gives_the_term_moments_of_the_normal_null(monkeypatch):
    """The pass over the rows that gives the observed statistic also gives the terms' sum and
    cross-products the normal null needs: the same numbers to the last bit as
    ``lmg.term_moments``, over several blocks of rows, so the test's result does not change."""
    from clientvalue.analyses.strategy import _PermutationStat

    rng = np.random.default_rng(23)
    x, w = _ratings(9_000, 4, 24)
    codes = rng.choice(3, len(x), p=[0.5, 0.3, 0.2])
    monkeypatch.setattr(lmg, "NORMAL_SEGMENT_FROM", 1_000)
    monkeypatch.setattr(lmg, "BUDGET", 15 * 1_000)  # 1,000 rows a block: nine blocks
    shared = _PermutationStat(x, w, codes, 3, "lmg", normal_from=0)
    plain = _PermutationStat(x, w, codes, 3, "lmg")
    assert shared.observed == plain.observed and plain._moments is None
    moments_memo.forget()  # summed here, not found again from the shared pass
    total, cross = lmg.term_moments(plain.xc, plain.wn, budget=lmg.BUDGET)
    np.testing.assert_array_equal(shared._moments[0], total)
    np.testing.assert_array_equal(shared._moments[1], cross)
    calls = []
    real = lmg.term_moments
    monkeypatch.setattr(lmg, "term_moments", lambda *a, **k: calls.append(1) or real(*a, **k))
    np.testing.assert_array_equal(shared.normal_null(200, np.random.default_rng(4)),
                                  plain.normal_null(200, np.random.default_rng(4)))
    assert calls == [1]  # only the plain one asked term_moments (found them remembered from the sum above)
    # too few rows for the normal limit: nothing kept, the rows are shuffled as before
    assert _PermutationStat(x, w, codes, 3, "lmg", normal_from=10**9)._moments is None


def test_segment_test_shuffles_rows_when_a_segment_is_small(monkeypatch):
    rng = np.random.default_rng(13)
    x, w = _ratings(3_000, 3, 14)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "y"])
    frame["segment"] = rng.choice(["x", "y"], len(frame), p=[0.9, 0.1])  # 'y' about 300 rows
    monkeypatch.setattr(lmg, "NORMAL_SEGMENT_FROM", 1_000)
    kwargs = dict(outcome="y", drivers=["a", "b", "c"], segment="segment", n_perm=50, seed=1)
    default = segment_difference_test(frame, **kwargs)
    switched = segment_difference_test(frame, normal_from=0, **kwargs)
    pd.testing.assert_series_equal(default, switched)  # a segment below 1,000: rows are shuffled


def test_an_impossible_permutation_draw_is_left_out_of_the_null(monkeypatch):
    """A drawn permutation whose correlation matrix is impossible is left out (as a bootstrap
    replicate is), not taken for collinear drivers; the p-value counts the draws that are left."""
    rng = np.random.default_rng(17)
    x, w = _ratings(4_000, 3, 18)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "y"])
    frame["segment"] = rng.choice(["x", "y"], len(frame))
    monkeypatch.setattr(lmg, "NORMAL_SEGMENT_FROM", 1_000)
    kwargs = dict(outcome="y", drivers=["a", "b", "c"], segment="segment", n_perm=40, seed=3, normal_from=0)
    honest = segment_difference_test(frame, **kwargs)
    drawn = lmg.permutation_sums

    def one_impossible(total, cross, sizes, c, rng):
        sums = drawn(total, cross, sizes, c, rng)
        q = 4
        iu, ju = np.triu_indices(q)
        ab = 1 + q + int(np.flatnonzero((iu == 0) & (ju == 1))[0])  # the sum of w a b
        sums[0, 0, ab] *= 50  # the first draw's first segment: a correlation of a and b far above one
        return sums

    monkeypatch.setattr(lmg, "permutation_sums", one_impossible)
    left_out = segment_difference_test(frame, **kwargs)
    assert honest["n_perm"] == 40 and left_out["n_perm"] == 39
    assert left_out["difference"] == honest["difference"]
    assert 0 < left_out["p_value"] <= 1


@pytest.mark.parametrize("shape, order, dtype", [((1_000, 4), "C", float), ((999, 2), "C", float),
                                                 ((1_000, 1), "C", float), ((1_000, 4), "F", float),
                                                 ((0, 3), "C", float), ((3, 3), "C", float),
                                                 ((1_000, 4), "C", np.float32)])
def test_centre_sums_the_variances_in_blocks_to_the_same_last_bit(monkeypatch, shape, order, dtype):
    # the blocked sum (several blocks here) against the one expression it replaces; a single column,
    # Fortran order and float32 keep that expression (numpy sums them pairwise or rounds otherwise)
    monkeypatch.setattr(lmg, "CENTRE_BLOCK", 37)
    rng = np.random.default_rng(5)
    x = np.asarray(rng.normal(size=shape) * rng.uniform(0.1, 50, size=shape[1]), order=order, dtype=dtype)
    w = rng.uniform(0.2, 3, size=shape[0]).astype(dtype)
    wn, xc, full_var = lmg.centre(x, w)
    expected = (xc * xc * wn[:, None]).sum(axis=0)
    assert full_var.shape == (shape[1],)
    np.testing.assert_array_equal(full_var, expected)


def test_moment_terms_written_into_a_reused_buffer_are_the_same_numbers():
    x, w = _ratings(300, 4, 2)
    wn, xc, _ = lmg.centre(x, w)
    buffer = lmg.term_buffer(xc.shape[1], 128)
    buffer[:] = np.nan  # whatever an earlier block left there
    for lo in range(0, 300, 128):  # the last block is shorter than the buffer
        fresh = lmg.moment_terms(xc[lo:lo + 128], wn[lo:lo + 128])
        reused = lmg.moment_terms(xc[lo:lo + 128], wn[lo:lo + 128], buffer=buffer)
        assert reused.flags.c_contiguous and reused.shape == fresh.shape
        np.testing.assert_array_equal(reused, fresh)
    # and term_moments over blocks (one buffer) equals the same accumulation with fresh terms
    q = xc.shape[1]
    k = 1 + q + q * (q + 1) // 2
    total, cross = lmg.term_moments(xc, wn, budget=k * 40)  # 40 rows per block
    ref_total, ref_cross, shift = np.zeros(k), np.zeros((k, k)), None
    for lo in range(0, 300, 40):
        terms = lmg.moment_terms(xc[lo:lo + 40], wn[lo:lo + 40])
        ref_total += terms.sum(axis=1)
        shift = terms.mean(axis=1) if shift is None else shift
        terms -= shift[:, None]
        ref_cross += terms @ terms.T
    offset = ref_total / 300 - shift
    ref_cross -= 300 * np.outer(offset, offset)
    np.testing.assert_array_equal(total, ref_total)
    np.testing.assert_array_equal(cross, ref_cross)
