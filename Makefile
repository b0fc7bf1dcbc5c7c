# Armature: `make run` serves the API on the embedded stack; `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
HOST ?= 127.0.0.1
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
RUN := $(UV) run --locked

.PHONY: help uv sync run worker serve stop image lint-deploy migrate migration component test test-unit lint fmt typecheck contracts check-migrations docs bench bench-smoke bench-cpu

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

uv: ## Install uv with pip when it is missing (user site on PEP 668 systems)
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet uv 2>/dev/null \
		|| python3 -m pip install --quiet --user --break-system-packages uv

sync: uv ## Install the locked environment (production and dev groups)
	$(UV) sync --locked --all-packages

run: sync migrate ## Serve the API on http://$(HOST):$(PORT) (SQLite, no service needed)
	$(RUN) uvicorn --factory api.main:create_app --host $(HOST) --port $(PORT) --no-proxy-headers

worker: sync migrate ## Relay events and run consumers (automations); needs RABBITMQ_URL to share them
	$(RUN) armature worker

serve: sync ## Production mode here: migrations, gunicorn, worker, nginx on 127.0.0.1:8080
	_DOCKER/serve.sh start

stop: ## Stop what `make serve` started (gunicorn drains first)
	_DOCKER/serve.sh stop

image: ## Build the production image (needs a Docker engine)
	docker build -f _DOCKER/Dockerfile -t armature .

lint-deploy: sync ## hadolint, yamllint, kubernetes-validate, promtool and the compose checks
	$(RUN) pytest -q api/tests/test_deploy_*.py api/tests/test_observability_config.py

migrate: sync ## Apply every component's migrations to DATABASE_URL (default: the embedded SQLite file)
	$(RUN) armature db upgrade

component: sync ## Generate a business component: make component name=orders
	@test -n "$(name)" || { echo 'usage: make component name=<plural_noun>'; exit 2; }
	$(RUN) armature new-component "$(name)"
	$(UV) sync --locked --all-packages

migration: sync ## Autogenerate a migration: make migration m="add price index"
	@test -n "$(m)" || { echo 'usage: make migration m="what it does"'; exit 2; }
	$(RUN) alembic revision --autogenerate -m "$(m)"

test: sync lint typecheck contracts check-migrations ## Everything CI runs: lint, types, layers, migrations, all tests
	$(RUN) pytest

bench: sync ## Load-test the production stack against the bare reference: _BENCHMARK/reports/<name>/ (ARGS="--million")
	cd _BENCHMARK && $(RUN) python -m bench $(ARGS)

bench-cpu: sync ## The app's CPU a request in process, no server or load generator (ARGS="--callgrind")
	cd _BENCHMARK && $(RUN) python -m bench.inprocess $(ARGS)

bench-smoke: sync ## The bench suite in a few seconds, no thresholds (make test runs it too)
	cd _BENCHMARK && $(RUN) python -m bench --smoke --out "$$(mktemp -d)/smoke"

test-unit: sync ## The unit tier only (no database, a few seconds)
	$(RUN) pytest core/tests components/*/tests/unit

lint: sync ## ruff: formatting and lint rules
	$(RUN) ruff format --check .
	$(RUN) ruff check .

fmt: sync ## Format and fix what ruff can
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

docs: sync ## Render README's settings table from the settings classes
	$(RUN) python -m api.settings_reference --write

typecheck: sync ## mypy --strict: the packages, then each component's tests on their own
	$(RUN) mypy
	@for tests in components/*/tests; do \
		$(RUN) mypy $$(find "$$tests" -name '*.py') || exit 1; \
	done

contracts: sync ## import-linter: the layers stay honest
	$(RUN) lint-imports

check-migrations: sync ## The migrations build exactly the declared tables (on a throwaway SQLite file)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT \
		&& export DATABASE_URL="sqlite+aiosqlite:///$$tmp/check.sqlite3" \
		&& $(RUN) armature db upgrade && $(RUN) armature db check
