"""Published tables: the question-by-group view of long tables, and phone cards for sentences."""

from __future__ import annotations

import re
import pandas as pd

from clientvalue.report import drivers_text  # noqa: E402
from clientvalue.report.notebook import questions_by_group, table_html


def long_table():
    return pd.DataFrame({
        "group": ["all", "all", "Wmo-loket", "Wmo-loket", "Burgerzaken"],
        "label": ["Snel geholpen", "Welkom", "Snel geholpen", "Welkom", "Snel geholpen"],
        "odds_ratio": [1.2345, 0.5, 1234.5, float("nan"), 2.0],
        "quadrant": ["keep_up", "concentrate_here", "low_priority", "keep_up", "possible_overkill"],
    })


def test_one_row_per_question_one_column_per_group():
    wide = questions_by_group(long_table(), row="label", value="odds_ratio", language="nl")
    assert wide.cells == "number" and wide.frame.attrs == {}
    frame = wide.frame
    assert list(frame.columns) == ["label", "alle respondenten", "Wmo-loket", "Burgerzaken"]
    assert frame["label"].tolist() == ["Snel geholpen", "Welkom"]
    assert frame.iloc[0, 1:].tolist() == ["1,235", "1.234,5", "2,000"]  # Dutch number formats, half up
    assert frame.iloc[1, 1:].tolist() == ["0,500", "–", "–"]  # missing and absent cells are a dash
    html = table_html(frame, language="nl", cells=wide.cells)
    assert "<th scope='col' class='num'>Wmo-loket</th>" in html and "<td class='num'>1.234,5</td>" in html


def test_codes_in_words_and_aligned_as_text():
    wide = questions_by_group(long_table(), row="label", value="quadrant", language="en")
    assert wide.cells == "text"
    assert "keep_up" not in wide.frame.to_string() and "concentrate_here" not in wide.frame.to_string()
    html = table_html(wide.frame, language="en", cells=wide.cells)
    assert "<td class='num'>" not in html


def test_group_names_from_data_are_escaped():
    table = long_table().assign(group=["all", "all", "<b>x</b>", "<b>x</b>", "y"])
    wide = questions_by_group(table, row="label", value="odds_ratio", language="en")
    html = table_html(wide.frame, language="en", cells=wide.cells)
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_a_column_of_sentences_becomes_cards_on_a_phone():
    reasons = pd.DataFrame({"group": ["all"], "why": ["A reason that is long enough to need a whole line " * 2]})
    html = table_html(reasons, language="en")
    assert "class='cv-table cards'" in html and "data-label='why'" in html
    assert "cards" not in table_html(reasons.assign(why="short"), language="en")


# ------------------------------------------------------------------------------------------------
# Every table builder accepts an empty result (no rows; with its columns, or with none of the
# columns it shows, as the ordinal check's table is when no group got an ordinal model).

import types  # noqa: E402

import pytest  # noqa: E402


def _empty(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object if c in TEXT else float) for c in columns})


TEXT = {"group", "label", "driver", "item", "dimension", "quadrant", "reason", "strategy", "segment_by", "basis",
        "source", "attribute", "treatment", "category", "carried_by", "name", "check", "column", "action", "effect"}
ORDINAL_SHOWN = ["group", "driver", "odds_ratio", "ci_low", "ci_high", "p_value", "n"]


def _shown_in_report(frame: pd.DataFrame, name: str, **options) -> str:
    """What Report.table displays for ``frame`` (HTML), with the CSV written to a temporary folder."""
    import tempfile
    from unittest import mock

    from clientvalue.report.notebook import Report

    shown: list[str] = []
    with tempfile.TemporaryDirectory() as folder, mock.patch("IPython.display.display",
                                                             lambda obj, **_: shown.append(getattr(obj, "data", str(obj)))):
        Report(language="nl", tables_dir=folder).table(frame, name, **options)
        saved = pd.read_csv(f"{folder}/{name}.csv")
    assert list(saved.columns) == [str(c) for c in frame.columns] and saved.empty
    return "".join(shown)


@pytest.mark.parametrize("frame", [_empty("group", "driver"), _empty(*ORDINAL_SHOWN)], ids=["no-model", "columns"])
@pytest.mark.parametrize("options", [{"show": ORDINAL_SHOWN, "by_group": ("driver", "odds_ratio")},
                                     {"show": ORDINAL_SHOWN}, {}], ids=["by-group", "show", "plain"])
def test_report_table_of_an_empty_result_is_a_note(frame, options):
    html = _shown_in_report(frame, "ordinal", **options)
    assert "niets te tonen" in html and "<table" not in html


