"""The value-driver page (notebook 10) in words: its findings, in English or Dutch.

Every statement words a :class:`~clientvalue.findings.Finding` that
:func:`clientvalue.analyses.drivers.driver_findings` decided; the summary page uses the same
functions, so a finding reads the same on both pages. Values from the data or the codebook are made
inert with :func:`clientvalue.report.safety.markdown_text` (Markdown) by the caller's choice of
``escape``.
"""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd

from clientvalue.findings import Finding
from clientvalue.report.i18n import N_, Translator, translator
from clientvalue.report.safety import markdown_text
from clientvalue.report.strategy_text import explain
from clientvalue.report.texts import PR_LABELS, STRATEGY_NAMES, group_label, strategy_name

NOT_ASSESSED_TEXT = N_("not assessed (the codebook needs both practical and emotional items)")
KINDS = ("value_profile", "strategy", "important_below_par", "below_midpoint", "dimension_caution",
         "groups_suppressed")


def group_name(code: str, language: str, escape: Callable[[str], str] = markdown_text) -> str:
    """A group's reader name at the start of a sentence ("All respondents" for ``all``)."""
    name = group_label(str(code), language)
    return escape(name[:1].upper() + name[1:])


def strategy_parts(code: str) -> list[str]:
    """The strategies in a strategy code (``performance+customisation``), as
    :attr:`clientvalue.analyses.strategy.StrategyAdvice.components` splits it; unknown parts left out."""
    return [p for p in str(code).split("+") if p in STRATEGY_NAMES]


def strategy_text(code: str, language: str) -> str:
    """A strategy code (``performance+customisation``) in words, or "not assessed"."""
    _ = translator(language)
    parts = strategy_parts(code)
    return strategy_name(parts, language) if parts else _(NOT_ASSESSED_TEXT)


def score_text(value: float, _: Translator) -> str:
    """A question's performance on 0-100, one decimal."""
    return _.number(value, 1)  # a dash when missing


def describe(f: Finding, *, language: str = "en", escape: Callable[[str], str] = markdown_text) -> str:
    """One finding of notebook 10 in words (values from the data passed through ``escape``)."""
    _ = translator(language)
    s, n, u = f.subject, f.numbers, f.uncertainty
    if f.kind == "value_profile":
        return _("{name}: the questions together explain {r2} of the differences in the overall rating; of that "
                 "explained part, practical value accounts for {practical} ({p_low}–{p_high}) and emotional value "
                 "for {emotional}.", name=group_name(s["group"], language, escape), r2=_.percent(n["r2"], 0),
                 practical=_.percent(n["practical_share"], 0), p_low=_.percent(u["practical_ci_low"], 0),
                 p_high=_.percent(u["practical_ci_high"], 0), emotional=_.percent(n["emotional_share"], 0))
    if f.kind == "strategy":
        return _("{name}: suggested strategy: {strategy}.", name=group_name(s["group"], language, escape),
                 strategy=strategy_text(s["strategy"], language))
    if f.kind == "important_below_par":
        message = (N_("{name}: “{item}” weighs heavily ({share} of the explained part) and scores below par "
                      "({score} of 100): improve here.") if s.get("clear") == "yes" else
                   N_("{name}: “{item}” weighs heavily ({share} of the explained part) and scores below par "
                      "({score} of 100), though not beyond doubt: improve here."))
        return _(message, name=group_name(s["group"], language, escape), item=escape(s["label"]),
                 share=_.percent(n["share"], 1), score=score_text(n["performance"], _))
    if f.kind == "below_midpoint":
        return _("{name}: “{item}” scores below the middle of the scale ({score} of 100); it accounts for {share} of "
                 "the explained part there.", name=group_name(s["group"], language, escape), item=escape(s["label"]),
                 score=score_text(n["performance"], _), share=_.percent(n["share"], 1))
    if f.kind == "dimension_caution":
        k, m = int(n["flagged"]), int(n["items"])
        if s.get("strength") == "strong":
            return _.ngettext(
                "Caution: the data suggest that {k} of {m} questions belongs to the other kind of value than "
                "the codebook says; read the practical/emotional split with care.",
                "Caution: the data suggest that {k} of {m} questions belong to the other kind of value than "
                "the codebook says; read the practical/emotional split with care.", k, k=_.integer(k), m=_.integer(m))
        return _.ngettext(
            "The data suggest that {k} of {m} questions may belong to the other kind of value than the "
            "codebook says (see the check of the questions below).",
            "The data suggest that {k} of {m} questions may belong to the other kind of value than the "
            "codebook says (see the check of the questions below).", k, k=_.integer(k), m=_.integer(m))
    if f.kind == "groups_suppressed":
        k = int(n["count"])
        return _.ngettext("{k} group is not shown because it has fewer than {n} respondents.",
                          "{k} groups are not shown because each has fewer than {n} respondents.",
                          k, k=_.integer(k), n=_.integer(int(n["min_group_size"])))
    return ""


