# Two commands: `make run` (the app on SQLite with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test install translations bench bench-reminders bench-appendix bench-published bench-exports bench-feeds bench-api bench-scorecard bench-desk bench-throughput bench-scale load-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d tracker/translations

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty --today-relative
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/bench_pages.py

bench-reminders: install
	$(BIN)/python bench/bench_reminders.py

bench-appendix: install
	$(BIN)/python bench/bench_appendix.py

bench-published: install
	$(BIN)/python bench/bench_published.py

bench-scorecard: install
	$(BIN)/python bench/bench_scorecard.py

bench-exports: install
	$(BIN)/python bench/bench_exports.py

bench-feeds: install
	$(BIN)/python bench/bench_feeds.py
bench-api: install
	$(BIN)/python bench/bench_api.py
bench-desk: install
	$(BIN)/python bench/bench_desk.py
# ~1,000,000 items of 34 provinces in PostgreSQL (docs/scaling.md); needs DATABASE_URL naming
# an EMPTY PostgreSQL database. SCALE_ITEMS, SCALE_PROVINCES, SCALE_AGENCIES, SCALE_YEARS.
bench-scale: install
	$(BIN)/python bench/bench_scale.py

# Item page req/s (wrk) and web workers' memory after exports, under gunicorn + nginx.
bench-throughput: install
	$(BIN)/python bench/bench_throughput.py

# Locust against nginx + gunicorn + PostgreSQL + worker (bench/load_test.py); needs
# DATABASE_URL naming an EMPTY PostgreSQL database. LOAD_USERS (50), LOAD_MINUTES (5).
$(VENV)/.load-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,load]'
	touch $@

load-test: install $(VENV)/.load-installed
	$(BIN)/python bench/load_test.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
