"""Reader-facing words of notebook 30: key findings, persona cards and readable tables.

Everything goes through :func:`clientvalue.report.i18n.translator`; the analysis
(:mod:`clientvalue.analyses.segments`) returns language-free findings and tidy tables only.
Values from the data or codebook are escaped before they reach Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from clientvalue.data.categories import OTHER_CATEGORY  # rare categories pooled by the analysis
from clientvalue.findings import decode_names as names
from clientvalue.report.i18n import N_, Translator, translator
from clientvalue.report.safety import markdown_text

STABILITY = {"stable": N_("stable"), "doubtful": N_("doubtful"), "unstable": N_("unstable: do not use"),
             "unknown": N_("unknown")}
from clientvalue.report.texts import SEGMENT_SOURCES as SOURCES  # noqa: E402
BASIS = {"needs": N_("needs"), "behaviour": N_("behaviour"), "context": N_("context"),
         "relationship": N_("relationship")}


def _e(value) -> str:
    """A name from the data or codebook as inert Markdown (no emphasis, link or markup in it)."""
    return markdown_text(value)


def _p(_, value) -> str:
    if value is None or pd.isna(value):
        return "–"
    return "< " + _.number(0.001, 3) if value < 0.001 else _.number(value, 3)


def _name(results, key: str) -> str:
    return results.labels.get(key, key)


def _segment(_, number) -> str:
    return _("Segment {n}", n=int(number))


def persona_cards(results, language: str) -> str:
    """One short card per reported segment (its ``segment_card`` finding): size, what sets it apart, value
    profile, what it asks."""
    _ = translator(language)
    lines = []
    for f in results.findings:
        if f.kind == "segment_card":
            lines += _card_lines(f, _) + [""]
    return "\n".join(lines)


_ASKS = {"performance": N_("above all a fast, correct and easy process (performance)"),
         "experience": N_("above all being listened to and taken seriously (experience)"),
         "both": N_("both a smooth process and personal attention")}


def _card_lines(f, _) -> list[str]:
    s, n = f.subject, f.numbers
    title = f"{_segment(_, s['segment'])} · {_.percent(n['share'], 0)}"
    if s["persona"]:
        title += " · " + _e(s["persona"])
    lines = [f"#### {title}"]
    if s["persona"]:
        lines.append("- " + _("{share} of its members belong to the persona *{persona}* of the grid.",
                              share=_.percent(n["persona_share"], 0), persona=_e(s["persona"])))
    higher, lower = names(s["higher"]), names(s["lower"])
    if higher:
        lines.append("- " + _("Needs more than others: {items}.", items="; ".join(_e(i) for i in higher)))
    if lower:
        lines.append("- " + _("Needs less than others: {items}.", items="; ".join(_e(i) for i in lower)))
    if not higher and not lower:
        lines.append("- " + _("Close to the average on every question."))
    if s["asks"]:
        lines.append("- " + _(
            "Value profile: the questions explain {r2} of the differences in this group's overall rating; of "
            "that explained part, practical value accounts for {p} ({lo}–{hi}) and emotional value for {e}.",
            r2=_.percent(n["r2"], 0), p=_.percent(n["practical_share"], 0), lo=_.percent(n["practical_ci_low"], 0),
            hi=_.percent(n["practical_ci_high"], 0), e=_.percent(n["emotional_share"], 0)))
        lines.append("- " + _("What it asks of the service: {ask}.", ask=_(_ASKS[s["asks"]])))
    return lines


_MORE = N_("{n} percentage points more often")
_LESS = N_("{n} percentage points less often")


def category_label(_, category) -> str:
    """A category as a reader sees it: the pooled rare categories by name, any other value as it is (a
    sentence makes it inert with :func:`_e`, a table cell is escaped by the table)."""
    return _("other categories together") if category == OTHER_CATEGORY else str(category)


def _often(_, diff: float) -> str:
    """A difference in rates as "x percentage points more/less often" (a positive number)."""
    return _(_MORE if diff >= 0 else _LESS, n=_.number(abs(100 * diff), 0))


def _points(_, low: float, high: float) -> str:
    """An interval of a difference, in percentage points."""
    return _("{low} to {high} percentage points", low=_.number(100 * low, 0), high=_.number(100 * high, 0))


def _adjusted_for(f, _) -> str:
    """What the comparable-situation model of a ``treatment_flag`` finding adjusted for, in words."""
    parts = []
    if f.numbers.get("adjusted_for_questions"):
        parts.append(_("their answers to the {n} questions on needs and behaviour",
                       n=int(f.numbers["adjusted_for_questions"])))
    parts += [f"*{_e(label)}*" for label in names(f.subject.get("adjusted_for_labels", ""))]
    if not parts:
        return _("nothing (no legitimate basis in the codebook)")
    return parts[0] if len(parts) == 1 else _("{items} and {last}", items=", ".join(parts[:-1]), last=parts[-1])


def treatment_sentence(f, language: str) -> str:
    """A ``treatment_flag`` finding: what was found, what was adjusted for, what remains, what it means."""
    _ = translator(language)
    s, n, u = f.subject, f.numbers, f.uncertainty
    names_ = {"treatment": _e(s["treatment_label"]), "attribute": _e(s["attribute_label"]),
              "category": _e(category_label(_, s["category"]))}
    adjusted_for = _adjusted_for(f, _)
    if s.get("separation") == "yes":
        text = _("**Unequal treatment, the strongest evidence:** *{treatment}* follows *{attribute}* (nearly) "
                 "perfectly. People in category “{category}” of *{attribute}* get it {raw} than the others "
                 "({interval}).", raw=_often(_, n["raw"]), interval=_points(_, u["raw_ci_low"], u["raw_ci_high"]),
                 **names_)
        text += " " + _("The model that compares people in a comparable situation (adjusted for {adjusted_for}) "
                        "could not be fitted in the usual way: the category predicts the treatment perfectly, so "
                        "within comparable situations there is nobody to compare with.", adjusted_for=adjusted_for)
        if pd.notna(n["adjusted"]):
            text += " " + _("A penalised (Firth) estimate, which stays finite in that case, gives {adjusted} "
                            "({interval}).", adjusted=_often(_, n["adjusted"]),
                            interval=_points(_, u["ci_low"], u["ci_high"]))
        return text
    text = _("**Possible unequal treatment:** people in category “{category}” of *{attribute}* get *{treatment}* "
             "{raw} than the others.", raw=_often(_, n["raw"]), **names_)
    text += " " + _("Among people in a comparable situation (adjusted for {adjusted_for}), they get it {adjusted} "
                    "({interval}).",
                    adjusted_for=adjusted_for, adjusted=_often(_, n["adjusted"]),
                    interval=_points(_, u["ci_low"], u["ci_high"]))
    if s.get("carried_by"):
        proxy = _e(s["carried_by_label"])
        carried = n.get("carried_diff", float("nan"))
        shrink = (_("When *{proxy}* is also taken into account, the difference shrinks to {n} percentage points.",
                    proxy=proxy, n=_.number(abs(100 * carried), 0)) if pd.notna(carried) else
                  _("When *{proxy}* is also taken into account, the difference is no longer clear.", proxy=proxy))
        text += " " + shrink + " " + _(
            "So the difference runs through *{proxy}*, which goes together with *{attribute}*: "
            "treating people differently by *{proxy}* amounts to an indirect distinction by *{attribute}* and "
            "needs an objective justification.", proxy=proxy, attribute=names_["attribute"])
    else:
        text += " " + _("No legitimate basis in the data explains it: people in a comparable situation are "
                        "treated differently by a protected characteristic, which needs an objective "
                        "justification or a change.")
    return text


def _unavailable(reason: str, _) -> str:
    return _("Client groups could not be formed from these answers, so this part of the report is empty. "
             "The reason (for the analyst): {reason}", reason=_e(reason))


def _no_protected(f, _) -> str:
    return _("The codebook marks no attribute as protected, so the treatments could not be checked for unequal treatment.")


def _segments(f, _) -> str:
    n = f.numbers
    numbers = {"k": int(n["k"]), "n": _.integer(n["n"]), "small": _.percent(n["smallest"], 0),
               "entropy": _.number(n["entropy"], 2)}
    if f.subject.get("assignment") == "unclear":
        return _("The answers on needs and behaviour show **{k} client groups** (segments) among {n} "
                 "respondents; the smallest holds {small}. Assignment is not clear-cut (entropy {entropy}; "
                 "{clear} or more is clear): many respondents lie between two groups.",
                 clear=_.number(n["clear_from"], 1), **numbers)
    return _("The answers on needs and behaviour show **{k} client groups** (segments) among {n} "
             "respondents; the smallest holds {small}. Assignment is clear (entropy {entropy}; 1 is perfectly clear).",
             **numbers)


def _stability(f, _) -> str:
    """The shown segments that do not come back (unstable), then those that come back only partly
    (doubtful), or that every one comes back; "every segment shown" when some are not shown."""
    unstable, doubtful = names(f.subject["unstable"]), names(f.subject.get("doubtful", ""))
    stable = _.number(f.numbers["stable_from"], 2)
    lines = []
    if unstable:
        lines.append(_("Segments {s} are not stable when the data are resampled: do not base policy on them.",
                       s=", ".join(unstable)))
    if doubtful:
        lines.append(_("Segments {s} come back only partly when the data are resampled (lowest stability {j}; "
                       "{stable} or more is stable): use them with care.", s=", ".join(doubtful),
                       j=_.number(f.numbers["min_jaccard"], 2), stable=stable))
    if lines:
        return " ".join(lines)
    if f.numbers.get("hidden", 0):
        return _("Every segment shown comes back when the data are resampled (lowest stability {j}; {stable} or "
                 "more is stable).", j=_.number(f.numbers["min_jaccard"], 2), stable=stable)
    return _("Every segment comes back when the data are resampled (lowest stability {j}; {stable} or more is "
             "stable).", j=_.number(f.numbers["min_jaccard"], 2), stable=stable)


def _ari(f, _) -> str:
    return _("The data-driven segments agree with the persona grid of the codebook (adjusted Rand index {ari}; 1 is identical, 0 chance).",
             ari=_.number(f.numbers["ari"], 2))


def _customisation(f, _) -> str:
    d, p = f.numbers["difference"], f.uncertainty["p_value"]
    if f.subject["verdict"] == "differs":
        return _("The client groups weigh practical and emotional value differently (difference between the client groups {d} on a 0–1 scale; chance alone gives this with probability {p}): **customisation is warranted**.",
                 d=_.number(d, 2), p=_p(_, p))
    return _("The client groups do not clearly weigh practical and emotional value differently (difference between the client groups {d}, probability of chance {p}): customisation is not indicated by these data.",
             d=_.number(d, 2), p=_p(_, p))


def _strategy(f, _) -> str:
    return _("This difference is between the client groups found here. The strategy for all respondents "
             "is decided once, on the value-driver page, and is not decided again here.")


def _customisation_not_assessed(f, _) -> str:
    return _("Whether the segments value the service differently was not assessed (it needs an overall rating and practical and emotional questions).")


def _proxy(f, _) -> str:
    s, n = f.subject, f.numbers
    return _(
        "**Possible indirect distinction:** *{source}* goes together with the protected characteristic "
        "*{attribute}* (Cramér's V {v}, threshold {t}); knowing it predicts *{attribute}* {gain} better than guessing. "
        "Treating people differently by *{source}* can amount to treating them differently by *{attribute}*: "
        "an indirect distinction that needs an objective justification.",
        source=_e(_source(s, _)), attribute=_e(s["attribute_label"]), v=_.number(n["v"], 2),
        t=_.number(n["threshold"], 2), gain=_.percent(max(n["gain"], 0), 0))


def _source(subject: dict, _) -> str:
    """A proxy's source: a segment solution by its name in the report's language, else its codebook label."""
    return _(SOURCES[subject["source"]]) if subject["source"] in SOURCES else subject["source_label"]


def _no_proxy(f, _) -> str:
    return _("No segment solution, attribute or question goes together with a protected characteristic above the threshold (Cramér's V {t}).",
             t=_.number(f.numbers["threshold"], 2))


def _treatment_ok(f, _) -> str:
    return _("No unequal treatment found among people in a comparable situation for: {t}.",
             t=", ".join(_e(label) for label in names(f.subject["treatment_labels"])))


#: The page's sentence for each finding kind (``segment_card``: :func:`persona_cards`; ``treatment_flag``:
#: :func:`treatment_sentence`), a bullet of the key findings.
_SENTENCES = {"no_protected": _no_protected, "segments": _segments, "segment_stability": _stability,
              "persona_agreement": _ari, "segment_value_difference": _customisation,
              "strategy_decided_elsewhere": _strategy, "segment_value_not_assessed": _customisation_not_assessed,
              "proxy": _proxy, "no_proxy": _no_proxy, "treatment_ok": _treatment_ok}


def key_findings(results, language: str) -> str:
    """Key findings in plain words (Markdown), one bullet per finding in ``results.findings`` (segments,
    customisation, every fairness flag), or why no client groups could be formed."""
    _ = translator(language)
    if results.error:
        return _unavailable(results.error, _)
    out = []
    for f in results.findings:
        if f.kind == "treatment_flag":
            out.append("- ⚠ " + treatment_sentence(f, language))
        elif f.kind == "proxy":
            out.append("- ⚠ " + _proxy(f, _))
        elif f.kind in _SENTENCES:
            out.append("- " + _SENTENCES[f.kind](f, _))
    return "\n".join(out)


TIDY = {"segments_fit": "fit", "segments_sizes": "sizes", "segments_profile": "profile",
        "segments_stability": "stability", "segments_value": "value", "personas": "personas",
        "personas_profile": "persona_profile",
        "fairness_segments": "fairness_segments", "fairness_treatments": "fairness_treatments",
        "treatment_opt_out": "opt_out", "treatment_outcome": "treatment_outcome"}


def show(report, results, name: str) -> None:
    """Save the tidy table ``name`` as CSV and show its readable version (or a note that it is not available)."""
    tidy = None if results.error else getattr(results, TIDY[name])
    if tidy is None or tidy.empty:
        report.table(None, name)
        return
    report.save(tidy, name)
    report.table(shown(results, name, report.language), name, save=False)


def show_figure(report, results, name: str, *, proxy_threshold: float = 0.3) -> None:
    """Show chart ``name`` (``segments_profile_chart`` or ``fairness_chart``) when there is something to draw."""
    from clientvalue.report.plots_segments import plot_fairness, plot_fairness_phone, plot_profiles

    if results.error:
        return
    if name == "segments_profile_chart":
        report.figure(plot_profiles(results.profile, language=report.language), name)
    else:
        report.figure(plot_fairness(results.fairness_segments, labels=results.labels, threshold=proxy_threshold,
                                    language=report.language), name,
                      phone=plot_fairness_phone(results.fairness_segments, labels=results.labels,
                                                threshold=proxy_threshold, language=report.language))


def _formats(_):
    """The percentage and two-decimal number formats of the readable tables."""
    pct = lambda v: _.percent(v, 1)  # noqa: E731
    num = lambda v: _.number(v, 2)  # noqa: E731
    return pct, num


def _shown_fit(results, _) -> pd.DataFrame:
    """Readable table of the fit of each number of segments."""
    pct, num = _formats(_)
    f = results.fit
    stab = f["min_jaccard"] if "min_jaccard" in f else pd.Series(float("nan"), index=f.index)
    icl = f["icl"] if "icl" in f else pd.Series(float("nan"), index=f.index)
    return pd.DataFrame({_("Segments"): [_.integer(k) for k in f["k"]], "BIC": [_.number(v, 0) for v in f["bic"]],
                         "ICL": ["–" if pd.isna(v) else _.number(v, 0) for v in icl],
                         _("Entropy"): [num(v) for v in f["entropy"]],
                         _("Smallest segment"): [pct(v) for v in f["smallest_share"]],
                         _("Stability of the least stable segment"): ["–" if pd.isna(v) else num(v) for v in stab],
                         _("Chosen"): ["✓" if s else "" for s in f["selected"]]})


def _shown_sizes(results, _) -> pd.DataFrame:
    """Readable table of the segment sizes."""
    pct, num = _formats(_)
    f = results.sizes
    return pd.DataFrame({_("Segment"): [_segment(_, v) for v in f["segment"]],
                         _("Respondents"): [_.integer(v) for v in f["n"]],
                         _("Share"): [pct(v) for v in f["share"]],
                         _("95% interval"): [f"{pct(a)} – {pct(b)}" for a, b in zip(f["ci_low"], f["ci_high"])]})


def _shown_stability(results, _) -> pd.DataFrame:
    """Readable table of each segment's stability."""
    pct, num = _formats(_)
    f = results.stability
    return pd.DataFrame({_("Segment"): [_segment(_, v) for v in f["segment"]], _("Jaccard (mean)"): [num(v) for v in f["jaccard"]],
                         _("Jaccard (5th percentile)"): [num(v) for v in f["jaccard_low"]],
                         _("Verdict"): [_(STABILITY[v]) for v in f["stability"]]})


