"""The comparisons page (notebook 50) in words: its findings, notes and tables, in English or Dutch.

Every statement words a :class:`~clientvalue.findings.Finding` that
:func:`clientvalue.analyses.comparisons.analyse` decided; nothing is decided here. Values from the
data or the codebook (group, unit and question names) are made inert with
:func:`clientvalue.report.safety.markdown_text` before they reach Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clientvalue.analyses.comparisons import RELIABILITY_THRESHOLD
from clientvalue.findings import Finding
from clientvalue.report.i18n import N_, Translator, translator
from clientvalue.report.notebook import NOTHING_TO_SHOW
from clientvalue.report.safety import markdown_text
from clientvalue.report.texts import caption, group_label

NOTE_TEXTS = {
    "question_not_in_every_wave": N_("The question “{question}” was asked only in {waves}; it is compared over those waves."),
    "ids_repeat": N_("{n} respondent id(s) appear in more than one wave. The waves are still treated as independent "
                     "samples: the comparison does not follow people over time."),
    "rescaled": N_("The question “{question}” was asked on a {from_} scale in {wave}; as the codebook declares, those "
                   "answers were mapped linearly onto today's {to} scale."),
    "rows_without_unit": N_("{n} respondents have no unit (for example served online or by phone); they are not part "
                            "of the unit comparison."),
    "units_not_shown": N_("{n} unit(s) with too few respondents are not shown, in the comparison or in any total."),
    "too_few_units": N_("Fewer than two units have enough respondents to compare."),
    "ids_repeat_paired": N_("{n} respondent id(s) appear in more than one wave; their answers are compared as pairs."),
    "paired": N_("As the codebook asks, changes between waves use the paired analysis: a respondent who answered "
                 "in both waves is one sampling unit, so the correlation of their answers is taken into account."),
}


def threshold_text(value: float, _: Translator) -> str:
    """The "satisfied from" bar as the codebook gives it: 6 as "6", the Dutch pass mark 5.5 as "5.5"
    (whole numbers would say "6 or more" while answers of 5.5 count as satisfied)."""
    return _.number(value, 0 if float(value).is_integer() else 1)


def signed(value: float, _: Translator, digits: int = 1) -> str:
    """A change or difference with its sign: ``+0.25``, ``−0.25`` (a typographic minus), ``0.00``; ``–`` when missing."""
    return ("+" if value > 0 else "−" if value < 0 else "") + _.number(abs(value), digits)


def _group(name: str, language: str) -> str:
    return markdown_text(group_label(name, language))


def _question(code: str, labels: dict[str, str]) -> str:
    return markdown_text(labels.get(code, code))


def describe_level(f: Finding, _: Translator, labels: dict[str, str], language: str) -> str:
    """One sentence for a ``level`` finding: mean and share satisfied with their intervals."""
    n, u = f.numbers, f.uncertainty
    return _("{group}: mean {mean} (95%\u00a0interval {lo}–{hi}); {share} satisfied ({threshold} or more; "
             "{slo}–{shi}).", group=_group(f.subject["group"], language), mean=_.number(n["mean"], 1),
             lo=_.number(u["ci_low"], 1), hi=_.number(u["ci_high"], 1), share=_.percent(n["share_satisfied"], 0),
             threshold=threshold_text(n["satisfied_from"], _), slo=_.percent(u["share_ci_low"], 0),
             shi=_.percent(u["share_ci_high"], 0))


def _describe_wave_change(f: Finding, _: Translator, labels: dict[str, str], language: str) -> str:
    """One sentence for a ``wave_change`` finding: the outcome improved or declined between two waves."""
    s, n, u = f.subject, f.numbers, f.uncertainty
    message = (N_("{group}: “{question}” improved from {a} to {b}: {change} points (95%\u00a0interval {lo} to {hi})."
                  ) if s["direction"] == "improved" else
               N_("{group}: “{question}” declined from {a} to {b}: {change} points (95%\u00a0interval {lo} to {hi})."))
    return _(message, group=_group(s["group"], language), question=_question(s["question"], labels),
             a=markdown_text(s["from_wave"]),
             b=markdown_text(s["to_wave"]), change=signed(n["change"], _, 2), lo=signed(u["ci_low"], _, 2),
             hi=signed(u["ci_high"], _, 2))


def _describe_red_item_progress(f: Finding, _: Translator, labels: dict[str, str], language: str) -> str:
    """One sentence for a ``red_item_progress`` finding: whether a question in the red improved."""
    s, n, u = f.subject, f.numbers, f.uncertainty
    message = {"improved": N_("{group}: “{question}” was in the red in {a} and improved by {b} ({change} points; "
                              "95%\u00a0interval {lo} to {hi})."),
               "declined": N_("{group}: “{question}” was in the red in {a} and declined further by {b} ({change} "
                              "points; 95%\u00a0interval {lo} to {hi})."),
               "similar": N_("{group}: “{question}” was in the red in {a} and has not clearly improved by {b} "
                             "({change} points; 95%\u00a0interval {lo} to {hi}).")}[s["direction"]]
    return _(message, group=_group(s["group"], language), question=_question(s["question"], labels),
             a=markdown_text(s["red_wave"]), b=markdown_text(s["to_wave"]), change=signed(n["change"], _, 2),
             lo=signed(u["ci_low"], _, 2), hi=signed(u["ci_high"], _, 2))


def _describe_driver_shift(f: Finding, _: Translator, labels: dict[str, str], language: str) -> str:
    """One sentence for a ``driver_shift`` finding: the practical share of what drives the rating shifted."""
    s, n, u = f.subject, f.numbers, f.uncertainty
    message = (N_("{group}: what drives the overall rating shifted from practical towards emotional value: on the "
                  "questions asked in every wave, the practical share went from {p_from} in {a} to {p_to} in "
                  "{b} ({change} percentage points; "
                  "95%\u00a0interval {lo} to {hi}). Check whether the strategy still fits.") if s["direction"] == "more_emotional" else
               N_("{group}: what drives the overall rating shifted from emotional towards practical value: on the "
                  "questions asked in every wave, the practical share went from {p_from} in {a} to {p_to} in "
                  "{b} ({change} percentage points; "
                  "95%\u00a0interval {lo} to {hi}). Check whether the strategy still fits."))
    return _(message, group=_group(s["group"], language), p_from=_.percent(n["practical_from"], 0),
             p_to=_.percent(n["practical_to"], 0), a=markdown_text(s["from_wave"]), b=markdown_text(s["to_wave"]),
             change=signed(100 * n["change"], _, 0), lo=signed(100 * u["ci_low"], _, 0),
             hi=signed(100 * u["ci_high"], _, 0))


def _describe_unit_above(f: Finding, _: Translator, labels: dict[str, str], language: str) -> str:
    """A ``unit_above`` finding: a unit above the upper limit after case-mix adjustment (learn from it)."""
    s, n, u = f.subject, f.numbers, f.uncertainty
    questions = [q for q in s.get("questions", "").split(";") if q]
    text = _("Where it already goes well: {unit} lies above the upper limit after adjusting for case mix "
             "(adjusted mean {adjusted}, 95%\u00a0interval {lo}–{hi}, against {reference} for a typical unit; "
             "{n} respondents).", unit=markdown_text(s["unit"]), adjusted=_.number(n["adjusted_mean"], 1),
             lo=_.number(u["ci_low"], 1), hi=_.number(u["ci_high"], 1), reference=_.number(n["reference"], 1),
             n=_.integer(n["n"]))
    if questions:
        text += " " + _("It stands out on: {questions}.", questions="; ".join(_question(q, labels) for q in questions))
    if s.get("raw_position") == "within":
        text += " " + _("Its raw mean did not show this: its clients are of a kind that rates lower elsewhere.")
    return text + " " + _("Learn from it.")


def _describe_unit_below(f: Finding, _: Translator, labels: dict[str, str], language: str) -> str:
    """A ``unit_below`` finding: a unit below the lower limit after case-mix adjustment."""
    s, n, u = f.subject, f.numbers, f.uncertainty
    questions = [q for q in s.get("questions", "").split(";") if q]
    text = _("{unit} lies below the lower limit after adjusting for case mix (adjusted mean {adjusted}, "
             "95%\u00a0interval {lo}–{hi}, against {reference} for a typical unit; {n} respondents).",
             unit=markdown_text(s["unit"]), adjusted=_.number(n["adjusted_mean"], 1), lo=_.number(u["ci_low"], 1),
             hi=_.number(u["ci_high"], 1), reference=_.number(n["reference"], 1), n=_.integer(n["n"]))
    if questions:
        text += " " + _("Lowest on: {questions}.", questions="; ".join(_question(q, labels) for q in questions))
    return text


def _describe_unit_case_mix_explains(f: Finding, _: Translator, labels: dict[str, str], language: str) -> str:
    """One sentence for a ``unit_case_mix_explains`` finding: case mix explains the raw position."""
    s, n, u = f.subject, f.numbers, f.uncertainty
    message = (N_("{unit} looks better than the others on its raw mean ({raw}), but only because of who its clients "
                  "are: adjusted for case mix it is a typical unit ({adjusted}, 95%\u00a0interval {lo}–{hi}).")
               if s["raw_position"] == "above" else
               N_("{unit} looks worse than the others on its raw mean ({raw}), but only because of who its clients "
                  "are: adjusted for case mix it is a typical unit ({adjusted}, 95%\u00a0interval {lo}–{hi})."))
    return _(message, unit=markdown_text(s["unit"]), raw=_.number(n["raw_mean"], 1),
             adjusted=_.number(n["adjusted_mean"], 1), lo=_.number(u["ci_low"], 1), hi=_.number(u["ci_high"], 1))


def _describe_unit_reliability(f: Finding, _: Translator, labels: dict[str, str], language: str) -> str:
    """One sentence for a ``unit_reliability`` finding: units whose means are not reliable enough."""
    s, n = f.subject, f.numbers
    units = [markdown_text(x) for x in s["units"].split(";") if x]
    return _.ngettext(
        "The mean of {units} is not reliable enough to judge on its own (reliability below {threshold}): it rests "
        "on too few respondents for the differences between units here (Zaslavsky 2001; Paddison et al. 2012). "
        "Its adjusted mean is pulled towards the middle; do not rank it.",
        "The means of {units} are not reliable enough to judge on their own (reliability below {threshold}): they "
        "rest on too few respondents for the differences between units here (Zaslavsky 2001; Paddison et al. "
        "2012). Their adjusted means are pulled towards the middle; do not rank them.",
        len(units), units=", ".join(units), threshold=_.number(n["threshold"], 1))


def _describe_benchmark(f: Finding, _: Translator, labels: dict[str, str], language: str) -> str:
    """One sentence for a ``benchmark`` finding: a question above or below the reference."""
    s, n, u = f.subject, f.numbers, f.uncertainty
    message = (N_("“{question}”: {own} here against {reference} in the reference ({difference}; 95%\u00a0interval "
                  "{lo} to {hi}): higher.") if s["direction"] == "above" else
               N_("“{question}”: {own} here against {reference} in the reference ({difference}; 95%\u00a0interval "
                  "{lo} to {hi}): lower."))
    return _(message, question=_question(s["question"], labels), own=_.number(n["own_mean"], 2),
             reference=_.number(n["reference_mean"], 2), difference=signed(n["difference"], _, 2),
             lo=signed(u["ci_low"], _, 2), hi=signed(u["ci_high"], _, 2))


_DESCRIBERS = {
    "level": describe_level,
    "wave_change": _describe_wave_change,
    "red_item_progress": _describe_red_item_progress,
    "driver_shift": _describe_driver_shift,
    "unit_above": _describe_unit_above,
    "unit_below": _describe_unit_below,
    "unit_case_mix_explains": _describe_unit_case_mix_explains,
    "unit_reliability": _describe_unit_reliability,
    "benchmark": _describe_benchmark,
}


def describe(f: Finding, *, labels: dict[str, str], language: str = "en") -> str:
    """One finding in words (Markdown, values from data made inert)."""
    _ = translator(language)
    describer = _DESCRIBERS.get(f.kind)
    return describer(f, _, labels, language) if describer is not None else ""


SECTIONS = {
    "levels": ("level",),
    "waves": ("wave_change", "red_item_progress", "driver_shift"),
    "units": ("unit_above", "unit_below", "unit_case_mix_explains", "unit_reliability"),
    "benchmark": ("benchmark",),
}


def describe_findings(findings: list[Finding], *, labels: dict[str, str], language: str = "en",
                      section: str | None = None, limit: int | None = None) -> str:
    """The findings (of one ``section``, or all) as a Markdown list, highest priority first (at most ``limit``)."""
    kinds = SECTIONS.get(section) if section else None
    chosen = [f for f in sorted(findings, key=lambda f: (-f.priority, -f.severity))
              if kinds is None or f.kind in kinds][:limit]
    lines = [describe(f, labels=labels, language=language) for f in chosen]
    if not lines:
        _ = translator(language)
        return _("Nothing here stands out beyond chance.")
    return "\n".join(f"- {line}" for line in lines if line)


def describe_notes(notes: list[dict], *, labels: dict[str, str], language: str = "en") -> str:
    """The analysis's notes (questions in some waves only, repeated ids, rescaling, units) as a list."""
    _ = translator(language)
    lines = []
    for note in notes:
        message = NOTE_TEXTS.get(note["kind"])
        if message is None:
            continue
        values = {k.rstrip("_"): v for k, v in note.items() if k != "kind"}
        if "question" in values:
            values["question"] = _question(values["question"], labels)
        if "waves" in values:
            values["waves"] = ", ".join(markdown_text(w) for w in str(values["waves"]).split(","))
        if "wave" in values:
            values["wave"] = markdown_text(values["wave"])
        if "n" in values:
            values["n"] = _.integer(values["n"])
        if "from" in values:
            values["from_"] = markdown_text(values.pop("from"))
            values["to"] = markdown_text(values["to"])
        lines.append("- " + _(message, **values))
    return "\n".join(lines)


