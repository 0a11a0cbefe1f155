"""Customisation or arbitrariness: every result notebook 40 shows, in one call.

The statistics live in :mod:`clientvalue.stats.agreement` and :mod:`clientvalue.stats.agreement_tests`;
this module feeds them a :class:`~clientvalue.data.vignettes.VignetteStudy`, applies the minimum
group size and returns tidy tables plus language-free findings, decided in
:mod:`clientvalue.analyses.consistency_findings` and worded by report/consistency_text.py.

Privacy: teams with fewer than ``min_group_size`` employees (in the decisions or in the considerations
survey: one decision per team for the whole study, :func:`hidden_teams`) are suppressed, and their
employees are left out of *every* published number (overall too, in every table), so no team's
decisions or considerations can be found by subtracting published totals. Per-employee rows
(pseudonymous codes) are returned only when ``employee_tables`` is True, and notebook 40 saves them
as CSV for analysts, never in HTML or a notebook's output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from clientvalue.defaults import MIN_GROUP_SIZE
# The findings (analyse calls consistency_findings), importable from here as before the split.
from clientvalue.analyses.consistency_findings import (  # noqa: F401
    CASE_CLASSES, consistency_findings, departing_often, save_findings)
from clientvalue.data.vignettes import VignetteStudy
from clientvalue.findings import Finding
from clientvalue.errors import AnalysisError
from clientvalue.stats import agreement as ag
from clientvalue.stats import agreement_tests as at
from clientvalue.stats.intervals import wilson_interval

AGREEMENT_COLUMNS = ["measure", "level", "value", "ci_low", "ci_high", "ci_low_employees", "ci_high_employees",
                     "reading", "n_vignettes", "n_raters"]
# How far the employees agree on one case, from the share taking its most common decision (the
# majority share) and its 95% Wilson interval. "clear": four in five or more decide alike and the
# interval rules out a split; "split": fewer than three in five decide alike and the interval rules
# out four in five; every other case, including one with too few judgements to tell, is "minority"
# (a majority decides alike, a minority differently).
CLEAR_FROM = 0.80
SPLIT_BELOW = 0.60
ALPHA = 0.05


@dataclass
class ConsistencyResults:
    """Everything notebook 40 shows; tables are tidy and already suppressed, ``findings`` are the page's
    findings in reading order (:func:`~clientvalue.analyses.consistency_findings.consistency_findings`)."""

    agreement: pd.DataFrame
    vignettes: pd.DataFrame
    teams: pd.DataFrame | None
    departures: pd.DataFrame
    variants: pd.DataFrame | None
    considerations: pd.DataFrame | None
    employees: pd.DataFrame | None
    findings: list[Finding] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    level: str = "nominal"
    min_group_size: int = MIN_GROUP_SIZE
    n_employees: int = 0
    n_left_out: int = 0
    suppressed_teams: int = 0


def _reading(measure: str, value: float) -> str:
    return ag.krippendorff_reading(value) if measure == "krippendorff_alpha" else ag.landis_koch(value)


def agreement_table(coded: ag.Coded, *, level: str, n_boot: int, seed: int | None) -> pd.DataFrame:
    """Every overall measure with a vignette-bootstrap and an employee-bootstrap interval."""
    by_vignette = ag.bootstrap_measures(coded, level=level, n_boot=n_boot, seed=seed, resample="vignettes")
    by_employee = ag.bootstrap_measures(coded, level=level, n_boot=n_boot, seed=seed, resample="employees")
    table = by_vignette.drop(columns=["resample", "n_boot"])
    table["ci_low_employees"] = by_employee["ci_low"].to_numpy()
    table["ci_high_employees"] = by_employee["ci_high"].to_numpy()
    table["reading"] = [_reading(m, v) for m, v in zip(table["measure"], table["value"])]
    table["n_vignettes"] = len(coded.units)
    table["n_raters"] = len(coded.raters)
    return table[AGREEMENT_COLUMNS]


def classify_cases(vignettes: pd.DataFrame, *, clear_from: float = CLEAR_FROM, split_below: float = SPLIT_BELOW,
                   ci: float = 0.95) -> pd.DataFrame:
    """Add the majority share's interval and the one classification of every case.

    Parameters
    ----------
    vignettes : DataFrame
        From :func:`clientvalue.stats.agreement.vignette_agreement` (``modal_share``, ``n_judgements``).
    clear_from, split_below : float
        Bounds on the majority share (see :data:`CLEAR_FROM`, :data:`SPLIT_BELOW`).
    ci : float
        Level of the Wilson interval of the majority share (the judgements of one case by
        different employees taken as independent, the most common decision as given).

    Returns
    -------
    DataFrame
        A copy with ``majority_low``, ``majority_high``, ``agreement_class`` (``clear``,
        ``minority`` or ``split``: the classification every page words) and ``split``
        (``agreement_class == "split"``), sorted from split to clear.
    """
    out = vignettes.copy()
    low, high = wilson_interval(out["modal_share"].to_numpy(float), out["n_judgements"].to_numpy(float), ci=ci)
    out["majority_low"], out["majority_high"] = np.asarray(low, float), np.asarray(high, float)
    share = out["modal_share"].to_numpy(float)
    clear = (share >= clear_from) & (out["majority_low"].to_numpy() >= split_below)
    split = (share < split_below) & (out["majority_high"].to_numpy() < clear_from)
    out["agreement_class"] = np.where(clear, "clear", np.where(split, "split", "minority"))
    out["split"] = split
    order = out["agreement_class"].map({c: i for i, c in enumerate(reversed(CASE_CLASSES))})
    return (out.assign(_order=order).sort_values(["_order", "modal_share", "vignette"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


def _team_table(study: VignetteStudy, coded: ag.Coded, teams: np.ndarray, *, level: str, n_boot: int,
                seed: int | None, positions: np.ndarray | None, reported: list[str], hidden: list[str]) -> pd.DataFrame:
    rows = []
    if len(reported) >= 2:
        diff = at.team_differences(coded, teams, positions=positions, n_perm=max(n_boot, 199), seed=seed)
    else:
        diff = pd.DataFrame({"team": reported, "distance": np.nan, "shift": np.nan, "p_value": np.nan,
                             "shift_p_value": np.nan})
    diff = diff.set_index("team")
    shares = pd.crosstab(study.data["team"], study.data["decision"], normalize="index").reindex(columns=study.categories, fill_value=0.0)
    for team in reported:
        sub = at.restrict(coded, teams == team)
        boot = ag.bootstrap_measures(sub, level=level, n_boot=n_boot, seed=seed, resample="vignettes")
        alpha = boot[(boot["measure"] == "krippendorff_alpha") & (boot["level"] == level)].iloc[0]
        row = {"team": team, "n_employees": len(sub.raters), "n_judgements": len(sub.value),
               "alpha": alpha["value"], "alpha_ci_low": alpha["ci_low"], "alpha_ci_high": alpha["ci_high"],
               "distance": diff.loc[team, "distance"], "shift": diff.loc[team, "shift"],
               "p_value": diff.loc[team, "p_value"], "shift_p_value": diff.loc[team, "shift_p_value"],
               "suppressed": False}
        row.update({f"share_{c}": shares.loc[team, c] for c in study.categories})
        rows.append(row)
    # teams below the minimum size are left out altogether: not even their name is published
    table = pd.DataFrame(rows)
    table["differs"] = (table["p_value"] < ALPHA) | (table["shift_p_value"] < ALPHA)
    table.loc[table["suppressed"], "differs"] = False
    return table


def _variant_rows(data: pd.DataFrame, *, reference: str, comparison: str, team: str, outcomes: dict,
                  n_boot: int, seed: int | None, ci: float = 0.95) -> list[dict]:
    sub = data[data["variant"].isin([reference, comparison])]
    results = at.variant_effects({name: y(sub) for name, y in outcomes.items()}, rater=sub["employee"].to_numpy(),
                                 unit=sub["vignette"].to_numpy(), treated=(sub["variant"] == comparison).to_numpy(),
                                 n_boot=n_boot, n_perm=max(n_boot, 199), seed=seed, ci=ci)
    rows = []
    for outcome, result in results.items():
        flagged = bool(np.isfinite(result["ci_low"]) and (result["ci_low"] > 0 or result["ci_high"] < 0))
        rows.append({"team": team, "reference": reference, "variant": comparison, "outcome": outcome, **result,
                     "ci_level": ci, "flagged": flagged, "suppressed": False})
    return rows


def variant_table(study: VignetteStudy, data: pd.DataFrame, *, reported: list[str], hidden: list[str],
                  n_boot: int, seed: int | None) -> pd.DataFrame:
    """The variant effect, overall and per reported team, for every non-reference variant.

    Overall rows have 95% intervals. Team rows have Bonferroni intervals at level
    ``1 - 0.05 / (number of reported teams)``, so that the chance of flagging *any* team when the
    characteristic makes no difference anywhere stays at 5% (``ci_level`` records the level).
    """
    spec = study.codebook.variants
    reference = str(spec.reference)
    focus = str(spec.focus) if spec.focus is not None else study.categories[-1]
    outcomes = {f"rate_{focus}": lambda s: (s["decision"] == focus).to_numpy(float)}
    if study.level == "ordinal":
        outcomes["mean_position"] = lambda s: s["position"].to_numpy(float)
    rows = []
    for comparison in sorted(set(data["variant"]) - {reference}):
        rows += _variant_rows(data, reference=reference, comparison=comparison, team="all", outcomes=outcomes,
                              n_boot=n_boot, seed=seed)
        if study.has_teams:
            team_ci = 1 - 0.05 / max(len(reported), 1)
            for team in reported:
                rows += _variant_rows(data[data["team"] == team], reference=reference, comparison=comparison,
                                      team=team, outcomes=outcomes, n_boot=n_boot, seed=seed, ci=team_ci)
    return pd.DataFrame(rows)


def hidden_teams(study: VignetteStudy, *, min_group_size: int) -> list[str]:
    """The teams suppressed in the whole study: one decision per team for every table.

    A team is hidden when it has fewer than ``min_group_size`` employees in the decisions *or* (when
    the considerations survey names teams) among the respondents of the considerations survey.
    Suppressed in one table means suppressed everywhere, overall rows included.
    """
    spec = study.codebook.considerations
    frames = ([study.data] if study.has_teams else []) + (
        [study.considerations] if study.considerations is not None and spec is not None and spec.team else [])
    hidden: set[str] = set()
    while True:  # leaving out a hidden team's employees can leave another team too small (an employee
        out = hidden_employees(study, sorted(hidden))  # placed in different teams by the two files)
        small = set()
        for frame in frames:
            sizes = frame[~frame["employee"].isin(out)].groupby("team")["employee"].nunique()
            small |= set(sizes.index[sizes < min_group_size])
        if small <= hidden:
            return sorted(hidden)
        hidden |= small


def hidden_employees(study: VignetteStudy, hidden: list[str]) -> set[str]:
    """Every employee of a hidden team, by the decisions' team column or the considerations survey's."""
    out = set(study.data.loc[study.data["team"].isin(hidden), "employee"]) if study.has_teams else set()
    spec = study.codebook.considerations
    if study.considerations is not None and spec is not None and spec.team:
        out |= set(study.considerations.loc[study.considerations["team"].isin(hidden), "employee"])
    return out


def _complementary(rows: pd.DataFrame, *, min_group_size: int) -> pd.Series:
    """Per consideration, suppress further team cells until the suppressed cells hold at least
    ``min_group_size`` answers together, so no suppressed cell follows from the overall row by
    subtraction (the smallest shown cells are added first)."""
    suppressed = rows["suppressed"].copy()
    teams = rows[rows["team"] != "all"]
    for _item, cells in teams.groupby("consideration", sort=False):
        hidden = cells[cells["suppressed"]]
        if hidden.empty:
            continue
        total = int(hidden["n"].sum())
        for index, n in cells[~cells["suppressed"]]["n"].sort_values(kind="stable").items():
            if total >= min_group_size:
                break
            suppressed[index] = True
            total += int(n)
    return suppressed


def considerations_table(study: VignetteStudy, *, min_group_size: int,
                         hidden: list[str] | None = None) -> pd.DataFrame | None:
    """Share of employees weighing each consideration, with Wilson intervals, overall and per team.

    Respondents in a hidden team (:func:`hidden_teams`; by the considerations survey's own team
    column, or, with or without one, by the team the decisions place them in) are left out of every
    row, the overall rows included. A team cell with fewer than ``min_group_size`` answers is
    suppressed together with enough other cells that it cannot be found by subtraction.
    """
    frame = study.considerations
    if frame is None:
        return None
    spec = study.codebook.considerations
    hidden = hidden_teams(study, min_group_size=min_group_size) if hidden is None else hidden
    frame = frame[~frame["employee"].isin(hidden_employees(study, hidden))]
    groups = [("all", frame)] + ([(t, g) for t, g in frame.groupby("team", sort=True)] if spec.team else [])
    rows = []
    for team, group in groups:
        for item in spec.items:
            answers = group[item.column].dropna()
            n = len(answers)
            share = float(answers.mean()) if n else np.nan
            low, high = wilson_interval(share, n) if n else (np.nan, np.nan)
            rows.append({"consideration": item.column, "kind": item.kind, "team": team, "n": n, "share": share,
                         "ci_low": float(low), "ci_high": float(high), "suppressed": n < min_group_size})
    table = pd.DataFrame(rows)
    table["suppressed"] = _complementary(table, min_group_size=min_group_size)
    table.loc[table["suppressed"], ["n", "share", "ci_low", "ci_high"]] = np.nan
    return table


def departure_distribution(employees: pd.DataFrame, *, min_group_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """How many employees depart from the majority how often, in bands of whole 10-percentage-point bins.

    Adjacent bins are joined, from 0% upwards, until a band holds at least ``min_group_size``
    employees; a last band short of that joins the band before it. So no band is as small as one
    person (who could be recognised by colleagues), and the bands still add up to everyone. Fewer
    than ``min_group_size`` employees in all: one band of everyone.
    """
    edges = np.round(np.arange(0, 1.01, 0.1), 10)
    shares = employees["departure_share"].dropna().to_numpy()
    counts, _ = np.histogram(shares, bins=edges)
    bands: list[list[float]] = []  # [low, high, n]
    start, total = 0, 0
    for i, count in enumerate(counts):
        total += int(count)
        if total >= min_group_size:
            bands.append([edges[start], edges[i + 1], total])
            start, total = i + 1, 0
    if start < len(counts):  # the bins after the last full band hold fewer than min_group_size
        if bands:
            bands[-1][1], bands[-1][2] = edges[-1], bands[-1][2] + total
        else:
            bands.append([edges[start], edges[-1], total])
    return pd.DataFrame(bands, columns=["departure_low", "departure_high", "n_employees"]).astype(
        {"departure_low": float, "departure_high": float, "n_employees": int})


def analyse(study: VignetteStudy, *, min_group_size: int = MIN_GROUP_SIZE, n_boot: int = 1000, seed: int | None = None,
            employee_tables: bool = False, labels: Mapping[str, Any] | None = None) -> ConsistencyResults:
    """Run the consistency analysis of a vignette study.

    Parameters
    ----------
    study : VignetteStudy
        From :func:`clientvalue.data.vignettes.load_vignette_study`.
    min_group_size : int
        Teams with fewer employees are suppressed; their employees are left out of every number.
    n_boot : int
        Bootstrap replicates (and at least 199 permutations for the tests).
    seed : int, optional
    employee_tables : bool
        Return the pseudonymous per-employee table (for analysts; never shown in HTML).
    labels : mapping, optional
        Labels from the codebook in the report's language (``variant``, ``differs``, ``decision``),
        copied into the findings of a variant effect (see
        :func:`~clientvalue.analyses.consistency_findings.consistency_findings`).

    Returns
    -------
    ConsistencyResults
        With ``findings`` decided once, in the page's reading order.
    """
    data = study.data
    hidden = hidden_teams(study, min_group_size=min_group_size)
    out = data["employee"].isin(hidden_employees(study, hidden))
    left_out = int(data.loc[out, "employee"].nunique())
    data = data[~out]
    reported = sorted(set(data["team"]) - set(hidden)) if study.has_teams else []
    if data["employee"].nunique() < max(2, min_group_size if not study.has_teams else 2):
        raise AnalysisError(
            f"vignette study {study.path}: only {data['employee'].nunique()} employees remain after leaving out "
            f"teams below the minimum group size {min_group_size}; nothing can be published.")
    per_vignette = data.groupby("vignette")["employee"].nunique()
    data = data[data["vignette"].isin(per_vignette.index[per_vignette >= 2])]
    coded = ag.code_judgements(data, rater="employee", unit="vignette", value="decision", categories=study.categories)
    level = study.level
    positions = np.arange(len(study.categories), dtype=float) if level == "ordinal" else None
    agreement = agreement_table(coded, level=level, n_boot=n_boot, seed=seed)
    vignettes = classify_cases(ag.vignette_agreement(coded, n_boot=n_boot, seed=seed))
    employees = ag.departures_from_majority(coded, positions=positions)
    team_of = data.drop_duplicates("employee").set_index("employee")["team"]
    employees.insert(1, "team", team_of.reindex(employees["employee"]).to_numpy())
    teams = None
    if study.has_teams:
        teams = _team_table(study, coded, employees["team"].to_numpy(), level=level, n_boot=n_boot, seed=seed,
                            positions=positions, reported=reported, hidden=hidden)
    variants = None
    if study.codebook.variants is not None:
        variants = variant_table(study, data, reported=reported, hidden=hidden, n_boot=n_boot, seed=seed)
    considerations = considerations_table(study, min_group_size=min_group_size, hidden=hidden)
    results = ConsistencyResults(
        agreement=agreement, vignettes=vignettes, teams=teams, departures=departure_distribution(employees, min_group_size=min_group_size),
        variants=variants, considerations=considerations, employees=employees if employee_tables else None,
        categories=study.categories, level=level, min_group_size=min_group_size,
        n_employees=len(coded.raters), n_left_out=left_out, suppressed_teams=len(hidden),
    )
    results.findings = consistency_findings(results, employees, labels=labels)
    return results
