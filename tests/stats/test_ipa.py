"""Importance-performance quadrants and penalty-reward analysis."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.stats.ipa import importance_performance, penalty_reward
from clientvalue.stats.ipa_result import ImportancePerformance, PenaltyReward


def drivers_table(shares: dict[str, float], r2: float = 0.5) -> pd.DataFrame:
    """A drivers table as clientvalue.stats.importance.importance returns it, built by hand."""
    return pd.DataFrame({
        "driver": list(shares),
        "importance": [s * r2 for s in shares.values()],
        "share": list(shares.values()),
        "ci_low": np.nan, "ci_high": np.nan, "sign": 1.0,
    })


@pytest.fixture
def ipa_data():
    # four items on 1-5; means 4.6, 2.2, 3.0, 4.0 -> performance 90, 30, 50, 75
    return pd.DataFrame({
        "a": [5, 5, 4, 5, 4], "b": [2, 3, 2, 2, 2], "c": [3, 3, 3, 3, 3],
        "d": [4, 4, 4, 4, 4], "w": [1.0, 1.0, 1.0, 1.0, 6.0],
    }).astype(float)


def test_performance_quadrants_and_scores_by_hand(ipa_data):
    shares = {"a": 0.4, "b": 0.3, "c": 0.1, "d": 0.2}
    scales = {k: (1, 5) for k in shares}
    result = importance_performance(ipa_data, importance=drivers_table(shares), items=list(shares),
                                    scales=scales)
    res = result.table.set_index("item")
    expected_perf = {"a": 90.0, "b": 30.0, "c": 50.0, "d": 75.0}
    for k, v in expected_perf.items():
        assert res.loc[k, "performance"] == pytest.approx(v)
    # crosshairs: mean share 1/4, mean performance 61.25
    assert result.crosshair_share == pytest.approx(0.25)
    assert result.crosshair_performance == pytest.approx(61.25)
    assert res.loc["a", "quadrant"] == "keep_up"            # 0.4, 90
    assert res.loc["b", "quadrant"] == "concentrate_here"   # 0.3, 30
    assert res.loc["c", "quadrant"] == "low_priority"       # 0.1, 50
    assert res.loc["d", "quadrant"] == "possible_overkill"  # 0.2, 75
    # CQ-style: share * (100 - perf) / sum
    gaps = {"a": 0.4 * 10, "b": 0.3 * 70, "c": 0.1 * 50, "d": 0.2 * 25}
    total = sum(gaps.values())
    for k, g in gaps.items():
        assert res.loc[k, "improvement_score"] == pytest.approx(g / total)
    assert res.index[0] == "b"  # sorted by improvement score
    # in the red: b (concentrate here); c is exactly at the floor 50 -> not below it
    assert res["in_red"].to_dict() == {"b": True, "c": False, "a": False, "d": False}
    assert res.loc["a", "importance"] == pytest.approx(0.2)


def test_weights_fixed_crosshair_and_red_floor(ipa_data):
    shares = {"a": 0.4, "b": 0.3, "c": 0.1, "d": 0.2}
    scales = {k: (1, 5) for k in shares}
    result = importance_performance(ipa_data, importance=drivers_table(shares), items=["a", "b"],
                                    scales=scales, weights="w", crosshair=(0.35, 20.0), red_floor=80)
    res = result.table.set_index("item")
    # weighted mean of a: (5+5+4+5+4*6)/10 = 4.3 -> 82.5; of b: (2+3+2+2+12)/10 = 2.1 -> 27.5
    assert res.loc["a", "performance"] == pytest.approx(82.5)
    assert res.loc["b", "performance"] == pytest.approx(27.5)
    assert res.loc["a", "quadrant"] == "keep_up"
    assert res.loc["b", "quadrant"] == "possible_overkill"
    assert res.loc["b", "in_red"]          # below the floor of 80
    assert not res.loc["a", "in_red"]
    assert (result.crosshair_share, result.crosshair_performance, result.red_floor) == (0.35, 20.0, 80.0)


def test_importance_performance_refuses_bad_input(ipa_data):
    tab = drivers_table({"a": 0.5, "b": 0.5})
    with pytest.raises(ParameterError, match="not drivers"):
        importance_performance(ipa_data, importance=tab, items=["a", "c"],
                               scales={"a": (1, 5), "c": (1, 5)})
    with pytest.raises(ParameterError, match="scales"):
        importance_performance(ipa_data, importance=tab, items=["a", "b"], scales={"a": (1, 5)})
    with pytest.raises(ParameterError, match="crosshair"):
        importance_performance(ipa_data, importance=tab, items=["a", "b"],
                               scales={"a": (1, 5), "b": (1, 5)}, crosshair="middle")
    with pytest.raises(ParameterError, match="max > min"):
        importance_performance(ipa_data, importance=tab, items=["a", "b"],
                               scales={"a": (5, 1), "b": (1, 5)})


# --------------------------------------------------------------------------- penalty-reward
TRUTH = {  # item: (penalty, reward)
    "basic": (1.2, 0.1),
    "excite": (0.1, 1.0),
    "perf": (0.6, 0.6),
    "none": (0.0, 0.0),
}


def simulate_pr(n=6000, seed=4):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({k: rng.integers(1, 6, size=n).astype(float) for k in TRUTH})
    y = np.full(n, 7.0)
    for k, (pen, rew) in TRUTH.items():
        y += -pen * (df[k] <= 2) + rew * (df[k] >= 4)
    df["overall"] = y + rng.normal(scale=1.0, size=n)
    return df


def test_penalty_reward_recovers_planted_asymmetry():
    df = simulate_pr()
    res = penalty_reward(df, outcome="overall", items=list(TRUTH),
                         scales={k: (1, 5) for k in TRUTH}).table.set_index("item")
    for k, (pen, rew) in TRUTH.items():
        assert abs(res.loc[k, "penalty"] - pen) < 4 * res.loc[k, "penalty_se"]
        assert abs(res.loc[k, "reward"] - rew) < 4 * res.loc[k, "reward_se"]
    assert res["classification"].to_dict() == {
        "basic": "basic", "excite": "excitement", "perf": "performance", "none": "no_effect"}
    assert res.loc["basic", "n_low"] == int((df["basic"] <= 2).sum())


def test_penalty_reward_matches_least_squares_by_hand():
    df = simulate_pr(n=400, seed=9)
    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 2.0, size=len(df))
    res = penalty_reward(df, outcome="overall", items=["basic", "excite"],
                         scales={"basic": (1, 5), "excite": (1, 5)}, weights=w).table
    x = np.column_stack([np.ones(len(df)),
                         df["basic"] <= 2, df["basic"] >= 4,
                         df["excite"] <= 2, df["excite"] >= 4]).astype(float)
    sw = np.sqrt(w)
    beta, *_ = np.linalg.lstsq(x * sw[:, None], df["overall"].to_numpy() * sw, rcond=None)
    assert res.loc[0, "penalty"] == pytest.approx(-beta[1], abs=1e-10)
    assert res.loc[0, "reward"] == pytest.approx(beta[2], abs=1e-10)
    assert res.loc[1, "penalty"] == pytest.approx(-beta[3], abs=1e-10)
    assert res.loc[1, "reward"] == pytest.approx(beta[4], abs=1e-10)


def test_penalty_reward_bands_on_a_ten_point_scale_and_empty_middle():
    rng = np.random.default_rng(1)
    n = 300
    df = pd.DataFrame({"g": rng.integers(1, 11, size=n).astype(float),
                       "h": rng.choice([1.0, 5.0], size=n)})
    df["overall"] = rng.normal(size=n) + (df["g"] >= 7)
    res = penalty_reward(df, outcome="overall", items=["g", "h"],
                         scales={"g": (1, 10), "h": (1, 5)}).table.set_index("item")
    assert res.loc["g", "n_low"] == int((df["g"] <= 4).sum())   # 1-4 low, 5-6 middle
    assert res.loc["g", "n_high"] == int((df["g"] >= 7).sum())  # 7-10 high
    assert res.loc["h", "classification"] == "not_estimable"
    assert np.isnan(res.loc["h", "penalty"])


def test_penalty_reward_refuses_bad_input():
    df = simulate_pr(n=50)
    with pytest.raises(ParameterError, match="low and high"):
        penalty_reward(df, outcome="overall", items=["basic"], scales={"basic": (1, 5)},
                       low=0.7, high=0.6)
    with pytest.raises(ParameterError, match="also listed"):
        penalty_reward(df, outcome="overall", items=["overall"], scales={"overall": (1, 5)})
    df["flat"] = 3.0
    df.loc[0, "flat"] = 1.0
    with pytest.raises(AnalysisError):
        penalty_reward(df.iloc[:3], outcome="overall", items=["basic", "excite"],
                       scales={"basic": (1, 5), "excite": (1, 5)})


@pytest.mark.parametrize("block", [None, 97])  # 97 rows: the sums run over several blocks of rows
@pytest.mark.parametrize("weighted", [False, True])
def test_penalty_reward_standard_errors_equal_statsmodels_hc1(weighted, block, monkeypatch):
    import statsmodels.api as sm

    from clientvalue.stats import ipa

    if block:
        monkeypatch.setattr(ipa, "_LS_BLOCK", block)

    df = simulate_pr(n=800, seed=12)
    w = np.random.default_rng(3).uniform(0.5, 2.0, size=len(df)) if weighted else None
    items = list(TRUTH)
    result = penalty_reward(df, outcome="overall", items=items, scales={k: (1, 5) for k in items}, weights=w)
    res = result.table
    x = pd.DataFrame({f"{k}_{b}": (df[k] <= 2) if b == "low" else (df[k] >= 4) for k in items
                      for b in ("low", "high")}).astype(float)
    x = sm.add_constant(x)
    model = sm.OLS(df["overall"], x) if w is None else sm.WLS(df["overall"], x, weights=w / w.mean())
    ref = model.fit(cov_type="HC1")
    for i, k in enumerate(items):
        assert res.loc[i, "penalty_se"] == pytest.approx(ref.bse[f"{k}_low"], rel=1e-10)
        assert res.loc[i, "reward_se"] == pytest.approx(ref.bse[f"{k}_high"], rel=1e-10)
        assert res.loc[i, "reward_p"] == pytest.approx(ref.pvalues[f"{k}_high"], rel=1e-8, abs=1e-300)
    assert result.r2 == pytest.approx(ref.rsquared, rel=1e-12)
    assert result.n == len(df) and (result.low, result.high, result.ratio) == (0.4, 0.6, 2.0)


def test_performance_standard_error_equals_statsmodels(ipa_data):
    import statsmodels.api as sm

    shares = {"a": 0.4, "b": 0.3, "c": 0.1, "d": 0.2}
    scales = {k: (1, 5) for k in shares}
    plain = importance_performance(ipa_data, importance=drivers_table(shares), items=["a", "b"],
                                   scales=scales).table.set_index("item")
    # unweighted: sd / sqrt(n), rescaled to 0-100 (x 25 on a 1-5 scale)
    assert plain.loc["a", "performance_se"] == pytest.approx(ipa_data["a"].std() / np.sqrt(5) * 25)
    weighted = importance_performance(ipa_data, importance=drivers_table(shares), items=["a", "b"],
                                      scales=scales, weights="w").table.set_index("item")
    for item in ("a", "b"):
        # the linearised SE of a weighted mean is the HC1 sandwich SE of an intercept-only WLS
        fit = sm.WLS(ipa_data[item], np.ones(5), weights=ipa_data["w"]).fit(cov_type="HC1")
        assert weighted.loc[item, "performance_se"] == pytest.approx(fit.bse.iloc[0] * 25, rel=1e-10)


def test_in_the_red_needs_more_than_point_estimates():
    rng = np.random.default_rng(3)
    n = 40
    # "clear": tight answers far below the others; "noisy": just below the line with a wide spread
    data = pd.DataFrame({
        "clear": rng.choice([3, 4], size=n, p=[0.7, 0.3]),
        "noisy": rng.choice([1, 5], size=n, p=[0.4, 0.6]),
        "good1": rng.choice([4, 5], size=n), "good2": rng.choice([4, 5], size=n),
    }).astype(float)
    table = drivers_table({"clear": 0.35, "noisy": 0.35, "good1": 0.15, "good2": 0.15})
    scales = {k: (1, 5) for k in data}
    result = importance_performance(data, importance=table, items=list(data), scales=scales)
    point, line = result.table.set_index("item"), result.crosshair_performance
    # both are top left on the point estimates ...
    assert (point.loc[["clear", "noisy"], "quadrant"] == "concentrate_here").all()
    assert point.loc["noisy", "performance"] < line < point.loc["noisy", "performance"] + 1.96 * point.loc["noisy", "performance_se"]
    # ... but only the clear one is in the red: noisy's performance interval reaches over the line
    assert point.loc["clear", "in_red"] and not point.loc["noisy", "in_red"]
    # an importance interval that reaches below the importance line (0.25) also keeps it out
    wide = table.assign(share_ci_low=[0.20, 0.30, 0.1, 0.1], share_ci_high=[0.5, 0.4, 0.2, 0.2])
    res = importance_performance(data, importance=wide, items=list(data), scales=scales).table.set_index("item")
    assert res.loc["clear", "quadrant"] == "concentrate_here" and not res.loc["clear", "in_red"]
    sure = table.assign(share_ci_low=[0.30, 0.30, 0.1, 0.1], share_ci_high=[0.4, 0.4, 0.2, 0.2])
    assert importance_performance(data, importance=sure, items=list(data), scales=scales).table.set_index("item").loc["clear", "in_red"]
    # below the midpoint stays in the red whatever the intervals: a low-importance item at 1-2
    low = data.assign(good2=rng.choice([1, 2], size=n).astype(float))
    res = importance_performance(low, importance=wide, items=list(data), scales=scales).table.set_index("item")
    assert res.loc["good2", "performance"] < 50 and res.loc["good2", "in_red"]
    with pytest.raises(ParameterError, match="z must be"):
        importance_performance(data, importance=table, items=list(data), scales=scales, z=-1)


def test_results_are_frozen_and_their_tables_carry_no_attrs(ipa_data):
    shares = {"a": 0.4, "b": 0.3, "c": 0.1, "d": 0.2}
    ipa = importance_performance(ipa_data, importance=drivers_table(shares), items=list(shares),
                                 scales={k: (1, 5) for k in shares})
    df = simulate_pr(n=300, seed=4)
    pr = penalty_reward(df, outcome="overall", items=list(TRUTH), scales={k: (1, 5) for k in TRUTH})
    assert isinstance(ipa, ImportancePerformance) and isinstance(pr, PenaltyReward)
    assert ipa.table.attrs == {} and pr.table.attrs == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        ipa.crosshair_share = 0.5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        pr.n = 1  # type: ignore[misc]
    both = pd.concat([ipa.table.assign(group="x"), ipa.table.assign(group="y")], ignore_index=True)
    assert len(both) == 8 and both.attrs == {}


def test_results_show_their_table_in_a_notebook(ipa_data):
    shares = {"a": 0.4, "b": 0.3, "c": 0.1, "d": 0.2}
    ipa = importance_performance(ipa_data, importance=drivers_table(shares), items=list(shares),
                                 scales={k: (1, 5) for k in shares})
    assert ipa.table._repr_html_() in ipa._repr_html_() and repr(ipa.table) in repr(ipa)
    assert "share 0.2500 and performance 61.25; 1 in the red" in repr(ipa)
    pr = penalty_reward(simulate_pr(n=300, seed=4), outcome="overall", items=list(TRUTH),
                        scales={k: (1, 5) for k in TRUTH})
    assert pr.table._repr_html_() in pr._repr_html_() and repr(pr.table) in repr(pr)
    assert repr(pr).startswith(f"Penalty-reward of 4 items: n = {pr.n}, R² = {pr.r2:.4f}")
