"""Does each dimension measure one thing? Reliability and factor structure of the items.

* :func:`cronbach_alpha` - coefficient alpha with Feldt's F-distribution interval;
* :func:`item_rest` - item-rest correlation and alpha if the item is deleted;
* :func:`reliability_table` - one row per dimension (practical, emotional, ...);
* :func:`factor_check` - exploratory factor analysis with one factor per dimension and an
  oblique rotation, flagging items that load most on another dimension than the codebook says.

The rotations are statsmodels' (varimax, oblimin/quartimin by gradient projection, Jennrich 2002;
Bernaards & Jennrich 2005), wrapped for R's conventions (Kaiser normalisation; promax as in R
``stats::promax``). Principal-axis factoring is our own: statsmodels' ``Factor(method="pa")`` gives
the same loadings but has no Heywood guard, fails on singular correlation matrices (its starting
communalities invert R) and reports no convergence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from clientvalue.errors import AnalysisError, DataError, ParameterError
from clientvalue.stats.model_results import FactorCheck

ROTATIONS = ("oblimin", "promax", "varimax", "none")


# --------------------------------------------------------------------------- input checks
def numeric_block(data: pd.DataFrame, columns: Sequence[str], argument: str) -> pd.DataFrame:
    """Return ``data[columns]`` as float, refusing missing or non-numeric columns."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    if isinstance(columns, str):
        columns = [columns]
    columns = list(columns)
    if not columns:
        raise ParameterError(f"{argument} is empty; give at least one column name.")
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        raise ParameterError(f"{argument} names a column more than once: {dupes}.")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ParameterError(
            f"{argument} names columns that are not in the data: {missing}. "
            f"Available columns: {list(data.columns)}."
        )
    out = {}
    for c in columns:
        try:
            out[c] = pd.to_numeric(data[c], errors="raise").astype(float)
        except (ValueError, TypeError) as exc:
            raise DataError(f"Column {c!r} (in {argument}) is not numeric: {exc}.") from None
    return pd.DataFrame(out, index=data.index)


def _complete(block: pd.DataFrame, *, min_rows: int, what: str) -> np.ndarray:
    x = block.dropna().to_numpy(dtype=float)
    if x.shape[0] < min_rows:
        raise AnalysisError(
            f"{what} needs at least {min_rows} respondents with all of {list(block.columns)} "
            f"answered; only {x.shape[0]} have."
        )
    return x


def _check_ci(ci: float) -> None:
    if not (isinstance(ci, (int, float)) and 0 < ci < 1):
        raise ParameterError(f"ci must be a number between 0 and 1 (e.g. 0.95), got {ci!r}.")


# --------------------------------------------------------------------------- alpha
def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total = cov.sum()
    if total <= 0:
        return float("nan")
    return k / (k - 1) * (1.0 - np.trace(cov) / total)


def feldt_interval(alpha: float, n: int, k: int, ci: float = 0.95) -> tuple[float, float]:
    """Feldt's confidence interval for coefficient alpha.

    ``1 - (1 - alpha) * F`` with F the upper and lower ``(1 - ci)/2`` quantiles of the
    F-distribution with ``n - 1`` and ``(n - 1)(k - 1)`` degrees of freedom
    (Feldt, Woodruff & Salih 1987, formulas 6-7; as in R ``psych::alpha.ci`` and
    ``cocron::cronbach.alpha.CI``).
    """
    _check_ci(ci)
    if n < 2 or k < 2 or not np.isfinite(alpha):
        return float("nan"), float("nan")
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - ci) / 2
    low = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return float(low), float(high)


