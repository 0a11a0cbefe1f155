"""Tests on vignette decisions: do teams decide differently, and does a protected characteristic matter?

Pure numerics on integer-coded judgements (:class:`clientvalue.stats.agreement.Coded`); no report text.

* :func:`team_differences` - each team's decisions against those of all other employees on the same
  vignettes, with a permutation test that reassigns whole employees to teams.
* :func:`variant_effect` - the effect of a vignette variant (e.g. only the client's name differs)
  on a decision, adjusted for employee and vignette, with an employee-cluster bootstrap interval and
  a permutation test stratified by vignette.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.stats.agreement import Coded, rater_matrix, resample_counts

PERMUTATION_BUDGET = 2_000_000  # permutations x judgements above which the normal approximation is used

__all__ = ["restrict", "team_differences", "variant_effect", "variant_effects", "two_way_residuals"]


def restrict(coded: Coded, keep_raters: np.ndarray) -> Coded:
    """The judgements of the raters where ``keep_raters`` (bool, one per rater) is True, re-coded."""
    keep_raters = np.asarray(keep_raters, dtype=bool)
    rows = keep_raters[coded.rater]
    r_new = np.cumsum(keep_raters) - 1
    r = r_new[coded.rater[rows]]
    u_used, u = np.unique(coded.unit[rows], return_inverse=True)
    return Coded(rater=r.astype(np.int64), unit=u.astype(np.int64), value=coded.value[rows],
                 raters=coded.raters[keep_raters], units=coded.units[u_used], categories=coded.categories)


def _team_statistics(T: np.ndarray, total: np.ndarray, positions: np.ndarray | None):
    """Distance and shift of every team (``T``: (..., G, U, K) team counts; ``total``: (U, K)).

    Returns ``tv`` (..., G): judgement-weighted mean over vignettes of the total-variation distance
    between the team's decision shares and those of everyone else; ``shift`` (..., G): the same
    weighted mean of the difference in mean position (NaN without positions).
    """
    rest = total - T
    m_t = T.sum(-1)
    m_r = rest.sum(-1)
    both = (m_t > 0) & (m_r > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_t = T / np.where(m_t > 0, m_t, 1.0)[..., None]
        p_r = rest / np.where(m_r > 0, m_r, 1.0)[..., None]
        w = np.where(both, m_t, 0.0)
        tv = (0.5 * np.abs(p_t - p_r).sum(-1) * w).sum(-1) / w.sum(-1)
        shift = np.full(tv.shape, np.nan)
        if positions is not None:
            diff = p_t @ positions - p_r @ positions
            shift = (np.where(both, diff, 0.0) * w).sum(-1) / w.sum(-1)
    return tv, shift


def team_differences(coded: Coded, teams: np.ndarray, *, positions: np.ndarray | None = None,
                     n_perm: int = 999, seed: int | None = None) -> pd.DataFrame:
    """Does each team decide the same vignettes differently from the other employees?

    For team ``t`` and vignette ``u``, compare the team's decision shares with those of all other
    employees; the total-variation distance (half the summed absolute differences: the share of
    decisions that would have to change to make the two distributions equal) is averaged over
    vignettes, weighted by the team's judgements. On an ordinal scale ``shift`` is the same average
    of the difference in mean position (positive: the team decides more harshly).

    The p-values come from a permutation test: team labels are shuffled over *employees* (each
    employee keeps all their decisions), which keeps the dependence between one employee's
    decisions and tests the null hypothesis that team membership is unrelated to how employees
    decide. ``p_value`` tests the distance, ``shift_p_value`` the shift (two-sided).

    Parameters
    ----------
    coded : Coded
    teams : array (R,)
        The team of every rater (any labels).
    positions : array (K,), optional
        Category positions for ordinal decisions (0 = mildest).
    n_perm : int
    seed : int, optional

    Returns
    -------
    DataFrame
        ``team``, ``n_employees``, ``n_judgements``, ``distance``, ``shift``, ``p_value``, ``shift_p_value``.
    """
    teams = np.asarray(teams, dtype=object)
    n_raters, n_units, n_cats = coded.shape
    if len(teams) != n_raters:
        raise ParameterError(f"teams has {len(teams)} entries for {n_raters} employees")
    labels, team_idx = np.unique(teams.astype(str), return_inverse=True)
    if len(labels) < 2:
        raise AnalysisError("comparing teams needs at least two teams")
    pos = None if positions is None else np.asarray(positions, dtype=float)
    X = rater_matrix(coded)
    G = np.zeros((len(labels), n_raters))
    G[team_idx, np.arange(n_raters)] = 1.0
    T = (G @ X).reshape(len(labels), n_units, n_cats)
    total = X.sum(0).reshape(n_units, n_cats)
    tv, shift = _team_statistics(T, total, pos)
    exceed_tv = np.zeros(len(labels))
    exceed_shift = np.zeros(len(labels))
    rng = np.random.default_rng(seed)
    done = 0
    while done < n_perm:
        b = min(100, n_perm - done)
        perm_idx = np.stack([rng.permutation(team_idx) for _ in range(b)])  # (b, R)
        Gb = np.zeros((b, len(labels), n_raters))
        Gb[np.arange(b)[:, None], perm_idx, np.arange(n_raters)[None, :]] = 1.0
        Tb = (Gb.reshape(b * len(labels), n_raters) @ X).reshape(b, len(labels), n_units, n_cats)
        tv_b, shift_b = _team_statistics(Tb, total, pos)
        exceed_tv += (tv_b >= tv - 1e-12).sum(0)
        if pos is not None:
            exceed_shift += (np.abs(shift_b) >= np.abs(shift) - 1e-12).sum(0)
        done += b
    p_tv = (1 + exceed_tv) / (n_perm + 1) if n_perm > 0 else np.full(len(labels), np.nan)
    p_shift = ((1 + exceed_shift) / (n_perm + 1) if (n_perm > 0 and pos is not None)
               else np.full(len(labels), np.nan))
    return pd.DataFrame({
        "team": labels,
        "n_employees": np.bincount(team_idx, minlength=len(labels)),
        "n_judgements": T.sum((1, 2)).astype(int),
        "distance": tv,
        "shift": shift,
        "p_value": p_tv,
        "shift_p_value": p_shift,
    })


def two_way_residuals(y: np.ndarray, rater: np.ndarray, unit: np.ndarray, *, iterations: int = 50,
                      tol: float = 1e-10) -> np.ndarray:
    """``y`` minus additive employee and vignette effects (least squares, alternating projections).

    Exact in one sweep for a complete design; converges geometrically for unbalanced ones.
    """
    e = np.asarray(y, dtype=float) - np.mean(y)
    n_r = np.bincount(rater).astype(float)
    n_u = np.bincount(unit).astype(float)
    for _ in range(iterations):
        before = e.copy()
        e = e - (np.bincount(rater, weights=e) / np.where(n_r > 0, n_r, 1.0))[rater]
        e = e - (np.bincount(unit, weights=e) / np.where(n_u > 0, n_u, 1.0))[unit]
        if np.max(np.abs(e - before)) < tol:
            break
    return e


def _stratified_difference(e_sum1, n1, e_sum0, n0):
    """Inverse-variance-type (n1 n0 / (n1 + n0)) weighted mean of within-vignette differences."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = (n1 > 0) & (n0 > 0)
        h = np.where(ok, n1 * n0 / np.where(ok, n1 + n0, 1.0), 0.0)
        diff = np.where(ok, e_sum1 / np.where(ok, n1, 1.0) - e_sum0 / np.where(ok, n0, 1.0), 0.0)
        return (h * diff).sum(-1) / h.sum(-1)


