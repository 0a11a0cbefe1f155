"""Hand memory that is no longer used back to the operating system.

glibc keeps freed heap memory in the process for reuse; after an analysis step that made large
temporary arrays (a bootstrap, a million-row design) the process would go on holding it while
the next step allocates more, and two kernels side by side add up. :func:`release_memory`
collects garbage and asks glibc to return free pages (``malloc_trim``); elsewhere it does only
the garbage collection. Text columns live in Arrow's own memory pool (pandas' ``str`` dtype), which
keeps freed pages too: when pyarrow is loaded, that pool is asked to return them as well (about
120 MiB after reading a million-row export).
"""

from __future__ import annotations

import ctypes
import gc
import sys


def release_memory() -> None:
    """Free what is no longer referenced and hand it back to the system where the C library can."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:  # never imported here: a process without Arrow data has nothing to return
        arrow.default_memory_pool().release_unused()
