"""The whole report as one PDF (`clientvalue run --pdf`), printed with the system's Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import yaml

from clientvalue.errors import ParameterError
from clientvalue.paths import DEMO_DIR
from clientvalue.report import pdf
from clientvalue.run import pipeline

needs_chromium = pytest.mark.skipif(
    not any(shutil.which(name) for name in pdf.BROWSERS),
    reason="Chromium is not installed (Debian package `chromium`)")


def test_missing_chromium_is_refused_naming_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(ParameterError, match="package `chromium`"):
        pdf.find_chromium()
    # through the command line: refused before anything runs (rc 2), nothing written
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"codebook": str(DEMO_DIR / "municipality" / "codebook.yaml"),
                                      "output": str(tmp_path / "report"), "notebooks": ["00_data_check"]}))
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    done = subprocess.run([sys.executable, "-m", "clientvalue.run.cli", "run", str(params), "--pdf", "--quiet"],
                          capture_output=True, text=True, env={"PATH": str(empty_path), "PYTHONPATH": ":".join(sys.path)})
    assert done.returncode == 2 and "apt-get install chromium" in done.stderr + done.stdout
    assert not (tmp_path / "report").exists()


@needs_chromium
def test_pages_are_printed_and_joined(tmp_path):
    from pypdf import PdfReader

    pages = {"index.html": ("Summary", "<a href='b.html'>Read more</a>"),
             "b.html": ("Second page", "<h2>A section</h2><p>Words.</p><a href='tables/x.csv'>table</a>")}
    for name, (title, body) in pages.items():
        (tmp_path / name).write_text(f"<!doctype html><html lang='nl'><head><title>Report {title}</title></head>"
                                     f"<body><h1>{title}</h1>{body}</body></html>", encoding="utf-8")
    target = pdf.report_pdf(tmp_path, ["index.html", "b.html"], tmp_path / "report.pdf")
    reader = PdfReader(target)
    assert len(reader.pages) == 2
    assert "Summary" in reader.pages[0].extract_text() and "Second page" in reader.pages[1].extract_text()
    # bookmarks follow the headings (h1, and h2 under it), not the file names
    assert [item.title for item in reader.outline if not isinstance(item, list)] == ["Summary", "Second page"]
    assert [item.title for item in reader.outline[2]] == ["A section"]
    assert reader.get_destination_page_number(reader.outline[2][0]) == 1
    # pages are numbered, in the document's language
    assert "pagina 1 van 2" in reader.pages[0].extract_text() and "pagina 2 van 2" in reader.pages[1].extract_text()
    # title and language in the metadata
    assert reader.metadata.title == "Report Summary" and reader.trailer["/Root"]["/Lang"] == "nl"
    # "Read more" jumps to the second page within the PDF; a table link is relative to the report folder
    actions = [a.get_object()["/A"] for page in reader.pages for a in page.get("/Annots", [])]
    jumps = [a for a in actions if a["/S"] == "/GoTo"]
    assert len(jumps) == 1 and jumps[0]["/D"][0].get_object() == reader.pages[1].get_object()
    uris = [str(a["/URI"]) for a in actions if a["/S"] == "/URI"]
    assert uris == ["tables/x.csv"] and not any(str(tmp_path) in str(a) for a in actions)


@pytest.mark.slow
@needs_chromium
def test_run_with_pdf_writes_one_pdf_and_can_run_again(tmp_path):
    from pypdf import PdfReader

    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"codebook": str(DEMO_DIR / "municipality" / "codebook.yaml"),
                                      "output": str(tmp_path / "report"), "notebooks": ["00_data_check"],
                                      "pdf": True}))
    out = pipeline.run(params, progress=False, echo=None)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pdf"] == "report.pdf"
    text = "".join(page.extract_text() for page in PdfReader(out / "report.pdf").pages)
    assert "Burgerzaken" in text  # the data check page is in it, after the index
    assert pipeline.files_not_in_report(out) == []
    # the folder is a report of its own: a second run (without pdf) may replace it
    out = pipeline.run(params, progress=False, echo=None, pdf=False)
    assert not (out / "report.pdf").exists() and "pdf" not in json.loads((out / "manifest.json").read_text())
