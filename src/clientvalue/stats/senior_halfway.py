"""Half-way age of senior self-identification and its bootstrap interval.

Split from :mod:`clientvalue.stats.senior_curve`, which fits the curve; :func:`half_way_age` is
re-exported by :mod:`clientvalue.stats.senior_shares`. :func:`half_way_age` finds the age at which
the fitted curve first reaches one half and its percentile interval from :func:`bootstrap_half_ages`:
the replicates' cell weights are drawn by :func:`cell_weights_in_two_stages` (weighted, from
:data:`~clientvalue.stats.lmg.NORMAL_FROM` effective respondents) or per row or cell count, refitted
:data:`BATCH` at a time by :func:`irls_batch`, and checked for separation unless they keep every
cell of :func:`core_cells`; :func:`bootstrap_half_ages_slow` is the one-at-a-time reference.
Replicates without a crossing count as +-:data:`BIG`.

The bootstrap reads the curve's cell arrays (``SeniorCurve._X``, ``_y``, ``_count``, ``_row_w``,
``_cell_of_row``, ``_pattern_w``) and its ``_design``; it uses :func:`~clientvalue.stats.senior_curve.separated`,
:func:`~clientvalue.stats.senior_curve.irls`, :func:`~clientvalue.stats.senior_curve.first_crossing` and
:data:`~clientvalue.stats.senior_curve.MAX_ABS_LOGIT` from the curve module.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import expit

from clientvalue.stats.intervals import z_value
from clientvalue.stats import lmg as _lmg
from clientvalue.stats.logistic import firth_logit
from clientvalue.stats.senior_curve import (MAX_ABS_LOGIT, SeniorCurve, first_crossing, fit_curve, irls,
                                            separated)
from clientvalue.stats.senior_result import HalfWayAge
from clientvalue.errors import ParameterError

__all__ = ["BATCH", "BIG", "CELL_NORMAL_FROM", "bootstrap_half_ages", "bootstrap_half_ages_slow",
           "cell_weights_in_two_stages", "core_cells", "half_way_age", "irls_batch"]


def _resampled_cell_weights(curve: SeniorCurve, rng: np.random.Generator, n_boot: int):
    """Yield, per bootstrap replicate, the summed weight of the resampled respondents in each cell.

    A replicate draws ``n`` respondents with replacement. Without weights the number drawn from
    each cell is Multinomial(n, cell size / n) - exactly the distribution of the row draw, at a
    cost of one draw per cell. With weights every respondent keeps their own weight, so the row
    indices are drawn (``rng.integers(0, n, n)``, the same stream as a row-level bootstrap) and
    their weights summed per cell: O(n) per replicate (about 15-20 ms per million respondents),
    the cost of the draw itself. From :data:`~clientvalue.stats.lmg.NORMAL_FROM` effective respondents on,
    :func:`cell_weights_in_two_stages` draws the same distribution per cell instead.
    """
    n_cells = len(curve._y)
    if curve._row_w is not None and _lmg.effective_n(curve._row_w) >= _lmg.NORMAL_FROM:
        yield from cell_weights_in_two_stages(curve._cell_of_row, curve._row_w, n_cells, rng, n_boot)
        return
    if curve._row_w is None:
        p = curve._count / curve._count.sum()
        chunk = max(1, min(n_boot, (1 << 22) // max(n_cells, 1)))
        for done in range(0, n_boot, chunk):
            yield from rng.multinomial(curve.n, p, size=min(chunk, n_boot - done)).astype(float)
        return
    for _ in range(n_boot):
        drawn = np.bincount(rng.integers(0, curve.n, curve.n), minlength=curve.n)  # times each row is drawn
        yield np.bincount(curve._cell_of_row, weights=drawn * curve._row_w, minlength=n_cells)


#: A cell drawn at least this often in a replicate gets its summed weight from the normal limit.
CELL_NORMAL_FROM = 1_000


def cell_weights_in_two_stages(cell_of_row: np.ndarray, row_w: np.ndarray, n_cells: int,
                               rng: np.random.Generator, n_boot: int, *,
                               cell_normal_from: int = CELL_NORMAL_FROM):
    """Yield the summed weight per cell of ``n_boot`` row-bootstrap replicates, O(cells) each.

    Drawing ``n`` rows with replacement is, exactly, first drawing how many rows come from each
    cell, ``N ~ Multinomial(n, cell size / n)``, then ``N_c`` rows uniformly from cell ``c``'s.
    A cell with ``N_c`` below ``cell_normal_from`` has its rows drawn and their weights summed;
    above it the sum of ``N_c`` independent draws of the cell's weights is drawn from its normal
    limit, mean ``N_c`` times their mean and variance ``N_c`` times their variance. A cell drawn
    0 times weighs exactly 0, as in a row draw.
    """
    n = len(row_w)
    order = np.argsort(cell_of_row, kind="stable")
    w_sorted = row_w[order]
    size = np.bincount(cell_of_row, minlength=n_cells)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    filled = size > 0
    mean = np.zeros(n_cells)
    sd = np.zeros(n_cells)
    mean[filled] = np.bincount(cell_of_row, weights=row_w, minlength=n_cells)[filled] / size[filled]
    square = np.bincount(cell_of_row, weights=row_w * row_w, minlength=n_cells)
    sd[filled] = np.sqrt(np.clip(square[filled] / size[filled] - mean[filled] ** 2, 0.0, None))
    share = size / n
    for _ in range(n_boot):
        count = rng.multinomial(n, share)
        out = np.zeros(n_cells)
        big = count >= cell_normal_from
        out[big] = count[big] * mean[big] + np.sqrt(count[big]) * sd[big] * rng.standard_normal(big.sum())
        small = np.flatnonzero((count > 0) & ~big)
        cell = np.repeat(small, count[small])
        rows = start[cell] + (rng.random(len(cell)) * size[cell]).astype(np.int64)
        out[small] = np.bincount(cell, weights=w_sorted[rows], minlength=n_cells)[small]
        yield out


BIG = 1e9  # a replicate that never reaches one half (+) or is above it throughout (-)

#: Replicates refitted together by :func:`irls_batch` (bounds its (B, cells) working arrays).
BATCH = 256
def core_cells(curve: SeniorCurve) -> np.ndarray | None:
    """Cells whose presence in a replicate proves its answers are not separated, or ``None``.

    The fewest largest cells (by respondents) whose design has full column rank and which are
    not separated themselves (:func:`separated`; found by bisection over the cells sorted by size,
    as the property only ever turns on as cells are added). Then no set of cells that contains
    them is separated: a direction ``b`` separating the larger set satisfies every constraint of
    the core, and as ``x_i'b = 0`` on all core cells would force ``b = 0`` (full rank), it is
    strict on one of them, i.e. it would separate the core. A replicate keeping every core cell
    (a cell of ``c`` respondents is left out with probability about ``exp(-c)``) therefore needs
    no linear programme of its own.
    """
    cells_X, cells_y = np.asarray(curve._X), np.asarray(curve._y)
    order = np.argsort(-np.asarray(curve._count), kind="stable")

    def enough(m: int) -> bool:
        X, y = cells_X[order[:m]], cells_y[order[:m]]
        return bool(y.min() < y.max() and np.linalg.matrix_rank(X) == X.shape[1] and not separated(X, y))

    lo, hi = cells_X.shape[1], len(order)  # fewer cells than coefficients never has full rank
    if hi < lo or not enough(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if enough(mid):
            hi = mid
        else:
            lo = mid + 1
    return np.sort(order[:hi])


def irls_batch(X: np.ndarray, y: np.ndarray, W: np.ndarray, beta0: np.ndarray,
               max_iter: int = 50, tol: float = 1e-8) -> tuple[np.ndarray, np.ndarray]:
    """:func:`irls` for many weight vectors at once (rows of ``W``, one per bootstrap replicate).

    Every row takes the steps :func:`irls` takes on the cells with a positive weight (a cell of
    weight 0 adds exactly nothing to the information or the score), from the same start with the
    same stopping rule; the rows are only computed together, with batched matrix products and
    solves, and a row stops being updated once it has converged. Returns the estimates ``(B, k)``
    and whether each row converged to finite estimates (before any check for separation); a row
    with a singular information matrix or non-finite estimates has not.
    """
    n_rep = W.shape[0]
    beta = np.tile(np.asarray(beta0, dtype=float), (n_rep, 1))
    active = np.ones(n_rep, dtype=bool)
    converged = np.zeros(n_rep, dtype=bool)
    for _ in range(max_iter):
        rows = np.flatnonzero(active)
        if not len(rows):
            break
        b, w = beta[rows], W[rows]
        mu = expit(b @ X.T)
        H = np.einsum("mc,ci,cj->mij", w * mu * (1 - mu), X, X)
        g = (w * (y - mu)) @ X
        step, singular = _batched_solve(H, g)
        new = b + step
        finite = np.all(np.isfinite(new), axis=1) & ~singular
        done = finite & (np.max(np.abs(step), axis=1) < tol * (1 + np.max(np.abs(new), axis=1)))
        beta[rows[~singular]] = new[~singular]  # a singular row keeps its estimates, as irls returns them
        converged[rows[done]] = True
        active[rows[done | ~finite]] = False
    return beta, converged


def _batched_solve(H: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``H[m] x = g[m]`` for every ``m``; rows whose ``H`` is singular get NaN and are flagged."""
    try:
        return np.linalg.solve(H, g[..., None])[..., 0], np.zeros(len(H), dtype=bool)
    except np.linalg.LinAlgError:
        out = np.full(g.shape, np.nan)
        singular = np.zeros(len(H), dtype=bool)
        for m in range(len(H)):
            try:
                out[m] = np.linalg.solve(H[m], g[m])
            except np.linalg.LinAlgError:
                singular[m] = True
        return out, singular


