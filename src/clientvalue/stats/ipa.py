"""Where to act: importance-performance quadrants and penalty-reward (Kano-style) analysis.

* :func:`importance_performance` combines a drivers table (how much each item matters for the
  overall rating) with how well the organisation scores on it (performance, 0-100), places
  each item in a quadrant, ranks improvement priorities and marks items "in the red".
* :func:`penalty_reward` asks whether a low score hurts more than a high score helps
  (basic factor), the other way round (excitement factor) or both alike (performance factor).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS, WLS

from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.stats.ipa_result import ImportancePerformance, PenaltyReward
from clientvalue.stats.measurement import numeric_block

# Language-free codes; their wording is in report/texts.py (QUADRANT_LABELS, PR_LABELS).
QUADRANTS = ("concentrate_here", "keep_up", "low_priority", "possible_overkill")
PR_CLASSES = ("basic", "performance", "excitement", "no_effect", "not_estimable")


def _weights(data: pd.DataFrame, weights) -> pd.Series | None:
    """Weights as a Series aligned with ``data`` (a column name or array-like), or None."""
    if weights is None:
        return None
    if isinstance(weights, str):
        if weights not in data.columns:
            raise ParameterError(f"weights names column {weights!r}, which is not in the data.")
        w = pd.to_numeric(data[weights], errors="coerce").astype(float)
    else:
        w = pd.Series(np.asarray(weights, dtype=float), index=data.index)
        if len(w) != len(data):
            raise ParameterError(
                f"weights has {len(w)} values but data has {len(data)} rows.")
    if (w.dropna() < 0).any():
        raise ParameterError("weights must not be negative.")
    return w


def _check_scales(items: Sequence[str], scales: dict) -> dict[str, tuple[float, float]]:
    if not isinstance(scales, dict):
        raise ParameterError(f"scales must be a dict {{item: (min, max)}}, got {scales!r}.")
    missing = [c for c in items if c not in scales]
    if missing:
        raise ParameterError(f"scales has no (min, max) for items {missing}.")
    out = {}
    for c in items:
        try:
            lo, hi = (float(v) for v in scales[c])
        except (TypeError, ValueError):
            raise ParameterError(
                f"scales[{c!r}] must be a pair of numbers (min, max), got {scales[c]!r}."
            ) from None
        if not hi > lo:
            raise ParameterError(
                f"scales[{c!r}] must be (min, max) with max > min, got {scales[c]}.")
        out[c] = (lo, hi)
    return out


def _weighted_mean(x: pd.Series, w: pd.Series | None) -> tuple[float, int, float]:
    """Mean, number of answers and standard error of the mean (weighted: linearisation)."""
    ok = x.notna() if w is None else x.notna() & w.notna()
    n = int(ok.sum())
    if not ok.any():
        return float("nan"), 0, float("nan")
    xv = x[ok].to_numpy(dtype=float)
    if w is None:
        se = float(np.std(xv, ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        return float(xv.mean()), n, se
    ww = w[ok].to_numpy(dtype=float)
    if ww.sum() <= 0:
        return float("nan"), n, float("nan")
    m = float(np.average(xv, weights=ww))
    # Taylor linearisation of the ratio sum(w x) / sum(w), with the n / (n - 1) correction:
    # equals sd / sqrt(n) when all weights are equal.
    se = (float(np.sqrt(np.sum((ww * (xv - m)) ** 2) * n / (n - 1)) / ww.sum()) if n > 1
          else float("nan"))
    return m, n, se


def importance_performance(data: pd.DataFrame, *, importance: pd.DataFrame,
                           items: Sequence[str], scales: dict[str, tuple[float, float]],
                           weights=None, crosshair="mean", red_floor: float = 50.0,
                           z: float = 1.96) -> ImportancePerformance:
    """Importance-performance analysis (Martilla & James 1977) with improvement priorities.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    importance : pandas.DataFrame
        A drivers table (:func:`clientvalue.stats.importance.importance`) with columns ``driver``,
        ``importance`` and ``share``, and optionally ``share_ci_low`` / ``share_ci_high``: the
        bootstrap interval of each share (:func:`clientvalue.analyses.drivers.share_interval`),
        used to judge "in the red" with its uncertainty.
    items : list of str
        The items to place; each must be a ``driver`` in ``importance``.
    scales : dict
        ``{item: (min, max)}`` answer scale of each item.
    weights : str or array-like, optional
        Survey weights (column name or values) for the performance means.
    crosshair : {"mean", "median"} or (float, float), default "mean"
        Where the quadrants split. ``"mean"``: importance at the mean share of the items (which
        is ``1/k`` when ``items`` are all the drivers), performance at the mean performance of
        the items. ``"median"``: the medians. A pair ``(share, performance)`` fixes both (share
        as a fraction, performance on 0-100).
    red_floor : float, default 50
        An item with performance below this (0-100) is "in the red" whatever its importance:
        on a 1-5 scale that is a mean below the midpoint 3.
    z : float, default 1.96
        Width of the performance interval in standard errors (1.96: 95%).

    Returns
    -------
    ImportancePerformance
        ``table``: one row per item: ``item``, ``importance``, ``share``, ``performance`` (weighted mean
        rescaled to 0-100: ``(mean - min) / (max - min) * 100``), ``quadrant``
        (``concentrate_here`` high importance & low performance, ``keep_up`` high & high,
        ``low_priority`` low & low, ``possible_overkill`` low & high; ties count as high),
        ``improvement_score``, ``in_red`` and ``n`` (answers). Sorted by improvement score.

        ``improvement_score`` follows the CQ-index idea (Stubbe, Brouwer & Delnoij 2007:
        improvement score = (1 - share of positive answers) x importance): here
        ``share_i * (100 - performance_i)``, divided by its sum over the items so the scores
        add up to 1 - each item's part of the total importance-weighted shortfall.

        ``performance_se`` is the standard error of ``performance`` (of the weighted mean, by
        linearisation, when there are weights).

        ``in_red`` - the rule, judged with the uncertainty of both coordinates, so that an item
        is not called important and underperforming on sampling noise alone. An item is in the
        red when

        * its performance is below ``red_floor`` (under the midpoint of the scale): never
          acceptable, whatever its importance (point estimate); **or**
        * it is *clearly important*: the lower end of its share interval (``share_ci_low``) lies
          above the importance line (``crosshair_share``); without an interval (no such columns,
          or NaN, e.g. no bootstrap) the share itself must be at or above the line; **and**
          *clearly underperforming*: its whole performance interval
          ``performance ± z * performance_se`` lies below the performance line
          (``crosshair_performance``).

        The lines themselves are treated as fixed. The ``quadrant`` stays the point-estimate
        position in the chart, so a ``concentrate_here`` item can be not in the red when its
        intervals reach across a line.
        The lines are the result's ``crosshair_share`` and ``crosshair_performance``; with them
        ``red_floor`` and ``z``.
    """
    items = [items] if isinstance(items, str) else list(items)
    table = _importance_table(importance, items)
    sc = _check_scales(items, scales)
    block = numeric_block(data, items, "items")
    w = _weights(data, weights)
    if not (isinstance(z, (int, float)) and np.isfinite(z) and z >= 0):
        raise ParameterError(f"z must be a non-negative number of standard errors, got {z!r}.")
    perf, ses, counts = _performance(block, items, sc, w)
    out = _placed(items, table, perf, ses)
    x_cross, y_cross = _crosshair(out, crosshair)
    share_low = (table.loc[items, "share_ci_low"].to_numpy(dtype=float)
                 if "share_ci_low" in table.columns else np.full(len(items), np.nan))
    out = _classified(out, counts, share_low, x_cross, y_cross, red_floor=red_floor, z=z)
    return ImportancePerformance(table=out, crosshair_share=x_cross, crosshair_performance=y_cross,
                                 red_floor=float(red_floor), z=float(z))


def _importance_table(importance: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """The drivers table indexed by driver, refused without its columns or without one of ``items``."""
    if not isinstance(importance, pd.DataFrame) or not {"driver", "importance", "share"} <= set(
            importance.columns):
        raise ParameterError(
            "importance must be a drivers table with columns driver, importance and share.")
    table = importance.set_index("driver")
    unknown = [c for c in items if c not in table.index]
    if unknown:
        raise ParameterError(
            f"items {unknown} are not drivers in the importance table "
            f"(drivers: {list(table.index)}).")
    return table


def _performance(block: pd.DataFrame, items: list[str], scales: dict[str, tuple[float, float]], w
                 ) -> tuple[list[float], list[float], list[int]]:
    """Each item's weighted mean on 0-100, its standard error on 0-100 and its number of answers."""
    perf, ses, counts = [], [], []
    for c in items:
        m, n, se = _weighted_mean(block[c], w)
        lo, hi = scales[c]
        perf.append((m - lo) / (hi - lo) * 100)
        ses.append(se / (hi - lo) * 100)
        counts.append(n)
    return perf, ses, counts


