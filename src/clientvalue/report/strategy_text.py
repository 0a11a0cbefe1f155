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
        "Practical value (fast, error-free, easy) explains {share} of what clients' overall "
        "rating depends on {range}; that is at least {threshold} "
        "and the whole range lies above {floor}, so performance comes first."),
    "emotional_dominant": N_(
        "Emotional value (being listened to, taken seriously, welcome) explains {share} of "
        "what clients' overall rating depends on {range}; that is at least "
        "{threshold} and the whole range lies above {floor}, so experience comes "
        "first."),
    "mixed": N_(
        "Practical value explains {practical} {practical_range} and emotional value "
        "{emotional} {emotional_range}. Neither clearly dominates (that would take at least "
        "{threshold} with the whole range above "
        "{floor}), so the service needs both performance and experience."),
    "segments_differ": N_(
        "Client groups weigh the aspects differently (difference {segment_difference} on a "
        "0-1 scale, threshold {segment_threshold}; chance alone gives a difference this "
        "large with probability {p_value}), so add customisation: adapt the service to the "
        "groups."),
    "segments_differ_untested": N_(
        "Client groups weigh the aspects differently (difference {segment_difference} on a "
        "0-1 scale, threshold {segment_threshold}), so add customisation: adapt the service "
        "to the groups. This difference was not tested against chance."),
    "segments_not_significant": N_(
        "Client groups seem to weigh the aspects differently (difference "
        "{segment_difference}, threshold {segment_threshold}), but a difference this large "
        "could well be chance (probability {p_value}); customisation is not indicated by "
        "these data."),
    "segments_similar": N_(
        "Client groups weigh the aspects much alike (difference {segment_difference}, below "
        "the threshold {segment_threshold}); customisation is not indicated by these data."),
    "segments_not_assessed": N_("Differences between client groups were not assessed."),
}
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
        if k == "p_value":
            out[k] = "?" if v is None else ("< " + _.number(0.001, 3) if v < 0.001 else _.number(v, 3))
        elif isinstance(v, float) and k not in ("segment_difference", "segment_threshold"):
            out[k] = _percent(_, v)
        elif isinstance(v, float):
            out[k] = _.number(v, 2)
        else:
            out[k] = v
    return out


def explain(advice: Any, language: str = "en", labels: dict[str, str] | None = None) -> str:
    """Plain-language explanation of ``advice`` for policymakers, citing the numbers.

    Parameters
    ----------
    advice : StrategyAdvice
    language : {"en", "nl"}
    labels : dict, optional
        Readable names for the red items (column -> label), e.g. from ``Survey.label``.
    """
    _ = translator(language)
    lines = [_("Suggested strategy: {mix}.", mix=strategy_name(advice.components, language))]
    for rule_id, nums in advice.reasons:
        if rule_id in RULE_TEXTS:
            lines.append(_(RULE_TEXTS[rule_id], **_formatted(nums, _)))
    if advice.red_items:
        shown = [labels.get(i, i) if labels else i for i in advice.red_items]
        lines.append(_("Never in the red - fix these first, whatever the strategy: {items}.", items="; ".join(shown)))
    else:
        lines.append(_("No aspect is in the red."))
    return "\n".join(lines)
