"""The input check of notebook 10, run before any notebook starts (and again by the analysis).

Apart from :mod:`clientvalue.analyses.drivers` so that the run's own process, which only checks the
inputs, does not import the statistics of the analysis (statsmodels, scipy.stats: seconds per run).
"""

from __future__ import annotations

from clientvalue import defaults
from clientvalue.data.messages import design_problem_message
from clientvalue.data.survey import Survey
from clientvalue.errors import DataError
from clientvalue.stats.importance import design_problems

__all__ = ["check_inputs"]


def check_inputs(survey: Survey, *, min_group_size: int = defaults.MIN_GROUP_SIZE) -> bool:
    """Refuse value-driver input that no analysis can use, naming the column(s) and the cause.

    Run before any notebook (and again by :func:`analyse`): on the complete responses of every
    reported group together, an item with the same answer for everyone, items that are exact
    copies or linear combinations of each other, and an outcome that the items determine exactly
    (R² = 1) are refused with a sentence each; a single group with such a problem is left out by
    :func:`analyse` with the reason instead.

    Returns
    -------
    bool
        True when notebook 10 applies (the codebook has an outcome and items).

    Raises
    ------
    DataError
        One of the problems above, in the data of every reported group together.
    """
    if survey.outcome is None or not survey.items():
        return False
    problems = design_problems(survey.reported_data(min_group_size), outcome=survey.outcome, drivers=survey.items())
    if not problems.empty:
        where = f"{survey.path}" + (f" (codebook {survey.codebook_path})" if survey.codebook_path else "")
        raise DataError(design_problem_message(problems, outcome=survey.outcome, where=where))
    return True
