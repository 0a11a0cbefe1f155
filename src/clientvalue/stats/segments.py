"""Data-driven client segments: a latent profile model on needs and behaviour items.

Model
-----
A latent profile model (finite mixture with local independence) on the segmentation items:
within a segment the items are independent normal variables, so the model is a Gaussian mixture
with a *diagonal* covariance per segment. It is fitted with scikit-learn's
:class:`~sklearn.mixture.GaussianMixture` (``covariance_type="diag"``), for ``k`` = 2..6 segments,
each with several random starts (``n_init``); the number of segments is the one with the lowest
BIC among the solutions whose smallest segment holds at least ``min_share`` (5%) of the
respondents.

Why scikit-learn and not stepmix: stepmix (JSS 2025) also fits latent class models for
categorical items, but the ratings here are 1-5 or 1-10 scales whose means are what a profile
describes; a diagonal Gaussian mixture is the classical latent profile model for them. scikit-learn
is already a dependency (no extra install in CI), its EM is vectorised C/NumPy, and on 100,000
respondents x 12 items the whole selection (k = 2..6, 3 starts) takes seconds, which keeps the
stability bootstrap within the speed target. Missing answers are handled the way a latent profile
model handles them under local independence: the model is fitted on complete answers, and every
respondent who answered at least half of the items is assigned by the likelihood of the items
they did answer (the marginal of a diagonal normal is the same normal without the missing items).

Quality measures
----------------
* BIC (lower is better) and the log-likelihood;
* relative entropy ``1 - sum(-p log p) / (n log k)`` of the posterior probabilities: 1 is a
  perfectly clear assignment, values below about 0.6 mean many respondents sit between segments;
* the smallest segment's share (a segment below 5% is not a basis for policy);
* stability (Hennig 2007, *Cluster-wise assessment of cluster stability*): the solution is refitted
  on bootstrap resamples; for every original segment the Jaccard similarity with its best match
  among the refitted segments, on the respondents in the resample, averaged over the resamples.
  Hennig's rule: >= 0.75 stable, 0.6-0.75 doubtful, < 0.6 not to be used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clientvalue.errors import AnalysisError, ParameterError

STABLE = 0.75
UNSTABLE = 0.6
MIN_SHARE = 0.05
FIT_COLUMNS = ["k", "n", "log_likelihood", "n_parameters", "bic", "entropy", "smallest_share",
               "admissible", "selected"]
STABILITY_COLUMNS = ["segment", "share", "jaccard", "jaccard_low", "stability", "n_boot"]


@dataclass
class ProfileSolution:
    """A selected latent profile solution.

    Attributes
    ----------
    fit : DataFrame
        One row per ``k`` (:data:`FIT_COLUMNS`).
    k : int
        The selected number of segments.
    labels : ndarray of int
        Segment 1..k per input row (largest segment is 1), 0 when unassigned (too few answers).
    posterior : ndarray
        Posterior probabilities (rows x k; NaN for unassigned rows).
    means : DataFrame
        Segment means of each item (rows: segments 1..k; columns: items).
    model : GaussianMixture
        The fitted model of the selected ``k`` (components in the model's own order).
    order : ndarray
        ``order[j]`` is the model component of segment ``j + 1``.
    """

    fit: pd.DataFrame
    k: int
    labels: np.ndarray
    posterior: np.ndarray
    means: pd.DataFrame
    model: object
    order: np.ndarray
    items: list[str] = field(default_factory=list)


def _as_matrix(data: pd.DataFrame | np.ndarray, items: list[str] | None) -> tuple[np.ndarray, list[str]]:
    if isinstance(data, pd.DataFrame):
        items = list(data.columns) if items is None else list(items)
        missing = [c for c in items if c not in data.columns]
        if missing:
            raise ParameterError(f"segmentation items {missing} are not columns of the data.")
        x = data[items].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    else:
        x = np.asarray(data, dtype=float)
        if x.ndim != 2:
            raise ParameterError(f"data must be a 2-D table of item answers, got shape {x.shape}.")
        items = list(items) if items is not None else [f"item{j + 1}" for j in range(x.shape[1])]
    return x, items


def log_density(model, x: np.ndarray) -> np.ndarray:
    """Per-row, per-component ``log(weight) + log N(observed items)`` of a diagonal mixture.

    Missing answers (NaN) are left out of a row's density: the marginal of a diagonal normal.
    """
    means, var = model.means_, model.covariances_  # (k, p), (k, p) for covariance_type="diag"
    observed = ~np.isnan(x)
    xo = np.where(observed, x, 0.0)
    out = np.empty((x.shape[0], means.shape[0]))
    for c in range(means.shape[0]):
        terms = -0.5 * (np.log(2 * np.pi * var[c]) + (xo - means[c]) ** 2 / var[c])
        out[:, c] = np.log(model.weights_[c]) + np.where(observed, terms, 0.0).sum(axis=1)
    return out


def posterior(model, x: np.ndarray) -> np.ndarray:
    """Posterior segment probabilities of every row, from the items it answered."""
    logp = log_density(model, x)
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    return p / p.sum(axis=1, keepdims=True)


def relative_entropy(post: np.ndarray) -> float:
    """``1 - sum(-p log p) / (n log k)``: 1 = every respondent clearly in one segment."""
    n, k = post.shape
    if k < 2 or n == 0:
        return float("nan")
    p = np.clip(post, 1e-300, 1.0)
    return float(1 - (-(post * np.log(p)).sum()) / (n * np.log(k)))


def _gmm(k: int, *, n_init: int, seed: int | None, reg_covar: float):
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(k, covariance_type="diag", n_init=n_init, random_state=seed,
                           reg_covar=reg_covar, max_iter=300, tol=1e-4, init_params="k-means++")


def fit_profiles(data: pd.DataFrame | np.ndarray, *, items: list[str] | None = None,
                 k_range: range | list[int] = range(2, 7), n_init: int = 3, seed: int | None = None,
                 min_share: float = MIN_SHARE, min_answered: float = 0.5,
                 reg_covar: float = 0.1, max_n_select: int | None = 20_000) -> ProfileSolution:
    """Fit latent profile models for every ``k`` and select one by BIC.

    Parameters
    ----------
    data : DataFrame or ndarray
        Respondents x segmentation items (numbers; NaN for a missing answer).
    items : list of str, optional
        Columns to use (all by default).
    k_range : iterable of int
        Candidate numbers of segments (default 2..6).
    n_init : int
        Random starts per ``k``; the best log-likelihood is kept.
    seed : int, optional
    min_share : float
        A solution whose smallest segment is below this share is not admissible.
    min_answered : float
        Respondents who answered fewer than this share of the items get no segment (label 0).
    reg_covar : float
        Added to every within-segment variance (default 0.1, i.e. a standard deviation floor of
        about 0.3 scale points). Answers are whole numbers: without a floor, BIC rewards extra
        segments that sit on a single answer value, which is rounding, not a profile.
    max_n_select : int, optional
        On more complete respondents than this, the models for every ``k`` are fitted on a random
        subsample of this size (BIC, entropy and smallest share in :attr:`ProfileSolution.fit`
        refer to it; 20,000 answers separate profiles as well as 100,000 do), and the selected
        ``k`` is then refitted on everyone. None fits every ``k`` on everyone.

    Returns
    -------
    ProfileSolution

    Raises
    ------
    ParameterError
        Bad arguments.
    AnalysisError
        Too few complete respondents for the largest ``k``, or an item without variation.
    """
    x, items = _as_matrix(data, items)
    ks = sorted({int(k) for k in k_range})
    if not ks or ks[0] < 1:
        raise ParameterError(f"k_range must hold positive numbers of segments, got {list(k_range)}.")
    if not isinstance(n_init, int) or n_init < 1:
        raise ParameterError(f"n_init must be a positive integer, got {n_init!r}.")
    complete = ~np.isnan(x).any(axis=1)
    xc = x[complete]
    p = x.shape[1]
    if len(xc) < 10 * p * ks[-1] // 2 or len(xc) < 20 * ks[-1]:
        raise AnalysisError(
            f"only {len(xc)} respondents answered every segmentation item; {ks[-1]} segments on "
            f"{p} items need at least {max(10 * p * ks[-1] // 2, 20 * ks[-1])}. Use fewer items or "
            "collect more answers.")
    flat = [items[j] for j in range(p) if np.nanstd(xc[:, j]) == 0]
    if flat:
        raise AnalysisError(
            f"segmentation item(s) {flat} have a single value among the complete answers: they "
            "cannot separate segments. Remove them from `segmentation` in the codebook.")
    enough = np.mean(~np.isnan(x), axis=1) >= min_answered
    xs, xe = xc, x[enough]
    if max_n_select is not None and len(xc) > max_n_select:
        rng = np.random.default_rng(seed)
        xs = xc[np.sort(rng.choice(len(xc), max_n_select, replace=False))]
        xe = xs
    rows, models = [], {}
    for k in ks:
        model = _gmm(k, n_init=n_init, seed=seed, reg_covar=reg_covar).fit(xs)
        post = posterior(model, xe)
        shares = np.bincount(post.argmax(axis=1), minlength=k) / max(1, len(xe))
        n_par = k * 2 * p + (k - 1)
        loglik = float(model.score(xs) * len(xs))
        rows.append({"k": k, "n": int(len(xs)), "log_likelihood": loglik, "n_parameters": n_par,
                     "bic": float(model.bic(xs)), "entropy": relative_entropy(posterior(model, xs)),
                     "smallest_share": float(shares.min())})
        models[k] = model
    fit = pd.DataFrame(rows)
    fit["admissible"] = fit["smallest_share"] >= min_share
    candidates = fit[fit["admissible"] & (fit["k"] >= 2)]
    if candidates.empty:
        raise AnalysisError(
            f"no solution with {ks[0]}-{ks[-1]} segments has every segment at {min_share:.0%} of "
            "the respondents or more: the answers show no usable segments.")
    k = int(candidates.loc[candidates["bic"].idxmin(), "k"])
    fit["selected"] = fit["k"] == k
    model = models[k]
    if len(xs) < len(xc):  # the selected number of segments, refitted on everyone
        model = _gmm(k, n_init=n_init, seed=seed, reg_covar=reg_covar).fit(xc)
    post = np.full((len(x), k), np.nan)
    post[enough] = posterior(model, x[enough])
    raw = np.where(enough, np.nan_to_num(post, nan=0).argmax(axis=1), -1)
    order = np.argsort(-np.bincount(raw[raw >= 0], minlength=k), kind="stable")
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(1, k + 1)
    labels = np.where(raw >= 0, rank[np.clip(raw, 0, None)], 0)
    post = post[:, order]
    means = pd.DataFrame(model.means_[order], columns=items, index=pd.Index(range(1, k + 1), name="segment"))
    return ProfileSolution(fit=fit[FIT_COLUMNS], k=k, labels=labels, posterior=post, means=means,
                           model=model, order=order, items=items)


def jaccard_best_match(reference: np.ndarray, other: np.ndarray) -> dict[int, float]:
    """For every cluster of ``reference``: its Jaccard similarity with the best-matching cluster of ``other``.

    Both label the same objects (equal length). ``J(A, B) = |A & B| / |A | B|``. Labels <= 0
    (unassigned) take part in no cluster.
    """
    reference, other = np.asarray(reference), np.asarray(other)
    if reference.shape != other.shape:
        raise ParameterError("reference and other must label the same objects (equal length).")
    ok = (reference > 0) & (other > 0)
    ref_ids = [int(c) for c in np.unique(reference[reference > 0])]
    oth_ids = np.unique(other[ok])
    out = {}
    for c in ref_ids:
        a = reference == c
        best = 0.0
        for d in oth_ids:
            b = other == d
            union = np.count_nonzero(a | b)
            if union:
                best = max(best, np.count_nonzero(a & b) / union)
        out[c] = best
    return out


def bootstrap_stability(data: pd.DataFrame | np.ndarray, solution: ProfileSolution, *,
                        n_boot: int = 20, seed: int | None = None, n_init: int = 1,
                        max_n: int | None = 20_000, reg_covar: float = 0.1) -> pd.DataFrame:
    """Cluster-wise Jaccard stability of a solution (Hennig's bootstrap).

    Per replicate: draw the complete respondents with replacement, refit a model with the same
    ``k``, classify the distinct respondents drawn, and compare each original segment (restricted
    to them) with its best-matching refitted segment.

    Parameters
    ----------
    data : DataFrame or ndarray
        The data the solution was fitted on (same rows and items).
    solution : ProfileSolution
    n_boot : int
        Bootstrap replicates (20 is Hennig's minimum; 50-100 for a final report).
    seed : int, optional
    n_init : int
        Random starts per refit.
    max_n : int, optional
        Resamples are drawn from at most this many complete respondents (a random subset), which
        bounds the time on very large files; None uses everyone.

    Returns
    -------
    DataFrame
        :data:`STABILITY_COLUMNS`: ``jaccard`` the mean over replicates, ``jaccard_low`` its 5th
        percentile, ``stability`` "stable" (>= 0.75), "doubtful" or "unstable" (< 0.6).
    """
    if not isinstance(n_boot, int) or n_boot < 1:
        raise ParameterError(f"n_boot must be a positive integer, got {n_boot!r}.")
    x, _ = _as_matrix(data, solution.items or None)
    labels = solution.labels
    rng = np.random.default_rng(seed)
    pool = np.flatnonzero(~np.isnan(x).any(axis=1) & (labels > 0))
    if max_n is not None and len(pool) > max_n:
        pool = np.sort(rng.choice(pool, max_n, replace=False))
    k = solution.k
    scores = np.full((n_boot, k), np.nan)
    for b in range(n_boot):
        draw = rng.choice(pool, len(pool), replace=True)
        model = _gmm(k, n_init=n_init, seed=int(rng.integers(2**31)), reg_covar=reg_covar).fit(x[draw])
        distinct = np.unique(draw)
        refit = posterior(model, x[distinct]).argmax(axis=1) + 1
        match = jaccard_best_match(labels[distinct], refit)
        for c, value in match.items():
            scores[b, c - 1] = value
    share = np.bincount(labels[labels > 0], minlength=k + 1)[1:] / max(1, int((labels > 0).sum()))
    mean = np.nanmean(scores, axis=0)
    return pd.DataFrame({
        "segment": np.arange(1, k + 1), "share": share, "jaccard": mean,
        "jaccard_low": np.nanpercentile(scores, 5, axis=0),
        "stability": [stability_class(v) for v in mean], "n_boot": n_boot,
    }, columns=STABILITY_COLUMNS)


def stability_class(jaccard: float) -> str:
    """``"stable"`` (>= 0.75), ``"doubtful"`` (0.6-0.75) or ``"unstable"`` (< 0.6)."""
    if not np.isfinite(jaccard):
        return "unknown"
    return "stable" if jaccard >= STABLE else ("doubtful" if jaccard >= UNSTABLE else "unstable")


def adjusted_rand(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index of two labelings of the same respondents (rows with a label <= 0 left out)."""
    from sklearn.metrics import adjusted_rand_score

    a, b = np.asarray(a), np.asarray(b)
    ok = (a > 0) & (b > 0)
    return float(adjusted_rand_score(a[ok], b[ok]))
