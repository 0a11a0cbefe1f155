"""The survey a run reads once and hands to its notebooks (clientvalue.data.prepared), the
per-distinct-value cleaning steps, and the kernel thread limit of parallel runs."""

from __future__ import annotations

import dataclasses
import os
import shutil
import stat
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from clientvalue.data import prepared as prepared_module
from clientvalue.data.prepared import read_prepared, write_prepared
from clientvalue.data.survey import code_key, code_text, code_texts, map_distinct, load_survey
from clientvalue.paths import DEMO_DIR
from clientvalue.run import execute, pipeline


@pytest.fixture
def demo_copy(tmp_path):
    """The demo codebook and export in a folder of their own (so the test may touch them)."""
    source = DEMO_DIR / "municipality"
    for name in ("codebook.yaml", "survey.csv"):
        shutil.copy(source / name, tmp_path / name)
    return tmp_path / "codebook.yaml"


def assert_same_survey(a, b):
    pd.testing.assert_frame_equal(a.data, b.data, check_exact=True)
    pd.testing.assert_frame_equal(a.problems, b.problems)
    assert a.codebook == b.codebook and a.path == b.path and a.read_details == b.read_details


def test_prepared_survey_equals_reading_the_export(demo_copy, tmp_path):
    survey = load_survey(demo_copy)
    path = write_prepared(survey, tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # respondent data: readable by the owner only
    assert_same_survey(load_survey(demo_copy, prepared=path), survey)
    assert_same_survey(read_prepared(path, demo_copy), survey)


def test_default_folder_is_private_and_new(demo_copy):
    path = write_prepared(load_survey(demo_copy))
    try:
        assert path.parent.parent == Path(tempfile.gettempdir())
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        shutil.rmtree(path.parent)


def test_stale_prepared_survey_is_not_used(demo_copy, tmp_path):
    survey = load_survey(demo_copy)
    path = write_prepared(survey, tmp_path)
    data = demo_copy.parent / "survey.csv"
    lines = data.read_text(encoding="cp1252").splitlines(keepends=True)
    data.write_text("".join(lines[:-5]), encoding="cp1252")  # the export changed after the run read it
    assert read_prepared(path, demo_copy) is None
    again = load_survey(demo_copy, prepared=path)  # reads the export again
    assert len(again.data) == len(survey.data) - 5


def test_prepared_survey_of_another_codebook_is_not_used(demo_copy, tmp_path):
    path = write_prepared(load_survey(demo_copy), tmp_path)
    other = demo_copy.parent / "other.yaml"
    other.write_text(demo_copy.read_text(encoding="utf-8"), encoding="utf-8")
    assert read_prepared(path, other) is None
    assert read_prepared(tmp_path / "missing.pickle", demo_copy) is None


def test_prepared_survey_of_another_version_is_not_used(demo_copy, tmp_path, monkeypatch):
    path = write_prepared(load_survey(demo_copy), tmp_path)
    monkeypatch.setattr(prepared_module, "FORMAT", prepared_module.FORMAT + 1)
    assert read_prepared(path, demo_copy) is None


def test_failed_write_leaves_no_copy(demo_copy, tmp_path, monkeypatch):
    survey = load_survey(demo_copy)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(prepared_module.pickle, "dump", full_disk)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(OSError):
        write_prepared(survey)
    assert not list(tmp_path.glob("clientvalue-data-*"))


@pytest.mark.parametrize("func", [code_text, code_key])
@pytest.mark.parametrize("values", [
    ["Burgerzaken ", "Wmo", None, "Burgerzaken", "1", " ", "e\u0301"] * 50,
    [1.0, 2.0, np.nan, 9.0, 2.0] * 40,
    [1, 2, 9, 2] * 40,
    ["x", 1, 1.0, None, "É", 2.5] * 5,
])
def test_map_distinct_equals_map_on_every_row(values, func):
    series = pd.Series(values, name="column")
    pd.testing.assert_series_equal(map_distinct(series, func), series.map(func))


_RESULTS = {"code_key": code_key, "code_text": code_text, "str": str, "int": lambda v: 1, "float": lambda v: 1.5,
            "none": lambda v: None, "bool": lambda v: True, "same": lambda v: v, "nan": lambda v: np.nan,
            "int or none": lambda v: 1 if str(v) < "b" else None, "text or int": lambda v: "x" if str(v) < "b" else 2}


@pytest.mark.parametrize("func", _RESULTS.values(), ids=_RESULTS.keys())
@pytest.mark.parametrize("values, dtype", [
    (["a", "b", None, "a"], None), (["a", "b", None, "a"], "str"), ([" ", None, "  "], "str"), (["a", "b"], "str"),
    (["a", None], "string"), (["a", None], "string[python]"), ([1, 2, 1], None), ([1.0, np.nan, 2.0], None),
    (["x", 1, 1.0, None, "É", 2.5], None), ([1, None], "Int64"), ([None, None], object), ([], object), ([], float),
    (["a", "b"], "category"), ([True, False, None], object), ([2023.0, 0.1, np.nan], "float32"),
    (["2024-03-01", None, "2024-03-01"], "datetime64[ns]"), ([1, 2, 1], "timedelta64[ns]"),
])
def test_map_distinct_is_map_with_a_dict_of_the_distinct_values(values, dtype, func):
    """The result of mapping each row through a dict of the distinct values, dtype, name and attrs included."""
    series = pd.Series(values, dtype=dtype, name="column", index=np.arange(len(values)) * 3)
    series.attrs["kept"] = True
    expected = series.map({value: func(value) for value in pd.unique(series.dropna())})
    result = map_distinct(series, func)
    pd.testing.assert_series_equal(result, expected, check_exact=True)
    assert result.attrs == expected.attrs


@pytest.mark.parametrize("series", [
    pd.Series(np.arange(-3, 2_000_000, 7), name="id"),
    pd.Series(np.array([5, 0, 2**40], dtype=np.uint64), name="id"),
    pd.Series([100001, None, 7], dtype="Int64", name="id"),
    pd.Series([1.0, 2.5, np.nan], name="id"),
    pd.Series([" a1", "e\u0301", "  "], name="id"),
])
def test_code_texts_equal_code_text_of_every_value(series):
    pd.testing.assert_series_equal(code_texts(series), series.map(code_text))


def test_map_distinct_casefold_of_group_names():
    series = pd.Series(["All", "Wmo", "ALL respondents", "wmo"] * 10, name="service")
    pd.testing.assert_series_equal(map_distinct(series, str.casefold), series.str.casefold())


def test_kernel_threads_share_the_cores():
    assert execute.kernel_threads(1, cores=2) == 2
    assert execute.kernel_threads(2, cores=2) == 1
    assert execute.kernel_threads(3, cores=2) == 1
    assert execute.kernel_threads(2, cores=8) == 4


def test_worker_sets_thread_limits_unless_the_user_did(monkeypatch):
    import signal

    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.delenv(variable, raising=False)
    from clientvalue.run import warm

    previous = signal.getsignal(signal.SIGINT)
    try:
        execute._worker_setup(1, False)  # in this process: no warm kernel and no exit hook of a worker
        assert os.environ["OMP_NUM_THREADS"] == "1" and os.environ["OPENBLAS_NUM_THREADS"] == "1"
        assert os.environ["MKL_NUM_THREADS"] == "3"
    finally:
        signal.signal(signal.SIGINT, previous)
        warm.enable(None)  # a worker's choice must not outlive the test: later runs here choose again


def test_longest_notebooks_start_first():
    names = ["00_data_check", "10_value_drivers", "20_senior", "30_segments", "40_consistency"]
    assert sorted(names, key=execute._work_rank)[:2] == ["10_value_drivers", "30_segments"]


@pytest.mark.slow
def test_run_removes_its_prepared_survey(tmp_path, monkeypatch):
    scratch = tmp_path / ("a-long-temporary-folder-name-" * 3)  # kernel sockets must still fit
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({
        "codebook": str(DEMO_DIR / "municipality" / "codebook.yaml"), "output": str(tmp_path / "report"),
        "notebooks": ["00_data_check"]}), encoding="utf-8")
    made = []
    real_write = prepared_module.write_prepared

    def spy(survey, folder=None):
        path = real_write(survey, folder)
        made.append(path)
        return path

    monkeypatch.setattr(prepared_module, "write_prepared", spy)
    output = pipeline.run(params, progress=False, echo=None)
    assert made and not made[0].exists() and not made[0].parent.exists()
    assert not list(scratch.glob("clientvalue-data-*"))
    manifest = (output / "manifest.json").read_text(encoding="utf-8")
    assert "prepared_survey" not in manifest and "survey.pickle" not in manifest


