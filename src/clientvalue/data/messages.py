"""Refusal messages built from tidy problem tables (English, for the analyst; never report text)."""

from __future__ import annotations

import pandas as pd

from clientvalue.examples import show as _show


def _quoted(columns: list[str]) -> str:
    return ", ".join(repr(c) for c in columns)


def design_problem_message(problems: pd.DataFrame, *, outcome: str, where: str) -> str:
    """Why the value-driver analysis cannot be done, for an analyst (English, like every refusal).

    One sentence per row of :func:`clientvalue.stats.importance.design_problems` (``problem``,
    ``columns``, ``value``, ``n``): the column(s), the cause and what to do in the codebook.
    """
    lines = []
    for row in problems.itertuples(index=False):
        columns = list(row.columns)
        if row.problem == "constant" and columns[0] != outcome:
            lines.append(
                f"item {columns[0]!r} has the same answer ({_show(row.value)}) in all {row.n:,} complete responses: "
                "a question without variation cannot explain differences in the outcome. Remove it from "
                "`items` in the codebook (or check that the codebook names the right column).")
        elif row.problem == "constant":
            lines.append(
                f"the outcome {columns[0]!r} has the same answer ({_show(row.value)}) in all {row.n:,} complete "
                "responses: there are no differences to explain. Check that the codebook names the right column.")
        elif row.problem == "collinear":
            pair = len(columns) == 2
            lines.append(
                (f"items {columns[0]!r} and {columns[1]!r} are perfectly correlated (identical columns, or one "
                 "a rescaling of the other)" if pair else
                 f"items {_quoted(columns)} are perfectly collinear (one is an exact linear combination of the "
                 "others, e.g. a total of the others)")
                + f" in the {row.n:,} complete responses: their separate importance cannot be told apart. "
                + ("Remove one of the two from `items` in the codebook" if pair else
                   "Remove the one that combines the others (e.g. a total) from `items` in the codebook")
                + " (or check that each names the right column).")
        elif row.problem == "outcome_determined":
            lines.append(
                f"the outcome {outcome!r} is an exact linear function of item(s) {_quoted(columns)} "
                f"(R² = 1 in the {row.n:,} complete responses): most likely an item is a copy of the outcome. "
                "Remove that item from `items` in the codebook (or check that the codebook names the right columns).")
    return f"{where}: the value-driver analysis cannot be done: " + " Also, ".join(lines)
