"""Vignette studies: codebook and reader refuse bad input clearly; the analysis recovers the demo's
planted truth; the published page keeps employees anonymous; a run works on vignettes alone."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from clientvalue.analyses import consistency
from clientvalue.data import demo_vignettes as dv
from clientvalue.data.vignettes import load_vignette_study
from clientvalue.errors import CodebookError, DataError, ParameterError
from clientvalue.findings import Finding, read_findings
from clientvalue.paths import DEMO_DIR
from clientvalue.report import consistency_text
from clientvalue.report.plots_consistency import plot_variant_effect
from clientvalue.run import pipeline

STUDY = DEMO_DIR / "municipality" / "vignettes"


@pytest.fixture(scope="module")
def demo_results():
    study = load_vignette_study(STUDY / "codebook.yaml")
    return study, consistency.analyse(study, n_boot=500, seed=20261124, employee_tables=True)


@pytest.fixture
def copy_study(tmp_path):
    folder = tmp_path / "study"
    shutil.copytree(STUDY, folder)
    return folder


def finding(results, kind) -> Finding:
    """The one finding of ``kind`` in ``results.findings``."""
    (found,) = [f for f in results.findings if f.kind == kind]
    return found


def edit_decisions(folder, change):
    path = folder / "decisions.csv"
    frame = pd.read_csv(path, sep=";", dtype=str)
    frame = change(frame)
    frame.to_csv(path, sep=";", index=False)
    return folder / "codebook.yaml"


def test_demo_study_loads_and_reports_missing_codes():
    study = load_vignette_study(STUDY / "codebook.yaml")
    assert study.level == "ordinal" and study.categories == ["1", "2", "3", "4"]
    assert study.data["employee"].nunique() == sum(dv.TEAMS.values())
    assert "no decision" in study.problems["problem"].iloc[0] and study.problems["count"].iloc[0] > 0
    assert study.considerations is not None and len(study.considerations) == sum(dv.TEAMS.values())


def test_same_vignette_twice_is_refused(copy_study):
    codebook = edit_decisions(copy_study, lambda f: pd.concat([f, f.iloc[[3]]]))
    with pytest.raises(DataError, match=r"decisions.csv: an employee judged the same vignette more than once.*M001/C04"):
        load_vignette_study(codebook)


def test_decision_outside_categories_is_refused(copy_study):
    def change(f):
        f.loc[5, "beslissing"] = "7"
        return f
    with pytest.raises(DataError, match=r"column 'beslissing' has decisions \['7'\].*data rows 6.*decision.categories"):
        load_vignette_study(edit_decisions(copy_study, change))


def test_single_employee_is_refused(copy_study):
    codebook = edit_decisions(copy_study, lambda f: f[f["medewerker"] == "M001"])
    with pytest.raises(DataError, match="only 0 employee|at least two employees"):
        load_vignette_study(codebook)


def test_vignette_judged_once_is_reported_and_left_out(copy_study):
    codebook = edit_decisions(copy_study, lambda f: f[(f["casus"] != "C16") | (f["medewerker"] == "M001")])
    study = load_vignette_study(codebook)
    assert "C16" not in set(study.data["vignette"])
    assert study.problems["problem"].str.contains("one employee only: C16").any()


def test_employee_in_two_teams_and_missing_column_are_refused(copy_study):
    def change(f):
        f.loc[0, "team"] = "Zuid"
        return f
    with pytest.raises(DataError, match=r"employees \['M001'\] appear in more than one team"):
        load_vignette_study(edit_decisions(copy_study, change))
    cb = yaml.safe_load((copy_study / "codebook.yaml").read_text(encoding="utf-8"))
    cb["vignette"] = "cassus"
    (copy_study / "codebook.yaml").write_text(yaml.safe_dump(cb, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataError, match="column 'cassus'.*closest column is 'casus'"):
        load_vignette_study(copy_study / "codebook.yaml")


def test_codebook_problems_are_listed(copy_study):
    cb = yaml.safe_load((copy_study / "codebook.yaml").read_text(encoding="utf-8"))
    cb["decision"]["level"] = "interval-ish"
    cb["colour"] = "red"
    (copy_study / "codebook.yaml").write_text(yaml.safe_dump(cb, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CodebookError, match=r"2 problem\(s\)[\s\S]*decision.level[\s\S]*colour: unknown key"):
        load_vignette_study(copy_study / "codebook.yaml")


def test_split_and_clear_cases_recovered(demo_results):
    _, results = demo_results
    table = results.vignettes.set_index("vignette")
    assert table.loc[dv.TRUTH["split"], "pair_agreement"].max() < table.loc[dv.TRUTH["clear"], "pair_agreement"].min()
    # every planted clear case is clear; no planted split case is called clear (two planted split cases
    # have a majority of about 70% and are, rightly, "a minority decides differently")
    assert set(table.index[table["agreement_class"] == "clear"]) == set(dv.TRUTH["clear"])
    assert set(table.index[table["split"]]) <= set(dv.TRUTH["split"])
    assert (table.loc[table["split"], "modal_share"] < consistency.SPLIT_BELOW).all()
    n_split = int(table["split"].sum())
    assert set(results.vignettes["vignette"][:n_split]) == set(table.index[table["split"]])  # split cases first
    assert finding(results, "agreement").subject["verdict"] in ("mixed", "arbitrary")


def test_agreement_table_has_the_published_columns(demo_results):
    _, results = demo_results
    agreement = results.agreement
    assert list(agreement.columns[:7]) == ["measure", "level", "value", "ci_low", "ci_high", "ci_low_employees",
                                           "ci_high_employees"]
    assert {"n_vignettes", "n_raters"} <= set(agreement.columns)
    assert set(agreement["level"][agreement["measure"] == "krippendorff_alpha"]) == {"nominal", "ordinal"}
    assert (agreement["ci_low"] <= agreement["value"]).all() and (agreement["value"] <= agreement["ci_high"]).all()


def test_harsh_team_and_harsh_employees_recovered(demo_results):
    _, results = demo_results
    teams = results.teams.set_index("team")
    shown = teams[~teams["suppressed"]]
    assert shown["shift"].idxmax() == dv.TRUTH["harsh_team"]
    assert shown.loc[dv.TRUTH["harsh_team"], "shift_p_value"] < 0.01
    harshest = results.employees.sort_values("harshness", ascending=False)["employee"].head(3)
    assert set(harshest) == set(dv.TRUTH["harsh_employees"])


def test_variant_effect_in_one_team_only(demo_results):
    _, results = demo_results
    variants = results.variants
    by_team = variants[(variants["team"] != "all") & ~variants["suppressed"]]
    flagged = set(by_team.loc[by_team["flagged"], "team"])
    assert flagged == {dv.TRUTH["variant_team"]}
    row = by_team[(by_team["team"] == dv.TRUTH["variant_team"]) & (by_team["outcome"] == "mean_position")].iloc[0]
    assert row["effect"] > 0 and row["p_value"] < 0.01


def test_variant_effects_name_the_decision_of_a_rate_only_and_the_table_carries_no_attrs(demo_results):
    _, results = demo_results
    effects = [f for f in results.findings if f.kind == "variant_effect"]
    assert {f.subject["outcome"] for f in effects} == {"rate_4", "mean_position"}
    for effect in effects:  # the mean position concerns the whole scale: no one decision to name
        assert (effect.subject["decision_label"] == "") == (effect.subject["outcome"] == "mean_position")
        # no focus in the demo's codebook: the rate is of the last category of an ordinal scale
        assert effect.subject["decision_role"] == ("" if effect.subject["outcome"] == "mean_position" else "harshest")
    assert results.variants.attrs == {}


def test_a_focus_decision_is_named_not_called_the_harshest(copy_study):
    """With ``variants.focus`` on the mildest decision, the page and the chart name that decision
    instead of "the harshest decision" (which is what the default, the last category, is)."""
    codebook = yaml.safe_load((copy_study / "codebook.yaml").read_text(encoding="utf-8"))
    codebook["variants"]["focus"] = 1
    (copy_study / "codebook.yaml").write_text(yaml.safe_dump(codebook, allow_unicode=True), encoding="utf-8")
    study = load_vignette_study(copy_study / "codebook.yaml")
    names = consistency_text.study_labels(study, "en")
    results = consistency.analyse(study, n_boot=200, seed=1, labels=names)
    (rate,) = [f for f in results.findings if f.kind == "variant_effect" and f.subject["outcome"] == "rate_1"]
    assert rate.subject["decision_role"] == "named" and rate.subject["decision_label"] == "Grant the exception"
    text = html.unescape(consistency_text.key_findings(results, names=names, language="en"))
    assert "in the rate of “Grant the exception”" in text and "harshest" not in text
    # a positive difference in granting the exception is not "judged more harshly"
    assert ("For “Grant the exception”, positive means that version “Mohammed El Amrani” gets this decision more "
            "often than version “Jan de Vries”.") in text
    effects = [f for f in results.findings if f.kind == "variant_effect"]
    assert {f.subject["outcome"] for f in effects} == {"rate_1", "mean_position"}  # both meanings are stated
    assert "Positive means that version “Mohammed El Amrani” is judged more harshly" in text
    plot = plot_variant_effect(results.variants, outcome="rate_1", decision="Grant the exception")
    assert plot.get_xlabel() == "Difference in the rate of “Grant the exception” (percentage points)"
    assert "gets “Grant the exception” more often" in plot.get_title().replace("\n", " ")
    (comparison,) = [f for f in results.findings if f.kind == "variant_comparison"]
    alone = html.unescape(consistency_text.describe(comparison, names=names))  # worded without its effects
    assert "gets this decision more often" in alone and "judged more harshly" in alone


def test_a_nominal_scale_never_says_harsher():
    """On a nominal scale there is no harsher decision: only the focus decision's rate is compared."""
    from clientvalue.report.i18n import translator

    comparison = Finding(kind="variant_comparison",
                         subject={"reference": "A", "versions": '["B"]', "decision_label": "Refer",
                                  "decision_role": "named"}, numbers={"versions": 1, "flagged": 1, "scale": 0.0})
    effect = Finding(kind="variant_effect",
                     subject={"team": "all", "variant": "B", "reference": "A", "outcome": "rate_r",
                              "variant_label": "B", "reference_label": "A", "differs": "", "decision_label": "Refer",
                              "decision_role": "named"},
                     numbers={"effect": 0.1, "mean_variant": 0.3, "mean_reference": 0.2, "n_employees": 40},
                     uncertainty={"ci_low": 0.02, "ci_high": 0.18, "ci_level": 0.95, "p_value": 0.01})
    for words in (consistency_text._variants_line(comparison, [effect], translator("en"), {}),
                  consistency_text.describe(comparison)):
        assert "harsh" not in words and "gets this decision more often" in words


def test_decision_role_is_harshest_only_for_the_last_ordinal_category():
    from clientvalue.analyses.consistency_findings import decision_role

    assert decision_role("4", categories=["1", "2", "3", "4"], level="ordinal") == "harshest"
    assert decision_role("1", categories=["1", "2", "3", "4"], level="ordinal") == "named"
    assert decision_role("4", categories=["1", "2", "3", "4"], level="nominal") == "named"
    assert decision_role("", categories=["1", "2"], level="ordinal") == ""


def test_considerations_cover_planted_shares(demo_results):
    _, results = demo_results
    overall = results.considerations[results.considerations["team"] == "all"].set_index("consideration")
    for column, p in dv.TRUTH["considerations"].items():
        assert overall.loc[column, "ci_low"] <= p <= overall.loc[column, "ci_high"], column


def test_small_team_never_published(demo_results):
    study, results = demo_results
    small = dv.TRUTH["small_team"]
    for frame in (results.teams, results.variants, results.considerations):
        assert small not in set(frame["team"]), "a suppressed team is not even named"
    assert results.suppressed_teams == 1
    assert results.n_employees == study.data["employee"].nunique() - dv.TEAMS[small]
    assert results.agreement["n_raters"].iloc[0] == results.n_employees


@pytest.mark.parametrize("language", ["en", "nl"])
def test_findings_worded_in_both_languages(demo_results, language):
    study, results = demo_results
    names = consistency_text.study_labels(study, language)
    text = consistency_text.key_findings(results, names=names, language=language)
    text = html.unescape(text)  # names from the codebook and data are character references (inert)
    assert names["vignette"]["C14"] in text
    assert ("Oost" in text) and ("Zuid" in text)
    if language == "nl":
        assert "willekeur" in text.lower() or "maatwerk" in text.lower()


@pytest.mark.slow
def test_run_on_vignettes_alone(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"vignettes": str(STUDY / "codebook.yaml"), "output": str(tmp_path / "report"),
                                      "n_boot": 20, "language": "nl"}), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in STUDY.iterdir()}
    report = pipeline.run(params, progress=False, echo=None)
    assert {p.name: p.read_bytes() for p in STUDY.iterdir()} == before
    tables = {p.name for p in (report / "tables").iterdir()}
    assert {"agreement.csv", "vignette_agreement.csv", "team_decisions.csv", "variant_effect.csv",
            "considerations.csv"} <= tables
    assert "employees.csv" not in tables
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    roles = {i["role"] for i in manifest["inputs"]}
    assert roles == {"vignette codebook", "vignette data", "considerations"}
    assert [n["name"] for n in manifest["notebooks"]] == ["40_consistency"]
    html = (report / "40_consistency.html").read_text(encoding="utf-8")
    text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+", "", html)
    assert not re.search(r"\bM\d{3}\b", text), "an employee code is published"
    assert "Traceback" not in text and "Maatwerk of willekeur" in text


def test_explicit_notebook_40_without_vignettes_is_refused(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"codebook": str(DEMO_DIR / "municipality" / "codebook.yaml"),
                                      "notebooks": ["40_consistency"], "output": str(tmp_path / "r")}), encoding="utf-8")
    with pytest.raises(ParameterError, match="40_consistency needs a vignette study"):
        pipeline.run(params, progress=False, echo=None)
    params.write_text(yaml.safe_dump({"output": str(tmp_path / "r")}), encoding="utf-8")
    with pytest.raises(ParameterError, match="give `codebook`"):
        pipeline.run(params, progress=False, echo=None)


