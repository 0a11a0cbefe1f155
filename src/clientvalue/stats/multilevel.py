"""Random-intercept model for comparing units (teams, locations, organisations) fairly.

The model is ``y_ij = x_ij' b + u_j + e_ij`` with ``u_j ~ N(0, tau2)`` and
``e_ij ~ N(0, sigma2 / w_ij)`` (``w`` = precision weights, 1 without weights, as ``lme4::lmer``'s
``weights``), fitted by REML as ``lmer(y ~ x + (1 | unit), REML = TRUE)`` would.

It is fitted from per-unit sufficient statistics only (:func:`unit_statistics`): ``n_j``,
``X_j'W_j X_j``, ``X_j'W_j y_j``, ``y_j'W_j y_j`` (``X_j'W_j 1`` and ``y_j'W_j 1`` are the intercept
row of those) and ``sum log w``. With ``gamma = tau2 / sigma2`` and ``s_j = sum_i w_ij``, Sherman-Morrison
gives ``(V_j / sigma2)^-1 = W_j - c_j W_j 1 1' W_j`` with ``c_j = gamma / (1 + gamma s_j)`` and
``log |V_j / sigma2| = log(1 + gamma s_j) - sum log w``, so the REML criterion, with ``b`` and
``sigma2`` profiled out, is a function of ``gamma`` computed in ``O(J p^2)``: the optimiser never
touches a row. The statistics are sums, so statistics of partitions (e.g. per-organisation
statistics computed on Dask workers) are added by :func:`combine`.

Case mix: categorical variables (object, string, category or bool columns) are dummy-coded with a
column for every level in :func:`unit_statistics` (so partitions with different levels still
combine); :func:`random_intercept` drops the first level (sorted) of each as the reference.
Numeric variables are used as is (a linear term).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.stats.intervals import z_value

__all__ = ["INTERCEPT", "UnitStatistics", "RandomInterceptResult", "unit_statistics", "combine",
           "random_intercept", "UNIT_COLUMNS"]

INTERCEPT = "(Intercept)"
UNIT_COLUMNS = ["unit", "n", "raw_mean", "case_mix_mean", "adjusted_mean", "se", "ci_low", "ci_high",
                "effect", "effect_var", "reliability", "funnel_low_95", "funnel_high_95", "funnel_low_998",
                "funnel_high_998", "position", "position_95"]
FUNNEL_LEVELS = {"95": 0.95, "998": 0.998}


@dataclass(frozen=True, eq=False)
class UnitStatistics:
    """Per-unit sufficient statistics of a (weighted) linear model; every array is indexed by unit.

    Attributes
    ----------
    value, unit : str
        Names of the outcome and unit columns.
    units : ndarray
        Unit labels, length ``J``.
    columns : tuple of str
        Names of the columns of ``X``: the intercept, numeric case-mix variables, then one dummy
        ``"var[level]"`` per level of each categorical variable.
    numeric : tuple of str
        Numeric case-mix variables.
    categorical : dict
        Categorical case-mix variable -> its dummy column names (in ``columns`` order).
    n : ndarray of int
        Respondents per unit.
    xtwx : ndarray, shape (J, p, p)
        ``X_j' W_j X_j``.
    xtwy : ndarray, shape (J, p)
        ``X_j' W_j y_j``.
    ytwy : ndarray, shape (J,)
        ``y_j' W_j y_j``.
    sum_log_w : ndarray, shape (J,)
        ``sum_i log w_ij`` (0 without weights).
    rows_dropped : int
        Rows left out because the value, the unit, a case-mix variable or the weight was missing.
    """

    value: str
    unit: str
    units: np.ndarray
    columns: tuple[str, ...]
    numeric: tuple[str, ...]
    categorical: dict[str, tuple[str, ...]]
    n: np.ndarray
    xtwx: np.ndarray
    xtwy: np.ndarray
    ytwy: np.ndarray
    sum_log_w: np.ndarray
    rows_dropped: int = 0

    @property
    def weight_sum(self) -> np.ndarray:
        """``s_j = 1' W_j 1`` per unit (= ``n_j`` without weights)."""
        return self.xtwx[:, 0, 0]

    @property
    def xtw1(self) -> np.ndarray:
        """``X_j' W_j 1`` per unit, shape (J, p)."""
        return self.xtwx[:, :, 0]

    @property
    def ytw1(self) -> np.ndarray:
        """``y_j' W_j 1`` per unit."""
        return self.xtwy[:, 0]


