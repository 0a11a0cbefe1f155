"""The value-driver page (notebook 10) in words: its findings, in English or Dutch.

Every statement words a :class:`~clientvalue.findings.Finding` that
:func:`clientvalue.analyses.drivers.driver_findings` decided; the summary page uses the same
functions, so a finding reads the same on both pages. Values from the data or the codebook are made
inert with :func:`clientvalue.report.safety.markdown_text` (Markdown) by the caller's choice of
``escape``.
"""

from __future__ import annotations

from typing import Callable

from clientvalue.findings import Finding
from clientvalue.report.i18n import N_, Translator, translator
from clientvalue.report.safety import markdown_text
from clientvalue.report.texts import STRATEGY_NAMES, group_label, strategy_name

NOT_ASSESSED_TEXT = N_("not assessed (the codebook needs both practical and emotional items)")
KINDS = ("value_profile", "strategy", "important_below_par", "below_midpoint", "dimension_caution",
         "groups_suppressed")


def group_name(code: str, language: str, escape: Callable[[str], str] = markdown_text) -> str:
    """A group's reader name at the start of a sentence ("All respondents" for ``all``)."""
    name = group_label(str(code), language)
    return escape(name[:1].upper() + name[1:])


def strategy_text(code: str, language: str) -> str:
    """A strategy code (``performance+customisation``) in words, or "not assessed"."""
    _ = translator(language)
    parts = [p for p in str(code).split("+") if p in STRATEGY_NAMES]
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
        return _("{name}: “{item}” scores below the middle of the scale ({score} of 100); it explains {share} of "
                 "the overall rating there.", name=group_name(s["group"], language, escape), item=escape(s["label"]),
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
    not_analysed = results.suppressed[results.suppressed["group"].isin(results.not_analysed)]
    if not not_analysed.empty:
        lines.append("\n" + _("Not analysed: {groups}.", groups="; ".join(
            f"{markdown_text(group_label(g, language))} ({markdown_text(r)})"
            for g, r in zip(not_analysed["group"], not_analysed["reason"]))))
    lines += ["\n- " + markdown_text(note) for note in results.notes]
    return "\n".join(lines)
