"""Defaults live in one place: the parameter file model and every notebook's parameters cell agree."""

from __future__ import annotations

import ast

import papermill as pm
import pytest

from clientvalue.paths import NOTEBOOKS_DIR
from clientvalue.run.params import NOTEBOOKS, RunParameters

PATHS = {"codebook", "vignettes", "output", "tables_dir", "prepared_survey"}  # notebooks default to the demo files


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_defaults_equal_the_run_defaults(name):
    declared = pm.inspect_notebook(str(NOTEBOOKS_DIR / f"{name}.ipynb"))
    run_defaults = RunParameters(codebook="x").model_dump()
    checked = 0
    for key, spec in declared.items():
        if key in PATHS or key not in run_defaults:
            continue
        value = ast.literal_eval(spec["default"])
        assert value == run_defaults[key] or list(value) == run_defaults[key], (name, key, value, run_defaults[key])
        checked += 1
    assert checked >= 2, f"{name} declares too few run parameters: {sorted(declared)}"


def test_analyses_share_the_run_defaults():
    import inspect

    from clientvalue.analyses import comparisons, drivers, segments, senior

    run_defaults = RunParameters(codebook="x").model_dump()
    for module in (drivers, senior, segments, comparisons):
        for key, parameter in inspect.signature(module.analyse).parameters.items():
            if key in run_defaults and key != "seed" and parameter.default is not inspect.Parameter.empty:
                default = parameter.default
                assert (list(default) if isinstance(default, tuple) else default) == run_defaults[key], (module, key)
