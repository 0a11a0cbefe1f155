"""The front door of a report: a summary a policymaker reads in five minutes.

Built after every notebook ran, from the published tables (``tables/*.csv``, already free of
small groups) and the manifest, so it can never show more than the detail pages do:

1. per service a one-line verdict: what clients value, how much of the rating the questions
   explain, the suggested strategy and what is in the red;
2. one overview chart of all services;
3. a short section per analysis with its key finding and a link to the detail page;
4. what to do, following from the findings.

The run's technical record (inputs, hashes, parameters, CSV files) is an appendix of the index
page (:func:`clientvalue.report.publish.render_index`).
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import pandas as pd

from clientvalue.report.i18n import N_, Translator, translator
from clientvalue.report.texts import STRATEGY_NAMES, group_label, strategy_name

#: Reader-facing names of the notebooks, in run order.
NOTEBOOK_TITLES = {
    "00_data_check": N_("Data check"),
    "10_value_drivers": N_("What clients value, per service"),
    "20_senior": N_("Who sees themselves as a senior?"),
    "30_segments": N_("Client groups and fair treatment"),
    "40_consistency": N_("Customisation or arbitrariness: consistency of decisions"),
    "50_comparisons": N_("How satisfied, better or worse than last time, and compared with whom"),
}
_UNSAFE_START = tuple("=+-@\t\r")


def _read(tables: Path, name: str) -> pd.DataFrame | None:
    path = tables / f"{name}.csv"
    if not path.is_file():
        return None
    frame = pd.read_csv(path, keep_default_na=True)
    for column in frame.columns:
        if frame[column].dtype == object:  # undo the spreadsheet guard for display
            frame[column] = frame[column].map(
                lambda v: v[1:] if isinstance(v, str) and v[:1] == "'" and v[1:2] in _UNSAFE_START else v)
    return frame


def _group(name: Any, _: Translator) -> str:
    return group_label(str(name), _.language)


def _strategy_text(code: Any, _: Translator) -> str:
    parts = [p for p in str(code).split("+") if p in STRATEGY_NAMES]
    return strategy_name(parts, _.language) if parts else _("not assessed")


def _value_text(row: Any, _: Translator) -> str:
    p, lo, hi = row.practical_share, row.practical_ci_low, row.practical_ci_high
    if pd.isna(p):
        return "–"
    if lo > 0.5:
        return _("mainly practical value ({share} of the explained part)", share=_.percent(p, 0))
    if hi < 0.5:
        return _("mainly emotional value ({share} of the explained part)", share=_.percent(1 - p, 0))
    return _("practical and emotional value alike (practical {share} of the explained part)", share=_.percent(p, 0))


def _red_by_group(red: pd.DataFrame | None) -> dict[str, list[str]]:
    if red is None or red.empty:
        return {}
    out: dict[str, list[str]] = {}
    for row in red.itertuples(index=False):
        out.setdefault(str(row.group), []).append(str(row.label))
    return out


def _verdicts(profile: pd.DataFrame, red: dict[str, list[str]], _: Translator) -> str:
    esc = html.escape
    headers = [_("Service"), _("What drives the rating"), _("The questions explain"), _("Suggested strategy"),
               _("In the red: fix first")]
    head = "".join(f"<th scope='col'>{esc(h)}</th>" for h in headers)
    rows = []
    for row in profile.itertuples(index=False):
        items = red.get(str(row.group), [])
        cells = [_value_text(row, _), _("{share} of the differences in the overall rating", share=_.percent(row.r2, 0)),
                 _strategy_text(row.strategy, _), "; ".join(items) if items else _("nothing")]
        # data-label: on a phone each row becomes a card that repeats the column names
        rows.append(f"<tr><th scope='row'>{esc(_group(row.group, _))}</th>" + "".join(
            f"<td data-label='{esc(h)}'>{esc(c)}</td>" for h, c in zip(headers[1:], cells)) + "</tr>")
    caption = esc(_("Per service: what drives the overall rating and what to do"))
    return (f"<figure class='cv-table' tabindex='0' role='region' aria-label='{caption}'>"
            f"<table class='cv-table verdicts'><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></figure>")


def _overview_chart(profile: pd.DataFrame, _: Translator) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from clientvalue.report.phone import PHONE_WIDTH
    from clientvalue.report.plots_drivers import plot_value_split

    shown = profile.dropna(subset=["practical_share"])
    if shown.empty:
        return ""
    images = {}
    with plt.rc_context({"svg.fonttype": "none", "font.size": 11}):
        for kind, width in (("wide", 8.0), ("phone", PHONE_WIDTH)):  # the page shows the narrow one on a phone
            ax = plot_value_split(shown, width=width, language=_.language)
            buffer = io.BytesIO()
            ax.get_figure().savefig(buffer, format="svg", bbox_inches="tight")
            plt.close(ax.get_figure())
            images[kind] = base64.b64encode(buffer.getvalue()).decode("ascii")
    groups = shown[shown["group"] != "all"]
    practical = int((groups["practical_ci_low"] > 0.5).sum())
    emotional = int((groups["practical_ci_high"] < 0.5).sum())
    alt = _("Overview chart: practical value clearly drives the rating in {p} of {n} services, emotional value in "
            "{e}; in the others both matter.", p=practical, n=len(groups), e=emotional)
    pair = "".join(f"<img class='chart-{kind}' src='data:image/svg+xml;base64,{data}' alt='{html.escape(alt)}'>"
                   for kind, data in images.items())
    return f"<figure class='chart'>{pair}<figcaption>{html.escape(alt)}</figcaption></figure>"


def _link(manifest: dict[str, Any], name: str, _: Translator) -> str:
    for record in manifest.get("notebooks", []):
        if record.get("name") == name:
            text = _("Read more: {title}", title=_(NOTEBOOK_TITLES.get(name, name)))
            return f"<p><a href='{html.escape(record['html'])}'>{html.escape(text)}</a></p>"
    return ""


def _senior_section(tables: Path, manifest: dict[str, Any], _: Translator) -> tuple[str, list[str]]:
    summary = _read(tables, "senior_summary")
    if summary is None or summary.empty:
        return "", []
    lines, todo = [], []
    row = summary.iloc[0]
    if row.get("status") == "ok" and pd.notna(row.get("age_half")):
        lines.append(_("From about age {age} (between {low} and {high}), half or more of the respondents see "
                       "themselves as a senior.", age=_.number(row["age_half"], 0),
                       low=_.number(row["ci_low"], 0), high=_.number(row["ci_high"], 0)))
    threshold = int(manifest.get("parameters", {}).get("age_threshold", 65))
    rules = _read(tables, "senior_threshold")
    if rules is not None and not rules.empty:
        match = rules[(rules["threshold"] == threshold) & ~rules.get("suppressed", pd.Series(False, index=rules.index))
                      .fillna(False).astype(bool)]
        if not match.empty:
            rule = match.iloc[0]
            lines.append(_("An age rule of {t}+ would call {against} of the people it covers a senior against their "
                           "self-image, and miss {missed} of the younger people who do see themselves as one.",
                           t=threshold, against=_.percent(rule["labelled_against_self_image"], 0),
                           missed=_.percent(rule["missed"], 0)))
            todo.append(_("Make age-based offers such as a {t}+ rate optional and name them by what they give "
                          "(a reduced rate, extra help), not by the word 'senior'.", t=threshold))
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return body, todo


def _input(manifest: dict[str, Any], role: str) -> Path | None:
    for record in manifest.get("inputs", []):
        if record.get("role") == role:
            return Path(record["path"])
    return None


def _survey_labels(manifest: dict[str, Any], language: str) -> dict[str, str]:
    """Attribute, treatment and segmentation names as the codebook labels them (else the key)."""
    from clientvalue.data.codebook import load_codebook

    path = _input(manifest, "codebook")
    if path is None or not path.is_file():
        return {}
    codebook = load_codebook(path)
    labels: dict[str, str] = {}
    for key, attribute in codebook.attributes.items():
        labels[key] = labels[attribute.column] = attribute.label.get(language) or key
    for key, treatment in codebook.treatments.items():
        labels[key] = labels[treatment.column] = treatment.label.get(language) or key
    return labels


def _segments_section(tables: Path, manifest: dict[str, Any], _: Translator) -> tuple[str, list[str]]:
    fit = _read(tables, "segments_fit")
    if fit is None or fit.empty or not fit["selected"].astype(bool).any():
        return "", []
    labels = _survey_labels(manifest, _.language)
    name = lambda key: labels.get(str(key), str(key))  # noqa: E731
    k = int(fit.loc[fit["selected"].astype(bool), "k"].iloc[0])
    lines = [_("The answers on needs and behaviour show {k} client groups that want different things.", k=k)]
    stability = _read(tables, "segments_stability")
    if stability is not None and not stability.empty:
        stable = int((stability["stability"] == "stable").sum())
        lines[-1] += " " + _("{stable} of them come back when the analysis is repeated on other samples.",
                             stable=stable)
    todo = []
    proxies = _read(tables, "fairness_segments")
    if proxies is not None and not proxies.empty:
        for row in proxies[proxies["flag"].astype(bool)].itertuples(index=False):
            lines.append(_("Possible proxy: {source} goes together closely with {attribute}, a protected "
                           "characteristic (Cramér's V {v}).", source=name(row.source), attribute=name(row.attribute),
                           v=_.number(row.cramers_v, 2)))
            todo.append(_("Do not differentiate by {source} without checking that it does not amount to "
                          "differentiating by {attribute}.", source=name(row.source), attribute=name(row.attribute)))
    treatments = _read(tables, "fairness_treatments")
    if treatments is not None and not treatments.empty:
        flagged = treatments[treatments["flag"].astype(bool)].drop_duplicates(["treatment", "attribute"])
        for row in flagged.itertuples(index=False):
            carried = row.carried_by if isinstance(row.carried_by, str) and row.carried_by else None
            text = _("Possible unequal treatment: {treatment} differs by {attribute} among people in a comparable "
                     "situation.", treatment=name(row.treatment), attribute=name(row.attribute))
            if str(getattr(row, "separation", False)) == "True":  # the treatment follows the attribute perfectly
                text = _("Unequal treatment, the strongest evidence: {treatment} follows {attribute} (nearly) "
                         "perfectly.", treatment=name(row.treatment), attribute=name(row.attribute))
            if carried:
                text += " " + _("The difference runs through {proxy}.", proxy=name(carried))
            lines.append(text)
            todo.append(_("Review who gets {treatment} and why: it differs by {attribute} for comparable people.",
                          treatment=name(row.treatment), attribute=name(row.attribute)))
        if flagged.empty:
            lines.append(_("No differentiated treatment differs by a protected characteristic among comparable "
                           "people."))
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines), todo


def _consistency_section(tables: Path, _: Translator) -> tuple[str, list[str]]:
    from clientvalue.report.consistency_text import READINGS

    agreement = _read(tables, "agreement")
    if agreement is None or agreement.empty:
        return "", []
    alpha = agreement[agreement["measure"] == "krippendorff_alpha"]
    lines, todo = [], []
    if not alpha.empty:
        row = alpha.iloc[-1]  # the declared level is listed last
        reading = READINGS.get(str(row["reading"]))
        lines.append(_("How well employees who judge the same cases agree: {reading}; Krippendorff's alpha {value}.",
                       reading=_(reading) if reading else str(row["reading"]), value=_.number(row["value"], 2)))
        nominal = alpha[alpha["level"] == "nominal"] if "level" in alpha else alpha.iloc[:0]
        if len(alpha) > 1 and len(nominal) and str(row.get("level")) != "nominal":
            other = nominal.iloc[0]
            reading = READINGS.get(str(other["reading"]))
            lines.append(_("Counting every different decision as a disagreement (nominal level), alpha is {value}: "
                           "{reading}.", value=_.number(other["value"], 2),
                           reading=_(reading) if reading else str(other["reading"])))
    cases = _read(tables, "vignette_agreement")
    if cases is not None and not cases.empty and "agreement_class" in cases:
        counts = cases["agreement_class"].astype(str).value_counts()
        split = int(counts.get("split", 0))
        lines.append(_("Of {n} cases: {clear} clear, {minority} in which a minority decides differently, and {split} "
                       "that split the employees (different people decide them differently).", n=_.integer(len(cases)),
                       clear=_.integer(int(counts.get("clear", 0))), minority=_.integer(int(counts.get("minority", 0))),
                       split=_.integer(split)))
        if split:
            todo.append(_("Discuss the {split} cases that split the employees and agree on a line, so that identical "
                          "cases get the same outcome.", split=split))
    variants = _read(tables, "variant_effect")
    if variants is not None and not variants.empty:
        flagged = variants[variants["flagged"].astype(bool) & (variants["team"] != "all")]
        teams = sorted({str(t) for t in flagged["team"]})
        if teams:
            lines.append(_("In {teams}, decisions on identical cases differ when only a characteristic of the client "
                           "that should not matter differs.", teams=", ".join(teams)))
            todo.append(_("Look into how {teams} decide: identical cases are decided differently depending on a "
                          "characteristic of the client.", teams=", ".join(teams)))
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines), todo


def _data_section(manifest: dict[str, Any], _: Translator) -> str:
    summary = manifest.get("data_summary", {})
    if not summary:
        return ""
    text = _("{n} respondents in {k} reported groups.", n=_.integer(summary.get("respondents", 0)),
             k=_.integer(len(summary.get("groups_reported", []))))
    if summary.get("groups_suppressed"):
        n = int(summary["groups_suppressed"])
        text += " " + _.ngettext("{n} group is too small to report and is left out of every number.",
                                 "{n} groups are too small to report and are left out of every number.", n, n=_.integer(n))
    return f"<p>{html.escape(text)}</p>"


def summary_body(tables: Path, *, manifest: dict[str, Any], language: str, title: str) -> str:
    """The HTML body of the summary (everything above the technical appendix).

    Parameters
    ----------
    tables : Path
        The run's ``tables`` folder.
    manifest : dict
        The run's manifest (notebooks run, parameters, data summary).
    language : {"en", "nl"}
    title : str
        The survey's title (escaped here).
    """
    _ = translator(language)
    esc = html.escape
    ran = {record.get("name") for record in manifest.get("notebooks", [])}
    lead = _("What clients value, per service, and what to do about it. The details and the uncertainty of "
             "every number are on the linked pages.")
    parts = [f"<h1>{esc(title)}</h1>", f"<p class='lead'>{esc(lead)}</p>"]
    todo: list[str] = []
    profile = _read(tables, "value_profile") if "10_value_drivers" in ran else None
    if profile is not None and not profile.empty:
        red = _red_by_group(_read(tables, "red_items"))
        glance = _("At a glance")
        parts.append(f"<h2>{esc(glance)}</h2>")
        parts.append(_verdicts(profile, red, _))
        parts.append(_overview_chart(profile, _))
        for group, items in red.items():
            if group != "all":
                todo.append(_("{service}: fix first what is in the red: {items}.", service=_group(group, _),
                              items="; ".join(items)))
        for code in sorted({str(s) for s in profile["strategy"].dropna()}):
            groups = [_group(g, _) for g in profile.loc[profile["strategy"] == code, "group"] if g != "all"]
            if groups and any(part in STRATEGY_NAMES for part in code.split("+")):
                todo.append(_("Choose {strategy} as the strategy for: {services}.",
                              strategy=_strategy_text(code, _), services=", ".join(groups)))
    sections = [(name, NOTEBOOK_TITLES[name]) for name in NOTEBOOK_TITLES if name in ran]
    for name, heading in sections:
        body = ""
        if name == "00_data_check":
            body = _data_section(manifest, _)
        elif name == "10_value_drivers" and profile is not None:
            everyone = profile[profile["group"] == "all"]
            if not everyone.empty:
                row = everyone.iloc[0]
                finding = _("The questions together explain {r2} of the differences in the overall rating between "
                            "clients. Of that explained part, practical value accounts for {p} and emotional value "
                            "for {e}.", r2=_.percent(row["r2"], 0), p=_.percent(row["practical_share"], 0),
                            e=_.percent(row["emotional_share"], 0))
                body = f"<p>{esc(finding)}</p>"
        elif name == "20_senior":
            body, senior_todo = _senior_section(tables, manifest, _)
            todo += senior_todo
        elif name == "30_segments":
            body, segment_todo = _segments_section(tables, manifest, _)
            todo += segment_todo
        elif name == "40_consistency":
            body, consistency_todo = _consistency_section(tables, _)
            todo += consistency_todo
        parts.append(f"<section><h2>{esc(_(heading))}</h2>{body}{_link(manifest, name, _)}</section>")
    if todo:
        items = "".join(f"<li>{esc(line)}</li>" for line in todo)
        heading_todo = _("What to do")
        parts.insert(2, f"<section class='todo'><h2>{esc(heading_todo)}</h2><ul>{items}</ul></section>")
    return "\n".join(p for p in parts if p)
