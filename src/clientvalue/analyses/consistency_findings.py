"""Notebook 40's findings: what a :class:`~clientvalue.analyses.consistency.ConsistencyResults` shows, in findings.

Split from :mod:`clientvalue.analyses.consistency`, which runs the analysis and re-exports
:func:`consistency_findings`, :func:`save_findings`, :func:`departing_often` and :data:`CASE_CLASSES`.
:func:`consistency_findings` decides the page's :class:`clientvalue.findings.Finding` objects once, in
reading order: the verdict and Krippendorff's alpha (with the nominal value beside an ordinal one),
clear, minority and split cases (naming the split ones), how far employees depart from their
colleagues, the teams that decide differently, the effect of a version of a case, what employees
weigh, and the suppressed teams. report/consistency_text.py words them on the page and the summary;
:func:`save_findings` writes the same findings to ``findings/<name>.json`` (in its stable order).

Lists of codes (cases, teams, versions) are JSON lists in a subject value, so that no code can split
another. The findings hold codes, never words; only the variant effects carry the codebook's labels
the notebook passes (``labels``), so that the summary can name the versions without the codebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from clientvalue.analyses import registry
from clientvalue.defaults import MIN_GROUP_SIZE
from clientvalue.findings import Finding, encode_names

if TYPE_CHECKING:  # for the annotations only: consistency imports this module to run and re-export it
    from clientvalue.analyses.consistency import ConsistencyResults

#: The classes of a case (see :func:`clientvalue.analyses.consistency.classify_cases`), in counting order.
CASE_CLASSES = ("clear", "minority", "split")
#: The kinds of consideration whose most weighed item the findings name, in reading order.
CONSIDERATION_KINDS = ("rules", "equality", "own_judgement")
#: Krippendorff's reading of alpha -> the verdict of the page.
VERDICTS = {"reliable": "consistent", "tentative": "mixed"}


def departing_often(employees: pd.DataFrame, *, min_group_size: int = MIN_GROUP_SIZE) -> dict:
    """How many employees depart from their colleagues' majority in more than half of their cases.

    The share is published only when it reveals no group below ``min_group_size``: when nobody or
    everybody departs that often, or when both those who do and those who do not are at least
    ``min_group_size`` employees. Otherwise the finding says "fewer than ``min_group_size``"
    (``"few"``) or "all but fewer than ``min_group_size``" (``"nearly_all"``), and the share is ``None``.

    Returns
    -------
    dict
        ``departing_often`` (``"share"``, ``"few"`` or ``"nearly_all"``) and ``share_departing_often``.
    """
    shares = employees["departure_share"].dropna()
    count, n = int((shares > 0.5).sum()), len(shares)
    if count in (0, n) or min(count, n - count) >= min_group_size:
        return {"departing_often": "share", "share_departing_often": count / n if n else float("nan")}
    return {"departing_often": "few" if count < min_group_size else "nearly_all", "share_departing_often": None}


def _agreement_findings(agreement: pd.DataFrame, level: str) -> list[Finding]:
    """The verdict with alpha at the declared level and, beside an ordinal one, the nominal alpha."""
    alphas = agreement[agreement["measure"] == "krippendorff_alpha"]
    main = alphas[alphas["level"] == level].iloc[0]
    verdict = VERDICTS.get(str(main["reading"]), "arbitrary")
    nominal = alphas[alphas["level"] == "nominal"] if level != "nominal" else alphas.iloc[:0]
    out = [Finding(kind="agreement", subject={"verdict": verdict, "level": level},
                   numbers={"alpha": float(main["value"]), "n_employees": int(main["n_raters"]),
                            "n_cases": int(main["n_vignettes"]),
                            **({"nominal_alpha": float(nominal["value"].iloc[0])} if len(nominal) else {})},
                   uncertainty={"ci_low": float(main["ci_low"]), "ci_high": float(main["ci_high"])},
                   severity={"consistent": 0, "mixed": 2}.get(verdict, 3), priority=2.0)]
    if len(nominal):  # every different decision counts: its reading belongs beside the ordinal verdict
        out.append(Finding(kind="nominal_agreement", subject={"reading": str(nominal["reading"].iloc[0])},
                           numbers={"alpha": float(nominal["value"].iloc[0])}, priority=1.95))
    return out


def _case_findings(vignettes: pd.DataFrame) -> list[Finding]:
    """How many cases are clear, minority or split, and which cases split the employees."""
    counts = {c: int((vignettes["agreement_class"] == c).sum()) for c in CASE_CLASSES}
    out = [Finding(kind="case_classes", numbers={**counts, "n": sum(counts.values())},
                   severity=2 if counts["split"] else 0, priority=1.9)]
    split = vignettes.loc[vignettes["agreement_class"] == "split", "vignette"]
    if len(split):  # split cases first in the table, in its order
        out.append(Finding(kind="split_cases", subject={"vignettes": encode_names(split)},
                           numbers={"count": len(split)}, severity=2, priority=1.85))
    return out


def _departure_finding(employees: pd.DataFrame, min_group_size: int) -> Finding:
    """How far half of the employees depart from the majority, and how many often do."""
    often = departing_often(employees, min_group_size=min_group_size)
    share = often["share_departing_often"]
    return Finding(kind="departure_from_majority", subject={"departing_often": often["departing_often"]},
                   numbers={"median_share": float(employees["departure_share"].median()),
                            "often_share": np.nan if share is None else float(share),
                            "min_group_size": min_group_size}, priority=1.7)


def _direction(shift: float) -> str:
    """``harsher`` or ``milder`` by the sign of the team's shift; ``differently`` without one (a nominal
    scale, or a team that differs without deciding harsher or milder on average)."""
    if not np.isfinite(shift) or shift == 0:
        return "differently"
    return "harsher" if shift > 0 else "milder"


def _team_findings(teams: pd.DataFrame) -> list[Finding]:
    """Whether teams decide the same cases differently, and each team that does (harsher or milder)."""
    shown = teams[~teams["suppressed"]]
    differing = shown[shown["differs"]]
    n_teams = int(shown.loc[shown["team"] != "all", "team"].nunique()) if "team" in shown else len(shown)
    out = [Finding(kind="teams_differ", subject={"teams": encode_names(differing["team"])},
                   numbers={"differing": len(differing), "teams": n_teams},
                   severity=2 if len(differing) else 0, priority=1.8)]
    for r in differing.itertuples(index=False):
        shift = float(r.shift) if pd.notna(r.shift) else np.nan
        out.append(Finding(kind="differing_team", subject={"team": str(r.team), "direction": _direction(shift)},
                           numbers={"shift": shift, "distance": float(r.distance)},
                           uncertainty={"p_value": r.p_value, "shift_p_value": r.shift_p_value},
                           severity=2, priority=1.75))
    return out


def decision_role(decision: str, *, categories: list[str], level: str) -> str:
    """``"harshest"`` when ``decision`` is the last category of an ordinal scale, ``"named"`` for
    any other decision (a ``focus`` from the codebook, or any decision of a nominal scale), and
    ``""`` for no decision (the mean position concerns the whole scale)."""
    if not decision:
        return ""
    return "harshest" if level == "ordinal" and categories and str(categories[-1]) == decision else "named"


def _variant_effect(r: Any, labels: Mapping[str, Any], categories: list[str], level: str) -> Finding:
    """One flagged difference between versions (a team or all employees, one version and outcome).

    ``decision_label`` names the decision of a ``rate_<decision>`` outcome and ``decision_role``
    says whether it is the harshest of an ordinal scale (see :func:`decision_role`); both are empty
    for ``mean_position``, which concerns the whole decision scale, not one decision.
    """
    versions, decisions = labels.get("variant", {}), labels.get("decision", {})
    outcome = str(r.outcome)
    decision = outcome[len("rate_"):] if outcome.startswith("rate_") else ""
    # a randomised comparison is the clearest evidence; the rate of a decision is the plainest to state
    return Finding(
        kind="variant_effect",
        subject={"team": str(r.team), "variant": str(r.variant), "reference": str(r.reference),
                 "outcome": outcome, "variant_label": versions.get(str(r.variant), str(r.variant)),
                 "reference_label": versions.get(str(r.reference), str(r.reference)),
                 "differs": labels.get("differs", ""), "decision_label": decisions.get(decision, decision),
                 "decision_role": decision_role(decision, categories=categories, level=level)},
        numbers={"effect": r.effect, "mean_variant": r.mean_variant, "mean_reference": r.mean_reference,
                 "n_employees": r.n_employees},
        uncertainty={"ci_low": r.ci_low, "ci_high": r.ci_high, "ci_level": r.ci_level, "p_value": r.p_value},
        severity=3, priority=(4.5 if outcome.startswith("rate_") else 4.0) + abs(float(r.effect)))


def _variant_findings(variants: pd.DataFrame, labels: Mapping[str, Any], categories: list[str],
                      level: str) -> list[Finding]:
    """The versions compared (and with which, on which outcomes: ``scale`` 1 when the mean position, the
    rate's ``decision_label`` and ``decision_role``), then every flagged difference, in the table's order."""
    flagged = variants[variants["flagged"] & ~variants["suppressed"]]
    versions = sorted({str(v) for v in variants["variant"]})
    outcomes = {str(o) for o in variants["outcome"]}
    rates = sorted(o[len("rate_"):] for o in outcomes if o.startswith("rate_"))
    decision = rates[0] if rates else ""
    out = [Finding(kind="variant_comparison",
                   subject={"reference": str(variants["reference"].iloc[0]), "versions": encode_names(versions),
                            "decision_label": labels.get("decision", {}).get(decision, decision),
                            "decision_role": decision_role(decision, categories=categories, level=level)},
                   numbers={"versions": len(versions), "flagged": len(flagged),
                            "scale": float("mean_position" in outcomes)},
                   severity=3 if len(flagged) else 0, priority=1.6)]
    return out + [_variant_effect(r, labels, categories, level) for r in flagged.itertuples(index=False)]


def _consideration_findings(considerations: pd.DataFrame) -> list[Finding]:
    """Per kind of consideration (rules, equality, own judgement), the one most employees weigh."""
    overall = considerations[considerations["team"] == "all"]
    out = []
    for kind in CONSIDERATION_KINDS:
        part = overall[(overall["kind"] == kind) & overall["share"].notna()]
        if len(part):
            best = part.loc[part["share"].idxmax()]
            out.append(Finding(kind="consideration_weighed",
                               subject={"consideration": str(best["consideration"]), "category": kind},
                               numbers={"share": float(best["share"])},
                               uncertainty={"ci_low": float(best["ci_low"]), "ci_high": float(best["ci_high"])},
                               priority=1.0))
    return out


def consistency_findings(results: ConsistencyResults, employees: pd.DataFrame, *,
                         labels: Mapping[str, Any] | None = None) -> list[Finding]:
    """Notebook 40's findings, language-free, in the page's reading order.

    Parameters
    ----------
    results : ConsistencyResults
        The analysis's tables (already suppressed), its level, minimum group size and suppressed teams.
    employees : DataFrame
        Every reported employee's ``departure_share`` (the per-employee rows, never published).
    labels : mapping, optional
        Labels from the codebook in the report's language (``variant``: code -> label, ``differs``,
        ``decision``: code -> label), copied into the variant effects' subjects; codes without them.

    Returns
    -------
    list of Finding
        ``agreement``, ``nominal_agreement`` (beside an ordinal alpha), ``case_classes``,
        ``split_cases`` (when a case splits the employees), ``departure_from_majority``, then with
        teams ``teams_differ`` and one ``differing_team`` per team that differs, with versions of the
        cases ``variant_comparison`` and one ``variant_effect`` per flagged team, version and outcome,
        one ``consideration_weighed`` per kind of consideration, and ``teams_suppressed``.
    """
    out = _agreement_findings(results.agreement, results.level) + _case_findings(results.vignettes)
    out.append(_departure_finding(employees, results.min_group_size))
    if results.teams is not None:
        out += _team_findings(results.teams)
    if results.variants is not None and len(results.variants):
        out += _variant_findings(results.variants, labels or {}, [str(c) for c in results.categories], results.level)
    if results.considerations is not None:
        out += _consideration_findings(results.considerations)
    if results.suppressed_teams:
        out.append(Finding(kind="teams_suppressed", numbers={"count": results.suppressed_teams,
                                                             "min_group_size": results.min_group_size},
                           priority=0.5))
    return out


def save_findings(results: ConsistencyResults, *, tables_dir: str, name: str = registry.CONSISTENCY.name):
    """Write ``results.findings`` to ``findings/<name>.json`` beside ``tables_dir`` (nothing without it)."""
    from clientvalue.findings import save_notebook_findings

    return save_notebook_findings(results.findings, tables_dir=tables_dir, name=name)
