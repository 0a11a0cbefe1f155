"""release_memory and heap_kept: how the run treats the memory it frees while it reads an export."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import types
from pathlib import Path

import pytest

from clientvalue.memory import release_memory


def test_release_memory_asks_a_loaded_arrow_pool_to_return_its_free_pages(monkeypatch):
    released = []
    pool = types.SimpleNamespace(release_unused=lambda: released.append(True))
    fake = types.SimpleNamespace(default_memory_pool=lambda: pool)
    monkeypatch.setitem(sys.modules, "pyarrow", fake)
    release_memory()
    assert released == [True]


def test_release_memory_does_not_load_arrow_itself():
    code = ("import sys; from clientvalue.memory import release_memory; release_memory(); "
            "print('pyarrow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


HEAP_KEPT_PROBE = """
import resource, sys, numpy as np
from clientvalue import memory

def faults_of_second_array():
    np.ones(2**23)  # 64 MiB, touched and freed
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    np.ones(2**23)  # the same again
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

if sys.argv[1] == "allowed":
    memory.allow_heap_kept()
with memory.heap_kept():
    inside = faults_of_second_array()
print(inside, faults_of_second_array())
"""


def _thp_always() -> bool:
    try:
        return "[always]" in Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text()
    except OSError:
        return False


def _faults(mode: str, **env: str) -> tuple[int, int]:
    # numpy asks for transparent huge pages for large arrays unless told not to: count 4 KiB pages
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    environ |= {"NUMPY_MADVISE_HUGEPAGE": "0", **env}
    out = subprocess.run([sys.executable, "-c", HEAP_KEPT_PROBE, mode], capture_output=True, text=True,
                         check=True, env=environ)
    inside, after = map(int, out.stdout.split())
    return inside, after


glibc_pages = pytest.mark.skipif(platform.libc_ver()[0] != "glibc" or _thp_always(),
                                 reason="glibc's allocator (mallopt) and 4 KiB pages")


@glibc_pages
def test_heap_kept_reuses_freed_memory_inside_and_hands_it_back_after():
    # inside, the second array reuses the first one's pages; after, each large array gets fresh
    # pages again (and returns them as it is freed): 64 MiB are 16,384 pages of 4 KiB
    inside, after = _faults("allowed")
    assert inside < 1_000
    assert after >= 16_000


@glibc_pages
def test_heap_kept_changes_nothing_unless_allowed_or_with_the_users_own_settings():
    # a process that lives on after its run (a notebook, a Dask worker) keeps its allocator
    assert min(_faults("not allowed")) >= 16_000
    assert min(_faults("allowed", MALLOC_TRIM_THRESHOLD_="65536")) >= 16_000  # as Dask starts its workers
