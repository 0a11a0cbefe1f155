"""Reader-facing texts go through one catalog per language; numbers and dates follow the locale."""

from __future__ import annotations

import ast
import datetime as dt
import html
import io
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from clientvalue.errors import ParameterError
from clientvalue.paths import PACKAGE_DIR
from clientvalue.report.i18n import LOCALE_DIR, translator
from clientvalue.report.notebook import table_html

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


# --------------------------------------------------------------------------- no display text outside the catalog
SCANNED = sorted([*PACKAGE_DIR.glob("report/*.py"), *PACKAGE_DIR.glob("analyses/*.py")])
TRANSLATING = {"_", "N_", "ngettext"}
# Calls whose strings are for analysts or are patterns, never shown to a report reader.
NOT_SHOWN = {"warn", "debug", "info", "warning", "error", "exception", "critical", "log",
             "compile", "sub", "search", "match", "fullmatch", "findall", "split"}
# (file, start of the string): literals that look like prose but are not reader text.
ALLOWED = {
    ("report/publish.py", "\n:root { color-scheme"),  # the style sheet
    # analyst-facing: DriverResults.warnings (a log for the analyst, not shown in the report)
    ("analyses/drivers.py", "{}: segment comparison: "),
    ("analyses/drivers.py", "{}: ordinal check: "),
    ("analyses/drivers.py", "factor check: "),
    # parts of the publish guard's PipelineError and of shortened terminal messages (operators)
    ("report/safety.py", "… ("),
    ("report/safety.py", "attribute "),
    # operator-facing: what a codebook must hold, in the run's refusals and skip notes (AnalysisSpec.requirement)
    ("analyses/registry.py", "an `outcome` "),
    ("analyses/registry.py", "`attributes.age` "),
}
_WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")


def _looks_like_prose(text: str) -> bool:
    """Three or more words, or two or more ending in punctuation, once markup and codes are removed."""
    bare = re.sub(r"<[^>]*>", " ", text)  # HTML tags
    bare = re.sub(r"\{[^{}]*\}", " ", bare)  # placeholders
    bare = re.sub(r"\b[a-z]+(_[a-z0-9]+)+\b", " ", bare)  # snake_case codes
    words = [t for t in bare.split() if _WORD.search(t)]
    return len(words) >= 3 or (len(words) >= 2 and bool(re.search(r"[.!?:]$", bare.strip())))


def _untranslated_prose(source: str) -> list[tuple[int, str]]:
    """String literals that read like prose and are not in _(), N_() or ngettext().

    Docstrings, exception messages, logging/warnings, regular expressions, dict keys and
    subscripts (column codes) are left alone.
    """
    tree = ast.parse(source)
    skip: set[int] = set()

    def name(call: ast.Call) -> str | None:
        f = call.func
        return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None

    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.Raise) or (isinstance(node, ast.Call) and name(node) in TRANSLATING | NOT_SHOWN):
            skip.update(id(n) for n in ast.walk(node))
        elif isinstance(node, ast.Dict):
            skip.update(id(n) for key in node.keys if key is not None for n in ast.walk(key))
        elif isinstance(node, ast.Subscript):
            skip.update(id(n) for n in ast.walk(node.slice))
    found = []
    for node in ast.walk(tree):  # breadth first: an f-string before its parts
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if _looks_like_prose(text):
            found.append((node.lineno, text))
    return found


def test_the_scan_finds_display_text_and_spares_the_rest():
    source = """
'''Module docstring: may say anything at all.'''
from clientvalue.report.i18n import N_, translator
TITLE = {"en": "What the export holds", "nl": "Wat het bestand bevat"}
NOTE = f"fewer than {n} respondents"
LABEL = N_("Share who see themselves as a senior")
def f(language, n):
    '''Docstring of a function.'''
    _ = translator(language)
    if n < 0:
        raise ValueError(f"n must be positive, got {n}; fix the parameter file.")
    warnings.warn("this is for the analyst only, not the reader")
    row = {"respondents in reported groups": n}
    frame["share_missing"] = re.compile(r"outside (\\d+) of them")
    return _("{n} respondents", n=n), _.ngettext("{n} group", "{n} groups", n, n=n), "Nothing to show."
"""
    found = sorted(text for _line, text in _untranslated_prose(source))
    assert found == ["Nothing to show.", "Wat het bestand bevat", "What the export holds", "fewer than {} respondents"]


def test_no_display_text_outside_the_catalog():
    """Report, analyses and the data check hold no reader-facing literal outside _(), N_() or ngettext()."""
    problems = []
    for path in SCANNED:
        where = path.relative_to(PACKAGE_DIR).as_posix()
        for line, text in _untranslated_prose(path.read_text(encoding="utf-8")):
            if not any(where == file and text.startswith(start) for file, start in ALLOWED):
                problems.append(f"{where}:{line}: {text[:80]!r}")
    assert not problems, "reader-facing text outside the catalog (wrap it in _() or N_()):\n" + "\n".join(problems)


