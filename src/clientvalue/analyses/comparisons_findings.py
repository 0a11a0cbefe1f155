"""Notebook 50's findings: what a :class:`~clientvalue.analyses.comparisons.ComparisonsResult` shows, in findings.

Split from :mod:`clientvalue.analyses.comparisons`, which runs the analysis and re-exports
:func:`with_findings`, :func:`save_findings` and :data:`RELIABILITY_THRESHOLD`. :func:`with_findings`
decides the page's :class:`clientvalue.findings.Finding` objects once, kind by kind (the outcome's
level and clear changes over the waves, progress of the questions in the red, shifts of the
practical share, units above or below the rest and their reliability, the benchmark);
report/comparisons_text.py and the summary word them. :func:`save_findings` writes them to
``findings/<name>.json``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd

from clientvalue.analyses import registry
from clientvalue.disclosure import ALL_GROUP as ALL
from clientvalue.findings import Finding

if TYPE_CHECKING:  # for the annotations only: comparisons imports this module to run and re-export it
    from clientvalue.analyses.comparisons import ComparisonsResult

RELIABILITY_THRESHOLD = 0.7  # Zaslavsky (2001); Paddison et al. (2012)


def _level_findings(result: ComparisonsResult, changes: pd.DataFrame) -> list[Finding]:
    """The outcome's level in the current wave, per group (with last wave's mean when known, and the
    wave its change to now is measured from: ``change_from_wave``, from ``changes``, the result's
    :func:`_changes_to_now`)."""
    findings: list[Finding] = []
    current = result.waves[-1]
    lev = result.levels
    spans = {row.group: str(row.from_wave) for row in changes.itertuples(index=False)}
    if result.outcome is not None and not lev.empty:
        now = lev[(lev["question"] == result.outcome) & (lev["wave"] == current)]
        previous = result.waves[-2] if len(result.waves) > 1 else None
        before = lev[(lev["question"] == result.outcome) & (lev["wave"] == previous)].set_index("group")["mean"] \
            if previous is not None else pd.Series(dtype=float)
        for row in now.itertuples(index=False):
            last = {"previous_mean": before[row.group]} if row.group in before.index else {}  # for "7.4 (7.2 last time)"
            findings.append(Finding(
                kind="level", subject={"group": row.group, "question": row.question, "wave": row.wave,
                                       **({"previous_wave": str(previous)} if last else {}),
                                       # the wave_change findings compare the current wave with the first
                                       **({"first_wave": str(result.waves[0])} if len(result.waves) > 1 else {}),
                                       # its change to now, clear or not, is from this wave (none: no change)
                                       **({"change_from_wave": spans[row.group]} if row.group in spans else {})},
                numbers={"mean": row.mean, "share_satisfied": row.share_satisfied, "n": row.n,
                         "satisfied_from": row.satisfied_from, **last},
                uncertainty={"ci_low": row.ci_low, "ci_high": row.ci_high, "share_ci_low": row.share_ci_low,
                             "share_ci_high": row.share_ci_high},
                severity=0, priority=3.0 if row.group == ALL else 2.0))
    return findings


def _change_evidence(row) -> dict[str, dict]:
    """A change row's ``numbers`` and ``uncertainty`` (the change, its interval and p-value) for a Finding."""
    return {"numbers": {"change": row.change},
            "uncertainty": {"ci_low": row.ci_low, "ci_high": row.ci_high, "p_value": row.p_value}}


def _changes_to_now(result: ComparisonsResult) -> pd.DataFrame:
    """Each group's change of the outcome up to the current wave (clear or not), over the widest span
    it has: from the first wave when the group was measured then, else from the earliest wave after
    it (a service new since then, or a first level too small to show). A group without a level in
    the current wave has no change to now, and so no row."""
    ch = result.wave_changes
    if result.outcome is None or ch.empty:
        return pd.DataFrame(columns=["group", "from_wave"])
    order = {str(w): i for i, w in enumerate(result.waves)}
    now = ch[(ch["question"] == result.outcome) & (ch["to_wave"].astype(str) == str(result.waves[-1]))]
    since = now["from_wave"].astype(str).map(order)
    return now.loc[since.groupby(now["group"], sort=False).idxmin()] if len(now) else now


def _wave_change_findings(result: ComparisonsResult, last: pd.DataFrame) -> list[Finding]:
    """The outcome's clear changes up to the current wave, each group's over the widest span it has
    (``last``, the result's :func:`_changes_to_now`); ``from_wave`` says from when."""
    findings: list[Finding] = []
    if len(last):
        for row in last.itertuples(index=False):
            if row.flag == "similar":
                continue
            findings.append(Finding(
                kind="wave_change", subject={"group": row.group, "question": row.question, "from_wave": row.from_wave,
                                             "to_wave": row.to_wave, "direction": row.flag},
                **_change_evidence(row), severity=2 if row.flag == "declined" else 1, priority=2.5 + abs(row.change)))
    return findings