def _shown_profile(results, _, by: str) -> pd.DataFrame:
    """Readable profile table, one column per segment (``by="segment"``) or persona (``by="persona"``)."""
    pct, num = _formats(_)
    source = results.profile if by == "segment" else results.persona_profile
    persona_names = {} if by == "segment" else dict(zip(results.personas["persona"], results.personas["name"]))
    f = source.pivot(index=["item", "label", "basis"], columns=by, values="mean").reset_index()
    out = pd.DataFrame({_("Question"): f["label"].map(str), _("Basis"): [_(BASIS.get(b, b)) if b else "" for b in f["basis"]]})
    for s in [c for c in f.columns if isinstance(c, (int, float))]:
        out[_segment(_, s) if by == "segment" else str(persona_names.get(s, s))] = [num(v) for v in f[s]]
    return out


def _shown_segments_profile(results, _) -> pd.DataFrame:
    """Readable profile table of the segments."""
    return _shown_profile(results, _, "segment")


def _shown_personas_profile(results, _) -> pd.DataFrame:
    """Readable profile table of the personas."""
    return _shown_profile(results, _, "persona")


def _shown_value(results, _) -> pd.DataFrame | None:
    """Readable table of the practical and emotional value per segment."""
    pct, num = _formats(_)
    if results.value is None:
        return None
    f = results.value
    return pd.DataFrame({_("Segment"): [_segment(_, v) for v in f["segment"]],
                         _("Respondents"): [_.integer(v) for v in f["n"]],
                         _("Practical"): [f"{pct(a)} ({pct(b)} – {pct(c)})" for a, b, c in
                                          zip(f["practical_share"], f["practical_ci_low"], f["practical_ci_high"])],
                         _("Emotional"): [f"{pct(a)} ({pct(b)} – {pct(c)})" for a, b, c in
                                          zip(f["emotional_share"], f["emotional_ci_low"], f["emotional_ci_high"])]})


