"""Readers: every format and CSV dialect gives the same cleaned survey."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from clientvalue.errors import DataError
from clientvalue.data.readers import detect_delimiter, detect_encoding, read_export
from clientvalue.data.survey import load_survey

from conftest import SMALL_CODEBOOK, SMALL_COLUMNS, SMALL_ROWS


def small_frame() -> pd.DataFrame:
    return pd.DataFrame(SMALL_ROWS, columns=SMALL_COLUMNS)


def write_csv(path, frame, *, sep, encoding, decimal="."):
    frame.to_csv(path, sep=sep, encoding=encoding, index=False, decimal=decimal)


EXPECTED_FAST = [4.0, np.nan, 3.0, 2.0, 5.0]          # 99 is a missing code
EXPECTED_HEARD = [4.0, 1.0, 5.0, np.nan, 2.0]         # reversed on 1-5; 0 is out of range
EXPECTED_OVERALL = [8.0, 7.0, np.nan, 6.0, 9.0]       # 11 is out of range
EXPECTED_SENIOR = [1.0, 0.0, np.nan, 1.0, 0.0]
EXPECTED_AGE = [70.0, 45.0, np.nan, 80.0, 66.0]       # 130 is impossible


def check_clean(survey):
    data = survey.data
    np.testing.assert_array_equal(data["fast"].to_numpy(), EXPECTED_FAST)
    np.testing.assert_array_equal(data["heard"].to_numpy(), EXPECTED_HEARD)
    np.testing.assert_array_equal(data["overall"].to_numpy(), EXPECTED_OVERALL)
    np.testing.assert_array_equal(data["senior"].to_numpy(), EXPECTED_SENIOR)
    np.testing.assert_array_equal(data["age"].to_numpy(), EXPECTED_AGE)
    np.testing.assert_allclose(data["w"].to_numpy(), [1.0, 0.5, 2.0, 1.5, 1.0])
    assert list(data["service"]) == ["Burgerzaken", "Burgerzaken", "Jeugd & gezin", "Jeugd & gezin", "Wmo-loket"]
    counts = survey.problems.set_index(["check", "column"])["count"]
    assert counts[("missing_code", "fast")] == 1
    assert counts[("out_of_range", "heard")] == 1
    assert counts[("out_of_range", "overall")] == 1
    assert counts[("age_out_of_range", "age")] == 1
    assert counts[("missing_code", "senior")] == 1


@pytest.mark.parametrize(
    "sep, encoding, decimal",
    [(",", "utf-8", "."), (";", "cp1252", ","), ("\t", "utf-8-sig", "."), (";", "latin-1", ","), ("|", "utf-8", ".")],
)
def test_csv_dialects(tmp_path, write_codebook, sep, encoding, decimal):
    frame = small_frame()
    frame.loc[0, "gender"] = "vrouw é"  # a character that differs between encodings
    write_csv(tmp_path / "survey.csv", frame, sep=sep, encoding=encoding, decimal=decimal)
    before = hashlib.sha256((tmp_path / "survey.csv").read_bytes()).hexdigest()
    survey = load_survey(write_codebook(SMALL_CODEBOOK))
    check_clean(survey)
    assert survey.data.loc[0, "gender"] == "vrouw é"
    assert survey.read_details["delimiter"] == sep
    assert hashlib.sha256((tmp_path / "survey.csv").read_bytes()).hexdigest() == before


def test_xlsx_parquet(tmp_path, write_codebook):
    small_frame().to_excel(tmp_path / "survey.xlsx", index=False)
    check_clean(load_survey(write_codebook(SMALL_CODEBOOK | {"data": "survey.xlsx"})))
    small_frame().to_parquet(tmp_path / "survey.parquet")
    check_clean(load_survey(write_codebook(SMALL_CODEBOOK | {"data": "survey.parquet"})))


def test_spss_value_labels_and_user_missing(tmp_path, write_codebook):
    frame = small_frame()
    frame["service"] = [1, 1, 2, 2, 3]
    frame["gender"] = [2, 1, 2, 1, 3]
    frame.loc[1, "overall"] = 97  # declared user-missing in the file itself
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"service": {1: "Burgerzaken", 2: "Jeugd & gezin", 3: "Wmo-loket"}},
        missing_ranges={"overall": [97]},
    )
    survey = load_survey(write_codebook(SMALL_CODEBOOK | {"data": "survey.sav"}))
    assert list(survey.data["service"]) == ["Burgerzaken", "Burgerzaken", "Jeugd & gezin", "Jeugd & gezin", "Wmo-loket"]
    assert np.isnan(survey.data.loc[1, "overall"])
    counts = survey.problems.set_index(["check", "column"])["count"]
    assert counts[("user_missing_code", "overall")] == 1
    np.testing.assert_array_equal(survey.data["fast"].to_numpy(), EXPECTED_FAST)


def test_stata_value_labels(tmp_path, write_codebook):
    frame = small_frame()
    frame["service"] = [1, 1, 2, 2, 3]
    path = tmp_path / "survey.dta"
    pyreadstat.write_dta(frame, str(path), variable_value_labels={"service": {1: "Burgerzaken", 2: "Jeugd & gezin", 3: "Wmo-loket"}})
    check_clean(load_survey(write_codebook(SMALL_CODEBOOK | {"data": "survey.dta"})))


def test_detectors():
    assert detect_delimiter('a;b;c\n"1;2";3;4\n') == ";"
    assert detect_delimiter("a\tb\n1\t2\n") == "\t"
    assert detect_delimiter("a,b\n1,2\n") == ","
    assert detect_encoding("é".encode("utf-8")) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbfa") == "utf-8-sig"
    assert detect_encoding("é€".encode("cp1252")) == "cp1252"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.csv", b"", "empty"),
        ("header.csv", b"id;a;b\n", "no rows"),
        ("survey.json", b"{}", "unknown file type '.json'"),
    ],
)
def test_unreadable_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as info:
        read_export(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_export(tmp_path / "nope.csv")


# ------------------------------------------------------------------------------------------------
# Tab-separated exports: Dutch Excel's "Text (tab delimited)" writes decimal commas.

def _tsv_survey(tmp_path, weights, *, text=None, encoding="cp1252"):
    """The hostile-test small survey with ``weights`` (floats), written tab-separated as ``text`` formats them."""
    import yaml

    from hostile import small_survey

    frame, codebook = small_survey(2, 20)
    frame["service"] = frame["service"].map({"G0000": "Één loket", "G0001": "Wmo"})  # cp1252 text
    frame["overall"] = frame["overall"].astype(int)  # whole grades, as a spreadsheet writes them
    frame["w"] = [text(w) for w in weights] if text else weights
    folder = tmp_path / "tsv"
    folder.mkdir()
    path = folder / "survey.txt"
    path.write_bytes(frame.to_csv(sep="\t", index=False).encode(encoding))
    (folder / "codebook.yaml").write_text(yaml.safe_dump(dict(codebook, data=path.name)), encoding="utf-8")
    return folder / "codebook.yaml", frame


def _weights(n=40, seed=2, scale=1.0):
    return list(np.round(np.random.default_rng(seed).uniform(0.2, 3.0, n) * scale, 3))


def _load_tsv(tmp_path, weights, text):
    codebook, _frame = _tsv_survey(tmp_path, weights, text=text)
    return load_survey(codebook)


def test_tsv_with_decimal_commas_is_read_as_numbers(tmp_path):
    weights = _weights()
    survey = _load_tsv(tmp_path, weights, lambda w: f"{w:.3f}".replace(".", ","))
    assert survey.read_details["delimiter"] == "\t" and survey.read_details["decimal"] == ","
    np.testing.assert_allclose(survey.data["w"].to_numpy(), weights)
    assert set(survey.data["service"]) == {"Één loket", "Wmo"}


def test_tsv_with_decimal_points_is_unchanged(tmp_path):
    weights = _weights()
    survey = _load_tsv(tmp_path, weights, lambda w: f"{w:.3f}")
    assert survey.read_details["decimal"] == "."
    np.testing.assert_allclose(survey.data["w"].to_numpy(), weights)


@pytest.mark.parametrize("text", [
    lambda w: f"{w:,.2f}",                                                    # 1,234.57
    lambda w: f"{w:,.2f}".replace(",", " ").replace(".", ",").replace(" ", "."),  # 1.234,57
])
def test_tsv_with_thousands_separators_is_read_in_either_convention(tmp_path, text):
    weights = list(np.round(np.array(_weights(scale=800.0)), 2))  # 160 - 2,400: most have a separator
    survey = _load_tsv(tmp_path, weights, text)
    np.testing.assert_allclose(survey.data["w"].to_numpy(), weights)


def test_tsv_mixing_decimal_commas_and_points_names_the_decimal_comma(tmp_path):
    weights = _weights()
    # most weights with a decimal point, a few with a comma: the file's mark cannot be told
    codebook, _ = _tsv_survey(tmp_path, weights, text=lambda w: f"{w:.2f}" if w > 1 else f"{w:.2f}".replace(".", ","))
    with pytest.raises(DataError) as caught:
        load_survey(codebook)
    message = str(caught.value)
    assert "'w'" in message and "decimal comma" in message and "CSV (semicolon delimited)" in message
    assert "survey.txt" in message and "data rows" in message
