"""Small notebooks for the tests of running notebooks: a ``parameters`` cell and one code cell."""

from __future__ import annotations

from pathlib import Path

import nbformat


def code_notebook(folder: Path, name: str, *, parameters: str, code: str) -> Path:
    """Write ``folder/name.ipynb``: a cell tagged ``parameters`` holding ``parameters``, then ``code``."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path