#: Why one group cannot be analysed, per design problem (``DriverResults.group_problems``).
GROUP_PROBLEM_REASONS = {
    "constant": N_("{columns} has the same answer for everyone in this group"),
    "collinear": N_("{columns} are exact copies or combinations of each other in this group"),
    "outcome_determined": N_("the overall rating is an exact function of {columns} in this group"),
}
#: Why a group is not analysed (``DriverResults.suppressed["reason"]``), the design problems apart.
NOT_ANALYSED_TEXTS = {
    "too_few": N_("fewer than {n} complete responses"),
    "not_estimable": N_("the importance of the questions cannot be estimated (a question without variation, or "
                        "questions that duplicate each other)"),
}
#: A secondary analysis left out (``DriverResults.notes``), per note kind.
NOTE_TEXTS = {
    "ordinal_too_few": N_("{group}: the ordinal check is left out: too few complete responses for it."),
    "ordinal_failed": N_("{group}: the ordinal check could not be carried out."),
    "reliability_failed": N_("{group}: the reliability check could not be carried out."),
    "penalty_reward_failed": N_("{group}: the penalty-reward check could not be carried out."),
    "factor_check_failed": N_("The check of which dimension each question belongs to could not be carried out."),
}


def note_text(note: Finding, language: str) -> str:
    """A note of ``DriverResults.notes`` (a secondary analysis left out) in words, not escaped."""
    _ = translator(language)
    if note.kind == "many_groups":
        return _("There are {k} reported groups; the {m} largest are analysed, the others only in "
                 "'all respondents'.", k=_.integer(int(note.numbers["groups"])),
                 m=_.integer(int(note.numbers["analysed"])))
    if note.kind == "ordinal_not_for_outcome":
        return _("The ordinal check is left out: it is for ratings with few answer options, and "
                 "{column} has {k} different values.", column=note.subject["column"],
                 k=_.integer(int(note.numbers["levels"])))
    group = group_label(note.subject.get("group", ""), language)
    return _(NOTE_TEXTS[note.kind], group=group) if note.kind in NOTE_TEXTS else note.kind


def notes(results: Any, language: str | None = None) -> list[str]:
    """Every note of ``results`` (:class:`~clientvalue.analyses.drivers.DriverResults`) in words, in order."""
    return [note_text(note, language or results.language) for note in results.notes]


def group_problem_reason(problems: pd.DataFrame, labels: dict[str, str], language: str) -> str:
    """Why one group is left out: its design problems (``problem``, ``columns``) in words."""
    _ = translator(language)
    return "; ".join(_(GROUP_PROBLEM_REASONS[row.problem], columns=", ".join(labels.get(c, c) for c in row.columns))
                     for row in problems.itertuples(index=False))


