"""Value drivers for one survey, per group: every result notebook 10 shows, in one call.

The statistics live in :mod:`clientvalue.stats.importance` (LMG, relative weights, bootstrap),
:mod:`clientvalue.stats.ipa`, :mod:`clientvalue.stats.measurement`, :mod:`clientvalue.stats.ordinal` and
:mod:`clientvalue.analyses.strategy`; this module runs them per group of a
:class:`~clientvalue.data.survey.Survey` and assembles the published tables.

Segments for the customisation rule are the categories of the codebook's attributes that are
*not* protected (e.g. channel): differentiating by needs and behaviour, never by gender, age or
origin. A group's segments are compared with a permutation test, so that sampling noise alone
never suggests customisation.

The findings (:func:`driver_findings`, :func:`save_findings`) are built in
:mod:`clientvalue.analyses.drivers_findings` and importable from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clientvalue import defaults
from clientvalue.analyses import registry
from clientvalue.stats.importance import DimensionTotals, Importance, design_problems, dimension_totals, importance
from clientvalue.analyses.shared import shared_importance
from clientvalue.errors import AnalysisError
from clientvalue.stats.ipa import importance_performance, penalty_reward
from clientvalue.stats.ipa_result import ImportancePerformance
from clientvalue.stats.measurement import factor_check, reliability_table
from clientvalue.stats.ordinal import ordinal_model
from clientvalue.analyses.strategy import (StrategyAdvice, segment_difference, segment_difference_test,
                                           suggest_strategy)
from clientvalue.data.survey import Survey
from clientvalue.findings import Finding
# The findings (DriverResults.findings calls driver_findings), importable from here as before the split.
from clientvalue.analyses.drivers_checks import check_inputs
from clientvalue.analyses.drivers_findings import (  # noqa: F401
    FACTOR_CAUTION_SHARE, NOT_ASSESSED, driver_findings, save_findings)

# The ordinal check is for grades: an outcome with more distinct values (a 0-100 score) has too
# many thresholds for a proportional-odds model and is skipped with a note.
ORDINAL_MAX_LEVELS = 11
# Above this many reported groups the per-group analysis would take minutes; see the note "many_groups".
MAX_GROUPS = 40
SECONDARY_ERRORS = (AnalysisError, ValueError, ArithmeticError, np.linalg.LinAlgError, KeyError, IndexError)

DRIVERS_COLUMNS = [
    "group", "item", "label", "dimension", "importance", "share", "ci_low", "ci_high",
    "share_ci_low", "share_ci_high", "sign",
    "relative_weight", "performance", "improvement_score", "quadrant", "in_red", "n", "performance_se",
]
PROFILE_COLUMNS = [
    "group", "n", "r2", "practical_share", "practical_ci_low", "practical_ci_high",
    "emotional_share", "emotional_ci_low", "emotional_ci_high", "difference_p_value",
    "segment_by", "segment_difference", "segment_p_value", "strategy",
]
MIN_ROWS_PER_DRIVER = 3


@dataclass
class DriverResults:
    """Everything notebook 10 shows; groups below the minimum size are absent from every table."""

    profile: pd.DataFrame
    drivers: pd.DataFrame
    strategies: dict[str, StrategyAdvice]
    reliability: pd.DataFrame
    factors: pd.DataFrame
    ordinal: pd.DataFrame
    penalty_reward: pd.DataFrame
    suppressed: pd.DataFrame
    importance_results: dict[str, Importance] = field(default_factory=dict)  # LMG per analysed group
    ipa_results: dict[str, ImportancePerformance] = field(default_factory=dict)  # quadrants per analysed group
    warnings: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    language: str = "en"  # of the codebook's labels in the tables
    notes: list[Finding] = field(default_factory=list)  # one per secondary analysis skipped (NOTE_KINDS)
    not_analysed: list[str] = field(default_factory=list)  # reported groups that could not be analysed
    group_problems: dict[str, pd.DataFrame] = field(default_factory=dict)  # design problems of a left-out group
    min_complete: int = 0  # complete responses a group needs to be analysed
    n_suppressed: int = 0  # groups below min_group_size: counted, never named
    min_group_size: int = defaults.MIN_GROUP_SIZE
    dimension_descriptions: dict[str, str] = field(default_factory=dict)  # codebook's, in `language`
    red_floor: float = 50.0  # performance (0-100) below which a question is under the scale's midpoint
    outcome_label: str = ""  # the overall rating as the codebook labels it, in `language`

    @property
    def findings(self) -> list[Finding]:
        """The page's findings, decided here once (see :func:`driver_findings`)."""
        return driver_findings(self)

    def red_items(self) -> pd.DataFrame:
        """Items in the red per group: clearly important and clearly underperforming (judged with
        their intervals, see :func:`clientvalue.stats.ipa.importance_performance`), or below the midpoint."""
        red = self.drivers[self.drivers["in_red"].astype(bool)]
        return red[["group", "item", "label", "dimension", "share", "share_ci_low", "share_ci_high", "performance",
                    "performance_se", "improvement_score"]]


