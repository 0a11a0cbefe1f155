"""Reading the project's small YAML files and turning pydantic's complaints into plain lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from clientvalue.errors import ClientValueError


def read_yaml(path: str | Path, *, error: type[ClientValueError], what: str) -> Any:
    """Parse a UTF-8 YAML file; raise ``error`` naming ``what`` and the path when that fails."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{what} {path}: no such file. Give the path of your {what} YAML.")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        raise error(f"{what} {path}: not valid YAML: {exc}") from None
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
            lines.append(f"  - {where}: {message} (got {err.get('input')!r})")
    return lines
