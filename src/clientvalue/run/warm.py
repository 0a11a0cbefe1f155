"""Warm kernels: a run (and a batch worker) reuses one Jupyter kernel for notebook after notebook.

Starting a kernel and importing pandas, matplotlib, statsmodels and clientvalue costs seconds per
notebook; at hundreds of small organisations that fixed cost dominates. Within papermill's contract
(one executed, parameterised notebook per page, through ``papermill.execute_notebook``) this module
registers a papermill engine, ``clientvalue-warm``, that hands nbclient a kernel that is already
running and keeps it running afterwards. Before each notebook the kernel is reset: IPython's
namespace and history (``reset(new_session=True)``: execution counts start at 1 again), the working
folder, the warning filters, every open figure and the term moments the last notebook remembered
(:mod:`clientvalue.stats.moments_memo`). Imported modules stay loaded; that is the
saving. (Every notebook sets its plotting style itself, :func:`clientvalue.report.notebook.setup_plotting`.)

After the reset the kernel frees what the last notebook left (``gc``, ``malloc_trim``, Arrow's pool).
A kernel is replaced after a failed notebook and after :data:`MAX_USES` notebooks, so neither a
broken state nor slowly growing memory carries on.

``clientvalue run`` gives each of its notebook workers one warm kernel for the notebooks it runs,
shut down when the run ends (:func:`for_this_run`, and :func:`enable` with ``outlive_run=False`` in
a worker process). A batch worker chooses for itself (:func:`enable`): its kernel outlives each
organisation's run, and ``warm: false`` gives every notebook a fresh kernel.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: Name of the papermill engine.
ENGINE = "clientvalue-warm"

#: Notebooks one kernel runs before it is replaced by a fresh one.
MAX_USES = 40

#: IPython's history of a kernel this module starts: in memory, as nbclient keeps its kernels' history.
HISTORY_FILE = ":memory:"

RESET_CODE = """
import os as _cv_os, sys as _cv_sys, types as _cv_types, warnings as _cv_warnings
_cv_state = _cv_sys.modules.get("__clientvalue_warm__")
if _cv_state is None:
    _cv_state = _cv_types.ModuleType("__clientvalue_warm__")
    _cv_state.cwd, _cv_state.filters = _cv_os.getcwd(), list(_cv_warnings.filters)
    _cv_sys.modules["__clientvalue_warm__"] = _cv_state
else:
    _cv_os.chdir(_cv_state.cwd)
    _cv_warnings.filters[:] = _cv_state.filters
    if "matplotlib.pyplot" in _cv_sys.modules:
        _cv_sys.modules["matplotlib.pyplot"].close("all")
_cv_memo = _cv_sys.modules.get("clientvalue.stats.moments_memo")
if _cv_memo is not None:  # no sums of the last notebook's rows stay in the kernel
    _cv_memo.forget()
get_ipython().reset(new_session=True, aggressive=False)
from clientvalue.memory import release_memory as _cv_release_memory
_cv_release_memory()
del _cv_release_memory
"""

_local = threading.local()
_enabled = False
_chosen = False  # enable() was called: warm kernels were chosen or refused (a batch worker, a test)
_outlive_run = True  # a kernel's socket files are named apart from the run that started it
_every: "weakref.WeakSet[Any]" = weakref.WeakSet()  # every kernel manager of this process, for shutdown_all


def enable(on: bool | None = True, *, outlive_run: bool = True) -> None:
    """Let notebooks of this process run on warm kernels (``on``), or each on a fresh kernel
    (``False``); ``None`` leaves the choice to each run again (:func:`for_this_run`).

    ``outlive_run``: the kernel serves the runs of several organisations (a batch worker), so its
    socket files are not named after one run (a run removes its own when it ends).
    """
    global _enabled, _chosen, _outlive_run
    _enabled, _chosen, _outlive_run = bool(on), on is not None, outlive_run
    if on:
        _register()


def wanted() -> bool:
    """Whether a run's notebooks should run on warm kernels: as chosen by :func:`enable`, else yes."""
    return _enabled if _chosen else True


@contextmanager
def for_this_run() -> Iterator[None]:
    """Warm kernels for the notebooks one run executes in this thread, shut down when it ends.

    Nothing changes where :func:`enable` already chose (a batch worker keeps its own kernel).
    """
    if _chosen:
        yield
        return
    enable(outlive_run=False)
    try:
        yield
    finally:
        try:
            retire()
        finally:
            enable(None)  # even when the shutdown is interrupted (a second Ctrl-C)


