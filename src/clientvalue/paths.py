"""Where things are: resolved from the package, never from the working directory alone."""

from __future__ import annotations

from pathlib import Path

from clientvalue.errors import ParameterError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parents[1]
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
DEMO_DIR = PROJECT_ROOT / "data" / "demo"
DEMO_PARAMS = PROJECT_ROOT / "params" / "demo.yaml"


def resolve_path(path: str | Path, *, base: str | Path | None = None, must_exist: bool = True, what: str = "file") -> Path:
    """Resolve a user-given path.

    An absolute path is taken as it is. A relative path is looked up, in this order, against
    ``base`` (e.g. the folder of the parameter file), the working directory and the project
    root, so ``data/demo/...`` works from anywhere.

    Parameters
    ----------
    path : str or Path
    base : str or Path, optional
    must_exist : bool
        Raise when no candidate exists; otherwise return the first candidate.
    what : str
        What the path is, for the error message (``"codebook"``...).

    Returns
    -------
    Path
        Absolute path.

    Raises
    ------
    ParameterError
        When ``must_exist`` and the file is nowhere to be found; the message lists where it looked.
    """
    path = Path(path).expanduser()
    if path.is_absolute():
        candidates = [path]
    else:
        bases = [Path(base)] if base is not None else []
        bases += [Path.cwd(), PROJECT_ROOT]
        candidates = [(b / path).resolve() for b in bases]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    if must_exist:
        tried = "\n".join(f"  - {c}" for c in dict.fromkeys(candidates))
        raise ParameterError(f"{what} {str(path)!r} not found. Looked in:\n{tried}")
    return candidates[0]


def write_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
