# Quick start: `make run` (app with the demo cohort on SQLite), `make test` (every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# PostgreSQL used by the tests when reachable (each test creates and drops its own database).
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
PORT ?= 8501

.PHONY: install run test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python -m dashboard migrate
	$(BIN)/python -m dashboard seed --demo
	$(BIN)/python -m dashboard run --port $(PORT)

# Runs every test: SQLite always; PostgreSQL when TEST_DATABASE_URL is set or the local
# server answers; the browser tests when /usr/bin/chromium exists.
test: install
	$(BIN)/ruff check .
	@if [ -z "$$TEST_DATABASE_URL" ] && $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_TEST_URL)'.replace('+psycopg',''), connect_timeout=3).close()" 2>/dev/null; then \
		echo "PostgreSQL détecté : les tests de base de données tournent aussi sur PostgreSQL."; \
		TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest $(PYTEST_ARGS); \
	else \
		$(BIN)/pytest $(PYTEST_ARGS); \
	fi

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/bench_dashboard.py
	$(BIN)/python bench/bench_exports.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-results