def _shown_personas(results, _) -> pd.DataFrame | None:
    """Readable table of the personas and their sizes."""
    pct, num = _formats(_)
    if results.personas is None:
        return None
    f = results.personas
    return pd.DataFrame({_("Persona"): f["name"].map(str), _("Respondents"): [_.integer(v) for v in f["n"]],
                         _("Share"): [pct(v) for v in f["share"]],
                         _("95% interval"): [f"{pct(a)} – {pct(b)}" for a, b in zip(f["ci_low"], f["ci_high"])]})


def _shown_fairness_segments(results, _) -> pd.DataFrame:
    """Readable table of the associations with protected characteristics."""
    pct, num = _formats(_)
    f = results.fairness_segments
    src = [(_(SOURCES[s]) if s in SOURCES else _name(results, s)) for s in f["source"]]
    return pd.DataFrame({_("Segments, attribute or question"): [str(s) for s in src],
                         _("Protected characteristic"): [str(_name(results, a)) for a in f["attribute"]],
                         _("Association (Cramér's V)"): [f"{num(v)} ({num(a)} – {num(b)})" for v, a, b in zip(f["cramers_v"], f["ci_low"], f["ci_high"])],
                         _("p-value"): [_p(_, v) for v in f["p_value"]],
                         _("Better than guessing"): [pct(max(v, 0)) if pd.notna(v) else "–" for v in f["predictive_gain"]],
                         _("Possible indirect distinction"): ["⚠" if v else "" for v in f["flag"]]})


