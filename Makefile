# examsys: `make run` sets everything up and serves; `make test` sets up and runs the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOG := examsys/translations/zh_Hans_CN/LC_MESSAGES/messages
MN_CATALOG := examsys/translations/mn_Mong_CN/LC_MESSAGES/messages
export FLASK_APP := wsgi

.PHONY: run setup test test-sqlite test-pg test-browser lint translations extract-messages bench clean

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (set PYTHON=... to use another 3.11+)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

$(CATALOG).mo: $(CATALOG).po $(MN_CATALOG).po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d examsys/translations -D messages >/dev/null

translations: $(CATALOG).mo

## setup: virtualenv, packages, translations, database migrated to head, demo data and starter banks loaded.
setup: $(STAMP) translations
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo

## run: setup, then serve on http://127.0.0.1:5000 (development server).
run: setup
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## test: the whole suite on SQLite (browser tests included when Chromium is installed), then again on
## PostgreSQL when EXAMSYS_TEST_DATABASE_URL is set (CI sets it; the browser tests run once).
test: $(STAMP) translations
	env -u EXAMSYS_TEST_DATABASE_URL $(BIN)/python -m pytest -q
	@if [ -n "$$EXAMSYS_TEST_DATABASE_URL" ]; then \
	  echo "--- the same suite on PostgreSQL ($$EXAMSYS_TEST_DATABASE_URL)"; \
	  $(BIN)/python -m pytest -q -m "not browser"; \
	else echo "(PostgreSQL run skipped: set EXAMSYS_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run it)"; fi

lint: $(STAMP)
	$(BIN)/ruff check .

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _lp:1c,2 -o /tmp/examsys-messages.pot . >/dev/null
	$(BIN)/pybabel update -i /tmp/examsys-messages.pot -d examsys/translations -D messages --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) instance/examsys.sqlite3* .pytest_cache
