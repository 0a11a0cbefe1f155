"""Shared helpers of the senior self-identification modules (private).

Input cleaning, parameter checks and the Wilson interval used by
:mod:`clientvalue.stats.senior_shares`, :mod:`clientvalue.stats.senior_curve` and
the report's senior_text.py. Import public names from :mod:`clientvalue.stats.senior_shares`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from clientvalue.errors import DataError, ParameterError
from clientvalue.stats.senior_result import RowCounts

__all__ = ["AGE_LIMITS", "wilson_interval"]

AGE_LIMITS = (0.0, 120.0)


def z_value(ci: float, *, name: str = "ci") -> float:
    """The normal quantile of a two-sided ``ci`` interval; ``name`` is the argument named in the error."""
    if isinstance(ci, bool) or not isinstance(ci, (int, float)) or not 0 < ci < 1:
        raise ParameterError(f"{name}={ci!r} is not allowed; give a confidence level between 0 and 1, e.g. 0.95.")
    return float(stats.norm.ppf(0.5 + ci / 2))


def wilson_interval(share: float | np.ndarray, n: float | np.ndarray, ci: float = 0.95):
    """Wilson score interval for a proportion.

    Parameters
    ----------
    share : float or array
        Observed (possibly weighted) proportion.
    n : float or array
        Number of observations, or Kish's effective sample size for weighted data.
    ci : float
        Confidence level.

    Returns
    -------
    tuple of (low, high), floats or arrays; NaN where ``n <= 0``.
    """
    z = z_value(ci)
    p = np.asarray(share, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        # The interval contains the share; round-off can put a bound 1e-17 on the wrong side of
        # a share of 0 or 1 (and a chart's error bar would then be negative).
        inside = np.clip(p, 0.0, 1.0)
        low = np.where(n > 0, np.minimum(np.clip(centre - half, 0.0, 1.0), inside), np.nan)
        high = np.where(n > 0, np.maximum(np.clip(centre + half, 0.0, 1.0), inside), np.nan)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def clean_senior_data(data: pd.DataFrame, age: str, senior: str, weights: str | None,
           extra: Sequence[str] = ()) -> tuple[pd.DataFrame, RowCounts]:
    """Return a frame with float columns ``age``, ``senior``, ``w`` (+ ``extra``)
    after dropping unusable rows, and the counts of the rows kept and dropped."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame, not {type(data).__name__}.")
    for arg, col in (("age", age), ("senior", senior), ("weights", weights)):
        if col is not None and col not in data.columns:
            raise ParameterError(f"{arg}={col!r} is not a column of data; columns are {list(data.columns)}.")
    for col in extra:
        if col not in data.columns:
            raise ParameterError(f"column {col!r} is not in data; columns are {list(data.columns)}.")
    a = pd.to_numeric(data[age], errors="coerce").astype(float)
    bad_age = a.isna() | (a < AGE_LIMITS[0]) | (a > AGE_LIMITS[1])
    s_raw = data[senior]
    s = (s_raw.astype(float) if s_raw.dtype == bool
         else pd.to_numeric(s_raw, errors="coerce").astype(float))
    invalid = s_raw.notna() & (s.isna() | ~s.isin([0.0, 1.0]))
    if invalid.any():
        vals = sorted({str(v) for v in s_raw[invalid].unique()})[:10]
        raise DataError(f"senior column {senior!r} must hold 1 (yes), 0 (no) or missing; "
                        f"found {vals} in {int(invalid.sum())} rows. Map the codes via the codebook.")
    bad_answer = ~bad_age & s.isna()
    keep = ~bad_age & ~bad_answer
    out = pd.DataFrame({"age": a[keep], "senior": s[keep]})
    if weights is None:
        out["w"] = 1.0
    else:
        w = pd.to_numeric(data.loc[keep, weights], errors="coerce").astype(float)
        badw = w.isna() | ~np.isfinite(w) | (w <= 0)
        if badw.any():
            raise DataError(f"weights column {weights!r} has {int(badw.sum())} missing, zero, negative "
                            "or non-numeric weights among usable rows; weights must be positive numbers.")
        out["w"] = w
    for col in extra:
        out[col] = data.loc[keep, col]
    return out, RowCounts(n_used=int(keep.sum()), n_dropped_age=int(bad_age.sum()),
                          n_dropped_answer=int(bad_answer.sum()), weighted=weights is not None)