def _shown_fairness_treatments(results, _) -> pd.DataFrame | None:
    """Readable table of the differences in treatment rates."""
    pct, num = _formats(_)
    f = results.fairness_treatments
    if f is None:
        return None
    pts = lambda v: _.number(100 * v, 1)  # noqa: E731  differences in percentage points
    rng = lambda d, a, b: "–" if pd.isna(d) else f"{pts(d)} ({pts(a)} – {pts(b)})"  # noqa: E731
    return pd.DataFrame({
        _("Treatment"): [str(_name(results, t)) for t in f["treatment"]],
        _("Protected characteristic"): [str(_name(results, a)) for a in f["attribute"]],
        _("Category"): [category_label(_, c) for c in f["category"]],
        _("Rate"): ["–" if s else pct(v) for v, s in zip(f["rate"], f["suppressed"])],
        _("Difference with the rest (percentage points)"): [rng(d, a, b) for d, a, b in zip(f["raw_diff"], f["raw_ci_low"], f["raw_ci_high"])],
        _("In a comparable situation (percentage points)"): [
            rng(d, a, b) + (" " + _("(penalised, Firth)") if sep and pd.notna(d) else "")
            for d, a, b, sep in zip(f["adjusted_diff"], f["adjusted_ci_low"], f["adjusted_ci_high"],
                                    f["separation"] if "separation" in f else [False] * len(f))],
        _("Possible unequal treatment"): ["⚠" if v else "" for v in f["flag"]],
        _("Carried by"): [str(_name(results, c)) if isinstance(c, str) else "" for c in f["carried_by"]]})


