"""clientvalue batch: folder and stacked inputs, fault isolation, resume, bad names, schedulers.

Small batches (3-4 organisations of 200-250 respondents cut from the demo export, notebook 00 only)
on a local Dask cluster of 2 processes; the real-cluster test starts `dask scheduler` and two
`dask worker` processes and kills one while the batch runs.
"""

from __future__ import annotations

import html
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from clientvalue.paths import DEMO_DIR
from clientvalue.report.safety import html_problems
from clientvalue.run import cli
from clientvalue.data.survey import load_survey
from clientvalue.disclosure import data_summary
from clientvalue.run import batch
from clientvalue.run.batch import up_to_date
from clientvalue.run.batch_inputs import (BatchError, folder_organisations, name_key, refuse_near_duplicates,
                                          safe_folder, split_stacked)
from clientvalue.run.params import parse_parameters

DEMO = DEMO_DIR / "municipality"
BIN = Path(sys.executable).parent


def _demo_rows() -> pd.DataFrame:
    return pd.read_csv(DEMO / "survey.csv", sep=";", dtype=str, keep_default_na=False, encoding="cp1252")


def _codebook(data: str = "survey.csv") -> dict:
    return yaml.safe_load((DEMO / "codebook.yaml").read_text(encoding="utf-8")) | {"data": data}


def _params(folder: Path, **values) -> Path:
    path = folder / "params.yaml"
    params = {"output": str(folder / "out"), "n_boot": 50, "notebooks": ["00_data_check"]} | values
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return path


def _folder_batch(root: Path, names: list[str], size: int = 220) -> Path:
    rows = _demo_rows()
    source = root / "orgs"
    for i, name in enumerate(names):
        sub = source / name
        sub.mkdir(parents=True)
        rows.iloc[i * size:(i + 1) * size].to_csv(sub / "survey.csv", sep=";", index=False)
        (sub / "codebook.yaml").write_text(yaml.safe_dump(_codebook(), allow_unicode=True), encoding="utf-8")
    return source


