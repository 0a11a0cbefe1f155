"""End to end: `clientvalue run` on the demo data publishes everything, safely; a broken input
publishes nothing and leaves an earlier report untouched."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from clientvalue.run import cli

from clientvalue.run import pipeline
from clientvalue.errors import PipelineError
from clientvalue.paths import DEMO_DIR
from conftest import DEMO_NOTEBOOKS

pytestmark = pytest.mark.slow

ALL_NOTEBOOKS = DEMO_NOTEBOOKS


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_params(folder: Path, **values) -> Path:
    params = {
        "codebook": str(DEMO_DIR / "municipality" / "codebook.yaml"),
        "output": str(folder / "report"),
        "n_boot": 200,
        "notebooks": ALL_NOTEBOOKS,
    } | values
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    return path


# `demo_report` (the English demo report, run once per session) and `data_check_report` (notebook 00
# only) are in conftest.py.


def text_without_images(html: str) -> str:
    return re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+", "", html)


def test_every_output_is_there(demo_report):
    names = {p.name for p in demo_report.iterdir()}
    for notebook in ALL_NOTEBOOKS:
        assert f"{notebook}.html" in names and f"{notebook}.ipynb" in names
    assert {"index.html", "manifest.json", "tables"} <= names
    tables = {p.name for p in (demo_report / "tables").iterdir()}
    assert {"summary.csv", "responses_per_group.csv", "missingness.csv", "drivers.csv", "value_profile.csv",
            "senior_by_age.csv", "senior_threshold.csv", "senior_summary.csv"} <= tables
    assert not list(demo_report.parent.glob(".report.partial-*")), "staging folder left behind"


def test_manifest_records_inputs_parameters_versions(demo_report):
    manifest = json.loads((demo_report / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "succeeded"
    data = next(i for i in manifest["inputs"] if i["role"] == "data")
    assert data["sha256"] == sha(Path(data["path"]))
    assert manifest["parameters"]["n_boot"] == 200
    assert manifest["packages"]["pandas"] == pd.__version__
    assert [n["name"] for n in manifest["notebooks"]] == ALL_NOTEBOOKS  # the session demo report (conftest.py)


def test_html_is_for_policymakers(demo_report):
    ids = pd.read_csv(DEMO_DIR / "municipality" / "survey.csv", sep=";", encoding="cp1252")["respondent_id"]
    for page in demo_report.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert page.stat().st_size < 1_500_000, f"{page.name} is {page.stat().st_size:,} bytes"
        assert "<script" not in html.lower()
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), f"{page.name} loads from the internet"
        text = text_without_images(html)
        # "Warning:" as Python prints a warning (page 40's demo study has a decision "Warning, no exception")
        for code in ("import ", "load_survey(", "report.table(", "Traceback", "Warning:"):
            assert code not in text, f"{page.name} shows {code!r}"
        assert not any(re.search(rf"\b{i}\b", text) for i in ids.astype(str).head(300)), f"{page.name} shows a respondent id"


def test_small_groups_never_published(demo_report):
    for table in (demo_report / "tables").glob("*.csv"):
        frame = pd.read_csv(table)
        if "group" not in frame.columns:
            continue
        small = frame[frame["group"] == "Ombudsman"]
        numbers = small.drop(columns=[c for c in small.columns if c in ("group", "suppressed", "item", "dimension")])
        numbers = numbers.select_dtypes("number")
        assert numbers.isna().all().all(), f"{table.name} publishes numbers of a group below the minimum size"


def earlier_report(data_check_report: Path, folder: Path) -> Path:
    """A copy of the session's notebook-00 report in ``folder``/report, where `write_params` puts the output."""
    return Path(shutil.copytree(data_check_report, folder / "report"))


def test_identical_input_gives_identical_tables(demo_report, data_check_report):
    again = data_check_report  # a separate run of notebook 00 on the same input
    assert {p.name for p in (again / "tables").glob("*.csv")} >= {"responses_per_group.csv", "missingness.csv"}
    for table in (again / "tables").glob("*.csv"):
        assert table.read_bytes() == (demo_report / "tables" / table.name).read_bytes()