def _shown_opt_out(results, _) -> pd.DataFrame | None:
    """Readable table of how often each category declined a treatment."""
    pct, num = _formats(_)
    f = results.opt_out
    if f is None:
        return None
    return pd.DataFrame({_("Treatment"): [str(_name(results, t)) for t in f["treatment"]],
                         _("Protected characteristic"): [str(_name(results, a)) for a in f["attribute"]],
                         _("Category"): [category_label(_, c) for c in f["category"]],
                         _("Declined"): ["–" if s else f"{pct(v)} ({pct(a)} – {pct(b)})" for v, a, b, s in
                                         zip(f["opt_out_rate"], f["ci_low"], f["ci_high"], f["suppressed"])]})


def _shown_treatment_outcome(results, _) -> pd.DataFrame | None:
    """Readable table of each treatment's difference in the overall rating."""
    pct, num = _formats(_)
    f = results.treatment_outcome
    if f is None:
        return None
    return pd.DataFrame({_("Treatment"): [str(_name(results, t)) for t in f["treatment"]],
                         _("Difference in overall rating"): [num(v) for v in f["raw_diff"]],
                         _("In a comparable situation"): [f"{num(d)} ({num(a)} – {num(b)})" for d, a, b in
                                                          zip(f["adjusted_diff"], f["ci_low"], f["ci_high"])]})


