"""Logistic-regression numerics shared by the fairness audit and the senior age curve.

* :func:`weighted_gram` - ``X' diag(w) X`` over row blocks (the information matrix of a logistic fit).
* :func:`firth_logit` - Firth's (1993) penalised-likelihood logistic regression, finite under
  (quasi-)separation, on rows that may be cells of respondents with summed (weighted) counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GRAM_ROWS = 16_384  # rows per block of the weighted cross-product (a few MiB, stays in cache)


def weighted_gram(exog: np.ndarray, w: np.ndarray, *, rows: int = GRAM_ROWS) -> np.ndarray:
    """``exog' diag(w) exog`` for ``w >= 0``, accumulated over row blocks.

    Each block is scaled by ``sqrt(w)`` and multiplied with itself (``s' s``, which BLAS computes
    as a symmetric rank-k update: half the multiply-adds of a general product), so no copy of the
    whole weighted matrix is made. Equals ``(exog * w[:, None]).T @ exog`` up to rounding.
    """
    k = exog.shape[1]
    out = np.zeros((k, k))
    root = np.sqrt(w)
    for lo in range(0, exog.shape[0], rows):
        s = exog[lo:lo + rows] * root[lo:lo + rows, None]
        out += s.T @ s
    return out


@dataclass(frozen=True)
class FirthFit:
    """The result of :func:`firth_logit`.

    Attributes
    ----------
    params : ndarray
        The penalised estimates, one per column of the design.
    cov : ndarray
        Inverse Fisher information at the estimate (pseudo-inverse).
    llf : float
        Penalised log-likelihood ``l(b) + 0.5 log det I(b)`` at the estimate.
    converged : bool
        False when the steps did not settle within ``max_iter`` or no step could increase the
        penalised likelihood.
    """

    params: np.ndarray
    cov: np.ndarray
    llf: float
    converged: bool


def _state(successes: np.ndarray, exog: np.ndarray, trials: np.ndarray, beta: np.ndarray):
    """Fitted probabilities, their weights ``m p (1 - p)``, the information and the penalised log-likelihood."""
    eta = exog @ beta
    with np.errstate(over="ignore"):  # exp(-eta) = inf far in the tail: p = 0 there, as it should be
        p = 1 / (1 + np.exp(-eta))
    w = trials * p * (1 - p)
    info = weighted_gram(exog, w)
    sign, logdet = np.linalg.slogdet(info)
    pen = float(np.sum(successes * eta - trials * np.logaddexp(0, eta))) + (0.5 * logdet if sign > 0 else -np.inf)
    return p, w, info, pen


def firth_logit(successes: np.ndarray, exog: np.ndarray, *, trials: np.ndarray | None = None,
                start: np.ndarray | None = None, max_iter: int = 1000, tol: float = 1e-8) -> FirthFit:
    """Firth's penalised-likelihood logistic regression (finite estimates under separation).

    Maximises ``loglik + 0.5 log det I(beta)`` (Jeffreys prior; Firth 1993, as R ``logistf``) by
    Newton steps on the modified score ``X' (y - m p + h (1/2 - p))``, ``h`` the diagonal of the
    hat matrix ``W^1/2 X (X'WX)^-1 X' W^1/2`` with ``W = m p (1 - p)``, each step halved until the
    penalised log-likelihood does not decrease. A row is a cell of ``m`` respondents (``trials``,
    e.g. summed survey weights) of whom ``y`` (``successes``) said yes, so the fit equals that on
    the respondents. When a category is treated all or none of the time, maximum likelihood has no
    finite estimate and this one does (Heinze & Schemper 2002). The steps ignore the curvature of
    the penalty (Firth's own scheme), so convergence is linear: a few hundred steps under separation.

    Parameters
    ----------
    successes : ndarray
        ``y`` per row: 0/1 per respondent, or the (weighted) number of yes answers in a cell.
    exog : ndarray
        Design matrix ``(n, k)`` with the intercept column.
    trials : ndarray, optional
        ``m`` per row (default 1: one respondent per row).
    start : ndarray, optional
        Starting estimates (default zero), e.g. the full sample's in a bootstrap refit.
    max_iter : int
    tol : float
        Converged when no estimate moves by more than ``tol`` in a step.

    Returns
    -------
    FirthFit
    """
    y = np.asarray(successes, dtype=float)
    m = np.ones(len(y)) if trials is None else np.asarray(trials, dtype=float)
    beta = np.zeros(exog.shape[1]) if start is None else np.asarray(start, dtype=float).copy()
    p, w, info, pen = _state(y, exog, m, beta)
    for _ in range(max_iter):
        inv = np.linalg.pinv(info)
        h = w * np.einsum("ij,jk,ik->i", exog, inv, exog)
        step = inv @ (exog.T @ (y - m * p + h * (0.5 - p)))
        t = 1.0
        while True:
            new = _state(y, exog, m, beta + t * step)
            if new[3] >= pen - 1e-10:
                break
            t /= 2
            if t < 1e-10:  # no step increases the penalised likelihood
                return FirthFit(beta, np.linalg.pinv(info), pen, False)
        beta = beta + t * step
        p, w, info, pen = new
        # (a tolerance on the penalised log-likelihood itself cannot be met on large files: its
        # rounding error grows with n)
        if np.max(np.abs(t * step)) < tol:
            return FirthFit(beta, np.linalg.pinv(info), pen, True)
    return FirthFit(beta, np.linalg.pinv(info), pen, False)