@dataclass(frozen=True, eq=False)
class RandomInterceptResult:
    """REML fit of a random-intercept model (see the module docstring).

    Attributes
    ----------
    fixed_effects : DataFrame
        ``term``, ``estimate``, ``se``, ``ci_low``, ``ci_high`` (normal intervals).
    cov_fixed : ndarray
        Covariance matrix of the fixed effects, ``sigma2 (X' V^-1 X / sigma2)^-1``.
    sigma2, tau2, icc : float
        Residual and unit variance, and ``tau2 / (tau2 + sigma2)``.
    reml_criterion : float
        ``-2`` times the REML log-likelihood (as ``lme4``'s "REML criterion at convergence").
    reference : float
        The grand reference: predicted value at the average case mix (``xbar' b``).
    boundary : bool
        True when the fit is at ``tau2 = 0`` (no variation between units beyond chance); then every
        adjusted mean equals ``reference``.
    units : DataFrame
        One row per unit, columns :data:`UNIT_COLUMNS` (see :func:`random_intercept`).
    n_obs, n_units : int
    level : float
    """

    fixed_effects: pd.DataFrame
    cov_fixed: np.ndarray
    sigma2: float
    tau2: float
    icc: float
    reml_criterion: float
    reference: float
    boundary: bool
    units: pd.DataFrame
    n_obs: int
    n_units: int
    level: float
    unit: str = ""
    value: str = ""
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- sufficient statistics
def _is_categorical(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series))


def _factorize(series: pd.Series, *, as_text: bool) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and sorted distinct values of a column (without a round trip through Python objects).

    ``as_text``: the values are compared and sorted as text (so ``1`` and ``"1"`` are one level and
    every partition orders levels alike). Otherwise values are sorted as they are when they can be,
    else by their text.
    """
    codes, uniques = pd.factorize(series, sort=False)
    uniques = np.asarray(uniques, dtype=object)
    if as_text:
        labels, inverse = np.unique(np.array([str(u) for u in uniques], dtype=object), return_inverse=True)
        return inverse[codes], labels
    try:
        order = np.argsort(uniques, kind="stable")
    except TypeError:
        order = np.argsort(np.array([str(u) for u in uniques], dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[codes], uniques[order]


def _cross_products(unit: np.ndarray, j: int, w: np.ndarray, y: np.ndarray, dense: list[np.ndarray],
                    factors: list[tuple[np.ndarray, int, int]], p: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-unit ``X'WX`` and ``X'Wy`` without building the dummy columns.

    Dense columns (intercept, numeric) are multiplied pairwise and summed per unit; a categorical
    variable's dummies are summed for all its levels at once by counting over (unit, level) cells,
    and two categorical variables over (unit, level, level) cells. Work is O(rows) per pass and
    memory O(rows + units x levels).
    """
    xtwx, xtwy = np.zeros((j, p, p)), np.zeros((j, p))
    wy = w * y

    def cells(key: np.ndarray, x: np.ndarray | None, size: int) -> np.ndarray:
        return np.bincount(key, weights=x, minlength=size).astype(float)

    for a, col_a in enumerate(dense):
        wa = w * col_a
        xtwy[:, a] = cells(unit, wa * y if a else wy, j)
        for b in range(a, len(dense)):
            xtwx[:, a, b] = xtwx[:, b, a] = cells(unit, wa * dense[b], j)
    for codes, n_levels, first in factors:
        block = slice(first, first + n_levels)
        key = unit * n_levels + codes
        for a, col_a in enumerate(dense):
            sums = cells(key, w * col_a, j * n_levels).reshape(j, n_levels)
            xtwx[:, a, block] = sums
            xtwx[:, block, a] = sums
        xtwy[:, block] = cells(key, wy, j * n_levels).reshape(j, n_levels)
        diag = np.arange(first, first + n_levels)
        xtwx[:, diag, diag] = xtwx[:, 0, block]  # a dummy times itself is the dummy; other levels 0
    for k, (codes_1, levels_1, first_1) in enumerate(factors):
        for codes_2, levels_2, first_2 in factors[k + 1:]:
            block_1, block_2 = slice(first_1, first_1 + levels_1), slice(first_2, first_2 + levels_2)
            if j * levels_1 * levels_2 <= 20_000_000:
                key = (unit * levels_1 + codes_1) * levels_2 + codes_2
                sums = cells(key, w, j * levels_1 * levels_2).reshape(j, levels_1, levels_2)
            else:  # many levels: one level of the first variable at a time
                sums = np.zeros((j, levels_1, levels_2))
                for level in range(levels_1):
                    rows = codes_1 == level
                    sums[:, level, :] = cells(unit[rows] * levels_2 + codes_2[rows], w[rows],
                                              j * levels_2).reshape(j, levels_2)
            xtwx[:, block_1, block_2] = sums
            xtwx[:, block_2, block_1] = sums.transpose(0, 2, 1)
    return xtwx, xtwy