def test_no_language_dicts_in_statistics():
    """Statistics modules are language-free: no {"en": ..., "nl": ...} wording in stats/."""
    for path in PACKAGE_DIR.glob("stats/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                assert not {"en", "nl"} <= keys, f"{path.name}:{node.lineno} holds display text per language"


# --------------------------------------------------------------------------- tables in the locale
def test_tables_show_codes_in_words_and_numbers_in_the_locale():
    import pandas as pd

    frame = pd.DataFrame({"group": ["all", "Burgerzaken"], "n": [1680.0, 380.0], "share": [1.0, 0.2262],
                          "quadrant": ["keep_up", "possible_overkill"], "r2": [0.405, 0.526],
                          "p_value": [0.0004, 0.25]})
    nl = table_html(frame, language="nl")
    en = table_html(frame, language="en")
    for expected in ("alle respondenten", "1.680", "100,0%", "22,6%", "Zo houden", "Scoort hoger dan het weegt",
                     "0,405", "&lt; 0,001", "0,250", "kwadrant", "respondenten"):
        assert expected in nl, expected
    for expected in ("all respondents", "1,680", "100.0%", "22.6%", "Keep up the good work", "Scores above what it weighs",
                     "0.405", "&lt; 0.001"):
        assert expected in en, expected
    assert "keep_up" not in nl and "keep_up" not in en


# --------------------------------------------------------------------------- the demo report, end to end
def _page_text(page) -> str:
    """The visible text of a report page: no style sheet, images, tags or markdown emphasis."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.DOTALL)
    text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+", " ", text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return _normalise(text)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("*", "").replace("**", ""))


def _fragments(message: str) -> list[str]:
    """The literal parts of a message (placeholders cut out) of three words or more."""
    parts = (_normalise(p).strip(" .,:;()–-") for p in PLACEHOLDER.split(message) if p)
    return [p for p in parts if len(p.split()) >= 3]


def _catalog_pairs():
    for entry in _catalog():
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        yield ids, strings


@pytest.mark.slow
def test_dutch_report_holds_no_english_text(demo_report_nl):
    text = " ".join(_page_text(page) for page in sorted(demo_report_nl.glob("*.html")))
    leaks = set()
    for ids, strings in _catalog_pairs():
        dutch = " ".join(_normalise(s) for s in strings)
        for message in ids:
            leaks |= {f for f in _fragments(message) if f in text and f not in dutch}
    assert not leaks, f"English text in the Dutch report: {sorted(leaks)}"
    assert "<html lang='nl'>" in (demo_report_nl / "index.html").read_text(encoding="utf-8")
    assert re.search(r"gemaakt op \d{1,2} november 2026 om \d\d:\d\d UTC", text) or \
        re.search(r"gemaakt op \d{1,2} [a-z]+ \d{4} om", text)
    # page 30 still says "bootstrap-steekproeven": test_page_30_in_dutch_says_steekproeven_not_a_calque
    checked = " ".join(_page_text(page) for page in sorted(demo_report_nl.glob("*.html")) if page.name != "30_segments.html")
    for word in CALQUES:
        assert word not in checked, word


CALQUES = ("surveybestand", "bootstrap-steekproeven", "gelabeld", "geaccepteerde differentiatie", "odds ratio",
           "95%-BI", "communaliteit", "Mogelijk overbodig", "De rij all ")


@pytest.mark.slow
def test_page_30_in_dutch_says_steekproeven_not_a_calque(demo_report_nl):
    text = _page_text(demo_report_nl / "30_segments.html")
    assert [word for word in CALQUES if word in text] == []


@pytest.mark.slow
def test_english_report_holds_no_dutch_text(demo_report):
    text = " ".join(_page_text(page) for page in sorted(demo_report.glob("*.html")))
    leaks = set()
    for ids, strings in _catalog_pairs():
        english = " ".join(_normalise(m) for m in ids)
        for message in strings:
            leaks |= {f for f in _fragments(message) if f in text and f not in english}
    assert not leaks, f"Dutch text in the English report: {sorted(leaks)}"


def _number_cells(page) -> list[str]:
    return re.findall(r"<td class=[\"']num[\"']>([^<]*)</td>", page.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_dutch_tables_use_dutch_number_formats(demo_report, demo_report_nl):
    """Same seed, same numbers: every Dutch table cell is the English one with '.' and ',' swapped."""
    swap = str.maketrans({".": ",", ",": "."})
    pages = [demo_report / f"{name}.html" for name in ("00_data_check", "10_value_drivers", "20_senior", "30_segments",
                                                       "40_consistency", "50_comparisons")]
    for page in pages:
        english, dutch = _number_cells(page), _number_cells(demo_report_nl / page.name)
        assert len(english) == len(dutch) > 20, page.name
        different = [(e, d) for e, d in zip(english, dutch) if html.unescape(e).translate(swap) != html.unescape(d)]
        assert not different, f"{page.name}: {different[:5]}"
    thousands = [e for page in demo_report.glob("*.html") for e in _number_cells(page) if re.fullmatch(r"\d,\d{3}", e)]
    assert thousands, "the English report should group thousands (1,680), the Dutch one with a point"
    responses = (demo_report_nl / "00_data_check.html").read_text(encoding="utf-8")
    assert re.search(r"num[\"']>1\.680<", responses) and re.search(r"num[\"']>100,0%<", responses)


@pytest.mark.slow
def test_pages_30_and_40_mark_their_number_cells(demo_report, demo_report_nl):
    for name in ("30_segments.html", "40_consistency.html"):
        assert _number_cells(demo_report / name) and _number_cells(demo_report_nl / name), name
