"""Keeping values from data and codebooks inert wherever they are published or printed.

Four defences, each for one place a hostile value (a group name, an item label, a column
name) can do harm:

* :func:`markdown_text` escapes a value before it enters Markdown (and so HTML): HTML specials
  *and* Markdown specials become character references, so ``<img onerror=…>``, ``<b>x</b> _x_``
  and ``https://…`` show as the text they are and never as markup or a link.
* :func:`check_html` is the last line of defence before a page is written: it parses the real
  page with :mod:`html.parser` and refuses (:class:`~clientvalue.errors.PipelineError`, naming the
  page and the attribute) any tag or attribute a clientvalue page never holds: scripts, event
  handlers, ``javascript:`` URLs, anything loaded from elsewhere.
* :func:`neutral_csv` neutralises spreadsheet formulas in published CSVs (OWASP "CSV injection"):
  a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
  apostrophe; numbers stay numbers.
* :func:`visible` makes control characters visible in text printed to a terminal, so a column name
  holding ``ESC]0;…`` cannot retitle or clear the operator's terminal.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from typing import Any

import pandas as pd

from clientvalue.errors import CONTROL_CHARACTERS, PipelineError, excerpt, visible  # noqa: F401 (visible re-exported)

# ASCII punctuation that means something to Markdown or HTML (CommonMark: any of these may start
# markup, an emphasis run, a link, an autolink, a table cell or an HTML tag).
_SPECIAL = set("\\`*_{}[]()#+-.!|<>~&\"'=:/;@$%^?")


def markdown_text(value: Any) -> str:
    """A value from data or a codebook as inert Markdown/HTML text.

    Every ASCII punctuation character becomes a numeric character reference (``<`` -> ``&#60;``),
    line breaks and control characters become a space. Readers see exactly the original text;
    no Markdown or HTML parser sees markup, emphasis, a link or an autolink in it.

    Examples
    --------
    >>> markdown_text("<b>vet</b> _x_")
    '&#60;b&#62;vet&#60;&#47;b&#62; &#95;x&#95;'
    """
    text = unicodedata.normalize("NFC", str(value))
    out = []
    for char in text:
        if char in _SPECIAL:
            out.append(f"&#{ord(char)};")
        elif char in "\r\n\t" or CONTROL_CHARACTERS.match(char):
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral_cell(value: Any) -> Any:
    """One CSV cell: text starting with a formula character gets a leading apostrophe.

    A carriage return inside text becomes a line feed, which the CSV writer quotes: a bare CR would
    otherwise end the row for a spreadsheet and start a new one with whatever follows it.
    """
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_START):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n")


def neutral_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` in which no text cell (nor header) can run as a spreadsheet formula.

    Numeric columns are left as they are (``-0.5`` stays a number); object and string columns get
    :func:`neutral_cell` on every value.
    """
    out = frame.copy()
    out.attrs = {}
    for column in out.columns:
        values = out[column]
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            out[column] = values.map(neutral_cell)
    out.columns = [neutral_cell(str(c)) for c in out.columns]
    return out


# --- the publish guard --------------------------------------------------------------------------

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section", "nav",
    "div", "span", "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "img", "figure", "figcaption",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col", "sup", "sub",
    "small", "del", "ins", "dl", "dt", "dd",
}
ALLOWED_ATTRIBUTES = {
    "class", "id", "lang", "charset", "name", "content", "href", "src", "alt", "title", "colspan",
    "rowspan", "align", "width", "height", "start", "border", "valign", "scope", "dir",
    # accessibility: a wide table scrolls in a focusable, named region; phone cards repeat headers
    "role", "tabindex", "aria-label", "data-label",
}
# (an SVG shown through <img> runs no scripts and loads nothing)
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|svg\+xml);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)
# A fragment within the page, or a file of the report (no scheme, no "//", no "..").
_LOCAL_LINK = re.compile(r"^(#[^\s<>\"'`]*|(?!\.\.)[\w\-]+(/[\w\-.]+)*\.(html|csv|ipynb|json)(#[^\s<>\"'`]*)?)$",
                         re.IGNORECASE)


class _Guard(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            value = (value or "").strip()
            if name not in ALLOWED_ATTRIBUTES:
                self.problems.append(f"attribute {name}={excerpt(value, 40)} on <{tag}>")
            elif name == "src" and not _DATA_IMAGE.match(value):
                self.problems.append(f"attribute src={excerpt(value, 40)} on <{tag}> (only embedded images)")
            elif name == "href" and not _LOCAL_LINK.match(value):
                self.problems.append(f"attribute href={excerpt(value, 40)} on <{tag}> (only links within the report)")

    handle_startendtag = handle_starttag


def html_problems(page: str) -> list[str]:
    """Every tag or attribute in ``page`` that a published clientvalue page must not hold."""
    guard = _Guard()
    guard.feed(page)
    guard.close()
    return guard.problems


def check_html(page: str, *, name: str) -> None:
    """Refuse to publish a page with live markup or anything loaded from elsewhere.

    Raises
    ------
    PipelineError
        Naming the page, the offending tag or attribute (short excerpt) and what to do.
    """
    problems = html_problems(page)
    if problems:
        shown = "; ".join(dict.fromkeys(problems[:5]))
        raise PipelineError(
            f"{name}: not published, the page would hold markup a report never holds ({shown}"
            + (f"; +{len(problems) - 5} more" if len(problems) > 5 else "")
            + "). Either a value from the data or codebook reached the page unescaped, or a notebook cell "
            "shows output of its own instead of going through the report's helpers; either way it is a bug in "
            "clientvalue, not in your data: please report it, with the codebook. Nothing was published."
        )
