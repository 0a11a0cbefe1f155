"""How messages and problem tables show offending values and data rows: a few, then "(+N more)"."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

LIMIT = 5


# Numbers at least this large (or this close to zero) are shown in scientific notation: a weight of
# 1e308 is "1e+308", never a 309-digit integer.
_LARGE, _SMALL = 1e15, 1e-6


def show(value: object) -> str:
    """A value as text (``3.0`` -> ``3``; ``1e308`` -> ``1e+308``; ``1e-9`` -> ``1e-09``)."""
    if isinstance(value, float) and math.isfinite(value) and value != 0 and not _SMALL <= abs(value) < _LARGE:
        return f"{value:.6g}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def examples(values: pd.Series | list, limit: int = LIMIT) -> str:
    """The first ``limit`` distinct values, comma-separated, and how many more there are."""
    shown = list(dict.fromkeys(show(v) for v in _distinct(values)))
    more = f" (+{len(shown) - limit} more)" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


def _distinct(values: pd.Series | list) -> list:
    """The distinct values in order of first appearance, before any is formatted.

    Formatting only the distinct values gives the same text in the same order. Values of a
    numeric or text column are of one type; for anything else the type is part of what makes a
    value distinct (``True`` and ``1`` are equal in Python but shown differently).
    """
    if isinstance(values, pd.Series) and values.dtype != object:
        distinct = values.unique()  # numpy scalars become Python ones, as iterating the Series gives
        return distinct.tolist() if isinstance(distinct, np.ndarray) else list(distinct)
    try:
        return [v for _, v in dict.fromkeys((type(v), v) for v in values)]
    except TypeError:  # an unhashable value (a list in an object column): every value, as it comes
        return list(values)


def rows(index: pd.Index, limit: int = LIMIT) -> str:
    """Data rows (1-based, as a spreadsheet counts them below the header) of an index."""
    numbers = [str(int(i) + 1) for i in index[:limit]]
    more = f" (+{len(index) - limit} more)" if len(index) > limit else ""
    return ", ".join(numbers) + more
