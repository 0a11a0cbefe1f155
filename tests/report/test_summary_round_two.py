"""The summary page reads only the findings files: first screen order, ranked actions, the most
serious finding stated fully, plain words, and every finding kind worded in both languages."""

from __future__ import annotations

import html
import re

import pytest

from clientvalue.findings import Finding, write_findings
from clientvalue.report.i18n import translator
from clientvalue.report.summary import most_serious, ranked_actions, summary_body

MANIFEST = {
    "notebooks": [{"name": n, "html": f"{n}.html"} for n in
                  ("00_data_check", "10_value_drivers", "20_senior", "30_segments", "40_consistency",
                   "50_comparisons")],
    "data_summary": {"respondents": 1680, "groups_reported": ["Burgerzaken", "Jeugd"], "groups_suppressed": 1},
}


def _level(group, mean, previous=None):
    extra = {"previous_mean": previous} if previous is not None else {}
    return Finding("level", {"group": group, "question": "overall", "wave": "2026"},
                   {"mean": mean, "share_satisfied": 0.8, "n": 300, "satisfied_from": 7, **extra},
                   {"ci_low": mean - 0.2, "ci_high": mean + 0.2, "share_ci_low": 0.75, "share_ci_high": 0.85})


FINDINGS = {
    "10_value_drivers": [
        Finding("value_profile", {"group": "all"}, {"n": 300, "r2": 0.405, "practical_share": 0.71,
                                                    "emotional_share": 0.29},
                {"practical_ci_low": 0.63, "practical_ci_high": 0.79, "emotional_ci_low": 0.21,
                 "emotional_ci_high": 0.37}),
        Finding("strategy", {"group": "all", "strategy": "performance", "segment_by": ""},
                {"practical_share": 0.71, "emotional_share": 0.29, "segment_difference": 0.2},
                {"segment_p_value": 0.4}, severity=1, priority=1.1),
        Finding("important_below_par", {"group": "Wmo", "item": "quick", "label": "I was helped quickly",
                                        "dimension": "practical", "quadrant": "concentrate_here", "clear": "yes"},
                {"share": 0.25, "performance": 59.8, "improvement_score": 0.3},
                {"share_ci_low": 0.2, "share_ci_high": 0.3, "performance_se": 1.0}, severity=2, priority=2.3),
        Finding("below_midpoint", {"group": "Jeugd", "item": "quick", "label": "I was helped quickly",
                                   "dimension": "practical", "quadrant": "low_priority"},
                {"share": 0.01, "performance": 45.0, "improvement_score": 0.1, "floor": 50},
                {"share_ci_low": 0.0, "share_ci_high": 0.03, "performance_se": 2.0}, severity=2, priority=2.0),
    ],
    "20_senior": [
        Finding("age_rule", {"threshold": "65"}, {"labelled_against": 0.454, "missed": 0.0338},
                {"ci_low": 0.4, "ci_high": 0.5, "missed_ci_low": 0.02, "missed_ci_high": 0.05}, severity=1),
        Finding("value_mismatch", {"score": "emotional", "threshold": "65"},
                {"difference": -0.371, "n_against": 200, "n_match": 300},
                {"ci_low": -0.5, "ci_high": -0.24, "p_value": 1e-6}, severity=1),
    ],
    "30_segments": [
        Finding("treatment_flag", {"treatment": "extra_check", "attribute": "origin", "category": "ja",
                                   "carried_by": "", "separation": "no", "adjusted_for_attributes": "",
                                   "treatment_label": "Extra check", "attribute_label": "Origin",
                                   "carried_by_label": "", "adjusted_for_labels": ""},
                {"raw": 0.2, "adjusted": 0.15, "carried_diff": float("nan"), "adjusted_for_questions": 8},
                {"raw_ci_low": 0.1, "raw_ci_high": 0.3, "ci_low": 0.05, "ci_high": 0.25}, severity=3, priority=3.6),
    ],
    "40_consistency": [
        Finding("variant_effect", {"team": "Oost", "variant": "B", "reference": "A", "outcome": "rate_refuse",
                                   "variant_label": "Name version Mohammed", "reference_label": "Name version Jan",
                                   "differs": "the client's name", "decision_label": "refuse and recover"},
                {"effect": 0.215, "mean_variant": 0.615, "mean_reference": 0.40, "n_employees": 12},
                {"ci_low": 0.05, "ci_high": 0.38, "ci_level": 0.99, "p_value": 0.001}, severity=3, priority=4.2),
        Finding("teams_differ", {"teams": '["Oost", "Noord", "Zuid", "West"]'}, {"differing": 4, "teams": 5}, severity=2),
        Finding("case_classes", {}, {"clear": 6, "minority": 5, "split": 5, "n": 16}, severity=2),
        Finding("agreement", {"verdict": "mixed", "level": "ordinal"},
                {"alpha": 0.74, "n_employees": 60, "n_cases": 16, "nominal_alpha": 0.5},
                {"ci_low": 0.7, "ci_high": 0.78}, severity=2),
    ],
    "50_comparisons": [_level("all", 7.4, 7.2), _level("Wmo", 7.1, 7.3)],
}


