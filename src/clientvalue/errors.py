"""One exception hierarchy for everything clientvalue refuses.

Every message names the file, the column or argument, the offending value(s)
and what to do about it. Catch :class:`ClientValueError` to catch them all.
"""

from __future__ import annotations

import re
from typing import Any


class ClientValueError(Exception):
    """Base class of every error clientvalue raises on purpose."""


class CodebookError(ClientValueError):
    """The codebook YAML is missing, malformed or inconsistent."""


class DataError(ClientValueError):
    """The survey export cannot be read or does not match its codebook."""


class ParameterError(ClientValueError, ValueError):
    """A function argument or run parameter has a value that is not allowed."""


class AnalysisError(ClientValueError):
    """An analysis cannot be carried out on the data given (too few rows, no variance...)."""


class PipelineError(ClientValueError):
    """A notebook run failed; the message names the notebook, the cell and the error."""


# --------------------------------------------------------------------------- values in messages
# Values from files reach terminals and logs: control characters are written out visibly and long
# inputs are cut, so a message can never retitle or clear a terminal, or echo a whole file.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def visible(text: Any, *, limit: int | None = 2000) -> str:
    """Text for a terminal: control characters shown as ``\\x1b``-style escapes, and cut at ``limit``.

    Newlines and tabs of the message itself are kept; every other control character (ESC, BEL,
    backspace, carriage return, C1 controls, bidi overrides) is written out visibly.
    """
    text = str(text)

    def show(match: re.Match) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    shown = CONTROL_CHARACTERS.sub(show, text)
    if limit is not None and len(shown) > limit:
        shown = shown[:limit] + f"… ({len(shown) - limit:,} more characters not shown)"
    return shown


def excerpt(value: Any, limit: int = 80) -> str:
    """A short, visible ``repr`` of a value for an error message (never the whole input)."""
    text = repr(value)
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text) - limit:,} more characters)"
    return visible(text, limit=None)
