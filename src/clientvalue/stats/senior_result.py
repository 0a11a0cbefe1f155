"""What the senior statistics return: small frozen results, a tidy table and typed extras.

* :class:`RowCounts` - the rows :func:`~clientvalue.stats.intervals.clean_senior_data` kept and
  dropped; every table result below carries its counts as fields of its own;
* :class:`AgeBandShares` - :func:`~clientvalue.stats.senior_shares.share_by_age_band`;
* :class:`ThresholdComparison` - :func:`~clientvalue.stats.senior_shares.threshold_comparison`;
* :class:`ValueBySelfImage` - :func:`~clientvalue.stats.senior_shares.value_by_self_image`;
* :class:`HalfWayAge` - :func:`~clientvalue.stats.senior_halfway.half_way_age`.

The tables carry no ``DataFrame.attrs``: they concatenate, merge and pickle like any frame. In a
notebook a result shows its table under a one-line summary (``_repr_html_``, ``__repr__``), as
:mod:`clientvalue.stats.importance_result`'s do.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clientvalue.stats.shown import ShowsTable

__all__ = ["AgeBandShares", "HalfWayAge", "RowCounts", "ThresholdComparison", "ValueBySelfImage"]


@dataclass(frozen=True)
class RowCounts:
    """The rows a senior statistic used and dropped.

    Attributes
    ----------
    n_used : int
        Rows with a usable age (0-120) and a yes/no answer.
    n_dropped_age : int
        Rows with a missing or impossible age.
    n_dropped_answer : int
        Rows with a usable age but no answer.
    weighted : bool
        Whether survey weights were used.
    """

    n_used: int
    n_dropped_age: int
    n_dropped_answer: int
    weighted: bool


def _counts_text(counts: RowCounts | _SharesTable) -> str:
    return (f"n = {counts.n_used} used ({counts.n_dropped_age} without a usable age, "
            f"{counts.n_dropped_answer} without an answer), {'weighted' if counts.weighted else 'unweighted'}")


@dataclass(frozen=True, eq=False, repr=False)
class _SharesTable(ShowsTable):
    """A table of shares with the rows used and dropped (as :class:`RowCounts`), the minimum group size
    and the level."""

    table: pd.DataFrame
    n_used: int
    n_dropped_age: int
    n_dropped_answer: int
    weighted: bool
    min_group_size: int
    ci: float


@dataclass(frozen=True, eq=False, repr=False)
class AgeBandShares(_SharesTable):
    """The share of each age band that sees itself as a senior (:func:`~clientvalue.stats.senior_shares.share_by_age_band`).

    Attributes
    ----------
    table : DataFrame
        ``age_band``, ``age_low``, ``age_high``, ``age_mean``, ``n``, ``share_senior``, ``ci_low``,
        ``ci_high``, ``suppressed`` (one row per band).
    n_used, n_dropped_age, n_dropped_answer, weighted
        As in :class:`RowCounts`.
    min_group_size : int
        Bands with fewer usable respondents are suppressed.
    ci : float
        Level of the intervals.
    n_outside_bands : int
        Usable rows whose age lies in no band.
    suppressed : tuple of str
        Labels of the suppressed bands.
    """

    n_outside_bands: int
    suppressed: tuple[str, ...]

    def _summary(self) -> str:
        hidden = f"; suppressed (fewer than {self.min_group_size}): {', '.join(self.suppressed)}" \
            if self.suppressed else ""
        return (f"Seeing oneself as a senior in {len(self.table)} age bands: {_counts_text(self)}, "
                f"{self.n_outside_bands} outside the bands; {self.ci:.0%} intervals{hidden}")


@dataclass(frozen=True, eq=False, repr=False)
class ThresholdComparison(_SharesTable):
    """Age rules compared with self-identification (:func:`~clientvalue.stats.senior_shares.threshold_comparison`).

    Attributes
    ----------
    table : DataFrame
        Per threshold: ``labelled_against_self_image``, ``ci_low``, ``ci_high``, ``missed``,
        ``missed_ci_low``, ``missed_ci_high``, ``n_labelled``, ``n_below``.
    n_used, n_dropped_age, n_dropped_answer, weighted
        As in :class:`RowCounts`.
    min_group_size : int
        A share whose denominator has fewer respondents is missing.
    ci : float
        Level of the intervals.
    """

    def _summary(self) -> str:
        return (f"{len(self.table)} age rules compared with self-identification: {_counts_text(self)}; "
                f"groups under {self.min_group_size} suppressed, {self.ci:.0%} intervals")


@dataclass(frozen=True, eq=False, repr=False)
class ValueBySelfImage(_SharesTable):
    """Scores of people labelled senior against or in line with their self-image
    (:func:`~clientvalue.stats.senior_shares.value_by_self_image`).

    Attributes
    ----------
    table : DataFrame
        Per score: ``score``, ``difference``, ``ci_low``, ``ci_high``, ``p_value``, ``n_match``,
        ``n_against``.
    n_used, n_dropped_age, n_dropped_answer, weighted
        As in :class:`RowCounts` (``n_used`` counts every age, before the age rule).
    min_group_size : int
        A score with either group smaller is suppressed.
    ci : float
        Level of the intervals.
    threshold : float
        The age rule: the rows compared are those aged ``threshold`` or over.
    n_dropped_score : dict of str to int
        Rows aged ``threshold`` or over without that score, per score.
    """

    threshold: float
    n_dropped_score: dict[str, int]

    def _summary(self) -> str:
        missing = ", ".join(f"{name} {n}" for name, n in self.n_dropped_score.items())
        return (f"Value by self-image at age {self.threshold:g}+: {_counts_text(self)}; "
                f"without a score: {missing}; groups under {self.min_group_size} suppressed, "
                f"{self.ci:.0%} intervals")


@dataclass(frozen=True, eq=False, repr=False)
class HalfWayAge(ShowsTable):
    """The age at which half see themselves as a senior (:func:`~clientvalue.stats.senior_halfway.half_way_age`).

    Attributes
    ----------
    table : Series
        ``age_half``, ``ci_low``, ``ci_high``, ``n``, ``status`` (object dtype).
    n_boot : int
        Bootstrap replicates drawn (0: no interval from the bootstrap).
    n_boot_failed : int
        Refits that did not converge, left out of the interval.
    n_boot_firth : int
        Refits done with Firth's method.
    message : str
        The curve's explanation of its status ("" when there is nothing to say).
    """

    table: pd.Series
    n_boot: int
    n_boot_failed: int
    n_boot_firth: int
    message: str

    def _summary(self) -> str:
        boot = (f"{self.n_boot} bootstrap replicates ({self.n_boot_failed} failed, {self.n_boot_firth} refitted "
                f"with Firth's method)" if self.n_boot else "no bootstrap")
        return f"Half-way age ({self.table['status']}): {boot}" + (f"; {self.message}" if self.message else "")
