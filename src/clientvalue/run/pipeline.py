"""Run the notebooks of a parameter file with papermill and publish an HTML report.

The run writes into a hidden sibling folder and moves it into place only when every notebook
succeeded, so a failed run never leaves a half-written report where a good one stood.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from clientvalue import __version__, disclosure
from clientvalue.memory import heap_kept, release_memory
from clientvalue.errors import ParameterError, PipelineError
from clientvalue.run.execute import NotebookWorkers, execute_all, remove_kernel_files
from clientvalue.analyses import registry
from clientvalue.analyses.registry import AnalysisSpec, Need
from clientvalue.run.params import RunParameters, load_parameters
from clientvalue.paths import NOTEBOOKS_DIR, resolve_path
from clientvalue.report.publish import path_as_shown, prepare_index, render_index, render_notebook
from clientvalue.data.codebook import load_codebook
from clientvalue.data.survey import export_path, read_survey

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


#: Why a run cannot feed an analysis that needs something: (refused when named, skipped by default).
NEED_MESSAGES = {
    Need.SURVEY: ("notebook {name} needs a client survey: set `codebook`, or remove {name} from `notebooks`.",
                  "skipping {name}: no `codebook` (client survey) given"),
    Need.VIGNETTES: ("notebook {name} needs a vignette study: set `vignettes` to its codebook (docs/codebook.md) or "
                     "remove {name} from `notebooks`.", "skipping {name}: no `vignettes` (vignette study) given"),
    Need.WAVES: ("notebook {name} needs several waves: declare the earlier measurements under `waves` in the codebook "
                 "(docs/codebook.md), or remove {name} from `notebooks`.",
                 "skipping {name}: the codebook declares no `waves` (earlier measurements)"),
    Need.ORGANISATIONS: ("notebook {name} compares many organisations: run it with `clientvalue batch`, or remove "
                         "{name} from `notebooks`.", "skipping {name}: not one organisation of a `clientvalue batch`"),
}


def inputs_hold(need: Need, params: RunParameters | None, survey: Any, study: Any) -> bool:
    """Whether the inputs of a run hold what ``need`` asks for (without ``params``: not part of a batch)."""
    if need is Need.SURVEY:
        return survey is not None
    if need is Need.VIGNETTES:
        return study is not None
    if need is Need.WAVES:
        return survey is not None and survey.codebook.waves is not None
    return params is not None and params.benchmark is not None  # Need.ORGANISATIONS: set by `clientvalue batch`


def _refusal(spec: AnalysisSpec, params: RunParameters, survey: Any, study: Any,
             codebook: Path | None) -> tuple[str, str] | None:
    """Why these inputs cannot feed ``spec``, as (refusal, skip note); None when they can."""
    for need in Need:  # in a fixed order: a survey is missing before its waves
        if need in spec.needs and not inputs_hold(need, params, survey, study):
            refuse, skip = NEED_MESSAGES[need]
            return refuse.format(name=spec.name), skip.format(name=spec.name)
    if Need.SURVEY in spec.needs and not spec.applies(survey):  # bad input raises here
        return (f"notebook {spec.name} needs {spec.requirement} in the codebook, and {codebook} has none: "
                f"add them to the codebook or remove {spec.name} from `notebooks`.",
                f"skipping {spec.name}: the codebook has no {spec.requirement}")
    return None


def applicable_notebooks(params: RunParameters, survey: Any, *, codebook: Path | None,
                         echo: Callable[[str], None], study: Any = None) -> list[str]:
    """The notebooks this survey (and vignette study) can feed, by what each analysis needs (its registry spec).

    A notebook the parameter file names explicitly but the inputs cannot feed is refused
    before anything runs; one that is only there by default is skipped with a note.
    """
    chosen = []
    explicit = "notebooks" in params.model_fields_set
    for name in params.notebooks:
        refusal = _refusal(registry.get(name), params, survey, study, codebook)
        if refusal is None:
            chosen.append(name)
        elif explicit:
            raise ParameterError(refusal[0])
        else:
            echo(refusal[1])
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
        if any(output.iterdir()):
            unlisted = files_not_in_report(output)
            if unlisted:
                shown = ", ".join(unlisted[:5]) + (f" (+{len(unlisted) - 5} more)" if len(unlisted) > 5 else "")
                raise ParameterError(
                    f"output {output} holds files that are not part of an earlier clientvalue report "
                    f"({shown}): a run replaces its output folder as a whole, so nothing was run and "
                    "nothing deleted. Give a new or empty folder, or move those files away."
                )


#: The whole report as one PDF (parameter ``pdf``), beside index.html.
PDF_NAME = "report.pdf"


def files_not_in_report(folder: Path) -> list[str]:
    """Files in ``folder`` that its ``manifest.json`` does not show to be part of a clientvalue report.

    A folder is an earlier report when its ``manifest.json`` is a clientvalue manifest (a mapping
    with ``status``, ``notebooks``, ``tables``, ``packages.clientvalue``); every file in it must then
    be one the manifest lists: ``index.html``, ``about.html``, ``manifest.json``, each notebook's ``.html``
    and ``.ipynb``, each table, each findings file and the PDF when it lists one. Everything else (and
    every file when there is no such manifest) is returned, relative to ``folder``.
    """
    present = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir())
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        listed = {"index.html", "about.html", "manifest.json"}
        for record in manifest["notebooks"]:
            listed |= {str(record["html"]), str(record["notebook"])}
        listed |= {str(t) for t in manifest["tables"]}
        listed |= {str(f) for f in manifest.get("findings", [])}  # findings/<notebook>.json
        if manifest.get("pdf"):
            listed.add(str(manifest["pdf"]))
        if "clientvalue" not in manifest["packages"] or not isinstance(manifest["status"], str):
            raise ValueError("not a clientvalue manifest")
    except (OSError, ValueError, KeyError, TypeError):
        return present
    return [p for p in present if p not in listed]


def _swap_into_place(staging: Path, output: Path) -> None:
    """Replace ``output`` by ``staging`` with two renames on one filesystem.

    Ctrl-C and SIGTERM wait until both renames are done, so a stop never leaves the earlier report
    hidden and no new one in its place.
    """
    import signal

    old = None
    stops = {signal.SIGINT, signal.SIGTERM}
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, stops) if hasattr(signal, "pthread_sigmask") else None
    try:
        if output.exists():
            old = output.with_name(f".{output.name}.old-{os.getpid()}")
            os.replace(output, old)
        try:
            os.replace(staging, output)
        except OSError:
            if old is not None:
                os.replace(old, output)  # put the earlier report back
            raise
    finally:
        if blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
        if old.exists():
            raise PipelineError(
                f"the new report is at {output}, but the earlier report could not be removed and is "
                f"still at {old} (a hidden folder): check its permissions and remove it yourself."
            )


def run(
    params_path: str | Path,
    *,
    output: str | Path | None = None,
    language: str | None = None,
    jobs: int | None = None,
    progress: bool = True,
    echo: Callable[[str], None] | None = print,
    pdf: bool | None = None,
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
    pdf : bool, optional
        Overrides the file's ``pdf``: also write ``report.pdf`` (needs Chromium).

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
    if pdf is not None:
        params = params.model_copy(update={"pdf": bool(pdf)})
    return run_parameters(params, base=params_path.parent, output=output, jobs=jobs, progress=progress, echo=say,
                          params_file=params_path)


def output_path(from_file: str, *, output: str | Path | None = None, base: Path | None = None) -> Path:
    """Where the report goes, by the one path rule of clientvalue.

    A relative path *in a parameter file* (``codebook`` and ``output`` alike) is relative to the
    parameter file's folder; a relative path *on the command line* (``--output``) is relative to the
    working directory. (For ``codebook`` only, a path not found next to the parameter file is also
    looked up in the working directory and the project, as older parameter files expect.)
    """
    if output is not None:
        return Path(output).expanduser().resolve()
    path = Path(from_file).expanduser()
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    return path.resolve()


def recorded_parameters(params: RunParameters, *, codebook: Path | None, vignettes: Path | None,
                        output: Path) -> dict[str, Any]:
    """The parameters as ``manifest.json`` records them: input paths resolved, ``tables_dir`` relative
    to the report, unset values left out (``clientvalue batch`` compares them to decide a resume)."""
    values = params.model_dump() | {"codebook": str(codebook) if codebook else None, "output": str(output),
                                    "tables_dir": "tables"}
    if vignettes is not None:
        values["vignettes"] = str(vignettes)
    return {key: value for key, value in values.items() if value is not None}


def _shown_paths(params: RunParameters, values: dict[str, Any], *, base: Path | None,
                 output: str | Path | None) -> dict[str, str]:
    """The path parameters as the published index shows them: relative to the parameter file, as
    written there, never the analyst's absolute paths (``manifest.json`` keeps those, for the record)."""
    written = {"codebook": params.codebook, "vignettes": params.vignettes,
               "output": params.output if output is None else str(output)}
    shown = {}
    for key, value in written.items():
        if value is not None:
            relative_to = base if not (key == "output" and output is not None) else None
            shown[key] = path_as_shown(value, resolved=values.get(key), base=relative_to)
    return shown


