# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PORT ?= 5000
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app portal
PG_TEST_URL ?= $(or $(TEST_DATABASE_URL),postgresql+psycopg://postgres@127.0.0.1:5432/test)
# The suite runs in parallel (pytest-xdist), one worker per core; TEST_WORKERS=0 runs it in one
# process. Each worker has its own databases (see tests/conftest.py).
TEST_WORKERS ?= auto
PYTEST_SUITE := $(PY) -m pytest -q -n $(TEST_WORKERS) tests --ignore=tests/e2e --ignore=tests/perf
# The SQLite and browser passes ignore a TEST_DATABASE_URL meant for the PostgreSQL pass.
NO_PG := env -u TEST_DATABASE_URL
CATALOGS := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)

.PHONY: run test test-sqlite test-postgres test-e2e screenshots lint bench audit translations \
        translations-compile install install-dev clean

# What the portal needs to run (make run, production) ...
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# ... and the test and lint tools on top (make test, make bench, make audit).
$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.dev-installed

translations-compile: install
	$(VENV)/bin/pybabel compile --statistics -f -d portal/translations 2>&1 | tail -n 2

# The portal reads PORT too: in development BASE_URL (links in e-mails) follows it.
run: export PORT := $(PORT)
run: install translations-compile
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) guidance load
	@echo "Serving http://127.0.0.1:$(PORT) with the worker beside it (e-mail, reminders, flags)."
	PORT=$(PORT) $(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	PORT=$(PORT) $(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: install-dev
	$(VENV)/bin/ruff check .

test: lint translations-compile test-sqlite test-postgres test-e2e

test-sqlite: install-dev
	$(NO_PG) $(PYTEST_SUITE)

# PostgreSQL is mandatory in CI and when TEST_DATABASE_URL is set; elsewhere it runs when reachable.
test-postgres: install-dev
	@if $(PY) tests/tools/pg_reachable.py "$(PG_TEST_URL)"; then \
		TEST_DATABASE_URL="$(PG_TEST_URL)" $(PYTEST_SUITE); \
	elif [ -n "$$CI" ] || [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "PostgreSQL at $(PG_TEST_URL) is not reachable; it is required here." >&2; exit 1; \
	else \
		echo "PostgreSQL not reachable at $(PG_TEST_URL): skipping the PostgreSQL run."; \
	fi

test-e2e: install-dev translations-compile
	$(NO_PG) $(PY) -m pytest -q -rs tests/e2e

# Every main page of every role, 390 and 1366 px, light and dark, nl and en, in screenshots/.
screenshots: install-dev translations-compile
	$(PY) tests/tools/screenshots.py

bench: install-dev translations-compile
	$(PY) -m pytest -q -s tests/perf

# The locked file is audited as it is (--no-deps: it pins every package), against the OSV
# database; OSV_URL points it elsewhere (the test of this target runs a local OSV server).
OSV_URL ?= https://api.osv.dev/v1/query
audit: install-dev
	$(VENV)/bin/pip-audit -r requirements.txt -r requirements-dev.txt --strict --no-deps --disable-pip \
		--vulnerability-service osv --osv-url $(OSV_URL) $(AUDIT_FLAGS)

translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location -o portal/translations/messages.pot .
	$(VENV)/bin/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -f -d portal/translations

clean:
	rm -rf $(VENV) instance/*.db
