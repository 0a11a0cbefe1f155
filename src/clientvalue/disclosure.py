"""Small-group rules in one place: which groups are reported, which rows every count uses.

One definition, used by the data check, the analyses, the index page and the manifest:

* a group is **reported** when it has at least ``min_group_size`` respondents (rows of the export,
  before any analysis drops incomplete ones);
* a group below that is **suppressed**: its name, its size and its rows appear nowhere. Every
  published count (respondents, missing answers, handled problems, response patterns) is taken
  over the rows of reported groups only, so no suppressed group can be recovered by subtracting
  published numbers from each other. Reports say only *how many* groups are not shown;
* an analysis may still be unable to analyse a reported group (e.g. notebook 10 needs more
  complete responses than it has questions); it then names the group with its reason, as "not
  analysed", which reveals nothing a reported group's size does not.

:class:`~clientvalue.data.survey.Survey` keeps thin methods (``reported_data``, ``group_frames``,
``suppressed_groups``) that delegate here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Protocol

import numpy as np
import pandas as pd

from clientvalue.defaults import MIN_GROUP_SIZE
from clientvalue.errors import ParameterError
from clientvalue.examples import examples as _examples  # the same formatting as the cleaner's
from clientvalue.memory import private_copy


class Survey(Protocol):
    """What the small-group rule needs of a survey (:class:`clientvalue.data.survey.Survey` has it)."""

    data: pd.DataFrame
    problems: pd.DataFrame

    @property
    def group(self) -> str | None: ...

ALL_GROUP = "all"


def check_min_group_size(min_group_size: int) -> int:
    """``min_group_size`` as an ``int``, or a :class:`ParameterError` unless it is a whole number >= 1.

    The one check of the minimum group size, for every function that takes it (a bool is refused:
    ``True`` is no size).
    """
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, (int, np.integer)) or min_group_size < 1:
        raise ParameterError(f"min_group_size={min_group_size!r} is not allowed; give a whole number >= 1.")
    return int(min_group_size)


def group_sizes(survey: Survey) -> pd.Series:
    """Respondents per group (all rows), or ``{"all": n}`` without a group column."""
    if survey.group is None:
        return pd.Series({ALL_GROUP: len(survey.data)}, name="n")
    return survey.data[survey.group].value_counts().sort_index().rename("n")


def suppressed_groups(survey: Survey, min_group_size: int = MIN_GROUP_SIZE) -> list[str]:
    """Groups with fewer than ``min_group_size`` rows: never reported, never named."""
    return [str(g) for g, n in group_sizes(survey).items() if n < min_group_size]


def reported_groups(survey: Survey, min_group_size: int = MIN_GROUP_SIZE) -> list[str]:
    """The groups a report may name, in sorted order (without ``"all"``)."""
    if survey.group is None:
        return []
    return [str(g) for g, n in group_sizes(survey).items() if n >= min_group_size]


def reported_mask(survey: Survey, min_group_size: int = MIN_GROUP_SIZE) -> pd.Series:
    """True for every row that belongs to a reported group."""
    data = survey.data
    if survey.group is None:
        return pd.Series(len(data) >= min_group_size, index=data.index)
    small = suppressed_groups(survey, min_group_size)
    return ~data[survey.group].isin(small)


def reported_data(survey: Survey, min_group_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """The rows of every reported group: what ``"all"`` means in every report.

    When no group is suppressed this is every row; with pandas' copy-on-write (pandas 3) it is
    then returned without copying the data (a change to it still never reaches ``survey.data``).
    """
    return _rows(survey, reported_mask(survey, min_group_size))


def _rows(survey: Survey, mask: pd.Series) -> pd.DataFrame:
    """The rows of ``mask``; all of them without a copy (copy-on-write) when every row is in it."""
    if bool(mask.all()):
        return private_copy(survey.data)
    return survey.data[mask]


class GroupFrames(Mapping):
    """``"all"`` (every reported group together), then each reported group's rows, by name.

    A read-only mapping whose frames are made when they are looked up and not kept: an
    analysis that takes one group at a time holds one group's copy of the data at a time
    (on a 1,000,000-row export that is about 0.25 GB less than holding every group at once).
    """

    def __init__(self, survey: Survey, min_group_size: int) -> None:
        self._survey = survey
        self._reported = reported_mask(survey, min_group_size)  # once, not per lookup
        reported = reported_groups(survey, min_group_size) if survey.group is not None else []
        everyone = int(self._reported.sum())
        self._names = ([ALL_GROUP] if everyone >= min_group_size else []) + reported

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._names:
            raise KeyError(name)
        if name == ALL_GROUP:
            return _rows(self._survey, self._reported)
        data = self._survey.data
        return data[self._reported & (data[self._survey.group].astype(str) == name)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def group_frames(survey: Survey, min_group_size: int = MIN_GROUP_SIZE) -> GroupFrames:
    """``"all"`` (every reported group together), then each reported group's rows (:class:`GroupFrames`)."""
    return GroupFrames(survey, min_group_size)