_SHOWN = {"segments_fit": _shown_fit, "segments_sizes": _shown_sizes, "segments_stability": _shown_stability,
          "segments_profile": _shown_segments_profile, "personas_profile": _shown_personas_profile,
          "segments_value": _shown_value, "personas": _shown_personas,
          "fairness_segments": _shown_fairness_segments, "fairness_treatments": _shown_fairness_treatments,
          "treatment_opt_out": _shown_opt_out, "treatment_outcome": _shown_treatment_outcome}


def shown(results, name: str, language: str) -> pd.DataFrame | None:
    """A table as a reader sees it: translated headers, readable values (the CSV keeps the tidy one)."""
    _ = translator(language)
    if name not in _SHOWN:
        raise KeyError(name)
    return _SHOWN[name](results, _)


def _segments_sentence(n: Mapping[str, float], _: Translator) -> str:
    """How many client groups and how many of those shown come back on other samples (finding
    ``segments``), then how many come back only partly, do not come back, or are not shown (their
    stability is not published): the counts page 30's stability finding words segment by segment."""
    k, shown, hidden = int(n["k"]), int(n.get("shown", n["k"])), int(n.get("hidden", 0))
    stable = int(n["stable"])
    if not shown:
        return _("The answers on needs and behaviour show {k} client groups that want different things; none is "
                 "shown (too small, or hidden with a small one), so their stability is not reported.",
                 k=_.integer(k))  # k >= 2: a solution has two segments or more
    if hidden:
        text = _.ngettext("The answers on needs and behaviour show {k} client groups that want different things; of "
                          "the {shown} shown, {stable} comes back when the analysis is repeated on other samples.",
                          "The answers on needs and behaviour show {k} client groups that want different things; of "
                          "the {shown} shown, {stable} come back when the analysis is repeated on other samples.",
                          stable, k=_.integer(k), shown=_.integer(shown), stable=_.integer(stable))
    else:
        text = _.ngettext("The answers on needs and behaviour show {k} client groups that want different things; "
                          "{stable} of them comes back when the analysis is repeated on other samples.",
                          "The answers on needs and behaviour show {k} client groups that want different things; "
                          "{stable} of them come back when the analysis is repeated on other samples.",
                          stable, k=_.integer(k), stable=_.integer(stable))
    doubtful, unstable = int(n.get("doubtful", 0)), int(n.get("unstable", 0))
    if doubtful:
        text += " " + _.ngettext("{n} comes back only partly.", "{n} come back only partly.", doubtful,
                                 n=_.integer(doubtful))
    if unstable:
        text += " " + _.ngettext("{n} does not come back: do not base policy on it.",
                                 "{n} do not come back: do not base policy on them.", unstable, n=_.integer(unstable))
    if hidden:
        text += " " + _.ngettext("{n} group is not shown (too small, or hidden with a small one).",
                                 "{n} groups are not shown (too small, or hidden with a small one).", hidden,
                                 n=_.integer(hidden))
    return text


