"""Age curve of senior self-identification: logistic fit (ML or Firth).

Public names are re-exported by :mod:`clientvalue.stats.senior_shares`; data conventions
(``age``, ``senior``, ``weights``) are described there. The half-way age and its bootstrap are in
:mod:`clientvalue.stats.senior_halfway`, which uses :func:`separated`, :func:`first_crossing`,
:func:`irls` and :data:`MAX_ABS_LOGIT` from here.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import patsy
from scipy import optimize
from scipy.special import expit
from statsmodels.genmod.families import Binomial
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.tools.sm_exceptions import PerfectSeparationError

from clientvalue.stats.intervals import clean_senior_data, z_value, wilson_interval
from clientvalue.stats.logistic import firth_logit
from clientvalue.errors import AnalysisError, ParameterError

__all__ = ["CURVE_STATUSES", "MAX_ABS_LOGIT", "SeniorCurve", "first_crossing", "fit_curve", "irls", "logit_cov",
           "separated"]

# --------------------------------------------------------------------------- 2. curve
CURVE_STATUSES = ("ok", "all_no", "all_yes", "separation")
# A fitted logit beyond +-15 (p < 3e-7) is only a reason to *check* for separation (in the bootstrap,
# where a linear programme per replicate would cost too much); it never switches methods by itself:
# on ordinary data maximum likelihood converges with fitted logits beyond it (R's glm agrees).
MAX_ABS_LOGIT = 15.0


def separated(X: np.ndarray, y: np.ndarray) -> bool:
    """Whether the answers are (quasi-)completely separated: the ML estimates do not exist.

    Albert & Anderson (1984): the maximum-likelihood estimate of a logistic regression with a
    full-rank design ``X`` is finite if and only if no direction ``b != 0`` has ``x_i'b >= 0`` for
    every "yes" and ``x_i'b <= 0`` for every "no". The linear programme of Konis (2007; R's
    ``safeBinaryRegression``, ``detectseparation``) looks for one: maximise ``sum_i s_i x_i'b``
    subject to ``s_i x_i'b >= 0`` (``s_i = +1`` for yes, ``-1`` for no) and ``-1 <= b <= 1``. Its
    optimum is 0 without separation and positive with it. Rows may be cells of respondents.

    Parameters
    ----------
    X : ndarray (n, k)
        Design matrix of full column rank.
    y : ndarray (n,)
        Answers, 1 (yes) or 0 (no).

    Returns
    -------
    bool
    """
    s = np.where(np.asarray(y) > 0.5, 1.0, -1.0)
    A = np.asarray(X, dtype=float) * s[:, None]
    scale = np.max(np.abs(A), axis=0)
    A = A / np.where(scale > 0, scale, 1.0)  # the same directions, on a comparable scale
    result = optimize.linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(len(A)),
                              bounds=[(-1.0, 1.0)] * A.shape[1], method="highs")
    if result.status != 0:  # unbounded cannot happen (a box); a failed programme decides nothing
        return False
    margins = A @ result.x
    return bool(-result.fun > 1e-6 and margins.min() >= -1e-7 * max(1.0, float(np.abs(margins).max())))


@dataclass(frozen=True, eq=False)
class SeniorCurve:
    """A fitted probability of seeing oneself as a senior, by age.

    Made by :func:`fit_curve`; do not build it yourself. ``status`` says what
    could be fitted: ``"ok"`` (a logistic regression), ``"all_no"`` /
    ``"all_yes"`` (everybody answered the same: no model is needed or
    possible), ``"separation"`` (the answers are perfectly predicted, e.g. every
    "yes" is older than every "no": the maximum-likelihood curve does not exist;
    ``gap`` then holds (oldest "no", youngest "yes") when that is the reason).
    ``message`` explains the status in plain words. ``method`` is ``"ml"``
    (maximum likelihood) or ``"firth"`` (penalised likelihood, used when the ML
    estimates do not exist: non-convergence or quasi-separation, see :func:`separated`).
    ``n`` counts the respondents fitted; ``n_dropped_age``, ``n_dropped_answer`` and
    ``n_dropped_covariate`` those left out for a missing or impossible age, a missing answer or a
    missing ``adjust_for`` value. Frozen: the bootstrap reads its cell arrays.
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
    n_dropped_age: int
    n_dropped_answer: int
    n_dropped_covariate: int
    message: str = ""
    method: str = "ml"
    coef: np.ndarray | None = None
    cov: np.ndarray | None = None
    result: object = None
    gap: tuple[float, float] | None = None
    _design_info: object = field(default=None, repr=False)
    _X: np.ndarray | None = field(default=None, repr=False)
    _y: np.ndarray | None = field(default=None, repr=False)
    _w: np.ndarray | None = field(default=None, repr=False)
    _patterns: pd.DataFrame | None = field(default=None, repr=False)
    _pattern_w: np.ndarray | None = field(default=None, repr=False)
    _w2: np.ndarray | None = field(default=None, repr=False)
    _count: np.ndarray | None = field(default=None, repr=False)
    _cell_of_row: np.ndarray | None = field(default=None, repr=False)
    _row_w: np.ndarray | None = field(default=None, repr=False)

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
        z = z_value(ci)
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

    The knots come from every respondent's age; the fit itself runs on the
    distinct (age, attributes, answer) cells - about 80 ages times two answers -
    with the summed (and, for the sandwich, summed squared) weights of their
    respondents. Likelihood, score and information are sums over respondents, so
    estimates and covariance equal those of the fit on every row (tested to 1e-8)
    at a cost that does not grow with the number of respondents.

    When the maximum-likelihood estimates do not exist - the fit does not converge,
    or the answers are quasi-separated (some direction of the model puts every
    "yes" on one side and every "no" on the other, with ties only on the border;
    checked exactly by a linear programme, :func:`separated`) - the model is
    refitted with Firth's penalised likelihood (as R ``logistf``), whose
    estimates stay finite. An extreme fitted probability alone (hardly anyone
    under 40 calls themselves senior) is no such evidence: when maximum
    likelihood converged on data that are not separated, it is kept; the interval then uses its inverse Fisher information
    (sandwich with weights). ``curve.method`` says which was used.

    All-"no", all-"yes" and perfectly separated answers give a curve with that
    ``status`` instead of an error; :class:`AnalysisError` is raised only when
    nothing can be said (no usable rows, too few distinct ages for ``df``).

    Parameters
    ----------
    data, age, senior, weights
        As in :func:`~clientvalue.stats.senior_shares.share_by_age_band`.
    df : int
        Degrees of freedom for age (1 = linear).
    adjust_for : list of str, optional
        Categorical columns to adjust for; rows missing them are dropped and
        counted in the curve's ``n_dropped_covariate``.

    Returns
    -------
    SeniorCurve
    """
    adjust = _checked_options(df, adjust_for, age=age, senior=senior)
    d, dropped = _usable_rows(data, age, senior, weights, adjust)
    a, y, w = d["age"].to_numpy(), d["senior"].to_numpy(), d["w"].to_numpy()
    share = float(np.sum(w * y) / np.sum(w))
    n_eff = float(np.sum(w) ** 2 / np.sum(w**2))
    base: dict[str, Any] = dict(df=int(df), adjust_for=adjust, n=len(d), age_min=float(a.min()), age_max=float(a.max()),
                weighted=weights is not None, share=share, n_eff=n_eff, **dropped)
    trivial = _trivial_curve(a, y, df, base)
    if trivial is not None:
        return trivial
    cells = _cells(d, a, y, w, adjust, df)
    X, yc, cw1, cw2 = cells["X"], cells["yc"], cells["cw1"], cells["cw2"]
    method, coef, res = _ml_or_firth(X, yc, cw1)
    if coef is None:
        return SeniorCurve(status="separation", message=(
            "The answers are (almost) perfectly predicted by the model, so the curve cannot be estimated; "
            "try a lower df or fewer adjust_for attributes."), **base)
    if res is not None and weights is None:
        cov = np.asarray(res.cov_params())  # statsmodels' model-based covariance, as on every row
    else:  # the HC0 sandwich with weights (its meat needs the summed squared weights per cell)
        cov = logit_cov(X, yc, cw1, coef, robust=weights is not None, w2=cw2)
    return SeniorCurve(status="ok", method=method, message=(
        "" if method == "ml" else "Some age ranges are all 'no' (or all 'yes'); the curve was estimated with "
        "Firth's penalised likelihood."), coef=coef, cov=cov, result=res, _design_info=cells["design_info"], _X=X,
        _y=yc, _w=cw1, _patterns=cells["patterns"], _pattern_w=cells["pattern_w"], _w2=cw2, _count=cells["count"],
        _cell_of_row=cells["cell_of_row"], _row_w=cells["wn"] if weights is not None else None, **base)


def _checked_options(df: int, adjust_for: list[str] | None, *, age: str, senior: str) -> list[str]:
    """``adjust_for`` as a list, after refusing a ``df`` or ``adjust_for`` that is not allowed."""
    if isinstance(df, bool) or not isinstance(df, (int, np.integer)) or not 1 <= df <= 12:
        raise ParameterError(f"df={df!r} is not allowed; give a whole number from 1 (linear) to 12.")
    adjust = list(adjust_for or [])
    if any(not isinstance(c, str) for c in adjust) or age in adjust or senior in adjust:
        raise ParameterError(f"adjust_for={adjust_for!r} is not allowed; give a list of column names "
                             "other than the age and senior columns.")
    return adjust


def _usable_rows(data: pd.DataFrame, age: str, senior: str, weights: str | None, adjust: list[str]
                 ) -> tuple[pd.DataFrame, dict[str, int]]:
    """The cleaned rows with every ``adjust`` value, and the counts of rows dropped (``n_dropped_*``)."""
    d, counts = clean_senior_data(data, age, senior, weights, extra=adjust)
    miss = d[adjust].isna().any(axis=1) if adjust else pd.Series(False, index=d.index)
    d = d[~miss]
    dropped = {"n_dropped_age": counts.n_dropped_age, "n_dropped_answer": counts.n_dropped_answer,
               "n_dropped_covariate": int(miss.sum())}
    if len(d) == 0:
        raise AnalysisError(f"No usable rows: {dropped['n_dropped_age']} rows had a missing or impossible age, "
                            f"{dropped['n_dropped_answer']} a missing senior answer, "
                            f"{dropped['n_dropped_covariate']} a missing adjust_for value.")
    return d, dropped


def _trivial_curve(a: np.ndarray, y: np.ndarray, df: int, base: dict[str, Any]) -> SeniorCurve | None:
    """A curve without a fit (all "no", all "yes", separated by age), or None when a fit is needed."""
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
    return None


def _cells(d: pd.DataFrame, a: np.ndarray, y: np.ndarray, w: np.ndarray, adjust: list[str], df: int
           ) -> dict[str, Any]:
    """The design on the distinct (age, attributes, answer) cells, with their summed weights.

    The spline's knots (age quantiles) and the categories come from every respondent; the model is
    then fitted on the cells. The likelihood, its score and Hessian are sums over respondents, so the
    estimates equal those of the fit on every row, at a cost that grows with the number of distinct ages.
    """
    safe = {c: f"x{i}" for i, c in enumerate(adjust)}
    frame = pd.DataFrame({"age": a})
    for c, s in safe.items():
        frame[s] = d[c].astype(str).to_numpy(dtype=object)
    rhs = "age" if df == 1 else f"cr(age, df={int(df)}, constraints='center')"
    rhs += "".join(f" + C({s})" for s in safe.values())
    design_info = patsy.incr_dbuilder(rhs, lambda: iter([frame]))
    wn = w / w.mean()
    keys = ["age", *safe.values()]
    grouped = frame.assign(_y=y).groupby([*keys, "_y"], sort=True)
    cell_of_row = grouped.ngroup().to_numpy()
    cells = grouped.size().index.to_frame(index=False)
    n_cells = len(cells)
    X = np.asarray(patsy.build_design_matrices([design_info], cells[keys])[0])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise AnalysisError(f"The model {rhs!r} cannot be estimated: its terms are collinear "
                            "(e.g. an adjust_for attribute that is constant or tied to age).")
    if adjust:
        grp = frame[list(safe.values())].assign(_w=wn).groupby(list(safe.values()), sort=True)["_w"].sum()
        patterns = grp.index.to_frame(index=False)
        pattern_w = grp.to_numpy() / grp.sum()
    else:
        patterns, pattern_w = pd.DataFrame(index=[0]), np.array([1.0])
    return {"design_info": design_info, "X": X, "yc": cells["_y"].to_numpy(dtype=float), "wn": wn,
            "cw1": np.bincount(cell_of_row, weights=wn, minlength=n_cells),
            "cw2": np.bincount(cell_of_row, weights=wn * wn, minlength=n_cells),
            "count": np.bincount(cell_of_row, minlength=n_cells).astype(float),
            "cell_of_row": cell_of_row, "patterns": patterns, "pattern_w": pattern_w}


def _ml_or_firth(X: np.ndarray, yc: np.ndarray, cw1: np.ndarray) -> tuple[str, np.ndarray | None, Any]:
    """Maximum likelihood when its estimates exist, else Firth's: (method, estimates or None, ML result)."""
    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            model = GLM(yc, X, family=Binomial(), var_weights=cw1)
            res = model.fit()
        # maximum likelihood is kept when it converged to finite estimates that exist, i.e. the
        # answers are not (quasi-)separated; an extreme fitted logit alone is no reason to switch
        ok = bool(res.converged and np.all(np.isfinite(res.params))) and not separated(X, yc)
    except (PerfectSeparationError, np.linalg.LinAlgError):
        ok = False
    if ok:
        return "ml", np.asarray(res.params), res
    # (quasi-)separation, typically "nobody young says yes": Firth's penalised likelihood
    firth = firth_logit(cw1 * yc, X, trials=cw1)
    return "firth", (firth.params if firth.converged else None), None


