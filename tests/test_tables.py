"""Published tables: the question-by-group view of long tables, and phone cards for sentences."""

from __future__ import annotations

import pandas as pd

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
    assert list(wide.columns) == ["label", "alle respondenten", "Wmo-loket", "Burgerzaken"]
    assert wide["label"].tolist() == ["Snel geholpen", "Welkom"]
    assert wide.iloc[0, 1:].tolist() == ["1,235", "1.234,5", "2,000"]  # Dutch number formats, half up
    assert wide.iloc[1, 1:].tolist() == ["0,500", "–", "–"]  # missing and absent cells are a dash
    html = table_html(wide, language="nl")
    assert "<th scope='col' class='num'>Wmo-loket</th>" in html and "<td class='num'>1.234,5</td>" in html


def test_codes_in_words_and_aligned_as_text():
    wide = questions_by_group(long_table(), row="label", value="quadrant", language="en")
    assert wide.attrs["cells"] == "text"
    assert "keep_up" not in wide.to_string() and "concentrate_here" not in wide.to_string()
    html = table_html(wide, language="en")
    assert "<td class='num'>" not in html


def test_group_names_from_data_are_escaped():
    table = long_table().assign(group=["all", "all", "<b>x</b>", "<b>x</b>", "y"])
    html = table_html(questions_by_group(table, row="label", value="odds_ratio", language="en"), language="en")
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_a_column_of_sentences_becomes_cards_on_a_phone():
    reasons = pd.DataFrame({"group": ["all"], "why": ["A reason that is long enough to need a whole line " * 2]})
    html = table_html(reasons, language="en")
    assert "class='cv-table cards'" in html and "data-label='why'" in html
    assert "cards" not in table_html(reasons.assign(why="short"), language="en")
