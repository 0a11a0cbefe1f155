"""Notebook 20's analysis returns tables and language-free findings; the report words them."""

from __future__ import annotations

import dataclasses

import pytest

from clientvalue.analyses import senior as senior_report
from clientvalue.data.survey import load_survey
from clientvalue.findings import Finding
from clientvalue.paths import PROJECT_ROOT
from clientvalue.report import senior_text


@pytest.fixture(scope="module")
def results():
    survey = load_survey(PROJECT_ROOT / "data" / "demo" / "municipality" / "codebook.yaml")
    return senior_report.analyse(survey, n_boot=0, seed=3)


def test_results_hold_findings_not_text(results):
    assert "findings" not in {f.name for f in dataclasses.fields(results)}
    assert all(isinstance(f, Finding) for f in results.findings)
    assert results.findings == senior_report.contract_findings(results)
    assert not any(isinstance(getattr(results, f.name), str) for f in dataclasses.fields(results))


@pytest.mark.parametrize("language, half_way, rule", [("en", "From about age **{age}**", "A 65+ rule would label"),
                                                      ("nl", "Vanaf ongeveer **{age}** jaar", "Een grens van 65+ zou")])
def test_key_findings_word_the_tables_and_the_value_finding(results, language, half_way, rule):
    text = senior_text.key_findings(results, language=language)
    age = int(round(float(results.summary.iloc[0]["age_half"])))
    assert half_way.format(age=age) in text and rule in text
    mismatch = [f for f in results.findings if f.kind == "value_mismatch"]
    assert mismatch, "the demo plants an emotional-value gap"
    for finding in mismatch:  # each worded once, before "What this means"
        line = senior_text.describe(finding, language=language)
        assert text.count(line) == 1 and text.index(line) < text.index("\n### ")
