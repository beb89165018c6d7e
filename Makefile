# ShockWatch: every command a user needs. `make demo` and `make test` set up everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# dbt (and sqlfluff, whose templater runs dbt) in an environment of their own, from
# dbt/requirements.txt: no Dagster process imports dbt (docs/ARCHITECTURE.md, "Two environments").
DBT_VENV := .venv-dbt
DBT_BIN := $(DBT_VENV)/bin
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export SHOCKWATCH_DATA_DIR ?= $(CURDIR)/data
export DO_NOT_TRACK := 1
# dbt (and dagster-dbt's parse on `dagster dev`) must find the project's own dbt first.
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/$(DBT_BIN):$(PATH)
export DAGSTER_DISABLE_TELEMETRY := 1

MANIFEST := dbt/target/manifest.json
DBT_SOURCES := $(shell find dbt/models dbt/macros dbt/tests dbt/seeds -type f 2>/dev/null) dbt/dbt_project.yml

.PHONY: demo demo-ducklake test test-slow dev sql install clean reset lint format

install: $(VENV)/.installed $(DBT_VENV)/.installed $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,analyst,lint,ducklake]'
	$(BIN)/python -m dagster_project.lib.duckdb_extensions
	touch $@

$(DBT_VENV)/.installed: dbt/requirements.txt
	$(PYTHON) -m venv $(DBT_VENV)
	$(DBT_BIN)/python -m pip install --quiet --upgrade pip
	$(DBT_BIN)/python -m pip install --quiet -r dbt/requirements.txt
	touch $@

# dbt's manifest, parsed once per change of the dbt project (Dagster loads it at start-up).
$(MANIFEST): $(DBT_VENV)/.installed $(DBT_SOURCES)
	mkdir -p $(SHOCKWATCH_DATA_DIR)/warehouse
	cd dbt && ../$(DBT_BIN)/dbt parse --quiet --profiles-dir .
	touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster.instance.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.instance.yaml $@

demo: install  ## run the whole pipeline on the bundled case study, offline
	SHOCKWATCH_SOURCE_MODE=replay $(BIN)/python -m dagster_project.demo

demo-ducklake: install  ## the same demo into DuckLake: catalog on a local PostgreSQL, Parquet on a local S3
	SHOCKWATCH_SOURCE_MODE=replay $(BIN)/python -m dagster_project.demo_ducklake

# One pytest worker per core (pytest-xdist): most tests wait on a dbt or Dagster run of their own.
TEST_WORKERS ?= auto

test: install  ## the test suite, offline (what CI runs; the slow reliability suites are in test-slow)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal --durations=10 -m "not live and not slow"

lint: install  ## ruff (format and lint) on the Python, sqlfluff on the dbt SQL; what CI runs first
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	mkdir -p $(SHOCKWATCH_DATA_DIR)/warehouse
	$(DBT_BIN)/sqlfluff lint dbt/models dbt/analyses

format: install  ## rewrite the code to what `make lint` accepts
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(DBT_BIN)/sqlfluff fix dbt/models dbt/analyses

test-slow: install  ## the slow reliability suites: crash safety, idempotency, analyst concurrency (~10 min)
	$(BIN)/python -m pytest -q -m "slow and not live"

dev: install  ## Dagster UI + daemon against live sources (code location: pyproject.toml [tool.dg.project])
	$(BIN)/dagster dev

sql:  ## read-only SQL shell on the published warehouse (DuckLake: AT=<snapshot version> to go back)
ifeq ($(SHOCKWATCH_WAREHOUSE_BACKEND),ducklake)
	@$(BIN)/python -m dagster_project.sql_shell $(if $(AT),--at $(AT))
else
	@test -f $(SHOCKWATCH_DATA_DIR)/warehouse/analytics.duckdb || { echo "no warehouse yet: run 'make demo' first"; exit 1; }
	$(BIN)/duckdb -readonly $(SHOCKWATCH_DATA_DIR)/warehouse/analytics.duckdb
endif

reset:  ## delete the data and the Dagster run history (keeps the virtualenv)
	rm -rf $(SHOCKWATCH_DATA_DIR) $(DAGSTER_HOME)

clean: reset
	rm -rf $(VENV) $(DBT_VENV) dbt/target dbt/logs

# Docs and the shock report (they read the warehouse `make demo` or a pipeline run built).
.PHONY: docs docs-serve report
WAREHOUSE_READY = @test -f $(SHOCKWATCH_DATA_DIR)/warehouse/$(1) || { echo "no warehouse yet: run 'make demo' first"; exit 1; }

docs: install  ## dbt docs (models, columns, tests, lineage, catalog) into dbt/target, offline
	$(call WAREHOUSE_READY,build.duckdb)
	cd dbt && ../$(DBT_BIN)/dbt docs generate --static --quiet --profiles-dir .
	@echo "dbt docs: $(CURDIR)/dbt/target/index.html"
	@echo "  serve it:       make docs-serve   (http://127.0.0.1:8081)"
	@echo "  or open as is:  file://$(CURDIR)/dbt/target/static_index.html (one file, no server)"

docs-serve: docs  ## serve the dbt docs on http://127.0.0.1:8081
	cd dbt && ../$(DBT_BIN)/dbt docs serve --host 127.0.0.1 --port 8081 --no-browser --profiles-dir .

# The case study's window unless START=YYYY-MM-DD END=YYYY-MM-DD say otherwise.
START ?= 2025-01-20
END ?= 2025-02-07

report: install  ## HTML report of a window and the dossiers of its shocks, linked from it (START=… END=…)
ifneq ($(SHOCKWATCH_WAREHOUSE_BACKEND),ducklake)
	$(call WAREHOUSE_READY,analytics.duckdb)
endif
	$(BIN)/python -m dagster_project.reporting --start $(START) --end $(END)

# Benchmarks (docs/PERFORMANCE.md): P1 Dagster pipeline vs bare dbt (case study), P2/P3 the
# market-cap model at scale on a SYNTHETIC lake (BENCH_TICKERS x BENCH_YEARS of NYSE sessions),
# P4 feed parsing, P8 the worst case of one hostile news item. Prints measure / value / target /
# met?; results land in $(BENCH_DIR).
BENCH_TICKERS ?= 5000
BENCH_YEARS ?= 20
BENCH_DIR ?= $(SHOCKWATCH_DATA_DIR)/bench
BENCH_ARGS ?= --breakdown
.PHONY: bench
bench: install  ## benchmarks with ratios against their targets (about 6 minutes on 2 cores)
	$(BIN)/python -m bench.run --tickers $(BENCH_TICKERS) --years $(BENCH_YEARS) --work $(BENCH_DIR) $(BENCH_ARGS)
