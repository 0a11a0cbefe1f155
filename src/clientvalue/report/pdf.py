"""One PDF of a whole report, for council papers: each HTML page printed by headless Chromium.

The pages (``index.html`` first, then each notebook's page in run order) are printed one by one
with the system's Chromium (Debian package ``chromium``) and joined with :mod:`pypdf` into a
document that reads as one: bookmarks follow the pages' headings (``h1``, and their ``h2``
sections), a link from one page to another ("Read more") jumps within the PDF, every page is
numbered ("3 / 24"), and the document's title and language are set in its metadata. Chromium
is not a Python package: it is found on the ``PATH`` with :func:`shutil.which`, and a run that asks
for a PDF without it is refused before any notebook runs.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from clientvalue.errors import ParameterError, PipelineError

#: Names under which Chromium is installed (Debian ``chromium``, Ubuntu ``chromium-browser``, Chrome).
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Seconds one page may take to print.
PAGE_TIMEOUT = 180


def find_chromium() -> str:
    """The path of a Chromium executable on the ``PATH``.

    Raises
    ------
    ParameterError
        When none of :data:`BROWSERS` is installed, naming the package to install.
    """
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise ParameterError(
        "pdf: a PDF of the report is printed with Chromium, which was not found on the PATH (looked for "
        f"{', '.join(BROWSERS)}). Install the Debian/Ubuntu package `chromium` (`apt-get install chromium`), "
        "or run without --pdf / `pdf: true`.")


def print_page(html: Path, target: Path, *, browser: str, timeout: float = PAGE_TIMEOUT) -> Path:
    """Print one self-contained HTML page to ``target`` (PDF) with headless Chromium."""
    with tempfile.TemporaryDirectory(prefix="clientvalue-chromium-") as profile:
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--no-first-run", f"--user-data-dir={profile}", f"--print-to-pdf={target}",
                   Path(html).resolve().as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PipelineError(f"printing {html.name} to PDF with {browser} took over {timeout:g} s; "
                                "run again without --pdf, or print the HTML pages yourself") from None
    if done.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise PipelineError(f"printing {html.name} to PDF with {browser} failed (exit code "
                            f"{done.returncode}): {detail[0]}")
    return target


@dataclass
class PageOutline:
    """What the PDF needs to know of one HTML page: its title, language and headings."""

    title: str = ""
    language: str = ""
    h1: str = ""
    sections: list[str] = field(default_factory=list)


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.outline = PageOutline()
        self._in: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html" and values.get("lang"):
            self.outline.language = values["lang"] or ""
        if tag in ("title", "h1", "h2"):
            self._in, self._text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag != self._in:
            return
        text = re.sub(r"\s+", " ", "".join(self._text)).strip()
        self._in = None
        if not text:
            return
        if tag == "title":
            self.outline.title = text
        elif tag == "h1" and not self.outline.h1:
            self.outline.h1 = text
        elif tag == "h2" and text not in self.outline.sections:
            self.outline.sections.append(text)

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text.append(data)


def page_outline(html: Path) -> PageOutline:
    """Title, language and headings (first ``h1``, every distinct ``h2``) of an HTML page."""
    parser = _Headings()
    parser.feed(Path(html).read_text(encoding="utf-8"))
    parser.close()
    return parser.outline


def _flat(text: str) -> str:
    return re.sub(r"\W+", "", text).lower()


def _section_page(heading: str, texts: Sequence[str], first: int) -> int | None:
    """The first page (index into ``texts``, from ``first``) whose text holds ``heading``."""
    wanted = _flat(heading)
    for index in range(first, len(texts)):
        if wanted and wanted in texts[index]:
            return index
    return None


def _number_pages(writer, language: str) -> None:
    """Stamp "n / N" at the foot of every page (a transparent page drawn by matplotlib, merged over the printed page)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    from pypdf import PdfReader

    from clientvalue.report.i18n import translator

    _ = translator(language if language in ("en", "nl") else "en")
    total = len(writer.pages)
    buffer = io.BytesIO()
    with PdfPages(buffer) as stamps:
        for number, page in enumerate(writer.pages, start=1):
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            # transparent: an opaque figure background would be merged over the page and hide it
            fig = Figure(figsize=(width / 72, height / 72), facecolor="none")
            fig.text(0.5, 22 / height, _("page {n} of {total}", n=_.integer(number), total=_.integer(total)),
                     ha="center", va="bottom", fontsize=8, color="#3c464e")
            stamps.savefig(fig, transparent=True)
    stamps_pdf = PdfReader(io.BytesIO(buffer.getvalue()))
    for page, stamp in zip(writer.pages, stamps_pdf.pages):
        page.merge_page(stamp)


