"""``clientvalue batch``: one report per organisation, many organisations at once, on a Dask cluster.

Each organisation is one Dask task that runs :func:`clientvalue.run.pipeline.run_parameters`, the
same run as ``clientvalue run``: its report is written in a staging folder and moved into place
only when every notebook succeeded, so a failed organisation or a killed worker never leaves a
half-written report. The batch then writes an overview page (``index.html``) and a machine-readable
``status.json``/``status.csv`` in the batch output folder.

Exit codes (see :mod:`clientvalue.run.cli`): 0 every organisation succeeded or was up to date;
1 some organisations failed (the others are published, the overview page says why); 2 the batch
input, the parameters or the scheduler address was refused and nothing ran.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from clientvalue import __version__
from clientvalue.analyses import registry
from clientvalue.analyses.registry import Need
from clientvalue.errors import ClientValueError, CodebookError, DataError, ParameterError, PipelineError
from clientvalue.run.batch_inputs import BatchError, Organisation, folder_organisations, split_stacked
from clientvalue.run.params import RunParameters, parse_parameters

#: Memory each local worker may use (its kernel is a separate process; see the README).
DEFAULT_WORKER_MEMORY = 2 * 1024**3

#: Seconds to wait for a scheduler given with ``--scheduler``.
CONNECT_TIMEOUT = 5

#: Files of the batch output besides the organisations' folders.
STATUS_JSON, STATUS_CSV, OVERVIEW, BENCHMARK_CSV = "status.json", "status.csv", "index.html", "benchmark.csv"

#: Why an organisation failed, as a kind the overview page words (the full message is in status.json).
REASON_KINDS = {CodebookError: "codebook", DataError: "data", PipelineError: "notebook", ParameterError: "parameters"}


class SchedulerError(ClientValueError):
    """The Dask scheduler given with ``--scheduler`` cannot be reached (nothing was started)."""


@dataclass
class BatchResult:
    """What a batch did: one status row per organisation and where the overview is."""

    output: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    benchmark: Any = None

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The rows of organisations that failed."""
        return [r for r in self.rows if r["status"] == "failed"]


