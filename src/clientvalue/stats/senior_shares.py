"""Senior self-identification: who sees themselves as a "senior", by age.

A senior rate or a "65+" service is accepted differentiation, yet many people of
pension age do not see themselves as "senior" (and some younger people do). This
module measures how far an age rule is from how people see themselves.

Conventions shared by every function
------------------------------------
* ``age``: numeric years. Missing ages and ages outside 0-120 are dropped and
  counted in the result's ``n_dropped_age``.
* ``senior``: 1.0 = "yes, I see myself as a senior", 0.0 = "no", NaN = missing.
  Missing answers (among rows with a usable age) are dropped and counted in
  the result's ``n_dropped_answer``. Any other value is a :class:`DataError`.
* Results are small frozen objects (:mod:`clientvalue.stats.senior_result`): the tidy
  ``table`` (no ``DataFrame.attrs``) and typed extras; a notebook shows the table.
* ``weights``: optional positive survey weights. Shares are weighted shares;
  their Wilson intervals use Kish's effective sample size
  ``n_eff = (sum w)**2 / sum w**2`` in place of ``n`` (the usual simple
  design-effect approximation, cf. R ``survey::svyciprop`` with a Kish-type
  effective n). Integer frequency weights give the same *point* shares as
  replicating rows; their intervals are (deliberately) those of the actual
  number of respondents, not of the replicated rows.
* Privacy: a share whose denominator has fewer than ``min_group_size``
  respondents is suppressed: share, interval *and* count are set to missing
  (``n`` is ``<NA>``; display it as "<10"), and the row is flagged.
  Complementary groups (e.g. "65+" and "under 65") are suppressed one by one;
  a reader who also knows the total sample size could still derive a
  suppressed count, so publish the total only where that is acceptable.

Plotting lives in report/plots_senior.py. The age curve is fitted in
:mod:`clientvalue.stats.senior_curve` and the half-way age in :mod:`clientvalue.stats.senior_halfway`
(their public names are re-exported here); the plain-language
text is written in report/senior_text.py (statistics never import the report layer).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.linear_model import OLS, WLS

from clientvalue.defaults import MIN_GROUP_SIZE
from clientvalue.stats.intervals import AGE_LIMITS  # noqa: F401  (re-exported)
from clientvalue.disclosure import check_min_group_size
from clientvalue.stats.intervals import clean_senior_data, z_value, wilson_interval
from clientvalue.errors import ParameterError
from clientvalue.stats.senior_curve import CURVE_STATUSES, SeniorCurve, fit_curve
from clientvalue.stats.senior_halfway import half_way_age
from clientvalue.stats.senior_result import AgeBandShares, HalfWayAge, ThresholdComparison, ValueBySelfImage

__all__ = [
    "CURVE_STATUSES",
    "DEFAULT_BANDS",
    "DEFAULT_THRESHOLDS",
    "REFERENCE_FIGURES",
    "REFERENCE_NOTE",
    "AgeBandShares",
    "HalfWayAge",
    "SeniorCurve",
    "ThresholdComparison",
    "ValueBySelfImage",
    "fit_curve",
    "half_way_age",
    "share_by_age_band",
    "threshold_comparison",
    "value_by_self_image",
    "wilson_interval",
]

DEFAULT_BANDS: tuple[tuple[int, int | None], ...] = (
    (18, 54), (55, 64), (65, 74), (75, 84), (85, None),
)
DEFAULT_THRESHOLDS: tuple[int, ...] = (60, 65, 67, 70, 75, 80)


# --------------------------------------------------------------------------- basics
def _share(y: np.ndarray, w: np.ndarray, ci: float, min_group_size: int) -> dict:
    """Weighted share, Wilson CI on Kish's n_eff, with suppression."""
    n = len(y)
    if n < min_group_size or n == 0:
        return {"n": pd.NA, "share": np.nan, "low": np.nan, "high": np.nan, "suppressed": True}
    p = float(np.sum(w * y) / np.sum(w))
    n_eff = float(np.sum(w) ** 2 / np.sum(w**2))
    low, high = wilson_interval(p, n_eff, ci)
    return {"n": n, "share": p, "low": low, "high": high, "suppressed": False}


