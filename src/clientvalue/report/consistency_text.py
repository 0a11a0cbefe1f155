"""Reader-facing words of notebook 40 (customisation or arbitrariness), through the gettext translator.

:func:`key_findings` words the page's :class:`~clientvalue.findings.Finding` objects, which
:func:`clientvalue.analyses.consistency.analyse` decided (``results.findings``, the findings
``findings/40_consistency.json`` holds), as markdown; :func:`describe` words one of them, for the
summary. :func:`show_table` shows a tidy table with translated headers and locale-formatted numbers
(the CSV keeps the tidy columns).
Everything taken from the data or the codebook (case, team, version and consideration names) is
made inert with :func:`clientvalue.report.safety.markdown_text` before it enters Markdown, so a URL
or a Markdown link in a label shows as the text it is, never as a link.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from clientvalue.findings import Finding, decode_names
from clientvalue.report.i18n import N_, Translator, translator
from clientvalue.report.safety import markdown_text
from clientvalue.report.texts import CAPTIONS

__all__ = ["key_findings", "describe", "show_table", "display_frame"]

READINGS = {
    "reliable": N_("reliable (Krippendorff: 0.80 or more)"),
    "tentative": N_("tentative at best (Krippendorff: 0.667 to 0.80)"),
    "unreliable": N_("not reliable (Krippendorff: below 0.667)"),
    "almost perfect": N_("almost perfect (Landis & Koch: 0.81 to 1)"),
    "substantial": N_("substantial (Landis & Koch: 0.61 to 0.80)"),
    "moderate": N_("moderate (Landis & Koch: 0.41 to 0.60)"),
    "fair": N_("fair (Landis & Koch: 0.21 to 0.40)"),
    "slight": N_("slight (Landis & Koch: 0 to 0.20)"),
    "poor": N_("poor (Landis & Koch: below 0)"),
    "undefined": N_("undefined (no variation)"),
}
MEASURES = {
    "krippendorff_alpha": N_("Krippendorff's alpha"),
    "fleiss_kappa": N_("Fleiss' kappa"),
    "gwet_ac1": N_("Gwet's AC1"),
}
LEVELS = {"nominal": N_("nominal"), "ordinal": N_("ordinal"), "interval": N_("interval")}
KINDS = {"rules": N_("rules and process"), "equality": N_("equal treatment"),
         "own_judgement": N_("own sense of justice"), "other": N_("other")}
CLASSES = {"clear": N_("clear"), "minority": N_("a minority decides differently"), "split": N_("split")}
COLUMNS = {
    "measure": (N_("measure"), "text"), "level": (N_("level"), "text"), "value": (N_("estimate"), "number"),
    "ci_low": (N_("low 95%"), "number"), "ci_high": (N_("high 95%"), "number"),
    "ci_low_employees": (N_("low 95% (employees)"), "number"),
    "ci_high_employees": (N_("high 95% (employees)"), "number"),
    "reading": (N_("reading"), "text"), "n_vignettes": (N_("cases"), "integer"),
    "n_raters": (N_("employees"), "integer"), "vignette": (N_("case"), "text"),
    "n_judgements": (N_("decisions"), "integer"), "pair_agreement": (N_("pairs agreeing"), "percent"),
    "modal_decision": (N_("most common decision"), "text"), "modal_share": (N_("share of most common"), "percent"),
    "entropy": (N_("spread (0-1)"), "number"), "split": (N_("split"), "flag"),
    "majority_low": (N_("low 95%"), "percent"), "majority_high": (N_("high 95%"), "percent"),
    "agreement_class": (N_("agreement"), "text"),
    "team": (N_("team"), "text"), "n_employees": (N_("employees"), "integer"),
    "alpha": (N_("alpha within team"), "number"), "alpha_ci_low": (N_("low 95%"), "number"),
    "alpha_ci_high": (N_("high 95%"), "number"), "distance": (N_("differs from the rest"), "percent"),
    "shift": (N_("harsher (+) or milder (-)"), "number"), "p_value": (N_("p"), "number"),
    "shift_p_value": (N_("p (harsher/milder)"), "number"), "differs": (N_("differs"), "flag"),
    "departure_low": (N_("departs from"), "percent"), "departure_high": (N_("up to"), "percent"),
    "variant": (N_("version"), "text"), "reference": (N_("compared with"), "text"),
    "outcome": (N_("outcome"), "text"), "ci_level": (N_("interval level"), "percent"), "effect": (N_("difference"), "number"),
    "mean_reference": (N_("reference version"), "number"), "mean_variant": (N_("other version"), "number"),
    "flagged": (N_("interval excludes 0"), "flag"), "consideration": (N_("consideration"), "text"),
    "kind": (N_("kind"), "text"), "n": (N_("employees answering"), "integer"), "share": (N_("share weighing it"), "percent"),
}


#: Columns that hold a table's verdict (shown right after the first column).
VERDICT_COLUMNS = ("differs", "flagged", "split")


def _fmt(_, value: Any, kind: str) -> str:
    if kind == "flag":
        return "✓" if (value is True or (isinstance(value, (bool, np.bool_)) and bool(value))) else ""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if kind == "percent":
        return _.percent(value)
    if kind == "integer":
        return _.integer(value)
    if kind == "number":
        return _.number(value, 3)
    return str(value)


def _interval_header(_, column: str, levels: pd.Series) -> str:
    """The header of an interval bound that states its level (95%, or 99% for Bonferroni intervals).

    Where the rows have different levels (overall 95%, per team wider), the table's interval
    level column says it per row.
    """
    found = sorted({round(float(v), 4) for v in levels.dropna()})
    if len(found) == 1:
        text = N_("low {level}") if column == "ci_low" else N_("high {level}")
        return _(text, level=_.percent(found[0], 0))
    return _("interval low") if column == "ci_low" else _("interval high")  # the level column follows


def display_frame(frame: pd.DataFrame, *, language: str, show: list[str] | None = None,
                  labels: dict[str, dict[str, str]] | None = None, percent: list[str] | None = None,
                  headers: dict[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` for reading: translated headers, numbers formatted for the locale, as text.

    ``labels`` maps a column to {code: label} (decisions, cases, considerations, measures);
    ``percent`` names extra columns holding shares; ``headers`` gives headers of extra columns.
    The ``suppressed`` column is not shown (its rows show dashes).
    """
    _ = translator(language)
    columns = show or [c for c in frame.columns if c != "suppressed"]
    headers = headers or {}
    out = {}
    percent = set(percent or [])
    for column in columns:
        label, kind = COLUMNS.get(column, (column, "percent" if column in percent else "number"))
        if column in percent:
            kind = "percent"
        values = frame[column]
        mapping = (labels or {}).get(column)
        if mapping is not None:
            values = values.map(lambda v, m=mapping: m.get(str(v), str(v)))
            kind = "text"
        suppressed = frame["suppressed"] if "suppressed" in frame.columns else pd.Series(False, index=frame.index)
        header = headers.get(column) or (_(label) if column in COLUMNS else label)
        if column in ("ci_low", "ci_high") and "ci_level" in frame.columns and not headers.get(column):
            header = _interval_header(_, column, frame["ci_level"])
        out[header] = [
            ("–" if (bool(s) and kind != "text" and kind != "flag") else _fmt(_, v, kind)) for v, s in zip(values, suppressed)]
    frame_out = pd.DataFrame(out)
    # the verdict right after the row's name, so that a wide table that scrolls shows it first
    verdicts = [headers.get(c) or _(COLUMNS[c][0]) for c in columns if c in VERDICT_COLUMNS]
    if verdicts and len(frame_out.columns) > 2:
        rest = [c for c in frame_out.columns[1:] if c not in verdicts]
        frame_out = frame_out[[frame_out.columns[0], *verdicts, *rest]]
    return frame_out


def show_table(report: Any, frame: pd.DataFrame | None, name: str, *, show: list[str] | None = None,
               labels: dict | None = None, percent: list[str] | None = None, headers: dict[str, str] | None = None,
               save: bool = True) -> None:
    """Save ``frame`` as ``<name>.csv`` (tidy) and show it captioned, translated and escaped."""
    from IPython.display import HTML, display

    from clientvalue.report.notebook import table_html

    _ = translator(report.language)
    if frame is None:
        missing = _("not available for this study.")
        display(HTML(f"<p class='note'>{html.escape(_(CAPTIONS.get(name, name)))}: {html.escape(missing)}</p>"))
        return
    if save:
        report.save(frame, name)
    shown = display_frame(frame, language=report.language, show=show, labels=labels, percent=percent, headers=headers)
    note = ""
    if "suppressed" in frame.columns and bool(frame["suppressed"].any()):
        note = "<p class='note'>" + html.escape(
            _("– = not shown: fewer than {n} employees.", n=_.integer(report.min_group_size))) + "</p>"
    report.show_table_html(html.escape(_(CAPTIONS.get(name, name))), table_html(shown, language=report.language), note)


def show_figure(report: Any, results: Any, name: str, *, names: dict[str, dict[str, str]]) -> None:
    """Show chart ``name`` (``variant_effect_chart`` or ``considerations_chart``) when the study has
    what it draws (versions of a case, a considerations file); nothing otherwise."""
    from clientvalue.errors import ParameterError
    from clientvalue.report.plots_consistency import plot_considerations, plot_variant_effect

    if name == "variant_effect_chart":
        if results.variants is not None:
            outcome = str(results.variants["outcome"].iloc[-1])
            report.figure(plot_variant_effect(results.variants, outcome=outcome, language=report.language,
                                              versions=names.get("variant"),
                                              decision=_named_decision(results)), name)
    elif name == "considerations_chart":
        if results.considerations is not None:
            report.figure(plot_considerations(results.considerations, labels=names["consideration"],
                                              language=report.language), name)
    else:
        raise ParameterError(f"name must be 'variant_effect_chart' or 'considerations_chart', got {name!r}.")


