"""The strategy rule: every branch, the explanation texts and segment differences."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from clientvalue.stats.importance import importance
from clientvalue.errors import AnalysisError, ParameterError
from clientvalue.report.strategy_text import explain
from clientvalue.analyses.strategy import (
    DEFAULT_RULES,
    StrategyAdvice,
    StrategyRules,
    segment_difference,
    segment_difference_test,
    suggest_strategy,
)


def advise(p, p_ci, e, e_ci, **kw):
    return suggest_strategy(practical_share=p, practical_ci=p_ci, emotional_share=e,
                            emotional_ci=e_ci, **kw)


def rule_ids(advice: StrategyAdvice) -> list[str]:
    return [r for r, _ in advice.reasons]


def test_practical_dominant_gives_performance():
    a = advise(0.7, (0.58, 0.8), 0.3, (0.2, 0.42))
    assert a.strategy == "performance"
    assert rule_ids(a) == ["practical_dominant", "segments_not_assessed", "red_items"]
    assert a.reasons[0][1]["share"] == 0.7 and a.reasons[0][1]["low"] == 0.58


def test_emotional_dominant_gives_experience():
    a = advise(0.35, (0.25, 0.45), 0.65, (0.55, 0.75))
    assert a.strategy == "experience"
    assert rule_ids(a)[0] == "emotional_dominant"


@pytest.mark.parametrize("p,p_ci,e,e_ci", [
    (0.55, (0.45, 0.65), 0.45, (0.35, 0.55)),   # below the share threshold
    (0.62, (0.48, 0.75), 0.38, (0.25, 0.52)),   # share high enough, interval reaches below 0.5
    (0.6, (0.5, 0.7), 0.4, (0.3, 0.5)),         # interval exactly at 0.5 is not "above"
    (0.7, None, 0.3, None),                     # no interval: no claim of dominance
    (0.7, (np.nan, np.nan), 0.3, (np.nan, np.nan)),
])
def test_no_clear_dominance_gives_the_mix(p, p_ci, e, e_ci):
    a = advise(p, p_ci, e, e_ci)
    assert a.strategy == "performance+experience"
    assert rule_ids(a)[0] == "mixed"


def test_both_dominant_when_shares_do_not_sum_to_one_gives_the_mix():
    a = advise(0.7, (0.6, 0.8), 0.7, (0.6, 0.8))
    assert a.strategy == "performance+experience"


@pytest.mark.parametrize("diff,expected", [
    (0.25, "performance+customisation"), (0.4, "performance+customisation"),
    (0.2499, "performance"),
])
def test_segment_difference_adds_customisation(diff, expected):
    a = advise(0.7, (0.58, 0.8), 0.3, (0.2, 0.42), segment_difference=diff)
    assert a.strategy == expected
    assert ("segments_differ_untested" if "customisation" in expected
            else "segments_similar") in rule_ids(a)
    assert ("not tested against chance" in explain(a)) == ("customisation" in expected)


@pytest.mark.parametrize("p_value,expected,rule", [
    (0.01, "performance+customisation", "segments_differ"),
    (0.049, "performance+customisation", "segments_differ"),
    (0.05, "performance", "segments_not_significant"),
    (0.4, "performance", "segments_not_significant"),
])
def test_segment_p_value_guards_against_chance(p_value, expected, rule):
    a = advise(0.7, (0.58, 0.8), 0.3, (0.2, 0.42), segment_difference=0.4,
               segment_p_value=p_value)
    assert a.strategy == expected
    assert rule in rule_ids(a)
    assert f"{p_value:.3f}" in explain(a, "en")
    assert f"{p_value:.3f}".replace(".", ",") in explain(a, "nl")


def test_customisation_added_to_mixed_and_experience():
    assert advise(0.5, (0.4, 0.6), 0.5, (0.4, 0.6), segment_difference=0.5).strategy == \
        "performance+experience+customisation"
    assert advise(0.3, (0.2, 0.4), 0.7, (0.6, 0.8), segment_difference=0.3).components == \
        ("experience", "customisation")


def test_rules_are_parameters():
    strict = StrategyRules(share_threshold=0.75, ci_threshold=0.6, segment_difference_threshold=0.5)
    assert advise(0.7, (0.58, 0.8), 0.3, (0.2, 0.42), rules=strict).strategy == \
        "performance+experience"
    assert advise(0.8, (0.65, 0.9), 0.2, (0.1, 0.35), segment_difference=0.4,
                  rules=strict).strategy == "performance"
    with pytest.raises(ParameterError, match="share_threshold"):
        StrategyRules(share_threshold=60)
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_RULES.share_threshold = 0.1  # type: ignore[misc]


def test_red_items_always_reported_and_explained():
    a = advise(0.7, (0.58, 0.8), 0.3, (0.2, 0.42), red_items=["q_fast", "q_cost"],
               segment_difference=0.31)
    assert a.red_items == ("q_fast", "q_cost")
    assert dict(a.reasons)["red_items"]["count"] == 2
    en = explain(a, "en", labels={"q_fast": "I was helped quickly"})
    nl = explain(a, "nl", labels={"q_fast": "Ik werd snel geholpen"})
    assert "In the red, so to fix first whatever the strategy" in en and "I was helped quickly" in en and "q_cost" in en
    assert "In het rood, dus eerst verbeteren" in nl and "Ik werd snel geholpen" in nl
    # the numbers are cited: 70%, 58%-80%, the segment difference
    for text in (en, nl):
        assert "70%" in text and "58%" in text and "80%" in text
    assert "0.31" in en and "0,31" in nl
    assert "performance and customisation" in en and "prestatie en maatwerk" in nl
    assert en != nl


def test_explain_mix_and_missing_intervals():
    a = advise(0.55, None, 0.45, (0.3, 0.6))
    en, nl = explain(a, "en"), explain(a, "nl")
    assert "55%" in en and "45%" in en and "30%" in en and "no uncertainty range" in en
    assert "prestatie en beleving" in nl and "geen onzekerheidsmarge" in nl
    assert "not assessed" in en and "niet onderzocht" in nl
    assert "Nothing is in the red" in en
    with pytest.raises(ParameterError, match="language"):
        explain(a, "de")


def test_suggest_strategy_refuses_bad_input():
    with pytest.raises(ParameterError, match="practical_share"):
        advise(1.2, None, 0.3, None)
    with pytest.raises(ParameterError, match="low <= high"):
        advise(0.6, (0.7, 0.5), 0.3, None)
    with pytest.raises(ParameterError, match="segment_difference"):
        advise(0.6, None, 0.4, None, segment_difference=1.5)


# --------------------------------------------------------------------------- segment difference
def shares(d: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"driver": list(d), "share": list(d.values())})


def test_segment_difference_total_variation_by_hand():
    a = shares({"x": 0.5, "y": 0.3, "z": 0.2})
    b = shares({"z": 0.4, "y": 0.3, "x": 0.3})  # order does not matter
    # |0.5-0.3| + |0.3-0.3| + |0.2-0.4| = 0.4 -> TVD 0.2
    assert segment_difference([a, b]) == pytest.approx(0.2)
    assert segment_difference([a, a]) == pytest.approx(0.0)
    disjoint = segment_difference([shares({"x": 1.0, "y": 0.0}), shares({"x": 0.0, "y": 1.0})])
    assert disjoint == pytest.approx(1.0)


def test_segment_difference_renormalises_and_takes_largest_pair():
    # shares given as importances that do not sum to one are rescaled first
    a = shares({"x": 0.2, "y": 0.2})            # -> 0.5, 0.5
    b = shares({"x": 0.3, "y": 0.1})            # -> 0.75, 0.25  (TVD with a: 0.25)
    c = shares({"x": 0.1, "y": 0.3})            # -> 0.25, 0.75  (TVD with b: 0.5)
    assert segment_difference([a, b]) == pytest.approx(0.25)
    assert segment_difference([a, b, c]) == pytest.approx(0.5)


def test_segment_difference_refuses_bad_input():
    with pytest.raises(ParameterError, match="at least two"):
        segment_difference([shares({"x": 1.0})])
    with pytest.raises(ParameterError, match="expected"):
        segment_difference([shares({"x": 0.5, "y": 0.5}), shares({"x": 0.5, "z": 0.5})])


def simulate_segments(beta_a, beta_b, n=250, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for name, beta in (("A", beta_a), ("B", beta_b)):
        x = rng.normal(size=(n, 3))
        y = x @ np.asarray(beta) + rng.normal(size=n)
        frames.append(pd.DataFrame(x, columns=["d1", "d2", "d3"]).assign(y=y, seg=name))
    return pd.concat(frames, ignore_index=True)


def test_segment_difference_test_detects_planted_difference():
    df = simulate_segments([0.9, 0.1, 0.1], [0.1, 0.1, 0.9])
    res = segment_difference_test(df, outcome="y", drivers=["d1", "d2", "d3"], segment="seg",
                                  n_perm=39, seed=1)
    assert res["difference"] > 0.6
    assert res["p_value"] == pytest.approx(1 / 40)
    assert res["null_mean"] < 0.2 < res["difference"]
    assert res["n"] == 500 and res["n_segments"] == 2


def test_segment_difference_test_same_model_is_not_significant_and_suppresses_small():
    df = simulate_segments([0.5, 0.4, 0.3], [0.5, 0.4, 0.3], seed=3)
    df.loc[:4, "seg"] = "tiny"  # five respondents: left out, listed
    res = segment_difference_test(df, outcome="y", drivers=["d1", "d2", "d3"], segment="seg",
                                  n_perm=39, seed=2)
    assert res["suppressed"] == ["tiny"]
    assert res["n"] == 495
    assert res["p_value"] > 0.05
    # the observed value is within the noise band: the reason a p-value is needed
    assert res["difference"] < res["null_q95"]
    with pytest.raises(AnalysisError, match="two segments"):
        segment_difference_test(df[df["seg"] != "B"], outcome="y", drivers=["d1", "d2"],
                                segment="seg", n_perm=5)


def test_segment_difference_test_counts_complete_rows_and_leaves_the_data_alone():
    """Rows with a missing answer, weight or segment are left out before segments are counted; the
    caller's frame keeps its columns and values."""
    df = simulate_segments([0.5, 0.4, 0.3], [0.5, 0.4, 0.3], seed=4)
    df["w"] = 1.0
    df.loc[:9, "seg"] = "tiny"  # ten respondents, but three of them incomplete: 7, left out
    df.loc[[0, 1], "d2"] = np.nan
    df.loc[2, "w"] = np.nan
    df.loc[[20, 21], "seg"] = None
    before = df.copy()
    res = segment_difference_test(df, outcome="y", drivers=["d1", "d2", "d3"], segment="seg", weights="w",
                                  n_perm=9, seed=2, min_group_size=8)
    pd.testing.assert_frame_equal(df, before)
    assert res["suppressed"] == ["tiny"]
    complete = df.dropna(subset=["y", "d1", "d2", "d3", "w", "seg"])
    assert res["n"] == int((complete["seg"] != "tiny").sum()) == len(df) - 12