def _drivers_results():
    from clientvalue.analyses.drivers import DRIVERS_COLUMNS, PROFILE_COLUMNS, DriverResults

    return DriverResults(profile=_empty(*PROFILE_COLUMNS), drivers=_empty(*DRIVERS_COLUMNS), strategies={},
                         reliability=_empty("group"), factors=pd.DataFrame(), ordinal=_empty("group", "driver"),
                         penalty_reward=_empty("group", "item", "label"), suppressed=_empty("group", "reason"))


def _segment_results():
    return types.SimpleNamespace(
        fit=_empty("k", "bic", "entropy", "smallest_share", "selected"),
        sizes=_empty("segment", "n", "share", "ci_low", "ci_high"),
        stability=_empty("segment", "jaccard", "jaccard_low", "stability"),
        profile=_empty("segment", "item", "label", "basis", "mean"),
        persona_profile=_empty("persona", "item", "label", "basis", "mean"),
        personas=_empty("persona", "name", "n", "share", "ci_low", "ci_high"),
        value=_empty("segment", "n", "practical_share", "practical_ci_low", "practical_ci_high", "emotional_share",
                     "emotional_ci_low", "emotional_ci_high"),
        fairness_segments=_empty("source", "attribute", "cramers_v", "ci_low", "ci_high", "p_value",
                                 "predictive_gain", "flag"),
        fairness_treatments=_empty("treatment", "attribute", "category", "rate", "suppressed", "raw_diff",
                                   "raw_ci_low", "raw_ci_high", "adjusted_diff", "adjusted_ci_low",
                                   "adjusted_ci_high", "flag", "carried_by"),
        opt_out=_empty("treatment", "attribute", "category", "opt_out_rate", "ci_low", "ci_high", "suppressed"),
        treatment_outcome=_empty("treatment", "raw_diff", "adjusted_diff", "ci_low", "ci_high"),
        labels={}, segment_names={},
    )


SEGMENT_TABLES = ["segments_fit", "segments_sizes", "segments_stability", "segments_profile", "personas_profile",
                  "segments_value", "personas", "fairness_segments", "fairness_treatments", "treatment_opt_out",
                  "treatment_outcome"]


def _builders():
    """(name, call) of every table builder in report/ and analyses/, each fed an empty result."""
    from clientvalue.analyses import consistency, segments
    from clientvalue.report import consistency_text, drivers_text, notebook, safety, segments_text, texts

    ordinal = _empty("group", "driver")
    yield "questions_by_group", lambda: notebook.questions_by_group(ordinal, row="driver", value="odds_ratio",
                                                                     language="en")
    yield "questions_by_group/columns", lambda: notebook.questions_by_group(_empty(*ORDINAL_SHOWN), row="driver",
                                                                             value="odds_ratio", language="en")
    yield "table_html", lambda: notebook.table_html(_empty(*ORDINAL_SHOWN), language="nl")
    yield "table_html/no-columns", lambda: notebook.table_html(pd.DataFrame(), language="en")
    yield "shown_frame", lambda: texts.shown_frame(_empty("group", "action", "quadrant"), "nl")
    yield "neutral_csv", lambda: safety.neutral_csv(_empty("group", "label", "n"))
    yield "display_frame", lambda: consistency_text.display_frame(_empty("team", "n", "value", "suppressed"),
                                                                  language="nl")
    yield "suppress", lambda: segments.suppress(_empty("category", "n", "rate"), min_group_size=10, numbers=["rate"])
    yield "departure_distribution", lambda: consistency.departure_distribution(_empty("employee", "departure_share"))
    yield "strategy_table", lambda: drivers_text.strategy_table(_drivers_results())
    yield "suppressed_table", lambda: drivers_text.suppressed_table(_drivers_results())
    yield "penalty_reward_table", lambda: drivers_text.penalty_reward_table(_drivers_results())
    yield "red_items", lambda: _drivers_results().red_items()
    for name in SEGMENT_TABLES:
        yield f"segments_text.shown/{name}", lambda name=name: segments_text.shown(_segment_results(), name, "nl")


@pytest.mark.parametrize("name, build", list(_builders()), ids=[name for name, _build in _builders()])
def test_every_table_builder_accepts_an_empty_result(name, build):
    from clientvalue.report import notebook
    from clientvalue.report.notebook import table_html

    out = build()
    if name == "departure_distribution":  # a histogram of nobody: one band of everyone, counting 0
        assert len(out) == 1 and out["n_employees"].sum() == 0
    elif isinstance(out, pd.DataFrame):
        assert out.empty
    if isinstance(out, notebook.GroupColumns):
        assert out.empty
        table_html(out.frame, language="nl", cells=out.cells)
    elif isinstance(out, pd.DataFrame):
        table_html(out, language="nl")  # and what it builds can be shown
    else:
        assert "<table" in out