def _band_label(low: float, high: float | None) -> str:
    fmt = lambda v: f"{v:g}"  # noqa: E731
    return f"{fmt(low)}+" if high is None else f"{fmt(low)}\u2013{fmt(high)}"


def _check_bands(bands) -> list[tuple[float, float | None]]:
    try:
        out = [(float(lo), None if hi is None else float(hi)) for lo, hi in bands]
    except (TypeError, ValueError):
        raise ParameterError(f"bands={bands!r} is not allowed; give a list of (low, high) pairs, "
                             "high None for an open-ended band, e.g. [(18, 54), (55, 64), (65, None)].") from None
    if not out:
        raise ParameterError("bands is empty; give at least one (low, high) pair.")
    for i, (lo, hi) in enumerate(out):
        if hi is not None and hi < lo:
            raise ParameterError(f"bands: band {_band_label(lo, hi)} has high < low.")
        if hi is None and i != len(out) - 1:
            raise ParameterError("bands: only the last band may be open-ended (high None).")
        if i and lo <= (previous if (previous := out[i - 1][1]) is not None else math.inf):
            raise ParameterError(f"bands must be ascending and not overlap; {_band_label(lo, hi)} "
                                 f"overlaps {_band_label(*out[i - 1])}.")
    return out


# --------------------------------------------------------------------------- 1. bands
def share_by_age_band(data: pd.DataFrame, *, age: str, senior: str, weights: str | None = None,
                      bands: Sequence[tuple[int, int | None]] = DEFAULT_BANDS,
                      min_group_size: int = MIN_GROUP_SIZE, ci: float = 0.95) -> AgeBandShares:
    """Share of each age band that sees itself as a senior, with Wilson intervals.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    age, senior : str
        Columns: age in years; self-identification (1.0 yes / 0.0 no / NaN).
    weights : str, optional
        Column of positive survey weights (weighted share; Wilson on Kish's n_eff).
    bands : sequence of (low, high)
        Whole-year bands; ``(65, 74)`` holds ages ``65 <= age < 75`` (so 74.5
        counts as 74), ``(85, None)`` is open-ended. Labels read "65–74", "85+".
    min_group_size : int
        Bands with fewer usable respondents are suppressed.
    ci : float
        Confidence level.

    Returns
    -------
    AgeBandShares
        ``table``: ``age_band``, ``age_low``, ``age_high``, ``age_mean`` (weighted mean age,
        the x position for plots), ``n``, ``share_senior``, ``ci_low``, ``ci_high``,
        ``suppressed``. For suppressed bands ``n``, ``age_mean``, share and interval
        are missing. Extras: ``n_used``, ``n_dropped_age``, ``n_dropped_answer``, ``weighted``,
        ``min_group_size``, ``ci``, ``n_outside_bands``, ``suppressed`` (band labels).
    """
    mgs = check_min_group_size(min_group_size)
    z_value(ci)
    bands_ = _check_bands(bands)
    df, counts = clean_senior_data(data, age, senior, weights)
    rows, inside = [], np.zeros(len(df), dtype=bool)
    a, y, w = df["age"].to_numpy(), df["senior"].to_numpy(), df["w"].to_numpy()
    for lo, hi in bands_:
        m = (a >= lo) & (a < (hi + 1 if hi is not None else math.inf))
        inside |= m
        r = _share(y[m], w[m], ci, mgs)
        mean_age = np.nan if r["suppressed"] else float(np.average(a[m], weights=w[m]))
        rows.append({"age_band": _band_label(lo, hi), "age_low": lo,
                     "age_high": np.nan if hi is None else hi, "age_mean": mean_age, "n": r["n"],
                     "share_senior": r["share"], "ci_low": r["low"], "ci_high": r["high"],
                     "suppressed": r["suppressed"]})
    out = pd.DataFrame(rows)
    out["n"] = out["n"].astype("Int64")
    out["age_band"] = out["age_band"].astype(str)
    return AgeBandShares(table=out, **vars(counts), min_group_size=mgs, ci=ci,
                         n_outside_bands=int((~inside).sum()),
                         suppressed=tuple(out.loc[out["suppressed"], "age_band"]))


