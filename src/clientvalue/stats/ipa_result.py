"""What :mod:`clientvalue.stats.ipa` returns: small frozen results, a tidy table and typed extras.

* :class:`ImportancePerformance` - :func:`~clientvalue.stats.ipa.importance_performance`: the
  quadrant table and where its lines lie;
* :class:`PenaltyReward` - :func:`~clientvalue.stats.ipa.penalty_reward`: penalty and reward per
  item, the rows used, R² and the band limits.

The tables carry no ``DataFrame.attrs``. In a notebook a result shows its table under a one-line
summary (``_repr_html_``, ``__repr__``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clientvalue.stats.shown import ShowsTable


@dataclass(frozen=True, eq=False, repr=False)
class ImportancePerformance(ShowsTable):
    """Items placed in importance-performance quadrants (:func:`~clientvalue.stats.ipa.importance_performance`).

    Attributes
    ----------
    table : DataFrame
        One row per item, by improvement score: ``item``, ``importance``, ``share``,
        ``performance``, ``performance_se``, ``quadrant``, ``improvement_score``, ``in_red``, ``n``.
    crosshair_share : float
        The importance line: items with a share at or above it are important.
    crosshair_performance : float
        The performance line (0-100).
    red_floor : float
        Performance (0-100) below which an item is in the red whatever its importance.
    z : float
        Width of the performance interval in standard errors.
    """

    table: pd.DataFrame
    crosshair_share: float
    crosshair_performance: float
    red_floor: float
    z: float

    def _summary(self) -> str:
        return (f"Importance-performance of {len(self.table)} items: lines at share "
                f"{self.crosshair_share:.4f} and performance {self.crosshair_performance:.2f}; "
                f"{int(self.table['in_red'].sum())} in the red (floor {self.red_floor:g}, z = {self.z:g})")


@dataclass(frozen=True, eq=False, repr=False)
class PenaltyReward(ShowsTable):
    """Penalty and reward of each item (:func:`~clientvalue.stats.ipa.penalty_reward`).

    Attributes
    ----------
    table : DataFrame
        ``item``, ``penalty``, ``penalty_se``, ``penalty_p``, ``reward``, ``reward_se``,
        ``reward_p``, ``n_low``, ``n_high``, ``classification``.
    n : int
        Respondents with the outcome and every item (and a positive weight).
    r2 : float
        R² of the regression on the band indicators.
    low, high : float
        Band limits on the 0-1 rescaled item scale.
    ratio : float
        How many times larger one effect must be than the other to call it asymmetric.
    """

    table: pd.DataFrame
    n: int
    r2: float
    low: float
    high: float
    ratio: float

    def _summary(self) -> str:
        return (f"Penalty-reward of {len(self.table)} items: n = {self.n}, R² = {self.r2:.4f}, "
                f"bands <= {self.low:g} and >= {self.high:g}, ratio {self.ratio:g}")
