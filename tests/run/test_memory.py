"""release_memory and heap_kept: how the run treats the memory it frees while it reads an export."""

from __future__ import annotations

import subprocess
import sys
import types

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
import resource, numpy as np
from clientvalue.memory import heap_kept
np._core.multiarray._set_madvise_hugepage(False)  # count 4 KiB pages, not transparent huge pages

def faults_of_second_array():
    np.ones(2**23)  # 64 MiB, touched and freed
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    np.ones(2**23)  # the same again
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

with heap_kept():
    inside = faults_of_second_array()
print(inside, faults_of_second_array())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator (mallopt)")
def test_heap_kept_reuses_freed_memory_inside_and_hands_it_back_after():
    # inside, the second array reuses the first one's pages; after, each large array gets fresh
    # pages again (and returns them as it is freed): 64 MiB are 16,384 pages of 4 KiB
    out = subprocess.run([sys.executable, "-c", HEAP_KEPT_PROBE], capture_output=True, text=True, check=True)
    inside, after = map(int, out.stdout.split())
    assert inside < 1_000
    assert after >= 16_000
