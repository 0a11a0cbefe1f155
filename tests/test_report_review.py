"""What a reader stumbled on when reading the whole demo report in a browser, in both languages.

Each test guards one class of defect found by reading the pages at 1280 and 390 px and the PDF.
"""

from __future__ import annotations

import json
import re
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
