"""Command line: ``clientvalue run PARAMS.yaml [--output DIR]``, ``clientvalue batch`` and ``clientvalue demo-data``.

``clientvalue batch``: 0 every organisation has its report (written or up to date); 1 some
organisations failed (the others are published; the overview page and status.json say why); 2 the
batch input, parameters or scheduler address was refused and nothing ran.

Exit codes of ``run``: 0 success; 2 bad parameters, codebook or data (nothing ran) or an output that cannot be
written; 1 a notebook failed (nothing was published; an earlier report at the output path is
untouched); 130 Ctrl-C; 143 SIGTERM. Messages show control characters from files visibly.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clientvalue import __version__
from clientvalue.analyses.registry import ANALYSES
from clientvalue.errors import ClientValueError, PipelineError, visible


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clientvalue",
        description="Which kind of value do clients seek? Run the clientvalue notebooks on a survey export.",
    )
    parser.add_argument("--version", action="version", version=f"clientvalue {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the notebooks of a parameter file and write the HTML report",
                              epilog="notebooks (the `notebooks` parameter; default all that the inputs can feed): "
                                     + ", ".join(spec.name for spec in ANALYSES))
    run.add_argument("params", type=Path, help="parameter YAML file, e.g. params/demo.yaml")
    run.add_argument("--output", type=Path, default=None, help="report folder (overrides `output` in the file)")
    run.add_argument("--language", choices=["en", "nl"], default=None, help="report language (overrides the file)")
    run.add_argument("--jobs", type=int, default=None,
                     help="notebooks run at the same time (default: one per core; 1 shows a per-cell progress bar)")
    run.add_argument("--quiet", action="store_true", help="no per-cell progress bar")
    run.add_argument("--pdf", action="store_true", default=None,
                     help="also write report.pdf, every page printed with Chromium (Debian package `chromium`)")

    demo = commands.add_parser("demo-data", help="(re)write the bundled demo exports and codebooks")
    demo.add_argument("--out", type=Path, default=None, help="folder (default: the project's data/demo)")
    demo.add_argument("--seed", type=int, default=None, help="random seed (default: the documented one)")

    batch = commands.add_parser("batch", help="one report per organisation, many at once on a Dask cluster")
    batch.add_argument("params", type=Path, help="parameter YAML file; its settings apply to every organisation")
    batch.add_argument("input", type=Path, nargs="?", default=None,
                       help="a folder with one subfolder per organisation (codebook.yaml + export), or the shared "
                            "codebook of a stacked export (default: `codebook` of the parameter file)")
    batch.add_argument("--by", default=None, help="the organisation column of a stacked export (overrides `organisations`)")
    batch.add_argument("--output", type=Path, default=None, help="batch folder (overrides `output` in the file)")
    batch.add_argument("--language", choices=["en", "nl"], default=None, help="report language (overrides the file)")
    batch.add_argument("--scheduler", default=None,
                       help="address of a running Dask scheduler (tcp://host:8786); default: a local cluster")
    batch.add_argument("--workers", type=int, default=None,
                       help="local workers (default: one per core, as many as memory allows)")
    batch.add_argument("--memory-per-worker", type=float, default=2.0, metavar="GB",
                       help="memory limit of each local worker in GiB (default 2)")
    batch.add_argument("--no-benchmark", action="store_true",
                       help="leave out the national benchmark (each report's position among the organisations)")
    batch.add_argument("--cold-kernels", action="store_true",
                       help="a fresh kernel for every notebook (default: each worker reuses a warm kernel)")
    batch.add_argument("--quiet", action="store_true", help="no progress lines")

    check = commands.add_parser("check", help="load a survey through its codebook and list what was handled")
    check.add_argument("codebook", type=Path, help="codebook YAML")
    return parser


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C, so the run cleans up after itself."""


def _on_sigterm(signum, frame):  # pragma: no cover - exercised in a subprocess test
    raise Terminated()


