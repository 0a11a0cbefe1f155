"""Benchmark: notebook 30 (segments, personas, fairness audit) on large exports of different shapes.

Usage::

    python benchmarks/bench_segments.py                 # 1,000,000 respondents, every shape
    python benchmarks/bench_segments.py --quick         # 5,000 respondents, notebook 30 on one shape (CI)
    python benchmarks/bench_segments.py --n 200000 --shapes wide

The survey is the demo generator's municipality survey (six needs items, four planted personas, a
proxy and two treatments), cut or extended to each shape and written as CSV with the demo codebook
cut or extended the same way:

* ``small``: 4 needs items (a persona grid of 2 x 2 items), 3 attributes (age and gender protected,
  channel), 1 treatment (extra check);
* ``demo``: 6 needs items and the grid, 5 attributes (age, gender, origin protected; channel,
  neighbourhood), 2 treatments;
* ``wide``: 12 segmentation items (the 6 needs and 6 behaviour/context items that follow the
  personas), all 6 attributes, 2 treatments, no persona grid.

Timed per shape: the analysis alone (``analyses.segments.analyse`` with the run's default
parameters: k = 2..6 with 3 starts each, 20 stability refits, 1,000 bootstrap replicates, 199
permutations), with its CPU seconds (which show how much a busy machine stretched the wall time),
and notebook 30 through ``clientvalue run`` (kernel start, analysis, HTML) with that run's peak
memory (the kernel is a child process). Also printed: peak resident memory of this process.

``--check`` also fits the latent profiles on every row (no subsample; the old way) and prints
whether the published segment sizes of the default fit lie within the 95% intervals of that full
fit, and the adjusted Rand index between both classifications.
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
SHAPES = {
    "small": {"needs": ["n_self", "n_decide", "n_person", "n_personal"], "extra": False,
              "attributes": ["age", "gender", "channel"], "treatments": ["extra_check"], "personas": True},
    "demo": {"needs": ["n_self", "n_decide", "n_online", "n_person", "n_personal", "n_time"], "extra": False,
             "attributes": ["age", "gender", "origin", "channel", "neighbourhood"],
             "treatments": ["home_visit", "extra_check"], "personas": True},
    "wide": {"needs": ["n_self", "n_decide", "n_online", "n_person", "n_personal", "n_time"], "extra": True,
             "attributes": ["age", "gender", "channel", "contacts", "origin", "neighbourhood"],
             "treatments": ["home_visit", "extra_check"], "personas": False},
}


def peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory (of this process or its largest child so far), in MiB (Linux: KiB)."""
    return resource.getrusage(who).ru_maxrss / 1024


