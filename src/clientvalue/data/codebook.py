"""The codebook: a small YAML file that says which column of an export is what.

See ``docs/codebook.md`` for the format. :func:`load_codebook` validates the YAML
with pydantic and turns every problem into a :class:`~clientvalue.errors.CodebookError`
that names the file, the key and what to do.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from clientvalue.data.yamlfile import read_yaml, validated
from clientvalue.errors import CodebookError

Code = int | float | str

DEFAULT_DIMENSIONS = ("practical", "emotional")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    """A label in Dutch and English (either may be missing; the other is used)."""

    nl: str | None = None
    en: str | None = None

    def get(self, language: str) -> str | None:
        """Return the label in ``language``, falling back to the other language."""
        first, second = (self.nl, self.en) if language == "nl" else (self.en, self.nl)
        return first or second


def as_label(value: Any) -> Any:
    return {"nl": value, "en": value} if isinstance(value, str) else value


class Scale(_Strict):
    """Valid range of a rating question, inclusive."""

    min: float
    max: float

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise ValueError(f"scale must be [min, max], got {list(value)!r}")
            return {"min": value[0], "max": value[1]}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> "Scale":
        if not self.min < self.max:
            raise ValueError(f"scale [min, max] needs min < max, got [{self.min}, {self.max}]")
        return self


class Outcome(_Strict):
    """The overall-satisfaction question."""

    column: str
    scale: Scale
    missing_codes: list[Code] = Field(default_factory=list)
    label: Label = Field(default_factory=Label)

    label_from_text = field_validator("label", mode="before")(as_label)


class Item(_Strict):
    """One rating item and the dimension of value it measures."""

    column: str
    dimension: str = "practical"
    scale: Scale
    missing_codes: list[Code] = Field(default_factory=list)
    reverse: bool = False
    label: Label = Field(default_factory=Label)
    reversed_label: Label | None = None

    label_from_text = field_validator("label", "reversed_label", mode="before")(as_label)

    @model_validator(mode="after")
    def _reversed_wording(self) -> "Item":
        if self.reverse and self.reversed_label is None:
            raise ValueError(
                f"item {self.column!r} has `reverse: true` but no `reversed_label`: give the wording that "
                "matches the recoded scores (higher = better), e.g. 'It took me little effort' for "
                "'It took me a lot of effort'. Charts and tables show that wording, never a reversed score "
                "under the question as asked"
            )
        return self

    def display_label(self) -> "Label":
        """The label readers see: the reversed wording for a reversed item."""
        return self.reversed_label if self.reverse and self.reversed_label is not None else self.label


BASES = ("needs", "behaviour", "context", "relationship")
"""The four legitimate bases of segmentation: needs (wishes, needs, expectations), behaviour,
context (physical, social, emotional situation) and relationship (events in it, loyalty)."""


class Attribute(_Strict):
    """A respondent characteristic (age, gender, channel...)."""

    column: str
    protected: bool = False
    label: Label = Field(default_factory=Label)
    basis: Literal["needs", "behaviour", "context", "relationship"] | None = None

    label_from_text = field_validator("label", mode="before")(as_label)

    @model_validator(mode="after")
    def _protected_has_no_basis(self) -> "Attribute":
        if self.protected and self.basis is not None:
            raise ValueError(
                f"column {self.column!r} is protected and cannot be a legitimate basis "
                f"({self.basis!r}) for differentiating; remove `basis` or `protected`")
        return self


class SegmentationItem(_Strict):
    """A question client segments are built from, on one of the four legitimate bases."""

    column: str
    scale: Scale
    basis: Literal["needs", "behaviour", "context", "relationship"]
    missing_codes: list[Code] = Field(default_factory=list)  # this question's own "don't know" codes
    label: Label = Field(default_factory=Label)

    label_from_text = field_validator("label", mode="before")(as_label)


class PersonaAxis(_Strict):
    """One axis of a 2x2 persona grid: the mean of some segmentation items, cut in two."""

    name: str
    label: Label = Field(default_factory=Label)
    items: list[str] = Field(min_length=1)
    low: Label = Field(default_factory=Label)
    high: Label = Field(default_factory=Label)
    cut: Literal["midpoint", "median"] = "midpoint"

    _labels = field_validator("label", "low", "high", mode="before")(as_label)


class Personas(_Strict):
    """A 2x2 persona grid: exactly two axes."""

    axes: list[PersonaAxis] = Field(min_length=2, max_length=2)


class Treatment(_Strict):
    """A differentiated treatment to audit (home visit, fixed contact person, extra check...)."""

    column: str
    yes_codes: list[Code] = Field(min_length=1)
    no_codes: list[Code] = Field(min_length=1)
    label: Label = Field(default_factory=Label)
    opt_out: str | None = None

    label_from_text = field_validator("label", mode="before")(as_label)

    @model_validator(mode="after")
    def _disjoint(self) -> "Treatment":
        overlap = set(map(str, self.yes_codes)) & set(map(str, self.no_codes))
        if overlap:
            raise ValueError(f"yes_codes and no_codes share {sorted(overlap)}; a code means one thing")
        return self


class Senior(_Strict):
    """The self-identification question: "Do you see yourself as a senior?"."""

    column: str
    yes_codes: list[Code]
    no_codes: list[Code]
    missing_codes: list[Code] = Field(default_factory=list)
    label: Label = Field(default_factory=Label)

    label_from_text = field_validator("label", mode="before")(as_label)

    @model_validator(mode="after")
    def _disjoint(self) -> "Senior":
        overlap = set(map(str, self.yes_codes)) & set(map(str, self.no_codes))
        if overlap:
            raise ValueError(f"yes_codes and no_codes share {sorted(overlap)}; a code means one thing")
        return self


class Satisfaction(_Strict):
    """When an answer counts as "satisfied" (levels of notebook 50_comparisons).

    A question on a 1-10 (or 0-10) scale counts as satisfied from ``ten_point_from`` (the
    Dutch report-card grade: 7 or more is a pass); on any other scale the ``top_boxes`` highest
    answers count (the top two boxes of a 1-5 scale: 4 and 5).
    """

    ten_point_from: float = Field(7, gt=0, le=10)
    top_boxes: int = Field(2, ge=1, le=10)

    def threshold(self, scale: "Scale") -> float:
        """The lowest satisfied answer on ``scale``."""
        if scale.max == 10 and scale.min in (0, 1):
            return float(self.ten_point_from)
        return float(scale.max - self.top_boxes + 1)


class EarlierWave(_Strict):
    """An earlier measurement exported separately, with its own codebook."""

    name: str = Field(min_length=1)
    codebook: str = Field(min_length=1)  # relative to this codebook's folder
    # earlier column name -> current column name, for a question whose column name changed
    mapping: dict[str, str] = Field(default_factory=dict)
    # current column names whose scale changed since that wave: mapped linearly onto today's scale
    rescale: list[str] = Field(default_factory=list)


class Waves(_Strict):
    """Earlier measurements: a stacked file with a wave ``column``, or separate ``earlier`` exports."""

    column: str | None = None  # (b) one stacked file: the column that holds the wave
    order: list[Code] = Field(default_factory=list)  # (b) the waves oldest first (default: sorted)
    current: str | None = None  # (a) the name of this export's wave, e.g. "2026"
    earlier: list[EarlierWave] = Field(default_factory=list)  # (a) oldest first
    # the same respondent (same id) may answer in several waves: compare waves with the paired
    # analysis (respondent as sampling unit) instead of as independent samples
    paired: bool = False

    @model_validator(mode="after")
    def _one_form(self) -> "Waves":
        if self.column is not None and self.earlier:
            raise ValueError(
                "waves: give either `column` (one stacked file with a wave column) or `earlier` "
                "(separate exports, each with its own codebook), not both")
        if self.column is None and not self.earlier:
            raise ValueError(
                "waves: give `column` (the wave column of a stacked file) or `earlier` (a list of "
                "{name, codebook} for each earlier export)")
        if self.earlier and not self.current:
            raise ValueError("waves: with `earlier` exports, name this export's wave in `current` (e.g. \"2026\")")
        names = [w.name for w in self.earlier] + ([self.current] if self.current else [])
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"waves: wave name(s) {repeated} are used twice; every wave needs its own name")
        return self


class Units(_Strict):
    """Teams, locations or organisations to compare fairly, with the case mix to adjust for."""

    column: str
    # attribute keys (or column names) whose differences between units are not the unit's doing,
    # e.g. age or the service used; adjusting for them is not differentiating between clients
    case_mix: list[str] = Field(default_factory=list)
    label: Label = Field(default_factory=Label)

    label_from_text = field_validator("label", mode="before")(as_label)


class Benchmark(_Strict):
    """A reference file with other organisations' or national figures per question."""

    file: str = Field(min_length=1)  # CSV with columns question, mean, n and sd or se; relative to the codebook
    label: Label = Field(default_factory=Label)

    label_from_text = field_validator("label", mode="before")(as_label)


