# gridcare: `make demo` runs the demo utility, `make test` runs every check. Nothing else to do by hand.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
GRIDCARE := $(BIN)/gridcare
PORT ?= 8000
SANDBOX_PORT ?= 8010
CUSTOMERS ?= 5000
UV_VERSION := 0.13.8
export UV_NO_PROGRESS := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup demo serve test test-postgres lint lock benchmarks clean
.DEFAULT_GOAL := demo

# Python dependencies come from requirements.lock (hashes, exact versions), front-end assets from
# package-lock.json; both are installed from their registries, never copied into the repository.
$(BIN)/.installed: requirements.lock package-lock.json pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	@VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/uv pip sync -q --require-hashes requirements.lock
	@VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/uv pip install -q --no-deps -e .
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
	 else echo "npm not found: the portal works without htmx, install Node.js for the full experience"; fi
	@touch $@

setup: $(BIN)/.installed

# The demo and the benchmarks run on this machine with the fixed development SECRET_KEY (settings.py).
demo benchmarks: export GRIDCARE_DEV := 1
# The demo's payment gateways are local sandboxes (gridcare payments-sandbox) that call this server back.
demo: export GRIDCARE_PAYMENTS_SANDBOX_URL := http://127.0.0.1:$(SANDBOX_PORT)
demo: export GRIDCARE_PAYMENTS_SITE_URL := http://127.0.0.1:$(PORT)

demo: setup
	@$(GRIDCARE) migrate --noinput -v0
	@$(GRIDCARE) demo-data --if-empty --customers $(CUSTOMERS)
	@GRIDCARE_MANIFEST_STATIC=1 $(GRIDCARE) collectstatic --noinput -v0
	@$(GRIDCARE) demo-welcome --port $(PORT)
	@# A task worker runs beside the server (bill runs started in the back office, notifications, alerts).
	@# The demo has no SMS/Zalo provider: staff may read one-time codes in the outbox (never in production).
	@$(GRIDCARE) db_worker --no-startup-delay & worker=$$!; \
	 $(GRIDCARE) payments-sandbox --port $(SANDBOX_PORT) --site http://127.0.0.1:$(PORT) & sandbox=$$!; \
	 trap 'kill $$worker $$sandbox 2>/dev/null' EXIT INT TERM; \
	 GRIDCARE_OTP_SHOWN_TO_STAFF=1 $(GRIDCARE) runserver 127.0.0.1:$(PORT) --noreload --skip-checks

# Production: gunicorn with GRIDCARE_WEB_WORKERS workers on GRIDCARE_BIND (docs/deployment.md). Needs SECRET_KEY and
# the production environment; run `gridcare db_worker` (or RQ workers) beside it.
serve: setup
	@$(GRIDCARE) migrate --noinput -v0
	@GRIDCARE_MANIFEST_STATIC=1 $(GRIDCARE) collectstatic --noinput -v0
	@GRIDCARE_MANIFEST_STATIC=1 $(GRIDCARE) serve

lint: setup
	@$(BIN)/ruff check $(wildcard src tests benchmarks)
	@$(BIN)/ruff format --check --quiet $(wildcard src tests benchmarks) || { echo "run: .venv/bin/ruff format src tests benchmarks"; exit 1; }
	@$(BIN)/lint-imports --no-cache

test: lint
	@$(BIN)/pytest $(PYTEST_ARGS)

# The same suite against PostgreSQL; pytest-django creates and drops a throw-away test database.
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/gridcare
test-postgres: lint
	@DATABASE_URL=$(DATABASE_URL) $(BIN)/pytest $(PYTEST_ARGS)

# Every heavy job against a naive per-object loop, on PostgreSQL (BENCH_DB_URL names a throw-away database).
BENCH_DB_URL ?= postgres://postgres@127.0.0.1:5432/gridcare_bench
benchmarks: setup
	@$(BIN)/python benchmarks/import_readings.py --rows 1000000 --database-url $(BENCH_DB_URL)
	@$(BIN)/python benchmarks/bill_run.py --accounts 1000000 --database-url $(BENCH_DB_URL)
	@$(BIN)/python benchmarks/fanout.py --recipients 1000000 --database-url $(BENCH_DB_URL)
	@$(BIN)/python benchmarks/tariff_engine.py
	@$(BIN)/python benchmarks/baselines.py --participants 10000 --days 60

# Re-resolve the Python lock file after changing dependencies in pyproject.toml.
lock:
	@$(BIN)/uv pip compile pyproject.toml --group dev --generate-hashes --no-emit-index-url \
	  --python-version 3.11 --quiet -o requirements.lock

clean:
	rm -rf $(VENV) node_modules var
