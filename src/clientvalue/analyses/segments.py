"""Segments, personas and a fairness audit for one survey: everything notebook 30 shows.

Numerics live in :mod:`clientvalue.stats.segments` (latent profiles, stability) and
:mod:`clientvalue.stats.fairness` (association, treatment differences); this module runs them on
a :class:`~clientvalue.data.survey.Survey` whose codebook has ``segmentation`` (and optionally
``personas`` and ``treatments``), applies ``min_group_size`` and returns tidy tables with
language-free findings (:class:`~clientvalue.findings.Finding`, worded by report/segments_text.py).
The fairness audit itself runs in :mod:`clientvalue.analyses.segments_audit`, the findings are
decided in :mod:`clientvalue.analyses.segments_findings`.

Rules (all documented in the README and docs/codebook.md):

* Segments are built on the respondents of the reported groups (``Survey.reported_data``).
* A segment solution, attribute or segmentation item is a *possible proxy* of a protected
  attribute when Cramér's V >= ``proxy_threshold`` (0.3) and the permutation p-value < 0.05.
* A treatment differs *among people in a comparable situation* when the adjusted difference
  (average marginal effect, adjusted for the segmentation items and the attributes with a
  ``basis`` that are not themselves possible proxies; a missing answer counts as the item mean)
  has a delta-method interval that excludes 0, a likelihood-ratio p-value below 0.05 and a size
  of at least ``min_difference`` (0.05). It is then carried by the non-protected attribute whose
  addition to the model brings the difference below that size (or its interval across 0).
* A treatment that a protected category follows (nearly) perfectly (everyone in it treated, or
  nobody: separation, no finite maximum-likelihood estimate) is flagged on its raw difference and
  Newcombe interval, the strongest evidence there is, with Firth's penalised estimate for people in
  a comparable situation (``separation`` in the table).
* Protected attributes are published as :mod:`clientvalue.data.categories` makes them: numbers
  always banded with rounded bounds, categories below ``min_group_size`` pooled into one "other"
  that is compared only when it is large enough (otherwise its respondents are left out of that
  attribute's rates and differences, so nothing follows by subtraction).
* Segments, categories and cells below ``min_group_size`` are never published; segment
  membership per respondent is kept in memory only (:meth:`SegmentResults.export_membership`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from clientvalue import defaults, disclosure
from clientvalue.analyses import registry
# The audit's helpers and table columns, importable from here as before the split.
from clientvalue.analyses.segments_audit import (  # noqa: F401
    ALPHA, FAIRNESS_SEGMENTS_COLUMNS, FAIRNESS_TREATMENTS_COLUMNS, MIN_DIFFERENCE, OPT_OUT_COLUMNS, OUTCOME_COLUMNS,
    AdjustedFor, _as_text, _opt_out_row, _protected, fairness_audit)
# The findings (analyse calls findings), importable from here as before the split.
from clientvalue.analyses.segments_findings import findings, save_findings  # noqa: F401
from clientvalue.data.codebook import Codebook
from clientvalue.data.survey import Survey
from clientvalue.data.categories import OTHER_CATEGORY  # noqa: F401  (tests and callers import it from here)
from clientvalue.data.treatments import check_segment_inputs
from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.findings import Finding
from clientvalue.stats import segments as seg
from clientvalue.stats.intervals import wilson_interval

PROXY_THRESHOLD = defaults.PROXY_THRESHOLD
MAX_N_PERMUTATION = 20_000  # respondents in the customisation permutation test (a random subsample beyond)
PROFILE_COLUMNS = ["segment", "item", "basis", "mean", "rest_mean", "difference", "rank"]
PERSONA_COLUMNS = ["persona", "name", "n", "share", "ci_low", "ci_high", "suppressed"]
VALUE_COLUMNS = ["segment", "n", "r2", "practical_share", "practical_ci_low", "practical_ci_high",
                 "emotional_share", "emotional_ci_low", "emotional_ci_high"]


@dataclass
class SegmentResults:
    """Everything notebook 30 shows; tables are tidy and already suppressed.

    ``adjusted_for``: what the treatment audit's comparable situation took into account (``None``
    without a treatment audit).
    """

    fit: pd.DataFrame
    profile: pd.DataFrame
    stability: pd.DataFrame
    sizes: pd.DataFrame
    value: pd.DataFrame | None
    personas: pd.DataFrame | None
    persona_profile: pd.DataFrame | None
    fairness_segments: pd.DataFrame
    fairness_treatments: pd.DataFrame | None
    opt_out: pd.DataFrame | None
    treatment_outcome: pd.DataFrame | None
    customisation: dict | None
    ari: float | None
    k: int
    n: int
    findings: list[Finding] = field(default_factory=list)  # decided once (segments_findings.findings)
    labels: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    persona_match: dict[int, tuple[str, float]] = field(default_factory=dict)
    strategy: object | None = None  # StrategyAdvice for everyone, with the segments' customisation evidence
    error: str | None = None
    adjusted_for: AdjustedFor | None = None
    _membership: pd.Series | None = field(default=None, repr=False)

    def export_membership(self, path: str | Path, *, report_dir: str | Path | None = None) -> Path:
        """Write each respondent's segment (id, segment) to ``path``, for an analyst's own use.

        Refused inside ``report_dir`` (the published report): no respondent-level data there.
        """
        path = Path(path).expanduser().resolve()
        if report_dir is not None:
            report = Path(report_dir).expanduser().resolve()
            if path == report or report in path.parents:
                raise ParameterError(
                    f"{path} lies inside the report folder {report}: respondent-level segment "
                    "membership is never published; choose a path outside it.")
        if self._membership is None:
            raise AnalysisError("no segment membership to export.")
        self._membership.rename("segment").to_frame().to_csv(path, encoding="utf-8")
        return path


def check_inputs(survey: Survey) -> bool:
    """Refuse bad segmentation input before any notebook runs; True when notebook 30 applies.

    The checks live in :func:`clientvalue.data.treatments.check_segment_inputs` (the pipeline
    calls that directly); this name is kept for callers of the analysis.
    """
    return check_segment_inputs(survey)


def _personas(survey: Survey, frame: pd.DataFrame, language: str):
    """Each respondent's quadrant (1-4, 0 when an axis has too few answers) and the quadrant names."""
    cb = survey.codebook
    if cb.personas is None:
        return None, None, None
    scales = {i.column: i.scale for i in cb.segmentation}
    high = []
    for axis in cb.personas.axes:
        answers = frame[axis.items].astype(float)
        score = answers.mean(axis=1).where(answers.notna().mean(axis=1) >= 0.5)
        cut = (float(np.mean([(scales[c].min + scales[c].max) / 2 for c in axis.items]))
               if axis.cut == "midpoint" else float(score.median()))
        high.append(np.where(score.isna(), np.nan, (score > cut).astype(float)))
    a, b = high
    ax1, ax2 = cb.personas.axes
    grid = [(1, 1), (1, 0), (0, 1), (0, 0)]
    code = np.zeros(len(frame), dtype=int)
    for number, (h1, h2) in enumerate(grid, start=1):
        code[(a == h1) & (b == h2)] = number
    names = {}
    for number, (h1, h2) in enumerate(grid, start=1):
        end1 = (ax1.high if h1 else ax1.low).get(language) or f"{ax1.name} {'high' if h1 else 'low'}"
        end2 = (ax2.high if h2 else ax2.low).get(language) or f"{ax2.name} {'high' if h2 else 'low'}"
        names[number] = f"{end1}, {end2}"
    return code, names, grid


