"""The last few term moments of a process, found again by a digest of their rows.

:func:`clientvalue.stats.lmg.term_moments` (the sum and centred cross-products of the per-row
moment terms, which the normal limit of the bootstrap and of the segment permutation test needs)
costs ``O(n k²)``: about 0.75 CPU s per million rows with 13 drivers. Notebook 10 asks for the
same ones four times per group: the group's own bootstrap, then the permutation test of each
client characteristic, whose complete rows are the group's complete rows when no characteristic
is missing or too rare (the same centred rows and weights, bit for bit). A digest of the rows
finds them again, so each is computed once; any other rows have another digest and are computed
as before.

The key is SHA-256 of the centred rows, the weights, their shape and the block size, which
decides the order in which the sums add up. Hashing reads the rows once (about 60 ms per hundred
MB with the processor's SHA instructions) and keeps no copy of them; a remembered entry is two
small arrays (``k`` and ``k²`` numbers). A result found again is a copy of the one computed,
equal to the last bit.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np

#: How many results are remembered (the oldest goes first); one group's four askings need one.
SIZE = 8

_entries: OrderedDict[bytes, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_lock = threading.Lock()


def key(xc: np.ndarray, w: np.ndarray, rows: int) -> bytes | None:
    """The digest of centred rows ``xc`` ``(n, q)``, weights ``w`` ``(n,)`` summed in blocks of ``rows``.

    ``None`` (nothing is remembered) unless both are C-contiguous float64 arrays with rows: other
    layouts cannot be hashed without a copy.
    """
    usable = all(a.dtype == np.float64 and a.flags.c_contiguous for a in (xc, w))
    if not usable or xc.ndim != 2 or w.ndim != 1 or xc.shape[0] == 0 or xc.shape[0] != w.shape[0]:
        return None
    digest = hashlib.sha256(np.array([*xc.shape, rows], dtype=np.int64).tobytes())
    digest.update(xc.data)  # the bytes in place: no copy (C-contiguous, checked above)
    digest.update(w.data)
    return digest.digest()


def recall(digest: bytes | None) -> tuple[np.ndarray, np.ndarray] | None:
    """Copies of the ``(total, cross)`` remembered under ``digest``, or ``None``."""
    if digest is None:
        return None
    with _lock:
        found = _entries.get(digest)
        if found is None:
            return None
        _entries.move_to_end(digest)
    return found[0].copy(), found[1].copy()


def remember(digest: bytes | None, total: np.ndarray, cross: np.ndarray) -> None:
    """Keep copies of ``(total, cross)`` under ``digest`` (nothing when it is ``None``)."""
    if digest is None:
        return
    with _lock:
        _entries[digest] = (total.copy(), cross.copy())
        _entries.move_to_end(digest)
        while len(_entries) > SIZE:
            _entries.popitem(last=False)


def forget() -> None:
    """Forget every remembered result."""
    with _lock:
        _entries.clear()
