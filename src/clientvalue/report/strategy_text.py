"""The plain-language explanation of a suggested strategy (:class:`~clientvalue.analyses.strategy.StrategyAdvice`).

The rule and its numbers live in :mod:`clientvalue.analyses.strategy`; this module words them in
the report's language.
"""

from __future__ import annotations

import math
from typing import Any

from clientvalue.report.i18n import N_, Translator, translator
from clientvalue.report.texts import strategy_name

RULE_TEXTS = {
    "practical_dominant": N_(
        "Of the differences in the overall rating that the questions explain, practical "
        "value{practical_examples} accounts for {share} {range}; that is at least {threshold} "
        "and the whole range lies above {floor}, so performance comes first."),
    "emotional_dominant": N_(
        "Of the differences in the overall rating that the questions explain, emotional "
        "value{emotional_examples} accounts for {share} {range}; that is at least {threshold} "
        "and the whole range lies above {floor}, so experience comes first."),
    "mixed": N_(
        "Of the differences in the overall rating that the questions explain, practical "
        "value{practical_examples} accounts for {practical} {practical_range} and emotional "
        "value{emotional_examples} for {emotional} {emotional_range}. Neither clearly dominates "
        "(that would take at least {threshold} with the whole range above {floor}), so the "
        "service needs both performance and experience."),
    "segments_differ": N_(
        "{who} weigh the questions differently (difference {segment_difference} on a "
        "0-1 scale, threshold {segment_threshold}; chance alone gives a difference this "
        "large with probability {p_value}), so add customisation: adapt the service to "
        "these groups."),
    "segments_differ_untested": N_(
        "{who} weigh the questions differently (difference {segment_difference} on a "
        "0-1 scale, threshold {segment_threshold}), so add customisation: adapt the service "
        "to these groups. This difference was not tested against chance."),
    "segments_not_significant": N_(
        "{who} seem to weigh the questions differently (difference "
        "{segment_difference}, threshold {segment_threshold}), but a difference this large "
        "could well be chance (probability {p_value}); customisation is not indicated by "
        "these data."),
    "segments_similar": N_(
        "{who} weigh the questions much alike (difference {segment_difference}, below "
        "the threshold {segment_threshold}); customisation is not indicated by these data."),
    "segments_not_assessed": N_("Differences between client groups were not assessed."),
}
#: Who the segment rules speak of: the attribute, its compared categories and the two that differ most.
WHO = N_("Client groups by {attribute} ({groups}; most different: {first} and {second})")
WHO_GROUPS = N_("Client groups by {attribute} ({groups})")
WHO_GENERIC = N_("Client groups")
#: The survey's own most important items of a dimension, after "practical value" / "emotional value".
EXAMPLES = N_("(in this survey mainly: {items})")
RANGE = N_("(uncertainty range {low} to {high})")
NO_RANGE = N_("(no uncertainty range available)")


def _percent(_: Translator, x: Any) -> str:
    return "?" if x is None or not math.isfinite(x) else _.percent(x, 0)


def _formatted(nums: dict, _: Translator) -> dict:
    """The rule's numbers as text for the placeholders, in the locale of ``_``."""
    out: dict[str, Any] = {}
    for prefix in ("", "practical_", "emotional_"):
        if f"{prefix}low" in nums:
            lo, hi = nums[f"{prefix}low"], nums[f"{prefix}high"]
            out[f"{prefix}range"] = (_(RANGE, low=_percent(_, lo), high=_percent(_, hi))
                                     if math.isfinite(lo) and math.isfinite(hi) else _(NO_RANGE))
    for k, v in nums.items():
        if k in ("segment_by", "groups", "pair", "items"):
            continue
        if k == "p_value":
            out[k] = "?" if v is None else ("< " + _.number(0.001, 3) if v < 0.001 else _.number(v, 3))
        elif isinstance(v, float) and k not in ("segment_difference", "segment_threshold"):
            out[k] = _percent(_, v)
        elif isinstance(v, float):
            out[k] = _.number(v, 2)
        else:
            out[k] = v
    return out


def explain(advice: Any, language: str = "en", labels: dict[str, str] | None = None,
            descriptions: dict[str, str] | None = None) -> str:
    """Plain-language explanation of ``advice`` for policymakers, citing the numbers.

    Parameters
    ----------
    advice : StrategyAdvice
    language : {"en", "nl"}
    labels : dict, optional
        Readable names (column -> label), e.g. from ``Survey.label``: of the red items, of the
        items named as examples of each dimension (``advice.examples``) and of the attribute whose
        client groups were compared.
    descriptions : dict, optional
        ``{dimension: text}`` from the codebook's ``dimension_descriptions`` in ``language``; a
        description is shown after "practical value" / "emotional value" instead of the survey's
        top items. With neither, no examples are given (never fixed ones that may not fit the survey).
    """
    _ = translator(language)
    labels = labels or {}
    examples = {}
    for dimension in ("practical", "emotional"):
        items = getattr(advice, "examples", {}).get(dimension, ())
        described = (descriptions or {}).get(dimension)
        examples[f"{dimension}_examples"] = (
            f" ({described})" if described
            else " " + _(EXAMPLES, items="; ".join(f"“{labels.get(i, i)}”" for i in items)) if items else "")
    lines = [_("Suggested strategy: {mix}.", mix=strategy_name(advice.components, language))]
    for rule_id, nums in advice.reasons:
        if rule_id in RULE_TEXTS:
            lines.append(_(RULE_TEXTS[rule_id], **_formatted(nums, _), **examples, who=_who(nums, _, labels)))
    if advice.red_items:
        shown = [labels.get(i, i) for i in advice.red_items]
        lines.append(_("In the red, so to fix first whatever the strategy: {items}.", items="; ".join(shown)))
    else:
        lines.append(_("Nothing is in the red."))
    return "\n".join(lines)


def _who(nums: dict, _: Translator, labels: dict[str, str]) -> str:
    """The client groups a segment rule speaks of, named by attribute and categories when known."""
    attribute, groups, pair = nums.get("segment_by"), nums.get("groups") or [], nums.get("pair") or []
    if not attribute or len(groups) < 2:
        return _(WHO_GENERIC)
    shown = labels.get(attribute, attribute)
    if len(shown) > 1 and shown[0].isupper() and shown[1].islower():  # "Channel" -> "by channel", not "CJG"
        shown = shown[0].lower() + shown[1:]
    if len(pair) == 2 and len(groups) > 2:
        return _(WHO, attribute=shown, groups=", ".join(groups), first=pair[0], second=pair[1])
    return _(WHO_GROUPS, attribute=shown, groups=", ".join(groups))
