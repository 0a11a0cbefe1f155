"""One check of min_group_size (clientvalue.disclosure), used by the data check and the senior statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clientvalue import disclosure
from clientvalue.data import checks
from clientvalue.data.survey import load_survey
from clientvalue.errors import ParameterError
from clientvalue.paths import PROJECT_ROOT
from clientvalue.stats import senior_shares


@pytest.mark.parametrize("value", [0, -3, 2.5, "10", True, None])
def test_a_size_that_is_no_whole_number_from_one_is_refused(value):
    with pytest.raises(ParameterError, match=r"min_group_size=.* is not allowed; give a whole number >= 1"):
        disclosure.check_min_group_size(value)


@pytest.mark.parametrize("value", [1, 10, np.int64(7)])
def test_a_whole_number_is_returned_as_int(value):
    out = disclosure.check_min_group_size(value)
    assert out == int(value) and type(out) is int


def test_the_data_check_and_the_senior_shares_refuse_with_the_same_sentence():
    survey = load_survey(PROJECT_ROOT / "data" / "demo" / "municipality" / "codebook.yaml")
    with pytest.raises(ParameterError) as in_data:
        checks.responses_per_group(survey, min_group_size=0)
    frame = pd.DataFrame({"age": [70, 71], "senior": [1, 0]})
    with pytest.raises(ParameterError) as in_stats:
        senior_shares.share_by_age_band(frame, age="age", senior="senior", min_group_size=0)
    assert str(in_data.value) == str(in_stats.value) == "min_group_size=0 is not allowed; give a whole number >= 1."