# --------------------------------------------------------------------------- fast permutation path
def reference_segment_test(data, *, outcome, drivers, segment, weights=None, method="lmg",
                           n_perm=199, seed=None, min_group_size=10):
    """The slow reference: public ``importance()`` per segment per permutation.

    Returns the observed difference, the null distribution and the p-value.
    """
    frame = data[[outcome, *drivers]].copy()
    if weights is not None:
        frame["__w"] = data[weights] if isinstance(weights, str) else np.asarray(weights, float)
    frame["__seg"] = data[segment].astype(object)
    frame = frame.dropna()
    sizes = frame["__seg"].value_counts()
    frame = frame[frame["__seg"].isin(sizes.index[sizes >= min_group_size])].reset_index(
        drop=True)
    labels = frame["__seg"].to_numpy()
    w = "__w" if weights is not None else None

    def stat(lab):
        return segment_difference([
            importance(frame[lab == g], outcome=outcome, drivers=drivers, weights=w,
                       method=method).table for g in np.unique(lab)])

    observed = stat(labels)
    rng = np.random.default_rng(seed)
    null = np.array([stat(rng.permutation(labels)) for _ in range(n_perm)])
    return observed, null, (1 + (null >= observed).sum()) / (n_perm + 1)


def random_segments(seed, sizes=(30, 24, 18, 6), p=4):
    """Segments with different driver weights, integer answers, weights and missing values."""
    rng = np.random.default_rng(seed)
    frames = []
    for k, n in enumerate(sizes):
        x = rng.integers(1, 11, size=(n, p)).astype(float)
        beta = rng.uniform(0.1, 1.0, p) * (1 + 2 * (np.arange(p) == k % p))
        y = x @ beta + rng.normal(scale=3, size=n)
        frames.append(pd.DataFrame(x, columns=[f"d{j}" for j in range(p)]).assign(
            y=y, seg=f"s{k}", w=rng.uniform(0.4, 2.5, n)))
    df = pd.concat(frames, ignore_index=True).sample(frac=1, random_state=seed)
    df.loc[df.index[:5], "d1"] = np.nan
    df.loc[df.index[5:7], "w"] = np.nan
    return df.reset_index(drop=True)


