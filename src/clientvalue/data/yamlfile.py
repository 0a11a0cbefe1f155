"""Reading the project's small YAML files and turning pydantic's complaints into plain lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from clientvalue.errors import ClientValueError, excerpt, visible


MAX_BYTES = 1 << 20  # a codebook or parameter file is a few KB


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without aliases: ``*name`` can expand a 1 KB file into gigabytes (an "alias bomb")."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*{event.anchor}) are not allowed", event.start_mark)
        return super().compose_node(parent, index)


def read_yaml(path: str | Path, *, error: type[ClientValueError], what: str) -> Any:
    """Parse a UTF-8 YAML file; raise ``error`` naming ``what`` and the path when that fails.

    YAML aliases (``&anchor`` / ``*alias``) are refused, and so are files over 1 MiB: neither
    belongs in a codebook, and both can make a tiny file expand without bound.
    """
    path = Path(path)
    if path.is_dir():
        raise error(f"{what} {path}: is a folder. Give the path of your {what} YAML file.")
    if not path.is_file():
        raise error(f"{what} {path}: no such file. Give the path of your {what} YAML.")
    if path.stat().st_size > MAX_BYTES:
        raise error(f"{what} {path}: {path.stat().st_size:,} bytes is too large for a {what} (at most "
                    f"{MAX_BYTES:,}); check that you gave the {what} and not the data.")
    try:
        return yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_NoAliasLoader)  # noqa: S506 (safe loader)
    except yaml.composer.ComposerError as exc:
        if "aliases" in str(exc):
            raise error(
                f"{what} {path}: {exc.problem} (line {exc.problem_mark.line + 1}). Write the values out "
                "instead of using YAML anchors and aliases."
            ) from None
        raise error(f"{what} {path}: not valid YAML: {visible(str(exc), limit=500)}") from None
    except yaml.YAMLError as exc:
        raise error(f"{what} {path}: not valid YAML: {visible(str(exc), limit=500)}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{what} {path}: not UTF-8 text ({exc}); save it as UTF-8.") from None


def location(loc: tuple[Any, ...]) -> str:
    """``("items", 2, "scale")`` -> ``items[2].scale``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def problem_lines(exc: ValidationError, *, unknown: str, missing: str) -> list[str]:
    """One line per validation error: where, and what is wrong (``unknown``/``missing`` texts)."""
    lines = []
    for err in exc.errors():
        where = location(err["loc"])
        if err["type"] == "extra_forbidden":
            lines.append(f"  - {where}: {unknown}")
        elif err["type"] == "missing":
            lines.append(f"  - {where}: {missing}")
        else:
            message = err["msg"].removeprefix("Value error, ")
            got = "" if not err["loc"] or isinstance(err.get("input"), dict) else f" (got {excerpt(err.get('input'))})"
            lines.append(f"  - {where}: {message}{got}")
    return lines


def validated(raw: Any, model: Any, *, error: type[ClientValueError], not_mapping: str, head: str,
              unknown: str, missing: str, footer: str = "") -> Any:
    """``model.model_validate(raw)``, or ``error`` listing every problem (one line each).

    ``head`` may use ``{n}``, the number of problems; ``not_mapping`` is the message when ``raw`` is
    not a YAML mapping at all.
    """
    if not isinstance(raw, dict):
        raise error(not_mapping)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        lines = problem_lines(exc, unknown=unknown, missing=missing)
        raise error(head.format(n=len(lines)) + "\n".join(lines) + footer) from None