def _same_table(a, b):
    """Two importance results hold the same table and the same extras."""
    pd.testing.assert_frame_equal(a.table, b.table)
    for field in dataclasses.fields(a):
        left, right = getattr(a, field.name), getattr(b, field.name)
        if field.name == "replicates":
            np.testing.assert_array_equal(left, right)
        elif field.name != "table":
            assert left == right, field.name


def test_shared_importance_is_computed_once_per_run(demo_copy, tmp_path):
    from clientvalue.analyses.shared import shared_importance
    from clientvalue.stats.importance import importance

    path = write_prepared(load_survey(demo_copy), tmp_path)
    survey = load_survey(demo_copy, prepared=path)
    assert survey.shared_dir == tmp_path
    frame = survey.reported_data(10)
    options = dict(outcome=survey.outcome, drivers=survey.items(), weights=survey.weight, n_boot=50, seed=3)
    first = shared_importance(survey, frame, **options)
    files = list(tmp_path.glob("importance-*.pickle"))
    assert len(files) == 1
    other_notebook = load_survey(demo_copy, prepared=path)  # another kernel of the same run
    loaded = shared_importance(other_notebook, other_notebook.reported_data(10), **options)
    _same_table(loaded, first)
    _same_table(loaded, importance(frame, **options))  # the same as computing it
    # any difference in the inputs gives another result, never the stored one
    changed = frame.copy()
    changed.iloc[0, changed.columns.get_loc(survey.outcome)] = 1.0 if frame[survey.outcome].iloc[0] != 1 else 2.0
    _same_table(shared_importance(survey, changed, **options), importance(changed, **options))
    _same_table(shared_importance(survey, frame, **options | {"seed": 4}), importance(frame, **options | {"seed": 4}))
    assert len(list(tmp_path.glob("importance-*.pickle"))) == 3
    assert not list(tmp_path.glob(".importance-*"))  # no partial files left


def test_without_a_run_nothing_is_shared(demo_copy, tmp_path):
    from clientvalue.analyses.shared import shared_importance

    survey = load_survey(demo_copy)
    assert survey.shared_dir is None
    shared_importance(survey, survey.data, outcome=survey.outcome, drivers=survey.items(), n_boot=0)
    assert not list(tmp_path.rglob("*.pickle"))


@pytest.mark.parametrize("value, text", [(2024.0, "2024"), (2024, "2024"), (" 2025 ", "2025"), ("e\u0301", "\u00e9"),
                                         (np.nan, None), (None, None), ("  ", None), (2.5, "2.5")])
def test_code_text_is_the_one_spelling_of_group_wave_and_unit_names(value, text):
    # groups (survey), waves (data.waves) and units (comparisons) are compared in this spelling
    assert code_text(value) == text
