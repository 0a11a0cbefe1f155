"""Demo vignette study of the municipality "Demodam", with planted truth (``GROUND_TRUTH.md``).

Employees of the income-support department judge the same written cases: a client asks for an
exception (e.g. to keep a benefit despite a missed obligation). Each employee picks one of four
decisions, from mildest to harshest. Every case exists in two versions that differ only in the
client's name (a protected characteristic): version A "Jan de Vries", version B "Mohammed
El Amrani", shown at random (probability 1/2) per employee and case.

The latent design
-----------------
``y* = mu_case + team_shift + employee_shift + variant_shift + e`` with ``e`` normal with sd
``s_case``; the decision is ``y*`` cut at 0.5, 1.5, 2.5 (positions 0-3). Clear cases have a small
scale and ``mu`` far inside the mildest or the harshest category; split cases a large scale with ``mu`` on a boundary.
:data:`TRUTH` records everything planted; ``tests/test_consistency.py`` recovers it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

SUBFOLDER = "municipality/vignettes"
CATEGORIES = [
    (1, "Uitzondering toestaan", "Grant the exception"),
    (2, "Betalingsregeling met begeleiding", "Payment plan with support"),
    (3, "Waarschuwing, geen uitzondering", "Warning, no exception"),
    (4, "Afwijzen en terugvorderen", "Refuse and recover"),
]
MISSING_CODE = 9
CLEAR = {  # case: (mu, scale)
    "C01": (-1.6, 0.25), "C02": (-1.8, 0.25), "C03": (4.0, 0.25), "C04": (-2.0, 0.25),
    "C05": (3.8, 0.25), "C06": (4.2, 0.25), "C07": (-1.6, 0.25), "C08": (-1.7, 0.25),
}
SPLIT = {
    "C09": (1.5, 1.0), "C10": (2.5, 1.0), "C11": (0.5, 1.0), "C12": (1.5, 1.0),
    "C13": (2.0, 1.3), "C14": (1.0, 1.3), "C15": (2.5, 1.0), "C16": (1.5, 1.3),
}
CASE_LABELS = {
    "C01": ("Te laat ingeleverd formulier, eerste keer", "Form handed in late, first time"),
    "C02": ("Gemiste afspraak door ziekte kind", "Missed appointment, child ill"),
    "C03": ("Inkomsten bewust verzwegen", "Income deliberately not reported"),
    "C04": ("Administratieve fout van de gemeente", "Administrative error by the municipality"),
    "C05": ("Derde keer gemiste afspraak", "Third missed appointment"),
    "C06": ("Vermogen in het buitenland niet gemeld", "Assets abroad not reported"),
    "C07": ("Schuld na scheiding", "Debt after divorce"),
    "C08": ("Verhuizing door brand", "Moved house after a fire"),
    "C09": ("Huurachterstand, drie maanden", "Rent arrears, three months"),
    "C10": ("Bijverdienste als bezorger niet gemeld", "Side income as courier not reported"),
    "C11": ("Sollicitatieplicht niet nagekomen, mantelzorg", "Job-search duty not met, caring for a parent"),
    "C12": ("Energieschuld, geen reactie op brieven", "Energy debt, no reply to letters"),
    "C13": ("Samenwonen niet doorgegeven", "Living together not reported"),
    "C14": ("Re-integratietraject afgebroken", "Reintegration programme broken off"),
    "C15": ("Gift van familie niet gemeld", "Gift from family not reported"),
    "C16": ("Te laat verlengd, tweede keer", "Renewal late, second time"),
}
TEAMS = {"Noord": 15, "Zuid": 14, "Oost": 16, "West": 15, "Centrum": 13, "Haven": 6}
HARSH_TEAM, HARSH_TEAM_SHIFT = "Zuid", 1.5
HARSH_EMPLOYEES, HARSH_EMPLOYEE_SHIFT = ("M007", "M038", "M061"), 2.0
EMPLOYEE_SD = 0.15
VARIANT_TEAM, VARIANT_SHIFT = "Oost", 1.5
VARIANTS = {"A": ("Jan de Vries", "Jan de Vries"), "B": ("Mohammed El Amrani", "Mohammed El Amrani")}
MISSING_RATE = 0.02
CONSIDERATIONS = [  # column, kind, p(yes), nl, en
    ("w_beleid", "rules", 0.85, "Het beleid en de regels", "The policy and the rules"),
    ("w_werkproces", "rules", 0.80, "Het werkproces", "The work process"),
    ("w_voor_iedereen", "equality", 0.60, "Dat de uitzondering voor elke klant mogelijk moet zijn",
     "That the exception must be possible for every client"),
    ("w_situatie", "other", 0.45, "De situatie van de klant", "The client's situation"),
    ("w_collega", "other", 0.30, "Overleg met een collega", "Advice from a colleague"),
    ("w_rechtvaardigheid", "own_judgement", 0.10, "Mijn eigen rechtvaardigheidsgevoel", "My own sense of justice"),
]
CONSIDERATION_MISSING_RATE = 0.03

TRUTH: dict[str, Any] = {
    "clear": sorted(CLEAR), "split": sorted(SPLIT), "harsh_team": HARSH_TEAM,
    "harsh_employees": list(HARSH_EMPLOYEES), "variant_team": VARIANT_TEAM, "variant_reference": "A",
    "small_team": "Haven", "considerations": {c[0]: c[2] for c in CONSIDERATIONS},
}


def _employees() -> pd.DataFrame:
    rows, number = [], 1
    for team, size in TEAMS.items():
        for _ in range(size):
            rows.append((f"M{number:03d}", team))
            number += 1
    return pd.DataFrame(rows, columns=["medewerker", "team"])


def simulate_vignettes(*, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The decisions (long: one row per employee x case) and the considerations survey."""
    rng = np.random.default_rng([seed, 40])
    staff = _employees()
    cases = {**CLEAR, **SPLIT}
    rows = []
    for employee, team in staff.itertuples(index=False):
        shift = rng.normal(0, EMPLOYEE_SD) + (HARSH_TEAM_SHIFT if team == HARSH_TEAM else 0.0)
        shift += HARSH_EMPLOYEE_SHIFT if employee in HARSH_EMPLOYEES else 0.0
        for case, (mu, scale) in cases.items():
            variant = "B" if rng.random() < 0.5 else "A"
            effect = VARIANT_SHIFT if (variant == "B" and team == VARIANT_TEAM) else 0.0
            latent = mu + shift + effect + rng.normal(0, scale)
            decision = int(np.clip(np.floor(latent + 0.5), 0, 3)) + 1
            if rng.random() < MISSING_RATE:
                decision = MISSING_CODE
            rows.append((employee, team, case, variant, decision))
    decisions = pd.DataFrame(rows, columns=["medewerker", "team", "casus", "variant", "beslissing"])
    survey = staff.copy()
    for column, _, p, _, _ in CONSIDERATIONS:
        answers = (rng.random(len(staff)) < p).astype(int).astype(object)
        answers[rng.random(len(staff)) < CONSIDERATION_MISSING_RATE] = ""
        survey[column] = answers
    return decisions, survey


