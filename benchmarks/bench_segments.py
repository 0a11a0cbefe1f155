"""Benchmark: notebook 30 (segments, personas, fairness audit) on a large survey.

Usage::

    python benchmarks/bench_segments.py            # 100,000 respondents, 12 segmentation items
    python benchmarks/bench_segments.py --quick    # 5,000 respondents (seconds, for CI)

The survey is the demo generator's municipality survey (six needs items, four planted personas, a
proxy and two treatments) with six more behaviour and context items that follow the personas,
written as CSV with the demo codebook extended by those items. Timed: the analysis alone
(``analyses.segments.analyse`` with the run's default parameters: k = 2..6 with 3 starts each,
20 stability refits, 1,000 bootstrap replicates, 199 permutations) and notebook 30 through
``clientvalue run`` (kernel start, HTML). Printed: wall seconds (and the analysis's CPU seconds, which show how much a busy machine
stretched the wall time) and peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from clientvalue.analyses import segments as analysis
from clientvalue.data.demo import municipality_codebook, simulate_municipality
from clientvalue.data.survey import load_survey

SERVICES = ("Burgerzaken", "Jeugd & gezin", "Wmo-loket", "Afval & belastingen", "Cliëntondersteuning")
EXTRA = {"b_online": "behaviour", "b_calls": "behaviour", "b_visits": "behaviour",
         "c_mobility": "context", "c_network": "context", "c_worries": "context"}


def peak_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_survey(folder: Path, n_total: int) -> Path:
    """The extended demo survey and its codebook in ``folder``; returns the codebook path."""
    frame = simulate_municipality({s: n_total // len(SERVICES) for s in SERVICES}, seed=1, latent=True)
    rng = np.random.default_rng(7)
    persona = frame.pop("persona").to_numpy()
    frame = frame.drop(columns=["latent_segment"])
    levels = rng.normal(0, 1.2, size=(5, len(EXTRA)))  # a mean per persona and item
    for j, column in enumerate(EXTRA):
        latent = levels[persona, j] + 0.8 * rng.standard_normal(len(frame))
        frame[column] = 1 + (latent[:, None] > np.array([-1.5, -0.5, 0.5, 1.5])).sum(axis=1)
    frame.to_csv(folder / "survey.csv", sep=";", encoding="cp1252", index=False)
    codebook = municipality_codebook()
    codebook["segmentation"] += [{"column": c, "scale": [1, 5], "basis": b, "label": c} for c, b in EXTRA.items()]
    (folder / "codebook.yaml").write_text(yaml.safe_dump(codebook, allow_unicode=True), encoding="utf-8")
    return folder / "codebook.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 respondents instead of 100,000")
    args = parser.parse_args(argv)
    n_total = 5_000 if args.quick else 100_000
    rows = []
    with tempfile.TemporaryDirectory(prefix="clientvalue-bench-") as tmp:
        folder = Path(tmp)
        codebook = write_survey(folder, n_total)
        survey = load_survey(codebook)
        tick, cpu = time.perf_counter(), time.process_time()
        results = analysis.analyse(survey, n_boot=1000, n_perm=199, n_stability=20, n_init=3, seed=1)
        rows.append((f"segments analysis, {len(survey.codebook.segmentation)} items, k = 2..6 x 3 starts, "
                     f"20 stability refits (chose k = {results.k})", time.perf_counter() - tick))
        rows.append(("  of which CPU time of this process (all threads)", time.process_time() - cpu))
        from clientvalue.run import pipeline

        params = {"codebook": str(codebook), "output": str(folder / "report"), "notebooks": ["30_segments"]}
        (folder / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
        tick = time.perf_counter()
        pipeline.run(folder / "params.yaml", progress=False, echo=None, jobs=1)
        rows.append(("notebook 30 through `clientvalue run` (kernel, analysis, HTML)", time.perf_counter() - tick))
    print(f"bench_segments: {n_total:,} respondents")
    for name, seconds in rows:
        print(f"  {name:<95} {seconds:7.2f} s")
    print(f"  peak resident memory of the benchmark process: {peak_mib():,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