def _named_decision(results: Any) -> str | None:
    """The label of the compared rate's decision when it is not the harshest of an ordinal scale, as the
    ``variant_comparison`` finding decided it (``decision_role`` "named"), else None."""
    compared = [f for f in results.findings if f.kind == "variant_comparison"]
    if compared and compared[0].subject.get("decision_role") == "named":
        return compared[0].subject["decision_label"]
    return None


def save_employee_rows(report: Any, results: Any) -> None:
    """Save the pseudonymous per-employee rows as ``employees.csv`` (only with ``employee_tables``).

    Returns None on purpose: a notebook cell ending in this call shows nothing, so no employee's
    code, team, departure share or harshness ever reaches a notebook's output or a page.
    """
    report.save(results.employees, "employees")


def share_columns(results: Any) -> list[str]:
    """The team table's columns of decision shares (``share_<code>``), shown as percentages."""
    return [f"share_{code}" for code in results.categories]


def decision_headers(study: Any, language: str) -> dict[str, str]:
    """Headers ``share_<code>`` -> the decision's label, for the team table."""
    return {f"share_{code}": label for code, label in study.category_labels(language).items()}


def study_labels(study: Any, language: str) -> dict[str, dict[str, str]]:
    """Labels from the codebook in the report's language: ``vignette``, ``decision``,
    ``consideration``, ``variant``, ``differs`` (the text of what differs between versions)."""
    cb = study.codebook
    labels = {
        "vignette": {str(v): study.vignette_label(v, language) for v in study.data["vignette"].unique()},
        "decision": study.category_labels(language),
        "consideration": {}, "variant": {}, "differs": "",
    }
    if cb.considerations is not None:
        labels["consideration"] = {i.column: i.label.get(language) or i.column for i in cb.considerations.items}
    if cb.variants is not None:
        labels["variant"] = {k: v.get(language) or k for k, v in cb.variants.labels.items()}
        labels["differs"] = cb.variants.differs.get(language) or ""
    return labels


def result_labels(study: Any, language: str) -> dict[str, dict[str, str]]:
    """Column -> {code: label} for :func:`show_table` (cases, decisions, measures, kinds, levels, readings)."""
    _ = translator(language)
    found = study_labels(study, language)
    focus = study.codebook.variants.focus if study.codebook.variants is not None else None
    focus = str(focus) if focus is not None else study.categories[-1]
    outcome = {"mean_position": _("mean step on the decision scale"),
               f"rate_{focus}": _("rate of “{decision}”", decision=found["decision"].get(focus, focus))}
    return {
        "vignette": found["vignette"], "modal_decision": found["decision"], "consideration": found["consideration"],
        "variant": found["variant"], "reference": found["variant"],
        "measure": {k: _(v) for k, v in MEASURES.items()}, "level": {k: _(v) for k, v in LEVELS.items()},
        "reading": {k: _(v) for k, v in READINGS.items()}, "kind": {k: _(v) for k, v in KINDS.items()},
        "outcome": outcome, "team": {"all": _("all employees")},
        "agreement_class": {k: _(v) for k, v in CLASSES.items()},
    }


