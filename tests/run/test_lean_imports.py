"""The iri grammar jsonschema would compile on import is skipped in clientvalue's own processes, and nothing else changes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _grammar_installed() -> bool:
    from importlib import metadata

    try:
        metadata.distribution("rfc3987-syntax")  # installed with jupyterlab; without it there is nothing to skip
    except metadata.PackageNotFoundError:
        return False
    return True


needs_grammar = pytest.mark.skipif(not _grammar_installed(), reason="rfc3987-syntax is not installed")

CHECK = r"""
import json, sys
{before}
from clientvalue.run.lean_imports import skip_iri_grammar
skipped = skip_iri_grammar()
import jsonschema, nbformat
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
nbformat.validate(nb)
bad = nbformat.from_dict(json.loads(nbformat.writes(nb)))
bad.cells[0]["cell_type"] = "not a cell type"
try:
    nbformat.validate(bad)
    refused = False
except nbformat.ValidationError:
    refused = True
import importlib.util
print(json.dumps({{"skipped": skipped, "grammar": sys.modules.get("rfc3987_syntax") is not None,
                  "importable": importlib.util.find_spec("rfc3987_syntax") is not None,
                  "checkers": sorted(jsonschema.Draft7Validator.FORMAT_CHECKER.checkers), "refused": refused}}))
"""


def _run(before: str = "") -> dict:
    out = subprocess.run([sys.executable, "-c", CHECK.format(before=before)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@needs_grammar
def test_the_grammar_is_not_imported_and_notebooks_are_still_validated():
    result = _run()
    assert result["skipped"] is True
    assert result["grammar"] is False
    assert result["importable"] is True  # only jsonschema's checkers lack it; the module itself is not blocked
    assert "iri" not in result["checkers"] and "iri-reference" not in result["checkers"]
    # the checkers nbformat could use are all still there, and a broken notebook is still refused
    assert {"uri", "date-time", "email", "ipv4", "regex"} <= set(result["checkers"])
    assert result["refused"] is True


@needs_grammar
def test_a_process_that_already_imported_jsonschema_is_left_as_it_is():
    result = _run(before="import jsonschema")
    assert result["skipped"] is False
    assert result["grammar"] is True
    assert "iri" in result["checkers"]


OWN_PROCESS = r"""
import json, sys
{call}
import jsonschema, papermill  # what a notebook worker imports next (nbformat, jsonschema)
print(json.dumps({{"iri": "iri" in jsonschema.Draft7Validator.FORMAT_CHECKER.checkers,
                  "uri": "uri" in jsonschema.Draft7Validator.FORMAT_CHECKER.checkers}}))
"""

JOB = "{'name': 'x', 'folder': 'x', 'output': '/nonexistent/x', 'params': {}, 'own_worker': %s}"


@needs_grammar
@pytest.mark.parametrize(("call", "skipped"), [
    # the command: a refused run still went through main() first
    ("from clientvalue.run.cli import main\nmain(['run', '/nonexistent/params.yaml'])", True),
    # a notebook worker of `clientvalue run` (without its warm kernel)
    ("from clientvalue.run.execute import _worker_setup\n_worker_setup(1, False)", True),
    # a batch task on a worker of the batch's own local cluster (the job fails: no parameters)
    ("from clientvalue.run.batch import run_organisation\nrun_organisation(" + JOB % True + ")", True),
    # ... and on a Dask worker the user started: left as it is
    ("from clientvalue.run.batch import run_organisation\nrun_organisation(" + JOB % False + ")", False),
    # another command, e.g. the version: nothing to spare
    ("from clientvalue.run.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass", False),
])
def test_the_command_and_its_own_workers_skip_it(call, skipped):
    out = subprocess.run([sys.executable, "-c", OWN_PROCESS.format(call=call)], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"iri": not skipped, "uri": True}


def test_the_analyses_load_only_the_statsmodels_models_they_fit():
    # `import statsmodels.api` loads every model statsmodels has (time series, every plot, the formula API):
    # about 0.3 CPU s and 30 MB in every process that imports the analyses (each kernel, the run itself)
    from clientvalue.analyses.registry import ANALYSES
    from clientvalue.run.pipeline import _kernel_imports

    modules = _kernel_imports([spec.name for spec in ANALYSES])
    code = (f"import importlib, json, sys\nfor m in {list(modules)!r}: importlib.import_module(m)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('statsmodels.'))))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout.strip().splitlines()[-1])
    assert "statsmodels.regression.linear_model" in loaded  # what the analyses fit is there
    assert "statsmodels.genmod.generalized_linear_model" in loaded
    assert not [m for m in loaded if m in ("statsmodels.api", "statsmodels.graphics.api") or m.startswith("statsmodels.tsa")]