def _say(message: str) -> None:
    """Print a message for the operator on stderr, with control characters made visible."""
    print(visible(message, limit=20_000), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``clientvalue`` command; returns the exit code.

    0 success; 1 a notebook failed; 2 bad parameters, codebook, data, or the output cannot be
    written (read-only, disk full); 130 stopped with Ctrl-C; 143 stopped with SIGTERM. A stopped or
    failed run removes its staging folder and kernel files, stops its notebooks and publishes nothing.
    """
    import signal

    from clientvalue.run.lean_imports import skip_iri_grammar

    args = _parser().parse_args(argv)
    if args.command in ("run", "batch"):
        skip_iri_grammar()  # 1.8 CPU s less in this process (see clientvalue.run.lean_imports)
    previous = previous_int = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        # a process started in the background by a shell inherits SIGINT *ignored*: Ctrl-C or
        # `kill -INT` would then be swallowed and the run would publish anyway
        previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # not in the main thread
        pass
    try:
        return _main(args)
    except KeyboardInterrupt:
        _say("clientvalue: stopped (Ctrl-C); nothing was published and an earlier report is untouched.")
        return 130
    except Terminated:
        _say("clientvalue: stopped (SIGTERM); nothing was published and an earlier report is untouched.")
        return 143
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if previous_int is not None:
            signal.signal(signal.SIGINT, previous_int)


def _check_analyses(survey) -> list[str]:
    """The registered analyses of a client survey that this survey can feed; bad input raises, as in a run."""
    from clientvalue import defaults
    from clientvalue.analyses.registry import Need
    from clientvalue.run.pipeline import inputs_hold

    feeds = []
    for spec in ANALYSES:
        if (Need.SURVEY in spec.needs and all(inputs_hold(need, None, survey, None) for need in spec.needs)
                and spec.applies(survey)):
            spec.validate(survey, min_group_size=defaults.MIN_GROUP_SIZE)
            feeds.append(spec.name)
    return feeds


def _main(args: argparse.Namespace) -> int:
    try:
        if args.command == "run":
            from clientvalue.memory import allow_heap_kept
            from clientvalue.run.pipeline import run

            allow_heap_kept()  # this process ends after the run (clientvalue.memory.heap_kept)
            run(args.params, output=args.output, language=args.language, jobs=args.jobs, progress=not args.quiet,
                echo=lambda line: print(visible(line)), pdf=args.pdf)
        elif args.command == "batch":
            from clientvalue.run.batch import run_batch

            result = run_batch(args.params, source=args.input, by=args.by, output=args.output,
                               language=args.language, scheduler=args.scheduler, workers=args.workers,
                               memory_per_worker=int(args.memory_per_worker * 1024**3),
                               progress=False if args.quiet else None, benchmark=not args.no_benchmark,
                               warm=not args.cold_kernels, echo=lambda line: print(visible(line)))
            for row in result.failed:
                _say(f"clientvalue: {row['name']} failed: {row['reason']}")
            return 1 if result.failed else 0
        elif args.command == "demo-data":
            from clientvalue.data import demo

            kwargs = {} if args.seed is None else {"seed": args.seed}
            for path in demo.write_demo_data(args.out, **kwargs):
                print(visible(path))
        elif args.command == "check":
            from clientvalue.data.survey import load_survey

            survey = load_survey(args.codebook)
            feeds = _check_analyses(survey)  # what `clientvalue run` would refuse is refused here too
            print(visible(f"{survey.path}: {len(survey.data):,} respondents, {survey.data.shape[1]} columns, read as "
                          + ", ".join(f"{k}={v}" for k, v in survey.read_details.items())))
            if survey.problems.empty:
                print("nothing to handle")
            else:
                print(visible(survey.problems.to_string(index=False), limit=None))
            print("notebooks this codebook feeds: " + (", ".join(feeds) or "none"))
    except PipelineError as exc:
        _say(f"clientvalue: run failed: {exc}")
        return 1
    except ClientValueError as exc:
        _say(f"clientvalue: {exc}")
        return 2
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        _say(f"clientvalue: cannot write or read{where}: {exc.strerror or exc}. Check that the output "
             "folder and its parent are writable and that the disk has space; nothing was published.")
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