# --------------------------------------------------------------------------- the findings in words
DIRECTIONS = {"harsher": N_("harsher"), "milder": N_("milder"), "differently": N_("differently")}
VERDICT_WORDS = {
    "consistent": N_("Employees who judge the same cases largely reach the same decisions: mostly customisation."),
    "mixed": N_("Employees who judge the same cases agree only partly: part of the outcome depends on who decides, "
                "not on the case."),
    "arbitrary": N_("Employees who judge the same cases often reach different decisions: for a client the outcome "
                    "depends on which employee handles the case."),
}


def _of(findings: list[Finding], kind: str) -> list[Finding]:
    return [f for f in findings if f.kind == kind]


def _names(items: list[str], labels: Mapping[str, str]) -> str:
    return "; ".join(markdown_text(labels.get(str(i), str(i))) for i in items)  # names may hold commas


def _nominal_sentence(f: Finding, _: Translator) -> str:
    """The nominal alpha beside an ordinal one (finding ``nominal_agreement``)."""
    reading = f.subject["reading"]
    return _("Counting every different decision as a disagreement (nominal level), alpha is {a}: {reading}.",
             a=_.number(f.numbers["alpha"], 2), reading=_(READINGS[reading]) if reading in READINGS else reading)


def _verdict_line(f: Finding, nominal: list[Finding], _: Translator) -> str:
    """Customisation, partly arbitrariness or arbitrariness, with alpha (and the nominal alpha when given)."""
    n, u = f.numbers, f.uncertainty
    alpha = _("Krippendorff's alpha {a} (95% interval {lo} to {hi}, {level} level)",
              a=_.number(n["alpha"], 2), lo=_.number(u["ci_low"], 2), hi=_.number(u["ci_high"], 2),
              level=_(LEVELS[f.subject["level"]]))
    verdict = f.subject["verdict"]
    if verdict == "consistent":
        text = _("**Mostly customisation.** Employees who judge the same cases largely reach the same "
                 "decisions: {alpha}. Differences between clients' outcomes then follow from differences "
                 "between their cases.", alpha=alpha)
    elif verdict == "mixed":
        text = _("**Partly arbitrariness.** Employees who judge the same cases agree only tentatively: {alpha}. "
                 "Part of the difference in outcomes depends on who decides, not on the case.", alpha=alpha)
    else:
        text = _("**Arbitrariness.** Employees who judge the same cases often reach different decisions: "
                 "{alpha}, below the 0.667 that Krippendorff requires even for tentative conclusions. For a "
                 "client the outcome depends on which employee handles the case.", alpha=alpha)
    return " ".join([text, *(_nominal_sentence(item, _) for item in nominal)])


def _split_sentence(f: Finding, _: Translator, case_labels: Mapping[str, str]) -> str:
    """The cases that split the employees, by name (finding ``split_cases``)."""
    split = decode_names(f.subject["vignettes"])
    return _.ngettext("**Split:** {cases}. Discuss it in the team and agree on a line.",
                      "**Split:** {cases}. Discuss these in the team and agree on a line.", len(split),
                      cases=_names(split, case_labels))


def _cases_line(f: Finding, split: list[Finding], n_cases: float, _: Translator,
                case_labels: Mapping[str, str]) -> str:
    """The one sentence about clear, minority and split cases (the classification of the analysis)."""
    n = f.numbers
    line = _("Of {n} cases: {clear} clear (four in five employees or more take the same decision), {minority} in "
             "which a minority decides differently, and {split} that split the employees (fewer than three in five "
             "take the same decision); each case is judged on the 95% interval of that share as well.",
             n=_.integer(n["n"] or n_cases), clear=_.integer(n["clear"]), minority=_.integer(n["minority"]),
             split=_.integer(n["split"]))
    return " ".join([line, *(_split_sentence(item, _, case_labels) for item in split)])


def _departure_line(f: Finding, _: Translator) -> str:
    """How far employees depart from their colleagues; the share of those who often do is stated only
    when the analysis found it publishable (no group below the minimum on either side)."""
    n, often = f.numbers, f.subject["departing_often"]
    line = _("Half of the employees depart from the majority of their colleagues in {p} of the cases or more;",
             p=_.percent(n["median_share"], 0))
    if often == "few":
        return line + " " + _("fewer than {m} employees do so in more than half of the cases.",
                              m=_.integer(n["min_group_size"]))
    if often == "nearly_all":
        return line + " " + _("all employees but fewer than {m} do so in more than half of the cases.",
                              m=_.integer(n["min_group_size"]))
    return line + " " + _("{q} of the employees do so in more than half of the cases.",
                          q=_.percent(n["often_share"], 0))