def _placed(items: list[str], table: pd.DataFrame, perf: list[float], ses: list[float]) -> pd.DataFrame:
    """Importance, share and performance per item; an item without any answers is refused."""
    out = pd.DataFrame({
        "item": items,
        "importance": table.loc[items, "importance"].to_numpy(dtype=float),
        "share": table.loc[items, "share"].to_numpy(dtype=float),
        "performance": perf,
        "performance_se": ses,
    })
    if out["performance"].isna().any():
        empty = out.loc[out["performance"].isna(), "item"].tolist()
        raise AnalysisError(f"Items without any answers: {empty}.")
    return out


def _crosshair(out: pd.DataFrame, crosshair) -> tuple[float, float]:
    """Where the quadrants split: (share, performance)."""
    if isinstance(crosshair, str) and crosshair in ("mean", "median"):
        agg = np.mean if crosshair == "mean" else np.median
        return float(agg(out["share"])), float(agg(out["performance"]))
    if not isinstance(crosshair, str) and isinstance(crosshair, Sequence) and len(crosshair) == 2:
        x_cross, y_cross = (float(v) for v in crosshair)
        return x_cross, y_cross
    raise ParameterError(
        "crosshair must be 'mean', 'median' or a pair (share, performance), "
        f"got {crosshair!r}.")


