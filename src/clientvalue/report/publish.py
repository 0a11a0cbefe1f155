"""Turn executed notebooks into self-contained HTML for policymakers.

No code, no prompts, no warnings or other stream output, no scripts and nothing loaded from
the internet: figures are embedded, the style sheet is inline, and the page reads on a phone.
Markdown cells tagged ``lang-en`` or ``lang-nl`` appear only in a report of that language;
cells tagged ``remove`` never appear.
"""

from __future__ import annotations

import html
import re
import threading
from pathlib import Path
from typing import Any

from clientvalue.errors import PipelineError
from clientvalue.report.i18n import N_, check_language, translator
from clientvalue.report.texts import group_label
from clientvalue.report.safety import check_html

STYLE = """
:root { color-scheme: light; }
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0;
       color: #1d2327; background: #fff; line-height: 1.5; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
header.run { background: #0b4f6c; color: #fff; padding: 0.75rem 1.25rem; font-size: 0.9rem; }
header.run a { color: #fff; }
header.run .meta { opacity: 0.85; }
h1 { font-size: 1.7rem; line-height: 1.25; margin-top: 1.2rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #dde3e8; padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin-top: 1.5rem; }
img { max-width: 100%; height: auto; }
figure.cv-table { margin: 1rem 0; overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: .4rem; }
table { border-collapse: collapse; font-size: .88rem; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid #e4e8eb; text-align: left; vertical-align: top; }
th { background: #f3f6f8; }
.num { text-align: right; white-space: nowrap; }
.text { text-align: left; }
.text.short { white-space: nowrap; }
.ci { white-space: nowrap; }
th.rowgroup { background: #e9eef2; font-weight: 600; }
p.note { font-size: .8rem; color: #5a6570; margin: .3rem 0 0; }
.finding { background: #f3f8fb; border-left: 4px solid #0b4f6c; padding: .6rem 1rem; margin: 1rem 0; }
footer { color: #5a6570; font-size: .8rem; margin-top: 3rem; }
.jp-RenderedHTMLCommon, .output_html, .output_markdown, .rendered_html { overflow-x: auto; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: .4rem; }
p.lead { font-size: 1.1rem; }
section.todo { background: #f3f8fb; border-left: 4px solid #0b4f6c; padding: .2rem 1rem .6rem; margin: 1rem 0; }
section.todo h2 { border: 0; margin-top: .8rem; }
section.appendix { margin-top: 3rem; color: #3c464e; }
table.verdicts th[scope='row'] { background: none; font-weight: 600; }
figure.chart { margin: 1rem 0; }
div.scroll { overflow-x: auto; }
/* a table wider than its box shows a shadow at the side that scrolls (no script: the shadows stay
   put while white covers, scrolling with the table, hide them at the ends) */
figure.cv-table, div.scroll {
  background:
    linear-gradient(to right, #fff 30%, rgba(255,255,255,0)) left center / 2.5rem 100% no-repeat local,
    linear-gradient(to left, #fff 30%, rgba(255,255,255,0)) right center / 2.5rem 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.28), rgba(0,0,0,0)) left center / .9rem 100% no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.28), rgba(0,0,0,0)) right center / .9rem 100% no-repeat scroll;
  background-color: #fff;
}
figure.cv-table { scrollbar-width: thin; scrollbar-color: #8a969f #eef1f3; }
@media screen and (max-width: 40rem) {
  table.verdicts, table.verdicts tbody, table.verdicts tr, table.verdicts th, table.verdicts td,
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; }
  table.verdicts caption { display: block; }
  table.verdicts thead, table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.verdicts tr, table.cards tr { border-bottom: 1px solid #c9d2d9; padding: .4rem 0; }
  table.verdicts th[scope='row'], table.verdicts td, table.cards td { border: 0; padding: .1rem 0; text-align: left; }
  table.verdicts td::before, table.cards td::before { content: attr(data-label) ": "; font-weight: 600; }
  table.cards .num { white-space: normal; }
  td.wrap { white-space: normal; }
  td.wrap .ci { display: block; }  /* a value's interval under it: the column needs half the width */
  th.num { white-space: normal; }  /* a header over short numbers takes two lines rather than the width */
}
figure.chart figcaption { font-weight: 400; font-size: .9rem; color: #3c464e; }
img.chart-phone { display: none; }
@media screen and (max-width: 40rem) {
  img.chart-phone { display: block; }
  img.chart-wide { display: none; }
}
@media print {
  @page { size: A4; margin: 16mm 14mm; }
  body { font-size: 10pt; }
  header.run { background: none; color: #000; border-bottom: 1px solid #000; padding: 0 0 .4rem; }
  header.run .back { display: none; }
  main { max-width: none; padding: 0; }
  figure.cv-table, .jp-RenderedHTMLCommon, .output_html, .rendered_html { overflow: visible !important; }
  table { font-size: 8pt; width: 100%; }
  th, td { padding: .15rem .3rem; }
  .num { white-space: normal; }
  h1, h2, h3, figcaption, caption { break-after: avoid; page-break-after: avoid; }
  figure, img, tr, .finding, section.todo { break-inside: avoid; page-break-inside: avoid; }
  /* a long table starts right under its text and breaks between rows, its header repeated: kept
     whole, it would leave the page before it nearly empty (and break anyway when taller than a page) */
  figure.cv-table.long { break-inside: auto; page-break-inside: auto; }
  thead { display: table-header-group; }
  /* a section's closing line ("Read more: ...") and the page's footer never stand alone on a page */
  section > p:last-child, main > footer { break-before: avoid; page-break-before: avoid; }
  /* a tall chart fits one page (its width shrinks with it) */
  img { max-height: 235mm; width: auto; }
  section.appendix { break-before: page; }
  a { color: inherit; text-decoration: none; }
}
"""