def _stacked(root: Path, names: list[str], size: int = 200) -> Path:
    rows = _demo_rows().iloc[: size * len(names)].copy()
    rows.insert(1, "organisation", [names[i // size] for i in range(len(rows))])
    rows.to_csv(root / "stacked.csv", sep=";", index=False)
    path = root / "codebook.yaml"
    path.write_text(yaml.safe_dump(_codebook("stacked.csv"), allow_unicode=True), encoding="utf-8")
    return path


def _published_respondents(folder: Path) -> int:
    return data_summary(load_survey(folder / "codebook.yaml"), 10)["respondents"]


def _status(out: Path) -> dict[str, dict]:
    return {r["name"]: r for r in json.loads((out / "status.json").read_text(encoding="utf-8"))["organisations"]}


# --------------------------------------------------------------------------- names (no cluster)
@pytest.mark.parametrize("name", ["../x", "CON", "con", "a/b", "x" * 300, "Zorg A", "", ".", "..", "nul.txt",
                                  "ﬁle", "Café Noir", "\u202eevil"])
def test_unsafe_names_get_a_safe_unique_folder(name):
    folder = safe_folder(name)
    assert folder and len(folder) <= 60
    assert all(c.isascii() and (c.isalnum() or c in "-_") for c in folder), folder
    assert folder.split(".")[0] not in {"con", "nul", "prn", "aux"} and folder not in {".", ".."}
    assert folder != safe_folder(name + " ")  # a different name never shares a folder
    assert safe_folder(name) == folder  # the same name gets the same folder in every run


def test_a_safe_name_is_kept_and_lookalikes_differ():
    assert safe_folder("zorg-a") == "zorg-a"
    assert len({safe_folder(n) for n in ["zorg-a", "Zorg-A", "zorg a", "zorg_a"]}) == 4


def test_names_differing_in_case_or_spacing_are_refused():
    assert name_key(" Zorg  A ") == name_key("zorg a")
    with pytest.raises(BatchError, match="differ only in case or spacing.*Zorg A"):
        refuse_near_duplicates(["Zorg A", "B", "zorg  a"], where="test")
    refuse_near_duplicates(["Zorg A", "Zorg B"], where="test")


def test_empty_organisation_values_are_refused(tmp_path):
    codebook = _stacked(tmp_path, ["a", "b"], size=50)
    frame = pd.read_csv(tmp_path / "stacked.csv", sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
    frame.loc[[3, 7], "organisation"] = ["", "  "]
    frame.to_csv(tmp_path / "stacked.csv", sep=";", index=False)
    with pytest.raises(BatchError, match=r"2 row\(s\) name no organisation \(file lines 5, 9"):
        split_stacked(codebook, "organisation", tmp_path / "work")
    with pytest.raises(BatchError, match="no column 'org'"):
        split_stacked(codebook, "org", tmp_path / "work")


def test_split_is_the_same_file_every_time(tmp_path):
    codebook = _stacked(tmp_path, ["a", "b"], size=50)
    first = split_stacked(codebook, "organisation", tmp_path / "one")
    second = split_stacked(codebook, "organisation", tmp_path / "two")
    for x, y in zip(first, second):
        assert (x.codebook.parent / "survey.parquet").read_bytes() == (y.codebook.parent / "survey.parquet").read_bytes()
        assert len(pd.read_parquet(x.codebook.parent / "survey.parquet")) == 50


def test_batch_finds_the_codebook_where_clientvalue_run_finds_it(tmp_path, monkeypatch):
    params = tmp_path / "params"
    (params / "beside").mkdir(parents=True)
    (tmp_path / "surveys").mkdir()
    beside, elsewhere = params / "beside" / "codebook.yaml", tmp_path / "surveys" / "codebook.yaml"
    beside.write_text("{}", encoding="utf-8")
    elsewhere.write_text("{}", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # next to the parameter file first, else in the working directory (as params/demo.yaml names the demo)
    assert batch._absolute({"codebook": "beside/codebook.yaml"}, params)["codebook"] == str(beside)
    assert batch._absolute({"codebook": "surveys/codebook.yaml"}, params)["codebook"] == str(elsewhere)
    # found nowhere: next to the parameter file, so that the refusal names that place
    assert batch._absolute({"vignettes": "gone.yaml"}, params)["vignettes"] == str(params / "gone.yaml")
    assert batch._absolute({"codebook": str(elsewhere), "n_boot": 5}, params) == {"codebook": str(elsewhere),
                                                                                  "n_boot": 5}


def test_unreachable_scheduler_is_one_sentence_and_rc_2(tmp_path, capsys):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    params = _params(tmp_path)
    source = tmp_path / "missing-on-purpose"
    started = time.perf_counter()
    code = cli.main(["batch", str(params), str(source), "--scheduler", f"tcp://127.0.0.1:{port}"])
    err = capsys.readouterr().err
    assert code == 2 and time.perf_counter() - started < 20
    assert err.count("\n") == 1 and "cannot reach the Dask scheduler" in err and "Nothing was started" in err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- batches on a local cluster
@pytest.mark.slow
def test_folder_batch_isolates_faults_and_resumes(tmp_path, monkeypatch):
    source = _folder_batch(tmp_path, ["north", "south", "east", "west"])
    (source / "east" / "codebook.yaml").unlink()  # a codebook missing: that organisation fails alone
    (source / "west" / "survey.csv").write_bytes(b"\x00\x01garbage;;\n")  # a corrupt export
    params = _params(tmp_path)
    code = cli.main(["batch", str(params), str(source), "--workers", "2", "--quiet", "--no-benchmark"])
    assert code == 1
    out = tmp_path / "out"
    status = _status(out)
    assert {n: r["status"] for n, r in status.items()} == {
        "north": "succeeded", "south": "succeeded", "east": "failed", "west": "failed"}
    assert status["east"]["reason_kind"] == "no codebook" and "codebook.yaml" in status["east"]["reason"]
    assert status["west"]["reason_kind"] == "data"
    assert status["north"]["respondents"] == _published_respondents(source / "north")
    for name in ("north", "south"):
        manifest = json.loads((out / name / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["status"] == "succeeded" and (out / name / "00_data_check.html").is_file()
    assert not (out / "east").exists() and not (out / "west").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left behind
    page = (out / "index.html").read_text(encoding="utf-8")
    assert html_problems(page) == [] and "north/index.html" in page and "no codebook in its folder" in page
    csv = pd.read_csv(out / "status.csv")
    assert list(csv["status"]) == ["failed", "succeeded", "succeeded", "failed"]  # folders in name order

    # rerun: the two good ones are up to date; fix east; change north's data
    (source / "east" / "codebook.yaml").write_text(yaml.safe_dump(_codebook()), encoding="utf-8")
    rows = pd.read_csv(source / "north" / "survey.csv", sep=";", dtype=str, keep_default_na=False)
    rows.iloc[:200].to_csv(source / "north" / "survey.csv", sep=";", index=False)
    before = (out / "south" / "manifest.json").stat().st_mtime_ns
    # (the benchmark changes when an organisation joins; resume with the benchmark: the stacked test)
    code = cli.main(["batch", str(params), str(source), "--workers", "2", "--quiet", "--no-benchmark"])
    status = _status(out)
    assert code == 1  # west is still corrupt
    assert {n: r["status"] for n, r in status.items()} == {
        "north": "succeeded", "south": "skipped", "east": "succeeded", "west": "failed"}
    assert status["north"]["respondents"] == _published_respondents(source / "north") < 200
    assert (out / "south" / "manifest.json").stat().st_mtime_ns == before
    # a changed parameter or another version is not up to date
    org = next(o for o in folder_organisations(source) if o.name == "south")
    raw = {"codebook": str(org.codebook), "output": str(out / "south"), "n_boot": 50, "notebooks": ["00_data_check"]}
    assert up_to_date(org, parse_parameters(raw), out / "south")
    assert not up_to_date(org, parse_parameters(raw | {"min_group_size": 12}), out / "south")
    monkeypatch.setattr(batch, "__version__", "0.0.0-other")
    assert not up_to_date(org, parse_parameters(raw), out / "south")


@pytest.mark.slow
def test_stacked_batch_with_unsafe_names_in_dutch(tmp_path):
    names = ["../x", "CON", "a/b <script>", "Gemeente " + "Lang" * 40]
    codebook = _stacked(tmp_path, names, size=200)
    params = _params(tmp_path, organisations="organisation", language="nl")
    code = cli.main(["batch", str(params), str(codebook), "--workers", "2", "--quiet"])
    assert code == 0
    out = tmp_path / "out"
    status = _status(out)
    assert set(status) == set(names) and {r["status"] for r in status.values()} == {"succeeded"}
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == sorted(r["folder"] for r in status.values()) and len(set(folders)) == 4
    assert all(".." not in f and "/" not in f and len(f) <= 60 for f in folders)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert html_problems(page) == [] and "a/b &lt;script&gt;" in page and "<script>" not in page
    assert "<html lang='nl'>" in page and "Organisatie" in page
    # the national benchmark: each report shows its own position and nothing of another organisation
    levels = pd.read_csv(out / "benchmark.csv")
    assert not levels.empty and (levels["organisations"] >= 3).all()
    for name, row in status.items():
        position = row["position"]
        manifest = json.loads((out / row["folder"] / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["parameters"]["benchmark"] == position and position["organisations"] == 4
        report = (out / row["folder"] / "index.html").read_text(encoding="utf-8")
        rating = f"{position['rating']:.1f}".replace(".", ",")
        assert "Uw positie tussen 4 organisaties" in report and f"Uw rapportcijfer {rating};" in report
        others = [n for n in names if n != name]
        assert not any(html.escape(n) in report or n in report for n in others if len(n) > 3)
    assert not (tmp_path / ".out.inputs").exists()  # the split exports are removed after the batch
    assert not any("organisation" in p.name for p in out.rglob("*.csv") if p.name != "status.csv")
    assert cli.main(["batch", str(params), str(codebook), "--workers", "2", "--quiet"]) == 0
    assert {r["status"] for r in _status(out).values()} == {"skipped"}


@pytest.mark.slow
def test_the_own_clusters_workers_run_without_the_statistical_profiler():
    """Our LocalCluster's workers get its settings from their nannies: no thread is sampled every 10 ms."""
    import dask

    client = batch.local_client(1, 2 * 2**30)
    try:
        client.submit(time.sleep, 0.5, pure=False).result()

        def profiled(dask_worker):
            return dask.config.get("distributed.worker.profile.enabled"), dask_worker.profile_recent.get("count", 0)

        assert list(client.run(profiled).values()) == [(False, 0)]
        assert dask.config.get("distributed.worker.profile.enabled")  # this process's settings are as they were
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()


# --------------------------------------------------------------------------- a real multi-process cluster
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_real_cluster_survives_a_killed_worker(tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    log = open(tmp_path / "cluster.log", "w")
    scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--dashboard-address", ":0", "--no-show"], stdout=log, stderr=log, env=env)
    workers = [subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--nworkers", "1",
                                 "--no-nanny", "--host", "127.0.0.1", "--memory-limit", "2GiB"],
                                stdout=log, stderr=log, env=env, start_new_session=True) for _ in range(2)]
    try:
        source = _folder_batch(tmp_path, ["a", "b", "c"], size=150)
        params = _params(tmp_path)
        batch = subprocess.Popen([str(BIN / "clientvalue"), "batch", str(params), str(source), "--scheduler", address],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out = tmp_path / "out"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(out.glob(".*.partial-*")):
            time.sleep(0.1)  # a report is being written: kill the worker under it
        assert list(out.glob(".*.partial-*")), "no organisation started within a minute"
        time.sleep(1.0)
        os.killpg(workers[0].pid, signal.SIGKILL)
        stdout, stderr = batch.communicate(timeout=240)
        assert batch.returncode == 0, stderr
        status = _status(out)
        assert {r["status"] for r in status.values()} == {"succeeded"}
        assert len({r["worker"] for r in status.values()}) >= 1
        reports = sorted(p.name for p in out.iterdir() if p.is_dir())
        assert reports == ["a", "b", "c"]  # each exactly once, nothing hidden or partial left
        for name in reports:
            manifest = json.loads((out / name / "manifest.json").read_text(encoding="utf-8"))
            assert manifest["status"] == "succeeded"
            assert sorted(p.name for p in (out / name).iterdir() if p.is_file()) == sorted(
                ["index.html", "about.html", "manifest.json", "00_data_check.html", "00_data_check.ipynb"])
    finally:
        for process in [*workers, scheduler]:
            if process.poll() is None:
                process.terminate()
        for process in [*workers, scheduler]:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


# --------------------------------------------------------------------------- warm kernels
@pytest.mark.slow
def test_warm_kernel_gives_the_same_report_as_fresh_kernels(tmp_path):
    import nbformat

    from clientvalue.run import warm
    from clientvalue.run.pipeline import run_parameters

    params = parse_parameters({"codebook": str(DEMO / "codebook.yaml"), "notebooks": ["00_data_check"]})
    quiet = {"jobs": 1, "progress": False, "echo": lambda _line: None}
    warm.retire()  # no kernel another test may have left in this thread
    warm.enable(False)  # chosen: a fresh kernel for every notebook
    try:
        run_parameters(params, output=tmp_path / "cold", **quiet)
        assert getattr(warm._local, "km", None) is None
    finally:
        warm.enable(None)
    warm.enable()
    try:
        for name in ("warm1", "warm2"):  # the second runs on the kernel the first left behind
            run_parameters(params, output=tmp_path / name, **quiet)
        assert warm._local.km is not None and warm._local.km.has_kernel
    finally:
        warm.retire()
        warm.enable(None)
    for name in ("warm1", "warm2"):
        cold = sorted((tmp_path / "cold" / "tables").glob("*.csv"))
        assert cold and all(f.read_bytes() == (tmp_path / name / "tables" / f.name).read_bytes() for f in cold)
        notebook = nbformat.read(tmp_path / name / "00_data_check.ipynb", as_version=4)
        counts = [c.execution_count for c in notebook.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1))  # a fresh namespace and history each time


def test_overview_page_with_no_organisations_and_with_hostile_names():
    from clientvalue.report.batch_page import render_overview

    empty = render_overview([], language="en", created="2026-12-06T05:00:00+00:00", min_group_size=10, version="0")
    assert html_problems(empty) == [] and "The batch had no organisations." in empty
    rows = [{"name": "<img src=x onerror=alert(1)>", "folder": "img-1234abcd", "status": "failed",
             "reason_kind": "data", "reason": "row 3: value 'secret' not allowed", "respondents": None}]
    page = render_overview(rows, language="nl", created="2026-12-06T05:00:00+00:00", min_group_size=10, version="0")
    assert html_problems(page) == [] and "&lt;img src=x" in page
    assert "secret" not in page  # the full message (it may quote the export) stays in status.json


def test_shutdown_all_stops_warm_kernels_and_removes_their_sockets():
    from jupyter_core.utils import run_sync

    from clientvalue.run import warm

    km = warm._kernel("python3")
    try:
        run_sync(km.start_kernel)()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list(Path(km.ip).parent.glob(Path(km.ip).name + "-*"))) < 5:
            time.sleep(0.1)  # the kernel binds its five sockets once it has started
        sockets = list(Path(km.ip).parent.glob(Path(km.ip).name + "-*"))
        assert sockets and run_sync(km.is_alive)()
        assert warm.shutdown_all() == 1
        assert not run_sync(km.is_alive)() and not any(p.exists() for p in sockets)
        assert warm._kernel("python3") is not km  # the next notebook gets a fresh kernel
    finally:
        warm.retire()