def suppress(table: pd.DataFrame, *, min_group_size: int, numbers: list[str]) -> pd.DataFrame:
    """Mark rows with ``n`` below ``min_group_size`` as suppressed and blank their ``numbers``.

    When exactly one row would be suppressed, the next smallest is suppressed too (secondary
    suppression): otherwise its size would follow from the total minus the others.
    """
    out = table.copy()
    small = out["n"] < min_group_size
    if small.sum() == 1 and len(out) > 1:
        small.loc[out.loc[~small, "n"].idxmin()] = True
    out["suppressed"] = small
    out.loc[small, numbers] = np.nan
    return out


def _profile(frame: pd.DataFrame, labels: np.ndarray, items: list[str], basis: dict[str, str],
             keep: list[int]) -> pd.DataFrame:
    rows = []
    x = frame[items].astype(float)
    sd = x.std()
    for s in keep:
        inside = labels == s
        mean, rest = x[inside].mean(), x[~inside & (labels > 0)].mean()
        diff = (mean - rest) / sd.replace(0, np.nan)
        order = diff.abs().rank(ascending=False, method="first")
        for item in items:
            rows.append({"segment": s, "item": item, "basis": basis.get(item, ""), "mean": mean[item],
                         "rest_mean": rest[item], "difference": diff[item], "rank": int(order[item])})
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS)


