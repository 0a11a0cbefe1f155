"""The findings contract: every analysis decides its findings once, writes them to findings/*.json,
and every page (its own and the summary) words the same Finding the same way: one fact, one value."""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest

from clientvalue.findings import Finding, read_findings
from clientvalue.report import consistency_text, drivers_text, segments_text, senior_text
from clientvalue.report.summary import _describe, ranked_actions, read_all_findings


def _text(path) -> str:
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _plain(markdown: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(markdown.replace("**", "").replace("*", "").replace("\\", "")))


@pytest.fixture(scope="module")
def findings(demo_report):
    return read_all_findings(demo_report / "findings")


def test_each_notebook_writes_its_findings_and_the_manifest_lists_them(demo_report, findings):
    assert {"10_value_drivers", "20_senior", "50_comparisons"} <= set(findings)
    manifest = json.loads((demo_report / "manifest.json").read_text(encoding="utf-8"))
    assert {f"findings/{name}.json" for name in findings} == set(manifest["findings"])


def test_the_strategy_and_what_to_improve_are_decided_once(findings):
    deciding = {name for name, items in findings.items()
                if any(f.kind in ("strategy", "important_below_par", "below_midpoint") for f in items)}
    assert deciding == {"10_value_drivers"}
    everyone = [f for f in findings["10_value_drivers"] if f.kind == "strategy" and f.subject["group"] == "all"]
    assert len(everyone) == 1


def test_improve_here_and_below_midpoint_follow_page_10s_table(demo_report, findings):
    """A second reading of the published drivers table: the quadrant and the scale midpoint."""
    drivers = pd.read_csv(demo_report / "tables" / "drivers.csv")
    par = {(f.subject["group"], f.subject["item"]) for f in findings["10_value_drivers"]
           if f.kind == "important_below_par"}
    low = {(f.subject["group"], f.subject["item"]) for f in findings["10_value_drivers"] if f.kind == "below_midpoint"}
    assert par == set(map(tuple, drivers.loc[drivers["quadrant"] == "concentrate_here", ["group", "item"]].to_numpy()))
    assert low == set(map(tuple, drivers.loc[drivers["performance"] < 50, ["group", "item"]].to_numpy()))
    assert par and low


def test_summary_and_page_10_give_the_same_numbers(demo_report, findings):
    summary, page = _text(demo_report / "index.html"), _text(demo_report / "10_value_drivers.html")
    everyone = [f for f in findings["10_value_drivers"] if f.kind == "value_profile" and f.subject["group"] == "all"]
    sentence = _plain(drivers_text.describe(everyone[0], language="en"))
    assert sentence in summary and sentence in page
    shown = [f for f in ranked_actions(findings) if f.kind in ("important_below_par", "below_midpoint")]
    assert shown, "the demo has questions to improve"
    for f in shown:  # the same question, share and score on both pages
        assert _plain(drivers_text.describe(f, language="en")) in page
        for number in (f"{100 * f.numbers['share']:.1f}%", f"{f.numbers['performance']:.1f} of 100"):
            assert number in summary and number in page, number
    assert "fix first what is in the red" not in summary and "In the red: fix first" not in summary


def test_senior_numbers_are_one_value_everywhere(demo_report, findings):
    summary, page = _text(demo_report / "index.html"), _text(demo_report / "20_senior.html")
    rule = next(f for f in findings["20_senior"] if f.kind == "age_rule")
    table = pd.read_csv(demo_report / "tables" / "senior_threshold.csv").set_index("threshold")
    assert rule.numbers["missed"] == pytest.approx(table.at[65, "missed"])
    missed = f"{100 * rule.numbers['missed']:.1f}%"
    assert f"Of the people under 65, {missed} do see themselves as a senior; the rule misses all of them." in summary
    assert missed in page and "miss 3%" not in summary
    mismatch = next(f for f in findings["20_senior"] if f.kind == "value_mismatch" and f.subject["score"] == "emotional")
    value = pd.read_csv(demo_report / "tables" / "senior_value.csv").set_index("score")
    assert mismatch.numbers["difference"] == pytest.approx(value.at["emotional", "difference"])
    assert mismatch.numbers["difference"] < 0 and mismatch.uncertainty["p_value"] < 0.001
    sentence = _plain(senior_text.describe(mismatch, language="en"))
    assert sentence in summary and sentence in page


def test_satisfaction_table_equals_the_comparisons_levels(demo_report, findings):
    summary = _text(demo_report / "index.html")
    levels = pd.read_csv(demo_report / "tables" / "levels.csv") if (demo_report / "tables" / "levels.csv").exists() \
        else None
    level_findings = [f for f in findings["50_comparisons"] if f.kind == "level"]
    assert level_findings
    for f in level_findings:
        assert f"{f.numbers['mean']:.1f}" in summary
        if levels is not None:
            row = levels[(levels["group"] == f.subject["group"]) & (levels["wave"].astype(str) == f.subject["wave"])
                         & (levels["question"] == f.subject["question"])]
            assert row["mean"].iloc[0] == pytest.approx(f.numbers["mean"])
    assert summary.index("How satisfied are clients?") < summary.index("What to do")


def test_the_technical_record_is_on_its_own_page(demo_report):
    summary = _text(demo_report / "index.html")
    for word in ("sha256", "UTC", "seconds", ".csv", "Krippendorff", "Cramér", "BIC", "LMG", "Parameters"):
        assert word not in summary, word
    about = _text(demo_report / "about.html")
    assert "How this report was made" in about and "survey.csv" in about and "Parameters of this run" in about
    assert "href='about.html'" in (demo_report / "index.html").read_text(encoding="utf-8")


