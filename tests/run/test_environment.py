"""pyproject.toml is the single list of dependencies; environment.yml must name the same packages."""

from __future__ import annotations

import re
import tomllib

import yaml

from clientvalue.paths import PROJECT_ROOT

# conda-forge names that differ from the PyPI names
CONDA_NAMES = {}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_names_the_same_packages():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["test"]}
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d) for d in environment["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert {CONDA_NAMES.get(n, n) for n in wanted} == conda


def test_versions_agree():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    pins = {_name(d): d.strip() for d in environment["dependencies"] if isinstance(d, str)}
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        assert pins[_name(requirement)].replace(" ", "") == requirement.replace(" ", "").lower()