def variant_effect(y: np.ndarray, *, rater: np.ndarray, unit: np.ndarray, treated: np.ndarray,
                   n_boot: int = 1000, n_perm: int = 1000, seed: int | None = None,
                   ci: float = 0.95) -> dict[str, float]:
    """Effect of a vignette variant on a decision, adjusted for employee and vignette.

    Method (and why). The outcome ``y`` (1/0 for "this decision", or the position on an ordinal
    scale) is first cleared of additive employee and vignette effects (:func:`two_way_residuals`),
    so a harsh employee who happened to see the variant more often does not create an effect. The
    effect is the weighted mean, over vignettes, of the difference in that adjusted outcome between
    judgements of the variant and of the reference (weights ``n1 n0 / (n1 + n0)``, as in a
    Mantel-Haenszel risk difference); for a 0/1 outcome it reads as a difference in the rate of the
    decision, in percentage points.

    * The interval is a percentile bootstrap that resamples *employees* with all their judgements
      (a cluster bootstrap), so the dependence between one employee's decisions is accounted for.
    * The p-value is a permutation test that shuffles the variant labels *within each vignette*:
      in a factorial vignette study the variant is assigned at random per employee and vignette,
      so under "the variant makes no difference" every such reshuffle was equally likely; the test
      is exact whatever the distribution of the decisions. Above :data:`PERMUTATION_BUDGET`
      (permutations x judgements, e.g. 1,000 x 2,000) the permutation distribution is not sampled
      but approximated by a normal distribution with its exact mean and variance (a sum over many
      independent vignettes), as the "asymptotic" permutation tests of R's coin package.

    A conditional logistic model (statsmodels ``ConditionalLogit``, grouped by employee) was
    considered: it conditions employee effects away but discards every employee whose decisions
    do not vary, gives a log odds ratio rather than a difference in rates a policymaker can read,
    and its Wald interval is unreliable with few discordant judgements; the two methods above need
    no model for the decision at all.

    Parameters
    ----------
    y : array (n,)
    rater, unit : array of int (n,)
        Employee and vignette codes (0-based).
    treated : array of bool (n,)
        True for judgements of the variant, False for the reference.
    n_boot, n_perm : int
    seed : int, optional
    ci : float

    Returns
    -------
    dict
        ``effect``, ``ci_low``, ``ci_high``, ``p_value``, ``n_judgements``, ``n_employees``,
        ``mean_reference``, ``mean_variant`` (raw means of ``y``).
    """
    return variant_effects({"y": y}, rater=rater, unit=unit, treated=treated, n_boot=n_boot, n_perm=n_perm,
                           seed=seed, ci=ci)["y"]


