"""Notebook 10's findings: what a :class:`~clientvalue.analyses.drivers.DriverResults` shows, in findings.

Split from :mod:`clientvalue.analyses.drivers`, which runs the analysis and re-exports
:func:`driver_findings`, :func:`save_findings`, :data:`NOT_ASSESSED` and :data:`FACTOR_CAUTION_SHARE`.
:func:`driver_findings` decides the page's :class:`clientvalue.findings.Finding` objects once (value
profile and strategy per group, questions important and below par, questions below the scale's
midpoint, a caution on the dimensions, suppressed groups); report/drivers_text.py and the summary
word them. :func:`save_findings` writes them to ``findings/<name>.json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientvalue.analyses import registry
from clientvalue.findings import Finding

if TYPE_CHECKING:  # for the annotations only: drivers imports this module to run and re-export it
    from clientvalue.analyses.drivers import DriverResults


NOT_ASSESSED = "not assessed"  # the strategy rule needs practical and emotional items
#: From this share of flagged questions (and at least two) the key findings warn that the
#: practical/emotional split should be read with care (finding ``dimension_caution``).
FACTOR_CAUTION_SHARE = 0.25


def _profile_findings(results: DriverResults) -> list[Finding]:
    out = []
    for row in results.profile.itertuples(index=False):
        advice = results.strategies.get(row.group)
        base = {"group": str(row.group)}
        out.append(Finding(
            kind="value_profile", subject=base,
            numbers={"n": row.n, "r2": row.r2, "practical_share": row.practical_share,
                     "emotional_share": row.emotional_share},
            uncertainty={"practical_ci_low": row.practical_ci_low, "practical_ci_high": row.practical_ci_high,
                         "emotional_ci_low": row.emotional_ci_low, "emotional_ci_high": row.emotional_ci_high},
            severity=0, priority=1.2 if row.group == "all" else 1.0))
        out.append(Finding(
            kind="strategy", subject=base | {"strategy": advice.strategy if advice else NOT_ASSESSED,
                                             "segment_by": str(row.segment_by or "")},
            numbers={"practical_share": row.practical_share, "emotional_share": row.emotional_share,
                     "segment_difference": row.segment_difference},
            uncertainty={"segment_p_value": row.segment_p_value}, severity=1 if advice else 0,
            priority=1.1 if row.group == "all" else 0.9))
    return out


def _item_findings(results: DriverResults) -> list[Finding]:
    """Two different things, kept apart: *important and below par* (the "concentrate here" quadrant of
    page 10; ``clear`` when the intervals confirm it) and *below the scale's midpoint*."""
    out = []
    for row in results.drivers.itertuples(index=False):
        subject = {"group": str(row.group), "item": str(row.item), "label": str(row.label),
                   "dimension": str(row.dimension), "quadrant": str(row.quadrant)}
        numbers = {"share": row.share, "performance": row.performance, "improvement_score": row.improvement_score}
        uncertainty = {"share_ci_low": row.share_ci_low, "share_ci_high": row.share_ci_high,
                       "performance_se": row.performance_se}
        below = bool(row.performance < results.red_floor)
        if row.quadrant == "concentrate_here":
            clear = bool(row.in_red)  # the intervals confirm it (or it is under the midpoint as well)
            out.append(Finding(kind="important_below_par", subject=subject | {"clear": "yes" if clear else "no"},
                               numbers=numbers, uncertainty=uncertainty, severity=2 if clear else 1,
                               priority=2.0 + float(row.improvement_score)))
        if below:
            out.append(Finding(kind="below_midpoint", subject=subject, numbers=numbers | {"floor": results.red_floor},
                               uncertainty=uncertainty, severity=2, priority=1.9 + float(row.improvement_score)))
    return out


def driver_findings(results: DriverResults) -> list[Finding]:
    """Notebook 10's findings, language-free: value profile and strategy per group, questions that are
    important and below par, questions below the scale's midpoint, a caution on the dimensions.

    Every page (10 and the summary) words these; none decides them again.
    """
    out = _profile_findings(results) + _item_findings(results)
    if not results.factors.empty and "flag" in results.factors.columns:
        flagged, total = int(results.factors["flag"].astype(bool).sum()), len(results.factors)
        if flagged:
            strong = flagged >= max(2, FACTOR_CAUTION_SHARE * total)
            out.append(Finding(kind="dimension_caution", subject={"strength": "strong" if strong else "mild"},
                               numbers={"flagged": flagged, "items": total}, severity=1, priority=0.5))
    if results.n_suppressed:
        out.append(Finding(kind="groups_suppressed", numbers={"count": results.n_suppressed,
                                                              "min_group_size": results.min_group_size}))
    return out


def save_findings(results: DriverResults, *, tables_dir: str, name: str = registry.DRIVERS.name):
    """Write the findings to ``findings/<name>.json`` beside ``tables_dir`` (nothing without ``tables_dir``)."""
    from clientvalue.findings import save_notebook_findings

    return save_notebook_findings(results.findings, tables_dir=tables_dir, name=name)
