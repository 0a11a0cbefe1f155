"""Term moments found again by a digest of their rows (clientvalue.stats.moments_memo).

Notebook 10 needs the same term moments for a group's bootstrap and for the permutation test of
each client characteristic on the same rows. Found again, they must be the numbers computed the
first time to the last bit, and any other rows (one weight one ulp away, another block size,
another layout) must be summed again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clientvalue.analyses.strategy import _PermutationStat, segment_difference_test
from clientvalue.stats import lmg, moments_memo


def _rows(n: int = 3_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, size=(n, 4)).astype(float)
    x[:, -1] = x[:, :-1] @ [0.5, 0.3, 0.1] + rng.normal(size=n)
    return x, rng.uniform(0.5, 1.5, n)


@pytest.fixture
def counted_terms(monkeypatch):
    """How often the per-row terms are made (a pass over the rows)."""
    calls = []
    real = lmg.moment_terms
    monkeypatch.setattr(lmg, "moment_terms", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_the_same_rows_are_found_again_to_the_last_bit(counted_terms):
    wn, xc, _ = lmg.centre(*_rows())
    total, cross = lmg.term_moments(xc, wn, budget=15 * 400)  # blocks of 400 rows
    passes = len(counted_terms)
    assert passes == 8
    again_total, again_cross = lmg.term_moments(xc.copy(), wn.copy(), budget=15 * 400)  # equal bytes, new arrays
    assert len(counted_terms) == passes  # no pass over the rows
    np.testing.assert_array_equal(again_total, total)
    np.testing.assert_array_equal(again_cross, cross)
    again_cross[0, 0] = -1.0  # a copy: what the caller does with it changes nothing remembered
    np.testing.assert_array_equal(lmg.term_moments(xc, wn, budget=15 * 400)[1], cross)


def test_other_rows_are_summed_again(counted_terms):
    wn, xc, _ = lmg.centre(*_rows())
    first = lmg.term_moments(xc, wn, budget=15 * 400)
    passes = len(counted_terms)
    nudged = wn.copy()
    nudged[17] = np.nextafter(nudged[17], 1.0)  # one weight one ulp larger
    moved = lmg.term_moments(xc, nudged, budget=15 * 400)
    assert len(counted_terms) == 2 * passes
    assert not np.array_equal(moved[1], first[1])
    moments_memo.forget()
    fresh = lmg.term_moments(xc, nudged, budget=15 * 400)
    np.testing.assert_array_equal(fresh[1], moved[1])
    # another block size adds up in another order: summed again, not taken for the same
    calls = len(counted_terms)
    lmg.term_moments(xc, wn, budget=15 * 700)
    assert len(counted_terms) > calls


def test_rows_that_cannot_be_hashed_without_a_copy_are_never_remembered(counted_terms):
    wn, xc, _ = lmg.centre(*_rows())
    columns = np.asfortranarray(xc)
    assert moments_memo.key(columns, wn, 100) is None
    assert moments_memo.key(xc[:, :2], wn, 100) is None  # a strided view
    assert moments_memo.key(xc.astype(np.float32), wn, 100) is None
    assert moments_memo.key(xc[:0], wn[:0], 100) is None
    assert moments_memo.key(xc, wn[:-1], 100) is None
    lmg.term_moments(columns, wn)
    calls = len(counted_terms)
    lmg.term_moments(columns, wn)
    assert len(counted_terms) == 2 * calls


def test_the_oldest_result_goes_first():
    wn, xc, _ = lmg.centre(*_rows(200))
    keys = []
    for i in range(moments_memo.SIZE + 1):
        keys.append(moments_memo.key(xc, wn, i + 1))
        moments_memo.remember(keys[-1], np.full(3, float(i)), np.eye(3))
    assert moments_memo.recall(keys[0]) is None
    assert moments_memo.recall(keys[1])[0][0] == 1.0
    moments_memo.remember(keys[-1] + b"x", np.zeros(3), np.eye(3))  # keys[1] was just used: keys[2] goes
    assert moments_memo.recall(keys[2]) is None and moments_memo.recall(keys[1]) is not None


def _segmented(n: int = 9_000, seed: int = 3) -> pd.DataFrame:
    x, w = _rows(n, seed)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "y"])
    frame["w"] = w
    rng = np.random.default_rng(seed + 1)
    frame["channel"] = rng.choice(["desk", "phone", "web"], n, p=[0.5, 0.3, 0.2])
    frame["contacts"] = rng.choice(["once", "more"], n)
    return frame


def test_segment_tests_after_the_bootstrap_of_their_rows_give_the_numbers_of_fresh_ones(monkeypatch):
    """The group's bootstrap, then the permutation test of two characteristics on its rows, as
    notebook 10 runs them: the tests find the bootstrap's moments and give what they give alone."""
    monkeypatch.setattr(lmg, "NORMAL_SEGMENT_FROM", 1_000)
    monkeypatch.setattr(lmg, "BUDGET", 15 * 1_000)  # nine blocks of rows
    frame = _segmented()
    kwargs = dict(outcome="y", drivers=["a", "b", "c"], weights="w", n_perm=300, seed=5, normal_from=0)
    alone = {}
    for column in ("channel", "contacts"):
        moments_memo.forget()
        alone[column] = segment_difference_test(frame, segment=column, **kwargs)
    moments_memo.forget()
    rows = np.ascontiguousarray(frame[["a", "b", "c", "y"]].to_numpy())  # row by row, as importance() has them
    wn, xc, _ = lmg.centre(rows, frame["w"].to_numpy())
    lmg.term_moments(xc, wn, budget=lmg.BUDGET)  # the group's bootstrap: the same rows and weights
    found = []
    real = moments_memo.recall
    monkeypatch.setattr(moments_memo, "recall", lambda digest: found.append(real(digest) is not None) or real(digest))
    for column in ("channel", "contacts"):
        pd.testing.assert_series_equal(segment_difference_test(frame, segment=column, **kwargs), alone[column],
                                       check_exact=True)
    assert found == [True, True]


