"""Notebook workers that start before the run reads its export: their kernels are ready, with the
analyses imported, when the first notebook comes; refused input stops them and leaves nothing behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil
import pytest
import yaml

from code_notebooks import code_notebook
from hostile import small_survey, write_survey

from clientvalue.errors import DataError
from clientvalue.paths import NOTEBOOKS_DIR
from clientvalue.run import pipeline
from clientvalue.run.execute import NotebookWorkers, execute_all, socket_folder


def _kernels() -> list[psutil.Process]:
    """The Jupyter kernels this process started (through its notebook workers)."""
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if "ipykernel" in " ".join(process.cmdline()) and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.Error:
            pass
    return found


def _wait_for_kernels(count: int, timeout: float = 120.0) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kernels = _kernels()
        if len(kernels) >= count:
            return kernels
        time.sleep(0.2)
    pytest.fail(f"{count} kernels did not start within {timeout} s")


def _probe_notebook(folder: Path, name: str) -> Path:
    """A notebook that writes its kernel's process id, whether a module it never imports is loaded, its
    working folder and whether anything was left in its namespace."""
    return code_notebook(folder, name, parameters='marker = ""', code=(
        "import json, os, pathlib, sys\n"
        "pathlib.Path(marker).write_text(json.dumps({'pid': os.getpid(), "
        "'loaded': 'clientvalue.stats.intervals' in sys.modules, 'cwd': os.getcwd(), "
        "'history': str(get_ipython().history_manager.hist_file), 'names': sorted(globals())}))\n"))


@pytest.mark.slow
def test_workers_start_their_kernels_with_the_imports_before_any_notebook(tmp_path):
    import json

    workers = NotebookWorkers(2, imports=("clientvalue.stats.intervals",))
    try:
        started = {kernel.pid for kernel in _wait_for_kernels(2)}  # before any notebook was given
    except BaseException:
        workers.stop()
        raise
    jobs = [(_probe_notebook(tmp_path, name), tmp_path / f"out-{name}.ipynb", {"marker": str(tmp_path / f"{name}.json")})
            for name in ("a", "b")]
    execute_all(jobs, jobs=2, progress=False, echo=lambda line: None, workers=workers)
    seen = [json.loads((tmp_path / f"{name}.json").read_text()) for name in ("a", "b")]
    assert {probe["pid"] for probe in seen} <= started  # the notebooks ran on the kernels started before them
    assert all(probe["loaded"] for probe in seen)  # with the module the workers imported as they started
    assert all(probe["cwd"] == str(NOTEBOOKS_DIR) for probe in seen)  # where papermill runs every notebook
    assert all(probe["history"] == ":memory:" for probe in seen)  # as nbclient's kernels: no history file on disk
    for probe in seen:  # nothing of the start-up is left in the namespace (its import, the reset's names)
        assert "marker" in probe["names"] and "clientvalue" not in probe["names"]
        assert not [name for name in probe["names"] if name.startswith("_cv_")]
    deadline = time.monotonic() + 30
    while any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in started):
        assert time.monotonic() < deadline, "the kernels outlived their workers"
        time.sleep(0.2)


@pytest.mark.slow
def test_a_refused_large_export_stops_the_workers_it_started_early(tmp_path, monkeypatch):
    frame, codebook = small_survey(2, 20)
    frame["overall"] = 99  # every answer a missing code: refused as the export is read
    folder = tmp_path / "in"
    path = write_survey(folder, frame, codebook)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"codebook": str(path), "output": str(tmp_path / "report")}), encoding="utf-8")
    monkeypatch.setattr(pipeline, "EARLY_WORKERS_BYTES", 0)  # this small export counts as large
    read = pipeline.read_survey
    started: list[int] = []

    def read_when_the_kernels_run(*args, **kwargs):
        started.extend(kernel.pid for kernel in _wait_for_kernels(2))  # workers and kernels are up
        return read(*args, **kwargs)

    monkeypatch.setattr(pipeline, "read_survey", read_when_the_kernels_run)
    with pytest.raises(DataError, match="'overall'"):
        pipeline.run(params, jobs=2, progress=False, echo=lambda line: None)
    assert len(started) == 2
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in started)
    assert [p for p in psutil.Process().children(recursive=True)
            if p.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(p.cmdline())] == []
    assert not list(socket_folder().glob(f"clientvalue-kernel-{os.getpid()}-*"))  # sockets and connection files
    assert not (tmp_path / "report").exists() and not list(tmp_path.glob(".report.*"))
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # the input untouched


@pytest.mark.slow
def test_a_large_export_is_read_while_the_workers_start(tmp_path, monkeypatch):
    frame, codebook = small_survey(2, 60)
    path = write_survey(tmp_path / "in", frame, codebook)
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"codebook": str(path), "output": str(tmp_path / "report"),
                                      "notebooks": ["00_data_check", "20_senior"]}), encoding="utf-8")
    monkeypatch.setattr(pipeline, "EARLY_WORKERS_BYTES", 0)
    events: list[str] = []
    made, read = pipeline.NotebookWorkers, pipeline.read_survey

    def workers(*args, **kwargs):
        events.append("workers")
        return made(*args, **kwargs)

    monkeypatch.setattr(pipeline, "NotebookWorkers", workers)
    monkeypatch.setattr(pipeline, "read_survey", lambda *a, **k: events.append("read") or read(*a, **k))
    report = pipeline.run(params, jobs=2, progress=False, echo=lambda line: None)
    assert events == ["workers", "read"]  # started once, before the export was read, and used by the run
    manifest = yaml.safe_load((report / "manifest.json").read_text(encoding="utf-8"))
    assert [(n["name"], n["status"]) for n in manifest["notebooks"]] == [("00_data_check", "succeeded"),
                                                                         ("20_senior", "succeeded")]


def test_a_small_export_starts_no_worker_before_it_is_checked(tmp_path, monkeypatch):
    frame, codebook = small_survey(2, 20)
    frame["overall"] = 99
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"codebook": str(write_survey(tmp_path / "in", frame, codebook)),
                                      "output": str(tmp_path / "report")}), encoding="utf-8")
    monkeypatch.setattr(pipeline, "NotebookWorkers", lambda *a, **k: pytest.fail("a worker was started"))
    with pytest.raises(DataError):
        pipeline.run(params, jobs=2, progress=False, echo=lambda line: None)


def test_workers_started_early_are_as_many_as_the_notebooks_the_inputs_can_feed():
    from clientvalue.run.params import RunParameters

    survey_only = RunParameters(codebook="codebook.yaml")
    expected = pipeline._expected_notebooks(survey_only)
    assert "40_consistency" not in expected and "10_value_drivers" in expected  # no vignette study given
    assert "40_consistency" in pipeline._expected_notebooks(RunParameters(codebook="c.yaml", vignettes="v.yaml"))
    context = pipeline.RunContext(params=survey_only, output=Path("report"), jobs=8)
    assert pipeline._jobs(context, 2) == 2  # never more workers than notebooks, also with --jobs
    assert pipeline._jobs(pipeline.RunContext(params=survey_only, output=Path("report"), jobs=1), 5) == 1
