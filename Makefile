# The two commands a newcomer needs: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := libs/prolight

.PHONY: setup test lint typecheck schemas bench gallery run clean

setup: $(STAMP)

# Re-install only when a pyproject changes; `make setup` is safe to run again and again.
$(STAMP): $(foreach p,$(PACKAGES),$(p)/pyproject.toml) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(foreach p,$(PACKAGES),-e '$(p)[test]') ruff mypy
	touch $(STAMP)

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy libs/prolight/src

schemas: setup
	$(BIN)/python -m prolight.schema_export proto-schemas

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

run: setup
	@echo "make run arrives with the run pipeline (issue 4). Until then, try: $(BIN)/prolight --help"

clean:
	rm -rf $(VENV) .prolight out

gallery: setup
	$(BIN)/prolight gallery out/gallery
