"""An ordinal model of the overall rating: proportional-odds (cumulative logit) regression.

Overall ratings ("rapportcijfer" 1-10, or 1-5) are ordered categories, not measurements on an
interval scale. :func:`ordinal_model` fits ``P(Y <= j) = F(theta_j - x'beta)`` (the model of
statsmodels' ``OrderedModel`` and R ``MASS::polr``) as a check on the linear driver analysis.

The maximum likelihood fit runs on the distinct answer patterns with their frequencies (exact:
the log-likelihood is a sum over respondents) by Newton-Raphson with the analytic score and
Hessian; the log-likelihood of a cumulative logit or probit model is concave in
``(beta, theta)``, so a step-halving Newton iteration from the null model reaches the maximum.
The tests check it against statsmodels' ``OrderedModel`` and a direct scipy fit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.stats.measurement import numeric_block
from clientvalue.stats.model_results import OrdinalFit

DISTRIBUTIONS = ("logit", "probit")


def ordinal_model(data: pd.DataFrame, *, outcome: str, drivers: Sequence[str],
                  distr: str = "logit", ci: float = 0.95) -> OrdinalFit:
    """Fit a proportional-odds model of an ordinal outcome on the drivers.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; rows missing the outcome or any driver are left out.
    outcome : str
        Ordinal outcome column (numeric codes, e.g. grades 1-10). Only the observed values are
        used as categories, so grades nobody gave are no problem.
    drivers : list of str
        Numeric predictor columns.
    distr : {"logit", "probit"}, default "logit"
        Link: cumulative logit (proportional odds) or cumulative probit.
    ci : float, default 0.95
        Confidence level (Wald intervals).

    Returns
    -------
    OrdinalFit
        ``table``, one row per driver: ``driver``, ``coef`` (change in the latent log-odds per
        scale point; positive = higher ratings), ``odds_ratio`` (``exp(coef)``, logit only, else
        NaN), ``ci_low``, ``ci_high`` (for the odds ratio with logit, for ``coef`` with probit),
        ``p_value``; with ``n``, ``n_categories``, ``pseudo_r2`` (McFadden: ``1 - llf / llnull``),
        ``llf``, ``llnull``, ``converged``, ``distr`` and ``thresholds`` (cut points ``theta_j``
        as a Series indexed "a/b").

    Raises
    ------
    ParameterError
        Unknown columns or ``distr``.
    AnalysisError
        Fewer than two outcome categories, a driver without variance, or too few rows.
    """
    drivers, block, levels = _complete_block(data, outcome=outcome, drivers=drivers, distr=distr, ci=ci)
    n = len(block)
    beta, theta, llf, hess, converged = _fit_patterns(block, outcome=outcome, drivers=drivers, levels=levels,
                                                      distr=distr)
    counts = block[outcome].value_counts().to_numpy(dtype=float)
    llnull = float((counts * np.log(counts / n)).sum())
    names = [f"{_fmt(a)}/{_fmt(b)}" for a, b in zip(levels[:-1], levels[1:], strict=True)]
    return OrdinalFit(
        table=_coefficients(drivers, beta, hess, distr=distr, ci=ci),
        n=n, n_categories=len(levels), llf=llf, llnull=llnull,
        pseudo_r2=1.0 - llf / llnull if llnull < 0 else float("nan"),
        converged=converged, distr=distr,
        thresholds=pd.Series(theta, index=names, name="threshold"),
    )


def _complete_block(data: pd.DataFrame, *, outcome: str, drivers: Sequence[str], distr: str, ci: float
                    ) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    """The drivers as a list, the complete rows and the sorted outcome levels; errors for unusable input."""
    if distr not in DISTRIBUTIONS:
        raise ParameterError(f"distr must be one of {DISTRIBUTIONS}, got {distr!r}.")
    if not (0 < ci < 1):
        raise ParameterError(f"ci must be between 0 and 1, got {ci!r}.")
    drivers = [drivers] if isinstance(drivers, str) else list(drivers)
    if outcome in drivers:
        raise ParameterError(f"outcome {outcome!r} is also listed in drivers.")
    block = numeric_block(data, [outcome, *drivers], "outcome/drivers").dropna()
    n = len(block)
    levels = np.sort(block[outcome].unique())
    if len(levels) < 2:
        raise AnalysisError(
            f"The outcome {outcome!r} needs at least two different values; got {list(levels)}.")
    flat = [d for d in drivers if block[d].nunique() < 2]
    if flat:
        raise AnalysisError(f"Drivers without variance: {flat}.")
    n_params = len(drivers) + len(levels) - 1
    if n < n_params + 10:
        raise AnalysisError(
            f"An ordinal model with {n_params} parameters needs at least {n_params + 10} complete "
            f"respondents; got {n}.")
    return drivers, block, levels


def _fit_patterns(block: pd.DataFrame, *, outcome: str, drivers: list[str], levels: np.ndarray, distr: str
                  ) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, bool]:
    """Maximum likelihood on the distinct answer patterns: ``beta``, ``theta``, ``llf``, Hessian, converged."""
    n = len(block)
    # Fit on the distinct (outcome, drivers) patterns, each weighted by how many respondents gave
    # it: the log-likelihood, its score and Hessian are sums over respondents, so this is the
    # same model and the same maximum, at a cost that grows with the number of patterns.
    patterns, freq = distinct_patterns(block, [outcome, *drivers])  # sorted by outcome first
    y_codes = np.searchsorted(levels, patterns[outcome].to_numpy(dtype=float))
    x = patterns[drivers].to_numpy(dtype=float)
    # start at the null model: beta 0, thresholds at the link of the cumulative proportions
    cum = block[outcome].value_counts().sort_index().cumsum().to_numpy()[:-1] / n
    cuts = special.logit(cum) if distr == "logit" else stats.norm.ppf(cum)
    return _newton(x, y_codes, freq, np.zeros(len(drivers)), cuts, distr)


def _coefficients(drivers: list[str], beta: np.ndarray, hess: np.ndarray, *, distr: str, ci: float
                  ) -> pd.DataFrame:
    """One row per driver: coefficient, odds ratio (logit), Wald interval and p-value."""
    cov = np.linalg.inv(-hess)
    coef = beta
    se = np.sqrt(np.diag(cov)[: len(drivers)])
    z = stats.norm.ppf(0.5 + ci / 2)
    out = pd.DataFrame({"driver": drivers, "coef": coef})
    if distr == "logit":
        out["odds_ratio"] = np.exp(coef)
        out["ci_low"], out["ci_high"] = np.exp(coef - z * se), np.exp(coef + z * se)
    else:
        out["odds_ratio"] = np.nan
        out["ci_low"], out["ci_high"] = coef - z * se, coef + z * se
    out["p_value"] = 2 * stats.norm.sf(np.abs(coef / se))
    return out


def _link(distr: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """cdf, pdf and the pdf's derivative of the latent error at ``z`` (+-inf allowed)."""
    if distr == "logit":
        cdf = special.expit(z)
        pdf = cdf * (1 - cdf)
        return cdf, pdf, pdf * (1 - 2 * cdf)
    cdf = special.ndtr(z)
    pdf = np.exp(-0.5 * np.square(z)) / np.sqrt(2 * np.pi)
    with np.errstate(invalid="ignore"):
        return cdf, pdf, np.where(np.isfinite(z), -z * pdf, 0.0)


