"""Results that several notebooks of one run need, computed once and shared between them.

Notebook 10 (value drivers, "all respondents") and notebook 30 (the strategy for everyone) both
bootstrap the importance of the questions over every reported respondent, with the same data,
weights, replicates and seed; on a 1,000,000-row export that is about 7 CPU seconds each. When
the survey comes from the run's prepared file (``Survey.shared_dir`` is the run's private
folder), the first notebook to need such a result saves it there and the others load it.

A result is filed under a digest of everything it depends on: the values, index and order of the
columns used, the options, and the package version. Equal inputs give the identical result
whichever notebook computed it; any difference in the inputs gives another file. Files are
written under a temporary name and renamed, so a notebook never reads half a file; two notebooks
that need the result at the same moment both compute it (the same numbers) and one file stays.
Without ``shared_dir`` (a notebook run by hand) everything is computed as usual.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

import pandas as pd

from clientvalue.data.survey import Survey
from clientvalue.paths import write_atomically
from clientvalue.stats.importance import Importance, importance


def data_digest(frame: pd.DataFrame, columns: list[str], options: dict[str, Any]) -> str:
    """Digest of ``frame[columns]`` (values, dtypes, index, order) and ``options``."""
    from clientvalue import __version__

    part = frame[columns]
    digest = hashlib.blake2b(digest_size=20)
    digest.update(repr((__version__, columns, list(map(str, part.dtypes)), sorted(options.items()))).encode())
    digest.update(pd.util.hash_pandas_object(part, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def shared_importance(survey: Survey, frame: pd.DataFrame, *, outcome: str, drivers: list[str],
                      weights: str | None = None, **options: Any) -> Importance:
    """:func:`~clientvalue.stats.importance.importance`, computed once per run for equal inputs.

    Parameters
    ----------
    survey : Survey
        Gives the run's shared folder (``survey.shared_dir``); ``None`` there: no sharing.
    frame, outcome, drivers, weights, **options
        As for :func:`~clientvalue.stats.importance.importance`.

    Returns
    -------
    Importance
        What ``importance`` returns, identical whether it was computed here or loaded.
    """
    arguments = dict(outcome=outcome, drivers=list(drivers), weights=weights, **options)
    folder = survey.shared_dir
    if folder is None or not Path(folder).is_dir():
        return importance(frame, **arguments)
    columns = list(dict.fromkeys([outcome, *drivers] + ([weights] if isinstance(weights, str) else [])))
    if not isinstance(weights, (str, type(None))) or not set(columns) <= set(frame.columns):
        return importance(frame, **arguments)  # weights given as an array, or bad input: no sharing
    path = Path(folder) / f"importance-{data_digest(frame, columns, arguments)}.pickle"
    if path.is_file():
        with path.open("rb") as file:  # written by this run's own notebooks, in its private folder
            return pickle.load(file)
    result = importance(frame, **arguments)
    try:
        write_atomically(path, write=lambda file: pickle.dump(result, file, protocol=pickle.HIGHEST_PROTOCOL),
                         mode=0o600)
    except OSError:  # a full disk only costs the other notebook the computation
        pass
    return result
