"""Contract tests over the analysis registry: every analysis is one spec, and everything else follows it.

Every spec has its notebook with a matching parameters cell, every notebook has a spec, every
title is the page's heading in both languages, every finding kind an analysis writes is declared
and worded in English and Dutch, every analysis declares its needs and the run plans by them.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
from pathlib import Path

import papermill as pm
import pytest

from clientvalue.analyses import registry
from clientvalue.analyses.registry import ANALYSES, Need
from clientvalue.errors import ParameterError
from clientvalue.findings import Finding
from clientvalue.paths import DEMO_DIR, NOTEBOOKS_DIR, PROJECT_ROOT
from clientvalue.report.i18n import translator

SPECS = {spec.name: spec for spec in ANALYSES}


def _cells(name: str) -> list[dict]:
    return json.loads((NOTEBOOKS_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]


def _heading(name: str, tag: str) -> str:
    """The first level-1 heading of the notebook's markdown cells tagged ``tag``."""
    for cell in _cells(name):
        if cell["cell_type"] == "markdown" and tag in cell.get("metadata", {}).get("tags", []):
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{name}: no level-1 heading tagged {tag}")


# --------------------------------------------------------------------------- notebooks and parameters
def test_every_notebook_has_a_spec_and_every_spec_a_notebook():
    on_disk = sorted(path.stem for path in NOTEBOOKS_DIR.glob("*.ipynb"))
    assert on_disk == sorted(SPECS)
    assert list(SPECS) == sorted(SPECS), "the report order is the order of the notebook names"
    assert len(SPECS) == len(ANALYSES), "two specs share a name"