def _loglik(x: np.ndarray, y: np.ndarray, freq: np.ndarray, beta: np.ndarray, theta: np.ndarray,
            distr: str, derivatives: bool = True):
    """Frequency-weighted log-likelihood, score and Hessian in ``(beta, theta)``.

    ``P(Y = j) = F(theta_j - x'beta) - F(theta_{j-1} - x'beta)`` with ``theta_{-1} = -inf`` and
    ``theta_{K-1} = +inf``; ``y`` (category codes 0..K-1) must be sorted and every category
    present. Returns ``llf`` or ``(llf, score, hessian)``.
    """
    k = len(theta)
    eta = x @ beta
    cuts = np.r_[-np.inf, theta, np.inf]
    upper, lower = cuts[y + 1] - eta, cuts[y] - eta
    cu, fu, du = _link(distr, upper)
    cl, fl, dl = _link(distr, lower)
    prob = cu - cl + 1e-300
    llf = float(freq @ np.log(prob))
    if not derivatives:
        return llf
    a, b, da, db = fu / prob, fl / prob, du / prob, dl / prob
    g_eta = -(a - b)
    h_ee = (da - db) - (a - b) ** 2
    h_eu = -da + (a - b) * a          # d2 / d eta d theta_j (upper cut of the row's category)
    h_el = db - (a - b) * b           # d2 / d eta d theta_{j-1}
    h_uu, h_ll, h_ul = da - a * a, -db - b * b, a * b
    # rows are sorted by category (see _fit_patterns): per-category sums are reduceat blocks
    starts = np.searchsorted(y, np.arange(k + 1))

    def per_category(v: np.ndarray) -> np.ndarray:
        return np.add.reduceat(v, starts, axis=0)

    p = x.shape[1]
    score = np.zeros(p + k)
    hess = np.zeros((p + k, p + k))
    score[:p] = x.T @ (freq * g_eta)
    hess[:p, :p] = (x * (freq * h_ee)[:, None]).T @ x
    # category j's upper threshold is theta_j (j < k), its lower one theta_{j-1} (j > 0)
    score[p:] = per_category(freq * a)[:k] - per_category(freq * b)[1:]
    cross = per_category(x * (freq * h_eu)[:, None])[:k] + per_category(x * (freq * h_el)[:, None])[1:]
    hess[:p, p:], hess[p:, :p] = cross.T, cross
    diag = np.arange(k)
    hess[p + diag, p + diag] = per_category(freq * h_uu)[:k] + per_category(freq * h_ll)[1:]
    off = per_category(freq * h_ul)[1:k]  # rows of category j: d2 / d theta_j d theta_{j-1}
    hess[p + diag[1:], p + diag[:-1]] = off
    hess[p + diag[:-1], p + diag[1:]] = off
    return llf, score, hess