def _lower_first(text: str) -> str:
    """A label inside a sentence: "Age" -> "age" (an acronym such as "WMO" stays)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def case_mix_text(model: dict, *, attributes: dict[str, str], language: str = "en") -> str:
    """What the unit comparison adjusts for, and why adjusting for age is not differentiating."""
    _ = translator(language)
    if not model:
        return ""
    names = [markdown_text(_lower_first(attributes.get(c, c))) for c in str(model.get("case_mix", "")).split(",") if c]
    text = _("Units are compared with a random-intercept model: each unit's mean is adjusted for its clients' "
             "{case_mix} and shrunk towards the middle as far as its number of respondents warrants (empirical "
             "Bayes). Of the differences in the overall rating, {icc} lie between units (intraclass correlation).",
             case_mix=", ".join(names) if names else _("(nothing)"), icc=_.percent(model["icc"], 0))
    text += " " + _("Adjusting a comparison for age is not differentiating between clients: nobody is treated "
                    "differently; a unit is simply neither praised nor blamed for the age of the clients it happens "
                    "to serve.")
    return text


# --------------------------------------------------------------------------- tables
@dataclass(frozen=True)
class WordedTable:
    """A table of worded cells and how :func:`table_markup` lays it out.

    ``frame``: the cells; ``numeric``: the headers of the columns that hold numbers (right-aligned);
    ``row_groups``: a column shown as a heading row over its rows instead of in every row;
    ``intervals``: number columns of "value (interval)" cells, whose interval may go on a second
    line on a phone.
    """

    frame: pd.DataFrame
    numeric: tuple[str, ...] = ()
    row_groups: str | None = None
    intervals: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether it has no rows (an empty result)."""
        return self.frame.empty


