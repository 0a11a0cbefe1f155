"""Senior self-identification for one survey: every result notebook 20 shows, in one call.

The statistics live in :mod:`clientvalue.senior`; this module feeds it a
:class:`~clientvalue.survey.Survey` and the run's parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clientvalue import senior
from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.survey import Survey

BY_AGE_COLUMNS = ["age_band", "n", "share_senior", "ci_low", "ci_high", "suppressed"]
THRESHOLD_COLUMNS = [
    "threshold", "labelled_against_self_image", "ci_low", "ci_high",
    "missed", "missed_ci_low", "missed_ci_high", "n_labelled", "n_below",
]
SUMMARY_COLUMNS = ["age_half", "ci_low", "ci_high", "n", "status"]


def bands_from_bounds(lower_bounds: list[int] | tuple[int, ...]) -> list[tuple[int, int | None]]:
    """Age bands from their lower bounds: ``[18, 55, 65]`` -> 18–54, 55–64, 65+."""
    bounds = list(lower_bounds)
    if not bounds or any(b <= a for a, b in zip(bounds, bounds[1:])):
        raise ParameterError(f"age_bands must be increasing lower bounds such as [18, 55, 65, 75, 85], got {bounds}")
    return [(low, high - 1) for low, high in zip(bounds, bounds[1:])] + [(bounds[-1], None)]


@dataclass
class SeniorResults:
    """Everything notebook 20 shows. Tables are tidy and already suppressed.

    ``by_age`` holds the published columns (:data:`BY_AGE_COLUMNS`) plus the band bounds and
    mean age the chart needs.
    """

    by_age: pd.DataFrame
    curve: senior.SeniorCurve | None
    summary: pd.DataFrame
    thresholds: pd.DataFrame
    value: pd.DataFrame | None
    findings: str
    threshold: int
    n_dropped_age: int
    n_dropped_answer: int


def analyse(
    survey: Survey,
    *,
    age_bands: list[int] | tuple[int, ...] = (18, 55, 65, 75, 85),
    age_threshold: int = 65,
    age_thresholds: list[int] | tuple[int, ...] = senior.DEFAULT_THRESHOLDS,
    min_group_size: int = 10,
    n_boot: int = 500,
    seed: int | None = None,
    language: str = "en",
) -> SeniorResults:
    """Run the senior self-identification analysis on a survey.

    Parameters
    ----------
    survey : Survey
        Needs ``attributes.age`` and a ``senior`` section in its codebook.
    age_bands : list of int
        Lower bounds of the age bands; the last band is open-ended.
    age_threshold : int
        The age rule to discuss (e.g. a 65+ rate).
    age_thresholds : list of int
        Candidate age rules for the threshold table.
    min_group_size : int
        Bands and comparison groups with fewer respondents are suppressed.
    n_boot : int
        Bootstrap replicates for the half-way age interval (0: no interval).
    seed : int, optional
    language : {"en", "nl"}
        Language of the findings.

    Returns
    -------
    SeniorResults

    Raises
    ------
    AnalysisError
        When the codebook has no age or no senior question.
    """
    if survey.age is None or survey.senior is None:
        missing = [name for name, col in (("attributes.age", survey.age), ("senior", survey.senior)) if col is None]
        raise AnalysisError(
            f"codebook {survey.codebook_path}: the senior analysis needs {' and '.join(missing)}; "
            "add them to the codebook (docs/codebook.md) or leave 20_senior out of `notebooks`."
        )
    data = survey.data
    if survey.outcome is not None:
        data = pd.concat([data, survey.dimension_scores()], axis=1)
    common = {"age": survey.age, "senior": survey.senior, "weights": survey.weight}
    thresholds = sorted(set(age_thresholds) | {age_threshold})
    by_age = senior.share_by_age_band(data, **common, bands=bands_from_bounds(age_bands), min_group_size=min_group_size)
    usable = int(by_age.attrs.get("n_used", 0))
    curve = None
    if usable >= min_group_size:
        curve = senior.fit_curve(data, **common)
        half = senior.half_way_age(curve, n_boot=n_boot, seed=seed)
    else:
        half = pd.Series({"age_half": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
                          "n": float("nan"), "status": "suppressed"})
    summary = half.to_frame().T.reindex(columns=SUMMARY_COLUMNS)
    table = senior.threshold_comparison(data, **common, thresholds=thresholds, min_group_size=min_group_size)
    value = None
    if survey.outcome is not None:
        scores = {dimension: f"{dimension}_score" for dimension in survey.dimensions()}
        scores["overall"] = survey.outcome
        value = senior.value_by_self_image(data, **common, scores=scores, threshold=age_threshold,
                                           min_group_size=min_group_size)
    findings = senior.describe_findings(by_age, half, table, threshold=age_threshold, language=language)
    return SeniorResults(
        by_age=by_age,
        curve=curve,
        summary=summary,
        thresholds=table.reindex(columns=THRESHOLD_COLUMNS),
        value=value,
        findings=findings,
        threshold=age_threshold,
        n_dropped_age=int(by_age.attrs.get("n_dropped_age", 0)),
        n_dropped_answer=int(by_age.attrs.get("n_dropped_answer", 0)),
    )
