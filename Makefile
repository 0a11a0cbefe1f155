# clientvalue: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PARAMS ?= params/demo.yaml

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

.PHONY: env
env: $(STAMP) ## Create .venv and install clientvalue with its dependencies (only when needed)

.PHONY: report
report: $(STAMP) ## Run every notebook on the demo data and write reports/demo/index.html
	$(BIN)/clientvalue run $(PARAMS)

.PHONY: report-nl
report-nl: $(STAMP) ## The demo report in Dutch, in reports/demo-nl
	$(BIN)/clientvalue run $(PARAMS) --language nl --output reports/demo-nl

# pytest-xdist workers for `make test` (auto: one per core). The demo reports are made once and shared
# (tests/conftest.py); each test file runs on one worker (`--dist loadfile`), so a module's own run is
# made once. (Not `loadgroup`: on pytest 9.2 its `xdist_group` marks are silently ignored, pytest-xdist#1386.)
TEST_WORKERS ?= auto

.PHONY: test
test: $(STAMP) ## Run the test suite in parallel (unit tests, real-data tests, the end-to-end report runs)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

.PHONY: test-quick
test-quick: $(STAMP) ## The tests without end-to-end runs, browsers or long simulations (about 2 minutes; CI runs `make test`)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow and not study"

.PHONY: lint
lint: $(STAMP) ## Check the rooms (import-linter), the code (ruff) and the types (mypy); CI runs it before the tests
	$(BIN)/lint-imports
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

.PHONY: test-studies
test-studies: $(STAMP) ## Run the long statistical studies (interval coverage over many simulations)
	$(BIN)/python -m pytest -m study

.PHONY: bench
bench: $(STAMP) ## Benchmarks at full size (figures in the README); QUICK=1 for small sizes
	$(BIN)/python benchmarks/bench_drivers.py $(if $(QUICK),--quick,)
	$(BIN)/python benchmarks/bench_export.py $(if $(QUICK),--quick,)
	$(BIN)/python benchmarks/bench_segments.py $(if $(QUICK),--quick,)
	$(BIN)/python benchmarks/bench_consistency.py $(if $(QUICK),--quick,)
	$(BIN)/python benchmarks/bench_comparisons.py $(if $(QUICK),--quick,)
	$(BIN)/python benchmarks/bench_report.py $(if $(QUICK),--quick,)
	$(BIN)/python benchmarks/bench_batch.py $(if $(QUICK),--quick,)
	$(BIN)/python benchmarks/bench_org_parts.py $(if $(QUICK),--quick,)

.PHONY: demo-data
demo-data: $(STAMP) ## Regenerate the bundled demo data (deterministic, seeded)
	$(BIN)/clientvalue demo-data

LOCALE := src/clientvalue/locale
.PHONY: catalogs
catalogs: $(STAMP) ## Extract reader-facing texts, update the Dutch catalog (.po) and compile it (.mo)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 --sort-by-file --project clientvalue \
		--copyright-holder "clientvalue" --omit-header -o $(LOCALE)/clientvalue.pot .
	$(BIN)/pybabel update -i $(LOCALE)/clientvalue.pot -d $(LOCALE) -D clientvalue -l nl --ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALE) -D clientvalue -l nl --statistics

.PHONY: lab
lab: $(STAMP) ## Open the notebooks in JupyterLab
	$(BIN)/jupyter lab notebooks/

.PHONY: clean
clean: ## Remove reports and caches (not the environment)
	rm -rf reports .pytest_cache .benchmarks .mypy_cache .ruff_cache .import_linter_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