@pytest.fixture
def tables(tmp_path):
    for name, items in FINDINGS.items():
        write_findings(tmp_path / "findings" / f"{name}.json", items)
    (tmp_path / "tables").mkdir()
    return tmp_path / "tables"


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_first_screen_answers_in_order(tables):
    page = summary_body(tables, manifest=MANIFEST, language="en", title="Survey")
    order = [page.index(h) for h in ("How satisfied are clients?", "What to do", "The most serious finding")]
    assert order == sorted(order)
    assert page.index("The most serious finding") < page.index("Which kind of value do clients seek?")
    text = _text(page)
    assert "7.4 (last time 7.2)" in text and "80% (75% to 85%)" in text


def test_first_screen_compares_the_rating_with_others(tmp_path):
    below = Finding("benchmark", {"question": "overall", "direction": "below"},
                    {"own_mean": 7.35, "reference_mean": 7.5, "difference": -0.15},
                    {"ci_low": -0.22, "ci_high": -0.08, "p_value": 1e-4}, severity=2, priority=1.8)
    other = Finding("benchmark", {"question": "q_fast", "direction": "above"},
                    {"own_mean": 4.1, "reference_mean": 3.9, "difference": 0.2},
                    {"ci_low": 0.1, "ci_high": 0.3, "p_value": 1e-4}, severity=1, priority=1.8)
    findings = {**FINDINGS, "50_comparisons": [*FINDINGS["50_comparisons"], other, below]}
    for name, items in findings.items():
        write_findings(tmp_path / "findings" / f"{name}.json", items)
    (tmp_path / "tables").mkdir()
    text = _text(summary_body(tmp_path / "tables", manifest=MANIFEST, language="en", title="Survey"))
    first = text[:text.index("What to do")]
    assert "Compared with others: “overall rating”: 7.35 here against 7.50 in the reference (−0.15; " in first
    assert "4.10" not in first  # another question's benchmark is for the comparisons page
    dutch = _text(summary_body(tmp_path / "tables", manifest=MANIFEST, language="nl", title="Survey"))
    assert "Vergeleken met anderen: “rapportcijfer”: 7,35 hier tegen 7,50 in de referentie" in dutch
    first_nl = dutch[:dutch.index("Wat te doen")]
    assert "7,35" in first_nl


def test_without_a_benchmark_the_first_screen_says_nothing_of_others(tables):
    assert "Compared with others" not in summary_body(tables, manifest=MANIFEST, language="en", title="Survey")


def test_actions_are_ranked_law_and_people_first(tables):
    actions = ranked_actions(FINDINGS)
    assert 3 <= len(actions) <= 5
    kinds = [f.kind for f in actions]
    assert kinds[:2] == ["treatment_flag", "variant_effect"]
    assert kinds.index("important_below_par") > kinds.index("case_classes")
    assert "strategy" not in kinds[:3]


def test_most_serious_names_team_versions_direction_size_and_other_teams(tables):
    assert most_serious(FINDINGS).kind == "variant_effect"
    for language, words in (("en", ["team Oost", "the client's name", "“Name version Mohammed”", "61.5%",
                                     "40.0%", "“Name version Jan”", "4 of 5 teams"]),
                            ("nl", ["team Oost", "61,5%", "40,0%", "4 van de 5 teams"])):
        text = _text(summary_body(tables, manifest=MANIFEST, language=language, title="S"))
        serious = text[text.index("Name version Mohammed" if language == "en" else "61,5%") - 200:]
        for word in words:
            assert word in text, (language, word)
        assert serious


def test_improve_here_and_below_midpoint_are_kept_apart(tables):
    text = _text(summary_body(tables, manifest=MANIFEST, language="en", title="S"))
    assert "Wmo: improve “I was helped quickly”: it weighs heavily (25.0% of the explained part) and scores 59.8" in text
    assert "Jeugd: raise “I was helped quickly”: it scores below the middle of the scale (45.0 of 100)" in text
    assert "fix first what is in the red" not in text and "nothing" not in text


