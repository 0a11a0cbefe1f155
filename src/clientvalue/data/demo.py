"""Deterministic demo data with planted ground truth.

Two fictional surveys of the Dutch municipality "Demodam":

* :func:`simulate_municipality` - a client-satisfaction survey per service (nine 1-5 items,
  practical and emotional, a 1-10 overall grade, a senior self-identification question), with
  planted value-driver profiles per service and a few deliberately bad values
  (:func:`simulate_municipality_export` returns them with the frame);
* :func:`simulate_senior_survey` - a separate self-identification survey (no satisfaction items).

:func:`write_demo_data` writes both, with their codebooks and ``GROUND_TRUTH.md``, to
``data/demo/``; ``python -m clientvalue.data.demo [--out DIR] [--seed N]`` does the same.
The prose of ``GROUND_TRUTH.md`` is built in :mod:`clientvalue.data.demo_ground_truth`.
:data:`GROUND_TRUTH` records what is planted so tests can check that analyses recover it.

The latent design
-----------------
Per respondent a practical factor P and an emotional factor E (standard normal, corr 0.4).
Every item is ``0.7 * factor + sqrt(1 - 0.49) * noise`` (its own factor), in the "good"
direction. The overall grade is a linear function of these continuous item scores plus noise
(latent R^2 0.55), scaled to mean ``grade_mean`` and sd 1.3, rounded and clipped to 1-10. Items
are cut into 1-5 at thresholds ``(-1.9, -1.1, -0.3, 0.8) - shift``; ``q_effort`` ("it took a lot
of effort") is then reversed (6 - code), as a real questionnaire would ask it.
"""

from __future__ import annotations

import argparse
import io
from dataclasses import dataclass, field
from math import factorial
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import yaml

from clientvalue.paths import write_atomically as _write
from clientvalue.data import demo_comparisons
# GROUND_TRUTH.md's prose (write_demo_data writes it), importable from here as before the split.
from clientvalue.data.demo_ground_truth import ground_truth_markdown
from clientvalue.data.demo_segments import add_segment_columns, codebook_sections
from clientvalue.errors import ParameterError

DEFAULT_SEED = 20261124

PRACTICAL = ("q_fast", "q_correct", "q_easy", "q_cost", "q_effort")
EMOTIONAL = ("q_listened", "q_serious", "q_welcome", "q_matters")
ITEMS = PRACTICAL + EMOTIONAL
REVERSED = ("q_effort",)
# The wording that matches a reversed item's recoded scores (higher = better): shown in every
# chart and table instead of the question as asked (nl, en).
REVERSED_LABELS = {"q_effort": ("Het kostte mij weinig moeite", "It took me little effort")}
ITEM_LABELS = {
    "q_fast": ("Ik werd snel geholpen", "I was helped quickly"),
    "q_correct": ("Het was in één keer goed, zonder fouten", "It was right first time, without errors"),
    "q_easy": ("Het was eenvoudig te regelen", "It was easy to arrange"),
    "q_cost": ("De kosten waren redelijk", "The costs were reasonable"),
    "q_effort": ("Het kostte mij veel moeite", "It took me a lot of effort"),
    "q_listened": ("Er werd naar mij geluisterd", "I was listened to"),
    "q_serious": ("Ik werd serieus genomen", "I was taken seriously"),
    "q_welcome": ("Ik voelde me welkom", "I felt welcome"),
    "q_matters": ("Mijn vraag deed ertoe", "My question mattered"),
}
LOADING = 0.7
FACTOR_CORR = 0.4
LATENT_R2 = 0.55
GRADE_SD = 1.3
BASE_CUTS = (-1.9, -1.1, -0.3, 0.8)
SENIOR_MIDPOINT = 72.0
SENIOR_SCALE = 6.0
SENIOR_DONT_KNOW = 0.03
NONSENIOR_EMOTIONAL_SHIFT = -0.5  # latent E shift (sd units) for age >= 65 answering "nee"
MISSING_CODE_RATE = 0.02