#: Why a reported group is not analysed (``suppressed["reason"]``); ``design`` has its problems in
#: ``DriverResults.group_problems``. Worded in the report (report/drivers_text.py).
NOT_ANALYSED_REASONS = ("too_few", "design", "not_estimable")
#: Secondary analyses left out, as :class:`~clientvalue.findings.Finding` kinds in ``DriverResults.notes``.
NOTE_KINDS = registry.DRIVERS.note_kinds


def _top_items(lmg: pd.DataFrame, survey: Survey, *, n: int = 2) -> dict[str, list[str]]:
    """The ``n`` items with the largest share of R² per dimension: the survey's own examples."""
    ranked = lmg.sort_values("share", ascending=False, kind="stable")
    out: dict[str, list[str]] = {}
    for driver in ranked["driver"]:
        dimension = survey.dimension_of(driver)
        if len(out.setdefault(dimension, [])) < n:
            out[dimension].append(driver)
    return out


def share_interval(result: Importance) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of each driver's *share* of R², from the bootstrap replicates.

    Per replicate the share is the driver's importance over that replicate's R² (the sum of its
    importances), so the interval is that of the share itself, not a rescaled importance interval.
    NaN without replicates.
    """
    replicates = result.replicates
    if replicates is None or len(replicates) == 0:
        nan = np.full(len(result.table), np.nan)
        return nan, nan
    shares = replicates / replicates.sum(axis=1, keepdims=True)
    tail = (1 - result.ci) / 2 * 100
    low, high = np.nanpercentile(shares, [tail, 100 - tail], axis=0)
    return low, high


def _segment_columns(survey: Survey) -> list[str]:
    return [a.column for key, a in survey.codebook.attributes.items() if not a.protected and key != "age"]


def _segment_evidence(frame, survey, *, outcome, items, min_group_size, seed, n_perm):
    """The non-protected attribute whose segments differ most in their drivers, with its test."""
    best = None
    for column in _segment_columns(survey):
        sizes = frame[column].value_counts()
        if (sizes >= max(min_group_size, MIN_ROWS_PER_DRIVER * len(items))).sum() < 2:
            continue
        try:
            test = segment_difference_test(
                frame, outcome=outcome, drivers=items, segment=column, weights=survey.weight,
                n_perm=n_perm, seed=seed, min_group_size=max(min_group_size, MIN_ROWS_PER_DRIVER * len(items)),
            )
        except AnalysisError:
            continue
        if best is None or test["p_value"] < best[1]["p_value"]:
            best = (column, test)
    if best is not None:
        column, test = best
        floor = max(min_group_size, MIN_ROWS_PER_DRIVER * len(items))
        read = [c for c in dict.fromkeys([outcome, *items, column, survey.weight]) if c is not None]
        complete = frame[read].dropna(subset=[outcome, *items, column])  # the columns the pair's models read
        sizes = complete[column].value_counts()
        kept = sorted(sizes.index[sizes >= floor], key=str)
        test = test.copy()
        test["groups"] = [str(g) for g in kept]
        test["pair"] = _most_different_pair(complete, survey, outcome=outcome, items=items,
                                            column=column, groups=kept)
        best = (column, test)
    return best


def _most_different_pair(frame, survey, *, outcome, items, column, groups) -> list[str]:
    """The two compared categories whose driver shares differ most (point estimates), or []."""
    if len(groups) < 2:
        return []
    try:
        tables = {g: importance(frame[frame[column] == g], outcome=outcome, drivers=items, weights=survey.weight).table
                  for g in groups}
    except SECONDARY_ERRORS:  # the test itself succeeded: keep its evidence, just name no pair
        return []
    pairs = [(a, b) for i, a in enumerate(groups) for b in groups[i + 1:]]
    first, second = max(pairs, key=lambda ab: segment_difference([tables[ab[0]], tables[ab[1]]]))
    return [str(first), str(second)]


def _problem_codes(problems: pd.DataFrame | None) -> str:
    """A left-out group's design problems as codes, e.g. ``constant (p2); collinear (e1, e2)``."""
    if problems is None:
        return ""
    return "; ".join(f"{row.problem} ({', '.join(map(str, row.columns))})" for row in problems.itertuples(index=False))


