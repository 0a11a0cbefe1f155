"""Agreement measures against published values and independent implementations; tests on planted data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clientvalue.errors import AnalysisError
from clientvalue.stats import agreement as ag
from clientvalue.stats import agreement_tests as at

krippendorff = pytest.importorskip("krippendorff")

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: 4 observers x 12 units.
KRIPPENDORFF_2011 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
])


def long_form(matrix: np.ndarray) -> pd.DataFrame:
    rows = [(r, u, matrix[r, u]) for r in range(matrix.shape[0]) for u in range(matrix.shape[1])
            if not np.isnan(matrix[r, u])]
    return pd.DataFrame(rows, columns=["employee", "vignette", "decision"])


def coded_from(matrix: np.ndarray, categories) -> ag.Coded:
    return ag.code_judgements(long_form(matrix), rater="employee", unit="vignette", value="decision",
                              categories=categories)


def random_ratings(rng, n_raters, n_units, n_cats, missing=0.0, clear=0.6):
    truth = rng.integers(0, n_cats, n_units)
    matrix = np.where(rng.random((n_raters, n_units)) < clear, truth, rng.integers(0, n_cats, (n_raters, n_units))).astype(float)
    matrix[rng.random(matrix.shape) < missing] = np.nan
    return matrix


@pytest.mark.parametrize("level, published", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_krippendorff_2011_worked_example(level, published):
    coded = coded_from(KRIPPENDORFF_2011, [1.0, 2.0, 3.0, 4.0, 5.0])
    alpha = ag.krippendorff_alpha(ag.counts_table(coded), level=level, values=[1, 2, 3, 4, 5])
    assert round(alpha, 3) == published
    assert alpha == pytest.approx(krippendorff.alpha(reliability_data=KRIPPENDORFF_2011, level_of_measurement=level), abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_alpha_equals_krippendorff_package(seed, level):
    rng = np.random.default_rng(seed)
    matrix = random_ratings(rng, n_raters=int(rng.integers(3, 12)), n_units=int(rng.integers(5, 40)), n_cats=4,
                            missing=0.25)
    coded = coded_from(matrix, [0.0, 1.0, 2.0, 3.0])
    ours = ag.krippendorff_alpha(ag.counts_table(coded), level=level)
    assert ours == pytest.approx(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level,
                                                    value_domain=[0.0, 1.0, 2.0, 3.0]), abs=1e-10)


@pytest.mark.parametrize("seed", range(4))
def test_fleiss_equals_statsmodels(seed):
    from statsmodels.stats.inter_rater import fleiss_kappa

    rng = np.random.default_rng(seed)
    matrix = random_ratings(rng, n_raters=7, n_units=30, n_cats=5)
    coded = coded_from(matrix, [0.0, 1.0, 2.0, 3.0, 4.0])
    table = ag.counts_table(coded)
    assert ag.fleiss_kappa(table) == pytest.approx(fleiss_kappa(table, method="fleiss"), abs=1e-12)
    measures = ag.agreement_measures(coded, level="nominal")
    assert measures["fleiss"] == pytest.approx(fleiss_kappa(table, method="fleiss"), abs=1e-12)


def test_fleiss_refused_with_missing_judgements():
    coded = coded_from(KRIPPENDORFF_2011, [1.0, 2.0, 3.0, 4.0, 5.0])
    with pytest.raises(AnalysisError, match="same number"):
        ag.fleiss_kappa(ag.counts_table(coded))
    assert "fleiss" not in ag.agreement_measures(coded)


def test_ac1_gwet_two_rater_example():
    """Gwet (2008): two raters, 125 subjects, both '+' 118, A '+' B '-' 5, A '-' B '+' 2, both '-' 0.

    Closed form: p_a = 118/125; pi_+ = (123/125 + 120/125)/2; p_e = 2 pi_+ (1 - pi_+);
    AC1 = (p_a - p_e) / (1 - p_e) = 0.9408, while Cohen's kappa is negative (the 'paradox')."""
    table = np.array([[2, 0]] * 118 + [[1, 1]] * 7 + [[0, 2]] * 0, dtype=float)
    p_a = 118 / 125
    pi = (123 / 125 + 120 / 125) / 2
    p_e = 2 * pi * (1 - pi)
    assert ag.gwet_ac1(table) == pytest.approx((p_a - p_e) / (1 - p_e), abs=1e-12)
    assert round(ag.gwet_ac1(table), 4) == 0.9408


def _ac1_loops(matrix: np.ndarray, n_cats: int) -> float:
    """Gwet (2008) eq. 18-20 written out with loops over units (an independent second computation)."""
    pa_terms, shares = [], []
    for u in range(matrix.shape[1]):
        values = [int(v) for v in matrix[:, u] if not np.isnan(v)]
        m = len(values)
        if m < 2:
            continue
        counts = [values.count(k) for k in range(n_cats)]
        pa_terms.append(sum(c * (c - 1) for c in counts) / (m * (m - 1)))
        shares.append([c / m for c in counts])
    pi = np.mean(shares, axis=0)
    pe = sum(p * (1 - p) for p in pi) / (n_cats - 1)
    pa = np.mean(pa_terms)
    return (pa - pe) / (1 - pe)


