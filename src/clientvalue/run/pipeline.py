"""Run the notebooks of a parameter file with papermill and publish an HTML report.

The run writes into a hidden sibling folder and moves it into place only when every notebook
succeeded, so a failed run never leaves a half-written report where a good one stood.
"""

from __future__ import annotations

import hashlib
import gc
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from clientvalue import __version__
from clientvalue.errors import ParameterError, PipelineError
from clientvalue.run.params import RunParameters, load_parameters
from clientvalue.paths import NOTEBOOKS_DIR, resolve_path
from clientvalue.report.publish import render_index, render_notebook
from clientvalue.data.survey import load_survey

KEY_PACKAGES = (
    "numpy", "pandas", "scipy", "statsmodels", "scikit-learn", "matplotlib", "seaborn",
    "pyreadstat", "papermill", "nbconvert", "pydantic",
)


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of Python, clientvalue and the packages that shape the numbers."""
    versions = {"python": platform.python_version(), "clientvalue": __version__}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def notebook_path(name: str) -> Path:
    """The notebook file of a notebook name such as ``00_data_check``."""
    path = NOTEBOOKS_DIR / f"{name}.ipynb"
    if not path.is_file():
        raise ParameterError(f"notebook {name!r}: {path} does not exist")
    return path


def _notebook_parameters(path: Path, values: dict[str, Any]) -> dict[str, Any]:
    """The subset of ``values`` that the notebook declares in its parameters cell."""
    import papermill

    declared = papermill.inspect_notebook(str(path))
    return {key: value for key, value in values.items() if key in declared}


def _local_kernel_manager():
    """A kernel manager that talks to its kernel over local sockets (IPC), not TCP ports.

    Nothing listens on the network, and ipykernel has no reason to warn about unencrypted TCP.
    """
    from jupyter_client.manager import AsyncKernelManager

    class LocalKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any):
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = str(Path(tempfile.gettempdir()) / f"clientvalue-kernel-{os.getpid()}-{id(self)}")

    return LocalKernelManager


def _execute(path: Path, target: Path, parameters: dict[str, Any], *, progress: bool) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            str(path),
            str(target),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=progress,
            cwd=str(NOTEBOOKS_DIR),
            log_output=False,
            kernel_manager_class=_local_kernel_manager(),
        )
    except PapermillExecutionError as exc:
        handle, name = tempfile.mkstemp(prefix=f"clientvalue-failed-{path.stem}-", suffix=".ipynb")
        os.close(handle)  # mkstemp makes it readable by this user only: it may hold respondent data
        kept = Path(name)
        if target.exists():
            shutil.copyfile(target, kept)
        message = str(exc.evalue).strip().splitlines()
        raise PipelineError(
            f"notebook {path.stem} failed in cell {exc.cell_index} (execution {exc.exec_count}): "
            f"{exc.ename}: {' '.join(message)}\n"
            f"The executed notebook with the full traceback is at {kept}."
        ) from None


def _execute_timed(path: Path, target: Path, parameters: dict[str, Any], progress: bool) -> float:
    tick = time.perf_counter()
    _execute(path, target, parameters, progress=progress)
    return round(time.perf_counter() - tick, 2)


def _execute_all(jobs_list: list[tuple[Path, Path, dict[str, Any]]], *, jobs: int, progress: bool,
                 echo: Callable[[str], None]) -> dict[str, float]:
    """Execute notebooks, ``jobs`` at a time (each in its own kernel); seconds per notebook."""
    total = len(jobs_list)
    seconds: dict[str, float] = {}
    if jobs <= 1 or total == 1:
        for number, (path, target, parameters) in enumerate(jobs_list, start=1):
            echo(f"[{number}/{total}] {path.stem} ...")
            seconds[path.stem] = _execute_timed(path, target, parameters, progress)
            echo(f"[{number}/{total}] {path.stem} done in {seconds[path.stem]:.1f} s")
        return seconds
    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
    from multiprocessing import get_context

    echo(f"running {total} notebooks, {jobs} at a time: " + ", ".join(p.stem for p, _, _ in jobs_list))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_execute_timed, path, target, parameters, False): path for path, target, parameters in jobs_list}
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        failed = [f for f in done if f.exception() is not None]
        if failed:
            raise failed[0].exception()
        for future in done:
            path = futures[future]
            seconds[path.stem] = future.result()
            echo(f"[{len(seconds)}/{total}] {path.stem} done in {seconds[path.stem]:.1f} s")
    return seconds


NOTEBOOK_NEEDS = {
    "10_value_drivers": ("an `outcome` and `items`", lambda survey: survey.outcome is not None and bool(survey.items())),
    "20_senior": ("`attributes.age` and a `senior` section", lambda survey: survey.age is not None and survey.senior is not None),
}


def applicable_notebooks(params: RunParameters, survey: Any, *, codebook: Path,
                         echo: Callable[[str], None]) -> list[str]:
    """The notebooks this survey can feed.

    A notebook the parameter file names explicitly but the codebook cannot feed is refused
    before anything runs; one that is only there by default is skipped with a note.
    """
    chosen = []
    for name in params.notebooks:
        need = NOTEBOOK_NEEDS.get(name)
        if need is None or need[1](survey):
            chosen.append(name)
        elif "notebooks" in params.model_fields_set:
            raise ParameterError(
                f"notebook {name} needs {need[0]} in the codebook, and {codebook} has none: "
                f"add them to the codebook or remove {name} from `notebooks`."
            )
        else:
            echo(f"skipping {name}: the codebook has no {need[0]}")
    return chosen


def check_output(output: Path, inputs: list[Path]) -> None:
    """Refuse an output folder whose replacement would destroy anything but an earlier report.

    Raises
    ------
    ParameterError
        When ``output`` holds (or is) an input file, the project, or a non-empty folder that is
        not a clientvalue report (no ``manifest.json``).
    """
    from clientvalue.paths import PROJECT_ROOT

    for path in [*inputs, PROJECT_ROOT / "src"]:
        if path == output or output in path.parents:
            raise ParameterError(
                f"output {output} contains {path}: a run replaces its output folder, so it must be a "
                "folder of its own (e.g. reports/my-survey)."
            )
    if output.exists():
        if not output.is_dir():
            raise ParameterError(f"output {output} is a file; give a folder for the report.")
        if any(output.iterdir()) and not (output / "manifest.json").is_file():
            raise ParameterError(
                f"output {output} is a folder with other files in it (no manifest.json of an earlier "
                "report): a run replaces its output folder, so give a new or empty folder."
            )


def _swap_into_place(staging: Path, output: Path) -> None:
    """Replace ``output`` by ``staging`` with two renames on one filesystem."""
    old = None
    if output.exists():
        old = output.with_name(f".{output.name}.old-{os.getpid()}")
        os.replace(output, old)
    os.replace(staging, output)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def run(
    params_path: str | Path,
    *,
    output: str | Path | None = None,
    language: str | None = None,
    jobs: int | None = None,
    progress: bool = True,
    echo: Callable[[str], None] | None = print,
) -> Path:
    """Execute every notebook of a parameter file and publish the report.

    Parameters
    ----------
    params_path : str or Path
        A parameter YAML file such as ``params/demo.yaml``.
    output : str or Path, optional
        Report folder; overrides the file's ``output``.
    language : {"en", "nl"}, optional
        Overrides the file's ``language``.
    jobs : int, optional
        Notebooks executed at the same time, each in its own kernel (default: one per core);
        1 runs them one after the other with a per-cell progress bar.
    progress : bool
        Show papermill's per-cell progress bar.
    echo : callable, optional
        Where progress lines go (``print`` by default; ``None`` for silence).

    Returns
    -------
    Path
        The report folder: ``index.html``, ``<notebook>.html``/``.ipynb``, ``tables/*.csv``,
        ``manifest.json``.

    Raises
    ------
    ParameterError, CodebookError, DataError
        Before anything runs, when the parameters, codebook or data are wrong.
    PipelineError
        When a notebook fails; the earlier report at ``output`` is left untouched.
    """
    say = echo or (lambda _line: None)
    params_path = Path(params_path).resolve()
    params = load_parameters(params_path)
    if language is not None:
        from clientvalue.report.notebook import check_language

        params = params.model_copy(update={"language": check_language(language)})
    return run_parameters(params, base=params_path.parent, output=output, jobs=jobs, progress=progress, echo=say,
                          params_file=params_path)


def run_parameters(
    params: RunParameters,
    *,
    base: Path | None = None,
    output: str | Path | None = None,
    jobs: int | None = None,
    progress: bool = True,
    echo: Callable[[str], None] = print,
    params_file: Path | None = None,
) -> Path:
    """Like :func:`run`, for parameters already validated (``params_file``: where they came from)."""
    started = time.perf_counter()
    codebook_path = resolve_path(params.codebook, base=base, what="codebook")
    output_dir = Path(output or params.output).expanduser().resolve()
    echo(f"clientvalue {__version__}: checking {codebook_path}")
    survey = load_survey(codebook_path)  # refuses bad input before any notebook runs
    notebooks = [notebook_path(name) for name in applicable_notebooks(params, survey, codebook=codebook_path, echo=echo)]
    inputs = [codebook_path, survey.path]
    check_output(output_dir, inputs + ([params_file] if params_file else []))
    hashes_before = {str(p): sha256(p) for p in inputs}

    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.partial-", dir=output_dir.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; a report is meant to be read
    values = params.model_dump()
    values.update(codebook=str(codebook_path), tables_dir=str(staging / "tables"), output=str(output_dir))
    created = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    run_info = {
        "created": created,
        "title": survey.title(params.language),
        "data_file": survey.path.name,
        "data_sha256": hashes_before[str(survey.path)],
        "language": params.language,
        "min_group_size": params.min_group_size,
        "version": __version__,
    }
    data_summary = {
        "respondents": int(len(survey.data)),
        "groups_reported": [g for g in survey.group_frames(params.min_group_size) if g != "all"],
        "groups_suppressed": len(survey.suppressed_groups(params.min_group_size)),
    }
    del survey  # each notebook reads the data itself; the run does not hold a copy meanwhile
    gc.collect()
    records = []
    try:
        work = [(path, staging / path.name, _notebook_parameters(path, values)) for path in notebooks]
        jobs = min(len(work), os.cpu_count() or 1) if jobs is None else max(1, jobs)
        seconds = _execute_all(work, jobs=jobs, progress=progress, echo=echo)
        for path, target, _ in work:
            render_notebook(target, staging / f"{path.stem}.html", language=params.language, run_info=run_info)
            records.append({"name": path.stem, "seconds": seconds[path.stem], "status": "succeeded",
                            "html": f"{path.stem}.html", "notebook": path.name})
        hashes_after = {p: sha256(Path(p)) for p in hashes_before}
        if hashes_after != hashes_before:
            raise PipelineError(f"an input file changed while the run read it: {sorted(hashes_before)}")
        tables = sorted(p.name for p in (staging / "tables").glob("*.csv")) if (staging / "tables").is_dir() else []
        manifest = {
            "status": "succeeded",
            "created": created,
            "seconds": round(time.perf_counter() - started, 2),
            "parameters": values | {"tables_dir": "tables", "output": str(output_dir)},
            "inputs": [
                {"role": role, "path": str(p), "sha256": hashes_before[str(p)], "bytes": p.stat().st_size}
                for role, p in zip(("codebook", "data"), inputs)
            ],
            "data_summary": data_summary,
            "notebooks": records,
            "tables": [f"tables/{t}" for t in tables],
            "packages": package_versions(),
            "platform": {"system": platform.system(), "machine": platform.machine(), "executable": sys.executable},
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        render_index(staging / "index.html", manifest=manifest, run_info=run_info, language=params.language)
        _swap_into_place(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    echo(f"report written to {output_dir / 'index.html'} in {time.perf_counter() - started:.1f} s")
    return output_dir