def unit_statistics(data: pd.DataFrame, *, value: str, unit: str, case_mix: Sequence[str] = (),
                    weights: str | None = None) -> UnitStatistics:
    """Per-unit sufficient statistics of ``value ~ case_mix`` (vectorised grouped sums).

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    value : str
        Numeric outcome column.
    unit : str
        Unit column (team, location, organisation).
    case_mix : list of str
        Case-mix columns: categorical ones (object, string, category, bool) are dummy-coded with a
        column per level, numeric ones are used as is.
    weights : str, optional
        Positive precision weights (the residual variance of a row is ``sigma2 / w``).

    Returns
    -------
    UnitStatistics
        Rows with a missing value, unit, case-mix variable or weight are left out (counted in
        ``rows_dropped``).
    """
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame, not {type(data).__name__}.")
    case_mix = list(case_mix)
    for arg, col in [("value", value), ("unit", unit), ("weights", weights)] + [("case_mix", c) for c in case_mix]:
        if col is not None and col not in data.columns:
            raise ParameterError(f"{arg}={col!r} is not a column of data; columns are {list(data.columns)[:50]}.")
    if value in case_mix or unit in case_mix or len(set(case_mix)) < len(case_mix):
        raise ParameterError(f"case_mix={case_mix!r} must name distinct columns other than value and unit.")
    y = pd.to_numeric(data[value], errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(y) & data[unit].notna().to_numpy()
    if weights is not None:
        w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
        keep &= np.isfinite(w) & (w > 0)
    numeric = [c for c in case_mix if not _is_categorical(data[c])]
    categorical = [c for c in case_mix if _is_categorical(data[c])]
    num_values = {c: pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float) for c in numeric}
    for c in numeric:
        keep &= np.isfinite(num_values[c])
    for c in categorical:
        keep &= data[c].notna().to_numpy()
    idx = np.flatnonzero(keep)
    y = y[idx]
    w = w[idx] if weights is not None else np.ones(len(idx))
    unit_codes, units = _factorize(data[unit].iloc[idx], as_text=False)
    dense: list[np.ndarray] = [np.ones(len(idx))] + [num_values[c][idx] for c in numeric]
    names = [INTERCEPT] + numeric
    cat_names: dict[str, tuple[str, ...]] = {}
    factors: list[tuple[np.ndarray, int, int]] = []  # (level codes, number of levels, first column)
    for c in categorical:
        codes, levels = _factorize(data[c].iloc[idx], as_text=True)
        dummies = [f"{c}[{lv}]" for lv in levels]
        cat_names[c] = tuple(dummies)
        factors.append((codes.astype(np.int64), len(levels), len(names)))
        names += dummies
    xtwx, xtwy = _cross_products(unit_codes.astype(np.int64), len(units), w, y, dense, factors, len(names))
    j = len(units)

    def per_unit(x: np.ndarray) -> np.ndarray:
        return np.bincount(unit_codes, weights=x, minlength=j)

    return UnitStatistics(
        value=value, unit=unit, units=np.asarray(units, dtype=object), columns=tuple(names),
        numeric=tuple(numeric), categorical=cat_names, n=np.bincount(unit_codes, minlength=j),
        xtwx=xtwx, xtwy=xtwy, ytwy=per_unit(w * y * y),
        sum_log_w=per_unit(np.log(w)) if weights is not None else np.zeros(j),
        rows_dropped=int(len(data) - len(idx)))


