"""Numeric core of the driver analysis: subset R², the Shapley/LMG split, relative weights.

Everything works on *correlation matrices* of ``(drivers..., outcome)`` with the outcome
last, batched over a leading axis (one matrix per bootstrap replicate).

Subset R² by Schur-complement recursion
---------------------------------------
Decide the drivers one at a time, in order. A *state* is the partial correlation
(covariance) matrix of the drivers not yet decided plus the outcome, given the drivers
already included, together with the R² of the included set. Deciding driver ``j`` (the
first remaining one, with partial variance ``c_jj`` and partial covariance ``c_jy``):

* exclude ``j``: drop its row and column; R² unchanged;
* include ``j``: one sweep (Schur complement) on ``c_jj``; ``R²(S + j) = R²(S) + c_jy² / c_jj``.

After all ``p`` decisions the ``2^p`` leaves hold ``R²(S)`` for every subset ``S``. Level
``t`` holds ``2^t`` states of size ``(p - t + 1)²``, so the whole tree costs
``sum_t 2^t (p - t + 1)² ≈ 12 · 2^p`` multiply-adds: linear in the number of subsets rather
than ``2^p · p³`` for one regression per subset. The states sit on the *last* axis (batch
axis contiguous), so every numpy operation runs over long vectors.

Memory is bounded by splitting the tree: the first ``d`` decisions are expanded breadth
first, then each of the ``2^d`` prefix states is expanded to its leaves on its own, and
replicates are processed in chunks. Leaves are never stored beyond one chunk: the Shapley
value is accumulated from each chunk (see :func:`lmg_batch`).

Bootstrap correlation matrices
------------------------------
A replicate is the vector of resampling counts ``c`` (how often each row was drawn); its
weighted moments are ``c @ T`` with ``T`` the ``(n, k)`` per-row terms ``w, w x_j, w x_i x_j``
(``k = 1 + q + q(q+1)/2`` unique products). A chunk of replicates is one BLAS matrix product
``C @ T`` per block of rows: ``2 · B · n · k`` flops in all, about 2 s for ``n = 10^6``,
``q = 10``, ``B = 200`` on two cores, plus the O(n) draw and count of each replicate (about
18 ms per replicate for ``n = 10^6``). Counts are held as ``uint8``, at most ``COUNT_BUDGET``
bytes (replicates x rows) at a time; row blocks of terms stay within ``BUDGET`` elements.

From ``NORMAL_FROM`` rows on, resampling rows costs O(n) per replicate for nothing: the replicate
moments ``c @ T`` are a sum of ``n`` independent draws from the rows' terms, so by the central
limit theorem they are normal with mean ``1 @ T`` and covariance ``sum_i (t_i - t̄)(t_i - t̄)'``,
exactly the first two moments of the multinomial resampling. :func:`bootstrap_corr` then draws
the ``k`` sums of each replicate from that normal law (:func:`term_moments` once, O(n k²);
then O(k²) per replicate). The same holds for the segment sums under a permutation of segment
labels (:func:`permutation_sums`): sampling without replacement has the finite-population
covariance. The difference with resampling rows is of order ``1/sqrt(n)`` of the replicates'
spread, far below the Monte Carlo noise of 1,000 replicates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from math import comb

import numpy as np

from clientvalue.stats import moments_memo

MAX_DRIVERS = 30
#: Working-array budget in float64 elements (about 32 MiB per array).
BUDGET = 1 << 22
#: Values per block of :func:`centre`'s variances (4 MiB of float64, one block reused for all rows).
CENTRE_BLOCK = 1 << 19
#: Bytes of bootstrap resampling counts held at once (one uint8 per row and replicate).
COUNT_BUDGET = 1 << 27
#: Most bootstrap replicates per chunk (the progress bar advances per chunk).
MAX_REP_CHUNK = 256
#: From this many (effective, :func:`effective_n`) rows on, bootstrap and permutation moments are
#: drawn from their normal limit (see the module docstring); below it, rows are resampled or shuffled.
NORMAL_FROM = 100_000
#: ... and for a permutation test, when every segment also has at least this many rows.
NORMAL_SEGMENT_FROM = 5_000
#: A partial variance below this (on the correlation scale) counts as zero: the driver adds
#: nothing given the drivers already in (only reachable in degenerate bootstrap replicates).
PIVOT_TOL = 1e-10


# --------------------------------------------------------------------------- helpers
def shapley_weights(p: int) -> np.ndarray:
    """Weights ``k! (p - k - 1)! / p!`` of a subset of size ``k = 0..p-1`` of the others."""
    return np.array([1.0 / (p * comb(p - 1, k)) for k in range(p)])


def _popcount(r: int) -> np.ndarray:
    return np.bitwise_count(np.arange(1 << r, dtype=np.uint64)).astype(np.intp)


def _state_cost(r: int) -> int:
    """Peak float64 elements to expand one state with ``r`` drivers left to its leaves."""
    levels = (3 * (1 << t) * (r - t + 1) ** 2 for t in range(r))
    return max(max(levels, default=0), 4 << r)


def plan(p: int, n_rep: int, budget: int = BUDGET) -> tuple[int, int]:
    """Return ``(replicates per chunk, prefix depth d)`` keeping working arrays in budget."""
    cost = _state_cost(p)
    if cost <= budget:
        return max(1, min(n_rep, budget // cost)), 0
    d = 1
    while d < p - 1 and _state_cost(p - d) > budget:
        d += 1
    return 1, d


def _safe_inv(piv: np.ndarray) -> np.ndarray:
    return np.divide(1.0, piv, out=np.zeros_like(piv), where=piv > PIVOT_TOL)


def _expand(c: np.ndarray, r2: np.ndarray, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Decide the first ``levels`` remaining drivers of every state (see module docstring).

    ``c`` has shape ``(m + 1, m + 1, N)`` (remaining drivers, then the outcome; states last),
    ``r2`` shape ``(N,)``. Returns states of shape ``(m + 1 - levels, ..., N · 2^levels)``;
    the new state index is ``old + N · included``.
    """
    for _ in range(levels):
        n = c.shape[-1]
        inv = _safe_inv(c[0, 0])
        col = c[1:, 0]  # (m, N); its last entry is the partial covariance with the outcome
        gain = col[-1] * col[-1] * inv
        rest = c[1:, 1:]
        new = np.empty((rest.shape[0], rest.shape[1], 2 * n))
        new[..., :n] = rest
        inc = new[..., n:]
        np.multiply(col[:, None, :], (col * inv)[None, :, :], out=inc)
        np.subtract(rest, inc, out=inc)
        c = new
        r2 = np.concatenate([r2, r2 + gain])
    return c, r2