def _reason_text(results: Any, group: str, reason: str, _: Translator) -> str:
    if reason == "design":
        return group_problem_reason(results.group_problems[group], results.labels, _.language)
    if reason in NOT_ANALYSED_TEXTS:
        return _(NOT_ANALYSED_TEXTS[reason], n=_.integer(results.min_complete))
    return reason


def suppressed_table(results: Any, language: str | None = None) -> pd.DataFrame:
    """The groups that were not analysed and why (columns ``group``, ``reason``), in words."""
    _ = translator(language or results.language)
    table = results.suppressed[["group", "reason"]].copy()
    table["reason"] = [_reason_text(results, g, r, _) for g, r in zip(table["group"], table["reason"])]
    return table


def penalty_reward_table(results: Any, language: str | None = None) -> pd.DataFrame:
    """The penalty-reward table with its ``effect`` (the classification) in words, as the last column."""
    _ = translator(language or results.language)
    table = results.penalty_reward.copy()
    if "classification" in table.columns:
        table["effect"] = table["classification"].map(lambda c: _(PR_LABELS[c]) if c in PR_LABELS else c)
    return table


def strategy_table(results: Any, language: str | None = None) -> pd.DataFrame:
    """Group, strategy and the plain-language reason (:func:`~clientvalue.report.strategy_text.explain`)."""
    language = language or results.language
    return pd.DataFrame(
        [{"group": g, "strategy": strategy_name(a.components, language),
          "reason": explain(a, language, labels=results.labels, descriptions=results.dimension_descriptions)}
         for g, a in results.strategies.items()],
        columns=["group", "strategy", "reason"],
    )


def factor_caution(results: Any, language: str | None = None) -> str:
    """The caution on the practical/emotional split (finding ``dimension_caution``) in words, or ""."""
    caution = _of(results.findings, "dimension_caution")
    return describe(caution[0], language=language or results.language) if caution else ""


def _of(findings: list[Finding], kind: str) -> list[Finding]:
    return [f for f in findings if f.kind == kind]


def key_findings(results, language: str | None = None) -> str:
    """Page 10's key findings (Markdown), worded from ``results.findings``, plus the analysis notes."""
    language = language or results.language
    _ = translator(language)
    findings = results.findings
    strategies = {f.subject["group"]: f for f in _of(findings, "strategy")}
    lines = [_("How much of the differences in the overall rating the questions explain, how that explained "
               "part splits into practical and emotional value, and the strategy that fits:") + "\n"]
    for f in _of(findings, "value_profile"):
        advice = strategies.get(f.subject["group"])
        text = describe(f, language=language)
        if advice is not None:
            text += " " + _("Suggested strategy: {strategy}.", strategy=strategy_text(advice.subject["strategy"],
                                                                                 language))
        lines.append("- " + text)
    for kind in ("dimension_caution",):
        lines += ["\n" + describe(f, language=language) for f in _of(findings, kind)]
    par = sorted(_of(findings, "important_below_par"), key=lambda f: -f.priority)
    if par:
        lines += ["", _("Important and below par (improve here):")]
        lines += ["- " + describe(f, language=language) for f in par]
    low = sorted(_of(findings, "below_midpoint"), key=lambda f: -f.priority)
    if low:
        lines += ["", _("Below the middle of the scale, whatever their weight:")]
        lines += ["- " + describe(f, language=language) for f in low]
    lines += ["\n" + describe(f, language=language) for f in _of(findings, "groups_suppressed")]
    reasons = suppressed_table(results, language)
    not_analysed = reasons[reasons["group"].isin(results.not_analysed)]
    if not not_analysed.empty:
        lines.append("\n" + _("Not analysed: {groups}.", groups="; ".join(
            f"{markdown_text(group_label(g, language))} ({markdown_text(r)})"
            for g, r in zip(not_analysed["group"], not_analysed["reason"]))))
    lines += ["\n- " + markdown_text(note) for note in notes(results, language)]
    return "\n".join(lines)
