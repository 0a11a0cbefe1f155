"""Command line: ``clientvalue run PARAMS.yaml [--output DIR]`` and ``clientvalue demo-data``.

Exit codes: 0 success; 2 bad parameters, codebook or data (nothing ran); 1 a notebook failed
(nothing was published; an earlier report at the output path is untouched).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clientvalue import __version__
from clientvalue.errors import ClientValueError, PipelineError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clientvalue",
        description="Which kind of value do clients seek? Run the clientvalue notebooks on a survey export.",
    )
    parser.add_argument("--version", action="version", version=f"clientvalue {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the notebooks of a parameter file and write the HTML report")
    run.add_argument("params", type=Path, help="parameter YAML file, e.g. params/demo.yaml")
    run.add_argument("--output", type=Path, default=None, help="report folder (overrides `output` in the file)")
    run.add_argument("--language", choices=["en", "nl"], default=None, help="report language (overrides the file)")
    run.add_argument("--jobs", type=int, default=None,
                     help="notebooks run at the same time (default: one per core; 1 shows a per-cell progress bar)")
    run.add_argument("--quiet", action="store_true", help="no per-cell progress bar")

    demo = commands.add_parser("demo-data", help="(re)write the bundled demo exports and codebooks")
    demo.add_argument("--out", type=Path, default=None, help="folder (default: the project's data/demo)")
    demo.add_argument("--seed", type=int, default=None, help="random seed (default: the documented one)")

    check = commands.add_parser("check", help="load a survey through its codebook and list what was handled")
    check.add_argument("codebook", type=Path, help="codebook YAML")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``clientvalue`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            from clientvalue.run.pipeline import run

            run(args.params, output=args.output, language=args.language, jobs=args.jobs, progress=not args.quiet)
        elif args.command == "demo-data":
            from clientvalue.data import demo

            kwargs = {} if args.seed is None else {"seed": args.seed}
            for path in demo.write_demo_data(args.out, **kwargs):
                print(path)
        elif args.command == "check":
            from clientvalue.data.survey import load_survey

            survey = load_survey(args.codebook)
            print(f"{survey.path}: {len(survey.data):,} respondents, {survey.data.shape[1]} columns, read as "
                  + ", ".join(f"{k}={v}" for k, v in survey.read_details.items()))
            if survey.problems.empty:
                print("nothing to handle")
            else:
                print(survey.problems.to_string(index=False))
    except PipelineError as exc:
        print(f"clientvalue: run failed: {exc}", file=sys.stderr)
        return 1
    except ClientValueError as exc:
        print(f"clientvalue: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
