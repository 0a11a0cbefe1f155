"""Execute notebooks with papermill, several at a time, each worker on one warm kernel.

Kept apart from :mod:`clientvalue.run.pipeline` and light on imports: each notebook worker is a
fresh process (``spawn``) that imports only this module and papermill, not pandas or the report
code (about 0.1 GB less per worker).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from clientvalue.analyses.registry import by_work
from clientvalue.errors import PipelineError
from clientvalue.paths import NOTEBOOKS_DIR

#: Longest socket path (``sockaddr_un.sun_path`` holds 108 bytes), with room for the port suffix.
SOCKET_PATH_MAX = 100


def socket_folder() -> Path:
    """The temporary folder, or ``/tmp`` when a long ``TMPDIR`` would make socket paths too long."""
    folder = Path(tempfile.gettempdir())
    if len(str(folder)) + 70 > SOCKET_PATH_MAX and Path("/tmp").is_dir():
        return Path("/tmp")
    return folder


def local_kernel_manager():
    """A kernel manager that talks to its kernel over local sockets (IPC), not TCP ports.

    Nothing listens on the network, and ipykernel has no reason to warn about unencrypted TCP.
    """
    from jupyter_client.manager import AsyncKernelManager

    class LocalKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any):
            super().__init__(**kwargs)
            self.transport = "ipc"
            owner = os.environ.get("CLIENTVALUE_RUN_PID", str(os.getpid()))
            self.ip = str(socket_folder() / f"clientvalue-kernel-{owner}-{os.getpid()}-{id(self)}")
            # the connection file (it holds the kernel's key) is named like the sockets, so that a run
            # that had to kill its workers removes it too (remove_kernel_files), not only a clean shutdown
            self.connection_file = self.ip + ".json"

        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrupts (SIGINT) every kernel before shutting it down; a finished
            # notebook's kernel is idle, and the interrupt only makes it log a misleading
            # "KeyboardInterrupt caught in kernel". The shutdown request alone stops it.
            if getattr(self, "shutting_down", False):
                return
            await super()._async_interrupt_kernel()

    return LocalKernelManager


def declared_parameters(path: Path, values: dict[str, Any]) -> dict[str, Any]:
    """The subset of ``values`` that the notebook ``path`` declares in its parameters cell."""
    import papermill

    declared = papermill.inspect_notebook(str(path))
    return {key: value for key, value in values.items() if key in declared}


def _execute(path: Path, target: Path, values: dict[str, Any], *, progress: bool) -> None:
    """Execute the notebook ``path`` into ``target`` with the ``values`` its parameters cell declares."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from clientvalue.run.warm import engine_name

    try:
        papermill.execute_notebook(
            str(path),
            str(target),
            engine_name=engine_name(),  # a batch worker's warm kernel (run/warm.py), else a fresh one
            parameters=declared_parameters(path, values),
            # written once, complete (with papermill's error markers if a cell failed), not before and after
            # every cell so that it can be watched: some 60 writes of a growing notebook per page, charts
            # included, on the way of every cell (the staging folder is hidden and removed if the run fails)
            request_save_on_cell_execute=False,
            kernel_name="python3",
            progress_bar=progress,
            cwd=str(NOTEBOOKS_DIR),
            log_output=False,
            kernel_manager_class=local_kernel_manager(),
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


def stop_children(timeout: float = 1.0) -> None:
    """Stop every process this run started (notebook workers and their kernels), then wait.

    Kernels run in sessions of their own (so that Ctrl-C in the terminal does not reach them);
    they are found as descendants of this process and terminated, then killed after ``timeout``.
    """
    try:
        import psutil  # installed with ipykernel
    except ImportError:  # pragma: no cover
        return
    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:  # pragma: no cover
        return

    def tracker(process) -> bool:  # multiprocessing's resource tracker ends by itself with this process
        try:
            return "resource_tracker" in " ".join(process.cmdline())
        except psutil.Error:
            return False

    children = [child for child in children if not tracker(child)]
    for child in children:
        try:
            child.terminate()
        except psutil.Error:
            pass
    # Wait without reaping our own children: multiprocessing and subprocess reap them (a child reaped
    # here would look alive to them for ever, and the pool's shutdown would spin).
    def running(process) -> bool:
        try:
            return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(running(c) for c in children):
        time.sleep(0.05)
    for child in children:
        if running(child):
            try:
                child.kill()
            except psutil.Error:
                pass


#: Environment variables that set the threads of the numerical libraries (OpenBLAS, MKL, OpenMP).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

#: Notebooks from the most to the least work on a large export (each analysis's ``work`` in the
#: registry): with several kernels at a time the longest start first, so that no long notebook
#: starts last (longest-processing-time order).
WORK_ORDER = tuple(spec.name for spec in by_work())


def kernel_threads(jobs: int, cores: int | None = None) -> int:
    """Threads each kernel's numerical libraries may use when ``jobs`` kernels run at once.

    OpenBLAS and OpenMP start one thread per core in every process; with two kernels on two
    cores that is four busy threads fighting for two cores, and the waiting threads spin
    (measured on a 1,000,000-row export: 191 CPU seconds and 103 s of wall time with the
    libraries' default, 112 CPU seconds and 68 s with one thread per kernel).
    """
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, jobs))


