"""Senior self-identification: who sees themselves as a "senior", by age.

A senior rate or a "65+" service is accepted differentiation, yet many people of
pension age do not see themselves as "senior" (and some younger people do). This
module measures how far an age rule is from how people see themselves.

Conventions shared by every function
------------------------------------
* ``age``: numeric years. Missing ages and ages outside 0-120 are dropped and
  counted in ``.attrs["n_dropped_age"]``.
* ``senior``: 1.0 = "yes, I see myself as a senior", 0.0 = "no", NaN = missing.
  Missing answers (among rows with a usable age) are dropped and counted in
  ``.attrs["n_dropped_answer"]``. Any other value is a :class:`DataError`.
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

Plotting lives in :mod:`clientvalue.plots_senior`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
from scipy import optimize, stats
from scipy.special import expit
from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

from clientvalue.errors import AnalysisError, DataError, ParameterError

__all__ = [
    "DEFAULT_BANDS",
    "DEFAULT_THRESHOLDS",
    "REFERENCE_FIGURES",
    "SeniorCurve",
    "describe_findings",
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
AGE_LIMITS = (0.0, 120.0)


# --------------------------------------------------------------------------- basics
def _z(ci: float) -> float:
    if not isinstance(ci, (int, float)) or not 0 < ci < 1:
        raise ParameterError(f"ci={ci!r} is not allowed; give a confidence level between 0 and 1, e.g. 0.95.")
    return float(stats.norm.ppf(0.5 + ci / 2))


def _check_min_group_size(min_group_size: int) -> int:
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, (int, np.integer)) or min_group_size < 1:
        raise ParameterError(f"min_group_size={min_group_size!r} is not allowed; give a whole number >= 1.")
    return int(min_group_size)


def wilson_interval(share: float | np.ndarray, n: float | np.ndarray, ci: float = 0.95):
    """Wilson score interval for a proportion.

    Parameters
    ----------
    share : float or array
        Observed (possibly weighted) proportion.
    n : float or array
        Number of observations, or Kish's effective sample size for weighted data.
    ci : float
        Confidence level.

    Returns
    -------
    tuple of (low, high), floats or arrays; NaN where ``n <= 0``.
    """
    z = _z(ci)
    p = np.asarray(share, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def _clean(data: pd.DataFrame, age: str, senior: str, weights: str | None,
           extra: Sequence[str] = ()) -> pd.DataFrame:
    """Return a frame with float columns ``age``, ``senior``, ``w`` (+ ``extra``)
    after dropping unusable rows; the counts are in ``.attrs``."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame, not {type(data).__name__}.")
    for arg, col in (("age", age), ("senior", senior), ("weights", weights)):
        if col is not None and col not in data.columns:
            raise ParameterError(f"{arg}={col!r} is not a column of data; columns are {list(data.columns)}.")
    for col in extra:
        if col not in data.columns:
            raise ParameterError(f"column {col!r} is not in data; columns are {list(data.columns)}.")
    a = pd.to_numeric(data[age], errors="coerce").astype(float)
    bad_age = a.isna() | (a < AGE_LIMITS[0]) | (a > AGE_LIMITS[1])
    s_raw = data[senior]
    s = (s_raw.astype(float) if s_raw.dtype == bool
         else pd.to_numeric(s_raw, errors="coerce").astype(float))
    invalid = s_raw.notna() & (s.isna() | ~s.isin([0.0, 1.0]))
    if invalid.any():
        vals = sorted({str(v) for v in s_raw[invalid].unique()})[:10]
        raise DataError(f"senior column {senior!r} must hold 1 (yes), 0 (no) or missing; "
                        f"found {vals} in {int(invalid.sum())} rows. Map the codes via the codebook.")
    bad_answer = ~bad_age & s.isna()
    keep = ~bad_age & ~bad_answer
    out = pd.DataFrame({"age": a[keep], "senior": s[keep]})
    if weights is None:
        out["w"] = 1.0
    else:
        w = pd.to_numeric(data.loc[keep, weights], errors="coerce").astype(float)
        badw = w.isna() | ~np.isfinite(w) | (w <= 0)
        if badw.any():
            raise DataError(f"weights column {weights!r} has {int(badw.sum())} missing, zero, negative "
                            "or non-numeric weights among usable rows; weights must be positive numbers.")
        out["w"] = w
    for col in extra:
        out[col] = data.loc[keep, col]
    out.attrs = {"n_dropped_age": int(bad_age.sum()), "n_dropped_answer": int(bad_answer.sum()),
                 "n_used": int(keep.sum()), "weighted": weights is not None}
    return out


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
        if i and lo <= (out[i - 1][1] if out[i - 1][1] is not None else math.inf):
            raise ParameterError(f"bands must be ascending and not overlap; {_band_label(lo, hi)} "
                                 f"overlaps {_band_label(*out[i - 1])}.")
    return out