def check_against_reference(df, n_perm=25, **kw):
    res = segment_difference_test(df, n_perm=n_perm, **kw)
    observed, null, p_value = reference_segment_test(df, n_perm=n_perm, **kw)
    assert res["difference"] == pytest.approx(observed, abs=1e-12, rel=0)
    assert res["null_mean"] == pytest.approx(null.mean(), abs=1e-12, rel=0)
    assert res["null_q95"] == pytest.approx(np.quantile(null, 0.95), abs=1e-12, rel=0)
    assert res["p_value"] == p_value
    return res, observed, null


def test_permutation_test_in_chunks_and_row_blocks_equals_reference(monkeypatch):
    from clientvalue.analyses import strategy
    from clientvalue.stats import lmg

    monkeypatch.setattr(strategy, "_CHUNK_ELEMENTS", 7 * 78)  # 7 shuffles per chunk (78 rows)
    monkeypatch.setattr(lmg, "BUDGET", 200)  # row blocks of a few rows
    check_against_reference(random_segments(11), outcome="y", drivers=["d0", "d1", "d2", "d3"],
                            segment="seg", weights="w", seed=3)


@pytest.mark.parametrize("method,weights", [
    ("lmg", "w"), ("lmg", None), ("lmg", "array"), ("relative_weights", "w")])