def test_per_employee_rows_only_when_allowed():
    study = load_vignette_study(STUDY / "codebook.yaml")
    results = consistency.analyse(study, n_boot=50, seed=1)
    assert results.employees is None
    assert "employee" not in results.departures.columns
    assert results.departures["n_employees"].sum() == results.n_employees
    assert (results.departures["n_employees"] >= results.min_group_size).all()


def test_departure_bands_never_hold_fewer_employees_than_the_minimum():
    # 10-point bins 3 | 9 | 0 | 1 | ... | 1: the band 0-20% (12), and the 2 after it join it: 0-100%
    shares = [0.05] * 3 + [0.15] * 9 + [0.35] + [0.95]
    bands = consistency.departure_distribution(pd.DataFrame({"departure_share": shares}), min_group_size=10)
    assert bands.to_dict("list") == {"departure_low": [0.0], "departure_high": [1.0], "n_employees": [14]}
    shares = [0.05] * 10 + [0.15] * 4 + [0.25] * 6 + [0.85]
    bands = consistency.departure_distribution(pd.DataFrame({"departure_share": shares}), min_group_size=10)
    assert bands["n_employees"].tolist() == [10, 11]
    assert bands["departure_low"].tolist() == [0.0, 0.1] and bands["departure_high"].tolist() == [0.1, 1.0]
    many = np.linspace(0, 0.999, 200)  # 20 in every bin: the ten bins stay as they are
    assert consistency.departure_distribution(pd.DataFrame({"departure_share": many}))["n_employees"].tolist() == [20] * 10


def test_the_share_of_employees_who_often_depart_reveals_no_small_group():
    def often(n_often, n):
        employees = pd.DataFrame({"departure_share": [0.9] * n_often + [0.1] * (n - n_often)})
        return consistency.departing_often(employees, min_group_size=10)

    # 1 of 73 would read "1%": one employee. Fewer than the minimum on either side is not stated as a share
    assert often(1, 73) == {"departing_often": "few", "share_departing_often": None}
    assert often(9, 73)["departing_often"] == "few"
    assert often(66, 73) == {"departing_often": "nearly_all", "share_departing_often": None}
    assert often(10, 73) == {"departing_often": "share", "share_departing_often": 10 / 73}
    assert often(63, 73)["share_departing_often"] == 63 / 73
    assert often(0, 73)["share_departing_often"] == 0.0 and often(73, 73)["share_departing_often"] == 1.0


def test_the_departure_sentence_words_a_small_group_without_its_share(demo_results):
    _, results = demo_results
    departure = finding(results, "departure_from_majority")
    few = dataclasses.replace(departure, subject={"departing_often": "few"},
                              numbers={**departure.numbers, "often_share": float("nan")})
    small = dataclasses.replace(results, findings=[few if f is departure else f for f in results.findings])
    for language, words in (("en", "fewer than 10 employees do so"), ("nl", "minder dan 10 medewerkers")):
        text = consistency_text.key_findings(small, language=language)
        line = next(x for x in text.splitlines() if "%" in x and ("depart" in x or "wijk" in x))
        assert words in line
        assert line.count("%") == 1  # the median only
    assert departure.subject["departing_often"] == "share"
    shared = consistency_text.key_findings(results, language="en")
    assert f"{round(100 * departure.numbers['often_share'])}% of the employees do so" in shared


@pytest.mark.slow
def test_page_40_beside_a_survey_names_the_vignette_study(demo_report):
    report = demo_report  # the demo survey and its vignette study, in English
    header = lambda page: re.search(r"<header class='run'>(.*?)</header>",  # noqa: E731
                                    (report / page).read_text(encoding="utf-8"), re.S).group(1)
    study = load_vignette_study(STUDY / "codebook.yaml")
    assert study.title("en") in header("40_consistency.html") and study.path.name in header("40_consistency.html")
    survey_header = header("00_data_check.html")
    assert study.title("en") not in survey_header and "survey.csv" in survey_header


def _study_with_majorities(folder, majorities: dict[str, int], n_employees: int = 20):
    """A study in which, for each case, the first ``majorities[case]`` employees grant (1) and the
    rest refuse (2): the majority share is planted exactly."""
    rows = [(f"E{e:02d}", case, 1 if e < k else 2) for case, k in majorities.items() for e in range(n_employees)]
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=["emp", "case", "dec"]).to_csv(folder / "d.csv", sep=";", index=False)
    (folder / "codebook.yaml").write_text(yaml.safe_dump({
        "data": "d.csv", "employee": "emp", "vignette": "case",
        "decision": {"column": "dec", "level": "nominal", "categories": [{"code": 1}, {"code": 2}]}}))
    return load_vignette_study(folder / "codebook.yaml")