@dataclass
class _Run:
    """One call of :func:`analyse`: its inputs and the rows it collects, group by group."""

    survey: Survey
    min_group_size: int
    n_boot: int
    seed: int | None
    n_perm: int
    language: str
    labels: dict[str, str]
    needed: int  # complete responses a group needs
    outcome: str
    items: list[str]
    profiles: list[dict] = field(default_factory=list)
    driver_rows: list[dict] = field(default_factory=list)
    strategies: dict[str, StrategyAdvice] = field(default_factory=dict)
    suppressed: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    importance_results: dict[str, Importance] = field(default_factory=dict)
    ipa_results: dict[str, ImportancePerformance] = field(default_factory=dict)
    ordinal_rows: list[pd.DataFrame] = field(default_factory=list)
    reliability_rows: list[pd.DataFrame] = field(default_factory=list)
    pr_rows: list[pd.DataFrame] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    not_analysed: list[str] = field(default_factory=list)
    group_problems: dict[str, pd.DataFrame] = field(default_factory=dict)

    def leave_out(self, group: str, reason: str) -> None:
        self.suppressed.append({"group": group, "reason": reason})
        self.not_analysed.append(group)


def analyse(
    survey: Survey,
    *,
    min_group_size: int = defaults.MIN_GROUP_SIZE,
    n_boot: int = defaults.N_BOOT,
    seed: int | None = None,
    n_perm: int = 99,
    language: str = "en",
) -> DriverResults:
    """Value drivers per group of a survey.

    Parameters
    ----------
    survey : Survey
        Needs an ``outcome`` and ``items`` in its codebook.
    min_group_size : int
        Groups with fewer usable respondents (complete on outcome and items) are left out.
    n_boot : int
        Bootstrap replicates for the intervals.
    seed : int, optional
        Seed of the bootstrap and the permutation test.
    n_perm : int
        Shuffles in the segment permutation test.
    language : {"en", "nl"}
        Language of item labels in the tables.

    Returns
    -------
    DriverResults

    Raises
    ------
    AnalysisError
        When the codebook has no outcome or items.
    """
    if survey.outcome is None or not survey.items():
        raise AnalysisError(
            f"codebook {survey.codebook_path}: the value-driver analysis needs an `outcome` and "
            f"`items`; add them (docs/codebook.md) or leave {registry.DRIVERS.name} out of `notebooks`."
        )
    check_inputs(survey, min_group_size=min_group_size)
    labels = {**{column: survey.label(column, language) for column in _segment_columns(survey)},
              **survey.labels(language)}  # attributes too: the advice names the compared groups' attribute
    run = _Run(survey, min_group_size, n_boot, seed, n_perm, language, labels,
               needed=max(min_group_size, len(survey.items()) + 2), outcome=survey.outcome, items=survey.items())
    frames = survey.group_frames(min_group_size)
    names = _groups_to_analyse(run, frames)  # notes in this order: the cap on groups, then the ordinal check
    run_ordinal = _ordinal_applies(run)
    for group in names:
        _analyse_group(run, group, frames[group], run_ordinal=run_ordinal)
    if not run.profiles:
        _refuse_nothing_analysed(run)
    factors = _factor_table(run)
    return _results(run, factors)


