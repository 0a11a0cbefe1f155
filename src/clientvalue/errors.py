"""One exception hierarchy for everything clientvalue refuses.

Every message names the file, the column or argument, the offending value(s)
and what to do about it. Catch :class:`ClientValueError` to catch them all.
"""

from __future__ import annotations


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