def _classified(out: pd.DataFrame, counts: list[int], share_low: np.ndarray, x_cross: float, y_cross: float, *,
                red_floor: float, z: float) -> pd.DataFrame:
    """Quadrant, improvement score, in the red and answers (``counts``) per item, by improvement score."""
    high_imp = out["share"] >= x_cross
    high_perf = out["performance"] >= y_cross
    out["quadrant"] = np.select(
        [high_imp & ~high_perf, high_imp & high_perf, ~high_imp & ~high_perf],
        ["concentrate_here", "keep_up", "low_priority"], default="possible_overkill")
    gap = out["share"].clip(lower=0) * (100 - out["performance"]).clip(lower=0)
    out["improvement_score"] = gap / gap.sum() if gap.sum() > 0 else 0.0
    clearly_important = np.where(np.isfinite(share_low), share_low > x_cross, high_imp)
    se = out["performance_se"].fillna(0.0)  # a single answer: no interval, the point decides
    clearly_under = out["performance"] + z * se < y_cross
    out["in_red"] = (clearly_important & clearly_under) | (out["performance"] < red_floor)
    out["n"] = counts
    return out.sort_values("improvement_score", ascending=False, kind="stable").reset_index(drop=True)


def _penalty_reward_items(outcome: str, items: Sequence[str], *, low: float, high: float,
                          ratio: float) -> list[str]:
    """The items as a list, after checking the band limits, the ratio and that the outcome is no item."""
    if not (0 <= low < high <= 1):
        raise ParameterError(f"low and high must satisfy 0 <= low < high <= 1, got {low}, {high}.")
    if not ratio >= 1:
        raise ParameterError(f"ratio must be >= 1, got {ratio}.")
    items = [items] if isinstance(items, str) else list(items)
    if outcome in items:
        raise ParameterError(f"outcome {outcome!r} is also listed in items.")
    return items


def _complete_block(data: pd.DataFrame, outcome: str, items: list[str], weights) -> tuple[pd.DataFrame, bool]:
    """The respondents with the outcome, every item (and a positive weight, in ``__w``), and whether weighted."""
    block = numeric_block(data, [outcome, *items], "outcome/items")
    w = _weights(data, weights)
    if w is not None:
        block = block.assign(__w=w)
    block = block.dropna()
    if w is not None:
        block = block[block["__w"] > 0]
    return block, w is not None


def _bands(block: pd.DataFrame, items: list[str], sc: dict[str, tuple[float, float]], *, low: float,
           high: float) -> tuple[list[dict], list[tuple[str, str, str]], dict[str, np.ndarray]]:
    """Answers per band and item, the indicator columns (name, item, band) and the items rescaled to 0-1.

    An item without middle answers gets no indicators; too few respondents for the design are refused.
    """
    n = len(block)
    rows, design = [], []  # design: (column name, item, band) of each indicator column
    rescaled = {}
    for c in items:
        r = ((block[c] - sc[c][0]) / (sc[c][1] - sc[c][0])).to_numpy(dtype=float)
        n_low, n_high = int((r <= low).sum()), int((r >= high).sum())
        n_mid = n - n_low - n_high
        rows.append({"item": c, "n_low": n_low, "n_high": n_high, "n_mid": n_mid})
        if n_mid == 0:
            continue
        rescaled[c] = r
        if n_low > 0:
            design.append((f"{c}__low", c, "low"))
        if n_high > 0:
            design.append((f"{c}__high", c, "high"))
    if not design:
        raise AnalysisError("No item has answers in both the middle band and a low or high band.")
    if n <= len(design) + 2:
        raise AnalysisError(
            f"Penalty-reward needs more than {len(design) + 2} complete respondents; got {n}.")
    return rows, design, rescaled


