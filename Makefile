# flowdocs: every target sets up what it needs (venv, Python packages, Graphviz, fonts).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-deps

.PHONY: site test lint bench designs clean system-deps screenshots

# The flowdocs MkDocs plugin generates the design pages and diagrams in the build; --strict
# fails on any warning (a broken link, a design error). NO_MKDOCS_2_WARNING quiets a banner.
site: $(STAMP) $(SYSTEM_STAMP)  ## Build the example site into site/
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Screenshots of the built site for the docs: a design page at desktop and phone width, and
# the designs index with its comparison. Chromium runs headless and offline: a throw-away
# profile, and nothing that calls home (sync, component updates, background networking,
# QUIC). --virtual-time-budget lets the page's scripts finish before the shot. Chromium's
# own chatter goes to a log that is shown only when it fails.
CHROMIUM ?= chromium
SHOT_PAGE ?= designs/c-sql-storage-service-endpoint.html
CHROMIUM_FLAGS := --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --force-device-scale-factor=1 --virtual-time-budget=5000

screenshots: site  ## Build the site, then take the screenshots in docs/screenshots/
	@command -v $(CHROMIUM) >/dev/null 2>&1 || bash scripts/system-deps.sh chromium
	@set -e; shoot() { \
	  profile=$$(mktemp -d); \
	  $(CHROMIUM) $(CHROMIUM_FLAGS) --user-data-dir=$$profile --window-size=$$2,$$3 \
	    --screenshot="$(CURDIR)/docs/screenshots/$$4" "file://$(CURDIR)/site/$$1" \
	    2>"$$profile.log" || { cat "$$profile.log" >&2; exit 1; }; \
	  rm -rf "$$profile" "$$profile.log"; echo "docs/screenshots/$$4"; \
	}; \
	shoot $(SHOT_PAGE) 1280 2400 design-page-1280.png; \
	shoot $(SHOT_PAGE) 390 2400 design-page-390.png; \
	shoot designs/index.html 1280 1500 designs-index-1280.png

test: $(STAMP) $(SYSTEM_STAMP)  ## Lint, type-check and run the whole test suite
	$(BIN)/ruff check flowdocs tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadfile

# mypy reads its files and settings from pyproject.toml: strict on all of flowdocs.
lint: $(STAMP)
	$(BIN)/ruff check flowdocs tests benchmarks
	$(BIN)/mypy

bench: $(STAMP) $(SYSTEM_STAMP)  ## Measure, and write BENCHMARKS.md
	$(BIN)/python -m benchmarks

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "flowdocs needs Python >= 3.11; found $$($(PYTHON) --version 2>&1). Set PYTHON=python3.11 or newer." >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
	  { echo "Could not create a virtual environment: on Debian/Ubuntu run 'apt-get install python3-venv'." >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# Graphviz's `dot` renders the diagrams; DejaVu Sans is the font they name.
$(SYSTEM_STAMP): $(STAMP)
	@bash scripts/system-deps.sh
	@touch $@

system-deps:
	@bash scripts/system-deps.sh

clean:
	rm -rf site build .pytest_cache .mypy_cache .flowdocs-cache
