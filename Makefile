# Quick start: `make run` (the demo cohort on SQLite), `make test` (lint, format, types, tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# PostgreSQL used by the tests when reachable (each test creates and drops its own database).
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
PORT ?= 8501

# Dependencies come from uv.lock (exact versions and hashes), installed by uv, itself pinned and
# taken from PyPI into the virtualenv: nothing but python3 is needed beforehand, and uv never
# downloads a Python of its own.
UV_VERSION := 0.13.8
UV := $(BIN)/uv
export UV_PYTHON_DOWNLOADS := never

.PHONY: install lock run test lint typecheck format bench clean

$(BIN)/python:
	@echo "== Environnement virtuel $(VENV) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	@echo "== uv $(UV_VERSION) (PyPI)"
	$(BIN)/python -m pip install --disable-pip-version-check "uv==$(UV_VERSION)"

# --locked: refuse a uv.lock that no longer matches pyproject.toml (run `make lock`);
# --inexact: keep pip and uv themselves in the virtualenv.
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	@echo "== Dépendances de uv.lock (application + tests)"
	$(UV) sync --locked --inexact --extra test --python $(BIN)/python
	touch $@

# axe-core for the accessibility browser test (package.json, exact version in package-lock.json).
# Without npm the app still installs and runs; only the accessibility browser test then fails
# (it says to install Node.js: apt-get install nodejs npm).
node_modules/.installed: package.json package-lock.json
	@echo "== axe-core (npm)"
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm introuvable : axe-core non installé (apt-get install nodejs npm)."; fi

install: $(VENV)/.installed node_modules/.installed

# After a change of dependencies in pyproject.toml: resolve again and commit uv.lock.
lock: | $(UV)
	$(UV) lock --python $(BIN)/python

run: install
	$(BIN)/python -m dashboard migrate
	$(BIN)/python -m dashboard seed --demo
	$(BIN)/python -m dashboard run --port $(PORT)

# Runs every test: SQLite always; PostgreSQL when TEST_DATABASE_URL is set or the local
# server answers; the browser tests when /usr/bin/chromium exists.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@if [ -z "$$TEST_DATABASE_URL" ] && $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_TEST_URL)'.replace('+psycopg',''), connect_timeout=3).close()" 2>/dev/null; then \
		echo "PostgreSQL détecté : les tests de base de données tournent aussi sur PostgreSQL."; \
		TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest $(PYTEST_ARGS); \
	else \
		$(BIN)/pytest $(PYTEST_ARGS); \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy over dashboard/, models/ and pages/, configured in pyproject.toml ([tool.mypy]).
typecheck: install
	$(BIN)/mypy

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/bench_dashboard.py
	$(BIN)/python bench/bench_exports.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-results