def test_senior_sentences_are_right(tables):
    text = _text(summary_body(tables, manifest=MANIFEST, language="en", title="S"))
    assert "Of the people under 65, 3.4% do see themselves as a senior; the rule misses all of them." in text
    assert "score 0.37 lower on emotional value" in text and "p < 0.001" in text
    assert "miss 3%" not in text


def test_plain_words_no_statistics_or_machine_record_on_the_summary(tables):
    for language in ("en", "nl"):
        text = _text(summary_body(tables, manifest=MANIFEST, language=language, title="S"))
        for word in ("Krippendorff", "Cramér", "BIC", "LMG", "sha256", "UTC", ".csv", "seconds", "seconden",
                     "alpha", "alfa"):
            assert word not in text, (language, word)
    page = summary_body(tables, manifest=MANIFEST, language="en", title="S")
    assert "href='about.html'" in page


def test_dutch_summary_is_dutch(tables):
    text = _text(summary_body(tables, manifest=MANIFEST, language="nl", title="S"))
    assert "Hoe tevreden zijn klanten?" in text and "Wat te doen" in text
    assert "7,4 (vorige keer 7,2)" in text
    for english in ("improve", "team Oost decides", "Check who", "last time", "The most serious"):
        assert english not in text


def test_the_summary_reads_no_tables(tables):
    """A CSV beside the findings that contradicts them is never read."""
    (tables / "value_profile.csv").write_text("group,r2\nall,0.123\n", encoding="utf-8")
    text = _text(summary_body(tables, manifest=MANIFEST, language="en", title="S"))
    assert "12%" not in text and "41%" in text


def test_without_findings_the_summary_still_renders(tmp_path):
    page = summary_body(tmp_path / "tables", manifest={"notebooks": []}, language="en", title="Empty")
    assert "<h1>Empty</h1>" in page and "What to do" not in page


def test_names_from_the_data_are_inert(tmp_path):
    evil = "Jeugd <img src=x onerror=alert(1)>"
    label = "[klik](javascript:alert(1)) *vet* <script>x</script>"
    findings = {
        "10_value_drivers": [Finding("important_below_par", {"group": evil, "item": "q", "label": label,
                                                             "dimension": "practical", "quadrant": "concentrate_here",
                                                             "clear": "yes"},
                                     {"share": 0.3, "performance": 40.0, "improvement_score": 0.5},
                                     {"share_ci_low": 0.2, "share_ci_high": 0.4, "performance_se": 1.0}, severity=2)],
        "50_comparisons": [_level(evil, 7.0)],
    }
    for name, items in findings.items():
        write_findings(tmp_path / "findings" / f"{name}.json", items)
    page = summary_body(tmp_path / "tables", manifest=MANIFEST, language="en", title="<script>t</script>")
    assert "<img" not in page and "<script>" not in page
    assert "href=\"javascript" not in page and "href='javascript" not in page and "<em>vet</em>" not in page
    assert "Jeugd &lt;img" in page or "Jeugd &amp;#60;img" in page or "Jeugd &#60;img" in page


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_summary_leaves_out_a_senior_number_the_page_leaves_out(language):
    """No interval for the half-way age, or an age-rule share too small to show: the summary says what the
    page says, with no dash or NaN in place of the missing number."""
    from clientvalue.report import senior_text
    from clientvalue.report.i18n import MISSING

    nan = float("nan")
    half = Finding(kind="half_way_age", numbers={"age": 71.4}, uncertainty={"ci_low": nan, "ci_high": 74.0})
    text = senior_text.describe(half, language=language)
    assert "71" in text and "74" not in text and MISSING not in text and "nan" not in text.lower()
    assert text == senior_text._half_way_line(half, translator(language))[2:]
    rule = Finding(kind="age_rule", subject={"threshold": "65"}, numbers={"labelled_against": 0.42, "missed": nan},
                   uncertainty={"ci_low": 0.38, "ci_high": 0.46, "missed_ci_low": nan, "missed_ci_high": nan})
    text = senior_text.describe(rule, language=language)
    _ = translator(language)
    assert text == senior_text._rule_lines(rule, t="65", m="10", _=_)[0][2:]  # the page's bullet on the 42%
    assert "42" in text and "38" in text and "nan" not in text.lower()
    both = Finding(kind="age_rule", subject={"threshold": "65"}, numbers={"labelled_against": nan, "missed": nan},
                   uncertainty={"ci_low": nan, "ci_high": nan, "missed_ci_low": nan, "missed_ci_high": nan})
    assert senior_text.describe(both, language=language) == ""  # nothing to state: the summary leaves it out


