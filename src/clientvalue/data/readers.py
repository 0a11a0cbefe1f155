"""Read survey exports as analysts get them: CSV/TSV, Excel, SPSS, Stata, Parquet.

:func:`read_export` never modifies the file it reads. It detects the CSV dialect that Dutch
Excel and survey tools write (``;`` or ``,`` or tab; UTF-8, UTF-8 with BOM or cp1252/Latin-1)
and keeps SPSS/Stata value labels and SPSS user-defined missing values beside the data.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from clientvalue.errors import DataError

SUPPORTED_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".sav": "sav",
    ".zsav": "sav",
    ".dta": "dta",
    ".parquet": "parquet",
    ".pq": "parquet",
}
DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 256 * 1024


@dataclass
class Export:
    """A survey export as read from disk, before any cleaning.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows as read. Numbers are numbers where the reader could tell.
    path : Path
        The file read.
    format : str
        ``csv``, ``xlsx``, ``sav``, ``dta`` or ``parquet``.
    value_labels : dict
        Column -> {code: label}, from SPSS/Stata files.
    user_missing : dict
        Column -> list of codes an SPSS file declares as user-defined missing.
    details : dict
        How the file was read (encoding, delimiter, decimal mark).
    """

    frame: pd.DataFrame
    path: Path
    format: str
    value_labels: dict[str, dict] = field(default_factory=dict)
    user_missing: dict[str, list] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)


def detect_encoding(raw: bytes) -> str:
    """Return the encoding of CSV bytes: ``utf-8-sig``, ``utf-8``, ``cp1252`` or ``latin-1``."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def detect_delimiter(sample: str) -> str:
    """Pick the delimiter that splits the first lines into the same, largest number of fields.

    Parameters
    ----------
    sample : str
        The first lines of the file.

    Returns
    -------
    str
        One of ``,`` ``;`` tab ``|``; ``,`` for a one-column file.
    """
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if len(lines) > 1 and not sample.endswith("\n"):
        lines = lines[:-1]  # the last line of a sample may be cut off
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = [_count_outside_quotes(line, delimiter) for line in lines]
        if not counts or counts[0] == 0:
            continue
        consistent = sum(c == counts[0] for c in counts)
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


