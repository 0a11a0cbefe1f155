"""Demo-data additions for notebook 50: a location column, two earlier waves and a benchmark.

Every column of the current municipality export keeps its values: the location column is drawn
from its own random stream (``default_rng([seed, 6])``) *after* everything else, conditioned on
columns that already exist (age and the respondent's own overall grade), and the earlier waves are
new files with their own streams (``default_rng([seed, 10 + wave, service])``).

The planted truth (:data:`COMPARISON_TRUTH`, prose in ``GROUND_TRUTH.md``):

* **Locations** (current wave). A respondent gets a location (else none: served online or by
  phone) with probability ``0.45 * exp(TILT * s * z)`` (at most 0.95), where ``s`` is the
  respondent's grade minus the mean grade and ``z`` the standardised age. Among located clients,
  older clients therefore give higher grades (case-mix slope about +0.04 per year). Half the
  located clients aged 65+ go to *Haven*: its raw mean is the highest, only because its clients
  are old; adjusted for age it is an ordinary location. *Kade* gets clients under 45 whom
  the tilt left without a location (one in eight of them): among clients that young, the ones
  left unlocated give higher grades than the located ones, so Kade's raw mean looks ordinary but
  is high for clients of that age; adjusted for age it is above the upper 99.8% limit.
  *Dorpshuis* has 10 clients drawn at random from the ordinary locations' clients, redrawn until
  their raw mean is at least one grade point above the mean: an extreme raw mean by chance, with
  low reliability. Everyone else located is at one of six ordinary locations (one in six each);
  they share the located clients' tilt, and whether one of them falls outside the limits is not
  planted.
* **Waves** 2024 and 2025 (separate exports, own codebooks; ids 200001+ and 300001+, never
  repeated). *Afval & belastingen* clearly improved: mean grade 5.6 -> 5.9 -> 6.4 (2026), and
  ``q_cost``, in the red in 2025, improved in 2026 (its performance shift -1.6 -> -1.1).
  *Jeugd & gezin* shifted from practical to emotional drivers: practical in 2024, balanced in
  2025, emotional (the current export) in 2026. Other services are unchanged. In 2024 the question
  ``q_fast`` was exported as ``q_quick`` (mapped in the codebook) and ``q_welcome`` was not asked.
* **Benchmark**: ``benchmark.csv`` holds fictional national figures per question (mean, n, sd).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

TILT = 0.5
P_LOCATED = 0.45
HAVEN_AGE = 65
KADE_AGE = 45
KADE_P = 0.12
DORPSHUIS_N = 10
DORPSHUIS_EXCESS = 1.0
ORDINARY = ("Stadskantoor", "Marktplein", "Station", "Bibliotheek", "Wijkcentrum", "Raadhuis")
LOCATIONS = ORDINARY + ("Haven", "Kade", "Dorpshuis")

# Earlier waves: service -> (grade mean, practical weight, emotional weight, extra shifts); None = as now.
WAVES = {
    "2024": {"Afval & belastingen": (5.6, {"q_cost": -1.6}), "Jeugd & gezin": ("practical", {})},
    "2025": {"Afval & belastingen": (5.9, {"q_cost": -1.6}), "Jeugd & gezin": ("balanced", {})},
}
CURRENT_WAVE = "2026"
RENAMED = {"2024": {"q_quick": "q_fast"}}  # earlier column -> current column
NOT_ASKED = {"2024": ["q_welcome"]}
WAVE_IDS = {"2024": 200001, "2025": 300001}

COMPARISON_TRUTH: dict[str, Any] = {
    "current_wave": CURRENT_WAVE,
    "waves": ["2024", "2025", CURRENT_WAVE],
    "improved_service": "Afval & belastingen",
    "grade_mean": {"Afval & belastingen": {"2024": 5.6, "2025": 5.9, "2026": 6.4}},
    "red_item_improved": {"service": "Afval & belastingen", "item": "q_cost", "from_wave": "2025",
                          "to_wave": "2026"},
    "drivers_shifted": {"service": "Jeugd & gezin", "from": "practical", "to": "emotional",
                        "practical_share": {"2024": 0.93, "2026": 0.08}},
    "unchanged_services": ["Burgerzaken", "Wmo-loket", "Cliëntondersteuning"],
    "renamed": RENAMED,
    "not_asked": NOT_ASKED,
    "unit_column": "location",
    "better_after_case_mix": "Kade",
    "better_only_by_age": "Haven",
    "tiny_extreme": "Dorpshuis",
    "ordinary_locations": list(ORDINARY),
    "tiny_n": DORPSHUIS_N,
}
"""What the notebook-50 additions plant (``GROUND_TRUTH.md`` has the prose version)."""


def add_location(df: pd.DataFrame, *, seed: int) -> pd.Series:
    """The ``location`` of each row of the raw municipality export (empty: no location).

    Parameters
    ----------
    df : DataFrame
        The simulated municipality export (raw codes; ``overall`` may hold NaN or 11).
    seed : int
        The demo seed; the column uses its own stream ``default_rng([seed, 6])``.

    Returns
    -------
    Series of str
        Location names, ``""`` for clients served without a location.
    """
    rng = np.random.default_rng([seed, 6])
    grade = pd.to_numeric(df["overall"], errors="coerce").astype(float)
    grade = grade.where(grade <= 10)
    s = (grade - grade.mean()).fillna(0.0).to_numpy()
    age = df["age"].to_numpy(dtype=float)
    z = (age - age.mean()) / age.std()
    n = len(df)
    located = rng.random(n) < np.clip(P_LOCATED * np.exp(TILT * s * z), 0, 0.95)
    loc = np.full(n, "", dtype=object)
    haven = located & (age >= HAVEN_AGE) & (rng.random(n) < 0.5)
    loc[haven] = "Haven"
    kade = ~located & (age < KADE_AGE) & (rng.random(n) < KADE_P)
    loc[kade] = "Kade"
    rest = np.flatnonzero(located & (loc == ""))
    loc[rest] = np.array(ORDINARY, dtype=object)[rng.integers(0, len(ORDINARY), rest.size)]
    rated = rest[~np.isnan(grade.to_numpy()[rest])]
    target = np.nanmean(grade.to_numpy()[located]) + DORPSHUIS_EXCESS
    for _ in range(10_000 if rated.size >= DORPSHUIS_N else 0):  # chance: the first random draw of 12 whose raw mean is extreme
        pick = rng.choice(rated, DORPSHUIS_N, replace=False)
        if grade.to_numpy()[pick].mean() >= target:
            loc[pick] = "Dorpshuis"
            break
    return pd.Series(loc, index=df.index, name="location")


def _wave_spec(name: str, service: str, spec: Any) -> Any:
    from dataclasses import replace

    from clientvalue.data.demo import driver_weights

    change = WAVES[name].get(service)
    if change is None:
        return spec
    first, shifts = change
    if isinstance(first, str):
        weights = {"practical": (driver_weights(1.0, 0.08),), "balanced": (driver_weights(0.55, 0.55),)}[first]
        return replace(spec, weights=weights)
    return replace(spec, grade_mean=first, shift=spec.shift | shifts)


def simulate_wave(name: str, *, seed: int) -> pd.DataFrame:
    """One earlier wave of the municipality survey (no bad values, no location).

    Parameters
    ----------
    name : {"2024", "2025"}
        The wave.
    seed : int
        The demo seed; service ``k`` of wave ``w`` uses ``default_rng([seed, 10 + w, k])``.

    Returns
    -------
    DataFrame
        ``respondent_id, service, weight, age, gender, channel``, the items as exported that year
        (``q_effort`` raw, ``q_fast`` named ``q_quick`` in 2024, no ``q_welcome`` in 2024) and ``overall``.
    """
    from clientvalue.data.demo import ITEMS, SERVICES, simulate_service, weights_column

    w = list(WAVES).index(name)
    frames = []
    for k, (service, spec) in enumerate(SERVICES.items()):
        rng = np.random.default_rng([seed, 10 + w, k])
        frame = simulate_service(_wave_spec(name, service, spec), spec.n, rng)
        frame.insert(0, "service", service)
        frames.append(frame)
    df = pd.concat(frames, ignore_index=True)
    rng = np.random.default_rng([seed, 10 + w, 99])
    df.insert(0, "respondent_id", WAVE_IDS[name] + rng.permutation(len(df)))
    df.insert(2, "weight", weights_column(df, rng))
    keep = ["respondent_id", "service", "weight", "age", "gender", "channel",
            *[c for c in ITEMS if c not in NOT_ASKED.get(name, [])], "overall"]
    df = df[keep].rename(columns={new: old for old, new in RENAMED.get(name, {}).items()})
    return df.sort_values("respondent_id", ignore_index=True)


def wave_codebook(name: str, current: dict[str, Any]) -> dict[str, Any]:
    """The codebook of an earlier wave: the current one's outcome and items, as exported that year."""
    back = {new: old for old, new in RENAMED.get(name, {}).items()}
    items = [item | {"column": back.get(item["column"], item["column"])}
             for item in current["items"] if item["column"] not in NOT_ASKED.get(name, [])]
    title = {"nl": f"Klanttevredenheid gemeente Demodam {name}",
             "en": f"Client satisfaction, municipality of Demodam {name}"}
    return {"title": title, "data": "survey.csv", "id": "respondent_id", "group": "service",
            "weight": "weight", "missing_codes": [98, 99], "outcome": current["outcome"], "items": items}