def _table(rows: list[dict], numeric: list[str], *, row_groups: str | None = None,
           intervals: list[str] | None = None) -> WordedTable:
    """The rows as a :class:`WordedTable`."""
    return WordedTable(pd.DataFrame(rows), tuple(numeric), row_groups, tuple(intervals or ()))


def _cell(value: object, kind: str, interval: bool) -> str:
    """One cell; a "value (interval)" cell keeps its interval on one line, which may go under the value."""
    import html

    text = html.escape(str(value))
    if interval and " (" in text:
        value_text, rest = text.split(" (", 1)
        return f"<td class='{kind} wrap'>{value_text} <span class='ci'>({rest}</span></td>"
    return f"<td class='{kind}'>{text}</td>"


def table_markup(table: WordedTable) -> str:
    """An HTML table of worded cells (everything escaped); number columns right-aligned.

    With ``row_groups`` (see :class:`WordedTable`) the rows of each group follow a heading row
    naming it, in a ``tbody`` of their own, and the column itself is not repeated in every row.
    """
    import html

    frame, numeric, intervals, grouping = table.frame, set(table.numeric), set(table.intervals), table.row_groups
    groups = list(frame[grouping]) if grouping in frame.columns else None
    if groups is not None:
        frame = frame.drop(columns=grouping)
    kinds = ["num" if c in numeric else "text" for c in frame.columns]
    head = "".join(f"<th scope='col' class='{k}'>{html.escape(str(c))}</th>" for c, k in zip(frame.columns, kinds))
    rows = ["<tr>" + "".join(_cell(v, k, c in intervals) for v, k, c in zip(values, kinds, frame.columns)) + "</tr>"
            for values in frame.itertuples(index=False)]
    if groups is None:
        return f"<table class='cv-table'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    bodies, start = [], 0
    for end in range(1, len(rows) + 1):
        if end == len(rows) or groups[end] != groups[start]:
            heading = (f"<tr><th scope='rowgroup' colspan='{len(kinds)}' class='rowgroup'>"
                       f"{html.escape(str(groups[start]))}</th></tr>")
            bodies.append(f"<tbody>{heading}{''.join(rows[start:end])}</tbody>")
            start = end
    return f"<table class='cv-table grouped'><thead><tr>{head}</tr></thead>{''.join(bodies)}</table>"