def _teams_line(teams: list[Finding], _: Translator) -> str:
    """The teams that decide the same cases differently (harsher, milder), or that none does.

    A team without a direction (a nominal scale has no harsher or milder) is named alone: "Noord
    (differently)" after "Teams decide the same cases differently" would say it twice."""
    if not teams:
        return _("No team decides the same cases detectably differently from the other teams.")
    parts = [markdown_text(f.subject["team"]) if f.subject["direction"] == "differently" else
             _("{team} ({direction})", team=markdown_text(f.subject["team"]),
               direction=_(DIRECTIONS[f.subject["direction"]])) for f in teams]
    return _("Teams decide the same cases differently (permutation test, p < 0.05): {teams}. "
             "Consistency within a team that differs between teams is still arbitrariness for "
             "the client.", teams=", ".join(parts))


def _variant_effect_part(f: Finding, _: Translator, version: Callable[[str], str], several: bool) -> str:
    """One variant effect: where (all employees or a team, and the version) and its size with its interval."""
    s, effect, u = f.subject, f.numbers["effect"], f.uncertainty
    where = _("all employees") if s["team"] == "all" else _("team {team}", team=markdown_text(s["team"]))
    if several:
        where = _("{where}, version “{version}”", where=where, version=version(s["variant"]))
    level = _.percent(u["ci_level"], 0 if round(100 * u["ci_level"]) == 100 * u["ci_level"] else 1)
    if s["outcome"] == "mean_position":
        size = _("{e} steps on the decision scale ({level} interval {lo} to {hi})",
                 e=_.number(effect, 2), lo=_.number(u["ci_low"], 2), hi=_.number(u["ci_high"], 2), level=level)
    elif s.get("decision_role") == "named":  # a focus from the codebook, or a nominal scale's decision
        size = _("{e} percentage points in the rate of “{decision}” ({level} interval {lo} to {hi})",
                 e=_.number(100 * effect, 1), decision=markdown_text(s["decision_label"]),
                 lo=_.number(100 * u["ci_low"], 1), hi=_.number(100 * u["ci_high"], 1), level=level)
    else:
        size = _("{e} percentage points in the rate of the harshest decision ({level} interval {lo} to {hi})",
                 e=_.number(100 * effect, 1), lo=_.number(100 * u["ci_low"], 1), hi=_.number(100 * u["ci_high"], 1),
                 level=level)
    return f"{where}: {size}"


def _version(names: Mapping[str, Any]) -> Callable[[str], str]:
    """A version's code -> its label from the codebook (the code without one), inert."""
    versions = names.get("variant") or {}
    return lambda code: markdown_text(versions.get(str(code)) or str(code))


def _variant_meaning(f: Finding, effects: list[Finding], _: Translator, names: Mapping[str, Any]) -> str:
    """What a positive difference between the versions of a case means (finding ``variant_comparison``).

    A step on the scale or the rate of the harshest decision: judged more harshly. The rate of a
    decision named by the codebook (``decision_role`` "named", e.g. granting the exception): that
    decision more often, which need not be harsher. Without ``effects`` (the finding worded alone):
    every outcome the versions were compared on.
    """
    version = _version(names)
    reference = version(f.subject["reference"])
    several = f.numbers["versions"] > 1
    first = "" if several else version(decode_names(f.subject["versions"])[0])
    roles = ({e.subject.get("decision_role", "") for e in effects} if effects else
             {f.subject.get("decision_role", "harshest")} | ({""} if f.numbers.get("scale", 1) else set()))
    out = []
    if roles - {"named"}:
        out.append(_("Positive means that the version named is judged more harshly than version “{reference}”.",
                     reference=reference) if several else
                   _("Positive means that version “{version}” is judged more harshly than version “{reference}”.",
                     version=first, reference=reference))
    if "named" in roles:
        decision = markdown_text(f.subject.get("decision_label", ""))
        out.append(_("For “{decision}”, positive means that the version named gets this decision more often than "
                     "version “{reference}”.", decision=decision, reference=reference) if several else
                   _("For “{decision}”, positive means that version “{version}” gets this decision more often than "
                     "version “{reference}”.", decision=decision, version=first, reference=reference))
    return " ".join(out)


