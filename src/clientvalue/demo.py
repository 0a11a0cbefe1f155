"""Deterministic demo data with planted ground truth.

Two fictional surveys of the Dutch municipality "Demodam":

* :func:`simulate_municipality` - a client-satisfaction survey per service (nine 1-5 items,
  practical and emotional, a 1-10 overall grade, a senior self-identification question), with
  planted value-driver profiles per service and a few deliberately bad values;
* :func:`simulate_senior_survey` - a separate self-identification survey (no satisfaction items).

:func:`write_demo_data` writes both, with their codebooks and ``GROUND_TRUTH.md``, to
``data/demo/``; ``python -m clientvalue.demo [--out DIR] [--seed N]`` does the same.
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
from typing import Any

import numpy as np
import pandas as pd
import yaml

from clientvalue.errors import ParameterError

DEFAULT_SEED = 20261124

PRACTICAL = ("q_fast", "q_correct", "q_easy", "q_cost", "q_effort")
EMOTIONAL = ("q_listened", "q_serious", "q_welcome", "q_matters")
ITEMS = PRACTICAL + EMOTIONAL
REVERSED = ("q_effort",)
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


def _weights(practical: float, emotional: float, **override: float) -> dict[str, float]:
    w = {k: practical * v for k, v in _PRAC_W.items()} | {k: emotional * v for k, v in _EMO_W.items()}
    return w | override


@dataclass(frozen=True)
class _Service:
    n: int
    age: tuple[float, float]  # mean, sd (truncated to 18-95)
    grade_mean: float
    channel: tuple[float, float, float]  # balie, telefoon, online
    weights: tuple[dict[str, float], ...]  # one per latent segment (equal shares)
    shift: dict[str, float] = field(default_factory=dict)  # item performance shifts
    # per-segment channel probabilities (overrides `channel` when given)
    segment_channel: tuple[tuple[float, float, float], ...] = ()


CHANNELS = ("balie", "telefoon", "online")
SERVICES: dict[str, _Service] = {
    "Burgerzaken": _Service(380, (48, 17), 7.4, (0.3, 0.1, 0.6), (_weights(1.0, 0.08),), {"q_fast": 0.2}),
    "Jeugd & gezin": _Service(300, (38, 8), 6.9, (0.5, 0.35, 0.15), (_weights(0.08, 1.0),), {"q_welcome": 0.2}),
    "Wmo-loket": _Service(
        400, (70, 12), 6.8, (0.4, 0.4, 0.2), (_weights(1.0, 0.08), _weights(0.08, 1.0)),
        segment_channel=((0.15, 0.25, 0.60), (0.55, 0.35, 0.10)),
    ),
    "Afval & belastingen": _Service(
        340, (52, 16), 6.4, (0.1, 0.3, 0.6),
        (_weights(0.6, 0.08, q_cost=0.55),), {"q_cost": -1.1, "q_fast": 0.3, "q_easy": 0.3},
    ),
    "Cliëntondersteuning": _Service(260, (58, 15), 7.1, (0.45, 0.35, 0.2), (_weights(0.55, 0.55),)),
    "Ombudsman": _Service(6, (55, 15), 6.5, (0.4, 0.4, 0.2), (_weights(0.3, 0.8),)),
}
MIN_GROUP_SIZE = 10

GROUND_TRUTH: dict[str, Any] = {
    "seed": DEFAULT_SEED,
    "service_sizes": {name: s.n for name, s in SERVICES.items()},
    "suppressed_services": ["Ombudsman"],  # n = 6 < minimum group size 10
    # Population share of R^2 (LMG/Shapley over the nine items) from population_truth():
    # 200,000 simulated clean, discretised respondents per service (truth seed 1), brute-force
    # OLS R^2 of all 512 item subsets from the sample covariance, plain Shapley formula.
    "practical_share": {
        "Burgerzaken": 0.878,
        "Jeugd & gezin": 0.093,
        "Wmo-loket": 0.492,
        "Afval & belastingen": 0.876,
        "Cliëntondersteuning": 0.451,
    },
    "r2": {
        "Burgerzaken": 0.528,
        "Jeugd & gezin": 0.534,
        "Wmo-loket": 0.388,
        "Afval & belastingen": 0.524,
        "Cliëntondersteuning": 0.546,
    },
    "segments": {  # Wmo-loket: two latent segments of equal expected size
        "Wmo-loket": {
            "practical_share": {"practical": 0.878, "emotional": 0.090},
            "channel": {"practical": dict(zip(CHANNELS, (0.15, 0.25, 0.60))),
                        "emotional": dict(zip(CHANNELS, (0.55, 0.35, 0.10)))},
            "independent_of": ["age", "gender"],
        }
    },
    "profiles": {
        "Burgerzaken": "practical (performance)",
        "Jeugd & gezin": "emotional (experience)",
        "Wmo-loket": "two equal segments, practical vs emotional (customisation)",
        "Afval & belastingen": "practical, q_cost in the red (most important item, lowest mean)",
        "Cliëntondersteuning": "balanced practical and emotional, one homogeneous segment",
    },
    "red_items": {"Afval & belastingen": ["q_cost"]},
    "senior": {
        "curve": "P(ja | age) = 1 / (1 + exp(-(age - 72) / 6)) among those answering ja/nee",
        "midpoint": SENIOR_MIDPOINT,
        "scale": SENIOR_SCALE,
        "p_yes_at_65": 0.237,
        "dont_know_rate": SENIOR_DONT_KNOW,
        "codes": {"ja": 1, "nee": 2, "weet niet": 9},
        # municipality survey only: latent emotional factor shifted by -0.5 sd for age >= 65
        # answering "nee"; realised population difference in mean emotional item (1-5 scale),
        # "nee" minus "ja" among those aged 65+, from population_truth():
        "nonsenior_emotional_shift_latent": NONSENIOR_EMOTIONAL_SHIFT,
        "nonsenior_emotional_diff_items": -0.327,
    },
    "bad_values": {  # municipality survey, default sizes (exact ids in df.attrs["planted"])
        "missing_code_rate": MISSING_CODE_RATE,  # 98/99 in item cells
        "out_of_range": 5,  # two 0s and two 7s on 1-5 items, one 11 on the grade
        "straight_liners": 6,  # same raw code on all nine items
        "partial": 12,  # broke off: last items and the grade empty
        "duplicate_ids": 0,
    },
}
"""What the demo data plants. Population shares were computed by :func:`population_truth`."""


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


def _simulate_service(spec: _Service, n: int, rng: np.random.Generator) -> pd.DataFrame:
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


def _weights_column(df: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
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
        sorted by ``respondent_id``. ``.attrs["planted"]`` lists the planted bad values.
    """
    sizes = _check_sizes(n_per_service)
    frames = []
    for k, (name, n) in enumerate(sizes.items()):
        rng = np.random.default_rng([seed, 1, list(SERVICES).index(name)])
        frame = _simulate_service(SERVICES[name], n, rng)
        frame.insert(0, "service", name)
        frames.append(frame)
    df = pd.concat(frames, ignore_index=True) if frames else _simulate_service(
        SERVICES["Burgerzaken"], 0, np.random.default_rng(seed)).assign(service="")
    rng = np.random.default_rng([seed, 2])
    df.insert(0, "respondent_id", 100001 + rng.permutation(len(df)))
    df.insert(2, "weight", _weights_column(df, rng))
    planted = _plant_bad_values(df, rng) if bad_values else {}
    segment = df.pop("_segment")
    if latent:
        df["latent_segment"] = segment
    df = df.sort_values("respondent_id", ignore_index=True)
    df.attrs["planted"] = planted
    return df


