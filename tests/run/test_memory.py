"""release_memory: what the run calls after reading the export, before the kernels start."""

from __future__ import annotations

import subprocess
import sys
import types

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