def combine(stats_list: Sequence[UnitStatistics]) -> UnitStatistics:
    """Add up the statistics of partitions of one data set (units may appear in several).

    Partitions must share the outcome, unit column and case-mix variables; the levels of a
    categorical variable are the union of the partitions' levels (a level a partition lacks
    contributes zeros there).
    """
    stats_list = list(stats_list)
    if not stats_list or not all(isinstance(s, UnitStatistics) for s in stats_list):
        raise ParameterError("combine needs a non-empty list of UnitStatistics.")
    first = stats_list[0]
    for s in stats_list[1:]:
        if (s.value, s.unit, s.numeric, tuple(s.categorical)) != (first.value, first.unit, first.numeric,
                                                                     tuple(first.categorical)):
            raise ParameterError(
                f"cannot combine statistics of {s.value!r} by {s.unit!r} with case mix "
                f"{list(s.numeric) + list(s.categorical)} and of {first.value!r} by {first.unit!r} with "
                f"{list(first.numeric) + list(first.categorical)}: compute all partitions alike.")
    categorical = {}
    for var in first.categorical:
        dummies = set().union(*(s.categorical[var] for s in stats_list))
        categorical[var] = tuple(sorted(dummies, key=lambda d: d[len(var) + 1:-1]))
    names = [INTERCEPT, *first.numeric] + [d for v in categorical.values() for d in v]
    position = {name: i for i, name in enumerate(names)}
    all_units = np.concatenate([s.units for s in stats_list])
    codes, units = pd.factorize(all_units, sort=True)
    j, p = len(units), len(names)
    n, ytwy, slw = np.zeros(j, dtype=np.int64), np.zeros(j), np.zeros(j)
    xtwx, xtwy = np.zeros((j, p, p)), np.zeros((j, p))
    start = 0
    for s in stats_list:
        rows = codes[start:start + len(s.units)]
        start += len(s.units)
        cols = np.array([position[c] for c in s.columns])
        np.add.at(n, rows, s.n)
        np.add.at(ytwy, rows, s.ytwy)
        np.add.at(slw, rows, s.sum_log_w)
        block = np.zeros((len(rows), p, p))
        block[:, cols[:, None], cols[None, :]] = s.xtwx
        np.add.at(xtwx, rows, block)
        vec = np.zeros((len(rows), p))
        vec[:, cols] = s.xtwy
        np.add.at(xtwy, rows, vec)
    return UnitStatistics(value=first.value, unit=first.unit, units=np.asarray(units, dtype=object),
                          columns=tuple(names), numeric=first.numeric, categorical=categorical, n=n,
                          xtwx=xtwx, xtwy=xtwy, ytwy=ytwy, sum_log_w=slw,
                          rows_dropped=sum(s.rows_dropped for s in stats_list))


