"""clientvalue: which kind of value do clients seek, per service?

Parameterised notebooks (``notebooks/``) on this tested helper package.
"""

from __future__ import annotations

from clientvalue.errors import (
    AnalysisError,
    ClientValueError,
    CodebookError,
    DataError,
    ParameterError,
    PipelineError,
)

__version__ = "0.1.0"

__all__ = [
    "AnalysisError",
    "ClientValueError",
    "CodebookError",
    "DataError",
    "ParameterError",
    "PipelineError",
    "__version__",
]