def _worker_setup(threads: int, warm_kernel: bool = True, imports: tuple[str, ...] = ()) -> None:
    """Set up a notebook worker (and, through its environment, the kernel it starts).

    Ctrl-C is left to the main process, which stops the workers (no worker tracebacks), and the
    numerical libraries of the kernel get ``threads`` threads unless the user set their own.
    ``warm_kernel``: the worker runs its notebooks on one kernel (:mod:`clientvalue.run.warm`),
    started now with the modules ``imports`` loaded, and shut down when the worker ends (without
    it, every notebook starts a fresh kernel of its own, and nothing is started now).
    """
    import signal
    from multiprocessing import util

    from clientvalue.run import warm
    from clientvalue.run.lean_imports import skip_iri_grammar

    skip_iri_grammar()  # papermill's imports, 1.8 CPU s less before the first notebook
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for variable in THREAD_VARIABLES:
        os.environ.setdefault(variable, str(threads))
    warm.enable(warm_kernel, outlive_run=False)
    if warm_kernel:
        util.Finalize(None, warm.shutdown_all, exitpriority=10)  # as the worker exits
        try:
            warm.prestart("python3", cwd=str(NOTEBOOKS_DIR), imports=imports)
        except Exception:  # the first notebook starts a kernel itself, and says what went wrong
            warm.retire()


def _ready() -> None:
    """Nothing: a task that makes the pool start a worker (:class:`NotebookWorkers`)."""


class NotebookWorkers:
    """The processes that execute a run's notebooks, ``jobs`` at a time, each on its own warm kernel.

    The workers start as the object is made, and each starts its kernel and imports ``imports`` in
    it straight away (:func:`clientvalue.run.warm.prestart`; unless warm kernels were refused, see
    :func:`clientvalue.run.warm.enable`). A run that makes them before it reads a large export has
    them ready once the export has been checked: their start-up (papermill, the kernel, pandas,
    matplotlib, SciPy, statsmodels and the analyses, some 5 CPU seconds each) runs on the cores the
    reading leaves idle. :meth:`stop` ends them and their kernels at once (refused input, a failed
    notebook, Ctrl-C); :meth:`close` lets them finish. Either one ends them; a second call does nothing.
    """

    def __init__(self, jobs: int, *, imports: tuple[str, ...] = ()):
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        from clientvalue.run import warm

        self.jobs = jobs
        self.ended = False
        os.environ["CLIENTVALUE_RUN_PID"] = str(os.getpid())  # workers name kernel files after this run
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=_worker_setup,
                                        initargs=(kernel_threads(jobs), warm.wanted(), imports))
        try:
            for _ in range(jobs):  # the pool starts a worker for each task that no idle worker can take
                self.pool.submit(_ready)
        except BaseException:  # Ctrl-C while they start: nobody else holds them yet
            self.stop()
            raise

    def stop(self) -> None:
        """End the workers and their kernels now, without waiting for what they run."""
        if not self.ended:
            self.ended = True
            stop_children()
            self.pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Let the workers finish and end (each shuts its kernel down as it exits)."""
        if not self.ended:
            self.ended = True
            self.pool.shutdown()


def remove_kernel_files() -> None:
    """Remove the local socket files of this run's kernels (``clientvalue-kernel-<pid>-*``)."""
    for path in socket_folder().glob(f"clientvalue-kernel-{os.getpid()}-*"):
        try:
            path.unlink()
        except OSError:
            pass


