"""Codebook, parameter and data validation: every refusal names the file, the key or column,
the offending values and what to do; handled problems are counted."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from clientvalue.data.codebook import load_codebook, parse_codebook
from clientvalue.errors import ClientValueError, CodebookError, DataError, ParameterError
from clientvalue.run.params import load_parameters, parse_parameters
from clientvalue.data.survey import load_survey

from conftest import SMALL_CODEBOOK, SMALL_COLUMNS, SMALL_ROWS


def write_small(tmp_path, rows=SMALL_ROWS, columns=SMALL_COLUMNS):
    pd.DataFrame(rows, columns=columns).to_csv(tmp_path / "survey.csv", index=False)


# --- codebook -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "change, expected",
    [
        ({"colour": "red"}, "colour: unknown key"),
        ({"id": None}, "id: required key is missing"),
        ({"id": ["a", "b"]}, "id: Input should be a valid string"),
        ({"outcome": {"column": "overall", "scale": [10, 1]}}, "outcome.scale: scale [min, max] needs min < max"),
        ({"outcome": {"column": "overall", "scale": [1, 5, 10]}}, "scale must be [min, max]"),
        ({"items": []}, "an `outcome` needs `items`"),
        ({"group": "overall"}, "column 'overall' is used twice: as group and as outcome"),
        ({"senior": {"column": "senior", "yes_codes": [1], "no_codes": [1]}}, "share ['1']"),
    ],
)
def test_codebook_errors_name_the_key(change, expected):
    raw = {k: v for k, v in {**SMALL_CODEBOOK, **change}.items() if v is not None}
    with pytest.raises(CodebookError) as info:
        parse_codebook(raw, source="codebook x.yaml")
    assert expected in str(info.value)
    assert "codebook x.yaml" in str(info.value)


def test_codebook_missing_required_and_files(tmp_path):
    with pytest.raises(CodebookError, match=r"data: required key is missing"):
        parse_codebook({"id": "id", "senior": {"column": "s", "yes_codes": [1], "no_codes": [2]}})
    with pytest.raises(CodebookError, match="no such file"):
        load_codebook(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: [unclosed\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="not valid YAML"):
        load_codebook(bad)
    with pytest.raises(CodebookError, match="nothing to analyse"):
        parse_codebook({"data": "x.csv", "id": "id"})


def test_senior_only_codebook_is_valid():
    codebook = parse_codebook(
        {"data": "x.csv", "id": "id", "attributes": {"age": {"column": "age"}},
         "senior": {"column": "s", "yes_codes": ["ja"], "no_codes": ["nee"]}}
    )
    assert codebook.outcome is None and codebook.items == []


# --- data -----------------------------------------------------------------------------------

def test_missing_column_suggests_the_right_one(tmp_path, write_codebook):
    write_small(tmp_path)
    raw = dict(SMALL_CODEBOOK, items=[*SMALL_CODEBOOK["items"], {"column": "fsat", "scale": [1, 5]}])
    with pytest.raises(DataError) as info:
        load_survey(write_codebook(raw))
    message = str(info.value)
    assert "'fsat' (codebook items[2]); did you mean 'fast'?" in message
    assert "survey.csv" in message


def test_text_in_an_item_is_fatal_with_values_and_rows(tmp_path, write_codebook):
    rows = [list(r) for r in SMALL_ROWS]
    rows[1][4] = "snel"
    rows[3][4] = "n.v.t."
    write_small(tmp_path, rows)
    with pytest.raises(DataError) as info:
        load_survey(write_codebook(SMALL_CODEBOOK))
    message = str(info.value)
    assert "column 'fast'" in message and "2 value(s) are not numbers" in message
    assert "snel, n.v.t." in message and "data rows 2, 4" in message
    assert "missing_codes" in message


def test_duplicate_and_missing_ids(tmp_path, write_codebook):
    rows = [list(r) for r in SMALL_ROWS]
    rows[4][0] = 1
    write_small(tmp_path, rows)
    with pytest.raises(DataError, match=r"1 id\(s\) occur more than once: 1 \(data rows 1, 5\)"):
        load_survey(write_codebook(SMALL_CODEBOOK))
    rows[4][0] = None
    write_small(tmp_path, rows)
    with pytest.raises(DataError, match=r"1 respondent\(s\) have no id \(data rows 5\)"):
        load_survey(write_codebook(SMALL_CODEBOOK))


def test_bad_weights_and_unknown_senior_codes(tmp_path, write_codebook):
    rows = [list(r) for r in SMALL_ROWS]
    rows[2][2] = -1
    write_small(tmp_path, rows)
    with pytest.raises(DataError, match=r"column 'w': 1 weight\(s\) are missing, zero or negative: -1"):
        load_survey(write_codebook(SMALL_CODEBOOK))
    rows = [list(r) for r in SMALL_ROWS]
    rows[0][8] = 3
    write_small(tmp_path, rows)
    with pytest.raises(DataError, match=r"column 'senior': 1 answer\(s\) are neither a yes code \[1\]"):
        load_survey(write_codebook(SMALL_CODEBOOK))


def test_text_codes_for_senior(tmp_path, write_codebook):
    rows = [list(r) for r in SMALL_ROWS]
    for row, answer in zip(rows, ["Ja", "nee", "weet niet", "ja ", "Nee"]):
        row[8] = answer
    write_small(tmp_path, rows)
    raw = dict(SMALL_CODEBOOK, senior={"column": "senior", "yes_codes": ["ja"], "no_codes": ["nee"], "missing_codes": ["weet niet"]})
    survey = load_survey(write_codebook(raw))
    np.testing.assert_array_equal(survey.data["senior"].to_numpy(), [1.0, 0.0, np.nan, 1.0, 0.0])


def test_groups_and_suppression(tmp_path, write_codebook):
    write_small(tmp_path)
    survey = load_survey(write_codebook(SMALL_CODEBOOK))
    assert list(survey.group_frames(min_group_size=2)) == ["all", "Burgerzaken", "Jeugd & gezin"]
    assert survey.suppressed_groups(min_group_size=2) == ["Wmo-loket"]
    assert survey.label("heard", "nl") == "Niet gehoord" and survey.label("fast", "nl") == "Snel"  # reversed wording
    assert survey.dimensions() == {"practical": ["fast"], "emotional": ["heard"]}


def test_every_error_is_a_clientvalue_error():
    for error in (CodebookError, DataError, ParameterError):
        assert issubclass(error, ClientValueError)


# --- run parameters -------------------------------------------------------------------------

def test_parameters_refuse_unknown_keys_and_wrong_types():
    with pytest.raises(ParameterError) as info:
        parse_parameters({"codebook": "x.yaml", "langauge": "nl", "min_group_size": 0, "notebooks": ["30_x"]})
    message = str(info.value)
    assert "langauge: unknown parameter; allowed: codebook, output, language" in message
    assert "min_group_size: Input should be greater than or equal to 1" in message
    assert "unknown notebook(s) ['30_x']; allowed: ['00_data_check', '10_value_drivers', '20_senior', '30_segments', '40_consistency', '50_comparisons']" in message
    with pytest.raises(ParameterError, match="language: Input should be 'nl' or 'en'"):
        parse_parameters({"codebook": "x.yaml", "language": "fr"})
    with pytest.raises(ParameterError, match="give `codebook` \\(a client survey\\), `vignettes`"):
        parse_parameters({})


def test_demo_parameters_are_valid():
    from clientvalue.paths import DEMO_PARAMS

    params = load_parameters(DEMO_PARAMS)
    assert params.notebooks == ["00_data_check", "10_value_drivers", "20_senior", "30_segments", "40_consistency",
                                 "50_comparisons"]
    assert params.vignettes is not None


def test_group_named_all_is_refused(tmp_path, write_codebook):
    rows = [list(r) for r in SMALL_ROWS]
    rows[4][1] = "All"
    write_small(tmp_path, rows)
    with pytest.raises(DataError, match=r"group value 'All' \(data rows 5\) is reserved"):
        load_survey(write_codebook(SMALL_CODEBOOK))


def test_small_groups_cannot_be_found_by_subtraction(tmp_path, write_codebook):
    from clientvalue.data import checks
    from clientvalue.report import checks_text

    write_small(tmp_path)
    survey = load_survey(write_codebook(SMALL_CODEBOOK))
    table = checks.responses_per_group(survey, min_group_size=2).set_index("group")
    shown = table.drop(index="all")["n"].sum()
    assert table.loc["all", "n"] == shown == 4  # the one-person group is in neither
    assert "Wmo-loket" not in table.index  # a suppressed group is not named (clientvalue.disclosure)
    assert len(survey.group_frames(min_group_size=2)["all"]) == 4
    facts = checks_text.summary(survey, min_group_size=2).set_index("fact")["value"]
    assert facts["respondents in reported groups"] == "4"


def test_rare_categories_are_pooled_without_their_names(tmp_path, write_codebook):
    from clientvalue.data import checks
    from clientvalue.report import checks_text

    write_small(tmp_path)
    survey = load_survey(write_codebook(SMALL_CODEBOOK))
    table = checks_text.attributes(survey, min_group_size=2)
    gender = table[table["attribute"] == "gender"]
    assert "anders" not in set(gender["category"])  # 1 person, in a suppressed group anyway
    assert set(gender["category"]) == {"man", "vrouw"}
    ungrouped = load_survey(write_codebook({k: v for k, v in SMALL_CODEBOOK.items() if k != "group"}, "ungrouped.yaml"))
    gender = checks_text.attributes(ungrouped, min_group_size=3).query("attribute == 'gender'")
    assert list(gender["category"]) == ["other (each fewer than 3)"] and list(gender["n"]) == [5]
    counts = checks.attribute_counts(ungrouped, min_group_size=3).query("attribute == 'gender'")
    assert list(counts["kind"]) == ["other"] and list(counts["category"]) == [""]  # data/ holds no words
    dutch = checks_text.attributes(ungrouped, min_group_size=3, language="nl").query("attribute == 'gender'")
    assert list(dutch["category"]) == ["overig (elk minder dan 3)"] and list(dutch["n"]) == [5]
    gender = checks_text.attributes(ungrouped, min_group_size=6).query("attribute == 'gender'")
    assert gender["suppressed"].all() and gender["n"].isna().all()


def test_reversed_item_needs_the_wording_of_its_recoded_direction(tmp_path, write_codebook):
    write_small(tmp_path)
    codebook = copy.deepcopy(SMALL_CODEBOOK)
    del codebook["items"][1]["reversed_label"]
    with pytest.raises(CodebookError, match=r"'heard' has `reverse: true` but no `reversed_label`"):
        load_survey(write_codebook(codebook))


def test_demo_shows_the_reversed_item_in_its_recoded_direction(demo_codebook):
    survey = load_survey(demo_codebook)
    assert survey.label("q_effort", "en") == "It took me little effort"
    assert survey.label("q_effort", "nl") == "Het kostte mij weinig moeite"


def test_data_check_summary_names_columns_by_their_codebook_labels(demo_codebook):
    from clientvalue.report import checks_text

    survey = load_survey(demo_codebook)
    table = checks_text.summary(survey, min_group_size=10)
    english = table.set_index("fact")["value"]
    assert english["outcome"] == "Overall rating of the service (column overall)"
    assert english["survey weights"] == "column weight"  # no label in the codebook: the file's name
    dutch = checks_text.summary_labels(survey, min_group_size=10, language="nl")["value"]
    assert dutch[english["outcome"]] == "Rapportcijfer voor de dienstverlening (kolom overall)"
    assert dutch[english["senior question"]] == "Ziet u zichzelf als senior? (kolom senior_self)"
    assert checks_text.summary_labels(survey, min_group_size=10, language="nl")["fact"]["outcome"] == "uitkomst"


def test_data_check_tables_carry_no_attrs_and_the_report_passes_their_labels(demo_codebook):
    from clientvalue.data import checks
    from clientvalue.report import checks_text
    from clientvalue.report.texts import shown_frame

    survey = load_survey(demo_codebook)
    tables = [checks_text.summary(survey), checks.responses_per_group(survey), checks_text.attributes(survey),
              checks.missingness(survey), checks.handled_problems(survey), checks.response_patterns(survey),
              checks.item_distributions(survey)]
    assert all(table.attrs == {} for table in tables)
    attributes = shown_frame(tables[2], "nl", value_labels=checks_text.attribute_labels(survey, language="nl"))
    assert {"Leeftijd", "Geslacht", "Wijk"} <= set(attributes["attribute"])
    missing = shown_frame(tables[3], "nl", value_labels=checks_text.column_labels(survey, language="nl"))
    assert "Het kostte mij weinig moeite" in set(missing["column"]) and "q_effort" not in set(missing["column"])
    problems = shown_frame(tables[4], "en", value_labels=checks_text.column_labels(survey, language="en"))
    assert list(problems["column"]) == [survey.label(column, "en") for column in tables[4]["column"]]
    assert "Do you see yourself as a senior?" in set(problems["column"])  # not only the rating questions
