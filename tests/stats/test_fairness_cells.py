"""The fairness audit computed from counts equals the previous row-level computation.

References here are the row-level versions as they were before the audit was computed from
cross-tabulations and covariate cells: predictive gain by classifying every respondent, codes
from object factorisation, and the logistic model (Newton) fitted on every respondent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from clientvalue.stats import fairness as fair


def _row_codes(values):
    codes, uniques = pd.factorize(pd.Series(np.asarray(values, dtype=object)), sort=True)
    return codes, len(uniques)


def _row_predictive_gain(x, y, *, folds=5, seed=None):
    """The previous implementation: a table per training fold, every test respondent classified."""
    x, y = pd.Series(np.asarray(x, dtype=object)), pd.Series(np.asarray(y, dtype=object))
    ok = x.notna().to_numpy() & y.notna().to_numpy()
    cx, r = _row_codes(x[ok])
    cy, c = _row_codes(y[ok])
    n = len(cx)
    fold = np.random.default_rng(seed).permutation(n) % folds
    hits_model = hits_base = 0
    for f in range(folds):
        train, test = fold != f, fold == f
        table = np.bincount(cx[train] * c + cy[train], minlength=r * c).reshape(r, c)
        overall = int(table.sum(axis=0).argmax())
        guess = np.where(table.sum(axis=1) > 0, table.argmax(axis=1), overall)
        hits_model += int((guess[cx[test]] == cy[test]).sum())
        hits_base += int((cy[test] == overall).sum())
    acc, base = hits_model / n, hits_base / n
    return (acc - base) / (1 - base)


def _row_logit(y, exog, max_iter=50, tol=1e-8):
    """The previous Newton fit on every respondent."""
    beta = np.zeros(exog.shape[1])

    def loglik(b):
        eta = exog @ b
        return float(np.sum(y * eta - np.logaddexp(0, eta)))

    llf = loglik(beta)
    for _ in range(max_iter):
        p = 1 / (1 + np.exp(-(exog @ beta)))
        step = np.linalg.solve((exog * (p * (1 - p))[:, None]).T @ exog, exog.T @ (y - p))
        t = 1.0
        while t > 1e-6:
            candidate = beta + t * step
            new = loglik(candidate)
            if new >= llf - 1e-12:
                break
            t /= 2
        beta, llf = candidate, new
        if np.max(np.abs(t * step)) < tol:
            break
    p = 1 / (1 + np.exp(-(exog @ beta)))
    return beta, np.linalg.pinv((exog * (p * (1 - p))[:, None]).T @ exog), llf


def _row_adjusted_difference(y, member, x):
    """The previous average marginal effect, delta-method se and likelihood-ratio p on every respondent."""
    from scipy import stats

    exog = np.column_stack([np.ones(len(y)), member.astype(float), x.to_numpy(dtype=float)])
    beta, cov, llf = _row_logit(y, exog)
    e1, e0 = exog.copy(), exog.copy()
    e1[:, 1], e0[:, 1] = 1.0, 0.0
    p1, p0 = 1 / (1 + np.exp(-e1 @ beta)), 1 / (1 + np.exp(-e0 @ beta))
    grad = ((p1 * (1 - p1))[:, None] * e1 - (p0 * (1 - p0))[:, None] * e0).mean(axis=0)
    se = float(np.sqrt(grad @ cov @ grad))
    reduced = _row_logit(y, np.delete(exog, 1, axis=1))[2]
    ame = float(np.mean(p1 - p0))
    return {"diff": ame, "se": se, "ci_low": ame - 1.959963984540054 * se, "ci_high": ame + 1.959963984540054 * se,
            "p_value": float(stats.chi2.sf(2 * (llf - reduced), 1)), "llf0": reduced}


@pytest.fixture(scope="module")
def survey_like():
    rng = np.random.default_rng(11)
    n = 4000
    band = rng.choice(["18-54", "55-64", "65-74", "75-84", "85+"], n)
    item = np.where(rng.random(n) < 0.05, np.nan, rng.integers(1, 6, n).astype(float))
    text = pd.Series(rng.choice(["Noord", "Zuid", "West", "Oost"], n)).astype("string[pyarrow]")
    text[rng.random(n) < 0.03] = pd.NA
    segment = pd.Series(np.where(rng.random(n) < 0.02, None, rng.integers(1, 4, n)), dtype=object)
    return {"band": pd.Series(band, dtype=object), "item": pd.Series(item), "text": text, "segment": segment}


@pytest.mark.parametrize("name", ["item", "text", "segment"])
def test_codes_equal_object_factorisation(survey_like, name):
    codes, k = fair.category_codes(survey_like[name])
    ref, k_ref = _row_codes(survey_like[name])
    assert k == k_ref
    np.testing.assert_array_equal(codes, ref)


@pytest.mark.parametrize("name", ["item", "text", "segment"])
def test_association_from_codes_equals_row_level(survey_like, name):
    x, y = survey_like[name], survey_like["band"]
    res = fair.association_from_codes(fair.category_codes(x), fair.category_codes(y), n_boot=300,
                                      n_perm=99, seed=5)
    ref = fair.association(x, y, n_boot=300, n_perm=99, seed=5)
    assert res == pytest.approx(ref, abs=1e-14, nan_ok=True)
    ok = x.notna().to_numpy() & y.notna().to_numpy()
    assert res["predictive_gain"] == _row_predictive_gain(x[ok], y[ok], seed=5)


def test_predictive_gain_with_a_real_signal_equals_row_level():
    rng = np.random.default_rng(2)
    y = rng.choice(list("abc"), 3000, p=[0.5, 0.3, 0.2])
    x = np.where(rng.random(3000) < 0.5, y, rng.choice(list("abcde"), 3000))
    gain = fair.predictive_gain(x, y, seed=9)
    assert gain > 0.1
    assert gain == _row_predictive_gain(x, y, seed=9)


def test_cells_give_the_row_level_logistic_model():
    rng = np.random.default_rng(4)
    n = 6000
    items = pd.DataFrame({"a": rng.integers(1, 6, n).astype(float), "b": rng.integers(1, 4, n).astype(float)})
    items.loc[rng.random(n) < 0.05, "a"] = items["a"].mean()  # a missing answer gets the mean
    x = pd.concat([items, pd.get_dummies(pd.Series(rng.choice(["p", "q", "r"], n)), prefix="ch",
                                         drop_first=True, dtype=float)], axis=1)
    group = rng.choice(["g1", "g2", "g3"], n)
    eta = -1 + 0.4 * (group == "g2") + 0.3 * x["a"] - 0.5 * x["ch_q"]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    cells = fair.covariate_cells(y, group, x)
    assert len(cells.counts) < n / 5 and cells.counts.sum() == n and cells.treated.sum() == y.sum()
    for category in ("g1", "g2"):
        member = group == category
        ref = _row_adjusted_difference(y, member, x)
        res = fair.adjusted_difference(cells.treated, cells.groups == category, cells.covariates,
                                       counts=cells.counts)
        for key in ("diff", "se", "ci_low", "ci_high", "p_value"):
            assert res[key] == pytest.approx(ref[key], rel=1e-9, abs=1e-12), key
        assert res["n"] == n and res["status"] == "ok"
        rows = fair.adjusted_difference(y, member, x)  # the row-level path of the new code
        assert rows["diff"] == pytest.approx(ref["diff"], rel=1e-9) and rows["se"] == pytest.approx(ref["se"], rel=1e-9)
        # the row-level fit itself against statsmodels' average marginal effect
        exog = sm.add_constant(np.column_stack([member.astype(float), x.to_numpy()]))
        sm_fit = sm.Logit(y, exog).fit(disp=0)
        me = sm_fit.get_margeff(at="overall", method="dydx", atexog=None, dummy=True)
        assert res["diff"] == pytest.approx(me.margeff[0], rel=1e-6)
    shared = fair.reduced_loglik(cells.treated, cells.covariates, counts=cells.counts)
    assert shared == pytest.approx(ref["llf0"], rel=1e-12)


def test_cells_without_variation():
    y = np.zeros(50)
    cells = fair.covariate_cells(y, np.repeat(["a", "b"], 25), pd.DataFrame({"v": np.arange(50) % 3}))
    res = fair.adjusted_difference(cells.treated, cells.groups == "a", cells.covariates, counts=cells.counts)
    assert res["status"] == "no variation" and res["n"] == 50


def test_weighted_gram_equals_the_dense_product():
    rng = np.random.default_rng(8)
    exog = rng.normal(size=(40_000, 7))
    w = rng.random(40_000)
    w[::9] = 0.0
    ref = (exog * w[:, None]).T @ exog
    np.testing.assert_allclose(fair.weighted_gram(exog, w), ref, rtol=1e-12)
    np.testing.assert_allclose(fair.weighted_gram(exog, w, rows=1000), ref, rtol=1e-12)


def test_varying_columns_are_those_nunique_keeps():
    x = pd.DataFrame({"const": np.ones(6), "var": [1.0, 2, 1, 2, 1, 2], "nan_const": [np.nan, 3, 3, np.nan, 3, 3],
                      "all_nan": np.full(6, np.nan), "nan_var": [np.nan, 1, 2, 1, 2, 1]})
    got = fair.covariate_matrix(x, 6)
    ref = x.loc[:, x.nunique() > 1].to_numpy(dtype=float)
    np.testing.assert_array_equal(got, ref)
    assert fair.covariate_matrix(pd.DataFrame(index=range(6)), 6).shape == (6, 0)
    assert fair.covariate_matrix(None, 6).shape == (6, 0)


def test_shared_reduced_fit_gives_the_row_level_numbers():
    """Every category started from the shared model without it: the same maximum as the fit from zero."""
    rng = np.random.default_rng(21)
    n = 8000
    x = pd.DataFrame({"a": rng.integers(1, 6, n).astype(float), "b": rng.integers(1, 6, n).astype(float),
                      "c": rng.integers(1, 6, n).astype(float), "const": np.full(n, 2.0)})
    group = rng.choice(["g1", "g2", "g3", "g4"], n, p=[0.4, 0.3, 0.2, 0.1])
    eta = -1.5 + 0.9 * (group == "g2") - 0.6 * (group == "g4") + 0.3 * x["a"] - 0.2 * x["c"]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    cells = fair.covariate_cells(y, group, x)
    base = fair.reduced_fit(cells.treated, cells.covariates, counts=cells.counts)
    assert base["converged"]
    for category in ("g1", "g2", "g3", "g4"):
        ref = _row_adjusted_difference(y, group == category, x.drop(columns="const"))
        res = fair.adjusted_difference(cells.treated, cells.groups == category, cells.covariates,
                                       counts=cells.counts, reduced=base)
        assert res["status"] == "ok"
        for key in ("diff", "se", "ci_low", "ci_high", "p_value"):
            assert res[key] == pytest.approx(ref[key], rel=1e-9, abs=1e-12), (category, key)
    assert base["llf"] == pytest.approx(ref["llf0"], rel=1e-12)


def test_a_shared_covariate_matrix_and_no_ratio_test_give_the_same_effect(monkeypatch):
    """The audit converts an attribute's covariates once for all its models, and asks the attribute that
    may carry a difference only for the effect: the numbers are those of the DataFrame path, and the
    fit without the category is not made."""
    rng = np.random.default_rng(5)
    n = 6000
    x = pd.DataFrame({"a": rng.integers(1, 6, n).astype(float), "const": np.full(n, 1.0),
                      "b": rng.integers(1, 4, n).astype(float)})
    group = rng.choice(["g1", "g2", "g3"], n, p=[0.5, 0.3, 0.2])
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1 + 0.7 * (group == "g2") + 0.3 * x["a"])))).astype(float)
    cells = fair.covariate_cells(y, group, x)
    matrix = fair.covariate_matrix(cells.covariates, len(cells.treated))
    assert matrix.shape == (len(cells.treated), 2)  # the constant column is dropped once
    assert fair.covariate_matrix(matrix, len(cells.treated)) is matrix
    base = fair.reduced_fit(cells.treated, cells.covariates, counts=cells.counts)
    shared = fair.reduced_fit(cells.treated, matrix, counts=cells.counts)
    np.testing.assert_array_equal(shared["params"], base["params"])
    for category in ("g1", "g2", "g3"):
        member = cells.groups == category
        frame = fair.adjusted_difference(cells.treated, member, cells.covariates, counts=cells.counts, reduced=base)
        assert fair.adjusted_difference(cells.treated, member, matrix, counts=cells.counts, reduced=shared) == frame
    fits = []
    real_fit = fair.logit_fit
    monkeypatch.setattr(fair, "logit_fit", lambda *a, **k: fits.append(a[1].shape[1]) or real_fit(*a, **k))
    full = fair.adjusted_difference(cells.treated, cells.groups == "g2", matrix, counts=cells.counts)
    assert fits == [4, 3]  # with and without the category
    fits.clear()
    effect = fair.adjusted_difference(cells.treated, cells.groups == "g2", matrix, counts=cells.counts,
                                      likelihood_ratio=False)
    assert fits == [4] and np.isnan(effect["p_value"])
    assert {k: v for k, v in effect.items() if k != "p_value"} == {k: v for k, v in full.items() if k != "p_value"}


def test_a_warm_start_takes_fewer_newton_steps_to_the_same_maximum():
    """The audit's usual case: covariates matter, a category shifts the treatment rate a little."""
    rng = np.random.default_rng(3)
    n = 20_000
    exog = np.column_stack([np.ones(n), rng.random(n) < 0.3, rng.normal(size=(n, 3))])
    beta = np.array([-1.5, 0.15, 1.0, -0.8, 0.6])
    y = (rng.random(n) < 1 / (1 + np.exp(-exog @ beta))).astype(float)
    steps = {}
    for name, start in (("zero", None), ("warm", np.insert(fair.logit_fit(y, np.delete(exog, 1, axis=1))["params"],
                                                          1, 0.0))):
        fit = fair.logit_fit(y, exog, start=start, max_iter=50)
        steps[name] = [fair.logit_fit(y, exog, start=start, max_iter=k)["converged"] for k in range(1, 12)].index(True)
        steps[name + "_fit"] = fit
    np.testing.assert_allclose(steps["warm_fit"]["params"], steps["zero_fit"]["params"], rtol=1e-10, atol=1e-12)
    assert steps["warm_fit"]["llf"] == pytest.approx(steps["zero_fit"]["llf"], rel=1e-14)
    assert steps["warm"] < steps["zero"]


