"""Captions and column headers in English and Dutch, kept in one place.

CSV files keep the tidy column names; only what a reader sees is translated.
"""

from __future__ import annotations

CAPTIONS: dict[str, dict[str, str]] = {
    "summary": {"en": "What the export holds", "nl": "Wat het bestand bevat"},
    "responses_per_group": {"en": "Respondents per group", "nl": "Respondenten per groep"},
    "missingness": {"en": "Missing answers per question", "nl": "Ontbrekende antwoorden per vraag"},
    "handled_problems": {
        "en": "Problems found and how they were handled",
        "nl": "Gevonden problemen en hoe ze zijn behandeld",
    },
    "response_patterns": {
        "en": "Complete, partial and straight-lined responses",
        "nl": "Volledige, gedeeltelijke en 'rechte-lijn'-antwoorden",
    },
    "attributes": {"en": "Who answered", "nl": "Wie antwoordde"},
    "item_distributions": {"en": "Answers per question", "nl": "Antwoorden per vraag"},
    "value_profile": {
        "en": "Practical and emotional value per group: share of the explained variance in the overall rating, with 95% intervals",
        "nl": "Praktische en emotionele waarde per groep: aandeel in de verklaarde variantie van het rapportcijfer, met 95%-intervallen",
    },
    "value_split": {
        "en": "How much of the overall rating is explained by practical and by emotional value, per group (bars: 95% intervals).",
        "nl": "Hoeveel van het rapportcijfer wordt verklaard door praktische en door emotionele waarde, per groep (strepen: 95%-intervallen).",
    },
    "drivers": {"en": "Importance and performance of every question, per group", "nl": "Belang en prestatie van elke vraag, per groep"},
    "importance": {
        "en": "Which questions drive the overall rating (share of explained variance, 95% intervals)",
        "nl": "Welke vragen het rapportcijfer bepalen (aandeel verklaarde variantie, 95%-intervallen)",
    },
    "quadrants": {
        "en": "Importance against performance: questions top-left need attention first",
        "nl": "Belang tegen prestatie: vragen linksboven vragen het eerst aandacht",
    },
    "red_items": {"en": "Questions 'in the red': important and underperforming", "nl": "Vragen 'in het rood': belangrijk en onder de maat"},
    "strategy": {"en": "Suggested strategy per group and why", "nl": "Voorgestelde strategie per groep en waarom"},
    "reliability": {"en": "Do the questions of each dimension measure one thing? (Cronbach's alpha)", "nl": "Meten de vragen van elke dimensie één ding? (Cronbachs alfa)"},
    "factor_check": {"en": "Which dimension each question belongs to, by the data", "nl": "Bij welke dimensie elke vraag hoort, volgens de data"},
    "ordinal": {"en": "Robustness check: ordinal model of the overall rating (odds ratios)", "nl": "Controle: ordinaal model van het rapportcijfer (odds ratio's)"},
    "penalty_reward": {"en": "Does a question mainly hurt when poor, or delight when excellent?", "nl": "Doet een vraag vooral pijn als ze slecht scoort, of verrast ze als ze uitblinkt?"},
    "senior_by_age": {"en": "Share who see themselves as 'senior', per age band (95% intervals)", "nl": "Aandeel dat zichzelf 'senior' vindt, per leeftijdsgroep (95%-intervallen)"},
    "senior_curve": {
        "en": "Share who see themselves as 'senior' by age: bands with 95% intervals and a fitted curve with its 95% band",
        "nl": "Aandeel dat zichzelf 'senior' vindt naar leeftijd: groepen met 95%-intervallen en een geschatte curve met 95%-band",
    },
    "senior_summary": {"en": "The age at which half see themselves as 'senior'", "nl": "De leeftijd waarop de helft zichzelf 'senior' vindt"},
    "senior_threshold": {
        "en": "What an age rule does: labelled against their self-image, and missed",
        "nl": "Wat een leeftijdsgrens doet: tegen het zelfbeeld in gelabeld, en gemist",
    },
    "senior_threshold_chart": {
        "en": "For each age threshold: the share labelled 'senior' against their self-image and the share of self-identified seniors it misses.",
        "nl": "Per leeftijdsgrens: het aandeel dat tegen het zelfbeeld in 'senior' wordt genoemd en het aandeel zelfbenoemde senioren dat buiten de grens valt.",
    },
    "senior_value": {
        "en": "People the age rule labels 'senior': scores of those who do not see themselves so, against those who do (adjusted for age)",
        "nl": "Mensen die de leeftijdsgrens 'senior' noemt: scores van wie zichzelf niet zo ziet, tegenover wie dat wel doet (gecorrigeerd voor leeftijd)",
    },
    "suppressed_groups": {"en": "Groups not reported (too few respondents)", "nl": "Niet gerapporteerde groepen (te weinig respondenten)"},
}