def _value(survey: Survey, frame: pd.DataFrame, labels: np.ndarray, keep: list[int], *, n_boot, seed,
           min_group_size, n_perm):
    from clientvalue.analyses.strategy import segment_difference, segment_difference_test
    from clientvalue.stats.importance import dimension_totals, importance

    dims = survey.dimensions()
    if survey.outcome is None or not {"practical", "emotional"} <= set(dims):
        return None, None
    items = survey.items()
    rows, tables = [], {}
    columns = list(dict.fromkeys([survey.outcome, *items] + ([survey.weight] if survey.weight else [])))
    work = frame[columns].assign(_segment=labels)  # only the columns the models use: no copy of every column
    needed = max(min_group_size, 3 * len(items))
    for s in keep:
        part = work[work["_segment"] == s]
        if int(part[[survey.outcome, *items]].notna().all(axis=1).sum()) < needed:
            continue
        try:
            result = importance(part, outcome=survey.outcome, drivers=items, weights=survey.weight,
                                n_boot=n_boot, seed=seed)
        except AnalysisError:
            continue
        tables[s] = result.table
        tot = dimension_totals(result, dimensions=dims).table.set_index("dimension")
        rows.append({"segment": s, "n": result.n, "r2": result.r2,
                     **{f"{d}_{c}": float(np.clip(tot.at[d, src], 0, 1))
                        for d in ("practical", "emotional")
                        for c, src in (("share", "share"), ("ci_low", "ci_low"), ("ci_high", "ci_high"))}})
    value = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    test = None
    if len(value) >= 2:
        tested = work[work["_segment"].isin(value["segment"])]
        if len(tested) > MAX_N_PERMUTATION:  # the p-value from a random subsample: ample power, bounded time
            tested = tested.sample(MAX_N_PERMUTATION, random_state=seed)
        try:
            test = segment_difference_test(
                tested, outcome=survey.outcome, drivers=items,
                segment="_segment", weights=survey.weight, n_perm=min(n_perm, 99), seed=seed,
                min_group_size=needed)
            test = {k: (float(v) if isinstance(v, (int, float, np.floating, np.integer)) else v)
                    for k, v in test.items()}
            test["difference"] = segment_difference(list(tables.values()))  # on everyone
        except AnalysisError:
            test = None
    return value, test


def _strategy(survey: Survey, frame: pd.DataFrame, customisation: dict | None, *, n_boot, seed):
    """The strategy rule of notebook 10 for all reported respondents, fed with the segments' evidence."""
    from clientvalue.analyses.shared import shared_importance
    from clientvalue.analyses.strategy import suggest_strategy
    from clientvalue.stats.importance import dimension_totals

    try:
        result = shared_importance(survey, frame, outcome=survey.outcome, drivers=survey.items(),
                                   weights=survey.weight, n_boot=n_boot, seed=seed)  # as notebook 10's "all"
    except AnalysisError:
        return None
    tot = dimension_totals(result, dimensions=survey.dimensions()).table.set_index("dimension")
    get = lambda d, c: float(np.clip(tot.at[d, c], 0, 1))  # noqa: E731
    return suggest_strategy(
        practical_share=get("practical", "share"), practical_ci=(get("practical", "ci_low"), get("practical", "ci_high")),
        emotional_share=get("emotional", "share"), emotional_ci=(get("emotional", "ci_low"), get("emotional", "ci_high")),
        segment_difference=None if customisation is None else customisation["difference"],
        segment_p_value=None if customisation is None else customisation["p_value"])


