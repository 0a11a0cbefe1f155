"""Demo-data additions for notebook 30: needs items, personas, a hidden proxy and two treatments.

Added to the municipality survey by :func:`add_segment_columns` with its own random stream
(``default_rng([seed, 4])``), so every column the rest of the demo draws keeps its values.

The planted truth (:data:`SEGMENT_TRUTH`, prose in ``GROUND_TRUTH.md``):

* Four personas on a 2x2 grid: *desire for control* (wants to arrange things themselves vs wants
  to be guided) x *orientation* (relationship vs process). Control is high with probability
  :data:`P_CONTROL_HIGH`, independent of everything else. Relationship orientation follows the
  value a respondent seeks: probability 0.15 for respondents whose overall rating is driven by
  practical value (Burgerzaken, Afval & belastingen, the practical Wmo segment), 0.85 for
  emotional-value respondents (Jeugd & gezin, the emotional Wmo segment), 0.5 otherwise. So the
  personas' value profiles differ.
* Six needs items (1-5), three per axis: latent ``1.3 * (+1 high / -1 low) + 0.7 * noise`` cut at
  (-1.5, -0.5, 0.5, 1.5). Within a persona the items are independent (a latent profile model
  holds exactly, up to rounding).
* Behaviour: ``contacts`` (contacts in the past year: 1 / 2-3 / 4+), more for relationship-oriented.
* Protected: ``origin`` (migration background "ja"/"nee", 25% "ja"), independent of needs.
* Context: ``neighbourhood`` (wijk), a strong proxy for ``origin`` (Cramér's V about 0.6).
* Treatments: ``home_visit`` follows a need (relationship orientation and little desire for
  control; 15% of those offered decline, column ``home_visit_declined``); ``extra_check`` follows
  the neighbourhood only (Zuid and Oost 0.34, elsewhere 0.04), so it differs by origin through
  the proxy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

P_CONTROL_HIGH = 0.4
P_RELATION_HIGH = {"practical": 0.15, "emotional": 0.85, "balanced": 0.5}
VALUE_TYPE = {  # service -> value type per latent segment (index)
    "Burgerzaken": ("practical",), "Jeugd & gezin": ("emotional",),
    "Wmo-loket": ("practical", "emotional"), "Afval & belastingen": ("practical",),
    "Cliëntondersteuning": ("balanced",), "Ombudsman": ("balanced",),
}
SEPARATION, ITEM_NOISE = 1.3, 0.7
CUTS = (-1.5, -0.5, 0.5, 1.5)
CONTROL_ITEMS = {
    "n_self": ("Ik regel mijn zaken het liefst zelf", "I prefer to arrange my affairs myself"),
    "n_decide": ("Ik wil zelf beslissen welke hulp ik krijg", "I want to decide myself what help I get"),
    "n_online": ("Ik wil alles zelf online kunnen inzien", "I want to be able to see everything online myself"),
}
RELATION_ITEMS = {
    "n_person": ("Ik wil een vaste contactpersoon", "I want a fixed contact person"),
    "n_personal": ("Persoonlijk contact is voor mij belangrijk", "Personal contact matters to me"),
    "n_time": ("Ik wil dat men de tijd voor mij neemt", "I want people to take time for me"),
}
NEEDS_ITEMS = {**CONTROL_ITEMS, **RELATION_ITEMS}
CONTACTS = ("1", "2-3", "4+")
P_CONTACTS = {0: (0.55, 0.35, 0.10), 1: (0.20, 0.45, 0.35)}  # by relationship orientation
P_ORIGIN = 0.25
NEIGHBOURHOODS = ("Noord", "Zuid", "Oost", "West", "Centrum")
P_NEIGHBOURHOOD = {"ja": (0.05, 0.55, 0.30, 0.05, 0.05), "nee": (0.27, 0.08, 0.12, 0.27, 0.26)}
HOME_VISIT = {"base": 0.06, "relation": 0.40, "low_control": 0.10, "decline": 0.15}
EXTRA_CHECK = {"proxy_areas": ("Zuid", "Oost"), "in": 0.34, "out": 0.04}
PERSONAS = {  # (control high, relation high) -> persona name
    (1, 1): "self-directed, relationship-oriented",
    (1, 0): "self-directed, process-oriented",
    (0, 1): "guided, relationship-oriented",
    (0, 0): "guided, process-oriented",
}


def _value_type(service: np.ndarray, segment: np.ndarray) -> np.ndarray:
    return np.array([VALUE_TYPE.get(s, ("balanced",))[min(g, len(VALUE_TYPE.get(s, ("b",))) - 1)]
                     for s, g in zip(service, segment)])


def _items(level: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
    latent = SEPARATION * np.where(level == 1, 1.0, -1.0)[:, None] + ITEM_NOISE * rng.standard_normal((len(level), k))
    return 1 + (latent[:, :, None] > np.array(CUTS)).sum(axis=2)


def _choice(probs: np.ndarray, options: tuple, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(len(probs))[:, None]
    return np.array(options)[(u > np.cumsum(probs, axis=1)).sum(axis=1).clip(0, len(options) - 1)]


def add_segment_columns(df: pd.DataFrame, segment: np.ndarray, *, seed: int,
                        latent: bool = False) -> pd.DataFrame:
    """Append the needs items, contacts, origin, neighbourhood and treatments (a new frame).

    Parameters
    ----------
    df : DataFrame
        The simulated municipality survey (column ``service``).
    segment : array of int
        The latent value segment of each row (Wmo-loket 0 practical / 1 emotional).
    seed : int
    latent : bool
        Also add ``persona`` (1-4, order of :data:`PERSONAS`) for tests.
    """
    rng = np.random.default_rng([seed, 4])
    n = len(df)
    vtype = _value_type(df["service"].to_numpy(), np.asarray(segment))
    control = (rng.random(n) < P_CONTROL_HIGH).astype(int)
    relation = (rng.random(n) < np.vectorize(P_RELATION_HIGH.get)(vtype)).astype(int)
    out = df.copy()
    items = np.column_stack([_items(control, rng, 3), _items(relation, rng, 3)])
    for j, column in enumerate(NEEDS_ITEMS):
        out[column] = items[:, j]
    out["contacts"] = _choice(np.array([P_CONTACTS[r] for r in relation]), CONTACTS, rng)
    origin = np.where(rng.random(n) < P_ORIGIN, "ja", "nee")
    out["origin"] = origin
    out["neighbourhood"] = _choice(np.array([P_NEIGHBOURHOOD[o] for o in origin]), NEIGHBOURHOODS, rng)
    p_visit = HOME_VISIT["base"] + HOME_VISIT["relation"] * relation + HOME_VISIT["low_control"] * (1 - control)
    offered = rng.random(n) < p_visit
    declined = offered & (rng.random(n) < HOME_VISIT["decline"])
    out["home_visit"] = np.where(offered & ~declined, 1, 2)
    out["home_visit_declined"] = np.where(declined, 1, 2)
    in_area = np.isin(out["neighbourhood"], EXTRA_CHECK["proxy_areas"])
    out["extra_check"] = np.where(rng.random(n) < np.where(in_area, EXTRA_CHECK["in"], EXTRA_CHECK["out"]), 1, 2)
    if latent:
        keys = list(PERSONAS)
        out["persona"] = [keys.index((c, r)) + 1 for c, r in zip(control, relation)]
    return out


def expected_persona_shares(sizes: dict[str, int]) -> dict[str, float]:
    """Expected persona shares for given service sizes (Wmo-loket's two segments equally likely)."""
    total = sum(sizes.values())
    p_rel = 0.0
    for service, n in sizes.items():
        types = VALUE_TYPE.get(service, ("balanced",))
        p_rel += n / total * np.mean([P_RELATION_HIGH[t] for t in types])
    return {name: round(float((P_CONTROL_HIGH if c else 1 - P_CONTROL_HIGH) * (p_rel if r else 1 - p_rel)), 4)
            for (c, r), name in PERSONAS.items()}


def _label(nl: str, en: str) -> dict[str, str]:
    return {"nl": nl, "en": en}


def codebook_sections() -> dict[str, Any]:
    """The codebook additions: ``segmentation``, ``personas``, ``treatments`` and attributes."""
    segmentation = [{"column": c, "scale": [1, 5], "basis": "needs", "label": _label(*NEEDS_ITEMS[c])}
                    for c in NEEDS_ITEMS]
    axes = [
        {"name": "control", "label": _label("Behoefte aan regie", "Desire for control"),
         "items": list(CONTROL_ITEMS), "low": _label("wil begeleid worden", "wants to be guided"),
         "high": _label("regelt het zelf", "arranges it themselves"), "cut": "midpoint"},
        {"name": "orientation", "label": _label("Gericht op relatie of proces", "Relationship or process"),
         "items": list(RELATION_ITEMS), "low": _label("procesgericht", "process-oriented"),
         "high": _label("relatiegericht", "relationship-oriented"), "cut": "midpoint"},
    ]
    attributes = {
        "contacts": {"column": "contacts", "protected": False, "basis": "behaviour",
                     "label": _label("Aantal contacten afgelopen jaar", "Contacts in the past year")},
        "origin": {"column": "origin", "protected": True,
                   "label": _label("Migratieachtergrond", "Migration background")},
        "neighbourhood": {"column": "neighbourhood", "protected": False, "basis": "context",
                          "label": _label("Wijk", "Neighbourhood")},
    }
    treatments = {
        "home_visit": {"column": "home_visit", "yes_codes": [1], "no_codes": [2],
                       "label": _label("Huisbezoek", "Home visit"), "opt_out": "home_visit_declined"},
        "extra_check": {"column": "extra_check", "yes_codes": [1], "no_codes": [2],
                        "label": _label("Extra controle van de aanvraag", "Extra check of the application")},
    }
    return {"segmentation": segmentation, "personas": {"axes": axes}, "treatments": treatments,
            "attributes": attributes}


SEGMENT_TRUTH: dict[str, Any] = {
    "n_segments": 4,
    "personas": PERSONAS,
    "proxy": {"attribute": "neighbourhood", "protected": "origin"},
    "legitimate_treatment": "home_visit",
    "proxy_treatment": {"treatment": "extra_check", "protected": "origin", "carried_by": "neighbourhood"},
}


def ground_truth_markdown(muni: pd.DataFrame) -> str:
    """The GROUND_TRUTH.md section on personas, the proxy and the treatments."""
    sizes = muni.loc[muni["service"] != "Ombudsman", "service"].value_counts().to_dict()
    shares = expected_persona_shares(sizes)
    rows = "\n".join(f"| {name} | {'high' if c else 'low'} | {'high' if r else 'low'} | {shares[name]:.3f} |"
                     for (c, r), name in PERSONAS.items())
    items = ", ".join(f"`{c}`" for c in NEEDS_ITEMS)
    return f"""
## Segments, personas and fairness (notebook 30)

Added with a separate random stream (`default_rng([seed, 4])`), so every column above keeps its
values. Source: `src/clientvalue/data/demo_segments.py` (`SEGMENT_TRUTH`).

* **Four personas** on two axes, each measured by three needs items (1-5; {items}): desire for
  control (high with probability {P_CONTROL_HIGH}, independent of everything) and relationship vs
  process orientation (relationship-oriented with probability {P_RELATION_HIGH['practical']} for
  respondents whose rating is driven by practical value - Burgerzaken, Afval & belastingen, the
  practical Wmo segment -, {P_RELATION_HIGH['emotional']} for emotional-value respondents - Jeugd &
  gezin, the emotional Wmo segment - and {P_RELATION_HIGH['balanced']} otherwise). Item latent =
  {SEPARATION} x (+1 high / -1 low) + {ITEM_NOISE} x noise, cut at {CUTS}. A latent profile model
  should find **4 segments**; the persona grid (cut at the scale midpoint 3) should recover:

| persona | control | relationship | expected share (reported services) |
|---|---|---|---|
{rows}

  Because relationship orientation follows the value sought, the relationship-oriented personas'
  overall rating depends mostly on emotional value, the process-oriented ones' on practical value:
  customisation is warranted.
* **Behaviour:** `contacts` (1 / 2-3 / 4+ contacts in the past year), more for relationship-oriented
  people ({P_CONTACTS[1]} against {P_CONTACTS[0]}).
* **Protected:** `origin` (migration background, "ja" with probability {P_ORIGIN}), independent of
  needs, behaviour and services.
* **Proxy:** `neighbourhood` (context) depends on origin only: "ja" lives in Noord/Zuid/Oost/West/Centrum
  with probabilities {P_NEIGHBOURHOOD['ja']}, "nee" with {P_NEIGHBOURHOOD['nee']}. Cramér's V with
  origin is about 0.6: it must be flagged as a possible proxy; no other attribute, item, the segments
  or the persona grid should be.
* **Legitimate treatment:** `home_visit` (1 ja / 2 nee) is offered with probability
  {HOME_VISIT['base']} + {HOME_VISIT['relation']} x relationship-oriented + {HOME_VISIT['low_control']}
  x low desire for control; {HOME_VISIT['decline']:.0%} of those offered decline
  (`home_visit_declined` = 1, and then `home_visit` = 2). It follows needs only: never flagged.
* **Proxy-driven treatment:** `extra_check` (1 ja / 2 nee) has probability {EXTRA_CHECK['in']} in
  {' and '.join(EXTRA_CHECK['proxy_areas'])} and {EXTRA_CHECK['out']} elsewhere, whatever a person needs:
  people with a migration background get it about 20 percentage points more often, also among
  people with the same needs. It must be flagged for origin, **carried by** `neighbourhood`.
"""