def bootstrap_half_ages(curve: SeniorCurve, grid: np.ndarray, n_boot: int, rng: np.random.Generator
                        ) -> tuple[list[float], int, int]:
    """Half-way age of each bootstrap replicate (+-``BIG`` when it has none), refits failed, Firth refits.

    Replicates are refitted :data:`BATCH` at a time by :func:`irls_batch` (maximum likelihood);
    a fit reaching far into the tails is checked for separation (:func:`separated`) unless it kept
    every cell of :func:`core_cells`; a replicate that did not converge, or whose answers are
    separated, is refitted with Firth's method on its own (:func:`~clientvalue.stats.logistic.firth_logit`). Each replicate's
    result is that of :func:`bootstrap_half_ages_slow`, which refits one replicate at a time.
    """
    if curve.method != "ml":
        return bootstrap_half_ages_slow(curve, grid, n_boot, rng)
    Xg = curve._design(grid)
    core = core_cells(curve)
    y = np.asarray(curve._y)
    outcomes: list[tuple[float | None, bool]] = []
    weights = _resampled_cell_weights(curve, rng, n_boot)
    for start in range(0, n_boot, BATCH):
        W = np.array([next(weights) for _ in range(min(BATCH, n_boot - start))])
        present = W > 0
        yes = (present & (y > 0.5)).any(axis=1)
        no = (present & (y <= 0.5)).any(axis=1)
        mixed = yes & no
        betas = np.zeros((len(W), curve._X.shape[1]))
        ok = np.zeros(len(W), dtype=bool)
        if mixed.any():
            betas[mixed], ok[mixed] = irls_batch(curve._X, curve._y, W[mixed], curve.coef)
        for r in range(len(W)):
            if not mixed[r]:
                outcomes.append((-BIG if yes[r] else BIG, False))
                continue
            keep = present[r]
            Xb, yb, beta, fine = curve._X[keep], curve._y[keep], betas[r], bool(ok[r])
            if fine and np.max(np.abs(Xb @ beta)) >= MAX_ABS_LOGIT:
                fine = (core is not None and bool(keep[core].all())) or not separated(Xb, yb)
            outcomes.append(_replicate_half_age(curve, grid, Xg, Xb, yb, W[r][keep], beta if fine else None))
    return _tally(outcomes)


