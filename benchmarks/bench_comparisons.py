"""Benchmark: the statistics of the comparisons analysis (levels, wave changes, unit comparison).

Usage::

    python benchmarks/bench_comparisons.py           # the two target sizes and a growth series
    python benchmarks/bench_comparisons.py --quick   # small sizes (seconds, for CI)

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


CONFIGS = {
    "waves": dict(waves=3, questions=4, case_mix=["age", "age_band", "service", "wave_label"]),
    "units": dict(waves=1, questions=1, case_mix=["age", "sex", "age_band"]),
}


def child(kind: str, n: int, units: int) -> None:
    """One size in this process; prints its timings as JSON."""
    cfg = CONFIGS[kind]
    print(json.dumps(run_size(n, units, cfg["waves"], cfg["questions"], cfg["case_mix"])))


def measure(kind: str, n: int, units: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(n), str(units)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child {kind} n={n} units={units} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds) instead of the targets")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "N", "UNITS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return 0
    if args.quick:
        plan = [("waves", 30_000, 50, None), ("units", 60_000, 400, None)]
    else:
        plan = [("waves", 1_000_000, 500, 60.0), ("units", 2_000_000, 8_000, 120.0),
                ("waves", 250_000, 500, None), ("waves", 500_000, 500, None),
                ("units", 2_000_000, 500, None), ("units", 2_000_000, 2_000, None)]
    print(f"{'analysis':<8} {'respondents':>11} {'units':>6} {'levels':>7} {'changes':>7} {'unit stats':>10} "
          f"{'fits':>6} {'total s':>8} {'target':>6} {'data MiB':>8} {'peak MiB':>8}")
    failed = False
    for kind, n, units, target in plan:
        r = measure(kind, n, units)
        ok = "" if target is None else (f"{target:.0f}" if r["total"] <= target else f"{target:.0f} MISSED")
        failed |= target is not None and r["total"] > target
        print(f"{kind:<8} {n:>11,} {units:>6,} {r['levels']:>7.2f} {r['wave changes']:>7.2f} "
              f"{r['unit statistics']:>10.2f} {r['REML fits']:>6.2f} {r['total']:>8.2f} {ok:>6} "
              f"{r['after data (MiB)']:>8.0f} {r['peak (MiB)']:>8.0f}")
    print("waves: 4 questions x (levels by service x wave, unit statistics with case mix age, age band, service, "
          "wave, REML fit); units: 1 question, case mix age, sex, age band.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