@dataclass
class RunContext:
    """Everything one run knows, filled in by its steps in order (validate -> plan -> stage -> execute ->
    render -> manifest -> publish); each step reads what the earlier ones wrote and nothing else."""

    params: RunParameters
    output: Path  # the report folder
    base: Path | None = None  # the parameter file's folder: relative paths in the file are relative to it
    output_given: str | Path | None = None  # --output as given on the command line
    params_file: Path | None = None
    jobs: int | None = None
    progress: bool = True
    echo: Callable[[str], None] = print
    started: float = field(default_factory=time.perf_counter)
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0).isoformat())
    # validate
    survey: Any = None
    study: Any = None
    codebook: Path | None = None
    vignettes: Path | None = None
    inputs: list[tuple[str, Path]] = field(default_factory=list)  # (role, path), as the manifest lists them
    # plan
    specs: list[AnalysisSpec] = field(default_factory=list)
    notebooks: list[Path] = field(default_factory=list)  # their notebook files, in the same order
    browser: str | None = None
    hashes: dict[str, str] = field(default_factory=dict)
    # stage
    staging: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)  # what the notebooks receive
    prepared: Path | None = None
    run_info: dict[str, Any] = field(default_factory=dict)
    study_info: dict[str, Any] = field(default_factory=dict)
    data_summary: dict[str, Any] = field(default_factory=dict)
    # validate (a large export) or execute
    workers: NotebookWorkers | None = None
    # execute, render, manifest
    seconds: dict[str, float] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def input_paths(self) -> list[Path]:
        return [path for _, path in self.inputs]

    @property
    def folder(self) -> Path:
        """The staging folder (after :func:`stage`)."""
        if self.staging is None:
            raise PipelineError("a run step that writes the report ran before `stage` (a bug in clientvalue)")
        return self.staging


