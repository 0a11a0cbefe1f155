"""A hostile-input corpus: the README's fatal/handled table, one numbered section per kind of attack.

Each case asserts the expected refusal (the right exception or rc 2, a message naming the file,
column, value and what to do) or a correct report; no traceback, inputs byte-identical, nothing
published on refusal, no live markup in HTML, no formula cells in CSV, no control characters in
terminal output, no staging folder or kernel file left. End-to-end runs are few and batch many
hostile values (marked ``slow``); everything else is tested at function level.
"""

from __future__ import annotations

import html as html_module
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from hostile import (DEMO_CODEBOOK, HOSTILE_GROUPS, HOSTILE_LABELS, HOSTILE_TEAMS, HOSTILE_VERSION,
                     HOSTILE_VIGNETTE_LABELS, SMALL_TEAM, demo_codebook, formula_cells, hostile_demo,
                     hostile_vignettes, live_markup, sha, small_survey, write_survey)

from clientvalue.report import drivers_text  # noqa: E402
from clientvalue.analyses import drivers as drivers_report
from clientvalue.disclosure import data_summary
from clientvalue.data import checks
from clientvalue.report import checks_text
from clientvalue.data.codebook import load_codebook
from clientvalue.data.readers import read_export
from clientvalue.data.survey import load_survey
from clientvalue.errors import CodebookError, DataError, ParameterError, PipelineError
from clientvalue.report.safety import check_html, markdown_text, neutral_csv, visible
from clientvalue.run import cli, pipeline

CONTROL = ("\x1b", "\x07", "\x08", "\x9b")


@pytest.fixture(autouse=True)
def _restore_matplotlib_settings():
    """Report() sets global plotting defaults; other test files expect matplotlib's own."""
    import matplotlib as mpl

    with mpl.rc_context():
        yield


def render_markdown(text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(text)


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    rc = cli.main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def assert_clean_terminal(text: str) -> None:
    assert "Traceback" not in text
    assert not any(c in text for c in CONTROL), repr(text[:300])


# ------------------------------------------------------------------------------------------------
# 1. Stored XSS: every value from data or codebook is inert in Markdown and HTML; the guard is real.

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">klik</a>',
    "[klik](javascript:alert(1))",
    "<b>vet</b> _x_ *y* `z`",
    "https://evil.example/x.png",
    "www.evil.example",
    "![x](https://evil.example/t.png)",
    "line\n# heading\n<script>x</script>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_values_are_inert(payload):
    html = render_markdown(f"- **{markdown_text(payload)}**: practical value explains 40%")
    assert live_markup(html) == []
    assert "<a" not in html and "<em>" not in html and "<code>" not in html and "<h1" not in html
    check_html(html, name="finding")  # the guard agrees


@pytest.mark.parametrize("page, offending", [
    ("<p><img src=x onerror=alert(1)></p>", "onerror"),
    ("<svg onload=alert(1)></svg>", "svg"),
    ("<a href='javascript:alert(1)'>x</a>", "javascript:"),
    ("<img src='https://evil.example/t.png'>", "https://evil"),
    ("<details open ontoggle=alert(1)>", "ontoggle"),
])
def test_publish_guard_checks_real_attributes(page, offending):
    with pytest.raises(PipelineError) as caught:
        check_html(page, name="10_value_drivers.html")
    assert "10_value_drivers.html" in str(caught.value) and offending in str(caught.value)


def test_guard_accepts_escaped_text_that_mentions_urls():
    # table text that merely *mentions* src=https://... is text, not an attribute (was a ValueError)
    check_html("<td>src=https://evil.example &lt;img src=x&gt;</td><a href='#Key-findings'>#</a>"
               "<a href='tables/drivers.csv'>x</a><img src='data:image/png;base64,AAAA' alt='x'>", name="p.html")


def test_key_findings_name_groups_and_labels_inertly(tmp_path):
    frame, codebook = small_survey(3, 60)
    frame["service"] = frame["service"].map({"G0000": PAYLOADS[0], "G0001": PAYLOADS[1], "G0002": PAYLOADS[7]})
    codebook["items"][0]["label"] = PAYLOADS[4]
    survey = load_survey(write_survey(tmp_path, frame, codebook))
    results = drivers_report.analyse(survey, n_boot=20, seed=1, n_perm=9)
    html = render_markdown(drivers_text.key_findings(results))
    assert live_markup(html) == [] and "<a" not in html
    assert "onerror" in html  # shown as text, not dropped
    check_html(html, name="10_value_drivers.html")


# ------------------------------------------------------------------------------------------------
# 2. Spreadsheet formula injection: text cells are neutralised, numbers stay numeric.

@pytest.mark.parametrize("cell", ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
                                  '=HYPERLINK("http://x","y")'])
def test_formula_cells_are_neutralised(tmp_path, cell):
    from clientvalue.report.notebook import Report

    report = Report(language="en", tables_dir=tmp_path)
    table = pd.DataFrame({"group": [cell, "ok"], "share": [-0.25, 0.5], "n": [12, 30]})
    report.save(table, "t")
    assert formula_cells(tmp_path / "t.csv") == []
    back = pd.read_csv(tmp_path / "t.csv")
    assert back["group"][0].startswith("'")
    assert back["share"].tolist() == [-0.25, 0.5] and back["n"].dtype.kind == "i"
    assert table["group"][0] == cell  # the frame itself is untouched


def test_neutral_csv_leaves_numbers_alone():
    frame = pd.DataFrame({"a": [-1.5, 2.0], "b": ["-x", "y"]})
    out = neutral_csv(frame)
    assert out["a"].tolist() == [-1.5, 2.0] and out["b"].tolist() == ["'-x", "y"]


# ------------------------------------------------------------------------------------------------
# 3. Terminal escapes: values from files are printed with control characters made visible.