@pytest.mark.parametrize("seed", range(3))
def test_ac1_equals_loop_computation_with_missing(seed):
    rng = np.random.default_rng(seed)
    matrix = random_ratings(rng, n_raters=6, n_units=25, n_cats=3, missing=0.3, clear=0.8)
    coded = coded_from(matrix, [0.0, 1.0, 2.0])
    assert ag.gwet_ac1(ag.counts_table(coded)) == pytest.approx(_ac1_loops(matrix, 3), abs=1e-12)


def test_resample_counts_are_draws_with_replacement():
    counts = ag.resample_counts(np.random.default_rng(0), 50, 4000)
    assert (counts.sum(1) == 50).all()
    # each item is drawn Binomial(50, 1/50) times: mean 1, variance 49/50
    assert counts.mean() == pytest.approx(1.0)
    assert counts.var() == pytest.approx(49 / 50, rel=0.03)


def test_employee_bootstrap_counts_equal_explicit_resample():
    rng = np.random.default_rng(3)
    matrix = random_ratings(rng, n_raters=6, n_units=8, n_cats=3, missing=0.2)
    coded = coded_from(matrix, [0.0, 1.0, 2.0])
    (N_b, S_b), = list(ag.rater_bootstrap_counts(coded, n_boot=1, seed=11))
    draw = ag.resample_counts(np.random.default_rng(11), 6, 1)[0].astype(int)
    explicit = np.zeros((8, 3))
    copies = np.zeros((8, 3))
    for r, w in enumerate(draw):
        for u in range(8):
            if not np.isnan(matrix[r, u]):
                explicit[u, int(matrix[r, u])] += w
                copies[u, int(matrix[r, u])] += w * (w - 1)
    np.testing.assert_allclose(N_b[0], explicit)
    np.testing.assert_allclose(S_b[0], copies)
    # Pairs of copies of one employee are not agreement: a resample of copies only has no pairs.
    assert np.isnan(ag._pair_agreement(np.array([[3.0, 0.0]]), np.array([[6.0, 0.0]]))).all()


def test_bootstrap_intervals_cover_point_and_shrink_with_more_vignettes():
    rng = np.random.default_rng(5)
    small = coded_from(random_ratings(rng, 10, 10, 4), [0.0, 1.0, 2.0, 3.0])
    large = coded_from(random_ratings(rng, 10, 200, 4), [0.0, 1.0, 2.0, 3.0])
    widths = []
    for coded in (small, large):
        for resample in ("vignettes", "employees"):
            table = ag.bootstrap_measures(coded, level="ordinal", n_boot=400, seed=1, resample=resample)
            assert set(table["measure"]) == {"krippendorff_alpha", "fleiss_kappa", "gwet_ac1"}
            assert ((table["ci_low"] <= table["value"]) & (table["value"] <= table["ci_high"])).all()
        widths.append(float((table["ci_high"] - table["ci_low"]).iloc[0]))
    assert widths[1] < widths[0]


def test_vignette_agreement_closed_form():
    # vignette 0: 4 x decision 0 (all agree); vignette 1: 2 x 0 and 2 x 1 (pairs agree 4/12).
    frame = pd.DataFrame({"employee": [1, 2, 3, 4] * 2, "vignette": ["a"] * 4 + ["b"] * 4,
                          "decision": ["x"] * 4 + ["x", "x", "y", "y"]})
    coded = ag.code_judgements(frame, rater="employee", unit="vignette", value="decision", categories=["x", "y", "z"])
    table = ag.vignette_agreement(coded, n_boot=50, seed=1).set_index("vignette")
    assert list(table.index) == ["b", "a"]  # the split vignette first
    assert table.loc["b", "pair_agreement"] == pytest.approx(4 / 12)
    assert table.loc["a", "pair_agreement"] == 1.0 and table.loc["a", "entropy"] == 0.0
    assert table.loc["b", "entropy"] == pytest.approx(np.log(2) / np.log(3))
    assert table.loc["b", "modal_share"] == 0.5 and table.loc["b", "share_y"] == 0.5


def test_departures_leave_one_out():
    # vignette a: 1,1,1,2 -> employee 4 departs; vignette b: 1,2,2,2 -> employee 1 departs.
    frame = pd.DataFrame({"employee": [1, 2, 3, 4] * 2, "vignette": ["a"] * 4 + ["b"] * 4,
                          "decision": [1, 1, 1, 2, 1, 2, 2, 2]})
    coded = ag.code_judgements(frame, rater="employee", unit="vignette", value="decision", categories=[1, 2])
    table = ag.departures_from_majority(coded, positions=np.array([0.0, 1.0])).set_index("employee")
    assert table["n_departures"].to_dict() == {1: 1, 2: 0, 3: 0, 4: 1}
    assert table.loc[1, "harshness"] == pytest.approx(((0 - 1 / 3) + (0 - 1)) / 2)
    assert table.loc[4, "harshness"] == pytest.approx(((1 - 0) + (1 - 2 / 3)) / 2)


