"""Benchmark: the whole report (`clientvalue run`, default parameters) on large exports of different shapes.

Usage::

    python benchmarks/bench_report.py                 # 1,000,000 respondents (about two minutes)
    python benchmarks/bench_report.py --quick         # 5,000 respondents (for CI), one shape
    python benchmarks/bench_report.py --rows 100000   # any size
    python benchmarks/bench_report.py --shape wide    # another shape of export (see below)
    python benchmarks/bench_report.py --shape all     # every shape, one after the other
    python benchmarks/bench_report.py --shapes small wide --rows 5000
    python benchmarks/bench_report.py --keep DIR      # generate (once) into DIR and keep it

Shapes (``--shape``, default ``municipality``):

* ``municipality``: the demo generator's municipality survey at ``rows / 5`` respondents for each
  of the five reported services, written as the Dutch-Excel CSV (``;``, cp1252, decimal comma)
  with the demo codebook: 9 driver questions, 5 services, 6 segmentation (needs) items with the
  persona grid, 6 attributes, 2 treatments, 2 earlier waves and the benchmark file.
* ``small``, ``demo``, ``wide``: the three shapes of ``bench_segments.py`` (its ``SHAPES`` and
  ``write_survey``: segmentation items, attributes, treatments, persona grid), made complete
  exports for the whole run and differing also in what drives notebooks 10 and 50:

  - ``small``: 5 driver questions (3 practical, 2 emotional, one of them reversed), 3 services,
    4 needs items (persona grid 2 x 2), 3 attributes, 1 treatment, 1 earlier wave (2025);
  - ``demo``: 9 driver questions, 5 services, 6 needs items and the grid, 5 attributes,
    2 treatments, 2 earlier waves (2024 with a renamed and a missing question, 2025);
  - ``wide``: 13 driver questions (the 9 plus 4 more, each a noisy mix of two of them, so that
    they share their variance as real neighbouring questions do: 16 times the subsets of the
    Shapley split), 6 services (the five and the Ombudsman at the same size), 12 segmentation
    items (needs, behaviour, context; no persona grid), 6 attributes, 2 treatments, 2 earlier waves.

  Each has its codebook, its parameter file, the earlier waves the codebook names (the demo's
  wave exports, with codebooks written for the shape's questions) and the benchmark file (the
  demo's national figures for the shape's questions). The four added ``wide`` questions were not
  asked in the earlier waves and have no national figure.

The CLI then runs every notebook with the default parameters (``n_boot`` 1000, seed and thresholds
of ``params/demo.yaml``) in its own process, exactly as a user would start it; the benchmark fails
unless every survey notebook (00, 10, 20, 30, 50) ran and succeeded. Printed per shape: wall
seconds of the whole run, seconds per notebook (from the run's ``manifest.json``), the peak memory
of the whole process tree (the CLI and every kernel it starts) as summed resident memory (RSS,
sampled every 50 ms with psutil) and as summed proportional memory (PSS, every 0.25 s: shared
pages counted once; see :class:`TreeMemory`), and the CPU seconds of that tree (user + system, from ``getrusage``): on a busy
machine the CPU seconds are the steadier figure. At the end one table row per shape.
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

import numpy as np
import pandas as pd
import psutil
import yaml
from bench_segments import SHAPES as SEGMENT_SHAPES
from bench_segments import write_survey

from clientvalue.data.demo import ITEMS, simulate_municipality
from clientvalue.data.demo_comparisons import benchmark_frame, wave_codebook
from clientvalue.paths import DEMO_DIR
from clientvalue.run.params import SURVEY_NOTEBOOKS

SERVICES = ("Burgerzaken", "Jeugd & gezin", "Wmo-loket", "Afval & belastingen", "Cliëntondersteuning")
#: What the whole run adds to the shapes of bench_segments: the driver questions (notebooks 10, 50),
#: the services (the groups every notebook reports) and the earlier waves (notebook 50).
REPORT_SHAPES: dict[str, dict] = {
    "small": {"drivers": ("q_fast", "q_correct", "q_effort", "q_listened", "q_serious"), "extra_drivers": False,
              "services": SERVICES[:3], "waves": ("2025",)},
    "demo": {"drivers": ITEMS, "extra_drivers": False, "services": SERVICES, "waves": ("2024", "2025")},
    "wide": {"drivers": ITEMS, "extra_drivers": True, "services": (*SERVICES, "Ombudsman"),
             "waves": ("2024", "2025")},
}
SHAPES = ("municipality", *SEGMENT_SHAPES)  # tests/run/test_bench_shapes.py: each has its REPORT_SHAPES entry
#: The four more driver questions of ``wide``: dimension, the two questions each mixes, labels (nl, en).
EXTRA_DRIVERS = {
    "q_clear": ("practical", ("q_easy", "q_correct"), ("De informatie was duidelijk", "The information was clear")),
    "q_reach": ("practical", ("q_fast", "q_easy"),
                ("Ik kon de juiste persoon bereiken", "I could reach the right person")),
    "q_respect": ("emotional", ("q_listened", "q_serious"),
                  ("Ik werd met respect behandeld", "I was treated with respect")),
    "q_trust": ("emotional", ("q_welcome", "q_matters"),
                ("Ik heb vertrouwen in de gemeente", "I trust the municipality")),
}


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


def write_shape_export(folder: Path, rows: int, shape: str) -> Path:
    """Write the export of ``shape`` (one of :data:`SHAPES`) into ``folder``; return its parameter file."""
    if shape == "municipality":
        return write_export(folder, rows)
    spec = REPORT_SHAPES[shape]
    folder.mkdir(parents=True, exist_ok=True)
    codebook_path = write_survey(folder, rows, shape, services=spec["services"])
    codebook = yaml.safe_load(codebook_path.read_text(encoding="utf-8"))
    codebook["items"] = [item for item in codebook["items"] if item["column"] in spec["drivers"]]
    asked = dict(codebook, items=list(codebook["items"]))  # the questions the earlier waves had
    if spec["extra_drivers"]:
        add_extra_drivers(folder / "survey.csv", seed=11)
        codebook["items"] += [{"column": column, "dimension": dimension, "scale": [1, 5], "reverse": False,
                               "label": {"nl": nl, "en": en}}
                              for column, (dimension, _, (nl, en)) in EXTRA_DRIVERS.items()]
    codebook["waves"]["earlier"] = [w for w in codebook["waves"]["earlier"] if w["name"] in spec["waves"]]
    codebook_path.write_text(yaml.safe_dump(codebook, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for wave in codebook["waves"]["earlier"]:
        target = folder / Path(wave["codebook"]).parent
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(DEMO_DIR / "municipality" / "waves" / wave["name"] / "survey.csv", target / "survey.csv")
        (target / "codebook.yaml").write_text(yaml.safe_dump(wave_codebook(wave["name"], asked), allow_unicode=True),
                                              encoding="utf-8")
    bench = benchmark_frame()
    kept = {"overall", "practical_share", *(item["column"] for item in codebook["items"])}
    bench[bench["question"].isin(kept)].to_csv(folder / "benchmark.csv", index=False)
    params = folder / "params.yaml"
    params.write_text("codebook: codebook.yaml\noutput: report\n", encoding="utf-8")
    return params


def add_extra_drivers(path: Path, *, seed: int) -> None:
    """Add the :data:`EXTRA_DRIVERS` columns to the survey CSV at ``path`` (rewritten in the same format).

    Each is the mean of its two questions plus normal noise (sd 0.6), rounded to 1..5; empty where
    either question has no valid answer (a missing code, an out-of-range code or no answer).
    """
    frame = pd.read_csv(path, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    for column, (_, sources, _) in EXTRA_DRIVERS.items():
        values = [pd.to_numeric(frame[c], errors="coerce").where(lambda v: v.between(1, 5)) for c in sources]
        mixed = (values[0] + values[1]) / 2 + rng.normal(0, 0.6, len(frame))
        codes = mixed.round().clip(1, 5)
        frame[column] = codes.astype("Int64").astype("string").fillna("")
    frame.to_csv(path, sep=";", encoding="cp1252", index=False)


class TreeMemory:
    """Peak memory of a process and all its descendants, polled in a thread that costs little CPU.

    ``peak``: the largest sum of the processes' resident memory (RSS), read every ``interval``
    seconds. That sum counts a page shared by several processes (the Python libraries every
    kernel and worker maps, pages a forked worker shares with its parent) once per process, so it
    overstates what the tree holds. ``peak_pss``: the largest sum of their proportional set sizes
    (PSS, from ``/proc/<pid>/smaps_rollup``: a shared page split between the processes that share
    it), which adds up to the memory the tree uses; 0 where the system does not report it.

    The poller shares the machine with the run it measures, so it does as little as it can:

    * the tree is listed again every ``scan_every`` seconds, not at every poll (a process that
      started since is counted from the next listing; a Python process holds some 20 MiB then);
    * PSS, which the kernel computes by walking every page table of a process, is read at most
      every ``pss_every`` seconds and only while the summed RSS exceeds the largest PSS so far.
      A process's PSS never exceeds its RSS, so a poll whose summed RSS is at or below that peak
      cannot raise it: skipping it loses nothing.

    ``cpu``: the CPU seconds the poller itself used (measured on the 1,000,000-row ``wide`` export:
    about 14 s per run when it listed the tree and read PSS four times a second throughout, on a
    machine of two cores; see the README).
    """

    def __init__(self, pid: int, interval: float = 0.05, pss_every: float = 1.0, scan_every: float = 0.25):
        self.root = psutil.Process(pid)
        self.interval = interval
        self.pss_every = pss_every
        self.scan_every = scan_every
        self.peak = 0
        self.peak_pss = 0
        self.cpu = 0.0
        self.by_process: dict[str, int] = {}  # peak resident memory per process (label: pid and role)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _tree(self, known: dict[int, tuple[psutil.Process, str]]) -> dict[int, tuple[psutil.Process, str]]:
        """The processes of the tree now, each with its label (the command line is read once per process)."""
        tree = {}
        for proc in [self.root, *self.root.children(recursive=True)]:
            if proc.pid in known:
                tree[proc.pid] = known[proc.pid]
                continue
            try:
                tree[proc.pid] = (proc, f"{proc.pid} {_role(proc)}")
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return tree

    def _poll(self) -> None:
        started = time.thread_time()
        tree: dict[int, tuple[psutil.Process, str]] = {}
        scanned = pss_read = -float("inf")
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if now - scanned >= self.scan_every:
                    try:
                        tree = self._tree(tree)
                    except psutil.NoSuchProcess:
                        return
                    scanned = now
                total = 0
                for proc, label in tree.values():
                    try:
                        rss = proc.memory_info().rss
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        continue
                    total += rss
                    self.by_process[label] = max(self.by_process.get(label, 0), rss)
                self.peak = max(self.peak, total)
                if total > self.peak_pss and now - pss_read >= self.pss_every:
                    self.peak_pss = max(self.peak_pss, self._pss(tree))
                    pss_read = now
                time.sleep(self.interval)
        finally:
            self.cpu = time.thread_time() - started

    @staticmethod
    def _pss(tree: dict[int, tuple[psutil.Process, str]]) -> int:
        total = 0
        for proc, _ in tree.values():
            try:  # apart: a process whose PSS cannot be read still counts in the RSS figure
                total += getattr(proc.memory_full_info(), "pss", 0)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return total

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
    return {"wall": wall, "cpu": cpu, "peak": memory.peak, "peak_pss": memory.peak_pss, "by_process": memory.by_process,
            "poller_cpu": memory.cpu, "manifest": manifest}


def unsuccessful(manifest: dict) -> list[str]:
    """The survey notebooks that did not run, or did not succeed, in the run ``manifest`` describes."""
    status = {record["name"]: record.get("status") for record in manifest["notebooks"]}
    return [name for name in SURVEY_NOTEBOOKS if status.get(name) != "succeeded"]


def bench_shape(folder: Path, rows: int, shape: str, *, reuse: bool) -> dict:
    """Generate (or reuse) the export of ``shape`` in ``folder``, run the report on it and print the details."""
    tick = time.perf_counter()
    params = folder / "params.yaml"
    marker = folder / "bench-shape.txt"  # which shape a kept folder holds (none: today's municipality export)
    held = marker.read_text(encoding="utf-8").strip() if marker.exists() else "municipality"
    if not (reuse and params.exists() and (folder / "survey.csv").exists() and held == shape):
        shutil.rmtree(folder / "waves", ignore_errors=True)
        params = write_shape_export(folder, rows, shape)
        marker.write_text(shape + "\n", encoding="utf-8")
    generated = time.perf_counter() - tick
    shutil.rmtree(folder / "report", ignore_errors=True)
    result = run_report(params)
    manifest = result["manifest"]
    missing = unsuccessful(manifest)
    if missing:
        raise SystemExit(f"shape {shape!r}: notebooks {missing} did not run or did not succeed; see {params.parent}")
    size = manifest["inputs"][1]["bytes"]
    print(f"shape {shape!r}, export: {manifest['data_summary']['respondents']:,} respondents, {size / 2**20:.0f} MiB "
          f"CSV (generated in {generated:.1f} s); clientvalue run, default parameters (n_boot "
          f"{manifest['parameters']['n_boot']})")
    print(f"{'step':<44} {'seconds':>8}")
    for record in manifest["notebooks"]:
        print(f"{'  notebook ' + record['name']:<44} {record['seconds']:>8.1f}")
    print(f"{'whole run (wall, incl. start-up and HTML)':<44} {result['wall']:>8.1f}")
    print(f"{'CPU seconds of the process tree':<44} {result['cpu']:>8.1f}")
    print(f"{'peak memory of the process tree (MiB, RSS)':<44} {result['peak'] / 2**20:>8.0f}")
    print(f"{'peak memory of the process tree (MiB, PSS)':<44} {result['peak_pss'] / 2**20:>8.0f}")
    top = sorted(result["by_process"].items(), key=lambda kv: -kv[1])[:4]
    print("  largest processes (peak MiB): " + ", ".join(f"{k.split(' ', 1)[1]} {v / 2**20:.0f}" for k, v in top))
    print(f"{'CPU seconds of the memory poller (not in the run)':<44} {result['poller_cpu']:>8.1f}")
    print(flush=True)
    return result


def summary_table(results: dict[str, dict]) -> str:
    """One row per shape: seconds per notebook, wall and CPU seconds, peak MiB of the process tree (RSS and PSS)."""
    names = list(dict.fromkeys(r["name"] for res in results.values() for r in res["manifest"]["notebooks"]))
    head = f"{'shape':<13}" + "".join(f"{name.split('_')[0]:>7}" for name in names)
    lines = [head + f"{'wall s':>9}{'CPU s':>9}{'RSS MiB':>9}{'PSS MiB':>9}"]
    for shape, res in results.items():
        seconds = {r["name"]: r["seconds"] for r in res["manifest"]["notebooks"]}
        cells = "".join(f"{seconds[n]:>7.1f}" if n in seconds else f"{'-':>7}" for n in names)
        lines.append(f"{shape:<13}{cells}{res['wall']:>9.1f}{res['cpu']:>9.1f}{res['peak'] / 2**20:>9.0f}"
                     f"{res['peak_pss'] / 2**20:>9.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 respondents instead of 1,000,000 (one shape)")
    parser.add_argument("--rows", type=int, default=None, help="respondents in the export (overrides --quick)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--shape", choices=[*SHAPES, "all"], default="municipality",
                       help="the shape of the export (default: municipality); all: every shape in turn")
    which.add_argument("--shapes", nargs="+", choices=SHAPES, help="several shapes, one after the other")
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder for the export and report, kept afterwards (the export is reused if present; "
                             "with several shapes one subfolder per shape)")
    args = parser.parse_args(argv)
    rows = args.rows if args.rows is not None else (5_000 if args.quick else 1_000_000)
    shapes = args.shapes or (list(SHAPES) if args.shape == "all" else [args.shape])
    folder = args.keep or Path(tempfile.mkdtemp(prefix="clientvalue-bench-report-"))
    results = {}
    try:
        for shape in shapes:
            results[shape] = bench_shape(folder / shape if len(shapes) > 1 else folder, rows, shape,
                                         reuse=args.keep is not None)
            if args.keep is None:  # one shape's export at a time on disk
                shutil.rmtree(folder / shape if len(shapes) > 1 else folder, ignore_errors=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    print(summary_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