def _link_within(writer, folder: Path, starts: dict[str, int]) -> None:
    """Point links to another page of the report at that page in the PDF.

    Chromium writes a link to ``30_segments.html`` as ``file:///<folder>/30_segments.html``: a
    folder that is gone once the report is in place. Such a link becomes a jump within the PDF;
    a link to another file of the report (a table's CSV) becomes relative to the report folder.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    root = Path(folder).resolve()
    for page in writer.pages:
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            action = annot.get("/A")
            if action is None or action.get("/S") != "/URI":
                continue
            parts = urlsplit(str(action.get("/URI")))
            if parts.scheme != "file":
                continue
            path = Path(unquote(parts.path))
            if path.name in starts and path.parent == root:
                target = writer.pages[starts[path.name]].indirect_reference
                annot[NameObject("/A")] = DictionaryObject({
                    NameObject("/S"): NameObject("/GoTo"),
                    NameObject("/D"): ArrayObject([target, NameObject("/Fit")])})
            else:
                try:
                    relative = path.relative_to(root).as_posix()
                except ValueError:
                    continue
                action[NameObject("/URI")] = TextStringObject(relative)


def report_pdf(folder: Path, pages: Sequence[str], target: Path, *, browser: str | None = None) -> Path:
    """Print ``pages`` (file names in ``folder``, in order) and join them into ``target``.

    Bookmarks follow each page's main heading and its sections, links between the pages jump
    within the PDF, pages are numbered, and the title (of the first page) and language are set
    in the document's metadata.

    Parameters
    ----------
    folder : Path
        The report folder (during a run: its staging folder).
    pages : list of str
        HTML files to print, e.g. ``["index.html", "10_value_drivers.html"]``.
    target : Path
        The PDF to write.
    browser : str, optional
        Chromium executable; found with :func:`find_chromium` when not given.

    Returns
    -------
    Path
        ``target``.
    """
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    browser = browser or find_chromium()
    folder = Path(folder)
    writer = PdfWriter()
    starts: dict[str, int] = {}
    outlines = [page_outline(folder / page) for page in pages]
    with tempfile.TemporaryDirectory(prefix="clientvalue-pdf-") as work:
        for number, page in enumerate(pages):
            printed = print_page(folder / page, Path(work) / f"{number:02d}.pdf", browser=browser)
            starts[page] = len(writer.pages)
            writer.append(str(printed), import_outline=False)
    texts = [_flat(page.extract_text() or "") for page in writer.pages]
    ends = [*list(starts.values())[1:], len(writer.pages)]
    for (page, start), end, outline in zip(starts.items(), ends, outlines):
        parent = writer.add_outline_item(title=outline.h1 or outline.title or Path(page).stem, page_number=start)
        last = start  # sections follow each other: a heading's words earlier on (a list of links) are not it
        for heading in outline.sections:
            found = _section_page(heading, texts[:end], last)
            if found is not None:
                writer.add_outline_item(title=heading, page_number=found, parent=parent)
                last = found
    _link_within(writer, folder, starts)
    language = outlines[0].language if outlines else ""
    _number_pages(writer, language)
    title = (outlines[0].title or outlines[0].h1) if outlines else ""
    writer.add_metadata({"/Title": title, "/Creator": "clientvalue"})
    if language:
        writer._root_object[NameObject("/Lang")] = TextStringObject(language)  # noqa: SLF001 (pypdf has no setter)
    writer.create_viewer_preferences().display_doctitle = True
    writer.page_mode = "/UseOutlines"
    with open(target, "wb") as out:
        writer.write(out)
    return target