@pytest.mark.parametrize("values", [
    pd.Series([1.0, 2.5, np.nan, 1.0, 30.0, 2.5]),
    pd.Series(["man", None, "vrouw", "man", "anders"], dtype=object),
    pd.Series(["ja", pd.NA, "nee", "ja"], dtype="string[pyarrow]"),
    pd.Series([3, 1, 3, 2], dtype="int64"),
    pd.Series([1, "x", None, 2.0, "x"], dtype=object),
])
def test_protected_text_once_per_value_equals_the_row_by_row_conversion(values):
    from clientvalue.analyses.segments import _as_text

    ref = values.map(lambda v: f"{v:g}" if isinstance(v, (float, np.floating)) else str(v), na_action="ignore")
    got = _as_text(values)
    assert got.index.equals(values.index)
    assert got.astype(object).where(got.notna(), None).tolist() == ref.astype(object).where(ref.notna(), None).tolist()


def test_designs_in_reused_memory_give_the_numbers_of_fresh_ones():
    """The audit writes every attribute's design into memory it reuses: same effects, intervals, tests and fits."""
    rng = np.random.default_rng(11)
    n = 5000
    x = pd.DataFrame({"a": rng.integers(1, 6, n).astype(float), "const": np.full(n, 2.0),
                      "empty": np.full(n, np.nan), "b": rng.integers(1, 4, n).astype(float)})
    group = rng.choice(["g1", "g2", "g3"], n, p=[0.5, 0.3, 0.2])
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1 + 0.6 * (group == "g3") + 0.3 * x["a"])))).astype(float)
    memory = fair.ModelMemory()
    for rows in (slice(None), slice(0, 3000)):  # a second, smaller attribute reuses the same memory
        cells = fair.covariate_cells(y[rows], group[rows], x.iloc[rows])
        m = len(cells.treated)
        design = fair.category_design(cells.covariates, m, memory=memory)
        assert design.flags.c_contiguous and design.shape == (m, 4)  # constant and all-missing columns dropped
        np.testing.assert_array_equal(design[:, 2:], fair.covariate_matrix(cells.covariates, m))
        np.testing.assert_array_equal(design[:, :2], np.c_[np.ones(m), np.zeros(m)])
        base = fair.reduced_fit(cells.treated, cells.covariates, counts=cells.counts)
        shared = fair.reduced_fit(cells.treated, design=design, counts=cells.counts, memory=memory)
        assert shared["llf"] == base["llf"]
        np.testing.assert_array_equal(shared["params"], base["params"])
        np.testing.assert_array_equal(shared["cov"], base["cov"])
        for category in ("g1", "g2", "g3"):
            member = cells.groups == category
            fresh = fair.adjusted_difference(cells.treated, member, cells.covariates, counts=cells.counts, reduced=base)
            reused = fair.adjusted_difference(cells.treated, member, counts=cells.counts, reduced=shared, design=design)
            assert reused == fresh
            np.testing.assert_array_equal(design[:, 1], member)  # the category went into column 1
    same = memory.matrix("design", 10, 3)
    assert np.shares_memory(same, design)  # one buffer per role, reused
    assert not np.shares_memory(memory.matrix("reduced", 10, 3), same)
    larger = memory.matrix("design", 6000, 5)
    assert larger.shape == (6000, 5) and larger.flags.c_contiguous and not np.shares_memory(larger, design)
    ndarray_design = fair.category_design(np.arange(6.0).reshape(3, 2), 3)
    np.testing.assert_array_equal(ndarray_design, [[1, 0, 0, 1], [1, 0, 2, 3], [1, 0, 4, 5]])
    assert fair.category_design(None, 4).shape == (4, 2)


