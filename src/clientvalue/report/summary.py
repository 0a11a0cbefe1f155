"""The front door of a report: a summary a policymaker reads in five minutes.

Built after every notebook ran, from the findings the notebooks wrote (``findings/*.json``, see
:mod:`clientvalue.findings`) and the manifest, and nothing else: it never re-derives a finding from
the tables and never reads the codebook. Every finding is worded by the same function as on its
own page (``report/*_text.py``), so one fact reads the same everywhere. The first screen answers,
in order:

1. how satisfied clients are, per service (mean rating and share satisfied with intervals, the
   previous measurement and the change when notebook 50 has them);
2. what to do: at most five ranked actions, each with one reason and one number; possible unequal
   treatment and arbitrariness come before strategy advice;
3. the most serious finding, stated fully.

Then one short section per analysis with its key finding and a link. The run's technical record
is a separate page (``about.html``, :func:`clientvalue.report.publish.render_about`).
"""

from __future__ import annotations

import base64
import html
import importlib
import inspect
import io
import math
from pathlib import Path
from typing import Any

import pandas as pd

from clientvalue.analyses import registry
from clientvalue.analyses.registry import AnalysisSpec
from clientvalue.findings import Finding, read_findings
from clientvalue.report import consistency_text, drivers_text
from clientvalue.report import comparisons_text, senior_text
from clientvalue.report.i18n import Translator, translator
from clientvalue.report.safety import markdown_text
from clientvalue.report.texts import group_label

ABOUT_PAGE = "about.html"  # the run's technical record (report.publish.render_about), linked from the footer

#: Reader-facing names of the notebooks (msgids), in report order: each analysis's title in the registry.
NOTEBOOK_TITLES = {spec.name: spec.title for spec in registry.ANALYSES}
MAX_ACTIONS = 5
#: The order of actions: the law and people first (unequal treatment, arbitrariness), then the
#: service (what to improve), then strategy advice.
ACTION_ORDER = ("treatment_flag", "variant_effect", "proxy", "case_classes", "important_below_par",
                "below_midpoint", "age_rule", "strategy")


def read_all_findings(folder: Path) -> dict[str, list[Finding]]:
    """Every ``findings/<notebook>.json`` of a run, by notebook name (empty when there are none)."""
    if not folder.is_dir():
        return {}
    return {path.stem: read_findings(path) for path in sorted(folder.glob("*.json"))}