BENCHMARK = (  # question, mean, n, sd: fictional national figures
    ("overall", 7.0, 24000, 1.4),
    ("q_fast", 3.7, 24000, 1.0), ("q_correct", 3.8, 24000, 1.0), ("q_easy", 3.7, 24000, 1.0),
    ("q_cost", 3.5, 24000, 1.1), ("q_effort", 3.7, 24000, 1.0), ("q_listened", 3.6, 24000, 1.0),
    ("q_serious", 3.6, 24000, 1.0), ("q_welcome", 3.7, 24000, 1.0), ("q_matters", 3.6, 24000, 1.0),
    ("practical_share", 0.6, 24000, None),  # the reference's value profile (practical share of explained variance)
)


def benchmark_frame() -> pd.DataFrame:
    """The demo benchmark file: fictional national means per question with their n and sd."""
    return pd.DataFrame(BENCHMARK, columns=["question", "mean", "n", "sd"])


def codebook_sections() -> dict[str, Any]:
    """The notebook-50 sections of the current municipality codebook."""
    earlier = [{"name": name, "codebook": f"waves/{name}/codebook.yaml"}
               | ({"mapping": RENAMED[name]} if name in RENAMED else {}) for name in WAVES]
    return {
        "waves": {"current": CURRENT_WAVE, "earlier": earlier},
        "units": {"column": "location", "case_mix": ["age"],
                  "label": {"nl": "Locatie", "en": "Location"}},
        "benchmark": {"file": "benchmark.csv",
                      "label": {"nl": "Landelijk gemiddelde (fictief)", "en": "National average (fictional)"}},
    }


