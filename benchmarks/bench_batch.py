"""Benchmark: `clientvalue batch` on many organisations, and the national benchmark at GP Patient Survey scale.

Usage::

    python benchmarks/bench_batch.py                       # 350 organisations x 1,500 respondents,
                                                           # notebooks 00-30, 1 and 2 workers; national
                                                           # benchmark at 2,000,000 respondents / 8,000 organisations
    python benchmarks/bench_batch.py --quick               # 2 x 200, notebook 00, 2 workers; 20,000 / 100 (CI)
    python benchmarks/bench_batch.py --orgs 20 --rows 1500 --workers 2 --cold   # a medium size, warm and cold kernels

Part 1 writes a stacked export (the demo generator's municipality survey, ``rows`` respondents per
organisation, one organisation column) with the demo codebook, and runs the CLI
``clientvalue batch`` on it in its own process for each worker count (a fresh ``LocalCluster``
each time, so kernels and imports are paid as a user would pay them). Printed per run: wall
seconds, CPU seconds of the whole process tree (the scheduler, workers and every kernel: the larger
of ``getrusage`` of the waited-for children and a per-process sample every 0.25 s), both per organisation, and the speed-up of 2 workers over 1.
``--cold`` adds a run with a fresh kernel for every notebook, to show what warm kernels save.

Part 2 computes the national benchmark's model on a local cluster: each task simulates one
partition of organisations (``--partition`` organisations) and returns only its sufficient
statistics (:func:`clientvalue.stats.multilevel.unit_statistics`); the client combines them and
fits the random-intercept model once. No process holds more than one partition's rows. Printed:
wall seconds of the whole computation and of the fit, and the peak resident memory of the client.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from clientvalue.data.demo import simulate_municipality
from clientvalue.paths import DEMO_DIR

SERVICES = ("Burgerzaken", "Jeugd & gezin", "Wmo-loket", "Afval & belastingen", "Cliëntondersteuning")
# The notebooks the README's batch figures were measured with (notebook 50 came later: --notebooks adds it).
MEASURED_NOTEBOOKS = ["00_data_check", "10_value_drivers", "20_senior", "30_segments"]


def write_batch(folder: Path, orgs: int, rows: int, notebooks: list[str], *, seed: int = 1) -> tuple[Path, Path]:
    """A stacked export of ``orgs`` organisations x ``rows`` respondents, its codebook and a parameter file."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = []
    for k in range(orgs):
        frame = simulate_municipality({s: rows // len(SERVICES) for s in SERVICES}, seed=seed + k)
        frame["respondent_id"] = frame["respondent_id"].astype(str) + f"-{k}"
        frame.insert(1, "organisation", f"Organisation {k + 1:03d}")
        frames.append(frame)
    pd.concat(frames, ignore_index=True).to_csv(folder / "survey.csv", sep=";", index=False)
    shutil.copy(DEMO_DIR / "municipality" / "codebook.yaml", folder / "codebook.yaml")
    params = folder / "params.yaml"
    params.write_text(json.dumps({"organisations": "organisation", "notebooks": notebooks, "output": "out"}),
                      encoding="utf-8")
    return params, folder / "codebook.yaml"


def run_batch_cli(params: Path, codebook: Path, output: Path, *, workers: int, cold: bool) -> dict:
    """One `clientvalue batch` in its own process: wall and CPU seconds (the whole process tree)."""
    shutil.rmtree(output, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [str(Path(sys.executable).parent / "clientvalue"), "batch", str(params), str(codebook),
               "--output", str(output), "--workers", str(workers), "--quiet"] + (["--cold-kernels"] if cold else [])
    tick = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_total, peak_one, sampled_cpu = _poll_memory(process)
    stdout, stderr = process.communicate()
    done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    wall = time.perf_counter() - tick
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"clientvalue batch failed (rc {done.returncode}):\n{done.stderr[-3000:]}")
    status = json.loads((output / "status.json").read_text(encoding="utf-8"))
    cpu = max((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), sampled_cpu)
    return {"workers": workers, "warm": not cold, "wall": wall, "cpu": cpu, "counts": status["counts"],
            "peak_gb": peak_total / 1e9, "largest_process_gb": peak_one / 1e9}


def _poll_memory(process: subprocess.Popen, interval: float = 0.25) -> tuple[int, int, float]:
    """Peak summed resident memory of a process tree, of its largest process, and its CPU seconds.

    The CPU seconds are sampled per process (the last value seen of each), so they also count
    processes that end without being waited for by an ancestor (``getrusage`` misses those).
    """
    import psutil

    root = psutil.Process(process.pid)
    peak_total = peak_one = 0
    cpu: dict[int, float] = {}
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            sizes = []
            for proc in tree:
                try:
                    sizes.append(proc.memory_info().rss)
                    times = proc.cpu_times()
                    cpu[proc.pid] = times.user + times.system
                except psutil.Error:
                    pass
            peak_total, peak_one = max(peak_total, sum(sizes)), max(peak_one, max(sizes, default=0))
        except psutil.Error:
            pass
        time.sleep(interval)
    return peak_total, peak_one, sum(cpu.values())


# --------------------------------------------------------------------------- national benchmark
def partition_statistics(seed: int, first: int, orgs: int, per_org: int):
    """Simulate one partition of organisations and return only its sufficient statistics."""
    from clientvalue.stats.multilevel import unit_statistics

    rng = np.random.default_rng(seed)
    n = orgs * per_org
    unit = np.repeat(np.arange(first, first + orgs), per_org)
    effect = rng.normal(0, 0.3, orgs)[unit - first]
    age = rng.choice(["18-34", "35-49", "50-64", "65-79", "80+"], n)
    gender = rng.choice(["man", "vrouw"], n)
    rating = np.clip(np.round(7 + effect + (age == "80+") * 0.4 + rng.normal(0, 1.3, n)), 1, 10)
    frame = pd.DataFrame({"unit": unit, "rating": rating, "age": age, "gender": gender})
    return unit_statistics(frame, value="rating", unit="unit", case_mix=["age", "gender"])


def national(respondents: int, organisations: int, *, partition: int, workers: int) -> dict:
    """Sufficient statistics per partition on a local cluster, combined and fitted once."""
    import logging

    import psutil
    from dask.distributed import Client, LocalCluster

    from clientvalue.stats.multilevel import combine, random_intercept

    per_org = respondents // organisations
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit="2GiB",
                           dashboard_address=":0", silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        tick = time.perf_counter()
        futures = [client.submit(partition_statistics, 1000 + i, first, min(partition, organisations - first), per_org,
                                 pure=False)
                   for i, first in enumerate(range(0, organisations, partition))]
        merged = combine(client.gather(futures))
        fitted = time.perf_counter()
        fit = random_intercept(merged)
        done = time.perf_counter()
    finally:
        client.close()
        cluster.close()
    return {"respondents": int(merged.n.sum()), "organisations": fit.n_units, "partitions": len(futures),
            "wall": done - tick, "fit": done - fitted, "client_rss_gb": psutil.Process().memory_info().rss / 1e9,
            "icc": fit.icc}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--orgs", type=int, default=None)
    parser.add_argument("--rows", type=int, default=None, help="respondents per organisation")
    parser.add_argument("--workers", type=int, nargs="+", default=None, help="worker counts to compare")
    parser.add_argument("--cold", action="store_true", help="also run with a fresh kernel per notebook")
    parser.add_argument("--national-rows", type=int, default=None)
    parser.add_argument("--national-orgs", type=int, default=None)
    parser.add_argument("--partition", type=int, default=200, help="organisations per partition (national)")
    parser.add_argument("--notebooks", nargs="+", default=None, help="default: 00, 10, 20, 30 as in the README (--quick: 00)")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-national", action="store_true")
    args = parser.parse_args()
    orgs = args.orgs or (2 if args.quick else 350)
    rows = args.rows or (200 if args.quick else 1500)
    workers = args.workers or ([2] if args.quick else [1, 2])
    notebooks = args.notebooks or (["00_data_check"] if args.quick else MEASURED_NOTEBOOKS)
    national_rows = args.national_rows or (20_000 if args.quick else 2_000_000)
    national_orgs = args.national_orgs or (100 if args.quick else 8_000)

    if not args.skip_batch:
        with tempfile.TemporaryDirectory(prefix="clientvalue-bench-batch-") as tmp:
            params, codebook = write_batch(Path(tmp), orgs, rows, notebooks)
            print(f"batch: {orgs} organisations x {rows:,} respondents, notebooks {', '.join(notebooks)}; "
                  f"{os.cpu_count()} cores", flush=True)
            results = []
            for n in workers:
                for cold in ([False, True] if args.cold else [False]):
                    r = run_batch_cli(params, codebook, Path(tmp) / f"out-{n}-{cold}", workers=n, cold=cold)
                    results.append(r)
                    print(f"  {n} worker(s), {'warm' if r['warm'] else 'cold'} kernels: {r['wall']:.1f} s wall "
                          f"({r['wall'] / orgs:.2f} s per organisation), {r['cpu']:.1f} CPU s "
                          f"({r['cpu'] / orgs:.2f} per organisation); peak memory {r['peak_gb']:.2f} GB in all, "
                          f"{r['largest_process_gb']:.2f} GB in the largest process; {r['counts']}", flush=True)
            warm = {r["workers"]: r["wall"] for r in results if r["warm"]}
            if 1 in warm and 2 in warm:
                print(f"  speed-up 2 workers over 1: {warm[1] / warm[2]:.2f}x (target >= 1.8x)")
            projected = min(warm.values()) / orgs * 350
            print(f"  projected for 350 organisations at this size: {projected / 60:.1f} min (target < 15 min)")
    if args.skip_national:
        return
    result = national(national_rows, national_orgs, partition=args.partition, workers=max(workers))
    print(f"national benchmark: {result['respondents']:,} respondents, {result['organisations']:,} organisations in "
          f"{result['partitions']} partitions: {result['wall']:.1f} s wall (fit {result['fit']:.2f} s), client "
          f"{result['client_rss_gb']:.2f} GB resident (target <= 120 s)")


if __name__ == "__main__":
    main()
