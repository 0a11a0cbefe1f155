"""Shared fixtures: the demo survey, small exports written on the fly, the real public surveys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import matplotlib
import pytest
import yaml

matplotlib.use("Agg")

from clientvalue.paths import DEMO_DIR, PROJECT_ROOT  # noqa: E402
from clientvalue.run.lean_imports import skip_iri_grammar  # noqa: E402

skip_iri_grammar()  # the suite imports nbformat in every worker (clientvalue.run.lean_imports)

REAL_DATA = Path(os.environ.get("CLIENTVALUE_REAL_DATA", PROJECT_ROOT.parent / "shared" / "data" / "real"))


DEMO_NOTEBOOKS = ["00_data_check", "10_value_drivers", "20_senior", "30_segments", "40_consistency", "50_comparisons"]


def _hashes(folder: Path) -> dict[str, str]:
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _demo_params(folder: Path, **values) -> Path:
    """The parameter file of a `clientvalue run` on the demo municipality and its vignette study (every
    notebook, 200 bootstrap replicates, 5 stability refits) into ``folder / "report"``."""
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
    return path


# The end-to-end runs that many tests only read. Each is one `clientvalue run` per test session, also
# under pytest-xdist (`make test` runs a worker per core): as soon as the first test starts, the worker
# that gets there first starts every run that the selected tests need as a background process, in a
# folder under the session's basetemp root shared by all workers (a file lock decides who starts it).
# The cheap tests run meanwhile; a test that reads a report waits for its run to end.

SHARED_RUNS = {  # fixture -> (folder under the session root, parameters besides `_demo_params`' defaults)
    "demo_report": ("run", {}),
    "demo_report_nl": ("run-nl", {"language": "nl"}),
    "data_check_report": ("run-00", {"notebooks": ["00_data_check"], "vignettes": None}),
}
#: fixtures that ask for shared runs by `request.getfixturevalue`
SHARED_RUN_USERS = {"report_pages": ("demo_report", "demo_report_nl")}
RUN_TIMEOUT = 1800  # seconds a test waits for a shared run

# `clientvalue run` in a child process; the exit code goes to a file (written whole) for any worker to see
_RUNNER = """
import os, sys
from pathlib import Path
code = "crashed"
try:
    from clientvalue.run import cli
    code = str(cli.main(["run", sys.argv[1], "--quiet"]))
finally:
    Path(sys.argv[2] + ".part").write_text(code, encoding="utf-8")
    os.replace(sys.argv[2] + ".part", sys.argv[2])
"""


def _session_root(tmp_path_factory) -> Path:
    """The folder shared by every xdist worker of this session (the session's basetemp without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _start_run(root: Path, fixture: str) -> subprocess.Popen | None:
    """Start the shared run behind ``fixture`` unless this or another worker has started it."""
    from filelock import FileLock

    name, values = SHARED_RUNS[fixture]
    folder = root / name
    with FileLock(str(folder) + ".lock"):
        if (folder / "params.yaml").exists():
            return None
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "inputs.json").write_text(json.dumps(_hashes(DEMO_DIR / "municipality")), encoding="utf-8")
        params = _demo_params(folder, **values)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PROJECT_ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
        with open(folder / "run.log", "wb") as log:
            return subprocess.Popen([sys.executable, "-c", _RUNNER, str(params), str(folder / "exit-code")],
                                    stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder)


def _wait_for_run(root: Path, fixture: str) -> Path:
    """The report of the shared run behind ``fixture``, once it has ended; a failed run fails the test."""
    folder = root / SHARED_RUNS[fixture][0]
    done = folder / "exit-code"
    deadline = time.monotonic() + RUN_TIMEOUT
    while not done.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"the shared run {folder} did not end within {RUN_TIMEOUT} s")
        time.sleep(0.2)
    code = done.read_text(encoding="utf-8")
    if code != "0":
        log = (folder / "run.log").read_text(encoding="utf-8", errors="replace")
        pytest.fail(f"the shared run {folder} ended with {code}:\n{log[-3000:]}")
    before = json.loads((folder / "inputs.json").read_text(encoding="utf-8"))
    if _hashes(DEMO_DIR / "municipality") != before:
        pytest.fail(f"the shared run {folder} modified an input file")
    return folder / "report"


def _needed_runs(items) -> set[str]:
    """The shared runs the selected tests read (by their fixtures, or by name in their parameters)."""
    needed: set[str] = set()
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        if callspec is not None:
            names |= {value for value in callspec.params.values() if isinstance(value, str)}
        needed |= names & set(SHARED_RUNS)
        for user, fixtures in SHARED_RUN_USERS.items():
            if user in names:
                needed |= set(fixtures)
    return needed


@pytest.fixture(scope="session", autouse=True)
def _shared_runs(request, tmp_path_factory):
    """Start, at the session's first test, every shared run the selected tests need; at the end wait for
    the runs this process started (another worker may still be reading them)."""
    root = _session_root(tmp_path_factory)
    started = [p for p in (_start_run(root, f) for f in sorted(_needed_runs(request.session.items))) if p]
    yield root
    for process in started:
        try:
            process.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()


def _shared_report(request, fixture: str) -> Path:
    root = request.getfixturevalue("_shared_runs")
    _start_run(root, fixture)  # not foreseen at the start (asked for by name): start it now
    return _wait_for_run(root, fixture)


@pytest.fixture(scope="session")
def demo_report(request) -> Path:
    """The English demo report with every notebook (about 80 CPU s, made in the background)."""
    return _shared_report(request, "demo_report")


@pytest.fixture(scope="session")
def demo_report_nl(request) -> Path:
    """The same report in Dutch."""
    return _shared_report(request, "demo_report_nl")


@pytest.fixture(scope="session")
def data_check_report(request) -> Path:
    """The demo survey's report with notebook 00 only (an earlier report to be replaced, or compared)."""
    return _shared_report(request, "data_check_report")


@pytest.fixture(autouse=True)
def _matplotlib_settings_restored():
    """Report() sets the report's plotting defaults globally (left-aligned titles, ...): every test
    starts from the settings it found and leaves them so, whatever order the folders run in."""
    with matplotlib.rc_context():
        yield


@pytest.fixture(autouse=True)
def _moments_forgotten():
    """Every test starts without term moments remembered by an earlier one (clientvalue.stats.moments_memo):
    a test that counts passes over the rows, or compares two ways of summing them, sums them itself."""
    from clientvalue.stats import moments_memo

    moments_memo.forget()
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


# The longest test files first. `make test` hands whole files to the xdist workers (`--dist loadfile`)
# in the order they are collected; a long file collected last would run alone at the end, the other
# worker idle. (Measured with `--durations`: each holds one or more end-to-end runs of its own.)
HEAVY_FIRST = ("tests/run/test_hostile.py", "tests/run/test_batch.py", "tests/e2e/test_pipeline.py")


def pytest_collection_modifyitems(config, items):
    for item in items:  # a test that reads a shared end-to-end run is as slow as that run (`make test-quick`)
        if _needed_runs([item]):
            item.add_marker(pytest.mark.slow)
    rank = {path: number for number, path in enumerate(HEAVY_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest keep their order