def _band_design(design: list[tuple[str, str, str]], rescaled: dict[str, np.ndarray], *, low: float,
                 high: float) -> Callable[[int, int], np.ndarray]:
    """A function building the design (constant, then the band indicators) for rows ``start:stop``."""

    def rows_of_design(start: int, stop: int) -> np.ndarray:
        """The design (constant, then the band indicators) for rows ``start:stop``."""
        x = np.empty((stop - start, len(design) + 1))
        x[:, 0] = 1.0
        for j, (_, c, band) in enumerate(design, start=1):
            r = rescaled[c][start:stop]
            if band == "low":
                np.less_equal(r, low, out=x[:, j], casting="unsafe")
            else:
                np.greater_equal(r, high, out=x[:, j], casting="unsafe")
        return x

    return rows_of_design


def _penalty_reward_table(rows: list[dict], fit, estimated: set[str], *, ratio: float,
                          alpha: float) -> pd.DataFrame:
    """Penalty, reward (with standard errors and p-values), band counts and classification per item."""
    out = []
    for row in rows:
        c = row["item"]
        rec = {"item": c, "penalty": np.nan, "penalty_se": np.nan, "penalty_p": np.nan,
               "reward": np.nan, "reward_se": np.nan, "reward_p": np.nan,
               "n_low": row["n_low"], "n_high": row["n_high"]}
        if f"{c}__low" in estimated:
            rec.update(penalty=-fit.params[f"{c}__low"], penalty_se=fit.bse[f"{c}__low"],
                       penalty_p=fit.pvalues[f"{c}__low"])
        if f"{c}__high" in estimated:
            rec.update(reward=fit.params[f"{c}__high"], reward_se=fit.bse[f"{c}__high"],
                       reward_p=fit.pvalues[f"{c}__high"])
        rec["classification"] = _classify(rec, row["n_mid"], ratio, alpha)
        out.append(rec)
    return pd.DataFrame(out)


def penalty_reward(data: pd.DataFrame, *, outcome: str, items: Sequence[str],
                   scales: dict[str, tuple[float, float]], low: float = 0.4, high: float = 0.6,
                   weights=None, ratio: float = 2.0, alpha: float = 0.05) -> PenaltyReward:
    """Penalty-reward contrast analysis (Brandt 1987; Mikulić & Prebežac 2011).

    Each item is split into low / middle / high answers on its scale rescaled to 0-1:
    ``low`` if ``(x - min)/(max - min) <= low``, ``high`` if ``>= high``, middle otherwise
    (with the defaults: 1-2 / 3 / 4-5 on a 1-5 scale; 1-4 / 5-6 / 7-10 on 1-10; 1-3 / 4 / 5-7
    on 1-7). The outcome is regressed on all items' low and high dummies at once (weighted
    least squares if ``weights``; HC1 robust standard errors).

    ``penalty = -b_low`` (how much lower the outcome is when the item scores low rather than
    middling) and ``reward = b_high``.

    Classification (with ``P = max(penalty, 0)``, ``R = max(reward, 0)``):

    * ``no_effect`` - neither penalty nor reward is positive and significant at ``alpha``;
    * ``basic`` - ``P > ratio * R``: a low score hurts, a high score adds little;
    * ``excitement`` - ``R > ratio * P``: a high score delights, a low one hardly hurts;
    * ``performance`` - otherwise: both act alike;
    * ``not_estimable`` - nobody answered in the middle band, so the item is left out.

    Parameters
    ----------
    data : pandas.DataFrame
    outcome : str
        The overall rating column.
    items : list of str
    scales : dict
        ``{item: (min, max)}``.
    low, high : float
        Band limits on the 0-1 rescaled item scale, ``0 <= low < high <= 1``.
    weights : str or array-like, optional
    ratio : float, default 2
        How many times larger one effect must be than the other to call it asymmetric.
    alpha : float, default 0.05

    Returns
    -------
    PenaltyReward
        ``table``: ``item``, ``penalty``, ``penalty_se``, ``penalty_p``, ``reward``, ``reward_se``,
        ``reward_p``, ``n_low``, ``n_high``, ``classification``; with ``n`` (complete rows),
        ``r2``, ``low``, ``high`` and ``ratio``.
    """
    items = _penalty_reward_items(outcome, items, low=low, high=high, ratio=ratio)
    sc = _check_scales(items, scales)
    block, weighted = _complete_block(data, outcome, items, weights)
    n = len(block)
    rows, design, rescaled = _bands(block, items, sc, low=low, high=high)
    names = ["const"] + [name for name, _, _ in design]
    fit = _least_squares_hc1(block[outcome], _band_design(design, rescaled, low=low, high=high), names,
                             block["__w"] / block["__w"].mean() if weighted else None)
    return PenaltyReward(table=_penalty_reward_table(rows, fit, set(names), ratio=ratio, alpha=alpha),
                         n=n, r2=float(fit.rsquared), low=low, high=high, ratio=ratio)


