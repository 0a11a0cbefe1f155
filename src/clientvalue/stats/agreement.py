"""Agreement between employees who judged the same case vignettes (pure numerics, no report text).

Every measure starts from the *counts table* ``N``: one row per vignette (unit), one column per
decision category, ``N[u, k]`` = how many employees gave decision ``k`` on vignette ``u``.
Missing judgements and unbalanced designs simply give smaller row sums.

* Krippendorff's alpha (nominal, ordinal, interval) from the coincidence matrix
  ``o[c, k] = sum_u (N[u, c] N[u, k] - [c == k] N[u, c]) / (m_u - 1)`` (Krippendorff 2011,
  "Computing Krippendorff's alpha-reliability"), built with one matrix product, not loops over pairs.
* Fleiss' kappa (every vignette judged by the same number of employees).
* Gwet's AC1 (Gwet 2008; robust when one decision dominates).
* Per vignette: share of agreeing pairs of employees, modal share, normalised entropy.

Bootstrap intervals resample vignettes (multinomial weights on the rows of ``N``) or employees
(multinomial weights on the employees, ``N_b = W @ X`` with ``X`` the employee x (vignette,
decision) indicator matrix), in batches of replicates, so 1,000 replicates on 2,000 employees x
50 vignettes take seconds. When an employee is drawn more than once, pairs formed by two copies of
the same employee are *not* counted as agreeing pairs: agreement is always between different people.

The team comparison and the variant test are in :mod:`clientvalue.stats.agreement_tests`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clientvalue.errors import AnalysisError, ParameterError

__all__ = [
    "LEVELS", "Coded", "code_judgements", "counts_table", "krippendorff_alpha", "fleiss_kappa", "gwet_ac1",
    "agreement_measures", "bootstrap_measures", "vignette_agreement", "departures_from_majority",
    "KRIPPENDORFF_READING", "landis_koch",
]

LEVELS = ("nominal", "ordinal", "interval")
_BATCH = 200


@dataclass(frozen=True)
class Coded:
    """Judgements as integer codes: ``rater[i]``, ``unit[i]``, ``value[i]`` (category position)."""

    rater: np.ndarray
    unit: np.ndarray
    value: np.ndarray
    raters: np.ndarray
    units: np.ndarray
    categories: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int]:
        return len(self.raters), len(self.units), len(self.categories)


def code_judgements(data: pd.DataFrame, *, rater: str, unit: str, value: str,
                    categories: list | None = None) -> Coded:
    """Turn a long frame (one row per rater x unit) into integer codes; rows without a value are dropped.

    Parameters
    ----------
    data : DataFrame
    rater, unit, value : str
        Columns of the employee, the vignette and the decision.
    categories : list, optional
        The decision categories in their declared order (ordinal: mildest to harshest). Default:
        the sorted distinct values.
    """
    for column in (rater, unit, value):
        if column not in data.columns:
            raise ParameterError(f"column {column!r} is not in the data; it has {list(data.columns)}")
    frame = data.loc[data[value].notna(), [rater, unit, value]]
    cats = np.asarray(sorted(frame[value].unique()) if categories is None else list(categories), dtype=object)
    lookup = {c: i for i, c in enumerate(cats)}
    codes = frame[value].map(lookup)
    if codes.isna().any():
        bad = sorted(map(str, frame.loc[codes.isna(), value].unique()))
        raise ParameterError(f"values {bad} of column {value!r} are not among the categories {list(cats)}")
    r_codes, raters = pd.factorize(frame[rater], sort=True)
    u_codes, units = pd.factorize(frame[unit], sort=True)
    return Coded(rater=r_codes.astype(np.int64), unit=u_codes.astype(np.int64), value=codes.to_numpy(np.int64),
                 raters=np.asarray(raters, dtype=object), units=np.asarray(units, dtype=object), categories=cats)


def counts_table(coded: Coded) -> np.ndarray:
    """The vignette x decision counts table ``N`` (float), via one ``bincount``."""
    _, n_units, n_cats = coded.shape
    flat = np.bincount(coded.unit * n_cats + coded.value, minlength=n_units * n_cats)
    return flat.reshape(n_units, n_cats).astype(float)


# --------------------------------------------------------------------------- core formulas
def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise ParameterError(f"level={level!r} is not allowed; use one of {list(LEVELS)}")
    return level


def _inverse_pairs(m: np.ndarray) -> np.ndarray:
    """1 / (m - 1) where a unit has at least two values (pairable), else 0."""
    ok = m >= 2
    return np.where(ok, 1.0 / np.where(ok, m - 1.0, 1.0), 0.0)


def _coincidences(N: np.ndarray, S: np.ndarray | None = None, v: np.ndarray | None = None) -> np.ndarray:
    """Coincidence matrices ``(..., K, K)`` from counts ``(..., U, K)``.

    ``S`` (same shape as ``N``) holds, per unit and category, ordered pairs formed by copies of one
    rater (removed from the diagonal); ``v`` (``(..., U)``) weights the units (vignette bootstrap).
    """
    inv = _inverse_pairs(N.sum(-1))
    if v is not None:
        inv = inv * v
    o = np.einsum("...uc,...uk,...u->...ck", N, N, inv, optimize=True)
    own = N if S is None else N + S
    diag = np.einsum("...uk,...u->...k", own, inv)
    k = N.shape[-1]
    o[..., np.arange(k), np.arange(k)] -= diag
    return o


def _delta(n_c: np.ndarray, level: str, values: np.ndarray | None = None) -> np.ndarray:
    """Squared distance metric ``(..., K, K)`` between categories (Krippendorff 2011, section C)."""
    k = n_c.shape[-1]
    if level == "nominal":
        return np.broadcast_to(1.0 - np.eye(k), n_c.shape[:-1] + (k, k))
    if level == "interval":
        vals = np.arange(k, dtype=float) if values is None else np.asarray(values, dtype=float)
        d = (vals[:, None] - vals[None, :]) ** 2
        return np.broadcast_to(d, n_c.shape[:-1] + (k, k))
    cum = np.cumsum(n_c, axis=-1)
    d = cum[..., None, :] - cum[..., :, None] + (n_c[..., :, None] - n_c[..., None, :]) / 2.0
    return d ** 2


def _alpha_from_coincidences(o: np.ndarray, level: str, values: np.ndarray | None = None) -> np.ndarray:
    n_c = o.sum(-1)
    n = n_c.sum(-1)
    d = _delta(n_c, level, values)
    observed = (o * d).sum((-1, -2))
    expected = (n_c[..., :, None] * n_c[..., None, :] * d).sum((-1, -2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected > 0, 1.0 - (n - 1.0) * observed / np.where(expected > 0, expected, 1.0), np.nan)


def _pair_agreement(N: np.ndarray, S: np.ndarray | None = None) -> np.ndarray:
    """Per unit: share of ordered pairs of different raters that agree (NaN below two raters)."""
    m = N.sum(-1)
    copies = 0.0 if S is None else S.sum(-1)
    pairs = m * (m - 1.0) - copies
    agree = (N * (N - 1.0)).sum(-1) - copies
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, agree / np.where(pairs > 0, pairs, 1.0), np.nan)


def _weighted_mean(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(x)
    w = np.where(ok, v, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.where(ok, x, 0.0) * w).sum(-1) / w.sum(-1)


def _fleiss(N: np.ndarray, S: np.ndarray | None, v: np.ndarray) -> np.ndarray:
    m = N.sum(-1)
    p_bar = _weighted_mean(_pair_agreement(N, S), v)
    w = np.where(m >= 2, v, 0.0)
    p_k = (N * w[..., None]).sum(-2) / (m * w).sum(-1)[..., None]
    p_e = (p_k ** 2).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (p_bar - p_e) / (1.0 - p_e)


def _ac1(N: np.ndarray, S: np.ndarray | None, v: np.ndarray) -> np.ndarray:
    k = N.shape[-1]
    m = N.sum(-1)
    p_a = _weighted_mean(_pair_agreement(N, S), v)
    w = np.where(m >= 2, v, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = N / np.where(m > 0, m, 1.0)[..., None]
        pi = (shares * w[..., None]).sum(-2) / w.sum(-1)[..., None]
        p_e = (pi * (1.0 - pi)).sum(-1) / (k - 1)
        return (p_a - p_e) / (1.0 - p_e)


def _unit_weights(N: np.ndarray) -> np.ndarray:
    return np.ones(N.shape[:-1])


# --------------------------------------------------------------------------- public point estimates
def krippendorff_alpha(counts: np.ndarray, *, level: str = "nominal", values: np.ndarray | None = None) -> float:
    """Krippendorff's alpha of a units x categories counts table.

    Parameters
    ----------
    counts : array (U, K)
        ``counts[u, k]``: how many raters put unit ``u`` in category ``k``; missing judgements
        simply lower a row's sum. Units with fewer than two values are not pairable and ignored.
    level : {"nominal", "ordinal", "interval"}
        Ordinal uses the rank-based metric of Krippendorff (categories in their order); interval the
        squared difference of ``values`` (default 0, 1, ..., K-1).
    values : array (K,), optional
        Numeric values of the categories for the interval metric.

    Returns
    -------
    float
        NaN when there is no variation at all (expected disagreement 0).
    """
    _check_level(level)
    N = np.asarray(counts, dtype=float)
    return float(_alpha_from_coincidences(_coincidences(N), level, values))


def fleiss_kappa(counts: np.ndarray) -> float:
    """Fleiss' kappa; every unit must have the same number of judgements (Fleiss 1971)."""
    N = np.asarray(counts, dtype=float)
    m = N.sum(-1)
    if len(m) == 0 or not np.all(m == m[0]) or m[0] < 2:
        raise AnalysisError(
            "Fleiss' kappa needs every vignette judged by the same number (>= 2) of employees; "
            f"got between {int(m.min()) if len(m) else 0} and {int(m.max()) if len(m) else 0}. "
            "Use Krippendorff's alpha, which handles missing judgements."
        )
    return float(_fleiss(N, None, _unit_weights(N)))