def cronbach_alpha(data: pd.DataFrame, *, items: Sequence[str], ci: float = 0.95) -> pd.Series:
    """Cronbach's coefficient alpha of a set of items, with Feldt's confidence interval.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    items : list of str
        The item columns (at least two). Respondents missing any of them are left out
        (listwise deletion).
    ci : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    pandas.Series
        ``alpha`` (raw, from the covariance matrix: ``k/(k-1) * (1 - sum var_i / var_total)``),
        ``ci_low``, ``ci_high`` (Feldt 1987), ``n`` (complete respondents) and ``k`` (items).

    Raises
    ------
    ParameterError
        Unknown columns, fewer than two items, or a bad ``ci``.
    AnalysisError
        Fewer than three complete respondents or no variance in the total score.
    """
    _check_ci(ci)
    block = numeric_block(data, items, "items")
    if block.shape[1] < 2:
        raise ParameterError(f"items must name at least two columns for alpha, got {list(items)}.")
    x = _complete(block, min_rows=3, what="Cronbach's alpha")
    cov = np.cov(x, rowvar=False)
    if cov.sum() <= 0:
        raise AnalysisError(f"The items {list(block.columns)} have no variance in their sum.")
    a = _alpha_from_cov(cov)
    n, k = x.shape
    low, high = feldt_interval(a, n, k, ci)
    return pd.Series({"alpha": a, "ci_low": low, "ci_high": high, "n": n, "k": k}, name="alpha")


def item_rest(data: pd.DataFrame, *, items: Sequence[str]) -> pd.DataFrame:
    """Item-rest correlation and alpha-if-deleted for each item (listwise complete rows).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    items : list of str
        The item columns of one dimension (at least three, so that two remain when one is
        deleted).

    Returns
    -------
    pandas.DataFrame
        ``item``, ``item_rest_correlation`` (Pearson correlation of the item with the sum of the
        other items; psych's ``r.drop``), ``alpha_if_deleted`` (raw alpha of the other items).
    """
    block = numeric_block(data, items, "items")
    if block.shape[1] < 3:
        raise ParameterError(
            f"items must name at least three columns for item-rest statistics, got {list(items)}."
        )
    x = _complete(block, min_rows=3, what="Item-rest statistics")
    cov = np.cov(x, rowvar=False)
    total = x.sum(axis=1)
    rows = []
    for j, name in enumerate(block.columns):
        rest = total - x[:, j]
        sd_item, sd_rest = x[:, j].std(), rest.std()
        r = np.nan if sd_item == 0 or sd_rest == 0 else float(np.corrcoef(x[:, j], rest)[0, 1])
        keep = [i for i in range(x.shape[1]) if i != j]
        rows.append(
            {
                "item": name,
                "item_rest_correlation": r,
                "alpha_if_deleted": _alpha_from_cov(cov[np.ix_(keep, keep)]),
            }
        )
    return pd.DataFrame(rows)


def _check_dimensions(dimensions: dict[str, list[str]]) -> dict[str, list[str]]:
    if not isinstance(dimensions, dict) or not dimensions:
        raise ParameterError(
            "dimensions must be a non-empty dict {dimension: [item columns]}, "
            f"got {dimensions!r}."
        )
    seen: dict[str, str] = {}
    for dim, cols in dimensions.items():
        if isinstance(cols, str) or not list(cols):
            raise ParameterError(f"dimensions[{dim!r}] must be a non-empty list of columns.")
        for c in cols:
            if c in seen:
                raise ParameterError(
                    f"Item {c!r} is listed under both {seen[c]!r} and {dim!r} in dimensions."
                )
            seen[c] = dim
    return {d: list(c) for d, c in dimensions.items()}


