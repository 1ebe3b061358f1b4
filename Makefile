# Pulse ERP — the two commands are `make up` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
PORT ?= 8000

.PHONY: up test setup web web-client e2e screenshots bench-web lint bench bench-analytics bench-login bench-sql-attack clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

setup: $(VENV)/.synced ## install the locked Python dependencies into .venv

# The web app: built once by the setup step, then served by the Python app (no Node at run time).
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json web/tsconfig.app.json
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build

web: web/dist/index.html ## build the web app into web/dist

web-client: setup web/node_modules/.installed ## regenerate the typed API client from the OpenAPI document
	$(VENV)/bin/pulse openapi --write web/openapi.json
	cd web && npm run gen

$(CHROMIUM):
	$(SUDO) apt-get install -y --no-install-recommends chromium || ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)

e2e: setup web $(CHROMIUM) ## the browser tests (headless Debian chromium, Playwright)
	cd web && PULSE_E2E_CHROMIUM=$(CHROMIUM) npx playwright test

screenshots: setup web $(CHROMIUM) ## the main pages at 1366x768 into docs/screenshots/
	cd web && PULSE_E2E_CHROMIUM=$(CHROMIUM) npx playwright test -c playwright.shots.config.ts

up: setup web ## run the product (embedded mode) with demo data
	$(VENV)/bin/pulse up --demo --port $(PORT)

test: setup web $(CHROMIUM) ## run every test (lint, import contracts, unit, integration, web unit, browser)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q
	cd web && npm test
	$(MAKE) e2e

bench: setup ## run the benchmarks (see docs/PERFORMANCE.md)
	$(VENV)/bin/python -m bench.run
	$(VENV)/bin/python -m bench.billing

bench-web: setup web $(CHROMIUM) ## initial JavaScript (gzip) and time to dashboard data, in chromium
	cd web && PULSE_E2E_CHROMIUM=$(CHROMIUM) npx playwright test -c playwright.bench.config.ts

bench-analytics: setup ## the analytics benchmark: ingest, queries on 1 M orders, live push (about 8 minutes)
	$(VENV)/bin/python -m bench.analytics

bench-login: setup ## a real user's login and /health under a flood of logins for random names (about 1 minute)
	$(VENV)/bin/python -m bench.login_flood

bench-sql-attack: setup ## the SQL endpoint under a query that builds a huge answer: answer size, server memory, /health
	$(VENV)/bin/python -m bench.sql_attack

clean:
	rm -rf $(VENV) .tools data .pytest_cache web/node_modules web/dist web/.e2e-data
