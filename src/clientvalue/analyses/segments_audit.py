"""The fairness audit of notebook 30: segments, attributes and items as proxies, treatments and opt-out.

Split from :mod:`clientvalue.analyses.segments`, which runs it and documents the rules (possible
proxies, differences among people in a comparable situation, separation, what is published). The
numerics live in :mod:`clientvalue.stats.fairness`; this module applies them to the reported
respondents and ``min_group_size`` and returns tidy, already suppressed tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clientvalue import defaults
from clientvalue.data.categories import MAX_CODES, OTHER_CATEGORY, band_numeric, is_numeric, pool_rare
from clientvalue.data.codebook import Codebook
from clientvalue.data.survey import Survey
from clientvalue.data.treatments import treatment_codes
from clientvalue.stats import fairness as fair
from clientvalue.stats.intervals import wilson_interval

PROXY_THRESHOLD = defaults.PROXY_THRESHOLD
MIN_DIFFERENCE = 0.05
ALPHA = 0.05
FAIRNESS_SEGMENTS_COLUMNS = ["source", "attribute", "cramers_v", "ci_low", "ci_high", "p_value",
                             "predictive_gain", "flag", "n"]
# Published tables carry no counts per category: counts and rates of the reported categories could
# be subtracted from totals to reveal a suppressed one.
FAIRNESS_TREATMENTS_COLUMNS = ["treatment", "attribute", "category", "rate", "raw_diff",
                               "raw_ci_low", "raw_ci_high", "adjusted_diff", "adjusted_ci_low",
                               "adjusted_ci_high", "flag", "carried_by", "suppressed", "separation",
                               "carried_diff"]
OPT_OUT_COLUMNS = ["treatment", "attribute", "category", "opt_out_rate", "ci_low", "ci_high", "suppressed"]
OUTCOME_COLUMNS = ["treatment", "raw_diff", "adjusted_diff", "ci_low", "ci_high"]


@dataclass(frozen=True)
class AdjustedFor:
    """What "a comparable situation" means in the treatment audit: what its adjusted models take into account.

    ``questions``: how many segmentation items; ``attributes``: the keys of the attributes with a
    ``basis``; possible proxies of a protected attribute are neither.
    """

    questions: int = 0
    attributes: tuple[str, ...] = ()


@dataclass
class AuditTables:
    """The audit's tables (``None`` without treatments), whether treatments lacked a protected attribute
    and what the treatment audit adjusted for (``None`` without a treatment audit)."""

    fairness_segments: pd.DataFrame
    fairness_treatments: pd.DataFrame | None = None
    opt_out: pd.DataFrame | None = None
    treatment_outcome: pd.DataFrame | None = None
    no_protected: bool = False
    adjusted_for: AdjustedFor | None = None


@dataclass
class _SameRows:
    """What the models of one set of respondents share, kept from one attribute's audit to the next.

    The treatments and protected attributes of an audit usually leave the same respondents (no
    missing values among them): then the covariates' pattern numbers (``key``) are the same for
    all of them, and every treatment of one attribute has the same cells, so the same design's
    covariate columns (``design``, for the cells whose first respondents are ``first``). The
    rating models of the treated share their design (:func:`_outcome_row`) the same way.
    """

    mask: np.ndarray  # which of the audit's respondents
    key: fair.CovariateKey | None
    first: np.ndarray | None = None  # the cells whose covariates ``design`` holds (None: every respondent)
    design: np.ndarray | None = None


@dataclass
class _Audit:
    """What every treatment's audit shares: the data, the models' covariates, the options and the rows so far.

    ``legit_num``/``legit_cat`` are what a comparable situation means (segmentation items and
    attributes with a ``basis`` that are not possible proxies); ``others`` the non-protected
    attributes that may carry a difference; ``used`` every column the models read, and ``model_frame``
    those columns converted once for every model (:func:`_model_frame`). ``orders`` lists each
    protected attribute's categories in the order its rows are published (:func:`_protected`).
    """

    frame: pd.DataFrame
    model_frame: pd.DataFrame
    codes: dict[str, pd.Series]
    legit_num: list[str]
    legit_cat: list[str]
    others: dict[str, str]
    min_group_size: int
    min_difference: float
    orders: dict[str, list[str]] = field(default_factory=dict)
    used: list[str] = field(default_factory=list)
    t_rows: list[dict] = field(default_factory=list)
    o_rows: list[dict] = field(default_factory=list)
    out_rows: list[dict] = field(default_factory=list)
    memory: fair.ModelMemory = field(default_factory=fair.ModelMemory)  # the models' designs, reused
    same: _SameRows | None = None  # what the last attribute's models shared (its design is in ``memory``)


# --------------------------------------------------------------------------- protected attributes
def _as_text(values: pd.Series) -> pd.Series:
    """Every value as text (a float as ``%g``), missing values kept: converted once per distinct value."""
    codes, uniques = pd.factorize(values)
    text = np.array([f"{v:g}" if isinstance(v, (float, np.floating)) else str(v) for v in uniques] + [np.nan],
                    dtype=object)
    return pd.Series(text[codes], index=values.index, dtype=object)  # code -1 (missing) takes the last


def _protected(survey: Survey, frame: pd.DataFrame, age_bands,
               min_group_size: int) -> tuple[dict[str, pd.Series], dict[str, list[str]]]:
    """Protected attributes as categories that may be published, and each one's order of categories.

    A numeric attribute (age, or more than :data:`MAX_CODES` distinct numbers) is always banded
    (:func:`band_numeric`; missing values aside), other values are compared as text and categories
    below ``min_group_size`` pooled into :data:`OTHER_CATEGORY`, so no exact value and no rare
    category is ever a label. The order: bands from low to high, else the categories sorted with
    :data:`OTHER_CATEGORY` last.
    """
    out, orders = {}, {}
    for key, a in survey.codebook.attributes.items():
        if not a.protected:
            continue
        values = frame[a.column]
        known = values.notna()
        if is_numeric(values) and (key == "age" or a.column == survey.age
                                    or pd.to_numeric(values[known]).nunique() > MAX_CODES):
            age = key == "age" or a.column == survey.age
            values, order = band_numeric(values, min_group_size=min_group_size,
                                         edges=list(age_bands) if age else None)
        else:
            values, order = pool_rare(_as_text(values), min_group_size=min_group_size), []
        orders[key] = order or sorted(set(values.dropna()) - {OTHER_CATEGORY}) + [OTHER_CATEGORY]
        out[key] = values.astype(object).where(values.notna(), None)
    return out, orders


# --------------------------------------------------------------------------- possible proxies
def _sources(survey: Survey, frame: pd.DataFrame, labels: np.ndarray, code: np.ndarray | None,
             items: list[str]) -> dict[str, pd.Series]:
    """What may stand in for a protected attribute: segments, personas, other attributes, segmentation items."""
    # None marks respondents without a segment (persona); numpy's stubs know no None as a value
    segments = np.where(labels > 0, labels, None)  # type: ignore[call-overload]
    sources: dict[str, pd.Series] = {"segments": pd.Series(segments, index=frame.index)}
    if code is not None:
        personas = np.where(code > 0, code, None)  # type: ignore[call-overload]
        sources["personas"] = pd.Series(personas, index=frame.index)
    for key, a in survey.codebook.attributes.items():
        if not a.protected:
            sources[key] = frame[a.column]
    for item in items:
        sources[item] = frame[item]
    return sources


def segment_fairness(sources: dict[str, pd.Series], protected: dict[str, pd.Series], *, n_boot: int,
                     n_perm: int, seed: int | None, proxy_threshold: float) -> pd.DataFrame:
    """Cramér's V of every source with every protected attribute; ``flag`` marks a possible proxy."""
    rows = []
    protected_codes = {p_name: fair.category_codes(p_values) for p_name, p_values in protected.items()}
    for s_name, s_values in sources.items():
        s_codes = fair.category_codes(s_values)  # once per variable, not per pair
        for p_name, p_codes in protected_codes.items():
            res = fair.association_from_codes(s_codes, p_codes, n_boot=n_boot, n_perm=n_perm, seed=seed)
            flag = bool(res["cramers_v"] >= proxy_threshold and res["p_value"] < ALPHA)
            rows.append({"source": s_name, "attribute": p_name, **{k: res[k] for k in
                         ("cramers_v", "ci_low", "ci_high", "p_value", "predictive_gain")},
                         "flag": flag, "n": res["n"]})
    return pd.DataFrame(rows, columns=FAIRNESS_SEGMENTS_COLUMNS)