def write_survey(folder: Path, n_total: int, shape: str, *, services: tuple[str, ...] = SERVICES) -> Path:
    """The survey of ``shape`` and its codebook in ``folder``; returns the codebook path.

    ``services``: the services surveyed, ``n_total // len(services)`` respondents each (any of the
    demo generator's services; ``bench_report.py`` varies them per shape).
    """
    spec = SHAPES[shape]
    frame = simulate_municipality({s: n_total // len(services) for s in services}, seed=1, latent=True)
    rng = np.random.default_rng(7)
    persona = frame.pop("persona").to_numpy()
    frame = frame.drop(columns=["latent_segment"])
    if spec["extra"]:
        levels = rng.normal(0, 1.2, size=(5, len(EXTRA)))  # a mean per persona and item
        for j, column in enumerate(EXTRA):
            latent = levels[persona, j] + 0.8 * rng.standard_normal(len(frame))
            frame[column] = 1 + (latent[:, None] > np.array([-1.5, -0.5, 0.5, 1.5])).sum(axis=1)
    frame.to_csv(folder / "survey.csv", sep=";", encoding="cp1252", index=False)
    codebook = municipality_codebook()
    codebook["segmentation"] = [s for s in codebook["segmentation"] if s["column"] in spec["needs"]]
    if spec["extra"]:
        codebook["segmentation"] += [{"column": c, "scale": [1, 5], "basis": b, "label": c} for c, b in EXTRA.items()]
    codebook["attributes"] = {k: v for k, v in codebook["attributes"].items() if k in spec["attributes"]}
    codebook["treatments"] = {k: v for k, v in codebook["treatments"].items() if k in spec["treatments"]}
    if not spec["personas"]:
        codebook.pop("personas", None)
    else:
        for axis in codebook["personas"]["axes"]:
            axis["items"] = [c for c in axis["items"] if c in spec["needs"]]
    (folder / "codebook.yaml").write_text(yaml.safe_dump(codebook, allow_unicode=True), encoding="utf-8")
    return folder / "codebook.yaml"


def check_against_full_fit(survey, results, *, seed: int) -> str:
    """Segment sizes of the default fit against the 95% intervals of a fit on every row."""
    from clientvalue.stats import segments as seg

    frame = survey.reported_data(10)
    items = [i.column for i in survey.codebook.segmentation]
    full = seg.fit_profiles(frame[items], k_range=[results.k], n_init=1, seed=seed, max_n_select=None,
                            max_n_fit=None, n_stability_select=0)
    labels = results._membership.to_numpy()
    ari = seg.adjusted_rand(labels, full.labels)
    n = int((full.labels > 0).sum())
    from clientvalue.stats.intervals import wilson_interval

    shares = np.bincount(full.labels[full.labels > 0], minlength=results.k + 1)[1:] / n
    low, high = wilson_interval(shares, n)
    got = results.sizes.sort_values("share", ascending=False)["share"].to_numpy()
    inside = bool(np.all((got >= low - 1e-12) & (got <= high + 1e-12)))
    return f"ARI with a fit on every row {ari:.4f}; sizes within the full fit's 95% intervals: {inside}"


def bench_shape(folder: Path, n_total: int, shape: str, *, check: bool, run: bool = True) -> list[tuple[str, str]]:
    codebook = write_survey(folder, n_total, shape)
    survey = load_survey(codebook)
    rows = []
    tick, cpu = time.perf_counter(), time.process_time()
    results = analysis.analyse(survey, n_boot=1000, n_perm=199, n_stability=20, n_init=3, seed=1)
    cb = survey.codebook
    rows.append((f"analysis: {len(cb.segmentation)} items, {len(cb.attributes)} attributes, "
                 f"{len(cb.treatments)} treatment(s), chose k = {results.k}",
                 f"{time.perf_counter() - tick:7.2f} s"))
    rows.append(("  of which CPU time of this process (all threads)", f"{time.process_time() - cpu:7.2f} s"))
    if check:
        rows.append(("  " + check_against_full_fit(survey, results, seed=1), ""))
    del survey, results
    if not run:
        return rows
    from clientvalue.run import pipeline

    params = {"codebook": str(codebook), "output": str(folder / "report"), "notebooks": ["30_segments"]}
    (folder / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    tick = time.perf_counter()
    pipeline.run(folder / "params.yaml", progress=False, echo=None, jobs=1)
    rows.append(("notebook 30 through `clientvalue run` (kernel, analysis, HTML)",
                 f"{time.perf_counter() - tick:7.2f} s"))
    rows.append(("  peak memory of the largest child process so far (the kernel)",
                 f"{peak_mib(resource.RUSAGE_CHILDREN):7,.0f} MiB"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 respondents instead of 1,000,000")
    parser.add_argument("--n", type=int, default=None, help="respondents (overrides --quick)")
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    parser.add_argument("--check", action="store_true", help="compare with a latent profile fit on every row")
    parser.add_argument("--analysis-only", action="store_true", help="skip notebook 30 through `clientvalue run`")
    args = parser.parse_args(argv)
    n_total = args.n or (5_000 if args.quick else 1_000_000)
    print(f"bench_segments: {n_total:,} respondents")
    for number, shape in enumerate(args.shapes):
        # --quick (CI): every shape's analysis, notebook 30 through `clientvalue run` for the first only
        run = not args.analysis_only and not (args.quick and number > 0)
        with tempfile.TemporaryDirectory(prefix="clientvalue-bench-") as tmp:
            rows = bench_shape(Path(tmp), n_total, shape, check=args.check, run=run)
        print(f" shape {shape!r}")
        for name, value in rows:
            print(f"  {name:<100} {value}")
    print(f"  peak resident memory of the benchmark process: {peak_mib():,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