def levels_table(levels: pd.DataFrame, *, labels: dict[str, str], wave: str, language: str = "en") -> WordedTable:
    """One row per group and question of ``wave``: mean and share satisfied with intervals (formatted)."""
    _ = translator(language)
    rows = []
    chosen = levels[levels["wave"] == wave]
    order = list(dict.fromkeys(chosen["group"]))  # one block of questions per group, in the groups' order
    chosen = chosen.assign(_block=chosen["group"].map({g: k for k, g in enumerate(order)}))
    for r in chosen.sort_values("_block", kind="stable").itertuples(index=False):
        rows.append({_("group"): group_label(r.group, language), _("question"): labels.get(r.question, r.question),
                     _("mean (95%\u00a0interval)"): f"{_.number(r.mean, 2)} ({_.number(r.ci_low, 2)}–{_.number(r.ci_high, 2)})",
                     _("satisfied (95%\u00a0interval)"): f"{_.percent(r.share_satisfied, 0)} "
                                                        f"({_.percent(r.share_ci_low, 0)}–{_.percent(r.share_ci_high, 0)})",
                     _("respondents"): _.integer(r.n)})
    shown = [_("mean (95%\u00a0interval)"), _("satisfied (95%\u00a0interval)")]
    return _table(rows, [*shown, _("respondents")], row_groups=_("group"), intervals=shown)