def _replicate_half_age(curve: SeniorCurve, grid: np.ndarray, Xg: np.ndarray, Xb: np.ndarray, yb: np.ndarray,
                        wb: np.ndarray, beta: np.ndarray | None) -> tuple[float | None, bool]:
    """One replicate's half-way age from its fit ``beta``, or from Firth's method when ``beta`` is None.

    Returns the age (None when Firth's fit did not converge either) and whether Firth's method was used.
    """
    used_firth = beta is None
    if beta is None:
        firth = firth_logit(wb * yb, Xb, trials=wb, start=curve.coef)
        if not firth.converged:
            return None, True
        beta = firth.params
    return _half_value(grid, curve._pattern_w @ expit(Xg @ beta)), used_firth


def _tally(outcomes: list[tuple[float | None, bool]]) -> tuple[list[float], int, int]:
    """The replicates' half-way ages in order (failed refits, None, left out), the number of failed
    refits and the number of refits done with Firth's method."""
    vals = [value for value, _ in outcomes if value is not None]
    return vals, len(outcomes) - len(vals), sum(used_firth for _, used_firth in outcomes)


def _half_value(grid: np.ndarray, p: np.ndarray) -> float:
    eb, sb = first_crossing(grid, p)
    return eb if sb == "ok" else (BIG if sb == "never_half" else -BIG)


