"""Data-driven client segments: a latent profile model on needs and behaviour items.

Model
-----
A latent profile model (finite mixture with local independence) on the segmentation items:
within a segment the items are independent normal variables, so the model is a Gaussian mixture
with a *diagonal* covariance per segment. It is fitted with scikit-learn's
:class:`~sklearn.mixture.GaussianMixture` (``covariance_type="diag"``), for ``k`` = 2..6 segments,
each with several random starts (``n_init``). The number of segments (:func:`choose_k`) is the one
with the lowest ICL (BIC plus twice the classification entropy; Biernacki, Celeux & Govaert 2000)
among the solutions whose smallest segment holds at least ``min_share`` (5%) of the respondents and
whose least stable segment has a mean bootstrap Jaccard of at least 0.6 (a few refits per ``k``).
BIC alone over-splits on rating-scale items: normal profiles on 5-point answers with ceiling
effects or personal scale use keep gaining likelihood from blurred extra segments (on a planted
survey of four personas BIC picks six, two of them unstable; ``tests/test_segments.py``).

Scaling: every ``k`` is fitted on a random sample of at most 20,000 complete respondents, the chosen
``k`` is refined from that solution on at most 200,000, and everyone is then classified in one
pass; the fitting time does not grow with the number of rows beyond that.

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
* BIC and ICL (lower is better) and the log-likelihood;
* relative entropy ``1 - sum(-p log p) / (n log k)`` of the posterior probabilities: 1 is a
  perfectly clear assignment, values below about 0.6 mean many respondents sit between segments;
* the smallest segment's share (a segment below 5% is not a basis for policy);
* ``min_jaccard``: the least stable segment's mean Jaccard over a few bootstrap refits (the check
  that the choice of ``k`` uses; the chosen solution gets the full check below);
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
FIT_COLUMNS = ["k", "n", "log_likelihood", "n_parameters", "bic", "icl", "entropy", "smallest_share",
               "min_jaccard", "admissible", "selected"]
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


#: Rows per block of :func:`log_density` and :func:`posterior`: the temporaries of a block (a few
#: hundred KiB) are reused from block to block instead of fresh arrays the size of the data.
DENSITY_ROWS = 8_192


def _log_density_block(model, x: np.ndarray, out: np.ndarray) -> None:
    """:func:`log_density` of the rows ``x`` into ``out`` (``(len(x), k)``)."""
    means, var = model.means_, model.covariances_  # (k, p), (k, p) for covariance_type="diag"
    observed = ~np.isnan(x)
    xo = np.where(observed, x, 0.0)
    for c in range(means.shape[0]):
        terms = -0.5 * (np.log(2 * np.pi * var[c]) + (xo - means[c]) ** 2 / var[c])
        out[:, c] = np.log(model.weights_[c]) + np.where(observed, terms, 0.0).sum(axis=1)


def _row_blocks(n: int) -> list[slice]:
    """Blocks of about :data:`DENSITY_ROWS` rows; a block of one row only when there is one row.

    numpy adds up a row of several items in another order when the row's temporaries are laid out
    on their own (a one-row block of a column-ordered array) than when they are columns of a larger
    block, so a last single row joins the block before it.
    """
    step = max(DENSITY_ROWS, 2)
    starts = list(range(0, n, step))
    if len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    return [slice(lo, hi) for lo, hi in zip(starts, starts[1:] + [n])]


def log_density(model, x: np.ndarray) -> np.ndarray:
    """Per-row, per-component ``log(weight) + log N(observed items)`` of a diagonal mixture.

    Missing answers (NaN) are left out of a row's density: the marginal of a diagonal normal.
    Computed in blocks of about :data:`DENSITY_ROWS` rows (:func:`_row_blocks`): every number is a
    sum within its own row, so the blocks give the same values as the whole matrix at once.
    """
    out = np.empty((x.shape[0], model.means_.shape[0]))
    for rows in _row_blocks(x.shape[0]):
        _log_density_block(model, x[rows], out[rows])
    return out


def posterior(model, x: np.ndarray) -> np.ndarray:
    """Posterior segment probabilities of every row, from the items it answered.

    In blocks of rows, as :func:`log_density` (each row is normalised on its own).
    """
    out = np.empty((x.shape[0], model.means_.shape[0]))
    for rows in _row_blocks(x.shape[0]):
        p = out[rows]
        _log_density_block(model, x[rows], p)
        p -= p.max(axis=1, keepdims=True)
        np.exp(p, out=p)
        p /= p.sum(axis=1, keepdims=True)
    return out


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


def icl(bic: float, post: np.ndarray) -> float:
    """Integrated completed likelihood criterion (Biernacki, Celeux & Govaert 2000), BIC form.

    ``ICL = BIC + 2 * sum(-p log p)``: BIC plus twice the classification entropy of the posterior
    probabilities, so that a solution whose extra segment splits respondents who cannot be told
    apart (a blurred split, typical of normal profiles on 5-point answers) is penalised. Lower is
    better, as for BIC.
    """
    p = np.clip(post, 1e-300, 1.0)
    return float(bic + 2 * (-(post * np.log(p)).sum()))


def _min_jaccard(x: np.ndarray, model, *, n_boot: int, seed: int | None, reg_covar: float) -> float:
    """Hennig's bootstrap on ``x`` for one fitted model: the smallest segment's mean Jaccard."""
    k = model.means_.shape[0]
    labels = posterior(model, x).argmax(axis=1) + 1
    rng = np.random.default_rng(seed)
    scores = np.full((n_boot, k), np.nan)
    for b in range(n_boot):
        draw = rng.choice(len(x), len(x), replace=True)
        refit = _gmm(k, n_init=1, seed=int(rng.integers(2**31)), reg_covar=reg_covar).fit(x[draw])
        distinct = np.unique(draw)
        match = jaccard_best_match(labels[distinct], posterior(refit, x[distinct]).argmax(axis=1) + 1)
        for c, value in match.items():
            scores[b, c - 1] = value
    with np.errstate(all="ignore"):
        mean = np.nanmean(scores, axis=0)
    return float(np.nanmin(mean)) if np.isfinite(mean).any() else float("nan")


def choose_k(fit: pd.DataFrame) -> int:
    """The number of segments to report, from a :data:`FIT_COLUMNS` table (with ``admissible``).

    Among the admissible solutions (every segment at least ``min_share``) whose every segment is
    at least doubtful-stable (smallest mean Jaccard >= 0.6, Hennig's limit for "not to be used"),
    the lowest ICL; without a stability check (``min_jaccard`` NaN) the lowest ICL of the
    admissible ones; when no admissible solution is stable, the most stable one. BIC alone keeps
    adding segments on rating-scale items (normal profiles on 5-point answers over-split), which
    ICL's entropy term and the stability condition prevent.
    """
    candidates = fit[fit["admissible"] & (fit["k"] >= 2)]
    if candidates.empty:
        raise AnalysisError("no admissible solution")
    checked = candidates["min_jaccard"].notna()
    usable = candidates[~checked | (candidates["min_jaccard"] >= UNSTABLE)]
    if usable.empty:
        return int(candidates.loc[candidates["min_jaccard"].idxmax(), "k"])
    return int(usable.loc[usable["icl"].idxmin(), "k"])


def fit_profiles(data: pd.DataFrame | np.ndarray, *, items: list[str] | None = None,
                 k_range: range | list[int] = range(2, 7), n_init: int = 3, seed: int | None = None,
                 min_share: float = MIN_SHARE, min_answered: float = 0.5,
                 reg_covar: float = 0.1, max_n_select: int | None = 20_000,
                 max_n_fit: int | None = 200_000, n_stability_select: int = 5,
                 max_n_stability_select: int = 3_000) -> ProfileSolution:
    """Fit latent profile models for every ``k`` and choose one by ICL and stability.

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
        subsample of this size (BIC, ICL, entropy and smallest share in
        :attr:`ProfileSolution.fit` refer to it; 20,000 answers separate profiles as well as
        100,000 do). None fits every ``k`` on everyone.
    max_n_fit : int, optional
        The chosen ``k`` is refitted, starting from the subsample's solution, on at most this
        many complete respondents (a random subsample containing the first one); everyone is
        then classified in one pass. The fitting time therefore stops growing with the number
        of rows; ``tests/test_segments.py`` checks that sizes and profiles stay within the
        intervals of a fit on everyone. None refits on everyone.
    n_stability_select : int
        Bootstrap refits per ``k`` for the smallest-segment stability that the choice of ``k``
        uses (``min_jaccard`` in the fit table); 0 chooses by ICL alone.
    max_n_stability_select : int
        Those refits use at most this many respondents of the subsample.

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
    ks = _checked_ks(k_range, n_init=n_init, n_stability_select=n_stability_select)
    complete = ~np.isnan(x).any(axis=1)
    xc = x[complete]
    _check_complete(xc, items, ks)
    enough = np.mean(~np.isnan(x), axis=1) >= min_answered
    rng = np.random.default_rng(seed)
    shuffled, xs, xe, xstab = _subsamples(x, xc, enough, rng, max_n_select=max_n_select, max_n_fit=max_n_fit,
                                          max_n_stability_select=max_n_stability_select)
    fit, models = _fit_each_k(ks, xs, xe, xstab, n_init=n_init, seed=seed, reg_covar=reg_covar,
                              min_share=min_share, n_stability_select=n_stability_select)
    k = _chosen_k(fit, ks, min_share=min_share)
    fit["selected"] = fit["k"] == k
    model = _refit(models[k], xc, shuffled, max_n_fit=max_n_fit, n_selected=len(xs), reg_covar=reg_covar,
                   seed=seed)
    labels, post, order = _classify(model, x, enough, k)
    means = pd.DataFrame(model.means_[order], columns=items, index=pd.Index(range(1, k + 1), name="segment"))
    return ProfileSolution(fit=fit[FIT_COLUMNS], k=k, labels=labels, posterior=post, means=means,
                           model=model, order=order, items=items)


def _checked_ks(k_range: range | list[int], *, n_init: int, n_stability_select: int) -> list[int]:
    """The candidate numbers of segments, sorted; a :class:`ParameterError` for bad arguments."""
    ks = sorted({int(k) for k in k_range})
    if not ks or ks[0] < 1:
        raise ParameterError(f"k_range must hold positive numbers of segments, got {list(k_range)}.")
    if not isinstance(n_init, int) or n_init < 1:
        raise ParameterError(f"n_init must be a positive integer, got {n_init!r}.")
    if not isinstance(n_stability_select, int) or n_stability_select < 0:
        raise ParameterError(f"n_stability_select must be a whole number >= 0, got {n_stability_select!r}.")
    return ks


def _check_complete(xc: np.ndarray, items: list[str], ks: list[int]) -> None:
    """Enough complete respondents for the largest ``k``, and no item without variation among them."""
    p = xc.shape[1]
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


def _subsamples(x: np.ndarray, xc: np.ndarray, enough: np.ndarray, rng: np.random.Generator, *,
                max_n_select: int | None, max_n_fit: int | None, max_n_stability_select: int
                ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray]:
    """The shuffled complete rows, the selection subsample, the rows shares refer to, the stability rows."""
    shuffled = rng.permutation(len(xc)) if max_n_select is not None or max_n_fit is not None else None
    xs = xc if max_n_select is None or len(xc) <= max_n_select else xc[np.sort(shuffled[:max_n_select])]
    xe = xs if len(xs) < len(xc) else x[enough]
    xstab = xs if len(xs) <= max_n_stability_select else xs[rng.choice(len(xs), max_n_stability_select,
                                                                         replace=False)]
    return shuffled, xs, xe, xstab


def _fit_each_k(ks: list[int], xs: np.ndarray, xe: np.ndarray, xstab: np.ndarray, *, n_init: int,
                seed: int | None, reg_covar: float, min_share: float, n_stability_select: int
                ) -> tuple[pd.DataFrame, dict]:
    """One model per ``k`` on the subsample, with its fit statistics (the fit table) and the models."""
    p = xs.shape[1]
    rows, models = [], {}
    for k in ks:
        model = _gmm(k, n_init=n_init, seed=seed, reg_covar=reg_covar).fit(xs)
        post = posterior(model, xs)
        assigned = post if xe is xs else posterior(model, xe)  # shares among everyone assigned
        shares = np.bincount(assigned.argmax(axis=1), minlength=k) / max(1, len(assigned))
        n_par = k * 2 * p + (k - 1)
        bic = float(model.bic(xs))
        admissible = bool(shares.min() >= min_share)
        stab = (_min_jaccard(xstab, model, n_boot=n_stability_select, seed=seed, reg_covar=reg_covar)
                if n_stability_select and admissible and k >= 2 else float("nan"))
        rows.append({"k": k, "n": int(len(xs)), "log_likelihood": float(model.score(xs) * len(xs)),
                     "n_parameters": n_par, "bic": bic, "icl": icl(bic, post),
                     "entropy": relative_entropy(post), "smallest_share": float(shares.min()),
                     "min_jaccard": stab, "admissible": admissible})
        models[k] = model
    return pd.DataFrame(rows), models


def _chosen_k(fit: pd.DataFrame, ks: list[int], *, min_share: float) -> int:
    """:func:`choose_k`, with an error naming the range of ``k`` and ``min_share`` when none is admissible."""
    try:
        return choose_k(fit)
    except AnalysisError:
        raise AnalysisError(
            f"no solution with {ks[0]}-{ks[-1]} segments has every segment at {min_share:.0%} of "
            "the respondents or more: the answers show no usable segments.") from None


def _classify(model, x: np.ndarray, enough: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segment labels (1 = largest, 0 = too few answers), posteriors and the order of the model's components."""
    post = np.full((len(x), k), np.nan)
    post[enough] = posterior(model, x[enough])
    raw = np.where(enough, np.nan_to_num(post, nan=0).argmax(axis=1), -1)
    order = np.argsort(-np.bincount(raw[raw >= 0], minlength=k), kind="stable")
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(1, k + 1)
    labels = np.where(raw >= 0, rank[np.clip(raw, 0, None)], 0)
    post = post[:, order]
    return labels, post, order


def _refit(model, xc: np.ndarray, shuffled: np.ndarray | None, *, max_n_fit: int | None, n_selected: int,
           reg_covar: float, seed: int | None):
    """The chosen model, refitted from the subsample's solution on up to ``max_n_fit`` complete rows."""
    if n_selected >= len(xc):
        return model  # it was fitted on everyone
    rows = xc if max_n_fit is None or len(xc) <= max_n_fit else xc[np.sort(shuffled[:max_n_fit])]
    if len(rows) <= n_selected:
        return model
    from sklearn.mixture import GaussianMixture

    k = model.means_.shape[0]
    warm = GaussianMixture(k, covariance_type="diag", n_init=1, random_state=seed, reg_covar=reg_covar,
                           max_iter=300, tol=1e-4, weights_init=model.weights_, means_init=model.means_,
                           precisions_init=1.0 / model.covariances_)
    return warm.fit(rows)


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
