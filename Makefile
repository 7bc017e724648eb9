# reintegra: `make run` to serve with demo data, `make test` to run the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test lint typecheck check messages clean bench bench-web bench-web-smoke

$(BIN)/reintegra: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Translations are committed compiled (.mo), so a machine without GNU gettext serves all three languages.
run: $(BIN)/reintegra
	REINTEGRA_HTTPS=$${REINTEGRA_HTTPS:-0} $(BIN)/python -m reintegra migrate --no-input
	$(BIN)/python -m reintegra demo --if-empty $(if $(DEMO_PASSWORD),--password $(DEMO_PASSWORD))
	REINTEGRA_HTTPS=$${REINTEGRA_HTTPS:-0} $(BIN)/python -m reintegra serve --port $(PORT)

# On every core (pytest-xdist); PYTEST_ARGS="-n0 -x" runs in one process, stopping at the first failure.
# --durations lists the slowest tests (CI has 45 minutes for both databases). --dist loadgroup keeps the tests of one xdist_group on one worker (tests/test_faults.py shares one served site).
test: $(BIN)/reintegra
	$(BIN)/python -m pytest -n auto --dist loadgroup --durations=25 $(PYTEST_ARGS)

lint: $(BIN)/reintegra
	$(BIN)/ruff check reintegra tests
	$(BIN)/ruff format --check reintegra tests
	$(BIN)/lint-imports

typecheck: $(BIN)/reintegra
	$(BIN)/mypy reintegra

check: lint typecheck test

# Timed figures (docs/benchmarks.md): the matching engine, then the insights dashboards on a demo
# database of their own (var/bench-insights.sqlite3, filled once; BENCH_CASES, BENCH_DATABASE_URL).
# Writes bench/results/{matching,insights}.{json,md}.
BENCH_CASES ?= 2000
bench: $(BIN)/reintegra
	$(BIN)/python -m bench.matching
	$(BIN)/python -m bench.insights --cases $(BENCH_CASES)
	$(BIN)/python -m bench.ctdc

# The web pages under load, side by side with the trivial endpoint /healthz (bench/web.py,
# docs/benchmarks.md): serves the site with gunicorn against BENCH_DATABASE_URL (PostgreSQL; migrated,
# filled with the demo when empty), signs in caseworkers, supervisors and an analyst, and loads it
# from 16 clients with locust for BENCH_WEB_SECONDS (120), then each page alone for
# BENCH_WEB_PHASE_SECONDS (10). BENCH_WEB_SERVERS=gunicorn,granian,waitress compares servers;
# BENCH_WEB_TWO=1 adds two app servers (and two task workers) on the one database.
# Writes bench/results/web.{json,md}. locust lives in a venv of its own (.venv-bench), never in .venv.
BENCH_VENV ?= .venv-bench
$(BENCH_VENV)/bin/locust: requirements-bench.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet -r requirements-bench.txt
	touch $@

bench-web: $(BIN)/reintegra $(BENCH_VENV)/bin/locust
	@test -n "$(BENCH_DATABASE_URL)" || { echo "Set BENCH_DATABASE_URL=postgres://user:pw@host:port/db"; exit 2; }
	$(BIN)/pip install --quiet -r requirements-bench-servers.txt
	BENCH_LOCUST=$(BENCH_VENV)/bin/locust $(BIN)/python -m bench.web

# The same in a minute, to check the bench works (its figures go to bench/results/web-smoke.*).
bench-web-smoke:
	BENCH_WEB_SECONDS=15 BENCH_WEB_PHASE_SECONDS=3 BENCH_WEB_NAME=web-smoke $(MAKE) bench-web

# Rebuilds the catalogues from the source and compiles them (needs GNU gettext).
messages: $(BIN)/reintegra
	cd reintegra && ../$(BIN)/python -m reintegra makemessages -l th -l fil --no-obsolete --add-location file
	cd reintegra && ../$(BIN)/python -m reintegra compilemessages

clean:
	rm -rf $(VENV) var/static
