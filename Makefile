# make demo | test | install | lint | bench; every target installs what it needs first.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
PYTHON ?= python3.11
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
SOURCES := $(wildcard store collector analytics dashboards surveys doraspace tests bench)

.PHONY: install system-packages demo test lint typecheck pytest format bench clean

# uv itself, when the machine has none: a private venv with pip's uv, never a downloaded Python.
.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: .venv/.installed

# The whole product on a synthetic organisation: store, analytics, /metrics, dashboards, reports.
demo: install
	.venv/bin/doraspace demo --dir demo

lint: install
	.venv/bin/ruff check $(SOURCES)
	.venv/bin/ruff format --check $(SOURCES)

typecheck: install
	.venv/bin/mypy

# PostgreSQL, Prometheus and Chromium for the tests that run them for real (apt, where we are root).
system-packages:
	@scripts/system-packages.sh

# One worker per core (pytest-xdist): the suite's real servers and emulators each bind their own port.
# worksteal: a worker left idle takes tests queued on the other, so no one long test ends the run alone.
pytest: install system-packages
	.venv/bin/pytest -q -n auto --dist worksteal

test: lint typecheck pytest

# Benchmarks print their figures; they are not tests and `make test` does not run them. The bench group
# adds pandas, bench_analytics' independent reference (nothing in the product imports it).
bench: install
	$(UV) sync --frozen --group bench --python $(PYTHON)
	.venv/bin/python bench/bench_scrape.py
	.venv/bin/python -m bench.bench_collect
	.venv/bin/python bench/bench_analytics.py

format: install
	.venv/bin/ruff check --fix $(SOURCES)
	.venv/bin/ruff format $(SOURCES)

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache
