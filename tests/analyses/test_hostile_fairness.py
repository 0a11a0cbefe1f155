"""Hostile and unlucky input to the fairness audit of notebook 30 (issue 16's audit cases).

The demo municipality with, planted: a protected income (500 distinct values, 15% missing, one
extreme), a gender with 4 respondents of a third value, an extra check given to exactly everyone
with a migration background and nobody else, and (separately) respondents who both received a
home visit and declined it. Each case asserts what is published, against numbers computed here
from the planted data.
"""

from __future__ import annotations

import html

import re

import numpy as np
import pandas as pd
import pytest
import yaml

from hostile import DEMO_DATA, demo_codebook, sha, write_survey

from clientvalue.report import checks_text
from clientvalue.data.survey import load_survey
from clientvalue.errors import DataError

MIN = 10
RARE = "xq-zeldzaam"  # the third gender value, 4 respondents
EXTREME = 987654.0  # one respondent's income


def demo_frame() -> pd.DataFrame:
    return pd.read_csv(DEMO_DATA, sep=";", dtype={"service": str}, encoding="cp1252", decimal=",")


def _reported(frame: pd.DataFrame) -> pd.Series:
    return frame["service"] != "Ombudsman"  # the demo's one group below min_group_size


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fair")
    frame = demo_frame()
    rng = np.random.default_rng(16)
    reported = np.flatnonzero(_reported(frame).to_numpy())
    income = np.round(rng.lognormal(10.5, 0.5, len(frame)), 2)
    income[reported[0]] = EXTREME
    income[rng.choice(reported[1:], int(0.15 * len(frame)), replace=False)] = np.nan
    frame["income"] = income
    frame.loc[frame.index[reported[-4:]], "gender"] = RARE
    frame["extra_check"] = np.where(frame["origin"] == "ja", 1, 2)  # exactly everyone with, nobody without
    # nearly: everyone with a migration background and 3% of the others
    frame["contact"] = np.where((frame["origin"] == "ja") | (rng.random(len(frame)) < 0.03), 1, 2)
    codebook = demo_codebook()
    codebook["treatments"]["contact"] = {"column": "contact", "yes_codes": [1], "no_codes": [2],
                                         "label": {"en": "Fixed contact person", "nl": "Vaste contactpersoon"}}
    codebook["attributes"]["income"] = {"column": "income", "protected": True,
                                        "label": {"en": "Income", "nl": "Inkomen"}}
    path = write_survey(folder, frame, codebook)
    from clientvalue.analyses import segments

    survey = load_survey(path)
    results = segments.analyse(survey, seed=3, n_boot=20, n_perm=19, n_stability=3, min_group_size=MIN)
    return frame, survey, results, path


def _labels(table: pd.DataFrame, attribute: str, column: str = "category") -> list[str]:
    return [str(c) for c in table.loc[table["attribute"] == attribute, column]]


# ------------------------------------------------------------------------------------------------
# A numeric protected attribute is banded, always, with rounded bounds.

def test_numeric_protected_attribute_with_missing_values_is_banded(planted):
    frame, survey, results, _ = planted
    ft = results.fairness_treatments
    labels = set(_labels(ft, "income"))
    assert 2 <= len(labels) <= 4
    values = {f"{v:g}" for v in frame["income"].dropna()} | {str(v) for v in frame["income"].dropna()}
    assert not labels & values
    for label in labels:
        for number in re.findall(r"[\d.]+", label):
            assert float(number) == float(f"{float(number):.2g}")  # rounded to two significant digits
            assert float(number) not in set(frame["income"].dropna())  # never an observed value
    attributes = checks_text.attributes(survey, min_group_size=MIN)
    assert set(_labels(attributes, "income")) <= labels | {"(missing)"}
    assert not any(str(int(EXTREME)) in label or "987" in label for label in labels)


def test_complete_numeric_attribute_never_shows_its_extremes():
    from clientvalue.data.categories import band_numeric

    rng = np.random.default_rng(2)
    income = pd.Series(np.r_[rng.normal(40000, 9000, 400).round(2), EXTREME])
    bands, labels = band_numeric(income, min_group_size=MIN)
    assert len(labels) == 4 and labels[0].startswith("< ") and labels[-1].endswith("+")
    shown = {float(x) for label in labels for x in re.findall(r"\d+(?:\.\d+)?", label)}
    assert not shown & {income.min(), income.max(), *income.quantile([0.25, 0.5, 0.75])}
    counts = bands.value_counts()
    assert (counts >= MIN).all() and counts.sum() == len(income)


