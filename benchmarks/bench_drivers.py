"""Benchmark of clientvalue.stats.importance: exact LMG, bootstrap, and the naive one-fit-per-subset way.

Usage::

    python benchmarks/bench_drivers.py            # full sizes (a few minutes: naive 15 drivers)
    python benchmarks/bench_drivers.py --quick    # small sizes, a few seconds (for CI)

Each case runs twice: once timed (``time.perf_counter``, tracing off) and once under
``tracemalloc`` for the peak of memory allocated during the call (numpy reports its buffers
to tracemalloc). Timings are wall seconds on whatever machine runs this.
"""

from __future__ import annotations

import argparse
import gc
import platform
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd

from clientvalue.stats.importance import importance, naive_lmg


def make_data(n: int, p: int, seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """Correlated survey-like drivers (a common factor) and an outcome depending on all."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    x = 0.6 * common + rng.normal(size=(n, p))
    y = x @ rng.uniform(0.1, 1.0, p) + rng.normal(size=n) * 2
    names = [f"q{j:02d}" for j in range(p)]
    frame = pd.DataFrame(x, columns=names)
    frame["overall"] = y
    frame["w"] = rng.uniform(0.5, 2.0, n)
    return frame, names


def measure(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall seconds of one call, then peak MiB allocated during a second, traced call."""
    gc.collect()
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds, for CI)")
    args = parser.parse_args(argv)

    if args.quick:
        point_sizes, naive_sizes, n_rows = (6, 8, 10), (5, 8), 300
        boot_case = (8, 2_000, 100)  # drivers, rows, replicates
        large_case = (9, 20_000, 50)
    else:
        point_sizes, naive_sizes, n_rows = (10, 15, 20, 25), (10, 15), 1_000
        boot_case = (15, 10_000, 1_000)
        large_case = (9, 1_000_000, 200)  # a large export: many rows, few drivers

    import statsmodels.api  # noqa: F401  (import once, outside the timings)

    rows = []
    fast_time: dict[int, float] = {}
    for p in point_sizes:
        data, names = make_data(n_rows, p)
        sec, mib = measure(lambda d=data, x=names: importance(d, outcome="overall", drivers=x))
        fast_time[p] = sec
        rows.append([f"LMG point estimate, {p} drivers, n={n_rows:,}", sec, mib, ""])
    for p, n, b in (boot_case, large_case):
        data, names = make_data(n, p, seed=1)
        sec, mib = measure(
            lambda d=data, x=names, b=b: importance(
                d, outcome="overall", drivers=x, weights="w", n_boot=b, seed=1
            )
        )
        case = f"LMG + bootstrap, {p} drivers, n={n:,}, {b:,} replicates, weighted"
        rows.append([case, sec, mib, ""])
        del data
    for p in naive_sizes:
        data, names = make_data(n_rows, p)
        if p not in fast_time:
            fast = measure(lambda d=data, x=names: importance(d, outcome="overall", drivers=x))
            fast_time[p] = fast[0]
        sec, mib = measure(lambda d=data, x=names: naive_lmg(d, outcome="overall", drivers=x))
        rows.append(
            [f"naive: one WLS per subset, {p} drivers, n={n_rows:,}", sec, mib,
             f"{sec / fast_time[p]:,.0f}x slower than LMG"]
        )  # fmt: skip

    table = pd.DataFrame(rows, columns=["case", "seconds", "peak MiB", "note"])
    mode = "quick" if args.quick else "full"
    print(f"clientvalue.stats.importance benchmark ({mode}); Python {platform.python_version()}, "
          f"numpy {np.__version__}, {platform.machine()}")  # fmt: skip
    with pd.option_context("display.max_colwidth", 80, "display.width", 160):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
