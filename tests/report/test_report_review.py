"""What a reader stumbled on when reading the whole demo report in a browser, in both languages.

Each test guards one class of defect found by reading the pages at 1280 and 390 px and the PDF.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

#: The repr of a Python object printed by a notebook cell's last expression (it also leaked the
#: absolute path of the analyst's temporary output folder into every detail page).
OBJECT_REPR = re.compile(r"PosixPath\(|WindowsPath\(|&lt;Figure size|<Figure size|object at 0x[0-9a-f]+|\.partial-")


def _pages(report: Path) -> list[Path]:
    pages = sorted(report.glob("*.html"))
    assert len(pages) >= 4, f"expected the summary and detail pages in {report}"
    return pages


def _notebook_outputs(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    texts = []
    for cell in cells:
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            for value in output.get("data", {}).values():
                texts.append(value if isinstance(value, str) else "".join(value) if isinstance(value, list) else "")
    return "\n".join(texts)


@pytest.mark.parametrize("fixture", ["demo_report", "demo_report_nl"])
def test_no_python_object_or_local_path_is_printed(fixture, request):
    report = request.getfixturevalue(fixture)
    for page in _pages(report):
        text = page.read_text(encoding="utf-8")
        leak = OBJECT_REPR.search(text)
        assert leak is None, f"{page.name} prints a Python object or a local path: …{text[leak.start() - 80:leak.end() + 80]}…"
        assert str(report) not in text, f"{page.name} names the output folder {report}"
    for notebook in report.glob("*.ipynb"):
        outputs = _notebook_outputs(notebook)
        assert OBJECT_REPR.search(outputs) is None, f"{notebook.name}: a cell prints a Python object or a local path"


#: PDF path-painting operators that fill (a stamp that fills a page-sized path hides the page under it).
FILL_OPERATORS = {"f", "F", "f*", "b", "B", "b*", "B*"}


def test_page_number_stamp_paints_only_its_text():
    from pypdf import PdfWriter

    from clientvalue.report import pdf

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    pdf._number_pages(writer, "nl")
    content = writer.pages[0].get_contents().get_data().decode("latin-1")
    assert "pagina 1 van 1" in writer.pages[0].extract_text()
    operators = {line.split()[-1] for line in content.splitlines() if line.strip()}
    assert not operators & FILL_OPERATORS, f"the page-number stamp fills a shape over the page: {operators & FILL_OPERATORS}"


@pytest.mark.skipif(not (shutil.which("pdftoppm") and any(shutil.which(b) for b in ("chromium", "chromium-browser",
                                                                                       "google-chrome"))),
                    reason="needs Chromium and poppler-utils (pdftoppm) to render a printed page")
def test_printed_pages_show_their_content(tmp_path):
    """Rendered as a reader sees it, the printed summary is not a blank page with a page number."""
    import subprocess

    from PIL import Image

    from clientvalue.report import pdf

    (tmp_path / "index.html").write_text(
        "<!doctype html><html lang='en'><head><title>Report</title></head><body><h1>Summary</h1>"
        "<div style='background:#000;width:100%;height:300px'></div></body></html>", encoding="utf-8")
    target = pdf.report_pdf(tmp_path, ["index.html"], tmp_path / "report.pdf")
    subprocess.run(["pdftoppm", "-r", "20", "-png", "-f", "1", "-l", "1", str(target), str(tmp_path / "page")],
                   check=True, capture_output=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    top = image.crop((0, 0, image.width, image.height // 2))
    dark = sum(1 for value in top.getdata() if value < 64) / (top.width * top.height)
    assert dark > 0.1, f"the printed page is blank where the page's black block should be ({dark:.1%} dark)"


def _visible_text(page: Path) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def test_dutch_summary_names_the_95_percent_interval_one_way(demo_report_nl):
    """The summary's table says '95%-onzekerheidsmarge'; the sentences under it (from page 50) said
    '95% marge'. One reader, one word."""
    for name in ("index.html", "50_comparisons.html"):
        text = _visible_text(demo_report_nl / name)
        assert "onzekerheidsmarge" in text
        loose = re.findall(r".{40}95%[\s\u00a0-]*(?:interval|marge).{20}", text)
        assert not loose, f"{name} names the 95% interval another way: {loose[:3]}"


def test_waves_on_a_dutch_chart_are_years_not_thousands():
    """Page 50's trend chart wrote the waves 2024, 2025, 2026 as '2.024', '2.025', '2.026' in Dutch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from clientvalue.report.plots_comparisons import plot_trend
    from clientvalue.report.ticks import localize_ticks

    levels = pd.DataFrame({"group": ["all"] * 3, "question": ["q"] * 3, "wave": ["2024", "2025", "2026"],
                           "mean": [6.5, 6.75, 7.0], "ci_low": [6.25, 6.5, 6.75], "ci_high": [6.75, 7.0, 7.25],
                           "n": [100, 100, 100], "share_satisfied": [0.5, 0.55, 0.6],
                           "share_ci_low": [0.4, 0.45, 0.5], "share_ci_high": [0.6, 0.65, 0.7]})
    fig = localize_ticks(plot_trend(levels, question="q", waves=["2024", "2025", "2026"], language="nl"), "nl")
    fig.canvas.draw()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024", "2025", "2026"]
    y = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert y and all("." not in label for label in y) and any("," in label for label in y), y  # numbers still Dutch
    plt.close(fig)
