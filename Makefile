# The two commands: `make demo` and `make test`. Each creates .venv if it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench screens clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[all]"
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

demo: $(VENV)/.demo-installed
	$(BIN)/glassgrad demo

# One BLAS thread per test worker: two workers on two cores, and small matrices, run fastest that way.
test: $(VENV)/.dev-installed
	bash scripts/browser-deps.sh
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 tests

bench: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks

# Screenshots of the report, the explain player and the studio at 1280x800 and 390x844.
screens: $(VENV)/.dev-installed
	bash scripts/browser-deps.sh
	$(BIN)/python scripts/screens.py --out glassgrad-demo/screens

clean:
	rm -rf $(VENV) glassgrad-demo .pytest_cache