def _execute_timed(path: Path, target: Path, values: dict[str, Any], progress: bool) -> float:
    tick = time.perf_counter()
    _execute(path, target, values, progress=progress)
    return round(time.perf_counter() - tick, 2)


def _work_rank(name: str) -> int:
    return WORK_ORDER.index(name) if name in WORK_ORDER else len(WORK_ORDER)


def execute_all(jobs_list: list[tuple[Path, Path, dict[str, Any]]], *, jobs: int, progress: bool,
                 echo: Callable[[str], None],
                 when_done: Callable[[Path], None] | None = None,
                 workers: NotebookWorkers | None = None) -> dict[str, float]:
    """Execute notebooks, ``jobs`` at a time; seconds per notebook.

    ``jobs_list``: (notebook, executed notebook to write, the run's parameter values) for each
    notebook; each notebook is given the values its parameters cell declares
    (:func:`declared_parameters`, in the worker that runs it).

    Each of the ``jobs`` workers runs its notebooks one after the other on one warm kernel
    (:mod:`clientvalue.run.warm`: a fresh namespace, history and working folder for each notebook,
    the imports kept), unless :func:`clientvalue.run.warm.enable` chose otherwise.

    ``when_done(path)`` is called in this process as soon as the notebook ``path`` has run, while
    the others still run (the run renders its page then: this process is idle while it waits). An
    error it raises stops the run as a failed notebook does.

    ``workers``: workers the run started already (then ``jobs`` is theirs), ended here as the
    notebooks end; without them, ``jobs`` workers are started here when ``jobs`` > 1 and there is
    more than one notebook (one notebook, or ``jobs`` 1: every notebook runs from this process).
    """
    from clientvalue.run import warm

    total = len(jobs_list)
    seconds: dict[str, float] = {}
    if workers is None and (jobs <= 1 or total == 1):
        with warm.for_this_run():  # one kernel for every notebook (unless a batch worker chose)
            for number, (path, target, parameters) in enumerate(jobs_list, start=1):
                echo(f"[{number}/{total}] {path.stem} ...")
                seconds[path.stem] = _execute_timed(path, target, parameters, progress)
                echo(f"[{number}/{total}] {path.stem} done in {seconds[path.stem]:.1f} s")
                if when_done is not None:
                    when_done(path)
        return seconds
    from concurrent.futures import as_completed

    if workers is None:
        workers = NotebookWorkers(jobs)
    pool = workers.pool
    echo(f"running {total} notebooks, {workers.jobs} at a time: " + ", ".join(p.stem for p, _, _ in jobs_list))
    order = sorted(jobs_list, key=lambda job: _work_rank(job[0].stem))
    try:
        futures = {pool.submit(_execute_timed, path, target, values, False): path for path, target, values in order}
        for future in as_completed(futures):  # as each ends: the first failure stops the others
            path = futures[future]
            seconds[path.stem] = future.result()  # raises the notebook's error
            echo(f"[{len(seconds)}/{total}] {path.stem} done in {seconds[path.stem]:.1f} s")
            if when_done is not None:
                when_done(path)
    except BaseException:
        # a failed notebook, Ctrl-C or SIGTERM: stop the other notebooks now instead of waiting for them
        workers.stop()
        raise
    workers.close()
    return seconds
