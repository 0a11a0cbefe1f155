"""Benchmark: the statistics of the comparisons analysis (levels, wave changes, unit comparison).

Usage::

    python benchmarks/bench_comparisons.py           # the two target sizes and a growth series
    python benchmarks/bench_comparisons.py --quick   # small sizes (seconds, for CI)
    python benchmarks/bench_comparisons.py --analysis          # the whole analysis of notebook 50, 1,000,000 rows
    python benchmarks/bench_comparisons.py --analysis --quick  # the same at 10,000 rows (also part of --quick)
    python benchmarks/bench_comparisons.py --analysis --profile prof.txt  # and cProfile's top 15 (second run)

Sizes (full run):

* "waves": 1,000,000 respondents over 3 waves in 500 units, 5 services, 4 rating questions,
  probability weights, case mix age (numeric), age band (4 levels) and service (5 levels):
  levels per question x service x wave (``weighted_levels``), changes between consecutive waves
  (``compare_independent``), and per question the unit statistics (case mix + wave) and the REML
  random-intercept fit. Target: 60 s.
* "GP Patient Survey scale": 2,000,000 respondents in 8,000 units, one question, case mix age,
  sex and age band: levels, unit statistics and fit. Target: 120 s.
* growth: the waves analysis at 250,000 / 500,000 / 1,000,000 respondents (500 units), and the
  unit comparison at 2,000,000 respondents with 500 / 2,000 / 8,000 units.

* "analysis" (``--analysis``): the whole of ``clientvalue.analyses.comparisons.analyse`` as notebook 50
  calls it (``n_boot=1000``, seed 20240601, ``min_group_size`` 10) on a stacked 3-wave survey
  (codebook ``waves.column``) built from the demo municipality's codebook and its simulation per
  service and wave (``data.demo``, ``data.demo_comparisons``): five services, the demo's overall
  rating and nine items, weights, 500 locations as ``units`` with case mix ``age`` as the demo
  declares them, and the demo's benchmark file. Reports wall and CPU seconds (this process and its
  children) per part of ``analyse`` and in total, and peak memory. Target: 60 s.

Each size runs in a fresh Python process (as ``/usr/bin/time`` would measure it) that reports the
wall seconds per step and its peak resident memory (``ru_maxrss``), of which the data frame itself
takes a part (reported as "after data"). Data generation is not timed.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

QUESTIONS = ("q_overall", "q_staff", "q_speed", "q_information")


def peak_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def simulate(n: int, units: int, waves: int, questions: int, seed: int = 1) -> pd.DataFrame:
    """A survey with a unit effect, case-mix effects and a wave effect on 1-10 ratings."""
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, units, n)
    labels = np.array([f"unit {j:05d}" for j in range(units)], dtype=object)
    age = np.clip(rng.normal(55, 18, n) + rng.normal(0, 6, units)[unit], 18, 99).round()
    band = np.digitize(age, [40, 65, 80])
    service = rng.integers(0, 5, n)
    wave = rng.integers(0, waves, n)
    frame = pd.DataFrame({
        "unit": labels[unit], "age": age,
        "age_band": np.array(["18-39", "40-64", "65-79", "80+"], dtype=object)[band],
        "sex": np.array(["f", "m"], dtype=object)[rng.integers(0, 2, n)],
        "service": np.array(["S1", "S2", "S3", "S4", "S5"], dtype=object)[service],
        "wave": 2022 + wave, "w": rng.uniform(0.5, 2.0, n)})
    frame["wave_label"] = np.array([str(2022 + k) for k in range(waves)], dtype=object)[wave]
    base = 6.8 + 0.015 * (age - 55) + rng.normal(0, 0.35, units)[unit] + 0.1 * wave + 0.2 * (service == 2)
    for q in QUESTIONS[:questions]:
        latent = base + rng.normal(0, 1.6, n)
        frame[q] = np.clip(np.rint(latent), 1, 10)
    return frame


def run_size(n: int, units: int, waves: int, questions: int, case_mix: list[str]) -> dict:
    """Time levels, wave changes, unit statistics and fits on one simulated survey (this process)."""
    from clientvalue.stats.levels import compare_independent, weighted_levels
    from clientvalue.stats.multilevel import random_intercept, unit_statistics

    data = simulate(n, units, waves, questions)
    times = {"after data (MiB)": peak_mib()}
    qs = list(QUESTIONS[:questions])
    tick = time.perf_counter()
    levels = []
    for q in qs:
        by = ["service", "wave"] if waves > 1 else ["service"]
        levels.append(weighted_levels(data, value=q, weights="w", by=by, satisfied_from=7).assign(question=q))
    levels = pd.concat(levels, ignore_index=True)
    times["levels"] = time.perf_counter() - tick
    tick = time.perf_counter()
    if waves > 1:
        ordered = levels.sort_values(["question", "service", "wave"])
        prev = ordered.groupby(["question", "service"]).shift(1)
        mask = prev["mean"].notna().to_numpy()
        compare_independent(prev["mean"][mask], prev["se"][mask], ordered["mean"][mask], ordered["se"][mask])
    times["wave changes"] = time.perf_counter() - tick
    tick = time.perf_counter()
    stats_list = [unit_statistics(data, value=q, unit="unit", case_mix=case_mix) for q in qs]
    times["unit statistics"] = time.perf_counter() - tick
    tick = time.perf_counter()
    fits = [random_intercept(s) for s in stats_list]
    times["REML fits"] = time.perf_counter() - tick
    times["total"] = times["levels"] + times["wave changes"] + times["unit statistics"] + times["REML fits"]
    times["peak (MiB)"] = peak_mib()
    times["icc"] = fits[0].icc
    times["coefficients"] = len(fits[0].fixed_effects)
    return times


ANALYSIS_PARTS = ("stack_waves", "_reported", "_levels", "_wave_changes", "_value_over_waves", "_units",
                  "_benchmark", "_value_benchmark", "with_findings")
WAVE_NAMES = ("2024", "2025", "2026")


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def simulate_waves(n: int, units: int, seed: int = 1) -> pd.DataFrame:
    """A stacked 3-wave municipality export (cleaned codes) of about ``n`` rows in ``units`` locations.

    Each wave has n/3 rows, split over the demo's services (Ombudsman left out) in the demo's
    proportions and simulated with that wave's planted changes (``demo_comparisons._wave_spec``).
    Locations differ in their clients' age (case mix) and have their own effect on the rating.
    """
    from clientvalue.data import demo, demo_comparisons

    services = {name: spec for name, spec in demo.SERVICES.items() if name != "Ombudsman"}
    total = sum(spec.n for spec in services.values())
    frames = []
    for w, wave in enumerate(WAVE_NAMES):
        for k, (name, spec) in enumerate(services.items()):
            size = max(1, round(n / len(WAVE_NAMES) * spec.n / total))
            rng = np.random.default_rng([seed, w, k])
            wspec = spec if wave == demo_comparisons.CURRENT_WAVE else demo_comparisons._wave_spec(wave, name, spec)
            frame = demo.simulate_service(wspec, size, rng).drop(columns=["_segment", "senior_self"])
            frame.insert(0, "service", name)
            frame["wave"] = wave
            frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    rng = np.random.default_rng([seed, 99])
    data.insert(0, "respondent_id", np.arange(1, len(data) + 1))
    data.insert(2, "weight", demo.weights_column(data, rng))
    for col in demo.REVERSED:
        data[col] = 6 - data[col]  # the export's raw codes, reversed as load_survey does
    # Older clients go to some locations more than others (case mix); each location has its own effect.
    age_rank = (data["age"].rank(pct=True).to_numpy() + rng.normal(0, 0.35, len(data))).argsort().argsort()
    unit = (age_rank * units // len(data) + rng.integers(-units // 10, units // 10 + 1, len(data))) % units
    effect = rng.normal(0, 0.3, units)
    data["overall"] = np.clip(np.rint(data["overall"] + effect[unit]), 1, 10).astype(float)
    data["location"] = np.array([f"Locatie {j:04d}" for j in range(units)], dtype=object)[unit]
    return data


def analysis_survey(data: pd.DataFrame):
    """The demo municipality's codebook with its waves as one stacked file (``waves.column``)."""
    import yaml

    from clientvalue.data.codebook import parse_codebook
    from clientvalue.data.survey import Survey
    from clientvalue.paths import DEMO_DIR

    path = DEMO_DIR / "municipality" / "codebook.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["waves"] = {"column": "wave", "order": list(WAVE_NAMES)}
    raw["units"]["column"] = "location"  # as the demo declares it: case mix age
    codebook = parse_codebook(raw, source=str(path))
    return Survey(data=data, codebook=codebook, path=path.parent / "survey.csv", codebook_path=path)


