"""WCAG 2.1 AA on every page of the demo report, in both languages: axe-core in headless Chromium.

Needs Debian's ``chromium`` and ``npm ci`` in ``tests/a11y`` (``.ci/run`` installs both); the test is
skipped with the reason when either is missing. Each page is checked at 1280 and 390 px wide:
no serious or critical axe violation, and no sideways scrolling of the page itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from clientvalue.report.phone import PHONE_SCREEN

pytestmark = pytest.mark.slow

A11Y = Path(__file__).parents[1] / "a11y"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _tools_or_skip() -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the accessibility check runs axe-core under Node.js")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's `chromium` (apt-get install chromium)")
    if not (A11Y / "node_modules" / "axe-core").is_dir():
        pytest.skip("axe-core is not installed: run `npm ci` in tests/a11y")


@pytest.fixture(params=["en", "nl"])
def report_pages(request) -> list[Path]:
    """Every page of the session's demo report (all notebooks) in English and in Dutch."""
    _tools_or_skip()
    output = request.getfixturevalue("demo_report" if request.param == "en" else "demo_report_nl")
    return sorted(output.glob("*.html"))


def test_every_page_passes_axe_and_fits_a_phone(report_pages):
    completed = subprocess.run(
        ["node", str(A11Y / "check.mjs"), *map(str, report_pages)],
        capture_output=True, text=True, timeout=300, env=os.environ | {"CHROMIUM": CHROMIUM},
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    results = json.loads(completed.stdout)
    assert len(results) == 2 * len(report_pages)
    problems = []
    for record in results:
        where = f"{Path(record['page']).name} at {record['width']} px"
        if record["overflow"] > 0:
            problems.append(f"{where}: the page scrolls sideways by {record['overflow']} px")
        if record["width"] == 390:  # the phone: its chart versions, no wider than the text sizes assume
            for chart in record["charts"]:
                if chart["kind"] == "chart-wide" or chart["shown"] > PHONE_SCREEN + 0.5:
                    problems.append(f"{where}: a chart is shown {chart['shown']:.0f} px wide ({chart['kind']}); "
                                    f"its phone text sizes assume the phone version at most {PHONE_SCREEN} px wide")
        for violation in record["violations"]:
            if violation["impact"] in ("serious", "critical"):
                problems.append(f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} "
                                f"at {violation['nodes']}")
    assert not problems, "\n".join(problems)