def gwet_ac1(counts: np.ndarray) -> float:
    """Gwet's AC1 for any number of raters with missing judgements (Gwet 2008, eq. 18-20).

    ``p_a`` = mean over units with >= 2 judgements of the share of agreeing pairs;
    ``pi_k`` = mean over those units of the share of judgements in category ``k``;
    ``p_e = sum_k pi_k (1 - pi_k) / (K - 1)``; ``AC1 = (p_a - p_e) / (1 - p_e)``.
    """
    N = np.asarray(counts, dtype=float)
    return float(_ac1(N, None, _unit_weights(N)))


def _measures(N: np.ndarray, S: np.ndarray | None, v: np.ndarray, level: str, values, complete: bool) -> dict:
    out = {level_name: _alpha_from_coincidences(_coincidences(N, S, v), level_name, values)
           for level_name in _alpha_levels(level)}
    out["ac1"] = _ac1(N, S, v)
    if complete:
        out["fleiss"] = _fleiss(N, S, v)
    return out


def _alpha_levels(level: str) -> tuple[str, ...]:
    """Alpha is reported at the declared level and, for ordinal data, at the nominal level too."""
    return ("nominal",) if level == "nominal" else ("nominal", level)


def is_complete(coded: Coded) -> bool:
    """Whether every rater judged every unit exactly once (Fleiss' kappa applies)."""
    n_raters, n_units, _ = coded.shape
    return len(coded.value) == n_raters * n_units and len(np.unique(coded.rater * n_units + coded.unit)) == len(coded.value)