def changes_table(changes: pd.DataFrame, *, labels: dict[str, str], question: str | None = None,
                  language: str = "en") -> WordedTable:
    """Changes between waves (formatted), optionally of one question only."""
    _ = translator(language)
    flags = {"improved": _("improved"), "declined": _("declined"), "similar": _("no clear change")}
    rows = []
    chosen = changes if question is None else changes[changes["question"] == question]
    for r in chosen.itertuples(index=False):
        rows.append({_("group"): group_label(r.group, language), _("question"): labels.get(r.question, r.question),
                     _("result"): flags.get(r.flag, r.flag),  # the verdict first: a table that scrolls shows it
                     _("from"): str(r.from_wave), _("to"): str(r.to_wave),
                     _("change"): signed(r.change, _, 2), _("95%\u00a0low"): signed(r.ci_low, _, 2),
                     _("95%\u00a0high"): signed(r.ci_high, _, 2),
                     _("p-value"): "< " + _.number(0.001, 3) if r.p_value < 0.001 else _.number(r.p_value, 3)})
    return _table(rows, [_("change"), _("95%\u00a0low"), _("95%\u00a0high"), _("p-value")])


def value_table(value: pd.DataFrame, *, language: str = "en") -> WordedTable:
    """Practical share of the explained variance per group and wave (formatted)."""
    _ = translator(language)
    rows = [{_("group"): group_label(r.group, language), _("wave"): str(r.wave),
             _("practical share (95%\u00a0interval)"): f"{_.percent(r.practical_share, 0)} "
                                                      f"({_.percent(r.ci_low, 0)}–{_.percent(r.ci_high, 0)})"}
            for r in value.itertuples(index=False)]
    return _table(rows, [_("practical share (95%\u00a0interval)")])