def reported_problems(survey: Survey, min_group_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """``survey.problems`` counted over the rows of reported groups only.

    Cleaning logs each handled value with its row; this recounts them (and their example values)
    in the reported rows, so that a count of missing codes or out-of-range answers never includes a
    suppressed group's rows. Checks that leave no reported row are dropped.
    """
    problems = survey.problems
    values = getattr(survey, "problem_values", None)
    if values is None or len(values) != len(problems):
        return problems.copy()
    keep = reported_mask(survey, min_group_size)
    rows = []
    for record, logged in zip(problems.to_dict("records"), values):
        inside = logged[keep.reindex(logged.index, fill_value=False).to_numpy()] if len(logged) else logged
        if len(inside) == 0:
            continue
        rows.append(record | {"count": int(len(inside)), "examples": _examples(inside.sort_values())})
    return pd.DataFrame(rows, columns=problems.columns)


def handled_count(survey: Survey, column: str, checks: list[str], *, min_group_size: int = MIN_GROUP_SIZE) -> int:
    """How many values of ``column`` cleaning handled with one of ``checks``, in reported rows."""
    table = reported_problems(survey, min_group_size)
    hit = (table["column"] == column) & table["check"].isin(checks)
    return int(table.loc[hit, "count"].sum())


def data_summary(survey: Survey, min_group_size: int = MIN_GROUP_SIZE) -> dict[str, object]:
    """What the index page and the manifest say about the data: reported respondents only."""
    return {
        "respondents": int(reported_mask(survey, min_group_size).sum()),
        "groups_reported": reported_groups(survey, min_group_size),
        "groups_suppressed": len(suppressed_groups(survey, min_group_size)) if survey.group is not None else 0,
    }


def publishable_cell(cell: int, total: int, *, min_group_size: int = MIN_GROUP_SIZE) -> bool:
    """Whether a cross-tabulated count (or a percentage of a published ``total``) may be shown.

    A figure such as "64% of the members of segment 2 belong to persona X" publishes the cell
    ``cell`` (= 64% of segment 2's published size) and, by subtraction, its complement
    ``total - cell`` (the members of segment 2 outside X). The same minimum-cell rule as for
    tables applies to both: each is shown only when it holds at least ``min_group_size``
    respondents, or is empty (a complement of 0 means "all of them", which pins down nobody
    beyond the published ``total``).

    Parameters
    ----------
    cell : int
        Respondents in the cell.
    total : int
        Respondents in the published margin the cell is a part of.
    min_group_size : int
        The report's minimum group size.

    Returns
    -------
    bool
    """
    rest = total - cell
    return cell >= min_group_size and (rest == 0 or rest >= min_group_size)


def majority_category(categories: pd.Series, *, hidden: Collection = (), min_share: float = 0.6,
                      min_group_size: int = MIN_GROUP_SIZE, margin: int | None = None) -> tuple[object, float] | None:
    """The category most members of one published group fall in, when it may be published.

    Used for statements such as "64% of its members belong to persona X": returned only when
    that category holds at least ``min_share`` of the group, is itself published (not in
    ``hidden``, the suppressed categories, including secondary suppressions: naming one with a
    share would bound its size and, through the published totals, the other suppressed ones),
    and the cell and its complement pass :func:`publishable_cell`.

    Parameters
    ----------
    categories : Series
        The category of each member of the group (missing values left out).
    hidden : collection
        Suppressed categories.
    min_share : float
        Smallest share that counts as "most members".
    min_group_size : int
    margin : int, optional
        The group's published size when it also counts members without a category (missing
        values): the cell's complement within it must pass the rule as well.

    Returns
    -------
    (category, share) or None
    """
    counts = categories.dropna().value_counts()
    if counts.empty:
        return None
    category, cell = counts.index[0], int(counts.iloc[0])
    total = int(counts.sum())
    share = cell / total
    if share < min_share or category in set(hidden):
        return None
    if not publishable_cell(cell, total, min_group_size=min_group_size):
        return None
    if margin is not None and not publishable_cell(cell, int(margin), min_group_size=min_group_size):
        return None
    return category, float(share)
