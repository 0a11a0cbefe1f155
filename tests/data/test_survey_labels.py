"""Labels a notebook passes to the report: from the codebook, in the report's language."""

import yaml

from clientvalue.data.survey import load_survey
from clientvalue.paths import DEMO_DIR


def test_case_mix_labels_are_the_codebook_labels_of_the_units_case_mix():
    path = DEMO_DIR / "municipality" / "codebook.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    expected_columns = [raw["attributes"][key]["column"] for key in raw["units"]["case_mix"]]
    survey = load_survey(path)
    for language in ("en", "nl"):
        expected = {column: next(a["label"][language] for a in raw["attributes"].values() if a["column"] == column)
                    for column in expected_columns}
        assert survey.case_mix_labels(language) == expected
    assert survey.case_mix_labels("nl") == {"age": "Leeftijd"}


def test_case_mix_labels_are_empty_without_units():
    assert load_survey(DEMO_DIR / "senior" / "codebook.yaml").case_mix_labels("en") == {}