def units_table(units: pd.DataFrame, *, language: str = "en") -> WordedTable:
    """Units alphabetically (never a ranking): raw and adjusted mean with interval, reliability, position."""
    _ = translator(language)
    positions = {"above": _("above the upper limit"), "below": _("below the lower limit"), "within": _("within the limits")}
    rows = []
    for r in units.sort_values("unit").itertuples(index=False):
        rows.append({_("unit"): str(r.unit), _("position (99.8%\u00a0limits)"): positions.get(r.position, r.position),
                     _("respondents"): _.integer(r.n), _("raw mean"): _.number(r.raw_mean, 2),
                     _("adjusted mean (95%\u00a0interval)"): f"{_.number(r.adjusted_mean, 2)} ({_.number(r.ci_low, 2)}–"
                                                            f"{_.number(r.ci_high, 2)})",
                     _("reliability"): _.number(r.reliability, 2) + (" ⚠" if r.reliability < RELIABILITY_THRESHOLD else "")})
    return _table(rows, [_("respondents"), _("raw mean"), _("adjusted mean (95%\u00a0interval)"), _("reliability")])


def value_benchmark_table(frame: pd.DataFrame, *, language: str = "en") -> WordedTable:
    """The organisation's practical share beside the reference's (formatted)."""
    _ = translator(language)
    rows = [{_("wave"): str(r.wave), _("practical share (95%\u00a0interval)"):
             f"{_.percent(r.practical_share, 0)} ({_.percent(r.ci_low, 0)}–{_.percent(r.ci_high, 0)})",
             _("reference"): _.percent(r.reference_practical_share, 0)} for r in frame.itertuples(index=False)]
    return _table(rows, [_("practical share (95%\u00a0interval)"), _("reference")])


def benchmark_table(bench: pd.DataFrame, *, labels: dict[str, str], language: str = "en") -> WordedTable:
    """Own mean against the reference, question by question (formatted)."""
    _ = translator(language)
    flags = {"above": _("higher"), "below": _("lower"), "similar": _("no clear difference")}
    rows = [{_("question"): labels.get(r.question, r.question), _("result"): flags.get(r.flag, r.flag),
             _("here"): _.number(r.own_mean, 2),
             _("reference"): _.number(r.reference_mean, 2),
             _("difference"): signed(r.difference, _, 2), _("95%\u00a0low"): signed(r.ci_low, _, 2),
             _("95%\u00a0high"): signed(r.ci_high, _, 2)} for r in bench.itertuples(index=False)]
    return _table(rows, [_("here"), _("reference"), _("difference"), _("95%\u00a0low"), _("95%\u00a0high")])


def red_table(red: pd.DataFrame, *, labels: dict[str, str], language: str = "en") -> WordedTable:
    """Items in the red in a wave and their change by the next wave (formatted; the columns of :func:`changes_table`)."""
    return changes_table(red.rename(columns={"red_wave": "from_wave"}), labels=labels, language=language)