# --------------------------------------------------------------------------- 1. bands
def share_by_age_band(data: pd.DataFrame, *, age: str, senior: str, weights: str | None = None,
                      bands: Sequence[tuple[int, int | None]] = DEFAULT_BANDS,
                      min_group_size: int = 10, ci: float = 0.95) -> pd.DataFrame:
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
    DataFrame
        ``age_band``, ``age_low``, ``age_high``, ``age_mean`` (weighted mean age,
        the x position for plots), ``n``, ``share_senior``, ``ci_low``, ``ci_high``,
        ``suppressed``. For suppressed bands ``n``, ``age_mean``, share and interval
        are missing. ``.attrs``: ``n_dropped_age``, ``n_dropped_answer``,
        ``n_outside_bands``, ``n_used``, ``suppressed`` (band labels),
        ``min_group_size``, ``ci``, ``weighted``.
    """
    mgs = _check_min_group_size(min_group_size)
    _z(ci)
    bands_ = _check_bands(bands)
    df = _clean(data, age, senior, weights)
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
    out.attrs = {**df.attrs, "n_outside_bands": int((~inside).sum()),
                 "suppressed": out.loc[out["suppressed"], "age_band"].tolist(),
                 "min_group_size": mgs, "ci": ci}
    return out


# --------------------------------------------------------------------------- 4. thresholds
def threshold_comparison(data: pd.DataFrame, *, age: str, senior: str, weights: str | None = None,
                         thresholds: Sequence[float] = DEFAULT_THRESHOLDS, ci: float = 0.95,
                         min_group_size: int = 10) -> pd.DataFrame:
    """Compare age rules ("senior from age t") with self-identification.

    Parameters
    ----------
    data, age, senior, weights, ci, min_group_size
        As in :func:`share_by_age_band`.
    thresholds : sequence of numbers
        Candidate age rules; the rule labels ``age >= t`` as senior.

    Returns
    -------
    DataFrame
        Per threshold: ``labelled_against_self_image`` (share of people aged
        >= t who do *not* see themselves as senior) with ``ci_low``/``ci_high``;
        ``missed`` (share of people under t who *do*) with
        ``missed_ci_low``/``missed_ci_high``; ``n_labelled``, ``n_below``.
        A share whose denominator is below ``min_group_size`` is missing, as
        is its count. ``.attrs`` as in :func:`share_by_age_band`.
    """
    mgs = _check_min_group_size(min_group_size)
    _z(ci)
    try:
        ts = [float(t) for t in thresholds]
    except (TypeError, ValueError):
        raise ParameterError(f"thresholds={thresholds!r} is not allowed; give a list of ages, e.g. (65, 70).") from None
    if not ts:
        raise ParameterError("thresholds is empty; give at least one age, e.g. (65,).")
    df = _clean(data, age, senior, weights)
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
    out.attrs = {**df.attrs, "min_group_size": mgs, "ci": ci}
    return out


# --------------------------------------------------------------------------- 5. value
def value_by_self_image(data: pd.DataFrame, *, age: str, senior: str, scores: Mapping[str, str],
                        threshold: float = 65, weights: str | None = None, ci: float = 0.95,
                        min_group_size: int = 10) -> pd.DataFrame:
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
    DataFrame
        ``score``, ``difference`` (against minus matching, adjusted for age),
        ``ci_low``, ``ci_high``, ``p_value``, ``n_match``, ``n_against``. Rows with
        either group below ``min_group_size`` are suppressed (all missing).
        ``.attrs["n_dropped_score"]``: rows without that score, per score.
    """
    mgs = _check_min_group_size(min_group_size)
    z = _z(ci)
    if not isinstance(scores, Mapping) or not scores:
        raise ParameterError(f"scores={scores!r} is not allowed; give a dict name -> column, "
                             "e.g. {'emotional': 'emotional_score'}.")
    df = _clean(data, age, senior, weights, extra=list(dict.fromkeys(scores.values())))
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
                res = sm.OLS(yv, X).fit()
            else:
                wv = sub["w"].to_numpy()
                res = sm.WLS(yv, X, weights=wv / wv.mean()).fit(cov_type="HC1")
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
    out.attrs = {**df.attrs, "threshold": float(threshold), "n_dropped_score": dropped,
                 "min_group_size": mgs, "ci": ci}
    return out


# --------------------------------------------------------------------------- 6. reference
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
REFERENCE_FIGURES.attrs["note"] = REFERENCE_NOTE