def _leaves(c: np.ndarray, r2: np.ndarray) -> np.ndarray:
    """Expand states to their leaves; returns R² with shape ``(N · 2^m,)`` (m = drivers left).

    The last two decisions are done in closed form from the 3 x 3 states ``(a, b, y)``:
    ``R²(+a) = c_ay²/c_aa``, ``R²(+b) = c_by²/c_bb`` and
    ``R²(+a+b) = c_ay²/c_aa + (c_by - c_ab c_ay/c_aa)² / (c_bb - c_ab²/c_aa)``.
    """
    m = c.shape[0] - 1
    if m == 1:
        return np.concatenate([r2, r2 + c[0, 1] * c[0, 1] * _safe_inv(c[0, 0])])
    if m > 2:
        c, r2 = _expand(c, r2, m - 2)
    inv_a = _safe_inv(c[0, 0])
    cab, cay, cby = c[0, 1], c[0, 2], c[1, 2]
    ga = cay * cay * inv_a
    gb = cby * cby * _safe_inv(c[1, 1])
    cby_a = cby - cab * cay * inv_a
    gab = ga + cby_a * cby_a * _safe_inv(c[1, 1] - cab * cab * inv_a)
    return np.concatenate([r2, r2 + ga, r2 + gb, r2 + gab])