_PRAC_W = {"q_fast": 0.30, "q_correct": 0.30, "q_easy": 0.25, "q_cost": 0.10, "q_effort": 0.20}
_EMO_W = {"q_listened": 0.30, "q_serious": 0.30, "q_welcome": 0.20, "q_matters": 0.30}


def driver_weights(practical: float, emotional: float, **override: float) -> dict[str, float]:
    """Planted driver weights of the items: each dimension's base weights scaled, some overridden.

    Parameters
    ----------
    practical, emotional : float
        Scale of the practical and of the emotional items' base weights.
    **override : float
        Weights of single items (``q_cost=0.55``) that replace the scaled ones.

    Returns
    -------
    dict of str to float
        ``{item: weight}`` for every item.
    """
    w = {k: practical * v for k, v in _PRAC_W.items()} | {k: emotional * v for k, v in _EMO_W.items()}
    return w | override


@dataclass(frozen=True)
class ServiceSpec:
    """How one demo service is simulated: size, ages, grade, channels, planted weights and effects."""

    n: int
    age: tuple[float, float]  # mean, sd (truncated to 18-95)
    grade_mean: float
    channel: tuple[float, float, float]  # balie, telefoon, online
    weights: tuple[dict[str, float], ...]  # one per latent segment (equal shares)
    shift: dict[str, float] = field(default_factory=dict)  # item performance shifts
    # per-segment channel probabilities (overrides `channel` when given)
    segment_channel: tuple[tuple[float, float, float], ...] = ()


CHANNELS = ("balie", "telefoon", "online")
SERVICES: dict[str, ServiceSpec] = {
    "Burgerzaken": ServiceSpec(
        380, (48, 17), 7.4, (0.3, 0.1, 0.6), (driver_weights(1.0, 0.08),), {"q_fast": 0.2, "q_correct": 0.3}
    ),
    "Jeugd & gezin": ServiceSpec(
        300, (38, 8), 6.9, (0.5, 0.35, 0.15), (driver_weights(0.08, 1.0),), {"q_fast": -0.6, "q_welcome": 0.2}
    ),
    "Wmo-loket": ServiceSpec(
        400, (70, 12), 6.8, (0.4, 0.4, 0.2), (driver_weights(1.0, 0.08), driver_weights(0.08, 1.0)),
        {"q_fast": -0.3}, segment_channel=((0.15, 0.25, 0.60), (0.55, 0.35, 0.10)),
    ),
    "Afval & belastingen": ServiceSpec(
        340, (52, 16), 6.4, (0.1, 0.3, 0.6),
        (driver_weights(0.6, 0.08, q_cost=0.55),), {"q_cost": -1.1, "q_fast": 0.3, "q_easy": 0.3},
    ),
    "Cliëntondersteuning": ServiceSpec(260, (58, 15), 7.1, (0.45, 0.35, 0.2), (driver_weights(0.55, 0.55),)),
    "Ombudsman": ServiceSpec(6, (55, 15), 6.5, (0.4, 0.4, 0.2), (driver_weights(0.3, 0.8),)),
}
MIN_GROUP_SIZE = 10
GROUND_TRUTH_SENIOR_N = 1500