def test_small_bands_are_merged_until_each_is_large_enough():
    from clientvalue.data.categories import band_numeric

    ages = pd.Series([30] * 40 + [60] * 30 + [70] * 3 + [90] * 2 + [np.nan] * 5)
    bands, order = band_numeric(ages, min_group_size=MIN, edges=[18, 55, 65, 75, 85])
    assert order == ["< 55", "55+"]  # 65-74 (3) and 85+ (2) merged into their neighbours
    assert bands.attrs == {}
    assert bands.value_counts().to_dict() == {"< 55": 40, "55+": 35}
    assert bands.isna().sum() == 5


# ------------------------------------------------------------------------------------------------
# A rare category is never named and its rate does not follow by subtraction.

def test_rare_category_is_not_named_and_left_out_of_the_differences(planted):
    frame, survey, results, _ = planted
    ft = results.fairness_treatments
    gender = ft[ft["attribute"] == "gender"]
    assert RARE not in set(gender["category"]) and "(other)" not in set(gender["category"])
    # every difference is between shown categories only: v's "rest" holds m and anders, not the 4
    data = frame[_reported(frame) & (frame["gender"] != RARE)]
    for treatment in ("home_visit", "extra_check"):
        y = data[treatment] == 1
        shown = gender[gender["treatment"] == treatment].set_index("category")
        for category, row in shown.iterrows():
            inside = data["gender"] == category
            assert row["rate"] == pytest.approx(y[inside].mean())
            assert row["raw_diff"] == pytest.approx(y[inside].mean() - y[~inside].mean())
    assert not (results.opt_out["category"] == RARE).any()


def test_attribute_counts_do_not_give_the_rare_category_by_subtraction(planted):
    frame, survey, results, _ = planted
    table = checks_text.attributes(survey, min_group_size=MIN)
    gender = table[table["attribute"] == "gender"]
    assert RARE not in set(gender["category"])
    assert gender["suppressed"].sum() >= 2  # the small pool and the next smallest: only their sum follows
    total = int(_reported(frame).sum())
    assert total - gender["n"].sum() >= MIN


def test_a_pooled_rest_large_enough_is_shown_unnamed():
    from clientvalue.analyses.segments import OTHER_CATEGORY
    from clientvalue.data.categories import pool_rare

    values = pd.Series(["a"] * 30 + ["b"] * 20 + [f"r{i}" for i in range(6) for _ in range(2)])
    pooled = pool_rare(values, min_group_size=MIN)
    assert pooled.value_counts().to_dict() == {"a": 30, "b": 20, OTHER_CATEGORY: 12}


# ------------------------------------------------------------------------------------------------
# Perfect separation is the strongest evidence, not "no unequal treatment".

def test_perfect_separation_is_flagged_with_raw_difference_and_firth_interval(planted):
    frame, survey, results, _ = planted
    ft = results.fairness_treatments
    row = ft[(ft["treatment"] == "extra_check") & (ft["attribute"] == "origin") & (ft["category"] == "ja")].iloc[0]
    assert row["flag"] and row["separation"]
    assert row["raw_diff"] == pytest.approx(1.0) and row["rate"] == pytest.approx(1.0)
    assert 0.9 < row["raw_ci_low"] < 1.0
    assert row["adjusted_ci_low"] > 0.5 and 0.9 < row["adjusted_diff"] <= 1.0
    from clientvalue.report import segments_text

    for language, never, needs in (("en", "No unequal treatment found among people in a comparable situation for: "
                                    "Extra check", "could not be fitted"),
                                   ("nl", None, None)):
        text = segments_text.key_findings(results, language)
        if never:
            assert never not in text and needs in text and "100 percentage points more often" in text
        assert "Migratieachtergrond ja" not in text and "Migration background ja" not in text


def test_near_perfect_separation_is_flagged_too(planted):
    frame, survey, results, _ = planted
    ft = results.fairness_treatments
    row = ft[(ft["treatment"] == "contact") & (ft["attribute"] == "origin") & (ft["category"] == "ja")].iloc[0]
    data = frame[_reported(frame)]
    rest = data.loc[data["origin"] != "ja", "contact"] == 1
    assert row["flag"] and row["separation"] and row["rate"] == pytest.approx(1.0)
    assert row["raw_diff"] == pytest.approx(1 - rest.mean())
    from clientvalue.report import segments_text

    text = segments_text.key_findings(results, "en")
    assert "*Fixed contact person* follows *Migration background* (nearly) perfectly" in text
    assert "for: Fixed contact person" not in text and ", Fixed contact person" not in text


# ------------------------------------------------------------------------------------------------
# A respondent who both received the treatment and declined it is refused, by id, before any notebook.

def test_treated_and_declined_is_refused_with_ids(tmp_path):
    from clientvalue.data.treatments import check_segment_inputs

    frame = demo_frame()
    treated = frame.index[frame["home_visit"] == 1][:3]
    frame.loc[treated, "home_visit_declined"] = 1
    survey = load_survey(write_survey(tmp_path, frame, demo_codebook()))
    ids = [str(i) for i in frame.loc[treated, "respondent_id"]]
    with pytest.raises(DataError, match=r"3 respondent\(s\) \(ids " + ", ".join(ids) + r"; data rows") as info:
        check_segment_inputs(survey)
    assert "'home_visit'" in str(info.value) and "'home_visit_declined'" in str(info.value)