def _kinds_with_wording(findings: dict[str, list[Finding]]) -> list[Finding]:
    return [f for items in findings.values() for f in items if f.kind not in ("level", "groups_suppressed")]


def test_every_finding_kind_is_worded_in_both_languages(findings):
    from test_summary_round_two import FINDINGS  # tests/report is on sys.path (pytest's rootdir-less import)

    seen = {}
    for f in _kinds_with_wording(findings) + _kinds_with_wording(FINDINGS):
        seen.setdefault(f.kind, f)
    assert len(seen) >= 12
    for kind, f in seen.items():
        en, nl = _describe(f, "en"), _describe(f, "nl")
        assert en and nl and en != nl, kind


def test_page_30_no_longer_decides_the_strategy(demo_codebook):
    from clientvalue.analyses import segments
    from clientvalue.data.survey import load_survey

    results = segments.analyse(load_survey(demo_codebook), n_boot=30, n_perm=19, n_stability=3, seed=1,
                               language="en", on_error="note")
    text = segments_text.key_findings(results, "en")
    assert "Nothing is in the red" not in text and "decided once, on the value-driver page" in text
    contract = results.findings
    assert {f.kind for f in contract} & {"strategy", "important_below_par", "below_midpoint"} == set()
    difference = next(f for f in contract if f.kind == "segment_value_difference")
    assert f"difference between the client groups {difference.numbers['difference']:.2f}" in text
    flags = [f for f in contract if f.kind == "treatment_flag"]
    assert len({(f.subject["treatment"], f.subject["attribute"]) for f in flags}) == len(flags)
    for f in flags:  # the summary's sentence is the page's sentence
        assert _plain(segments_text.describe(f, language="en")) in _plain(text)


def test_page_30_words_the_findings_it_saves_and_nothing_else(demo_codebook, tmp_path):
    """Every bullet of page 30's key findings and every persona card words a Finding of ``results.findings``,
    the list the notebook writes to findings/30_segments.json: change a number there and the page changes."""
    from dataclasses import replace

    from clientvalue.analyses import segments
    from clientvalue.data.survey import load_survey

    results = segments.analyse(load_survey(demo_codebook), n_boot=30, n_perm=19, n_stability=3, seed=1,
                               language="en", on_error="note")
    path = segments.save_findings(results, tables_dir=str(tmp_path / "tables"))
    def as_json(items):
        return sorted(json.dumps(f.to_dict(), sort_keys=True) for f in items)

    assert as_json(read_findings(path)) == as_json(results.findings)  # NaN == NaN as null
    kinds = [f.kind for f in results.findings]
    assert {"segments", "segment_stability", "segment_card", "segment_value_difference", "proxy",
            "treatment_flag", "treatment_ok"} <= set(kinds)
    bullets = segments_text.key_findings(results, "en").splitlines()
    assert len(bullets) == len([k for k in kinds if k != "segment_card"])  # one bullet per finding, in order
    cards = segments_text.persona_cards(results, "en")
    assert cards.count("#### ") == kinds.count("segment_card")

    first = results.findings[0]
    assert first.kind == "segments" and "**9 client groups**" not in bullets[0]
    results.findings[0] = replace(first, numbers=first.numbers | {"k": 9.0})
    assert "**9 client groups**" in segments_text.key_findings(results, "en")
    card = next(i for i, f in enumerate(results.findings) if f.kind == "segment_card")
    results.findings[card] = replace(results.findings[card], subject=results.findings[card].subject
                                     | {"asks": "experience"}, numbers=results.findings[card].numbers | {"share": 0.77})
    assert "Segment" in cards and "· 77%" in segments_text.persona_cards(results, "en")
    assert "above all being listened to" in segments_text.persona_cards(results, "en")


def test_the_name_effect_is_stated_fully_with_the_tables_numbers():
    from clientvalue.analyses import consistency
    from clientvalue.data.vignettes import load_vignette_study
    from clientvalue.paths import DEMO_DIR

    study = load_vignette_study(DEMO_DIR / "municipality" / "vignettes" / "codebook.yaml")
    names = consistency_text.study_labels(study, "en")
    results = consistency.analyse(study, n_boot=199, seed=20261124, labels=names)
    contract = results.findings
    effects = sorted((f for f in contract if f.kind == "variant_effect"), key=lambda f: -f.priority)
    assert effects and effects[0].subject["team"] == "Oost" and effects[0].subject["outcome"].startswith("rate_")
    top = effects[0]
    row = results.variants[(results.variants["team"] == "Oost") & (results.variants["outcome"] == top.subject["outcome"])]
    text = html.unescape(consistency_text.describe(top, language="en"))
    for share in (row["mean_variant"].iloc[0], row["mean_reference"].iloc[0]):
        assert f"{100 * share:.1f}%" in text
    for name in names["variant"].values():
        assert name in text
    assert "team Oost" in text and names["differs"] in text
    teams = next(f for f in contract if f.kind == "teams_differ")
    shown = results.teams[~results.teams["suppressed"]]
    assert teams.numbers["differing"] == int(shown["differs"].sum())


def test_a_segment_analysis_that_could_not_run_has_no_findings(tmp_path):
    from clientvalue.analyses import segments

    results = segments.unavailable("too few answers")
    assert results.findings == [] and segments.findings(results) == []
    path = segments.save_findings(results, tables_dir=str(tmp_path / "tables"))
    assert read_findings(path) == []
