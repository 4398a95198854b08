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
	# One process: Daphne serves HTTP and the live sockets, and the scheduler's jobs run in its
	# threads (production splits them: the Procfile's web:, ws: and clock:), so that the alerts
	# it judges reach the sockets without Redis.
	$(PY) manage.py run_scheduler --serve $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

# Where PostgreSQL answers, `make test` on SQLite also runs the data-path tests on it (the same
# code: docs/architecture.md). TEST_DATABASE_URL= (empty) skips that pass; a run whose
# DATABASE_URL is already PostgreSQL (CI's second pass) has run them there.
TEST_DATABASE_URL ?= $(if $(findstring postgres,$(DATABASE_URL)),,postgres://postgres@127.0.0.1:5432/bedwatch)

test: install migrations-check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest $(PYTEST_ARGS)
	@if [ -n "$(TEST_DATABASE_URL)" ] && $(PY) -c "import psycopg; psycopg.connect('$(TEST_DATABASE_URL)', dbname='postgres', connect_timeout=2).close()" 2>/dev/null; then \
		echo "PostgreSQL answers at $(TEST_DATABASE_URL): the data-path tests again, on it"; \
		DATABASE_URL=$(TEST_DATABASE_URL) $(VENV)/bin/pytest -q -m "(postgres or databases) and not slow"; \
	else \
		echo "No PostgreSQL pass (TEST_DATABASE_URL=$(TEST_DATABASE_URL))"; \
	fi

# Refresh the French catalog after changing UI strings, then translate what is new in
# locale/fr/LC_MESSAGES/django.po; the compiled .mo is committed (a clone needs no gettext).
messages: install
	$(PY) manage.py makemessages -l fr --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

# The performance benchmark (docs/performance.md): PostgreSQL and Redis must be running.
.PHONY: bench
bench: install
	$(PY) -m bench all $(BENCH_ARGS)