def test_segment_tests_find_the_moments_of_the_group_s_importance_bootstrap(monkeypatch):
    """The real path of notebook 10: importance() bootstraps the group (its normal limit), then the
    permutation test of a characteristic on the same rows finds those moments, and gives what it gives
    with nothing remembered, to the last bit."""
    from clientvalue.stats.importance import importance

    monkeypatch.setattr(lmg, "NORMAL_FROM", 2_000)  # read when called; the block size stays the real one
    monkeypatch.setattr(lmg, "NORMAL_SEGMENT_FROM", 1_000)
    frame = _segmented()
    test = dict(outcome="y", drivers=["a", "b", "c"], weights="w", n_perm=300, seed=5)
    alone = segment_difference_test(frame, segment="channel", **test)
    moments_memo.forget()
    found = []
    real = moments_memo.recall
    monkeypatch.setattr(moments_memo, "recall", lambda digest: found.append(real(digest) is not None) or real(digest))
    importance(frame, outcome="y", drivers=["a", "b", "c"], weights="w", n_boot=200, seed=1)
    assert found == [False]  # the bootstrap summed them
    after = segment_difference_test(frame, segment="channel", **test)
    assert found == [False, True]  # the test found them
    pd.testing.assert_series_equal(after, alone, check_exact=True)


def test_the_observed_pass_remembers_what_term_moments_would_compute(monkeypatch):
    monkeypatch.setattr(lmg, "NORMAL_SEGMENT_FROM", 1_000)
    monkeypatch.setattr(lmg, "BUDGET", 15 * 1_000)
    x, w = _rows(9_000, 7)
    codes = np.random.default_rng(8).choice(3, len(x), p=[0.5, 0.3, 0.2])
    stat = _PermutationStat(x, w, codes, 3, "lmg", normal_from=0)  # sums the moments in its own pass
    remembered = moments_memo.recall(moments_memo.key(stat.xc, stat.wn, lmg.BUDGET // lmg.term_count(4)))
    assert remembered is not None
    moments_memo.forget()
    total, cross = lmg.term_moments(stat.xc, stat.wn, budget=lmg.BUDGET)
    np.testing.assert_array_equal(remembered[0], total)
    np.testing.assert_array_equal(remembered[1], cross)
