"""Reliability and factor structure: alpha, item-rest, principal axes, rotations."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.stats.model_results import FactorCheck
from clientvalue.stats.measurement import (
    cronbach_alpha,
    factor_check,
    feldt_interval,
    item_rest,
    oblimin,
    principal_axis,
    promax,
    reliability_table,
    varimax,
)

# Harman's eight physical variables, two-factor solution: the example of Bernaards & Jennrich
# (2005) "Gradient projection algorithms and software for arbitrary rotation criteria" and of
# R GPArotation; quartimin result as published there (reproduced in statsmodels' test suite).
HARMAN8 = np.array([
    [.830, -.396], [.818, -.469], [.777, -.470], [.798, -.401],
    [.786, .500], [.672, .458], [.594, .444], [.647, .333],
])
HARMAN8_QUARTIMIN = np.array([
    [0.891822, 0.056015], [0.953680, -0.023246], [0.929150, -0.046503],
    [0.876683, 0.033658], [0.013701, 0.925000], [-0.017265, 0.821253],
    [-0.052445, 0.764953], [0.085890, 0.683115],
])


def exact_cov_data(cov: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Rows whose sample covariance (ddof=1) equals ``cov`` exactly."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, cov.shape[0]))
    z -= z.mean(axis=0)
    w = np.linalg.cholesky(np.cov(z, rowvar=False))
    z = z @ np.linalg.inv(w).T
    return z @ np.linalg.cholesky(cov).T + 3.0


def hoyt_alpha(x: np.ndarray) -> float:
    """Alpha from a persons x items two-way ANOVA (Hoyt 1941): 1 - MS_resid / MS_persons."""
    n, k = x.shape
    grand = x.mean()
    ss_p = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_i = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_res = ((x - grand) ** 2).sum() - ss_p - ss_i
    return 1 - (ss_res / ((n - 1) * (k - 1))) / (ss_p / (n - 1))


# --------------------------------------------------------------------------- alpha
@pytest.mark.parametrize("k,r", [(3, 0.3), (5, 0.5), (8, 0.2)])
def test_alpha_equals_spearman_brown_for_compound_symmetry(k, r):
    cov = np.full((k, k), r) + np.eye(k) * (1 - r)
    cov *= 2.5  # equal variances, any scale
    x = exact_cov_data(cov, 60)
    df = pd.DataFrame(x, columns=[f"q{i}" for i in range(k)])
    res = cronbach_alpha(df, items=list(df.columns))
    assert res["alpha"] == pytest.approx(k * r / (1 + (k - 1) * r), abs=1e-10)
    assert res["n"] == 60 and res["k"] == k


def test_alpha_matches_hoyt_anova_on_likert_data():
    rng = np.random.default_rng(3)
    trait = rng.normal(size=150)
    x = np.clip(np.round(3 + trait[:, None] + rng.normal(scale=0.9, size=(150, 4))), 1, 5)
    df = pd.DataFrame(x, columns=list("abcd"))
    df.loc[5, "b"] = np.nan  # listwise deletion
    res = cronbach_alpha(df, items=list("abcd"))
    assert res["n"] == 149
    assert res["alpha"] == pytest.approx(hoyt_alpha(df.dropna().to_numpy()), abs=1e-12)


def test_feldt_interval_inverts_the_f_pivot():
    """Endpoints are where the pivot (1-rho)/(1-a) ~ F(n-1, (n-1)(k-1)) hits its tails."""
    a, n, k = 0.79, 41, 26
    low, high = feldt_interval(a, n, k, ci=0.90)
    df1, df2 = n - 1, (n - 1) * (k - 1)

    def tail(rho):
        return stats.f.cdf((1 - rho) / (1 - a), df1, df2)

    # brute-force root finding instead of the quantile formula
    lo_root = optimize.brentq(lambda rho: tail(rho) - 0.95, -5, a)
    hi_root = optimize.brentq(lambda rho: tail(rho) - 0.05, a, 0.9999)
    assert low == pytest.approx(lo_root, abs=1e-8)
    assert high == pytest.approx(hi_root, abs=1e-8)
    assert low < a < high


def test_feldt_interval_close_to_published_statpsych_example():
    # statpsych::ci.cronbach(.05, .85, 7, 89) -> LL 0.7971254, UL 0.8931436 (Bonett's package;
    # it uses n(k-1) denominator df where Feldt et al. 1987 / psych use (n-1)(k-1), which
    # moves the limits by < 1e-4 here).
    low, high = feldt_interval(0.85, 89, 7, 0.95)
    assert low == pytest.approx(0.7971254, abs=2e-4)
    assert high == pytest.approx(0.8931436, abs=2e-4)


def test_alpha_refuses_bad_input():
    df = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 2, 3, 5]})
    with pytest.raises(ParameterError, match="at least two"):
        cronbach_alpha(df, items=["a"])
    with pytest.raises(ParameterError, match="not in the data"):
        cronbach_alpha(df, items=["a", "zz"])
    with pytest.raises(ParameterError, match="ci"):
        cronbach_alpha(df, items=["a", "b"], ci=95)
    with pytest.raises(AnalysisError, match="at least 3"):
        cronbach_alpha(df.iloc[:2], items=["a", "b"])


def test_item_rest_against_direct_computation():
    rng = np.random.default_rng(1)
    t = rng.normal(size=200)
    df = pd.DataFrame({f"i{j}": t * w + rng.normal(size=200)
                       for j, w in enumerate([1.0, 0.8, 0.6, 0.05])})
    tab = item_rest(df, items=list(df.columns))
    assert list(tab["item"]) == list(df.columns)
    for _, row in tab.iterrows():
        rest = df.drop(columns=row["item"]).sum(axis=1)
        assert row["item_rest_correlation"] == pytest.approx(df[row["item"]].corr(rest), abs=1e-12)
        others = [c for c in df.columns if c != row["item"]]
        assert row["alpha_if_deleted"] == pytest.approx(
            hoyt_alpha(df[others].to_numpy()), abs=1e-12)
    # the noise item is the weakest and deleting it raises alpha
    weakest = tab.loc[tab["item_rest_correlation"].idxmin()]
    assert weakest["item"] == "i3"
    assert weakest["alpha_if_deleted"] > cronbach_alpha(df, items=list(df.columns))["alpha"]


def test_reliability_table_rows():
    rng = np.random.default_rng(2)
    t = rng.normal(size=(120, 1))
    df = pd.DataFrame(t + rng.normal(size=(120, 4)), columns=["p1", "p2", "p3", "e1"])
    tab = reliability_table(df, dimensions={"practical": ["p1", "p2", "p3"], "emotional": ["e1"]})
    assert list(tab["dimension"]) == ["practical", "emotional"]
    ref = cronbach_alpha(df, items=["p1", "p2", "p3"])
    row = tab.iloc[0]
    assert row["alpha"] == pytest.approx(ref["alpha"])
    assert row["ci_low"] == pytest.approx(ref["ci_low"])
    assert row["min_item_rest"] == pytest.approx(
        item_rest(df, items=["p1", "p2", "p3"])["item_rest_correlation"].min())
    assert tab.iloc[1]["n_items"] == 1 and np.isnan(tab.iloc[1]["alpha"])
    with pytest.raises(ParameterError, match="both"):
        reliability_table(df, dimensions={"a": ["p1", "p2"], "b": ["p2", "p3"]})


# --------------------------------------------------------------------------- rotations
def test_quartimin_reproduces_published_gparotation_example():
    pattern, phi, t, ok = oblimin(HARMAN8)
    assert ok
    np.testing.assert_allclose(pattern, HARMAN8_QUARTIMIN, atol=2e-6)


@pytest.mark.parametrize("rotate", ["oblimin", "promax"])
def test_oblique_rotation_invariants(rotate):
    rng = np.random.default_rng(11)
    a = rng.uniform(-0.8, 0.8, size=(9, 3))
    if rotate == "oblimin":
        pattern, phi, _, ok = oblimin(a)
        assert ok
    else:
        pattern, phi, _ = promax(a)
    # the common part of the correlation matrix is unchanged ...
    np.testing.assert_allclose(pattern @ phi @ pattern.T, a @ a.T, atol=1e-10)
    # ... hence communalities too; phi is a correlation matrix
    np.testing.assert_allclose(np.einsum("ij,jk,ik->i", pattern, phi, pattern),
                               (a**2).sum(axis=1), atol=1e-10)
    np.testing.assert_allclose(np.diag(phi), 1.0, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(phi) > 0)


def test_varimax_matches_statsmodels_and_is_orthogonal():
    from statsmodels.multivariate.factor_rotation import rotate_factors

    v, t = varimax(HARMAN8, normalize=False, eps=1e-12)
    vs, _ = rotate_factors(HARMAN8, "varimax", tol=1e-7)
    np.testing.assert_allclose(v, vs, atol=1e-5)
    np.testing.assert_allclose(t @ t.T, np.eye(2), atol=1e-12)


def test_promax_matches_statsmodels_structure_matrix():
    # statsmodels' promax(A, k) returns the structure matrix for power k - 1, with an
    # un-normalised varimax solved to its default (loose) tolerance.
    from statsmodels.multivariate.factor_rotation import promax as sm_promax

    pattern, phi, _ = promax(HARMAN8, power=3, normalize=False, eps=1e-12)
    structure, _ = sm_promax(HARMAN8, k=4)
    np.testing.assert_allclose(pattern @ phi, structure, atol=1e-3)


def test_principal_axis_recovers_an_exact_two_factor_matrix():
    r = HARMAN8 @ HARMAN8.T
    np.fill_diagonal(r, 1.0)
    loadings, ok = principal_axis(r, 2)
    assert ok
    np.testing.assert_allclose(loadings @ loadings.T, HARMAN8 @ HARMAN8.T, atol=1e-6)


# --------------------------------------------------------------------------- factor check
def planted(n=2000, seed=5):
    rng = np.random.default_rng(seed)
    f = rng.multivariate_normal([0, 0], [[1, 0.4], [0.4, 1]], size=n)
    lp, le = [0.8, 0.7, 0.75, 0.65], [0.8, 0.7, 0.6, 0.75]
    cols = {}
    for j, w in enumerate(lp):
        cols[f"p{j}"] = w * f[:, 0] + np.sqrt(1 - w**2) * rng.normal(size=n)
    for j, w in enumerate(le):
        cols[f"e{j}"] = w * f[:, 1] + np.sqrt(1 - w**2) * rng.normal(size=n)
    return pd.DataFrame(cols)


@pytest.mark.parametrize("rotation", ["oblimin", "promax"])
def test_factor_check_recovers_planted_structure(rotation):
    df = planted()
    dims = {"practical": ["p0", "p1", "p2", "p3"], "emotional": ["e0", "e1", "e2", "e3"]}
    result = factor_check(df, dimensions=dims, rotation=rotation)
    tab = result.table
    assert list(tab.columns) == ["item", "dimension", "loading_practical", "loading_emotional",
                                 "communality", "assigned", "flag"]
    assert not tab["flag"].any()
    truth = dict(zip(["p0", "p1", "p2", "p3", "e0", "e1", "e2", "e3"],
                     [0.8, 0.7, 0.75, 0.65, 0.8, 0.7, 0.6, 0.75], strict=True))
    for _, row in tab.iterrows():
        own = row[f"loading_{row['dimension']}"]
        assert own == pytest.approx(truth[row["item"]], abs=0.06)
    phi = result.factor_correlation
    assert phi.loc["practical", "emotional"] == pytest.approx(0.4, abs=0.06)


def test_factor_check_result_is_frozen_shows_its_table_and_the_table_carries_no_attrs():
    dims = {"practical": ["p0", "p1", "p2", "p3"], "emotional": ["e0", "e1", "e2", "e3"]}
    result = factor_check(planted(), dimensions=dims)
    assert isinstance(result, FactorCheck) and result.table.attrs == {}
    assert list(result.factor_correlation.index) == ["practical", "emotional"]
    assert result.rotation == "oblimin" and result.converged and result.n == len(planted())
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.rotation = "none"  # type: ignore[misc]
    assert result.table._repr_html_() in result._repr_html_() and repr(result.table) in repr(result)
    assert repr(result).startswith(f"Factor check of 8 items on 2 dimensions (oblimin): n = {result.n}, 0 flagged\n")


def test_factor_check_flags_a_mislabelled_item_and_handles_reflection():
    df = planted()
    df["e3"] = -df["e3"]  # a reversed item does not change which factor it belongs to
    dims = {"emotional": ["e0", "e1", "e2", "p3"], "practical": ["p0", "p1", "p2", "e3"]}
    tab = factor_check(df, dimensions=dims).table.set_index("item")
    assert set(tab.index[tab["flag"]]) == {"p3", "e3"}
    assert tab.loc["p3", "assigned"] == "practical"
    assert tab.loc["e3", "assigned"] == "emotional"
    assert tab.loc["e3", "loading_emotional"] < -0.6
    assert tab.loc["e0", "loading_emotional"] > 0.6


def test_factor_check_refuses_bad_input():
    df = planted(n=100)
    with pytest.raises(ParameterError, match="rotation"):
        factor_check(df, dimensions={"a": ["p0", "p1"], "b": ["e0", "e1"]}, rotation="quartimax")
    with pytest.raises(AnalysisError, match="at least"):
        factor_check(df, dimensions={"a": ["p0"], "b": ["e0"]})
    df["e1"] = 1.0
    with pytest.raises(AnalysisError, match="e1"):
        factor_check(df, dimensions={"a": ["p0", "p1"], "b": ["e0", "e1"]})
