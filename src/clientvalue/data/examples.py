"""How messages and problem tables show offending values and data rows: a few, then "(+N more)"."""

from __future__ import annotations

import pandas as pd

LIMIT = 5


def show(value: object) -> str:
    """A value as text (``3.0`` -> ``3``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def examples(values: pd.Series | list, limit: int = LIMIT) -> str:
    """The first ``limit`` distinct values, comma-separated, and how many more there are."""
    shown = list(dict.fromkeys(show(v) for v in values))
    more = f" (+{len(shown) - limit} more)" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


def rows(index: pd.Index, limit: int = LIMIT) -> str:
    """Data rows (1-based, as a spreadsheet counts them below the header) of an index."""
    numbers = [str(int(i) + 1) for i in index[:limit]]
    more = f" (+{len(index) - limit} more)" if len(index) > limit else ""
    return ", ".join(numbers) + more