def test_driver_key_findings_without_rows():
    text = drivers_text.key_findings(_drivers_results())
    assert text.startswith("How much of the differences") and "- " not in text


def test_a_column_of_numbers_formatted_beforehand_is_marked_as_numbers():
    import pandas as pd

    from clientvalue.report.notebook import table_html

    frame = pd.DataFrame({"Segment": ["Segment 1", "Segment 2", "Segment 3"], "Aantal": ["601", "406", "–"],
                          "Aandeel": ["35,8% (33,5% – 38,1%)", "24,2% (22,2% – 26,3%)", "–"],
                          "Oordeel": ["niet betrouwbaar (onder 0,667)", "matig", "–"]})
    page = table_html(frame, language="nl")
    assert re.findall(r"<td class='num'>([^<]*)</td>", page) == [
        "601", "35,8% (33,5% – 38,1%)", "406", "24,2% (22,2% – 26,3%)", "–", "–"]
    assert "<td class='text short'>Segment 1</td>" in page and "<td class='text'>matig</td>" in page


def test_short_labels_such_as_age_bands_stay_on_one_line():
    import pandas as pd

    from clientvalue.report.notebook import table_html

    frame = pd.DataFrame({"age_band": ["18–54", "55–64", "85+"], "n": [865, 302, 56],
                          "note": ["a longer text that may wrap", "b", "c"]})
    page = table_html(frame, language="en")
    assert re.findall(r"<td class='text short'>([^<]*)</td>", page) == ["18–54", "55–64", "85+"]
    assert "<td class='text'>a longer text that may wrap</td>" in page
    from clientvalue.report.publish import STYLE

    assert ".text.short { white-space: nowrap; }" in STYLE


def test_levels_table_shows_each_group_once_as_a_heading_over_its_questions():
    from clientvalue.report import comparisons_text as words

    levels = pd.DataFrame({"wave": "2026", "group": ["all", "Wmo-loket", "all", "Wmo-loket"],
                           "question": ["overall", "overall", "quick", "quick"], "mean": [6.85, 6.78, 3.56, 3.1],
                           "ci_low": [6.78, 6.64, 3.5, 3.0], "ci_high": [6.92, 6.92, 3.62, 3.2],
                           "share_satisfied": [0.6, 0.55, 0.5, 0.4], "share_ci_low": [0.57, 0.5, 0.47, 0.35],
                           "share_ci_high": [0.63, 0.6, 0.53, 0.45], "n": [1680, 300, 1670, 298]})
    shown = words.levels_table(levels, labels={"overall": "Overall rating", "quick": "Helped quickly"}, wave="2026",
                               language="nl")
    page = words.table_markup(shown)
    headings = re.findall(r"<th scope='rowgroup' colspan='4' class='rowgroup'>([^<]*)</th>", page)
    assert headings == ["alle respondenten", "Wmo-loket"] and page.count("<tbody>") == 2
    assert page.split("</thead>")[0].count("<th ") == 4  # question, mean, satisfied, respondents: no group column
    body = page.split("<tbody>")[1]  # the first group's block: its questions in order, means in Dutch
    assert re.findall(r"<td class='text'>([^<]*)</td>", body) == ["Overall rating", "Helped quickly"]
    assert "<td class='num wrap'>6,85 <span class='ci'>(6,78–6,92)</span></td>" in body
    assert words.table_markup(words.levels_table(levels.iloc[:0], labels={}, wave="2026")).count("<tr>") == 1  # empty: a header only


def test_long_tables_and_tables_of_sentences_may_break_over_printed_pages(monkeypatch):
    import IPython.display

    from clientvalue.report.notebook import LONG_TABLE_ROWS, Report
    from clientvalue.report.publish import STYLE

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj.data))
    report = Report(language="en")
    short = pd.DataFrame({"group": ["a", "b"], "n": [10, 20]})
    report.show_table_html("short", table_html(short, language="en"))
    long = pd.DataFrame({"group": [f"g{k}" for k in range(LONG_TABLE_ROWS)], "n": range(LONG_TABLE_ROWS)})
    report.show_table_html("long", table_html(long, language="en"))
    reasons = pd.DataFrame({"group": ["a"], "why": ["a reason of many words " * 5]})
    report.show_table_html("reasons", table_html(reasons, language="en"))
    assert [page.split("'")[1] for page in shown] == ["cv-table", "cv-table long", "cv-table long"]
    assert "figure.cv-table.long { break-inside: auto;" in STYLE
