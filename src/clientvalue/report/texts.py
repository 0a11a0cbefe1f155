"""Captions, column headers and the wording of codes, in one place (English msgids, see i18n).

CSV files keep the tidy column names and the language-free codes (``keep_up``, ``out_of_range``,
``practical``); only what a reader sees in HTML is translated, through :func:`shown_frame`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from clientvalue.report.i18n import N_, translator

CAPTIONS: dict[str, str] = {
    "summary": N_("The file in figures"),
    "responses_per_group": N_("Respondents per group"),
    "missingness": N_("Missing answers per question"),
    "handled_problems": N_("Each problem: the check, how often, example values and how it was handled"),
    "response_patterns": N_("Complete, partial and straight-lined responses"),
    "attributes": N_("Respondents per characteristic"),
    "item_distributions": N_("How the answers to each question are spread over the scale"),
    "value_profile": N_(
        "Practical and emotional value per group: share of the explained variance in the overall rating, "
        "with 95%\u00a0intervals"),
    "value_split": N_(
        "How much of the overall rating is explained by practical and by emotional value, per group "
        "(bars: 95%\u00a0intervals)."),
    "drivers": N_("Importance and score of every question, per group"),
    "importance": N_("Which questions drive the overall rating (share of explained variance, 95%\u00a0intervals)"),
    "quadrants": N_("Importance against score: questions top-left need attention first"),
    "red_items": N_("Questions 'in the red': important and underperforming"),
    "strategy": N_("Suggested strategy per group and why"),
    "reliability": N_("Do the questions of each dimension measure one thing? (Cronbach's alpha)"),
    "factor_check": N_("Which dimension each question belongs to, by the data"),
    "ordinal": N_("Robustness check: ordinal model of the overall rating (odds ratios)"),
    "penalty_reward": N_("Does a question mainly hurt when poor, or delight when excellent?"),
    "senior_by_age": N_("Share who see themselves as 'senior', per age band (95%\u00a0intervals)"),
    "senior_curve": N_(
        "Share who see themselves as 'senior' by age: bands with 95%\u00a0intervals and a fitted curve "
        "with its 95%\u00a0band"),
    "senior_summary": N_("The age at which half see themselves as 'senior'"),
    "senior_threshold": N_("What an age rule does: labelled against their self-image, and missed"),
    "senior_threshold_chart": N_(
        "For each age threshold: the share of the people it covers who are labelled 'senior' against their "
        "self-image, and the share of the people below it who do see themselves as senior (the rule misses all "
        "of them)."),
    "senior_value": N_(
        "People the age rule labels 'senior': scores of those who do not see themselves so, against "
        "those who do (adjusted for age)"),
    "suppressed_groups": N_("Groups left out of the analysis (too few complete answers)"),

    # notebook 30: client groups and fairness
    "segments_fit": N_("How many segments? Models with 2 to 6 segments; chosen: the lowest ICL among those whose every "
                       "segment is stable (lower BIC and ICL are better)"),
    "segments_sizes": N_("Size of each segment (95% intervals)"),
    "segments_profile": N_("What sets each segment apart: mean answer against the rest"),
    "segments_stability": N_("How stable is each segment? Jaccard similarity over bootstrap refits"),
    "segments_value": N_("Practical and emotional value per segment (share of explained variance, 95% intervals)"),
    "personas": N_("Share of each persona (95% intervals)"),
    "personas_profile": N_("What sets each persona apart: mean answer against the rest"),
    "fairness_segments": N_("Does a segment solution, attribute or question go together with a protected characteristic?"),
    "fairness_treatments": N_("Differentiated treatments per protected characteristic: raw and among people in a comparable situation"),
    "treatment_opt_out": N_("Offered but declined, per category"),
    "treatment_outcome": N_("Do the treated rate the service higher than comparable untreated people? (observational)"),
    "segments_profile_chart": N_("Segment profiles: how far each segment's mean answer lies from the rest (in standard deviations)"),
    "fairness_chart": N_("Association of each segment solution and attribute with each protected characteristic (Cramér's V, 95% intervals)"),
    # notebook 40: consistency of decisions
    "agreement": N_("Agreement between employees on the same cases (95% intervals: resampling cases, and resampling employees)"),
    "vignette_agreement": N_("Per case: the share of employees taking the most common decision (95% interval) and how the case is classified; split cases first"),
    "team_decisions": N_("Per team: agreement within the team, and whether it decides the same cases differently from the other teams"),
    "departures": N_("How often employees depart from the majority of their colleagues on the same case"),
    "variant_effect": N_("Does the client's characteristic change the decision? Difference between versions of the same case"),
    "considerations": N_("What employees weigh when deciding on an exception (95% intervals)"),
    "vignette_agreement_chart": N_("Share of employees taking the most common decision, per case, with 95% intervals; blue: clear, orange: a minority decides differently, red: split."),
    "variant_effect_chart": N_("Difference in decisions between the versions of the same cases, overall and per team, with intervals; red: the interval excludes zero."),
    "considerations_chart": N_("Share of employees who weigh each consideration, with 95% intervals; blue: rules and process, green: equal treatment, red: own sense of justice."),
    # notebook 50: comparisons (levels, waves, units, benchmark)
    "levels": N_("How satisfied: mean and share satisfied per group and question, latest wave (95%\u00a0intervals)"),
    "wave_changes": N_("Change since the previous wave and over all waves (independent samples, 95%\u00a0intervals)"),
    "wave_changes_paired": N_("Change since the previous wave and over all waves (paired analysis of the respondents who "
                              "answered in both waves, 95%\u00a0intervals)"),
    "value_over_waves": N_("Practical share of what drives the overall rating, per wave (95%\u00a0intervals)"),
    "red_items_progress": N_("Questions in the red in one wave: did they improve by the next?"),
    "units": N_("Units in alphabetical order: raw and adjusted mean, reliability and position"),
    "benchmark": N_("Compared with the reference, question by question (95%\u00a0intervals)"),
    "value_benchmark": N_("Value profile beside the reference: practical share of what drives the overall rating"),
    "trend": N_("Mean overall rating per wave and group, with 95%\u00a0intervals"),
    "funnel": N_("Funnel plot: each unit's case-mix adjusted mean against its number of respondents, with 95%\u00a0and "
                 "99.8%\u00a0limits"),
    "unit_intervals": N_("Adjusted mean per unit with its 95%\u00a0interval, in alphabetical order"),
}

_NO_HEADER = ""
COLUMN_LABELS: dict[str, str] = {
    "group": N_("group"),
    "n": N_("respondents"),
    "share": N_("share"),
    "suppressed": N_("not shown"),
    "fact": _NO_HEADER,
    "value": _NO_HEADER,
    "column": N_("question"),
    "item": N_("question"),
    "label": N_("question"),
    "dimension": N_("dimension"),
    "n_answered": N_("answered"),
    "n_missing": N_("missing"),
    "share_missing": N_("share missing"),
    "n_missing_code": N_("don't know / n.a."),
    "n_out_of_range": N_("out of range"),
    "check": N_("check"),
    "count": N_("count"),
    "examples": N_("values"),
    "action": N_("handled as"),
    "complete": N_("complete"),
    "partial": N_("partial"),
    "empty": N_("no items answered"),
    "straight_lining": N_("same answer everywhere"),
    "share_straight_lining": N_("share same answer"),
    "importance": N_("importance"),
    "ci_low": N_("95%\u00a0low"),
    "share_ci_low": N_("95%\u00a0low"),
    "share_ci_high": N_("95%\u00a0high"),
    "odds_ratio": N_("odds ratio"),
    "p_value": N_("p-value"),
    "difference": N_("difference"),
    "score": N_("score"),
    "n_match": N_("self-image matches"),
    "n_against": N_("labelled against self-image"),
    "n_labelled": N_("labelled senior"),
    "n_below": N_("below the rule"),
    "status": N_("status"),
    "driver": N_("question"),
    "alpha": N_("alpha"),
    "n_items": N_("questions"),
    "min_item_rest": N_("lowest item-rest correlation"),
    "assigned": N_("by the data"),
    "flag": N_("flag"),
    "communality": N_("communality"),
    "loading_practical": N_("loading practical"),
    "loading_emotional": N_("loading emotional"),
    "in_red": N_("in the red"),
    "penalty": N_("penalty when poor"),
    "reward": N_("reward when excellent"),
    "effect": N_("kind of question"),
    "ci_high": N_("95%\u00a0high"),
    "r2": "R²",
    "practical_share": N_("practical"),
    "practical_ci_low": N_("practical 95%\u00a0low"),
    "practical_ci_high": N_("practical 95%\u00a0high"),
    "emotional_share": N_("emotional"),
    "emotional_ci_low": N_("emotional 95%\u00a0low"),
    "emotional_ci_high": N_("emotional 95%\u00a0high"),
    "strategy": N_("strategy"),
    "performance": N_("score (0-100)"),
    "performance_se": N_("standard error of the score"),
    "improvement_score": N_("improvement score"),
    "quadrant": N_("quadrant"),
    "relative_weight": N_("relative weight"),
    "age_band": N_("age"),
    "share_senior": N_("sees self as senior"),
    "threshold": N_("age rule"),
    "labelled_against_self_image": N_("labelled against self-image"),
    "missed": N_("missed"),
    "missed_ci_low": N_("missed 95%\u00a0low"),
    "missed_ci_high": N_("missed 95%\u00a0high"),
    "age_half": N_("age at which half"),
    "attribute": N_("characteristic"),
    "category": _NO_HEADER,
    "reason": N_("why"),
}

# The wording of language-free codes, per column in which they appear.
DIMENSION_LABELS = {"practical": N_("practical"), "emotional": N_("emotional"), "outcome": N_("overall rating")}
DIMENSION_NAMES = {"practical": N_("Practical value"), "emotional": N_("Emotional value")}
QUADRANT_LABELS = {
    "concentrate_here": N_("Concentrate here"),
    "keep_up": N_("Keep up the good work"),
    "low_priority": N_("Low priority"),
    "possible_overkill": N_("Scores above what it weighs"),
}
PR_LABELS = {
    "basic": N_("basic (must be right)"),
    "performance": N_("proportional (every point counts)"),
    "excitement": N_("excitement (pleasant surprise)"),
    "no_effect": N_("no clear effect"),
    "not_estimable": N_("not estimable"),
}
STRATEGY_NAMES = {"performance": N_("performance"), "experience": N_("experience"), "customisation": N_("customisation")}
CHECK_LABELS = {
    "missing_code": N_("don't know / not applicable code"),
    "user_missing_code": N_("missing-value code of the file"),
    "out_of_range": N_("answer outside the scale"),
    "age_out_of_range": N_("impossible age"),
    "missing_group": N_("no group"),
}
STATUS_LABELS = {
    "ok": N_("estimated"),
    "suppressed": N_("not shown: too few respondents"),
    "never_half": N_("half is not reached at any age"),
    "above_half_throughout": N_("half or more already at the youngest ages"),
    "separation": N_("no smooth curve: answers split exactly by age"),
}
SCORE_LABELS = {**DIMENSION_LABELS, "overall": N_("overall rating")}
VALUE_LABELS: dict[str, dict[str, str]] = {
    "dimension": DIMENSION_LABELS,
    "assigned": DIMENSION_LABELS,
    "score": SCORE_LABELS,
    "quadrant": QUADRANT_LABELS,
    "check": CHECK_LABELS,
    "status": STATUS_LABELS,
    "classification": PR_LABELS,
}
# Wordings with numbers in them (``action`` of the data check): pattern -> msgid.
_ACTIONS = [
    (re.compile(r"set to missing"), N_("set to missing")),
    (re.compile(r"outside \[(?P<low>[^,\]]+), (?P<high>[^\]]+)\]: set to missing"),
     N_("outside [{low}, {high}]: set to missing")),
    (re.compile(r"outside (?P<low>\d+)-(?P<high>\d+): set to missing"), N_("outside {low}–{high}: set to missing")),
    (re.compile(r"put in group (?P<group>.+)"), N_("put in group {group}")),
]

WHOLE_SAMPLE = N_("all respondents")
MISSING_GROUP_LABEL = N_("(missing)")


def caption(name: str, language: str) -> str:
    """The caption of table or figure ``name`` in ``language`` (the name itself if none)."""
    message = CAPTIONS.get(name)
    return translator(language)(message) if message else name.replace("_", " ")


def column_label(column: str, language: str) -> str:
    """The header a reader sees for a tidy column name."""
    message = COLUMN_LABELS.get(column)
    if message is None:
        return column.replace("_", " ")
    return translator(language)(message) if message else ""


def code_label(column: str, code: Any, language: str) -> Any:
    """How a reader sees a code in ``column`` (``keep_up`` -> "Keep up the good work"); other values as they are."""
    message = VALUE_LABELS.get(column, {}).get(code) if isinstance(code, str) else None
    return translator(language)(message) if message else code


def action_label(action: Any, language: str) -> Any:
    """The data check's ``action`` text (e.g. ``outside [1, 10]: set to missing``) in ``language``."""
    if not isinstance(action, str):
        return action
    _ = translator(language)
    for pattern, message in _ACTIONS:
        match = pattern.fullmatch(action)
        if match:
            values = match.groupdict()
            if "group" in values:
                values["group"] = group_label(values["group"], language)
            return _(message, **values)
    return action