def logit_cov(X: np.ndarray, y: np.ndarray, w: np.ndarray, beta: np.ndarray, robust: bool,
              w2: np.ndarray | None = None) -> np.ndarray:
    """Inverse Fisher information, or the HC0 sandwich when ``robust``.

    Rows may be cells of respondents: ``w`` their summed weights and ``w2`` their summed squared
    weights (default ``w**2``, one respondent per row); the sandwich's meat is
    ``sum_i w_i^2 (y_i - mu_i)^2 x_i x_i'`` over respondents.
    """
    mu = expit(X @ beta)
    bread = np.linalg.inv((X * (w * mu * (1 - mu))[:, None]).T @ X)
    if not robust:
        return bread
    w2 = w * w if w2 is None else w2
    meat = (X * (w2 * (y - mu) ** 2)[:, None]).T @ X
    return bread @ meat @ bread


# --------------------------------------------------------------------------- 3. for the half-way age (senior_halfway)
def first_crossing(grid: np.ndarray, p: np.ndarray) -> tuple[float, str]:
    """Age where p first reaches 0.5 (linear interpolation between grid points)."""
    if p[0] >= 0.5:
        return math.nan, "above_half_throughout"
    idx = np.flatnonzero(p >= 0.5)
    if not len(idx):
        return math.nan, "never_half"
    i = idx[0]
    a0, a1, p0, p1 = grid[i - 1], grid[i], p[i - 1], p[i]
    return float(a0 + (0.5 - p0) * (a1 - a0) / (p1 - p0)), "ok"


def irls(X: np.ndarray, y: np.ndarray, w: np.ndarray, beta0: np.ndarray,
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
            # converged; only a fit reaching far into the tails is checked for separation
            return beta, bool(np.max(np.abs(X @ beta)) < MAX_ABS_LOGIT or not separated(X, y))
    return beta, False
