"""Senior self-identification for one survey: every result notebook 20 shows, in one call.

The statistics live in :mod:`clientvalue.stats.senior_shares`; this module feeds it a
:class:`~clientvalue.data.survey.Survey` and the run's parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from clientvalue import disclosure
from clientvalue import defaults
from clientvalue.analyses import registry
from clientvalue.stats import senior_shares as senior
from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.data.survey import Survey
from clientvalue.findings import Finding

BY_AGE_COLUMNS = ["age_band", "n", "share_senior", "ci_low", "ci_high", "suppressed"]
# Published threshold columns: no counts, which could be differenced against the bands.
THRESHOLD_COLUMNS = [
    "threshold", "labelled_against_self_image", "ci_low", "ci_high",
    "missed", "missed_ci_low", "missed_ci_high", "suppressed",
]
SHARE_COLUMNS = ["labelled_against_self_image", "ci_low", "ci_high", "missed", "missed_ci_low", "missed_ci_high"]
# Published "feeling old" figures drawn beside the survey's shares (notebook 20 imports them from here).
REFERENCE_FIGURES = senior.REFERENCE_FIGURES
SUMMARY_COLUMNS = ["age_half", "ci_low", "ci_high", "n", "status"]


def bands_from_bounds(lower_bounds: list[int] | tuple[int, ...]) -> list[tuple[int, int | None]]:
    """Age bands from their lower bounds: ``[18, 55, 65]`` -> 18–54, 55–64, 65+."""
    bounds = list(lower_bounds)
    if not bounds or any(b <= a for a, b in zip(bounds, bounds[1:])):
        raise ParameterError(f"age_bands must be increasing lower bounds such as [18, 55, 65, 75, 85], got {bounds}")
    return [(low, high - 1) for low, high in zip(bounds, bounds[1:])] + [(bounds[-1], None)]


def merge_small_bands(bands: list[tuple[int, int | None]], ages: pd.Series, *, min_group_size: int
                      ) -> list[tuple[int, int | None]]:
    """Merge every band with fewer than ``min_group_size`` people into its smaller neighbour.

    Statistical offices collapse small categories rather than blank them: a blanked band's numbers
    could be worked out from the total and the other bands, a merged band's cannot.
    """
    bands = list(bands)

    def count(band: tuple[int, int | None]) -> int:
        low, high = band
        return int(((ages >= low) & ((ages <= high) if high is not None else True)).sum())

    while len(bands) > 1:
        counts = [count(b) for b in bands]
        smallest = min(range(len(bands)), key=counts.__getitem__)
        if counts[smallest] >= min_group_size:
            break
        if smallest == 0:
            neighbour = 1
        elif smallest == len(bands) - 1:
            neighbour = smallest - 1
        else:
            neighbour = smallest - 1 if counts[smallest - 1] <= counts[smallest + 1] else smallest + 1
        first, second = sorted((smallest, neighbour))
        bands[first:second + 1] = [(bands[first][0], bands[second][1])]
    return bands


def safe_thresholds(thresholds: list[int], bands: list[tuple[int, int | None]], ages: pd.Series, *,
                    min_group_size: int) -> list[int]:
    """The thresholds whose shares cannot be differenced into a group smaller than the minimum.

    Two published "age >= cut" populations (a threshold, or the lower bound of a band) differ by
    the people between the two cuts; that slice must hold nobody or at least ``min_group_size``
    people. Thresholds are kept in ascending order while they pass against every cut kept so far.
    """
    cuts = [low for low, _ in bands[1:]]
    kept: list[int] = []
    for threshold in sorted(thresholds):
        slices = [int(((ages >= min(threshold, c)) & (ages < max(threshold, c))).sum()) for c in cuts]
        if all(n == 0 or n >= min_group_size for n in slices):
            kept.append(threshold)
            cuts.append(threshold)
    return kept


@dataclass
class SeniorResults:
    """Everything notebook 20 shows. Tables are tidy and already suppressed.

    ``by_age`` holds the published columns (:data:`BY_AGE_COLUMNS`) plus the band bounds and
    mean age the chart needs; no table carries ``DataFrame.attrs``. ``min_group_size`` is the
    minimum group size the tables were suppressed with. :attr:`findings` are the language-free findings
    (:func:`contract_findings`); the report words them and the tables (report/senior_text.py).
    """

    by_age: pd.DataFrame
    curve: senior.SeniorCurve | None
    summary: pd.DataFrame
    thresholds: pd.DataFrame
    value: pd.DataFrame | None
    threshold: int
    min_group_size: int
    n_dropped_age: int
    n_dropped_answer: int

    @property
    def findings(self) -> list[Finding]:
        """The page's findings, decided here once (see :func:`contract_findings`)."""
        return contract_findings(self)