class _Segments(NamedTuple):
    """The chosen solution's published tables, each respondent's segment and which segments are shown."""

    sizes: pd.DataFrame
    stability: pd.DataFrame
    profile: pd.DataFrame
    labels: np.ndarray
    counts: pd.Series
    keep: list[int]
    n_assigned: int


class _Personas(NamedTuple):
    """Each respondent's persona (``code``, None without ``personas``), the persona tables and matches."""

    code: np.ndarray | None
    personas: pd.DataFrame | None
    profile: pd.DataFrame | None
    ari: float | None
    match: dict[int, tuple[str, float]]


def _check_parameters(survey: Survey, *, on_error: str, proxy_threshold: float) -> None:
    """Refuse a codebook without ``segmentation`` and options out of range."""
    if not survey.codebook.segmentation:
        raise AnalysisError(
            f"codebook {survey.codebook_path}: the segment analysis needs `segmentation` items; add "
            f"them (docs/codebook.md) or leave {registry.SEGMENTS.name} out of `notebooks`.")
    if on_error not in ("raise", "note"):
        raise ParameterError(f"on_error must be 'raise' or 'note', got {on_error!r}.")
    if not 0 < proxy_threshold <= 1:
        raise ParameterError(f"proxy_threshold must be between 0 and 1, got {proxy_threshold!r}.")


def _labels_text(cb: Codebook, language: str) -> dict[str, str]:
    """The codebook's label of every segmentation item, attribute and treatment (its key without one)."""
    labels_text = {i.column: i.label.get(language) or i.column for i in cb.segmentation}
    labels_text |= {k: a.label.get(language) or k for k, a in cb.attributes.items()}
    labels_text |= {k: t.label.get(language) or k for k, t in cb.treatments.items()}
    return labels_text


def hide_suppressed_share(fit: pd.DataFrame, k: int, sizes: pd.DataFrame) -> pd.DataFrame:
    """``fit`` with the chosen solution's ``smallest_share`` and ``min_jaccard`` blank when a segment's
    size is suppressed.

    The smallest share of the chosen ``k`` is the share of a segment; when the sizes table hides a
    segment (fewer than ``min_group_size`` respondents, or hidden with it), that share would show it.
    The least stable segment's stability may be the hidden segment's, which the stability table
    leaves out: blank too.
    """
    if not bool(sizes["suppressed"].any()):
        return fit
    out = fit.copy()
    out.loc[out["k"] == k, ["smallest_share", "min_jaccard"]] = np.nan
    return out


def _segment_tables(survey: Survey, frame: pd.DataFrame, solution: seg.ProfileSolution, labels_text: dict[str, str], *,
                    min_group_size: int, n_stability: int, seed: int | None) -> _Segments:
    """Sizes (suppressed), stability and profile of the segments of ``solution``."""
    items = [i.column for i in survey.codebook.segmentation]
    labels = solution.labels
    stability = seg.bootstrap_stability(frame[items], solution, n_boot=n_stability, seed=seed)
    counts = pd.Series(labels[labels > 0]).value_counts().reindex(range(1, solution.k + 1), fill_value=0)
    n_assigned = int((labels > 0).sum())
    low, high = wilson_interval(counts.to_numpy() / n_assigned, n_assigned)
    sizes = pd.DataFrame({"segment": counts.index, "n": counts.to_numpy(), "share": counts.to_numpy() / n_assigned,
                          "ci_low": low, "ci_high": high})
    sizes = suppress(sizes, min_group_size=min_group_size, numbers=["n", "share", "ci_low", "ci_high"])
    keep = [int(v) for v in sizes.loc[~sizes["suppressed"], "segment"]]
    stability = stability[stability["segment"].isin(keep)].reset_index(drop=True)
    basis = {i.column: i.basis for i in survey.codebook.segmentation}
    profile = _profile(frame, labels, items, basis, keep)
    profile.insert(2, "label", profile["item"].map(labels_text))
    return _Segments(sizes=sizes, stability=stability, profile=profile, labels=labels, counts=counts, keep=keep,
                     n_assigned=n_assigned)


