# qunsim — every setup step lives here. Two commands on a fresh machine:
#   make demo   set up, then run the default A/B comparison and write its report
#   make test   set up (with test tools), then run the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev
DEMO   ?= scenarios/dunbar_split.yaml

.PHONY: setup demo test test-slow bench docs clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/qunsim run $(DEMO)

test: $(DEV)
	$(PY) -m pytest -q -n 2

test-slow: $(DEV)
	$(PY) -m pytest -q -n 2 -m slow

bench: $(DEV)
	$(PY) benchmarks/run.py

docs: $(STAMP)
	$(PY) docs/build.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
