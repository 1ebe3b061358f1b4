# Pulse ERP — the two commands are `make up` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
PORT ?= 8000

.PHONY: up compose-up test setup web web-client e2e screenshots bench-web lint bench bench-reference-venv bench-side-by-side bench-analytics bench-login bench-login-time bench-sql-attack bench-users bench-push bench-soak clean

# Steps print one line each; a step that fails shows its output.
$(UV):
	@echo "• uv (pinned) into .tools"
	@$(PYTHON) -m venv .tools
	@.tools/bin/pip install --quiet --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	@echo "• Python dependencies with the test and development tools into $(VENV)"
	@$(UV) sync --frozen --compile-bytecode --quiet --python $(PYTHON)
	@touch $@

# What `make up` runs: the runtime dependencies alone, without the dev group (pytest, ruff …).
RUN_VENV := .venv-run
$(RUN_VENV)/.synced: $(UV) pyproject.toml uv.lock
	@echo "• Python runtime dependencies into $(RUN_VENV)"
	@UV_PROJECT_ENVIRONMENT=$(RUN_VENV) $(UV) sync --frozen --no-dev --compile-bytecode --quiet --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced ## install the locked Python dependencies into .venv

# The web app: built once by the setup step, then served by the Python app (no Node at run time).
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json web/tsconfig.app.json
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

web/node_modules/.installed: web/package.json web/package-lock.json
	@echo "• the web app's locked npm packages into web/node_modules"
	@cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	@echo "• building the web app into web/dist"
	@log=$$(mktemp) && (cd web && npm run build) >$$log 2>&1 || { cat $$log; rm -f $$log; exit 1; }; rm -f $$log

web: web/dist/index.html ## build the web app into web/dist

web-client: setup web/node_modules/.installed ## regenerate the typed API client from the OpenAPI document
	$(VENV)/bin/pulse openapi --write web/openapi.json
	cd web && npm run gen

$(CHROMIUM):
	$(SUDO) apt-get install -y --no-install-recommends chromium || ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)

# The OpenID provider the SSO tests run on loopback (tests/oidc: the `oidc-provider` package).
tests/oidc/node_modules/.installed: tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund
	touch $@

test: tests/oidc/node_modules/.installed

e2e: setup web $(CHROMIUM) ## the browser tests (headless Debian chromium, Playwright)
	cd web && PULSE_E2E_CHROMIUM=$(CHROMIUM) npx playwright test

screenshots: setup web $(CHROMIUM) ## the main pages at 1366x768 into docs/screenshots/
	cd web && PULSE_E2E_CHROMIUM=$(CHROMIUM) npx playwright test -c playwright.shots.config.ts

# promtool (for the alert rules' unit tests) from Debian's prometheus package, unpacked into
# .tools/ rather than installed: installing the package would also start a Prometheus server.
PROMTOOL := .tools/promtool/usr/bin/promtool

$(PROMTOOL):
	rm -rf .tools/promtool && mkdir -p .tools/promtool
	cd .tools/promtool && { apt-get download prometheus 2>/dev/null || { $(SUDO) apt-get update && apt-get download prometheus; }; } \
	  && dpkg-deb -x prometheus_*.deb . && rm prometheus_*.deb

compose-up: ## the compose stack (deploy/compose): secrets made once, image built, every service started
	cd deploy/compose && ./make-secrets.sh && docker compose up -d --build

up: $(RUN_VENV)/.synced web ## run the product (embedded mode) with demo data
	@echo "• starting Pulse ERP (embedded mode, demo data)"
	@$(RUN_VENV)/bin/pulse up --demo --port $(PORT)

# pytest's workers (pytest-xdist): most of a test's time is spent waiting on servers and
# subprocesses, so workers help even on two cores. Two, not more: each test's pool may hold
# up to 30 PostgreSQL connections (the server allows 100), and tests that wait with a
# deadline fail when the machine is far busier than its cores. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