def _newton(x: np.ndarray, y: np.ndarray, freq: np.ndarray, beta: np.ndarray, theta: np.ndarray,
            distr: str, max_iter: int = 100, tol: float = 1e-10):
    """Maximum likelihood by Newton-Raphson with step halving (the log-likelihood is concave).

    Returns ``beta, theta, llf, hessian, converged``; converged when a full step changes no
    parameter by more than ``tol`` (relative) and the thresholds are increasing.
    """
    p = x.shape[1]
    params = np.r_[beta, theta]
    llf, score, hess = _loglik(x, y, freq, params[:p], params[p:], distr)
    converged = False
    for _ in range(max_iter):
        try:
            step = -np.linalg.solve(hess, score)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        while t > 1e-10:
            new = params + t * step
            if np.all(np.diff(new[p:]) > 0):
                trial = _loglik(x, y, freq, new[:p], new[p:], distr)  # derivatives kept if accepted
                if np.isfinite(trial[0]) and trial[0] >= llf - 1e-10 * abs(llf):
                    break
            t /= 2
        else:
            break
        params = new
        llf, score, hess = trial
        if t == 1.0 and np.max(np.abs(step)) < tol * (1 + np.max(np.abs(params))):
            converged = True
            break
    return params[:p], params[p:], llf, hess, converged


def distinct_patterns(block: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct rows of ``block[columns]`` (sorted) and how often each occurs.

    Parameters
    ----------
    block : pandas.DataFrame
        Complete rows (no missing values).
    columns : list of str

    Returns
    -------
    (pandas.DataFrame, numpy.ndarray)
        One row per distinct combination of values, and its count (float; sums to ``len(block)``).
    """
    counts = block.groupby(list(columns), sort=True).size()
    return counts.index.to_frame(index=False), counts.to_numpy(dtype=float)


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"
