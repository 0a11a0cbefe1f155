"""Benchmark: a large export end to end (write, read through the codebook, value drivers).

Usage::

    python benchmarks/bench_export.py             # 1,000,000 respondents (about a minute)
    python benchmarks/bench_export.py --quick     # 20,000 respondents (seconds, for CI)

The export is a Dutch-Excel CSV (``;``, cp1252) from the demo generator, written to a temporary
folder with the demo codebook. Printed: wall seconds per step and the process's peak resident
memory (``resource.getrusage``), as a laptop user would experience them.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from clientvalue.data.demo import simulate_municipality
from clientvalue.stats.importance import dimension_totals, importance
from clientvalue.paths import DEMO_DIR
from clientvalue.data.survey import load_survey

SERVICES = ("Burgerzaken", "Jeugd & gezin", "Wmo-loket", "Afval & belastingen", "Cliëntondersteuning")


def peak_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 respondents instead of 1,000,000")
    args = parser.parse_args(argv)
    n_total = 20_000 if args.quick else 1_000_000
    folder = Path(tempfile.mkdtemp(prefix="clientvalue-bench-"))
    rows = []
    try:
        tick = time.perf_counter()
        frame = simulate_municipality({s: n_total // len(SERVICES) for s in SERVICES}, seed=1)
        frame.to_csv(folder / "survey.csv", sep=";", encoding="cp1252", index=False, decimal=",")
        shutil.copy(DEMO_DIR / "municipality" / "codebook.yaml", folder / "codebook.yaml")
        rows.append(("simulate and write the export", time.perf_counter() - tick))
        size = (folder / "survey.csv").stat().st_size
        del frame

        tick = time.perf_counter()
        survey = load_survey(folder / "codebook.yaml")
        rows.append(("read and clean through the codebook", time.perf_counter() - tick))

        tick = time.perf_counter()
        result = importance(survey.data, outcome=survey.outcome, drivers=survey.items(),
                            weights=survey.weight, n_boot=200, seed=1)
        totals = dimension_totals(result, dimensions=survey.dimensions())
        rows.append(("LMG with 200 bootstrap replicates, 9 drivers", time.perf_counter() - tick))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"export: {n_total:,} respondents, {size / 2**20:.0f} MiB CSV; "
          f"practical share {totals.table.set_index('dimension').at['practical', 'share']:.3f}")
    print(f"{'step':<48} {'seconds':>8}")
    for step, seconds in rows:
        print(f"{step:<48} {seconds:>8.2f}")
    print(f"{'peak resident memory (MiB)':<48} {peak_mib():>8.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
