# kpi-workbook: `make report` and `make test` each set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PERIOD ?=
JOBS ?= 2
PYTEST_ARGS ?=

.PHONY: report test test-unit test-notebooks test-browser test-slow lab sample-data bench screenshots lint clean help

help:
	@echo "make report        run every notebook on the sample data into reports/<period>/"
	@echo "make test          unit, reference, notebook and browser tests (the fast part)"
	@echo "make test-slow     end-to-end report runs and long simulations (CI runs both)"
	@echo "make lab           JupyterLab on the notebooks"
	@echo "make sample-data   regenerate data/sample/ (deterministic)"
	@echo "make screenshots   README screenshots of the sample report -> docs/screenshots/"
	@echo "make bench         scale, speed and calibration -> benchmarks/RESULTS.md, CALIBRATION.md"

# The stamp is newer than pyproject.toml once the install succeeded: no second install after that.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
	@touch $(STAMP)

report: $(STAMP)
	MPLBACKEND=Agg $(BIN)/kpi-report run --jobs $(JOBS) $(if $(PERIOD),--period $(PERIOD))

test: test-unit test-notebooks test-browser

test-unit: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q --doctest-modules kpi_analysis $(PYTEST_ARGS)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -m "not browser and not slow" tests $(PYTEST_ARGS)

test-slow: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -m "slow and not browser" tests $(PYTEST_ARGS)

test-notebooks: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -p no:cacheprovider --nbval-lax --nbval-cell-timeout=900 notebooks

test-browser: $(STAMP)
	bash scripts/install-browser.sh
	$(BIN)/python -m pytest -q -m browser tests/browser $(PYTEST_ARGS)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

sample-data: $(STAMP)
	$(BIN)/kpi-report sample-data --out data/sample

# The Spark column needs the spark extra and a Java 17/21 (found or installed as .ci/run does); without
# them run.py says why and leaves the column out. Then the calibration studies (CALIBRATION.md).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[spark]' || echo "bench: no PySpark; the Spark column is left out"
	JAVA_HOME="$${JAVA_HOME:-$$(bash scripts/install-java.sh || true)}" SPARK_LOCAL_IP=127.0.0.1 \
		MPLBACKEND=Agg $(BIN)/python benchmarks/run.py
	MPLBACKEND=Agg $(BIN)/python benchmarks/nps_comments.py --json benchmarks/out/nps_comments.json
	MPLBACKEND=Agg $(BIN)/python benchmarks/promo_chain_scale.py
	MPLBACKEND=Agg $(BIN)/python benchmarks/promo_design.py
	MPLBACKEND=Agg $(BIN)/python benchmarks/calibration.py

screenshots: $(STAMP)
	bash scripts/install-browser.sh
	MPLBACKEND=Agg $(BIN)/python scripts/screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check kpi_analysis tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