# --------------------------------------------------------------------------- 2. curve
CURVE_STATUSES = ("ok", "all_no", "all_yes", "separation")
_MAX_ABS_LOGIT = 15.0  # |fitted logit| above this (p < 3e-7) is taken as diverging ML estimates


@dataclass
class SeniorCurve:
    """A fitted probability of seeing oneself as a senior, by age.

    Made by :func:`fit_curve`; do not build it yourself. ``status`` says what
    could be fitted: ``"ok"`` (a logistic regression), ``"all_no"`` /
    ``"all_yes"`` (everybody answered the same: no model is needed or
    possible), ``"separation"`` (the answers are perfectly predicted, e.g. every
    "yes" is older than every "no": the maximum-likelihood curve does not exist;
    ``gap`` then holds (oldest "no", youngest "yes") when that is the reason).
    ``message`` explains the status in plain words. ``method`` is ``"ml"``
    (maximum likelihood) or ``"firth"`` (penalised likelihood, used when some
    age range is all "no" or all "yes" and the ML estimates diverge).
    """

    status: str
    df: int
    adjust_for: list[str]
    n: int
    age_min: float
    age_max: float
    weighted: bool
    share: float
    n_eff: float
    message: str = ""
    method: str = "ml"
    coef: np.ndarray | None = None
    cov: np.ndarray | None = None
    result: object = None
    gap: tuple[float, float] | None = None
    attrs: dict = field(default_factory=dict)
    _design_info: object = field(default=None, repr=False)
    _X: np.ndarray | None = field(default=None, repr=False)
    _y: np.ndarray | None = field(default=None, repr=False)
    _w: np.ndarray | None = field(default=None, repr=False)
    _patterns: pd.DataFrame | None = field(default=None, repr=False)
    _pattern_w: np.ndarray | None = field(default=None, repr=False)

    def _design(self, ages: np.ndarray) -> np.ndarray:
        """Design matrices at ``ages`` for every covariate pattern: (P, G, k)."""
        mats = []
        for j in range(len(self._pattern_w)):
            frame = pd.DataFrame({"age": ages})
            for c in self._patterns.columns:
                frame[c] = np.full(len(ages), self._patterns[c].iloc[j], dtype=object)
            mats.append(np.asarray(patsy.build_design_matrices([self._design_info], frame)[0]))
        return np.stack(mats)

    def probability(self, ages, coef: np.ndarray | None = None) -> np.ndarray:
        """Fitted probability at ``ages`` (averaged over covariate patterns); NaN outside the observed ages."""
        return self.predict(ages, _coef=coef, _point_only=True)["p"].to_numpy()

    def predict(self, ages=None, *, ci: float = 0.95, _coef=None, _point_only=False) -> pd.DataFrame:
        """Fitted share seeing themselves as senior at the given ages, with a confidence band.

        The band comes from the delta method on the logit scale, transformed back
        with the logistic function (so it stays within 0-1). For a model adjusted
        for other attributes, the prediction at age *a* is the (weighted) average
        of the fitted probabilities of all respondents had they been age *a*
        (standardisation to the sample's mix of attributes).

        Parameters
        ----------
        ages : array-like, optional
            Ages; default 200 points over the observed range. Outside the
            observed range the result is NaN (no extrapolation).
        ci : float
            Confidence level.

        Returns
        -------
        DataFrame with ``age``, ``p``, ``ci_low``, ``ci_high``.
        """
        z = _z(ci)
        a = (np.linspace(self.age_min, self.age_max, 200) if ages is None
             else np.atleast_1d(np.asarray(ages, dtype=float)))
        p, lo, hi = (np.full(len(a), np.nan) for _ in range(3))
        inside = (a >= self.age_min - 1e-9) & (a <= self.age_max + 1e-9)
        if self.status == "all_no":
            p[inside], lo[inside] = 0.0, 0.0
            hi[inside] = wilson_interval(0.0, self.n_eff, ci)[1]
        elif self.status == "all_yes":
            p[inside], hi[inside] = 1.0, 1.0
            lo[inside] = wilson_interval(1.0, self.n_eff, ci)[0]
        elif self.status == "separation":
            if self.gap is not None:
                p[inside & (a <= self.gap[0])] = 0.0
                p[inside & (a >= self.gap[1])] = 1.0
        elif inside.any():
            coef = self.coef if _coef is None else _coef
            X = self._design(a[inside])                       # (P, G, k)
            pj = expit(X @ coef)                              # (P, G)
            pbar = self._pattern_w @ pj
            p[inside] = pbar
            if not _point_only:
                grad = np.einsum("p,pg,pgk->gk", self._pattern_w, pj * (1 - pj), X)
                var = np.einsum("gk,kl,gl->g", grad, self.cov, grad)
                pc = np.clip(pbar, 1e-12, 1 - 1e-12)
                se = np.sqrt(np.maximum(var, 0.0)) / (pc * (1 - pc))
                lg = np.log(pc / (1 - pc))
                lo[inside], hi[inside] = expit(lg - z * se), expit(lg + z * se)
        return pd.DataFrame({"age": a, "p": p, "ci_low": lo, "ci_high": hi})


