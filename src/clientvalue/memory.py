"""Hand memory that is no longer used back to the operating system.

glibc keeps freed heap memory in the process for reuse; after an analysis step that made large
temporary arrays (a bootstrap, a million-row design) the process would go on holding it while
the next step allocates more, and two kernels side by side add up. :func:`release_memory`
collects garbage and asks glibc to return free pages (``malloc_trim``); elsewhere it does only
the garbage collection. Text columns live in Arrow's own memory pool (pandas' ``str`` dtype), which
keeps freed pages too: when pyarrow is loaded, that pool is asked to return them as well (about
120 MiB after reading a million-row export).

:func:`heap_kept` does the opposite for a while: the ``clientvalue run`` command keeps freed memory for
reuse while it reads and checks an export, and hands it back afterwards.

:func:`private_copy` copies a data frame only where pandas would otherwise write into the original.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# mallopt(3) parameters
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD, _M_MMAP_MAX = -1, -2, -3, -4
#: While :func:`heap_kept`: no allocation is given pages of its own (``mmap``), ``free`` never hands
#: memory back (a trim threshold of -1), the heap grows 64 MiB at a time.
KEPT = {_M_MMAP_MAX: 0, _M_TRIM_THRESHOLD: -1, _M_TOP_PAD: 64 * 2**20}
#: After it, fixed values near those glibc's own adjustment reaches once a process has freed large
#: arrays (it raises the threshold to the size of a freed mapped array of up to 32 MiB, and the trim
#: threshold to twice that). glibc cannot report the settings a process had, so these stay: hence
#: :func:`allow_heap_kept`, for a process that ends after its run.
AFTER = {_M_MMAP_MAX: 65536, _M_MMAP_THRESHOLD: 32 * 2**20, _M_TRIM_THRESHOLD: 64 * 2**20, _M_TOP_PAD: 128 * 2**10}

_allowed = False


def allow_heap_kept() -> None:
    """Let :func:`heap_kept` change this process's allocator settings (the ``clientvalue run`` command).

    Off by default: a process that lives on after a run (a Dask worker, which starts with its own
    ``MALLOC_TRIM_THRESHOLD_``; an analyst's notebook calling :func:`clientvalue.run.pipeline.run`)
    keeps its settings.
    """
    global _allowed
    _allowed = True


def _own_settings() -> bool:
    """Whether the user (or Dask) chose allocator settings: any ``MALLOC_*`` variable or ``glibc.malloc`` tunable."""
    return any(name.startswith("MALLOC_") for name in os.environ) or "glibc.malloc" in os.environ.get(
        "GLIBC_TUNABLES", "")


@functools.cache
def copy_on_write() -> bool:
    """Whether pandas copies data that frames share before it writes to it (always from pandas 3)."""
    import pandas as pd  # here, not at the top: the run's own processes import this module without pandas

    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.options.mode.copy_on_write is True  # pragma: no cover - pandas 2


def private_copy(frame: "pd.DataFrame") -> "pd.DataFrame":
    """A frame to change without changing ``frame``: its data shared under copy-on-write, else copied.

    A deep copy of a freshly read export also merges its columns into one block per type, which
    takes longer than the copy itself (2.7 CPU s for 1,000,000 rows and 40 columns, against 0.002 s
    for the shared frame).
    """
    return frame.copy(deep=not copy_on_write())


@functools.cache
def _libc():
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return None


def release_memory() -> None:
    """Free what is no longer referenced and hand it back to the system where the C library can."""
    gc.collect()
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:  # never imported here: a process without Arrow data has nothing to return
        arrow.default_memory_pool().release_unused()


@contextmanager
def heap_kept() -> Iterator[None]:
    """Within the block, memory this process frees stays in it for its next allocations; after it,
    large allocations get pages of their own again (:data:`AFTER`) and what is free is handed back
    (:func:`release_memory`). Only after :func:`allow_heap_kept`, with glibc, and when no allocator
    settings of the user's own are in the environment; otherwise it changes nothing.

    Reading and checking a million-row export makes many arrays of megabytes. glibc gives each one
    fresh pages (``mmap``) and returns them as it is freed, so the next one faults its pages in
    again, and on a virtual machine that hands freed memory back to its host a page fault costs
    several microseconds, more when the host is busy. Reading the ``wide`` benchmark export
    (1,000,000 rows) took 10-13 s, 7-10 of them in the system; with the memory kept, 4-5 s (1-3 in
    the system), the process's peak resident memory 15% higher (1.3 GB) while no notebook runs yet.

    The run keeps its notebooks' kernels out of this: a kernel that kept what it freed would hold its
    largest footprint for the whole notebook, and two kernels side by side would need 0.8 GB more.
    """
    libc = _libc()
    if not _allowed or _own_settings() or libc is None or not hasattr(libc, "mallopt"):
        yield
        return
    for parameter, value in KEPT.items():
        libc.mallopt(parameter, value)
    try:
        yield
    finally:
        for parameter, value in AFTER.items():
            libc.mallopt(parameter, value)
        release_memory()
