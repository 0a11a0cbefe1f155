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
