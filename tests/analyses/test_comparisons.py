"""Notebook 50 (comparisons): the analysis recovers the demo's planted truths, bad input is refused clearly,
small units are suppressed everywhere, findings round-trip, and the published page words the truths."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from clientvalue.analyses import comparisons
from clientvalue.data.codebook import parse_codebook
from clientvalue.data.demo_comparisons import COMPARISON_TRUTH
from clientvalue.data.survey import load_survey
from clientvalue.errors import CodebookError, DataError
from clientvalue.findings import Finding, read_findings, write_findings
from clientvalue.paths import DEMO_DIR

MUNI = DEMO_DIR / "municipality"


@pytest.fixture(scope="module")
def survey():
    return load_survey(MUNI / "codebook.yaml")


@pytest.fixture(scope="module")
def result(survey):
    return comparisons.analyse(survey, n_boot=200, seed=1)


# --------------------------------------------------------------------------- planted truths
def test_levels_equal_a_direct_weighted_computation(survey, result):
    data = survey.reported_data(10)
    ok = data["overall"].notna()
    y, w = data.loc[ok, "overall"].to_numpy(float), data.loc[ok, "weight"].to_numpy(float)
    row = result.levels.query("group == 'all' and wave == '2026' and question == 'overall'").iloc[0]
    assert row["mean"] == pytest.approx(np.average(y, weights=w), abs=1e-12)
    assert row["share_satisfied"] == pytest.approx(np.average(y >= 7, weights=w), abs=1e-12)
    assert row["n"] == ok.sum()
    items = result.levels.query("question == 'q_cost' and wave == '2026'")
    assert set(items["satisfied_from"]) == {4.0}  # top two boxes of 1-5
    assert "Ombudsman" not in set(result.levels["group"])  # below the minimum group size in every wave


def test_the_improved_service_is_found(result):
    service = COMPARISON_TRUTH["improved_service"]  # noqa: F841 (read by DataFrame.query as @service)
    ch = result.wave_changes.query("group == @service and question == 'overall' and span == 'all'").iloc[0]
    assert (ch["from_wave"], ch["to_wave"]) == ("2024", "2026")
    assert ch["flag"] == "improved" and ch["change"] > 0.4 and ch["p_value"] < 0.001
    for other in ("Burgerzaken", "Wmo-loket"):  # noqa: B007 (read by DataFrame.query as @other)
        assert result.wave_changes.query("group == @other and question == 'overall' and span == 'all'")[
            "flag"].iloc[0] == "similar"


def test_the_red_item_of_last_time_improved(result):
    truth = COMPARISON_TRUTH["red_item_improved"]
    row = result.red_items.query("group == @truth['service'] and question == @truth['item'] "
                                 "and red_wave == @truth['from_wave']").iloc[0]
    assert row["to_wave"] == truth["to_wave"] and row["flag"] == "improved"


def test_drivers_shifted_from_practical_to_emotional(result):
    service = COMPARISON_TRUTH["drivers_shifted"]["service"]  # noqa: F841 (read by DataFrame.query as @service)
    shares = result.value_over_waves.query("group == @service").set_index("wave")["practical_share"]
    assert shares["2024"] > 0.8 and shares["2026"] < 0.25
    change = result.value_changes.query("group == @service and from_wave == '2024' and to_wave == '2026'").iloc[0]
    assert change["flag"] == "more_emotional" and change["ci_high"] < -0.4
    for other in ("Burgerzaken", "Afval & belastingen"):  # noqa: B007 (read by DataFrame.query as @other)
        assert result.value_changes.query("group == @other and from_wave == '2024' and to_wave == '2026'")[
            "flag"].iloc[0] == "similar"


def test_renamed_and_missing_questions(result):
    assert len(result.levels.query("question == 'q_fast' and wave == '2024'")) > 0  # mapped from q_quick
    assert result.levels.query("question == 'q_welcome'")["wave"].unique().tolist() == ["2025", "2026"]
    assert {"kind": "question_not_in_every_wave", "question": "q_welcome", "waves": "2025,2026"} in result.notes


def test_units_planted_truths(result):
    units = result.units.set_index("unit")
    better = units.loc[COMPARISON_TRUTH["better_after_case_mix"]]
    assert better["position"] == "above" and better["raw_position"] == "within"
    age_only = units.loc[COMPARISON_TRUTH["better_only_by_age"]]
    assert age_only["raw_position"] == "above" and age_only["position"] == "within"
    assert age_only["raw_mean"] == units["raw_mean"].max()
    tiny = units.loc[COMPARISON_TRUTH["tiny_extreme"]]
    assert tiny["n"] == COMPARISON_TRUTH["tiny_n"] and tiny["reliability"] < 0.7 and tiny["position"] == "within"
    assert tiny["raw_mean"] > units.loc[COMPARISON_TRUTH["ordinary_locations"], "raw_mean"].max()
    reference = result.unit_model["reference"]
    assert abs(tiny["adjusted_mean"] - reference) < abs(tiny["case_mix_mean"] - reference)  # shrunk
    assert result.unit_model["slope:age"] > 0.02  # older clients grade higher among located clients
    kinds = {(f.kind, f.subject.get("unit")) for f in result.findings}
    assert ("unit_above", "Kade") in kinds and ("unit_case_mix_explains", "Haven") in kinds
    reliability = next(f for f in result.findings if f.kind == "unit_reliability")
    assert "Dorpshuis" in reliability.subject["units"].split(";")


def test_benchmark(result):
    bench = result.benchmark.set_index("question")
    assert list(bench.index)[:2] == ["overall", "q_fast"]
    assert bench.loc["q_cost", "flag"] == "below"
    expected = bench.loc["q_cost", "own_mean"] - 3.5
    assert bench.loc["q_cost", "difference"] == pytest.approx(expected)
    assert "practical_share" not in bench.index  # the value profile row is compared separately
    profile = result.value_benchmark.iloc[0]
    own = result.value_over_waves.query("group == 'all' and wave == '2026'")["practical_share"].iloc[0]
    assert profile["wave"] == "2026" and profile["practical_share"] == own
    assert profile["reference_practical_share"] == 0.6


# --------------------------------------------------------------------------- bad input
def _copy_demo(tmp_path):
    target = tmp_path / "municipality"
    shutil.copytree(MUNI, target)
    return target


def _edit(path, change):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_waves_that_cannot_be_matched(tmp_path):
    folder = _copy_demo(tmp_path)
    _edit(folder / "codebook.yaml", lambda raw: raw["waves"]["earlier"][1].update(mapping={"q_correct": "q_unknown"}))
    with pytest.raises(CodebookError, match="mapping 'q_correct' -> 'q_unknown'.*not the outcome or an item"):
        load_survey(folder / "codebook.yaml")
    _edit(folder / "codebook.yaml", lambda raw: raw["waves"]["earlier"][1].pop("mapping"))
    wave = folder / "waves" / "2025"
    data = pd.read_csv(wave / "survey.csv", sep=";", encoding="cp1252")
    questions = [c for c in data.columns if c.startswith("q_") or c == "overall"]
    data.rename(columns={c: f"old_{c}" for c in questions}).to_csv(wave / "survey.csv", sep=";", index=False,
                                                                   encoding="cp1252")

    def rename(raw):
        raw["outcome"]["column"] = "old_overall"
        for item in raw["items"]:
            item["column"] = f"old_{item['column']}"
    _edit(wave / "codebook.yaml", rename)
    with pytest.raises(DataError, match=r"wave '2025' cannot be matched.*`waves.earlier\[...\].mapping`"):
        comparisons.check_inputs(load_survey(folder / "codebook.yaml"))


def test_a_changed_scale_is_refused_unless_rescaling_is_declared(tmp_path):
    folder = _copy_demo(tmp_path)
    wave = folder / "waves" / "2025"
    _edit(wave / "codebook.yaml", lambda raw: raw["items"][1].update(scale=[1, 7]))
    with pytest.raises(CodebookError, match=r"q_correct.*\[1\.0, 7\.0\].*rescale: \[q_correct\]"):
        comparisons.check_inputs(load_survey(folder / "codebook.yaml"))
    _edit(folder / "codebook.yaml", lambda raw: raw["waves"]["earlier"][1].update(rescale=["q_correct"]))
    survey = load_survey(folder / "codebook.yaml")
    from clientvalue.data.waves import stack_waves

    waves = stack_waves(survey)
    assert {"kind": "rescaled", "question": "q_correct", "wave": "2025", "from": "1-7", "to": "1-5"} in waves.notes
    raw = load_survey(wave / "codebook.yaml").data["q_correct"].dropna()
    mapped = waves.data.loc[waves.data["wave"] == "2025", "q_correct"].dropna()
    assert np.allclose(np.sort(mapped.to_numpy()), np.sort(1 + (raw.to_numpy() - 1) * 4 / 6))


def test_a_wave_column_with_one_value(tmp_path):
    folder = _copy_demo(tmp_path)
    data = pd.read_csv(folder / "survey.csv", sep=";", encoding="cp1252")
    data["round"] = 2026
    data.to_csv(folder / "survey.csv", sep=";", index=False, encoding="cp1252")
    _edit(folder / "codebook.yaml", lambda raw: raw.update(waves={"column": "round"}))
    with pytest.raises(DataError, match=r"column 'round' \(codebook waves.column\): it holds 1 value"):
        comparisons.check_inputs(load_survey(folder / "codebook.yaml"))


def test_a_stacked_file_with_a_wave_column(tmp_path):
    folder = _copy_demo(tmp_path)
    data = pd.read_csv(folder / "survey.csv", sep=";", encoding="cp1252")
    data["round"] = np.where(data["respondent_id"] % 2 == 0, "spring", "autumn")
    data.to_csv(folder / "survey.csv", sep=";", index=False, encoding="cp1252")
    _edit(folder / "codebook.yaml", lambda raw: raw.update(waves={"column": "round", "order": ["spring", "autumn"]}))
    result = comparisons.analyse(load_survey(folder / "codebook.yaml"), n_boot=0)
    assert result.waves == ["spring", "autumn"]
    assert set(result.wave_changes["from_wave"]) == {"spring"}
    # units are compared in the current wave only: each unit's n counts its autumn respondents
    shown = result.units[~result.units["suppressed"].astype(bool)].set_index("unit")
    autumn = data[data["round"] == "autumn"]["location"].astype(str).value_counts()
    assert len(shown) and all(shown.loc[u, "n"] <= autumn[u] for u in shown.index)
    assert any(shown.loc[u, "n"] < data["location"].astype(str).value_counts()[u] for u in shown.index)


def test_units_are_compared_in_the_last_wave_the_stacked_file_holds(tmp_path):
    folder = _copy_demo(tmp_path)
    data = pd.read_csv(folder / "survey.csv", sep=";", encoding="cp1252")
    data["year"] = np.where(data["respondent_id"] % 2 == 0, 2023, 2024)  # numeric codes; 2025 is not in yet
    data.to_csv(folder / "survey.csv", sep=";", index=False, encoding="cp1252")
    _edit(folder / "codebook.yaml", lambda raw: raw.update(waves={"column": "year", "order": [2023, 2024, 2025]}))
    result = comparisons.analyse(load_survey(folder / "codebook.yaml"), n_boot=0)
    assert result.waves == ["2023", "2024"]
    shown = result.units.set_index("unit")
    current = data[data["year"] == 2024]["location"].astype(str).value_counts()
    assert len(shown) >= 2 and all(shown.loc[u, "n"] <= current[u] for u in shown.index)
    assert any(shown.loc[u, "n"] < data["location"].astype(str).value_counts()[u] for u in shown.index)


def test_a_unit_column_with_a_single_unit(tmp_path):
    folder = _copy_demo(tmp_path)
    data = pd.read_csv(folder / "survey.csv", sep=";", encoding="cp1252")
    data["location"] = "Stadskantoor"
    data.to_csv(folder / "survey.csv", sep=";", index=False, encoding="cp1252")
    with pytest.raises(DataError, match=r"column 'location' \(codebook units.column\): it holds 1 unit"):
        comparisons.check_inputs(load_survey(folder / "codebook.yaml"))


def test_a_benchmark_with_unknown_questions(tmp_path):
    folder = _copy_demo(tmp_path)
    (folder / "benchmark.csv").write_text("question,mean,n,sd\noverall,7,100,1\nq_speed,3.5,100,1\n")
    with pytest.raises(DataError, match=r"benchmark.csv, column 'question': \['q_speed'\] are not questions"):
        comparisons.check_inputs(load_survey(folder / "codebook.yaml"))


def test_ids_that_repeat_across_waves_are_reported(tmp_path):
    folder = _copy_demo(tmp_path)
    path = folder / "waves" / "2025" / "survey.csv"
    data = pd.read_csv(path, sep=";", encoding="cp1252")
    data["respondent_id"] = data["respondent_id"] - 300001 + 100001  # the same ids as the current export
    data.to_csv(path, sep=";", index=False, encoding="cp1252")
    from clientvalue.data.waves import stack_waves

    notes = stack_waves(load_survey(folder / "codebook.yaml")).notes
    assert {"kind": "ids_repeat", "n": len(data)} in notes


def test_the_paired_option(tmp_path, result):
    folder = _copy_demo(tmp_path)
    _edit(folder / "codebook.yaml", lambda raw: raw["waves"].update(paired=True))
    paired = comparisons.analyse(load_survey(folder / "codebook.yaml"), n_boot=0)
    assert set(paired.wave_changes["method"]) == {"paired"} and {"kind": "paired"} in paired.notes
    mine, theirs = paired.wave_changes, result.wave_changes  # no id repeats: the independent comparison
    assert np.allclose(mine["change"], theirs["change"], atol=1e-12)
    # the same up to the designs' finite-sample factors n / (n - 1) (one per wave, or one for both)
    assert np.allclose(mine["ci_high"] - mine["ci_low"], theirs["ci_high"] - theirs["ci_low"], rtol=1e-3)
    path = folder / "waves" / "2025" / "survey.csv"
    data = pd.read_csv(path, sep=";", encoding="cp1252")
    data["respondent_id"] = data["respondent_id"] - 300001 + 100001
    data.to_csv(path, sep=";", index=False, encoding="cp1252")
    repeated = comparisons.analyse(load_survey(folder / "codebook.yaml"), n_boot=0)
    assert any(n["kind"] == "ids_repeat_paired" for n in repeated.notes)
    assert not any(n["kind"] == "ids_repeat" for n in repeated.notes)
    # the table's caption says how the changes were computed (not "independent samples")
    from clientvalue.report import comparisons_text

    titles: list[str] = []
    report = type("Report", (), {"language": "en", "save": lambda self, *a, **k: None,
                                 "text": lambda self, *a: None,
                                 "show_table_html": lambda self, title, *a: titles.append(title)})()
    for results, words in ((paired, "paired analysis"), (result, "independent samples")):
        titles.clear()
        comparisons_text.show_waves(report, results, {})
        assert words in titles[0] and len(titles) >= 2


@pytest.mark.parametrize("section, message", [
    ({"units": {"column": "location", "case_mix": ["income"]}}, "units.case_mix names 'income'"),
    ({"waves": {"column": "round", "earlier": [{"name": "2024", "codebook": "x.yaml"}], "current": "2026"}},
     "not both"),
    ({"waves": {"earlier": [{"name": "2024", "codebook": "x.yaml"}]}}, "name this export's wave in `current`"),
    ({"satisfaction": {"top_boxes": 0}}, "top_boxes"),
])
def test_codebook_sections_are_checked(section, message):
    raw = yaml.safe_load((MUNI / "codebook.yaml").read_text(encoding="utf-8")) | section
    with pytest.raises(CodebookError, match=message):
        parse_codebook(raw)


def test_satisfaction_thresholds_can_be_set(tmp_path):
    folder = _copy_demo(tmp_path)
    _edit(folder / "codebook.yaml", lambda raw: raw.update(satisfaction={"ten_point_from": 8, "top_boxes": 1}))
    survey = load_survey(folder / "codebook.yaml")
    table = comparisons._levels(comparisons._current(survey, ["overall", "q_fast"], "x"), ["overall", "q_fast"],
                                comparisons._satisfied_from(survey), 0.95)
    data = survey.data
    row = table.query("group == 'all' and question == 'overall'").iloc[0]
    ok = data["overall"].notna()
    assert row["share_satisfied"] == pytest.approx(np.average(data.loc[ok, "overall"] >= 8, weights=data.loc[ok, "weight"]))
    assert table.query("question == 'q_fast'")["satisfied_from"].iloc[0] == 5


# --------------------------------------------------------------------------- suppression
def test_small_units_are_suppressed_and_not_recoverable(tmp_path):
    folder = _copy_demo(tmp_path)
    data = pd.read_csv(folder / "survey.csv", sep=";", encoding="cp1252", keep_default_na=False)
    data.loc[data["location"] == "", "location"] = "Stadskantoor"  # every client has a unit
    small = data.index[data["location"] == "Dorpshuis"][:4]
    data.loc[data["location"] == "Dorpshuis", "location"] = "Stadskantoor"
    data.loc[small, "location"] = "Klein"  # 4 clients: below the minimum group size
    data.to_csv(folder / "survey.csv", sep=";", index=False, encoding="cp1252")
    survey = load_survey(folder / "codebook.yaml")
    result = comparisons.analyse(survey, n_boot=0)
    shown = set(result.units["unit"])
    assert "Klein" not in shown
    assert "Kade" not in shown  # the smallest other unit, so that "all" minus the units shown is no small group
    assert {"kind": "units_not_shown", "n": 2} in result.notes
    assert not any("Klein" in str(f.subject) for f in result.findings)


def test_a_unit_is_as_large_as_the_ratings_its_numbers_come_from(tmp_path):
    folder = _copy_demo(tmp_path)
    data = pd.read_csv(folder / "survey.csv", sep=";", encoding="cp1252", keep_default_na=False)
    data.loc[data["location"] == "", "location"] = "Stadskantoor"  # every client has a unit
    small = data.index[data["location"] == "Haven"][:12]
    data.loc[small, "location"] = "Klein"  # 12 clients, of whom only 5 give an overall rating
    data.loc[small[5:], "overall"] = ""
    data.to_csv(folder / "survey.csv", sep=";", index=False, encoding="cp1252")
    result = comparisons.analyse(load_survey(folder / "codebook.yaml"), n_boot=0)
    assert "Klein" not in set(result.units["unit"])
    assert not any("Klein" in str(f.subject) for f in result.findings)
    # "all" (the current wave's overall rating) minus the units shown is no small group either
    levels = result.levels
    everyone = levels[(levels["group"] == "all") & (levels["question"] == "overall")
                      & (levels["wave"] == result.waves[-1])]["n"].iloc[0]
    outside = int(everyone - result.units["n"].sum())
    assert outside == 0 or outside >= 10


def test_a_question_few_of_a_service_answered_is_left_out_and_not_recoverable(tmp_path):
    folder = _copy_demo(tmp_path)
    data = pd.read_csv(folder / "survey.csv", sep=";", encoding="cp1252", keep_default_na=False)
    few = data.index[data["service"] == "Burgerzaken"][4:]
    data["q_easy"] = data["q_easy"].astype(object)
    data.loc[few, "q_easy"] = ""  # a large service, of whom 4 answered this question
    data.to_csv(folder / "survey.csv", sep=";", index=False, encoding="cp1252")
    result = comparisons.analyse(load_survey(folder / "codebook.yaml"), n_boot=0)
    now = result.levels[(result.levels["wave"] == result.waves[-1]) & (result.levels["question"] == "q_easy")]
    assert "Burgerzaken" not in set(now["group"]) and len(now) >= 3
    assert (now["n"] >= 10).all()
    outside = int(now.loc[now["group"] == "all", "n"].iloc[0] - now.loc[now["group"] != "all", "n"].sum())
    assert outside >= 10  # "all" minus the services shown: more than the 4 answers left out
    assert not result.wave_changes[(result.wave_changes["group"] == "Burgerzaken")
                                   & (result.wave_changes["question"] == "q_easy")
                                   & (result.wave_changes["to_wave"] == result.waves[-1])].shape[0]
    other = result.levels[(result.levels["group"] == "Burgerzaken") & (result.levels["question"] == "q_fast")]
    assert len(other) == len(result.waves)  # the service's other questions are shown as before


# --------------------------------------------------------------------------- findings contract
def test_findings_round_trip_in_a_stable_order(tmp_path, result):
    path = write_findings(tmp_path / "findings" / "50.json", list(reversed(result.findings)))
    again = read_findings(path)
    assert [f.kind for f in again] == [f.kind for f in sorted(result.findings, key=lambda f: (-f.priority, -f.severity, f.kind, sorted(f.subject.items())))]
    first = write_findings(tmp_path / "a.json", result.findings).read_bytes()
    assert write_findings(tmp_path / "b.json", list(reversed(result.findings))).read_bytes() == first
    odd = Finding(kind="x", subject={"g": "a"}, numbers={"m": math.nan}, severity=3, priority=1)
    back = read_findings(write_findings(tmp_path / "c.json", [odd]))[0]
    assert math.isnan(back.numbers["m"]) and back.severity == 3 and back.subject == {"g": "a"}
    with pytest.raises(ValueError, match="severity"):
        Finding(kind="x", severity=5)


def test_findings_are_saved_beside_the_tables_folder(tmp_path, result):
    path = comparisons.save_findings(result, tables_dir=str(tmp_path / "tables"))
    assert path == tmp_path / "findings" / "50_comparisons.json"
    assert path.read_bytes() == write_findings(tmp_path / "direct.json", result.findings).read_bytes()
    assert comparisons.save_findings(result, tables_dir="") is None  # a notebook run by hand writes nothing


def test_empty_tables_are_shown_without_failing():
    from clientvalue.report import comparisons_text as words

    for builder, frame in ((words.units_table, comparisons.UNIT_COLUMNS), (words.value_table, comparisons.VALUE_COLUMNS)):
        assert builder(pd.DataFrame(columns=frame)).empty
    assert words.changes_table(pd.DataFrame(columns=comparisons.CHANGE_COLUMNS), labels={}).empty
    assert words.benchmark_table(pd.DataFrame(columns=comparisons.BENCHMARK_COLUMNS), labels={}).empty
    assert words.levels_table(pd.DataFrame(columns=comparisons.LEVEL_COLUMNS), labels={}, wave="x").empty
    assert words.describe_findings([], labels={}) == "Nothing here stands out beyond chance."


# --------------------------------------------------------------------------- the published page
def _page(report) -> str:
    import html
    import re

    text = (report / "50_comparisons.html").read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def test_the_page_words_the_planted_truths(demo_report):
    page = " ".join(_page(demo_report).split())
    assert "Afval & belastingen: “Overall rating of the service” improved from 2024 to 2026" in page
    assert "Jeugd & gezin: what drives the overall rating shifted from practical towards emotional value" in page
    assert "“The costs were reasonable” was in the red in 2025 and improved by 2026" in page
    assert "Where it already goes well: Kade lies above the upper limit" in page
    assert "Haven looks better than the others on its raw mean" in page
    assert "The mean of Dorpshuis is not reliable enough" in page
    assert "Adjusting a comparison for age is not differentiating between clients" in page
    assert "Zaslavsky 2001" in page and "Paddison et al. 2012" in page
    assert "Ombudsman" not in page
    findings = read_findings(demo_report / "findings" / "50_comparisons.json")
    assert {"level", "wave_change", "driver_shift", "unit_above", "benchmark"} <= {f.kind for f in findings}
    for name in ("levels", "wave_changes", "value_over_waves", "units", "benchmark"):
        assert (demo_report / "tables" / f"{name}.csv").is_file()


def test_the_dutch_page_words_them_too(demo_report_nl):
    page = " ".join(_page(demo_report_nl).split())
    assert "Waar het al goed gaat: Kade ligt boven de bovengrens" in page
    assert "Een vergelijking corrigeren voor leeftijd is geen onderscheid maken tussen klanten" in page
    assert "is verschoven van praktische naar emotionele waarde" in page


def test_a_report_with_findings_can_be_replaced(tmp_path):
    import json

    from clientvalue.run import pipeline

    (tmp_path / "findings").mkdir()
    (tmp_path / "findings" / "50_comparisons.json").write_text("{}")
    (tmp_path / "index.html").write_text("x")
    manifest = {"status": "succeeded", "notebooks": [], "tables": [], "packages": {"clientvalue": "x"},
                "findings": ["findings/50_comparisons.json"]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert pipeline.files_not_in_report(tmp_path) == []
    (tmp_path / "findings" / "other.json").write_text("{}")
    assert pipeline.files_not_in_report(tmp_path) == ["findings/other.json"]


def test_notebook_50_needs_only_a_rating():
    from clientvalue.analyses.registry import COMPARISONS

    needs = COMPARISONS.applies
    assert needs(load_survey(DEMO_DIR / "senior" / "codebook.yaml")) is False  # no outcome, no items: skipped
    assert needs(load_survey(MUNI / "codebook.yaml")) is True


def test_the_unit_models_read_a_frame_of_only_the_columns_they_use(survey, monkeypatch):
    """The unit frame holds the outcome, the questions, the case mix, the weight and the unit, not a copy
    of every column of the export; given every column instead, the unit models give the same numbers
    to the last bit (so none of them reads a column the narrow frame lacks)."""
    from clientvalue.data.waves import questions_of

    questions = questions_of(survey.codebook)
    current = survey.codebook.waves.current
    data, _ = comparisons._unit_frame(survey, 10, current, questions)
    assert "_unit" in data.columns and len(data.columns) < len(survey.data.columns)
    narrow = comparisons._units(survey, questions, current=current, min_group_size=10, level=0.95)
    real = comparisons._unit_frame

    def every_column(survey, min_group_size, current, questions):
        data, notes = real(survey, min_group_size, current, questions)
        return survey.data.loc[data.index].assign(_unit=data["_unit"]), notes

    monkeypatch.setattr(comparisons, "_unit_frame", every_column)
    wide = comparisons._units(survey, questions, current=current, min_group_size=10, level=0.95)
    assert len(narrow[0]) >= 2 and len(narrow[1]) > 0
    for got, expected in zip(narrow[:2], wide[:2]):
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert narrow[2:] == wide[2:]