# --------------------------------------------------------------------------- the task on a worker
def run_organisation(job: dict[str, Any]) -> dict[str, Any]:
    """Run one organisation's report on a worker; never raises for bad input of that organisation.

    Parameters
    ----------
    job : dict
        ``name``, ``folder``, ``output`` (its report folder), ``params`` (a parameter mapping), ``warm``
        and ``own_worker`` (a worker of the batch's own ``LocalCluster``).

    Returns
    -------
    dict
        ``status`` (``succeeded``/``failed``), ``reason_kind``, ``reason``, ``respondents``,
        ``seconds``, ``worker`` (host and process).
    """
    import socket

    from clientvalue.run import warm
    from clientvalue.run.execute import THREAD_VARIABLES
    from clientvalue.run.lean_imports import skip_iri_grammar
    from clientvalue.run.pipeline import run_parameters

    if job.get("own_worker"):  # a worker of our LocalCluster, not one the user started (clientvalue.run.lean_imports)
        skip_iri_grammar()
    for variable in THREAD_VARIABLES:  # one thread per worker: the kernel's libraries get one core too
        os.environ.setdefault(variable, "1")
    warm.enable(bool(job.get("warm", True)))
    started = time.perf_counter()
    row: dict[str, Any] = {"worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        params = parse_parameters(job["params"], source=f"parameters of {job['name']}")
        output = run_parameters(params, output=job["output"], jobs=1, progress=False, echo=lambda _line: None)
        manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
        row.update(status="succeeded", respondents=int(manifest["data_summary"]["respondents"]),
                   notebooks=[nb["name"] for nb in manifest["notebooks"]])
    except ClientValueError as exc:
        kind = next((k for cls, k in REASON_KINDS.items() if isinstance(exc, cls)), "error")
        row.update(status="failed", reason_kind=kind, reason=str(exc))
    except Exception as exc:  # a bug, not bad input: still only this organisation fails
        row.update(status="failed", reason_kind="error", reason=f"{type(exc).__name__}: {exc}")
    row["seconds"] = round(time.perf_counter() - started, 2)
    return row


def organisation_statistics_task(codebook: str, name: str, age_bands: list[int]) -> Any:
    """One organisation's benchmark statistics, computed on a worker (``None`` when its input is refused)."""
    from clientvalue.analyses.benchmark import organisation_statistics
    from clientvalue.data.survey import load_survey

    try:
        return organisation_statistics(load_survey(codebook), name, age_bands=age_bands)
    except ClientValueError:  # its own run fails and says why
        return None


def national_benchmark_on(client: Any, organisations: list[Organisation], params: RunParameters) -> Any:
    """The national benchmark: statistics per organisation on the workers, gathered (small) and fitted once.

    Returns ``None`` when fewer than two organisations could be read or the model cannot be fitted.
    """
    from clientvalue.analyses.benchmark import national_benchmark

    futures = [client.submit(organisation_statistics_task, str(org.codebook), org.name, list(params.age_bands),
                             key=f"clientvalue-stats-{org.folder}-{time.time_ns()}", pure=False, retries=2)
               for org in organisations if org.problem is None]
    parts = [p for p in client.gather(futures, errors="skip") if p is not None]
    if len(parts) < 2:
        return None
    try:
        return national_benchmark(parts, min_group_size=params.min_group_size)
    except ClientValueError:
        return None


# --------------------------------------------------------------------------- cluster
def worker_count(*, cores: int | None = None, memory: int | None = None,
                 per_worker: int = DEFAULT_WORKER_MEMORY) -> int:
    """Local workers that fit the machine: one per core, and no more than 80% of memory allows.

    Examples
    --------
    >>> worker_count(cores=8, memory=8 * 1024**3, per_worker=2 * 1024**3)
    3
    """
    cores = cores or os.cpu_count() or 1
    if memory is None:
        import psutil

        memory = psutil.virtual_memory().total
    return max(1, min(cores, int(memory * 0.8 // per_worker)))


def connect(scheduler: str) -> Any:
    """A Dask client on an existing scheduler, or :class:`SchedulerError` in one sentence."""
    from dask.distributed import Client

    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as exc:  # OSError, TimeoutError, ValueError for a malformed address
        raise SchedulerError(
            f"cannot reach the Dask scheduler at {scheduler!r} within {CONNECT_TIMEOUT} s ({type(exc).__name__}); "
            "start it with `dask scheduler` and workers with `dask worker ADDRESS`, or leave out --scheduler "
            "to run on this machine. Nothing was started."
        ) from None


#: Dask settings of the batch's own ``LocalCluster``: no statistical profiler sampling every worker's
#: thread every 10 ms (about 1.5% of a worker's CPU in a batch, for profiles nobody reads; the
#: dashboard's task stream and progress stay).
LOCAL_CLUSTER_CONFIG = {"distributed.worker.profile.enabled": False}


def local_client(workers: int | None, memory_per_worker: int) -> Any:
    """A Dask client on a new ``LocalCluster``: processes, one thread each, bounded memory each
    (with :data:`LOCAL_CLUSTER_CONFIG`, which its workers receive from their nannies)."""
    import logging

    import dask
    from dask.distributed import Client, LocalCluster

    n = workers or worker_count(per_worker=memory_per_worker)
    with dask.config.set(LOCAL_CLUSTER_CONFIG):
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, memory_limit=memory_per_worker,
                               dashboard_address=":0", silence_logs=logging.ERROR)
    return Client(cluster, set_as_default=False)


# --------------------------------------------------------------------------- resume
def up_to_date(organisation: Organisation, params: RunParameters, output: Path) -> bool:
    """Whether the organisation's report at ``output`` was made from the same inputs, parameters and version.

    Compares the SHA-256 of the codebook and export with the ``inputs`` of the report's
    ``manifest.json``, its ``parameters`` and its ``packages.clientvalue``.
    """
    from clientvalue.data.codebook import load_codebook
    from clientvalue.run.pipeline import recorded_parameters, sha256

    if organisation.codebook is None:  # it cannot run, so it has no report to keep
        return False
    try:
        manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
        codebook = organisation.codebook.resolve()
        data = (codebook.parent / load_codebook(codebook).data).resolve()
        current = {"codebook": (str(codebook), sha256(codebook)), "data": (str(data), sha256(data))}
        recorded = {i["role"]: (i["path"], i["sha256"]) for i in manifest["inputs"]}
        return (manifest["status"] == "succeeded" and manifest["packages"]["clientvalue"] == __version__
                and recorded == current and manifest["parameters"] == json.loads(json.dumps(
                    recorded_parameters(params, codebook=codebook, vignettes=None, output=output))))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ClientValueError):
        return False


# --------------------------------------------------------------------------- the batch
def organisation_parameters(params: RunParameters, raw: dict[str, Any], organisation: Organisation,
                            output: Path) -> tuple[RunParameters, dict[str, Any]]:
    """One organisation's parameters: the batch's, with its codebook and report folder, no vignette study."""
    values = dict(raw) | {"codebook": str(organisation.codebook), "output": str(output)}
    values.pop("vignettes", None)
    values.pop("organisations", None)
    if values.get("benchmark") is None:
        values.pop("benchmark", None)
    if "notebooks" in values:
        values["notebooks"] = [n for n in params.notebooks if Need.VIGNETTES not in registry.get(n).needs]
    return parse_parameters(values, source="batch parameters"), values


def check_batch_output(output: Path) -> None:
    """Refuse a batch output folder that holds anything but an earlier batch (its ``status.json``)."""
    if output.exists() and not output.is_dir():
        raise BatchError(f"batch output {output} is a file; give a folder.")
    if output.is_dir() and any(output.iterdir()) and not (output / STATUS_JSON).is_file():
        raise BatchError(f"batch output {output} is not empty and holds no earlier batch ({STATUS_JSON}): give a new "
                         "or empty folder; nothing was run.")


def _raw_parameters(params_path: Path) -> dict[str, Any]:
    from clientvalue.data.yamlfile import read_yaml

    raw = read_yaml(params_path, error=ParameterError, what="parameter file")
    if not isinstance(raw, dict):
        parse_parameters(raw, source=f"parameter file {params_path}")  # raises, naming the file
    return dict(raw)


def _absolute(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    """Parameter paths made absolute, as the worker may run elsewhere: found as ``clientvalue run`` finds
    them (next to the parameter file, else in the working directory or the project; see
    :func:`clientvalue.paths.resolve_path`), and next to the parameter file when found nowhere."""
    from clientvalue.paths import resolve_path

    return raw | {k: str(resolve_path(raw[k], base=base, must_exist=False, what=k).resolve())
                  for k in ("codebook", "vignettes") if raw.get(k)}


def run_batch(
    params_path: str | Path,
    *,
    source: str | Path | None = None,
    by: str | None = None,
    output: str | Path | None = None,
    language: str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    memory_per_worker: int = DEFAULT_WORKER_MEMORY,
    progress: bool | None = None,
    benchmark: bool = True,
    warm: bool = True,
    echo: Callable[[str], None] = print,
) -> BatchResult:
    """Run every organisation of a batch on a Dask cluster and write the overview.

    Parameters
    ----------
    params_path : str or Path
        A parameter YAML file, as for ``clientvalue run``; its settings apply to every organisation.
        Its ``codebook`` is the stacked export's shared codebook when ``source`` is not given.
    source : str or Path, optional
        A folder with one subfolder per organisation (``codebook.yaml`` + export), or a shared codebook
        of a stacked export (then ``by`` names the organisation column).
    by : str, optional
        The organisation column of a stacked export (overrides ``organisations`` in the file).
    output : str or Path, optional
        The batch output folder (overrides ``output`` in the file).
    language : {"en", "nl"}, optional
        Report language (overrides the file).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); default: a new ``LocalCluster``.
    workers : int, optional
        Local workers (default: as many as cores and memory allow, see :func:`worker_count`).
    memory_per_worker : int
        Memory limit of each local worker in bytes.
    warm : bool
        Reuse a warm kernel per worker across notebooks (:mod:`clientvalue.run.warm`); False starts a
        fresh kernel for every notebook, as ``clientvalue run`` does.
    benchmark : bool
        Compute the national benchmark first and give every report its organisation's position.
    progress : bool, optional
        A line per finished organisation with done/running/failed and the time left (default: when
        stderr is a terminal).
    echo : callable
        Where summary lines go.

    Returns
    -------
    BatchResult

    Raises
    ------
    SchedulerError
        ``scheduler`` cannot be reached (nothing started).
    BatchError, ParameterError, CodebookError, DataError
        The batch input as a whole is refused (nothing ran).
    """
    started = time.perf_counter()
    params, raw, out = _batch_parameters(params_path, source=source, output=output, language=language, echo=echo)
    client = connect(scheduler) if scheduler else None  # unreachable: refused before anything else
    workdir = out.parent / f".{out.name}.inputs"
    try:
        check_batch_output(out)
        organisations = _organisations(source, by, raw, params, workdir)
        _refuse_folder_clash(organisations)
        out.mkdir(parents=True, exist_ok=True)
        if client is None:
            client = local_client(workers, memory_per_worker)
        national = None
        if benchmark and len(organisations) > 1:
            echo(f"national benchmark over {len(organisations)} organisations ...")
            national = national_benchmark_on(client, organisations, params)
        result = _run_on(client, organisations, params, raw, out, progress=progress, echo=echo, benchmark=national,
                         warm=warm, own_workers=scheduler is None)
    finally:
        if client is not None:
            _close_client(client, scheduler)
        shutil.rmtree(workdir, ignore_errors=True)
    _finish(result, params, out, started, echo)
    return result


def _batch_parameters(params_path: str | Path, *, source: str | Path | None, output: str | Path | None,
                      language: str | None, echo: Callable[[str], None]) -> tuple[RunParameters, dict[str, Any], Path]:
    """The batch's parameters, their raw values (paths absolute, no vignettes) and its output folder."""
    from clientvalue.run.pipeline import output_path

    params_path = Path(params_path).resolve()
    raw = _absolute(_raw_parameters(params_path), params_path.parent)
    if raw.pop("vignettes", None):
        echo("the batch leaves out the vignette study (`vignettes`): it belongs to one organisation")
    if source is not None and not raw.get("codebook"):
        raw["codebook"] = str(Path(source).resolve())  # each organisation gets its own codebook below
    if language is not None:
        raw["language"] = language
    params = parse_parameters(raw, source=f"parameter file {params_path}")
    out = output_path(params.output, output=output, base=params_path.parent)
    raw["output"] = str(out)
    return params, raw, out


def _organisations(source: str | Path | None, by: str | None, raw: dict[str, Any], params: RunParameters,
                   workdir: Path) -> list[Organisation]:
    """The organisations of a folder batch, or of a stacked export split into ``workdir``."""
    column = by or raw.get("organisations")
    if source is not None and Path(source).is_dir():
        return folder_organisations(Path(source).resolve())
    codebook = Path(source).resolve() if source is not None else (Path(params.codebook) if params.codebook else None)
    if codebook is None or not column:
        raise BatchError("clientvalue batch needs a folder with one subfolder per organisation, or a stacked "
                         "export's codebook (`codebook` or the input argument) and its organisation column "
                         "(--by or `organisations`). Nothing was run.")
    return split_stacked(codebook, str(column), workdir)


def _close_client(client: Any, scheduler: str | None) -> None:
    """Shut the workers' warm kernels down, close the client and the local cluster it started."""
    from clientvalue.run import warm as warm_kernels

    try:
        client.run(warm_kernels.shutdown_all)  # the workers' warm kernels and their socket files
    except Exception:  # a worker that is gone has no kernel left either
        pass
    cluster = client.cluster if scheduler is None else None
    client.close()
    if cluster is not None:
        cluster.close()


def _finish(result: BatchResult, params: RunParameters, out: Path, started: float,
            echo: Callable[[str], None]) -> None:
    """Remove leftovers, write the status files and echo the summary line."""
    _remove_leftovers(out)
    write_status(result, params=params, seconds=time.perf_counter() - started)
    done = sum(r["status"] != "failed" for r in result.rows)
    echo(f"batch written to {out / OVERVIEW}: {done} of {len(result.rows)} organisations published, "
         f"{len(result.failed)} failed, in {time.perf_counter() - started:.1f} s")


def _refuse_folder_clash(organisations: list[Organisation]) -> None:
    folders: dict[str, str] = {}
    for org in organisations:
        other = folders.setdefault(org.folder.casefold(), org.name)
        if other != org.name:
            raise BatchError(f"organisations {other!r} and {org.name!r} would share the folder {org.folder!r}; "
                             "rename one of them. Nothing was run.")


def _run_on(client: Any, organisations: list[Organisation], params: RunParameters, raw: dict[str, Any],
            out: Path, *, progress: bool | None, echo: Callable[[str], None], benchmark: Any = None,
            warm: bool = True, own_workers: bool = False) -> BatchResult:
    """Submit the organisations that need a run, wait for them and collect one status row each."""
    result = BatchResult(out, benchmark=benchmark)
    rows, futures = _submit(client, organisations, params, raw, out, benchmark=benchmark, warm=warm,
                            own_workers=own_workers)
    _collect(client, futures, rows, n_organisations=len(organisations), progress=progress, echo=echo)
    result.rows = [rows[org.folder] for org in organisations]
    return result


def _submit(client: Any, organisations: list[Organisation], params: RunParameters, raw: dict[str, Any],
            out: Path, *, benchmark: Any, warm: bool,
            own_workers: bool = False) -> tuple[dict[str, dict[str, Any]], dict[Any, str]]:
    """A status row per organisation (by folder), and the futures of those that need a run (to their folder)."""
    rows: dict[str, dict[str, Any]] = {}
    futures = {}
    for org in organisations:
        rows[org.folder], job = _prepare(org, params, raw, out, benchmark=benchmark, warm=warm, own_workers=own_workers)
        if job is not None:
            futures[client.submit(run_organisation, job, key=f"clientvalue-{org.folder}-{time.time_ns()}",
                                  pure=False, retries=2)] = org.folder
    return rows, futures


def _prepare(org: Organisation, params: RunParameters, raw: dict[str, Any], out: Path, *, benchmark: Any,
             warm: bool, own_workers: bool = False) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """An organisation's first status row, and its job when it needs a run (not refused, not up to date)."""
    from clientvalue.analyses.benchmark import position_of

    row: dict[str, Any] = {"name": org.name, "folder": org.folder, "status": "failed", "reason_kind": "",
                           "reason": "", "respondents": None, "seconds": None, "worker": ""}
    if org.problem is not None:
        row.update(reason_kind="no codebook", reason=org.problem)
        return row, None
    target = out / org.folder
    position = position_of(benchmark, org.name) if benchmark is not None else None
    if position is not None:
        row["position"] = position
    try:
        org_params, values = organisation_parameters(params, raw | {"benchmark": position}, org, target)
    except ClientValueError as exc:
        row.update(reason_kind="parameters", reason=str(exc))
        return row, None
    if up_to_date(org, org_params, target):
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        row.update(status="skipped", reason="up to date: same inputs, parameters and clientvalue version",
                   respondents=int(manifest["data_summary"]["respondents"]))
        return row, None
    return row, {"name": org.name, "folder": org.folder, "output": str(target), "params": values, "warm": warm,
                 "own_worker": own_workers}


def _collect(client: Any, futures: dict[Any, str], rows: dict[str, dict[str, Any]], *, n_organisations: int,
             progress: bool | None, echo: Callable[[str], None]) -> None:
    """Wait for the futures and put their results (or why the worker was lost) in ``rows``, with progress lines."""
    from dask.distributed import as_completed

    show = sys.stderr.isatty() if progress is None else progress
    started, total, finished, failed = time.perf_counter(), len(futures), 0, 0
    slots = max(1, sum(client.nthreads().values())) if futures else 1
    if futures:
        echo(f"running {total} organisation(s) on {len(client.nthreads())} worker(s)"
             + (f"; {n_organisations - total} up to date or refused" if n_organisations > total else ""))
    for future in as_completed(list(futures), loop=client.loop):
        folder = futures[future]
        try:
            rows[folder].update(future.result())
        except Exception as exc:  # the worker died more often than Dask allows, or the task could not run
            rows[folder].update(status="failed", reason_kind="worker lost", reason=f"{type(exc).__name__}: {exc}")
        finished += 1
        failed += rows[folder]["status"] == "failed"
        if show:
            left = total - finished
            eta = (time.perf_counter() - started) / finished * left
            print(f"[batch] done {finished - failed}, failed {failed}, running {min(left, slots)}, "
                  f"waiting {max(0, left - slots)}; about {eta:.0f} s left", file=sys.stderr)


def _remove_leftovers(out: Path) -> None:
    """Remove staging folders of runs that died with their worker (``.<folder>.partial-*``, ``.old-*``)."""
    for path in out.glob(".*"):
        if path.is_dir() and (".partial-" in path.name or ".old-" in path.name):
            shutil.rmtree(path, ignore_errors=True)


def write_status(result: BatchResult, *, params: RunParameters, seconds: float) -> None:
    """Write ``status.json``, ``status.csv``, ``benchmark.csv`` and the overview page, each in one rename."""
    import pandas as pd

    from clientvalue.paths import write_atomically
    from clientvalue.report.batch_page import render_overview
    from clientvalue.report.safety import neutral_csv

    created = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    counts = {s: sum(r["status"] == s for r in result.rows) for s in ("succeeded", "skipped", "failed")}
    overall = result.benchmark.overall if result.benchmark is not None else None
    status = {"created": created, "version": __version__, "seconds": round(seconds, 2), "counts": counts,
              "language": params.language, "min_group_size": params.min_group_size, "benchmark": overall,
              "organisations": result.rows}
    if result.benchmark is not None:
        levels = neutral_csv(result.benchmark.levels.round(4))
        write_atomically(result.output / BENCHMARK_CSV, levels.to_csv(index=False).encode("utf-8"))
    columns = ["name", "folder", "status", "reason_kind", "reason", "respondents", "seconds", "worker"]
    table = neutral_csv(pd.DataFrame(result.rows, columns=columns))
    write_atomically(result.output / STATUS_CSV, table.to_csv(index=False).encode("utf-8"))
    write_atomically(result.output / STATUS_JSON,
                     (json.dumps(status, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    page = render_overview(result.rows, language=params.language, created=created,
                           min_group_size=params.min_group_size, version=__version__, benchmark=overall)
    write_atomically(result.output / OVERVIEW, page.encode("utf-8"))