def run_analysis(n: int, units: int, profile: str | None = None) -> dict:
    """Time ``comparisons.analyse`` with notebook 50's defaults, per part (this process)."""
    from clientvalue.analyses import comparisons

    data = simulate_waves(n, units)
    survey = analysis_survey(data)
    times: dict = {"after data (MiB)": peak_mib(), "rows": len(data)}
    parts: dict[str, list[float]] = {}

    def timed(name, func):
        def wrapper(*args, **kwargs):
            wall, cpu = time.perf_counter(), cpu_seconds()
            try:
                return func(*args, **kwargs)
            finally:
                spent = parts.setdefault(name, [0.0, 0.0])
                spent[0] += time.perf_counter() - wall
                spent[1] += cpu_seconds() - cpu
        return wrapper

    originals = {name: getattr(comparisons, name) for name in ANALYSIS_PARTS}
    for name, func in originals.items():
        setattr(comparisons, name, timed(name, func))
    kwargs = dict(min_group_size=10, n_boot=1000, seed=20240601)  # notebook 50's parameters
    try:
        wall, cpu = time.perf_counter(), cpu_seconds()
        result = comparisons.analyse(survey, **kwargs)
        times["total"], times["cpu"] = time.perf_counter() - wall, cpu_seconds() - cpu
    finally:
        for name, func in originals.items():
            setattr(comparisons, name, func)
    times["peak (MiB)"] = peak_mib()
    times["parts"] = parts
    times["levels rows"] = len(result.levels)
    times["units rows"] = len(result.units)
    times["value rows"] = len(result.value_over_waves)
    if profile:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        comparisons.analyse(survey, **kwargs)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(15)
        with open(profile, "w", encoding="utf-8") as fh:
            fh.write(f"comparisons.analyse, {len(data):,} rows, {units} units, n_boot=1000 (cProfile, second run)\n")
            fh.write(out.getvalue())
    return times