def fit_curve(data: pd.DataFrame, *, age: str, senior: str, weights: str | None = None, df: int = 4,
              adjust_for: list[str] | None = None) -> SeniorCurve:
    """Logistic regression of seeing oneself as senior on a smooth function of age.

    ``df=1`` fits a plain linear logit (``logit P = b0 + b1*age``); ``df >= 2``
    a natural cubic regression spline (patsy ``cr(age, df=df,
    constraints="center")``, knots at age quantiles). Other attributes in
    ``adjust_for`` enter as categorical main effects. Fitted with statsmodels
    ``GLM(Binomial)``; with weights, the weights (rescaled to mean 1) are
    ``var_weights`` and the covariance is the robust sandwich (HC0), as in R
    ``survey::svyglm``; without, the usual model-based covariance.

    When maximum likelihood diverges (does not converge, or a fitted logit beyond
    +-15, i.e. p < 3e-7) because some age range is all "no" (or all "yes") - common: hardly anyone under 40 calls themselves senior - the model
    is refitted with Firth's penalised likelihood (as R ``logistf``), whose
    estimates stay finite; the interval then uses its inverse Fisher information
    (sandwich with weights). ``curve.method`` says which was used.

    All-"no", all-"yes" and perfectly separated answers give a curve with that
    ``status`` instead of an error; :class:`AnalysisError` is raised only when
    nothing can be said (no usable rows, too few distinct ages for ``df``).

    Parameters
    ----------
    data, age, senior, weights
        As in :func:`share_by_age_band`.
    df : int
        Degrees of freedom for age (1 = linear).
    adjust_for : list of str, optional
        Categorical columns to adjust for; rows missing them are dropped and
        counted in ``.attrs["n_dropped_covariate"]``.

    Returns
    -------
    SeniorCurve
    """
    if isinstance(df, bool) or not isinstance(df, (int, np.integer)) or not 1 <= df <= 12:
        raise ParameterError(f"df={df!r} is not allowed; give a whole number from 1 (linear) to 12.")
    adjust = list(adjust_for or [])
    if any(not isinstance(c, str) for c in adjust) or age in adjust or senior in adjust:
        raise ParameterError(f"adjust_for={adjust_for!r} is not allowed; give a list of column names "
                             "other than the age and senior columns.")
    d = _clean(data, age, senior, weights, extra=adjust)
    attrs = dict(d.attrs)
    miss = d[adjust].isna().any(axis=1) if adjust else pd.Series(False, index=d.index)
    d = d[~miss]
    attrs["n_dropped_covariate"] = int(miss.sum())
    if len(d) == 0:
        raise AnalysisError(f"No usable rows: {attrs['n_dropped_age']} rows had a missing or impossible age, "
                            f"{attrs['n_dropped_answer']} a missing senior answer, "
                            f"{attrs['n_dropped_covariate']} a missing adjust_for value.")
    a, y, w = d["age"].to_numpy(), d["senior"].to_numpy(), d["w"].to_numpy()
    share = float(np.sum(w * y) / np.sum(w))
    n_eff = float(np.sum(w) ** 2 / np.sum(w**2))
    base = dict(df=int(df), adjust_for=adjust, n=len(d), age_min=float(a.min()), age_max=float(a.max()),
                weighted=weights is not None, share=share, n_eff=n_eff, attrs=attrs)
    if y.max() == 0:
        return SeniorCurve(status="all_no", message="Nobody sees themselves as a senior; no curve is needed.", **base)
    if y.min() == 1:
        return SeniorCurve(status="all_yes", message="Everybody sees themselves as a senior; no curve is needed.",
                           **base)
    max_no, min_yes = a[y == 0].max(), a[y == 1].min()
    if max_no < min_yes or a[y == 1].max() < a[y == 0].min():
        gap = (float(max_no), float(min_yes)) if max_no < min_yes else None
        return SeniorCurve(status="separation", gap=gap, message=(
            "Age separates the answers perfectly (every 'yes' is older than every 'no'), so a smooth "
            "curve cannot be estimated." if gap else
            "Age separates the answers perfectly (every 'yes' is younger than every 'no')."), **base)
    if len(np.unique(a)) < df + 1:
        raise AnalysisError(f"Only {len(np.unique(a))} distinct ages; a curve with df={df} needs at least {df + 1}. "
                            "Lower df.")
    safe = {c: f"x{i}" for i, c in enumerate(adjust)}
    frame = pd.DataFrame({"age": a})
    for c, s in safe.items():
        frame[s] = d[c].astype(str).to_numpy(dtype=object)
    rhs = "age" if df == 1 else f"cr(age, df={int(df)}, constraints='center')"
    rhs += "".join(f" + C({s})" for s in safe.values())
    Xd = patsy.dmatrix(rhs, frame)
    X = np.asarray(Xd)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise AnalysisError(f"The model {rhs!r} cannot be estimated: its terms are collinear "
                            "(e.g. an adjust_for attribute that is constant or tied to age).")
    wn = w / w.mean()
    if adjust:
        grp = frame[list(safe.values())].assign(_w=wn).groupby(list(safe.values()), sort=True)["_w"].sum()
        patterns = grp.index.to_frame(index=False)
        pattern_w = grp.to_numpy() / grp.sum()
    else:
        patterns, pattern_w = pd.DataFrame(index=[0]), np.array([1.0])
    method, coef, cov, res = "ml", None, None, None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = sm.GLM(y, X, family=sm.families.Binomial(), var_weights=wn if weights else None)
            res = model.fit(cov_type="HC0" if weights else "nonrobust")
        # diverging ML estimates (quasi-separation) show up as fitted logits far out in the tails
        ok = (res.converged and np.all(np.isfinite(res.params))
              and np.max(np.abs(X @ np.asarray(res.params))) < _MAX_ABS_LOGIT
              and not any(issubclass(c.category, PerfectSeparationWarning) for c in caught))
    except (PerfectSeparationError, np.linalg.LinAlgError):
        ok = False
    if ok:
        coef, cov = np.asarray(res.params), np.asarray(res.cov_params())
    else:
        # (quasi-)separation, typically "nobody young says yes": Firth's penalised likelihood
        res = None
        coef, converged = _firth(X, y, wn)
        if not converged:
            return SeniorCurve(status="separation", message=(
                "The answers are (almost) perfectly predicted by the model, so the curve cannot be estimated; "
                "try a lower df or fewer adjust_for attributes."), **base)
        method, cov = "firth", _logit_cov(X, y, wn, coef, robust=weights is not None)
    return SeniorCurve(status="ok", method=method, message=(
        "" if method == "ml" else "Some age ranges are all 'no' (or all 'yes'); the curve was estimated with "
        "Firth's penalised likelihood."), coef=coef, cov=cov, result=res, _design_info=Xd.design_info, _X=X,
        _y=y, _w=wn, _patterns=patterns, _pattern_w=pattern_w, **base)