def _corr_states(corr: np.ndarray) -> np.ndarray:
    """``(B, q, q)`` -> ``(q, q, B)`` contiguous: the batch axis last."""
    return np.ascontiguousarray(np.moveaxis(np.asarray(corr, dtype=float), 0, -1))


# --------------------------------------------------------------------------- public core
def subset_r2(corr: np.ndarray) -> np.ndarray:
    """R² of every subset of the drivers, from one correlation matrix (outcome last).

    Returns an array of length ``2^p`` indexed by bit mask: bit ``j`` set means driver ``j``
    is in the subset. Meant for testing and small ``p`` (it stores all ``2^p`` values).
    """
    corr = np.asarray(corr, dtype=float)
    if corr.shape[0] - 1 > 22:
        raise ValueError("subset_r2 stores every subset; use lmg_batch for p > 22")
    return _leaves(_corr_states(corr[None]), np.zeros(1))


def lmg_batch(corr: np.ndarray, *, budget: int = BUDGET) -> np.ndarray:
    """Exact LMG (Shapley) decomposition of R² for a batch of correlation matrices.

    Parameters
    ----------
    corr : ndarray, shape (B, p + 1, p + 1)
        Correlation matrices of the ``p`` drivers and the outcome (last).
    budget : int
        Float64 elements allowed per working array; sets the chunking.

    Returns
    -------
    ndarray, shape (B, p)
        ``LMG_j = sum_{S not containing j} w(|S|) [R²(S + j) - R²(S)]``, which is accumulated
        per leaf as ``R²(S) · ([j in S] (a_k + b_k) - b_k)`` with ``k = |S|``,
        ``a_k = w(k - 1)`` and ``b_k = w(k)`` (so no leaf is needed twice).
    """
    corr = np.asarray(corr, dtype=float)
    n_rep, q, _ = corr.shape
    p = q - 1
    if p < 1:
        raise ValueError("need at least one driver")
    w = shapley_weights(p)
    a = np.concatenate([[0.0], w])  # a[k] = w(k - 1), k = 0..p
    b = np.concatenate([w, [0.0]])  # b[k] = w(k)
    ab = a + b
    chunk, d = plan(p, n_rep, budget)
    r = p - d
    pc = _popcount(r)
    out = np.empty((n_rep, p))
    for start in range(0, n_rep, chunk):
        block = corr[start : start + chunk]
        bc = block.shape[0]
        states, r2 = _expand(_corr_states(block), np.zeros(bc), d)
        acc = np.zeros((p, bc))
        for g in range(1 << d):
            part = slice(g * bc, (g + 1) * bc)
            leaves = _leaves(np.ascontiguousarray(states[..., part]), r2[part]).reshape(1 << r, bc)
            k = pc + int(g).bit_count()
            acc -= (leaves * b[k][:, None]).sum(axis=0)  # no BLAS: tiny gemv threads badly
            # Sum the weighted leaves containing each suffix driver by folding the leaf axis
            # in halves, most significant bit (= last driver) first: 3 passes, not r.
            v = leaves * ab[k][:, None]
            for t in range(r - 1, -1, -1):
                half = v.shape[0] // 2
                acc[d + t] += v[half:].sum(axis=0)
                v = v[:half] + v[half:]
            for t in range(d):
                if (g >> t) & 1:
                    acc[t] += v[0]
        out[start : start + bc] = acc.T
    return out