def _groups_to_analyse(run: _Run, frames: Mapping[str, pd.DataFrame]) -> list[str]:
    """Every reported group, or "all" and the :data:`MAX_GROUPS` largest (with a note) when there are more."""
    if len(frames) <= MAX_GROUPS + 1:
        return list(frames)
    sizes = {str(g): int(n) for g, n in run.survey.group_sizes().items()}
    kept = set(sorted((g for g in frames if g != "all"), key=lambda g: -sizes[g])[:MAX_GROUPS])
    run.notes.append(Finding(kind="many_groups", numbers={"groups": len(frames) - 1, "analysed": MAX_GROUPS}))
    return [g for g in frames if g == "all" or g in kept]


def _ordinal_applies(run: _Run) -> bool:
    """Whether the outcome has few enough levels for the ordinal check (a note when it has not)."""
    outcome = run.outcome
    levels = run.survey.data[outcome].nunique()
    if levels <= ORDINAL_MAX_LEVELS:
        return True
    run.notes.append(Finding(kind="ordinal_not_for_outcome", subject={"column": run.survey.label(outcome, run.language)},
                             numbers={"levels": levels}))
    return False


def _analyse_group(run: _Run, group: str, frame: pd.DataFrame, *, run_ordinal: bool) -> None:
    """Importance, performance, advice and the secondary checks of one group, or why it is left out."""
    outcome, items = run.outcome, run.items
    complete = int(frame[[outcome, *items]].notna().all(axis=1).sum())
    if complete < run.needed:
        run.leave_out(group, "too_few")
        return
    problems = design_problems(frame, outcome=outcome, drivers=items)
    if not problems.empty:
        run.leave_out(group, "design")
        run.group_problems[group] = problems
        return
    try:
        lmg, weights_rw, totals, share_low, share_high, ipa = _importance(run, frame)
    except SECONDARY_ERRORS as exc:
        run.leave_out(group, "not_estimable")
        run.warnings.append(f"{group}: {exc}")
        return
    run.importance_results[group], run.ipa_results[group] = lmg, ipa
    run.warnings += [f"{group}: {w}" for w in lmg.warnings]
    run.driver_rows += _driver_rows(run, group, lmg, weights_rw.table["importance"], share_low, share_high, ipa)
    _advise(run, group, frame, lmg, totals, ipa)
    about = {"group": str(group)}
    if run_ordinal:
        _ordinal_check(run, group, frame, complete, about)
    _reliability_check(run, group, frame, about)
    _penalty_reward_check(run, group, frame, about)


def _importance(run: _Run, frame: pd.DataFrame):
    """LMG (shared with notebook 30), relative weights, dimension totals, share intervals and IPA of a group."""
    survey = run.survey
    outcome, items = run.outcome, run.items
    lmg = shared_importance(survey, frame, outcome=outcome, drivers=items, weights=survey.weight,
                            n_boot=run.n_boot, seed=run.seed)  # notebook 30 needs "all" too
    weights_rw = importance(frame, outcome=outcome, drivers=items, method="relative_weights", weights=survey.weight)
    totals = dimension_totals(lmg, dimensions=survey.dimensions())
    share_low, share_high = share_interval(lmg)
    ipa = importance_performance(frame, importance=lmg.table.assign(share_ci_low=share_low, share_ci_high=share_high),
                                 items=items, scales=survey.scales(), weights=survey.weight)
    return lmg, weights_rw, totals, share_low, share_high, ipa


def _driver_rows(run: _Run, group: str, lmg: Importance, relative_weights, share_low, share_high,
                 ipa: ImportancePerformance) -> list[dict]:
    """One row of :data:`DRIVERS_COLUMNS` per question of the group."""
    ipa_by_item = ipa.table.set_index("item")
    rows = []
    for row, rw, s_low, s_high in zip(lmg.table.itertuples(index=False), relative_weights, share_low, share_high):
        rows.append({
            "group": group, "item": row.driver, "label": run.labels.get(row.driver, row.driver),
            "dimension": run.survey.dimension_of(row.driver), "importance": row.importance,
            "share": row.share, "ci_low": row.ci_low, "ci_high": row.ci_high,
            "share_ci_low": s_low, "share_ci_high": s_high,
            "sign": row.sign,
            "relative_weight": rw, "performance": ipa_by_item.at[row.driver, "performance"],
            "improvement_score": ipa_by_item.at[row.driver, "improvement_score"],
            "quadrant": ipa_by_item.at[row.driver, "quadrant"],
            "in_red": bool(ipa_by_item.at[row.driver, "in_red"]), "n": lmg.n,
            "performance_se": ipa_by_item.at[row.driver, "performance_se"],
        })
    return rows