# --------------------------------------------------------------------------- 4. thresholds
def threshold_comparison(data: pd.DataFrame, *, age: str, senior: str, weights: str | None = None,
                         thresholds: Sequence[float] = DEFAULT_THRESHOLDS, ci: float = 0.95,
                         min_group_size: int = MIN_GROUP_SIZE) -> ThresholdComparison:
    """Compare age rules ("senior from age t") with self-identification.

    Parameters
    ----------
    data, age, senior, weights, ci, min_group_size
        As in :func:`share_by_age_band`.
    thresholds : sequence of numbers
        Candidate age rules; the rule labels ``age >= t`` as senior.

    Returns
    -------
    ThresholdComparison
        ``table``, per threshold: ``labelled_against_self_image`` (share of people aged
        >= t who do *not* see themselves as senior) with ``ci_low``/``ci_high``;
        ``missed`` (share of people under t who *do*) with
        ``missed_ci_low``/``missed_ci_high``; ``n_labelled``, ``n_below``.
        A share whose denominator is below ``min_group_size`` is missing, as
        is its count. Extras: ``n_used``, ``n_dropped_age``, ``n_dropped_answer``,
        ``weighted``, ``min_group_size``, ``ci``.
    """
    mgs = check_min_group_size(min_group_size)
    z_value(ci)
    try:
        ts = [float(t) for t in thresholds]
    except (TypeError, ValueError):
        raise ParameterError(f"thresholds={thresholds!r} is not allowed; give a list of ages, e.g. (65, 70).") from None
    if not ts:
        raise ParameterError("thresholds is empty; give at least one age, e.g. (65,).")
    df, counts = clean_senior_data(data, age, senior, weights)
    a, y, w = df["age"].to_numpy(), df["senior"].to_numpy(), df["w"].to_numpy()
    rows = []
    for t in ts:
        up = a >= t
        lab = _share(1.0 - y[up], w[up], ci, mgs)
        mis = _share(y[~up], w[~up], ci, mgs)
        rows.append({"threshold": t, "labelled_against_self_image": lab["share"], "ci_low": lab["low"],
                     "ci_high": lab["high"], "missed": mis["share"], "missed_ci_low": mis["low"],
                     "missed_ci_high": mis["high"], "n_labelled": lab["n"], "n_below": mis["n"]})
    out = pd.DataFrame(rows)
    out["n_labelled"] = out["n_labelled"].astype("Int64")
    out["n_below"] = out["n_below"].astype("Int64")
    return ThresholdComparison(table=out, **vars(counts), min_group_size=mgs, ci=ci)