#: An export at least this large (bytes) takes seconds to read and check; a run starts its notebook
#: workers and their kernels before it reads one (:class:`NotebookWorkers`), so that their start-up
#: runs on the cores the reading leaves idle. A smaller export is read in well under a second, and
#: refused input there starts no process at all.
EARLY_WORKERS_BYTES = 8 * 2**20


def _jobs(ctx: RunContext, notebooks: int) -> int:
    """How many notebooks the run executes at a time, for ``notebooks`` notebooks (never more than those)."""
    return max(1, min(notebooks, (os.cpu_count() or 1) if ctx.jobs is None else ctx.jobs))


def _expected_notebooks(params: RunParameters) -> list[str]:
    """The notebooks a run on a survey may execute, before the survey is read: those named, but for
    the ones whose other inputs were not given (a vignette study, a batch)."""
    return [name for name in params.notebooks
            if all(inputs_hold(need, params, survey=True, study=params.vignettes)
                   for need in registry.get(name).needs if need not in (Need.SURVEY, Need.WAVES))]


def _kernel_imports(names: list[str]) -> tuple[str, ...]:
    """The modules each kernel loads as it starts: the report's and those of the analyses ``names``."""
    specs = [registry.get(name) for name in names]
    return ("clientvalue.report.notebook", *dict.fromkeys(m for spec in specs for m in (spec.module, spec.wording) if m))


def _start_workers_early(ctx: RunContext, export: Path) -> None:
    """Start the notebook workers now when the export is large and the run executes several notebooks at a time."""
    try:
        large = export.stat().st_size >= EARLY_WORKERS_BYTES
    except OSError:  # reading it says what is wrong
        return
    if not large or ctx.workers is not None:
        return
    expected = _expected_notebooks(ctx.params)
    jobs = _jobs(ctx, len(expected))
    if jobs > 1:
        ctx.workers = NotebookWorkers(jobs, imports=_kernel_imports(expected))


def validate(ctx: RunContext) -> None:
    """Read and check the survey and the vignette study: bad input is refused before anything runs."""
    params, echo = ctx.params, ctx.echo
    if params.codebook is not None:
        ctx.codebook = resolve_path(params.codebook, base=ctx.base, what="codebook")
        echo(f"clientvalue {__version__}: checking {ctx.codebook}")
        codebook = load_codebook(ctx.codebook)
        _start_workers_early(ctx, export_path(codebook, ctx.codebook))
        ctx.survey = read_survey(codebook, ctx.codebook)
        ctx.inputs += [("codebook", ctx.codebook), ("data", ctx.survey.path)]
    if params.vignettes is not None:
        from clientvalue.data.vignettes import load_vignette_study

        ctx.vignettes = resolve_path(params.vignettes, base=ctx.base, what="vignette codebook")
        echo(f"clientvalue {__version__}: checking {ctx.vignettes}")
        ctx.study = study = load_vignette_study(ctx.vignettes)
        roles = ["vignette codebook", "vignette data"] + (["considerations"] if study.considerations_path else [])
        ctx.inputs += list(zip(roles, study.inputs))