def _share(shares: pd.DataFrame, dimension: str, column: str) -> float:
    """A dimension's share of R² (or its interval bound; ``shares`` by dimension), clipped to [0, 1]; NaN without it."""
    if dimension not in shares.index:
        return np.nan
    return float(np.clip(shares.at[dimension, column], 0.0, 1.0))  # round-off can give 1 + 4e-16


def _advise(run: _Run, group: str, frame: pd.DataFrame, lmg: Importance, totals: DimensionTotals,
            ipa: ImportancePerformance) -> None:
    """The segment evidence, the suggested strategy and the profile row of one group."""
    survey = run.survey
    shares = totals.table.set_index("dimension")
    try:
        evidence = _segment_evidence(frame, survey, outcome=run.outcome, items=run.items,
                                     min_group_size=run.min_group_size, seed=run.seed, n_perm=run.n_perm)
    except SECONDARY_ERRORS as exc:
        evidence = None
        run.warnings.append(f"{group}: segment comparison: {exc}")
    advice = None
    if {"practical", "emotional"} <= set(shares.index):
        advice = suggest_strategy(
            practical_share=_share(shares, "practical", "share"),
            practical_ci=(_share(shares, "practical", "ci_low"), _share(shares, "practical", "ci_high")),
            emotional_share=_share(shares, "emotional", "share"),
            emotional_ci=(_share(shares, "emotional", "ci_low"), _share(shares, "emotional", "ci_high")),
            red_items=list(ipa.table.loc[ipa.table["in_red"], "item"]),
            segment_difference=None if evidence is None else float(evidence[1]["difference"]),
            segment_p_value=None if evidence is None else float(evidence[1]["p_value"]),
            segment_by=None if evidence is None else evidence[0],
            segment_groups=() if evidence is None else evidence[1]["groups"],
            segment_pair=() if evidence is None else evidence[1]["pair"],
            examples=_top_items(lmg.table, survey, n=2),
        )
        run.strategies[group] = advice
    run.profiles.append(_profile_row(group, lmg, totals, evidence, advice))


def _profile_row(group: str, lmg: Importance, totals: DimensionTotals, evidence, advice) -> dict:
    """One row of :data:`PROFILE_COLUMNS`."""
    shares = totals.table.set_index("dimension")
    return {
        "group": group, "n": lmg.n, "r2": lmg.r2,
        "practical_share": _share(shares, "practical", "share"),
        "practical_ci_low": _share(shares, "practical", "ci_low"),
        "practical_ci_high": _share(shares, "practical", "ci_high"),
        "emotional_share": _share(shares, "emotional", "share"),
        "emotional_ci_low": _share(shares, "emotional", "ci_low"),
        "emotional_ci_high": _share(shares, "emotional", "ci_high"),
        "difference_p_value": np.nan if totals.difference is None else totals.difference.p_value,
        "segment_by": None if evidence is None else evidence[0],
        "segment_difference": np.nan if evidence is None else float(evidence[1]["difference"]),
        "segment_p_value": np.nan if evidence is None else float(evidence[1]["p_value"]),
        "strategy": advice.strategy if advice is not None else NOT_ASSESSED,
    }


def _ordinal_check(run: _Run, group: str, frame: pd.DataFrame, complete: int, about: dict[str, str]) -> None:
    items = run.items
    n_levels = frame[run.outcome].nunique()
    if complete < len(items) + n_levels - 1 + 10:
        run.notes.append(Finding(kind="ordinal_too_few", subject=about))
        return
    try:
        ordinal = ordinal_model(frame, outcome=run.outcome, drivers=items)
        run.ordinal_rows.append(ordinal.table.assign(group=group, n=ordinal.n))
    except SECONDARY_ERRORS as exc:
        run.notes.append(Finding(kind="ordinal_failed", subject=about))
        run.warnings.append(f"{group}: ordinal check: {exc}")