def vignette_codebook() -> dict[str, Any]:
    """The codebook of the demo vignette study (written as ``codebook.yaml``)."""
    return {
        "title": {"nl": "Demodam: beslissingen op casussen (Inkomen)", "en": "Demodam: decisions on case vignettes (Income)"},
        "data": "decisions.csv",
        "employee": "medewerker",
        "team": "team",
        "vignette": "casus",
        "decision": {
            "column": "beslissing",
            "level": "ordinal",
            "categories": [{"code": c, "label": {"nl": nl, "en": en}} for c, nl, en in CATEGORIES],
            "missing_codes": [MISSING_CODE],
        },
        "vignette_labels": {k: {"nl": nl, "en": en} for k, (nl, en) in CASE_LABELS.items()},
        "variants": {
            "column": "variant",
            "reference": "A",
            "protected": True,
            "differs": {"nl": "de naam van de klant", "en": "the client's name"},
            "labels": {k: {"nl": nl, "en": en} for k, (nl, en) in VARIANTS.items()},
        },
        "considerations": {
            "data": "considerations.csv",
            "employee": "medewerker",
            "team": "team",
            "yes_codes": [1],
            "no_codes": [0],
            "items": [{"column": c, "kind": k, "label": {"nl": nl, "en": en}} for c, k, _, nl, en in CONSIDERATIONS],
        },
    }