def plan(ctx: RunContext) -> None:
    """Choose the analyses the inputs can feed (by their registry needs) and check everything a run will write."""
    params = ctx.params
    names = applicable_notebooks(params, ctx.survey, codebook=ctx.codebook, echo=ctx.echo, study=ctx.study)
    ctx.specs = [registry.get(name) for name in names]
    for spec in ctx.specs:  # input no analysis can use (a constant or copied item...): refused now
        if Need.SURVEY in spec.needs:
            spec.validate(ctx.survey, min_group_size=params.min_group_size)
    ctx.notebooks = [notebook_path(spec.name) for spec in ctx.specs]  # a missing notebook file is refused now
    check_output(ctx.output, ctx.input_paths + ([ctx.params_file] if ctx.params_file else []))
    if params.pdf:
        from clientvalue.report.pdf import find_chromium

        ctx.browser = find_chromium()  # refused before anything runs when Chromium is missing
    ctx.hashes = {str(p): sha256(p) for p in ctx.input_paths}


def _staging_folder(output: Path) -> Path:
    """A hidden sibling of ``output`` on the same filesystem, readable as a report is meant to be."""
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.partial-", dir=output.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; a report is meant to be read
    return staging


def _page_info(ctx: RunContext) -> None:
    """The header facts of every page, and the data summary of the index."""
    params, survey, study = ctx.params, ctx.survey, ctx.study
    main_data = survey.path if survey is not None else study.path
    ctx.run_info = {
        "created": ctx.created,
        "title": survey.title(params.language) if survey is not None else study.title(params.language),
        "data_file": main_data.name,
        "data_sha256": ctx.hashes[str(main_data)],
        "language": params.language,
        "min_group_size": params.min_group_size,
        "version": __version__,
    }
    ctx.study_info = ctx.run_info if study is None else ctx.run_info | {  # a page about the vignette study
        "title": study.title(params.language), "data_file": study.path.name,
        "data_sha256": ctx.hashes[str(study.path)]}
    ctx.data_summary = ((disclosure.data_summary(survey, params.min_group_size) if survey is not None
                         else {"respondents": 0, "groups_reported": [], "groups_suppressed": 0})
                        | ({"vignettes": int(study.data["vignette"].nunique())} if study is not None else {}))


def stage(ctx: RunContext) -> None:
    """Make the staging folder, the notebooks' parameter values and the prepared survey; let go of the survey."""
    ctx.staging = _staging_folder(ctx.output)
    ctx.values = ctx.params.model_dump() | {"codebook": str(ctx.codebook) if ctx.codebook else None,
                                            "tables_dir": str(ctx.staging / "tables"), "output": str(ctx.output)}
    if ctx.vignettes is not None:
        ctx.values["vignettes"] = str(ctx.vignettes)
    _page_info(ctx)
    if ctx.survey is not None and any(Need.SURVEY in spec.needs for spec in ctx.specs):
        from clientvalue.data.prepared import write_prepared

        ctx.prepared = write_prepared(ctx.survey)  # the notebooks load this instead of parsing the export again
        ctx.values["prepared_survey"] = str(ctx.prepared)
    ctx.survey = None  # the run does not hold a copy while the notebooks run
    release_memory()


def execute(ctx: RunContext) -> None:
    """Run the notebooks with papermill, each with the parameters its parameters cell declares; each
    page is rendered as soon as its notebook has run, while the others still run."""
    # each notebook is given the values its parameters cell declares, chosen where it runs (papermill is
    # imported there anyway; this process needs it only later, to render the pages)
    work = [(path, ctx.folder / path.name, ctx.values) for path in ctx.notebooks]
    jobs = _jobs(ctx, len(work))
    if ctx.workers is None and jobs > 1:  # (never more jobs than notebooks)
        ctx.workers = NotebookWorkers(jobs, imports=_kernel_imports([spec.name for spec in ctx.specs]))
    specs = {path: spec for spec, path in zip(ctx.specs, ctx.notebooks)}
    ctx.seconds = execute_all(work, jobs=jobs, progress=ctx.progress, echo=ctx.echo,
                              when_done=lambda path: _render_page(ctx, specs[path], path), workers=ctx.workers)
    ctx.workers = None  # ended with the notebooks