def variant_effects(outcomes: dict[str, np.ndarray], *, rater: np.ndarray, unit: np.ndarray, treated: np.ndarray,
                    n_boot: int = 1000, n_perm: int = 1000, seed: int | None = None,
                    ci: float = 0.95) -> dict[str, dict[str, float]]:
    """:func:`variant_effect` for several outcomes of the same judgements at once.

    The bootstrap draws and the permutations are shared by the outcomes (the permutations are
    the expensive step), so two outcomes cost little more than one.
    """
    names = list(outcomes)
    Y = np.column_stack([np.asarray(outcomes[k], dtype=float) for k in names]) if len(names) else np.zeros((0, 0))
    d = np.asarray(treated, dtype=bool)
    _, rater = np.unique(np.asarray(rater), return_inverse=True)
    _, unit = np.unique(np.asarray(unit), return_inverse=True)
    n_r, n_u = (rater.max() + 1, unit.max() + 1) if len(rater) else (0, 0)
    out = _empty_effects(names, Y, d, n_r)
    if len(d) == 0 or not d.any() or d.all():
        return out
    E = np.column_stack([two_way_residuals(Y[:, j], rater, unit) for j in range(Y.shape[1])])
    C1, C0, A1, A0 = _cell_sums(E, d, rater * n_u + unit, n_r, n_u)
    effects = np.array([_stratified_difference(a1.sum(0), C1.sum(0), a0.sum(0), C0.sum(0))
                        for a1, a0 in zip(A1, A0)])
    rng = np.random.default_rng(seed)
    bounds = _bootstrap_intervals(rng, effects, C1, C0, A1, A0, n_boot=n_boot, ci=ci)
    if n_perm > 0 and n_perm * len(d) > PERMUTATION_BUDGET:
        p_values = _normal_p_values(E, d, unit, n_u, effects)
    elif n_perm > 0:
        p_values = _sampled_p_values(rng, E, d, unit, n_u, effects, n_perm=n_perm)
    else:
        p_values = np.full(len(names), np.nan)
    for j, k in enumerate(names):
        out[k]["effect"] = float(effects[j])
        out[k]["ci_low"], out[k]["ci_high"] = (float(x) for x in bounds[j])
        out[k]["p_value"] = float(p_values[j])
    return out


def _empty_effects(names: list[str], Y: np.ndarray, d: np.ndarray, n_r: int) -> dict[str, dict[str, float]]:
    """Per outcome: counts and raw means, with effect, interval and p-value still NaN."""
    return {k: {"effect": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
                "n_judgements": int(len(d)), "n_employees": int(n_r),
                "mean_reference": float(Y[~d, j].mean()) if (~d).any() else np.nan,
                "mean_variant": float(Y[d, j].mean()) if d.any() else np.nan} for j, k in enumerate(names)}


