"""Which strategy fits a service? A documented, parameterised rule.

The three strategies (see the project brief): *performance* (prestatie: fast, error-free, cheap,
easy) delivers practical value; *experience* (beleving: a good feeling) delivers emotional
value; *customisation* (maatwerk: adapting to groups or individuals) fits when client groups
weigh the drivers differently. Whatever the mix, no item may be "in the red".

The rule (:data:`DEFAULT_RULES`, all thresholds adjustable through :class:`StrategyRules`):

1. ``practical_dominant`` - practical share >= ``share_threshold`` (0.6) **and** the lower end of
   its confidence interval > ``ci_threshold`` (0.5): **performance**.
2. ``emotional_dominant`` - the same for the emotional share: **experience**.
3. ``mixed`` - neither (or both): **performance+experience**. A share above the threshold whose
   interval still reaches down to 0.5 (or has no interval) is not enough evidence of dominance.
4. ``segments_differ`` - the segments' driver weights differ by at least
   ``segment_difference_threshold`` (0.25, total-variation distance, see
   :func:`segment_difference`) and, when a permutation p-value is given
   (:func:`segment_difference_test`), it is below ``segment_alpha`` (0.05):
   **customisation** is added to the mix (``segments_differ``, or ``segments_differ_untested``
   without a p-value). Otherwise ``segments_not_significant`` (large but possibly chance),
   ``segments_similar`` or ``segments_not_assessed`` is reported.
   Driver-level shares are noisy: two random halves of a few hundred respondents each can
   differ by 0.25 by chance alone, so pass the p-value whenever possible.
5. ``red_items`` - items in the red are always listed as "fix first", whatever the strategy.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clientvalue.defaults import MIN_GROUP_SIZE
from clientvalue.stats import lmg as _lmg
from clientvalue.stats import moments_memo
from clientvalue.errors import AnalysisError, ParameterError

STRATEGIES = (
    "performance", "experience", "performance+experience",
    "performance+customisation", "experience+customisation",
    "performance+experience+customisation",
)


@dataclass(frozen=True)
class StrategyRules:
    """Thresholds of the strategy rule (fractions, 0-1)."""

    share_threshold: float = 0.6
    ci_threshold: float = 0.5
    segment_difference_threshold: float = 0.25
    segment_alpha: float = 0.05

    def __post_init__(self) -> None:
        for name in ("share_threshold", "ci_threshold", "segment_difference_threshold",
                     "segment_alpha"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and 0 <= v <= 1):
                raise ParameterError(f"StrategyRules.{name} must be between 0 and 1, got {v!r}.")


DEFAULT_RULES = StrategyRules()


@dataclass(frozen=True)
class StrategyAdvice:
    """A suggested strategy mix and the rules (with their numbers) that produced it.

    Attributes
    ----------
    strategy : str
        One of :data:`STRATEGIES`, e.g. ``"performance+customisation"``.
    reasons : tuple of (rule_id, dict)
        Every rule that fired, with the numbers it looked at.
    red_items : tuple of str
        Items in the red: fix first, whatever the strategy.
    rules : StrategyRules
        The thresholds used.
    examples : dict
        ``{dimension: (item, ...)}``: the survey's own most important items of each dimension,
        named in the explanation instead of generic examples (empty: none named).
    """

    strategy: str
    reasons: tuple[tuple[str, dict], ...]
    red_items: tuple[str, ...] = ()
    rules: StrategyRules = field(default=DEFAULT_RULES)
    examples: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)

    @property
    def components(self) -> tuple[str, ...]:
        """The strategies in the mix, e.g. ``("performance", "customisation")``."""
        return tuple(self.strategy.split("+"))


def _check_share(name: str, share: float, ci) -> tuple[float, float, float]:
    if not isinstance(share, (int, float, np.floating)) or not 0 <= share <= 1:
        raise ParameterError(f"{name} must be a share between 0 and 1, got {share!r}.")
    if ci is None:
        return float(share), float("nan"), float("nan")
    if isinstance(ci, str) or len(ci) != 2:
        raise ParameterError(
            f"{name.replace('share', 'ci')} must be a pair (low, high), got {ci!r}.")
    lo, hi = (float(v) for v in ci)
    if math.isfinite(lo) and math.isfinite(hi) and lo > hi:
        raise ParameterError(
            f"{name.replace('share', 'ci')} must have low <= high, got {ci!r}.")
    return float(share), lo, hi


def suggest_strategy(*, practical_share: float, practical_ci: Sequence[float] | None,
                     emotional_share: float, emotional_ci: Sequence[float] | None,
                     red_items: Sequence[str] = (), segment_difference: float | None = None,
                     segment_p_value: float | None = None,
                     rules: StrategyRules = DEFAULT_RULES,
                     examples: Mapping[str, Sequence[str]] | None = None,
                     segment_by: str | None = None,
                     segment_groups: Sequence[str] = (),
                     segment_pair: Sequence[str] = ()) -> StrategyAdvice:
    """Suggest a strategy mix from the value split, the red items and segment differences.

    Parameters
    ----------
    practical_share, emotional_share : float
        Share (0-1) of the explained variance of the overall rating due to the practical and
        the emotional items (e.g. from ``drivers.dimension_totals``).
    practical_ci, emotional_ci : (float, float) or None
        Their confidence intervals. Without an interval (None or NaN) a dimension is never
        called dominant.
    red_items : list of str
        Items in the red (``ipa.importance_performance(...).table["in_red"]``).
    segment_difference : float, optional
        Total-variation distance between segments' driver shares
        (:func:`segment_difference`); None if segments were not analysed.
    segment_p_value : float, optional
        Permutation p-value of that difference (:func:`segment_difference_test`). Without it
        a difference above the threshold still adds customisation, and the explanation says
        it was not tested against chance.
    rules : StrategyRules
        Thresholds; see the module docstring for the rule.
    examples : dict, optional
        ``{dimension: [item, ...]}``, the survey's most important items per dimension; the
        explanation names them (e.g. the two largest shares) instead of generic examples.
    segment_by : str, optional
        The attribute (column) whose categories were compared, e.g. ``"channel"``; the
        explanation names it and its categories so that the advice says *which* groups differ.
    segment_groups : list of str
        The categories compared (only reported ones: each at least the minimum group size).
    segment_pair : (str, str), optional
        The two categories whose driver shares differ most.

    Returns
    -------
    StrategyAdvice
    """
    if not isinstance(rules, StrategyRules):
        raise ParameterError(f"rules must be a StrategyRules, got {type(rules).__name__}.")
    p, p_lo, p_hi = _check_share("practical_share", practical_share, practical_ci)
    e, e_lo, e_hi = _check_share("emotional_share", emotional_share, emotional_ci)
    if isinstance(red_items, str):
        red_items = [red_items]
    base = {"threshold": rules.share_threshold, "floor": rules.ci_threshold}
    reasons: list[tuple[str, dict]] = []
    components: list[str] = []
    if p >= rules.share_threshold and p_lo > rules.ci_threshold:
        components.append("performance")
        reasons.append(("practical_dominant", {"share": p, "low": p_lo, "high": p_hi, **base}))
    if e >= rules.share_threshold and e_lo > rules.ci_threshold:
        components.append("experience")
        reasons.append(("emotional_dominant", {"share": e, "low": e_lo, "high": e_hi, **base}))
    if len(components) != 1:
        components = ["performance", "experience"]
        reasons = [("mixed", {"practical": p, "practical_low": p_lo, "practical_high": p_hi,
                              "emotional": e, "emotional_low": e_lo, "emotional_high": e_hi,
                              **base})]
    seg = {"segment_difference": segment_difference,
           "segment_threshold": float(rules.segment_difference_threshold),
           "p_value": segment_p_value, "alpha": float(rules.segment_alpha),
           "segment_by": segment_by, "groups": [str(g) for g in segment_groups],
           "pair": [str(g) for g in segment_pair]}
    if segment_difference is None or not math.isfinite(segment_difference):
        reasons.append(("segments_not_assessed", {}))
    else:
        if not 0 <= segment_difference <= 1:
            raise ParameterError(
                f"segment_difference must be between 0 and 1, got {segment_difference!r}.")
        if segment_p_value is not None and not 0 <= segment_p_value <= 1:
            raise ParameterError(
                f"segment_p_value must be between 0 and 1, got {segment_p_value!r}.")
        seg["segment_difference"] = float(segment_difference)
        if segment_difference < rules.segment_difference_threshold:
            reasons.append(("segments_similar", seg))
        elif segment_p_value is not None and segment_p_value >= rules.segment_alpha:
            reasons.append(("segments_not_significant", seg))
        else:
            components.append("customisation")
            reasons.append(("segments_differ" if segment_p_value is not None
                            else "segments_differ_untested", seg))
    red = tuple(str(i) for i in red_items)
    reasons.append(("red_items", {"items": list(red), "count": len(red)}))
    shown = {str(d): tuple(str(i) for i in items) for d, items in (examples or {}).items()}
    return StrategyAdvice(strategy="+".join(components), reasons=tuple(reasons),
                          red_items=red, rules=rules, examples=shown)


def segment_difference(tables: Sequence[pd.DataFrame]) -> float:
    """How differently segments weigh the drivers: total-variation distance of their shares.

    Each table is a drivers table (columns ``driver`` and ``share``) for one segment. Shares
    are clipped at 0 and rescaled to sum to 1 over the drivers, then for two segments
    ``TVD = 0.5 * sum_i |s_a,i - s_b,i|``: 0 when they weigh every driver the same, 1 when they
    put all weight on different drivers; it equals the share of the importance that would have
    to be moved to turn one profile into the other. With more than two segments the largest
    pairwise distance is returned.

    Raises
    ------
    ParameterError
        Fewer than two tables, missing columns, or tables with different drivers.
    """
    tables = list(tables)
    if len(tables) < 2:
        raise ParameterError(f"segment_difference needs at least two tables, got {len(tables)}.")
    vectors = []
    drivers = None
    for i, t in enumerate(tables):
        if not isinstance(t, pd.DataFrame) or not {"driver", "share"} <= set(t.columns):
            raise ParameterError(f"tables[{i}] must be a drivers table with driver and share.")
        s = t.set_index("driver")["share"].astype(float)
        if drivers is None:
            drivers = list(s.index)
        elif set(s.index) != set(drivers):
            raise ParameterError(
                f"tables[{i}] has drivers {sorted(s.index)}, expected {sorted(drivers)}.")
        s = s.reindex(drivers).clip(lower=0).fillna(0)
        if s.sum() <= 0:
            raise ParameterError(f"tables[{i}] has no positive shares.")
        vectors.append((s / s.sum()).to_numpy())
    return float(max(0.5 * np.abs(a - b).sum() for a, b in itertools.combinations(vectors, 2)))


def segment_difference_test(data: pd.DataFrame, *, outcome: str, drivers: Sequence[str],
                            segment: str, weights=None, method: str = "lmg",
                            n_perm: int = 199, seed: int | None = None,
                            min_group_size: int = MIN_GROUP_SIZE,
                            normal_from: int | None = None) -> pd.Series:
    """Is the segments' difference in driver weights more than chance? A permutation test.

    The observed :func:`segment_difference` (largest pairwise total-variation distance of the
    segments' driver shares) is compared with its distribution when the segment labels are
    shuffled over the respondents (same segment sizes), which shows how large the difference
    gets by sampling noise alone.

    Parameters
    ----------
    data : pandas.DataFrame
    outcome : str
    drivers : list of str
    segment : str
        Column holding each respondent's segment.
    weights : str or array-like, optional
        Survey weights, used as in :func:`clientvalue.stats.importance.importance`.
    method : {"lmg", "relative_weights"}
    n_perm : int, default 199
        Number of permutations.
    seed : int, optional
    min_group_size : int, default 10
        Segments with fewer complete respondents are left out (and listed).
    normal_from : int, optional
        From this many complete respondents on (default ``clientvalue.stats.lmg.NORMAL_FROM``,
        100,000; effective respondents with weights), and when every segment has at least
        ``clientvalue.stats.lmg.NORMAL_SEGMENT_FROM`` (5,000), the segments' moment sums under
        shuffling are drawn from their normal limit instead of shuffling every row (see
        :func:`clientvalue.stats.lmg.permutation_sums`).

    Returns
    -------
    pandas.Series
        ``difference``, ``null_mean``, ``null_q95`` (95th percentile under shuffling),
        ``p_value`` (``(1 + #{null >= observed}) / (n_perm + 1)``), ``n_segments``, ``n``,
        ``n_perm`` and ``suppressed`` (list of segments left out for size). With the normal limit a
        drawn permutation whose correlation matrix is impossible (NaN, a negative eigenvalue, or
        collinear drivers: the bootstrap's rule) is left out, and ``n_perm`` counts the draws left.

    Raises
    ------
    ParameterError
        Bad arguments (as :func:`clientvalue.stats.importance.importance`), ``n_perm`` < 1 or an
        unknown ``segment`` column.
    AnalysisError
        Fewer than two segments of ``min_group_size``, or a segment (observed or shuffled)
        without variation in a column or with perfectly collinear drivers.

    Notes
    -----
    The data are prepared once; every segment's weighted moments under every permutation come
    from matrix products of segment indicators with per-row moment terms (no copy of the data
    per permutation), and are decomposed by the batched core of :mod:`clientvalue.stats.lmg`.
    This gives the same numbers (to rounding) as calling
    :func:`clientvalue.stats.importance.importance` per segment and permutation, several hundred
    times faster.
    """
    from clientvalue.stats.importance import importance

    if not isinstance(n_perm, int) or n_perm < 1:
        raise ParameterError(f"n_perm must be a positive integer, got {n_perm!r}.")
    drivers = [drivers] if isinstance(drivers, str) else list(drivers)
    if segment not in data.columns:
        raise ParameterError(f"segment={segment!r} is not a column of the data.")
    # a new frame (a shallow copy of the selection): the columns added below are not added to data
    frame = data[[outcome, *drivers]].copy(deep=False)
    if weights is not None:
        frame["__w"] = data[weights] if isinstance(weights, str) else np.asarray(weights, float)
    frame["__seg"] = data[segment].astype(object)
    complete = frame.notna().all(axis=1).to_numpy()  # the rows dropna() keeps
    sizes = frame["__seg"][complete].value_counts()
    suppressed = sorted(str(g) for g in sizes.index[sizes < min_group_size])
    # one copy of the rows used (complete, in a large enough segment), not one per step
    frame = frame[complete & frame["__seg"].isin(sizes.index[sizes >= min_group_size]).to_numpy()].reset_index(
        drop=True)
    codes, groups = pd.factorize(frame["__seg"], sort=True)  # as np.unique, without sorting every row
    if len(groups) < 2:
        raise AnalysisError(
            f"A segment comparison needs at least two segments with {min_group_size} or more "
            f"complete respondents; have {len(groups)} (left out: {suppressed}).")
    w = "__w" if weights is not None else None
    # The observed segments go through the public function once: it validates the arguments
    # and the data (numeric columns, positive weights, enough rows, variation, collinearity).
    for g in range(len(groups)):
        importance(frame[codes == g], outcome=outcome, drivers=drivers, weights=w,
                   method=method)
    x = np.column_stack([_as_float(frame[c]) for c in [*drivers, outcome]])
    wt = _as_float(frame["__w"]) if w else np.ones(len(frame))
    rng = np.random.default_rng(seed)
    if np.isfinite(x).all() and np.isfinite(wt).all():
        normal_from = _lmg.NORMAL_FROM if normal_from is None else normal_from
        stats = _PermutationStat(x, wt, codes, len(groups), method, normal_from=normal_from)
        observed = stats.observed
        if stats.normal_applies(normal_from):
            null = stats.normal_null(n_perm, rng)
        else:
            null = _shuffled_null(stats, codes, n_perm, rng)
    else:  # infinite values: importance() drops such rows per segment; keep its exact path
        def stat(lab: np.ndarray) -> float:
            return segment_difference([
                importance(frame[lab == g], outcome=outcome, drivers=drivers, weights=w,
                           method=method).table for g in range(len(groups))])

        observed = stat(codes)
        null = np.array([stat(rng.permutation(codes)) for _ in range(n_perm)])
    return pd.Series({
        "difference": observed, "null_mean": float(null.mean()),
        "null_q95": float(np.quantile(null, 0.95)),
        "p_value": float((1 + (null >= observed).sum()) / (len(null) + 1)),
        "n_segments": int(len(groups)), "n": int(len(frame)),
        "n_perm": int(len(null)), "suppressed": suppressed,
    }, name="segment_difference_test")


def _shuffled_null(stats: _PermutationStat, codes: np.ndarray, n_perm: int,
                   rng: np.random.Generator) -> np.ndarray:
    """The statistic under ``n_perm`` shuffles of the segment labels over the rows."""
    small = codes.astype(np.uint8 if len(stats.sizes) < 256 else np.int32)
    chunk = max(1, _CHUNK_ELEMENTS // len(codes))
    null = np.empty(n_perm)
    for lo in range(0, n_perm, chunk):
        labelings = np.empty((min(chunk, n_perm - lo), len(codes)), dtype=small.dtype)
        for row in labelings:  # rng.permutation(codes), written in place
            row[:] = small
            rng.shuffle(row)
        null[lo:lo + len(labelings)] = stats(labelings)
    return null


#: Permutations per chunk of :func:`segment_difference_test`: about this many segment labels
#: (one byte each, ``chunk * n``) held at once.
_CHUNK_ELEMENTS = 1 << 26


def _as_float(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column).to_numpy(dtype=float, na_value=np.nan)


class _PermutationStat:
    """:func:`segment_difference` of the segments' driver shares, for many labelings at once.

    ``x`` holds the drivers then the outcome (complete rows), ``w`` the weights and ``codes``
    the segment (0..G-1) of every row; ``observed`` is the value for ``codes``. Calling with
    ``(c, n)`` relabelings returns the ``c`` largest pairwise total-variation distances. Per
    segment, the weighted moments are sums of per-row terms (rows centred once at the overall
    weighted mean, as in the bootstrap of :mod:`clientvalue.stats.lmg`), computed for all
    labelings by one matrix product per block of rows; the correlations, the decomposition and
    the shares follow :func:`clientvalue.stats.importance.importance` step by step (batched). A
    relabeling that splits the rows exactly as ``codes`` does gets ``observed`` itself (not a
    recomputation that could differ in the last bit), so it counts as a tie in the p-value.

    With ``normal_from`` and when :meth:`normal_applies` for it, the pass over the rows that gives
    ``observed`` also gives the terms' sum and cross-products that :meth:`normal_null` needs (the
    per-row terms made once instead of twice; the same numbers as
    :func:`clientvalue.stats.lmg.term_moments`, block by block).
    """

    def __init__(self, x: np.ndarray, w: np.ndarray, codes: np.ndarray, n_groups: int,
                 method: str, *, normal_from: int | None = None) -> None:
        self.x, self.w, self.method = x, w, method
        # rows centred once at the weighted mean of all rows: a segment's moments are sums of
        # per-row terms over its rows (as in the bootstrap of clientvalue.stats.lmg)
        self.wn, self.xc, self.full_var = _lmg.centre(x, w)
        self.sizes = np.bincount(codes, minlength=n_groups)
        self.pairs = list(itertools.combinations(range(n_groups), 2))
        self.members = [np.flatnonzero(codes == g) for g in range(n_groups)]
        self._moments: tuple[np.ndarray, np.ndarray] | None = None
        moments = normal_from is not None and self.normal_applies(normal_from)
        self.observed = float(self._statistic(self._sums(codes[None], moments=moments))[0])

    def __call__(self, labelings: np.ndarray) -> np.ndarray:
        out = self._compute(labelings)
        out[self._same_partition(labelings)] = self.observed
        return out

    def _same_partition(self, labelings: np.ndarray) -> np.ndarray:
        """Which labelings split the rows exactly as ``codes`` does (maybe under other names).

        A labeling does when it is constant on every segment's rows; the first 64 rows of each
        segment rule out nearly every shuffled labeling, so only the rare candidate is checked on
        all rows.
        """
        candidates = np.arange(len(labelings))
        for rows in self.members:
            for part in (rows[:64], rows[64:]):
                if len(candidates) == 0 or len(part) == 0:
                    continue
                first = labelings[candidates, rows[0]]
                block = labelings[np.ix_(candidates, part)]
                candidates = candidates[(block == first[:, None]).all(axis=1)]
        same = np.zeros(len(labelings), dtype=bool)
        same[candidates] = True
        return same

    def normal_applies(self, normal_from: int) -> bool:
        """Whether the whole and every segment are large enough (in effective respondents) for
        the normal limit of their moment sums."""
        smallest = min(_lmg.effective_n(self.wn[rows]) for rows in self.members)
        return _lmg.effective_n(self.wn) >= normal_from and smallest >= _lmg.NORMAL_SEGMENT_FROM

    def normal_null(self, n_perm: int, rng: np.random.Generator) -> np.ndarray:
        """``n_perm`` values of the statistic under shuffled labels, with every segment's moment
        sums drawn from their normal limit (:func:`clientvalue.stats.lmg.permutation_sums`)
        instead of shuffling the rows: for large segments, where a shuffle costs O(n)."""
        total, cross = (self._moments if self._moments is not None
                        else _lmg.term_moments(self.xc, self.wn, budget=_lmg.BUDGET))  # the blocks of _sums
        rng = _lmg.normal_stream(rng, total)
        null = np.empty(n_perm)
        for lo in range(0, n_perm, _lmg.MAX_REP_CHUNK):
            c = min(_lmg.MAX_REP_CHUNK, n_perm - lo)
            null[lo:lo + c] = self._statistic(_lmg.permutation_sums(total, cross, self.sizes, c, rng), drawn=True)
        null = null[~np.isnan(null)]  # an impossible draw is left out, as in the bootstrap
        if not len(null):
            raise AnalysisError(
                "every drawn permutation of the segments gave an impossible correlation matrix (the "
                "drivers are nearly collinear); use fewer drivers or combine the nearly identical ones.")
        return null

    def _compute(self, labelings: np.ndarray) -> np.ndarray:
        return self._statistic(self._sums(labelings))

    def _sums(self, labelings: np.ndarray, *, moments: bool = False) -> np.ndarray:
        """Every segment's moment sums ``(G, c, k)`` under each of the ``c`` labelings.

        ``moments`` (one labeling): also keep the terms' sum and centred cross-products for
        :meth:`normal_null`, accumulated from the same blocks of rows exactly as
        :func:`clientvalue.stats.lmg.term_moments` accumulates them, or found again in
        :mod:`clientvalue.stats.moments_memo` when these rows were summed already (by the group's
        bootstrap, or the test of another characteristic on the same rows).
        """
        c = labelings.shape[0]
        n, q = self.xc.shape
        n_groups = len(self.sizes)
        # Each segment's weighted moments are indicator @ per-row terms (w, w x, w x x'), one
        # matrix product per block of rows for all labelings: no per-labeling copy of the data.
        k = _lmg.term_count(q)
        sums = np.zeros((n_groups, c, k))
        rows = max(1, _lmg.BUDGET // max(k, c))
        keep = moments and rows == max(1, _lmg.BUDGET // k)  # term_moments' blocks (one labeling)
        digest = moments_memo.key(self.xc, self.wn, rows) if keep else None
        found = moments_memo.recall(digest)
        if found is not None:  # the group's bootstrap (or another test) summed these rows already
            self._moments, keep = found, False
        total, cross, shift = np.zeros(k), np.zeros((k, k)), None
        member = np.empty((c, min(rows, n)))
        buffer = _lmg.term_buffer(q, min(rows, n))
        for lo in range(0, n, rows):
            hi = min(n, lo + rows)
            terms = _lmg.moment_terms(self.xc[lo:hi], self.wn[lo:hi], buffer=buffer)
            block = labelings[:, lo:hi]
            indicator = member[:, : hi - lo]
            for g in range(n_groups - 1):
                np.equal(block, g, out=indicator, casting="unsafe")  # 1.0 where the row is in segment g
                sums[g] += indicator @ terms.T
            block_total = terms.sum(axis=1)
            sums[n_groups - 1] += block_total  # all rows; the other segments taken off below
            if keep:
                total += block_total
                if shift is None:
                    shift = terms.mean(axis=1)
                terms -= shift[:, None]
                cross += terms @ terms.T
        sums[n_groups - 1] -= sums[: n_groups - 1].sum(axis=0)
        if keep and shift is not None:
            offset = total / n - shift
            cross -= n * np.outer(offset, offset)
            self._moments = (total, cross)
            moments_memo.remember(digest, total, cross)
        return sums

    def _statistic(self, sums: np.ndarray, *, drawn: bool = False) -> np.ndarray:
        """The largest pairwise distance of the segments' driver shares, per labeling.

        ``drawn``: the sums are normal draws (:meth:`normal_null`), which unlike shuffled rows can
        give an impossible correlation matrix; such a labeling's statistic is NaN instead of an error.
        """
        n_groups, c, k = sums.shape
        q = self.xc.shape[1]
        corr = _lmg.corr_from_sums(sums.reshape(n_groups * c, k), q, self.full_var)
        corr = corr.reshape(n_groups, c, q, q).swapaxes(0, 1)  # (labeling, segment, q, q)
        if drawn:
            possible = self._possible(corr)
            out = np.full(c, np.nan)
            if possible.any():
                out[possible] = self._distance(corr[possible])
            return out
        if np.isnan(corr).any():
            raise AnalysisError(
                "a segment of shuffled respondents has no variation in a driver or the "
                "outcome, so importance is undefined; use larger segments "
                "(min_group_size) or fewer drivers.")
        if (np.linalg.eigvalsh(corr.reshape(-1, q, q)[:, :q - 1, :q - 1])[:, 0] < 1e-10).any():
            raise AnalysisError(
                "in a segment of shuffled respondents the drivers are perfectly collinear; "
                "use larger segments (min_group_size) or fewer drivers.")
        return self._distance(corr)

    @staticmethod
    def _possible(corr: np.ndarray) -> np.ndarray:
        """Per labeling: every segment's matrix is a correlation matrix (no NaN, no negative
        eigenvalue) with drivers that are not (nearly) collinear."""
        c, n_groups, q, _ = corr.shape
        flat = corr.reshape(-1, q, q)
        good = ~np.isnan(flat).any(axis=(1, 2))
        rows = np.flatnonzero(good)
        if len(rows):
            whole = np.linalg.eigvalsh(flat[rows])[:, 0] >= -_lmg.PIVOT_TOL
            drivers = np.linalg.eigvalsh(flat[rows][:, :q - 1, :q - 1])[:, 0] >= 1e-10
            good[rows] = whole & drivers
        return good.reshape(c, n_groups).all(axis=1)

    def _distance(self, corr: np.ndarray) -> np.ndarray:
        """The statistic of :meth:`_statistic` from the segments' correlation matrices ``(c, G, q, q)``."""
        c, n_groups, q, _ = corr.shape
        p = q - 1
        corr = corr.reshape(-1, q, q)
        rxx, rxy = corr[:, :p, :p], corr[:, :p, p]
        r2 = np.einsum("bj,bj->b", rxy, np.linalg.solve(rxx, rxy[:, :, None])[:, :, 0])
        point = (_lmg.lmg_batch(corr) if self.method == "lmg"
                 else _lmg.relative_weights_batch(corr))
        share = np.full_like(point, np.nan)
        np.divide(point, r2[:, None], out=share, where=r2[:, None] > 0)
        share = np.clip(share, 0, None)
        share[np.isnan(share)] = 0.0
        total = share.sum(axis=1)
        if (total <= 0).any():
            raise AnalysisError(
                "in a segment of shuffled respondents no driver explains any variance of the "
                "outcome, so the shares are undefined.")
        share = (share / total[:, None]).reshape(c, n_groups, p)
        return np.max([0.5 * np.abs(share[:, a] - share[:, b]).sum(axis=1)
                       for a, b in self.pairs], axis=0)
