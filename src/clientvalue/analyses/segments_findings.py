"""Notebook 30's findings: what a :class:`~clientvalue.analyses.segments.SegmentResults` shows, decided once.

Split from :mod:`clientvalue.analyses.segments`, which runs the analysis and re-exports
:func:`findings` and :func:`save_findings`. :func:`findings` returns the page's language-free
:class:`clientvalue.findings.Finding` objects in reading order (client groups, how stable they are,
a card per shown group, whether the groups weigh value differently, possible proxies, possible
unequal treatment...); ``analyse`` keeps them in ``SegmentResults.findings``, the page
(``report/segments_text.py``) and the summary word that one list, and :func:`save_findings` writes
it to ``findings/<name>.json``. Names are copied from the codebook's labels in the report's language
(``*_label``), so a page can word them without the codebook; several names are one JSON list
(:func:`clientvalue.findings.encode_names`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from clientvalue.analyses import registry
from clientvalue.analyses.segments_audit import ALPHA, PROXY_THRESHOLD, AdjustedFor
from clientvalue.findings import Finding, encode_names
from clientvalue.stats import segments as seg

if TYPE_CHECKING:  # for the annotations only: segments imports this module to run and re-export it
    from clientvalue.analyses.segments import SegmentResults

#: A segment's card names the questions where its mean lies at least this far from the rest (in SD) ...
CARD_DIFFERENCE = 0.3
#: ... at most this many of them, the largest first.
CARD_ITEMS = 3
#: Assignment to the segments is clear from this relative entropy on (1: every respondent belongs to one
#: segment without doubt; 0.8 is the usual bar for latent profile models, Clark and Muthén 2009).
CLEAR_ENTROPY = 0.8
#: A segment whose practical (or emotional) share of the explained part reaches this asks above all for it.
VALUE_LEANING = 0.6


def findings(results: SegmentResults, *, proxy_threshold: float = PROXY_THRESHOLD) -> list[Finding]:
    """Notebook 30's findings, language-free, in the page's reading order (nothing when no groups were formed).

    ``segments`` (how many client groups, how many stable), ``segment_stability``, a ``segment_card``
    per shown segment, ``persona_agreement``, ``no_protected``, ``segment_value_difference`` (whether
    the client groups weigh practical and emotional value differently: this page's own evidence) or
    ``segment_value_not_assessed``, ``strategy_decided_elsewhere`` (the strategy for all respondents
    is decided once, by notebook 10), ``proxy`` or ``no_proxy``, and ``treatment_flag`` (possible
    unequal treatment, once per treatment and attribute) and ``treatment_ok``.
    """
    if results.error:  # no client groups could be formed: nothing was decided
        return []
    out = _segment_findings(results)
    if results.personas is not None and results.ari is not None:
        out.append(Finding(kind="persona_agreement", numbers={"ari": results.ari}))
    if "no_protected" in results.notes:
        out.append(Finding(kind="no_protected", severity=1))
    out += _value_findings(results)
    out += _proxy_findings(results, proxy_threshold)
    if results.fairness_treatments is not None:
        out += _treatment_findings(results, results.fairness_treatments)
    return out


def _segment_findings(results: SegmentResults) -> list[Finding]:
    """How many segments, how stable, and a card for each shown segment."""
    fit = results.fit.set_index("k")
    stab = results.stability  # shown segments only: a suppressed segment's stability is not published
    hidden = int(results.sizes["suppressed"].sum())
    entropy = float(fit.at[results.k, "entropy"])
    out = [Finding(kind="segments", subject={"assignment": "clear" if entropy >= CLEAR_ENTROPY else "unclear"},
                   numbers={"k": results.k, "n": results.n, **stability_counts(stab), "hidden": hidden,
                            "entropy": entropy, "clear_from": CLEAR_ENTROPY,
                            "smallest": float(fit.at[results.k, "smallest_share"])},
                   priority=1.0)]
    if len(stab):
        out.append(_stability_finding(stab, hidden))
    shown = results.sizes.loc[~results.sizes["suppressed"]]
    value = results.value.set_index("segment") if results.value is not None else pd.DataFrame()
    out += [_card(results, int(s), float(share), value) for s, share in zip(shown["segment"], shown["share"])]
    return out


def stability_counts(stab: pd.DataFrame) -> dict[str, int]:
    """How many shown segments are ``stable``, ``doubtful`` (come back only partly) and ``unstable``, by
    the stability table's own verdict (a segment without one counts in none), and how many are ``shown``."""
    verdicts = stab["stability"].value_counts() if len(stab) else pd.Series(dtype=int)
    return {"shown": len(stab), **{v: int(verdicts.get(v, 0)) for v in ("stable", "doubtful", "unstable")}}


def _stability_finding(stab: pd.DataFrame, hidden: int = 0) -> Finding:
    """Which shown segments do not come back when the data are resampled (unstable) or only partly
    (doubtful), and how many segments are not shown (``hidden``: their stability is not published)."""
    unstable = [int(s) for s in stab.loc[stab["stability"] == "unstable", "segment"]]
    doubtful = [int(s) for s in stab.loc[stab["stability"] == "doubtful", "segment"]]
    return Finding(kind="segment_stability", subject={"unstable": encode_names(unstable),
                                                      "doubtful": encode_names(doubtful)},
                   numbers={"min_jaccard": float(stab["jaccard"].min()), "stable_from": seg.STABLE,
                            "unstable_below": seg.UNSTABLE, "hidden": hidden},
                   severity=2 if unstable else 1 if doubtful else 0)


def _card(results: SegmentResults, segment: int, share: float, value: pd.DataFrame) -> Finding:
    """One shown segment: its ``share``, its persona, what it needs more or less, and what it asks of the
    service (from its row of ``value``, the value table by segment, when it has one)."""
    prof = results.profile[results.profile["segment"] == segment].sort_values("rank")
    top = prof[prof["difference"].abs() >= CARD_DIFFERENCE].head(CARD_ITEMS)
    match = results.persona_match.get(int(segment))
    subject = {"segment": str(int(segment)), "persona": match[0] if match else "",
               "higher": encode_names(top.loc[top["difference"] > 0, "label"]),
               "lower": encode_names(top.loc[top["difference"] < 0, "label"]), "asks": ""}
    numbers = {"share": share, "persona_share": match[1] if match else float("nan")}
    if segment in value.index:
        v = value.loc[segment]
        numbers |= {key: float(v[key]) for key in ("r2", "practical_share", "practical_ci_low", "practical_ci_high",
                                                   "emotional_share")}
        subject["asks"] = ("performance" if v["practical_share"] >= VALUE_LEANING
                           else "experience" if v["emotional_share"] >= VALUE_LEANING else "both")
    return Finding(kind="segment_card", subject=subject, numbers=numbers)


def _value_findings(results: SegmentResults) -> list[Finding]:
    """Whether the client groups weigh practical and emotional value differently (this page's evidence only)."""
    c = results.customisation
    if c is None:
        return [Finding(kind="segment_value_not_assessed")]
    differs = c["p_value"] < ALPHA
    out = [Finding(kind="segment_value_difference", subject={"verdict": "differs" if differs else "similar"},
                   numbers={"difference": c["difference"]}, uncertainty={"p_value": c["p_value"]},
                   severity=1 if differs else 0, priority=1.1)]
    if results.strategy is not None:
        out.append(Finding(kind="strategy_decided_elsewhere"))
    return out


def _label_of(results: SegmentResults, key) -> str:
    return str(results.labels.get(key, key)) if key is not None else ""


def _proxy_findings(results: SegmentResults, threshold: float) -> list[Finding]:
    """Each segment solution, attribute or question that goes with a protected characteristic, or none."""
    flagged = results.fairness_segments[results.fairness_segments["flag"]]
    out = [Finding(kind="proxy", subject={"source": str(row.source), "attribute": str(row.attribute),
                                          "source_label": _label_of(results, row.source),
                                          "attribute_label": _label_of(results, row.attribute)},
                   numbers={"v": row.cramers_v, "gain": row.predictive_gain, "threshold": threshold},
                   severity=2, priority=2.5 + row.cramers_v)
           for row in flagged.itertuples(index=False)]
    if out or results.fairness_segments.empty:  # nothing compared (no protected attribute): no claim either way
        return out
    return [Finding(kind="no_proxy", numbers={"threshold": threshold})]


def _treatment_findings(results: SegmentResults, ft: pd.DataFrame) -> list[Finding]:
    """Each flagged category with its evidence, then the treatments without a flag.

    An attribute with two categories is one comparison: its second row is the first seen from the
    other side (the audit mirrors it), so only the first is a finding. With three or more categories
    each is compared with the rest on its own, and each flagged one is a finding.
    """
    out: list[Finding] = []
    adjusted = results.adjusted_for or AdjustedFor()
    categories = ft.groupby(["treatment", "attribute"]).size()
    seen: set[tuple[str, str]] = set()
    for row in ft[ft["flag"]].itertuples(index=False):
        pair = (row.treatment, row.attribute)
        if pair in seen and categories[pair] == 2:  # the mirror image of the first
            continue
        seen.add(pair)
        out.append(_treatment_flag(results, row, adjusted))
    clean = sorted(set(ft["treatment"]) - set(ft.loc[ft["flag"], "treatment"]))
    if clean:
        out.append(Finding(kind="treatment_ok", subject={"treatments": encode_names(clean),
                                                         "treatment_labels": encode_names(_label_of(results, t)
                                                                                    for t in clean)}))
    return out


def _treatment_flag(results: SegmentResults, row: Any, adjusted: AdjustedFor) -> Finding:
    keys = [str(k) for k in adjusted.attributes]
    carried = None if pd.isna(row.carried_by) else row.carried_by
    return Finding(
        kind="treatment_flag",
        subject={"treatment": str(row.treatment), "attribute": str(row.attribute),
                 "category": str(row.category), "carried_by": str(carried or ""),
                 "separation": "yes" if row.separation else "no",
                 "adjusted_for_attributes": encode_names(keys),
                 "treatment_label": _label_of(results, row.treatment),
                 "attribute_label": _label_of(results, row.attribute),
                 "carried_by_label": _label_of(results, carried),
                 "adjusted_for_labels": encode_names(_label_of(results, k) for k in keys)},
        numbers={"raw": row.raw_diff, "adjusted": row.adjusted_diff,
                 "carried_diff": float("nan") if pd.isna(row.carried_diff) else float(row.carried_diff),
                 "adjusted_for_questions": float(adjusted.questions)},
        uncertainty={"raw_ci_low": row.raw_ci_low, "raw_ci_high": row.raw_ci_high, "ci_low": row.adjusted_ci_low,
                     "ci_high": row.adjusted_ci_high},
        severity=3, priority=3.5 + abs(float(row.adjusted_diff)) if pd.notna(row.adjusted_diff) else 3.5)


def save_findings(results: SegmentResults, *, tables_dir: str, name: str = registry.SEGMENTS.name) -> Path | None:
    """Write ``results.findings`` to ``findings/<name>.json`` beside ``tables_dir`` (nothing without it)."""
    from clientvalue.findings import save_notebook_findings

    return save_notebook_findings(results.findings, tables_dir=tables_dir, name=name)