def _persona_tables(survey: Survey, frame: pd.DataFrame, segments: _Segments, labels_text: dict[str, str], *,
                    language: str, min_group_size: int) -> _Personas:
    """Persona sizes (suppressed) and profile, their agreement with the segments, each segment's persona."""
    code, names, _grid = _personas(survey, frame, language)
    if code is None:
        return _Personas(code=None, personas=None, profile=None, ari=None, match={})
    n_p = int((code > 0).sum())
    pc = pd.Series(code[code > 0]).value_counts().reindex(range(1, 5), fill_value=0)
    lo, hi = wilson_interval(pc.to_numpy() / max(n_p, 1), n_p)
    personas = pd.DataFrame({"persona": pc.index, "name": [names[i] for i in pc.index], "n": pc.to_numpy(),
                             "share": pc.to_numpy() / max(n_p, 1), "ci_low": lo, "ci_high": hi})
    personas = suppress(personas, min_group_size=min_group_size, numbers=["n", "share", "ci_low", "ci_high"])
    keep_p = [int(p) for p in personas.loc[~personas["suppressed"], "persona"]]
    items = [i.column for i in survey.codebook.segmentation]
    basis = {i.column: i.basis for i in survey.codebook.segmentation}
    profile = _profile(frame, code, items, basis, keep_p).rename(columns={"segment": "persona"})
    profile.insert(2, "label", profile["item"].map(labels_text))
    return _Personas(code=code, personas=personas, profile=profile, ari=seg.adjusted_rand(segments.labels, code),
                     match=_persona_match(personas, code, names, segments, min_group_size=min_group_size))


def _persona_match(personas: pd.DataFrame, code: np.ndarray, names: dict[int, str], segments: _Segments, *,
                   min_group_size: int) -> dict[int, tuple[str, float]]:
    """The persona most members of each shown segment belong to (a cross-tabulated cell), and its share."""
    hidden = [int(p) for p in personas.loc[personas["suppressed"], "persona"]]
    matches: dict[int, tuple[str, float]] = {}
    for s in segments.keep:
        match = disclosure.majority_category(
            pd.Series(code[(segments.labels == s) & (code > 0)]), hidden=hidden, min_share=0.6,
            min_group_size=min_group_size, margin=int(segments.counts.loc[s]))
        if match is not None:
            matches[s] = (names[int(match[0])], match[1])
    return matches


