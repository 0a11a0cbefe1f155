"""The overview page of a batch: every organisation, its status, key numbers and a link to its report.

Names come from the input (folder names or an organisation column) and are escaped; why an
organisation failed is worded by kind (the full message, which may quote a value from the export,
stays in ``status.json`` for the operator). The page passes :func:`clientvalue.report.safety.check_html`.
"""

from __future__ import annotations

import html
from typing import Any

from clientvalue.report.i18n import N_, translator
from clientvalue.report.publish import html_page
from clientvalue.report.safety import check_html

STATUS_WORDS = {"succeeded": N_("report written"), "skipped": N_("up to date (not run again)"),
                "failed": N_("failed")}
REASON_WORDS = {
    "no codebook": N_("no codebook in its folder"),
    "codebook": N_("the codebook was refused"),
    "data": N_("the export could not be read or does not match the codebook"),
    "notebook": N_("a notebook failed"),
    "parameters": N_("the parameters were refused"),
    "worker lost": N_("the worker running it stopped, also when retried"),
    "error": N_("an unexpected error"),
}


def render_overview(rows: list[dict[str, Any]], *, language: str, created: str, min_group_size: int,
                    version: str, benchmark: dict[str, Any] | None = None) -> str:
    """The batch's ``index.html`` as text.

    Parameters
    ----------
    rows : list of dict
        One per organisation: ``name``, ``folder``, ``status``, ``reason_kind``, ``respondents``,
        ``seconds`` and, when the national benchmark was computed, ``position`` (a mapping with
        ``rating``, ``expected``, ``expected_low``, ``expected_high``, see
        :func:`clientvalue.analyses.benchmark.position_of`; absent for an organisation below the
        minimum size).
    language : {"en", "nl"}
    created : str
        ISO time the batch finished.
    min_group_size : int
    version : str
        clientvalue's version.
    benchmark : dict, optional
        The national level (``level``, ``ci_low``, ``ci_high``) across organisations
        (:attr:`clientvalue.analyses.benchmark.Benchmark.overall`).

    Returns
    -------
    str
        A self-contained page; an empty ``rows`` gives a page that says so.
    """
    _ = translator(language)
    esc = html.escape
    title = _("Batch overview: one report per organisation")
    counts = {s: sum(r["status"] == s for r in rows) for s in STATUS_WORDS}
    lead = _("{done} of {total} organisations have a report ({skipped} of them were up to date); {failed} failed.",
             done=_.integer(counts["succeeded"] + counts["skipped"]), total=_.integer(len(rows)),
             skipped=_.integer(counts["skipped"]), failed=_.integer(counts["failed"]))
    headers = [_("Organisation"), _("Status"), _("Respondents"), _("Rating"), _("Organisations like it"), _("Report")]
    open_word, no_rows = _("open"), _("The batch had no organisations.")
    body_rows = []
    for row in rows:
        status = _(STATUS_WORDS.get(row["status"], row["status"]))
        if row["status"] == "failed" and row.get("reason_kind"):
            status += ": " + _(REASON_WORDS.get(row["reason_kind"], REASON_WORDS["error"]))
        position = row.get("position") or {}
        rating = _.number(position.get("rating"), 1) if position else "–"
        like = (_("{mean} ({low}–{high})", mean=_.number(position["expected"], 1),
                  low=_.number(position["expected_low"], 1), high=_.number(position["expected_high"], 1))
                if position else "–")
        respondents = _.integer(row["respondents"]) if row.get("respondents") is not None else "–"
        link = (f"<a href='{esc(row['folder'])}/index.html'>{esc(open_word)}</a>"
                if row["status"] != "failed" else "–")
        cells = [esc(row["name"]), esc(status), respondents, rating, like, link]
        body_rows.append("<tr>" + "".join(
            f"<td class='{'num' if i in (2, 3, 4) else 'text'}' data-label='{esc(h)}'>{c}</td>"
            for i, (h, c) in enumerate(zip(headers, cells))) + "</tr>")
    if body_rows:
        head = "".join(f"<th scope='col'>{esc(h)}</th>" for h in headers)
        table = (f"<div class='scroll' tabindex='0' role='region' aria-label='{esc(title)}'>"
                 f"<table class='cards'><thead><tr>{head}</tr></thead><tbody>{''.join(body_rows)}</tbody></table></div>")
    else:
        table = f"<p>{esc(no_rows)}</p>"
    level = ""
    if benchmark and "level" in benchmark:
        level = "<p class='finding'>" + esc(_(
            "All organisations together: rating {mean} ({low}–{high}). Each organisation's position is adjusted "
            "for who its clients are; organisations with fewer than {n} respondents are not shown.",
            mean=_.number(benchmark["level"], 1), low=_.number(benchmark["ci_low"], 1),
            high=_.number(benchmark["ci_high"], 1), n=_.integer(min_group_size))) + "</p>"
    made = _("made on {date} at {time} UTC", date=_.date(created), time=created[11:16])
    note = _("Why an organisation failed is in status.json and status.csv beside this page.")
    footer = _("Made with clientvalue {version}.", version=version)
    body = (f"<h1>{esc(title)}</h1>\n<p class='lead'>{esc(lead)}</p>\n{level}\n{table}\n"
            f"<p class='note'>{esc(note)}</p>\n<footer>{esc(footer)}</footer>")
    page = html_page(title, f"<strong>{esc(title)}</strong><br><span class='meta'>{esc(made)}</span>", body, language)
    check_html(page, name="index.html")
    return page
