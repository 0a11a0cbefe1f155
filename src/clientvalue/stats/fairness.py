"""Fairness numerics: association with a protected characteristic, and unequal treatment.

Two questions from the College voor de Rechten van de Mens, *Toetsingskader risicoprofilering*
(2025): is there unequal treatment of people in a comparable situation, and can it be traced -
directly or through a proxy - to a protected ground?

* :func:`association` - how strongly a segment solution or attribute goes together with a
  protected attribute: Cramér's V (``sqrt(chi2 / (n * (min(r, c) - 1)))``, no bias correction,
  as :func:`scipy.stats.contingency.association`) with an interval from the noncentral
  chi-square distribution of Pearson's statistic (:func:`cramers_v_interval`; lower bound 0 when
  the data are compatible with no association) and a p-value: Pearson's chi-square test
  when every expected count is at least 5, a permutation test (shuffling one variable keeps both
  margins) otherwise; plus :func:`predictive_gain`.
* :func:`predictive_gain` - how much better than the base rate the protected category can be
  guessed from the variable, cross-validated: ``(accuracy - base) / (1 - base)``, where the
  classifier predicts the most common protected category of the respondent's category in the
  training folds and ``base`` predicts the overall most common one. 0 = no better than guessing
  the majority, 1 = perfect. It says how much a person's protected category leaks through.
* :func:`rate_difference` - a treatment's rate in one category against everyone else, with
  Newcombe's hybrid score interval.
* :func:`adjusted_difference` - the same difference among people in a comparable situation: the
  average marginal effect of being in the category, from a logistic model of the treatment on the
  category and the legitimate bases, ``mean_i [P(y=1 | in, x_i) - P(y=1 | not in, x_i)]``, with a
  delta-method interval; under separation (no finite maximum-likelihood estimate) from Firth's
  penalised likelihood (:func:`clientvalue.stats.logistic.firth_logit`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from clientvalue.errors import ParameterError
from clientvalue.stats.logistic import firth_logit, weighted_gram


def _codes(values) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(pd.Series(values), sort=True)
    return codes, len(uniques)


def contingency(x, y) -> np.ndarray:
    """Counts of every (x, y) category pair; rows with a missing value in either are left out."""
    x, y = pd.Series(np.asarray(x, dtype=object)), pd.Series(np.asarray(y, dtype=object))
    ok = x.notna().to_numpy() & y.notna().to_numpy()
    cx, r = _codes(x[ok])
    cy, c = _codes(y[ok])
    return np.bincount(cx * c + cy, minlength=r * c).reshape(r, c)


def cramers_v_table(table: np.ndarray) -> float:
    """Cramér's V of a contingency table (empty rows and columns dropped); NaN when undefined."""
    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    n = t.sum()
    m = min(t.shape) - 1
    if n == 0 or m < 1:
        return float("nan")
    expected = np.outer(t.sum(axis=1), t.sum(axis=0)) / n
    chi2 = float(((t - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * m)))


def _ncx2_cdf(x: float, df: float, nc: float) -> float:
    """P(X <= x) for a noncentral chi-square (the central one at ``nc == 0``)."""
    return float(stats.chi2.cdf(x, df) if nc <= 0 else stats.ncx2.cdf(x, df, nc))


def noncentrality_interval(chi2: float, df: int, *, level: float = 0.95, upper: float) -> tuple[float, float]:
    """Interval for the noncentrality of a chi-square statistic, by inverting its distribution.

    ``lower`` solves ``P(X2 <= chi2 | lambda) = (1 + level) / 2`` and ``upper`` solves
    ``P(X2 <= chi2 | lambda) = (1 - level) / 2`` (the cdf falls as lambda grows); a bound is 0 when
    even ``lambda = 0`` gives a smaller probability, and ``upper`` (the largest possible lambda)
    when even that gives a larger one.
    """
    from scipy.optimize import brentq

    def bound(target: float) -> float:
        if _ncx2_cdf(chi2, df, 0.0) <= target:
            return 0.0
        if _ncx2_cdf(chi2, df, upper) >= target:
            return upper
        return float(brentq(lambda nc: _ncx2_cdf(chi2, df, nc) - target, 0.0, upper, xtol=1e-10, rtol=1e-12))

    return bound((1 + level) / 2), bound((1 - level) / 2)


