# The two commands a newcomer needs: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := libs/prolight services/planner services/bria-generator services/storage services/evaluator services/notifier services/gateway

.PHONY: setup test lint typecheck schemas bench gallery run nats clean

setup: $(STAMP)

# Re-install only when a pyproject changes; `make setup` is safe to run again and again.
$(STAMP): $(foreach p,$(PACKAGES),$(p)/pyproject.toml) pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt $(foreach p,$(PACKAGES),-e '$(p)[test]') ruff mypy
	touch $(STAMP)

# Lint and types first: they fail in seconds, the suite takes minutes.
test: setup lint typecheck
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy libs/prolight/src $(wildcard services/*/src)

schemas: setup
	$(BIN)/python -m prolight.schema_export proto-schemas
	$(BIN)/python -m prolight_gateway.openapi proto-schemas

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The six services on embedded defaults, and a nats-server under .prolight/ unless one answers at
# PROLIGHT_NATS_URL; Ctrl-C stops everything. Ports and the rest: see `prolight up --help`.
run: setup nats
	$(BIN)/prolight up

# Install Debian's nats-server only when none is installed and none answers at PROLIGHT_NATS_URL.
nats: setup
	@if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ] && \
	    ! $(BIN)/python -c 'import sys; from prolight.stack import default_nats_url as u, nats_reachable as r; sys.exit(not r(u()))'; then \
	  echo "no nats-server installed or answering: installing Debian's nats-server"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get install -y nats-server || { $$SUDO apt-get update && $$SUDO apt-get install -y nats-server; }; \
	fi

clean:
	rm -rf $(VENV) .prolight out

gallery: setup
	$(BIN)/prolight gallery out/gallery