# Numbers as spreadsheets write them: a decimal comma ("3,5", "0,873", "-12,25") or point, with or
# without a thousands separator of the other mark ("1.234,5" / "1,234.5").
_COMMA_DECIMAL = re.compile(r"[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+")
_POINT_DECIMAL = re.compile(r"[-+]?(\d{1,3}(,\d{3})+|\d+)\.\d+")
_GROUPED_COMMA = re.compile(r"[-+]?[1-9]\d{0,2}(,\d{3})+")  # "1,234": thousands or a decimal comma?
_GROUPED_POINT = re.compile(r"[-+]?[1-9]\d{0,2}(\.\d{3})+")
#: Strictly grouped numbers per thousands separator (what :func:`strip_thousands` may change).
GROUPED = {",": re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?"), ".": re.compile(r"[-+]?\d{1,3}(\.\d{3})+(,\d+)?")}


def _decimal_mark(sample: str, delimiter: str) -> tuple[str, str | None]:
    """The decimal mark (and thousands separator, if any) of a delimited file's numbers.

    A field like ``3,5`` or ``0,873`` can only be a decimal comma; ``3.5`` only a decimal point;
    ``1,234`` or ``1.234`` could be either (a thousands separator or three decimals) and decides
    nothing. The file uses a decimal comma when some field can only be one and none can only be a
    point; then ``.`` is its thousands separator. Otherwise the mark is a point and ``,`` its
    thousands separator.

    Returns
    -------
    (decimal, thousands)
        ``(",", ".")`` or ``(".", ",")``.
    """
    comma = point = False
    for line in sample.splitlines()[1:2000]:
        for cell in line.split(delimiter):
            cell = cell.strip().strip('"').strip()
            if not cell or not cell[-1].isdigit():
                continue
            if _COMMA_DECIMAL.fullmatch(cell) and not _GROUPED_COMMA.fullmatch(cell):
                comma = True
            elif _POINT_DECIMAL.fullmatch(cell) and not _GROUPED_POINT.fullmatch(cell):
                point = True
    return (",", ".") if comma and not point else (".", ",")


def strip_thousands(text: pd.Series, thousands: str | None) -> pd.Series:
    """Remove the thousands separator from strictly grouped numbers (``1.234,5`` -> ``1234,5``).

    Only fields grouped in threes from the first digit are touched: ``1,2`` or an id ``12,34``
    are left as they are (and then refused as numbers, with the reason).
    """
    if not thousands:
        return text
    grouped = text.str.fullmatch(GROUPED[thousands]).fillna(False).astype(bool)
    return text.where(~grouped, text.str.replace(thousands, "", regex=False))


def _header_names(columns, *, path: Path | None = None, raw: list[str] | None = None) -> list[str]:
    """Strip and NFC-normalise header names; a blank one (pandas' ``Unnamed: 0``) becomes ``column_<position>``.

    Two columns with the same name are refused (pandas would silently rename the second ``p1.1``
    and the codebook's ``p1`` would mean the first). ``raw`` are the header fields as written.
    """
    names = []
    for position, column in enumerate(raw if raw is not None else columns, start=1):
        name = unicodedata.normalize("NFC", str(column)).strip()
        names.append(f"column_{position}" if not name or name.startswith("Unnamed: ") else name)
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            raise DataError(
                f"{path}: the header names column {name!r} twice (columns {seen[name]} and {position}); "
                "the codebook could not tell them apart. Rename one of them in the export."
            )
        seen[name] = position
    return names


def _raw_header(raw: bytes, encoding: str, delimiter: str) -> list[str] | None:
    """The header fields of a delimited file as written (before pandas renames duplicates)."""
    try:
        first = io.StringIO(raw[:_SNIFF_BYTES].decode(encoding, errors="replace"), newline="")
        return next(csv.reader(first, delimiter=delimiter, skipinitialspace=True))
    except (StopIteration, csv.Error):
        return None


def _read_csv(path: Path) -> Export:
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(f"{path}: the file is empty. Export the survey again, with a header row.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:4096].count(b"\x00") > len(raw[:4096]) // 8:
        raise DataError(
            f"{path}: the file is UTF-16 (\"Unicode text\" in Excel), which is not supported. Save it as "
            "\"CSV UTF-8 (comma delimited)\" (Excel: File > Save As) or as an .xlsx workbook, and try again."
        )
    encoding = detect_encoding(raw)
    text_sample = raw[:_SNIFF_BYTES].decode(encoding, errors="replace")
    delimiter = detect_delimiter(text_sample)
    # Excel in a Dutch locale writes `;` between fields and `,` as the decimal mark; its "Text (tab
    # delimited)" writes tabs and decimal commas, so a tab-separated file's numbers tell its mark.
    if delimiter in (";", ","):
        decimal, thousands = ("," if delimiter == ";" else "."), None
    else:
        decimal, thousands = _decimal_mark(text_sample, delimiter)
    try:
        frame = pd.read_csv(
            io.BytesIO(raw),
            sep=delimiter,
            encoding=encoding,
            decimal=decimal,
            skipinitialspace=True,
            low_memory=False,
        )
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: byte {exc.start} cannot be read as {encoding} ({exc.reason}). Save the export as "
            "UTF-8 (in Excel: 'CSV UTF-8') and try again."
        ) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise DataError(
            f"{path}: cannot be read as a delimited file (delimiter {delimiter!r}, encoding "
            f"{encoding}): {exc}. Check that every row has as many fields as the header."
        ) from None
    header = _raw_header(raw, encoding, delimiter)
    frame.columns = _header_names(frame.columns, path=path,
                                  raw=header if header is not None and len(header) == frame.shape[1] else None)
    return Export(
        frame=frame,
        path=path,
        format="csv",
        details={"encoding": encoding, "delimiter": delimiter, "decimal": decimal,
                 **({"thousands": thousands} if thousands else {})},
    )


def _read_spss_or_stata(path: Path, kind: str) -> Export:
    import pyreadstat

    reader = pyreadstat.read_sav if kind == "sav" else pyreadstat.read_dta
    kwargs: dict[str, Any] = {"user_missing": True} if kind == "sav" else {}
    try:
        frame, meta = reader(str(path), apply_value_formats=False, **kwargs)
    except Exception as exc:  # pyreadstat raises its own ReadstatError and others
        raise DataError(f"{path}: cannot be read as a {kind} file: {exc}") from None
    user_missing: dict[str, list] = {}
    for column, values in (getattr(meta, "missing_user_values", None) or {}).items():
        user_missing.setdefault(column, []).extend(values)
    for column, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        for rng in ranges:
            lo, hi = rng["lo"], rng["hi"]
            codes = frame[column].dropna().unique() if column in frame else []
            user_missing.setdefault(column, []).extend(
                c for c in codes if isinstance(c, (int, float)) and lo <= c <= hi
            )
    user_missing = {c: sorted(set(v), key=str) for c, v in user_missing.items() if v}
    return Export(
        frame=frame,
        path=path,
        format=kind,
        value_labels=dict(meta.variable_value_labels or {}),
        user_missing=user_missing,
        details={"encoding": str(getattr(meta, "file_encoding", "") or "")},
    )


def read_export(path: str | Path) -> Export:
    """Read a survey export without changing it.

    Parameters
    ----------
    path : str or Path
        A ``.csv``/``.tsv``/``.txt``, ``.xlsx``, ``.sav``, ``.dta`` or ``.parquet`` file.

    Returns
    -------
    Export
        The rows plus what the file says about them (value labels, user-missing codes,
        how it was read).

    Raises
    ------
    DataError
        When the file is missing, empty, of an unknown type or unreadable.
    """
    path = Path(path)
    if path.is_dir():
        raise DataError(
            f"{path}: is a folder, not a file. The codebook's `data` must name the export file itself "
            "(e.g. data/survey.csv), relative to the codebook's folder."
        )
    if not path.is_file():
        raise DataError(
            f"{path}: no such file. Check the `data` path in the codebook (it is relative to "
            "the codebook's folder)."
        )
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise DataError(f"{path}: unknown file type {path.suffix!r}; allowed: {allowed}.")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty (0 bytes). Export the survey again.")
    if kind == "csv":
        export = _read_csv(path)
    elif kind in ("sav", "dta"):
        export = _read_spss_or_stata(path, kind)
    elif kind == "xlsx":
        try:
            frame = pd.read_excel(path, sheet_name=0, engine="openpyxl")
            header = list(pd.read_excel(path, sheet_name=0, engine="openpyxl", header=None, nrows=1).iloc[0])
        except Exception as exc:
            raise DataError(f"{path}: cannot be read as an Excel workbook: {exc}") from None
        frame.columns = _header_names(frame.columns, path=path,
                                      raw=["" if pd.isna(h) else h for h in header] if len(header) == frame.shape[1] else None)
        export = Export(frame=frame, path=path, format="xlsx", details={"sheet": "first"})
    else:
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:
            raise DataError(f"{path}: cannot be read as a Parquet file: {exc}") from None
        export = Export(frame=frame, path=path, format="parquet")
    if export.frame.shape[0] == 0:
        raise DataError(
            f"{path}: the file has a header but no rows. Export the survey again with its responses."
        )
    return export