def _render_page(ctx: RunContext, spec: AnalysisSpec, path: Path) -> None:
    """Render one executed notebook to its page (the vignette study's page has the study's header)."""
    render_notebook(ctx.folder / path.name, ctx.folder / f"{path.stem}.html", language=ctx.params.language,
                    run_info=ctx.study_info if spec.about_the_study else ctx.run_info)
    prepare_index()  # the summary's imports, while the other notebooks still run


def render(ctx: RunContext) -> None:
    """Record every page in notebook order (each was rendered by :func:`execute` as its notebook ended)."""
    for path in ctx.notebooks:
        ctx.records.append({"name": path.stem, "seconds": ctx.seconds[path.stem], "status": "succeeded",
                            "html": f"{path.stem}.html", "notebook": path.name})


def _listed(folder: Path, pattern: str) -> list[str]:
    return sorted(p.name for p in folder.glob(pattern)) if folder.is_dir() else []


def manifest(ctx: RunContext) -> None:
    """Check that no input changed, and write ``manifest.json``, the index and the PDF."""
    if {p: sha256(Path(p)) for p in ctx.hashes} != ctx.hashes:
        raise PipelineError(f"an input file changed while the run read it: {sorted(ctx.hashes)}")
    tables, findings = _listed(ctx.folder / "tables", "*.csv"), _listed(ctx.folder / "findings", "*.json")
    ctx.manifest = {
        "status": "succeeded",
        "created": ctx.created,
        "seconds": round(time.perf_counter() - ctx.started, 2),
        "parameters": recorded_parameters(ctx.params, codebook=ctx.codebook, vignettes=ctx.vignettes,
                                          output=ctx.output),
        "inputs": [{"role": role, "path": str(p), "sha256": ctx.hashes[str(p)], "bytes": p.stat().st_size}
                   for role, p in ctx.inputs],
        "data_summary": ctx.data_summary,
        "notebooks": ctx.records,
        "tables": [f"tables/{t}" for t in tables],
        **({"findings": [f"findings/{f}" for f in findings]} if findings else {}),
        **({"pdf": PDF_NAME} if ctx.browser else {}),
        "packages": package_versions(),
        "platform": {"system": platform.system(), "machine": platform.machine(), "executable": sys.executable},
    }
    text = json.dumps(ctx.manifest, indent=2, ensure_ascii=False) + "\n"
    (ctx.folder / "manifest.json").write_text(text, encoding="utf-8")
    render_index(ctx.folder / "index.html", manifest=ctx.manifest, run_info=ctx.run_info,
                 language=ctx.params.language,
                 shown_paths=_shown_paths(ctx.params, ctx.values, base=ctx.base, output=ctx.output_given))
    if ctx.browser:
        from clientvalue.report.pdf import report_pdf

        ctx.echo(f"printing the report to {PDF_NAME}")
        report_pdf(ctx.folder, ["index.html", *(r["html"] for r in ctx.records), "about.html"],
                   ctx.folder / PDF_NAME, browser=ctx.browser)  # the technical record last


def publish(ctx: RunContext) -> None:
    """Put the staged report in place of the output folder (two renames: all or nothing)."""
    _swap_into_place(ctx.folder, ctx.output)


#: The steps of a run, in order; the checks refuse bad input before anything is written.
CHECKS = (validate, plan)
STEPS = (stage, execute, render, manifest, publish)


def run_context(ctx: RunContext) -> Path:
    """Run the steps on ``ctx``; a failed or stopped run removes its staging folder and publishes nothing."""
    try:
        with heap_kept():  # reading and checking the export reuse the memory they free
            for step in CHECKS:
                step(ctx)
        for step in STEPS:
            step(ctx)
    except BaseException:
        if ctx.workers is not None:  # refused input or a failure: workers started early end now
            ctx.workers.stop()
        if ctx.staging is not None:
            shutil.rmtree(ctx.staging, ignore_errors=True)
        raise
    finally:
        remove_kernel_files()
        if ctx.prepared is not None:
            shutil.rmtree(ctx.prepared.parent, ignore_errors=True)
    ctx.echo(f"report written to {ctx.output / 'index.html'} in {time.perf_counter() - ctx.started:.1f} s")
    return ctx.output


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
    ctx = RunContext(params=params, output=output_path(params.output, output=output, base=base), base=base,
                     output_given=output, params_file=params_file, jobs=jobs, progress=progress, echo=echo)
    return run_context(ctx)