@pytest.mark.parametrize("spec", ANALYSES, ids=lambda spec: spec.name)
def test_the_parameters_cell_declares_exactly_the_specs_parameters_with_their_defaults(spec):
    tagged = [c for c in _cells(spec.name) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{spec.notebook} needs one cell tagged `parameters`"
    declared = pm.inspect_notebook(str(NOTEBOOKS_DIR / spec.notebook))
    assert sorted(declared) == sorted(spec.parameters)
    for key, default in spec.defaults().items():
        value = ast.literal_eval(declared[key]["default"])
        assert value == default, (spec.name, key, value, default)


def test_the_run_parameters_use_the_registry_defaults():
    from clientvalue.run.params import NOTEBOOKS, RunParameters

    run = RunParameters(codebook="x").model_dump()
    assert tuple(run["notebooks"]) == NOTEBOOKS == tuple(SPECS)
    shared = {key for spec in ANALYSES for key in spec.defaults()} & set(run)
    assert len(shared) >= 8
    for key in shared:
        assert run[key] == registry.PARAMETER_DEFAULTS[key], key


def test_unknown_names_are_refused_naming_the_registered_ones():
    with pytest.raises(ParameterError, match="allowed: .*50_comparisons"):
        registry.get("60_unknown")


# --------------------------------------------------------------------------- titles
@pytest.mark.parametrize("spec", ANALYSES, ids=lambda spec: spec.name)
def test_the_title_is_the_pages_heading_in_english_and_dutch(spec):
    dutch = translator("nl")(spec.title)
    assert dutch != spec.title, f"no Dutch translation of the title {spec.title!r} in the catalog"
    assert _heading(spec.name, "lang-en") == spec.title
    assert _heading(spec.name, "lang-nl") == dutch


def test_the_catalog_holds_every_title_translated():
    from babel.messages.pofile import read_po

    path = PROJECT_ROOT / "src" / "clientvalue" / "locale" / "nl" / "LC_MESSAGES" / "clientvalue.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    for spec in ANALYSES:
        message = catalog.get(spec.title)
        assert message is not None and message.string and not message.fuzzy, spec.title


# --------------------------------------------------------------------------- needs and work
@pytest.mark.parametrize("spec", ANALYSES, ids=lambda spec: spec.name)
def test_every_analysis_declares_its_needs_and_work(spec):
    assert spec.needs and spec.needs <= set(Need)
    assert isinstance(spec.work, int) and spec.work >= 0
    if Need.SURVEY not in spec.needs:  # applies() reads a survey: only an analysis of a survey may have one
        assert spec.applies is registry._always and not spec.requirement
    if spec.applies is not registry._always:
        assert spec.requirement, f"{spec.name}: say what the codebook must hold"


def test_the_work_order_is_the_registrys():
    from clientvalue.run.execute import WORK_ORDER

    assert sorted(WORK_ORDER) == sorted(SPECS)
    assert [SPECS[n].work for n in WORK_ORDER] == sorted((s.work for s in ANALYSES), reverse=True)
    assert WORK_ORDER.index("10_value_drivers") < WORK_ORDER.index("00_data_check")  # the LMG bootstrap first


def _params(**values):
    from clientvalue.run.params import parse_parameters

    return parse_parameters({"codebook": "x"} | values)


def _plan(params, survey, study=None):
    from clientvalue.run.pipeline import applicable_notebooks

    notes: list[str] = []
    return applicable_notebooks(params, survey, codebook=Path("c.yaml"), echo=notes.append, study=study), notes


def test_the_plan_follows_the_needs(demo_codebook):
    from clientvalue.data.survey import load_survey

    survey = load_survey(demo_codebook)
    chosen, notes = _plan(_params(), survey)  # no vignette study: what needs one is skipped with a note
    assert chosen == [s.name for s in ANALYSES if Need.VIGNETTES not in s.needs]
    assert notes == ["skipping 40_consistency: no `vignettes` (vignette study) given"]
    with pytest.raises(ParameterError, match="needs a vignette study: set `vignettes`"):
        _plan(_params(notebooks=["40_consistency"]), survey)
    chosen, notes = _plan(_params(), None, study=object())  # a vignette study only
    assert chosen == ["40_consistency"] and len(notes) == len(ANALYSES) - 1
    senior = load_survey(DEMO_DIR / "senior" / "codebook.yaml")  # no outcome, no items, no segmentation
    chosen, notes = _plan(_params(), senior)
    assert {"00_data_check", "20_senior"} <= set(chosen)
    assert not {"10_value_drivers", "30_segments", "50_comparisons", "40_consistency"} & set(chosen)
    assert len(chosen) + len(notes) == len(ANALYSES)  # every analysis is chosen or skipped with a note
    assert any(note.startswith("skipping 10_value_drivers: the codebook has no") for note in notes)
    with pytest.raises(ParameterError, match="notebook 30_segments needs `segmentation` items in the codebook"):
        _plan(_params(notebooks=["30_segments"]), senior)


def test_waves_and_organisations_are_needs_the_plan_checks(demo_codebook):
    """Needs no analysis has yet: a planted spec that needs them is refused or chosen by the inputs alone."""
    from clientvalue.data.survey import load_survey
    from clientvalue.run.pipeline import _refusal

    survey = load_survey(demo_codebook)
    planted = registry.AnalysisSpec(name="60_trend", title="Trend", needs=frozenset({Need.SURVEY, Need.WAVES}),
                                    work=1, parameters=())
    has_waves = survey.codebook.waves is not None
    refusal = _refusal(planted, _params(), survey, None, None)
    assert (refusal is None) == has_waves
    no_waves = load_survey(DEMO_DIR / "senior" / "codebook.yaml")
    assert no_waves.codebook.waves is None
    assert "declare the earlier measurements under `waves`" in _refusal(planted, _params(), no_waves, None, None)[0]
    many = registry.AnalysisSpec(name="70_many", title="Many", needs=frozenset({Need.SURVEY, Need.ORGANISATIONS}),
                                 work=1, parameters=())
    assert "`clientvalue batch`" in _refusal(many, _params(), survey, None, None)[0]
    assert _refusal(many, _params(benchmark={"position": "within"}), survey, None, None) is None


def test_the_batch_leaves_out_what_needs_a_vignette_study(tmp_path):
    from clientvalue.run.batch import organisation_parameters
    from clientvalue.run.batch_inputs import Organisation

    params = _params(notebooks=list(SPECS))
    organisation = Organisation(name="a", folder="a", codebook=tmp_path / "codebook.yaml")
    chosen, _ = organisation_parameters(params, {"codebook": "x", "notebooks": list(SPECS)}, organisation, tmp_path)
    assert chosen.notebooks == [s.name for s in ANALYSES if Need.VIGNETTES not in s.needs]


# --------------------------------------------------------------------------- findings
def test_each_finding_kind_belongs_to_one_analysis():
    kinds = [kind for spec in ANALYSES for kind in spec.finding_kinds]
    assert len(kinds) == len(set(kinds))
    for spec in ANALYSES:
        assert set(spec.summary_kinds) <= set(spec.finding_kinds), spec.name
        assert bool(spec.finding_kinds) == bool(spec.wording), spec.name
        if spec.wording:
            assert spec.wording.startswith("clientvalue.report.")
            describe = importlib.import_module(spec.wording).describe
            assert "language" in inspect.signature(describe).parameters


def _module_trees(module: str) -> list[ast.Module]:
    """A module's source and that of the modules split off from it (``<module>_*``) that it imports."""
    def parse(name: str) -> ast.Module:
        return ast.parse(Path(importlib.import_module(name).__file__).read_text(encoding="utf-8"))

    tree = parse(module)
    split = {node.module for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(module + "_")}
    return [tree, *(parse(name) for name in sorted(split))]


def _written_kinds(module: str) -> set[str]:
    """The kinds a module's source (with its split-off parts) passes to ``Finding(kind=...)``: literals,
    and f-strings as regexes."""
    kinds = set()
    for node in (node for tree in _module_trees(module) for node in ast.walk(tree)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding":
            for keyword in node.keywords:
                if keyword.arg != "kind":
                    continue
                if isinstance(keyword.value, ast.Constant):
                    kinds.add(keyword.value.value)
                elif isinstance(keyword.value, ast.JoinedStr):
                    kinds.add("^" + "".join(re.escape(v.value) if isinstance(v, ast.Constant) else ".+"
                                            for v in keyword.value.values) + "$")
    return kinds


@pytest.mark.parametrize("spec", ANALYSES, ids=lambda spec: spec.name)
def test_every_kind_an_analysis_module_writes_is_declared(spec):
    assert spec.module, f"{spec.name}: name the module whose analyse() the notebook calls"
    written = _written_kinds(spec.module)
    assert bool(written) == bool(spec.finding_kinds), spec.module
    declared = spec.finding_kinds + spec.note_kinds
    assert not set(spec.finding_kinds) & set(spec.note_kinds), "a kind is a finding or a note, not both"
    for kind in written:
        if kind.startswith("^"):
            assert any(re.match(kind, d) for d in declared), (spec.module, kind)
        else:
            assert kind in declared, (spec.module, kind)
    assert set(spec.note_kinds) <= written, "a declared note kind the module never writes"


def test_every_note_kind_is_worded_in_english_and_dutch():
    from clientvalue.findings import Finding

    for spec in ANALYSES:
        if not spec.note_kinds:
            continue
        wording = importlib.import_module(spec.wording)
        for kind in spec.note_kinds:
            note = Finding(kind=kind, subject={"group": "Wmo-loket", "column": "Rapportcijfer"},
                           numbers={"groups": 12, "analysed": 8, "levels": 10})
            english, dutch = wording.note_text(note, "en"), wording.note_text(note, "nl")
            assert kind not in english and english != dutch, (kind, english, dutch)


def test_the_kind_reader_sees_fstrings_and_literals():
    """A second reading of one module's source: the comparisons write `unit_{position}` and literal kinds."""
    written = _written_kinds("clientvalue.analyses.comparisons")
    assert "level" in written and "benchmark" in written
    assert any(k.startswith("^") and re.match(k, "unit_above") for k in written)


#: Kinds the demo report does not write, planted with the subject and numbers their analysis writes.
PLANTED = [
    Finding(kind="dimension_caution", subject={"strength": "strong"}, numbers={"flagged": 3, "items": 8}),
    Finding(kind="dimension_caution", subject={"strength": "mild"}, numbers={"flagged": 1, "items": 8}),
    Finding(kind="half_way_status", subject={"status": "separation"}, numbers={"from_age": 61.0, "to_age": 66.0}),
    Finding(kind="half_way_status", subject={"status": "separation"}),
    Finding(kind="half_way_status", subject={"status": "never_half"}),
    Finding(kind="half_way_status", subject={"status": "above_half_throughout"}),
    Finding(kind="no_protected"),
    Finding(kind="segment_value_not_assessed"),
    Finding(kind="no_proxy", numbers={"threshold": 0.3}),
    Finding(kind="segment_stability", subject={"unstable": '["2", "3"]', "doubtful": "[]"},
            numbers={"min_jaccard": 0.41, "stable_from": 0.75, "unstable_below": 0.6}),
    Finding(kind="segment_stability", subject={"unstable": "[]", "doubtful": '["4"]'},
            numbers={"min_jaccard": 0.66, "stable_from": 0.75, "unstable_below": 0.6}),
    Finding(kind="segments", subject={"assignment": "unclear"},
            numbers={"k": 4, "n": 1200, "stable": 4, "entropy": 0.62, "clear_from": 0.8, "smallest": 0.12}),
    Finding(kind="segments", subject={"assignment": "clear"},
            numbers={"k": 5, "n": 1200, "stable": 2, "doubtful": 2, "unstable": 0, "hidden": 1, "entropy": 0.9,
                     "clear_from": 0.8, "smallest": float("nan")}),
    Finding(kind="segment_card", subject={"segment": "2", "persona": "", "higher": "[]", "lower": "[]", "asks": ""},
            numbers={"share": 0.2, "persona_share": float("nan")}),
    Finding(kind="variant_comparison", subject={"reference": "A", "versions": '["B", "C"]'},
            numbers={"versions": 2, "flagged": 0}),
    Finding(kind="variant_comparison", subject={"reference": "A", "versions": '["B"]'},
            numbers={"versions": 1, "flagged": 1}),
    Finding(kind="departure_from_majority", subject={"departing_often": "few"},
            numbers={"median_share": 0.2, "often_share": float("nan"), "min_group_size": 10}),
    Finding(kind="departure_from_majority", subject={"departing_often": "nearly_all"},
            numbers={"median_share": 0.6, "often_share": float("nan"), "min_group_size": 10}),
    Finding(kind="differing_team", subject={"team": "Noord; Zuid", "direction": "differently"},
            numbers={"shift": float("nan"), "distance": 0.2}),
]


@pytest.fixture(scope="module")
def demo_findings(demo_report):
    from clientvalue.report.summary import read_all_findings

    return read_all_findings(demo_report / "findings")


def test_the_demo_writes_only_declared_kinds(demo_report, demo_findings):
    ran = [r["name"] for r in json.loads((demo_report / "manifest.json").read_text(encoding="utf-8"))["notebooks"]]
    assert set(demo_findings) == {name for name in ran if SPECS[name].finding_kinds}
    for name, items in demo_findings.items():
        assert {f.kind for f in items} <= set(SPECS[name].finding_kinds), name


def test_every_finding_kind_is_worded_in_english_and_dutch(demo_findings):
    from clientvalue.report.summary import _describe

    samples = [f for items in demo_findings.values() for f in items] + PLANTED
    declared = {kind for spec in ANALYSES for kind in spec.finding_kinds}
    assert {f.kind for f in samples} == declared, "a declared kind has no sample: plant one in PLANTED"
    for f in samples:
        english, dutch = _describe(f, "en"), _describe(f, "nl")
        assert english.strip() and dutch.strip(), f
        assert english != dutch, f"{f.kind} is not translated: {english}"


def test_the_summary_headings_are_the_page_titles(demo_report):
    index = (demo_report / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((demo_report / "manifest.json").read_text(encoding="utf-8"))
    import html

    headings = [html.unescape(h) for h in re.findall(r"<section><h2>(.*?)</h2>", index)]
    ran = [record["name"] for record in manifest["notebooks"]]
    assert headings == [SPECS[name].title for name in ran]
    for name in ran:
        page = (demo_report / SPECS[name].page).read_text(encoding="utf-8")
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, flags=re.S).group(1)
        assert html.unescape(re.sub(r"<[^>]+>", "", h1)).strip() == SPECS[name].title
        assert f"<title>{html.escape(SPECS[name].title)}</title>" in page


def test_clientvalue_check_lists_what_the_codebook_feeds_by_the_registry(demo_codebook, capsys):
    from clientvalue.run.cli import main

    assert main(["check", str(DEMO_DIR / "senior" / "codebook.yaml")]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    fed = last.split(": ")[1].split(", ")
    assert last.startswith("notebooks this codebook feeds: ") and {"00_data_check", "20_senior"} <= set(fed)
    assert not {"10_value_drivers", "30_segments", "50_comparisons"} & set(fed)  # no outcome, items, segmentation
    assert main(["check", str(demo_codebook)]) == 0
    fed = capsys.readouterr().out.strip().splitlines()[-1].split(": ")[1].split(", ")
    assert fed == [s.name for s in ANALYSES if Need.SURVEY in s.needs]  # the demo feeds every survey analysis


def test_the_input_checks_import_no_statistics():
    """The run's own process checks every input before any notebook starts; the checks import neither
    statsmodels nor scipy nor scikit-learn (seconds per run, paid again by every kernel anyway)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from clientvalue.analyses import registry\n"
        "from clientvalue.data.survey import load_survey\n"
        f"survey = load_survey({str(DEMO_DIR / 'municipality' / 'codebook.yaml')!r})\n"
        "checked = []\n"
        "for spec in registry.ANALYSES:\n"
        "    if registry.Need.SURVEY in spec.needs and spec.applies(survey):\n"
        "        spec.validate(survey, min_group_size=10)\n"
        "        checked.append(spec.name)\n"
        "print(','.join(checked))\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & {'statsmodels', 'scipy', 'sklearn', 'matplotlib'})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert set(out[0].split(",")) >= {"00_data_check", "10_value_drivers", "30_segments", "50_comparisons"}
    assert out[1] == ""
