"""What a batch runs on: one organisation per subfolder, or one stacked export split by a column.

Everything here happens in the process that starts the batch, before any task is sent to the
cluster. Bad input of the batch as a whole (an organisation column with empty values, two names
that differ only in case or spacing) is refused here with a :class:`BatchError`; bad input of one
organisation (a missing codebook) is recorded on that organisation, which then fails alone.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from clientvalue.errors import ClientValueError, excerpt

#: The codebook file every organisation's subfolder must hold.
CODEBOOK_NAME = "codebook.yaml"

#: Longest folder name made from an organisation's name (before the hash suffix).
FOLDER_MAX = 48

#: Names Windows reserves for devices: a folder called ``CON`` cannot be opened there.
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


class BatchError(ClientValueError):
    """The batch input as a whole is refused (nothing ran)."""


@dataclass(frozen=True)
class Organisation:
    """One organisation of a batch.

    Attributes
    ----------
    name : str
        The organisation's name as the input gives it (shown on the overview page, escaped).
    folder : str
        The safe, unique folder its report is written to, inside the batch output.
    codebook : Path or None
        Its codebook (``None`` when it has none: it then fails with ``problem``).
    problem : str or None
        Why it cannot run, found before anything runs (e.g. no codebook).
    """

    name: str
    folder: str
    codebook: Path | None
    problem: str | None = None


def name_key(name: str) -> str:
    """The form under which two names count as the same: Unicode-normalised, case and spacing ignored."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def safe_folder(name: str) -> str:
    """A folder name for an organisation: safe on every file system, and unique per name.

    Lower-case ASCII letters, digits, ``-`` and ``_`` only, at most ``FOLDER_MAX`` characters
    before the suffix, never a device name of Windows (``CON``, ``NUL``...) nor ``.``/``..``.
    A name that is not already such a folder name gets ``-`` and the first 8 hex digits of the
    SHA-256 of the name appended, so two names that map to the same text (``Zorg A`` and
    ``zorg-a``) still get different folders, and a name gets the same folder in every run.

    Examples
    --------
    >>> safe_folder("zorg-a")
    'zorg-a'
    >>> safe_folder("../x").startswith("x-")
    True
    """
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9_]+", "-", ascii_text).strip("-_")[:FOLDER_MAX].strip("-_")
    if text == name and text and text not in WINDOWS_RESERVED:
        return text
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{text or 'organisation'}-{digest}"


def refuse_near_duplicates(names: list[str], *, where: str) -> None:
    """Refuse names that differ only in case or spacing (``Zorg A`` and ``zorg  a``).

    They are almost always one organisation typed twice; running them as two would give two
    small reports and a wrong benchmark, and merging them silently could join two organisations.

    Raises
    ------
    BatchError
        Naming the variants found and what to do.
    """
    seen: dict[str, list[str]] = {}
    for name in names:
        seen.setdefault(name_key(name), []).append(name)
    clashes = [variants for variants in seen.values() if len(variants) > 1]
    if clashes:
        shown = "; ".join(" / ".join(excerpt(v, 60) for v in variants) for variants in clashes[:5])
        more = f" (+{len(clashes) - 5} more)" if len(clashes) > 5 else ""
        raise BatchError(
            f"{where}: organisation names that differ only in case or spacing: {shown}{more}. "
            "Write each organisation's name the same way everywhere (or make different organisations "
            "clearly different), then run the batch again; nothing was run."
        )


def folder_organisations(folder: Path) -> list[Organisation]:
    """The organisations of a batch folder: one subfolder each, holding ``codebook.yaml`` and its export.

    A subfolder without ``codebook.yaml`` is kept as an organisation that fails alone ("no
    codebook"), so the overview page shows it; hidden subfolders (``.name``) are ignored.

    Raises
    ------
    BatchError
        When the folder does not exist or has no subfolders.
    """
    if not folder.is_dir():
        raise BatchError(f"batch input {folder}: no such folder. Give a folder with one subfolder per organisation "
                         f"(each holding {CODEBOOK_NAME} and its export), or a stacked export's codebook.")
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not subfolders:
        raise BatchError(f"batch input {folder}: no subfolders. Put each organisation's {CODEBOOK_NAME} and export "
                         "in a subfolder of its own.")
    refuse_near_duplicates([p.name for p in subfolders], where=f"batch input {folder}")
    organisations = []
    for sub in subfolders:
        codebook = sub / CODEBOOK_NAME
        problem = None if codebook.is_file() else (
            f"{sub}: no {CODEBOOK_NAME}. Add the organisation's codebook there (docs/codebook.md) and run the batch again.")
        organisations.append(Organisation(sub.name, safe_folder(sub.name), codebook if problem is None else None, problem))
    return organisations


def split_stacked(codebook_path: Path, column: str, workdir: Path) -> list[Organisation]:
    """Split a stacked export (all organisations in one file) into one export + codebook per organisation.

    The export is read once, as :func:`clientvalue.data.readers.read_export` reads it, and each
    organisation's rows are written as Parquet into ``workdir/<folder>/`` beside a copy of the
    shared codebook whose ``data`` points at them. The files are written the same way every time,
    so an unchanged organisation has the same input hashes in the next run (resume).

    Raises
    ------
    BatchError
        When ``column`` is not in the export, has empty values, or names organisations that differ
        only in case or spacing; or when the export is SPSS/Stata with value labels (they would be lost).
    CodebookError, DataError
        When the shared codebook or the export cannot be read.
    """
    import pandas as pd
    import yaml

    from clientvalue.data.codebook import load_codebook
    from clientvalue.data.readers import read_export
    from clientvalue.data.yamlfile import read_yaml
    from clientvalue.errors import CodebookError

    codebook = load_codebook(codebook_path)
    export = read_export(codebook_path.parent / codebook.data)
    where = f"stacked export {export.path}, column {column!r}"
    if column not in export.frame.columns:
        raise BatchError(f"{export.path}: no column {column!r} naming the organisation; the columns are "
                         f"{excerpt(list(export.frame.columns), 300)}. Give the right column (--by or `organisations`).")
    if export.value_labels or export.user_missing:
        raise BatchError(f"{export.path}: a stacked SPSS/Stata export with value labels or user-missing codes cannot be "
                         "split without losing them. Export it as CSV or Parquet, or give one folder per organisation.")
    names = export.frame[column].map(lambda v: "" if pd.isna(v) else str(v).strip())
    empty = names.index[names == ""]
    if len(empty):
        rows = ", ".join(str(int(i) + 2) for i in empty[:10]) + (f" (+{len(empty) - 10} more)" if len(empty) > 10 else "")
        raise BatchError(f"{where}: {len(empty):,} row(s) name no organisation (file lines {rows}, counting the header "
                         "as line 1). Fill in the organisation or remove those rows; nothing was run.")
    unique = sorted(names.unique())
    refuse_near_duplicates(unique, where=where)
    raw = read_yaml(codebook_path, error=CodebookError, what="codebook")
    workdir.mkdir(parents=True, exist_ok=True)
    organisations = []
    for name, rows in export.frame.groupby(names, sort=True):
        folder = safe_folder(str(name))
        target = workdir / folder
        target.mkdir(exist_ok=True)
        rows.reset_index(drop=True).to_parquet(target / "survey.parquet", index=False, compression="zstd")
        own = dict(raw) | {"data": "survey.parquet"}
        (target / CODEBOOK_NAME).write_text(yaml.safe_dump(own, allow_unicode=True, sort_keys=False), encoding="utf-8")
        organisations.append(Organisation(str(name), folder, target / CODEBOOK_NAME))
    return organisations
