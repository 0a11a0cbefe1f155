"""Plain-language conclusions (markdown, English or Dutch) of the senior analysis (notebook 20).

:func:`key_findings` words the band table and the findings of
:class:`~clientvalue.analyses.senior.SeniorResults` (the half-way age, the age rule, the value
mismatch); the analysis itself returns no text.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from clientvalue.analyses.senior import age_rule_findings, half_way_findings
from clientvalue.errors import ParameterError
from clientvalue.report.i18n import N_, Translator, translator
from clientvalue.stats.senior_result import AgeBandShares, HalfWayAge, ThresholdComparison

__all__ = ["describe_findings", "key_findings"]


STATUS_TEXTS = {
    "never_half": N_("At no age in this survey does half of the respondents see themselves as a senior."),
    "above_half_throughout": N_("Already at the youngest ages in this survey, half or more see themselves as a senior."),
}


def share_text(x: float, _: Translator) -> str:
    """Whole percent; one decimal below 10% (so 0.6% does not read as 1%)."""
    return _.percent(x, 1 if 0 < 100 * x < 9.95 else 0)


def describe_findings(by_band: AgeBandShares, half: HalfWayAge, thresholds: ThresholdComparison, *,
                      threshold: float = 65, language: str = "en") -> str:
    """Plain-language conclusions (markdown) in English or Dutch.

    Cites the band shares, the half-way age and the comparison with the age rule
    ``threshold``, and says what an age-based offer means for people who do not
    see themselves as senior. Suppressed bands are named, never their numbers. The half-way
    age and the rule are worded from their findings
    (:func:`clientvalue.analyses.senior.half_way_findings`, :func:`~clientvalue.analyses.senior.age_rule_findings`),
    as the analysis decides them.

    Parameters
    ----------
    by_band : AgeBandShares
        From :func:`~clientvalue.stats.senior_shares.share_by_age_band` (its ``min_group_size`` is named
        for the bands not shown).
    half : HalfWayAge
        From :func:`~clientvalue.stats.senior_shares.half_way_age`.
    thresholds : ThresholdComparison
        From :func:`~clientvalue.stats.senior_shares.threshold_comparison`; must contain ``threshold``.
    threshold : number
        The age rule to discuss.
    language : {"en", "nl"}

    Returns
    -------
    str
    """
    _ = translator(language)
    table = thresholds.table
    if table[table["threshold"] == float(threshold)].empty:
        raise ParameterError(f"threshold={threshold!r} is not in the thresholds table; it has "
                             f"{table['threshold'].tolist()}.")
    findings = half_way_findings(half.table) + age_rule_findings(table, threshold)
    return _page_text(by_band.table, findings, threshold=threshold, min_group_size=by_band.min_group_size, _=_)


def _page_text(by_band: pd.DataFrame, findings: list, *, threshold: float, min_group_size: int,
               _: Translator) -> str:
    """Page 20's key findings: the band shares (the table), the half-way age and the age rule (their
    findings), what it means, and the bands not shown."""
    m = _.integer(min_group_size)
    t = _.integer(threshold) if float(threshold).is_integer() else _.number(threshold, 1)
    lines = []  # under the notebook's own "Key findings" heading
    for _i, r in by_band[~by_band["suppressed"].astype(bool)].iterrows():
        lines.append("- " + _("Aged {band}: {pct} see themselves as a senior (95%\u00a0interval {lo}–{hi}).",
                              band=r["age_band"], pct=share_text(r["share_senior"], _),
                              lo=share_text(r["ci_low"], _), hi=share_text(r["ci_high"], _)))
    lines += [line for f in findings if (line := _half_way_line(f, _))]
    rule = next((f for f in findings if f.kind == "age_rule"), None)
    lines += _rule_lines(rule, t=t, m=m, _=_)
    lines += ["", "### " + _("What this means"), "", _meaning(rule, t, _)]
    sup = by_band.loc[by_band["suppressed"].astype(bool), "age_band"].tolist()
    if sup:
        lines += ["", "_" + _("Not shown: {bands} (fewer than {m} respondents).", bands=", ".join(sup), m=m) + "_"]
    return "\n".join(lines) + "\n"


def _half_way_line(f, _: Translator) -> str:
    """The bullet of a ``half_way_age`` or ``half_way_status`` finding ("" for another kind)."""
    if f.kind == "half_way_age":
        lo, hi = f.uncertainty["ci_low"], f.uncertainty["ci_high"]
        ci = ("" if pd.isna(lo) or pd.isna(hi) else
              " " + _("(95%\u00a0interval {lo}–{hi})", lo=_.integer(lo), hi=_.integer(hi)))
        return "- " + _("From about age **{age}**{ci}, half or more of the respondents of that age see "
                        "themselves as a senior.", age=_.integer(f.numbers["age"]), ci=ci)
    if f.kind == "half_way_status":
        return "- " + _half_way_status(f, _)
    return ""


def _half_way_status(f, _: Translator) -> str:
    """Why there is no half-way age (a ``half_way_status`` finding), in one sentence."""
    status = f.subject["status"]
    if status == "separation":
        return (_("In this survey every respondent who sees themselves as a senior is older than every "
                  "one who does not; the switch lies between about age {lo} and {hi}.",
                  lo=_.integer(f.numbers["from_age"]), hi=_.integer(f.numbers["to_age"]))
                if f.numbers else
                _("A smooth curve could not be estimated (the answers are perfectly predicted)."))
    return _(STATUS_TEXTS[status])


def _meaning(rule, t: str, _: Translator) -> str:
    """What the age rule means for an offer, with the share the rule labels against their self-image
    when it is shown (not "many", which the data may not bear out), else without a claim."""
    against = rule.numbers["labelled_against"] if rule is not None else float("nan")
    if pd.notna(against):
        return _("An age-based offer (such as a {t}+ rate) is accepted differentiation when it benefits the group, "
                 "but {pct} of the people it targets do not see themselves as 'senior'. Make the offer optional, so "
                 "anyone can opt out without disadvantage, and name it by what it gives - a *reduced rate* or *extra "
                 "help* - rather than by the word 'senior'.", t=t, pct=share_text(against, _))
    return _("An age-based offer (such as a {t}+ rate) is accepted differentiation when it benefits the group, but "
             "people it targets may not see themselves as 'senior'. Make the offer optional, so anyone can opt out "
             "without disadvantage, and name it by what it gives - a *reduced rate* or *extra help* - rather than "
             "by the word 'senior'.", t=t)


def _rule_lines(rule, *, t: str, m: str, _: Translator) -> list[str]:
    """The bullets of the ``age_rule`` finding (``None``: not shown), with a note for a share not shown."""
    nan = float("nan")
    against = rule.numbers["labelled_against"] if rule is not None else nan
    missed = rule.numbers["missed"] if rule is not None else nan
    lines = []
    if pd.notna(against):
        u = rule.uncertainty
        lines.append("- " + _("A {t}+ rule would label **{pct}** of people aged {t} or over as senior although they "
                              "do not see themselves that way (95%\u00a0interval {lo}–{hi}).",
                              t=t, pct=share_text(against, _), lo=share_text(u["ci_low"], _), hi=share_text(u["ci_high"], _)))
    if pd.notna(missed):
        u = rule.uncertainty
        lines.append("- " + _("Of people under {t}, **{pct}** do see themselves as a senior (95%\u00a0interval {lo}–{hi}); "
                              "an age rule misses them.", t=t, pct=share_text(missed, _),
                              lo=share_text(u["missed_ci_low"], _), hi=share_text(u["missed_ci_high"], _)))
    if pd.isna(against) or pd.isna(missed):
        lines.append("- " + _("The comparison with a {t}+ rule is not shown for a group with fewer than {m} "
                              "respondents.", t=t, m=m))
    return lines


SCORE_NAMES = {"emotional": N_("emotional value"), "practical": N_("practical value"),
               "overall": N_("the overall rating")}


def _signed(value: float, _: Translator) -> str:
    return ("−" if value < 0 else "") + _.number(abs(value), 2)


def describe(f, *, language: str = "en") -> str:
    """One finding of notebook 20 (:func:`clientvalue.analyses.senior.contract_findings`) in words."""
    _ = translator(language)
    s, n, u = f.subject, f.numbers, f.uncertainty
    if f.kind == "half_way_age":
        if pd.isna(u["ci_low"]) or pd.isna(u["ci_high"]):  # no interval: the page's sentence, which leaves it out
            return _half_way_line(f, _)[2:]
        return _("From about age {age} (95%\u00a0interval {lo}–{hi}), half or more of the respondents of that age "
                 "see themselves as a senior.", age=_.integer(n["age"]), lo=_.integer(u["ci_low"]),
                 hi=_.integer(u["ci_high"]))
    if f.kind == "half_way_status":
        return _half_way_status(f, _)
    if f.kind == "age_rule":
        if pd.isna(n["labelled_against"]) or pd.isna(n["missed"]):  # a share too small to show: the page's
            return " ".join(line[2:] for line in _rule_lines(f, t=s["threshold"], m="", _=_)[:-1])  # shown ones
        return _("A {t}+ rule would label {against} of the people it covers as senior although they do not see "
                 "themselves that way. Of the people under {t}, {missed} do see themselves as a senior; the rule "
                 "misses all of them.", t=s["threshold"], against=share_text(n["labelled_against"], _),
                 missed=share_text(n["missed"], _))
    if f.kind == "value_mismatch":
        direction = (N_("People aged {t} or over who are labelled senior against their self-image score {d} lower "
                        "on {score} than those who do see themselves as senior (same age; 95%\u00a0interval {lo} to "
                        "{hi}; {p}).") if n["difference"] < 0 else
                     N_("People aged {t} or over who are labelled senior against their self-image score {d} higher "
                        "on {score} than those who do see themselves as senior (same age; 95%\u00a0interval {lo} to "
                        "{hi}; {p})."))
        p = u["p_value"]
        p_text = _("p < {v}", v=_.number(0.001, 3)) if p < 0.001 else _("p = {v}", v=_.number(p, 3))
        score = _(SCORE_NAMES[s["score"]]) if s["score"] in SCORE_NAMES else s["score"]
        return _(direction, t=s["threshold"], d=_.number(abs(n["difference"]), 2), score=score,
                 lo=_signed(u["ci_low"], _), hi=_signed(u["ci_high"], _), p=p_text)
    return ""


def describe_contract(findings: list, *, language: str = "en", kinds: tuple[str, ...] = ("value_mismatch",)) -> str:
    """The findings of ``kinds`` as a Markdown list (for the key findings of page 20)."""
    lines = [describe(f, language=language) for f in findings if f.kind in kinds]
    return "\n".join(f"- {line}" for line in lines if line)


def with_contract(text: str, findings: list, *, language: str = "en") -> str:
    """Page 20's key findings: ``text`` with the value finding(s) added before "What this means"."""
    extra = describe_contract(findings, language=language)
    if not extra:
        return text
    marker = "\n\n### "
    head, sep, tail = text.partition(marker)
    return f"{head.rstrip()}\n{extra}{sep}{tail}" if sep else f"{text.rstrip()}\n{extra}\n"


def key_findings(results: Any, *, language: str = "en") -> str:
    """Page 20's key findings (Markdown): the band shares of the results' table, then the half-way age,
    the age rule and the value finding(s) of ``results.findings``, as the analysis decided them.

    Parameters
    ----------
    results : SeniorResults
        From :func:`clientvalue.analyses.senior.analyse`.
    language : {"en", "nl"}
    """
    _ = translator(language)
    findings = results.findings  # decided once, in the analysis
    text = _page_text(results.by_age, findings, threshold=results.threshold, min_group_size=results.min_group_size,
                      _=_)
    return with_contract(text, findings, language=language)