def write_comparison_files(out_dir: Path, current_codebook: dict[str, Any], *, seed: int,
                           write, csv_text, yaml_bytes, header: str) -> list[Path]:
    """Write the earlier waves and the benchmark beside the municipality export."""
    paths = []
    for name in WAVES:
        folder = out_dir / "municipality" / "waves" / name
        paths.append(write(folder / "survey.csv", csv_text(simulate_wave(name, seed=seed), ";").encode("cp1252")))
        paths.append(write(folder / "codebook.yaml", yaml_bytes(wave_codebook(name, current_codebook), header)))
    bench = benchmark_frame().to_csv(index=False, lineterminator="\n")
    paths.append(write(out_dir / "municipality" / "benchmark.csv", bench.encode("utf-8")))
    return paths


def ground_truth_markdown(located: pd.Series) -> str:
    """The notebook-50 section of ``GROUND_TRUTH.md``."""
    sizes = located[located != ""].value_counts()
    rows = ", ".join(f"{name} {int(sizes.get(name, 0))}" for name in LOCATIONS)
    return f"""
## Comparisons: waves, locations and a benchmark (notebook 50)

Generated by `src/clientvalue/data/demo_comparisons.py`; the values are in
`clientvalue.data.demo_comparisons.COMPARISON_TRUTH`.

**Waves.** `municipality/waves/2024` and `municipality/waves/2025` are earlier exports of the
same survey, each with its own codebook, named in the current codebook under `waves.earlier`
(the current export is wave {CURRENT_WAVE}). Respondents are new every wave (ids 200001+ and
300001+): the waves are independent samples. In 2024 `q_fast` was exported as `q_quick` (the
codebook maps it) and `q_welcome` was not asked (shown with a note).

* **Afval & belastingen clearly improved**: the mean grade was planted at 5.6 (2024), 5.9 (2025)
  and 6.4 (2026). `q_cost` was in the red in 2025 (performance shift -1.6) and improved in 2026
  (-1.1).
* **Jeugd & gezin: drivers shifted from practical to emotional**: its grade was driven by
  practical items in 2024 (practical share about 0.93), by both in 2025, and by emotional items
  in 2026 (about 0.08).
* Burgerzaken, Wmo-loket and Cliëntondersteuning are planted unchanged. (With this seed the sample
  mean of Cliëntondersteuning happens to be 0.25 lower in 2026 than in 2024, p = 0.03: a chance
  result at the 95% level, one of dozens of comparisons on the page.)

**Locations** (column `location`, current wave only; empty = served online or by phone). Drawn
after everything else, from its own random stream, conditioned on age and the client's own grade:
a client is located with probability {P_LOCATED} x exp({TILT} x s x z) (at most 0.95; s = grade
minus the mean grade, z = standardised age), so that among located clients older clients give
higher grades. Codebook: `units: {{column: location, case_mix: [age]}}`. Sizes: {rows}.

* **Haven looks better only because of its clients' age**: half the located clients aged
  {HAVEN_AGE}+; the highest raw mean, but adjusted for age an ordinary location (within the limits).
* **Kade is better after case mix**: one in eight of the clients under {KADE_AGE} whom the tilt left
  without a location (at that age the higher-graded ones); its raw mean looks ordinary, but adjusted
  for age it lies above the upper 99.8% limit ("where it already goes well").
* **Dorpshuis is tiny, with an extreme raw mean by chance**: {DORPSHUIS_N} clients drawn at random
  from the ordinary locations, redrawn until their raw mean was at least {DORPSHUIS_EXCESS:g} grade
  point above the mean. Its reliability is low (below 0.7) and shrinkage pulls it towards the middle.
* {', '.join(ORDINARY)} are ordinary (one in six of the remaining located clients each). They
  share the tilt of the located clients; whether one of them falls outside the limits is not
  planted (with this seed Wijkcentrum lies just below the lower 99.8% limit).

**Benchmark.** `municipality/benchmark.csv`: fictional national figures per question (mean, n,
sd); `q_cost` of Demodam as a whole lies below it. Its row `practical_share` (0.6) is the
reference's value profile, shown beside Demodam's own practical share.
"""
