"""Benchmark of the consistency analysis (notebook 40): agreement with bootstraps, tests, tables.

Usage::

    python benchmarks/bench_consistency.py            # 2,000 employees x 50 vignettes, 1,000 replicates
    python benchmarks/bench_consistency.py --quick    # 200 x 20, 200 replicates (for CI)

A vignette study is simulated (20 teams, ordinal decisions, two variants) and written as a CSV with
its codebook into a temporary folder; the benchmark times reading it through the codebook and
:func:`clientvalue.analyses.consistency.analyse` (every table: overall agreement with vignette and
employee bootstraps, per-vignette intervals, per-team agreement and permutation tests, the variant
test overall and per team). Wall seconds (``time.perf_counter``) and peak MiB (``tracemalloc``).
Target: the full size within 30 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import gc
import platform
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from clientvalue.analyses import consistency
from clientvalue.data.vignettes import load_vignette_study
from clientvalue.stats import agreement as ag


def write_study(folder: Path, n_employees: int, n_vignettes: int, seed: int = 0) -> Path:
    """Simulate a study (one row per employee x vignette) and write CSV + codebook; return the codebook."""
    rng = np.random.default_rng(seed)
    employee = np.repeat(np.arange(n_employees), n_vignettes)
    vignette = np.tile(np.arange(n_vignettes), n_employees)
    team = employee % 20
    mu = rng.uniform(-0.5, 3.5, n_vignettes)[vignette]
    variant = rng.random(len(employee)) < 0.5
    latent = mu + rng.normal(0, 0.5, n_employees)[employee] + 0.3 * variant * (team == 3) + rng.normal(0, 0.8, len(employee))
    decision = np.clip(np.floor(latent + 0.5), 0, 3).astype(int) + 1
    frame = pd.DataFrame({"employee": [f"E{e:05d}" for e in employee], "team": [f"T{t:02d}" for t in team],
                          "vignette": [f"V{v:03d}" for v in vignette], "variant": np.where(variant, "B", "A"),
                          "decision": decision})
    frame.to_csv(folder / "decisions.csv", index=False)
    codebook = {
        "data": "decisions.csv", "employee": "employee", "team": "team", "vignette": "vignette",
        "decision": {"column": "decision", "level": "ordinal",
                     "categories": [{"code": c, "label": f"decision {c}"} for c in (1, 2, 3, 4)]},
        "variants": {"column": "variant", "reference": "A", "protected": True, "differs": "the client's name"},
    }
    path = folder / "codebook.yaml"
    path.write_text(yaml.safe_dump(codebook), encoding="utf-8")
    return path


def measure(fn) -> tuple[float, float, object]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds, for CI)")
    args = parser.parse_args(argv)
    n_employees, n_vignettes, n_boot = (200, 20, 200) if args.quick else (2000, 50, 1000)
    print(f"consistency benchmark on {platform.machine()} ({platform.python_version()}): "
          f"{n_employees:,} employees x {n_vignettes} vignettes, {n_boot:,} replicates")
    with tempfile.TemporaryDirectory() as tmp:
        codebook = write_study(Path(tmp), n_employees, n_vignettes)
        seconds, peak, study = measure(lambda: load_vignette_study(codebook))
        print(f"  read and validate {len(study.data):,} rows: {seconds:6.2f} s, peak {peak:7.1f} MiB")
        coded = ag.code_judgements(study.data, rater="employee", unit="vignette", value="decision",
                                   categories=study.categories)
        for resample in ("vignettes", "employees"):
            seconds, peak, _ = measure(lambda resample=resample: ag.bootstrap_measures(coded, level="ordinal", n_boot=n_boot, seed=1,
                                                                     resample=resample))
            print(f"  alpha/AC1/kappa, bootstrap over {resample:<10}: {seconds:6.2f} s, peak {peak:7.1f} MiB")
        seconds, peak, _ = measure(lambda: consistency.analyse(study, n_boot=n_boot, seed=1, min_group_size=10))
        print(f"  whole analysis (every table of notebook 40): {seconds:6.2f} s, peak {peak:7.1f} MiB")
        if not args.quick and seconds > 30:
            raise SystemExit(f"too slow: {seconds:.1f} s > 30 s")


if __name__ == "__main__":
    main()
