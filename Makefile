# The two commands of the README: `make run` and `make test`. Both build .venv themselves.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint worker

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