def test_cases_are_clear_minority_or_split_on_the_majority_share_and_its_interval(tmp_path):
    from statsmodels.stats.proportion import proportion_confint

    # 17 of 20 (85%): pair agreement 0.73, which a 0.75 threshold on pairs called split
    study = _study_with_majorities(tmp_path, {"K85": 17, "K50": 10, "K100": 20, "K70": 14, "K75": 15})
    results = consistency.analyse(study, n_boot=50, seed=1, min_group_size=10)
    table = results.vignettes.set_index("vignette")
    assert table.loc["K85", "pair_agreement"] < 0.75
    assert table["agreement_class"].to_dict() == {"K50": "split", "K70": "minority", "K75": "minority",
                                                  "K85": "clear", "K100": "clear"}
    low, high = proportion_confint(17, 20, alpha=0.05, method="wilson")  # a second implementation
    assert table.loc["K85", ["majority_low", "majority_high"]].tolist() == pytest.approx([low, high], abs=1e-9)
    assert finding(results, "case_classes").numbers == {"clear": 2, "minority": 2, "split": 1, "n": 5}
    assert json.loads(finding(results, "split_cases").subject["vignettes"]) == ["K50"]
    assert list(results.vignettes["vignette"][:1]) == ["K50"]
    text = consistency_text.key_findings(results, language="en")
    assert "Of 5 cases: 2 clear" in text and "2 in which a minority decides differently" in text
    assert "1 that split the employees" in text


def test_too_few_judgements_to_tell_are_not_called_split_or_clear():
    table = pd.DataFrame({"vignette": ["a", "b", "c"], "n_judgements": [6, 5, 200], "modal_share": [0.5, 1.0, 0.55]})
    classes = consistency.classify_cases(table).set_index("vignette")["agreement_class"].to_dict()
    # 3 of 6: the interval reaches 0.80, so not split; 5 of 5: it reaches below 0.60, so not clear
    assert classes == {"a": "minority", "b": "minority", "c": "split"}


def test_nominal_alpha_is_worded_beside_the_ordinal_one(demo_results):
    _, results = demo_results
    nominal_finding = finding(results, "nominal_agreement")
    value, reading = nominal_finding.numbers["alpha"], nominal_finding.subject["reading"]
    nominal = results.agreement[(results.agreement["measure"] == "krippendorff_alpha")
                                & (results.agreement["level"] == "nominal")].iloc[0]
    assert value == nominal["value"] and reading == "unreliable" and value < 0.667
    assert finding(results, "agreement").numbers["nominal_alpha"] == value
    text = consistency_text.key_findings(results, language="en")
    assert f"(nominal level), alpha is {value:.2f}: not reliable" in text


def test_the_page_states_the_findings_and_nothing_else(demo_results):
    """Page 40's key findings word ``results.findings`` alone: without the tables the page reads the
    same, without the findings it says nothing, and every kind the analysis wrote is stated."""
    study, results = demo_results
    names = consistency_text.study_labels(study, "en")
    page = consistency_text.key_findings(results, names=names, language="en")
    no_tables = dataclasses.replace(results, agreement=None, vignettes=None, teams=None, departures=None,
                                    variants=None, considerations=None, employees=None)
    assert consistency_text.key_findings(no_tables, names=names, language="en") == page
    assert consistency_text.key_findings(dataclasses.replace(results, findings=[]), language="en") == ""
    for kind in {f.kind for f in results.findings}:
        without = dataclasses.replace(results, findings=[f for f in results.findings if f.kind != kind])
        assert consistency_text.key_findings(without, names=names, language="en") != page, kind