COLUMN_LABELS: dict[str, dict[str, str]] = {
    "group": {"en": "group", "nl": "groep"},
    "n": {"en": "respondents", "nl": "respondenten"},
    "share": {"en": "share", "nl": "aandeel"},
    "suppressed": {"en": "not shown", "nl": "niet getoond"},
    "fact": {"en": "", "nl": ""},
    "value": {"en": "", "nl": ""},
    "column": {"en": "question", "nl": "vraag"},
    "item": {"en": "question", "nl": "vraag"},
    "label": {"en": "question", "nl": "vraag"},
    "dimension": {"en": "dimension", "nl": "dimensie"},
    "n_answered": {"en": "answered", "nl": "beantwoord"},
    "n_missing": {"en": "missing", "nl": "ontbrekend"},
    "share_missing": {"en": "share missing", "nl": "aandeel ontbrekend"},
    "n_missing_code": {"en": "don't know / n.a.", "nl": "weet niet / n.v.t."},
    "n_out_of_range": {"en": "out of range", "nl": "buiten bereik"},
    "check": {"en": "check", "nl": "controle"},
    "count": {"en": "count", "nl": "aantal"},
    "examples": {"en": "values", "nl": "waarden"},
    "action": {"en": "handled as", "nl": "behandeld als"},
    "complete": {"en": "complete", "nl": "volledig"},
    "partial": {"en": "partial", "nl": "gedeeltelijk"},
    "empty": {"en": "no items answered", "nl": "geen vraag beantwoord"},
    "straight_lining": {"en": "same answer everywhere", "nl": "overal hetzelfde antwoord"},
    "share_straight_lining": {"en": "share same answer", "nl": "aandeel zelfde antwoord"},
    "importance": {"en": "importance", "nl": "belang"},
    "ci_low": {"en": "95% low", "nl": "95% laag"},
    "share_ci_low": {"en": "95% low", "nl": "95% laag"},
    "share_ci_high": {"en": "95% high", "nl": "95% hoog"},
    "odds_ratio": {"en": "odds ratio", "nl": "odds ratio"},
    "p_value": {"en": "p-value", "nl": "p-waarde"},
    "difference": {"en": "difference", "nl": "verschil"},
    "score": {"en": "score", "nl": "score"},
    "n_match": {"en": "self-image matches", "nl": "zelfbeeld klopt"},
    "n_against": {"en": "labelled against self-image", "nl": "tegen zelfbeeld in"},
    "n_labelled": {"en": "labelled senior", "nl": "als senior gelabeld"},
    "n_below": {"en": "below the rule", "nl": "onder de grens"},
    "status": {"en": "status", "nl": "status"},
    "driver": {"en": "question", "nl": "vraag"},
    "alpha": {"en": "alpha", "nl": "alfa"},
    "n_items": {"en": "questions", "nl": "vragen"},
    "min_item_rest": {"en": "lowest item-rest correlation", "nl": "laagste item-restcorrelatie"},
    "assigned": {"en": "by the data", "nl": "volgens de data"},
    "flag": {"en": "flag", "nl": "afwijkend"},
    "communality": {"en": "communality", "nl": "communaliteit"},
    "loading_practical": {"en": "loading practical", "nl": "lading praktisch"},
    "loading_emotional": {"en": "loading emotional", "nl": "lading emotioneel"},
    "in_red": {"en": "in the red", "nl": "in het rood"},
    "penalty": {"en": "penalty when poor", "nl": "straf bij slecht"},
    "reward": {"en": "reward when excellent", "nl": "beloning bij uitstekend"},
    "effect": {"en": "kind of question", "nl": "soort vraag"},
    "ci_high": {"en": "95% high", "nl": "95% hoog"},
    "r2": {"en": "R²", "nl": "R²"},
    "practical_share": {"en": "practical", "nl": "praktisch"},
    "practical_ci_low": {"en": "practical 95% low", "nl": "praktisch 95% laag"},
    "practical_ci_high": {"en": "practical 95% high", "nl": "praktisch 95% hoog"},
    "emotional_share": {"en": "emotional", "nl": "emotioneel"},
    "emotional_ci_low": {"en": "emotional 95% low", "nl": "emotioneel 95% laag"},
    "emotional_ci_high": {"en": "emotional 95% high", "nl": "emotioneel 95% hoog"},
    "strategy": {"en": "strategy", "nl": "strategie"},
    "performance": {"en": "performance (0-100)", "nl": "prestatie (0-100)"},
    "improvement_score": {"en": "improvement score", "nl": "verbeterscore"},
    "quadrant": {"en": "quadrant", "nl": "kwadrant"},
    "relative_weight": {"en": "relative weight", "nl": "relatief gewicht"},
    "age_band": {"en": "age", "nl": "leeftijd"},
    "share_senior": {"en": "sees self as senior", "nl": "vindt zichzelf senior"},
    "threshold": {"en": "age rule", "nl": "leeftijdsgrens"},
    "labelled_against_self_image": {"en": "labelled against self-image", "nl": "tegen zelfbeeld in gelabeld"},
    "missed": {"en": "missed", "nl": "gemist"},
    "missed_ci_low": {"en": "missed 95% low", "nl": "gemist 95% laag"},
    "missed_ci_high": {"en": "missed 95% high", "nl": "gemist 95% hoog"},
    "age_half": {"en": "age at which half", "nl": "leeftijd waarop de helft"},
    "attribute": {"en": "characteristic", "nl": "kenmerk"},
    "category": {"en": "", "nl": ""},
    "reason": {"en": "why", "nl": "waarom"},
}


