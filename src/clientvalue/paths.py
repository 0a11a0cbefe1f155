"""Where things are: resolved from the package, never from the working directory alone."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

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


def write_atomically(path: Path, data: bytes | None = None, *,
                     write: Callable[[BinaryIO], None] | None = None, mode: int = 0o644) -> Path:
    """Write a file through a private temporary file and a rename: never a half-written file.

    The one way the package writes a file atomically. The temporary file has a unique name in the
    same folder (two writers never share it) and is removed when writing fails or is interrupted;
    the rename replaces ``path`` in one step, so a reader sees the old file or the whole new one.

    Parameters
    ----------
    path : Path
        The file to write; its folder is created when missing.
    data : bytes, optional
        The content; or give ``write`` instead.
    write : callable, optional
        Called with the open binary file (e.g. to ``pickle.dump`` into it).
    mode : int
        The file's permissions (``0o600``: the owner only, for respondent data).

    Returns
    -------
    Path
        ``path``.
    """
    if (data is None) == (write is None):
        raise TypeError("write_atomically needs exactly one of `data` and `write`")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as file:
            if write is not None:
                write(file)
            else:
                file.write(data)  # type: ignore[arg-type]  # checked above: data is bytes here
        os.chmod(partial, mode)
        os.replace(partial, path)
    except BaseException:  # a full disk or Ctrl-C: no partial file stays behind
        Path(partial).unlink(missing_ok=True)
        raise
    return path