def _logit_cov(X: np.ndarray, y: np.ndarray, w: np.ndarray, beta: np.ndarray, robust: bool) -> np.ndarray:
    """Inverse Fisher information, or the HC0 sandwich when ``robust``."""
    mu = expit(X @ beta)
    bread = np.linalg.inv((X * (w * mu * (1 - mu))[:, None]).T @ X)
    if not robust:
        return bread
    g = X * (w * (y - mu))[:, None]
    return bread @ (g.T @ g) @ bread


def _penalised_loglik(X: np.ndarray, y: np.ndarray, w: np.ndarray, beta: np.ndarray) -> float:
    """Firth's penalised log-likelihood l(b) + 0.5 log det I(b)."""
    eta = X @ beta
    mu = expit(eta)
    sign, logdet = np.linalg.slogdet((X * (w * mu * (1 - mu))[:, None]).T @ X)
    if sign <= 0:
        return -math.inf
    return float(np.sum(w * (y * eta - np.logaddexp(0.0, eta))) + 0.5 * logdet)


def _firth(X: np.ndarray, y: np.ndarray, w: np.ndarray, beta0: np.ndarray | None = None,
           max_iter: int = 200, tol: float = 1e-8) -> tuple[np.ndarray, bool]:
    """Firth (1993) bias-reduced logistic regression (as R ``logistf``), weighted.

    Newton steps on the modified score ``X'(w(y - mu) + h(1/2 - mu))`` (``h``: hat
    diagonal with weights ``w mu (1 - mu)``), halved until the penalised
    log-likelihood does not decrease. Estimates are finite even under separation.
    """
    beta = np.zeros(X.shape[1]) if beta0 is None else beta0.astype(float).copy()
    cur = _penalised_loglik(X, y, w, beta)
    for _ in range(max_iter):
        mu = expit(X @ beta)
        v = w * mu * (1 - mu)
        try:
            inv_info = np.linalg.inv((X * v[:, None]).T @ X)
        except np.linalg.LinAlgError:
            return beta, False
        h = v * np.sum((X @ inv_info) * X, axis=1)
        step = inv_info @ (X.T @ (w * (y - mu) + h * (0.5 - mu)))
        t = 1.0
        while t > 1e-10:
            new = beta + t * step
            val = _penalised_loglik(X, y, w, new)
            if val >= cur - 1e-12:
                break
            t /= 2
        else:
            return beta, False
        beta, cur = new, val
        if np.max(np.abs(t * step)) < tol * (1 + np.max(np.abs(beta))):
            return beta, True
    return beta, False


