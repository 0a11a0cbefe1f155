"""The summary page (front door of a report) says what the published tables say, in plain words."""

from __future__ import annotations

import pandas as pd
import pytest

from clientvalue.report.summary import summary_body

PROFILE = pd.DataFrame({
    "group": ["all", "Burgerzaken", "Jeugd <img src=x onerror=alert(1)>"],
    "n": [300, 180, 120],
    "r2": [0.405, 0.55, 0.5],
    "practical_share": [0.71, 0.92, 0.12],
    "practical_ci_low": [0.63, 0.83, 0.06],
    "practical_ci_high": [0.79, 0.95, 0.25],
    "emotional_share": [0.29, 0.08, 0.88],
    "emotional_ci_low": [0.21, 0.05, 0.75],
    "emotional_ci_high": [0.37, 0.17, 0.94],
    "strategy": ["performance+customisation", "performance", "experience"],
})
RED = pd.DataFrame({"group": ["Burgerzaken"], "item": ["q_cost"], "label": ["The costs were reasonable"]})
MANIFEST = {
    "notebooks": [{"name": "00_data_check", "html": "00_data_check.html"},
                  {"name": "10_value_drivers", "html": "10_value_drivers.html"},
                  {"name": "20_senior", "html": "20_senior.html"}],
    "parameters": {"age_threshold": 65},
    "data_summary": {"respondents": 1680, "groups_reported": ["Burgerzaken", "Jeugd"], "groups_suppressed": 1},
}


@pytest.fixture
def tables(tmp_path):
    PROFILE.to_csv(tmp_path / "value_profile.csv", index=False)
    RED.to_csv(tmp_path / "red_items.csv", index=False)
    pd.DataFrame({"age_half": [72.76156795380068], "ci_low": [71.27], "ci_high": [74.46], "n": [1637],
                  "status": ["ok"]}).to_csv(tmp_path / "senior_summary.csv", index=False)
    pd.DataFrame({"threshold": [60, 65], "labelled_against_self_image": [0.55, 0.454179],
                  "ci_low": [0.5, 0.4], "ci_high": [0.6, 0.5], "missed": [0.018, 0.0338],
                  "suppressed": [False, False]}).to_csv(tmp_path / "senior_threshold.csv", index=False)
    return tmp_path


def test_english_summary_states_shares_of_the_explained_part_and_r2(tables):
    page = summary_body(tables, manifest=MANIFEST, language="en", title="Survey")
    assert "The questions together explain 41% of the differences in the overall rating" in page
    assert "practical value accounts for 71% and emotional value for 29%" in page
    assert "mainly practical value (92% of the explained part)" in page
    assert "mainly emotional value (88% of the explained part)" in page
    assert "Burgerzaken: fix first what is in the red: The costs were reasonable." in page
    assert "Choose performance and customisation" not in page  # the whole sample is no service
    assert "Choose performance as the strategy for: Burgerzaken." in page
    assert "From about age 73 (between 71 and 74)" in page
    assert "would call 45% of the people it covers a senior" in page
    assert "1,680 respondents in 2 reported groups." in page
    assert page.index("What to do") < page.index("At a glance")
    for name in ("00_data_check.html", "10_value_drivers.html", "20_senior.html"):
        assert f"href='{name}'" in page


def test_dutch_summary_uses_dutch_words_and_numbers(tables):
    page = summary_body(tables, manifest=MANIFEST, language="nl", title="Onderzoek")
    assert "Samen verklaren de vragen 41% van de verschillen in het rapportcijfer" in page
    assert "1.680 respondenten in 2 getoonde groepen." in page
    assert "Kies prestatie als strategie voor: Burgerzaken." in page
    assert "alle respondenten" in page and "all respondents" not in page
    assert "What to do" not in page and "Wat te doen" in page


def test_names_from_the_data_are_inert(tables):
    page = summary_body(tables, manifest=MANIFEST, language="en", title="<script>x</script>")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>" not in page


def test_without_value_drivers_there_is_no_verdict_table(tables):
    manifest = MANIFEST | {"notebooks": [{"name": "20_senior", "html": "20_senior.html"}]}
    page = summary_body(tables, manifest=manifest, language="en", title="Survey")
    assert "At a glance" not in page and "Who sees themselves as a senior?" in page


@pytest.fixture
def study_tables(tables):
    pd.DataFrame({"k": [3, 4], "selected": [False, True]}).to_csv(tables / "segments_fit.csv", index=False)
    pd.DataFrame({"segment": [1, 2, 3, 4], "stability": ["stable", "stable", "stable", "unstable"]}).to_csv(
        tables / "segments_stability.csv", index=False)
    pd.DataFrame({"source": ["neighbourhood", "channel"], "attribute": ["origin", "origin"],
                  "cramers_v": [0.6, 0.05], "flag": [True, False]}).to_csv(tables / "fairness_segments.csv", index=False)
    pd.DataFrame({"treatment": ["extra_check", "extra_check", "home_visit"], "attribute": ["origin"] * 3,
                  "category": ["ja", "nee", "ja"], "flag": [True, True, False],
                  "carried_by": ["neighbourhood", "neighbourhood", None]}).to_csv(
        tables / "fairness_treatments.csv", index=False)
    pd.DataFrame({"measure": ["krippendorff_alpha", "krippendorff_alpha"], "level": ["nominal", "ordinal"],
                  "value": [0.5, 0.735], "reading": ["unreliable", "tentative"]}).to_csv(
        tables / "agreement.csv", index=False)
    pd.DataFrame({"vignette": ["C1", "C2", "C3", "C4"], "agreement_class": ["split", "clear", "split", "minority"],
                  "split": [True, False, True, False]}).to_csv(tables / "vignette_agreement.csv", index=False)
    pd.DataFrame({"team": ["all", "Oost", "Zuid"], "flagged": [True, True, False]}).to_csv(
        tables / "variant_effect.csv", index=False)
    return tables


def test_segments_and_consistency_sections_state_their_flags(study_tables):
    manifest = MANIFEST | {"notebooks": [{"name": "30_segments", "html": "30_segments.html"},
                                         {"name": "40_consistency", "html": "40_consistency.html"}]}
    page = summary_body(study_tables, manifest=manifest, language="en", title="Survey")
    assert "show 4 client groups" in page and "3 of them come back" in page
    assert "Possible proxy: neighbourhood goes together closely with origin" in page
    assert "channel goes together" not in page
    assert page.count("Possible unequal treatment: extra_check differs by origin") == 1
    assert "The difference runs through neighbourhood." in page and "home_visit differs" not in page
    assert "tentative at best" in page and "alpha 0.74" in page
    assert ("Of 4 cases: 1 clear, 1 in which a minority decides differently, and 2 that split the employees"
            in page)
    assert "nominal level), alpha is 0.50: not reliable" in page
    assert "In Oost, decisions on identical cases differ" in page and "Zuid" not in page
    nl = summary_body(study_tables, manifest=manifest, language="nl", title="Onderzoek")
    assert "Mogelijk indirect onderscheid: neighbourhood hangt sterk samen met origin" in nl
    assert "Krippendorffs alfa 0,74" in nl
