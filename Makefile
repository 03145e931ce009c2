# make run   - the app with demo data on http://127.0.0.1:8000 (embedded PostgreSQL unless DATABASE_URL is set),
#              with a task-queue worker beside it
# make serve - the app as in production (DEBUG off, gunicorn, WhiteNoise) on http://127.0.0.1:8000, with a worker
# make worker - a task-queue worker on its own (one per machine or more; see README, Workers)
# make bench - the performance benchmark (BENCH_ARGS=--quick for a few minutes); see README, Performance
# make soak  - 60 s of mixed traffic, then 60 s more across a PostgreSQL restart; see README, Load and faults
# make test  - lint, migration check, Django checks and the whole test suite
# make backup / make restore FILE=... - pg_dump / pg_restore of the database under .data/backups/
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV := DEBUG=true

# Production mode on this machine, over plain http: the embedded PostgreSQL by explicit
# opt-in (unless DATABASE_URL is set), a generated key kept in .data/secret_key, and the
# HTTPS-only settings turned off because there is no TLS here. Mail goes to the console.
SERVE_ENV := DEBUG=false EMBEDDED_DB=true ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost} \
	SECRET_KEY=$${SECRET_KEY:-$$(cat .data/secret_key)} \
	SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0 \
	MAIL_DELIVERY_BACKEND=$${MAIL_DELIVERY_BACKEND:-lib.mail.ConsoleAndFileBackend}
# A worker beside the server in the same recipe: it is stopped (SIGTERM: it finishes its jobs
# first) when the server stops, however the server stops.
WITH_WORKER = $(BIN)/python manage.py procrastinate worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM;

.PHONY: setup run serve worker backup restore test lint format migrations-check clean-data bench soak

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed

run: setup
	$(DEV) $(BIN)/python manage.py migrate --no-input
	$(DEV) $(BIN)/python manage.py createcachetable
	$(DEV) $(BIN)/python manage.py load_demo
	export $(DEV); $(WITH_WORKER) $(BIN)/python manage.py runserver 127.0.0.1:8000

.data/secret_key:
	mkdir -p .data
	umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

serve: setup .data/secret_key
	env $(SERVE_ENV) $(BIN)/python manage.py migrate --no-input
	env $(SERVE_ENV) $(BIN)/python manage.py createcachetable
	env $(SERVE_ENV) $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	export $(SERVE_ENV); $(WITH_WORKER) $(BIN)/gunicorn -c gunicorn.conf.py

# Development settings, like make run; in production run `python manage.py procrastinate worker`
# with the web servers' environment (README, Workers).
worker: setup
	$(DEV) $(BIN)/python manage.py procrastinate worker $(WORKER_ARGS)

backup: setup
	$(DEV) $(BIN)/python manage.py backup_db

restore: setup
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=.data/backups/NAME.dump"; exit 2; }
	$(DEV) $(BIN)/python manage.py restore_db "$(FILE)"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

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

# Creates, migrates and seeds coalition_bench_large and coalition_bench_small on the same
# PostgreSQL (kept between runs), serves each with gunicorn as `make serve` does, and writes
# .data/bench/latest.json. BENCH_ARGS=--quick: 20,000 vs 2,000 members, 3 s per endpoint.
bench: setup
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

# A dedicated embedded PostgreSQL under .data/soak/ and a fresh small database, served as `make serve`
# serves it; fails on any 5xx but the restart's 503s, any lost write, or no recovery.
# Writes .data/soak/latest.json. SOAK_ARGS="--seconds 20" for a shorter run.
soak: setup
	$(BIN)/python scripts/soak.py $(SOAK_ARGS)