# --------------------------------------------------------------------------- 5. value
def value_by_self_image(data: pd.DataFrame, *, age: str, senior: str, scores: Mapping[str, str],
                        threshold: float = 65, weights: str | None = None, ci: float = 0.95,
                        min_group_size: int = MIN_GROUP_SIZE) -> ValueBySelfImage:
    """Do people labelled senior against their self-image value the service differently?

    Among people the age rule labels senior (``age >= threshold``), each score is
    regressed on ``against`` (1 = does not see themselves as senior) and age
    (linear): ``score ~ against + age``. Unweighted: OLS with classical standard
    errors. Weighted: WLS with heteroscedasticity-robust (HC1) standard errors.

    Parameters
    ----------
    data, age, senior, weights, ci, min_group_size
        As in :func:`share_by_age_band`.
    scores : mapping
        Display name -> score column, e.g. ``{"emotional": "emotional_score"}``.
    threshold : number
        The age rule.

    Returns
    -------
    ValueBySelfImage
        ``table``: ``score``, ``difference`` (against minus matching, adjusted for age),
        ``ci_low``, ``ci_high``, ``p_value``, ``n_match``, ``n_against``. Rows with
        either group below ``min_group_size`` are suppressed (all missing). Extras:
        ``n_dropped_score`` (rows aged ``threshold`` or over without that score, per score),
        ``threshold``, ``n_used``, ``n_dropped_age``, ``n_dropped_answer``, ``weighted``,
        ``min_group_size``, ``ci``.
    """
    mgs = check_min_group_size(min_group_size)
    z = z_value(ci)
    if not isinstance(scores, Mapping) or not scores:
        raise ParameterError(f"scores={scores!r} is not allowed; give a dict name -> column, "
                             "e.g. {'emotional': 'emotional_score'}.")
    df, counts = clean_senior_data(data, age, senior, weights, extra=list(dict.fromkeys(scores.values())))
    df = df[df["age"] >= float(threshold)]
    rows, dropped = [], {}
    for name, col in scores.items():
        sc = pd.to_numeric(df[col], errors="coerce").astype(float)
        sub = df[sc.notna()]
        dropped[name] = int(sc.isna().sum())
        against = 1.0 - sub["senior"].to_numpy()
        n_ag, n_ma = int(against.sum()), int(len(sub) - against.sum())
        row = {"score": name, "difference": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "p_value": np.nan, "n_match": pd.NA, "n_against": pd.NA}
        if n_ag >= mgs and n_ma >= mgs:
            X = np.column_stack([np.ones(len(sub)), against, sub["age"].to_numpy()])
            yv = sc[sc.notna()].to_numpy()
            if weights is None:
                res = OLS(yv, X).fit()
            else:
                wv = sub["w"].to_numpy()
                res = WLS(yv, X, weights=wv / wv.mean()).fit(cov_type="HC1")
            b, se = float(res.params[1]), float(res.bse[1])
            dist = stats.t(res.df_resid) if weights is None else stats.norm
            q = float(dist.ppf(0.5 + ci / 2)) if weights is None else z
            row.update(difference=b, ci_low=b - q * se, ci_high=b + q * se,
                       p_value=float(2 * dist.sf(abs(b / se))) if se > 0 else np.nan,
                       n_match=n_ma, n_against=n_ag)
        rows.append(row)
    out = pd.DataFrame(rows)
    out["n_match"] = out["n_match"].astype("Int64")
    out["n_against"] = out["n_against"].astype("Int64")
    out["score"] = out["score"].astype(str)
    return ValueBySelfImage(table=out, **vars(counts), min_group_size=mgs, ci=ci, threshold=float(threshold),
                            n_dropped_score=dropped)


# --------------------------------------------------------------------------- 6. reference
#: What :data:`REFERENCE_FIGURES` measure, and why they are for orientation only.
REFERENCE_NOTE = ("These published figures measure *feeling old*, not identifying with the word "
                  "'senior'; they are shown for orientation only and are not directly comparable.")

REFERENCE_FIGURES = pd.DataFrame(
    [
        ("CBS", "Statistics Netherlands (CBS), Belevingen 2019, ~3,800 people aged 55+ in private households; "
         "'Ik voel mezelf oud'. https://www.cbs.nl/nl-nl/nieuws/2020/18/54-procent-van-de-55-plussers-geniet-van-ouder-worden",
         "feeling old", 55, 64, 0.06),
        ("CBS", "Statistics Netherlands (CBS), Belevingen 2019 (as above)", "feeling old", 65, 74, 0.05),
        ("CBS", "Statistics Netherlands (CBS), Belevingen 2019 (as above)", "feeling old", 75, np.nan, 0.17),
        ("Pew", "Pew Research Center (2009), Growing Old in America: Expectations vs. Reality, "
         "2,969 US adults; 'feel old'. https://www.pewresearch.org/social-trends/2009/06/29/growing-old-in-america-expectations-vs-reality/",
         "feeling old", 65, 74, 0.21),
        ("Pew", "Pew Research Center (2009), Growing Old in America (as above)", "feeling old", 75, np.nan, 0.35),
    ],
    columns=["source", "citation", "measure", "age_low", "age_high", "share"],
)