def agreement_measures(coded: Coded, *, level: str = "nominal", values: np.ndarray | None = None) -> dict[str, float]:
    """Point estimates: ``alpha_<level>`` (nominal too for ordinal data), ``ac1`` and ``fleiss`` when complete."""
    _check_level(level)
    N = counts_table(coded)
    out = _measures(N, None, _unit_weights(N), level, values, is_complete(coded))
    return {(f"alpha_{k}" if k in LEVELS else k): float(v) for k, v in out.items()}


def resample_counts(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """``size`` bootstrap draws of ``n`` items with replacement, as counts (size, n) of float.

    The same distribution as ``rng.multinomial(n, [1/n] * n, size)``, ten times faster for large
    ``n`` (one ``bincount`` of uniform integer draws).
    """
    draws = rng.integers(0, n, size=(size, n)) + n * np.arange(size)[:, None]
    return np.bincount(draws.ravel(), minlength=size * n).reshape(size, n).astype(float)


def rater_matrix(coded: Coded) -> np.ndarray:
    """``X`` (R, U*K): 1 where rater ``r`` put unit ``u`` in category ``k``."""
    n_raters, n_units, n_cats = coded.shape
    X = np.zeros((n_raters, n_units * n_cats))
    np.add.at(X, (coded.rater, coded.unit * n_cats + coded.value), 1.0)
    return X


def rater_bootstrap_counts(coded: Coded, *, n_boot: int, seed: int | None, batch: int = _BATCH):
    """Yield ``(N_b, S_b)`` batches of counts tables of employee-bootstrap replicates.

    ``N_b`` (b, U, K) sums the judgements of the drawn employees (an employee drawn twice counts
    twice); ``S_b`` holds the ordered pairs made of copies of one employee, which are removed from
    agreement so that agreement stays between different people.
    """
    n_raters, n_units, n_cats = coded.shape
    rng = np.random.default_rng(seed)
    X = rater_matrix(coded)
    done = 0
    while done < n_boot:
        b = min(batch, n_boot - done)
        W = resample_counts(rng, n_raters, b)
        N_b = (W @ X).reshape(b, n_units, n_cats)
        S_b = ((W * (W - 1.0)) @ X).reshape(b, n_units, n_cats)
        done += b
        yield N_b, S_b


def bootstrap_measures(coded: Coded, *, level: str = "nominal", values: np.ndarray | None = None,
                       n_boot: int = 1000, seed: int | None = None, ci: float = 0.95,
                       resample: str = "vignettes") -> pd.DataFrame:
    """Percentile bootstrap intervals of every agreement measure.

    Parameters
    ----------
    coded : Coded
    level : {"nominal", "ordinal", "interval"}
    n_boot : int
        Replicates (0: no intervals, NaN).
    resample : {"vignettes", "employees"}
        Resample the vignettes (rows of the counts table) or the employees (all judgements of a
        drawn employee together).

    Returns
    -------
    DataFrame
        ``measure``, ``level``, ``value``, ``ci_low``, ``ci_high``, ``resample``, ``n_boot``.
    """
    _check_level(level)
    if resample not in ("vignettes", "employees"):
        raise ParameterError(f"resample={resample!r} is not allowed; use 'vignettes' or 'employees'")
    N = counts_table(coded)
    complete = is_complete(coded)
    point = _measures(N, None, _unit_weights(N), level, values, complete)
    reps: dict[str, list[np.ndarray]] = {k: [] for k in point}
    if n_boot > 0:
        if resample == "vignettes":
            rng = np.random.default_rng(seed)
            n_units = N.shape[0]
            for start in range(0, n_boot, _BATCH):
                b = min(_BATCH, n_boot - start)
                v = resample_counts(rng, n_units, b)
                for k, x in _measures(N, None, v, level, values, complete).items():
                    reps[k].append(np.atleast_1d(x))
        else:
            for N_b, S_b in rater_bootstrap_counts(coded, n_boot=n_boot, seed=seed):
                for k, x in _measures(N_b, S_b, _unit_weights(N_b), level, values, complete).items():
                    reps[k].append(np.atleast_1d(x))
    tail = (1 - ci) / 2
    rows = []
    for key, value in point.items():
        measure, lev = (("krippendorff_alpha", key) if key in LEVELS else
                        ("fleiss_kappa", "nominal") if key == "fleiss" else ("gwet_ac1", "nominal"))
        low = high = np.nan
        if reps[key]:
            r = np.concatenate(reps[key])
            r = r[np.isfinite(r)]
            if len(r):
                low, high = np.quantile(r, [tail, 1 - tail])
        rows.append({"measure": measure, "level": lev, "value": float(value), "ci_low": float(low),
                     "ci_high": float(high), "resample": resample, "n_boot": int(n_boot)})
    order = {"krippendorff_alpha": 0, "fleiss_kappa": 1, "gwet_ac1": 2}
    return pd.DataFrame(rows).sort_values("measure", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- per vignette and per employee
def vignette_agreement(coded: Coded, *, n_boot: int = 1000, seed: int | None = None, ci: float = 0.95) -> pd.DataFrame:
    """Per vignette: judgements, agreeing pairs (with an employee-bootstrap interval), modal share, entropy.

    Returns
    -------
    DataFrame
        ``vignette``, ``n_judgements``, ``pair_agreement``, ``ci_low``, ``ci_high``,
        ``modal_decision``, ``modal_share``, ``entropy`` (Shannon entropy / log K: 0 all agree,
        1 decisions spread evenly over the K declared categories), sorted from most split
        (lowest pair agreement) to clearest, and one ``share_<category>`` column per decision.
    """
    N = counts_table(coded)
    m = N.sum(-1)
    n_cats = N.shape[1]
    pairs = _pair_agreement(N)
    low = high = np.full(len(m), np.nan)
    if n_boot > 0:
        reps = np.concatenate([_pair_agreement(N_b, S_b) for N_b, S_b in
                               rater_bootstrap_counts(coded, n_boot=n_boot, seed=seed)])
        tail = (1 - ci) / 2
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                low, high = np.nanquantile(reps, [tail, 1 - tail], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = N / np.where(m > 0, m, 1.0)[:, None]
        plogp = np.where(shares > 0, shares * np.log(np.where(shares > 0, shares, 1.0)), 0.0)
    entropy = -plogp.sum(1) / np.log(n_cats) if n_cats > 1 else np.zeros(len(m))
    frame = pd.DataFrame({
        "vignette": coded.units,
        "n_judgements": m.astype(int),
        "pair_agreement": pairs,
        "ci_low": low,
        "ci_high": high,
        "modal_decision": coded.categories[N.argmax(1)],
        "modal_share": shares.max(1),
        "entropy": entropy,
    })
    for k, category in enumerate(coded.categories):
        frame[f"share_{category}"] = shares[:, k]
    return frame.sort_values(["pair_agreement", "vignette"], kind="stable").reset_index(drop=True)


def departures_from_majority(coded: Coded, *, positions: np.ndarray | None = None) -> pd.DataFrame:
    """Per employee: how often their decision differs from the majority of the *other* employees.

    The majority is taken without the employee's own decision (leave-one-out), so one employee
    cannot make their own majority. A decision counts as a departure when it is not among the most
    frequent decisions of the others (ties: any of the tied decisions is the majority).

    Parameters
    ----------
    positions : array (K,), optional
        Positions of the categories on an ordinal scale (0 = mildest). When given, ``harshness``
        is the employee's mean position minus the mean position of the others on the same vignettes.

    Returns
    -------
    DataFrame
        ``employee``, ``n_judged``, ``n_departures``, ``departure_share`` and, with positions, ``harshness``.
    """
    N = counts_table(coded)
    n_raters = len(coded.raters)
    own = N[coded.unit, coded.value] - 1.0
    others = N[coded.unit].copy()
    others[np.arange(len(coded.value)), coded.value] -= 1.0
    top = others.max(1)
    m_others = others.sum(1)
    usable = m_others >= 1
    departure = (own < top) & usable
    n_judged = np.bincount(coded.rater, weights=usable.astype(float), minlength=n_raters)
    n_dep = np.bincount(coded.rater, weights=departure.astype(float), minlength=n_raters)
    frame = pd.DataFrame({"employee": coded.raters, "n_judged": n_judged.astype(int),
                          "n_departures": n_dep.astype(int)})
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["departure_share"] = n_dep / np.where(n_judged > 0, n_judged, np.nan)
        if positions is not None:
            pos = np.asarray(positions, dtype=float)
            mine = pos[coded.value]
            sums = N @ pos
            mean_others = (sums[coded.unit] - mine) / np.where(usable, m_others, np.nan)
            diff = np.where(usable, mine - mean_others, 0.0)
            frame["harshness"] = np.bincount(coded.rater, weights=diff, minlength=n_raters) / np.where(n_judged > 0, n_judged, np.nan)
    return frame


# --------------------------------------------------------------------------- readings
KRIPPENDORFF_READING = ((0.800, "reliable"), (0.667, "tentative"), (-np.inf, "unreliable"))
_LANDIS_KOCH = ((0.81, "almost perfect"), (0.61, "substantial"), (0.41, "moderate"), (0.21, "fair"),
                (0.0, "slight"), (-np.inf, "poor"))


def krippendorff_reading(alpha: float) -> str:
    """Krippendorff (2004): >= 0.800 reliable, 0.667-0.800 tentative conclusions only, below: unreliable."""
    if not np.isfinite(alpha):
        return "undefined"
    return next(name for bound, name in KRIPPENDORFF_READING if alpha >= bound)


def landis_koch(kappa: float) -> str:
    """Landis & Koch (1977) bands: <0 poor, 0-0.20 slight, 0.21-0.40 fair, 0.41-0.60 moderate,
    0.61-0.80 substantial, 0.81-1 almost perfect."""
    if not np.isfinite(kappa):
        return "undefined"
    return next(name for bound, name in _LANDIS_KOCH if kappa >= bound)