CONFIGS = {
    "waves": dict(waves=3, questions=4, case_mix=["age", "age_band", "service", "wave_label"]),
    "units": dict(waves=1, questions=1, case_mix=["age", "sex", "age_band"]),
}


def child(kind: str, n: int, units: int) -> None:
    """One size in this process; prints its timings as JSON."""
    cfg = CONFIGS[kind]
    print(json.dumps(run_size(n, units, cfg["waves"], cfg["questions"], cfg["case_mix"])))


def measure(kind: str, n: int, units: int, extra: list[str] | None = None) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(n), str(units), *(extra or [])],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child {kind} n={n} units={units} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds) instead of the targets")
    parser.add_argument("--analysis", action="store_true",
                        help="only the whole analysis of notebook 50 (comparisons.analyse)")
    parser.add_argument("--rows", type=int, default=None, help="respondents of the --analysis run")
    parser.add_argument("--profile", metavar="FILE", help="with --analysis: cProfile top 15 to FILE (second run)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "N", "UNITS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.child[0] == "analysis":
            print(json.dumps(run_analysis(int(args.child[1]), int(args.child[2]), args.profile)))
        else:
            child(args.child[0], int(args.child[1]), int(args.child[2]))
        return 0
    failed = False
    if args.analysis:
        n = args.rows or (10_000 if args.quick else 1_000_000)
        return 1 if analysis_report(n, 50 if n < 100_000 else 500, args.profile) else 0
    if args.quick:
        plan = [("waves", 10_000, 20, None), ("units", 20_000, 100, None)]
    else:
        plan = [("waves", 1_000_000, 500, 60.0), ("units", 2_000_000, 8_000, 120.0),
                ("waves", 250_000, 500, None), ("waves", 500_000, 500, None),
                ("units", 2_000_000, 500, None), ("units", 2_000_000, 2_000, None)]
    print(f"{'analysis':<8} {'respondents':>11} {'units':>6} {'levels':>7} {'changes':>7} {'unit stats':>10} "
          f"{'fits':>6} {'total s':>8} {'target':>6} {'data MiB':>8} {'peak MiB':>8}")
    for kind, n, units, target in plan:
        r = measure(kind, n, units)
        ok = "" if target is None else (f"{target:.0f}" if r["total"] <= target else f"{target:.0f} MISSED")
        failed |= target is not None and r["total"] > target
        print(f"{kind:<8} {n:>11,} {units:>6,} {r['levels']:>7.2f} {r['wave changes']:>7.2f} "
              f"{r['unit statistics']:>10.2f} {r['REML fits']:>6.2f} {r['total']:>8.2f} {ok:>6} "
              f"{r['after data (MiB)']:>8.0f} {r['peak (MiB)']:>8.0f}")
    print("waves: 4 questions x (levels by service x wave, unit statistics with case mix age, age band, service, "
          "wave, REML fit); units: 1 question, case mix age, sex, age band.")
    if args.quick:
        failed |= analysis_report(10_000, 20, None)
    return 1 if failed else 0


def analysis_report(n: int, units: int, profile: str | None) -> bool:
    """Run and print the whole analysis at one size; True when a target (60 CPU s at 1,000,000) is missed."""
    extra = ["--profile", profile] if profile else []
    r = measure("analysis", n, units, extra)
    target = 60.0 if n >= 1_000_000 else None
    missed = target is not None and r["cpu"] > target
    print(f"\ncomparisons.analyse (notebook 50, n_boot=1000): {r['rows']:,} respondents over 3 waves, {units} units")
    print(f"{'part':<18} {'wall s':>8} {'CPU s':>8}")
    for name, (wall, cpu) in sorted(r["parts"].items(), key=lambda kv: -kv[1][1]):
        print(f"{name.strip('_'):<18} {wall:>8.2f} {cpu:>8.2f}")
    print(f"{'total':<18} {r['total']:>8.2f} {r['cpu']:>8.2f}"
          + ("" if target is None else f"   target {target:.0f} CPU s{' MISSED' if missed else ''}"))
    print(f"memory: {r['after data (MiB)']:.0f} MiB after data, peak {r['peak (MiB)']:.0f} MiB; tables: "
          f"{r['levels rows']} levels, {r['value rows']} value-over-waves, {r['units rows']} units")
    if profile:
        print(f"cProfile top 15 (cumulative): {profile}")
    return missed


if __name__ == "__main__":
    sys.exit(main())