def analyse(
    survey: Survey,
    *,
    age_bands: list[int] | tuple[int, ...] = defaults.AGE_BANDS,
    age_threshold: int = defaults.AGE_THRESHOLD,
    age_thresholds: list[int] | tuple[int, ...] = senior.DEFAULT_THRESHOLDS,
    min_group_size: int = defaults.MIN_GROUP_SIZE,
    n_boot: int = defaults.N_BOOT,
    seed: int | None = None,
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
            f"add them to the codebook (docs/codebook.md) or leave {registry.SENIOR.name} out of `notebooks`."
        )
    data = survey.data
    if survey.outcome is not None:
        data = pd.concat([data, survey.dimension_scores()], axis=1)
    # respondents of groups too small to report count nowhere (clientvalue.disclosure)
    data = data[disclosure.reported_mask(survey, min_group_size)]
    common: dict[str, Any] = {"age": survey.age, "senior": survey.senior, "weights": survey.weight}
    thresholds = sorted(set(age_thresholds) | {age_threshold})
    usable_ages = data.loc[data[survey.senior].notna(), survey.age].dropna()
    bands = merge_small_bands(bands_from_bounds(age_bands), usable_ages, min_group_size=min_group_size)
    by_age = senior.share_by_age_band(data, **common, bands=bands, min_group_size=min_group_size)
    curve = None
    if by_age.n_used >= min_group_size:
        curve = senior.fit_curve(data, **common)
        half = senior.half_way_age(curve, n_boot=n_boot, seed=seed).table
    else:
        half = pd.Series({"age_half": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
                          "n": float("nan"), "status": "suppressed"})
    summary = half.to_frame().T.reindex(columns=SUMMARY_COLUMNS)
    table = senior.threshold_comparison(data, **common, thresholds=thresholds, min_group_size=min_group_size).table
    publishable = safe_thresholds(thresholds, bands, usable_ages, min_group_size=min_group_size)
    table["suppressed"] = ~table["threshold"].isin(publishable) | table["labelled_against_self_image"].isna()
    table.loc[table["suppressed"], SHARE_COLUMNS] = float("nan")
    value = None
    if survey.outcome is not None:
        scores = {dimension: f"{dimension}_score" for dimension in survey.dimensions()}
        scores["overall"] = survey.outcome
        value = senior.value_by_self_image(data, **common, scores=scores, threshold=age_threshold,
                                           min_group_size=min_group_size).table
        if age_threshold not in publishable:  # its people differ from a band's by a slice too small to show
            value[VALUE_NUMBERS] = float("nan")
        value["suppressed"] = value["n_match"].isna()  # a group too small, or the rule's slice: the page says so
    return SeniorResults(
        by_age=by_age.table,
        curve=curve,
        summary=summary,
        thresholds=table.reindex(columns=THRESHOLD_COLUMNS),
        value=value,
        threshold=age_threshold,
        min_group_size=by_age.min_group_size,
        n_dropped_age=by_age.n_dropped_age,
        n_dropped_answer=by_age.n_dropped_answer,
    )


#: The value table's numbers, all blank when the age rule's own comparison is suppressed: its counts
#: (``n_match + n_against``) would give the people between the rule and a band's cut.
VALUE_NUMBERS = ["difference", "ci_low", "ci_high", "p_value", "n_match", "n_against"]


