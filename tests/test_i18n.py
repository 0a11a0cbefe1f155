"""Reader-facing texts go through one catalog per language; numbers and dates follow the locale."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from clientvalue.errors import ParameterError
from clientvalue.paths import PACKAGE_DIR
from clientvalue.report.i18n import LOCALE_DIR, translator

PO = LOCALE_DIR / "nl" / "LC_MESSAGES" / "clientvalue.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def _extracted() -> dict:
    messages = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE_DIR), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        messages[message] = f"{filename}:{lineno}"
    return messages


def _catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="nl")


def test_every_text_in_the_code_has_a_dutch_translation():
    catalog = _catalog()
    problems = []
    for message, where in _extracted().items():
        entry = catalog.get(message)
        if entry is None:
            problems.append(f"{where}: not in the catalog (run `make catalogs`): {message!r}")
        elif entry.fuzzy or not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            problems.append(f"{where}: no checked Dutch translation: {message!r}")
    assert not problems, "\n".join(problems)


def test_translations_keep_the_placeholders():
    for entry in _catalog():
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, (entry.id, text)


def test_compiled_catalog_is_up_to_date():
    buffer = io.BytesIO()
    write_mo(buffer, _catalog())
    assert MO.read_bytes() == buffer.getvalue(), "the .mo is older than the .po: run `make catalogs`"


def test_dutch_text_comes_from_the_catalog():
    nl, en = translator("nl"), translator("en")
    assert nl("– = not shown: fewer than {n} respondents.", n=nl.integer(10)) == "– = niet getoond: minder dan 10 respondenten."
    assert en("– = not shown: fewer than {n} respondents.", n=en.integer(10)) == "– = not shown: fewer than 10 respondents."


@pytest.mark.parametrize(
    ("language", "integer", "percent", "number", "date"),
    [("en", "1,680", "100.0%", "0.405", "24 November 2026"), ("nl", "1.680", "100,0%", "0,405", "24 november 2026")],
)
def test_numbers_and_dates_follow_the_locale(language, integer, percent, number, date):
    _ = translator(language)
    assert _.integer(1680) == integer
    assert _.percent(1.0) == percent
    assert _.number(0.405, 3) == number
    assert _.date(dt.date(2026, 11, 24)) == date
    assert _.date("2026-11-24T23:30:00+00:00") == date
    assert _.number(float("nan")) == "–" and _.percent(None) == "–"
    assert _.number(-0.01, 1) in ("0.0", "0,0")


def test_unknown_language_is_refused_with_the_allowed_values():
    with pytest.raises(ParameterError, match=r"\['en', 'nl'\].*'de'"):
        translator("de")


def test_no_translated_text_hides_where_extraction_cannot_see_it():
    """``_("...")`` inside an f-string is invisible to pybabel on Python < 3.12: it would stay English."""
    import ast

    extracted = set(_extracted())
    hidden = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                    and node.args[0].value not in extracted):
                hidden.append(f"{path.relative_to(PACKAGE_DIR)}:{node.lineno}: {node.args[0].value!r}")
    assert not hidden, "move these _() calls out of f-strings:\n" + "\n".join(hidden)
