"""benchmarks/bench_report.py: every shape is a complete export the loaders accept, with what its docstring promises."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from clientvalue.data.survey import load_survey
from clientvalue.data.waves import read_benchmark, stack_waves
from clientvalue.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
bench_report = pytest.importorskip("bench_report")
bench_segments = pytest.importorskip("bench_segments")

ROWS = 1200


@pytest.fixture(scope="module", params=list(bench_report.REPORT_SHAPES))
def shape_export(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    params = bench_report.write_shape_export(folder, ROWS, request.param)
    return request.param, params


def test_every_shape_of_bench_segments_is_a_report_shape():
    assert set(bench_report.REPORT_SHAPES) == set(bench_segments.SHAPES)
    assert bench_report.SHAPES == ("municipality", *bench_segments.SHAPES)


def test_the_export_holds_what_the_shape_promises(shape_export):
    shape, params = shape_export
    spec, segments = bench_report.REPORT_SHAPES[shape], bench_segments.SHAPES[shape]
    assert params.read_text(encoding="utf-8") == "codebook: codebook.yaml\noutput: report\n"
    survey = load_survey(params.parent / "codebook.yaml")
    codebook = survey.codebook
    extra = list(bench_report.EXTRA_DRIVERS) if spec["extra_drivers"] else []
    assert [i.column for i in codebook.items] == [*spec["drivers"], *extra]
    assert {i.dimension for i in codebook.items} == {"practical", "emotional"}
    assert sorted(survey.data["service"].unique()) == sorted(spec["services"])
    assert len(survey.data) == pytest.approx(ROWS, abs=len(spec["services"]))
    needs = [s.column for s in codebook.segmentation if s.basis == "needs"]
    assert needs == segments["needs"]
    assert len(codebook.segmentation) == len(segments["needs"]) + (6 if segments["extra"] else 0)
    assert set(codebook.attributes) == set(segments["attributes"])
    assert set(codebook.treatments) == set(segments["treatments"])
    assert [w.name for w in codebook.waves.earlier] == list(spec["waves"])


def test_the_earlier_waves_and_the_benchmark_load(shape_export):
    shape, params = shape_export
    spec = bench_report.REPORT_SHAPES[shape]
    survey = load_survey(params.parent / "codebook.yaml")
    waves = stack_waves(survey)
    assert waves.order == [*spec["waves"], "2026"]
    for question in spec["drivers"]:  # the demo's questions were asked before (2024 lacks q_welcome)
        assert set(waves.questions[question]) >= {spec["waves"][-1], "2026"}
    for question in bench_report.EXTRA_DRIVERS if spec["extra_drivers"] else ():
        assert waves.questions[question] == ["2026"]  # new this year
    bench = read_benchmark(survey)
    assert set(bench["question"]) == {"overall", "practical_share", *spec["drivers"]}


def test_the_extra_driver_questions_mix_their_two_questions(tmp_path):
    frame = pd.DataFrame({"q_easy": ["1", "5", "3", "99", ""] * 400, "q_correct": ["1", "5", "4", "2", "2"] * 400,
                          "q_fast": ["2"] * 2000, "q_listened": ["4"] * 2000, "q_serious": ["4"] * 2000,
                          "q_welcome": ["5"] * 2000, "q_matters": ["3"] * 2000, "other": ["x;y"] * 2000})
    path = tmp_path / "survey.csv"
    frame.to_csv(path, sep=";", encoding="cp1252", index=False)
    bench_report.add_extra_drivers(path, seed=1)
    out = pd.read_csv(path, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(out[frame.columns], frame)  # the file's own columns are left as they were
    clear = pd.to_numeric(out["q_clear"].replace("", np.nan))
    assert clear[frame["q_easy"].isin(["99", ""])].isna().all()  # no valid answer to mix: empty
    assert clear.dropna().between(1, 5).all()
    assert clear[::5].mean() < 1.4 and clear[1::5].mean() > 4.6  # both 1 / both 5, noise sd 0.6
    assert clear[2::5].mean() == pytest.approx(3.5, abs=0.1)  # (3 + 4) / 2 plus symmetric noise
    respect = pd.to_numeric(out["q_respect"])
    assert respect.mean() == pytest.approx(4.0, abs=0.1)  # both questions at 4


def test_unsuccessful_names_the_survey_notebooks_that_did_not_succeed():
    manifest = {"notebooks": [{"name": "00_data_check", "status": "succeeded"},
                              {"name": "10_value_drivers", "status": "failed"},
                              {"name": "20_senior", "status": "succeeded"},
                              {"name": "30_segments", "status": "succeeded"}]}
    assert bench_report.unsuccessful(manifest) == ["10_value_drivers", "50_comparisons"]


def test_the_summary_table_has_one_row_per_shape():
    run = {"wall": 12.34, "cpu": 20.0, "peak": 300 * 2**20, "peak_pss": 250 * 2**20,
           "manifest": {"notebooks": [{"name": "00_data_check", "seconds": 1.0}, {"name": "10_value_drivers",
                                                                                   "seconds": 2.5}]}}
    other = dict(run, manifest={"notebooks": [{"name": "10_value_drivers", "seconds": 4.0}]})
    lines = bench_report.summary_table({"small": run, "wide": other}).splitlines()
    assert lines[0].split() == ["shape", "00", "10", "wall", "s", "CPU", "s", "RSS", "MiB", "PSS", "MiB"]
    assert lines[1].split() == ["small", "1.0", "2.5", "12.3", "20.0", "300", "250"]
    assert lines[2].split() == ["wide", "-", "4.0", "12.3", "20.0", "300", "250"]
    assert bench_report.summary_table({}).splitlines()[0].split()[0] == "shape"


def test_tree_memory_counts_a_child_and_its_proportional_share():
    """A child holding 200 MiB: both peaks see it, and PSS (shared pages split) is not above RSS."""
    import subprocess
    import sys

    code = "import time; block = bytearray(200 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(1.5)"
    proc = subprocess.Popen([sys.executable, "-c", code])
    with bench_report.TreeMemory(proc.pid, interval=0.02) as memory:
        proc.wait()
    assert memory.peak >= 200 * 2**20
    if memory.peak_pss:  # 0 where the system does not report PSS
        assert 200 * 2**20 <= memory.peak_pss <= memory.peak