# --------------------------------------------------------------------------- REML fit
@dataclass(frozen=True)
class _Prepared:
    xtwx: np.ndarray   # (J, p, p), reference levels dropped, weights normalised
    xtwy: np.ndarray
    ytwy: np.ndarray
    s: np.ndarray
    sum_log_w: np.ndarray
    names: tuple[str, ...]
    n_obs: int
    total_xtwx: np.ndarray
    total_xtwy: np.ndarray
    total_ytwy: float


def _prepare(st: UnitStatistics) -> _Prepared:
    if not isinstance(st, UnitStatistics):
        raise ParameterError(f"random_intercept needs UnitStatistics (from unit_statistics), not {type(st).__name__}.")
    present = st.n > 0
    if int(present.sum()) < 2:
        raise AnalysisError(
            f"the unit column {st.unit!r} has {int(present.sum())} unit(s) with a value of {st.value!r} "
            f"({list(st.units[present])[:5]!r}); comparing units needs at least two. Give a unit column with "
            f"several teams or locations, or leave the unit comparison out.")
    if not (st.n >= 2).any():
        raise AnalysisError(
            f"every unit of the unit column {st.unit!r} has a single respondent with a value of {st.value!r}; "
            f"differences between units cannot then be told apart from differences between respondents. "
            f"Compare larger units (e.g. locations instead of teams).")
    totals = st.xtwx[present].sum(axis=0)
    keep = [0] + [i for i, c in enumerate(st.columns) if c in st.numeric]
    for dummies in st.categorical.values():
        idx = [st.columns.index(d) for d in dummies if totals[st.columns.index(d), st.columns.index(d)] > 0]
        keep += idx[1:]  # the first present level is the reference
    keep = np.array(keep)
    names = tuple(st.columns[i] for i in keep)
    n_obs = int(st.n[present].sum())
    total_w = float(st.xtwx[present, 0, 0].sum())
    scale = n_obs / total_w  # precision weights normalised to mean 1
    xtwx = st.xtwx[present][:, keep[:, None], keep[None, :]] * scale
    xtwy = st.xtwy[present][:, keep] * scale
    ytwy = st.ytwy[present] * scale
    slw = st.sum_log_w[present] + st.n[present] * np.log(scale)
    if n_obs <= len(keep):
        raise AnalysisError(f"{n_obs} respondents with a value of {st.value!r} are too few for a model with "
                            f"{len(keep)} coefficients; use fewer case-mix variables.")
    total = xtwx.sum(axis=0)
    d = np.sqrt(np.diag(total))
    eig = np.linalg.eigvalsh(total / np.outer(d, d)) if np.all(d > 0) else np.array([0.0])
    if eig.min() < 1e-10 * eig.max():
        raise AnalysisError(
            f"the case-mix variables {list(st.numeric) + list(st.categorical)} are collinear or constant in the "
            f"data of {st.value!r} (e.g. a variable with one value, or two that say the same); leave one out.")
    return _Prepared(xtwx, xtwy, ytwy, xtwx[:, 0, 0], slw, names, n_obs, total, xtwy.sum(axis=0),
                     float(ytwy.sum()))


def _profile(pre: _Prepared, gamma: float) -> dict:
    """Profiled REML quantities at ``gamma = tau2 / sigma2``."""
    c = gamma / (1.0 + gamma * pre.s)
    xtw1, ytw1 = pre.xtwx[:, :, 0], pre.xtwy[:, 0]
    a = pre.total_xtwx - (xtw1 * c[:, None]).T @ xtw1
    b_vec = pre.total_xtwy - xtw1.T @ (c * ytw1)
    q_full = pre.total_ytwy - float(np.sum(c * ytw1 * ytw1))
    chol = np.linalg.cholesky(a)
    beta = np.linalg.solve(a, b_vec)
    q = max(q_full - float(b_vec @ beta), 1e-300)
    dof = pre.n_obs - len(beta)
    logdet_h = float(np.sum(np.log1p(gamma * pre.s)) - np.sum(pre.sum_log_w))
    logdet_a = 2.0 * float(np.sum(np.log(np.diag(chol))))
    crit = dof * (1.0 + np.log(2 * np.pi * q / dof)) + logdet_h + logdet_a
    return {"c": c, "a": a, "beta": beta, "q": q, "sigma2": q / dof, "criterion": crit}