def analyse(
    survey: Survey,
    *,
    min_group_size: int = defaults.MIN_GROUP_SIZE,
    n_boot: int = defaults.N_BOOT,
    n_perm: int = 199,
    n_stability: int = defaults.N_STABILITY,
    n_init: int = 3,
    k_range: tuple[int, int] = (2, 6),
    proxy_threshold: float = PROXY_THRESHOLD,
    min_difference: float = MIN_DIFFERENCE,
    age_bands: list[int] | tuple[int, ...] = defaults.AGE_BANDS,
    seed: int | None = None,
    language: str = "en",
    on_error: str = "raise",
) -> SegmentResults:
    """Segments, personas, customisation evidence and the fairness audit of a survey.

    Parameters
    ----------
    survey : Survey
        Needs ``segmentation`` in its codebook.
    min_group_size : int
        Segments, categories and cells with fewer respondents are never shown.
    n_boot : int
        Bootstrap replicates for intervals (value profiles, Cramér's V).
    n_perm : int
        Permutations for p-values (at most 99 for the customisation test, as in notebook 10:
        each permutation recomputes every segment's driver shares).
    n_stability : int
        Bootstrap refits for segment stability.
    n_init : int
        Random starts per number of segments.
    k_range : (int, int)
        Smallest and largest number of segments tried.
    proxy_threshold : float
        Cramér's V from which an association with a protected attribute is flagged.
    min_difference : float
        Smallest adjusted treatment-rate difference that is flagged (with an interval excluding 0).
    age_bands : list of int
        Lower bounds of the bands a numeric age is cut into for the audit.
    seed : int, optional
    language : {"en", "nl"}
        Language of labels in the tables.
    on_error : {"raise", "note"}
        When the data allow no segments (too few respondents, no admissible solution): raise the
        :class:`AnalysisError`, or return results without tables whose ``error`` says why (the
        notebook shows it and the run goes on).

    Returns
    -------
    SegmentResults

    Raises
    ------
    AnalysisError
        No ``segmentation``, or too few respondents for any segment.
    DataError
        Bad treatment codes or a segmentation item with a single value.
    """
    _check_parameters(survey, on_error=on_error, proxy_threshold=proxy_threshold)
    check_inputs(survey)
    cb = survey.codebook
    frame = survey.reported_data(min_group_size)
    items = [i.column for i in cb.segmentation]
    labels_text = _labels_text(cb, language)
    try:
        solution = seg.fit_profiles(frame[items], k_range=range(k_range[0], k_range[1] + 1), n_init=n_init,
                                    seed=seed, min_share=max(seg.MIN_SHARE, min_group_size / max(1, len(frame))))
    except AnalysisError as exc:
        if on_error == "raise":
            raise
        return unavailable(str(exc))
    segments = _segment_tables(survey, frame, solution, labels_text, min_group_size=min_group_size,
                               n_stability=n_stability, seed=seed)
    personas = _persona_tables(survey, frame, segments, labels_text, language=language,
                               min_group_size=min_group_size)
    value, customisation = _value(survey, frame, solution.labels, segments.keep, n_boot=n_boot, seed=seed,
                                  min_group_size=min_group_size, n_perm=n_perm)
    strategy = _strategy(survey, frame, customisation, n_boot=n_boot, seed=seed) if value is not None else None
    audit = fairness_audit(survey, frame, solution.labels, personas.code, items, min_group_size=min_group_size,
                           n_boot=n_boot, n_perm=n_perm, seed=seed, proxy_threshold=proxy_threshold,
                           min_difference=min_difference, age_bands=age_bands)
    results = SegmentResults(
        fit=hide_suppressed_share(solution.fit, solution.k, segments.sizes), profile=segments.profile,
        stability=segments.stability, sizes=segments.sizes,
        value=value, personas=personas.personas, persona_profile=personas.profile,
        fairness_segments=audit.fairness_segments, fairness_treatments=audit.fairness_treatments,
        opt_out=audit.opt_out, treatment_outcome=audit.treatment_outcome, customisation=customisation, ari=personas.ari,
        k=solution.k, n=segments.n_assigned, labels=labels_text, notes=["no_protected"] if audit.no_protected else [],
        persona_match=personas.match, strategy=strategy, adjusted_for=audit.adjusted_for,
        _membership=pd.Series(solution.labels, index=frame[cb.id].to_numpy(), name="segment"),
    )
    results.findings = findings(results, proxy_threshold=proxy_threshold)
    return results


def unavailable(reason: str) -> SegmentResults:
    """Results of a survey whose answers allow no segments: no tables, ``error`` says why."""
    empty = pd.DataFrame()
    return SegmentResults(fit=empty, profile=empty, stability=empty, sizes=empty, value=None, personas=None,
                          persona_profile=None, fairness_segments=empty, fairness_treatments=None, opt_out=None,
                          treatment_outcome=None, customisation=None, ari=None, k=0, n=0,
                          error=reason)