def reliability_table(data: pd.DataFrame, *, dimensions: dict[str, list[str]],
                      ci: float = 0.95) -> pd.DataFrame:
    """Reliability of each dimension: alpha with Feldt's interval and the weakest item.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dimensions : dict
        ``{dimension: [item columns]}``, e.g. ``Survey.dimensions()``.
    ci : float, default 0.95
        Confidence level of alpha's interval.

    Returns
    -------
    pandas.DataFrame
        One row per dimension: ``dimension``, ``n_items``, ``n``, ``alpha``, ``ci_low``,
        ``ci_high``, ``min_item_rest`` (lowest item-rest correlation; NaN with fewer than three
        items). A dimension with a single item, or too few complete respondents, gets NaN
        statistics rather than an error, so one weak dimension does not hide the others.
    """
    dims = _check_dimensions(dimensions)
    rows = []
    for dim, cols in dims.items():
        row = {"dimension": dim, "n_items": len(cols), "n": 0, "alpha": np.nan,
               "ci_low": np.nan, "ci_high": np.nan, "min_item_rest": np.nan}
        block = numeric_block(data, cols, f"dimensions[{dim!r}]")
        row["n"] = int(block.dropna().shape[0])
        if len(cols) >= 2:
            try:
                a = cronbach_alpha(data, items=cols, ci=ci)
                row.update(alpha=a["alpha"], ci_low=a["ci_low"], ci_high=a["ci_high"])
                if len(cols) >= 3:
                    row["min_item_rest"] = item_rest(data, items=cols)[
                        "item_rest_correlation"].min()
            except AnalysisError:
                pass
        rows.append(row)
    out = pd.DataFrame(rows)
    out["n_items"] = out["n_items"].astype(int)
    out["n"] = out["n"].astype(int)
    return out


# --------------------------------------------------------------------------- extraction
def _smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations, the usual starting communalities."""
    try:
        inv = np.linalg.inv(r)
        smc = 1.0 - 1.0 / np.diag(inv)
        if np.all(np.isfinite(smc)) and np.all(smc > 0):
            return np.clip(smc, 0.005, 0.995)
    except np.linalg.LinAlgError:
        pass
    off = np.abs(r - np.diag(np.diag(r)))
    return np.clip(off.max(axis=1), 0.005, 0.995)


def principal_axis(r: np.ndarray, n_factors: int, *, max_iter: int = 1000,
                   tol: float = 1e-8) -> tuple[np.ndarray, bool]:
    """Iterated principal-axis factoring of a correlation matrix.

    Starts from squared multiple correlations and re-estimates the communalities until they
    change by less than ``tol``; at convergence this is the unweighted least squares (minres)
    solution. Communalities are kept below 0.999 (Heywood cases).

    Returns
    -------
    loadings : ndarray, shape (p, n_factors)
        Unrotated loadings.
    converged : bool
    """
    h2 = _smc(r)
    converged = False
    loadings = np.zeros((r.shape[0], n_factors))
    for _ in range(max_iter):
        reduced = r.copy()
        np.fill_diagonal(reduced, h2)
        values, vectors = np.linalg.eigh(reduced)
        order = np.argsort(values)[::-1][:n_factors]
        loadings = vectors[:, order] * np.sqrt(np.clip(values[order], 0, None))
        new = np.clip((loadings**2).sum(axis=1), 0.0, 0.999)
        if np.max(np.abs(new - h2)) < tol:
            converged = True
            h2 = new
            break
        h2 = new
    return loadings, converged


# --------------------------------------------------------------------------- rotations
# The rotations themselves are statsmodels' (``statsmodels.multivariate.factor_rotation``, the
# gradient-projection algorithms of Bernaards & Jennrich). Kept here: Kaiser normalisation (R's
# default for varimax/promax, which statsmodels lacks), R's promax convention (pattern and factor
# correlations; statsmodels' promax returns the structure matrix) and a convergence flag.
def _kaiser(a: np.ndarray, normalize: bool) -> np.ndarray:
    w = np.sqrt((a**2).sum(axis=1)) if normalize else np.ones(a.shape[0])
    return np.where(w > 0, w, 1.0)


def varimax(loadings: np.ndarray, *, normalize: bool = True, eps: float = 1e-5,
            max_iter: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Varimax rotation (Kaiser 1958) by statsmodels, with R's Kaiser normalisation.

    Returns the rotated loadings and the orthogonal rotation matrix ``T`` (``L = A @ T``).
    """
    from statsmodels.multivariate.factor_rotation import rotate_factors

    a = np.asarray(loadings, dtype=float)
    k = a.shape[1]
    if k < 2:
        return a.copy(), np.eye(k)
    w = _kaiser(a, normalize)
    _, t = rotate_factors(a / w[:, None], "varimax", tol=min(eps, 1e-8), max_tries=max_iter)
    return a @ t, t