def _gradient(pre: _Prepared, gamma: float) -> float:
    """Derivative of the profiled REML criterion with respect to ``gamma`` (analytic).

    With ``c_j' = 1 / (1 + gamma s_j)^2``: ``dQ = -sum c_j' r_j^2`` (``r_j = sum_i w_ij (y_ij - x_ij' b)``),
    ``d log|A| = -sum c_j' x_j' A^-1 x_j`` (``x_j = X_j' W_j 1``) and
    ``d sum log(1 + gamma s_j) = sum s_j / (1 + gamma s_j)``.
    """
    fit = _profile(pre, gamma)
    xtw1, ytw1 = pre.xtwx[:, :, 0], pre.xtwy[:, 0]
    dc = 1.0 / (1.0 + gamma * pre.s) ** 2
    r = ytw1 - xtw1 @ fit["beta"]
    dof = pre.n_obs - len(fit["beta"])
    lever = np.einsum("jp,jp->j", xtw1, np.linalg.solve(fit["a"], xtw1.T).T)
    return float(-dof * np.sum(dc * r * r) / fit["q"] + np.sum(pre.s / (1.0 + gamma * pre.s)) - np.sum(dc * lever))


def _optimise(pre: _Prepared) -> float:
    """``gamma = tau2 / sigma2`` minimising the profiled REML criterion.

    A grid over ``sqrt(gamma)`` in ``[0, 1000]`` finds the best region; the root of the analytic
    derivative in that bracket (Brent) gives ``gamma`` to machine precision. When the derivative
    at 0 is not negative and 0 is the best grid point, the fit is at the boundary ``gamma = 0``.
    """
    grid = np.concatenate([[0.0], np.logspace(-4, 3, 57)]) ** 2
    values = np.array([_profile(pre, g)["criterion"] for g in grid])
    best = int(np.nanargmin(values))
    if best == 0 and _gradient(pre, 0.0) >= 0:
        return 0.0
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    g_low, g_high = _gradient(pre, low), _gradient(pre, high)
    if g_low < 0 < g_high:
        return float(optimize.brentq(lambda g: _gradient(pre, g), low, high, xtol=1e-300, rtol=1e-15,
                                     maxiter=500))
    res = optimize.minimize_scalar(lambda t: _profile(pre, t * t)["criterion"],
                                   bounds=(np.sqrt(low), np.sqrt(high)), method="bounded",
                                   options={"xatol": 1e-12, "maxiter": 500})
    return float(res.x) ** 2 if res.fun <= values[best] else float(grid[best])