# --------------------------------------------------------------------------- 3. half-way age
def _first_crossing(grid: np.ndarray, p: np.ndarray) -> tuple[float, str]:
    """Age where p first reaches 0.5 (linear interpolation between grid points)."""
    if p[0] >= 0.5:
        return math.nan, "above_half_throughout"
    idx = np.flatnonzero(p >= 0.5)
    if not len(idx):
        return math.nan, "never_half"
    i = idx[0]
    a0, a1, p0, p1 = grid[i - 1], grid[i], p[i - 1], p[i]
    return float(a0 + (0.5 - p0) * (a1 - a0) / (p1 - p0)), "ok"


def _irls(X: np.ndarray, y: np.ndarray, w: np.ndarray, beta0: np.ndarray,
          max_iter: int = 50, tol: float = 1e-8) -> tuple[np.ndarray, bool]:
    """Weighted logistic regression by Newton-Raphson (fast refits for the bootstrap)."""
    beta = beta0.copy()
    for _ in range(max_iter):
        mu = expit(X @ beta)
        H = (X * (w * mu * (1 - mu))[:, None]).T @ X
        try:
            step = np.linalg.solve(H, X.T @ (w * (y - mu)))
        except np.linalg.LinAlgError:
            return beta, False
        beta = beta + step
        if not np.all(np.isfinite(beta)):
            return beta, False
        if np.max(np.abs(step)) < tol * (1 + np.max(np.abs(beta))):
            return beta, bool(np.max(np.abs(X @ beta)) < _MAX_ABS_LOGIT)
    return beta, False