def planted_teams(rng, harsh_team_shift=0.0, n_per_team=15, n_units=20):
    rows = []
    base = rng.normal(0, 1.2, n_units)
    for team in range(3):
        for e in range(n_per_team):
            for u in range(n_units):
                latent = base[u] + rng.normal(0, 0.8) + (harsh_team_shift if team == 2 else 0.0)
                rows.append((f"t{team}e{e}", u, int(np.clip(np.round(latent + 1.5), 0, 3)), f"team{team}"))
    return pd.DataFrame(rows, columns=["employee", "vignette", "decision", "team"])


def test_team_differences_find_the_harsh_team_and_not_the_others():
    rng = np.random.default_rng(8)
    frame = planted_teams(rng, harsh_team_shift=0.8)
    coded = ag.code_judgements(frame, rater="employee", unit="vignette", value="decision", categories=[0, 1, 2, 3])
    teams = frame.drop_duplicates("employee").set_index("employee").loc[coded.raters, "team"].to_numpy()
    table = at.team_differences(coded, teams, positions=np.arange(4.0), n_perm=199, seed=1).set_index("team")
    assert table.loc["team2", "p_value"] < 0.01 and table.loc["team2", "shift"] > 0.4
    null = planted_teams(np.random.default_rng(9), harsh_team_shift=0.0)
    coded = ag.code_judgements(null, rater="employee", unit="vignette", value="decision", categories=[0, 1, 2, 3])
    teams = null.drop_duplicates("employee").set_index("employee").loc[coded.raters, "team"].to_numpy()
    table = at.team_differences(coded, teams, positions=np.arange(4.0), n_perm=199, seed=1)
    assert (table["shift_p_value"] > 0.01).all()


def test_two_way_residuals_equal_least_squares_with_dummies():
    rng = np.random.default_rng(2)
    rater = rng.integers(0, 8, 120)
    unit = rng.integers(0, 6, 120)
    y = rng.normal(size=120) + rater * 0.3 - unit * 0.2
    X = np.column_stack([np.ones(120)] + [(rater == r) * 1.0 for r in range(1, 8)] + [(unit == u) * 1.0 for u in range(1, 6)])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    np.testing.assert_allclose(at.two_way_residuals(y, rater, unit, iterations=2000, tol=1e-14), y - X @ beta, atol=1e-8)


def planted_variant(rng, effect, n_raters=120, n_units=12):
    rater = np.repeat(np.arange(n_raters), n_units)
    unit = np.tile(np.arange(n_units), n_raters)
    treated = rng.random(len(rater)) < 0.5
    harsh = rng.normal(0, 0.8, n_raters)[rater]
    base = rng.normal(-0.5, 1.0, n_units)[unit]
    p = 1 / (1 + np.exp(-(base + harsh)))
    p = np.clip(p + effect * treated, 0, 1)
    return (rng.random(len(rater)) < p).astype(float), rater, unit, treated


def test_variant_effect_recovers_planted_rate_difference():
    y, rater, unit, treated = planted_variant(np.random.default_rng(4), effect=0.15)
    result = at.variant_effect(y, rater=rater, unit=unit, treated=treated, n_boot=500, n_perm=500, seed=1)
    assert result["ci_low"] < 0.15 < result["ci_high"]
    assert result["ci_low"] > 0 and result["p_value"] < 0.01


def test_variant_effect_null_is_not_flagged_too_often():
    flagged = 0
    for seed in range(20):
        y, rater, unit, treated = planted_variant(np.random.default_rng(100 + seed), effect=0.0, n_raters=60)
        result = at.variant_effect(y, rater=rater, unit=unit, treated=treated, n_boot=200, n_perm=200, seed=seed)
        flagged += result["p_value"] < 0.05
        assert result["ci_low"] < result["effect"] < result["ci_high"]
    assert flagged <= 4  # 5% of 20 is 1; 4 or more would happen with probability < 2%


def test_variant_asymptotic_permutation_p_matches_sampled_permutations(monkeypatch):
    y, rater, unit, treated = planted_variant(np.random.default_rng(21), effect=0.03, n_raters=150, n_units=20)
    sampled = at.variant_effect(y, rater=rater, unit=unit, treated=treated, n_boot=0, n_perm=4000, seed=2)
    monkeypatch.setattr(at, "PERMUTATION_BUDGET", 0)
    approximate = at.variant_effect(y, rater=rater, unit=unit, treated=treated, n_boot=0, n_perm=4000, seed=2)
    assert approximate["effect"] == sampled["effect"]
    assert 0.02 < sampled["p_value"] < 0.5
    assert approximate["p_value"] == pytest.approx(sampled["p_value"], rel=0.15)
