"""Rendering executed notebooks to pages: one exporter serves every page of a run, with nothing carried over."""

from __future__ import annotations

import re
import threading

import nbformat

from clientvalue.report import publish

INFO = {"created": "2026-01-01T00:00:00+00:00", "title": "t", "data_file": "d.csv", "data_sha256": "0" * 64,
        "min_group_size": 10}


def _notebook(folder, name: str, heading: str, text: str, *, tag: str | None = None):
    nb = nbformat.v4.new_notebook()
    shown = nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/markdown": text, "text/plain": text})])
    hidden = nbformat.v4.new_markdown_cell("Alleen in het Nederlands.")
    hidden.metadata["tags"] = ["lang-nl"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {heading}"), hidden, shown]
    if tag:
        nb.cells[0].metadata["tags"] = [tag]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _body(path) -> str:
    page = path.read_text(encoding="utf-8")
    return re.sub(r"cell-id=[0-9a-f-]+", "cell-id=ID", page)  # nbformat gives cells without one a random id


def test_pages_rendered_one_after_another_are_those_rendered_each_with_a_new_exporter(tmp_path):
    first = _notebook(tmp_path, "first", "First page", "**One** finding.")
    second = _notebook(tmp_path, "second", "Second page", "Another finding, in *words*.", tag="remove")
    publish.render_notebook(first, tmp_path / "a.html", language="en", run_info=INFO)
    publish.render_notebook(second, tmp_path / "b.html", language="en", run_info=INFO)
    publish.render_notebook(first, tmp_path / "a-again.html", language="en", run_info=INFO)
    assert _body(tmp_path / "a.html") == _body(tmp_path / "a-again.html")
    b = _body(tmp_path / "b.html")
    assert "Another finding" in b and "One</strong> finding" not in b and "Alleen in het Nederlands" not in b
    publish._exporters.html = None  # a fresh exporter gives the same pages
    publish.render_notebook(second, tmp_path / "b-fresh.html", language="en", run_info=INFO)
    assert _body(tmp_path / "b-fresh.html") == b


def test_each_thread_has_its_own_exporter():
    mine = publish._exporter()
    assert publish._exporter() is mine
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(publish._exporter()))
    thread.start()
    thread.join()
    assert theirs[0] is not mine