def _red_item_findings(result: ComparisonsResult) -> list[Finding]:
    """Whether the questions in the red last time improved by the current wave."""
    findings: list[Finding] = []
    current = result.waves[-1]
    for row in result.red_items.itertuples(index=False):
        if row.to_wave != current:  # the question is whether what was in the red last time improved
            continue
        findings.append(Finding(
            kind="red_item_progress", subject={"group": row.group, "question": row.question, "red_wave": row.red_wave,
                                               "to_wave": row.to_wave, "direction": row.flag},
            **_change_evidence(row), severity=2 if row.flag != "improved" else 1, priority=2.2))
    return findings


def _driver_shift_findings(result: ComparisonsResult) -> list[Finding]:
    """Clear shifts of the practical share from the first to the current wave, per group."""
    findings: list[Finding] = []
    current = result.waves[-1]
    vc = result.value_changes
    if not vc.empty:
        span = vc[(vc["from_wave"] == result.waves[0]) & (vc["to_wave"] == current)]  # the widest span
        shares = result.value_over_waves.set_index(["group", "wave"])["practical_share"]
        for row in span.itertuples(index=False):
            if row.flag == "similar":
                continue
            findings.append(Finding(
                kind="driver_shift", subject={"group": row.group, "from_wave": row.from_wave, "to_wave": row.to_wave,
                                              "direction": row.flag},
                numbers={"change": row.change, "practical_from": shares[(row.group, row.from_wave)],
                         "practical_to": shares[(row.group, row.to_wave)]},
                uncertainty={"ci_low": row.ci_low, "ci_high": row.ci_high}, severity=2,
                priority=2.4 + abs(row.change)))
    return findings


def _unit_findings(result: ComparisonsResult) -> list[Finding]:
    """Units above or below the rest after case-mix adjustment, and units whose raw position case mix explains."""
    findings: list[Finding] = []
    units = result.units
    uq = result.unit_questions
    for row in units.itertuples(index=False):
        standout = uq[(uq["unit"] == row.unit) & (uq["position_95"] == row.position)]["question"].tolist() \
            if row.position != "within" else []
        base = {"unit": row.unit}
        nums = {"adjusted_mean": row.adjusted_mean, "case_mix_mean": row.case_mix_mean, "raw_mean": row.raw_mean,
                "n": row.n, "reliability": row.reliability, "reference": result.unit_model["reference"]}
        unc = {"ci_low": row.ci_low, "ci_high": row.ci_high}
        if row.position in ("above", "below"):
            findings.append(Finding(kind=f"unit_{row.position}",
                                    subject=base | {"questions": ";".join(standout),
                                                    "raw_position": row.raw_position},
                                    numbers=nums, uncertainty=unc, severity=1 if row.position == "above" else 2,
                                    priority=2.3))
        elif row.raw_position != "within":
            findings.append(Finding(kind="unit_case_mix_explains",
                                    subject=base | {"raw_position": row.raw_position},
                                    numbers=nums, uncertainty=unc, severity=1, priority=2.1))
    return findings


def _unit_reliability_findings(result: ComparisonsResult) -> list[Finding]:
    """One finding naming the units whose means are not reliable enough to compare (none when all are)."""
    units = result.units
    low = units[units["reliability"] < RELIABILITY_THRESHOLD]
    if not len(low):
        return []
    return [Finding(kind="unit_reliability",
                    subject={"units": ";".join(low["unit"])},
                    numbers={"n_units": len(low), "threshold": RELIABILITY_THRESHOLD,
                             "icc": result.unit_model["icc"],
                             "min_reliability": float(low["reliability"].min())},
                    severity=1, priority=1.5)]


def _benchmark_findings(result: ComparisonsResult) -> list[Finding]:
    """Questions clearly above or below the reference file's mean."""
    findings: list[Finding] = []
    for row in result.benchmark.itertuples(index=False):
        if row.flag == "similar":
            continue
        findings.append(Finding(kind="benchmark", subject={"question": row.question, "direction": row.flag},
                                numbers={"own_mean": row.own_mean, "reference_mean": row.reference_mean,
                                         "difference": row.difference},
                                uncertainty={"ci_low": row.ci_low, "ci_high": row.ci_high, "p_value": row.p_value},
                                severity=2 if row.flag == "below" else 1, priority=1.8))
    return findings


def with_findings(result: ComparisonsResult) -> ComparisonsResult:
    """The result with its findings, step by step: levels, wave changes, red items, driver shifts, units, benchmark."""
    changes = _changes_to_now(result)  # decided once: the level findings and the change findings share it
    findings = (_level_findings(result, changes) + _wave_change_findings(result, changes) + _red_item_findings(result)
                + _driver_shift_findings(result))
    if not result.units.empty:
        findings += _unit_findings(result) + _unit_reliability_findings(result)
    findings += _benchmark_findings(result)
    return replace(result, findings=findings)


def save_findings(result: ComparisonsResult, *, tables_dir: str, name: str = registry.COMPARISONS.name):
    """Write the findings to ``findings/<name>.json`` beside ``tables_dir`` (nothing without ``tables_dir``).

    Returns the path written, or None.
    """
    from clientvalue.findings import save_notebook_findings

    return save_notebook_findings(result.findings, tables_dir=tables_dir, name=name)
