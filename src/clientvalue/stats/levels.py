"""Weighted levels (mean, share satisfied) with design-based intervals, and comparisons of levels.

The design is the one R's ``survey`` package builds with ``svydesign(ids = ~1, weights = ~w,
data = d)``: independent draws with replacement, probability weights ``w``, no strata, no finite
population correction. ``d`` is every row of ``data`` that has a value (rows without a value are
dropped first, as ``na.omit`` would), and the groups of ``by`` are *domains* of that one design, as
``svyby(~y, ~g, d, svymean)`` and ``svyby(~I(y >= t), ~g, d, svyciprop)`` treat them.

Formulas (``W = sum w`` over the group, ``m = sum w y / W``, ``N`` = rows of the design, i.e. of
``data`` with a value, ``n`` = rows of the group with a value):

* mean ``m``; linearisation variance ``N / (N - 1) * sum_group w^2 (y - m)^2 / W^2`` (survey's
  ``svyrecvar`` on the influence values ``w (y - m) / W``, which are zero outside the domain).
  With one group and all weights 1 this is ``s^2 / n`` with the sample variance ``s^2``.
* mean interval: normal, ``m +- z se`` (``confint`` of a ``svymean``).
* share satisfied ``p``: the same with ``y`` replaced by ``1[y >= satisfied_from]``.
* share interval: ``svyciprop``'s default ``method = "logit"``: a Wald interval on the logit scale,
  ``expit(logit(p) +- t se / (p (1 - p)))`` with ``t`` the Student quantile on ``n - 1`` degrees of
  freedom (``svyciprop``'s ``df = degf(design)``, one PSU per respondent). When ``p`` is 0 or 1
  the logit interval does not exist; those rows get the Wilson interval on Kish's effective sample
  size instead (column ``share_method`` says which).

Only grouped sums are used (no loop over rows), so a million rows take well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.stats.intervals import wilson_interval, z_value

__all__ = ["LEVEL_COLUMNS", "weighted_levels", "compare_independent", "compare_with_reference",
           "flag_change", "paired_change"]

LEVEL_COLUMNS = ["n", "weight_sum", "mean", "se", "ci_low", "ci_high", "share_satisfied", "share_se",
                 "share_ci_low", "share_ci_high", "share_method"]


def _columns(data: pd.DataFrame, value: str, weights: str | None, by: Sequence[str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame, not {type(data).__name__}.")
    for arg, col in [("value", value), ("weights", weights)] + [("by", b) for b in by]:
        if col is not None and col not in data.columns:
            raise ParameterError(f"{arg}={col!r} is not a column of data; columns are {list(data.columns)[:50]}.")


def _weights(data: pd.DataFrame, weights: str | None, keep: np.ndarray) -> np.ndarray:
    if weights is None:
        return np.ones(int(keep.sum()))
    w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)[keep]
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        row = data.index[np.flatnonzero(keep)[np.flatnonzero(bad)[0]]]
        raise ParameterError(
            f"weights column {weights!r} has {int(bad.sum())} missing, zero or negative weight(s) among rows "
            f"with a value (first at row {row!r}: {data.loc[row, weights]!r}); give every respondent a "
            f"positive weight or drop those rows.")
    return w


def weighted_levels(data: pd.DataFrame, *, value: str, weights: str | None = None,
                    by: Sequence[str] | None = None, satisfied_from: float,
                    level: float = 0.95, codes: tuple[np.ndarray, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Weighted mean and share satisfied per group, with design-based standard errors and intervals.

    Point estimates and standard errors equal R ``survey``'s ``svymean`` / ``svyciprop`` for
    ``svydesign(ids = ~1, weights = ~w)`` on the rows of ``data`` with a value, groups of ``by``
    being domains (``svyby``); see the module docstring for the formulas.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    value : str
        Numeric column (a rating); missing values are dropped (for this value only).
    weights : str, optional
        Column of positive probability weights; ``None`` gives every respondent weight 1.
    by : list of str, optional
        Grouping columns; ``None`` or ``[]`` gives one row for all respondents.
    satisfied_from : float
        A respondent is satisfied when ``value >= satisfied_from`` (7 on 1-10, 4 on 1-5).
    level : float
        Confidence level of the intervals.
    codes : tuple, optional
        :func:`group_codes` of ``data`` and ``by``, made once when the levels of several values
        share them (the same table as without).

    Returns
    -------
    DataFrame
        One row per group (the ``by`` columns first, groups with no value left out) with
        ``n`` (respondents with a value), ``weight_sum``, ``mean``, ``se``, ``ci_low``, ``ci_high``
        (normal interval), ``share_satisfied``, ``share_se``, ``share_ci_low``, ``share_ci_high``
        (logit interval on ``n - 1`` degrees of freedom) and ``share_method`` (``"logit"``, or
        ``"wilson"`` where the share is 0 or 1). Standard errors and intervals are NaN for a group
        of one respondent (where ``svyby`` would report a standard error of 0).
    """
    by = list(by or [])
    _columns(data, value, weights, by)
    z = z_value(level, name="level")
    _check_satisfied_from(satisfied_from)
    y_all = pd.to_numeric(data[value], errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(y_all)
    y = y_all[keep]
    w = _weights(data, weights, keep)
    s = (y >= satisfied_from).astype(float)
    n_design = len(y)
    if by and codes is not None:  # groups without a value here get no answer: left out of the table
        every, groups = codes
        group = every[keep]
    elif by:
        group, groups = group_codes(data.loc[keep, by].reset_index(drop=True), by)
    else:
        group, groups = np.zeros(n_design, dtype=np.intp), pd.DataFrame(index=range(1))
    n, wsum, mean, share, se, share_se, n_eff = _level_estimates(y, w, s, group, k=len(groups))
    share_low, share_high, method = _logit_interval(share, share_se, n, n_eff, level)
    return _levels_table(groups, by, n=n, wsum=wsum, mean=mean, se=se, z=z, share=share, share_se=share_se,
                         share_low=share_low, share_high=share_high, method=method)


def _check_satisfied_from(satisfied_from: float) -> None:
    """A :class:`ParameterError` unless ``satisfied_from`` is a finite number (not a bool)."""
    if not isinstance(satisfied_from, (int, float, np.number)) or isinstance(satisfied_from, bool) \
            or not np.isfinite(satisfied_from):
        raise ParameterError(f"satisfied_from={satisfied_from!r} is not allowed; give a number on the rating scale.")


def _level_estimates(y: np.ndarray, w: np.ndarray, s: np.ndarray, codes: np.ndarray, *, k: int
                     ) -> tuple[np.ndarray, ...]:
    """Per group: ``n``, weight sum, mean, share satisfied, their standard errors and Kish's ``n_eff``."""
    n_design = len(y)

    def bsum(x: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=x, minlength=k + 1)[:k]

    n = np.bincount(codes, minlength=k + 1)[:k].astype(float)
    wsum, wy, ws = bsum(w), bsum(w * y), bsum(w * s)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean, share = wy / wsum, ws / wsum
        factor = n_design / (n_design - 1) if n_design > 1 else np.nan
        # sum w^2 (y - m)^2 per group, centred per row (stable for large values)
        ss_y = bsum((w * (y - np.append(mean, 0.0)[codes])) ** 2)
        ss_s = bsum((w * (s - np.append(share, 0.0)[codes])) ** 2)
        se = np.sqrt(factor * ss_y) / wsum
        share_se = np.sqrt(factor * ss_s) / wsum
        se = np.where(n > 1, se, np.nan)
        share_se = np.where(n > 1, share_se, np.nan)
        n_eff = wsum ** 2 / bsum(w * w)
    return n, wsum, mean, share, se, share_se, n_eff


def _levels_table(groups: pd.DataFrame, by: list[str], *, n: np.ndarray, wsum: np.ndarray, mean: np.ndarray,
                  se: np.ndarray, z: float, share: np.ndarray, share_se: np.ndarray, share_low: np.ndarray,
                  share_high: np.ndarray, method: np.ndarray) -> pd.DataFrame:
    """The table of :func:`weighted_levels` (groups without a value left out)."""
    out = groups.reset_index(drop=True).copy() if by else pd.DataFrame(index=range(1))
    out["n"] = n.astype(int)
    out["weight_sum"] = wsum
    out["mean"] = mean
    out["se"] = se
    out["ci_low"] = mean - z * se
    out["ci_high"] = mean + z * se
    out["share_satisfied"] = share
    out["share_se"] = share_se
    out["share_ci_low"] = share_low
    out["share_ci_high"] = share_high
    out["share_method"] = method
    return out[out["n"] > 0].reset_index(drop=True)


def group_codes(keys: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer group code per row of ``keys`` and the distinct groups of its columns ``by`` (sorted).

    Rows whose group is missing get the code ``len(groups)`` (a spare bin the caller cuts off):
    they stay in the design (they count in ``N``) but belong to no group.
    """
    by = list(by)
    grouped = keys.groupby(by, sort=True, dropna=True, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=float)  # NaN (or -1) where a key is missing
    groups = grouped.size().reset_index()[by]
    codes = np.where(np.isnan(codes) | (codes < 0), len(groups), codes).astype(np.intp)
    return codes, groups


def _logit_interval(p: np.ndarray, se: np.ndarray, n: np.ndarray, n_eff: np.ndarray,
                    level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """svyciprop's logit interval; Wilson (Kish n) where p is 0 or 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(n > 1, n - 1, np.nan)
        t = stats.t.ppf(0.5 + level / 2, df)
        inner = (p > 0) & (p < 1)
        eta = np.log(p / (1 - p))
        half = t * se / (p * (1 - p))
        low = 1 / (1 + np.exp(-(eta - half)))
        high = 1 / (1 + np.exp(-(eta + half)))
    w_low, w_high = wilson_interval(np.clip(np.nan_to_num(p), 0, 1), np.nan_to_num(n_eff), level)
    low = np.where(inner, low, w_low)
    high = np.where(inner, high, w_high)
    method = np.where(inner, "logit", "wilson")
    valid = n > 0
    return np.where(valid, low, np.nan), np.where(valid, high, np.nan), method


def paired_change(data: pd.DataFrame, *, value: str, wave: str, respondent: str, from_wave, to_wave,
                  weights: str | None = None, by: Sequence[str] | None = None,
                  level: float = 0.95) -> pd.DataFrame:
    """Change of the weighted mean between two waves when respondents may answer in both.

    The optional paired analysis: the stacked waves form one design with the respondent as the
    sampling unit (``svydesign(ids = ~respondent, weights = ~w, data = stacked)``, rows with a value),
    the wave means are domain means, and the change ``mean(to_wave) - mean(from_wave)`` gets the
    linearisation variance ``K / (K - 1) * sum_k z_k^2``, where ``z_k`` sums a respondent's influence
    values ``+- w (y - m) / W`` over both waves and ``K`` counts the respondents of the design
    (as ``svycontrast`` of ``svyby(~y, ~wave, design, svymean, covmat = TRUE)``). Answers of the same
    person in both waves are correlated, and this variance takes that into account; when no
    respondent repeats it equals the independent-samples result of :func:`weighted_levels` and
    :func:`compare_independent`. With a full panel and no weights it is the paired ``s_d / sqrt(n)``.

    Parameters
    ----------
    data : DataFrame
        The stacked waves, one row per answer.
    value, wave, respondent : str
        Rating column, wave column and respondent id column (the same person has the same id in
        every wave).
    from_wave, to_wave
        The two wave values compared.
    weights : str, optional
        Positive probability weights.
    by : list of str, optional
        Groups (domains) compared separately.
    level : float
        Confidence level (normal interval and two-sided p-value).

    Returns
    -------
    DataFrame
        Per group: ``n_from``, ``n_to``, ``n_both`` (respondents with a value in both waves),
        ``mean_from``, ``mean_to``, ``change``, ``se``, ``ci_low``, ``ci_high``, ``p_value``.
    """
    by = list(by or [])
    _columns(data, value, weights, by)
    _check_waves(data, wave=wave, respondent=respondent, from_wave=from_wave, to_wave=to_wave)
    z = z_value(level, name="level")
    y_all = pd.to_numeric(data[value], errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(y_all) & data[respondent].notna().to_numpy() & data[wave].notna().to_numpy()
    y, w = y_all[keep], _weights(data, weights, keep)
    ids, _ = pd.factorize(data.loc[keep, respondent])
    n_ids = int(ids.max()) + 1 if len(ids) else 0
    wave_values = data.loc[keep, wave].to_numpy()
    side = np.where(wave_values == to_wave, 1, np.where(wave_values == from_wave, 0, -1))
    if by:
        codes, groups = group_codes(data.loc[keep, by].reset_index(drop=True), by)
    else:
        codes, groups = np.zeros(len(y), dtype=np.intp), pd.DataFrame(index=range(1))
    n, mean, se, n_both = _paired_estimates(y, w, ids, side, codes, n_ids=n_ids, k=len(groups))
    return _change_table(groups, by, n=n, mean=mean, se=se, n_both=n_both, z=z, level=level,
                         from_wave=from_wave, to_wave=to_wave)


def _check_waves(data: pd.DataFrame, *, wave: str, respondent: str, from_wave, to_wave) -> None:
    """A :class:`ParameterError` for a missing wave or respondent column, or twice the same wave."""
    for arg, col in (("wave", wave), ("respondent", respondent)):
        if col not in data.columns:
            raise ParameterError(f"{arg}={col!r} is not a column of data; columns are {list(data.columns)[:50]}.")
    if from_wave == to_wave:
        raise ParameterError(f"from_wave and to_wave are both {from_wave!r}; give two different waves.")


def _paired_estimates(y: np.ndarray, w: np.ndarray, ids: np.ndarray, side: np.ndarray, codes: np.ndarray, *,
                      n_ids: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per group and wave ``n`` and mean; per group the change's standard error and ``n_both``."""
    inside = (side >= 0) & (codes < k)
    cell = np.where(inside, codes * 2 + np.clip(side, 0, 1), 2 * k)  # (group, side), spare bin 2k

    def csum(x: np.ndarray) -> np.ndarray:
        return np.bincount(cell, weights=x, minlength=2 * k + 1)[:2 * k].reshape(k, 2)

    n = np.bincount(cell, minlength=2 * k + 1)[:2 * k].reshape(k, 2)
    wsum = csum(w)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = csum(w * y) / wsum
        m_row = np.append(mean.ravel(), 0.0)[cell]
        w_row = np.append(wsum.ravel(), 1.0)[cell]
        sign = np.where(side == 1, 1.0, -1.0)
        influence = np.where(inside, sign * w * (y - m_row) / w_row, 0.0)
        person = codes.astype(np.int64) * max(n_ids, 1) + ids
        pair, pair_group = pd.factorize(person[inside])
        z_k = np.bincount(pair, weights=influence[inside])
        group_of_pair = (np.asarray(pair_group) // max(n_ids, 1)).astype(np.intp)
        factor = n_ids / (n_ids - 1) if n_ids > 1 else np.nan
        se = np.sqrt(factor * np.bincount(group_of_pair, weights=z_k ** 2, minlength=k))
        both_pairs = (np.bincount(pair, weights=(side[inside] == 1).astype(float)) > 0) & \
                     (np.bincount(pair, weights=(side[inside] == 0).astype(float)) > 0)
        n_both = np.bincount(group_of_pair, weights=both_pairs.astype(float), minlength=k)
    return n, mean, se, n_both


def _change_table(groups: pd.DataFrame, by: list[str], *, n: np.ndarray, mean: np.ndarray, se: np.ndarray,
                  n_both: np.ndarray, z: float, level: float, from_wave, to_wave) -> pd.DataFrame:
    """The table of :func:`paired_change`: groups with a value in both waves."""
    k = len(groups)
    change = mean[:, 1] - mean[:, 0]
    diff = compare_independent(np.zeros(k), np.zeros(k), change, se, level=level)
    out = groups.reset_index(drop=True).copy() if by else pd.DataFrame(index=range(1))
    out["from_wave"], out["to_wave"] = from_wave, to_wave
    out["n_from"], out["n_to"], out["n_both"] = n[:, 0], n[:, 1], n_both.astype(int)
    out["mean_from"], out["mean_to"], out["change"] = mean[:, 0], mean[:, 1], change
    out["se"] = se
    out["ci_low"], out["ci_high"] = change - z * se, change + z * se
    out["p_value"] = diff["p_value"].to_numpy()
    return out[(out["n_from"] > 0) & (out["n_to"] > 0)].reset_index(drop=True)


def compare_independent(estimate_a, se_a, estimate_b, se_b, *, level: float = 0.95) -> pd.DataFrame:
    """Difference ``b - a`` of two independent estimates, with a normal interval and p-value.

    Used for the change from wave ``a`` to a later wave ``b`` (independent samples: the same
    respondent in both waves is not assumed) and for own versus reference figures.

    Parameters
    ----------
    estimate_a, se_a, estimate_b, se_b : float or array-like
        Estimates and their standard errors (broadcast against each other).
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row per element: ``change`` (b - a), ``se`` (``sqrt(se_a^2 + se_b^2)``), ``ci_low``,
        ``ci_high`` (``change +- z se``) and ``p_value`` (two-sided, normal). Where ``se`` is 0 the
        p-value is 0 for a nonzero change and 1 for none; NaN inputs give NaN.
    """
    z = z_value(level, name="level")
    a, sa, b, sb = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, dtype=float))
                                         for x in (estimate_a, se_a, estimate_b, se_b)))
    if np.any(sa < 0) or np.any(sb < 0):
        raise ParameterError("standard errors must not be negative.")
    change = b - a
    se = np.sqrt(sa ** 2 + sb ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.abs(change) / se
        p = 2 * stats.norm.sf(stat)
        p = np.where(se == 0, np.where(change == 0, 1.0, 0.0), p)
        p = np.where(np.isnan(change) | np.isnan(se), np.nan, p)
    return pd.DataFrame({"change": change, "se": se, "ci_low": change - z * se,
                         "ci_high": change + z * se, "p_value": p})


def flag_change(ci_low, ci_high, *, positive: str = "above", negative: str = "below",
                neutral: str = "similar") -> np.ndarray:
    """``positive`` where the interval of a difference lies above 0, ``negative`` below, else ``neutral``."""
    low, high = np.asarray(ci_low, dtype=float), np.asarray(ci_high, dtype=float)
    return np.where(low > 0, positive, np.where(high < 0, negative, neutral))


def compare_with_reference(own: pd.DataFrame, reference: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Own mean per question against a reference (benchmark) mean, question by question.

    Parameters
    ----------
    own : DataFrame
        Columns ``question``, ``mean``, ``se``, ``n`` (e.g. from :func:`weighted_levels`).
    reference : DataFrame
        Columns ``question``, ``mean`` and either ``se``, or ``n`` with ``sd``, or ``n`` alone.
        The reference's standard error is, per row and in this order: its ``se``; ``sd / sqrt(n)``;
        with ``n`` but no spread, the own standard deviation ``se_own * sqrt(n_own)`` over
        ``sqrt(n)`` (the reference is assumed as spread out as the own sample); with neither, 0
        (a known population figure). Column ``reference_se_source`` says which
        (``"se"``, ``"sd"``, ``"own_sd"``, ``"none"``).
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        Per question of ``reference`` (in its order): ``question``, ``own_mean``, ``own_se``,
        ``own_n``, ``reference_mean``, ``reference_se``, ``reference_n``, ``reference_se_source``,
        ``difference`` (own - reference), ``se``, ``ci_low``, ``ci_high``, ``p_value`` and ``flag``
        (``"above"`` / ``"below"`` when the interval excludes 0, else ``"similar"``).

    Raises
    ------
    AnalysisError
        When a reference question is not among the own questions (the message names them).
    """
    for name, frame, needed in (("own", own, ["question", "mean", "se", "n"]), ("reference", reference, ["question", "mean"])):
        if not isinstance(frame, pd.DataFrame):
            raise ParameterError(f"{name} must be a pandas DataFrame, not {type(frame).__name__}.")
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ParameterError(f"{name} lacks column(s) {missing}; it has {list(frame.columns)}.")
    unknown = [q for q in reference["question"] if q not in set(own["question"])]
    if unknown:
        raise AnalysisError(f"the reference has question(s) {unknown[:20]!r} that are not among the own questions "
                            f"{list(own['question'])[:20]!r}; correct the question names in the reference file.")
    if own["question"].duplicated().any() or reference["question"].duplicated().any():
        raise AnalysisError("a question appears twice in the own or reference figures; give one row per question.")
    ref = reference.reset_index(drop=True)
    mine = own.set_index("question").loc[ref["question"]].reset_index()
    nan = pd.Series(np.nan, index=ref.index)
    r_se = pd.to_numeric(ref.get("se", nan), errors="coerce").to_numpy(dtype=float)
    r_sd = pd.to_numeric(ref.get("sd", nan), errors="coerce").to_numpy(dtype=float)
    r_n = pd.to_numeric(ref.get("n", nan), errors="coerce").to_numpy(dtype=float)
    o_se, o_n = mine["se"].to_numpy(dtype=float), mine["n"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        from_sd = r_sd / np.sqrt(r_n)
        from_own = o_se * np.sqrt(o_n) / np.sqrt(r_n)
    has_n = np.isfinite(r_n) & (r_n > 0)
    source = np.select([np.isfinite(r_se), np.isfinite(r_sd) & has_n, has_n], ["se", "sd", "own_sd"], "none")
    se_ref = np.select([source == "se", source == "sd", source == "own_sd"], [r_se, from_sd, from_own], 0.0)
    ref_mean = pd.to_numeric(ref["mean"], errors="coerce").to_numpy(dtype=float)
    diff = compare_independent(ref_mean, se_ref, mine["mean"].to_numpy(dtype=float), o_se, level=level)
    return pd.DataFrame({
        "question": ref["question"].to_numpy(), "own_mean": mine["mean"].to_numpy(dtype=float), "own_se": o_se,
        "own_n": o_n, "reference_mean": ref_mean, "reference_se": se_ref, "reference_n": r_n,
        "reference_se_source": source, "difference": diff["change"].to_numpy(), "se": diff["se"].to_numpy(),
        "ci_low": diff["ci_low"].to_numpy(), "ci_high": diff["ci_high"].to_numpy(),
        "p_value": diff["p_value"].to_numpy(), "flag": flag_change(diff["ci_low"], diff["ci_high"])})
