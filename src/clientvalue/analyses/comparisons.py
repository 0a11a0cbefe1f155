"""Comparisons for one survey: levels, waves, units and a benchmark (notebook 50), in one call.

The statistics live in :mod:`clientvalue.stats.levels` (weighted means and shares with
``svymean``/``svyciprop`` intervals, independent comparisons), :mod:`clientvalue.stats.multilevel`
(the random-intercept model from per-unit sufficient statistics) and
:mod:`clientvalue.stats.importance` (LMG with a bootstrap); this module feeds them the survey, its
earlier waves (:mod:`clientvalue.data.waves`) and the run's parameters, applies the small-group
rule and decides the findings (:class:`clientvalue.findings.Finding`), once.
The findings (:func:`with_findings`, :func:`save_findings`) are built in
:mod:`clientvalue.analyses.comparisons_findings` and importable from here.

Small groups: a service (group) below ``min_group_size`` in any wave is left out of every wave and
of "all"; a unit below it is left out of the unit comparison entirely, and when the rows outside the
reported units (no unit, or a suppressed one) number fewer than ``min_group_size`` but more than
none, the smallest reported units are suppressed as well, so that no suppressed unit can be
recovered from "all" minus the units shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clientvalue import defaults
# The findings (analyse calls with_findings), importable from here as before the split.
from clientvalue.analyses.comparisons_findings import (  # noqa: F401
    RELIABILITY_THRESHOLD, save_findings, with_findings)
from clientvalue.data.survey import Survey, code_text
from clientvalue.data.waves import VALUE_PROFILE, WAVE, questions_of, read_benchmark, stack_waves, unit_values
from clientvalue.data.waves import check_comparison_inputs as check_inputs  # noqa: F401  (as before the move)
from clientvalue.errors import AnalysisError
from clientvalue.findings import Finding
from clientvalue.stats import levels as lv
from clientvalue.stats import multilevel as ml

ALL = "all"
LEVEL_COLUMNS = ["group", "wave", "question", "mean", "ci_low", "ci_high", "share_satisfied", "share_ci_low",
                 "share_ci_high", "n", "se", "satisfied_from"]
CHANGE_COLUMNS = ["group", "question", "from_wave", "to_wave", "change", "ci_low", "ci_high", "p_value", "flag",
                  "span", "method"]
VALUE_COLUMNS = ["group", "wave", "practical_share", "ci_low", "ci_high", "n"]
VALUE_CHANGE_COLUMNS = ["group", "from_wave", "to_wave", "change", "ci_low", "ci_high", "flag"]
RED_COLUMNS = ["group", "question", "red_wave", "to_wave", "change", "ci_low", "ci_high", "p_value", "flag"]
UNIT_COLUMNS = ["unit", "n", "raw_mean", "case_mix_mean", "adjusted_mean", "ci_low", "ci_high", "reliability",
                "funnel_low_95", "funnel_high_95", "funnel_low_998", "funnel_high_998", "position",
                "position_95", "raw_position", "suppressed"]
UNIT_QUESTION_COLUMNS = ["unit", "question", "case_mix_mean", "reference", "position_95", "position"]
BENCHMARK_COLUMNS = ["question", "own_mean", "reference_mean", "difference", "ci_low", "ci_high", "p_value", "flag"]
VALUE_BENCHMARK_COLUMNS = ["wave", "practical_share", "ci_low", "ci_high", "reference_practical_share"]


@dataclass(frozen=True)
class ComparisonsResult:
    """Every table notebook 50 shows, with its findings (codes and numbers, no words).

    Attributes
    ----------
    levels, wave_changes, value_over_waves, value_changes, red_items, units, unit_questions, benchmark : DataFrame
        Tidy tables (see the ``*_COLUMNS`` lists); empty when there is nothing to compare.
    findings : list of Finding
    notes : list of dict
        Language-free notes: a question asked in only some waves, repeated ids, rescaling, rows without
        a unit, how many units are not shown.
    waves : list of str
        The waves, oldest first (one: the current export only).
    unit_model : dict
        ``icc``, ``tau2``, ``sigma2``, ``reference`` and the case-mix slopes of the outcome's model.
    outcome : str or None
    unit_label : str
    """

    levels: pd.DataFrame
    wave_changes: pd.DataFrame
    value_over_waves: pd.DataFrame
    value_changes: pd.DataFrame
    red_items: pd.DataFrame
    units: pd.DataFrame
    unit_questions: pd.DataFrame
    benchmark: pd.DataFrame
    value_benchmark: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VALUE_BENCHMARK_COLUMNS))
    findings: list[Finding] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    waves: list[str] = field(default_factory=list)
    unit_model: dict = field(default_factory=dict)
    outcome: str | None = None


def _satisfied_from(survey: Survey) -> dict[str, float]:
    sat = survey.codebook.satisfaction
    out = {i.column: sat.threshold(i.scale) for i in survey.codebook.items}
    if survey.codebook.outcome:
        out[survey.codebook.outcome.column] = sat.threshold(survey.codebook.outcome.scale)
    return out


def _current(survey: Survey, questions: list[str], wave: str) -> pd.DataFrame:
    data = survey.data
    out = pd.DataFrame({q: data[q] for q in questions}, index=data.index)
    out["_group"] = data[survey.group].astype(str) if survey.group else ALL
    out["_weight"] = data[survey.weight].astype(float) if survey.weight else 1.0
    out[WAVE] = wave
    return out.reset_index(drop=True)


def _reported(stacked: pd.DataFrame, min_group_size: int) -> tuple[pd.DataFrame, list[str]]:
    """Rows of groups with at least ``min_group_size`` rows in every wave they appear in."""
    sizes = stacked.groupby([WAVE, "_group"]).size()
    small = sorted({g for (_, g), n in sizes.items() if n < min_group_size})
    return stacked[~stacked["_group"].isin(small)], small


def analyse(survey: Survey, *, min_group_size: int = defaults.MIN_GROUP_SIZE, n_boot: int = defaults.N_BOOT,
            seed: int | None = defaults.SEED, level: float = 0.95) -> ComparisonsResult:
    """Levels, changes over waves, value over waves, units and the benchmark of one survey.

    Parameters
    ----------
    survey : Survey
        The current survey; its codebook may name earlier ``waves``, ``units`` with ``case_mix`` and a
        ``benchmark`` (docs/codebook.md).
    min_group_size : int
        Services and units with fewer respondents are never shown (see the module docstring).
    n_boot : int
        Bootstrap replicates of the practical share per wave (0: no intervals).
    seed : int or None
        Seed of the bootstrap.
    level : float
        Confidence level of every interval.

    Returns
    -------
    ComparisonsResult
    """
    questions = questions_of(survey.codebook)
    if not questions:
        raise AnalysisError(f"{survey.codebook_path}: the codebook names no outcome and no items: nothing to compare.")
    waves = stack_waves(survey)
    notes: list[dict] = list(waves.notes) if waves else []
    if waves is None:
        wave_names = [survey.codebook.waves.current if survey.codebook.waves and survey.codebook.waves.current else ""]
        stacked = _current(survey, questions, wave_names[0])
        asked = {q: wave_names for q in questions}
    else:
        wave_names, stacked, asked = waves.order, waves.data, waves.questions
    stacked, small = _reported(stacked, min_group_size)
    thresholds = _satisfied_from(survey)
    levels = _small_cells_left_out(_levels(stacked, questions, thresholds, level), min_group_size)
    changes = _wave_changes(levels, wave_names, level)
    if waves is not None and survey.codebook.waves.paired:
        changes = _paired_changes(changes, stacked, level)
        notes = [note | {"kind": "ids_repeat_paired"} if note["kind"] == "ids_repeat" else note for note in notes]
        notes.append({"kind": "paired"})
    value, value_changes, red = _value_over_waves(survey, stacked, wave_names, asked, n_boot=n_boot, seed=seed,
                                                  level=level, levels=levels)
    units, unit_questions, model, unit_notes = _units(survey, questions, current=wave_names[-1],
                                                      min_group_size=min_group_size, level=level)
    notes += unit_notes
    reference = read_benchmark(survey)  # read once: both benchmark tables compare with it
    result = ComparisonsResult(levels=levels, wave_changes=changes, value_over_waves=value,
                               value_changes=value_changes, red_items=red, units=units,
                               unit_questions=unit_questions,
                               benchmark=_benchmark(reference, levels, wave_names[-1], level),
                               value_benchmark=_value_benchmark(reference, value, wave_names[-1]),
                               notes=notes, waves=list(wave_names),
                               unit_model=model, outcome=survey.outcome)
    return with_findings(result)


# --------------------------------------------------------------------------- levels and changes
def _levels(stacked: pd.DataFrame, questions: list[str], thresholds: dict[str, float], level: float) -> pd.DataFrame:
    parts = []
    splits: list[tuple[list[str], str | None]] = [([WAVE], ALL)]
    if not stacked["_group"].eq(ALL).all():
        splits.append(([WAVE, "_group"], None))
    coded = [(by, group, lv.group_codes(stacked, by)) for by, group in splits]  # once, not once per question
    for q in questions:
        for by, group, codes in coded:
            table = lv.weighted_levels(stacked, value=q, weights="_weight", by=by, satisfied_from=thresholds[q],
                                       level=level, codes=codes)
            if table.empty:
                continue
            table = table.rename(columns={"_group": "group"})
            if group is not None:
                table["group"] = group
            table["question"] = q
            table["satisfied_from"] = thresholds[q]
            parts.append(table)
    if not parts:
        return pd.DataFrame(columns=LEVEL_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["wave"] = out["wave"].astype(str)
    return out[LEVEL_COLUMNS]


def _small_cells_left_out(levels: pd.DataFrame, min_group_size: int) -> pd.DataFrame:
    """Leave out every level with fewer than ``min_group_size`` answers (a service may be large while
    few of its clients answer one question), with enough other services' levels of that question and
    wave, smallest first, that "all" minus the services shown is never fewer answers than that."""
    if levels.empty:
        return levels
    out = np.zeros(len(levels), dtype=bool)
    for _key, cells in levels.groupby(["wave", "question"], sort=False):
        services = cells[cells["group"] != ALL]
        small = services["n"] < min_group_size
        total = int(services.loc[small, "n"].sum())
        hidden = list(services.index[small])
        if hidden:
            for index, n in services.loc[~small, "n"].sort_values(kind="stable").items():
                if total >= min_group_size:
                    break
                hidden.append(index)
                total += int(n)
        everyone = cells.index[cells["group"] == ALL]
        if len(everyone) and cells.loc[everyone[0], "n"] < min_group_size:
            hidden.append(everyone[0])
        out[levels.index.get_indexer(hidden)] = True
    return levels.loc[~out].reset_index(drop=True)


def _pairs(waves: list[str]) -> list[tuple[str, str, str]]:
    pairs = [(a, b, "previous") for a, b in zip(waves, waves[1:])]
    if len(waves) > 2:
        pairs.append((waves[0], waves[-1], "all"))
    return pairs


def _wave_changes(levels: pd.DataFrame, waves: list[str], level: float) -> pd.DataFrame:
    if len(waves) < 2 or levels.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    keyed = levels.set_index(["group", "question", "wave"])
    rows = []
    for (group, question), _ in levels.groupby(["group", "question"], sort=False):
        for a, b, span in _pairs(waves):
            if (group, question, a) not in keyed.index or (group, question, b) not in keyed.index:
                continue
            ra, rb = keyed.loc[(group, question, a)], keyed.loc[(group, question, b)]
            diff = lv.compare_independent(ra["mean"], ra["se"], rb["mean"], rb["se"], level=level).iloc[0]
            rows.append({"group": group, "question": question, "from_wave": a, "to_wave": b, "span": span,
                         "change": diff["change"], "ci_low": diff["ci_low"], "ci_high": diff["ci_high"],
                         "p_value": diff["p_value"]})
    out = pd.DataFrame(rows, columns=[c for c in CHANGE_COLUMNS if c not in ("flag", "method")])
    out["flag"] = _flags(out)
    out["method"] = "independent"
    return out[CHANGE_COLUMNS]


def _flags(out: pd.DataFrame):
    return lv.flag_change(out["ci_low"], out["ci_high"], positive="improved", negative="declined",
                          neutral="similar") if len(out) else []


def _paired_changes(changes: pd.DataFrame, stacked: pd.DataFrame, level: float) -> pd.DataFrame:
    """The same changes from the paired analysis (respondent as sampling unit; codebook ``waves.paired``)."""
    out = changes.copy()
    for (question, a, b), part in changes.groupby(["question", "from_wave", "to_wave"], sort=False):
        pair = stacked[stacked[WAVE].isin([a, b])]
        whole = lv.paired_change(pair, value=question, wave=WAVE, respondent="_id", from_wave=a, to_wave=b,
                                 weights="_weight", level=level).assign(_group=ALL)
        split = lv.paired_change(pair, value=question, wave=WAVE, respondent="_id", from_wave=a, to_wave=b,
                                 weights="_weight", by=["_group"], level=level)
        paired = pd.concat([whole, split], ignore_index=True).set_index("_group")
        for index, row in part.iterrows():
            if row["group"] in paired.index:
                got = paired.loc[row["group"]]
                out.loc[index, ["change", "ci_low", "ci_high", "p_value"]] = [
                    got["change"], got["ci_low"], got["ci_high"], got["p_value"]]
                out.loc[index, "method"] = "paired"
    out["flag"] = _flags(out)
    return out[CHANGE_COLUMNS]


# --------------------------------------------------------------------------- value over waves
def _value_over_waves(survey: Survey, stacked: pd.DataFrame, waves: list[str], asked: dict[str, list[str]], *,
                      n_boot: int, seed: int | None, level: float, levels: pd.DataFrame):
    empty = (pd.DataFrame(columns=VALUE_COLUMNS), pd.DataFrame(columns=VALUE_CHANGE_COLUMNS),
             pd.DataFrame(columns=RED_COLUMNS))
    outcome = survey.outcome
    dims = survey.dimensions()
    if outcome is None or "practical" not in dims or len(dims) < 2:
        return empty
    items = [i for i in survey.items() if len(asked.get(i, [])) == len(waves)]  # asked in every wave
    dimensions = {d: [i for i in cols if i in items] for d, cols in dims.items()}
    if any(not cols for cols in dimensions.values()):
        return empty
    groups = [ALL] + sorted(set(stacked["_group"].unique()) - {ALL})  # not 1M Python iterations
    rows, boots, red_rows = _shares_per_wave(survey, stacked, waves, groups, outcome=outcome, items=items,
                                             dimensions=dimensions, n_boot=n_boot, seed=seed)
    value = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    value_changes = _share_changes(value, boots, groups, waves, level=level)
    red = _red_progress(red_rows, waves, levels, level)
    return value, value_changes[VALUE_CHANGE_COLUMNS], red


def _shares_per_wave(survey: Survey, stacked: pd.DataFrame, waves: list[str], groups: list[str], *, outcome: str,
                     items: list[str], dimensions: dict[str, list[str]], n_boot: int, seed: int | None):
    """The practical share per group and wave (rows of VALUE_COLUMNS), its bootstrap replicates per
    ``(group, wave)`` and the ``(group, item, wave)`` of every question in the red."""
    from clientvalue.analyses.drivers import share_interval
    from clientvalue.errors import ClientValueError
    from clientvalue.stats.importance import dimension_totals, importance
    from clientvalue.stats.ipa import importance_performance

    rows, boots, red_rows = [], {}, []
    read = stacked[list(dict.fromkeys([outcome, *items, "_weight"]))]  # what the models read: no copy of the rest
    for group in groups:
        for k, wave in enumerate(waves):
            frame = read[(stacked[WAVE] == wave) & ((stacked["_group"] == group) if group != ALL else True)]
            if int(frame[[outcome, *items]].notna().all(axis=1).sum()) < len(items) + 10:
                continue
            try:
                result = importance(frame, outcome=outcome, drivers=items, weights="_weight", n_boot=n_boot,
                                    seed=None if seed is None else seed + k)
                totals = dimension_totals(result, dimensions=dimensions).table.set_index("dimension")
                low, high = share_interval(result)
                ipa = importance_performance(frame, importance=result.table.assign(share_ci_low=low, share_ci_high=high),
                                             items=items, scales=survey.scales(), weights="_weight")
            except ClientValueError:
                continue
            rows.append({"group": group, "wave": wave, "practical_share": totals.at["practical", "share"],
                         "ci_low": totals.at["practical", "ci_low"], "ci_high": totals.at["practical", "ci_high"],
                         "n": result.n})
            boot = result.replicates
            if boot is not None:
                boot = boot[~np.isnan(boot).any(axis=1)]
                prac = [items.index(i) for i in dimensions["practical"]]
                boots[(group, wave)] = boot[:, prac].sum(axis=1) / boot.sum(axis=1)
            for item in ipa.table.loc[ipa.table["in_red"].astype(bool), "item"]:
                red_rows.append((group, item, wave))
    return rows, boots, red_rows


def _share_changes(value: pd.DataFrame, boots: dict, groups: list[str], waves: list[str], *,
                   level: float) -> pd.DataFrame:
    """Changes of the practical share between waves per group, with intervals from the bootstraps."""
    alpha = (1 - level) / 2
    shares = value.set_index(["group", "wave"])["practical_share"] if len(value) else pd.Series(dtype=float)
    change_rows = []
    for group in groups:
        for a, b, _span in _pairs(waves):
            if (group, a) not in shares.index or (group, b) not in shares.index:
                continue
            diff = shares[(group, b)] - shares[(group, a)]
            lo = hi = np.nan
            if (group, a) in boots and (group, b) in boots:  # independent bootstraps of independent samples
                m = min(len(boots[(group, a)]), len(boots[(group, b)]))
                d = boots[(group, b)][:m] - boots[(group, a)][:m]
                lo, hi = np.quantile(d, [alpha, 1 - alpha]) if m else (np.nan, np.nan)
            change_rows.append({"group": group, "from_wave": a, "to_wave": b, "change": diff, "ci_low": lo,
                                "ci_high": hi})
    value_changes = pd.DataFrame(change_rows, columns=VALUE_CHANGE_COLUMNS[:-1])
    value_changes["flag"] = lv.flag_change(value_changes["ci_low"], value_changes["ci_high"],
                                           positive="more_practical", negative="more_emotional",
                                           neutral="similar") if len(value_changes) else []
    return value_changes


def _red_progress(red_rows: list[tuple[str, str, str]], waves: list[str], levels: pd.DataFrame,
                  level: float) -> pd.DataFrame:
    """Did the items in the red in a wave improve by the next wave?"""
    keyed = levels.set_index(["group", "question", "wave"])
    rows = []
    for group, item, wave in red_rows:
        k = waves.index(wave)
        if k + 1 >= len(waves):
            continue
        nxt = waves[k + 1]
        if (group, item, wave) not in keyed.index or (group, item, nxt) not in keyed.index:
            continue
        a, b = keyed.loc[(group, item, wave)], keyed.loc[(group, item, nxt)]
        diff = lv.compare_independent(a["mean"], a["se"], b["mean"], b["se"], level=level).iloc[0]
        rows.append({"group": group, "question": item, "red_wave": wave, "to_wave": nxt, "change": diff["change"],
                     "ci_low": diff["ci_low"], "ci_high": diff["ci_high"], "p_value": diff["p_value"]})
    out = pd.DataFrame(rows, columns=RED_COLUMNS[:-1])
    out["flag"] = lv.flag_change(out["ci_low"], out["ci_high"], positive="improved", negative="declined",
                                 neutral="similar") if len(out) else []
    return out[RED_COLUMNS]


# --------------------------------------------------------------------------- units
def _unit_frame(survey: Survey, min_group_size: int, current: str,
                questions: list[str]) -> tuple[pd.DataFrame, list[dict]]:
    """Reported rows of the current wave (``current``, the last of :func:`stack_waves`) with their unit;
    units too small (or recoverable) removed.

    A unit's size is what its published ``n`` counts: its rows with an outcome and a complete case
    mix (the rows of :func:`clientvalue.stats.multilevel.unit_statistics`). What lies outside the
    shown units is counted as the level of "all" counts it: every row with an outcome. The frame
    holds only what the unit models read (the outcome, ``questions``, the case mix and the weight)
    and ``_unit``: a copy of every column of a million rows cost seconds of fresh memory."""
    from clientvalue import disclosure

    values = unit_values(survey)
    keep = disclosure.reported_mask(survey, min_group_size).to_numpy().copy()
    spec = survey.codebook.waves
    if spec is not None and spec.column is not None:  # a stacked file: units are compared in the current wave
        column = survey.data[spec.column]
        codes = [v for v in column.dropna().unique() if code_text(v) == current]  # the wave as the file codes it
        keep &= column.isin(codes).to_numpy()
    case_mix = survey.codebook.case_mix_columns()
    read = [survey.outcome, *questions, *case_mix, survey.weight]
    columns = [c for c in dict.fromkeys(read) if c is not None and c in survey.data.columns]
    data = survey.data.loc[keep, columns]  # a new frame (copy-on-write): the column below is its own
    data["_unit"] = values[keep].to_numpy()
    rated = pd.to_numeric(data[survey.outcome], errors="coerce").notna().to_numpy()
    counted = rated & data[case_mix].notna().all(axis=1).to_numpy()
    sizes = data.loc[counted, "_unit"].value_counts().reindex(data["_unit"].dropna().unique(), fill_value=0)
    hidden = set(sizes[sizes < min_group_size].index)
    while True:  # secondary suppression: what lies outside the shown units is never a small group
        shown = sizes.drop(list(hidden)).sort_values()
        outside = int(rated.sum() - shown.sum())
        if outside == 0 or outside >= min_group_size or shown.empty:
            break
        hidden.add(shown.index[0])
    notes = []
    if hidden:
        notes.append({"kind": "units_not_shown", "n": len(hidden)})
    if data["_unit"].isna().any():
        notes.append({"kind": "rows_without_unit", "n": int(data["_unit"].isna().sum())})
    data = data[data["_unit"].notna() & ~data["_unit"].isin(hidden)]
    return data, notes


def _units(survey: Survey, questions: list[str], *, current: str, min_group_size: int, level: float):
    empty = (pd.DataFrame(columns=UNIT_COLUMNS), pd.DataFrame(columns=UNIT_QUESTION_COLUMNS), {}, [])
    spec = survey.codebook.units
    if spec is None or survey.outcome is None:
        return empty
    data, notes = _unit_frame(survey, min_group_size, current, questions)
    if data["_unit"].nunique() < 2:
        return empty[:3] + (notes + [{"kind": "too_few_units"}],)
    case_mix = survey.codebook.case_mix_columns()
    weights = survey.weight
    fit = ml.random_intercept(ml.unit_statistics(data, value=survey.outcome, unit="_unit", case_mix=case_mix,
                                                 weights=weights), level=level)
    raw = ml.random_intercept(ml.unit_statistics(data, value=survey.outcome, unit="_unit", weights=weights),
                              level=level)
    units = fit.units.copy()
    units["raw_position"] = raw.units.set_index("unit").loc[units["unit"], "position"].to_numpy()
    units["suppressed"] = False
    model = {"icc": fit.icc, "tau2": fit.tau2, "sigma2": fit.sigma2, "reference": fit.reference,
             "n_units": fit.n_units, "boundary": fit.boundary,
             "case_mix": ",".join(case_mix), "rows_dropped": int(len(data) - fit.n_obs)}
    for row in fit.fixed_effects.itertuples(index=False):
        if row.term != ml.INTERCEPT:
            model[f"slope:{row.term}"] = float(row.estimate)
    per_question = []
    for q in questions:
        if q == survey.outcome:
            continue
        try:
            item = ml.random_intercept(ml.unit_statistics(data, value=q, unit="_unit", case_mix=case_mix,
                                                          weights=weights), level=level)
        except AnalysisError:
            continue
        part = item.units[["unit", "case_mix_mean", "position_95", "position"]].copy()
        part["question"], part["reference"] = q, item.reference
        per_question.append(part)
    unit_questions = (pd.concat(per_question, ignore_index=True)[UNIT_QUESTION_COLUMNS] if per_question
                      else pd.DataFrame(columns=UNIT_QUESTION_COLUMNS))
    return units[UNIT_COLUMNS].reset_index(drop=True), unit_questions, model, notes


# --------------------------------------------------------------------------- benchmark
def _benchmark(reference: pd.DataFrame | None, levels: pd.DataFrame, current: str, level: float) -> pd.DataFrame:
    """The organisation's levels (all, latest wave) beside the reference file's (:func:`read_benchmark`)."""
    if reference is None or levels.empty:
        return pd.DataFrame(columns=BENCHMARK_COLUMNS)
    own = levels[(levels["group"] == ALL) & (levels["wave"] == current)][["question", "mean", "se", "n"]]
    reference = reference[reference["question"] != VALUE_PROFILE]
    out = lv.compare_with_reference(own, reference[reference["question"].isin(set(own["question"]))], level=level)
    return out[BENCHMARK_COLUMNS + [c for c in out.columns if c not in BENCHMARK_COLUMNS]]


def _value_benchmark(reference: pd.DataFrame | None, value: pd.DataFrame, current: str) -> pd.DataFrame:
    """The organisation's practical share (all, latest wave) beside the reference's, when the file gives one."""
    if reference is None or value.empty or VALUE_PROFILE not in set(reference["question"]):
        return pd.DataFrame(columns=VALUE_BENCHMARK_COLUMNS)
    own = value[(value["group"] == ALL) & (value["wave"] == current)]
    if own.empty:
        return pd.DataFrame(columns=VALUE_BENCHMARK_COLUMNS)
    share = float(reference.loc[reference["question"] == VALUE_PROFILE, "mean"].iloc[0])
    return own[["wave", "practical_share", "ci_low", "ci_high"]].assign(reference_practical_share=share).reset_index(
        drop=True)