@pytest.mark.slow
def test_treated_and_declined_stops_the_run_before_any_notebook(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    frame = demo_frame()
    frame.loc[frame.index[frame["home_visit"] == 1][:2], "home_visit_declined"] = 1
    codebook = write_survey(tmp_path / "in", frame, demo_codebook())
    before = sha(codebook.parent / "survey.csv")
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"codebook": str(codebook), "output": str(tmp_path / "report"),
                                      "notebooks": ["30_segments"]}), encoding="utf-8")
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "clientvalue.run.cli", "run", str(params)], capture_output=True,
                         text=True, timeout=300, env=env)
    assert run.returncode == 2, run.stderr
    assert "both received" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "report").exists()
    assert sha(codebook.parent / "survey.csv") == before


# ------------------------------------------------------------------------------------------------
# Cramér's V near zero: the interval covers 0 under independence.

def test_v_interval_covers_zero_under_independence():
    from clientvalue.stats import fairness as fair

    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(20):
        res = fair.association(rng.integers(0, 5, 1680), rng.integers(0, 5, 1680), n_boot=1, n_perm=0)
        covered += res["ci_low"] == 0.0
        assert res["ci_low"] <= res["ci_high"]
    assert covered >= 17  # a 95% interval; the bootstrap interval covered 0 in none


# ------------------------------------------------------------------------------------------------
# End to end: the page says what is published and how.

@pytest.mark.slow
def test_e2e_page_30_publishes_no_values_and_states_method_and_weights(planted, tmp_path):
    from clientvalue.run import pipeline

    frame, _, _, path = planted
    params = tmp_path / "p.yaml"
    params.write_text(yaml.safe_dump({"codebook": str(path), "output": str(tmp_path / "report"), "n_boot": 20,
                                      "n_stability": 3, "notebooks": ["30_segments"]}), encoding="utf-8")
    out = pipeline.run(params, progress=False, echo=None, jobs=1)
    page = (out / "30_segments.html").read_text(encoding="utf-8")
    csv = (out / "tables" / "fairness_treatments.csv").read_text(encoding="utf-8")
    for text in (page, csv):
        assert RARE not in text and "987654" not in text
    for value in frame["income"].dropna().sample(50, random_state=1):
        assert f"{value:g}" not in csv
    assert "noncentral chi-square" in page and "survey weights" in page
    assert "could not be fitted" in page and "No unequal treatment found among people in a comparable situation for: Extra" not in page


def test_summary_names_separation_as_the_strongest_evidence(tmp_path):
    from clientvalue.findings import Finding, write_findings
    from clientvalue.report.summary import summary_body

    subject = {"treatment": "extra_check", "attribute": "origin", "category": "ja", "carried_by": "",
               "separation": "yes", "adjusted_for_attributes": "", "treatment_label": "Extra check",
               "attribute_label": "Origin", "carried_by_label": "", "adjusted_for_labels": ""}
    flag = Finding("treatment_flag", subject, {"raw": 1.0, "adjusted": float("nan"), "carried_diff": float("nan"),
                                               "adjusted_for_questions": 6.0},
                   {"raw_ci_low": 0.9, "raw_ci_high": 1.0, "ci_low": float("nan"), "ci_high": float("nan")},
                   severity=3, priority=3.5)
    write_findings(tmp_path / "findings" / "30_segments.json", [flag])
    (tmp_path / "tables").mkdir()
    manifest = {"notebooks": [{"name": "30_segments", "html": "30_segments.html"}], "parameters": {},
                "data_summary": {"respondents": 1680, "groups_reported": ["A"], "groups_suppressed": 0}}
    page = html.unescape(re.sub(r"<[^>]+>", "", summary_body(tmp_path / "tables", manifest=manifest,
                                                             language="en", title="Survey")))
    assert "Unequal treatment, the strongest evidence: Extra check follows Origin (nearly) perfectly." in page
    assert "No differentiated treatment differs" not in page and "No unequal treatment" not in page
    nl = html.unescape(re.sub(r"<[^>]+>", "", summary_body(tmp_path / "tables", manifest=manifest,
                                                           language="nl", title="Onderzoek")))
    assert "het sterkste bewijs: Extra check volgt Origin" in nl


