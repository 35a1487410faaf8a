# One command each: `make run` (the whole stack with demo data), `make test` (every test),
# `make check` (lint, types, tests). Nothing here needs a Docker engine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PY := .venv/bin/python
# Test servers' ports; override to run two checkouts' tests side by side (make test TEST_KAFKA_PORT=...).
TEST_KAFKA_PORT ?= 19092
TEST_KAFKA_CONTROLLER_PORT ?= 19093
TEST_MONGO_PORT ?= 27018
# The PostgreSQL under the test store (FerretDB v2); by default the store's port less 2000.
TEST_PG_PORT ?= $(shell echo $$(( $(TEST_MONGO_PORT) - 2000 )))
TEST_KAFKA_SASL_PORT ?= 19094
TEST_KEYCLOAK_PORT ?= 18080
TEST_KEYCLOAK_MANAGEMENT_PORT ?= 19001
# The tests' broker: PLAINTEXT on its client port (the ~400 tests' clients stay simple and fast),
# SASL/SCRAM on an extra port that tests/integration/test_kafka_sasl.py uses.
# Tests' consoles listen on free ports: a loopback redirect URI without a port admits any port.
TEST_ENV := SPRG_LOCAL_DIR=$(CURDIR)/.local/test SPRG_KAFKA_PORT=$(TEST_KAFKA_PORT) \
  SPRG_KAFKA_CONTROLLER_PORT=$(TEST_KAFKA_CONTROLLER_PORT) SPRG_MONGO_PORT=$(TEST_MONGO_PORT) \
  SPRG_PG_PORT=$(TEST_PG_PORT) \
  SPRG_KAFKA_SASL=0 SPRG_KAFKA_SASL_PORT=$(TEST_KAFKA_SASL_PORT) \
  SPRG_KEYCLOAK_PORT=$(TEST_KEYCLOAK_PORT) SPRG_KEYCLOAK_MANAGEMENT_PORT=$(TEST_KEYCLOAK_MANAGEMENT_PORT) \
  SPRG_CONSOLE_REDIRECT_URIS=http://127.0.0.1/auth/callback

.PHONY: help setup tools run stop reset test unit test-infra check lint types schemas

help:
	@echo "make run    - build what is missing, start broker, store, five services, Prometheus and"
	@echo "             Alertmanager (alerts e-mailed to the operations role), load demo data"
	@echo "make stop   - stop everything 'make run' started"
	@echo "make test   - set up, start test servers, run every test"
	@echo "make unit   - the unit tier: no server, no tool, the whole incident chain in one process"
	@echo "make check  - ruff, mypy --strict, then make test"
	@echo "make reset  - stop and delete local data (not the cached builds)"

$(UV):
	python3 -m pip install --user --quiet 'uv>=0.9'

.venv/.synced: uv.lock pyproject.toml shared/pyproject.toml services/*/pyproject.toml cli/pyproject.toml | $(UV)
	$(UV) sync --all-packages --frozen --compile-bytecode
	@touch $@

# Bytecode for the project's own sources too: where PYTHONDONTWRITEBYTECODE is set, every
# `sprg` run would otherwise compile them again (git-ignored __pycache__ folders).
.venv/.compiled: .venv/.synced $(shell find shared/src services/*/src cli/src -name '*.py' 2>/dev/null)
	$(PY) -m compileall -q -j 0 shared/src services cli/src >/dev/null
	@touch $@

setup: .venv/.synced .venv/.compiled
	deploy/local/infra.sh fetch
	deploy/local/console-assets.sh >/dev/null

# The broker's own metrics (JMX exporter agent) on 9404, scraped by the local Prometheus.
run: setup tools
	SPRG_KAFKA_METRICS_PORT=9404 deploy/local/infra.sh start
	deploy/local/stack.sh up
	deploy/local/monitoring.sh up
	deploy/local/stack.sh load-demo
	deploy/local/stack.sh urls
	deploy/local/monitoring.sh urls
	deploy/local/stack.sh follow

stop:
	-deploy/local/monitoring.sh down
	-deploy/local/stack.sh down
	deploy/local/infra.sh stop

reset: stop
	deploy/local/infra.sh reset
	rm -rf .local/mail .local/log .local/secrets.env .local/monitoring

# Tools beyond Python: Prometheus and promtool, Alertmanager and amtool (Debian's packages).
tools:
	deploy/local/tools.sh

# Tests use their own servers on other ports (a running `make run` is left alone), fresh each run.
test-infra: setup
	deploy/local/browser.sh >/dev/null
	$(TEST_ENV) deploy/local/infra.sh reset >/dev/null
	$(TEST_ENV) deploy/local/infra.sh start

test: tools test-infra
	set -o pipefail; eval "$$($(TEST_ENV) deploy/local/infra.sh env)"; \
	  status=0; $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS) || status=$$?; \
	  $(TEST_ENV) deploy/local/infra.sh stop; exit $$status

# The unit tier: no server and nothing beyond the venv. The unit tests of real programs (Chromium,
# promtool and amtool, the operators' CRDs, the CLI and the rule engine's child process) run in
# `make test`; everything else in tests/unit runs here, the whole incident chain included.
UNIT_NEEDS_MORE := browser k8s_manifests prometheus_rules dashboards ops_config assess cli_lazy \
  engine_process
unit: .venv/.synced
	$(PY) -m pytest -q -p no:cacheprovider tests/unit \
	  $(foreach t,$(UNIT_NEEDS_MORE),--ignore=tests/unit/test_$(t).py) $(PYTEST_ARGS)

lint: .venv/.synced
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

types: .venv/.synced
	.venv/bin/mypy shared/src services/*/src cli/src tests bench

schemas: .venv/.synced
	$(PY) -m sprg_shared.schemas write

check: lint types test
