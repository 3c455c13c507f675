# Two entry points for a fresh clone: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-latest lint audit lock bench chaos clean softhsm chromium console-screenshots

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or PYTHON=...)" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)

# Exactly the locked versions, hash-checked (requirements/dev.lock, from `make lock`);
# then lienthong itself, built with the locked setuptools and no other download.
LOCK := requirements/dev.lock
$(STAMP): $(BIN)/python $(LOCK) pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Refresh the lock from pyproject.toml's ranges (plus the holds in requirements/hold.txt,
# each with its reason). Run it when a dependency range changes, or to take new
# releases after `make test-latest` is green; commit the lock with the change.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml requirements/build.in --extra dev --extra pkcs11 \
	  -c requirements/hold.txt --python-version 3.11 --generate-hashes --quiet \
	  --custom-compile-command "make lock" -o $(LOCK)

# The suite against the newest releases the ranges allow (no lock, no holds), in a
# second venv: drift in a dependency shows here before a user meets it. Not in CI.
LATEST := .venv-latest
test-latest:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or PYTHON=...)" >&2; exit 2; }
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(LATEST)/bin/pip install --quiet --disable-pip-version-check -e '.[dev,pkcs11]'
	$(LATEST)/bin/pip list --format=freeze > $(LATEST)/versions.txt
	$(LATEST)/bin/pytest -q

demo: $(STAMP)
	$(BIN)/lienthong demo

# Lint first (seconds), then the whole suite: CI holds the code to both.
test: $(STAMP) softhsm chromium lint
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

# Debian's Chromium (and its driver) for the console's browser tests, installed
# when missing and apt is usable as root, as SoftHSM is. Playwright drives it at
# /usr/bin/chromium; `playwright install` (a browser download) is never used.
# Without it the browser tests skip and say why (CI=true: they fail).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; } || \
	    echo "note: could not install chromium; console browser tests will be skipped" >&2; \
	  else \
	    echo "note: chromium missing and apt-get not usable; console browser tests will be skipped" >&2; \
	  fi; }

# The README's console screenshots (docs/img/console-*.png), taken by the browser test.
console-screenshots: $(STAMP) chromium
	LIENTHONG_CONSOLE_SHOTS=docs/img $(BIN)/pytest -q -p no:cacheprovider \
	  tests/e2e/test_console_browser.py -k operator

# Quick-size benchmarks (numbers on stdout and bench/results/latest.json).
bench: $(STAMP)
	$(BIN)/python bench/run.py --quick

# Fault run: two nodes, SIGKILLs, lost/duplicated/missing counts.
chaos: $(STAMP)
	$(BIN)/python bench/chaos.py

lint: $(STAMP) audit
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The locked versions against the known-vulnerability database (pip-audit).
audit: $(STAMP)
	$(BIN)/python tools/audit_lock.py $(LOCK)

clean:
	rm -rf $(VENV) $(LATEST) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
