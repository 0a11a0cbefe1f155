"""Plain-language conclusions (markdown, English or Dutch) of the senior analysis.

Re-exported by :mod:`clientvalue.stats.senior_shares`.
"""

from __future__ import annotations

import pandas as pd

from clientvalue.errors import ParameterError

__all__ = ["describe_findings"]


# --------------------------------------------------------------------------- 7. text
_TEXT = {
    "en": {
        "title": "## Who sees themselves as a senior?",
        "band": "- Aged {band}: {pct} see themselves as a senior (95% CI {lo}\u2013{hi}).",
        "ok": "- From about age **{age}**{ci}, half or more of the respondents of that age see themselves as a senior.",
        "ci": " (95% CI {lo}\u2013{hi})",
        "never_half": "- At no age in this survey does half of the respondents see themselves as a senior.",
        "above_half_throughout": "- Already at the youngest ages in this survey, half or more see themselves as a senior.",
        "separation": "- In this survey every respondent who sees themselves as a senior is older than every one "
                      "who does not; the switch lies between about age {lo} and {hi}.",
        "separation_other": "- A smooth curve could not be estimated (the answers are perfectly predicted).",
        "labelled": "- A {t}+ rule would label **{pct}** of people aged {t} or over as senior although they do not "
                    "see themselves that way (95% CI {lo}\u2013{hi}).",
        "missed": "- Of people under {t}, **{pct}** do see themselves as a senior (95% CI {lo}\u2013{hi}); an age rule "
                  "misses them.",
        "t_suppressed": "- The comparison with a {t}+ rule is not shown for a group with fewer than {m} respondents.",
        "meaning_title": "### What this means",
        "meaning": ("An age-based offer (such as a {t}+ rate) is accepted differentiation when it benefits the group, "
                    "but many people it targets do not see themselves as 'senior'. Make the offer optional, so anyone "
                    "can opt out without disadvantage, and name it by what it gives - a *reduced rate* or *extra "
                    "help* - rather than by the word 'senior'."),
        "suppressed": "_Not shown: {bands} (fewer than {m} respondents)._",
    },
    "nl": {
        "title": "## Wie ziet zichzelf als senior?",
        "band": "- {band} jaar: {pct} ziet zichzelf als senior (95%-BI {lo}\u2013{hi}).",
        "ok": "- Vanaf ongeveer **{age}** jaar{ci} ziet de helft of meer van de respondenten van die leeftijd zichzelf als senior.",
        "ci": " (95%-BI {lo}\u2013{hi} jaar)",
        "never_half": "- Op geen enkele leeftijd in dit onderzoek ziet de helft van de respondenten zichzelf als senior.",
        "above_half_throughout": "- Al bij de jongste leeftijden in dit onderzoek ziet de helft of meer zichzelf als senior.",
        "separation": "- In dit onderzoek is iedereen die zichzelf senior noemt ouder dan iedereen die dat niet doet; "
                      "de omslag ligt tussen ongeveer {lo} en {hi} jaar.",
        "separation_other": "- Er kon geen vloeiende curve worden geschat (de antwoorden zijn volledig voorspelbaar).",
        "labelled": "- Een regel '{t}+' zou **{pct}** van de mensen van {t} jaar en ouder als senior aanmerken terwijl "
                    "zij zichzelf niet zo zien (95%-BI {lo}\u2013{hi}).",
        "missed": "- Van de mensen jonger dan {t} ziet **{pct}** zichzelf wel als senior (95%-BI {lo}\u2013{hi}); "
                  "een leeftijdsregel mist hen.",
        "t_suppressed": "- De vergelijking met een regel '{t}+' wordt niet getoond voor een groep met minder dan {m} "
                        "respondenten.",
        "meaning_title": "### Wat betekent dit?",
        "meaning": ("Een aanbod op basis van leeftijd (zoals een {t}+-tarief) is geaccepteerd onderscheid als het de "
                    "groep voordeel biedt, maar veel mensen voor wie het bedoeld is, zien zichzelf niet als 'senior'. "
                    "Maak het aanbod vrijblijvend, zodat iedereen ervan kan afzien zonder nadeel, en noem het naar wat "
                    "het biedt - een *tarief met korting* of *extra hulp* - in plaats van naar het woord 'senior'."),
        "suppressed": "_Niet getoond: {bands} (minder dan {m} respondenten)._",
    },
}


def _pct(x: float, language: str) -> str:
    """Whole percent; one decimal below 10% (so 0.6% does not read as 1%); Dutch decimal comma."""
    txt = f"{100 * x:.1f}" if 0 < 100 * x < 9.95 else f"{round(100 * x):d}"
    return (txt.replace(".", ",") if language == "nl" else txt) + "%"


def _num(x: float, language: str) -> str:
    return f"{x:.0f}"


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
    if language not in _TEXT:
        raise ParameterError(f"language={language!r} is not allowed; use 'en' or 'nl'.")
    tx = _TEXT[language]
    rows = thresholds[thresholds["threshold"] == float(threshold)]
    if rows.empty:
        raise ParameterError(f"threshold={threshold!r} is not in the thresholds table; it has "
                             f"{thresholds['threshold'].tolist()}.")
    m = by_band.attrs.get("min_group_size", thresholds.attrs.get("min_group_size", 10))
    t = f"{float(threshold):g}"
    lines = [tx["title"], ""]
    for _, r in by_band[~by_band["suppressed"].astype(bool)].iterrows():
        lines.append(tx["band"].format(band=r["age_band"], pct=_pct(r["share_senior"], language),
                                       lo=_pct(r["ci_low"], language), hi=_pct(r["ci_high"], language)))
    status = half["status"]
    if status == "ok":
        ci = ("" if pd.isna(half["ci_low"]) or pd.isna(half["ci_high"]) else
              tx["ci"].format(lo=_num(half["ci_low"], language), hi=_num(half["ci_high"], language)))
        lines.append(tx["ok"].format(age=_num(half["age_half"], language), ci=ci))
    elif status == "separation":
        lines.append(tx["separation"].format(lo=_num(half["ci_low"], language), hi=_num(half["ci_high"], language))
                     if pd.notna(half["age_half"]) else tx["separation_other"])
    elif status in tx:
        lines.append(tx[status])
    r = rows.iloc[0]
    if pd.notna(r["labelled_against_self_image"]):
        lines.append(tx["labelled"].format(t=t, pct=_pct(r["labelled_against_self_image"], language),
                                           lo=_pct(r["ci_low"], language), hi=_pct(r["ci_high"], language)))
    if pd.notna(r["missed"]):
        lines.append(tx["missed"].format(t=t, pct=_pct(r["missed"], language), lo=_pct(r["missed_ci_low"], language),
                                         hi=_pct(r["missed_ci_high"], language)))
    if pd.isna(r["labelled_against_self_image"]) or pd.isna(r["missed"]):
        lines.append(tx["t_suppressed"].format(t=t, m=m))
    lines += ["", tx["meaning_title"], "", tx["meaning"].format(t=t)]
    sup = by_band.loc[by_band["suppressed"].astype(bool), "age_band"].tolist()
    if sup:
        lines += ["", tx["suppressed"].format(bands=", ".join(sup), m=m)]
    return "\n".join(lines) + "\n"
