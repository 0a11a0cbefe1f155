"""The national benchmark from per-organisation sums: against statsmodels' MixedLM on the pooled rows."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from clientvalue.analyses.benchmark import (MIN_ORGANISATIONS, case_mix_frame, national_benchmark,
                                            organisation_statistics, position_of)
from clientvalue.data.survey import load_survey
from clientvalue.paths import DEMO_DIR

BANDS = [18, 35, 50, 65, 80]


@pytest.fixture(scope="module")
def organisations():
    survey = load_survey(DEMO_DIR / "municipality" / "codebook.yaml")
    parts, frames = [], []
    for k in range(6):  # six organisations with planted differences of 0.3 on the rating
        sub = dataclasses.replace(survey, data=survey.data.iloc[k * 280:(k + 1) * 280].copy())
        sub.data[survey.outcome] = (sub.data[survey.outcome] + (k - 3) * 0.3).clip(1, 10)
        parts.append(organisation_statistics(sub, f"org{k}", age_bands=BANDS))
        frames.append(case_mix_frame(sub, age_bands=BANDS).assign(org=f"org{k}", y=sub.data[survey.outcome],
                                                                    service=sub.data[survey.group]))
    return parts, pd.concat(frames)


@pytest.mark.filterwarnings("ignore")
def test_expected_rating_matches_mixedlm_on_the_pooled_rows(organisations):
    parts, rows = organisations
    bench = national_benchmark(parts, min_group_size=10)
    pooled = rows.dropna(subset=["y", "age", "gender", "origin"])
    model = smf.mixedlm("y ~ C(age) + C(gender) + C(origin)", pooled, groups=pooled["org"]).fit(reml=True)
    design = pd.get_dummies(pooled[["age", "gender", "origin"]], drop_first=True).astype(float)
    design.insert(0, "Intercept", 1.0)
    expected = design.groupby(pooled["org"]).mean().to_numpy() @ model.fe_params.to_numpy()
    assert np.allclose(bench.positions["expected"], expected, atol=2e-3)
    raw = pooled.groupby("org")["y"].mean()
    assert np.allclose(bench.positions["raw_mean"], raw.to_numpy(), atol=1e-9)
    assert list(bench.positions["position"].iloc[[0, -1]]) == ["below", "above"]  # the planted extremes
    assert (bench.positions["expected_low"] < bench.positions["expected"]).all()
    overall = rows["y"].dropna()
    assert bench.overall["level"] == pytest.approx(overall.mean())
    assert bench.overall["ci_high"] - bench.overall["level"] == pytest.approx(1.959964 * overall.std() / np.sqrt(len(overall)), rel=1e-4)


def test_levels_need_enough_organisations_and_respondents(organisations):
    parts, rows = organisations
    bench = national_benchmark(parts, min_group_size=10)
    cell = bench.levels.query("question == 'overall'").set_index("service")
    direct = rows.dropna(subset=["y"]).groupby("service")["y"].mean()
    assert np.allclose(cell["mean"], direct.loc[cell.index])
    assert (bench.levels["organisations"] >= MIN_ORGANISATIONS).all()
    two = national_benchmark(parts[:2], min_group_size=10)  # one organisation could subtract its own
    assert two.levels.empty
    assert national_benchmark(parts, min_group_size=300).positions.empty  # every organisation below the minimum
    assert position_of(national_benchmark(parts, min_group_size=300), "org0") is None
    shown = position_of(bench, "org5")
    assert shown["rating"] == round(float(bench.positions["raw_mean"].iloc[-1]), 1) and shown["position"] == "above"
    assert national_benchmark([], min_group_size=10).positions.empty