def test_cell_index_numbers_the_cells_as_a_groupby_in_order_of_appearance():
    """covariate_key and cell_index (the two halves of covariate_cells, for several groups of the same
    respondents) against pandas' groupby: the same cells, counts, treated and first respondents."""
    rng = np.random.default_rng(21)
    n = 4000
    x = pd.DataFrame({"a": rng.integers(1, 6, n).astype(float), "b": rng.integers(1, 4, n).astype(float),
                      "d": (rng.random(n) < 0.3).astype(float)})
    x.loc[rng.random(n) < 0.05, "b"] = np.nan  # a missing value is a pattern of its own
    y = (rng.random(n) < 0.3).astype(float)
    key = fair.covariate_key(x, n)
    assert key.size == 6 * 4 * 3  # each column's distinct values, plus 1 for a missing one (0)
    for groups in (rng.choice(["g1", "g2", "g3"], n), rng.choice(["p", "q"], n)):
        cells = fair.cell_index(y, groups, key)
        frame = x.assign(g=groups, y=y, row=np.arange(n))
        ref = frame.groupby(["g", "a", "b", "d"], sort=False, dropna=False).agg(
            treated=("y", "sum"), counts=("y", "size"), first=("row", "min")).sort_values("first")
        np.testing.assert_array_equal(cells.first, ref["first"])
        np.testing.assert_array_equal(cells.counts, ref["counts"])
        np.testing.assert_array_equal(cells.treated, ref["treated"])
        np.testing.assert_array_equal(cells.groups, groups[ref["first"]])
        whole = fair.covariate_cells(y, groups, x)
        np.testing.assert_array_equal(whole.counts, cells.counts)
        pd.testing.assert_frame_equal(whole.covariates, x.iloc[cells.first].reset_index(drop=True))