def promax(loadings: np.ndarray, *, power: float = 4, normalize: bool = True,
           eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Promax rotation (Hendrickson & White 1964) as in R ``stats::promax``.

    Varimax first, then a least-squares oblique fit to the target ``V * |V|^(power-1)``,
    columns rescaled so the factors have unit variance. (statsmodels' ``promax(A, k)`` returns
    the structure matrix ``pattern @ phi`` for ``power = k - 1``, without Kaiser normalisation.)

    Returns
    -------
    pattern : ndarray (p, k)
        Rotated pattern loadings ``A @ U``.
    phi : ndarray (k, k)
        Factor correlations ``inv(U' U)``.
    u : ndarray (k, k)
        The full transformation from the unrotated loadings.
    """
    a = np.asarray(loadings, dtype=float)
    k = a.shape[1]
    if k < 2:
        return a.copy(), np.eye(k), np.eye(k)
    v, t = varimax(a, normalize=normalize, eps=eps)
    target = v * np.abs(v) ** (power - 1)
    u, *_ = np.linalg.lstsq(v, target, rcond=None)
    d = np.diag(np.linalg.inv(u.T @ u))
    u = u @ np.diag(np.sqrt(d))
    u_total = t @ u
    ui = np.linalg.inv(u_total)
    return a @ u_total, ui @ ui.T, u_total


def _oblimin_gradient_norm(a: np.ndarray, t: np.ndarray, gamma: float) -> float:
    """Norm of the projected gradient of the oblimin criterion at ``T`` (0 at the optimum)."""
    p, k = a.shape
    ti = np.linalg.inv(t)
    lam = a @ ti.T
    l2 = lam**2
    x = l2 @ (1 - np.eye(k))
    if gamma != 0:
        x = (np.eye(p) - gamma / p) @ x
    g = -(lam.T @ (lam * x) @ ti).T
    return float(np.linalg.norm(g - t @ np.diag((t * g).sum(axis=0))))


def oblimin(loadings: np.ndarray, *, gamma: float = 0.0, normalize: bool = False,
            tol: float = 1e-5, max_iter: int = 1000
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Direct oblimin rotation by gradient projection (Jennrich 2002), by statsmodels.

    ``gamma = 0`` is quartimin (the default of R ``GPArotation::oblimin`` and of ``psych::fa``).
    The rotation matrix ``T`` has unit-length columns, the pattern is ``A @ inv(T).T`` and the
    factor correlations ``T.T @ T``.

    Returns
    -------
    pattern, phi, T, converged
    """
    from statsmodels.multivariate.factor_rotation import rotate_factors

    a = np.asarray(loadings, dtype=float)
    k = a.shape[1]
    if k < 2:
        return a.copy(), np.eye(k), np.eye(k), True
    w = _kaiser(a, normalize)
    scaled = a / w[:, None]
    lam, t = rotate_factors(scaled, "oblimin", gamma, "oblique", tol=tol, max_tries=max_iter)
    converged = _oblimin_gradient_norm(scaled, t, gamma) < max(tol, 1e-5) * 10
    return lam * w[:, None], t.T @ t, t, converged


# --------------------------------------------------------------------------- factor check
def factor_check(data: pd.DataFrame, *, dimensions: dict[str, list[str]],
                 rotation: str = "oblimin") -> FactorCheck:
    """Do the items group into the codebook's dimensions? Exploratory factor analysis.

    Extracts as many factors as there are dimensions from the pairwise item correlation matrix
    (iterated principal axes = minres), rotates them obliquely, matches each factor to one
    dimension (the assignment maximising the mean squared loading of the dimension's items on
    its factor, Hungarian algorithm) and orients each factor so its dimension's items load
    positively.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; pairwise-complete correlations are used.
    dimensions : dict
        ``{dimension: [item columns]}``; at least ``n_dimensions + 1`` items in all.
    rotation : {"oblimin", "promax", "varimax", "none"}, default "oblimin"
        ``oblimin`` is quartimin (gamma 0, as psych's default); ``promax`` uses power 4 after
        Kaiser-normalised varimax (R's ``promax``).

    Returns
    -------
    FactorCheck
        ``table``, per item: ``item``, ``dimension`` (codebook), ``loading_<dimension>`` for each
        dimension (pattern loadings), ``communality``, ``assigned`` (dimension of the highest
        absolute loading) and ``flag`` (True where ``assigned`` differs from the codebook); with
        ``factor_correlation`` (DataFrame, dimensions x dimensions), ``n`` (rows with at least two
        items answered), ``rotation`` and ``converged``.
    """
    dims = _check_dimensions(dimensions)
    if rotation not in ROTATIONS:
        raise ParameterError(f"rotation must be one of {ROTATIONS}, got {rotation!r}.")
    items = [c for cols in dims.values() for c in cols]
    codebook_dim = {c: d for d, cols in dims.items() for c in cols}
    m = len(dims)
    if len(items) < m + 1 or len(items) < 3:
        raise AnalysisError(
            f"A {m}-factor analysis needs at least {max(m + 1, 3)} items; got {len(items)}."
        )
    block = numeric_block(data, items, "dimensions")
    n = int((block.notna().sum(axis=1) >= 2).sum())
    flat = [c for c in items if block[c].std(skipna=True) == 0 or block[c].notna().sum() < 3]
    if flat:
        raise AnalysisError(f"Items without variance or with fewer than 3 answers: {flat}.")
    r = block.corr(min_periods=3).to_numpy()
    if not np.all(np.isfinite(r)):
        raise AnalysisError("Some pairs of items are never answered together; cannot factor.")
    unrotated, converged = principal_axis(r, m)
    phi = np.eye(m)
    if m >= 2 and rotation == "oblimin":
        pattern, phi, _, ok = oblimin(unrotated)
        converged = converged and ok
    elif m >= 2 and rotation == "promax":
        pattern, phi, _ = promax(unrotated)
    elif m >= 2 and rotation == "varimax":
        pattern, _ = varimax(unrotated)
    else:
        pattern = unrotated
    names = list(dims)
    idx = {c: i for i, c in enumerate(items)}
    score = np.array([[np.mean(pattern[[idx[c] for c in dims[d]], f] ** 2) for d in names]
                      for f in range(m)])
    rows_f, cols_d = optimize.linear_sum_assignment(-score)
    factor_of = {names[d]: f for f, d in zip(rows_f, cols_d, strict=True)}
    order = [factor_of[d] for d in names]
    signs = np.array([np.sign(pattern[[idx[c] for c in dims[d]], factor_of[d]].sum()) or 1.0
                      for d in names])
    loadings = pattern[:, order] * signs
    phi = phi[np.ix_(order, order)] * np.outer(signs, signs)
    communality = np.einsum("ij,jk,ik->i", loadings, phi, loadings)
    out = pd.DataFrame({"item": items, "dimension": [codebook_dim[c] for c in items]})
    for j, d in enumerate(names):
        out[f"loading_{d}"] = loadings[:, j]
    out["communality"] = communality
    out["assigned"] = [names[j] for j in np.abs(loadings).argmax(axis=1)]
    out["flag"] = out["assigned"] != out["dimension"]
    return FactorCheck(table=out, factor_correlation=pd.DataFrame(phi, index=names, columns=names), n=n,
                       rotation=rotation if m >= 2 else "none", converged=bool(converged))
