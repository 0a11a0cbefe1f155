"""Cleaning changes a frame that shares the export's data (copy-on-write), never the export itself."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hostile import small_survey, write_survey

from clientvalue.data.codebook import load_codebook
from clientvalue.data.readers import read_export
from clientvalue.data.survey import clean_export
from clientvalue.memory import copy_on_write, private_copy


def _export_with_everything_to_clean(tmp_path):
    """An export whose cleaning writes into rating, weight, age, senior and group columns, and in place
    (``frame.loc[rows, column] = nan``) where an SPSS export declared a user-missing code."""
    frame, codebook = small_survey(3, 40)
    frame["p1"] = frame["p1"].astype(object)
    frame.loc[[0, 5], "p1"] = 98          # the codebook's missing code
    frame.loc[[1, 4, 6], "p2"] = 97       # declared user-missing in the (SPSS) export: set to missing in place
    frame.loc[3, "e1"] = 7                # outside the scale
    frame.loc[7, "age"] = 140             # an impossible age
    frame.loc[9, "senior"] = 99           # the codebook's other missing code
    frame["service"] = frame["service"].astype(object)
    frame.loc[11, "service"] = None       # put in the group of missing answers
    frame["w"] = frame["w"].astype(object)
    frame.loc[2, "w"] = "1,5"             # a decimal comma
    codebook_path = write_survey(tmp_path, frame, codebook)
    export = dataclasses.replace(read_export(tmp_path / "survey.csv"), user_missing={"p2": [97]})
    return export, load_codebook(codebook_path)


def test_cleaning_leaves_the_export_as_it_was_read_and_cleans_as_a_deep_copy_did(tmp_path, monkeypatch):
    export, codebook = _export_with_everything_to_clean(tmp_path)
    as_read = export.frame.copy(deep=True)
    survey = clean_export(export, codebook)

    pd.testing.assert_frame_equal(export.frame, as_read, check_exact=True)  # nothing written back
    assert survey.data["p1"].isna().sum() == 2 and export.frame["p1"].eq(98).sum() == 2
    assert survey.data["p2"].isna().sum() == 3 and export.frame["p2"].eq(97).sum() == 3
    assert set(survey.problems["check"]) >= {"user_missing_code", "missing_code", "out_of_range",
                                             "age_out_of_range", "missing_group"}

    # the same survey as cleaning a deep copy of the export (as before private_copy)
    monkeypatch.setattr("clientvalue.data.survey.private_copy", lambda frame: frame.copy(deep=True))
    again = clean_export(dataclasses.replace(export, frame=as_read.copy(deep=True)), codebook)
    pd.testing.assert_frame_equal(survey.data, again.data, check_exact=True)
    pd.testing.assert_frame_equal(survey.problems, again.problems, check_exact=True)


@pytest.mark.skipif(not copy_on_write(), reason="pandas 2 without copy-on-write copies the frame")
def test_private_copy_shares_the_data_until_it_is_written():
    frame = pd.DataFrame({"a": np.arange(5.0), "b": np.arange(5)})
    private = private_copy(frame)
    assert np.shares_memory(frame["a"].to_numpy(), private["a"].to_numpy())
    private.loc[0, "a"] = -1.0
    private["b"] = private["b"] * 10
    assert frame["a"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0] and frame["b"].tolist() == [0, 1, 2, 3, 4]
    assert private["a"].iloc[0] == -1.0 and private["b"].tolist() == [0, 10, 20, 30, 40]
