# The two commands of the README: `make run` and `make test`. Both build .venv themselves.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint worker mutants

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

# SQLite, a memory cache and a filesystem Celery broker: nothing to install but Python.
# Local secrets are generated once, into .env.keys; a run only adds keys the file lacks.
# The banner (addresses for HOST and PORT, where email lands, the demo logins) comes last, after
# every other output, so the logins stay in view; the worker's output goes to its log, not here.
# The broker's folders come first: seeding queues tasks (invitation emails) before the worker starts.
run: install
	@mkdir -p var/celery/queue var/celery/processed var/celery/control var/mail
	$(BIN)/python manage.py generate_local_keys
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/celery -A config worker --beat --pool=solo --loglevel=INFO --logfile=var/celery.log \
		--schedule=var/celerybeat-schedule >>var/celery.log 2>&1 & worker=$$!; \
	$(BIN)/python manage.py demo_banner --host $(HOST) --port $(PORT) && \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Mutation testing of the modules that carry the promises, by hand only (README, "Mutation testing"):
# `make mutants`, or one module: `make mutants MUTANTS='audit.chain.*'`. Never part of `make test` or CI.
# mutants/ is rebuilt each time: mutmut does not refresh the files it copies without mutating them.
# SQLite unless DATABASE_URL is set (PostgreSQL-only tests then skip); on PostgreSQL, keep MUTMUT_CHILDREN=1 (one test database).
MUTANTS ?=
MUTMUT_CHILDREN ?= 1
mutants: install
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTMUT_CHILDREN) $(MUTANTS)
	$(BIN)/mutmut results