def test_the_page_words_the_numbers_of_the_findings_file(demo_results, tmp_path):
    """The findings file holds ``results.findings``, and the page states the file's numbers."""
    study, results = demo_results
    names = consistency_text.study_labels(study, "en")
    labelled = consistency.analyse(study, n_boot=50, seed=3, labels=names)
    path = consistency.save_findings(labelled, tables_dir=str(tmp_path / "tables"))
    written = read_findings(path)
    key = lambda f: json.dumps(f.to_dict(), sort_keys=True)  # noqa: E731 (NaN as null: comparable)
    assert sorted(map(key, written)) == sorted(map(key, labelled.findings))
    page = html.unescape(consistency_text.key_findings(labelled, names=names, language="en"))
    of = lambda kind: [f for f in written if f.kind == kind]  # noqa: E731
    (agreement,) = of("agreement")
    assert f"Krippendorff's alpha {agreement.numbers['alpha']:.2f} (95% interval " \
           f"{agreement.uncertainty['ci_low']:.2f} to {agreement.uncertainty['ci_high']:.2f}" in page
    assert f"{agreement.numbers['n_employees']:.0f} employees judged {agreement.numbers['n_cases']:.0f} cases" in page
    (classes,) = of("case_classes")
    assert "Of {n:.0f} cases: {clear:.0f} clear".format(**classes.numbers) in page
    for code in json.loads(of("split_cases")[0].subject["vignettes"]):
        assert names["vignette"][code] in page
    (departure,) = of("departure_from_majority")
    assert f"in {100 * departure.numbers['median_share']:.0f}% of the cases or more" in page
    for team in of("differing_team"):
        assert f"{team.subject['team']} ({team.subject['direction']})" in page
    for effect in of("variant_effect"):
        scale = 1 if effect.subject["outcome"] == "mean_position" else 100
        digits = 2 if scale == 1 else 1
        assert f"{scale * effect.numbers['effect']:.{digits}f}" in page
    for item in of("consideration_weighed"):
        label = names["consideration"][item.subject["consideration"]]
        assert f"{100 * item.numbers['share']:.0f}% weigh “{label}”" in page
    (suppressed,) = of("teams_suppressed")
    assert f"{suppressed.numbers['count']:.0f} team with fewer than" in page


def test_the_page_states_the_bars_the_analysis_uses():
    """Page 40 writes its bars out in words ("four in five", "fewer than three in five", "p < 0.05"):
    they must be the analysis's own, or the page states another rule than the one applied."""
    from clientvalue.analyses import consistency as analysis
    from clientvalue.report import consistency_text
    from clientvalue.report.i18n import translator

    assert (analysis.CLEAR_FROM, analysis.SPLIT_BELOW, analysis.ALPHA) == (0.8, 0.6, 0.05)
    cases = consistency_text._cases_line(
        Finding(kind="case_classes", numbers={"clear": 1, "minority": 1, "split": 1, "n": 3}), [], 3,
        translator("en"), {})
    assert "four in five" in cases and "fewer than three in five" in cases


def test_a_team_without_a_direction_is_named_alone():
    """A nominal scale has no harsher or milder: "Noord (differently)" after "Teams decide the same cases
    differently" would say it twice; a team with a direction keeps it."""
    from clientvalue.report.i18n import translator

    teams = [Finding(kind="differing_team", subject={"team": "Noord", "direction": "differently"}),
             Finding(kind="differing_team", subject={"team": "Oost", "direction": "harsher"})]
    text = consistency_text._teams_line(teams, translator("en"))
    assert "p < 0.05): Noord, Oost (harsher)." in text and "(differently)" not in text
    assert "Noord, Oost (strenger)" in consistency_text._teams_line(teams, translator("nl"))


def test_the_chart_of_a_nominal_study_names_the_focus_decision(copy_study):
    """On a nominal scale the only outcome is the rate of the focus decision: the chart the page shows
    names that decision on its axis and in its title, as the variant_comparison finding decided."""
    codebook = yaml.safe_load((copy_study / "codebook.yaml").read_text(encoding="utf-8"))
    codebook["decision"]["level"], codebook["variants"]["focus"] = "nominal", 4
    (copy_study / "codebook.yaml").write_text(yaml.safe_dump(codebook, allow_unicode=True), encoding="utf-8")
    study = load_vignette_study(copy_study / "codebook.yaml")
    names = consistency_text.study_labels(study, "nl")
    results = consistency.analyse(study, n_boot=50, seed=1, labels=names)
    assert set(results.variants["outcome"]) == {"rate_4"}
    shown = []
    report = type("Report", (), {"language": "nl", "figure": lambda self, ax, name, **kw: shown.append(ax)})()
    consistency_text.show_figure(report, results, "variant_effect_chart", names=names)
    (ax,) = shown
    label = names["decision"]["4"]
    assert ax.get_xlabel().replace("\n", " ") == f"Verschil in het aandeel “{label}” (procentpunten)"
    assert f"krijgt vaker “{label}”" in ax.get_title().replace("\n", " ") and "streng" not in ax.get_title()