# --------------------------------------------------------------------------- treatments
def _model_frame(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    """The columns the audit's models read, converted once for all of them: the items as floats, the
    attributes as the text of their categories, "(missing)" for a missing value.

    Every model reads a subset of these rows; converting the subset each time gave the same values
    at a cost that grows with every model (seconds at a million respondents).
    """
    columns = {c: frame[c].astype(float) for c in numeric}
    for c in categorical:
        values = frame[c].astype(object)
        columns[c] = values.where(values.notna(), "(missing)").astype(str)
    return pd.DataFrame(columns, index=frame.index)


def _covariates(rows: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    """The covariates of a comparable situation on ``rows`` of :func:`_model_frame`."""
    filled = rows[numeric]
    filled = filled.fillna(filled.mean())  # a missing answer gets the item mean of these rows (documented)
    return fair.design(pd.concat([filled, rows[categorical]], axis=1), numeric=numeric, categorical=categorical)


def _situation(audit: _Audit, ok: pd.Series) -> pd.DataFrame:
    """The covariates of a comparable situation (:func:`_covariates`) of the audit's respondents ``ok``."""
    return _covariates(audit.model_frame.loc[ok], audit.legit_num, audit.legit_cat)


def _opt_out_row(codes, t_key, p_name, category, index, yy, member, min_group_size, o_rows) -> None:
    """Share of those offered the treatment who declined it, in one category (when `opt_out` exists).

    ``index``: the respondents of ``yy`` and ``member``."""
    opt = codes.get(f"{t_key}.opt_out")
    if opt is None:
        return
    declined = opt.loc[index].to_numpy() == 1
    offered = (yy == 1) | declined
    n_off = int((offered & member).sum())
    row = {"treatment": t_key, "attribute": p_name, "category": category}
    if n_off < min_group_size:
        o_rows.append(row | {"suppressed": True})
        return
    rate = float(declined[offered & member].mean())
    lo, hi = wilson_interval(rate, n_off)
    o_rows.append(row | {"opt_out_rate": rate, "ci_low": float(lo), "ci_high": float(hi), "suppressed": False})


def _setup(survey: Survey, frame: pd.DataFrame, codes: dict[str, pd.Series], items: list[str], proxies: set[str],
           *, orders: dict[str, list[str]], min_group_size: int, min_difference: float) -> _Audit:
    """The covariates of a comparable situation: items and ``basis`` attributes that are no possible proxy."""
    cb = survey.codebook
    legit_cat = [a.column for k, a in cb.attributes.items()
                 if a.basis and not a.protected and k not in proxies]
    legit_num = [c for c in items if c not in proxies]
    others = {k: a.column for k, a in cb.attributes.items()
              if not a.protected and (k in proxies or a.basis is None)}
    used = list(dict.fromkeys(legit_num + legit_cat + list(others.values())))  # the columns the models use
    categorical = [c for c in used if c not in legit_num]
    return _Audit(frame=frame, model_frame=_model_frame(frame, legit_num, categorical), codes=codes,
                  legit_num=legit_num, legit_cat=legit_cat, others=others, min_group_size=min_group_size,
                  min_difference=min_difference, orders=orders, used=used)


def _cell_design(covariates: pd.DataFrame, cells: fair.CellIndex, memory: fair.ModelMemory,
                 role: str = "design") -> np.ndarray:
    """The :func:`~clientvalue.stats.fairness.category_design` of ``cells``, whose covariates are the rows of
    their first respondents, in ``memory``'s ``role`` buffer. No copy of those rows outlives it: a
    million of them would otherwise be held while the models are fitted."""
    rows = covariates if cells.first is None else covariates.iloc[cells.first]
    return fair.category_design(rows, len(cells.treated), memory=memory, role=role)


def _carried_by(audit: _Audit, ok: pd.Series, yy: np.ndarray, member: np.ndarray) -> tuple:
    """The non-protected attribute whose addition brings the difference below size (or across 0), if any.

    ``ok``: the respondents of ``yy`` and ``member`` among the audit's."""
    best = None
    sub = audit.model_frame.loc[ok] if audit.others else None
    for o_key, o_col in audit.others.items():
        covariates = _covariates(sub, audit.legit_num, audit.legit_cat + [o_col])
        c2 = fair.cell_index(yy, member, fair.covariate_key(covariates, len(yy)))
        # not the attribute's buffer: its design is still needed for its next categories. The model
        # without the category was fitted and done with before any category came, so this one takes
        # its buffer (one matrix of a million rows less at the audit's peak)
        design = _cell_design(covariates, c2, audit.memory, role="reduced")
        del covariates
        with_it = fair.adjusted_difference(c2.treated, c2.groups, counts=c2.counts, design=design,
                                           likelihood_ratio=False)  # only the effect and its interval
        gone = (abs(with_it["diff"]) < audit.min_difference
                or with_it["ci_low"] <= 0 <= with_it["ci_high"])
        if gone and (best is None or abs(with_it["diff"]) < abs(best[1])):
            best = (o_key, with_it["diff"])
    return best if best else (None, None)


def _category_result(audit: _Audit, cells: fair.CellIndex, design: np.ndarray, base, raw: dict, category: str,
                     ok: pd.Series, yy: np.ndarray, member: np.ndarray) -> dict:
    """Raw and adjusted difference of one category against the rest, its flag and what carries it.

    ``design``: the cells' :func:`~clientvalue.stats.fairness.category_design` (made once for
    every category of the attribute)."""
    adj = fair.adjusted_difference(cells.treated, cells.groups == category, counts=cells.counts,
                                   reduced=base, design=design)
    # separation by the protected attribute: the category (or everyone else) is treated
    # all or none of the time, so the treatment follows the attribute (nearly) perfectly
    extremes = (raw["rate"], 1 - raw["rate"], raw["rate_rest"], 1 - raw["rate_rest"])
    separation = bool(adj["status"] == "penalised" and min(extremes) == 0)
    flag = bool(adj["status"] in ("ok", "penalised") and adj["p_value"] < ALPHA
                and (adj["ci_low"] > 0 or adj["ci_high"] < 0)
                and abs(adj["diff"]) >= audit.min_difference)
    if separation:  # the strongest evidence there is: the raw difference decides
        flag = bool((raw["ci_low"] > 0 or raw["ci_high"] < 0) and abs(raw["diff"]) >= audit.min_difference)
    carried, carried_diff = _carried_by(audit, ok, yy, member) if flag and not separation else (None, None)
    return {"raw_diff": raw["diff"], "raw_ci_low": raw["ci_low"], "raw_ci_high": raw["ci_high"],
            "adjusted_diff": adj["diff"], "adjusted_ci_low": adj["ci_low"],
            "adjusted_ci_high": adj["ci_high"], "flag": flag, "carried_by": carried,
            "carried_diff": np.nan if carried_diff is None else float(carried_diff),
            "separation": separation}


def _mirrored(first: dict) -> dict:
    """The second of two categories: the first one's result seen from the other side."""
    mirrored = {k: -first[k] for k in ("raw_diff", "adjusted_diff", "carried_diff")}
    mirrored |= {"raw_ci_low": -first["raw_ci_high"], "raw_ci_high": -first["raw_ci_low"],
                 "adjusted_ci_low": -first["adjusted_ci_high"],
                 "adjusted_ci_high": -first["adjusted_ci_low"]}
    return mirrored | {"flag": first["flag"], "carried_by": first["carried_by"], "separation": first["separation"]}


def _shown(y: pd.Series, p_values: pd.Series, min_group_size: int) -> pd.Series | None:
    """Respondents with a treatment code in a category that is shown; None with fewer than two such categories.

    Only categories that are shown take part: a category (or pooled rest) too small to show is left
    out of every rate and difference, so none follows by subtraction.
    """
    ok = y.notna() & p_values.notna()
    shown_counts = p_values[ok].value_counts()
    shown_categories = set(shown_counts.index[shown_counts >= min_group_size])
    if len(shown_categories) < 2:
        return None
    return ok & p_values.isin(shown_categories)


def _same_first(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """The same cells' first respondents (None: every respondent a cell of one)."""
    return a is None and b is None or (a is not None and b is not None and np.array_equal(a, b))


def _cells_and_design(audit: _Audit, ok: pd.Series, yy: np.ndarray, groups: np.ndarray
                      ) -> tuple[fair.CellIndex, np.ndarray]:
    """The cells of the respondents ``ok`` by group and covariates, and their design (in ``audit.memory``).

    What the attribute before made of the same respondents is used again (:class:`_SameRows`): the
    same numbers as :func:`~clientvalue.stats.fairness.covariate_cells` and
    :func:`~clientvalue.stats.fairness.category_design` made afresh, without their seconds at a
    million respondents."""
    mask = ok.to_numpy()
    same, covariates = audit.same, None
    if same is None or not np.array_equal(same.mask, mask):
        covariates = _situation(audit, ok)
        same = audit.same = _SameRows(mask, fair.covariate_key(covariates, len(yy)))
    cells = fair.cell_index(yy, groups, same.key)
    if same.design is None or not _same_first(same.first, cells.first):
        if covariates is None:
            covariates = _situation(audit, ok)
        same.design = same.first = None  # the buffer is written anew below
        same.design, same.first = _cell_design(covariates, cells, audit.memory), cells.first
    return cells, same.design


def _audit_attribute(audit: _Audit, t_key: str, y: pd.Series, p_name: str, p_values: pd.Series
                     ) -> tuple[list[dict], list[dict]]:
    """Rows of one treatment by one protected attribute, and its opt-out rows."""
    t_rows: list[dict] = []
    o_rows: list[dict] = []
    ok = _shown(y, p_values, audit.min_group_size)
    if ok is None:
        return t_rows, o_rows
    yy, pp = y[ok].to_numpy(), p_values[ok].astype(str)
    # the logistic models are fitted on the distinct (category, covariates) cells: the
    # same likelihood as on the respondents, with far fewer rows
    cells, design = _cells_and_design(audit, ok, yy, pp.to_numpy())
    base = fair.reduced_fit(cells.treated, design=design, counts=cells.counts,
                            memory=audit.memory)  # without the category: shared
    index = ok.index[ok.to_numpy()]  # the respondents of yy and pp
    counts = pp.value_counts()
    counts = counts.reindex([c for c in audit.orders[p_name]
                             if c in counts.index])  # bands from low to high, "other" last
    first = None
    for category, n_cat in counts.items():
        member = (pp == category).to_numpy()
        row = {"treatment": t_key, "attribute": p_name, "category": category}
        if n_cat < audit.min_group_size or (len(pp) - n_cat) < audit.min_group_size:
            t_rows.append(row | {"suppressed": True, "flag": False, "carried_by": None, "separation": False})
            continue
        raw = fair.rate_difference(yy, member)
        if first is not None and len(counts) == 2:  # two categories: the mirror image
            t_rows.append(row | {"rate": raw["rate"], **_mirrored(first), "suppressed": False})
        else:
            first = _category_result(audit, cells, design, base, raw, category, ok, yy, member)
            t_rows.append(row | {"rate": raw["rate"], **first, "suppressed": False})
        _opt_out_row(audit.codes, t_key, p_name, category, index, yy, member, audit.min_group_size, o_rows)
    return t_rows, o_rows


def _outcome_row(audit: _Audit, outcome: str, t_key: str, y: pd.Series) -> dict | None:
    """The overall rating of the treated against the others, raw and in a comparable situation."""
    ok = y.notna() & audit.frame[outcome].notna()
    treated = y[ok].to_numpy() == 1
    if min(treated.sum(), (~treated).sum()) < audit.min_group_size:
        return None
    grade = audit.frame.loc[ok, outcome].to_numpy(float)
    mask = ok.to_numpy()
    if audit.same is None or not np.array_equal(audit.same.mask, mask):  # the same design for every treatment
        audit.same = None  # the last design goes before the next is made
        covariates = _situation(audit, ok)
        audit.same = _SameRows(mask, None, design=fair.mean_difference_design(covariates, len(grade)))
    res = fair.adjusted_mean_difference(grade, treated, design=audit.same.design)
    return {"treatment": t_key, "raw_diff": float(grade[treated].mean() - grade[~treated].mean()),
            "adjusted_diff": res["diff"], "ci_low": res["ci_low"], "ci_high": res["ci_high"]}


def _treatment_tables(audit: _Audit, cb: Codebook) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None,
                                                             AdjustedFor]:
    """The rows as the published tables (treatments by category, opt-out, rating of the treated) and what
    the comparable situation took into account."""
    table = pd.DataFrame(audit.t_rows, columns=FAIRNESS_TREATMENTS_COLUMNS)
    table["flag"] = table["flag"].astype(bool)
    table["suppressed"] = table["suppressed"].astype(bool)
    table["separation"] = table["separation"].fillna(False).astype(bool)
    opt_out = pd.DataFrame(audit.o_rows, columns=OPT_OUT_COLUMNS) if audit.o_rows else None
    outcome = pd.DataFrame(audit.out_rows, columns=OUTCOME_COLUMNS) if audit.out_rows else None
    adjusted = AdjustedFor(questions=len(audit.legit_num),
                           attributes=tuple(k for k, a in cb.attributes.items() if a.column in audit.legit_cat))
    return table, opt_out, outcome, adjusted


def treatment_audit(survey: Survey, frame: pd.DataFrame, codes: dict[str, pd.Series],
                    protected: dict[str, pd.Series], items: list[str], proxies: set[str], *,
                    orders: dict[str, list[str]], min_group_size: int, min_difference: float,
                    ) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None, AdjustedFor]:
    """Every treatment by every protected attribute, its opt-out and the rating of the treated.

    ``orders`` gives each protected attribute's categories in the order of their rows
    (:func:`_protected`). Returns the fairness table of the treatments, the opt-out table (None
    without ``opt_out`` codes), the outcome table (None without an outcome or enough treated
    and untreated) and what the comparable situation took into account.
    """
    audit = _setup(survey, frame, codes, items, proxies, orders=orders, min_group_size=min_group_size,
                   min_difference=min_difference)
    treated = {t_key: codes[t_key].loc[frame.index] for t_key in survey.codebook.treatments}
    rows = {}
    for p_name, p_values in protected.items():  # every treatment of an attribute has the same cells
        for t_key, y in treated.items():
            rows[t_key, p_name] = _audit_attribute(audit, t_key, y, p_name, p_values)
    for t_key in treated:  # published treatment by treatment
        for p_name in protected:
            audit.t_rows += rows[t_key, p_name][0]
            audit.o_rows += rows[t_key, p_name][1]
    # the logistic models are done: their designs' memory goes before the rating models make theirs
    audit.memory, audit.same = fair.ModelMemory(), None
    outcome = survey.outcome
    for t_key, y in treated.items():
        row = _outcome_row(audit, outcome, t_key, y) if outcome is not None else None
        if row is not None:
            audit.out_rows.append(row)
    audit.same = None
    return _treatment_tables(audit, survey.codebook)


def fairness_audit(survey: Survey, frame: pd.DataFrame, labels: np.ndarray, code: np.ndarray | None,
                   items: list[str], *, min_group_size: int, n_boot: int, n_perm: int, seed: int | None,
                   proxy_threshold: float, min_difference: float, age_bands) -> AuditTables:
    """The whole audit of notebook 30 on the reported respondents ``frame``.

    ``labels`` are the respondents' segments and ``code`` their personas (0: none); possible
    proxies found among segments, personas, attributes and items are left out of what a
    comparable situation means in the treatment audit.
    """
    protected, orders = _protected(survey, frame, age_bands, min_group_size)
    fairness_segments = segment_fairness(_sources(survey, frame, labels, code, items), protected, n_boot=n_boot,
                                         n_perm=n_perm, seed=seed, proxy_threshold=proxy_threshold)
    proxies = set(fairness_segments.loc[fairness_segments["flag"], "source"])
    treatments = survey.codebook.treatments
    codes = treatment_codes(survey) if treatments else {}
    if not (treatments and protected):
        return AuditTables(fairness_segments, no_protected=bool(treatments))
    table, opt_out, outcome, adjusted = treatment_audit(survey, frame, codes, protected, items, proxies,
                                                        orders=orders, min_group_size=min_group_size,
                                                        min_difference=min_difference)
    return AuditTables(fairness_segments, table, opt_out, outcome, adjusted_for=adjusted)