INPUT_ROLES = {"codebook": N_("codebook"), "data": N_("data file"), "vignette codebook": N_("codebook of the case study"),
               "vignette data": N_("decisions on the cases"), "considerations": N_("what staff weigh")}



def html_page(title: str, header: str, body: str, language: str) -> str:
    """A whole self-contained HTML page of the report: style sheet, ``header`` and ``body``.

    ``title`` is escaped here; ``header`` and ``body`` must already be safe HTML.
    """
    return (
        f"<!DOCTYPE html>\n<html lang='{language}'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header class='run'>{header}</header>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _run_header(run_info: dict[str, Any], language: str, *, link_index: bool, technical: bool = True) -> str:
    """The page header; ``technical=False`` (the summary) leaves out the time, file and hash."""
    _ = translator(language)
    esc = html.escape
    if not technical:
        small = _("groups smaller than {n} are not shown", n=_.integer(run_info["min_group_size"]))
        return f"<strong>{esc(run_info['title'])}</strong><br><span class='meta'>{esc(small)}</span>"
    created = run_info["created"]
    made = _("made on {date} at {time} UTC", date=_.date(created), time=created[11:16])
    data = _("data {file}", file=run_info["data_file"])
    small = _("groups smaller than {n} are not shown", n=_.integer(run_info["min_group_size"]))
    back = _("all reports")
    back = f"<span class='back'><a href='index.html'>← {esc(back)}</a> · </span>" if link_index else ""
    return (
        f"{back}<strong>{esc(run_info['title'])}</strong><br>"
        f"<span class='meta'>{esc(made)} · {esc(data)} (sha256 {run_info['data_sha256'][:12]}…) · "
        f"{esc(small)}</span>"
    )


def publishable(nb: Any, *, language: str) -> Any:
    """Strip a notebook to what a policymaker may see (in place) and return it.

    Drops code, stream output (stdout/stderr: warnings, logging), error output, cells tagged
    ``remove``, markdown tagged for the other language and papermill's injected-parameters cell.
    """
    other = "lang-nl" if check_language(language) == "en" else "lang-en"
    kept = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "remove" in tags or other in tags or "injected-parameters" in tags or "parameters" in tags:
            continue
        if cell.cell_type == "code":
            cell.source = ""
            cell.outputs = [_with_phone_variant(o) for o in cell.get("outputs", [])
                            if o.get("output_type") not in ("stream", "error")]
            if not cell.outputs:
                continue
        kept.append(cell)
    nb.cells = kept
    return nb


def _with_phone_variant(output: Any) -> Any:
    """A figure with a phone variant (``Report.figure(..., phone=...)``) as a pair of images.

    The page shows the wide chart on a screen wider than 40rem and in print, the narrow one on
    a phone (CSS classes ``chart-wide`` and ``chart-phone``); both carry the same alt text.
    """
    import nbformat

    from clientvalue.report.notebook import PHONE_METADATA

    phone = output.get("metadata", {}).get(PHONE_METADATA)
    if not phone or "image/png" not in output.get("data", {}):
        return output
    alt = html.escape(output["metadata"].get("image/png", {}).get("alt", ""))
    wide = output["data"]["image/png"]
    pair = (f"<img class='chart-wide' src='data:image/png;base64,{wide}' alt='{alt}'>"
            f"<img class='chart-phone' src='data:image/png;base64,{phone}' alt='{alt}'>")
    return nbformat.v4.new_output("display_data", data={"text/html": pair})


_exporters = threading.local()


def _exporter() -> Any:
    """This thread's HTML exporter (no code, no prompts), made once: its templates are compiled once.

    Making an exporter loads and compiles its Jinja templates again (about a third of a page's
    rendering time); one exporter renders any number of notebooks. Kept per thread, as a run
    renders its pages in one thread and the batch runs one organisation per worker at a time.
    """
    exporter = getattr(_exporters, "html", None)
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = _exporters.html = HTMLExporter(
            template_name="basic",
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            anchor_link_text="",
        )
    return exporter


def render_notebook(path: Path, target: Path, *, language: str, run_info: dict[str, Any]) -> Path:
    """Render an executed notebook to a self-contained HTML page without code.

    Raises
    ------
    PipelineError
        If the page would hold live markup or load anything from elsewhere (the last line of
        defence of :func:`clientvalue.report.safety.check_html`; it should never happen).
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    raw = raw_tables(nb)  # before anything is stripped: the executed notebook is part of the report too
    if raw:
        raise PipelineError(
            f"{target.name}: not published: {path.name} shows a table as raw pandas output (cell "
            f"{', '.join(map(str, raw))} of the notebook ends in a table instead of showing it through the report's "
            "table helpers). Such output is never escaped, captioned or suppressed and can hold one row per person. "
            "This is a bug in the notebook, not in your data; please report it. Nothing was published.")
    nb = publishable(nb, language=language)
    title = _notebook_title(path.stem, language)
    if title != path.stem:  # a registered analysis: its page has the title the summary links and heads it with
        _set_first_heading(nb, title)
    body, _ = _exporter().from_notebook_node(nb)
    body = _strip_scripts(body)
    title = _first_heading(nb) or path.stem
    page = html_page(title, _run_header(run_info, language, link_index=True), body, language)
    check_html(page, name=target.name)
    target.write_text(page, encoding="utf-8")
    return target


def raw_tables(nb: Any) -> list[int]:
    """Numbers (1 = first cell) of the cells whose output is a table in pandas' own HTML.

    A clientvalue notebook shows tables only through :class:`clientvalue.report.notebook.Report`
    and its helpers (escaped, captioned, suppressed); pandas' HTML (``class="dataframe"``) means a
    cell displayed a frame itself, e.g. as its last expression.
    """
    found = []
    for number, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            page = output.get("data", {}).get("text/html", "")
            page = "".join(page) if isinstance(page, list) else str(page)
            if 'class="dataframe"' in page or "<style scoped>" in page:
                found.append(number)
                break
    return found


def _strip_scripts(body: str) -> str:
    body = re.sub(r"<script\b.*?</script>", "", body, flags=re.DOTALL | re.IGNORECASE)
    # nbconvert's empty heading anchors are links without a name for screen readers
    return re.sub(r"<a class=\"anchor-link\"[^>]*>\s*</a>", "", body)


def _set_first_heading(nb: Any, title: str) -> None:
    """Make ``title`` (a registry title from the catalog, not data) the first level-1 heading of a notebook."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            lines = cell.source.splitlines()
            for number, line in enumerate(lines):
                if line.startswith("# "):
                    lines[number] = f"# {title}"
                    cell.source = "\n".join(lines)
                    return


def _first_heading(nb: Any) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


#: Parameters that hold paths: published as the analyst wrote them, relative to the parameter file.
PATH_PARAMETERS = ("codebook", "vignettes", "output")


def path_as_shown(written: str | Path, *, resolved: str | Path | None = None, base: str | Path | None = None) -> str:
    """A path parameter as a published page shows it: never the analyst's machine path.

    A relative path (as written in the parameter file, so relative to it) is shown as written; an
    absolute one relative to ``base`` (the parameter file's folder) when it lies inside it, else by
    its file name only. Without ``base`` only the file name is shown.

    Examples
    --------
    >>> path_as_shown("vignettes/codebook.yaml", base="/home/ana/study")
    'vignettes/codebook.yaml'
    >>> path_as_shown("/home/ana/study/vignettes/codebook.yaml", base="/home/ana/study")
    'vignettes/codebook.yaml'
    >>> path_as_shown("/home/ana/other/codebook.yaml", base="/home/ana/study")
    'codebook.yaml'
    """
    path = Path(str(written)).expanduser()
    if base is None:
        return path.name
    if not path.is_absolute():
        return path.as_posix()
    try:
        return Path(resolved or path).resolve().relative_to(Path(base).resolve()).as_posix()
    except ValueError:
        return path.name


def prepare_index() -> None:
    """Import what :func:`render_index` needs: the summary's wording, its statistics and its chart.

    A run calls it while its notebooks still run (its own process mostly waits then), so that the
    summary is not held up after the last notebook by a second or two of imports.
    """
    import clientvalue.report.plots_drivers  # noqa: F401
    import clientvalue.report.summary  # noqa: F401


def render_index(target: Path, *, manifest: dict[str, Any], run_info: dict[str, Any], language: str,
                 shown_paths: dict[str, str] | None = None) -> Path:
    """Write the report's ``index.html``: the summary a policymaker reads (:mod:`clientvalue.report.summary`).

    The technical record of the run is written beside it by :func:`render_about` (``about.html``),
    linked from the summary's footer. ``shown_paths`` is passed on to :func:`render_about`.
    """
    from clientvalue.report.summary import ABOUT_PAGE, summary_body

    body = (summary_body(target.parent / "tables", manifest=manifest, language=language, title=run_info["title"])
            + benchmark_section(manifest["parameters"].get("benchmark"), language))  # only in a batch
    page = html_page(run_info["title"], _run_header(run_info, language, link_index=False, technical=False), body,
                 language)
    check_html(page, name=target.name)
    render_about(target.parent / ABOUT_PAGE, manifest=manifest, run_info=run_info, language=language,
                 shown_paths=shown_paths)
    target.write_text(page, encoding="utf-8")
    return target


def _about_notebooks(manifest: dict[str, Any], _, language: str) -> str:
    """The detail pages as list items, each with its run time."""
    esc = html.escape
    seconds = _("{n} seconds")
    return "".join(
        f"<li><a href='{esc(nb['html'])}'>{esc(_notebook_title(nb['name'], language))}</a>"
        f" <span class='note'>({esc(seconds.format(n=_.number(nb['seconds'], 1)))})</span></li>"
        for nb in manifest["notebooks"]
    )


def _about_parameters(manifest: dict[str, Any], _, shown_paths: dict[str, str] | None) -> str:
    """The run's parameters as table rows: key, value as shown, what it means."""
    esc = html.escape
    return "".join(
        f"<tr><td><code>{esc(k)}</code></td><td>{esc(_parameter_value(k, v, _, shown_paths or {}))}</td>"
        f"<td>{esc(_(PARAMETER_NOTES[k]) if k in PARAMETER_NOTES else '')}</td></tr>"
        for k, v in manifest["parameters"].items() if k not in ("tables_dir", "benchmark")
    )


def _about_inputs(manifest: dict[str, Any], _) -> str:
    """The input files as table rows: role, file name, start of the hash."""
    esc = html.escape
    return "".join(
        f"<tr><td>{esc(_(INPUT_ROLES[i['role']]) if i['role'] in INPUT_ROLES else i['role'])}</td>"
        f"<td>{esc(Path(i['path']).name)}</td><td><code>{i['sha256'][:16]}…</code></td></tr>"
        for i in manifest["inputs"]
    )


def _about_text(manifest: dict[str, Any], run_info: dict[str, Any], _, language: str) -> dict[str, str]:
    """The page's headings, notes and data lines, translated and escaped."""
    summary = manifest["data_summary"]
    groups = ", ".join(group_label(g, language) for g in summary["groups_reported"]) or "–"
    text = {
        "reports": _("Detail pages"),
        "data": _("Data"),
        "respondents": _.ngettext("{n} respondent", "{n} respondents", int(summary["respondents"]),
                                  n=_.integer(summary["respondents"])),
        "groups": _("groups reported: {groups}", groups=groups),
        "suppressed": _("groups not shown (too small): {n}", n=_.integer(summary["groups_suppressed"])),
        "tables": _("Tables (CSV, for further analysis)"),
        "tables_note": _("The file names are the same in every language of the report: programs read them."),
        "parameters_note": _("Each parameter as the run's parameter file names it, with what it means."),
        "inputs": _("Input files"),
        "parameters": _("Parameters of this run"),
        "appendix": _("How this report was made"),
        "made": _("Made with clientvalue {version}. Numbers in tables are also in tables/*.csv.",
                  version=run_info["version"]),
    }
    return {key: html.escape(value) for key, value in text.items()}


def _about_body(text: dict[str, str], *, rows: str, tables: str, inputs: str, params: str) -> str:
    """The body of ``about.html`` from its escaped text and its lists and tables."""
    return (
        f"<h1>{text['appendix']}</h1>\n"
        f"<h2>{text['reports']}</h2><ul>{rows}</ul>\n"
        f"<h2>{text['data']}</h2><ul><li>{text['respondents']}</li>"
        f"<li>{text['groups']}</li><li>{text['suppressed']}</li></ul>\n"
        f"<h2>{text['tables']}</h2><p class='note'>{text['tables_note']}</p><ul>{tables}</ul>\n"
        f"<h2>{text['inputs']}</h2><div class='scroll' tabindex='0' role='region' aria-label='{text['inputs']}'>"
        f"<table>{inputs}</table></div>\n"
        f"<h2>{text['parameters']}</h2><p class='note'>{text['parameters_note']}</p>"
        f"<div class='scroll' tabindex='0' role='region' aria-label='{text['parameters']}'>"
        f"<table>{params}</table></div>\n"
        f"<footer>{text['made']}</footer>"
    )


def render_about(target: Path, *, manifest: dict[str, Any], run_info: dict[str, Any], language: str,
                 shown_paths: dict[str, str] | None = None) -> Path:
    """Write ``about.html``, "How this report was made": detail pages with their run time, data,
    CSV tables, input files with their hashes and the run's parameters.

    ``shown_paths`` gives how each path parameter (:data:`PATH_PARAMETERS`) is shown (see
    :func:`path_as_shown`); a path parameter not in it is shown by its file name only.
    """
    _ = translator(language)
    rows = _about_notebooks(manifest, _, language)
    params = _about_parameters(manifest, _, shown_paths)
    inputs = _about_inputs(manifest, _)
    tables = "".join(f"<li><a href='{html.escape(t)}'>{html.escape(Path(t).name)}</a></li>" for t in manifest["tables"])
    body = _about_body(_about_text(manifest, run_info, _, language), rows=rows, tables=tables, inputs=inputs,
                       params=params)
    page = html_page(f"{run_info['title']} – {_('How this report was made')}",
                 _run_header(run_info, language, link_index=True), body, language)
    check_html(page, name=target.name)
    target.write_text(page, encoding="utf-8")
    return target


#: What each parameter of a run means, for the appendix (the key itself stays as the parameter file has it).
PARAMETER_NOTES = {
    "codebook": N_("the file that describes the survey's questions and answers"),
    "vignettes": N_("the file that describes the case study"),
    "output": N_("the folder this report was written to"),
    "language": N_("language of the report"),
    "min_group_size": N_("groups with fewer respondents are not shown"),
    "seed": N_("starting value of every random step: a new run gives the same numbers"),
    "notebooks": N_("the parts of the report that were made"),
    "n_boot": N_("number of repeated samples behind each interval"),
    "age_threshold": N_("the age rule the senior page examines"),
    "age_thresholds": N_("the age rules compared with each other"),
    "age_bands": N_("where the age groups start"),
    "proxy_threshold": N_("strength of association from which a possible indirect distinction is flagged"),
    "n_stability": N_("number of repeated fits that test whether the client groups are stable"),
    "employee_tables": N_("whether a table per employee was saved"),
    "pdf": N_("whether a PDF of the report was made"),
    "organisations": N_("in a batch: the column of a shared export that names each organisation"),
    "benchmark": N_("in a batch: this organisation's position among the others (shown on the summary)"),
}


def _parameter_value(key: str, value: Any, _: Any, shown_paths: dict[str, str] | None = None) -> str:
    """A parameter's value for the appendix: a path as the parameter file gives it, yes/no for a switch."""
    if key in PATH_PARAMETERS:
        return (shown_paths or {}).get(key) or Path(str(value)).name
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):  # in the report's number format (0,3 in Dutch)
        return _.number(value, len(repr(value).split(".")[-1]) if "." in repr(value) else 0)
    return json_text(value)


