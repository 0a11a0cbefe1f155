"""A national benchmark over many organisations, from per-organisation sufficient statistics.

Each organisation's statistics are computed where its data is (a Dask worker) by
:func:`organisation_statistics`: the random-intercept model's per-unit sums
(:func:`clientvalue.stats.multilevel.unit_statistics`, the organisation as the unit) and, per
question and service, the count, sum and sum of squares. :func:`national_benchmark` adds them up
(:func:`clientvalue.stats.multilevel.combine`) and fits the model once; no process ever holds all
rows. The result is published only as aggregates:

* a national level per question and service only where at least ``min_group_size`` respondents and
  at least :data:`MIN_ORGANISATIONS` organisations (each with at least ``min_group_size`` respondents
  in that cell) contribute, so no organisation's cell can be read from it, nor be recovered by an
  organisation subtracting its own;
* each organisation's position for itself only, and none for an organisation with fewer than
  ``min_group_size`` respondents in the model.

"Organisations like yours" is the model's prediction for an organisation with this organisation's
case mix (its clients' age band and other characteristics the codebook marks as protected) and an
average organisation effect: ``xbar_j' b``, with the interval ``+- z sqrt(xbar_j' cov(b) xbar_j)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from clientvalue.errors import AnalysisError
from clientvalue.stats.multilevel import UnitStatistics, combine, random_intercept, unit_statistics

#: Column holding the organisation in the per-organisation frame.
UNIT = "organisation"

#: Fewest organisations behind a published national cell.
MIN_ORGANISATIONS = 3

LEVEL_COLUMNS = ["question", "service", "n", "organisations", "mean", "ci_low", "ci_high"]


@dataclass(frozen=True)
class OrganisationStatistics:
    """What one organisation contributes: model sums and per-question sums (no rows)."""

    unit: UnitStatistics
    sums: pd.DataFrame  # question, service, n, total, squares
    outcome: str


@dataclass(frozen=True)
class Benchmark:
    """The national benchmark: levels per question and service, and each organisation's position."""

    levels: pd.DataFrame
    positions: pd.DataFrame  # unit, n, raw_mean, expected, expected_low, expected_high, position
    overall: dict


def case_mix_frame(survey, *, age_bands: list[int]) -> pd.DataFrame:
    """The case-mix variables of a survey: its protected attributes, age in bands (a category)."""
    columns = {}
    for key, attribute in survey.codebook.attributes.items():
        if not attribute.protected or attribute.column not in survey.data.columns:
            continue
        values = survey.data[attribute.column]
        if key == "age":
            edges = [*age_bands, np.inf]
            bands = pd.cut(pd.to_numeric(values, errors="coerce"), [-np.inf, *edges], right=False,
                           labels=[f"<{age_bands[0]}", *(f"{a}+" for a in age_bands)])
            values = bands.astype(object).where(bands.notna())
        else:
            values = values.astype(object).where(values.notna()).map(lambda v: v if v is None else str(v))
        columns[key] = values
    return pd.DataFrame(columns, index=survey.data.index)


def organisation_statistics(survey, organisation: str, *, age_bands: list[int],
                            case_mix: list[str] | None = None) -> OrganisationStatistics:
    """One organisation's contribution to the benchmark (runs on a worker, next to its data).

    Parameters
    ----------
    survey : Survey
        The organisation's cleaned survey (needs an outcome).
    organisation : str
        Its name (the unit).
    age_bands : list of int
        Lower bounds of the age bands used as case mix.
    case_mix : list of str, optional
        The case-mix variables (keys of the codebook's attributes); default: every protected one.
    """
    if survey.outcome is None:
        raise AnalysisError(f"{survey.codebook_path}: the benchmark needs an `outcome` in the codebook.")
    mix = case_mix_frame(survey, age_bands=age_bands)
    if case_mix is not None:
        mix = mix[[c for c in case_mix if c in mix.columns]]
    frame = mix.assign(**{UNIT: organisation, "__value": survey.data[survey.outcome]})
    unit = unit_statistics(frame, value="__value", unit=UNIT, case_mix=list(mix.columns))
    service = (survey.data[survey.group].astype(str) if survey.group else pd.Series("", index=survey.data.index))
    parts = []
    for question in [survey.outcome, *survey.items()]:
        values = pd.to_numeric(survey.data[question], errors="coerce")
        grouped = pd.DataFrame({"service": service, "y": values}).dropna().groupby("service")["y"]
        part = pd.DataFrame({"n": grouped.count(), "total": grouped.sum(),
                             "squares": grouped.apply(lambda s: float((s * s).sum()))}).reset_index()
        parts.append(part.assign(question=question))
    sums = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["question", "service", "n", "total", "squares"])
    return OrganisationStatistics(unit=unit, sums=sums[["question", "service", "n", "total", "squares"]],
                                  outcome=survey.outcome)


