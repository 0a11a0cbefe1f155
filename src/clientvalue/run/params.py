"""Run parameters: one YAML file says what a run reads, which notebooks it runs and where it writes.

Unknown keys and wrong types are refused with a message naming the key and the allowed values,
before anything runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from clientvalue.data.yamlfile import read_yaml, validated
from clientvalue import defaults
from clientvalue.analyses.registry import ANALYSES, Need
from clientvalue.errors import ParameterError

#: Every notebook a parameter file may name, in report order (the registry's analyses).
NOTEBOOKS = tuple(spec.name for spec in ANALYSES)
#: The notebooks that read the client survey (the run prepares it once for all of them).
SURVEY_NOTEBOOKS = tuple(spec.name for spec in ANALYSES if Need.SURVEY in spec.needs)


class RunParameters(BaseModel):
    """Parameters of one run. Every notebook receives the ones it declares."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    codebook: str | None = Field(None, description="Path of the survey's codebook YAML (optional when `vignettes` is given).")
    output: str = Field("reports/run", description="Folder the report is written to.")
    language: Literal["nl", "en"] = Field("en", description="Language of the report text.")
    min_group_size: int = Field(defaults.MIN_GROUP_SIZE, ge=1, description="Groups with fewer respondents are never shown.")
    seed: int = Field(defaults.SEED, ge=0, description="Seed of every random step (bootstrap).")
    notebooks: list[str] = Field(default_factory=lambda: list(NOTEBOOKS), min_length=1)
    n_boot: int = Field(defaults.N_BOOT, ge=0, le=100_000, description="Bootstrap replicates for intervals.")
    age_threshold: int = Field(defaults.AGE_THRESHOLD, ge=0, le=120, description="The age rule compared with self-identification.")
    age_thresholds: list[int] = Field(default_factory=lambda: list(defaults.AGE_THRESHOLDS))
    proxy_threshold: float = Field(
        defaults.PROXY_THRESHOLD, gt=0, le=1, description="Cramér's V from which an association with a protected attribute is flagged.")
    n_stability: int = Field(defaults.N_STABILITY, ge=1, le=1000, description="Bootstrap refits for segment stability.")
    age_bands: list[int] = Field(
        default_factory=lambda: list(defaults.AGE_BANDS),
        description="Lower bounds of the age bands; the last band is open-ended.",
    )
    vignettes: str | None = Field(None, description="Path of a vignette-study codebook YAML (analyses that need a vignette study).")
    employee_tables: bool = Field(False, description="Save pseudonymous per-employee rows of the vignette study as CSV.")
    organisations: str | None = Field(None, description="clientvalue batch: the column of a stacked export naming the organisation.")
    benchmark: dict[str, Any] | None = Field(
        None, description="Set by clientvalue batch: this organisation's position in the national benchmark.")
    pdf: bool = Field(False, description="Also write report.pdf: every page printed with Chromium (package `chromium`).")

    @field_validator("notebooks")
    @classmethod
    def _known_notebooks(cls, value: list[str]) -> list[str]:
        names = [Path(v).stem for v in value]
        unknown = [n for n in names if n not in NOTEBOOKS]
        if unknown:
            raise ValueError(f"unknown notebook(s) {unknown}; allowed: {list(NOTEBOOKS)}")
        return names

    @field_validator("age_bands", "age_thresholds")
    @classmethod
    def _increasing(cls, value: list[int]) -> list[int]:
        if not value or any(b <= a for a, b in zip(value, value[1:])):
            raise ValueError(f"must be a non-empty list of increasing ages, got {value}")
        return value


    @model_validator(mode="after")
    def _an_input(self) -> "RunParameters":
        if self.codebook is None and self.vignettes is None:
            raise ValueError("give `codebook` (a client survey), `vignettes` (a vignette study), or both")
        return self


def parse_parameters(raw: Any, *, source: str = "<parameters>") -> RunParameters:
    """Validate a parameter mapping; raise :class:`ParameterError` listing every problem."""
    allowed = ", ".join(RunParameters.model_fields)
    return validated(raw, RunParameters, error=ParameterError,
                     not_mapping=f"{source}: parameters must be a YAML mapping, got {type(raw).__name__}",
                     head=f"{source}: {{n}} problem(s) in the parameters:\n",
                     unknown=f"unknown parameter; allowed: {allowed}", missing="required parameter is missing")


def load_parameters(path: str | Path) -> RunParameters:
    """Read and validate a parameter YAML file (e.g. ``params/demo.yaml``)."""
    raw = read_yaml(path, error=ParameterError, what="parameter file")
    return parse_parameters(raw, source=f"parameter file {path}")