def test_fast_permutation_test_equals_slow_reference(method, weights):
    df = random_segments(11)
    if weights == "array":
        weights = np.random.default_rng(5).uniform(0.5, 2.0, len(df))
    res, observed, null = check_against_reference(
        df, outcome="y", drivers=["d0", "d1", "d2", "d3"], segment="seg", weights=weights,
        method=method, seed=3)
    assert res["suppressed"] == ["s3"] and res["n_segments"] == 3
    complete = df.dropna(subset=["d1", "w"] if isinstance(weights, str) else ["d1"])
    assert res["n"] == int(complete["seg"].isin(["s0", "s1", "s2"]).sum())
    assert null.std() > 0.01  # the null distribution really varies: a meaningful comparison


def test_fast_null_distribution_equals_importance_per_labeling():
    from clientvalue.analyses.strategy import _PermutationStat

    df = random_segments(4, sizes=(25, 20, 15), p=5).dropna().reset_index(drop=True)
    drivers = [f"d{j}" for j in range(5)]
    groups, codes = np.unique(df["seg"].to_numpy(), return_inverse=True)
    x = df[[*drivers, "y"]].to_numpy(float)
    rng = np.random.default_rng(0)
    labelings = np.stack([codes] + [rng.permutation(codes) for _ in range(12)])
    for method in ("lmg", "relative_weights"):
        fast = _PermutationStat(x, df["w"].to_numpy(), codes, len(groups), method)(labelings)
        slow = [segment_difference([importance(df[lab == g], outcome="y", drivers=drivers,
                                               weights="w", method=method).table for g in range(3)])
                for lab in labelings]
        np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)