def test_a_question_is_advised_once_and_its_share_is_of_the_explained_part():
    """An important question below par that also scores below the middle is "improve" once, not also
    "raise"; the share a driver carries is a share of the explained part, not of the overall rating."""
    improve, below = FINDINGS["10_value_drivers"][2], FINDINGS["10_value_drivers"][3]
    same = Finding("below_midpoint", {**below.subject, "group": "Wmo"}, below.numbers, below.uncertainty,
                   severity=2, priority=2.0)
    kinds = [(f.kind, f.subject["group"]) for f in ranked_actions({"10_value_drivers": [improve, same, below]})]
    assert kinds == [("important_below_par", "Wmo"), ("below_midpoint", "Jeugd")]
    from clientvalue.report.summary import _action

    text = _action(below, "en")
    assert "it accounts for 1.0% of the explained part" in text and "overall rating" not in text
    assert "van het verklaarde deel" in _action(below, "nl")


def test_the_age_rule_action_shows_the_share_as_page_20_does():
    rule = Finding("age_rule", {"threshold": "65"}, {"labelled_against": 0.004, "missed": 0.03},
                   {"ci_low": 0.001, "ci_high": 0.01, "missed_ci_low": 0.02, "missed_ci_high": 0.05}, severity=1)
    from clientvalue.report.summary import _action

    assert "0.4% of the people it covers" in _action(rule, "en")  # not "0%"


def test_a_survey_without_groups_is_not_said_to_have_0_groups(tmp_path):
    for name, items in FINDINGS.items():
        write_findings(tmp_path / "findings" / f"{name}.json", items)
    (tmp_path / "tables").mkdir()
    for groups, words in (([], "1,680 respondents."), (["Wmo"], "1,680 respondents in 1 reported group."),
                          (["Wmo", "Jeugd"], "1,680 respondents in 2 reported groups.")):
        manifest = {**MANIFEST, "data_summary": {"respondents": 1680, "groups_reported": groups,
                                                 "groups_suppressed": 0}}
        text = _text(summary_body(tmp_path / "tables", manifest=manifest, language="en", title="S"))
        assert words in text and "0 reported groups" not in text


def test_a_pass_mark_with_a_decimal_is_shown_as_given():
    from clientvalue.report.comparisons_text import threshold_text

    assert threshold_text(5.5, translator("nl")) == "5,5" and threshold_text(7, translator("en")) == "7"
    level = _level("all", 7.4)
    level = Finding(level.kind, level.subject, {**level.numbers, "satisfied_from": 5.5}, level.uncertainty)
    from clientvalue.report import comparisons_text

    assert "(5.5 or more" in comparisons_text.describe(level, labels={}, language="en")


def test_a_group_not_measured_in_the_first_wave_keeps_its_change_from_the_previous_one():
    """With three waves, a service new since the second (or whose first level is hidden) has no change
    from the first wave: its change from the previous wave is kept, clear or not, and the summary says
    from when; a group with no change to now shows "–"."""
    from types import SimpleNamespace

    import pandas as pd

    from clientvalue.analyses.comparisons_findings import _changes_to_now, _level_findings, _wave_change_findings
    from clientvalue.report.summary import satisfaction_rows

    def row(group, span, since, flag, change):
        return {"question": "overall", "group": group, "span": span, "from_wave": since, "to_wave": "2026",
                "flag": flag, "change": change, "ci_low": change - 0.3, "ci_high": change + 0.3, "p_value": 0.001}

    def level(group, wave, mean):
        return {"question": "overall", "group": group, "wave": wave, "mean": mean, "share_satisfied": 0.8, "n": 300,
                "satisfied_from": 7, "ci_low": mean - 0.2, "ci_high": mean + 0.2, "share_ci_low": 0.75,
                "share_ci_high": 0.85}

    changes = pd.DataFrame([row("all", "all", "2022", "similar", 0.1), row("all", "previous", "2024", "similar", 0.0),
                            row("Wmo", "previous", "2024", "declined", -0.6),
                            row("Jeugd", "previous", "2024", "similar", 0.1)])
    levels = pd.DataFrame([level("all", "2022", 7.0), level("all", "2024", 7.2), level("all", "2026", 7.1),
                           level("Wmo", "2024", 7.4), level("Wmo", "2026", 6.8),
                           level("Jeugd", "2024", 7.0), level("Jeugd", "2026", 7.1),
                           level("Afval", "2026", 7.5)])  # new this wave: no change to now
    result = SimpleNamespace(outcome="overall", wave_changes=changes, levels=levels, waves=["2022", "2024", "2026"])
    to_now = _changes_to_now(result)
    found = _wave_change_findings(result, to_now)
    assert [(f.subject["group"], f.subject["from_wave"], f.subject["direction"]) for f in found] == [
        ("Wmo", "2024", "declined")]
    spans = {f.subject["group"]: f.subject.get("change_from_wave") for f in _level_findings(result, to_now)}
    assert spans == {"all": "2022", "Wmo": "2024", "Jeugd": "2024", "Afval": None}
    found += _level_findings(result, to_now)
    rows = {r["service"]: r["change"] for r in satisfaction_rows({"50_comparisons": found}, "en")}
    assert rows == {"All respondents": "no clear change", "Wmo": "−0.60 (−0.90 to −0.30) since 2024",
                    "Jeugd": "no clear change since 2024", "Afval": "–"}
    dutch = {r["service"]: r["change"] for r in satisfaction_rows({"50_comparisons": found}, "nl")}
    assert dutch["Jeugd"] == "geen duidelijke verandering sinds 2024"
    empty = SimpleNamespace(outcome="overall", wave_changes=pd.DataFrame(), levels=levels.iloc[:0], waves=["2026"])
    assert _level_findings(empty, _changes_to_now(empty)) == []  # an empty result