def describe(f, *, language: str = "en") -> str:
    """One finding of :func:`clientvalue.analyses.segments.findings` in words (Markdown): the summary's
    shorter sentence for ``segments``, ``segment_value_difference`` and ``proxy``, otherwise the page's own."""
    _ = translator(language)
    s, n = f.subject, f.numbers
    if f.kind == "treatment_flag":
        return treatment_sentence(f, language)
    if f.kind == "segment_card":
        return "\n".join(_card_lines(f, _))
    if f.kind == "proxy":
        return _("**Possible indirect distinction:** *{source}* goes together with the protected characteristic "
                 "*{attribute}*; treating people differently by *{source}* can amount to treating them differently "
                 "by *{attribute}*, which needs an objective justification.", source=_e(_source(s, _)),
                 attribute=_e(s["attribute_label"]))
    if f.kind == "segments":
        return _segments_sentence(n, _)
    if f.kind == "segment_value_difference":
        if s["verdict"] == "differs":
            return _("The client groups weigh practical and emotional value differently (difference between the "
                     "client groups {d} on a 0–1 scale): customisation is warranted.", d=_.number(n["difference"], 2))
        return _("The client groups do not clearly weigh practical and emotional value differently (difference "
                 "between the client groups {d} on a 0–1 scale).", d=_.number(n["difference"], 2))
    return _SENTENCES[f.kind](f, _) if f.kind in _SENTENCES else ""
