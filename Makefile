# ShockWatch: every command a user needs. `make demo` and `make test` set up everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export SHOCKWATCH_DATA_DIR ?= $(CURDIR)/data
export DO_NOT_TRACK := 1
export DAGSTER_DISABLE_TELEMETRY := 1

MANIFEST := dbt/target/manifest.json
DBT_SOURCES := $(shell find dbt/models dbt/macros dbt/tests dbt/seeds -type f 2>/dev/null) dbt/dbt_project.yml

.PHONY: demo test dev sql install clean reset

install: $(VENV)/.installed $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,analyst]'
	touch $@

# dbt's manifest, parsed once per change of the dbt project (Dagster loads it at start-up).
$(MANIFEST): $(VENV)/.installed $(DBT_SOURCES)
	mkdir -p $(SHOCKWATCH_DATA_DIR)/warehouse
	cd dbt && ../$(BIN)/dbt parse --quiet --profiles-dir .
	touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

demo: install  ## run the whole pipeline on the bundled case study, offline
	SHOCKWATCH_SOURCE_MODE=replay $(BIN)/python -m dagster_project.demo

test: install  ## the full test suite, offline
	$(BIN)/python -m pytest -q

dev: install  ## Dagster UI + daemon against live sources
	$(BIN)/dagster dev -w workspace.yaml

sql:  ## read-only SQL shell on the published warehouse
	@test -f $(SHOCKWATCH_DATA_DIR)/warehouse/analytics.duckdb || { echo "no warehouse yet: run 'make demo' first"; exit 1; }
	$(BIN)/duckdb -readonly $(SHOCKWATCH_DATA_DIR)/warehouse/analytics.duckdb

reset:  ## delete the data and the Dagster run history (keeps the virtualenv)
	rm -rf $(SHOCKWATCH_DATA_DIR) $(DAGSTER_HOME)

clean: reset
	rm -rf $(VENV) dbt/target dbt/logs