def test_refusal_message_shows_control_characters_visibly(tmp_path, capsys):
    evil = "q\x1b]0;pwned\x07\x1b[2J"
    frame, codebook = small_survey(2, 20)
    frame = frame.rename(columns={"p1": evil})
    codebook["items"][0]["column"] = "p1x"  # not in the file: the message lists the file's columns
    path = write_survey(tmp_path, frame, codebook)
    before = sha(tmp_path / "survey.csv")
    rc, out, err = run_cli(["check", str(path)], capsys)
    assert rc == 2 and "p1x" in err and "\\x1b]0;pwned\\x07" in err
    assert_clean_terminal(out + err)
    assert sha(tmp_path / "survey.csv") == before


def test_visible_keeps_newlines_and_cuts_long_text():
    assert visible("a\nb\x1b[2J") == "a\nb\\x1b[2J"
    assert len(visible("x" * 10_000)) < 2100


# ------------------------------------------------------------------------------------------------
# 4. YAML alias bomb: refused at once, with a short message.

def test_yaml_alias_bomb_is_refused_quickly(tmp_path, capsys):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for depth in range(1, 9):
        lines.append(f"{chr(97 + depth)}: &{chr(97 + depth)} [" + ",".join([f"*{chr(96 + depth)}"] * 9) + "]")
    lines += ["data: survey.csv", "id: id"]
    path = tmp_path / "codebook.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    tick = time.perf_counter()
    rc, out, err = run_cli(["check", str(path)], capsys)
    assert time.perf_counter() - tick < 5
    assert rc == 2 and "aliases" in err and str(path) in err and len(err) < 1000
    assert_clean_terminal(err)


def test_validation_messages_do_not_echo_the_input(tmp_path):
    raw = demo_codebook()
    raw["items"][0]["scale"] = "x" * 100_000
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    assert "items[0].scale" in str(caught.value) and len(str(caught.value)) < 1500


# ------------------------------------------------------------------------------------------------
# 5. A run never deletes files it does not own.

def _earlier_report(folder: Path) -> Path:
    folder.mkdir()
    (folder / "tables").mkdir()
    (folder / "index.html").write_text("old", encoding="utf-8")
    (folder / "00_data_check.html").write_text("old", encoding="utf-8")
    (folder / "00_data_check.ipynb").write_text("{}", encoding="utf-8")
    (folder / "tables" / "summary.csv").write_text("fact,value\n", encoding="utf-8")
    manifest = {"status": "succeeded", "notebooks": [{"name": "00_data_check", "html": "00_data_check.html",
                                                      "notebook": "00_data_check.ipynb"}],
                "tables": ["tables/summary.csv"], "packages": {"clientvalue": "0.1.0"}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_unrelated_manifest_is_refused(tmp_path):
    output = tmp_path / "project"
    output.mkdir()
    (output / "manifest.json").write_text('{"name": "my-web-app", "version": "1.0"}', encoding="utf-8")
    (output / "src").mkdir()
    (output / "src" / "precious.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        pipeline.check_output(output, [DEMO_CODEBOOK])
    assert "src/precious.txt" in str(caught.value) and "nothing deleted" in str(caught.value)
    assert (output / "src" / "precious.txt").read_text(encoding="utf-8") == "keep me"


def test_report_with_an_unlisted_file_is_refused_and_a_plain_one_accepted(tmp_path):
    report = _earlier_report(tmp_path / "report")
    pipeline.check_output(report, [DEMO_CODEBOOK])  # an earlier report: may be replaced
    (report / "notes.docx").write_text("mine", encoding="utf-8")
    with pytest.raises(ParameterError, match="notes.docx"):
        pipeline.check_output(report, [DEMO_CODEBOOK])


def test_cli_refuses_foreign_output_with_rc_2(tmp_path, capsys):
    output = tmp_path / "out"
    output.mkdir()
    (output / "manifest.json").write_text("[]", encoding="utf-8")
    (output / "precious.txt").write_text("keep", encoding="utf-8")
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"codebook": str(DEMO_CODEBOOK), "output": str(output)}), encoding="utf-8")
    rc, out, err = run_cli(["run", str(params), "--quiet"], capsys)
    assert rc == 2 and "precious.txt" in err
    assert sorted(p.name for p in output.iterdir()) == ["manifest.json", "precious.txt"]
    assert not list(tmp_path.glob(".out.*"))
    assert_clean_terminal(err)


# ------------------------------------------------------------------------------------------------
# 6. No subtraction leaks: every published count comes from reported respondents only.

@pytest.fixture
def leaky(tmp_path):
    frame, codebook = small_survey(group_sizes=[40, 40, 6])
    frame.loc[frame["service"] == "G0002", "service"] = "Geheim"
    frame.loc[frame.index[-6:], "p1"] = 98  # missing codes only in the small group
    frame.loc[frame.index[:1], "p1"] = 98  # and one in a reported group
    frame.loc[frame.index[-2:], "e1"] = 7  # out of range only in the small group
    return load_survey(write_survey(tmp_path, frame, codebook))


def test_counts_exclude_suppressed_rows(leaky):
    missing = checks.missingness(leaky, min_group_size=10).set_index("column")
    assert missing.loc["p1", "n_missing_code"] == 1  # was 7: the 6 of the small group leaked
    assert missing.loc["e1", "n_out_of_range"] == 0
    handled = checks.handled_problems(leaky, min_group_size=10)
    assert handled["count"].sum() == 1 and "e1" not in set(handled["column"])
    assert data_summary(leaky, 10)["respondents"] == 80


def test_suppressed_group_is_never_named(leaky):
    per_group = checks.responses_per_group(leaky, min_group_size=10)
    assert "Geheim" not in set(per_group["group"]) and per_group.loc[per_group["group"] == "all", "n"].item() == 80
    summary = data_summary(leaky, 10)
    assert summary["groups_reported"] == ["G0000", "G0001"] and summary["groups_suppressed"] == 1
    results = drivers_report.analyse(leaky, n_boot=20, seed=1, n_perm=9)
    assert "Geheim" not in drivers_text.key_findings(results) and "Geheim" not in set(results.suppressed["group"])
    assert "1 group is not shown" in drivers_text.key_findings(results)


