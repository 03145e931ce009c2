# make run   - the app with demo data on http://127.0.0.1:8000 (embedded PostgreSQL unless DATABASE_URL is set)
# make test  - lint, migration check, Django checks and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV := DEBUG=true

.PHONY: setup run test lint format migrations-check clean-data

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed

run: setup
	$(DEV) $(BIN)/python manage.py migrate --no-input
	$(DEV) $(BIN)/python manage.py load_demo
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: setup
	$(DEV) $(BIN)/python manage.py makemigrations --check --dry-run

test: setup lint migrations-check
	$(DEV) $(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/pytest

clean-data:
	rm -rf .data