# --------------------------------------------------------------------------- findings
#: Why the curve gives no half-way age (``half_way_age``'s ``status``), as a ``half_way_status`` finding.
HALF_WAY_STATUSES = ("separation", "never_half", "above_half_throughout")


def half_way_findings(half: pd.Series | None) -> list[Finding]:
    """The half-way age of ``half`` (a row of :func:`~clientvalue.stats.senior_halfway.half_way_age`) as a
    finding: ``half_way_age`` when there is one, else ``half_way_status`` (separation: the ages between
    which the answers switch, when known); none for a suppressed or unknown status."""
    if half is None:
        return []
    status = half.get("status")
    if status == "ok" and pd.notna(half.get("age_half")):
        return [Finding(kind="half_way_age", numbers={"age": half["age_half"]},
                        uncertainty={"ci_low": half["ci_low"], "ci_high": half["ci_high"]}, severity=0,
                        priority=1.0)]
    if status in HALF_WAY_STATUSES:
        known = status == "separation" and pd.notna(half.get("age_half"))
        numbers = {"from_age": half["ci_low"], "to_age": half["ci_high"]} if known else {}
        return [Finding(kind="half_way_status", subject={"status": str(status)}, numbers=numbers,
                        severity=0, priority=1.0)]
    return []


def age_rule_findings(thresholds: pd.DataFrame, threshold: float) -> list[Finding]:
    """The age rule ``threshold`` of the thresholds table as an ``age_rule`` finding (none when its row is
    missing or suppressed; a share too small to show stays missing)."""
    rule = thresholds[thresholds["threshold"] == float(threshold)]
    if "suppressed" in rule:
        rule = rule[~rule["suppressed"].astype(bool)]
    if rule.empty:
        return []
    r = rule.iloc[0]
    return [Finding(kind="age_rule", subject={"threshold": str(int(threshold))},
                    numbers={"labelled_against": r["labelled_against_self_image"], "missed": r["missed"]},
                    uncertainty={"ci_low": r["ci_low"], "ci_high": r["ci_high"],
                                 "missed_ci_low": r["missed_ci_low"], "missed_ci_high": r["missed_ci_high"]},
                    severity=1, priority=1.3)]


def contract_findings(results: SeniorResults, *, alpha: float = 0.05) -> list[Finding]:
    """Notebook 20's findings, language-free (:class:`clientvalue.findings.Finding`).

    ``half_way_age`` (when the curve gives one) or ``half_way_status`` (why it gives none),
    ``age_rule`` (the discussed rule: the share of the people it covers who do not see themselves as
    senior, and the share of the younger people who do - all of whom the rule misses) and
    ``value_mismatch`` per score that differs at ``alpha`` between people labelled senior against
    their self-image and those labelled in line with it.
    """
    out = half_way_findings(results.summary.iloc[0] if len(results.summary) else None)
    out += age_rule_findings(results.thresholds, results.threshold)
    if results.value is not None:
        for r in results.value.dropna(subset=["difference", "p_value"]).itertuples(index=False):
            if r.p_value < alpha:
                out.append(Finding(kind="value_mismatch", subject={"score": str(r.score),
                                                                   "threshold": str(int(results.threshold))},
                                   numbers={"difference": r.difference, "n_against": r.n_against,
                                            "n_match": r.n_match},
                                   uncertainty={"ci_low": r.ci_low, "ci_high": r.ci_high, "p_value": r.p_value},
                                   severity=1, priority=1.4 + abs(r.difference)))
    return out


def save_findings(results: SeniorResults, *, tables_dir: str, name: str = registry.SENIOR.name):
    """Write :func:`contract_findings` to ``findings/<name>.json`` beside ``tables_dir`` (nothing without it)."""
    from clientvalue.findings import save_notebook_findings

    return save_notebook_findings(contract_findings(results), tables_dir=tables_dir, name=name)