def _variants_line(f: Finding, effects: list[Finding], _: Translator, names: Mapping[str, Any]) -> str:
    """Whether versions of the same case that differ in one characteristic are decided differently."""
    differs = names.get("differs")
    what = markdown_text(differs) if differs else _("one characteristic of the client")
    if not effects:
        return _("The versions of the same case differ only in {what}; no difference in decisions "
                 "was found (every interval includes zero).", what=what)
    parts = [_variant_effect_part(e, _, _version(names), f.numbers["versions"] > 1) for e in effects]
    return _("**The versions of the same case differ only in {what}, yet decisions differ**: "
             "{parts}. {meaning} This points to unequal treatment and needs attention.",
             what=what, parts="; ".join(parts), meaning=_variant_meaning(f, effects, _, names))


def _considerations_line(items: list[Finding], _: Translator, labels: Mapping[str, str]) -> str:
    """What employees weigh when deciding on an exception (rules, equality, own judgement)."""
    parts = [_("{share} weigh “{label}” (95% interval {lo} to {hi})", share=_.percent(f.numbers["share"], 0),
               label=markdown_text(labels.get(f.subject["consideration"], f.subject["consideration"])),
               lo=_.percent(f.uncertainty["ci_low"], 0), hi=_.percent(f.uncertainty["ci_high"], 0)) for f in items]
    return _("What employees weigh when deciding on an exception: {parts}. Rules and the work "
             "process, not one's own sense of justice, should decide whether an exception is made, "
             "and any exception should be open to every client in the same situation.",
             parts="; ".join(parts))


def _suppressed_teams_line(f: Finding, _: Translator) -> str:
    """How many teams below the minimum group size are left out."""
    k = int(f.numbers["count"])
    return _.ngettext(
        "{n} team with fewer than {m} employees is not shown, and its employees are left out of every number.",
        "{n} teams with fewer than {m} employees are not shown, and their employees are left out of every number.",
        k, n=_.integer(k), m=_.integer(f.numbers["min_group_size"]))


def _key_lines(findings: list[Finding], _: Translator, names: Mapping[str, Any]) -> list[str]:
    """One line per statement of the page, in reading order; several findings make one line where the
    page states them together (the verdict and the nominal alpha, the cases and the split ones...)."""
    agreement = _of(findings, "agreement")
    lines = [line for f in agreement for line in (
        _verdict_line(f, _of(findings, "nominal_agreement"), _),
        _("{n} employees judged {k} cases.", n=_.integer(f.numbers["n_employees"]), k=_.integer(f.numbers["n_cases"])))]
    n_cases = agreement[0].numbers["n_cases"] if agreement else 0
    lines += [_cases_line(f, _of(findings, "split_cases"), n_cases, _, names.get("vignette") or {})
              for f in _of(findings, "case_classes")]
    lines += [_departure_line(f, _) for f in _of(findings, "departure_from_majority")]
    lines += [_teams_line(_of(findings, "differing_team"), _) for _f in _of(findings, "teams_differ")]
    lines += [_variants_line(f, _of(findings, "variant_effect"), _, names) for f in _of(findings, "variant_comparison")]
    weighed = _of(findings, "consideration_weighed")
    if weighed:
        lines.append(_considerations_line(weighed, _, names.get("consideration") or {}))
    return lines + [_suppressed_teams_line(f, _) for f in _of(findings, "teams_suppressed")]


def key_findings(results: Any, *, language: str, names: Mapping[str, Any] | None = None) -> str:
    """Page 40's key findings (Markdown), worded from ``results.findings`` alone.

    Parameters
    ----------
    results : ConsistencyResults
        From :func:`clientvalue.analyses.consistency.analyse`.
    language : str
    names : mapping, optional
        :func:`study_labels`: the names of the cases, considerations and versions and what differs
        between the versions (codes without them). Every name is inert text.

    Returns
    -------
    str
        A Markdown list: customisation or arbitrariness, clear, minority and split cases, departures
        from the majority, teams, versions of the cases, what employees weigh and the teams left out.
    """
    lines = _key_lines(results.findings, translator(language), names or {})
    return "".join(f"- {line}\n" for line in lines)


def _team_name(team: str, _: Translator) -> str:
    return _("all employees") if team == "all" else _("team {team}", team=markdown_text(team))


