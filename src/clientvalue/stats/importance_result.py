"""What :mod:`clientvalue.stats.importance` returns: small frozen results, a tidy table and typed extras.

* :class:`Importance` - :func:`~clientvalue.stats.importance.importance`: the drivers table, R², the
  rows used and dropped, the options, VIFs, coefficients, warnings and the bootstrap replicates;
* :class:`DimensionTotals` and :class:`ShareDifference` -
  :func:`~clientvalue.stats.importance.dimension_totals`: the totals per dimension and the
  difference between the first two dimensions' shares;
* :class:`NaiveLmg` - :func:`~clientvalue.stats.importance.naive_lmg`: LMG per driver and R².

The tables carry no ``DataFrame.attrs``: they concatenate, merge and pickle like any frame. In a
notebook a result shows its table under a one-line summary (``_repr_html_``, ``__repr__``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from clientvalue.stats.shown import ShowsTable


@dataclass(frozen=True, eq=False, repr=False)
class Importance(ShowsTable):
    """The relative importance of drivers for an outcome (:func:`~clientvalue.stats.importance.importance`).

    Attributes
    ----------
    table : DataFrame
        One row per driver, in the order given: ``driver``, ``importance`` (share of R² in
        absolute units; sums to R²), ``share`` (importance / R²; sums to 1), ``ci_low``,
        ``ci_high`` (percentile interval of ``importance``; NaN without bootstrap) and ``sign``
        (+1/-1, sign of the driver's coefficient in the full standardized model).
    r2 : float
        R² of the full model.
    n : int
        Rows used.
    n_dropped : int
        Rows with a missing outcome, driver or weight, left out listwise.
    method : {"lmg", "relative_weights"}
    n_boot : int
        Bootstrap replicates asked for (0: none).
    ci : float
        Level of the intervals.
    outcome : str
    vif : dict of str to float
        Variance inflation factor per driver.
    beta : dict of str to float
        Standardized coefficient per driver.
    warnings : tuple of str
        High collinearity, replicates left out of the intervals.
    replicates : ndarray or None
        ``(n_boot, p)`` replicate importances, columns in the order of ``table`` (read-only); a
        replicate without variance in some column is a row of NaN. None without bootstrap.
    n_boot_failed : int
        Replicates without variance in some column (NaN rows of ``replicates``).
    """

    table: pd.DataFrame
    r2: float
    n: int
    n_dropped: int
    method: str
    n_boot: int
    ci: float
    outcome: str
    vif: dict[str, float]
    beta: dict[str, float]
    warnings: tuple[str, ...]
    replicates: np.ndarray | None
    n_boot_failed: int

    def __post_init__(self) -> None:
        if self.replicates is not None:
            self.replicates.flags.writeable = False

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # through __init__, so that a loaded result's replicates are read-only too
        return type(self), tuple(getattr(self, f.name) for f in fields(self))

    def _summary(self) -> str:
        boot = f"{self.n_boot} bootstrap replicates ({self.n_boot_failed} failed), {self.ci:.0%} intervals" \
            if self.n_boot else "no bootstrap"
        lines = [f"Importance ({self.method}) of {len(self.table)} drivers for {self.outcome!r}: "
                 f"R² = {self.r2:.4f}, n = {self.n} ({self.n_dropped} dropped), {boot}"]
        return "\n".join(lines + [f"warning: {w}" for w in self.warnings])


@dataclass(frozen=True)
class ShareDifference:
    """The first two dimensions' difference in share of R², with its bootstrap interval and p-value.

    Attributes
    ----------
    dimensions : (str, str)
        The two dimensions ``(a, b)``.
    diff : float
        ``share_a - share_b``.
    ci_low, ci_high : float
        Percentile interval of the difference (NaN without bootstrap).
    p_value : float
        Two-sided bootstrap p-value, ``min(1, 2 (k + 1) / (B + 1))`` with ``k`` the replicates on
        the other side of zero than the estimate (or at zero); NaN without bootstrap.
    """

    dimensions: tuple[str, str]
    diff: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True, eq=False, repr=False)
class DimensionTotals(ShowsTable):
    """Importance per dimension (:func:`~clientvalue.stats.importance.dimension_totals`).

    Attributes
    ----------
    table : DataFrame
        ``dimension``, ``n_drivers``, ``importance`` (sum of the drivers' importance), ``share``
        (importance / R²), ``ci_low``, ``ci_high`` (percentile interval of the share).
    difference : ShareDifference or None
        The first two dimensions compared; None with fewer than two dimensions.
    unassigned : tuple of str
        Drivers of the importance table in no dimension (left out of the totals).
    r2 : float
        R² of the full model.
    ci : float
        Level of the intervals.
    """

    table: pd.DataFrame
    difference: ShareDifference | None
    unassigned: tuple[str, ...]
    r2: float
    ci: float

    def _summary(self) -> str:
        text = f"Importance of {len(self.table)} dimensions: R² = {self.r2:.4f}"
        d = self.difference
        if d is not None:
            text += (f"; share of {d.dimensions[0]!r} - {d.dimensions[1]!r} = {d.diff:.4f} "
                     f"({self.ci:.0%} interval {d.ci_low:.4f} to {d.ci_high:.4f}, p = {d.p_value:.4g})")
        if self.unassigned:
            text += f"; in no dimension: {', '.join(self.unassigned)}"
        return text


@dataclass(frozen=True, eq=False, repr=False)
class NaiveLmg(ShowsTable):
    """LMG computed one fit per subset (:func:`~clientvalue.stats.importance.naive_lmg`).

    Attributes
    ----------
    lmg : Series
        LMG per driver (index: driver names).
    r2 : float
        R² of the full model.
    """

    lmg: pd.Series
    r2: float

    def _summary(self) -> str:
        return f"LMG, one fit per subset: R² = {self.r2:.4f}"

    def _shown(self) -> pd.Series:
        return self.lmg
