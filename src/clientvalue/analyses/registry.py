"""Every analysis as one registered spec: the one list the run, the executor, the CLI and the summary iterate.

An analysis is a notebook (``notebooks/<name>.ipynb``) on an ``analyses`` module. Its
:class:`AnalysisSpec` says everything the rest of clientvalue needs to know about it: its name
(notebook file, page and findings file), its title (the page's heading and the summary's section
heading), what it needs (a client survey, a vignette study, several waves, many organisations),
how to tell whether a codebook can feed it, its work on a large export, the parameters its
notebook declares, the finding kinds it can write and the text module that words them.

Adding an analysis means adding one spec to :data:`ANALYSES` (see ``docs/architecture.md``);
nothing else in ``src/`` names a notebook.

This module is imported by the notebook workers of :mod:`clientvalue.run.execute`, so it imports
nothing heavy: the checks import their analysis module only when they are called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any

from clientvalue import defaults
from clientvalue.errors import ParameterError


def N_(message: str) -> str:  # noqa: N802 (the gettext convention: `make catalogs` extracts N_ calls)
    """Mark a title for the catalog; :mod:`clientvalue.report.i18n` translates it on the page."""
    return message


class Need(str, Enum):
    """What an analysis needs from the inputs of a run."""

    SURVEY = "survey"  #: a client survey (the `codebook` parameter)
    VIGNETTES = "vignette study"  #: a vignette study (the `vignettes` parameter)
    WAVES = "several waves"  #: a survey whose codebook declares earlier measurements (`waves`)
    ORGANISATIONS = "many organisations"  #: one organisation of `clientvalue batch` with its benchmark


#: Parameters that name input and output files: set by `clientvalue run`; the notebooks default to the demo.
PATH_PARAMETERS = ("codebook", "vignettes", "tables_dir", "prepared_survey")

#: The default of every parameter a notebook may declare (paths excepted), in one place.
PARAMETER_DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "language": "en",
    "min_group_size": defaults.MIN_GROUP_SIZE,
    "seed": defaults.SEED,
    "n_boot": defaults.N_BOOT,
    "n_perm": defaults.N_PERM,
    "n_stability": defaults.N_STABILITY,
    "proxy_threshold": defaults.PROXY_THRESHOLD,
    "age_threshold": defaults.AGE_THRESHOLD,
    "age_thresholds": list(defaults.AGE_THRESHOLDS),
    "age_bands": list(defaults.AGE_BANDS),
    "employee_tables": False,
})

_SURVEY_FILES = ("codebook", "language", "min_group_size")
_SURVEY_RUN = ("tables_dir", "prepared_survey")


def _always(survey: Any) -> bool:
    return True


def _nothing_to_refuse(survey: Any, *, min_group_size: int) -> None:
    return None


@dataclass(frozen=True)
class AnalysisSpec:
    """One analysis: everything the run, the executor, the CLI and the summary need to know about it.

    Attributes
    ----------
    name : str
        The notebook's file name without ``.ipynb``; also the page (``<name>.html``) and the
        findings file (``findings/<name>.json``).
    title : str
        The page's title, an English msgid marked with ``N_`` (translated by the report); the
        summary's section heading is the same title.
    needs : frozenset of Need
        What the inputs of a run must hold for this analysis to run.
    requirement : str
        What the codebook must hold besides ``needs``, for the operator ("an `outcome` and
        `items`"); empty when any survey will do.
    applies : callable
        ``applies(survey) -> bool``: whether the codebook can feed the analysis. False skips it (or
        refuses it when the parameter file names it); bad input raises a ``ClientValueError``.
    validate : callable
        ``validate(survey, *, min_group_size=...)``: refuses input no analysis can use, before
        anything runs (called only when the analysis was chosen).
    work : int
        Relative work on a large export; with several kernels the highest starts first.
    parameters : tuple of str
        The names in the notebook's ``parameters`` cell (defaults in :data:`PARAMETER_DEFAULTS`).
    module : str
        The module whose ``analyse`` (or, for the data check, whose checks) the notebook calls.
    finding_kinds : tuple of str
        Every :class:`clientvalue.findings.Finding` kind the analysis can write.
    wording : str
        The ``clientvalue.report`` module whose ``describe(finding, language=...)`` words those
        findings (a module name, so that this room does not import the report).
    summary_kinds : tuple of str
        The finding kinds its section of the summary states, in that order.
    summary_overall_only : bool
        The summary states only findings about all respondents (subject ``group`` is ``all``).
    summary_limit : int or None
        At most this many findings in the summary, highest priority first.
    note_kinds : tuple of str
        Kinds of the page's notes (a secondary analysis left out, e.g. a check that could not be
        carried out): :class:`~clientvalue.findings.Finding` objects worded on the page only, never
        written to the findings file or stated in the summary.
    """

    name: str
    title: str
    needs: frozenset[Need]
    work: int
    parameters: tuple[str, ...]
    module: str = ""
    requirement: str = ""
    applies: Callable[[Any], bool] = _always
    validate: Callable[..., None] = _nothing_to_refuse
    finding_kinds: tuple[str, ...] = ()
    wording: str = ""
    summary_kinds: tuple[str, ...] = ()
    summary_overall_only: bool = False
    summary_limit: int | None = None
    note_kinds: tuple[str, ...] = ()

    @property
    def notebook(self) -> str:
        """The notebook's file name in ``notebooks/``."""
        return f"{self.name}.ipynb"

    @property
    def page(self) -> str:
        """The published page's file name."""
        return f"{self.name}.html"

    @property
    def findings_file(self) -> str:
        """The findings file's name in the report's ``findings/`` folder."""
        return f"{self.name}.json"

    @property
    def about_the_study(self) -> bool:
        """True when the page reports on the vignette study alone (its header names the study's file)."""
        return Need.VIGNETTES in self.needs and Need.SURVEY not in self.needs

    def defaults(self) -> dict[str, Any]:
        """The notebook's parameters with their defaults (paths, which the run sets, left out)."""
        return {key: PARAMETER_DEFAULTS[key] for key in self.parameters if key not in PATH_PARAMETERS}


