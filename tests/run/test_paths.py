"""paths.write_atomically: the one way files are written atomically (demo data, caches, prepared survey)."""

from __future__ import annotations

import pickle
import stat

import pytest

from clientvalue.paths import write_atomically


def test_writes_bytes_and_creates_the_folder(tmp_path):
    target = tmp_path / "new" / "file.csv"
    assert write_atomically(target, b"a;b\n1;2\n") == target
    assert target.read_bytes() == b"a;b\n1;2\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.csv"]  # no temporary file left


def test_writer_callback_and_mode(tmp_path):
    target = tmp_path / "survey.pickle"
    write_atomically(target, write=lambda file: pickle.dump({"x": [1, 2]}, file), mode=0o600)
    assert pickle.loads(target.read_bytes()) == {"x": [1, 2]}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_keeps_the_old_file_and_leaves_no_partial_file(tmp_path):
    target = tmp_path / "table.csv"
    target.write_bytes(b"old")

    def fail(file):
        file.write(b"half of the new con")
        raise KeyboardInterrupt  # Ctrl-C while writing

    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, write=fail)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_needs_exactly_one_source(tmp_path):
    with pytest.raises(TypeError):
        write_atomically(tmp_path / "x", b"1", write=lambda file: None)
    with pytest.raises(TypeError):
        write_atomically(tmp_path / "x")