def _variant_effect_sentence(f: Finding, _: Translator) -> str:
    """One variant effect stated fully, with the labels its subject carries (the summary's sentence)."""
    s, n, u = f.subject, f.numbers, f.uncertainty
    what = markdown_text(s["differs"]) if s.get("differs") else _("one characteristic of the client")
    level = _.percent(u["ci_level"], 0 if round(100 * u["ci_level"]) == 100 * u["ci_level"] else 1)
    if s["outcome"] == "mean_position":
        size = _("{e} steps on the decision scale ({level} interval {lo} to {hi})", e=_.number(n["effect"], 2),
                 lo=_.number(u["ci_low"], 2), hi=_.number(u["ci_high"], 2), level=level)
        return _("In {where}, decisions on the same cases differ when only {what} differs: version “{variant}” "
                 "is judged more harshly than version “{reference}” by {size}.",
                 where=_team_name(s["team"], _), what=what, variant=markdown_text(s["variant_label"]),
                 reference=markdown_text(s["reference_label"]), size=size) if n["effect"] > 0 else _(
            "In {where}, decisions on the same cases differ when only {what} differs: version “{variant}” is "
            "judged more mildly than version “{reference}” by {size}.", where=_team_name(s["team"], _),
            what=what, variant=markdown_text(s["variant_label"]), reference=markdown_text(s["reference_label"]),
            size=size)
    return _("In {where}, decisions on the same cases differ when only {what} differs: with version “{variant}” "
             "{rate_v} of the decisions are “{decision}”, against {rate_r} with version “{reference}” "
             "(estimated effect of the version: {e} percentage points; {level} interval {lo} to {hi}).", where=_team_name(s["team"], _), what=what,
             variant=markdown_text(s["variant_label"]), reference=markdown_text(s["reference_label"]),
             decision=markdown_text(s["decision_label"]), rate_v=_.percent(n["mean_variant"], 1),
             rate_r=_.percent(n["mean_reference"], 1), e=_.number(100 * n["effect"], 1), level=level,
             lo=_.number(100 * u["ci_low"], 1), hi=_.number(100 * u["ci_high"], 1))


def _summary_sentence(f: Finding, _: Translator) -> str:
    """The summary's kinds (agreement, cases, teams, a variant effect), each in one sentence of its own."""
    s, n = f.subject, f.numbers
    if f.kind == "agreement":
        return _(VERDICT_WORDS[s["verdict"]]) if s["verdict"] in VERDICT_WORDS else ""
    if f.kind == "case_classes":
        return _("Of {n} cases: {clear} clear, {minority} in which a minority decides differently, and {split} "
                 "that split the employees (different people decide them differently).", n=_.integer(n["n"]),
                 clear=_.integer(n["clear"]), minority=_.integer(n["minority"]), split=_.integer(n["split"]))
    if f.kind == "teams_differ":
        if not n["differing"]:
            return _("No team decides the same cases detectably differently from the other teams.")
        return _.ngettext("{k} of {n} team decides the same cases differently from the other teams.",
                          "{k} of {n} teams decide the same cases differently from the other teams.",
                          int(n["teams"]), k=_.integer(n["differing"]), n=_.integer(n["teams"]))
    if f.kind == "variant_effect":
        return _variant_effect_sentence(f, _)
    return ""


def describe(f: Finding, *, language: str = "en", names: Mapping[str, Any] | None = None) -> str:
    """One finding of :func:`clientvalue.analyses.consistency.analyse` in plain words (Markdown).

    The summary's kinds read as on the summary; the others as on page 40, one finding at a time.
    ``names`` (:func:`study_labels`) names the cases, considerations and versions; codes without it.
    """
    _ = translator(language)
    names = names or {}
    if f.kind == "nominal_agreement":
        return _nominal_sentence(f, _)
    if f.kind == "split_cases":
        return _split_sentence(f, _, names.get("vignette") or {})
    if f.kind == "departure_from_majority":
        return _departure_line(f, _)
    if f.kind == "differing_team":
        return _teams_line([f], _)
    if f.kind == "variant_comparison":
        return _variants_line(f, [], _, names) if not f.numbers["flagged"] else _variant_meaning(f, [], _, names)
    if f.kind == "consideration_weighed":
        return _considerations_line([f], _, names.get("consideration") or {})
    if f.kind == "teams_suppressed":
        return _suppressed_teams_line(f, _)
    return _summary_sentence(f, _)