def half_way_age(curve_or_data: SeniorCurve | pd.DataFrame, *, age: str | None = None,
                 senior: str | None = None, weights: str | None = None, df: int = 4,
                 adjust_for: list[str] | None = None, n_boot: int = 500, ci: float = 0.95,
                 seed: int | None = None) -> pd.Series:
    """The age at which half see themselves as a senior, with a bootstrap interval.

    The age where the fitted curve first reaches 0.5 within the observed ages
    (grid of 0.1 year, refined by root-finding). The interval is the bootstrap
    percentile interval: respondents are resampled with replacement (weights
    kept), the model refitted with the knots of the original fit, and the
    half-way age recomputed. A resample whose curve never reaches one half counts
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
    Series
        ``age_half``, ``ci_low``, ``ci_high``, ``n``, ``status``:
        ``"ok"``; ``"never_half"`` (below one half at every observed age);
        ``"above_half_throughout"`` (already at or above one half at the youngest
        age); ``"separation"`` (answers split perfectly by age: ``age_half`` is
        the middle of the gap between the oldest "no" and the youngest "yes",
        which are the interval bounds). ``.attrs``: ``n_boot``,
        ``n_boot_failed`` (refits that did not converge, left out),
        ``n_boot_firth`` (refits done with Firth's method), ``message``.
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
    _z(ci)
    out = {"age_half": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": curve.n, "status": ""}
    attrs = {"n_boot": 0, "n_boot_failed": 0, "message": curve.message}
    if curve.status in ("all_no", "all_yes"):
        out["status"] = "never_half" if curve.status == "all_no" else "above_half_throughout"
    elif curve.status == "separation":
        out["status"] = "separation"
        if curve.gap is not None:
            out.update(age_half=(curve.gap[0] + curve.gap[1]) / 2, ci_low=curve.gap[0], ci_high=curve.gap[1])
    else:
        grid = np.unique(np.r_[np.arange(curve.age_min, curve.age_max, 0.1), curve.age_max])
        est, status = _first_crossing(grid, curve.probability(grid))
        if status == "ok":
            i = int(np.searchsorted(grid, est))
            lo_a, hi_a = grid[max(i - 1, 0)], grid[min(i, len(grid) - 1)]
            f = lambda x: float(curve.probability([x])[0]) - 0.5  # noqa: E731
            if lo_a < hi_a and f(lo_a) < 0 <= f(hi_a):
                est = float(optimize.brentq(f, lo_a, hi_a, xtol=1e-10))
        out.update(age_half=est, status=status)
        if n_boot > 0:
            rng = np.random.default_rng(seed)
            Xg = curve._design(grid)
            big = 1e9
            vals, failed, n_firth = [], 0, 0
            n = len(curve._y)
            for _ in range(n_boot):
                idx = rng.integers(0, n, n)
                yb = curve._y[idx]
                if yb.min() == yb.max():
                    vals.append(big if yb.max() == 0 else -big)
                    continue
                Xb, wb = curve._X[idx], curve._w[idx]
                ok = False
                if curve.method == "ml":
                    beta, ok = _irls(Xb, yb, wb, curve.coef)
                if not ok:
                    beta, ok = _firth(Xb, yb, wb, curve.coef)
                    n_firth += 1
                if not ok:
                    failed += 1
                    continue
                eb, sb = _first_crossing(grid, curve._pattern_w @ expit(Xg @ beta))
                vals.append(eb if sb == "ok" else (big if sb == "never_half" else -big))
            attrs.update(n_boot=n_boot, n_boot_failed=failed, n_boot_firth=n_firth)
            if vals:
                lo, hi = np.quantile(np.asarray(vals), [(1 - ci) / 2, (1 + ci) / 2], method="inverted_cdf")
                out["ci_low"] = float(lo) if abs(lo) < big else math.nan
                out["ci_high"] = float(hi) if abs(hi) < big else math.nan
    s = pd.Series(out, dtype=object)
    s.attrs = attrs
    return s


# --------------------------------------------------------------------------- 7. text
_TEXT = {
    "en": {
        "title": "## Who sees themselves as a senior?",
        "band": "- Aged {band}: {pct} see themselves as a senior (95% CI {lo}\u2013{hi}).",
        "ok": "- From about age **{age}**{ci}, half or more of the respondents of that age see themselves as a senior.",
        "ci": " (95% CI {lo}\u2013{hi})",
        "never_half": "- At no age in this survey does half of the respondents see themselves as a senior.",
        "above_half_throughout": "- Already at the youngest ages in this survey, half or more see themselves as a senior.",
        "separation": "- In this survey every respondent who sees themselves as a senior is older than every one "
                      "who does not; the switch lies between about age {lo} and {hi}.",
        "separation_other": "- A smooth curve could not be estimated (the answers are perfectly predicted).",
        "labelled": "- A {t}+ rule would label **{pct}** of people aged {t} or over as senior although they do not "
                    "see themselves that way (95% CI {lo}\u2013{hi}).",
        "missed": "- Of people under {t}, **{pct}** do see themselves as a senior (95% CI {lo}\u2013{hi}); an age rule "
                  "misses them.",
        "t_suppressed": "- The comparison with a {t}+ rule is not shown for a group with fewer than {m} respondents.",
        "meaning_title": "### What this means",
        "meaning": ("An age-based offer (such as a {t}+ rate) is accepted differentiation when it benefits the group, "
                    "but many people it targets do not see themselves as 'senior'. Make the offer optional, so anyone "
                    "can opt out without disadvantage, and name it by what it gives - a *reduced rate* or *extra "
                    "help* - rather than by the word 'senior'."),
        "suppressed": "_Not shown: {bands} (fewer than {m} respondents)._",
    },
    "nl": {
        "title": "## Wie ziet zichzelf als senior?",
        "band": "- {band} jaar: {pct} ziet zichzelf als senior (95%-BI {lo}\u2013{hi}).",
        "ok": "- Vanaf ongeveer **{age}** jaar{ci} ziet de helft of meer van de respondenten van die leeftijd zichzelf als senior.",
        "ci": " (95%-BI {lo}\u2013{hi} jaar)",
        "never_half": "- Op geen enkele leeftijd in dit onderzoek ziet de helft van de respondenten zichzelf als senior.",
        "above_half_throughout": "- Al bij de jongste leeftijden in dit onderzoek ziet de helft of meer zichzelf als senior.",
        "separation": "- In dit onderzoek is iedereen die zichzelf senior noemt ouder dan iedereen die dat niet doet; "
                      "de omslag ligt tussen ongeveer {lo} en {hi} jaar.",
        "separation_other": "- Er kon geen vloeiende curve worden geschat (de antwoorden zijn volledig voorspelbaar).",
        "labelled": "- Een regel '{t}+' zou **{pct}** van de mensen van {t} jaar en ouder als senior aanmerken terwijl "
                    "zij zichzelf niet zo zien (95%-BI {lo}\u2013{hi}).",
        "missed": "- Van de mensen jonger dan {t} ziet **{pct}** zichzelf wel als senior (95%-BI {lo}\u2013{hi}); "
                  "een leeftijdsregel mist hen.",
        "t_suppressed": "- De vergelijking met een regel '{t}+' wordt niet getoond voor een groep met minder dan {m} "
                        "respondenten.",
        "meaning_title": "### Wat betekent dit?",
        "meaning": ("Een aanbod op basis van leeftijd (zoals een {t}+-tarief) is geaccepteerd onderscheid als het de "
                    "groep voordeel biedt, maar veel mensen voor wie het bedoeld is, zien zichzelf niet als 'senior'. "
                    "Maak het aanbod vrijblijvend, zodat iedereen ervan kan afzien zonder nadeel, en noem het naar wat "
                    "het biedt - een *tarief met korting* of *extra hulp* - in plaats van naar het woord 'senior'."),
        "suppressed": "_Niet getoond: {bands} (minder dan {m} respondenten)._",
    },
}


def _pct(x: float, language: str) -> str:
    """Whole percent; one decimal below 10% (so 0.6% does not read as 1%); Dutch decimal comma."""
    txt = f"{100 * x:.1f}" if 0 < 100 * x < 9.95 else f"{round(100 * x):d}"
    return (txt.replace(".", ",") if language == "nl" else txt) + "%"


def _num(x: float, language: str) -> str:
    return f"{x:.0f}"


def describe_findings(by_band: pd.DataFrame, half: pd.Series, thresholds: pd.DataFrame, *,
                      threshold: float = 65, language: str = "en") -> str:
    """Plain-language conclusions (markdown) in English or Dutch.

    Cites the band shares, the half-way age and the comparison with the age rule
    ``threshold``, and says what an age-based offer means for people who do not
    see themselves as senior. Suppressed bands are named, never their numbers.

    Parameters
    ----------
    by_band : DataFrame
        From :func:`share_by_age_band`.
    half : Series
        From :func:`half_way_age`.
    thresholds : DataFrame
        From :func:`threshold_comparison`; must contain ``threshold``.
    threshold : number
        The age rule to discuss.
    language : {"en", "nl"}

    Returns
    -------
    str
    """
    if language not in _TEXT:
        raise ParameterError(f"language={language!r} is not allowed; use 'en' or 'nl'.")
    tx = _TEXT[language]
    rows = thresholds[thresholds["threshold"] == float(threshold)]
    if rows.empty:
        raise ParameterError(f"threshold={threshold!r} is not in the thresholds table; it has "
                             f"{thresholds['threshold'].tolist()}.")
    m = by_band.attrs.get("min_group_size", thresholds.attrs.get("min_group_size", 10))
    t = f"{float(threshold):g}"
    lines = [tx["title"], ""]
    for _, r in by_band[~by_band["suppressed"].astype(bool)].iterrows():
        lines.append(tx["band"].format(band=r["age_band"], pct=_pct(r["share_senior"], language),
                                       lo=_pct(r["ci_low"], language), hi=_pct(r["ci_high"], language)))
    status = half["status"]
    if status == "ok":
        ci = ("" if pd.isna(half["ci_low"]) or pd.isna(half["ci_high"]) else
              tx["ci"].format(lo=_num(half["ci_low"], language), hi=_num(half["ci_high"], language)))
        lines.append(tx["ok"].format(age=_num(half["age_half"], language), ci=ci))
    elif status == "separation":
        lines.append(tx["separation"].format(lo=_num(half["ci_low"], language), hi=_num(half["ci_high"], language))
                     if pd.notna(half["age_half"]) else tx["separation_other"])
    elif status in tx:
        lines.append(tx[status])
    r = rows.iloc[0]
    if pd.notna(r["labelled_against_self_image"]):
        lines.append(tx["labelled"].format(t=t, pct=_pct(r["labelled_against_self_image"], language),
                                           lo=_pct(r["ci_low"], language), hi=_pct(r["ci_high"], language)))
    if pd.notna(r["missed"]):
        lines.append(tx["missed"].format(t=t, pct=_pct(r["missed"], language), lo=_pct(r["missed_ci_low"], language),
                                         hi=_pct(r["missed_ci_high"], language)))
    if pd.isna(r["labelled_against_self_image"]) or pd.isna(r["missed"]):
        lines.append(tx["t_suppressed"].format(t=t, m=m))
    lines += ["", tx["meaning_title"], "", tx["meaning"].format(t=t)]
    sup = by_band.loc[by_band["suppressed"].astype(bool), "age_band"].tolist()
    if sup:
        lines += ["", tx["suppressed"].format(bands=", ".join(sup), m=m)]
    return "\n".join(lines) + "\n"