def simulate_senior_survey(n: int = 1500, *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
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
    df["weight"] = _weights_column(df, rng)
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
        ``practical_share`` and ``r2`` per service, ``segments`` (Wmo-loket per latent segment)
        and ``nonsenior_emotional_diff_items``.
    """
    out: dict[str, Any] = {"practical_share": {}, "r2": {}, "segments": {}}
    prac = np.isin(ITEMS, PRACTICAL)
    diffs = []
    for k, (name, spec) in enumerate(SERVICES.items()):
        if name == "Ombudsman":
            continue
        df = _simulate_service(spec, n, np.random.default_rng([seed, k]))
        df["q_effort"] = 6 - df["q_effort"]
        parts = [("all", df)]
        if len(spec.weights) > 1:
            parts += [(lab, df[df["_segment"] == s]) for s, lab in enumerate(("practical", "emotional"))]
        for part, sub in parts:
            phi = _shapley(np.cov(sub[list(ITEMS) + ["overall"]].to_numpy(dtype=float), rowvar=False))
            share = round(float(phi[prac].sum() / phi.sum()), 3)
            if part == "all":
                out["practical_share"][name] = share
                out["r2"][name] = round(float(phi.sum()), 3)
            else:
                out["segments"].setdefault(name, {})[part] = share
        old = df[df["age"] >= 65]
        emo = old[list(EMOTIONAL)].mean(axis=1)
        diffs.append(emo[old["senior_self"] == 2].mean() - emo[old["senior_self"] == 1].mean())
    out["nonsenior_emotional_diff_items"] = round(float(np.mean(diffs)), 3)
    return out