def test_page_30_states_the_method_and_the_unused_weights_under_the_fairness_tables():
    import json

    from clientvalue.paths import NOTEBOOKS_DIR

    cells = json.loads((NOTEBOOKS_DIR / "30_segments.ipynb").read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells]
    for table, words in (('"fairness_segments")', {"en": ("noncentral chi-square", "survey weights"),
                                                   "nl": ("niet-centrale", "weegfactoren")}),
                         ('"treatment_outcome")', {"en": ("survey weights", "percentage points"),
                                                   "nl": ("weegfactoren", "procentpunten")})):
        at = next(i for i, s in enumerate(sources) if s.endswith(table))
        notes = {cells[j]["metadata"]["tags"][0]: sources[j] for j in (at + 1, at + 2)}
        for language, needles in words.items():
            assert all(needle in notes[f"lang-{language}"] for needle in needles), (table, language)


def test_each_flagged_band_of_an_attribute_with_more_categories_is_a_finding():
    """Two categories are one comparison (the second row mirrors the first); with three or more each
    category is compared with the rest on its own, so each flagged one is stated."""
    from types import SimpleNamespace

    from clientvalue.analyses.segments_findings import _treatment_findings

    def rows(categories, flags):
        n = len(categories)
        return pd.DataFrame({
            "treatment": ["extra_check"] * n, "attribute": ["age"] * n, "category": categories,
            "flag": flags, "raw_diff": [0.2] * n, "raw_ci_low": [0.1] * n, "raw_ci_high": [0.3] * n,
            "adjusted_diff": [0.15] * n, "adjusted_ci_low": [0.05] * n, "adjusted_ci_high": [0.25] * n,
            "carried_by": [None] * n, "carried_diff": [np.nan] * n, "separation": [False] * n})

    results = SimpleNamespace(labels={"extra_check": "Extra check", "age": "Age"}, adjusted_for=None)
    bands = _treatment_findings(results, rows(["18-34", "35-64", "65+"], [True, False, True]))
    assert [f.subject["category"] for f in bands if f.kind == "treatment_flag"] == ["18-34", "65+"]
    two = _treatment_findings(results, rows(["ja", "nee"], [True, True]))
    assert [f.subject["category"] for f in two if f.kind == "treatment_flag"] == ["ja"]


def test_names_from_the_codebook_and_data_are_inert_on_page_30():
    """A label or category with Markdown in it is text in a sentence, and a table cell is escaped once."""
    from types import SimpleNamespace

    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from clientvalue.findings import Finding
    from clientvalue.report import segments_text
    from clientvalue.report.i18n import translator
    from clientvalue.report.notebook import table_html

    evil = "[click](https://evil.example) *x* & <b>"
    flag = Finding("treatment_flag", {"treatment": "t", "attribute": "a", "category": evil, "carried_by": "",
                                      "separation": "no", "adjusted_for_attributes": "", "treatment_label": evil,
                                      "attribute_label": evil, "carried_by_label": "", "adjusted_for_labels": ""},
                   {"raw": 0.2, "adjusted": 0.15, "carried_diff": np.nan, "adjusted_for_questions": 0.0},
                   {"raw_ci_low": 0.1, "raw_ci_high": 0.3, "ci_low": 0.05, "ci_high": 0.25}, severity=3)
    page = markdown2html_mistune(segments_text.describe(flag, language="en"))
    assert "<a " not in page and "<em>x</em>" not in page and "<b>" not in page
    assert html.unescape(re.sub(r"<[^>]+>", "", page)).count(evil) >= 3  # read as written
    ft = pd.DataFrame({"treatment": ["t"], "attribute": ["a"], "category": ["A & B"], "rate": [0.5],
                       "suppressed": [False], "raw_diff": [0.1], "raw_ci_low": [0.0], "raw_ci_high": [0.2],
                       "adjusted_diff": [0.1], "adjusted_ci_low": [0.0], "adjusted_ci_high": [0.2],
                       "separation": [False], "flag": [False], "carried_by": [None]})
    results = SimpleNamespace(fairness_treatments=ft, labels={"t": "T & U"})
    shown = segments_text._shown_fairness_treatments(results, translator("en"))
    cells = table_html(shown, language="en")
    assert "A &amp; B" in cells and "T &amp; U" in cells and "&amp;amp;" not in cells


def test_no_proxy_is_claimed_only_when_something_was_compared():
    """Without a protected attribute nothing is compared with one: page 30 then claims no absence of proxies."""
    from types import SimpleNamespace

    from clientvalue.analyses.segments_findings import _proxy_findings

    columns = ["source", "attribute", "cramers_v", "predictive_gain", "flag"]
    nothing = SimpleNamespace(fairness_segments=pd.DataFrame(columns=columns), labels={})
    assert _proxy_findings(nothing, 0.3) == []
    compared = SimpleNamespace(fairness_segments=pd.DataFrame([["segments", "origin", 0.1, 0.0, False]],
                                                              columns=columns), labels={})
    assert [f.kind for f in _proxy_findings(compared, 0.3)] == ["no_proxy"]