def test_the_chart_caption_counts_by_the_strategy_rule_and_needs_services():
    """A practical share of 56% (52-60%) is not "clearly drives" when the strategy rule (60% or more)
    says neither dominates; without services the caption does not count "0 of 0 services"."""
    from clientvalue.report.summary import _chart_caption

    def strategy(group, kind):
        return Finding("strategy", {"group": group, "strategy": kind, "segment_by": ""}, {}, {})

    findings = {"10_value_drivers": [strategy("Wmo", "performance+experience"), strategy("Jeugd", "performance"),
                                     strategy("Afval", "experience+customisation")]}
    _ = translator("en")
    assert _chart_caption(findings, ["Wmo", "Jeugd", "Afval"], _) == (
        "Overview chart: practical value clearly drives the rating in 1 of 3 services, emotional value in 1; "
        "in the others both matter.")
    assert "0 of 0" not in _chart_caption(findings, [], _) and "all respondents" in _chart_caption(findings, [], _)


def test_a_change_that_ended_before_the_current_wave_is_not_a_change_to_now():
    """Four waves: a service new since 2022 declined until 2024 and held since; another has no level in
    2026. Neither has a clear change up to now, so neither gets a wave_change (nor heads the summary)."""
    from types import SimpleNamespace

    import pandas as pd

    from clientvalue.analyses.comparisons_findings import _changes_to_now, _wave_change_findings

    def row(group, span, since, until, flag, change):
        return {"question": "overall", "group": group, "span": span, "from_wave": since, "to_wave": until,
                "flag": flag, "change": change, "ci_low": change - 0.3, "ci_high": change + 0.3, "p_value": 0.001}

    changes = pd.DataFrame([row("Wmo", "previous", "2022", "2024", "declined", -0.6),
                            row("Wmo", "previous", "2024", "2026", "similar", 0.0),
                            row("Jeugd", "previous", "2020", "2022", "declined", -0.7),
                            row("Afval", "previous", "2022", "2024", "similar", 0.1),
                            row("Afval", "previous", "2024", "2026", "improved", 0.5)])
    result = SimpleNamespace(outcome="overall", wave_changes=changes, waves=["2020", "2022", "2024", "2026"])
    found = _wave_change_findings(result, _changes_to_now(result))
    assert [(f.subject["group"], f.subject["from_wave"], f.subject["to_wave"]) for f in found] == [
        ("Afval", "2024", "2026")]


def test_a_question_advised_as_improve_is_not_also_raise_only_when_it_is_shown_as_improve():
    """Two 'improve' actions at most: a third important question that also scores below the middle is
    not dropped altogether, it keeps its 'raise' action."""
    improve, below = FINDINGS["10_value_drivers"][2], FINDINGS["10_value_drivers"][3]

    def variant(f, group, item, priority):
        return Finding(f.kind, {**f.subject, "group": group, "item": item}, f.numbers, f.uncertainty,
                       severity=f.severity, priority=priority)

    pool = [variant(improve, "A", "q1", 3.0), variant(improve, "A", "q2", 2.9), variant(improve, "B", "q3", 2.1),
            variant(below, "B", "q3", 2.0)]
    chosen = [(f.kind, f.subject["item"]) for f in ranked_actions({"10_value_drivers": pool})]
    assert chosen == [("important_below_par", "q1"), ("important_below_par", "q2"), ("below_midpoint", "q3")]