def relative_weights_batch(corr: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights (relaimpo's ``genizi``) for a batch of matrices.

    With ``R_xx = V diag(λ) V'`` and ``Λ = R_xx^{1/2} = V diag(√λ) V'``, regress the outcome
    on the orthogonal counterparts ``Z = X Λ^{-1}``: ``β* = Λ^{-1} r_xy``; then the weight of
    driver ``j`` is ``sum_k Λ_jk² β*_k²``. The weights sum to R².
    """
    corr = np.asarray(corr, dtype=float)
    p = corr.shape[-1] - 1
    rxx = corr[:, :p, :p]
    rxy = corr[:, :p, p]
    lam, vec = np.linalg.eigh(rxx)
    lam = np.clip(lam, 0.0, None)
    half = vec @ (np.sqrt(lam)[:, :, None] * np.swapaxes(vec, 1, 2))
    beta = np.linalg.solve(half, rxy[:, :, None])[:, :, 0]
    return np.einsum("bjk,bk->bj", half**2, beta**2)


# --------------------------------------------------------------------------- correlations
def weighted_corr(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted correlation matrix of the columns of ``x`` (weights need not sum to 1)."""
    w = w / w.sum()
    mean = w @ x
    xc = x - mean
    cov = (xc * w[:, None]).T @ xc
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    np.fill_diagonal(corr, 1.0)
    return corr


# --------------------------------------------------------------------------- bootstrap
def draw_counts(rng: np.random.Generator, n: int, n_rep: int, *, cap: int = 255) -> np.ndarray:
    """Resampling counts ``(n_rep, n)``: how often each row is drawn in each replicate.

    Each replicate draws ``n`` row indices uniformly with replacement, ``rng.integers(0, n,
    size=n)`` (one call per replicate: the same stream as one ``(n_rep, n)`` call), counted
    with :func:`numpy.bincount` - O(n) per replicate. Stored as ``uint8``; a count above
    ``cap`` (255: a row drawn 256 times, possible only in theory for ``n > 255``) switches
    the array to ``int64``.
    """
    out = np.empty((n_rep, n), dtype=np.uint8)
    check = n > cap  # a count is at most n
    for r in range(n_rep):
        counts = np.bincount(rng.integers(0, n, size=n), minlength=n)
        if check and out.dtype == np.uint8 and counts.max() > cap:
            out = out.astype(np.int64)
        out[r] = counts
    return out


def term_count(q: int) -> int:
    """Number of per-row moment terms of ``q`` columns: ``1 + q + q(q+1)/2`` (:func:`moment_terms`)."""
    return 1 + q + q * (q + 1) // 2


def moment_terms(xc: np.ndarray, w: np.ndarray, *, buffer: np.ndarray | None = None) -> np.ndarray:
    """Per-row terms of the weighted moments, one term per row of the result: ``(k, m)``.

    For ``m`` rows of ``xc`` ``(m, q)``: ``w``, then ``w x_j`` (``j < q``), then
    ``w x_i x_j`` for the ``q(q+1)/2`` pairs ``i <= j`` in :func:`numpy.triu_indices` order;
    ``k = 1 + q + q(q+1)/2``. Built on the transposed data so every write is contiguous.

    ``buffer``: a flat float64 array of at least ``k * m`` values whose start becomes the result
    (:func:`term_buffer`). Loops over row blocks pass one buffer for every block: a block of
    ``BUDGET`` values is 32 MiB, which glibc may otherwise map fresh (and fault in) for each block
    (a million rows of 14 columns: ~15,000 page faults per pass instead of ~500).
    """
    m, q = xc.shape
    xt = np.ascontiguousarray(xc.T)
    k = term_count(q)
    out = np.empty((k, m)) if buffer is None else buffer[: k * m].reshape(k, m)
    out[0] = w
    wx = out[1 : 1 + q]
    np.multiply(xt, w, out=wx)
    at = 1 + q
    for i in range(q):
        np.multiply(wx[i], xt[i:], out=out[at : at + q - i])
        at += q - i
    return out


def term_buffer(q: int, rows: int) -> np.ndarray:
    """A buffer for :func:`moment_terms` of up to ``rows`` rows of ``q`` columns."""
    return np.empty(term_count(q) * rows)


def _moment_sums(
    counts: np.ndarray, xc: np.ndarray, w: np.ndarray, rows: int, terms: np.ndarray | None
) -> np.ndarray:
    """``counts @ terms.T`` ``(b, k)``, one matrix product per block of ``rows`` rows."""
    if terms is not None:
        return counts.astype(float) @ terms.T
    q = xc.shape[1]
    sums = np.zeros((counts.shape[0], term_count(q)))
    buffer = term_buffer(q, min(rows, xc.shape[0]))
    for lo in range(0, xc.shape[0], rows):
        hi = lo + rows
        sums += counts[:, lo:hi].astype(float) @ moment_terms(xc[lo:hi], w[lo:hi], buffer=buffer).T
    return sums


def corr_from_sums(sums: np.ndarray, q: int, full_var: np.ndarray) -> np.ndarray:
    """Correlation matrices ``(b, q, q)`` from summed terms (:func:`moment_terms`).

    A replicate in which a column's variance is (near) zero relative to the full sample's
    comes back all-NaN.
    """
    b = sums.shape[0]
    iu, ju = np.triu_indices(q)
    m1 = sums[:, 1 : 1 + q] / sums[:, :1]
    m2 = sums[:, 1 + q :] / sums[:, :1]
    cov = np.empty((b, q, q))
    cov[:, iu, ju] = m2
    cov[:, ju, iu] = m2
    cov -= m1[:, :, None] * m1[:, None, :]
    var = np.diagonal(cov, axis1=1, axis2=2).copy()
    bad = (var <= 1e-12 * full_var).any(axis=1)
    var[bad] = 1.0
    sd = np.sqrt(var)
    corr = cov / (sd[:, :, None] * sd[:, None, :])
    diag = np.arange(q)
    corr[:, diag, diag] = 1.0
    corr[bad] = np.nan
    return corr


def centre(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised weights, rows centred at the full-sample weighted mean, full variances.

    The variances ``(xc * xc * w[:, None]).sum(axis=0)`` are summed over blocks of
    :data:`CENTRE_BLOCK` values instead of two temporary copies of the data (at a million rows each
    a fresh allocation of ~100 MB whose pages fault in). The sum over the rows of a C-ordered
    array of two or more columns adds row after row, so each block continues from the total so far
    (added to its first row) and the result is the same to the last bit; other layouts and types
    keep the one expression.
    """
    w = w / w.sum()
    xc = x - w @ x  # centring once keeps the replicate moments well conditioned
    n, q = xc.shape
    if q < 2 or not xc.flags.c_contiguous or xc.dtype != np.float64 or w.dtype != np.float64:
        # numpy sums such a layout pairwise (and other types round otherwise): keep the expression
        return w, xc, (xc * xc * w[:, None]).sum(axis=0)
    rows = max(1, min(n, CENTRE_BLOCK // q))
    block = np.empty((rows, q))  # one block for all rows
    total = None
    for lo in range(0, n, rows):
        part = xc[lo : lo + rows]
        square = block[: len(part)]
        np.multiply(part, part, out=square)
        square *= w[lo : lo + rows, None]
        if total is not None:
            square[0] += total
        total = square.sum(axis=0)
    return w, xc, np.zeros(q) if total is None else total


def _row_block(q: int, n_rep: int, budget: int) -> int:
    return max(1, budget // max(term_count(q), n_rep))


def resampled_corr(
    x: np.ndarray, w: np.ndarray, counts: np.ndarray, *, budget: int = BUDGET
) -> np.ndarray:
    """Correlation matrices ``(b, q, q)`` of ``x`` weighted by ``counts[r] · w``, per replicate.

    The fast path of :func:`bootstrap_corr` for given counts ``(b, n)``: the replicate
    moments are ``counts @ [w, w x, w x_i x_j]`` (:func:`moment_terms`), one matrix product
    per block of rows (``budget`` float64 elements per working array).
    """
    w, xc, full_var = centre(np.asarray(x, dtype=float), np.asarray(w, dtype=float))
    n, q = xc.shape
    rows = _row_block(q, counts.shape[0], budget)
    terms = moment_terms(xc, w) if n <= rows else None
    return corr_from_sums(_moment_sums(counts, xc, w, rows, terms), q, full_var)


def term_moments(xc: np.ndarray, w: np.ndarray, *, budget: int = BUDGET) -> tuple[np.ndarray, np.ndarray]:
    """Sum ``(k,)`` and centred cross-products ``(k, k)`` of the per-row terms (:func:`moment_terms`).

    ``cross = sum_i (t_i - t̄)(t_i - t̄)'``, accumulated over blocks of rows (``budget`` float64
    elements per block) in one pass: the terms are taken about the mean ``s`` of the first block,
    ``cross = sum_i (t_i - s)(t_i - s)' - n (t̄ - s)(t̄ - s)'``, so that nearly constant terms such
    as equal weights do not lose their small variance to cancellation. The same rows and weights
    asked for again are found in :mod:`clientvalue.stats.moments_memo` instead of summed again.
    """
    n, q = xc.shape
    k = term_count(q)
    rows = max(1, budget // k)
    digest = moments_memo.key(xc, w, rows)
    found = moments_memo.recall(digest)
    if found is not None:
        return found
    shift = None
    total = np.zeros(k)
    cross = np.zeros((k, k))
    buffer = term_buffer(q, min(rows, n))
    for lo in range(0, n, rows):
        terms = moment_terms(xc[lo : lo + rows], w[lo : lo + rows], buffer=buffer)
        total += terms.sum(axis=1)
        if shift is None:
            shift = terms.mean(axis=1)
        terms -= shift[:, None]
        cross += terms @ terms.T
    offset = total / n - shift
    cross -= n * np.outer(offset, offset)
    moments_memo.remember(digest, total, cross)
    return total, cross


def _normal_root(cov: np.ndarray) -> np.ndarray:
    """A matrix ``R`` with ``R R' = cov`` (symmetric, positive semi-definite; eigenvalues
    below zero by rounding count as zero), so that ``z @ R.T`` has covariance ``cov``.

    Decomposed on the correlation scale and scaled back: the terms' variances differ by many
    orders of magnitude (a driver in large units, the weight term), and an eigen-decomposition
    of the raw covariance would drown the small ones in the rounding of the large ones.
    """
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    scale = np.where(sd > 0, sd, 1.0)
    values, vectors = np.linalg.eigh(cov / np.outer(scale, scale))
    return scale[:, None] * (vectors * np.sqrt(np.clip(values, 0.0, None)))


def effective_n(w: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``: ``n`` for equal weights, less when a
    few respondents carry much weight (whose draws the normal limit would not describe)."""
    w = np.asarray(w, dtype=float)
    return float(w.sum() ** 2 / (w * w).sum())


def normal_stream(rng: np.random.Generator, total: np.ndarray) -> np.random.Generator:
    """The generator of one sample's normal draws: the next number of ``rng`` and the sample's
    own sums, so that two samples bootstrapped with the same seed do not share their draws
    (as resampled rows would not) while the same sample and seed give the same draws."""
    key = np.frombuffer(hashlib.blake2b(total.tobytes(), digest_size=16).digest(), dtype=np.uint32)
    return np.random.default_rng([int(rng.integers(2**32)), *key.tolist()])


def _drop_indefinite(corr: np.ndarray) -> np.ndarray:
    """Replicates whose correlation matrix has a negative eigenvalue set to NaN (in place): a
    normal draw of the sums, unlike resampled rows, can give an impossible matrix."""
    ok = np.flatnonzero(~np.isnan(corr).any(axis=(1, 2)))
    if len(ok):
        corr[ok[np.linalg.eigvalsh(corr[ok])[:, 0] < -PIVOT_TOL]] = np.nan
    return corr


def bootstrap_sums(total: np.ndarray, cross: np.ndarray, n_rep: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Replicate moment sums ``(n_rep, k)`` of a row bootstrap, drawn from their normal limit.

    Resampling ``n`` rows with replacement gives the sums ``c @ T`` with mean ``total`` and
    covariance ``cross`` (:func:`term_moments`): ``Cov(c) = I - 11'/n`` for multinomial counts.
    """
    return total + rng.standard_normal((n_rep, len(total))) @ _normal_root(cross).T


def permutation_sums(total: np.ndarray, cross: np.ndarray, sizes: np.ndarray, n_rep: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Segment moment sums ``(G, n_rep, k)`` under shuffled labels, drawn from their normal limit.

    Shuffling the labels of ``n`` rows over segments of ``sizes`` (summing to ``n``) makes each
    segment a sample without replacement: ``E S_g = m_g t̄``, ``Cov(S_g) = m_g (n - m_g) / n · C``
    and ``Cov(S_g, S_h) = -m_g m_h / n · C`` with ``C = cross / (n - 1)``. Independent
    ``Y_g ~ N(0, m_g C)``, centred as ``Y_g - m_g / n · sum_h Y_h``, have exactly these
    covariances, and the segment sums still add up to ``total``.
    """
    sizes = np.asarray(sizes, dtype=float)
    n = sizes.sum()
    root = _normal_root(cross / (n - 1))
    y = rng.standard_normal((len(sizes), n_rep, len(total))) @ root.T
    y *= np.sqrt(sizes)[:, None, None]
    y -= (sizes / n)[:, None, None] * y.sum(axis=0)
    return (sizes / n)[:, None, None] * total + y


def bootstrap_corr(
    x: np.ndarray,
    w: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
    *,
    budget: int = BUDGET,
    count_budget: int = COUNT_BUDGET,
    normal_from: int | None = None,
) -> Iterator[np.ndarray]:
    """Yield chunks ``(b, q, q)`` of replicate correlation matrices (rows resampled).

    Each replicate draws ``n`` rows with replacement (:func:`draw_counts`); a row drawn ``c``
    times enters the weighted moments with weight ``c · w``. For a chunk of ``b`` replicates
    the moments of all replicates come from one matrix product per block of rows: counts
    ``(b, rows)`` times the per-row terms ``w, w x_j, w x_i x_j`` (:func:`moment_terms`,
    unique pairs only). ``count_budget`` bounds the bytes of one chunk's counts (``uint8``;
    at most :data:`MAX_REP_CHUNK` replicates), ``budget`` the float64 elements of a row
    block's terms and converted counts. The terms are computed once when all rows fit in
    one block, else again per chunk of replicates. A replicate in which a column has (near)
    zero variance comes back as all-NaN.

    From ``normal_from`` (default :data:`NORMAL_FROM`) effective rows on (:func:`effective_n` of
    the weights), each replicate's sums are drawn from their normal limit (:func:`bootstrap_sums`)
    instead: O(n k²) once, no row is drawn. A drawn replicate whose correlation matrix is not
    positive semi-definite comes back as all-NaN.
    """
    w, xc, full_var = centre(x, w)
    n, q = xc.shape
    if effective_n(w) >= (NORMAL_FROM if normal_from is None else normal_from):
        total, cross = term_moments(xc, w, budget=budget)
        stream = normal_stream(rng, total)
        for done in range(0, n_boot, MAX_REP_CHUNK):
            sums = bootstrap_sums(total, cross, min(MAX_REP_CHUNK, n_boot - done), stream)
            yield _drop_indefinite(corr_from_sums(sums, q, full_var))
        return
    chunk = max(1, min(n_boot, count_budget // n, MAX_REP_CHUNK))
    rows = _row_block(q, chunk, budget)
    terms = moment_terms(xc, w) if n <= rows else None
    for done in range(0, n_boot, chunk):
        counts = draw_counts(rng, n, min(chunk, n_boot - done))
        yield corr_from_sums(_moment_sums(counts, xc, w, rows, terms), q, full_var)