# Output of population_truth() (n = 200,000 per service, truth seed 1), pasted here so that
# importing the module stays fast; tests/test_demo.py recomputes it independently.
# Per service: practical share of R^2, R^2, item shares of R^2 and item means (ITEMS order).
_POPULATION: dict[str, Any] = {
    "services": {
        "Burgerzaken": (
            0.934, 0.495,
            (0.219, 0.215, 0.198, 0.128, 0.173, 0.017, 0.016, 0.016, 0.017),
            (3.85, 3.94, 3.67, 3.67, 3.67, 3.64, 3.64, 3.64, 3.64),
        ),
        "Jeugd & gezin": (
            0.081, 0.491,
            (0.017, 0.017, 0.017, 0.015, 0.016, 0.245, 0.245, 0.182, 0.247),
            (3.05, 3.67, 3.67, 3.66, 3.67, 3.66, 3.66, 3.85, 3.66),
        ),
        "Wmo-loket": (
            0.509, 0.369,
            (0.120, 0.118, 0.104, 0.074, 0.093, 0.129, 0.131, 0.103, 0.128),
            (3.37, 3.67, 3.67, 3.67, 3.67, 3.58, 3.58, 3.57, 3.58),
        ),
        "Afval & belastingen": (
            0.938, 0.498,
            (0.145, 0.153, 0.132, 0.381, 0.127, 0.015, 0.016, 0.015, 0.015),
            (3.94, 3.66, 3.94, 2.53, 3.67, 3.63, 3.63, 3.63, 3.63),
        ),
        "Cliëntondersteuning": (
            0.515, 0.503,
            (0.119, 0.120, 0.106, 0.076, 0.094, 0.127, 0.126, 0.104, 0.128),
            (3.67, 3.66, 3.66, 3.66, 3.67, 3.61, 3.62, 3.62, 3.61),
        ),
    },
    "segments": {"practical": 0.934, "emotional": 0.077},
    "nonsenior_emotional_diff_items": -0.349,
}

GROUND_TRUTH: dict[str, Any] = {
    "seed": DEFAULT_SEED,
    "service_sizes": {name: s.n for name, s in SERVICES.items()},
    "min_group_size": MIN_GROUP_SIZE,
    "suppressed_services": ["Ombudsman"],
    # Population LMG/Shapley decomposition of the OLS R^2 of `overall` on the nine items
    # (q_effort reversed) on 200,000 clean discretised respondents per service: see population_truth.
    "practical_share": {k: v[0] for k, v in _POPULATION["services"].items()},
    "r2": {k: v[1] for k, v in _POPULATION["services"].items()},
    "item_share": {k: dict(zip(ITEMS, v[2])) for k, v in _POPULATION["services"].items()},
    "item_mean": {k: dict(zip(ITEMS, v[3])) for k, v in _POPULATION["services"].items()},
    "segments": {  # Wmo-loket: two latent segments, each respondent 50/50
        "Wmo-loket": {
            "practical_share": _POPULATION["segments"],
            "channel": {
                "practical": dict(zip(CHANNELS, SERVICES["Wmo-loket"].segment_channel[0])),
                "emotional": dict(zip(CHANNELS, SERVICES["Wmo-loket"].segment_channel[1])),
            },
            "independent_of": ["age", "gender", "senior_self"],
        }
    },
    "profiles": {
        "Burgerzaken": "practical (performance)",
        "Jeugd & gezin": "emotional (experience); q_fast low but unimportant",
        "Wmo-loket": "two equal latent segments, practical vs emotional (customisation)",
        "Afval & belastingen": "practical; q_cost in the red (most important item, lowest mean)",
        "Cliëntondersteuning": "balanced practical and emotional, one homogeneous segment",
    },
    "red_items": {"Afval & belastingen": ["q_cost"]},
    "senior": {
        "midpoint": SENIOR_MIDPOINT,  # P(ja | age) = 1 / (1 + exp(-(age - 72) / 6)), ja/nee only
        "scale": SENIOR_SCALE,
        "p_yes_at_65": round(1 / (1 + np.exp((SENIOR_MIDPOINT - 65) / SENIOR_SCALE)), 3),
        "dont_know_rate": SENIOR_DONT_KNOW,
        "codes": {"ja": 1, "nee": 2, "weet niet": 9},
        # municipality survey only: latent emotional factor - 0.5 sd for age >= 65 answering "nee";
        # population difference in the mean emotional item (1-5), "nee" minus "ja", aged 65+:
        "nonsenior_emotional_shift_latent": NONSENIOR_EMOTIONAL_SHIFT,
        "nonsenior_emotional_diff_items": _POPULATION["nonsenior_emotional_diff_items"],
    },
    "bad_values": {  # municipality survey, default sizes; exact ids in simulate_municipality_export().planted
        "missing_code_rate": MISSING_CODE_RATE,  # 98/99 in item cells (not in `overall`)
        "out_of_range": 5,  # two 0s and two 7s on 1-5 items, one 11 on the grade
        "straight_liners": 6,  # the same raw code on all nine items
        "partial": 12,  # broke off: from a random item on, the items and the grade are empty
        "duplicate_ids": 0,
    },
}
"""What the demo data plants (see ``data/demo/GROUND_TRUTH.md`` for the prose version)."""


