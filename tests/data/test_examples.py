"""How offending values are shown in messages, and which attributes count as numeric."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clientvalue.data.categories import is_numeric
from clientvalue.examples import examples, show


def _every_value_formatted(values, limit: int = 5) -> str:
    """The definition: format every value, keep the first of each text (a second method)."""
    shown = list(dict.fromkeys(show(v) for v in values))
    more = f" (+{len(shown) - limit} more)" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


@pytest.mark.parametrize("values", [
    [3, 3.0, True, 1, "1", 1.0, None, float("nan"), float("nan"), 1e308, 2.5, "x", "x"],
    pd.Series([7.0, 3.0, 7.0, np.nan, 1e-9, 3.0, 12.0, 13.0, 14.0, 15.0]),
    pd.Series([4, 1, 4, 9, 1], dtype="Int64"),
    pd.Series(["b", "a", "b", None, "c"], dtype="str"),
    pd.Series([True, False, True]),
    pd.Series(["10", 10, 10.0, True, 1, None], dtype=object),
    pd.Series([0.1, 3.0, 0.1, -1.0], dtype="float32"),
    pd.Series([[1], [1], [2]], dtype=object),
    [],
])
def test_examples_show_the_first_distinct_values_as_formatting_every_value_does(values):
    assert examples(values) == _every_value_formatted(values)
    assert examples(values, limit=2) == _every_value_formatted(values, limit=2)


def test_examples_of_a_million_values_lists_five_and_counts_the_rest():
    values = pd.Series(np.arange(1_000_000) % 7 + 0.5)
    assert examples(values) == "0.5, 1.5, 2.5, 3.5, 4.5 (+2 more)"


@pytest.mark.parametrize(("values", "expected"), [
    (pd.Series([1, 2, None, 4]), True),
    (pd.Series(["1", "2.5", None], dtype=object), True),
    (pd.Series(["1", "twee", "1"], dtype=object), False),
    (pd.Series(["man", "vrouw"] * 1000, dtype="str"), False),
    (pd.Series([None, None], dtype=object), False),
    (pd.Series([], dtype=float), False),
    (pd.Series([True, False]), True),
])
def test_is_numeric_when_every_known_value_is_a_number(values, expected):
    assert is_numeric(values) is expected