# --------------------------------------------------------------------------- the input checks
def _drivers_apply(survey: Any) -> bool:
    return survey.outcome is not None and bool(survey.items())


def _drivers_validate(survey: Any, *, min_group_size: int) -> None:
    from clientvalue.analyses.drivers_checks import check_inputs  # light: the run's process needs no statistics

    check_inputs(survey, min_group_size=min_group_size)  # a constant or copied item: refused now


def _senior_apply(survey: Any) -> bool:
    return survey.age is not None and survey.senior is not None


def _segments_apply(survey: Any) -> bool:
    """Needs `segmentation`; bad input (single-valued item, unknown or contradictory treatment codes) raises."""
    from clientvalue.data.treatments import check_segment_inputs

    return check_segment_inputs(survey)


def _comparisons_apply(survey: Any) -> bool:
    """Levels need only a rating; bad waves, units or benchmark input raises."""
    from clientvalue.data.waves import check_comparison_inputs  # light: the run's process needs no statistics

    return check_comparison_inputs(survey)


# --------------------------------------------------------------------------- the analyses
DATA_CHECK = AnalysisSpec(
    name="00_data_check", title=N_("Data check"), needs=frozenset({Need.SURVEY}), work=0,
    parameters=(*_SURVEY_FILES, "age_bands", *_SURVEY_RUN), module="clientvalue.data.checks",
)
DRIVERS = AnalysisSpec(
    name="10_value_drivers", title=N_("Which kind of value do clients seek?"), needs=frozenset({Need.SURVEY}),
    work=5, parameters=(*_SURVEY_FILES, "seed", "n_boot", *_SURVEY_RUN), module="clientvalue.analyses.drivers",
    requirement="an `outcome` and `items`", applies=_drivers_apply, validate=_drivers_validate,
    finding_kinds=("value_profile", "strategy", "important_below_par", "below_midpoint", "dimension_caution",
                   "groups_suppressed"),
    wording="clientvalue.report.drivers_text", summary_kinds=("value_profile", "strategy"), summary_overall_only=True,
    note_kinds=("many_groups", "ordinal_not_for_outcome", "ordinal_too_few", "ordinal_failed", "reliability_failed",
                "penalty_reward_failed", "factor_check_failed"),
)
SENIOR = AnalysisSpec(
    name="20_senior", title=N_('Who sees themselves as a "senior"?'), needs=frozenset({Need.SURVEY}), work=1,
    parameters=(*_SURVEY_FILES, "seed", "n_boot", "age_threshold", "age_thresholds", "age_bands", *_SURVEY_RUN),
    module="clientvalue.analyses.senior",
    requirement="`attributes.age` and a `senior` section", applies=_senior_apply,
    finding_kinds=("half_way_age", "half_way_status", "age_rule", "value_mismatch"),
    wording="clientvalue.report.senior_text", summary_kinds=("half_way_age", "age_rule", "value_mismatch"),
)
SEGMENTS = AnalysisSpec(
    name="30_segments", title=N_("Client groups, personas and a fairness check"), needs=frozenset({Need.SURVEY}),
    work=4, parameters=(*_SURVEY_FILES, "seed", "n_boot", "n_perm", "n_stability", "proxy_threshold", "age_bands",
                        *_SURVEY_RUN),
    module="clientvalue.analyses.segments", requirement="`segmentation` items", applies=_segments_apply,
    finding_kinds=("segments", "segment_stability", "segment_card", "persona_agreement", "no_protected",
                   "segment_value_difference", "segment_value_not_assessed", "strategy_decided_elsewhere", "proxy",
                   "no_proxy", "treatment_flag", "treatment_ok"),
    wording="clientvalue.report.segments_text", summary_kinds=("segments", "segment_value_difference", "treatment_flag"),
)
CONSISTENCY = AnalysisSpec(
    name="40_consistency", title=N_("Customisation or arbitrariness? Consistency of decisions on the same cases"),
    needs=frozenset({Need.VIGNETTES}), work=2,
    parameters=("vignettes", "language", "min_group_size", "seed", "n_boot", "employee_tables", "tables_dir"),
    module="clientvalue.analyses.consistency",
    finding_kinds=("agreement", "nominal_agreement", "case_classes", "split_cases", "departure_from_majority",
                   "teams_differ", "differing_team", "variant_comparison", "variant_effect", "consideration_weighed",
                   "teams_suppressed"),
    wording="clientvalue.report.consistency_text", summary_kinds=("agreement", "case_classes", "teams_differ"),
)
COMPARISONS = AnalysisSpec(
    name="50_comparisons", title=N_("How satisfied, better or worse than last time, and compared with whom"),
    needs=frozenset({Need.SURVEY}), work=3, parameters=(*_SURVEY_FILES, "seed", "n_boot", *_SURVEY_RUN),
    module="clientvalue.analyses.comparisons",
    requirement="an `outcome` or `items`", applies=_comparisons_apply,
    finding_kinds=("level", "wave_change", "red_item_progress", "driver_shift", "unit_above", "unit_below",
                   "unit_case_mix_explains", "unit_reliability", "benchmark"),
    wording="clientvalue.report.comparisons_text", summary_kinds=("wave_change", "driver_shift"), summary_limit=3,
)

#: Every analysis, in the order of the report (the run's default `notebooks`).
ANALYSES: tuple[AnalysisSpec, ...] = (DATA_CHECK, DRIVERS, SENIOR, SEGMENTS, CONSISTENCY, COMPARISONS)


def names() -> tuple[str, ...]:
    """The names of every registered analysis, in report order."""
    return tuple(spec.name for spec in ANALYSES)


def get(name: str) -> AnalysisSpec:
    """The spec of an analysis by its notebook name.

    Raises
    ------
    ParameterError
        When no analysis has that name (the message lists the registered ones).
    """
    for spec in ANALYSES:
        if spec.name == name:
            return spec
    raise ParameterError(f"unknown notebook {name!r}; allowed: {list(names())}")


def by_work(specs: list[AnalysisSpec] | tuple[AnalysisSpec, ...] = ANALYSES) -> list[AnalysisSpec]:
    """``specs`` from the most to the least work (ties in report order)."""
    return sorted(specs, key=lambda spec: -spec.work)


def of_kind(kind: str) -> AnalysisSpec | None:
    """The analysis that writes findings of ``kind``, or None."""
    return next((spec for spec in ANALYSES if kind in spec.finding_kinds), None)