POSITION_WORDS = {
    "above": N_("Your clients rate you higher than organisations like yours (beyond chance)."),
    "below": N_("Your clients rate you lower than organisations like yours (beyond chance)."),
    "within": N_("The difference with organisations like yours is within chance."),
}


def benchmark_section(position: dict[str, Any] | None, language: str) -> str:
    """The organisation's position in a batch's national benchmark (``clientvalue batch``), or nothing."""
    if not position:
        return ""
    _ = translator(language)
    esc = html.escape
    heading = _("Your position among {n} organisations", n=_.integer(position["organisations"]))
    line = _("Your rating {rating}; organisations like yours {expected} ({low}–{high}).",
             rating=_.number(position["rating"], 1), expected=_.number(position["expected"], 1),
             low=_.number(position["expected_low"], 1), high=_.number(position["expected_high"], 1))
    how = _("Organisations like yours: the rating the national model expects for an organisation whose clients "
            "are of the same age and background as yours, with its 95% interval.")
    verdict = _(POSITION_WORDS[position["position"]]) if position.get("position") in POSITION_WORDS else ""
    return (f"\n<section class='finding'><h2>{esc(heading)}</h2><p>{esc(line)} {esc(verdict)}</p>"
            f"<p class='note'>{esc(how)}</p></section>\n")


def json_text(value: Any) -> str:
    """A parameter value as short text."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _notebook_title(name: str, language: str) -> str:
    """The reader-facing title of a notebook (its analysis's registry title, translated), else its file name."""
    from clientvalue.analyses.registry import ANALYSES

    titles = {spec.name: spec.title for spec in ANALYSES}
    return translator(language)(titles[name]) if name in titles else name
