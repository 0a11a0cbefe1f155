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


def _run_demo_report(folder: Path, **values) -> Path:
    """`clientvalue run` on the demo data (all notebooks, 200 bootstrap replicates) into ``folder``."""
    import hashlib

    from clientvalue.run import pipeline

    params = {
        "codebook": str(DEMO_DIR / "municipality" / "codebook.yaml"),
        "output": str(folder / "report"),
        "n_boot": 200,
        "notebooks": ["00_data_check", "10_value_drivers", "20_senior", "50_comparisons"],
    } | values
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    data = DEMO_DIR / "municipality" / "survey.csv"
    before = hashlib.sha256(data.read_bytes()).hexdigest()
    output = pipeline.run(path, progress=False, echo=None)
    assert hashlib.sha256(data.read_bytes()).hexdigest() == before, "the input file was modified"
    return output


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory) -> Path:
    """The English demo report, run once per test session (about 30 s)."""
    return _run_demo_report(tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="session")
def demo_report_nl(tmp_path_factory) -> Path:
    """The same report in Dutch, run once per test session."""
    return _run_demo_report(tmp_path_factory.mktemp("run-nl"), language="nl")


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


@pytest.fixture(autouse=True)
def _restore_matplotlib_settings():
    """Each test starts from the same matplotlib settings: `Report` applies the notebooks' style
    globally (setup_plotting), which must not leak into the next test."""
    saved = matplotlib.rcParams.copy()
    yield
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore")
        matplotlib.rcParams.update(saved)