def strategy_name(components: tuple[str, ...] | list[str], language: str) -> str:
    """A strategy mix in words: ``("performance", "customisation")`` -> "performance and customisation"."""
    _ = translator(language)
    names = [_(STRATEGY_NAMES[c]) if c in STRATEGY_NAMES else c for c in components]
    if len(names) == 1:
        return names[0]
    return _("{items} and {last}", items=", ".join(names[:-1]), last=names[-1])


def shown_frame(frame: pd.DataFrame, language: str, *,
                value_labels: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """The frame as a reader sees it: codes in words, groups and codebook columns by their labels.

    ``value_labels`` (``{column: {value: label}}``, in ``language``: e.g. the codebook's labels of
    the questions, or the data check's labels from report/checks_text.py) apply to the HTML only,
    never to the CSV.
    """
    shown = frame.copy()
    extra = value_labels or {}
    for column in shown.columns:
        values = shown[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        if column == "group":
            shown[column] = values.map(lambda v: group_label(v, language) if isinstance(v, str) else v)
        elif column == "action":
            shown[column] = values.map(lambda v: action_label(v, language))
        elif column in VALUE_LABELS:
            shown[column] = values.map(lambda v, c=column: code_label(c, v, language))
        if column in extra:
            labels = extra[column]
            shown[column] = shown[column].map(lambda v, m=labels: m.get(v, v) if isinstance(v, str) else v)
    return shown


# Columns shown as percentages (the CSV keeps fractions 0-1).
PERCENT_COLUMNS = {
    "share", "share_missing", "share_straight_lining", "share_senior", "labelled_against_self_image",
    "missed", "missed_ci_low", "missed_ci_high", "practical_share", "practical_ci_low", "practical_ci_high",
    "emotional_share", "emotional_ci_low", "emotional_ci_high", "share_ci_low", "share_ci_high",
}
# Tables whose plain ``ci_low``/``ci_high`` belong to a share (shown as percentages too).
_SHARE_TABLE_MARKERS = {"share_senior", "labelled_against_self_image"}
INTEGER_COLUMNS = {"threshold", "count", "complete", "partial", "empty", "straight_lining", "value", "age_half"}


def is_percent(column: str, columns: list[str]) -> bool:
    """Whether ``column`` of a table with ``columns`` holds a fraction to show as a percentage."""
    if column in PERCENT_COLUMNS:
        return True
    return column in ("ci_low", "ci_high") and bool(_SHARE_TABLE_MARKERS & set(columns))


def group_label(group: str, language: str) -> str:
    """How a reader sees a group name: ``all`` (every reported group together) is spelled out."""
    if group == "all":
        return translator(language)(WHOLE_SAMPLE)
    if group == "(missing)":
        return translator(language)(MISSING_GROUP_LABEL)
    return group


#: What a fairness row of notebook 30 is about, when it is a segment solution rather than a column.
SEGMENT_SOURCES = {"segments": N_("the data-driven segments"), "personas": N_("the persona grid")}
