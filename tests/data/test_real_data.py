"""Real public surveys (../shared/data/real, from the plspm package): they load through a codebook
and the data check describes them. Skipped when the folder is absent."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clientvalue.report import drivers_text  # noqa: E402
from clientvalue.data import checks
from clientvalue.data.survey import load_survey


def ecsi_codebook(real_data) -> dict:
    practical = [f"PERQ{i}" for i in range(1, 8)] + ["PERV1", "PERV2"]
    emotional = [f"IMAG{i}" for i in range(1, 6)]
    return {
        "title": "ECSI mobile phone provider (Tenenhaus et al., 2005)",
        "data": str(real_data / "ecsi_mobi.csv"),
        "id": "column_1",  # the first column has a blank header and holds the row number
        "outcome": {"column": "CUSA1", "scale": [1, 10]},
        "items": [{"column": c, "dimension": "practical", "scale": [1, 10]} for c in practical]
        + [{"column": c, "dimension": "emotional", "scale": [1, 10]} for c in emotional],
    }


def test_ecsi_loads_and_is_checked(real_data, write_codebook):
    raw = pd.read_csv(real_data / "ecsi_mobi.csv")
    codebook = ecsi_codebook(real_data)
    survey = load_survey(write_codebook(codebook))
    assert len(survey.data) == 250
    assert survey.read_details["delimiter"] == ","
    # a second, plain read gives the same numbers
    for column in ["CUSA1", "PERQ1", "IMAG5", "PERV2"]:
        np.testing.assert_array_equal(survey.data[column].to_numpy(), raw[column].astype(float).to_numpy())
    assert survey.problems.empty  # all answers are within 1-10
    missing = checks.missingness(survey)
    assert (missing["n_missing"] == 0).all() and len(missing) == 15
    distributions = checks.item_distributions(survey)
    counts = distributions[distributions["column"] == "CUSA1"].set_index("value")["count"]
    assert counts.sum() == 250
    assert counts.to_dict() == raw["CUSA1"].value_counts().reindex(range(1, 11), fill_value=0).to_dict()


def test_bank_survey_split_by_gender(real_data, write_codebook):
    raw = pd.read_csv(real_data / "bank_satisfaction.csv")
    codebook = {
        "data": str(real_data / "bank_satisfaction.csv"),
        "id": "column_1",
        "group": "gender",
        "outcome": {"column": "sat1", "scale": [1, 10]},
        "items": [{"column": f"qual{i}", "dimension": "practical", "scale": [1, 10]} for i in range(1, 6)]
        + [{"column": f"imag{i}", "dimension": "emotional", "scale": [1, 10]} for i in range(1, 6)],
    }
    survey = load_survey(write_codebook(codebook))
    table = checks.responses_per_group(survey, min_group_size=10).set_index("group")
    expected = raw["gender"].value_counts()
    for gender, n in expected.items():
        assert table.loc[gender, "n"] == n
    assert table.loc["all", "n"] == 250


def test_ecsi_key_findings_caution_about_the_split(real_data, write_codebook):
    """On ECSI the factor check places many questions in the other dimension: the findings say so."""
    from clientvalue.analyses import drivers

    survey = load_survey(write_codebook(ecsi_codebook(real_data)))
    results = drivers.analyse(survey, n_boot=50, seed=1, n_perm=9)
    flagged, total = int(results.factors["flag"].sum()), len(results.factors)
    assert total == 14 and flagged >= 4  # at least a quarter: the caution applies
    assert (f"Caution: the data suggest that {flagged} of {total} questions belong to the other kind of value"
            in drivers_text.key_findings(results))