def _html(markdown: str) -> str:
    """Markdown worded by a text module (data already made inert) as inline HTML."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    text = markdown2html_mistune(markdown).strip()
    if text.startswith("<p>") and text.endswith("</p>") and text.count("<p>") == 1:
        text = text[3:-4]
    return text


def _of(findings: dict[str, list[Finding]], kind: str) -> list[Finding]:
    """The findings of ``kind``, from the analysis that writes that kind (the registry)."""
    spec = registry.of_kind(kind)
    return [f for f in findings.get(spec.name, []) if f.kind == kind] if spec is not None else []


# --------------------------------------------------------------------------- 1. how satisfied
def _rating(f: Finding, _: Translator) -> str:
    mean = _.number(f.numbers["mean"], 1)
    previous = f.numbers.get("previous_mean")
    if previous is None or math.isnan(previous):
        return mean
    wave = f.subject.get("previous_wave")
    if not wave:
        return _("{mean} (last time {previous})", mean=mean, previous=_.number(previous, 1))
    return _("{mean} ({wave}: {previous})", mean=mean, wave=wave, previous=_.number(previous, 1))


def _change(f: Finding, changes: dict[str, Finding], _: Translator) -> str:
    """The group's clear change, with the wave it is measured from when that is not the column's
    (the first wave): a service new since then is compared with the previous wave. Without a clear
    change, "no clear change" from the same wave (the level's ``change_from_wave``); "–" for a group
    with no change to now."""
    change = changes.get(f.subject["group"])
    since = str(change.subject.get("from_wave", "")) if change is not None else f.subject.get("change_from_wave")
    if change is None and since is None:
        return "–"
    later = bool(f.subject.get("first_wave") and since and str(since) != str(f.subject["first_wave"]))
    if change is None:
        return _("no clear change since {wave}", wave=str(since)) if later else _("no clear change")
    signed = comparisons_text.signed  # worded as on the comparisons page
    numbers = {"change": signed(change.numbers["change"], _, 2), "lo": signed(change.uncertainty["ci_low"], _, 2),
               "hi": signed(change.uncertainty["ci_high"], _, 2)}
    return (_("{change} ({lo} to {hi}) since {wave}", wave=since, **numbers) if later
            else _("{change} ({lo} to {hi})", **numbers))


def satisfaction_rows(findings: dict[str, list[Finding]], language: str) -> list[dict[str, str]]:
    """The satisfaction table's rows (service, rating, interval, share satisfied, change), in words."""
    _ = translator(language)
    levels = sorted(_of(findings, "level"), key=lambda f: (f.subject["group"] != "all",
                                                                              -f.numbers["mean"]))
    changes = {f.subject["group"]: f for f in _of(findings, "wave_change")}
    rows = []
    for f in levels:
        n, u = f.numbers, f.uncertainty
        rows.append({"service": drivers_text.group_name(f.subject["group"], language, str), "rating": _rating(f, _),
                     "interval": _("{lo} to {hi}", lo=_.number(u["ci_low"], 1), hi=_.number(u["ci_high"], 1)),
                     "satisfied": _("{share} ({lo} to {hi})", share=_.percent(n["share_satisfied"], 0),
                                    lo=_.percent(u["share_ci_low"], 0), hi=_.percent(u["share_ci_high"], 0)),
                     "change": _change(f, changes, _)})
    return rows


def _satisfaction(findings: dict[str, list[Finding]], _: Translator) -> str:
    rows = satisfaction_rows(findings, _.language)
    if not rows:
        return ""
    esc = html.escape
    level = _of(findings, "level")[0]
    headers = [_("Service"), _("Mean rating"), _("95%\u00a0interval"),
               _("Satisfied ({threshold} or more)", threshold=comparisons_text.threshold_text(level.numbers["satisfied_from"], _)),
               _("Change since {wave}", wave=level.subject["first_wave"]) if level.subject.get("first_wave")
               else _("Change since last time")]
    head = "".join(f"<th scope='col'>{esc(h)}</th>" for h in headers)
    body = "".join(
        f"<tr><th scope='row'>{esc(r['service'])}</th>" + "".join(
            f"<td data-label='{esc(h)}'>{esc(r[key])}</td>"
            for h, key in zip(headers[1:], ("rating", "interval", "satisfied", "change"))) + "</tr>" for r in rows)
    caption = esc(_("Per service: mean rating and share satisfied, with 95%\u00a0intervals"))
    heading = esc(_("How satisfied are clients?"))
    return (f"<section class='satisfaction'><h2>{heading}</h2>"
            f"<figure class='cv-table' tabindex='0' role='region' aria-label='{caption}'>"
            f"<table class='cv-table verdicts'><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></figure>{_against_others(findings, level, _)}</section>")


def _against_others(findings: dict[str, list[Finding]], level: Finding, _: Translator) -> str:
    """The overall rating against the benchmark, worded as on the comparisons page, when it differs."""
    rating = [f for f in _of(findings, "benchmark") if f.subject["question"] == level.subject["question"]]
    if not rating:
        return ""
    text = _("Compared with others:") + " " + _describe(rating[0], _.language)
    return f"<p class='against-others'>{_html(text)}</p>"


# --------------------------------------------------------------------------- 2. what to do
def _service(f: Finding, language: str) -> str:
    return markdown_text(group_label(f.subject["group"], language))


def _action(f: Finding, language: str) -> str:
    """One action in words (Markdown): what to do, one reason, one number."""
    _ = translator(language)
    s, n = f.subject, f.numbers
    if f.kind == "treatment_flag":
        if math.isnan(n["adjusted"]):
            return _("Check who gets {treatment} and why: it follows {attribute} (nearly) perfectly.",
                     treatment=markdown_text(s["treatment_label"]), attribute=markdown_text(s["attribute_label"]))
        if s.get("carried_by"):
            return _("Check who gets {treatment} and why: among people in a comparable situation it differs by "
                     "{attribute} by {diff} percentage points, and that difference runs through {proxy}.",
                     treatment=markdown_text(s["treatment_label"]), attribute=markdown_text(s["attribute_label"]),
                     diff=_.number(abs(100 * n["adjusted"]), 0), proxy=markdown_text(s["carried_by_label"]))
        return _("Check who gets {treatment} and why: it differs by {attribute}, by {diff} percentage points among "
                 "people in a comparable situation.", treatment=markdown_text(s["treatment_label"]),
                 attribute=markdown_text(s["attribute_label"]), diff=_.number(abs(100 * n["adjusted"]), 0))
    if f.kind == "variant_effect":
        where = (_("all employees") if s["team"] == "all" else _("team {team}", team=markdown_text(s["team"])))
        what = markdown_text(s["differs"]) or _("one characteristic of the client")
        if not s["outcome"].startswith("rate_"):
            return _("Look into how {where} decides: when only {what} differs, the same cases are decided "
                     "differently.", where=where, what=what)
        return _("Look into how {where} decides: when only {what} differs, the same cases end in “{decision}” in "
                 "{rate_v} of the decisions for version “{variant}”, against {rate_r} for version “{reference}”.",
                 where=where, what=what, decision=markdown_text(s["decision_label"]),
                 rate_v=_.percent(n["mean_variant"], 1), rate_r=_.percent(n["mean_reference"], 1),
                 variant=markdown_text(s["variant_label"]), reference=markdown_text(s["reference_label"]))
    if f.kind == "proxy":
        return _("Do not differentiate by {source} without checking that it does not amount to differentiating by "
                 "{attribute}: the two go closely together.", source=markdown_text(s["source_label"]),
                 attribute=markdown_text(s["attribute_label"]))
    if f.kind == "case_classes":
        return _.ngettext("Discuss the {split} case that splits the employees and agree on a line, so that "
                          "identical cases get the same outcome.",
                          "Discuss the {split} cases that split the employees and agree on a line, so that "
                          "identical cases get the same outcome.", int(n["split"]), split=_.integer(n["split"]))
    if f.kind == "important_below_par":
        return _("{service}: improve “{item}”: it weighs heavily ({share} of the explained part) and scores {score} "
                 "of 100.", service=_service(f, language), item=markdown_text(s["label"]),
                 share=_.percent(n["share"], 1), score=drivers_text.score_text(n["performance"], _))
    if f.kind == "below_midpoint":
        return _("{service}: raise “{item}”: it scores below the middle of the scale ({score} of 100); it accounts "
                 "for {share} of the explained part.", service=_service(f, language),
                 item=markdown_text(s["label"]), score=drivers_text.score_text(n["performance"], _),
                 share=_.percent(n["share"], 1))
    if f.kind == "age_rule":
        return _("Make age-based offers such as a {t}+ rate optional and name them by what they give (a reduced "
                 "rate, extra help), not by the word 'senior': {against} of the people it covers do not see "
                 "themselves as one.", t=s["threshold"], against=senior_text.share_text(n["labelled_against"], _))
    if f.kind == "strategy":
        return _("Choose {strategy} as the strategy for all respondents: practical value accounts for {p} of what "
                 "drives the overall rating.", strategy=drivers_text.strategy_text(s["strategy"], language),
                 p=_.percent(n["practical_share"], 0))
    return ""


def ranked_actions(findings: dict[str, list[Finding]], *, limit: int = MAX_ACTIONS) -> list[Finding]:
    """At most ``limit`` findings that call for action, law and people first, then by priority.

    Of the questions to improve only the two with the highest priority are kept (across services),
    so that service advice does not crowd out the rest, and a question below the scale's middle that
    is also important and below par is advised once ("improve"); the strategy for all respondents
    comes last.
    """
    pool: list[Finding] = []
    for items in findings.values():
        for f in items:
            if f.kind not in ACTION_ORDER:
                continue
            if f.kind == "case_classes" and not f.numbers.get("split"):
                continue
            if f.kind == "important_below_par" and f.subject.get("group") == "all":
                continue
            if f.kind == "below_midpoint" and f.subject.get("group") == "all":
                continue
            if f.kind == "strategy" and (f.subject.get("group") != "all" or f.severity == 0):
                continue
            pool.append(f)
    pool.sort(key=lambda f: (ACTION_ORDER.index(f.kind), -f.priority))
    chosen: list = []
    per_kind: dict[str, int] = {}
    improve: set[tuple[Any, Any]] = set()  # the questions chosen as "improve here": not also "raise" them
    for f in pool:
        question = (f.subject.get("group"), f.subject.get("item"))
        if f.kind == "below_midpoint" and question in improve:
            continue
        per_kind[f.kind] = per_kind.get(f.kind, 0) + 1
        if f.kind in ("important_below_par", "below_midpoint") and per_kind[f.kind] > 2:
            continue
        if f.kind == "variant_effect" and per_kind[f.kind] > 1:
            continue
        chosen.append(f)
        if f.kind == "important_below_par":  # ranked before below_midpoint (ACTION_ORDER)
            improve.add(question)
    return chosen[:limit]


def _actions(findings: dict[str, list[Finding]], _: Translator) -> str:
    actions = [text for f in ranked_actions(findings) if (text := _action(f, _.language))]
    if not actions:
        return ""
    items = "".join(f"<li>{_html(text)}</li>" for text in actions)
    heading = html.escape(_("What to do"))
    return f"<section class='todo'><h2>{heading}</h2><ol>{items}</ol></section>"


# --------------------------------------------------------------------------- 3. most serious
def most_serious(findings: dict[str, list[Finding]]) -> Finding | None:
    """The finding with the highest severity (3 or 2), then priority; None when nothing is serious."""
    candidates = [f for items in findings.values() for f in items if f.severity >= 2
                  and f.kind in ("treatment_flag", "variant_effect", "proxy", "agreement", "important_below_par",
                                 "wave_change", "unit_below")]
    if not candidates:
        return None
    return max(candidates, key=lambda f: (f.severity, f.priority))


def _describe(f: Finding, language: str) -> str:
    """A finding in Markdown, by the wording function of its page (the text module its analysis registers)."""
    spec = registry.of_kind(f.kind)
    if spec is None or not spec.wording:
        return ""
    describe = importlib.import_module(spec.wording).describe
    if "labels" not in inspect.signature(describe).parameters:
        return describe(f, language=language)
    _ = translator(language)
    labels = {f.subject["question"]: _("overall rating")} if "question" in f.subject else {}  # the outcome only
    return describe(f, labels=labels, language=language)


def _serious(findings: dict[str, list[Finding]], _: Translator) -> str:
    worst = most_serious(findings)
    if worst is None:
        return ""
    text = _describe(worst, _.language)
    if worst.kind == "variant_effect":
        teams = _of(findings, "teams_differ")
        if teams and teams[0].numbers["differing"]:
            text += " " + consistency_text.describe(teams[0], language=_.language)
    heading = html.escape(_("The most serious finding"))
    return (f"<section class='serious'><h2>{heading}</h2>"
            f"<p>{_html(text)}</p></section>")


# --------------------------------------------------------------------------- per analysis
def _section_lines(spec: AnalysisSpec, items: list[Finding], language: str) -> list[str]:
    """The findings an analysis's section states (its registry spec says which), in words."""
    kinds = spec.summary_kinds
    chosen = sorted((f for f in items if f.kind in kinds), key=lambda f: kinds.index(f.kind))
    if spec.summary_overall_only:
        chosen = [f for f in chosen if f.subject.get("group") == "all"]
    if spec.summary_limit is not None:
        chosen = sorted(chosen, key=lambda f: -f.priority)[:spec.summary_limit]
    return [text for f in chosen if (text := _describe(f, language))]


def _data_section(findings: dict[str, list[Finding]], manifest: dict[str, Any], _: Translator) -> str:
    """The data check's section: respondents and groups reported (from the manifest's data summary)."""
    summary = manifest.get("data_summary", {})
    if not summary:
        return ""
    k = len(summary.get("groups_reported", []))
    n = _.integer(summary.get("respondents", 0))
    text = (_.ngettext("{n} respondents in {k} reported group.", "{n} respondents in {k} reported groups.", k, n=n,
                       k=_.integer(k)) if k else _("{n} respondents.", n=n))  # no group column: no groups
    hidden = int(summary.get("groups_suppressed") or 0)
    if hidden:
        text += " " + _.ngettext("{k} group is too small to report and is left out of every number.",
                                 "{k} groups are too small to report and are left out of every number.",
                                 hidden, k=_.integer(hidden))
    return f"<p>{html.escape(text)}</p>"


def _link(manifest: dict[str, Any], spec: AnalysisSpec, _: Translator) -> str:
    for record in manifest.get("notebooks", []):
        if record.get("name") == spec.name:
            text = _("Read more: {title}", title=_(spec.title))
            return f"<p><a href='{html.escape(record['html'])}'>{html.escape(text)}</a></p>"
    return ""


def _overview_chart(findings: dict[str, list[Finding]], manifest: dict[str, Any], _: Translator) -> str:
    """The value split of every service as a chart (the value profiles of the drivers analysis)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from clientvalue.report.phone import PHONE_WIDTH
    from clientvalue.report.plots_drivers import plot_value_split

    profile = pd.DataFrame([{"group": f.subject["group"], **f.numbers, **f.uncertainty}
                            for f in _of(findings, "value_profile")])
    if profile.empty or profile["practical_share"].isna().all():
        return ""
    shown = profile.dropna(subset=["practical_share"])
    images = {}
    with plt.rc_context({"svg.fonttype": "none", "font.size": 11}):
        for kind, width in (("wide", 8.0), ("phone", PHONE_WIDTH)):  # the page shows the narrow one on a phone
            ax = plot_value_split(shown, width=width, language=_.language)
            buffer = io.BytesIO()
            ax.get_figure().savefig(buffer, format="svg", bbox_inches="tight")
            plt.close(ax.get_figure())
            images[kind] = base64.b64encode(buffer.getvalue()).decode("ascii")
    alt = _chart_caption(findings, [str(g) for g in shown["group"] if g != "all"], _)
    pair = "".join(f"<img class='chart-{kind}' src='data:image/svg+xml;base64,{data}' alt='{html.escape(alt)}'>"
                   for kind, data in images.items())
    return f"<figure class='chart'>{pair}<figcaption>{html.escape(alt)}</figcaption></figure>"


def _chart_caption(findings: dict[str, list[Finding]], groups: list[str], _: Translator) -> str:
    """What the overview chart shows, counted by the strategy each service was given (page 10's rule:
    a share of at least 60% whose interval lies above 50%), so that the caption and the strategies
    state the same; without services, the chart is of all respondents alone."""
    if not groups:
        return _("Overview chart: how much practical and emotional value account for in the overall rating of "
                 "all respondents.")
    parts = {f.subject["group"]: set(drivers_text.strategy_parts(f.subject["strategy"]))
             for f in _of(findings, "strategy")}
    chosen = [parts.get(g, set()) for g in groups]
    practical = sum("performance" in p and "experience" not in p for p in chosen)
    emotional = sum("experience" in p and "performance" not in p for p in chosen)
    return _("Overview chart: practical value clearly drives the rating in {p} of {n} services, emotional value in "
             "{e}; in the others both matter.", p=practical, n=len(groups), e=emotional)


def _sections(findings: dict[str, list[Finding]], manifest: dict[str, Any], _: Translator) -> list[str]:
    """One section per analysis that ran, in report order, headed by the analysis's title (as its page is)."""
    ran = [record.get("name") for record in manifest.get("notebooks", [])]
    parts = []
    for spec in (spec for spec in registry.ANALYSES if spec.name in ran):
        lines = _section_lines(spec, findings.get(spec.name, []), _.language)
        body = "".join(f"<p>{_html(line)}</p>" for line in lines)
        body += "".join(extra(findings, manifest, _) for extra in SECTION_EXTRAS.get(spec.name, ()))
        parts.append(f"<section><h2>{html.escape(_(spec.title))}</h2>{body}{_link(manifest, spec, _)}"
                     "</section>")
    return parts


#: What a section shows besides its findings in words: the data summary, the overview chart.
SECTION_EXTRAS = {registry.DATA_CHECK.name: (_data_section,), registry.DRIVERS.name: (_overview_chart,)}


def summary_body(tables: Path, *, manifest: dict[str, Any], language: str, title: str) -> str:
    """The HTML body of the summary.

    Parameters
    ----------
    tables : Path
        The run's ``tables`` folder; the findings are read from ``findings/`` beside it.
    manifest : dict
        The run's manifest (notebooks run, data summary).
    language : {"en", "nl"}
    title : str
        The survey's title (escaped here).
    """
    _ = translator(language)
    esc = html.escape
    findings = read_all_findings(Path(tables).parent / "findings")
    lead = _("How satisfied clients are, what to do first, and the most serious finding. The details and the "
             "uncertainty of every number are on the linked pages.")
    parts = [f"<h1>{esc(title)}</h1>", f"<p class='lead'>{esc(lead)}</p>",
             _satisfaction(findings, _), _actions(findings, _), _serious(findings, _)]
    parts += _sections(findings, manifest, _)
    about = _("How this report was made")
    parts.append(f"<footer><a href='{ABOUT_PAGE}'>{esc(about)}</a></footer>")
    return "\n".join(p for p in parts if p)


__all__ = ["NOTEBOOK_TITLES", "ABOUT_PAGE", "summary_body", "read_all_findings", "ranked_actions", "most_serious",
           "satisfaction_rows"]
