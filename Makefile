# flowdocs: every target sets up what it needs (venv, Python packages, Graphviz, fonts).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-deps

.PHONY: site test lint bench designs clean system-deps screenshots

site: $(STAMP) $(SYSTEM_STAMP)  ## Build the example site into site/
	$(BIN)/flowdocs validate designs/
	@for design in designs/*.yaml; do $(BIN)/flowdocs resolve "$$design"; echo; done

test: $(STAMP) $(SYSTEM_STAMP)  ## Lint and run the whole test suite
	$(BIN)/ruff check flowdocs tests benchmarks
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check flowdocs tests benchmarks

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
	rm -rf site build .pytest_cache .flowdocs-cache