class Codebook(_Strict):
    """A validated codebook. Build it with :func:`load_codebook`."""

    title: Label = Field(default_factory=Label)
    data: str
    id: str
    group: str | None = None
    weight: str | None = None
    missing_codes: list[Code] = Field(default_factory=list)
    # YAML key `dimensions`: the allowed dimension names (a misspelt one is refused, not a new dimension)
    dimension_names: list[str] = Field(default_factory=lambda: list(DEFAULT_DIMENSIONS), alias="dimensions")
    # optional: what each dimension means in this survey, in the report's words (e.g. {practical: {en: ..., nl: ...}})
    dimension_descriptions: dict[str, Label] = Field(default_factory=dict)
    outcome: Outcome | None = None
    items: list[Item] = Field(default_factory=list)
    attributes: dict[str, Attribute] = Field(default_factory=dict)
    senior: Senior | None = None
    segmentation: list[SegmentationItem] = Field(default_factory=list)
    personas: Personas | None = None
    treatments: dict[str, Treatment] = Field(default_factory=dict)
    # notebook 50_comparisons: levels, earlier waves, units and a benchmark (all optional)
    satisfaction: Satisfaction = Field(default_factory=Satisfaction)
    waves: Waves | None = None
    units: Units | None = None
    benchmark: Benchmark | None = None

    title_from_text = field_validator("title", mode="before")(as_label)

    @field_validator("dimension_descriptions", mode="before")
    @classmethod
    def _descriptions_as_labels(cls, value: Any) -> Any:
        return {k: as_label(v) for k, v in value.items()} if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _segmentation_sound(self) -> "Codebook":
        protected = {a.column: key for key, a in self.attributes.items() if a.protected}
        for i, item in enumerate(self.segmentation):
            if item.column in protected:
                raise ValueError(
                    f"segmentation[{i}]: column {item.column!r} is the protected attribute "
                    f"`{protected[item.column]}`; segments are built from needs, behaviour, context "
                    "and relationship, never from a protected characteristic: remove it from "
                    "`segmentation`")
        if self.personas is not None:
            if not self.segmentation:
                raise ValueError("`personas` needs `segmentation` items to build its axes from")
            known = {item.column for item in self.segmentation}
            for axis in self.personas.axes:
                unknown = [c for c in axis.items if c not in known]
                if unknown:
                    raise ValueError(
                        f"personas axis {axis.name!r}: items {unknown} are not segmentation items; "
                        f"allowed: {sorted(known)}")
        if self.treatments and not self.segmentation:
            raise ValueError(
                "`treatments` are audited among people in a comparable situation, which needs "
                "`segmentation` items; add them")
        return self

    @model_validator(mode="after")
    def _consistent(self) -> "Codebook":
        if self.outcome is not None and not self.items:
            raise ValueError("an `outcome` needs `items` (the questions that explain it)")
        if self.outcome is None and not self.items and self.senior is None:
            raise ValueError(
                "the codebook names no `outcome`/`items` and no `senior` question: nothing to analyse"
            )
        known = list(self.dimension_names)
        for name in self.dimension_descriptions:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValueError(
                    f"dimension_descriptions names {name!r}, which is not one of {known}: {hint}"
                    "describe only the dimensions the items use"
                )
        for number, item in enumerate(self.items):
            if item.dimension not in known:
                close = difflib.get_close_matches(item.dimension, known, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValueError(
                    f"items[{number}] ({item.column!r}) has dimension {item.dimension!r}, which is not one of "
                    f"{known}: {hint}Fix the spelling, or list your own names under `dimensions:`"
                )
        for entry in ([self.outcome] if self.outcome else []) + list(self.items) + list(self.segmentation):
            inside = [c for c in self.missing_codes
                      if (code_value := _number(c)) is not None and entry.scale.min <= code_value <= entry.scale.max]
            if inside:
                raise ValueError(
                    f"missing_codes {inside} lie inside the scale [{entry.scale.min:g}, {entry.scale.max:g}] of "
                    f"{entry.column!r}, where they are valid answers; move them to that question's own "
                    "`missing_codes` (the top-level list is for codes outside every scale, e.g. 98, 99)"
                )
        seen: dict[str, str] = {}
        for role, column in self._roles():
            if column in seen and {seen[column], role} & {"group"} and (
                    seen[column].startswith("attributes.") or role.startswith("attributes.")):
                continue  # splitting the report by an attribute (even a protected one) is allowed
            if column in seen:
                raise ValueError(
                    f"column {column!r} is used twice: as {seen[column]} and as {role}; "
                    "each column has one role"
                )
            seen[column] = role
        return self

    @model_validator(mode="after")
    def _comparisons_sound(self) -> "Codebook":
        rated = ({self.outcome.column} if self.outcome else set()) | {i.column for i in self.items}
        if self.waves is not None:
            for k, wave in enumerate(self.waves.earlier):
                for old, new in wave.mapping.items():
                    if new not in rated:
                        raise ValueError(
                            f"waves.earlier[{k}] ({wave.name!r}): mapping {old!r} -> {new!r} names {new!r}, "
                            f"which is not the outcome or an item of this codebook; map to one of {sorted(rated)}")
                unknown = [c for c in wave.rescale if c not in rated]
                if unknown:
                    raise ValueError(
                        f"waves.earlier[{k}] ({wave.name!r}): rescale names {unknown}, which are not the outcome "
                        f"or an item of this codebook; list current column names from {sorted(rated)}")
        if self.units is not None:
            known = {key: a.column for key, a in self.attributes.items()}
            columns = set(known.values()) | ({self.group} if self.group else set())
            for name in self.units.case_mix:
                if name not in known and name not in columns:
                    raise ValueError(
                        f"units.case_mix names {name!r}, which is neither an attribute key nor the group column: "
                        f"declare it under `attributes` first; known: {sorted(known)}")
                if known.get(name, name) == self.units.column:
                    raise ValueError(f"units.case_mix names the unit column {self.units.column!r} itself; remove it")
        return self

    def case_mix_columns(self) -> list[str]:
        """The columns of ``units.case_mix`` (attribute keys resolved to their columns)."""
        if self.units is None:
            return []
        known = {key: a.column for key, a in self.attributes.items()}
        return [known.get(name, name) for name in self.units.case_mix]

    def _roles(self) -> list[tuple[str, str]]:
        roles = [("id", self.id)]
        roles += [(role, col) for role, col in (("group", self.group), ("weight", self.weight)) if col]
        if self.outcome is not None:
            roles.append(("outcome", self.outcome.column))
        roles += [(f"items[{i}]", item.column) for i, item in enumerate(self.items)]
        roles += [(f"attributes.{key}", a.column) for key, a in self.attributes.items()]
        if self.senior is not None:
            roles.append(("senior", self.senior.column))
        roles += [(f"segmentation[{i}]", item.column) for i, item in enumerate(self.segmentation)]
        for key, treatment in self.treatments.items():
            roles.append((f"treatments.{key}", treatment.column))
            if treatment.opt_out:
                roles.append((f"treatments.{key}.opt_out", treatment.opt_out))
        if self.waves is not None and self.waves.column:
            roles.append(("waves.column", self.waves.column))
        if self.units is not None:
            roles.append(("units.column", self.units.column))
        return roles

    def columns(self) -> dict[str, str]:
        """Map every column the codebook names to its role (``"id"``, ``"items[0]"``...)."""
        return {column: role for role, column in self._roles()}

    def dimensions(self) -> dict[str, list[str]]:
        """Item columns per dimension, in codebook order."""
        out: dict[str, list[str]] = {}
        for item in self.items:
            out.setdefault(item.dimension, []).append(item.column)
        return out


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_codebook(raw: Any, *, source: str = "<codebook>") -> Codebook:
    """Validate an already-parsed codebook mapping.

    Parameters
    ----------
    raw : mapping
        The parsed YAML.
    source : str
        Name of the file, used in error messages.

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        Listing every problem with its key and what to do.
    """
    return validated(
        raw, Codebook, error=CodebookError,
        not_mapping=(f"{source}: a codebook must be a YAML mapping with at least `data` and `id`, "
                     f"got {type(raw).__name__}. See docs/codebook.md."),
        head=f"{source}: the codebook has {{n}} problem(s):\n",
        unknown="unknown key; check its spelling (see docs/codebook.md)", missing="required key is missing",
        footer="\nFix the codebook (format: docs/codebook.md) and run again.",
    )


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a YAML codebook.

    Parameters
    ----------
    path : str or Path
        The codebook file. Its ``data`` path is relative to the codebook's folder.

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        When the file is missing, is not YAML, or breaks the format.
    """
    raw = read_yaml(path, error=CodebookError, what="codebook")
    return parse_codebook(raw, source=f"codebook {path}")
