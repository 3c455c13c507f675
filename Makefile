# Two entry points for a fresh clone: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench chaos clean softhsm

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or PYTHON=...)" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/lienthong demo

# Lint first (seconds), then the whole suite: CI holds the code to both.
test: $(STAMP) softhsm lint
	$(BIN)/pytest -q

# SoftHSM2 for the PKCS#11 tests: installed from Debian when missing and apt is
# usable as root. Never fails the build; without it those tests skip and say why.
softhsm:
	@command -v softhsm2-util >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -qq softhsm2 >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq softhsm2 >/dev/null 2>&1; } || \
	    echo "note: could not install softhsm2; PKCS#11 tests will be skipped" >&2; \
	  else \
	    echo "note: softhsm2 missing and apt-get not usable; PKCS#11 tests will be skipped" >&2; \
	  fi; }

# Quick-size benchmarks (numbers on stdout and bench/results/latest.json).
bench: $(STAMP)
	$(BIN)/python bench/run.py --quick

# Fault run: two nodes, SIGKILLs, lost/duplicated/missing counts.
chaos: $(STAMP)
	$(BIN)/python bench/chaos.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