# Every process a step starts carries this mark; the last step fails if one is still alive.
test: export PYTEST_PULSE_RUN := $(shell od -An -N8 -tx8 /dev/urandom | tr -d ' ')
test: setup web $(CHROMIUM) $(PROMTOOL) ## run every test (lint, import contracts, types, unit, integration with coverage, web unit, browser)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) --cov --durations=25
	cd web && npm test
	$(MAKE) e2e
	$(VENV)/bin/python -m tests.leftovers

bench: setup bench-reference-venv ## run the benchmarks (see docs/PERFORMANCE.md)
	$(VENV)/bin/python -m bench.run
	$(MAKE) --no-print-directory bench-side-by-side
	$(VENV)/bin/python -m bench.steps --record
	$(VENV)/bin/python -m bench.billing
	$(MAKE) --no-print-directory bench-users
	$(MAKE) --no-print-directory bench-push
	$(MAKE) --no-print-directory bench-soak

# The plan's reference orders service (SEED_DIR, beside the checkout) runs in place in its
# own virtualenv, built by its own setup.sh with the versions pinned here. Without SEED_DIR
# the side-by-side benchmark says so and measures Pulse alone.
SEED_DIR ?= ../shared/anchors/seed-orders
BENCH_VENV := .bench-venv

$(BENCH_VENV)/.installed: bench/reference-constraints.txt
	@if [ -f "$(SEED_DIR)/setup.sh" ]; then \
	  rm -rf $(BENCH_VENV) && \
	  PULSE_SEED_VENV="$(CURDIR)/$(BENCH_VENV)" PIP_CONSTRAINT="$(CURDIR)/bench/reference-constraints.txt" \
	    bash "$(SEED_DIR)/setup.sh" >/dev/null && touch $@; \
	else echo "bench: no $(SEED_DIR)/setup.sh: the reference service will be skipped"; fi

bench-reference-venv: $(BENCH_VENV)/.installed ## the reference service's virtualenv (.bench-venv)

bench-side-by-side: setup bench-reference-venv ## Pulse (embedded, services) against the plan's reference service (about 6 minutes)
	PULSE_BENCH_SEED_DIR="$(abspath $(SEED_DIR))" PULSE_SEED_VENV="$(CURDIR)/$(BENCH_VENV)" \
	  $(VENV)/bin/python -m bench.side_by_side

bench-web: setup web $(CHROMIUM) ## initial JavaScript (gzip) and time to dashboard data, in chromium
	cd web && PULSE_E2E_CHROMIUM=$(CHROMIUM) npx playwright test -c playwright.bench.config.ts

bench-analytics: setup ## the analytics benchmark: ingest, queries on 1 M orders, live push (about 8 minutes)
	$(VENV)/bin/python -m bench.analytics

bench-users: setup ## 100 users with think time under locust for 5 minutes: per-action p95, errors, every order invoiced (about 7 minutes)
	$(VENV)/bin/python -m bench.users

bench-push: setup ## order → live push at a steady 100 orders/s, open loop, embedded (about 2 minutes; more when the server falls behind)
	$(VENV)/bin/python -m bench.push

bench-soak: setup ## RSS of the embedded process over a 30-minute steady load (50 orders/s), by minute (about 32 minutes)
	$(VENV)/bin/python -m bench.soak

bench-login: setup ## a real user's login and /health under a flood of logins for random names (about 1 minute)
	$(VENV)/bin/python -m bench.login_flood

bench-login-time: setup ## one sign-in on a quiet server, and the argon2id check in it (under a minute)
	$(VENV)/bin/python -m bench.login_time

bench-sql-attack: setup ## the SQL endpoint under a query that builds a huge answer: answer size, server memory, /health
	$(VENV)/bin/python -m bench.sql_attack

clean:
	rm -rf $(VENV) $(RUN_VENV) $(BENCH_VENV) .tools data .pytest_cache web/node_modules web/dist web/.e2e-data