def _check_sizes(n_per_service: dict[str, int] | None) -> dict[str, int]:
    if n_per_service is None:
        return {name: s.n for name, s in SERVICES.items()}
    if not isinstance(n_per_service, dict):
        raise ParameterError(f"n_per_service must be a dict or None, got {n_per_service!r}")
    for name, n in n_per_service.items():
        if name not in SERVICES:
            raise ParameterError(
                f"n_per_service: unknown service {name!r}; allowed: {sorted(SERVICES)}"
            )
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ParameterError(f"n_per_service[{name!r}] must be an integer >= 0, got {n!r}")
    if not n_per_service:
        raise ParameterError(f"n_per_service names no service; allowed: {sorted(SERVICES)}")
    return {name: int(n_per_service[name]) for name in SERVICES if name in n_per_service}


def _senior_answers(age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    p_yes = 1.0 / (1.0 + np.exp(-(age - SENIOR_MIDPOINT) / SENIOR_SCALE))
    answer = np.where(rng.random(age.size) < p_yes, 1, 2)
    return np.where(rng.random(age.size) < SENIOR_DONT_KNOW, 9, answer)


def _ages(n: int, mean: float, sd: float, rng: np.random.Generator) -> np.ndarray:
    age = np.rint(rng.normal(mean, sd, n))
    bad = (age < 18) | (age > 95)
    while bad.any():  # redraw (truncated normal)
        age[bad] = np.rint(rng.normal(mean, sd, int(bad.sum())))
        bad = (age < 18) | (age > 95)
    return age.astype(int)


def _latent_cov() -> np.ndarray:
    dims = np.array([0] * len(PRACTICAL) + [1] * len(EMOTIONAL))
    same = dims[:, None] == dims[None, :]
    cov = np.where(same, LOADING**2, LOADING**2 * FACTOR_CORR)
    np.fill_diagonal(cov, 1.0)
    return cov


def simulate_service(spec: ServiceSpec, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Clean (no bad values) respondents of one service; latent segment in `_segment`."""
    age = _ages(n, *spec.age, rng)
    gender = rng.choice(np.array(["man", "vrouw", "anders"]), n, p=[0.48, 0.50, 0.02])
    senior = _senior_answers(age.astype(float), rng)
    segment = rng.integers(0, len(spec.weights), n)
    probs = np.array(spec.segment_channel or [spec.channel] * len(spec.weights))
    u = rng.random(n)[:, None]
    channel = np.array(CHANNELS)[(u > np.cumsum(probs[segment], axis=1)).sum(axis=1).clip(0, 2)]
    z = rng.standard_normal((n, 2))
    f_p = z[:, 0]
    f_e = FACTOR_CORR * z[:, 0] + np.sqrt(1 - FACTOR_CORR**2) * z[:, 1]
    f_e = f_e + NONSENIOR_EMOTIONAL_SHIFT * ((age >= 65) & (senior == 2))
    uniq = np.sqrt(1 - LOADING**2) * rng.standard_normal((n, len(ITEMS)))
    x = LOADING * np.column_stack([f_p] * len(PRACTICAL) + [f_e] * len(EMOTIONAL)) + uniq
    cov = _latent_cov()
    signal = np.zeros(n)
    for s, weights in enumerate(spec.weights):
        w = np.array([weights[c] for c in ITEMS])
        scale = np.sqrt(w @ cov @ w / LATENT_R2)  # sd of signal + noise
        noise_sd = np.sqrt(w @ cov @ w * (1 / LATENT_R2 - 1))
        seg_signal = (x @ w + noise_sd * rng.standard_normal(n)) / scale
        signal = np.where(segment == s, seg_signal, signal)
    grade = np.clip(np.rint(spec.grade_mean + GRADE_SD * signal), 1, 10).astype(int)
    out = {"age": age, "gender": gender, "channel": channel}
    for j, col in enumerate(ITEMS):
        cuts = np.array(BASE_CUTS) - spec.shift.get(col, 0.0)
        code = 1 + (x[:, j, None] > cuts).sum(axis=1)
        out[col] = 6 - code if col in REVERSED else code
    out |= {"overall": grade, "senior_self": senior, "_segment": segment}
    return pd.DataFrame(out)


def weights_column(df: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Survey weights for the respondents of ``df`` (mean 1, four decimals), higher for young men.

    Parameters
    ----------
    df : DataFrame
        Simulated respondents with ``age`` and ``gender``.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray
        One weight per row.
    """
    raw = np.exp(0.3 * rng.standard_normal(len(df)))
    raw *= np.where(df["age"].to_numpy() < 35, 1.3, 1.0) * np.where(df["gender"] == "man", 1.1, 1.0)
    return np.round(raw / raw.mean(), 4) if len(df) else raw


def _plant_bad_values(df: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
    """Sprinkle missing codes, out-of-range codes, straight-liners and break-offs (in place)."""
    items = df[list(ITEMS)].to_numpy(dtype=float)
    codes = rng.choice([98.0, 99.0], items.shape)
    items = np.where(rng.random(items.shape) < MISSING_CODE_RATE, codes, items)
    grade = df["overall"].to_numpy(dtype=float)
    eligible = np.flatnonzero(df["service"].to_numpy() != "Ombudsman")
    picks = rng.permutation(eligible)
    n_oor, n_straight, n_partial = (5, 6, 12) if len(picks) >= 200 else (0, 0, 0)
    oor, straight = picks[:n_oor], picks[n_oor:n_oor + n_straight]
    partial = picks[n_oor + n_straight:n_oor + n_straight + n_partial]
    ids = df["respondent_id"].to_numpy()
    out_of_range = []
    for k, row in enumerate(oor):
        if k == 4:
            grade[row] = 11.0
            out_of_range.append((int(ids[row]), "overall", 11))
        else:
            j = int(rng.integers(0, len(ITEMS)))
            items[row, j] = 0.0 if k < 2 else 7.0
            out_of_range.append((int(ids[row]), ITEMS[j], int(items[row, j])))
    for row in straight:
        items[row, :] = float(rng.choice([5, 4, 3, 1], p=[0.5, 0.2, 0.2, 0.1]))
    for row in partial:
        items[row, int(rng.integers(3, len(ITEMS))):] = np.nan
        grade[row] = np.nan
    for j, col in enumerate(ITEMS):
        df[col] = pd.array(np.where(np.isnan(items[:, j]), None, items[:, j]), dtype="Int64")
    df["overall"] = pd.array(np.where(np.isnan(grade), None, grade), dtype="Int64")
    return {
        "missing_code_cells": int(np.isin(items, [98, 99]).sum()),
        "out_of_range": sorted(out_of_range),
        "straight_liners": sorted(int(i) for i in ids[straight]),
        "partial": sorted(int(i) for i in ids[partial]),
    }


class MunicipalityExport(NamedTuple):
    """What :func:`simulate_municipality_export` returns: the raw export and the bad values planted in it.

    ``planted``: ``missing_code_cells`` (how many item cells hold 98/99), ``out_of_range``
    (sorted ``(respondent_id, column, value)``), ``straight_liners`` and ``partial`` (sorted
    respondent ids); empty without bad values.
    """

    data: pd.DataFrame
    planted: dict[str, Any]


def simulate_municipality(
    n_per_service: dict[str, int] | None = None,
    *,
    seed: int = DEFAULT_SEED,
    bad_values: bool = True,
    latent: bool = False,
) -> pd.DataFrame:
    """Simulate the raw (pre-cleaning) client survey of the municipality of Demodam.

    Parameters
    ----------
    n_per_service : dict of str to int, optional
        Respondents per service; services not named are left out. Default: the sizes in
        ``GROUND_TRUTH["service_sizes"]`` (Ombudsman has 6, below the minimum group size).
    seed : int
        Random seed; the same seed gives the same data.
    bad_values : bool
        Plant missing codes 98/99 (~2% of item cells), 5 out-of-range codes, 6 straight-liners
        and 12 partial responses (the last three only when there are >= 200 eligible rows).
    latent : bool
        Add the latent segment index as column ``latent_segment`` (Wmo-loket: 0 = practical,
        1 = emotional; 0 elsewhere). Not part of the written demo file.

    Returns
    -------
    pandas.DataFrame
        Columns ``respondent_id, service, weight, age, gender, channel``, the nine items (raw codes,
        ``q_effort`` not yet reversed), ``overall`` and ``senior_self`` (1 ja, 2 nee, 9 weet niet),
        sorted by ``respondent_id``. :func:`simulate_municipality_export` also lists the planted bad
        values.
    """
    return simulate_municipality_export(n_per_service, seed=seed, bad_values=bad_values, latent=latent).data


def simulate_municipality_export(
    n_per_service: dict[str, int] | None = None,
    *,
    seed: int = DEFAULT_SEED,
    bad_values: bool = True,
    latent: bool = False,
) -> MunicipalityExport:
    """:func:`simulate_municipality` (same parameters, same frame) with the bad values it planted."""
    sizes = _check_sizes(n_per_service)
    frames = []
    for name, n in sizes.items():  # one random stream per service: sizes of others do not matter
        rng = np.random.default_rng([seed, 1, list(SERVICES).index(name)])
        frame = simulate_service(SERVICES[name], n, rng)
        frame.insert(0, "service", name)
        frames.append(frame)
    df = pd.concat(frames, ignore_index=True)
    rng = np.random.default_rng([seed, 2])
    df.insert(0, "respondent_id", 100001 + rng.permutation(len(df)))
    df.insert(2, "weight", weights_column(df, rng))
    planted = _plant_bad_values(df, rng) if bad_values else {}
    segment = df.pop("_segment")
    df = add_segment_columns(df, segment.to_numpy(), seed=seed, latent=latent)  # own random stream
    if latent:
        df["latent_segment"] = segment
    df["location"] = demo_comparisons.add_location(df, seed=seed)  # own random stream, last column
    return MunicipalityExport(df.sort_values("respondent_id", ignore_index=True), planted)


def simulate_senior_survey(n: int = GROUND_TRUTH_SENIOR_N, *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Simulate a self-identification survey: "Do you see yourself as a senior?".

    Parameters
    ----------
    n : int
        Number of respondents.
    seed : int
        Random seed.

    Returns
    -------
    pandas.DataFrame
        ``respondent_id, age (18-95), gender, senior_self (1 ja, 2 nee, 9 weet niet), weight``.
        Ages are half uniform on 18-95 and half uniform on 50-95; among ja/nee answers
        P(ja | age) = 1 / (1 + exp(-(age - 72) / 6)).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ParameterError(f"n must be an integer >= 0, got {n!r}")
    rng = np.random.default_rng([seed, 3])
    age = np.where(rng.random(n) < 0.5, rng.integers(18, 96, n), rng.integers(50, 96, n))
    gender = rng.choice(np.array(["man", "vrouw", "anders"]), n, p=[0.48, 0.50, 0.02])
    senior = _senior_answers(age.astype(float), rng)
    df = pd.DataFrame({"respondent_id": np.arange(1, n + 1), "age": age, "gender": gender,
                       "senior_self": senior})
    df["weight"] = weights_column(df, rng)
    return df


def _shapley(cov: np.ndarray) -> np.ndarray:
    """Shapley/LMG shares of R^2 by brute force over all subsets; last row/col of cov is y."""
    p = cov.shape[0] - 1
    r2 = np.zeros(1 << p)
    for mask in range(1, 1 << p):
        s = [j for j in range(p) if mask >> j & 1]
        c = cov[s, p]
        r2[mask] = c @ np.linalg.solve(cov[np.ix_(s, s)], c) / cov[p, p]
    phi = np.zeros(p)
    for mask in range(1 << p):
        k = bin(mask).count("1")
        for j in range(p):
            if not mask >> j & 1:
                weight = factorial(k) * factorial(p - k - 1) / factorial(p)
                phi[j] += weight * (r2[mask | 1 << j] - r2[mask])
    return phi


def population_truth(n: int = 200_000, *, seed: int = 1) -> dict[str, Any]:
    """Recompute the population values recorded in :data:`GROUND_TRUTH` (takes a few seconds).

    Simulates ``n`` clean, discretised respondents per service, reverses ``q_effort`` and computes
    the brute-force Shapley (LMG) decomposition of the OLS R^2 of ``overall`` on the nine items.

    Returns
    -------
    dict
        ``practical_share``, ``r2``, ``item_share`` and ``item_mean`` (1-5, q_effort reversed)
        per service, ``segments`` (Wmo-loket per latent segment)
        and ``nonsenior_emotional_diff_items``.
    """
    out: dict[str, Any] = {"practical_share": {}, "r2": {}, "item_share": {}, "item_mean": {},
                           "segments": {}}
    prac = np.isin(ITEMS, PRACTICAL)
    older = []
    for k, (name, spec) in enumerate(SERVICES.items()):
        if name == "Ombudsman":
            continue
        df = simulate_service(spec, n, np.random.default_rng([seed, k]))
        df["q_effort"] = 6 - df["q_effort"]
        out["item_mean"][name] = {c: round(float(df[c].mean()), 2) for c in ITEMS}
        parts = [("all", df)]
        if len(spec.weights) > 1:
            parts += [(lab, df[df["_segment"] == s]) for s, lab in enumerate(("practical", "emotional"))]
        for part, sub in parts:
            phi = _shapley(np.cov(sub[list(ITEMS) + ["overall"]].to_numpy(dtype=float), rowvar=False))
            share = round(float(phi[prac].sum() / phi.sum()), 3)
            if part == "all":
                out["practical_share"][name] = share
                out["r2"][name] = round(float(phi.sum()), 3)
                out["item_share"][name] = {c: round(float(v), 3) for c, v in zip(ITEMS, phi / phi.sum())}
            else:
                out["segments"].setdefault(name, {})[part] = share
        older.append(df.loc[df["age"] >= 65, ["senior_self", *EMOTIONAL]])
    old = pd.concat(older)  # all services pooled, aged 65+
    emo = old[list(EMOTIONAL)].mean(axis=1)
    diff = emo[old["senior_self"] == 2].mean() - emo[old["senior_self"] == 1].mean()
    out["nonsenior_emotional_diff_items"] = round(float(diff), 3)
    return out


def _label(nl: str, en: str) -> dict[str, str]:
    return {"nl": nl, "en": en}


_SENIOR_SECTION = {
    "column": "senior_self",
    "yes_codes": [1],
    "no_codes": [2],
    "missing_codes": [9],  # "weet niet"; 9 is a valid grade, so not in the global missing_codes
    "label": _label("Ziet u zichzelf als senior?", "Do you see yourself as a senior?"),
}
_ATTRIBUTES = {
    "age": {"column": "age", "protected": True, "label": _label("Leeftijd", "Age")},
    "gender": {"column": "gender", "protected": True, "label": _label("Geslacht", "Gender")},
}


def municipality_codebook() -> dict[str, Any]:
    """The codebook of the municipality demo survey, as a mapping (see ``docs/codebook.md``)."""
    items = [
        {"column": col, "dimension": "practical" if col in PRACTICAL else "emotional",
         "scale": [1, 5], "reverse": col in REVERSED, "label": _label(*ITEM_LABELS[col])}
        | ({"reversed_label": _label(*REVERSED_LABELS[col])} if col in REVERSED else {})
        for col in ITEMS
    ]
    channel = {"column": "channel", "protected": False, "label": _label("Kanaal", "Channel")}
    return {
        "title": _label("Klanttevredenheid gemeente Demodam 2026",
                        "Client satisfaction, municipality of Demodam 2026"),
        "data": "survey.csv",
        "id": "respondent_id",
        "group": "service",
        "weight": "weight",
        "missing_codes": [98, 99],
        "outcome": {"column": "overall", "scale": [1, 10],
                    "label": _label("Rapportcijfer voor de dienstverlening",
                                    "Overall rating of the service")},
        "items": items,
        "attributes": _ATTRIBUTES | {"channel": channel},
        "senior": _SENIOR_SECTION,
    } | _with_segments() | demo_comparisons.codebook_sections()


def _with_segments() -> dict[str, Any]:
    sections = codebook_sections()  # notebook 30: needs items, personas, treatments, more attributes
    channel = {"column": "channel", "protected": False, "basis": "behaviour", "label": _label("Kanaal", "Channel")}
    attributes = _ATTRIBUTES | {"channel": channel} | sections.pop("attributes")
    return {"attributes": attributes} | sections


def senior_codebook() -> dict[str, Any]:
    """The codebook of the senior self-identification demo survey, as a mapping."""
    return {
        "title": _label("Zelfbeeld senioren Demodam 2026", "Senior self-identification, Demodam 2026"),
        "data": "survey.csv",
        "id": "respondent_id",
        "weight": "weight",
        "attributes": _ATTRIBUTES,
        "senior": _SENIOR_SECTION,
    }


def _csv_text(df: pd.DataFrame, sep: str) -> str:
    out = df.copy()
    out["weight"] = [f"{w:.4f}" for w in out["weight"]]
    buf = io.StringIO()
    out.to_csv(buf, sep=sep, index=False, lineterminator="\n")
    return buf.getvalue()


def _yaml_bytes(mapping: dict[str, Any], header: str) -> bytes:
    body = yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True, width=120,
                          default_flow_style=None)
    return (header + body).encode("utf-8")


def default_out_dir() -> Path:
    """The repository's ``data/demo`` folder (resolved from this file, not the working directory)."""
    from clientvalue.paths import DEMO_DIR

    return DEMO_DIR


def write_demo_data(out_dir: Path | None = None, *, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write both demo surveys, their codebooks and ``GROUND_TRUTH.md``.

    Parameters
    ----------
    out_dir : Path, optional
        Target folder; default :func:`default_out_dir` (the repository's ``data/demo``).
    seed : int
        Random seed; the same seed gives byte-identical files.

    Returns
    -------
    list of Path
        ``municipality/survey.csv`` (``;``-separated, cp1252, as Dutch Excel saves it),
        ``municipality/codebook.yaml``, ``senior/survey.csv`` (comma, UTF-8),
        ``senior/codebook.yaml`` and ``GROUND_TRUTH.md``.
    """
    out_dir = default_out_dir() if out_dir is None else Path(out_dir)
    muni, planted = simulate_municipality_export(seed=seed)
    senior = simulate_senior_survey(seed=seed)
    header = f"# Generated by `python -m clientvalue.data.demo --seed {seed}`; do not edit by hand.\n"
    waves = demo_comparisons.write_comparison_files(out_dir, municipality_codebook(), seed=seed, write=_write,
                                                    csv_text=_csv_text, yaml_bytes=_yaml_bytes, header=header)
    return waves + [
        _write(out_dir / "municipality" / "survey.csv", _csv_text(muni, ";").encode("cp1252")),
        _write(out_dir / "municipality" / "codebook.yaml", _yaml_bytes(municipality_codebook(), header)),
        _write(out_dir / "senior" / "survey.csv", _csv_text(senior, ",").encode("utf-8")),
        _write(out_dir / "senior" / "codebook.yaml", _yaml_bytes(senior_codebook(), header)),
        _write(out_dir / "GROUND_TRUTH.md", ground_truth_markdown(muni, seed, planted=planted).encode("utf-8")),
    ] + __import__("clientvalue.data.demo_vignettes", fromlist=["_"]).write_vignette_demo(out_dir, seed=seed)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m clientvalue.data.demo [--out DIR] [--seed N]``."""
    parser = argparse.ArgumentParser(prog="python -m clientvalue.data.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: repo data/demo)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    for path in write_demo_data(args.out, seed=args.seed):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
