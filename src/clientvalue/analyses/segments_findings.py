"""Notebook 30's findings: what a :class:`~clientvalue.analyses.segments.SegmentResults` shows, in findings.

Split from :mod:`clientvalue.analyses.segments`, which runs the analysis and re-exports
:func:`findings`, :func:`contract_findings` and :func:`save_findings`. :func:`findings` returns the
language-free ``(kind, numbers)`` pairs that report/segments_text.py words on the page;
:func:`contract_findings` turns those into :class:`clientvalue.findings.Finding` objects (client
groups, whether they weigh value differently, possible proxies, possible unequal treatment) and
:func:`save_findings` writes them to ``findings/<name>.json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from clientvalue.analyses import registry
from clientvalue.analyses.segments_audit import ALPHA, PROXY_THRESHOLD
from clientvalue.findings import Finding
from clientvalue.stats import segments as seg

if TYPE_CHECKING:  # for the annotations only: segments imports this module to run and re-export it
    from clientvalue.analyses.segments import SegmentResults


def findings(results: SegmentResults, *, proxy_threshold: float = PROXY_THRESHOLD) -> list[tuple[str, dict]]:
    """Language-free findings ``(kind, numbers)`` in reading order (see ``report.segments_text``)."""
    out = _segment_findings(results)
    if results.personas is not None:
        out.append(("ari", {"ari": results.ari}))
    if "no_protected" in results.notes:
        out.append(("no_protected", {}))
    if results.customisation is not None:
        c = results.customisation
        out.append(("customisation", {"difference": c["difference"], "p_value": c["p_value"]}))
        if results.strategy is not None:
            out.append(("strategy", {"strategy": results.strategy.strategy}))
    else:
        out.append(("customisation_not_assessed", {}))
    flagged = results.fairness_segments[results.fairness_segments["flag"]]
    for row in flagged.itertuples(index=False):
        out.append(("proxy", {"source": row.source, "attribute": row.attribute, "v": row.cramers_v,
                              "gain": row.predictive_gain, "threshold": proxy_threshold}))
    if flagged.empty:
        out.append(("no_proxy", {"threshold": proxy_threshold}))
    if results.fairness_treatments is not None:
        out += _treatment_findings(results.fairness_treatments)
    return out


def _segment_findings(results: SegmentResults) -> list[tuple[str, dict]]:
    """How many segments, how stable, and a card for each shown segment."""
    fit = results.fit.set_index("k")
    out: list[tuple[str, dict]] = [
        ("segments", {"k": results.k, "n": results.n, "entropy": float(fit.at[results.k, "entropy"]),
                      "smallest": float(fit.at[results.k, "smallest_share"])})]
    stab = results.stability
    if len(stab):
        out.append(("stability", {"min_jaccard": float(stab["jaccard"].min()),
                                  "unstable": [int(s) for s in stab.loc[stab["jaccard"] < seg.UNSTABLE, "segment"]]}))
    for s in results.sizes.loc[~results.sizes["suppressed"], "segment"]:
        prof = results.profile[results.profile["segment"] == s].sort_values("rank")
        top = prof[prof["difference"].abs() >= 0.3].head(3)
        match = results.persona_match.get(int(s))
        out.append(("card", {"segment": int(s), "persona": match[0] if match else None,
                             "persona_share": match[1] if match else None,
                             "share": float(results.sizes.set_index("segment").at[s, "share"]),
                             "higher": list(top.loc[top["difference"] > 0, "label"]),
                             "lower": list(top.loc[top["difference"] < 0, "label"])}))
    return out


def _treatment_findings(ft: pd.DataFrame) -> list[tuple[str, dict]]:
    """Each flagged (treatment, category) with its evidence, then the treatments without a flag."""
    out: list[tuple[str, dict]] = []
    adjusted_for = ft.attrs.get("adjusted_for", {"questions": 0, "attributes": []})
    for row in ft[ft["flag"]].itertuples(index=False):
        out.append(("treatment_flag", {"treatment": row.treatment, "attribute": row.attribute,
                                       "category": row.category, "raw": row.raw_diff,
                                       "raw_low": row.raw_ci_low, "raw_high": row.raw_ci_high,
                                       "adjusted": row.adjusted_diff, "low": row.adjusted_ci_low,
                                       "high": row.adjusted_ci_high,
                                       "carried_by": None if pd.isna(row.carried_by) else row.carried_by,
                                       "carried_diff": (None if pd.isna(row.carried_diff)
                                                        else float(row.carried_diff)),
                                       "separation": bool(row.separation), "adjusted_for": adjusted_for}))
    clean = sorted(set(ft["treatment"]) - set(ft.loc[ft["flag"], "treatment"]))
    if clean:
        out.append(("treatment_ok", {"treatments": clean}))
    return out


# --------------------------------------------------------------------------- findings
def _label_of(results: SegmentResults, key) -> str:
    return str(results.labels.get(key, key)) if key is not None else ""


def contract_findings(results: SegmentResults, *, proxy_threshold: float = PROXY_THRESHOLD) -> list:
    """Notebook 30's findings, language-free (:class:`clientvalue.findings.Finding`), from :func:`findings`.

    ``segments`` (how many client groups, how many stable), ``segment_value_difference`` (whether the
    client groups weigh practical and emotional value differently: this page's own evidence; the
    strategy for all respondents is decided once, by notebook 10), ``proxy`` and
    ``treatment_flag`` (possible unequal treatment). Names are copied from the codebook's labels in
    the report's language (``*_label``), so a page can word them without the codebook.
    """
    out, seen = [], set()
    if results.error:  # no client groups could be formed: nothing was decided
        return out
    for kind, f in findings(results, proxy_threshold=proxy_threshold):
        if kind == "treatment_flag":  # two categories: the second is the first seen from the other side
            if (f["treatment"], f["attribute"]) in seen:
                continue
            seen.add((f["treatment"], f["attribute"]))
        if kind in _CONTRACT:
            out.append(_CONTRACT[kind](results, f))
    return out


def _segments_finding(results: SegmentResults, f: dict) -> Finding:
    stab = results.stability
    stable = int((stab["jaccard"] >= seg.UNSTABLE).sum()) if len(stab) else f["k"]
    return Finding(kind="segments", numbers={"k": f["k"], "n": f["n"], "stable": stable}, priority=1.0)


def _customisation_finding(results: SegmentResults, f: dict) -> Finding:
    return Finding(kind="segment_value_difference",
                   subject={"verdict": "differs" if f["p_value"] < ALPHA else "similar"},
                   numbers={"difference": f["difference"]}, uncertainty={"p_value": f["p_value"]},
                   severity=1 if f["p_value"] < ALPHA else 0, priority=1.1)


def _proxy_finding(results: SegmentResults, f: dict) -> Finding:
    return Finding(kind="proxy", subject={"source": str(f["source"]), "attribute": str(f["attribute"]),
                                          "source_label": _label_of(results, f["source"]),
                                          "attribute_label": _label_of(results, f["attribute"])},
                   numbers={"v": f["v"], "gain": f["gain"], "threshold": f["threshold"]},
                   severity=2, priority=2.5 + f["v"])


def _treatment_finding(results: SegmentResults, f: dict) -> Finding:
    adjusted = f.get("adjusted_for") or {}
    keys = [str(k) for k in adjusted.get("attributes", [])]
    carried = f["carried_by"]
    return Finding(
        kind="treatment_flag",
        subject={"treatment": str(f["treatment"]), "attribute": str(f["attribute"]),
                 "category": str(f["category"]), "carried_by": str(carried or ""),
                 "separation": "yes" if f["separation"] else "no",
                 "adjusted_for_attributes": ";".join(keys),
                 "treatment_label": _label_of(results, f["treatment"]),
                 "attribute_label": _label_of(results, f["attribute"]),
                 "carried_by_label": _label_of(results, carried),
                 "adjusted_for_labels": ";".join(_label_of(results, k) for k in keys)},
        numbers={"raw": f["raw"], "adjusted": f["adjusted"],
                 "carried_diff": float("nan") if f["carried_diff"] is None else f["carried_diff"],
                 "adjusted_for_questions": float(adjusted.get("questions", 0))},
        uncertainty={"raw_ci_low": f["raw_low"], "raw_ci_high": f["raw_high"], "ci_low": f["low"],
                     "ci_high": f["high"]},
        severity=3, priority=3.5 + abs(float(f["adjusted"])) if pd.notna(f["adjusted"]) else 3.5)


# the contract finding each language-free finding becomes (the others are worded on the page only)
_CONTRACT = {"segments": _segments_finding, "customisation": _customisation_finding, "proxy": _proxy_finding,
             "treatment_flag": _treatment_finding}


def save_findings(results: SegmentResults, *, tables_dir: str, proxy_threshold: float = PROXY_THRESHOLD,
                  name: str = registry.SEGMENTS.name):
    """Write :func:`contract_findings` to ``findings/<name>.json`` beside ``tables_dir`` (nothing without it)."""
    from clientvalue.findings import save_notebook_findings

    return save_notebook_findings(contract_findings(results, proxy_threshold=proxy_threshold),
                                  tables_dir=tables_dir, name=name)