# ------------------------------------------------------------------------------------------------
# 7. Crashes on ordinary data: a group or a secondary analysis that cannot be done is said, not fatal.

def test_survey_with_a_single_group_is_analysed(tmp_path):
    frame, codebook = small_survey(1, 80)
    results = drivers_report.analyse(load_survey(write_survey(tmp_path, frame, codebook)), n_boot=20, seed=1, n_perm=9)
    assert set(results.profile["group"]) == {"all", "G0000"} and len(results.reliability) > 0


def test_continuous_outcome_skips_the_ordinal_check(tmp_path):
    frame, codebook = small_survey(1, 47, outcome_scale=(0, 100))
    frame["overall"] = frame["overall"] + np.random.default_rng(3).uniform(0, 0.9, len(frame))  # 47 distinct values
    codebook["missing_codes"] = []  # 98 and 99 are valid answers on 0-100 (refused otherwise: item 8)
    survey = load_survey(write_survey(tmp_path, frame, codebook))
    for language, word in (("en", "ordinal check is left out"), ("nl", "ordinale controle is weggelaten")):
        results = drivers_report.analyse(survey, n_boot=20, seed=1, n_perm=9, language=language)
        assert results.ordinal.empty and any(word in note for note in drivers_text.notes(results))
        assert word in drivers_text.key_findings(results)


def test_small_group_skips_the_ordinal_check_and_names_the_group(tmp_path):
    frame, codebook = small_survey(group_sizes=[80, 15])
    results = drivers_report.analyse(load_survey(write_survey(tmp_path, frame, codebook)), n_boot=20, seed=1, n_perm=9)
    assert set(results.ordinal["group"]) == {"all", "G0000"}
    assert [note.subject for note in results.notes if note.kind == "ordinal_too_few"] == [{"group": "G0001"}]
    assert any("G0001" in note and "too few complete" in note for note in drivers_text.notes(results))


def test_constant_or_duplicated_item_in_one_group(tmp_path):
    frame, codebook = small_survey(3, 60)
    frame.loc[frame["service"] == "G0001", "p2"] = 3  # constant in one group
    dup = frame["service"] == "G0002"
    frame.loc[dup, "e2"] = frame.loc[dup, "e1"]  # duplicated in another
    results = drivers_report.analyse(load_survey(write_survey(tmp_path, frame, codebook)), n_boot=20, seed=1, n_perm=9)
    assert "all" in set(results.profile["group"]) and "G0000" in set(results.profile["group"])
    text = drivers_text.key_findings(results)
    assert "G0001" in text or "G0001" in set(results.profile["group"])


def test_wilson_bounds_contain_the_share_and_plot_does_not_fail():
    import matplotlib.pyplot as plt

    from clientvalue.report.plots_senior import plot_share_by_age
    from clientvalue.stats.intervals import wilson_interval

    bad = [(p, n) for n in range(5, 201) for p in (0.0, 1.0)
           if not (wilson_interval(p, n)[0] <= p <= wilson_interval(p, n)[1])]
    assert bad == []
    by_age = pd.DataFrame({"age_band": ["18–54", "55+"], "age_low": [18, 55], "age_high": [54, np.nan], "n": [40, 40],
                           "share_senior": [0.0, 1.0], "ci_low": [7e-18, 0.9], "ci_high": [0.1, 1.0 - 1e-17],
                           "suppressed": [False, False], "mean_age": [40.0, 70.0]})
    ax = plot_share_by_age(by_age)
    plt.close(ax.figure)


@pytest.mark.parametrize("weight, word", [(1e308, "times the smallest"), (5000.0, "times the smallest"),
                                          (float("inf"), "weight"), (float("nan"), "missing")])
def test_implausible_weights_are_refused(tmp_path, weight, word):
    frame, codebook = small_survey(2, 20)
    frame.loc[3, "w"] = weight
    path = write_survey(tmp_path, frame, codebook)
    with pytest.raises(DataError) as caught:
        load_survey(path)
    assert "'w'" in str(caught.value) and word in str(caught.value) and "survey.csv" in str(caught.value)


def test_many_groups_are_capped_with_a_note(tmp_path):
    frame, codebook = small_survey(120, 12)
    survey = load_survey(write_survey(tmp_path, frame, codebook))
    results = drivers_report.analyse(survey, n_boot=20, seed=1, n_perm=9)  # its time: benchmarks, not here
    assert len(results.profile) <= drivers_report.MAX_GROUPS + 1
    assert any("120 reported groups" in note for note in drivers_text.notes(results))


# ------------------------------------------------------------------------------------------------
# 8. Wrong results published silently: refused or normalised.