# --------------------------------------------------------------------------- showing (notebook 50)
def show_table(report, name: str, raw: pd.DataFrame, shown: WordedTable, *, note: str = "",
               caption_of: str | None = None) -> None:
    """Save ``raw`` as ``<name>.csv`` and show ``shown`` (already worded) under this page's caption
    (that of ``caption_of`` when given: the same table computed another way)."""
    import html

    report.save(raw, name)
    _ = translator(report.language)
    title = caption(caption_of or name, report.language)
    if shown.empty:
        empty = _(NOTHING_TO_SHOW)
        report.text(f"*{markdown_text(title)}: {empty}*")
        return
    body = table_markup(shown)
    report.show_table_html(html.escape(title), body,
                           f"<p class='note'>{html.escape(note)}</p>" if note else "")


def show_levels(report, results, labels: dict[str, str]) -> None:
    """The levels of the latest wave (every wave is in ``levels.csv``)."""
    shown = levels_table(results.levels, labels=labels, wave=results.waves[-1], language=report.language)
    show_table(report, "levels", results.levels, shown)


def show_waves(report, results, labels: dict[str, str]) -> None:
    """Changes between waves, the practical share per wave and the red items' progress."""
    if len(results.waves) < 2:
        _ = translator(report.language)
        report.text(_("The codebook names no earlier waves: there is no change to show yet."))
        return
    paired = "method" in results.wave_changes and (results.wave_changes["method"] == "paired").any()
    show_table(report, "wave_changes", results.wave_changes,
               changes_table(results.wave_changes, labels=labels, question=results.outcome, language=report.language),
               caption_of="wave_changes_paired" if paired else None)
    show_table(report, "value_over_waves", results.value_over_waves,
               value_table(results.value_over_waves, language=report.language))
    report.save(results.value_changes, "value_changes")
    show_table(report, "red_items_progress", results.red_items, red_table(results.red_items, labels=labels,
                                                                 language=report.language))


def show_trend(report, results, labels: dict[str, str]) -> None:
    """The trend chart of the outcome per group (phone: one panel per row)."""
    from clientvalue.report.plots_comparisons import plot_trend

    if len(results.waves) < 2 or results.outcome is None:
        return
    question = results.outcome
    label = labels.get(question, question)
    wide = plot_trend(results.levels, question=question, waves=results.waves, language=report.language,
                      question_label=label)
    narrow = plot_trend(results.levels, question=question, waves=results.waves, language=report.language,
                        columns=1, width=4.4, question_label=label)
    report.figure(wide, "trend", alt=caption("trend", report.language), phone=narrow)


def show_units(report, results, attributes: dict[str, str]) -> None:
    """Case-mix text, funnel plot, unit intervals and the units table."""
    from clientvalue.report.plots_comparisons import plot_funnel, plot_unit_intervals

    _ = translator(report.language)
    if results.units.empty:
        report.text(_("The codebook names no units to compare (or too few have enough respondents)."))
        report.save(results.units, "units")
        return
    report.text(case_mix_text(results.unit_model, attributes=attributes, language=report.language))
    reference = results.unit_model["reference"]
    report.figure(plot_funnel(results.units, reference=reference, language=report.language), "funnel",
                  alt=caption("funnel", report.language))
    report.figure(plot_unit_intervals(results.units, reference=reference, language=report.language),
                  "unit_intervals", alt=caption("unit_intervals", report.language))
    note = _("⚠ reliability below {threshold}: too few respondents to judge this unit on its own.",
             threshold=_.number(RELIABILITY_THRESHOLD, 1))
    show_table(report, "units", results.units, units_table(results.units, language=report.language), note=note)
    report.save(results.unit_questions, "unit_questions")


def show_benchmark(report, results, labels: dict[str, str]) -> None:
    """The benchmark table (and a note when the codebook names no reference file)."""
    _ = translator(report.language)
    if results.benchmark.empty:
        report.text(_("The codebook names no reference figures to compare with."))
        report.save(results.benchmark, "benchmark")
        return
    show_table(report, "benchmark", results.benchmark, benchmark_table(results.benchmark, labels=labels,
                                                                       language=report.language))
    if not results.value_benchmark.empty:
        show_table(report, "value_benchmark", results.value_benchmark,
                   value_benchmark_table(results.value_benchmark, language=report.language))