class _Fit:
    """The parts of a statsmodels regression result that :func:`penalty_reward` uses."""

    def __init__(self, params: pd.Series, bse: pd.Series, pvalues: pd.Series, rsquared: float):
        self.params, self.bse, self.pvalues, self.rsquared = params, bse, pvalues, rsquared


#: Rows per block of the least squares of :func:`penalty_reward` (bounds its working memory).
_LS_BLOCK = 1 << 16


def _least_squares_hc1(y: pd.Series, design: Callable[[int, int], np.ndarray], names: list[str],
                       w: pd.Series | None):
    """(Weighted) least squares with HC1 standard errors, from the normal equations.

    The same numbers as statsmodels ``OLS``/``WLS(...).fit(cov_type="HC1")`` (normal-based
    p-values; R² around the weighted mean) without its SVD of the whole design: ``X'WX``, ``X'Wy``
    and the sandwich are sums over blocks of rows, and ``design(start, stop)`` builds the design of
    one block at a time, so the whole design is never held (a million respondents and 18 columns
    would be 0.15 GB per copy). A design that is (nearly) rank deficient goes through statsmodels
    itself (its pseudo-inverse).
    """
    from scipy import stats

    yv = y.to_numpy(dtype=float)
    wv = np.ones(len(yv)) if w is None else w.to_numpy(dtype=float)
    n, k = len(yv), len(names)
    blocks = [(start, min(n, start + _LS_BLOCK)) for start in range(0, n, _LS_BLOCK)]
    xtwx, xtwy = np.zeros((k, k)), np.zeros(k)
    for start, stop in blocks:
        x = design(start, stop)
        xw = x * wv[start:stop, None]
        xtwx += xw.T @ x
        xtwy += xw.T @ yv[start:stop]
    if np.linalg.cond(xtwx) > 1e10:
        x = pd.DataFrame(design(0, n), columns=names, index=y.index)
        model = OLS(y, x) if w is None else WLS(y, x, weights=w)
        return model.fit(cov_type="HC1")
    bread = np.linalg.inv(xtwx)
    beta = bread @ xtwy
    meat = np.zeros((k, k))
    resid = np.empty(n)
    for start, stop in blocks:
        x = design(start, stop)
        resid[start:stop] = yv[start:stop] - x @ beta
        u = wv[start:stop] * resid[start:stop]
        meat += (x * (u * u)[:, None]).T @ x
    cov = bread @ meat @ bread * n / (n - k)
    se = np.sqrt(np.diag(cov))
    centred = yv - np.average(yv, weights=wv)
    r2 = 1.0 - float(wv @ (resid * resid)) / float(wv @ (centred * centred))
    return _Fit(pd.Series(beta, index=names), pd.Series(se, index=names),
                pd.Series(2 * stats.norm.sf(np.abs(beta / se)), index=names), r2)


def _classify(rec: dict, n_mid: int, ratio: float, alpha: float) -> str:
    if n_mid == 0:
        return "not_estimable"
    p = rec["penalty"] if np.isfinite(rec["penalty"]) else 0.0
    r = rec["reward"] if np.isfinite(rec["reward"]) else 0.0
    sig_p = p > 0 and np.isfinite(rec["penalty_p"]) and rec["penalty_p"] < alpha
    sig_r = r > 0 and np.isfinite(rec["reward_p"]) and rec["reward_p"] < alpha
    if not (sig_p or sig_r):
        return "no_effect"
    p, r = max(p, 0.0), max(r, 0.0)
    if p > ratio * r:
        return "basic"
    if r > ratio * p:
        return "excitement"
    return "performance"
