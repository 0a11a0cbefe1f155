"""Straight-lining in the data check: the vectorised count equals the row-wise definition."""

from __future__ import annotations

from clientvalue.data import checks
from clientvalue.data.survey import load_survey
from clientvalue.paths import DEMO_DIR


def test_straight_lining_equals_rowwise_nunique():
    survey = load_survey(DEMO_DIR / "municipality" / "codebook.yaml")
    data = survey.reported_data(10)
    answers = data[survey.items()]
    answered = answers.notna().sum(axis=1)
    reference = (answers.nunique(axis=1, dropna=True) == 1) & (answered >= 4)
    assert reference.sum() >= 6  # the planted straight-liners at least
    table = checks.response_patterns(survey, min_group_size=10).set_index("group")
    assert table.at["all", "straight_lining"] == reference.sum()
    by_group = reference.groupby(data[survey.group].to_numpy()).sum()
    for group, count in by_group.items():
        if not table.at[group, "suppressed"]:
            assert table.at[group, "straight_lining"] == count

