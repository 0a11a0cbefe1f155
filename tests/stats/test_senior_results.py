"""The senior statistics return small frozen results: a tidy table without attrs, typed extras, shown in a notebook."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pandas as pd
import pytest

from clientvalue.stats import senior_shares as S
from clientvalue.stats.senior_result import AgeBandShares, HalfWayAge, ThresholdComparison, ValueBySelfImage


def survey(n: int = 800, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.uniform(18, 95, n)
    senior = (rng.random(n) < 1 / (1 + np.exp(-(age - 72) / 6))).astype(float)
    frame = pd.DataFrame({"age": age, "senior": senior, "score": rng.normal(6, 1, n),
                          "w": rng.uniform(0.5, 2.0, n)})
    frame.loc[:2, "age"] = np.nan  # three without a usable age
    frame.loc[3:4, "senior"] = np.nan  # two without an answer
    frame.loc[frame.index[-6:], "score"] = np.nan
    return frame


@pytest.fixture(scope="module")
def results():
    data = survey()
    common = {"age": "age", "senior": "senior", "weights": "w"}
    return {"bands": S.share_by_age_band(data, **common), "thresholds": S.threshold_comparison(data, **common),
            "value": S.value_by_self_image(data, **common, scores={"overall": "score"}, threshold=65),
            "half": S.half_way_age(data, **common, n_boot=20, seed=1)}


def test_each_function_returns_its_result_with_typed_extras(results):
    bands, thresholds, value, half = (results[k] for k in ("bands", "thresholds", "value", "half"))
    assert isinstance(bands, AgeBandShares) and isinstance(thresholds, ThresholdComparison)
    assert isinstance(value, ValueBySelfImage) and isinstance(half, HalfWayAge)
    for result in (bands, thresholds, value):
        assert (result.n_used, result.n_dropped_age, result.n_dropped_answer) == (795, 3, 2)
        assert result.weighted is True and result.min_group_size == 10 and result.ci == 0.95
    assert bands.n_outside_bands == int((survey()["age"] < 18).sum()) and bands.suppressed == ()
    assert value.threshold == 65.0 and set(value.n_dropped_score) == {"overall"}
    assert 0 < value.n_dropped_score["overall"] <= 6
    assert half.n_boot == 20 and 0 <= half.n_boot_failed <= half.n_boot_firth <= 20  # a failed refit is Firth's
    assert half.table["status"] == "ok" and isinstance(half.message, str)
    assert S.half_way_age(survey(), age="age", senior="senior", n_boot=0).n_boot == 0


def test_results_are_frozen_and_their_tables_carry_no_attrs(results):
    for result in results.values():
        assert result.table.attrs == {}
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.table = None  # type: ignore[misc]
    curve = S.fit_curve(survey(), age="age", senior="senior", adjust_for=[])
    with pytest.raises(dataclasses.FrozenInstanceError):
        curve.status = "all_no"  # type: ignore[misc]
    assert (curve.n, curve.n_dropped_age, curve.n_dropped_answer, curve.n_dropped_covariate) == (795, 3, 2, 0)
    assert S.REFERENCE_FIGURES.attrs == {} and "feeling old" in S.REFERENCE_NOTE


def test_tables_concatenate_and_results_pickle(results):
    data = survey()
    other = S.share_by_age_band(data, age="age", senior="senior", min_group_size=5)
    both = pd.concat([results["bands"].table.assign(run="a"), other.table.assign(run="b")], ignore_index=True)
    assert len(both) == 10 and both.attrs == {}
    loaded = pickle.loads(pickle.dumps(results["value"]))
    pd.testing.assert_frame_equal(loaded.table, results["value"].table)
    assert loaded.n_dropped_score == results["value"].n_dropped_score


def test_results_show_their_table_in_a_notebook(results):
    for result in results.values():
        table = result.table.to_frame() if isinstance(result.table, pd.Series) else result.table
        assert table._repr_html_() in result._repr_html_()
        assert repr(result.table) in repr(result) and repr(result).index(repr(result.table)) > 0
    assert "n = 795 used (3 without a usable age, 2 without an answer), weighted" in repr(results["bands"])
    assert "20 bootstrap replicates" in repr(results["half"])
    assert "without a score: overall" in results["value"]._repr_html_()
