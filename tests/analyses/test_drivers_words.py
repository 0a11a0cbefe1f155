"""Notebook 10's analysis returns no words: notes and reasons are codes, the report words them (en, nl)."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from clientvalue.analyses import drivers
from clientvalue.analyses.drivers import DRIVERS_COLUMNS, NOTE_KINDS, PROFILE_COLUMNS, DriverResults
from clientvalue.findings import Finding
from clientvalue.report import drivers_text

PACKAGE = Path(drivers.__file__).resolve().parents[1]


def _results(**changes) -> DriverResults:
    empty = {name: pd.DataFrame(columns=cols) for name, cols in
             (("profile", PROFILE_COLUMNS), ("drivers", DRIVERS_COLUMNS))}
    base = dict(profile=empty["profile"], drivers=empty["drivers"], strategies={}, reliability=pd.DataFrame(),
                factors=pd.DataFrame(), ordinal=pd.DataFrame(), penalty_reward=pd.DataFrame(),
                suppressed=pd.DataFrame(columns=["group", "reason"]))
    return DriverResults(**(base | changes))


@pytest.mark.parametrize("room", ["data", "stats", "analyses"])
def test_lower_rooms_never_import_the_report(room):
    found = []
    for path in sorted((PACKAGE / room).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom) else
                     [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            found += [f"{path.name}: {n}" for n in names if n.startswith("clientvalue.report")]
    assert found == []


NOTE_CASES = [
    (Finding(kind="many_groups", numbers={"groups": 120, "analysed": 40}),
     "There are 120 reported groups; the 40 largest are analysed", "Er zijn 120"),
    (Finding(kind="ordinal_not_for_outcome", subject={"column": "Rapportcijfer"}, numbers={"levels": 47}),
     "Rapportcijfer has 47 different values", "47"),
    (Finding(kind="ordinal_too_few", subject={"group": "all"}), "all respondents: the ordinal check is left out",
     "ordinale controle is weggelaten"),
    (Finding(kind="ordinal_failed", subject={"group": "Wmo"}), "Wmo: the ordinal check could not", "Wmo: "),
    (Finding(kind="reliability_failed", subject={"group": "Wmo"}), "Wmo: the reliability check could not", "Wmo: "),
    (Finding(kind="penalty_reward_failed", subject={"group": "Wmo"}), "Wmo: the penalty-reward check", "Wmo: "),
    (Finding(kind="factor_check_failed"), "The check of which dimension each question belongs to", ""),
]


def test_every_note_kind_is_worded_in_both_languages():
    assert sorted(f.kind for f, _en, _nl in NOTE_CASES) == sorted(NOTE_KINDS)
    for note, english, dutch in NOTE_CASES:
        en, nl = drivers_text.note_text(note, "en"), drivers_text.note_text(note, "nl")
        assert english in en and dutch in nl and en != nl, (note.kind, en, nl)


def test_not_analysed_reasons_are_codes_worded_by_the_report():
    problems = pd.DataFrame({"problem": ["constant", "collinear"], "columns": [["p2"], ["e1", "e2"]]})
    results = _results(suppressed=pd.DataFrame({"group": ["A", "B", "C"],
                                                "reason": ["too_few", "design", "not_estimable"]}),
                       group_problems={"B": problems}, min_complete=16, labels={"p2": "Snel", "e1": "Vriendelijk"},
                       not_analysed=["A", "B", "C"])
    assert set(results.suppressed["reason"]) <= set(drivers.NOT_ANALYSED_REASONS)
    en = drivers_text.suppressed_table(results, "en")
    assert list(en.columns) == ["group", "reason"] and list(en["group"]) == ["A", "B", "C"]
    assert en["reason"].tolist() == [
        "fewer than 16 complete responses",
        "Snel has the same answer for everyone in this group; Vriendelijk, e2 are exact copies or combinations "
        "of each other in this group",
        "the importance of the questions cannot be estimated (a question without variation, or questions that "
        "duplicate each other)"]
    nl = drivers_text.suppressed_table(results, "nl")
    assert "16" in nl["reason"].iloc[0]
    assert all(a != b for a, b in zip(en["reason"], nl["reason"]))
    assert "Not analysed: A (fewer than 16 complete responses)" in drivers_text.key_findings(results, "en")


def test_penalty_reward_effect_is_added_last_in_the_language():
    table = pd.DataFrame({"group": ["all", "all"], "item": ["p1", "p2"], "label": ["a", "b"],
                          "classification": ["basic", "excitement"]})
    results = _results(penalty_reward=table)
    en = drivers_text.penalty_reward_table(results, "en")
    assert list(en.columns) == [*table.columns, "effect"] and "effect" not in results.penalty_reward.columns
    assert en["effect"].tolist() == ["basic (must be right)", "excitement (pleasant surprise)"]
    assert drivers_text.penalty_reward_table(results, "nl")["effect"].tolist() != en["effect"].tolist()
