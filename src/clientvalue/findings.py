"""The findings contract: what an analysis concluded, without words, for every page that words it.

An analysis decides each finding once and returns it as a :class:`Finding`: its ``kind`` (what sort
of statement it is), its ``subject`` (which group, question, wave or unit it is about), its
``numbers`` and their ``uncertainty``, how serious it is and how high it ranks. Reader-facing
pages (the analysis's own page, the summary) word it through ``report/*_text.py``; none of them
decides anything again. A notebook writes its findings with :func:`save_notebook_findings` (through
:func:`write_findings`) to ``findings/<notebook>.json`` beside ``tables/``; :func:`read_findings`
reads them back.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from clientvalue.errors import DataError, ParameterError
from clientvalue.paths import write_atomically

SEVERITIES = {0: "info", 1: "notable", 2: "important", 3: "serious"}
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Finding:
    """One language-free finding.

    Attributes
    ----------
    kind : str
        What sort of finding, e.g. ``"level"``, ``"wave_change"``, ``"unit_above"``; each kind has
        its wording in the report.
    subject : dict of str to str
        What it is about: codes and names from the data (group, question, wave, unit...).
    numbers : dict of str to float
        The estimates (mean, change, share...).
    uncertainty : dict of str to float
        Their intervals and p-values (``ci_low``, ``ci_high``, ``p_value``...).
    severity : int
        0 information, 1 notable, 2 important, 3 serious.
    priority : float
        Higher first when a page has room for a few findings only.
    """

    kind: str
    subject: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, float] = field(default_factory=dict)
    uncertainty: dict[str, float] = field(default_factory=dict)
    severity: int = 0
    priority: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or not self.kind:
            raise ParameterError(f"Finding.kind must be a non-empty string, got {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ParameterError(f"Finding.severity must be one of {sorted(SEVERITIES)}, got {self.severity!r}")
        for name in ("subject", "numbers", "uncertainty"):
            value = getattr(self, name)
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                raise ParameterError(f"Finding.{name} must be a dict with string keys, got {value!r}")
        object.__setattr__(self, "subject", {k: str(v) for k, v in self.subject.items()})
        object.__setattr__(self, "numbers", {k: float(v) for k, v in self.numbers.items()})
        object.__setattr__(self, "uncertainty", {k: float(v) for k, v in self.uncertainty.items()})
        object.__setattr__(self, "priority", float(self.priority))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (keys sorted; NaN and infinities become None)."""
        def numbers(values: dict[str, float]) -> dict[str, float | None]:
            return {k: (v if math.isfinite(v) else None) for k, v in sorted(values.items())}

        return {"kind": self.kind, "subject": dict(sorted(self.subject.items())),
                "numbers": numbers(self.numbers), "uncertainty": numbers(self.uncertainty),
                "severity": self.severity, "priority": self.priority}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "Finding":
        """The inverse of :meth:`to_dict` (None becomes NaN)."""
        def numbers(values: dict[str, Any]) -> dict[str, float]:
            return {k: (math.nan if v is None else float(v)) for k, v in values.items()}

        return cls(kind=raw["kind"], subject=dict(raw.get("subject", {})),
                   numbers=numbers(raw.get("numbers", {})), uncertainty=numbers(raw.get("uncertainty", {})),
                   severity=int(raw.get("severity", 0)), priority=float(raw.get("priority", 0.0)))


def encode_names(values: Iterable[Any]) -> str:
    """Several names (codes or labels) as one subject value: a JSON list, so that no name can split another."""
    return json.dumps([str(v) for v in values], ensure_ascii=False)


def decode_names(value: str) -> list[str]:
    """The names :func:`encode_names` kept in a subject value (none for an empty value)."""
    return [str(v) for v in json.loads(value)] if value else []


def _order(finding: Finding) -> tuple:
    return (-finding.priority, -finding.severity, finding.kind, sorted(finding.subject.items()))


def write_findings(path: str | Path, findings: list[Finding]) -> Path:
    """Write findings as JSON in a stable order (priority, severity, kind, subject).

    The file is written whole or not at all (a temporary file renamed into place).
    """
    items = sorted(findings, key=_order)
    body = {"version": FORMAT_VERSION, "findings": [f.to_dict() for f in items]}
    text = json.dumps(body, ensure_ascii=False, indent=1, sort_keys=False, allow_nan=False) + "\n"
    return write_atomically(Path(path), text.encode("utf-8"))  # creates the folder


def save_notebook_findings(findings: list[Finding], *, tables_dir: str | Path | None, name: str) -> Path | None:
    """Write a notebook's findings to ``findings/<name>.json`` beside ``tables_dir`` (:func:`write_findings`).

    Returns the path written, or None without ``tables_dir`` (a notebook run by hand).
    """
    if not tables_dir:
        return None
    return write_findings(Path(tables_dir).parent / "findings" / f"{name}.json", findings)


def read_findings(path: str | Path) -> list[Finding]:
    """Read findings written by :func:`write_findings`, in the file's order."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return [Finding.from_dict(item) for item in raw["findings"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{path}: not a findings file written by clientvalue ({exc}); run the report again.") from exc