def test_patterns_beyond_62_bits_make_every_respondent_a_cell():
    n = 50_000
    distinct = pd.DataFrame({c: np.arange(n, dtype=float) + j for j, c in enumerate("abcd")})
    assert fair.covariate_key(distinct, n) is None  # 50,001 ** 4 > 2 ** 62
    y = np.zeros(6)
    wide_key = fair.CovariateKey(np.arange(6, dtype=np.int64), 2**60)  # (1 + 1) * 2**60 fits, (3 + 1) * 2**60 does not
    assert fair.cell_index(y, np.zeros(6), wide_key).first is not None
    cells = fair.cell_index(y, np.array(list("abcabc")), wide_key)
    assert cells.first is None and list(cells.counts) == [1.0] * 6 and list(cells.groups) == list("abcabc")
    whole = fair.covariate_cells(np.zeros(n), np.zeros(n), distinct)
    assert len(whole.counts) == n and whole.covariates.equals(distinct)


def test_a_shared_mean_difference_design_gives_the_numbers_of_fresh_ones():
    """The rating models of several treatments on the same respondents share one design."""
    rng = np.random.default_rng(5)
    n = 3000
    x = pd.DataFrame({"a": rng.integers(1, 6, n).astype(float), "const": np.full(n, 1.0),
                      "d": (rng.random(n) < 0.4).astype(float)})
    grade = 6 + 0.3 * x["a"].to_numpy() + rng.standard_normal(n)
    design = fair.mean_difference_design(x, n)
    assert design.shape == (n, 4)  # the constant column left out
    for member in ((rng.random(n) < 0.3), (x["d"].to_numpy() == 1) & (rng.random(n) < 0.5), np.zeros(n, bool)):
        shared = fair.adjusted_mean_difference(grade, member, design=design)
        fresh = fair.adjusted_mean_difference(grade, member, x)
        assert shared.keys() == fresh.keys()
        for key, value in fresh.items():
            assert (shared[key] == value) or (np.isnan(shared[key]) and np.isnan(value)), key
    # against an ordinary least-squares fit of statsmodels
    member = rng.random(n) < 0.3
    ols = sm.OLS(grade, sm.add_constant(np.column_stack([member, x[["a", "d"]]]))).fit()
    res = fair.adjusted_mean_difference(grade, member, design=design)
    assert res["diff"] == pytest.approx(ols.params[1], rel=1e-10)
    assert res["ci_low"] == pytest.approx(ols.conf_int()[1, 0], rel=1e-10)
