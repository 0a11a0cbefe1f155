"""Posteriors of the latent-profile model in row blocks: the same numbers as the whole matrix at once.

:func:`clientvalue.stats.segments.posterior` and :func:`~clientvalue.stats.segments.log_density`
work through the rows in blocks of ``DENSITY_ROWS`` so that a million respondents need no
temporaries the size of the data. The references are an independent computation with scipy's normal
density (missing answers left out of a row's density) and the whole-matrix formula the blocks
replaced, which the blocks must equal to the last bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.mixture import GaussianMixture

from clientvalue.stats import segments as seg


def _whole_matrix_posterior(model, x):
    """The formula on all rows at once (as before the blocks)."""
    means, var = model.means_, model.covariances_
    observed = ~np.isnan(x)
    xo = np.where(observed, x, 0.0)
    logp = np.empty((x.shape[0], means.shape[0]))
    for c in range(means.shape[0]):
        terms = -0.5 * (np.log(2 * np.pi * var[c]) + (xo - means[c]) ** 2 / var[c])
        logp[:, c] = np.log(model.weights_[c]) + np.where(observed, terms, 0.0).sum(axis=1)
    density = logp.copy()
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    return density, p / p.sum(axis=1, keepdims=True)


def _planted(items: int, n: int = 3000):
    rng = np.random.default_rng(3)
    centres = rng.uniform(1, 5, size=(3, items))
    x = centres[rng.integers(0, 3, n)] + rng.normal(scale=0.7, size=(n, items))
    model = GaussianMixture(3, covariance_type="diag", random_state=0).fit(x)
    x[rng.random(x.shape) < 0.15] = np.nan  # missing answers
    x[5] = np.nan  # a row without any answer: the weights alone
    return model, x


@pytest.fixture(scope="module")
def fitted():
    return _planted(4)


@pytest.mark.parametrize("items", [4, 10])  # numpy adds up 8 or more contiguous items pairwise
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("block", [1, 2, 7, 1000, 10_000])
def test_blocks_equal_the_whole_matrix_to_the_last_bit(monkeypatch, items, order, block):
    model, x = _planted(items)
    x = np.asarray(x[:2997], order=order)  # 2997 = 7 * 428 + 1: a last block of one row would be left over
    monkeypatch.setattr(seg, "DENSITY_ROWS", block)
    density, post = _whole_matrix_posterior(model, x)  # on the same memory layout
    np.testing.assert_array_equal(seg.log_density(model, x), density)
    np.testing.assert_array_equal(seg.posterior(model, x), post)


def test_row_blocks_leave_no_single_row_behind(monkeypatch):
    monkeypatch.setattr(seg, "DENSITY_ROWS", 4)
    assert seg._row_blocks(9) == [slice(0, 4), slice(4, 9)]
    assert seg._row_blocks(10) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    assert seg._row_blocks(1) == [slice(0, 1)] and seg._row_blocks(0) == []
    monkeypatch.setattr(seg, "DENSITY_ROWS", 1)
    assert seg._row_blocks(3) == [slice(0, 3)]


def test_posterior_is_the_mixture_posterior_of_the_observed_answers(fitted, monkeypatch):
    """Independent reference: Bayes' rule with scipy's normal densities of each row's answered items."""
    model, x = fitted
    monkeypatch.setattr(seg, "DENSITY_ROWS", 64)
    got = seg.posterior(model, x[:300])
    sd = np.sqrt(model.covariances_)
    for i, row in enumerate(x[:300]):
        seen = ~np.isnan(row)
        joint = model.weights_ * np.array([np.prod(stats.norm.pdf(row[seen], model.means_[c, seen], sd[c, seen]))
                                           for c in range(3)])
        np.testing.assert_allclose(got[i], joint / joint.sum(), rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(got[5], model.weights_, rtol=1e-12)  # no answers: the segment sizes


def test_no_rows_give_empty_results(fitted):
    model, _ = fitted
    assert seg.posterior(model, np.empty((0, 4))).shape == (0, 3)
    assert seg.log_density(model, np.empty((0, 4))).shape == (0, 3)
