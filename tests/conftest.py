"""Shared fixtures: the demo survey, small exports written on the fly, the real public surveys."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest
import yaml

matplotlib.use("Agg")

from clientvalue.paths import DEMO_DIR, PROJECT_ROOT  # noqa: E402

REAL_DATA = Path(os.environ.get("CLIENTVALUE_REAL_DATA", PROJECT_ROOT.parent / "shared" / "data" / "real"))


DEMO_NOTEBOOKS = ["00_data_check", "10_value_drivers", "20_senior", "30_segments", "40_consistency", "50_comparisons"]


def _hashes(folder: Path) -> dict[str, str]:
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _run_demo_report(folder: Path, **values) -> Path:
    """`clientvalue run` on the demo municipality and its vignette study (every notebook, 200 bootstrap
    replicates, 5 stability refits) into ``folder``."""
    from clientvalue.run import pipeline

    params = {
        "codebook": str(DEMO_DIR / "municipality" / "codebook.yaml"),
        "vignettes": str(DEMO_DIR / "municipality" / "vignettes" / "codebook.yaml"),
        "output": str(folder / "report"),
        "n_boot": 200,
        "n_stability": 5,
        "notebooks": DEMO_NOTEBOOKS,
    } | values
    params = {key: value for key, value in params.items() if value is not None}  # None: leave the key out
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    before = _hashes(DEMO_DIR / "municipality")
    output = pipeline.run(path, progress=False, echo=None)
    assert _hashes(DEMO_DIR / "municipality") == before, "an input file was modified"
    return output


# The end-to-end runs that many tests only read: each runs once per test session.

@pytest.fixture(scope="session")
def demo_report(tmp_path_factory) -> Path:
    """The English demo report with every notebook (about 40 s)."""
    return _run_demo_report(tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="session")
def demo_report_nl(tmp_path_factory) -> Path:
    """The same report in Dutch."""
    return _run_demo_report(tmp_path_factory.mktemp("run-nl"), language="nl")


@pytest.fixture(scope="session")
def data_check_report(tmp_path_factory) -> Path:
    """The demo survey's report with notebook 00 only (an earlier report to be replaced, or compared)."""
    return _run_demo_report(tmp_path_factory.mktemp("run-00"), notebooks=["00_data_check"], vignettes=None)


@pytest.fixture(autouse=True)
def _matplotlib_settings_restored():
    """Report() sets the report's plotting defaults globally (left-aligned titles, ...): every test
    starts from the settings it found and leaves them so, whatever order the folders run in."""
    with matplotlib.rc_context():
        yield


@pytest.fixture
def demo_codebook() -> Path:
    path = DEMO_DIR / "municipality" / "codebook.yaml"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make demo-data`")
    return path


@pytest.fixture
def real_data() -> Path:
    """Folder of the real public surveys (../shared/data/real); skip when it is absent."""
    if not (REAL_DATA / "ecsi_mobi.csv").exists():
        pytest.skip(f"real survey data not found at {REAL_DATA}")
    return REAL_DATA


@pytest.fixture
def write_codebook(tmp_path):
    """Write a codebook YAML (a dict) into tmp_path and return its path."""

    def write(codebook: dict, name: str = "codebook.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(codebook, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return write


SMALL_CODEBOOK = {
    "data": "survey.csv",
    "id": "id",
    "group": "service",
    "weight": "w",
    "missing_codes": [98, 99],
    "outcome": {"column": "overall", "scale": [1, 10], "label": {"en": "Overall", "nl": "Rapportcijfer"}},
    "items": [
        {"column": "fast", "dimension": "practical", "scale": [1, 5], "label": {"en": "Fast", "nl": "Snel"}},
        {"column": "heard", "dimension": "emotional", "scale": [1, 5], "reverse": True, "label": "Gehoord",
         "reversed_label": "Niet gehoord"},
    ],
    "attributes": {"age": {"column": "age", "protected": True}, "gender": {"column": "gender", "protected": True}},
    "senior": {"column": "senior", "yes_codes": [1], "no_codes": [2], "missing_codes": [9]},
}

SMALL_ROWS = [
    # id, service, w, overall, fast, heard, age, gender, senior
    (1, "Burgerzaken", 1.0, 8, 4, 2, 70, "vrouw", 1),
    (2, "Burgerzaken", 0.5, 7, 99, 5, 45, "man", 2),
    (3, "Jeugd & gezin", 2.0, 11, 3, 1, 130, "vrouw", 9),
    (4, "Jeugd & gezin", 1.5, 6, 2, 0, 80, "man", 1),
    (5, "Wmo-loket", 1.0, 9, 5, 4, 66, "anders", 2),
]
SMALL_COLUMNS = ["id", "service", "w", "overall", "fast", "heard", "age", "gender", "senior"]
