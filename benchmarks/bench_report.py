"""Benchmark: the whole report (`clientvalue run`, default parameters) on a large export.

Usage::

    python benchmarks/bench_report.py                 # 1,000,000 respondents (about two minutes)
    python benchmarks/bench_report.py --quick         # 5,000 respondents (for CI)
    python benchmarks/bench_report.py --rows 100000   # any size
    python benchmarks/bench_report.py --keep DIR      # generate (once) into DIR and keep it

The export is the demo generator's municipality survey at ``rows / 5`` respondents for each of the
five reported services, written as the Dutch-Excel CSV (``;``, cp1252) with the demo codebook,
into a temporary folder. The CLI then runs every notebook with the default parameters
(``n_boot`` 1000, seed and thresholds of ``params/demo.yaml``) in its own process, exactly as a
user would start it. Printed: wall seconds of the whole run, seconds per notebook (from the
run's ``manifest.json``) and the peak resident memory of the whole process tree (the CLI and
every kernel it starts), sampled every 50 ms with psutil, and the CPU seconds of that tree
(user + system, from ``getrusage``): on a busy machine the CPU seconds are the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from clientvalue.data.demo import simulate_municipality
from clientvalue.paths import DEMO_DIR

SERVICES = ("Burgerzaken", "Jeugd & gezin", "Wmo-loket", "Afval & belastingen", "Cliëntondersteuning")


def write_export(folder: Path, rows: int, *, seed: int = 1) -> Path:
    """Write the demo export with ``rows`` respondents, its codebook and a parameter file; return the latter."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = simulate_municipality({s: rows // len(SERVICES) for s in SERVICES}, seed=seed)
    frame.to_csv(folder / "survey.csv", sep=";", encoding="cp1252", index=False, decimal=",")
    demo = DEMO_DIR / "municipality"
    shutil.copy(demo / "codebook.yaml", folder / "codebook.yaml")
    # the earlier waves and the benchmark the codebook names (notebook 50) come as the demo has them
    shutil.copytree(demo / "waves", folder / "waves", dirs_exist_ok=True)
    shutil.copy(demo / "benchmark.csv", folder / "benchmark.csv")
    params = folder / "params.yaml"
    params.write_text("codebook: codebook.yaml\noutput: report\n", encoding="utf-8")
    return params


class TreeMemory:
    """Peak summed resident memory of a process and all its descendants, polled in a thread."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.by_process: dict[str, int] = {}  # peak resident memory per process (label: pid and role)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for proc in procs:
                try:
                    rss = proc.memory_info().rss
                    label = f"{proc.pid} {_role(proc)}"
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                total += rss
                self.by_process[label] = max(self.by_process.get(label, 0), rss)
            self.peak = max(self.peak, total)
            time.sleep(self.interval)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _role(proc: psutil.Process) -> str:
    cmd = " ".join(proc.cmdline())
    if "ipykernel" in cmd:
        return "kernel"
    if "clientvalue.run.cli" in cmd:
        return "clientvalue run"
    return "worker"


def run_report(params: Path) -> dict:
    """Run ``clientvalue run`` on ``params``; wall seconds, peak tree memory and the manifest."""
    cmd = [sys.executable, "-m", "clientvalue.run.cli", "run", str(params), "--quiet"]
    tick = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=params.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with TreeMemory(proc.pid) as memory:
        output, _ = proc.communicate()
    wall = time.perf_counter() - tick
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # every descendant that was waited for
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"clientvalue run failed (exit {proc.returncode}):\n{output}")
    manifest = json.loads((params.parent / "report" / "manifest.json").read_text(encoding="utf-8"))
    return {"wall": wall, "cpu": cpu, "peak": memory.peak, "by_process": memory.by_process, "manifest": manifest}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 respondents instead of 1,000,000")
    parser.add_argument("--rows", type=int, default=None, help="respondents in the export (overrides --quick)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder for the export and report, kept afterwards (the export is reused if present)")
    args = parser.parse_args(argv)
    rows = args.rows if args.rows is not None else (5_000 if args.quick else 1_000_000)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="clientvalue-bench-report-"))
    try:
        tick = time.perf_counter()
        params = folder / "params.yaml"
        if not (args.keep and params.exists() and (folder / "survey.csv").exists()):
            params = write_export(folder, rows)
        generated = time.perf_counter() - tick
        shutil.rmtree(folder / "report", ignore_errors=True)
        result = run_report(params)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    manifest = result["manifest"]
    size = manifest["inputs"][1]["bytes"]
    print(f"export: {manifest['data_summary']['respondents']:,} respondents, {size / 2**20:.0f} MiB CSV "
          f"(generated in {generated:.1f} s); clientvalue run, default parameters (n_boot "
          f"{manifest['parameters']['n_boot']})")
    print(f"{'step':<44} {'seconds':>8}")
    for record in manifest["notebooks"]:
        print(f"{'  notebook ' + record['name']:<44} {record['seconds']:>8.1f}")
    print(f"{'whole run (wall, incl. start-up and HTML)':<44} {result['wall']:>8.1f}")
    print(f"{'CPU seconds of the process tree':<44} {result['cpu']:>8.1f}")
    print(f"{'peak memory of the process tree (MiB)':<44} {result['peak'] / 2**20:>8.0f}")
    top = sorted(result["by_process"].items(), key=lambda kv: -kv[1])[:4]
    print("  largest processes (peak MiB): " + ", ".join(f"{k.split(' ', 1)[1]} {v / 2**20:.0f}" for k, v in top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
