# reintegra: `make run` to serve with demo data, `make test` to run the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test lint typecheck check messages clean bench

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
# --dist loadgroup keeps the tests of one xdist_group on one worker (tests/test_faults.py shares one served site).
test: $(BIN)/reintegra
	$(BIN)/python -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)

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

# Rebuilds the catalogues from the source and compiles them (needs GNU gettext).
messages: $(BIN)/reintegra
	cd reintegra && ../$(BIN)/python -m reintegra makemessages -l th -l fil --no-obsolete --add-location file
	cd reintegra && ../$(BIN)/python -m reintegra compilemessages

clean:
	rm -rf $(VENV) var/static