def cramers_v_interval(table: np.ndarray, *, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval for Cramér's V of the population, from the noncentral chi-square.

    Pearson's statistic of an ``r x c`` table of ``n`` respondents is approximately noncentral
    chi-square with ``(r - 1)(c - 1)`` degrees of freedom and noncentrality
    ``lambda = n (min(r, c) - 1) V^2``; the interval for ``lambda`` (:func:`noncentrality_interval`)
    gives ``V = sqrt(lambda / (n (min(r, c) - 1)))``, with lower bound 0 when the statistic is no
    larger than independence makes likely. Unlike a bootstrap of V (whose replicates all lie above
    0, so that it never covers V = 0), it keeps its coverage near 0 (see the coverage study in
    tests/test_fairness_coverage.py). Empty rows and columns are dropped; NaN when V is undefined.
    """
    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    n, m = t.sum(), min(t.shape) - 1
    if n == 0 or m < 1:
        return float("nan"), float("nan")
    chi2 = float(n * m * cramers_v_table(t) ** 2)
    df = (t.shape[0] - 1) * (t.shape[1] - 1)
    low, high = noncentrality_interval(chi2, df, level=level, upper=float(n * m))
    return float(np.sqrt(low / (n * m))), float(np.sqrt(high / (n * m)))


def _v_batch(tables: np.ndarray) -> np.ndarray:
    """Cramér's V of a stack of tables (b, r, c) with the same (non-empty) margins structure."""
    t = tables.astype(float)
    n = t.sum(axis=(1, 2))
    rows, cols = t.sum(axis=2), t.sum(axis=1)
    expected = rows[:, :, None] * cols[:, None, :] / n[:, None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = np.where(expected > 0, (t - expected) ** 2 / expected, 0.0).sum(axis=(1, 2))
    m = np.minimum((rows > 0).sum(axis=1), (cols > 0).sum(axis=1)) - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(m >= 1, np.sqrt(chi2 / (n * np.maximum(m, 1))), np.nan)


def category_codes(values) -> tuple[np.ndarray, int]:
    """Category codes of ``values`` in sorted order (-1 for a missing value) and their number.

    The same codes as factorising the values as Python objects (numbers numerically, text by code
    point), without converting a million values to objects; compute them once per variable and pass
    them to :func:`association_from_codes`.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
    codes, uniques = pd.factorize(series, sort=True)
    return np.asarray(codes, dtype=np.int64), len(uniques)


def _compact(codes: np.ndarray, k: int) -> tuple[np.ndarray, int]:
    """Renumber codes 0..m-1 over the categories that occur, keeping their order."""
    present = np.bincount(codes, minlength=k) > 0
    return (np.cumsum(present) - 1)[codes], int(present.sum())


def predictive_gain(x, y, *, folds: int = 5, seed: int | None = None) -> float:
    """Cross-validated gain over the base rate in predicting ``y`` (protected) from ``x``.

    ``(accuracy - base) / (1 - base)`` over ``folds`` random folds; see the module docstring.
    """
    x, y = pd.Series(np.asarray(x, dtype=object)), pd.Series(np.asarray(y, dtype=object))
    ok = x.notna().to_numpy() & y.notna().to_numpy()
    cx, r = _codes(x[ok])
    cy, c = _codes(y[ok])
    return _predictive_gain(cx, r, cy, c, folds=folds, seed=seed)


def _predictive_gain(cx: np.ndarray, r: int, cy: np.ndarray, c: int, *, folds: int = 5,
                     seed: int | None = None) -> float:
    """:func:`predictive_gain` from complete category codes: one (fold, x, y) table of counts.

    The training table of fold ``f`` is the total minus fold ``f``'s own counts, and the hits in
    fold ``f`` are read off its counts: the same integers as classifying every respondent.
    """
    n = len(cx)
    if n < folds or c < 2:
        return float("nan")
    fold = np.random.default_rng(seed).permutation(n) % folds
    per_fold = np.bincount((fold * r + cx) * c + cy, minlength=folds * r * c).reshape(folds, r, c)
    total = per_fold.sum(axis=0)
    hits_model = hits_base = 0
    for f in range(folds):
        table = total - per_fold[f]
        overall = int(table.sum(axis=0).argmax())
        guess = np.where(table.sum(axis=1) > 0, table.argmax(axis=1), overall)
        hits_model += int(per_fold[f][np.arange(r), guess].sum())
        hits_base += int(per_fold[f][:, overall].sum())
    acc, base = hits_model / n, hits_base / n
    return float((acc - base) / (1 - base)) if base < 1 else float("nan")


def association(x, y, *, n_boot: int = 500, n_perm: int = 500, seed: int | None = None,
                level: float = 0.95) -> dict:
    """Cramér's V between ``x`` and ``y`` with an interval, permutation p and predictive gain.

    The interval is :func:`cramers_v_interval` (``n_boot=0`` leaves it out; any other value gives
    it, the argument is kept for callers of the former bootstrap interval).

    Returns
    -------
    dict
        ``cramers_v``, ``ci_low``, ``ci_high``, ``p_value`` (Pearson's chi-square test when every
        expected count is at least 5, otherwise the permutation p-value
        ``(1 + #{V* >= V}) / (n_perm + 1)``; ``n_perm=0`` gives none),
        ``predictive_gain`` (of ``y`` from ``x``) and ``n``.
    """
    x = pd.Series(np.asarray(x, dtype=object))
    y = pd.Series(np.asarray(y, dtype=object))
    return association_from_codes(_codes(x), _codes(y), n_boot=n_boot, n_perm=n_perm, seed=seed,
                                  level=level)


def association_from_codes(x: tuple[np.ndarray, int], y: tuple[np.ndarray, int], *, n_boot: int = 500,
                           n_perm: int = 500, seed: int | None = None, level: float = 0.95) -> dict:
    """:func:`association` from the :func:`category_codes` of ``x`` and ``y`` (-1 = missing).

    Everything is computed from the cross-tabulation: the interval (:func:`cramers_v_interval`),
    the chi-square test and the predictive gain use its counts; only the permutation test (sparse
    tables) shuffles respondents.
    """
    for name, count in (("n_boot", n_boot), ("n_perm", n_perm)):
        if not isinstance(count, int) or count < 0:
            raise ParameterError(f"{name} must be an integer >= 0, got {count!r}.")
    (cx, r), (cy, c) = x, y
    cx, cy = np.asarray(cx), np.asarray(cy)
    ok = (cx >= 0) & (cy >= 0)
    cx, r = _compact(cx[ok], r)
    cy, c = _compact(cy[ok], c)
    n = len(cx)
    table = np.bincount(cx * c + cy, minlength=r * c).reshape(r, c)
    v = cramers_v_table(table)
    rng = np.random.default_rng(seed)
    low = high = p = float("nan")
    if np.isfinite(v) and n_boot:
        low, high = cramers_v_interval(table, level=level)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / max(n, 1)
    if np.isfinite(v) and n_perm and expected[expected > 0].min() >= 5:
        # every expected count >= 5: the chi-square test is accurate, no shuffling needed
        nz = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
        p = float(stats.chi2_contingency(nz, correction=False)[1])
    elif np.isfinite(v) and n_perm:
        null = np.empty(n_perm)
        for b in range(0, n_perm, 50):
            block = min(50, n_perm - b)
            shuffled = np.stack([rng.permutation(cy) for _ in range(block)])
            flat = (cx[None, :] * c + shuffled) + (np.arange(block)[:, None] * r * c)
            tables = np.bincount(flat.ravel(), minlength=block * r * c).reshape(block, r, c)
            null[b:b + block] = _v_batch(tables)
        p = float((1 + np.count_nonzero(null >= v - 1e-12)) / (n_perm + 1))
    return {"cramers_v": v, "ci_low": low, "ci_high": high, "p_value": p,
            "predictive_gain": _predictive_gain(cx, r, cy, c, seed=seed), "n": int(n)}


def rate_difference(treated, member, *, level: float = 0.95) -> dict:
    """Treatment rate of a category against everyone else, with Newcombe's interval.

    Parameters
    ----------
    treated : array of bool/0-1
    member : array of bool
        In the category (True) or not.

    Returns
    -------
    dict
        ``rate``, ``rate_rest``, ``diff`` (rate - rate_rest), ``ci_low``, ``ci_high``, ``n``, ``n_rest``.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    treated, member = np.asarray(treated, dtype=float), np.asarray(member, dtype=bool)
    a, b = treated[member], treated[~member]
    out = {"rate": a.mean() if len(a) else np.nan, "rate_rest": b.mean() if len(b) else np.nan,
           "n": int(len(a)), "n_rest": int(len(b))}
    out["diff"] = out["rate"] - out["rate_rest"]
    if len(a) and len(b):
        lo, hi = confint_proportions_2indep(int(a.sum()), len(a), int(b.sum()), len(b),
                                            method="newcomb", compare="diff", alpha=1 - level)
        out["ci_low"], out["ci_high"] = float(lo), float(hi)
    else:
        out["ci_low"] = out["ci_high"] = np.nan
    return out


def design(frame: pd.DataFrame, *, numeric: Sequence[str] = (), categorical: Sequence[str] = ()) -> pd.DataFrame:
    """Covariate matrix: numeric columns as they are, categorical ones as dummies (first dropped)."""
    parts = [frame[list(numeric)].astype(float)] if numeric else []
    for column in categorical:
        parts.append(pd.get_dummies(frame[column].astype(str), prefix=column, drop_first=True, dtype=float))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)


class Cells(NamedTuple):
    """Respondents grouped by their (group, covariates) pattern; see :func:`covariate_cells`."""

    treated: np.ndarray  # number treated in the cell
    counts: np.ndarray  # number of respondents in the cell
    groups: np.ndarray  # the group (category) of the cell
    covariates: pd.DataFrame  # the covariates of the cell, one row per cell


class CovariateKey(NamedTuple):
    """Every respondent's covariate pattern as one integer; see :func:`covariate_key`."""

    values: np.ndarray  # int64, one per respondent: equal exactly when the covariates are equal
    size: int  # the patterns are numbered in ``range(size)``


class CellIndex(NamedTuple):
    """The cells of :func:`covariate_cells` without their covariates; see :func:`cell_index`."""

    treated: np.ndarray  # number treated in the cell
    counts: np.ndarray  # number of respondents in the cell
    groups: np.ndarray  # the group (category) of the cell
    first: np.ndarray | None  # the cell's first respondent; None: every respondent is a cell of one


#: Patterns are numbered in 62 bits (every product below stays inside int64).
_KEY_LIMIT = 2**62


def covariate_key(covariates: pd.DataFrame | None, n: int) -> CovariateKey | None:
    """Number every respondent's covariate pattern, for :func:`cell_index`.

    Each column's values are numbered (0 for a missing value) and the numbers are combined
    column after column, ``key * k + code``, into one integer per respondent. It depends on the
    respondents' covariates alone, so it serves every group (protected attribute) of the same
    respondents. None when the patterns cannot be numbered in 62 bits.
    """
    key = np.zeros(n, dtype=np.int64)
    size = 1
    columns = [] if covariates is None else [covariates[c].to_numpy() for c in covariates.columns]  # views
    for column in columns:
        codes, uniques = pd.factorize(column)
        k = len(uniques) + 1  # room for a missing value (-1)
        size *= k
        if size >= _KEY_LIMIT:
            return None
        key = key * k + (codes + 1)
    return CovariateKey(key, size)


def cell_index(treated, groups, key: CovariateKey | None) -> CellIndex:
    """The cells of respondents with the same group and covariate pattern (``key``), with counts.

    The group is numbered the same way and put in front of the covariates' number, which gives
    the numbers :func:`covariate_cells` gives; cells are numbered in order of their first
    respondent. When the patterns cannot be numbered in 62 bits (``key`` None, or too many
    groups on top of it), every respondent is a cell of one (``first`` None).
    """
    y = np.asarray(treated, dtype=float)
    g = np.asarray(groups)
    codes, uniques = pd.factorize(g)
    k = len(uniques) + 1
    if key is None or k * key.size >= _KEY_LIMIT:
        return CellIndex(y, np.ones(len(y)), g, None)
    cell, _ = pd.factorize((codes + 1) * key.size + key.values)
    running = np.maximum.accumulate(cell)  # codes are numbered in order of first appearance
    first = np.flatnonzero(np.r_[True, running[1:] > running[:-1]])
    m = len(first)
    return CellIndex(np.bincount(cell, weights=y, minlength=m), np.bincount(cell, minlength=m).astype(float),
                     g[first], first)


def covariate_cells(treated, groups, covariates: pd.DataFrame | None = None) -> Cells:
    """Group respondents with the same group and covariate values into cells with counts.

    A logistic model whose predictors are the group and these covariates has the same likelihood
    on the cells (``treated`` successes out of ``counts`` trials) as on the respondents, so
    :func:`adjusted_difference` and :func:`reduced_loglik` with ``counts`` give the same numbers
    with far fewer rows (answers on 1-5 scales and categories repeat). When the patterns cannot be
    numbered in 62 bits, every respondent is a cell of one. (:func:`covariate_key` and
    :func:`cell_index` are its two halves, for callers that group the same respondents by
    several groups.)
    """
    n = len(np.asarray(treated))
    x = pd.DataFrame(index=range(n)) if covariates is None else covariates.reset_index(drop=True)
    index = cell_index(treated, groups, covariate_key(x, n))
    if index.first is None:
        return Cells(index.treated, index.counts, index.groups, x)
    return Cells(index.treated, index.counts, index.groups, x.iloc[index.first].reset_index(drop=True))


def logit_fit(y: np.ndarray, exog: np.ndarray, *, counts: np.ndarray | None = None, max_iter: int = 50,
              tol: float = 1e-8, start: np.ndarray | None = None) -> dict:
    """Maximum-likelihood logistic regression by Newton-Raphson with step halving.

    Returns ``params``, ``cov`` (inverse observed information), ``llf`` and ``converged``.
    A small NumPy implementation: the audit fits many models, and this one is several times
    faster than a general-purpose fit (tests compare it with statsmodels). With ``counts``, row
    ``i`` is a cell of ``counts[i]`` respondents of whom ``y[i]`` were treated: the binomial
    log-likelihood ``y eta - counts log(1 + e^eta)`` is the sum of the respondents' Bernoulli
    log-likelihoods, so estimates, covariance and ``llf`` are those of the fit on respondents.
    ``start``: initial estimates (zeros when not given), e.g. the model without one predictor
    with 0 for it: the same maximum in fewer Newton steps. The information matrix is accumulated
    in row blocks (:func:`weighted_gram`).
    """
    m = np.ones(len(y)) if counts is None else np.asarray(counts, dtype=float)
    beta = np.zeros(exog.shape[1]) if start is None else np.array(start, dtype=float)

    def loglik(eta):
        return float(np.sum(y * eta - m * np.logaddexp(0, eta)))

    eta = exog @ beta
    llf = loglik(eta)
    converged = False
    for _ in range(max_iter):
        p = 1 / (1 + np.exp(-eta))
        grad = exog.T @ (y - m * p)
        info = weighted_gram(exog, m * p * (1 - p))
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(info, grad, rcond=None)[0]
        t = 1.0
        while t > 1e-6:
            candidate = beta + t * step
            new_eta = exog @ candidate
            new = loglik(new_eta)
            if new >= llf - 1e-12:
                break
            t /= 2
        beta, llf, eta = candidate, new, new_eta
        # converged when the Newton step no longer moves the estimates (a tolerance on the
        # log-likelihood itself cannot be met on large files: its rounding error grows with n)
        if np.max(np.abs(t * step)) < tol:
            converged = True
            break
    p = 1 / (1 + np.exp(-eta))
    cov = np.linalg.pinv(weighted_gram(exog, m * p * (1 - p)))
    return {"params": beta, "cov": cov, "llf": llf, "converged": converged}


def _average_effect(beta: np.ndarray, cov: np.ndarray, exog: np.ndarray, d: np.ndarray, m: np.ndarray,
                    level: float) -> tuple[float, float, float, float]:
    """Average marginal effect of column 1 (``d``) and its delta-method interval: (ame, se, low, high)."""
    eta0 = exog @ beta - d * beta[1]  # everyone outside the category
    p1, p0 = 1 / (1 + np.exp(-(eta0 + beta[1]))), 1 / (1 + np.exp(-eta0))
    share = m / m.sum()
    ame = float(share @ (p1 - p0))
    # d/d beta of mean(p1 - p0): the rows' covariates weighted by p1(1-p1) - p0(1-p0), and the
    # category's own column by p1(1-p1) (no copy of the design with that column set to 0)
    g1, g0 = p1 * (1 - p1), p0 * (1 - p0)
    grad = (share * (g1 - g0)) @ exog
    grad[1] = float(share @ g1)
    se = float(np.sqrt(max(grad @ cov @ grad, 0.0)))
    z = stats.norm.ppf(0.5 + level / 2)
    return ame, se, ame - z * se, ame + z * se


def covariate_matrix(covariates: pd.DataFrame | np.ndarray | None, n: int) -> np.ndarray:
    """The covariate columns with more than one distinct non-missing value, as floats ``(n, k)``.

    The columns ``x.loc[:, x.nunique() > 1]`` keeps, found from each column's smallest and
    largest value instead of hashing every value. An ndarray is such a matrix already and comes
    back as it is: :func:`adjusted_difference` and :func:`reduced_fit` take either, so several
    models of the same rows convert their covariates once.
    """
    if isinstance(covariates, np.ndarray):
        return covariates
    if covariates is None or not len(covariates.columns):
        return np.empty((n, 0))
    x = covariates.to_numpy(dtype=float)
    keep = _varies(x)
    return x[:, keep] if not keep.all() else x


def _varies(values: np.ndarray) -> np.ndarray:
    """Per column (or for a 1-D array): more than one distinct non-missing value (all missing: False)."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column: dropped
        return np.nanmin(values, axis=0) < np.nanmax(values, axis=0)


class ModelMemory:
    """Memory for the designs of many logistic models, reused from model to model.

    At a million respondents one design is over 100 MB. A fresh array per model is handed back
    to the operating system when it is freed (the C library maps each large array on pages of its
    own) and its pages are faulted in and zeroed again for the next model: an audit of 25 models
    spent seconds of system time on it, far more on a virtual machine whose host reclaims freed
    memory. One buffer per ``role`` (e.g. ``"design"``, ``"reduced"``) is kept for as long as this
    object lives and grows when a larger matrix is asked for; the numbers are those of fresh
    arrays (the same C-ordered matrix, written in full before it is read).
    """

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def matrix(self, role: str, rows: int, columns: int) -> np.ndarray:
        """A C-ordered float matrix ``(rows, columns)`` in ``role``'s buffer: its contents are undefined.

        It overwrites the last matrix asked for under the same ``role``.
        """
        size = rows * columns
        buffer = self._buffers.get(role)
        if buffer is None or buffer.size < size:
            self._buffers.pop(role, None)  # the old buffer goes before the larger one is made
            buffer = self._buffers[role] = np.empty(size)
        return buffer[:size].reshape(rows, columns)


def _varying_columns(covariates: pd.DataFrame | np.ndarray | None, n: int) -> list[np.ndarray]:
    """The columns :func:`covariate_matrix` keeps, one float array each (every column of a matrix)."""
    if isinstance(covariates, pd.DataFrame) and len(covariates.columns):
        columns = (covariates.iloc[:, j].to_numpy(dtype=float) for j in range(covariates.shape[1]))  # no copy
        return [values for values in columns if _varies(values)]
    x = covariate_matrix(covariates, n)
    return [x[:, j] for j in range(x.shape[1])]


def category_design(covariates: pd.DataFrame | np.ndarray | None, n: int, *,
                    memory: ModelMemory | None = None, role: str = "design") -> np.ndarray:
    """The C-ordered design ``[1, member, covariates]`` of :func:`adjusted_difference`, member still 0.

    Built once for all categories of an attribute: pass it as ``design`` to
    :func:`adjusted_difference` (which writes the category into column 1) and
    :func:`reduced_fit`. The covariates are those :func:`covariate_matrix` keeps, written straight
    into the design (no float copy of the whole frame first); with ``memory`` in its ``role``
    buffer.
    """
    columns = _varying_columns(covariates, n)
    shape = (n, 2 + len(columns))
    exog = np.empty(shape) if memory is None else memory.matrix(role, *shape)
    exog[:, 0], exog[:, 1] = 1.0, 0.0
    for j, values in enumerate(columns):
        exog[:, 2 + j] = values
    return exog


def adjusted_difference(treated, member, covariates: pd.DataFrame | np.ndarray | None = None, *,
                        level: float = 0.95, reduced_llf: float | None = None,
                        counts: np.ndarray | None = None, reduced: dict | None = None,
                        likelihood_ratio: bool = True, design: np.ndarray | None = None) -> dict:
    """Average marginal effect of ``member`` on ``treated`` in a logistic model with covariates.

    The model is ``logit P(treated) = b0 + d * member + X b``; the effect is
    ``mean_i [F(b0 + d + x_i b) - F(b0 + x_i b)]`` over every respondent (``F`` the logistic
    function), its standard error by the delta method with the model's covariance matrix.
    Constant covariate columns are dropped. ``reduced_llf``, the log-likelihood of the model
    without ``member`` (see :func:`reduced_loglik`), saves a fit when several categories share it.
    ``counts``: rows are cells of that many respondents and ``treated`` the number treated in each
    (:func:`covariate_cells`); the results are those on the respondents. ``reduced``: the
    :func:`reduced_fit` of the same rows and covariates, shared by several categories: its
    log-likelihood serves the test and its estimates (with 0 for the category) start the fit.
    ``covariates`` may be the matrix :func:`covariate_matrix` made of them (shared by several
    calls). ``likelihood_ratio=False`` leaves the test out (``p_value`` NaN), and with it the fit
    without the category when neither ``reduced`` nor ``reduced_llf`` is given: for callers that
    only want the effect and its interval. ``design``: the :func:`category_design` of the same
    rows and covariates, shared by the categories of an attribute: ``member`` is written into its
    column 1 and ``covariates`` is not read.

    Returns
    -------
    dict
        ``diff``, ``se``, ``ci_low``, ``ci_high``, ``p_value`` (likelihood-ratio test of the
        category), ``n``, ``status``: "ok"; "penalised" when maximum likelihood did not converge
        or a coefficient diverged (separation: the treatment follows the category or a covariate
        (nearly) perfectly), and the effect and interval are from Firth's fit
        (:func:`clientvalue.stats.logistic.firth_logit`); otherwise
        why the numbers are missing.
    """
    y = np.asarray(treated, dtype=float)
    m = np.ones(len(y)) if counts is None else np.asarray(counts, dtype=float)
    d = np.asarray(member, dtype=float)
    n = int(round(m.sum()))
    nan = {"diff": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "n": n}
    if y.sum() == 0 or y.sum() == m.sum() or len(np.unique(d)) < 2:
        return nan | {"status": "no variation"}
    exog = category_design(covariates, len(y)) if design is None else design
    exog[:, 1] = d
    start = None
    if reduced is not None:
        reduced_llf = reduced["llf"] if reduced_llf is None else reduced_llf
        finite = reduced["converged"] and np.max(np.abs(reduced["params"]), initial=0.0) < 25
        if finite and len(reduced["params"]) == exog.shape[1] - 1:  # not from a diverging fit
            start = np.insert(reduced["params"], 1, 0.0)
    fit = logit_fit(y, exog, counts=counts, start=start)
    beta, cov = fit["params"], fit["cov"]
    ame, se, low, high = _average_effect(beta, cov, exog, d, m, level)
    reliable = fit["converged"] and np.isfinite(se) and np.max(np.abs(beta)) < 25
    status = "ok"
    if not reliable:
        # (quasi-)separation: maximum likelihood has no finite estimate, so the effect and its
        # interval come from Firth's penalised likelihood instead
        status = "penalised"
        firth = firth_logit(y, exog, trials=counts)
        ame, se, low, high = _average_effect(firth.params, firth.cov, exog, d, m, level)
        if not (firth.converged and np.isfinite(se)):
            status = "unreliable (neither the model nor its penalised version could be fitted)"
    # likelihood-ratio test of the category: more reliable than a Wald test with few events
    p_value = np.nan
    if likelihood_ratio:
        if reduced_llf is None:
            reduced_llf = logit_fit(y, np.delete(exog, 1, axis=1), counts=counts)["llf"]
        p_value = float(stats.chi2.sf(max(2 * (fit["llf"] - reduced_llf), 0.0), 1))
    return {"diff": ame, "se": se, "ci_low": low, "ci_high": high,
            "p_value": p_value, "n": n, "status": status}


def reduced_fit(treated, covariates: pd.DataFrame | np.ndarray | None = None, *,
                counts: np.ndarray | None = None, design: np.ndarray | None = None,
                memory: ModelMemory | None = None) -> dict:
    """The logistic model of ``treated`` on the covariates alone (``counts``: cells): :func:`logit_fit`'s dict.

    Pass it as ``reduced`` to :func:`adjusted_difference` for every category of an attribute.
    ``covariates``: a DataFrame or the matrix :func:`covariate_matrix` made of it; or ``design``,
    their :func:`category_design` (its covariate columns are used, and ``covariates`` is not
    read). ``memory``: the model's own design is made in its ``"reduced"`` buffer.
    """
    y = np.asarray(treated, dtype=float)
    x = covariate_matrix(covariates, len(y)) if design is None else design[:, 2:]
    shape = (len(y), 1 + x.shape[1])
    exog = np.empty(shape) if memory is None else memory.matrix("reduced", *shape)
    exog[:, 0], exog[:, 1:] = 1.0, x
    return logit_fit(y, exog, counts=counts)


def reduced_loglik(treated, covariates: pd.DataFrame | None = None, *, counts: np.ndarray | None = None) -> float:
    """Log-likelihood of the logistic model of ``treated`` on the covariates alone (``counts``: cells)."""
    return reduced_fit(treated, covariates, counts=counts)["llf"]


def mean_difference_design(covariates: pd.DataFrame | None, n: int) -> np.ndarray:
    """The design ``[1, member, covariates]`` of :func:`adjusted_mean_difference`, member still 0.

    Made once for several outcomes or members of the same rows: pass it as ``design``. Covariate
    columns with fewer than two distinct values are left out.
    """
    x = pd.DataFrame(index=range(n)) if covariates is None else covariates.reset_index(drop=True)
    keep = [bool(_varies(x.iloc[:, j].to_numpy(dtype=float))) for j in range(x.shape[1])]  # as covariate_matrix
    x = x.loc[:, keep] if len(x.columns) else x
    # column_stack keeps the covariates' memory order (column by column for a frame of several
    # columns), and that order decides how the products of the fit add up: not a design in reused memory
    return np.column_stack([np.ones(n), np.zeros(n), x.to_numpy(dtype=float)])


def adjusted_mean_difference(outcome, member, covariates: pd.DataFrame | None = None, *,
                             level: float = 0.95, design: np.ndarray | None = None) -> dict:
    """Difference in a numeric outcome between ``member`` and the rest, adjusted by OLS for covariates.

    ``design``: the :func:`mean_difference_design` of the same rows and covariates (``member`` is
    written into its column 1 and ``covariates`` is not read), shared by several calls.

    Returns ``diff``, ``ci_low``, ``ci_high`` (classical OLS interval) and ``n`` (observational:
    an association, not an effect).
    """
    y = np.asarray(outcome, dtype=float)
    d = np.asarray(member, dtype=float)
    exog = mean_difference_design(covariates, len(y)) if design is None else design
    exog[:, 1] = d
    nan = {"diff": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": int(len(y))}
    if len(y) < exog.shape[1] + 2 or len(np.unique(d)) < 2:
        return nan
    xtx_inv = np.linalg.pinv(exog.T @ exog)
    beta = xtx_inv @ (exog.T @ y)
    resid = y - exog @ beta
    dof = len(y) - np.linalg.matrix_rank(exog)
    se = float(np.sqrt(resid @ resid / dof * xtx_inv[1, 1]))
    half = stats.t.ppf(0.5 + level / 2, dof) * se
    return {"diff": float(beta[1]), "ci_low": float(beta[1] - half), "ci_high": float(beta[1] + half),
            "n": int(len(y))}
