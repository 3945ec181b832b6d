# qunsim — every setup step lives here. Two commands on a fresh machine:
#   make demo   set up, then run the default A/B comparison and write its report
#   make test   set up (with test tools), then run the whole test suite
# and one to watch a scenario in the browser:
#   make explore   serve `qunsim explore $(DEMO)` and print the URL to open
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev
DEMO   ?= scenarios/dunbar_split.yaml

.PHONY: setup demo explore test test-slow test-bounds bench docs clean fonts browser

# System packages from Debian, installed once (a no-op when present; root, or sudo):
#   fonts    a CJK font, so `qunsim report --lang zh` figures show Chinese glyphs
#   browser  chromium, which the browser tests (report, explorer) drive headless
APT := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get
define apt_install
	if command -v apt-get >/dev/null 2>&1; then \
	  $(APT) update -qq && $(APT) install -y -qq --no-install-recommends $(1) >/dev/null; \
	else echo "note: no apt-get here; install $(1) with your package manager" >&2; fi
endef

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# the explore extra (Mesa's SolaraViz, pinned solara + solara-assets) is part of every setup
$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[explore]'
	touch $@

$(DEV): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

setup: $(STAMP) fonts

fonts:
	@dpkg -s fonts-noto-cjk >/dev/null 2>&1 || { $(call apt_install,fonts-noto-cjk); }

browser:
	@command -v chromium >/dev/null 2>&1 || { $(call apt_install,chromium); }

demo: $(STAMP)
	$(VENV)/bin/qunsim run $(DEMO)

PORT ?= 8765
explore: $(STAMP)
	$(VENV)/bin/qunsim explore $(DEMO) --port $(PORT)

test: $(DEV) fonts browser
	$(PY) -m pytest -q -n 2

test-slow: $(DEV)
	$(PY) -m pytest -q -n 2 -m slow

# the model's tests with numba's bounds checks on (compiled loops index unchecked otherwise):
# an out-of-range index raises IndexError instead of reading past an array. Kernels compile
# afresh into a cache of their own (~1 min).
test-bounds: $(DEV)
	NUMBA_BOUNDSCHECK=1 NUMBA_CACHE_DIR=$(VENV)/numba-boundscheck $(PY) -m pytest -q -n 2 tests/test_invariants.py \
	  tests/test_strategies.py tests/test_fork.py tests/test_network.py tests/test_community_mechanisms.py \
	  tests/test_mechanisms.py tests/test_records.py tests/test_compiled.py tests/test_draws.py

# make bench: speed figures (benchmarks/README.md; raw in benchmarks/out/); BENCH=quick for a sanity run
BENCH  ?= full
bench: $(DEV)
	BENCH=$(BENCH) $(PY) benchmarks/run.py

docs: $(STAMP)
	$(PY) docs/build.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
	find agents sim -name '*.nb[ic]' -delete  # numba's compiled kernels (recompiled on the next run)