def test_fast_permutation_test_chunks_and_exact_ties(monkeypatch):
    import clientvalue.analyses.strategy as strategy

    # Two segments of four: only 35 ways to split, so shuffles repeat the observed split and
    # must tie with it exactly, as in the reference; tiny chunks exercise the chunking.
    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.normal(size=(8, 3)), columns=["d0", "d1", "y"]).assign(
        seg=["a", "b"] * 4)
    monkeypatch.setattr(strategy, "_CHUNK_ELEMENTS", 50)
    _, observed, null = check_against_reference(
        df, n_perm=60, outcome="y", drivers=["d0", "d1"], segment="seg", seed=8,
        min_group_size=4)
    assert (null == observed).sum() >= 1


def test_fast_permutation_test_infinite_values_follow_importance():
    df = random_segments(6, sizes=(25, 25))
    df.loc[10, "d2"] = np.inf  # importance() drops the row per segment; so must the test
    assert df.loc[10].notna().all()
    check_against_reference(df, outcome="y", drivers=["d0", "d1", "d2", "d3"], segment="seg",
                            weights="w", seed=1, n_perm=10)


def test_constant_column_in_a_shuffled_segment_is_an_analysis_error():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(20, 2)), columns=["d0", "y"]).assign(
        d1=0.0, seg=["a"] * 10 + ["b"] * 10)
    df.loc[[0, 10], "d1"] = 1.0  # each observed segment varies; most shuffles leave one flat
    kw = dict(outcome="y", drivers=["d0", "d1"], segment="seg", n_perm=20, seed=0)
    with pytest.raises(AnalysisError):
        reference_segment_test(df, **kw)
    with pytest.raises(AnalysisError, match="no variation"):
        segment_difference_test(df, **kw)


def test_explanation_names_the_surveys_own_items_and_the_groups():
    # a survey about something else than speed and errors: its own items are named, no fixed examples
    a = suggest_strategy(practical_share=0.8, practical_ci=(0.7, 0.9), emotional_share=0.2,
                         emotional_ci=(0.1, 0.3), segment_difference=0.4, segment_p_value=0.01,
                         examples={"practical": ["q_rent", "q_repair"], "emotional": ["q_respect"]},
                         segment_by="channel", segment_groups=["desk", "online", "phone"],
                         segment_pair=["desk", "online"])
    labels = {"q_rent": "The rent is fair", "q_repair": "Repairs are done on time", "channel": "Channel"}
    en, nl = explain(a, "en", labels=labels), explain(a, "nl", labels=labels)
    assert "fast, error-free" not in en and "snel, foutloos" not in nl
    assert "“The rent is fair”; “Repairs are done on time”" in en and "“The rent is fair”" in nl
    assert "of the differences in the overall rating that the questions explain" in en.lower()
    assert "Client groups by channel (desk, online, phone; most different: desk and online)" in en
    assert "Groepen klanten naar channel (desk, online, phone; het meest verschillend: desk en online)" in nl
    # two groups only: both are named, no "most different" pair; without segment_by the generic wording
    b = suggest_strategy(practical_share=0.5, practical_ci=(0.4, 0.6), emotional_share=0.5,
                         emotional_ci=(0.4, 0.6), segment_difference=0.1, segment_p_value=0.5,
                         segment_by="channel", segment_groups=["desk", "online"], segment_pair=["desk", "online"])
    assert "Client groups by channel (desk, online) weigh the questions much alike" in explain(b, "en")
    c = advise(0.5, (0.4, 0.6), 0.5, (0.4, 0.6), segment_difference=0.1)
    assert "Client groups weigh the questions much alike" in explain(c, "en")
    assert "(in this survey mainly" not in explain(c, "en")