def test_broken_input_publishes_nothing(tmp_path, data_check_report):
    good = earlier_report(data_check_report, tmp_path)
    before = {p.relative_to(good): sha(p) for p in good.rglob("*") if p.is_file()}
    broken = tmp_path / "broken"
    shutil.copytree(DEMO_DIR / "municipality", broken)
    text = (broken / "survey.csv").read_text(encoding="cp1252").splitlines()
    header = text[0].split(";")
    row = text[5].split(";")
    row[header.index("q_fast")] = "snel"
    text[5] = ";".join(row)
    (broken / "survey.csv").write_text("\n".join(text) + "\n", encoding="cp1252")
    data_hash = sha(broken / "survey.csv")
    params = write_params(tmp_path, codebook=str(broken / "codebook.yaml"), notebooks=["00_data_check"])
    result = subprocess.run([sys.executable, "-m", "clientvalue.run.cli", "run", str(params)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "column 'q_fast'" in result.stderr and "snel" in result.stderr and "data rows 5" in result.stderr
    assert {p.relative_to(good): sha(p) for p in good.rglob("*") if p.is_file()} == before
    assert sha(broken / "survey.csv") == data_hash
    assert not list(tmp_path.glob(".report.partial-*"))


def test_failing_notebook_names_notebook_and_cell(tmp_path, monkeypatch, capsys, data_check_report):
    good = earlier_report(data_check_report, tmp_path)
    before = {p.relative_to(good): sha(p) for p in good.rglob("*") if p.is_file()}
    failing = tmp_path / "00_data_check.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("raise ValueError('planted failure')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, failing)
    monkeypatch.setattr(pipeline, "notebook_path", lambda name: failing)
    code = cli.main(["run", str(write_params(tmp_path, notebooks=["00_data_check"])), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "notebook 00_data_check failed in cell 1" in err and "ValueError: planted failure" in err
    assert {p.relative_to(good): sha(p) for p in good.rglob("*") if p.is_file()} == before
    with pytest.raises(PipelineError):
        pipeline.run(write_params(tmp_path, notebooks=["00_data_check"]), progress=False, echo=None)


def test_senior_only_survey_runs_notebook_20(tmp_path):
    params = write_params(tmp_path, codebook=str(DEMO_DIR / "senior" / "codebook.yaml"),
                          notebooks=["00_data_check", "20_senior"], language="nl", n_boot=20)
    output = pipeline.run(params, progress=False, echo=None)
    tables = {p.name for p in (output / "tables").iterdir()}
    assert {"senior_by_age.csv", "senior_threshold.csv", "senior_summary.csv"} <= tables
    assert "senior_value.csv" not in tables  # no satisfaction questions in this survey
    html = (output / "20_senior.html").read_text(encoding="utf-8")
    assert "<html lang='nl'>" in html and "niet beschikbaar voor dit onderzoek" in html


def test_plain_papermill_with_the_demo_parameter_file(tmp_path):
    from clientvalue.paths import DEMO_PARAMS, NOTEBOOKS_DIR

    target = tmp_path / "out.ipynb"
    result = subprocess.run(
        [sys.executable, "-m", "papermill", str(NOTEBOOKS_DIR / "00_data_check.ipynb"), str(target),
         "-f", str(DEMO_PARAMS), "-p", "tables_dir", str(tmp_path / "tables")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    executed = nbformat.read(target, as_version=4)
    assert not any(o.get("output_type") == "error" for c in executed.cells for o in c.get("outputs", []))
    assert (tmp_path / "tables" / "responses_per_group.csv").exists()


def test_output_that_holds_the_inputs_is_refused(tmp_path):
    folder = tmp_path / "survey"
    shutil.copytree(DEMO_DIR / "municipality", folder)
    before = {p.name: sha(p) for p in folder.iterdir() if p.is_file()}
    params = write_params(tmp_path, codebook=str(folder / "codebook.yaml"), output=str(folder), notebooks=["00_data_check"])
    with pytest.raises(Exception, match="a run replaces its output folder"):
        pipeline.run(params, progress=False, echo=None)
    assert {p.name: sha(p) for p in folder.iterdir() if p.is_file()} == before
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me", encoding="utf-8")
    params = write_params(tmp_path, output=str(other), notebooks=["00_data_check"])
    result = subprocess.run([sys.executable, "-m", "clientvalue.run.cli", "run", str(params)], capture_output=True, text=True)
    assert result.returncode == 2 and "mine.txt" in result.stderr and "not part of an earlier clientvalue report" in result.stderr
    assert (other / "mine.txt").read_text(encoding="utf-8") == "keep me"


def test_notebook_the_codebook_cannot_feed(tmp_path):
    from clientvalue.errors import ParameterError

    codebook = yaml.safe_load((DEMO_DIR / "municipality" / "codebook.yaml").read_text(encoding="utf-8"))
    for section in ("senior", "segmentation", "personas", "treatments"):
        codebook.pop(section)
    for section in ("waves", "benchmark"):  # files beside the demo codebook that are not copied here
        codebook.pop(section)
    rows = pd.read_csv(DEMO_DIR / "municipality" / "survey.csv", sep=";", dtype=str, keep_default_na=False,
                       encoding="cp1252")
    rows.iloc[::2].to_csv(tmp_path / "survey.csv", sep=";", index=False, encoding="cp1252")  # half: a quicker run
    codebook["data"] = str(tmp_path / "survey.csv")
    (tmp_path / "cb.yaml").write_text(yaml.safe_dump(codebook, allow_unicode=True), encoding="utf-8")
    params = write_params(tmp_path, codebook=str(tmp_path / "cb.yaml"), notebooks=["00_data_check", "20_senior"])
    with pytest.raises(ParameterError, match="notebook 20_senior needs `attributes.age` and a `senior` section"):
        pipeline.run(params, progress=False, echo=None)
    # not named explicitly: skipped with a note
    raw = yaml.safe_load(params.read_text(encoding="utf-8"))
    raw.pop("notebooks")
    raw["n_boot"] = 20
    params.write_text(yaml.safe_dump(raw), encoding="utf-8")
    lines = []
    output = pipeline.run(params, progress=False, echo=lines.append)
    assert any("skipping 20_senior" in line for line in lines)
    assert any("skipping 30_segments: the codebook has no `segmentation` items" in line for line in lines)
    assert not (output / "20_senior.html").exists() and (output / "10_value_drivers.html").exists()


@pytest.mark.parametrize("notebook", ["10_value_drivers", "20_senior"])
def test_notebook_runs_top_to_bottom_with_its_defaults(tmp_path, notebook):
    """As an analyst in JupyterLab would run it: the parameters cell's defaults (the demo codebook, a path
    relative to notebooks/), working dir notebooks/; only ``n_boot`` is lowered (1000 -> 50: the bootstrap
    runs the same code, and no number is checked here)."""
    from clientvalue.paths import NOTEBOOKS_DIR

    target = tmp_path / f"{notebook}.ipynb"
    result = subprocess.run([sys.executable, "-m", "papermill", str(NOTEBOOKS_DIR / f"{notebook}.ipynb"), str(target),
                             "--cwd", str(NOTEBOOKS_DIR), "-p", "n_boot", "50"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    executed = nbformat.read(target, as_version=4)
    outputs = [o for c in executed.cells for o in c.get("outputs", [])]
    assert not any(o.get("output_type") == "error" for o in outputs)
    assert sum(o.get("output_type") == "display_data" for o in outputs) >= 5
    assert not list(NOTEBOOKS_DIR.glob("*.csv")), "a notebook wrote tables without being asked"


def test_charts_have_a_phone_variant_with_the_same_alt_text(demo_report):
    for page, expected in (("10_value_drivers.html", 3), ("index.html", 1)):
        html = (demo_report / page).read_text(encoding="utf-8")
        attribute = re.compile(r"""(\w+)=(?:'([^']*)'|"([^"]*)")""")
        images = [{k: v1 or v2 for k, v1, v2 in attribute.findall(tag)} for tag in re.findall(r"<img\b[^>]*>", html)]
        wide = [i["alt"] for i in images if i.get("class") == "chart-wide"]
        phone = [i["alt"] for i in images if i.get("class") == "chart-phone"]
        assert len(wide) == len(phone) == expected, page
        assert wide == phone and all(wide)
        assert "img.chart-phone { display: none; }" in html  # wide screens and print show the wide chart


def test_no_heading_stands_over_an_empty_section(demo_report):
    for page in sorted(demo_report.glob("*.html")):
        html = text_without_images(page.read_text(encoding="utf-8"))
        parts = re.split(r"<h([1-6])\b[^>]*>(.*?)</h\1>", html, flags=re.S)
        headings = [(int(parts[i]), re.sub(r"<[^>]+>", "", parts[i + 1]).strip(), parts[i + 2])
                    for i in range(1, len(parts) - 1, 3)]
        for (level, title, between), (next_level, _next, _rest) in zip(headings, headings[1:]):
            empty = not re.sub(r"<[^>]+>|\s", "", between)
            assert not (empty and next_level <= level), f"{page.name}: heading {title!r} has nothing under it"