def _reliability_check(run: _Run, group: str, frame: pd.DataFrame, about: dict[str, str]) -> None:
    try:
        run.reliability_rows.append(reliability_table(frame, dimensions=run.survey.dimensions()).assign(group=group))
    except SECONDARY_ERRORS as exc:
        run.notes.append(Finding(kind="reliability_failed", subject=about))
        run.warnings.append(f"{group}: reliability: {exc}")


def _penalty_reward_check(run: _Run, group: str, frame: pd.DataFrame, about: dict[str, str]) -> None:
    survey = run.survey
    try:
        asymmetry = penalty_reward(frame, outcome=run.outcome, items=run.items, scales=survey.scales(),
                                   weights=survey.weight)
        run.pr_rows.append(asymmetry.table.assign(
            group=group, label=asymmetry.table["item"].map(run.labels)))  # its `effect` is worded in the report
    except SECONDARY_ERRORS as exc:
        run.notes.append(Finding(kind="penalty_reward_failed", subject=about))
        run.warnings.append(f"{group}: penalty-reward: {exc}")


def _refuse_nothing_analysed(run: _Run) -> None:
    """Raise :class:`AnalysisError` naming why no group could be analysed."""
    survey, needed = run.survey, run.needed
    if all(row["reason"] == "too_few" for row in run.suppressed):
        raise AnalysisError(
            f"no group of {survey.path.name} has {needed} complete responses on the outcome and all "
            f"{len(run.items)} items: nothing can be reported. Lower min_group_size only if that is acceptable."
        )
    raise AnalysisError(
        f"no group of {survey.path.name} can be analysed: "
        + "; ".join(f"{row['group']}: " + {
            "too_few": f"fewer than {needed} complete responses",
            "design": f"the questions cannot be separated: {_problem_codes(run.group_problems.get(row['group']))}",
            "not_estimable": "the importance of the questions cannot be estimated"}[row["reason"]]
            for row in run.suppressed) + ". "
        + "; ".join(run.warnings)
    )


def _factor_table(run: _Run) -> pd.DataFrame:
    """The factor check on all reported respondents (empty with fewer than two dimensions or on failure)."""
    dimensions = run.survey.dimensions()
    if len(dimensions) < 2:
        return pd.DataFrame()
    everyone = run.survey.group_frames(run.min_group_size).get("all", run.survey.data)
    try:
        return factor_check(everyone, dimensions=dimensions).table
    except SECONDARY_ERRORS as exc:
        run.notes.append(Finding(kind="factor_check_failed"))
        run.warnings.append(f"factor check: {exc}")
        return pd.DataFrame()


def _first(columns: list[str], frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames stacked, ``columns`` first (an empty frame of ``columns`` without any)."""
    if not frames:
        return pd.DataFrame(columns=columns)
    combined = pd.concat(frames, ignore_index=True)
    return combined[columns + [c for c in combined.columns if c not in columns]]


def _results(run: _Run, factors: pd.DataFrame) -> DriverResults:
    """The collected rows as :class:`DriverResults`."""
    survey, language = run.survey, run.language
    return DriverResults(
        profile=pd.DataFrame(run.profiles, columns=PROFILE_COLUMNS),
        drivers=pd.DataFrame(run.driver_rows, columns=DRIVERS_COLUMNS),
        strategies=run.strategies,
        reliability=_first(["group"], run.reliability_rows),
        factors=factors,
        ordinal=_first(["group", "driver"], run.ordinal_rows),
        penalty_reward=_first(["group", "item", "label"], run.pr_rows),
        suppressed=pd.DataFrame(run.suppressed, columns=["group", "reason"]),
        importance_results=run.importance_results,
        ipa_results=run.ipa_results,
        warnings=run.warnings,
        labels=run.labels,
        language=language,
        notes=run.notes,
        not_analysed=run.not_analysed,
        group_problems=run.group_problems,
        min_complete=run.needed,
        n_suppressed=len(survey.suppressed_groups(run.min_group_size)) if survey.group is not None else 0,
        min_group_size=run.min_group_size,
        dimension_descriptions={d: text for d, label in survey.codebook.dimension_descriptions.items()
                                if (text := label.get(language))},
        outcome_label=survey.label(run.outcome, language),
    )

