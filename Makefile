# Bedwatch: `make run` serves the demo, `make test` runs every check. Both install first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The Makefile is the developer's: DEBUG on (settings default to off; production sets a secret
# key instead, docs/deployment.md).
export DJANGO_DEBUG ?= 1

.PHONY: install run test lint format migrations-check messages

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) config.asgi:application

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

test: install migrations-check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Refresh the French catalog after changing UI strings, then translate what is new in
# locale/fr/LC_MESSAGES/django.po; the compiled .mo is committed (a clone needs no gettext).
messages: install
	$(PY) manage.py makemessages -l fr --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

# The performance benchmark (docs/performance.md): PostgreSQL and Redis must be running.
.PHONY: bench
bench: install
	$(PY) -m bench all $(BENCH_ARGS)