def ground_truth_section(seed: int) -> str:
    """The section of ``GROUND_TRUTH.md`` about the vignette study."""
    considerations = "\n".join(f"| `{c}` | {k} | {p:.2f} |" for c, k, p, _, _ in CONSIDERATIONS)
    return f"""
## Vignette study: consistency of decisions (seed {seed})

`{SUBFOLDER}/decisions.csv` (`;`, UTF-8): {sum(TEAMS.values())} employees in {len(TEAMS)} teams
({', '.join(f'{t} {n}' for t, n in TEAMS.items())}) each judge {len(CLEAR) + len(SPLIT)} cases on a
four-step ordinal scale (1 grant the exception ... 4 refuse and recover). About {MISSING_RATE:.0%} of
the judgements are "weet niet" (code {MISSING_CODE}, a missing code). Latent model:
`y* = mu_case + shift + e`, `e` normal with sd `s_case`, cut at 0.5/1.5/2.5.

* **Clear cases** (sd 0.25, `mu` at least 1.3 steps inside the mildest or harshest category): {', '.join(sorted(CLEAR))}; nearly everyone
  decides alike. **Split cases** (sd 1.0-1.3, `mu` on or near a boundary): {', '.join(sorted(SPLIT))}.
  Every split case has a lower share of agreeing pairs than every clear case.
* **Team {HARSH_TEAM}** decides {HARSH_TEAM_SHIFT} latent steps more harshly than the others.
* **Employees {', '.join(HARSH_EMPLOYEES)}** (in other teams) decide {HARSH_EMPLOYEE_SHIFT} steps more
  harshly; other employees vary with sd {EMPLOYEE_SD}.
* **Variant effect in one team only**: every case comes in version A (reference, client "Jan de Vries")
  and B (client "Mohammed El Amrani"), assigned at random per employee and case. Only in **team
  {VARIANT_TEAM}** does version B move decisions {VARIANT_SHIFT} step harsher; in every other team the
  name makes no difference.
* **Team Haven** has {TEAMS['Haven']} employees, below the minimum group size of 10: it must never
  appear, and its employees are left out of all published numbers.

`{SUBFOLDER}/considerations.csv`: every employee says what they weigh when deciding on an exception
(1 yes, 0 no, about {CONSIDERATION_MISSING_RATE:.0%} empty). Planted probabilities of "yes", the same
in every team:

| column | kind | P(yes) |
|---|---|---|
{considerations}
"""


def _csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, sep=";", index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def write_vignette_demo(out_dir: Path, *, seed: int) -> list[Path]:
    """Write the demo vignette study into ``out_dir/municipality/vignettes`` and append its ground truth.

    Called by :func:`clientvalue.data.demo.write_demo_data` after it wrote ``GROUND_TRUTH.md``.
    """
    from clientvalue.paths import write_atomically as _write

    out_dir = Path(out_dir)
    folder = out_dir / SUBFOLDER
    decisions, survey = simulate_vignettes(seed=seed)
    header = f"# Generated by `python -m clientvalue.data.demo --seed {seed}`; do not edit by hand.\n"
    body = yaml.safe_dump(vignette_codebook(), sort_keys=False, allow_unicode=True, width=120)
    paths = [
        _write(folder / "decisions.csv", _csv(decisions)),
        _write(folder / "considerations.csv", _csv(survey)),
        _write(folder / "codebook.yaml", (header + body).encode("utf-8")),
    ]
    truth = out_dir / "GROUND_TRUTH.md"
    if truth.is_file():
        text = truth.read_text(encoding="utf-8")
        marker = "\n## Vignette study"
        text = text.split(marker)[0].rstrip("\n") + "\n"
        paths.append(_write(truth, (text + ground_truth_section(seed)).encode("utf-8")))
    return paths
