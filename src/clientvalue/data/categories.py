"""Categories that may be published: numeric values banded, rare categories pooled.

A published label never holds a respondent's exact value (an income, an age) nor the name of a
category smaller than ``min_group_size``: :func:`band_numeric` cuts numbers into bands of at
least ``min_group_size`` respondents labelled by rounded bounds, and :func:`pool_rare` pools rare
categories into one :data:`OTHER_CATEGORY`. Used by the data check (attributes.csv) and the
fairness audit of notebook 30, so that both show the same categories.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

OTHER_CATEGORY = "(other)"  # rare categories pooled; shown (translated) only when the pool is large enough
MAX_CODES = 10  # a numeric protected attribute with more distinct values is banded


def _round_edge(value: float) -> float:
    """``value`` rounded to two significant digits: a round boundary, never an observed extreme."""
    if value == 0 or not np.isfinite(value):
        return 0.0
    return float(f"{value:.2g}")


def _edge_text(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"


class Bands(NamedTuple):
    """What :func:`band_numeric` returns: each value's band and the bands' labels from low to high."""

    values: pd.Series
    order: list[str]


def band_numeric(values: pd.Series, *, min_group_size: int, edges=None) -> Bands:
    """Numeric values cut into bands of at least ``min_group_size`` respondents, labelled by rounded bounds.

    ``edges`` are the bands' lower bounds (the age bands); without them the quartiles rounded to two
    significant digits. Empty bands are dropped and a band below ``min_group_size`` is merged with
    its smaller neighbour until every band is large enough. Labels name only the (rounded) edges,
    never an observed value such as the minimum or maximum: ``< 40000``, ``40000-59999`` (integer
    data) or ``40000-<60000``, ``60000+``. Missing values stay missing (None).

    Returns
    -------
    Bands
        ``values``: each value's band label (object dtype, same index); ``order``: the labels from
        low to high (empty when no value is known).
    """
    x = pd.to_numeric(values, errors="coerce")
    known = x.dropna()
    out = pd.Series(None, index=values.index, dtype=object)
    if known.empty:
        return Bands(out, [])
    if edges is None:
        edges = [_round_edge(q) for q in known.quantile([0.25, 0.5, 0.75])]
    cuts = sorted({float(e) for e in edges if known.min() < e <= known.max()})
    while True:
        bins = np.searchsorted(np.asarray(cuts), known.to_numpy(), side="right")
        sizes = np.bincount(bins, minlength=len(cuts) + 1)
        small = [i for i, size in enumerate(sizes) if size < min_group_size]
        if not small or not cuts:
            break
        i = min(small, key=lambda j: sizes[j])
        left = sizes[i - 1] if i > 0 else np.inf
        right = sizes[i + 1] if i < len(cuts) else np.inf
        cuts.pop(i - 1 if left <= right else i)  # merge band i with its smaller neighbour
    integer = bool(np.all(np.mod(known.to_numpy(), 1) == 0)) and all(float(c).is_integer() for c in cuts)
    labels = []
    for i in range(len(cuts) + 1):
        if not cuts:
            labels.append(OTHER_CATEGORY)  # one band: everyone; no boundary to show
        elif i == 0:
            labels.append(f"< {_edge_text(cuts[0])}")
        elif i == len(cuts):
            labels.append(f"{_edge_text(cuts[-1])}+")
        elif integer:
            labels.append(f"{_edge_text(cuts[i - 1])}–{_edge_text(cuts[i] - 1)}")
        else:
            labels.append(f"{_edge_text(cuts[i - 1])}–<{_edge_text(cuts[i])}")
    out.loc[known.index] = np.asarray(labels, dtype=object)[bins]
    return Bands(out, labels)


def pool_rare(values: pd.Series, *, min_group_size: int) -> pd.Series:
    """Categories with fewer than ``min_group_size`` respondents pooled into :data:`OTHER_CATEGORY`."""
    counts = values.value_counts()
    rare = set(counts.index[counts < min_group_size])
    return values.where(~values.isin(rare), OTHER_CATEGORY) if rare else values


def is_numeric(values: pd.Series) -> bool:
    """True when every non-missing value is a number (a numeric attribute, banded before it is shown)."""
    known = values.dropna()
    if not len(known):
        return False
    distinct = pd.Series(known.unique())  # each value is converted on its own: distinct ones suffice
    return bool(pd.to_numeric(distinct, errors="coerce").notna().all())