def _cell_sums(E: np.ndarray, d: np.ndarray, idx: np.ndarray, n_r: int,
               n_u: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Employee x vignette counts (``C1``, ``C0``) and adjusted-outcome sums (``A1``, ``A0``, one per outcome)."""
    q = E.shape[1]
    C1 = np.bincount(idx, weights=d.astype(float), minlength=n_r * n_u).reshape(n_r, n_u)
    C0 = np.bincount(idx, weights=(~d).astype(float), minlength=n_r * n_u).reshape(n_r, n_u)
    A1 = [np.bincount(idx, weights=E[:, j] * d, minlength=n_r * n_u).reshape(n_r, n_u) for j in range(q)]
    A0 = [np.bincount(idx, weights=E[:, j] * ~d, minlength=n_r * n_u).reshape(n_r, n_u) for j in range(q)]
    return C1, C0, A1, A0


def _bootstrap_intervals(rng: np.random.Generator, effects: np.ndarray, C1: np.ndarray, C0: np.ndarray,
                         A1: list[np.ndarray], A0: list[np.ndarray], *, n_boot: int, ci: float) -> np.ndarray:
    """Employee-cluster percentile bootstrap interval per outcome: (q, 2), NaN where there is none."""
    q = len(effects)
    bounds = np.full((q, 2), np.nan)
    if n_boot <= 0:
        return bounds
    tail = (1 - ci) / 2
    n_r = C1.shape[0]
    reps: list[list[np.ndarray]] = [[] for _ in range(q)]
    for start in range(0, n_boot, 200):
        b = min(200, n_boot - start)
        W = resample_counts(rng, n_r, b)
        WC1, WC0 = W @ C1, W @ C0
        for j in range(q):
            reps[j].append(_stratified_difference(W @ A1[j], WC1, W @ A0[j], WC0))
    for j in range(q):
        r = np.concatenate(reps[j])
        r = r[np.isfinite(r)]
        if len(r) and np.isfinite(effects[j]):
            bounds[j] = np.quantile(r, [tail, 1 - tail])
    return bounds


def _normal_p_values(E: np.ndarray, d: np.ndarray, unit: np.ndarray, n_u: int, effects: np.ndarray) -> np.ndarray:
    """Permutation p-value per outcome from the normal approximation (NaN where there is none).

    The permutation distribution's exact mean (0) and variance, with a normal approximation
    (as coin's "asymptotic" permutation tests): reshuffling n1 of m labels in vignette u gives
    Var(mean1 - mean0) = S_u^2 (1/n1 + 1/n0), S_u^2 the variance (ddof 1) of the adjusted outcome.
    """
    from scipy.stats import norm

    p_values = np.full(len(effects), np.nan)
    n1 = np.bincount(unit, weights=d.astype(float), minlength=n_u)
    n0 = np.bincount(unit, weights=(~d).astype(float), minlength=n_u)
    ok = (n1 > 0) & (n0 > 0)
    h = np.where(ok, n1 * n0 / np.where(ok, n1 + n0, 1.0), 0.0)
    m = n1 + n0
    for j in range(len(effects)):
        sums = np.bincount(unit, weights=E[:, j], minlength=n_u)
        squares = np.bincount(unit, weights=E[:, j] ** 2, minlength=n_u)
        with np.errstate(invalid="ignore", divide="ignore"):
            s2 = np.where(m > 1, (squares - sums ** 2 / np.where(m > 0, m, 1.0)) / np.where(m > 1, m - 1.0, 1.0), 0.0)
            var = np.where(ok, s2 * (1.0 / np.where(ok, n1, 1.0) + 1.0 / np.where(ok, n0, 1.0)), 0.0)
            sd = np.sqrt((h ** 2 * var).sum()) / h.sum()
        if np.isfinite(effects[j]) and sd > 0:
            p_values[j] = 2 * norm.sf(abs(effects[j]) / sd)
    return p_values


def _sampled_p_values(rng: np.random.Generator, E: np.ndarray, d: np.ndarray, unit: np.ndarray, n_u: int,
                      effects: np.ndarray, *, n_perm: int) -> np.ndarray:
    """Permutation p-value per outcome, shuffling the variant labels within each vignette (NaN where none)."""
    q = len(effects)
    p_values = np.full(q, np.nan)
    order = np.argsort(unit, kind="stable")
    bounds = np.searchsorted(unit[order], np.arange(n_u + 1))
    n1 = np.bincount(unit, weights=d.astype(float), minlength=n_u)
    n0 = np.bincount(unit, weights=(~d).astype(float), minlength=n_u)
    total = np.stack([np.bincount(unit, weights=E[:, j], minlength=n_u) for j in range(q)], axis=-1)
    sums1 = np.zeros((n_perm, n_u, q))
    for u in range(n_u):
        rows = order[bounds[u]:bounds[u + 1]]
        if n1[u] == 0 or n0[u] == 0:
            continue
        shuffled = rng.permuted(np.broadcast_to(d[rows].astype(float), (n_perm, len(rows))), axis=1)
        sums1[:, u, :] = shuffled @ E[rows]
    for j in range(q):
        if np.isfinite(effects[j]):
            perm = _stratified_difference(sums1[:, :, j], n1, total[:, j] - sums1[:, :, j], n0)
            p_values[j] = (1 + np.sum(np.abs(perm) >= abs(effects[j]) - 1e-12)) / (n_perm + 1)
    return p_values