def test_duplicate_header_is_refused(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("id;p1;p1\n1;2;3\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_export(path)
    assert "'p1' twice" in str(caught.value) and "columns 2 and 3" in str(caught.value)


def test_duplicate_header_in_excel_is_refused(tmp_path):
    path = tmp_path / "survey.xlsx"
    frame = pd.DataFrame([[1, 2, 3]], columns=["id", "p1", "p1 "])
    frame.to_excel(path, index=False)
    with pytest.raises(DataError, match="'p1' twice"):
        read_export(path)


def test_top_level_missing_code_inside_a_scale_is_refused_and_per_question_codes_work(tmp_path):
    frame, codebook = small_survey(2, 20)
    frame.loc[0, "overall"] = 9
    frame.loc[1, "p1"] = 9
    bad = dict(codebook, missing_codes=[9])
    with pytest.raises(CodebookError) as caught:
        load_survey(write_survey(tmp_path / "a", frame, bad))
    assert "[9]" in str(caught.value) and "'overall'" in str(caught.value) and "own `missing_codes`" in str(caught.value)
    good = json.loads(json.dumps(codebook))
    good["items"][0]["missing_codes"] = [9]
    survey = load_survey(write_survey(tmp_path / "b", frame, good))
    assert survey.data.loc[0, "overall"] == 9 and np.isnan(survey.data.loc[1, "p1"])


@pytest.mark.parametrize("name", ["All respondents", "alle respondenten", " ALL "])
def test_reserved_display_names_are_refused(tmp_path, name):
    frame, codebook = small_survey(2, 20)
    frame.loc[frame["service"] == "G0001", "service"] = name
    with pytest.raises(DataError) as caught:
        load_survey(write_survey(tmp_path, frame, codebook))
    assert "'service'" in str(caught.value) and "reserved" in str(caught.value) and "Rename" in str(caught.value)


@pytest.mark.parametrize("ids", [["A1", "A1 "], ["A1", "A1\u00a0"], ["A1", "   "]])
def test_ids_are_stripped_before_the_duplicate_check(tmp_path, ids):
    frame, codebook = small_survey(2, 20)
    frame["id"] = [f"R{i}" for i in range(len(frame))]
    frame.loc[0, "id"], frame.loc[1, "id"] = ids
    with pytest.raises(DataError) as caught:
        load_survey(write_survey(tmp_path, frame, codebook))
    assert "'id'" in str(caught.value) and ("more than once" in str(caught.value) or "no id" in str(caught.value))


def test_nfc_and_nfd_group_names_are_one_group(tmp_path):
    import unicodedata

    frame, codebook = small_survey(2, 20)
    frame["service"] = [unicodedata.normalize("NFC" if i % 2 else "NFD", "Één loket") for i in range(len(frame))]
    survey = load_survey(write_survey(tmp_path, frame, codebook))
    assert survey.group_sizes().to_dict() == {"Één loket": 40}


# ------------------------------------------------------------------------------------------------
# 10. Messages and codebook friction.

def test_utf16_export_is_refused_with_how_to_save(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes("id\tp1\n1\t2\n".encode("utf-16"))
    with pytest.raises(DataError) as caught:
        read_export(path)
    assert "UTF-16" in str(caught.value) and "CSV UTF-8" in str(caught.value) and "\\x00" not in str(caught.value)


def test_all_missing_outcome_names_the_column(tmp_path):
    frame, codebook = small_survey(2, 20)
    frame["overall"] = 99
    with pytest.raises(DataError) as caught:
        load_survey(write_survey(tmp_path, frame, codebook))
    assert "'overall'" in str(caught.value) and "no valid answer" in str(caught.value)


def test_data_given_as_a_folder_is_refused_with_a_sentence(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(DataError, match="is a folder"):
        read_export(tmp_path / "data")


def test_senior_question_honours_top_level_missing_codes(tmp_path):
    frame, codebook = small_survey(2, 20)
    frame.loc[0, "senior"] = 99
    survey = load_survey(write_survey(tmp_path, frame, codebook))
    assert np.isnan(survey.data.loc[0, "senior"])


def test_misspelt_dimension_is_refused(tmp_path):
    frame, codebook = small_survey(2, 20)
    codebook["items"][2]["dimension"] = "emotinal"
    with pytest.raises(CodebookError) as caught:
        load_survey(write_survey(tmp_path, frame, codebook))
    assert "'emotinal'" in str(caught.value) and "did you mean 'emotional'" in str(caught.value)
    assert "'data':" not in str(caught.value) and len(str(caught.value)) < 600  # the codebook is not echoed
    codebook["dimensions"] = ["practical", "emotional", "emotinal"]  # declared on purpose: allowed
    assert set(load_survey(write_survey(tmp_path / "b", frame, codebook)).dimensions()) == {"practical", "emotional", "emotinal"}


def test_group_may_be_a_protected_attribute(tmp_path):
    frame, codebook = small_survey(2, 20)
    codebook["attributes"]["service"] = {"column": "service", "protected": True}
    survey = load_survey(write_survey(tmp_path, frame, codebook))
    assert survey.group == "service"


# ------------------------------------------------------------------------------------------------
# 9. Stops and faults (function level; real signals end to end below).

def test_disk_full_is_a_sentence_and_rc_2(tmp_path, capsys, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "out"))

    monkeypatch.setattr(pipeline, "run", full)
    params = tmp_path / "p.yaml"
    params.write_text("codebook: x\n", encoding="utf-8")
    rc, out, err = run_cli(["run", str(params)], capsys)
    assert rc == 2 and "No space left on device" in err and "writable" in err
    assert_clean_terminal(err)


def test_ctrl_c_is_one_line_and_rc_130(tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "run", interrupted)
    params = tmp_path / "p.yaml"
    params.write_text("codebook: x\n", encoding="utf-8")
    try:
        rc, out, err = run_cli(["run", str(params)], capsys)
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C escaped the command line as a KeyboardInterrupt traceback")
    assert rc == 130 and err.count("\n") == 1 and "Ctrl-C" in err


def test_old_report_that_cannot_be_removed_is_not_hidden_silently(tmp_path, monkeypatch):
    old = _earlier_report(tmp_path / "report")
    staging = tmp_path / ".report.partial-x"
    staging.mkdir()
    monkeypatch.setattr(pipeline.shutil, "rmtree", lambda *a, **k: None)  # as a mode-555 tree does for non-root
    with pytest.raises(PipelineError) as caught:
        pipeline._swap_into_place(staging, old)
    assert ".report.old-" in str(caught.value) and "remove it yourself" in str(caught.value)


# ------------------------------------------------------------------------------------------------
# End to end (slow): one hostile run, one refusal run, real SIGTERM and SIGINT.

def _params(folder: Path, codebook: Path, **values) -> Path:
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump({"codebook": str(codebook), "output": str(folder / "report"), "n_boot": 50}
                                   | values), encoding="utf-8")
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    process = subprocess.Popen([sys.executable, "-m", "clientvalue.run.cli", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    out, err = process.communicate(timeout=300)
    result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    result.pid = process.pid
    return result


def _kernel_files(pid: int) -> list[str]:
    """Kernel socket files a run with process id ``pid`` left behind."""
    return [p.name for p in Path(tempfile.gettempdir()).glob(f"clientvalue-kernel-{pid}-*")]


@pytest.fixture(scope="session")  # not torn down when its xdist worker runs other modules in between
def hostile_run(tmp_path_factory) -> SimpleNamespace:
    """One `clientvalue run` (a subprocess) on the hostile demo survey beside the hostile vignette study,
    paths relative to the parameter file, employee tables allowed: every notebook (00, 10, 20, 30, 40).
    Few replicates: no number that depends on them is checked on this run."""
    folder = tmp_path_factory.mktemp("hostile")
    hostile_demo(folder / "in")
    hostile_vignettes(folder / "study")
    inputs = sorted(p for sub in ("in", "study") for p in (folder / sub).iterdir())
    before = {p: sha(p) for p in inputs}
    params = folder / "params.yaml"
    params.write_text(yaml.safe_dump({"codebook": "in/codebook.yaml", "vignettes": "study/codebook.yaml",
                                      "output": "report", "n_boot": 20, "n_stability": 3, "employee_tables": True}),
                      encoding="utf-8")
    result = _cli("run", str(params), "--quiet")
    return SimpleNamespace(folder=folder, report=folder / "report", result=result, inputs_before=before,
                           inputs_after={p: sha(p) for p in inputs})


@pytest.mark.slow
def test_e2e_hostile_names_publish_an_inert_report(hostile_run):
    result, tmp_path, report = hostile_run.result, hostile_run.folder, hostile_run.report
    assert result.returncode == 0, result.stderr[-2000:]
    assert_clean_terminal(result.stdout + result.stderr)
    assert "KeyboardInterrupt" not in result.stderr
    assert hostile_run.inputs_after == hostile_run.inputs_before
    assert not list(tmp_path.glob(".report.*")) and _kernel_files(result.pid) == []
    for page in report.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert live_markup(text) == [], page.name
    drivers_page = (report / "10_value_drivers.html").read_text(encoding="utf-8")
    assert "onerror=alert(1)" in drivers_page.replace("&#61;", "=")  # shown as text
    for table in (report / "tables").glob("*.csv"):
        assert formula_cells(table) == [], table.name
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    summary = manifest["data_summary"]
    assert HOSTILE_GROUPS["Ombudsman"] not in summary["groups_reported"] and summary["groups_suppressed"] == 1
    respondents = pd.read_csv(tmp_path / "in" / "survey.csv", sep=";")
    assert summary["respondents"] == len(respondents) - 6  # the 6 of the suppressed group are nowhere
    assert f"{summary['respondents']:,}" in (report / "index.html").read_text(encoding="utf-8")
    everything = "".join(p.read_text(encoding="utf-8") for p in report.glob("*.html"))
    assert "ontoggle" not in everything  # the suppressed group's name appears nowhere
    assert HOSTILE_LABELS["q_cost"] not in everything


@pytest.mark.slow
def test_e2e_sigterm_and_sigint_stop_cleanly(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    for signum, rc in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
        folder = tmp_path / f"sig{int(signum)}"
        folder.mkdir()
        process = subprocess.Popen([sys.executable, "-m", "clientvalue.run.cli", "run",
                                    str(_params(folder, DEMO_CODEBOOK, n_boot=1000)), "--quiet"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                   # as a shell starts a background job: SIGINT inherited *ignored*
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        line = ""
        deadline = time.time() + 60
        while "running" not in line and time.time() < deadline:
            line = process.stdout.readline()
        time.sleep(4)  # kernels are up and executing
        process.send_signal(signum)
        tick = time.time()
        out, err = process.communicate(timeout=60)
        assert process.returncode == rc, err[-2000:]
        assert time.time() - tick < 5  # notebooks are stopped, not waited for
        assert "Traceback" not in err and err.strip().count("\n") == 0, err[-2000:]
        assert not (folder / "report").exists() and not list(folder.glob(".report.*"))
        time.sleep(0.5)
        assert _kernel_files(process.pid) == []
        import psutil

        assert not [p for p in psutil.process_iter(["cmdline"])
                    if p.info["cmdline"] and str(folder) in " ".join(p.info["cmdline"])]


def test_paths_in_a_parameter_file_are_relative_to_it(tmp_path):
    assert pipeline.output_path("out", base=tmp_path) == (tmp_path / "out").resolve()
    assert pipeline.output_path("out", output="elsewhere", base=tmp_path) == (Path.cwd() / "elsewhere").resolve()
    assert pipeline.output_path(str(tmp_path / "abs"), base=Path("/nowhere")) == (tmp_path / "abs").resolve()


def test_dollar_signs_in_labels_are_text_not_tex():
    import matplotlib.pyplot as plt

    from clientvalue.report.notebook import setup_plotting

    import matplotlib as mpl

    with mpl.rc_context():  # setup_plotting changes global settings: restore them afterwards
        setup_plotting()
        distributions = pd.DataFrame({"column": ["p1"] * 5, "value": [1.0, 2, 3, 4, 5], "count": [1] * 5,
                                      "share": [0.2] * 5})
        ax = checks_text.plot_item_distributions(distributions, labels={"p1": "$x^$ \\frac{"})
        ax.figure.canvas.draw()  # mathtext would raise a ValueError here
        plt.close(ax.figure)


def test_senior_numbers_leave_out_suppressed_groups(leaky):
    from clientvalue.analyses import senior as senior_report

    results = senior_report.analyse(leaky, min_group_size=10, n_boot=0)
    assert results.by_age["n"].sum() + results.n_dropped_age + results.n_dropped_answer == 80  # not 86


def test_read_only_output_parent_is_a_sentence_and_rc_2(tmp_path, capsys):
    # chmod does not stop root; /sys is read-only for everyone (skip where it is not)
    if not Path("/sys").is_dir() or os.access("/sys", os.W_OK) and _sys_writable():
        pytest.skip("no read-only folder available on this machine (/sys is writable or absent)")
    params = tmp_path / "p.yaml"
    params.write_text(yaml.safe_dump({"codebook": str(DEMO_CODEBOOK), "notebooks": ["00_data_check"]}), encoding="utf-8")
    rc, out, err = run_cli(["run", str(params), "--output", "/sys/clientvalue-report", "--quiet"], capsys)
    assert rc == 2 and "/sys" in err and "writable" in err
    assert_clean_terminal(err)


def _sys_writable() -> bool:
    try:
        Path(tempfile.mkdtemp(dir="/sys")).rmdir()
        return True
    except OSError:
        return False


# ------------------------------------------------------------------------------------------------
# The vignette study (notebook 40): one decision per team, inert labels, no per-employee rows.

def _vignette_results(codebook: Path):
    from clientvalue.analyses import consistency
    from clientvalue.data.vignettes import load_vignette_study

    study = load_vignette_study(codebook)
    return study, consistency.analyse(study, n_boot=50, seed=1)


def _overall_n(study, results, keep) -> dict[str, int]:
    """Published overall n per consideration, and the n of the respondents ``keep`` selects."""
    overall = results.considerations[results.considerations["team"] == "all"].set_index("consideration")["n"]
    answered = study.considerations[keep(study.considerations)]
    return {c: (int(overall[c]), int(answered[c].notna().sum())) for c in overall.index}


def test_vignette_team_suppressed_in_decisions_is_suppressed_in_considerations(tmp_path):
    study, results = _vignette_results(hostile_vignettes(tmp_path))
    # Haven: 6 employees decide, 14 answer the considerations survey (8 colleagues judged no case)
    assert (study.considerations["team"] == SMALL_TEAM).sum() == 14
    assert SMALL_TEAM not in set(results.considerations["team"]) and results.suppressed_teams == 1
    for column, (published, expected) in _overall_n(study, results, lambda f: f["team"] != SMALL_TEAM).items():
        assert published == expected, column  # the overall row leaves all 14 out


def test_vignette_without_team_key_overall_considerations_leave_out_suppressed_team(tmp_path):
    study, results = _vignette_results(hostile_vignettes(tmp_path, team_key=False))
    haven = set(study.data.loc[study.data["team"] == SMALL_TEAM, "employee"])
    assert set(results.considerations["team"]) == {"all"}
    for column, (published, expected) in _overall_n(
            study, results, lambda f: ~f["employee"].isin(haven)).items():
        assert published == expected, column


def test_vignette_team_small_in_considerations_is_suppressed_everywhere(tmp_path):
    codebook = hostile_vignettes(tmp_path)
    path = tmp_path / "considerations.csv"
    frame = pd.read_csv(path, sep=";", dtype=str)
    centrum = frame.index[frame["team"] == "Centrum"]
    frame.drop(index=centrum[4:]).to_csv(path, sep=";", index=False)  # 4 of Centrum's 13 answer
    study, results = _vignette_results(codebook)
    for table in (results.teams, results.variants, results.considerations):
        assert "Centrum" not in set(table["team"])
    decided = study.data.groupby("team")["employee"].nunique()
    assert results.n_employees == decided.drop([SMALL_TEAM, "Centrum"]).sum()
    assert results.suppressed_teams == 2


def test_vignette_employees_placed_in_a_suppressed_team_by_either_file_are_left_out(tmp_path):
    codebook = hostile_vignettes(tmp_path)
    path = tmp_path / "considerations.csv"
    frame = pd.read_csv(path, sep=";", dtype=str)
    centrum = frame.index[frame["team"] == "Centrum"]
    frame.loc[centrum[:9], "team"] = SMALL_TEAM  # the survey places 9 of Centrum's 13 in Haven
    frame.to_csv(path, sep=";", index=False)
    study, results = _vignette_results(codebook)
    # Haven is suppressed, so those 9 are left out of the decisions too; Centrum keeps 4: suppressed as well
    for table in (results.teams, results.variants, results.considerations):
        assert {SMALL_TEAM, "Centrum"}.isdisjoint(set(table["team"]))
    decided = study.data.groupby("team")["employee"].nunique()
    assert results.n_employees == decided.drop([SMALL_TEAM, "Centrum"]).sum() and results.suppressed_teams == 2


def test_vignette_small_consideration_cell_cannot_be_found_by_subtraction(tmp_path):
    codebook = hostile_vignettes(tmp_path)
    path = tmp_path / "considerations.csv"
    frame = pd.read_csv(path, sep=";", dtype=str)
    noord = frame.index[frame["team"] == "Noord"]
    frame.loc[noord[:8], "w_collega"] = ""  # 7 of Noord's 15 answer this one
    frame.to_csv(path, sep=";", index=False)
    _, results = _vignette_results(codebook)
    cells = results.considerations[results.considerations["consideration"] == "w_collega"].set_index("team")
    assert bool(cells.loc["Noord", "suppressed"])
    hidden = cells[cells["suppressed"]]
    assert len(hidden) >= 2  # a second cell is suppressed with it
    shown_teams = cells.drop(index="all")
    missing = cells.loc["all", "n"] - shown_teams.loc[~shown_teams["suppressed"], "n"].sum()
    assert missing >= 10  # what subtraction gives is the sum of at least 10 answers, not Noord's 7


def test_vignette_findings_are_inert_and_name_the_versions(tmp_path):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from clientvalue.report import consistency_text

    study, results = _vignette_results(hostile_vignettes(tmp_path))
    for language in ("en", "nl"):
        names = consistency_text.study_labels(study, language)
        text = consistency_text.key_findings(results, names=names, language=language)
        page = markdown2html_mistune(text)
        assert live_markup(page) == [] and "<a " not in page, page
        shown = html_module.unescape(re.sub(r"<[^>]+>", "", page))
        assert HOSTILE_VIGNETTE_LABELS["C14"] in shown and HOSTILE_TEAMS["Zuid"] in shown
        sentence = re.search(r"(Positive means|Positief betekent).*?”\.", shown).group(0)
        assert HOSTILE_VERSION in sentence and "Jan de Vries" in sentence


def test_publisher_names_a_raw_table_as_the_cause(tmp_path):
    import nbformat

    from clientvalue.errors import PipelineError
    from clientvalue.report.publish import render_notebook

    nb = nbformat.v4.new_notebook()
    frame = pd.DataFrame({"employee": ["M001"], "harshness": [0.5]})
    nb.cells = [nbformat.v4.new_markdown_cell("# Page"), nbformat.v4.new_code_cell(
        "results.employees", outputs=[nbformat.v4.new_output("execute_result", data={
            "text/html": frame._repr_html_(), "text/plain": repr(frame)}, execution_count=1)])]
    path = tmp_path / "page.ipynb"
    nbformat.write(nb, path)
    info = {"created": "2026-01-01T00:00:00+00:00", "title": "t", "data_file": "d.csv", "data_sha256": "0" * 64,
            "min_group_size": 10}
    with pytest.raises(PipelineError, match=r"page.html: not published: page.ipynb shows a table as raw pandas "
                                            r"output \(cell 2") as refused:
        render_notebook(path, tmp_path / "page.html", language="en", run_info=info)
    assert "not escaped" not in str(refused.value) and not (tmp_path / "page.html").exists()


def test_published_paths_are_relative_to_the_parameter_file(tmp_path):
    from clientvalue.report.publish import path_as_shown

    base = tmp_path / "project"
    assert path_as_shown("study/codebook.yaml", base=base) == "study/codebook.yaml"
    assert path_as_shown(str(base / "study" / "codebook.yaml"), base=base) == "study/codebook.yaml"
    assert path_as_shown(str(tmp_path / "elsewhere" / "codebook.yaml"), base=base) == "codebook.yaml"
    assert path_as_shown(str(base / "study" / "codebook.yaml")) == "codebook.yaml"


def _outputs_text(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    text = json.dumps([c.get("outputs", []) for c in nb["cells"]])
    return re.sub(r"[A-Za-z0-9+/=]{200,}", "", text)  # embedded images


@pytest.mark.slow
def test_e2e_vignettes_with_employee_tables_hostile_labels_and_relative_paths(hostile_run):
    result, tmp_path, report = hostile_run.result, hostile_run.folder, hostile_run.report
    assert result.returncode == 0, result.stderr[-2000:]
    assert hostile_run.inputs_after == hostile_run.inputs_before
    employees = pd.read_csv(report / "tables" / "employees.csv")
    assert len(employees) == 73 and SMALL_TEAM not in set(employees["team"])
    page = (report / "40_consistency.html").read_text(encoding="utf-8")
    assert live_markup(page) == []
    assert not re.search(r"<a [^>]*href=['\"]?(https?:|javascript:)", page, re.I)
    text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+", "", page)
    assert not re.search(r"\b[MX]\d{3}\b", text), "an employee code is published"
    assert not re.search(r"\b[MX]\d{3}\b", _outputs_text(report / "40_consistency.ipynb"))
    # the vignette study's tables (the survey beside it has a location of the same name, "Haven",
    # which the units tables of notebook 50 rightly show)
    study_tables = ("agreement", "vignette_agreement", "team_decisions", "departures", "variant_effect",
                    "considerations")
    for name in study_tables:
        table = report / "tables" / f"{name}.csv"
        assert table.is_file(), name
        assert SMALL_TEAM not in table.read_text(encoding="utf-8"), table.name
    index = (report / "about.html").read_text(encoding="utf-8")  # the technical record
    assert "study/codebook.yaml" in index and str(tmp_path) not in index
    assert str(tmp_path) not in page


@pytest.mark.slow
def test_e2e_plain_papermill_keeps_employee_rows_out_of_the_notebook(tmp_path):
    import papermill

    from clientvalue.run.pipeline import notebook_path

    codebook = hostile_vignettes(tmp_path / "study")
    target = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(notebook_path("40_consistency")), str(target), progress_bar=False,
                               parameters={"vignettes": str(codebook), "n_boot": 20, "employee_tables": True,
                                           "tables_dir": str(tmp_path / "tables")},
                               cwd=str(notebook_path("40_consistency").parent))
    assert not re.search(r"\b[MX]\d{3}\b", _outputs_text(target))
    assert len(pd.read_csv(tmp_path / "tables" / "employees.csv")) == 73

# 11. Ordinary mistakes get their real cause: a constant or copied item, an item that copies the
#     outcome, an absurd weight, decimal commas in a tab-separated export; a continuous outcome runs.

def _driver_input_refusal(tmp_path, capsys, frame, codebook) -> str:
    """Refused by `clientvalue run` before any notebook (rc 2), nothing written; returns the message."""
    codebook_path = write_survey(tmp_path / "in", frame, codebook)
    rc, out, err = run_cli(["run", str(_params(tmp_path, codebook_path)), "--quiet"], capsys)
    assert rc == 2, err
    assert_clean_terminal(out + err)
    assert "running" not in out and not (tmp_path / "report").exists() and not list(tmp_path.glob(".report*"))
    with pytest.raises(DataError) as caught:  # plain papermill / the helper package: the same sentence
        drivers_report.analyse(load_survey(codebook_path), n_boot=10, seed=1, n_perm=9)
    assert str(caught.value) in err
    assert "Lower min_group_size" not in err and "complete responses on the outcome and all" not in err
    return err


def test_item_without_variation_is_named_before_any_notebook(tmp_path, capsys):
    frame, codebook = small_survey(3, 40)
    frame["e1"] = 4
    err = _driver_input_refusal(tmp_path, capsys, frame, codebook)
    assert "'e1'" in err and "same answer (4)" in err and "Remove it from `items`" in err and "survey.csv" in err


@pytest.mark.parametrize("copy", [lambda f: f["p1"], lambda f: 6 - f["p1"]])
def test_duplicated_items_are_named_as_perfectly_correlated(tmp_path, capsys, copy):
    frame, codebook = small_survey(3, 40)
    frame["e2"] = copy(frame)
    err = _driver_input_refusal(tmp_path, capsys, frame, codebook)
    assert "'p1' and 'e2' are perfectly correlated" in err and "Remove one of the two" in err


def test_item_copying_the_outcome_is_refused_with_a_sentence(tmp_path, capsys):
    frame, codebook = small_survey(3, 40, outcome_scale=(1, 5))
    frame["e2"] = frame["overall"]
    err = _driver_input_refusal(tmp_path, capsys, frame, codebook)
    assert "exact linear function of item(s) 'e2'" in err and "R² = 1" in err and "copy of the outcome" in err


def test_a_group_where_an_item_copies_the_outcome_is_left_out_with_the_reason(tmp_path):
    frame, codebook = small_survey(3, 40, outcome_scale=(1, 5))
    inside = frame["service"] == "G0001"
    frame.loc[inside, "e2"] = frame.loc[inside, "overall"]
    results = drivers_report.analyse(load_survey(write_survey(tmp_path, frame, codebook)), n_boot=10, seed=1, n_perm=9)
    assert "G0001" not in set(results.profile["group"]) and {"all", "G0000", "G0002"} <= set(results.profile["group"])
    assert results.suppressed.set_index("group").at["G0001", "reason"] == "design"
    reason = drivers_text.suppressed_table(results).set_index("group").at["G0001", "reason"]
    assert "exact function of e2" in reason and "G0001" in drivers_text.key_findings(results)
    assert np.isfinite(results.profile["r2"]).all()


def test_non_finite_numbers_are_a_dash_never_a_crash():
    from clientvalue.report.i18n import translator
    from clientvalue.report.notebook import table_html

    for language in ("en", "nl"):
        _ = translator(language)
        for value in (float("inf"), float("-inf"), np.float64("nan"), np.inf):
            assert _.number(value, 3) == _.percent(value) == _.integer(value) == "–"
        html = table_html(pd.DataFrame({"group": ["all"], "r2": [np.inf], "p_value": [-np.inf], "n": [3]}),
                          language=language)
        assert html.count("<td class='num'>–</td>") == 2


def test_absurd_weight_is_a_short_readable_sentence_without_a_warning(tmp_path, capsys):
    import warnings

    frame, codebook = small_survey(2, 20)
    frame["w"] = 0.5
    frame.loc[3, "w"] = 1e308
    path = write_survey(tmp_path, frame, codebook)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow RuntimeWarning would fail here
        with pytest.raises(DataError) as caught:
            load_survey(path)
    message = str(caught.value).replace(str(tmp_path / "survey.csv"), "survey.csv")
    assert "1e+308" in message and "data row 4, id '4'" in message and "0.5" in message
    assert "more than 1,000 times the smallest" in message and "inf" not in message
    assert len(message) < 400 and not any(len(word) > 25 for word in message.split())
    rc, out, err = run_cli(["check", str(path)], capsys)
    assert rc == 2 and "RuntimeWarning" not in err and "overflow" not in err and "1e+308" in err


SWISS = Path(__file__).parents[1] / "fixtures" / "swiss.csv"
# R relaimpo: calc.relimp(lm(Fertility ~ ., swiss), type = "lmg") (see tests/stats/test_drivers.py)
SWISS_LMG = {"Agriculture": 0.0570912, "Examination": 0.1711730, "Education": 0.2601347, "Catholic": 0.1055702,
             "Infant.Mortality": 0.1127659}


@pytest.mark.slow
def test_e2e_continuous_outcome_runs_notebooks_00_and_10(tmp_path):
    """R's swiss: 47 rows, a 0-100 outcome with 47 distinct values, so no group gets an ordinal model."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "swiss.csv").write_bytes(SWISS.read_bytes())
    codebook = {"data": "swiss.csv", "id": "rownames", "outcome": {"column": "Fertility", "scale": [0, 100]},
                "items": [{"column": c, "dimension": d, "scale": [0, 100]} for c, d in (
                    ("Agriculture", "practical"), ("Examination", "practical"), ("Education", "emotional"),
                    ("Catholic", "emotional"), ("Infant.Mortality", "practical"))]}
    (folder / "codebook.yaml").write_text(yaml.safe_dump(codebook, sort_keys=False), encoding="utf-8")
    params = _params(tmp_path, folder / "codebook.yaml", notebooks=["00_data_check", "10_value_drivers"],
                     language="nl")
    result = _cli("run", str(params), "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    assert_clean_terminal(result.stdout + result.stderr)
    tables = tmp_path / "report" / "tables"
    drivers = pd.read_csv(tables / "drivers.csv").set_index("item")
    assert drivers["importance"].to_dict() == pytest.approx(SWISS_LMG, abs=1e-6)
    assert pd.read_csv(tables / "value_profile.csv")["r2"].iloc[0] == pytest.approx(0.706735, abs=1e-6)
    assert pd.read_csv(tables / "ordinal.csv").empty
    page = (tmp_path / "report" / "10_value_drivers.html").read_text(encoding="utf-8")
    assert "ordinale controle is weggelaten" in page and "niets te tonen" in page
    assert live_markup(page) == []