def bootstrap_half_ages_slow(curve: SeniorCurve, grid: np.ndarray, n_boot: int, rng: np.random.Generator
                             ) -> tuple[list[float], int, int]:
    """:func:`bootstrap_half_ages` one replicate at a time (:func:`irls`, a linear programme per far fit).

    The reference for the batched version, and the path of a curve fitted by Firth's method.
    """
    Xg = curve._design(grid)
    outcomes: list[tuple[float | None, bool]] = []
    for wb_all in _resampled_cell_weights(curve, rng, n_boot):
        present = wb_all > 0
        yb = curve._y[present]
        if yb.min() == yb.max():
            outcomes.append((BIG if yb.max() == 0 else -BIG, False))
            continue
        Xb, wb = curve._X[present], wb_all[present]
        beta, ok = irls(Xb, yb, wb, curve.coef) if curve.method == "ml" else (None, False)
        outcomes.append(_replicate_half_age(curve, grid, Xg, Xb, yb, wb, beta if ok else None))
    return _tally(outcomes)


def half_way_age(curve_or_data: SeniorCurve | pd.DataFrame, *, age: str | None = None,
                 senior: str | None = None, weights: str | None = None, df: int = 4,
                 adjust_for: list[str] | None = None, n_boot: int = 500, ci: float = 0.95,
                 seed: int | None = None) -> HalfWayAge:
    """The age at which half see themselves as a senior, with a bootstrap interval.

    The age where the fitted curve first reaches 0.5 within the observed ages
    (grid of 0.1 year, refined by root-finding). The interval is the bootstrap
    percentile interval: respondents are resampled with replacement (weights
    kept), the model refitted with the knots of the original fit, and the
    half-way age recomputed. The refit runs on the cells of the curve (see
    :func:`fit_curve`): without weights a replicate is a multinomial draw of the
    cell counts, which has exactly the distribution of drawing respondents;
    with weights the respondents are drawn (the same random stream as drawing
    rows) and their weights summed per cell; from 100,000 effective respondents on, the
    number drawn from each cell is drawn first and then each cell's summed weight
    (its rows when few, the normal limit when many), the same distribution at a
    cost that does not grow with the respondents. A resample whose curve never reaches one half counts
    as "older than the oldest respondent", one above half throughout as "younger
    than the youngest"; a bound falling there is NaN (open interval).

    Parameters
    ----------
    curve_or_data : SeniorCurve or DataFrame
        A fitted curve, or data (then ``age``, ``senior``, ``weights``, ``df``,
        ``adjust_for`` are passed to :func:`fit_curve`).
    n_boot : int
        Bootstrap replicates (0 = no interval).
    ci : float
        Confidence level.
    seed : int, optional
        Seed of the bootstrap (identical seed, identical result).

    Returns
    -------
    HalfWayAge
        ``table``, a Series: ``age_half``, ``ci_low``, ``ci_high``, ``n``, ``status``:
        ``"ok"``; ``"never_half"`` (below one half at every observed age);
        ``"above_half_throughout"`` (already at or above one half at the youngest
        age); ``"separation"`` (answers split perfectly by age: ``age_half`` is
        the middle of the gap between the oldest "no" and the youngest "yes",
        which are the interval bounds). Extras: ``n_boot`` (replicates drawn, 0 when
        none were), ``n_boot_failed`` (refits that did not converge, left out),
        ``n_boot_firth`` (refits done with Firth's method), ``message`` (the curve's).
    """
    if isinstance(curve_or_data, SeniorCurve):
        curve = curve_or_data
    elif isinstance(curve_or_data, pd.DataFrame):
        if age is None or senior is None:
            raise ParameterError("half_way_age on data needs age= and senior= column names.")
        curve = fit_curve(curve_or_data, age=age, senior=senior, weights=weights, df=df, adjust_for=adjust_for)
    else:
        raise ParameterError(f"curve_or_data must be a SeniorCurve or a DataFrame, not {type(curve_or_data).__name__}.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ParameterError(f"n_boot={n_boot!r} is not allowed; give a whole number >= 0.")
    z_value(ci)
    out = {"age_half": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": curve.n, "status": ""}
    boot = {"n_boot": 0, "n_boot_failed": 0, "n_boot_firth": 0}
    if curve.status in ("all_no", "all_yes"):
        out["status"] = "never_half" if curve.status == "all_no" else "above_half_throughout"
    elif curve.status == "separation":
        out["status"] = "separation"
        if curve.gap is not None:
            out.update(age_half=(curve.gap[0] + curve.gap[1]) / 2, ci_low=curve.gap[0], ci_high=curve.gap[1])
    else:
        grid = np.unique(np.r_[np.arange(curve.age_min, curve.age_max, 0.1), curve.age_max])
        est, status = first_crossing(grid, curve.probability(grid))
        if status == "ok":
            i = int(np.searchsorted(grid, est))
            lo_a, hi_a = grid[max(i - 1, 0)], grid[min(i, len(grid) - 1)]
            f = lambda x: float(curve.probability([x])[0]) - 0.5  # noqa: E731
            if lo_a < hi_a and f(lo_a) < 0 <= f(hi_a):
                est = float(optimize.brentq(f, lo_a, hi_a, xtol=1e-10))
        out.update(age_half=est, status=status)
        if n_boot > 0:
            big = BIG
            vals, failed, n_firth = bootstrap_half_ages(curve, grid, n_boot, np.random.default_rng(seed))
            boot.update(n_boot=n_boot, n_boot_failed=failed, n_boot_firth=n_firth)
            if vals:
                lo, hi = np.quantile(np.asarray(vals), [(1 - ci) / 2, (1 + ci) / 2], method="inverted_cdf")
                out["ci_low"] = float(lo) if abs(lo) < big else math.nan
                out["ci_high"] = float(hi) if abs(hi) < big else math.nan
    return HalfWayAge(table=pd.Series(out, dtype=object), **boot, message=curve.message)
