"""One PDF of a whole report, for council papers: each HTML page printed by headless Chromium.

The pages (``index.html`` first, then each notebook's page in run order) are printed one by one
with the system's Chromium (Debian package ``chromium``) and joined with :mod:`pypdf`. Chromium
is not a Python package: it is found on the ``PATH`` with :func:`shutil.which`, and a run that asks
for a PDF without it is refused before any notebook runs.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

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
                   f"--user-data-dir={profile}", f"--print-to-pdf={target}", Path(html).resolve().as_uri()]
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


def report_pdf(folder: Path, pages: Sequence[str], target: Path, *, browser: str | None = None) -> Path:
    """Print ``pages`` (file names in ``folder``, in order) and join them into ``target``.

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

    browser = browser or find_chromium()
    writer = PdfWriter()
    with tempfile.TemporaryDirectory(prefix="clientvalue-pdf-") as work:
        for number, page in enumerate(pages):
            printed = print_page(Path(folder) / page, Path(work) / f"{number:02d}.pdf", browser=browser)
            writer.append(str(printed), outline_item=Path(page).stem)
        with open(target, "wb") as out:
            writer.write(out)
    return target
