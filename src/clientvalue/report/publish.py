"""Turn executed notebooks into self-contained HTML for policymakers.

No code, no prompts, no warnings or other stream output, no scripts and nothing loaded from
the internet: figures are embedded, the style sheet is inline, and the page reads on a phone.
Markdown cells tagged ``lang-en`` or ``lang-nl`` appear only in a report of that language;
cells tagged ``remove`` never appear.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

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
p.note { font-size: .8rem; color: #5a6570; margin: .3rem 0 0; }
.finding { background: #f3f8fb; border-left: 4px solid #0b4f6c; padding: .6rem 1rem; margin: 1rem 0; }
footer { color: #5a6570; font-size: .8rem; margin-top: 3rem; }
.jp-RenderedHTMLCommon, .output_html, .output_markdown, .rendered_html { overflow-x: auto; }
"""

_LABELS = {
    "en": {"report": "Report", "created": "created", "data": "data", "min": "groups smaller than {n} are not shown",
           "back": "all reports", "made": "Made with clientvalue {v}. Numbers in tables are also in tables/*.csv.",
           "reports": "Reports", "parameters": "Parameters of this run", "inputs": "Input files",
           "tables": "Tables (CSV, for further analysis)", "summary": "Data", "respondents": "respondents",
           "groups": "groups reported", "suppressed": "groups not shown (too small)", "seconds": "seconds"},
    "nl": {"report": "Rapport", "created": "gemaakt", "data": "data", "min": "groepen kleiner dan {n} worden niet getoond",
           "back": "alle rapporten", "made": "Gemaakt met clientvalue {v}. De getallen uit de tabellen staan ook in tables/*.csv.",
           "reports": "Rapporten", "parameters": "Parameters van deze run", "inputs": "Invoerbestanden",
           "tables": "Tabellen (CSV, voor verdere analyse)", "summary": "Data", "respondents": "respondenten",
           "groups": "gerapporteerde groepen", "suppressed": "niet getoonde groepen (te klein)", "seconds": "seconden"},
}


def _page(title: str, header: str, body: str, language: str) -> str:
    return (
        f"<!DOCTYPE html>\n<html lang='{language}'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header class='run'>{header}</header>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _run_header(run_info: dict[str, Any], language: str, *, link_index: bool) -> str:
    text = _LABELS[language]
    back = f"<a href='index.html'>← {text['back']}</a> · " if link_index else ""
    return (
        f"{back}<strong>{html.escape(run_info['title'])}</strong><br>"
        f"<span class='meta'>{text['created']} {html.escape(run_info['created'])} · "
        f"{text['data']} {html.escape(run_info['data_file'])} (sha256 {run_info['data_sha256'][:12]}…) · "
        f"{text['min'].format(n=run_info['min_group_size'])}</span>"
    )


def publishable(nb: Any, *, language: str) -> Any:
    """Strip a notebook to what a policymaker may see (in place) and return it.

    Drops code, stream output (stdout/stderr: warnings, logging), error output, cells tagged
    ``remove``, markdown tagged for the other language and papermill's injected-parameters cell.
    """
    other = {"en": "lang-nl", "nl": "lang-en"}[language]
    kept = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "remove" in tags or other in tags or "injected-parameters" in tags or "parameters" in tags:
            continue
        if cell.cell_type == "code":
            cell.source = ""
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") not in ("stream", "error")]
            if not cell.outputs:
                continue
        kept.append(cell)
    nb.cells = kept
    return nb


def render_notebook(path: Path, target: Path, *, language: str, run_info: dict[str, Any]) -> Path:
    """Render an executed notebook to a self-contained HTML page without code.

    Raises
    ------
    PipelineError
        If the page would hold live markup or load anything from elsewhere (the last line of
        defence of :func:`clientvalue.report.safety.check_html`; it should never happen).
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = publishable(nbformat.read(path, as_version=4), language=language)
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    body, _ = exporter.from_notebook_node(nb)
    body = _strip_scripts(body)
    title = _first_heading(nb) or path.stem
    page = _page(title, _run_header(run_info, language, link_index=True), body, language)
    check_html(page, name=target.name)
    target.write_text(page, encoding="utf-8")
    return target


def _strip_scripts(body: str) -> str:
    return re.sub(r"<script\b.*?</script>", "", body, flags=re.DOTALL | re.IGNORECASE)


def _first_heading(nb: Any) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def render_index(target: Path, *, manifest: dict[str, Any], run_info: dict[str, Any], language: str) -> Path:
    """Write the report's ``index.html``: links to every report, parameters, data and inputs."""
    text = _LABELS[language]
    esc = html.escape
    rows = "".join(
        f"<li><a href='{esc(nb['html'])}'>{esc(_notebook_title(target.parent / nb['notebook'], nb['name'], language))}</a>"
        f" <span class='note'>({nb['seconds']:.1f} {text['seconds']})</span></li>"
        for nb in manifest["notebooks"]
    )
    summary = manifest["data_summary"]
    params = "".join(
        f"<tr><td>{esc(k)}</td><td>{esc(Path(v).name if k in ('codebook', 'output') else json_text(v))}</td></tr>"
        for k, v in manifest["parameters"].items() if k not in ("tables_dir",)
    )
    inputs = "".join(
        f"<tr><td>{esc(i['role'])}</td><td>{esc(Path(i['path']).name)}</td><td><code>{i['sha256'][:16]}…</code></td></tr>"
        for i in manifest["inputs"]
    )
    tables = "".join(f"<li><a href='{esc(t)}'>{esc(Path(t).name)}</a></li>" for t in manifest["tables"])
    body = (
        f"<h1>{esc(run_info['title'])}</h1>\n"
        f"<h2>{text['reports']}</h2><ul>{rows}</ul>\n"
        f"<h2>{text['summary']}</h2><ul><li>{summary['respondents']:,} {text['respondents']}</li>"
        f"<li>{text['groups']}: {esc(', '.join(summary['groups_reported']) or '–')}</li>"
        f"<li>{text['suppressed']}: {summary['groups_suppressed']}</li></ul>\n"
        f"<h2>{text['tables']}</h2><ul>{tables}</ul>\n"
        f"<h2>{text['inputs']}</h2><table>{inputs}</table>\n"
        f"<h2>{text['parameters']}</h2><table>{params}</table>\n"
        f"<footer>{text['made'].format(v=esc(run_info['version']))}</footer>"
    )
    page = _page(run_info["title"], _run_header(run_info, language, link_index=False), body, language)
    check_html(page, name=target.name)
    target.write_text(page, encoding="utf-8")
    return target


def json_text(value: Any) -> str:
    """A parameter value as short text."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _notebook_title(path: Path, fallback: str, language: str) -> str:
    import nbformat

    try:
        return _first_heading(publishable(nbformat.read(path, as_version=4), language=language)) or fallback
    except Exception:
        return fallback