def caption(name: str, language: str) -> str:
    """The caption of table or figure ``name`` in ``language`` (the name itself if none)."""
    entry = CAPTIONS.get(name)
    return entry.get(language, entry["en"]) if entry else name.replace("_", " ")


def column_label(column: str, language: str) -> str:
    """The header a reader sees for a tidy column name."""
    entry = COLUMN_LABELS.get(column)
    return entry.get(language, entry["en"]) if entry else column.replace("_", " ")


# Columns shown as percentages (the CSV keeps fractions 0-1).
PERCENT_COLUMNS = {
    "share", "share_missing", "share_straight_lining", "share_senior", "labelled_against_self_image",
    "missed", "missed_ci_low", "missed_ci_high", "practical_share", "practical_ci_low", "practical_ci_high",
    "emotional_share", "emotional_ci_low", "emotional_ci_high", "share_ci_low", "share_ci_high",
}
# Tables whose plain ``ci_low``/``ci_high`` belong to a share (shown as percentages too).
_SHARE_TABLE_MARKERS = {"share_senior", "labelled_against_self_image"}
INTEGER_COLUMNS = {"threshold", "count", "complete", "partial", "empty", "straight_lining", "value", "age_half"}


def is_percent(column: str, columns: list[str]) -> bool:
    """Whether ``column`` of a table with ``columns`` holds a fraction to show as a percentage."""
    if column in PERCENT_COLUMNS:
        return True
    return column in ("ci_low", "ci_high") and bool(_SHARE_TABLE_MARKERS & set(columns))


WHOLE_SAMPLE = {"en": "all respondents", "nl": "alle respondenten"}


def group_label(group: str, language: str) -> str:
    """How a reader sees a group name: ``all`` (every reported group together) is spelled out."""
    return WHOLE_SAMPLE[language] if group == "all" else group
