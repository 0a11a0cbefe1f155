"""Executing notebooks several at a time: each is handed on (to be rendered) as soon as it has run."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from code_notebooks import code_notebook

from clientvalue.errors import ClientValueError
from clientvalue.run.execute import execute_all


def _notebook(folder: Path, name: str) -> Path:
    """A notebook that sleeps ``seconds`` and then writes ``marker`` (both parameters)."""
    return code_notebook(folder, name, parameters='marker = ""\nseconds = 0.0',
                         code="import pathlib, time\ntime.sleep(seconds)\npathlib.Path(marker).write_text('done')")


def _jobs(tmp_path: Path) -> tuple[list, Path, Path]:
    quick, slow = tmp_path / "quick.done", tmp_path / "slow.done"
    return ([(_notebook(tmp_path, "quick"), tmp_path / "out-quick.ipynb", {"marker": str(quick), "seconds": 0.0}),
             (_notebook(tmp_path, "slow"), tmp_path / "out-slow.ipynb", {"marker": str(slow), "seconds": 8.0})],
            quick, slow)


@pytest.mark.slow
def test_a_notebook_is_handed_on_while_the_others_still_run(tmp_path):
    jobs, quick, slow = _jobs(tmp_path)
    seen: list[tuple[str, bool, bool]] = []

    def when_done(path: Path) -> None:
        seen.append((path.stem, quick.exists(), slow.exists()))

    seconds = execute_all(jobs, jobs=2, progress=False, echo=lambda line: None, when_done=when_done)
    assert set(seconds) == {"quick", "slow"}
    # the quick notebook was handed on before the slow one had finished, then the slow one
    assert seen == [("quick", True, False), ("slow", True, True)]


@pytest.mark.slow
def test_an_error_in_the_hand_on_stops_the_other_notebooks(tmp_path):
    jobs, quick, slow = _jobs(tmp_path)

    def when_done(path: Path) -> None:
        raise ClientValueError(f"rendering {path.stem} failed")

    with pytest.raises(ClientValueError, match="rendering quick failed"):
        execute_all(jobs, jobs=2, progress=False, echo=lambda line: None, when_done=when_done)
    assert quick.exists() and not slow.exists()  # the slow notebook was stopped, not waited for


def test_one_at_a_time_each_is_handed_on_before_the_next_starts(tmp_path, monkeypatch):
    from clientvalue.run import execute

    order: list[str] = []
    monkeypatch.setattr(execute, "_execute_timed", lambda path, target, parameters, progress: order.append(path.stem) or 0.0)
    jobs = [(tmp_path / f"{name}.ipynb", tmp_path / f"out-{name}.ipynb", {}) for name in ("a", "b")]
    execute_all(jobs, jobs=1, progress=False, echo=lambda line: None,
                when_done=lambda path: order.append(f"done {path.stem}"))
    assert order == ["a", "done a", "b", "done b"]


def _pid_notebook(folder: Path, name: str) -> Path:
    """A notebook that writes its kernel's process id to ``marker``, the term moments remembered when it
    started, and leaves a variable and remembered moments behind."""
    return code_notebook(folder, name, parameters='marker = ""', code=(
        "import os, pathlib\n"
        "import numpy as np\n"
        "from clientvalue.stats import moments_memo\n"
        "left = globals().get('left_behind', 'none')\n"
        "kept = len(moments_memo._entries)\n"
        "pathlib.Path(marker).write_text(f'{os.getpid()} {left} {kept}')\n"
        "moments_memo.remember(marker.encode(), np.zeros(1), np.zeros((1, 1)))\n"
        "left_behind = 'from ' + marker"))


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_each_worker_runs_its_notebooks_on_one_kernel_with_a_fresh_namespace(tmp_path, workers):
    import os

    import psutil

    from clientvalue.run.execute import socket_folder

    names = ["a", "b", "c", "d"]
    jobs = [(_pid_notebook(tmp_path, n), tmp_path / f"out-{n}.ipynb", {"marker": str(tmp_path / f"{n}.pid")})
            for n in names]
    mine = f"clientvalue-kernel-{os.getpid()}-*"  # this run's kernels (other test workers share the folder)
    before = set(socket_folder().glob(mine))
    execute_all(jobs, jobs=workers, progress=False, echo=lambda line: None)
    seen = [(tmp_path / f"{n}.pid").read_text().split() for n in names]
    pids = {int(pid) for pid, _, _ in seen}
    assert 1 <= len(pids) <= workers  # one kernel per worker, not one per notebook
    assert all(left == "none" for _, left, _ in seen)  # nothing of the notebook before is left in the namespace
    assert all(kept == "0" for _, _, kept in seen)  # nor its remembered term moments
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids)
    assert set(socket_folder().glob(mine)) <= before  # the kernels' socket files are gone


@pytest.mark.slow
@pytest.mark.parametrize("warm_kernel", [True, False])
def test_the_executed_notebook_is_written_once_complete(tmp_path, monkeypatch, warm_kernel):
    """papermill would write the notebook before and after every cell (12 times for these 5 cells, then
    once more); a run has it written once, complete, with every cell's outputs and papermill metadata,
    and a failed notebook once, with its error."""
    from papermill import engines
    from papermill import execute as papermill_execute

    from clientvalue.errors import PipelineError
    from clientvalue.run import execute, warm

    writes: list[str] = []
    original = engines.write_ipynb
    for module in (engines, papermill_execute):
        monkeypatch.setattr(module, "write_ipynb", lambda nb, path: writes.append(path) or original(nb, path))
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("fail = False")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, *(nbformat.v4.new_code_cell(f"print({k})") for k in range(3)),
                nbformat.v4.new_code_cell("if fail:\n    raise ValueError('planted')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source = tmp_path / "five.ipynb"
    nbformat.write(nb, source)
    warm.enable(warm_kernel, outlive_run=False)
    try:
        target = tmp_path / "out.ipynb"
        execute._execute(source, target, {"fail": False, "not_declared": 7}, progress=False)
        assert writes == [str(target)]
        done = nbformat.read(target, as_version=4)
        injected = [c for c in done.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert [c.source for c in injected] == ["# Parameters\nfail = False\n"]  # only what the notebook declares
        code = [c for c in done.cells if c.cell_type == "code"]
        assert [c.outputs[0]["text"] for c in code if c.outputs] == ["0\n", "1\n", "2\n"]
        assert all(c.metadata.papermill["status"] == "completed" and c.metadata.papermill["duration"] is not None
                   for c in done.cells)
        writes.clear()
        failed = tmp_path / "failed.ipynb"
        with pytest.raises(PipelineError, match="planted"):
            execute._execute(source, failed, {"fail": True}, progress=False)
        assert writes == [str(failed)]
        assert "planted" in failed.read_text(encoding="utf-8")
    finally:
        warm.retire()
        warm.enable(None)