def random_intercept(stats_: UnitStatistics, *, level: float = 0.95) -> RandomInterceptResult:
    """REML fit of the random-intercept model from per-unit statistics, and the unit comparison.

    Parameters
    ----------
    stats_ : UnitStatistics
        From :func:`unit_statistics` or :func:`combine`.
    level : float
        Confidence level of the fixed effects' and adjusted means' intervals.

    Returns
    -------
    RandomInterceptResult
        Its ``units`` frame has, per unit with respondents:

        * ``n``; ``raw_mean`` (weighted mean of the value);
        * ``case_mix_mean`` = ``reference + rbar_j``, the unit's mean residual from the fixed part
          added to the reference: case-mix adjusted, not shrunken;
        * ``effect`` = the BLUP ``u_j = c_j sum_i w_ij (y_ij - x_ij' b)`` (= ``ranef`` of lme4) and
          ``effect_var`` = its conditional variance ``sigma2 c_j`` (lme4's ``condVar``);
        * ``adjusted_mean`` = ``reference + u_j``: the empirical-Bayes (shrunken) mean at the
          average case mix, with ``se`` and a normal interval ``ci_low``, ``ci_high``. The ``se`` is
          the prediction error of ``xbar' b + u_j`` and INCLUDES the uncertainty of ``b``:
          ``sigma2 c_j + d_j' cov(b) d_j`` with ``d_j = xbar - c_j X_j' W_j 1`` (Henderson's mixed
          model equations); the variance parameters are treated as known;
        * ``reliability`` = ``tau2 / (tau2 + sigma2 / s_j)`` (``s_j = n_j`` without weights);
        * funnel limits ``reference +- z sqrt(sigma2 / s_j)`` at 95% and 99.8%: where the
          case-mix-adjusted, unshrunken mean of a unit of that size falls when units do not differ
          (Spiegelhalter's funnel plot: plot ``case_mix_mean`` against ``n`` with these limits);
        * ``position``: ``"above"`` / ``"below"`` when ``case_mix_mean`` lies above the upper /
          below the lower 99.8% limit, else ``"within"`` (99.8% keeps false alarms among many
          units rare); ``position_95`` the same against the 95% limits. Because the EB deviation is
          ``reliability`` times the unshrunken one, the rule says the same of ``adjusted_mean``
          against the limits multiplied by the reliability.
    """
    z = z_value(level, name="level")
    pre = _prepare(stats_)
    gamma = _optimise(pre)
    fit = _profile(pre, gamma)
    sigma2, c, beta = fit["sigma2"], fit["c"], fit["beta"]
    tau2 = gamma * sigma2
    cov = sigma2 * np.linalg.inv(fit["a"])
    se_b = np.sqrt(np.diag(cov))
    fixed = pd.DataFrame({"term": list(pre.names), "estimate": beta, "se": se_b,
                          "ci_low": beta - z * se_b, "ci_high": beta + z * se_b})
    xtw1, ytw1, s = pre.xtwx[:, :, 0], pre.xtwy[:, 0], pre.s
    xbar = xtw1.sum(axis=0) / s.sum()
    reference = float(xbar @ beta)
    resid_sum = ytw1 - xtw1 @ beta
    effect = c * resid_sum
    d = xbar[None, :] - c[:, None] * xtw1
    pev = sigma2 * c + np.einsum("jp,pq,jq->j", d, cov, d)
    se = np.sqrt(pev)
    present = stats_.n > 0
    units = pd.DataFrame({"unit": stats_.units[present], "n": stats_.n[present].astype(int),
                          "raw_mean": ytw1 / s, "case_mix_mean": reference + resid_sum / s,
                          "adjusted_mean": reference + effect, "se": se,
                          "ci_low": reference + effect - z * se, "ci_high": reference + effect + z * se,
                          "effect": effect, "effect_var": sigma2 * c, "reliability": c * s})
    for key, lev in FUNNEL_LEVELS.items():
        half = z_value(lev) * np.sqrt(sigma2 / s)
        units[f"funnel_low_{key}"] = reference - half
        units[f"funnel_high_{key}"] = reference + half
    for col, key in (("position", "998"), ("position_95", "95")):
        units[col] = np.where(units["case_mix_mean"] > units[f"funnel_high_{key}"], "above",
                              np.where(units["case_mix_mean"] < units[f"funnel_low_{key}"], "below", "within"))
    return RandomInterceptResult(
        fixed_effects=fixed, cov_fixed=cov, sigma2=float(sigma2), tau2=float(tau2),
        icc=float(tau2 / (tau2 + sigma2)) if tau2 + sigma2 > 0 else 0.0, reml_criterion=float(fit["criterion"]),
        reference=reference, boundary=bool(gamma == 0.0), units=units[UNIT_COLUMNS], n_obs=pre.n_obs,
        n_units=len(units), level=level, unit=stats_.unit, value=stats_.value,
        extra={"gamma": gamma})
