"""Validation of the segmentation and treatment columns that notebook 30 audits.

Everything here runs before any notebook (``run/pipeline.py``) and again at the start of the
analysis, so that bad input is a sentence, not a wrong number:

* a segmentation item with a single value (it cannot tell client groups apart);
* a treatment or ``opt_out`` code that is neither a yes, a no nor a missing code;
* a respondent recorded as both having received a treatment and having declined it: the audit
  would count them as a decline (the opt-out rate is the share of those offered who declined),
  so such rows are refused with their ids.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clientvalue.data.survey import Survey, code_key, map_distinct
from clientvalue.errors import DataError, visible

MAX_SHOWN = 5  # offending values or ids named in a message


def _ids(survey: Survey, mask: pd.Series) -> str:
    """The ids and data rows (1 = the first row under the header) of the first offending rows."""
    rows = survey.data.index[mask.to_numpy()]
    numbers = ", ".join(str(int(i) + 1) for i in rows[:MAX_SHOWN])
    more = f" and {len(rows) - MAX_SHOWN} more" if len(rows) > MAX_SHOWN else ""
    if survey.codebook.id and survey.codebook.id in survey.data.columns:
        ids = ", ".join(visible(str(v), limit=40) for v in survey.data.loc[rows[:MAX_SHOWN], survey.codebook.id])
        return f"ids {ids}{more}; data rows {numbers}"
    return f"data rows {numbers}{more}"


def treatment_codes(survey: Survey) -> dict[str, pd.Series]:
    """1.0 (yes) / 0.0 (no) / NaN (missing) per treatment, and per ``<key>.opt_out`` when declared.

    Raises
    ------
    DataError
        A code that is neither a yes, a no nor a missing code, or a respondent who both received a
        treatment and declined it (named by id).
    """
    out: dict[str, pd.Series] = {}
    missing = {code_key(c) for c in survey.codebook.missing_codes}
    for key, t in survey.codebook.treatments.items():
        yes, no = {code_key(c) for c in t.yes_codes}, {code_key(c) for c in t.no_codes}
        for name, column in ((key, t.column), (f"{key}.opt_out", t.opt_out)):
            if column is None:
                continue
            raw = survey.data[column]
            key_of = {value: code_key(value) for value in pd.unique(raw.dropna())}  # once per distinct value
            if any(k is not None and k not in yes | no | missing for k in key_of.values()):
                keys = map_distinct(raw, code_key)
                bad = keys.notna() & ~keys.isin(yes | no | missing)
                values = sorted({visible(str(v)) for v in survey.data.loc[bad, column]})[:MAX_SHOWN]
                raise DataError(
                    f"{survey.path}: treatment column {column!r} (treatments.{key}) has codes "
                    f"{values} ({_ids(survey, bad)}) that are neither yes_codes "
                    f"{list(t.yes_codes)} nor no_codes {list(t.no_codes)}; add them to the codebook "
                    "or to missing_codes.")
            value = {v: 1.0 if k in yes else (0.0 if k in no else np.nan) for v, k in key_of.items()}
            out[name] = raw.map(value).astype(float)  # from the raw values: a missing value -> NaN
        declined = out.get(f"{key}.opt_out")
        if declined is not None:
            both = (out[key] == 1) & (declined == 1)
            if both.any():
                raise DataError(
                    f"{survey.path}: {int(both.sum())} respondent(s) ({_ids(survey, both)}) both received "
                    f"the treatment {t.column!r} (treatments.{key}) and declined it ({t.opt_out!r}); the "
                    "audit would count them as a decline. Correct these rows in the export (a declined "
                    f"treatment is a no in {t.column!r}), or set the contradictory answer to a missing code.")
    return out


def check_segment_inputs(survey: Survey) -> bool:
    """Refuse bad segmentation and treatment input before any notebook runs; True when notebook 30 applies.

    Raises
    ------
    DataError
        A segmentation item with a single value, treatment codes outside the declared ones, or
        respondents who both received and declined a treatment.
    """
    cb = survey.codebook
    if not cb.segmentation:
        return False
    for item in cb.segmentation:
        values = pd.to_numeric(survey.data[item.column], errors="coerce").dropna()
        if values.nunique() < 2:
            raise DataError(
                f"{survey.path}: segmentation item {item.column!r} has "
                f"{'no answers' if values.empty else f'a single value ({values.iloc[0]:g})'}: it "
                "cannot tell client groups apart. Remove it from `segmentation` in the codebook.")
    treatment_codes(survey)
    return True
