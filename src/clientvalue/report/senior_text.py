"""Plain-language conclusions (markdown, English or Dutch) of the senior analysis (notebook 20).

:func:`key_findings` words the tables and the findings of
:class:`~clientvalue.analyses.senior.SeniorResults`; the analysis itself returns no text.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from clientvalue.errors import ParameterError
from clientvalue.report.i18n import N_, Translator, translator

__all__ = ["describe_findings", "key_findings"]


STATUS_TEXTS = {
    "never_half": N_("At no age in this survey does half of the respondents see themselves as a senior."),
    "above_half_throughout": N_("Already at the youngest ages in this survey, half or more see themselves as a senior."),
}


def _pct(x: float, _: Translator) -> str:
    """Whole percent; one decimal below 10% (so 0.6% does not read as 1%)."""
    return _.percent(x, 1 if 0 < 100 * x < 9.95 else 0)


def describe_findings(by_band: pd.DataFrame, half: pd.Series, thresholds: pd.DataFrame, *,
                      threshold: float = 65, language: str = "en") -> str:
    """Plain-language conclusions (markdown) in English or Dutch.

    Cites the band shares, the half-way age and the comparison with the age rule
    ``threshold``, and says what an age-based offer means for people who do not
    see themselves as senior. Suppressed bands are named, never their numbers.

    Parameters
    ----------
    by_band : DataFrame
        From :func:`~clientvalue.stats.senior_shares.share_by_age_band`.
    half : Series
        From :func:`~clientvalue.stats.senior_shares.half_way_age`.
    thresholds : DataFrame
        From :func:`~clientvalue.stats.senior_shares.threshold_comparison`; must contain ``threshold``.
    threshold : number
        The age rule to discuss.
    language : {"en", "nl"}

    Returns
    -------
    str
    """
    _ = translator(language)
    rows = thresholds[thresholds["threshold"] == float(threshold)]
    if rows.empty:
        raise ParameterError(f"threshold={threshold!r} is not in the thresholds table; it has "
                             f"{thresholds['threshold'].tolist()}.")
    m = _.integer(by_band.attrs.get("min_group_size", thresholds.attrs.get("min_group_size", 10)))
    t = _.integer(threshold) if float(threshold).is_integer() else _.number(threshold, 1)
    lines = []  # under the notebook's own "Key findings" heading
    for _i, r in by_band[~by_band["suppressed"].astype(bool)].iterrows():
        lines.append("- " + _("Aged {band}: {pct} see themselves as a senior (95%\u00a0interval {lo}–{hi}).",
                              band=r["age_band"], pct=_pct(r["share_senior"], _),
                              lo=_pct(r["ci_low"], _), hi=_pct(r["ci_high"], _)))
    status = half["status"]
    if status == "ok":
        ci = ("" if pd.isna(half["ci_low"]) or pd.isna(half["ci_high"]) else
              " " + _("(95%\u00a0interval {lo}–{hi})", lo=_.integer(half["ci_low"]), hi=_.integer(half["ci_high"])))
        lines.append("- " + _("From about age **{age}**{ci}, half or more of the respondents of that age see "
                              "themselves as a senior.", age=_.integer(half["age_half"]), ci=ci))
    elif status == "separation":
        lines.append("- " + (_("In this survey every respondent who sees themselves as a senior is older than every "
                               "one who does not; the switch lies between about age {lo} and {hi}.",
                               lo=_.integer(half["ci_low"]), hi=_.integer(half["ci_high"]))
                             if pd.notna(half["age_half"]) else
                             _("A smooth curve could not be estimated (the answers are perfectly predicted).")))
    elif status in STATUS_TEXTS:
        lines.append("- " + _(STATUS_TEXTS[status]))
    r = rows.iloc[0]
    if pd.notna(r["labelled_against_self_image"]):
        lines.append("- " + _("A {t}+ rule would label **{pct}** of people aged {t} or over as senior although they "
                              "do not see themselves that way (95%\u00a0interval {lo}–{hi}).",
                              t=t, pct=_pct(r["labelled_against_self_image"], _),
                              lo=_pct(r["ci_low"], _), hi=_pct(r["ci_high"], _)))
    if pd.notna(r["missed"]):
        lines.append("- " + _("Of people under {t}, **{pct}** do see themselves as a senior (95%\u00a0interval {lo}–{hi}); "
                              "an age rule misses them.", t=t, pct=_pct(r["missed"], _),
                              lo=_pct(r["missed_ci_low"], _), hi=_pct(r["missed_ci_high"], _)))
    if pd.isna(r["labelled_against_self_image"]) or pd.isna(r["missed"]):
        lines.append("- " + _("The comparison with a {t}+ rule is not shown for a group with fewer than {m} "
                              "respondents.", t=t, m=m))
    lines += ["", "### " + _("What this means"), "",
              _("An age-based offer (such as a {t}+ rate) is accepted differentiation when it benefits the group, "
                "but many people it targets do not see themselves as 'senior'. Make the offer optional, so anyone "
                "can opt out without disadvantage, and name it by what it gives - a *reduced rate* or *extra "
                "help* - rather than by the word 'senior'.", t=t)]
    sup = by_band.loc[by_band["suppressed"].astype(bool), "age_band"].tolist()
    if sup:
        lines += ["", "_" + _("Not shown: {bands} (fewer than {m} respondents).", bands=", ".join(sup), m=m) + "_"]
    return "\n".join(lines) + "\n"


SCORE_NAMES = {"emotional": N_("emotional value"), "practical": N_("practical value"),
               "overall": N_("the overall rating")}


def _signed(value: float, _: Translator) -> str:
    return ("−" if value < 0 else "") + _.number(abs(value), 2)


def describe(f, *, language: str = "en") -> str:
    """One finding of notebook 20 (:func:`clientvalue.analyses.senior.contract_findings`) in words."""
    _ = translator(language)
    s, n, u = f.subject, f.numbers, f.uncertainty
    if f.kind == "half_way_age":
        return _("From about age {age} (95%\u00a0interval {lo}–{hi}), half or more of the respondents of that age "
                 "see themselves as a senior.", age=_.integer(n["age"]), lo=_.integer(u["ci_low"]),
                 hi=_.integer(u["ci_high"]))
    if f.kind == "age_rule":
        return _("A {t}+ rule would label {against} of the people it covers as senior although they do not see "
                 "themselves that way. Of the people under {t}, {missed} do see themselves as a senior; the rule "
                 "misses all of them.", t=s["threshold"], against=_pct(n["labelled_against"], _),
                 missed=_pct(n["missed"], _))
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
    """Page 20's key findings (Markdown): :func:`describe_findings` of the results' tables, with the
    value finding(s) of ``results.findings`` added (:func:`with_contract`).

    Parameters
    ----------
    results : SeniorResults
        From :func:`clientvalue.analyses.senior.analyse`.
    language : {"en", "nl"}
    """
    text = describe_findings(results.by_age, results.summary.iloc[0], results.thresholds,
                             threshold=results.threshold, language=language)
    return with_contract(text, results.findings, language=language)