def _levels(parts: list[OrganisationStatistics], *, min_group_size: int, level: float) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=LEVEL_COLUMNS)
    frames = [p.sums.assign(big=p.sums["n"] >= min_group_size) for p in parts]
    allsums = pd.concat(frames, ignore_index=True)
    table = allsums.groupby(["question", "service"], sort=True).agg(
        n=("n", "sum"), total=("total", "sum"), squares=("squares", "sum"), organisations=("big", "sum")).reset_index()
    z = float(sps.norm.ppf(0.5 + level / 2))
    mean = table["total"] / table["n"]
    variance = (table["squares"] - table["n"] * mean ** 2) / (table["n"] - 1).clip(lower=1)
    half = z * np.sqrt(variance.clip(lower=0) / table["n"])
    table = table.assign(mean=mean, ci_low=mean - half, ci_high=mean + half)
    shown = (table["n"] >= min_group_size) & (table["organisations"] >= MIN_ORGANISATIONS)
    return table.loc[shown, LEVEL_COLUMNS].reset_index(drop=True)


def national_benchmark(parts: list[OrganisationStatistics], *, min_group_size: int,
                       level: float = 0.95) -> Benchmark:
    """Add up the organisations' statistics and fit the case-mix adjusted model once.

    Returns
    -------
    Benchmark
        ``levels`` (see the module docstring), ``positions`` with one row per organisation with at
        least ``min_group_size`` respondents in the model (``raw_mean``, the model's ``expected``
        rating for its case mix with ``expected_low``/``expected_high``, and ``position``:
        above / within / below at 99.8%), and ``overall`` (the mean over all respondents with its
        interval, and the number of organisations). Empty tables when fewer than two
        organisations can be compared.
    """
    levels = _levels(parts, min_group_size=min_group_size, level=level)
    empty = pd.DataFrame(columns=["unit", "n", "raw_mean", "expected", "expected_low", "expected_high", "position"])
    if len(parts) < 2:
        return Benchmark(levels, empty, {"organisations": len(parts)})
    merged = combine([p.unit for p in parts])
    fit = random_intercept(merged, level=level)
    terms = list(fit.fixed_effects["term"])
    index = [merged.columns.index(t) for t in terms]
    present = merged.n > 0
    weight = merged.xtwx[present, 0, 0]
    xbar = merged.xtwx[present][:, index, 0] / weight[:, None]  # each organisation's mean case mix
    beta = fit.fixed_effects["estimate"].to_numpy()
    expected = xbar @ beta
    se = np.sqrt(np.einsum("jp,pq,jq->j", xbar, fit.cov_fixed, xbar))
    z = float(sps.norm.ppf(0.5 + level / 2))
    units = fit.units.assign(expected=expected, expected_low=expected - z * se, expected_high=expected + z * se)
    positions = units.loc[units["n"] >= min_group_size,
                          ["unit", "n", "raw_mean", "expected", "expected_low", "expected_high", "position"]]
    outcome = pd.concat([p.sums.loc[p.sums["question"] == p.outcome] for p in parts], ignore_index=True)
    n, total, squares = (float(outcome[c].sum()) for c in ("n", "total", "squares"))
    mean = total / n
    half = z * np.sqrt(max(squares - n * mean * mean, 0.0) / max(n - 1, 1) / n)
    overall = {"organisations": int(present.sum()), "respondents": int(n), "level": float(mean),
               "ci_low": float(mean - half), "ci_high": float(mean + half), "icc": float(fit.icc)}
    return Benchmark(levels, positions.reset_index(drop=True), overall)


def position_of(benchmark: Benchmark, organisation: str) -> dict | None:
    """One organisation's published position, rounded as the report shows it (None when not shown)."""
    rows = benchmark.positions.loc[benchmark.positions["unit"] == organisation]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return {"rating": round(float(row["raw_mean"]), 1), "expected": round(float(row["expected"]), 1),
            "expected_low": round(float(row["expected_low"]), 1), "expected_high": round(float(row["expected_high"]), 1),
            "position": str(row["position"]), "organisations": int(benchmark.overall["organisations"])}
