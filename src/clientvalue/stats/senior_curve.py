"""Age curve of senior self-identification: logistic fit (ML or Firth) and half-way age.

Public names are re-exported by :mod:`clientvalue.stats.senior_shares`; data conventions
(``age``, ``senior``, ``weights``) are described there.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
from scipy import optimize
from scipy.special import expit
from statsmodels.tools.sm_exceptions import PerfectSeparationError

from clientvalue.stats.intervals import clean_senior_data, z_value, wilson_interval
from clientvalue.stats import lmg as _lmg
from clientvalue.stats.logistic import firth_logit
from clientvalue.errors import AnalysisError, ParameterError

__all__ = ["CURVE_STATUSES", "SeniorCurve", "fit_curve", "half_way_age"]

# --------------------------------------------------------------------------- 2. curve
CURVE_STATUSES = ("ok", "all_no", "all_yes", "separation")
# A fitted logit beyond +-15 (p < 3e-7) is only a reason to *check* for separation (in the bootstrap,
# where a linear programme per replicate would cost too much); it never switches methods by itself:
# on ordinary data maximum likelihood converges with fitted logits beyond it (R's glm agrees).
_MAX_ABS_LOGIT = 15.0


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
    (maximum likelihood) or ``"firth"`` (penalised likelihood, used when the ML
    estimates do not exist: non-convergence or quasi-separation, see :func:`separated`).
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
        counted in ``.attrs["n_dropped_covariate"]``.

    Returns
    -------
    SeniorCurve
    """
    adjust = _checked_options(df, adjust_for, age=age, senior=senior)
    d, attrs = _usable_rows(data, age, senior, weights, adjust)
    a, y, w = d["age"].to_numpy(), d["senior"].to_numpy(), d["w"].to_numpy()
    share = float(np.sum(w * y) / np.sum(w))
    n_eff = float(np.sum(w) ** 2 / np.sum(w**2))
    base: dict[str, Any] = dict(df=int(df), adjust_for=adjust, n=len(d), age_min=float(a.min()), age_max=float(a.max()),
                weighted=weights is not None, share=share, n_eff=n_eff, attrs=attrs)
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
        cov = _logit_cov(X, yc, cw1, coef, robust=weights is not None, w2=cw2)
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
                 ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The cleaned rows with every ``adjust`` value, and the counts of rows dropped (``attrs``)."""
    d = clean_senior_data(data, age, senior, weights, extra=adjust)
    attrs = dict(d.attrs)
    miss = d[adjust].isna().any(axis=1) if adjust else pd.Series(False, index=d.index)
    d = d[~miss]
    attrs["n_dropped_covariate"] = int(miss.sum())
    if len(d) == 0:
        raise AnalysisError(f"No usable rows: {attrs['n_dropped_age']} rows had a missing or impossible age, "
                            f"{attrs['n_dropped_answer']} a missing senior answer, "
                            f"{attrs['n_dropped_covariate']} a missing adjust_for value.")
    return d, attrs


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
            model = sm.GLM(yc, X, family=sm.families.Binomial(), var_weights=cw1)
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


def _logit_cov(X: np.ndarray, y: np.ndarray, w: np.ndarray, beta: np.ndarray, robust: bool,
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
            # converged; only a fit reaching far into the tails is checked for separation
            return beta, bool(np.max(np.abs(X @ beta)) < _MAX_ABS_LOGIT or not separated(X, y))
    return beta, False


def _resampled_cell_weights(curve: SeniorCurve, rng: np.random.Generator, n_boot: int):
    """Yield, per bootstrap replicate, the summed weight of the resampled respondents in each cell.

    A replicate draws ``n`` respondents with replacement. Without weights the number drawn from
    each cell is Multinomial(n, cell size / n) - exactly the distribution of the row draw, at a
    cost of one draw per cell. With weights every respondent keeps their own weight, so the row
    indices are drawn (``rng.integers(0, n, n)``, the same stream as a row-level bootstrap) and
    their weights summed per cell: O(n) per replicate (about 15-20 ms per million respondents),
    the cost of the draw itself. From :data:`~clientvalue.stats.lmg.NORMAL_FROM` effective respondents on,
    :func:`_cell_weights_in_two_stages` draws the same distribution per cell instead.
    """
    n_cells = len(curve._y)
    if curve._row_w is not None and _lmg.effective_n(curve._row_w) >= _lmg.NORMAL_FROM:
        yield from _cell_weights_in_two_stages(curve._cell_of_row, curve._row_w, n_cells, rng, n_boot)
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


def _cell_weights_in_two_stages(cell_of_row: np.ndarray, row_w: np.ndarray, n_cells: int,
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


_BIG = 1e9  # a replicate that never reaches one half (+) or is above it throughout (-)

#: Replicates refitted together by :func:`_irls_batch` (bounds its (B, cells) working arrays).
BATCH = 256
def _core_cells(curve: SeniorCurve) -> np.ndarray | None:
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


def _irls_batch(X: np.ndarray, y: np.ndarray, W: np.ndarray, beta0: np.ndarray,
                max_iter: int = 50, tol: float = 1e-8) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_irls` for many weight vectors at once (rows of ``W``, one per bootstrap replicate).

    Every row takes the steps :func:`_irls` takes on the cells with a positive weight (a cell of
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
        beta[rows[~singular]] = new[~singular]  # a singular row keeps its estimates, as _irls returns them
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


def _bootstrap_half_ages(curve: SeniorCurve, grid: np.ndarray, n_boot: int, rng: np.random.Generator
                         ) -> tuple[list[float], int, int]:
    """Half-way age of each bootstrap replicate (+-``_BIG`` when it has none), refits failed, Firth refits.

    Replicates are refitted :data:`BATCH` at a time by :func:`_irls_batch` (maximum likelihood);
    a fit reaching far into the tails is checked for separation (:func:`separated`) unless it kept
    every cell of :func:`_core_cells`; a replicate that did not converge, or whose answers are
    separated, is refitted with Firth's method on its own (:func:`~clientvalue.stats.logistic.firth_logit`). Each replicate's
    result is that of :func:`_bootstrap_half_ages_slow`, which refits one replicate at a time.
    """
    if curve.method != "ml":
        return _bootstrap_half_ages_slow(curve, grid, n_boot, rng)
    Xg = curve._design(grid)
    core = _core_cells(curve)
    y = np.asarray(curve._y)
    vals, failed, n_firth = [], 0, 0
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
            betas[mixed], ok[mixed] = _irls_batch(curve._X, curve._y, W[mixed], curve.coef)
        for r in range(len(W)):
            if not mixed[r]:
                vals.append(-_BIG if yes[r] else _BIG)
                continue
            keep = present[r]
            Xb, yb, beta, fine = curve._X[keep], curve._y[keep], betas[r], bool(ok[r])
            if fine and np.max(np.abs(Xb @ beta)) >= _MAX_ABS_LOGIT:
                fine = (core is not None and bool(keep[core].all())) or not separated(Xb, yb)
            value, used_firth = _replicate_half_age(curve, grid, Xg, Xb, yb, W[r][keep], beta if fine else None)
            n_firth += used_firth
            if value is None:
                failed += 1
            else:
                vals.append(value)
    return vals, failed, n_firth


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


def _half_value(grid: np.ndarray, p: np.ndarray) -> float:
    eb, sb = _first_crossing(grid, p)
    return eb if sb == "ok" else (_BIG if sb == "never_half" else -_BIG)


def _bootstrap_half_ages_slow(curve: SeniorCurve, grid: np.ndarray, n_boot: int, rng: np.random.Generator
                              ) -> tuple[list[float], int, int]:
    """:func:`_bootstrap_half_ages` one replicate at a time (:func:`_irls`, a linear programme per far fit).

    The reference for the batched version, and the path of a curve fitted by Firth's method.
    """
    Xg = curve._design(grid)
    vals, failed, n_firth = [], 0, 0
    for wb_all in _resampled_cell_weights(curve, rng, n_boot):
        present = wb_all > 0
        yb = curve._y[present]
        if yb.min() == yb.max():
            vals.append(_BIG if yb.max() == 0 else -_BIG)
            continue
        Xb, wb = curve._X[present], wb_all[present]
        beta, ok = _irls(Xb, yb, wb, curve.coef) if curve.method == "ml" else (None, False)
        value, used_firth = _replicate_half_age(curve, grid, Xg, Xb, yb, wb, beta if ok else None)
        n_firth += used_firth
        if value is None:
            failed += 1
        else:
            vals.append(value)
    return vals, failed, n_firth


def half_way_age(curve_or_data: SeniorCurve | pd.DataFrame, *, age: str | None = None,
                 senior: str | None = None, weights: str | None = None, df: int = 4,
                 adjust_for: list[str] | None = None, n_boot: int = 500, ci: float = 0.95,
                 seed: int | None = None) -> pd.Series:
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
    z_value(ci)
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
            big = _BIG
            vals, failed, n_firth = _bootstrap_half_ages(curve, grid, n_boot, np.random.default_rng(seed))
            attrs.update(n_boot=n_boot, n_boot_failed=failed, n_boot_firth=n_firth)
            if vals:
                lo, hi = np.quantile(np.asarray(vals), [(1 - ci) / 2, (1 + ci) / 2], method="inverted_cdf")
                out["ci_low"] = float(lo) if abs(lo) < big else math.nan
                out["ci_high"] = float(hi) if abs(hi) < big else math.nan
    s = pd.Series(out, dtype=object)
    s.attrs = attrs
    return s
