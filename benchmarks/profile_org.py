"""Profile one organisation of a batch: CPU seconds per notebook and inside each notebook.

Usage::

    python benchmarks/profile_org.py                      # 1,500 respondents, notebooks 00-30
    python benchmarks/profile_org.py --rows 1500 --top 25 --notebooks 10_value_drivers
    python benchmarks/profile_org.py --papermill          # also the execute and HTML-export overhead

Builds one organisation as :mod:`benchmarks.bench_batch` does (the demo generator's municipality
survey, ``rows`` respondents spread over five services, the demo codebook) and runs the helper calls
each notebook makes, in this process, outside papermill: every notebook's code cells are executed
in a fresh namespace under :mod:`cProfile` (the parameters cell first, then the notebook's own
parameters: ``tables_dir`` in a temporary folder). Printed per notebook: the process CPU seconds of
its code and the ``--top`` functions by cumulative time. With ``--papermill`` each notebook is also
executed through ``papermill`` on a warm kernel (as a batch worker does) and rendered to HTML, and
the CPU seconds of the kernel, the client side of the execution and the export are printed apart.
One BLAS thread (``OPENBLAS_NUM_THREADS=1``, as a batch worker on a shared machine).
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import pstats  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from clientvalue.data.demo import simulate_municipality  # noqa: E402
from clientvalue.paths import DEMO_DIR, NOTEBOOKS_DIR  # noqa: E402

SERVICES = ("Burgerzaken", "Jeugd & gezin", "Wmo-loket", "Afval & belastingen", "Cliëntondersteuning")
NOTEBOOKS = ["00_data_check", "10_value_drivers", "20_senior", "30_segments"]


def write_organisation(folder: Path, rows: int, *, seed: int = 1) -> Path:
    """One organisation's export (``rows`` respondents) and the demo codebook; returns the codebook."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = simulate_municipality({s: rows // len(SERVICES) for s in SERVICES}, seed=seed)
    frame.to_csv(folder / "survey.csv", sep=";", index=False)
    codebook = folder / "codebook.yaml"
    shutil.copy(DEMO_DIR / "municipality" / "codebook.yaml", codebook)
    return codebook


def _code_cells(name: str) -> list[str]:
    nb = json.loads((NOTEBOOKS_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def profile_notebook(name: str, parameters: dict, *, top: int) -> tuple[float, str]:
    """Run a notebook's code cells in this process under cProfile; CPU seconds and the top functions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = _code_cells(name)
    namespace: dict = {"__name__": "__main__", "display": lambda *args, **kwargs: None}
    exec(compile(cells[0], f"{name}[parameters]", "exec"), namespace)
    namespace.update(parameters)
    profiler = cProfile.Profile(time.process_time)  # CPU time: the machine is shared
    cwd = os.getcwd()
    os.chdir(NOTEBOOKS_DIR)
    per_cell = []
    try:
        if top:
            profiler.enable()
        for number, cell in enumerate(cells[1:], start=1):
            tick = time.process_time()
            exec(compile(cell, f"{name}[{number}]", "exec"), namespace)
            per_cell.append(time.process_time() - tick)
        profiler.disable()
    finally:
        os.chdir(cwd)
        plt.close("all")
    cpu = sum(per_cell)
    out = io.StringIO()
    out.write("CPU s per code cell after the parameters: " + ", ".join(f"{c:.2f}" for c in per_cell) + "\n")
    if top:
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return cpu, out.getvalue()


def papermill_overhead(name: str, parameters: dict, folder: Path) -> dict[str, float]:
    """Execute one notebook with papermill on a warm kernel and render it; CPU seconds by part."""
    import psutil

    from clientvalue.report.publish import render_notebook
    from clientvalue.run import warm
    from clientvalue.run.execute import _execute

    warm.enable()
    me = psutil.Process()

    def kernel_cpu() -> float:
        total = 0.0
        for child in me.children(recursive=True):
            try:
                times = child.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                pass
        return total

    target = folder / f"{name}.ipynb"
    own, kernel = time.process_time(), kernel_cpu()
    wall = time.perf_counter()
    _execute(NOTEBOOKS_DIR / f"{name}.ipynb", target, parameters, progress=False)
    result = {"client": time.process_time() - own, "kernel": kernel_cpu() - kernel,
              "execute_wall": time.perf_counter() - wall}
    own = time.process_time()
    render_notebook(target, folder / f"{name}.html", language=parameters.get("language", "en"),
                    run_info={"created": "2026-01-01T00:00:00+00:00", "title": "", "data_file": "survey.csv", "data_sha256": "",
                              "language": "en", "min_group_size": 10, "version": ""})
    result["export"] = time.process_time() - own
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1500)
    parser.add_argument("--top", type=int, default=20, help="functions to list per notebook (0: no cProfile, plain CPU times)")
    parser.add_argument("--notebooks", nargs="+", default=NOTEBOOKS)
    parser.add_argument("--papermill", action="store_true", help="also papermill on a warm kernel and the HTML export")
    parser.add_argument("--quiet", action="store_true", help="no per-function profile")
    args = parser.parse_args()
    from clientvalue.data.prepared import write_prepared
    from clientvalue.data.survey import load_survey

    with tempfile.TemporaryDirectory(prefix="clientvalue-profile-") as tmp:
        folder = Path(tmp)
        codebook = write_organisation(folder / "org", args.rows)
        survey = load_survey(codebook)
        prepared = write_prepared(survey)
        del survey
        totals = {}
        for name in args.notebooks:
            tables = folder / f"tables-{name}"
            parameters = {"codebook": str(codebook), "tables_dir": str(tables), "prepared_survey": str(prepared)}
            parameters = {k: v for k, v in parameters.items() if f"{k}:" in _code_cells(name)[0]}
            cpu, text = profile_notebook(name, parameters, top=args.top)
            totals[name] = cpu
            print(f"== {name}: {cpu:.2f} CPU s of the notebook's own code (in-process{', cProfile on' if args.top else ''})", flush=True)
            if not args.quiet:
                print(text, flush=True)
            if args.papermill:
                parts = papermill_overhead(name, parameters | {"tables_dir": str(folder / f"pm-{name}")}, folder)
                print(f"   papermill on a warm kernel: kernel {parts['kernel']:.2f} CPU s, client {parts['client']:.2f} "
                      f"CPU s ({parts['execute_wall']:.1f} s wall); HTML export {parts['export']:.2f} CPU s", flush=True)
        print("total: " + ", ".join(f"{k} {v:.1f}" for k, v in totals.items()) + f" = {sum(totals.values()):.1f} CPU s")
        shutil.rmtree(prepared.parent, ignore_errors=True)
        if args.papermill:
            from clientvalue.run import warm

            warm.shutdown_all()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
