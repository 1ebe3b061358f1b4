# Pulse ERP — the two commands are `make up` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
PORT ?= 8000

.PHONY: up test setup lint bench bench-analytics clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

setup: $(VENV)/.synced ## install the locked Python dependencies into .venv

up: setup ## run the product (embedded mode) with demo data
	$(VENV)/bin/pulse up --demo --port $(PORT)

test: setup ## run every test (lint, import contracts, unit, integration)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q

bench: setup ## run the benchmarks (see docs/PERFORMANCE.md)
	$(VENV)/bin/python -m bench.run
	$(VENV)/bin/python -m bench.billing

bench-analytics: setup ## the analytics benchmark: ingest, queries on 1 M orders, live push (about 8 minutes)
	$(VENV)/bin/python -m bench.analytics

clean:
	rm -rf $(VENV) .tools data .pytest_cache
