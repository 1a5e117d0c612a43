# make demo | test | install | lint | bench; every target installs what it needs first.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
# Bytecode is written and read: with PYTHONDONTWRITEBYTECODE set (as on some CI images), every process
# the tests start compiled every module again (`doraspace --help` 1.4 s, 0.8 s with bytecode). The venv
# is compiled at install; our modules write theirs into the ignored __pycache__ folders.
export PYTHONDONTWRITEBYTECODE :=
PYTHON ?= python3.11
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
SOURCES := $(wildcard store collector analytics dashboards surveys doraspace tests bench)

.PHONY: install system-packages demo test lint typecheck pytest format bench clean

# uv itself, when the machine has none: a private venv with pip's uv, never a downloaded Python.
.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
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
# The default distribution: worksteal and loadscope were tried and were slower or set a module's
# fixtures up twice (measured: 662 s and 742 s against 611 s).
pytest: install system-packages
	.venv/bin/pytest -q -n auto --durations=20

test: lint typecheck pytest

# Benchmarks print their figures; they are not tests and `make test` does not run them. The bench group
# adds pandas, bench_analytics' independent reference (nothing in the product imports it).
bench: install
	$(UV) sync --frozen --group bench --python $(PYTHON)
	.venv/bin/python bench/bench_scrape.py
	.venv/bin/python -m bench.bench_collect
	.venv/bin/python bench/bench_analytics.py
	.venv/bin/python -m bench.bench_upsert --postgres

format: install
	.venv/bin/ruff check --fix $(SOURCES)
	.venv/bin/ruff format $(SOURCES)

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache
