"""Generator of hostile survey exports for tests/run/test_hostile.py (written into tmp_path, never committed).

Every export is the bundled demo municipality (or a small synthetic survey) with one kind of
hostile value planted: markup and formulas in group names and labels, terminal escapes in column
names, odd encodings, duplicate headers, look-alike ids, implausible weights...
"""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from clientvalue.paths import DEMO_DIR

DEMO_CODEBOOK = DEMO_DIR / "municipality" / "codebook.yaml"
DEMO_DATA = DEMO_DIR / "municipality" / "survey.csv"

# Hostile group names for the demo services (the demo's Ombudsman has 6 respondents: suppressed).
HOSTILE_GROUPS = {
    "Burgerzaken": "<img src=x onerror=alert(1)>",
    "Jeugd & gezin": "=HYPERLINK(\"http://evil.example\",\"klik\")",
    "Wmo-loket": "https://evil.example/<svg onload=alert(2)>",
    "Afval & belastingen": "<b>vet</b> _x_ +cmd|' /C calc'!A0",
    "Ombudsman": "<details open ontoggle=alert(3)>",
}
# Hostile item labels (q_cost is the planted red item of "Afval & belastingen").
HOSTILE_LABELS = {
    "q_cost": "<a href=\"javascript:alert(4)\">klik</a>",
    "q_fast": "@SUM(1+1)*cmd|' /C calc'!A0",
    "q_easy": "-2+3 <script>alert(5)</script>",
}
MARKUP_NEEDLES = ("onerror", "onload", "ontoggle", "javascript:", "<script", "<svg", "<details", "<img src=x")


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def demo_codebook() -> dict:
    return yaml.safe_load(DEMO_CODEBOOK.read_text(encoding="utf-8"))


def write_survey(folder: Path, frame: pd.DataFrame, codebook: dict, *, name: str = "survey.csv",
                 sep: str = ";") -> Path:
    """Write an export and its codebook into ``folder``; return the codebook path."""
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / name, sep=sep, index=False)
    path = folder / "codebook.yaml"
    path.write_text(yaml.safe_dump(dict(codebook, data=name), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def hostile_demo(folder: Path) -> Path:
    """The demo municipality with hostile group names and item labels."""
    frame = pd.read_csv(DEMO_DATA, sep=";", dtype={"service": str}, encoding="cp1252", decimal=",")
    frame["service"] = frame["service"].map(HOSTILE_GROUPS)
    codebook = demo_codebook()
    for item in codebook["items"]:
        if item["column"] in HOSTILE_LABELS:
            item["label"] = {"en": HOSTILE_LABELS[item["column"]], "nl": HOSTILE_LABELS[item["column"]]}
    codebook["title"] = {"en": "<script>alert('title')</script> Demodam", "nl": "<script>x</script> Demodam"}
    for section in ("waves", "benchmark"):  # files beside the demo codebook that are not copied here
        codebook.pop(section, None)
    return write_survey(folder, frame, codebook)


def small_survey(n_groups: int = 3, n_per_group: int = 40, *, seed: int = 1, outcome_scale=(1, 10),
                 group_sizes: list[int] | None = None) -> tuple[pd.DataFrame, dict]:
    """A synthetic survey: outcome driven by two practical and two emotional items."""
    rng = np.random.default_rng(seed)
    sizes = group_sizes or [n_per_group] * n_groups
    groups = np.repeat([f"G{i:04d}" for i in range(len(sizes))], sizes)
    n = len(groups)
    items = {c: rng.integers(1, 6, n) for c in ("p1", "p2", "e1", "e2")}
    lo, hi = outcome_scale
    latent = sum(items.values()) / 4
    overall = np.clip(np.round(lo + (latent - 1) / 4 * (hi - lo) + rng.normal(0, (hi - lo) / 8, n)), lo, hi)
    frame = pd.DataFrame({"id": np.arange(1, n + 1), "service": groups, "w": 1.0, **items, "overall": overall,
                          "age": rng.integers(18, 95, n), "senior": rng.choice([1, 2], n)})
    codebook = {
        "data": "survey.csv", "id": "id", "group": "service", "weight": "w", "missing_codes": [98, 99],
        "outcome": {"column": "overall", "scale": list(outcome_scale)},
        "items": [{"column": c, "dimension": "practical" if c.startswith("p") else "emotional", "scale": [1, 5]}
                  for c in ("p1", "p2", "e1", "e2")],
        "attributes": {"age": {"column": "age", "protected": True}},
        "senior": {"column": "senior", "yes_codes": [1], "no_codes": [2]},
    }
    return frame, codebook


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") or value.startswith("javascript:") or (
                    name in ("src", "href") and value.startswith(("http:", "https:", "//"))):
                self.bad.append(f"{tag} {name}={value[:40]}")
        if tag in ("script", "svg", "iframe", "object", "embed", "details", "form", "math", "b"):
            self.bad.append(f"<{tag}>")


def live_markup(page: str) -> list[str]:
    """Event handlers, javascript: or remote URLs, and unexpected tags in a page (parsed for real)."""
    parser = _Markup()
    parser.feed(page)
    return parser.bad


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_cells(csv_path: Path) -> list[str]:
    """Text cells of a CSV (read as a spreadsheet would) that would start a formula."""
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    cells = list(frame.columns) + [v for column in frame.columns for v in frame[column]]
    out = []
    for cell in cells:
        if cell.startswith(FORMULA_START):
            try:
                float(cell)  # a negative number is a number, not a formula
            except ValueError:
                out.append(cell)
    return out


# --- the vignette study (notebook 40) ---------------------------------------------------------------

DEMO_VIGNETTES = DEMO_DIR / "municipality" / "vignettes"
# Labels and team names holding a plain URL or a Markdown link: shown as text, never a link.
HOSTILE_VIGNETTE_LABELS = {
    "C16": "Case C16 (file: https://wiki.example.nl/casus/C16)",
    "C14": "[see the file](javascript:alert(6))",
}
HOSTILE_TEAMS = {"Zuid": "Zuid (https://wiki.example.nl/teams/zuid)", "Oost": "[Oost](javascript:alert(7))"}
HOSTILE_VERSION = "[Mohammed](https://evil.example/b) El Amrani"
SMALL_TEAM, SMALL_TEAM_SIZE, EXTRA_COLLEAGUES = "Haven", 6, 8


def hostile_vignettes(folder: Path, *, team_key: bool = True) -> Path:
    """The demo vignette study with hostile labels and team names, and a small team ("Haven", 6
    employees in the decisions) that has 8 more colleagues in the considerations survey who judged no
    case (14 respondents there). ``team_key=False`` drops the considerations survey's team column."""
    folder.mkdir(parents=True, exist_ok=True)
    decisions = pd.read_csv(DEMO_VIGNETTES / "decisions.csv", sep=";", dtype=str)
    considerations = pd.read_csv(DEMO_VIGNETTES / "considerations.csv", sep=";", dtype=str)
    extra = considerations[considerations["team"] == SMALL_TEAM].head(1)
    extra = pd.concat([extra] * EXTRA_COLLEAGUES, ignore_index=True)
    extra["medewerker"] = [f"X{i:03d}" for i in range(EXTRA_COLLEAGUES)]
    considerations = pd.concat([considerations, extra], ignore_index=True)
    for frame in (decisions, considerations):
        frame["team"] = frame["team"].replace(HOSTILE_TEAMS)
    if not team_key:
        considerations = considerations.drop(columns="team")
    decisions.to_csv(folder / "decisions.csv", sep=";", index=False)
    considerations.to_csv(folder / "considerations.csv", sep=";", index=False)
    codebook = yaml.safe_load((DEMO_VIGNETTES / "codebook.yaml").read_text(encoding="utf-8"))
    for code, label in HOSTILE_VIGNETTE_LABELS.items():
        codebook["vignette_labels"][code] = {"en": label, "nl": label}
    codebook["variants"]["labels"]["B"] = {"en": HOSTILE_VERSION, "nl": HOSTILE_VERSION}
    codebook["considerations"]["items"][0]["label"] = {"en": "Policy (https://wiki.example.nl/beleid)",
                                                       "nl": "Beleid (https://wiki.example.nl/beleid)"}
    if not team_key:
        del codebook["considerations"]["team"]
    path = folder / "codebook.yaml"
    path.write_text(yaml.safe_dump(codebook, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