def engine_name() -> str | None:
    """The papermill engine to use: :data:`ENGINE` when warm kernels are enabled, else papermill's default."""
    return ENGINE if _enabled else None


def _register() -> None:
    from papermill.engines import papermill_engines

    if ENGINE not in papermill_engines._engines:
        papermill_engines.register(ENGINE, _warm_engine())


def _kernel(kernel_name: str) -> Any:
    """This thread's kernel manager (started by nbclient on first use), replaced when its kernel died."""
    from jupyter_core.utils import run_sync

    from clientvalue.run.execute import local_kernel_manager, socket_folder

    km = getattr(_local, "km", None)
    if km is not None and km.has_kernel and not run_sync(km.is_alive)():
        retire()
        km = None
    if km is None:
        km = local_kernel_manager()(kernel_name=kernel_name)
        if _outlive_run:
            # its own socket names: a run removes its `clientvalue-kernel-<pid>-*` files when it ends,
            # and this kernel outlives the run (its files go when it is shut down)
            km.ip = str(socket_folder() / f"clientvalue-warm-{os.getpid()}-{id(km)}")
            km.connection_file = km.ip + ".json"
        _local.km, _local.uses = km, 0
        _every.add(km)
    return km


def prestart(kernel_name: str, *, cwd: str, imports: tuple[str, ...] = ()) -> None:
    """Start this thread's kernel now, in ``cwd`` (where nbclient would start it for a notebook
    there), and import the modules ``imports`` in it.

    The first notebook then finds its kernel running and those modules loaded. Before the imports
    the kernel is reset once (:data:`RESET_CODE`), which records the working folder and warning
    filters every notebook starts from, so the first notebook starts from the same state as every
    later one.
    """
    from jupyter_core.utils import run_sync

    km = _kernel(kernel_name)
    if not km.has_kernel:  # as nbclient starts one: no IPython history on disk (kernels run side by side)
        run_sync(km.start_kernel)(cwd=cwd, extra_arguments=[f"--HistoryManager.hist_file={HISTORY_FILE}"])
    client = km.client()
    client.start_channels()
    try:
        run_sync(client.wait_for_ready)(timeout=60)
        code = RESET_CODE + ("import " + ", ".join(imports) + "\n" if imports else "")
        reply = run_sync(client.execute_interactive)(code, silent=True, store_history=False, timeout=300)
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"the warm kernel could not import {', '.join(imports)}")
    finally:
        client.stop_channels()


def retire() -> None:
    """Shut this thread's kernel down (the next notebook starts a fresh one)."""
    from jupyter_core.utils import run_sync

    km = getattr(_local, "km", None)
    _local.km = None
    if km is not None and km.has_kernel:
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # already gone
            pass


def shutdown_all() -> int:
    """Stop every warm kernel of this process and remove its socket files (the batch calls it on each worker).

    Safe from any thread: the kernel process is killed directly; a thread that later needs a kernel
    finds its old one dead and starts a fresh one. Returns the number of kernels stopped.
    """
    stopped = 0
    for km in list(_every):
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)
            stopped += 1
        for cleanup in ("cleanup_ipc_files", "cleanup_connection_file"):
            try:
                getattr(km, cleanup)()
            except Exception:  # already gone
                pass
    return stopped


def _warm_engine() -> type:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class WarmClient(PapermillNotebookClient):
        def papermill_execute_cells(self) -> None:
            reply = self.wait_for_reply(self.kc.execute(RESET_CODE, silent=True, store_history=False))
            if reply is None or reply["content"].get("status") != "ok":
                raise RuntimeError("the warm kernel could not be reset")
            super().papermill_execute_cells()

    class WarmEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            kwargs = remove_args(["input_path", "kernel_manager_class"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs, timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout, kernel_name=kernel_name, log=logger, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file)
            km = _kernel(kernel_name)
            client = WarmClient(nb_man, km=km, **final_kwargs)
            healthy = False
            try:
                nb = client.execute()
                healthy = not any(cell.get("metadata", {}).get("papermill", {}).get("exception")
                                  for cell in nb.cells)
                return nb
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()
                _local.uses = getattr(_local, "uses", 0) + 1
                if not healthy or _local.uses >= MAX_USES:
                    retire()

    return WarmEngine
