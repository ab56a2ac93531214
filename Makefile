# aml-registry: the two set-up commands of the README, and a few helpers.
# `make demo` runs the main job; `make test` runs the tests. Both install first.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
LANDING ?= demo/landing
WAREHOUSE ?= demo/warehouse
PYTEST_WORKERS ?= 2

.PHONY: install demo test lint ui clean-demo browsers

# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as on CI machines) every process would
# otherwise compile dagster, great-expectations and scipy from source at each import.
install:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
	$$(command -v uv || echo $(HOME)/.local/bin/uv) sync --frozen --compile-bytecode

# The main job: the bundled synthetic 12-centre registry (generated deterministically from
# the default seed), the full refresh into $(WAREHOUSE)/registry.duckdb, and the report.
# Demo mode (--demo) is chosen here explicitly: the public demo key, synthetic data only.
demo: install
	@if [ ! -f $(LANDING)/SYNTHETIC_REGISTRY.txt ]; then \
	  .venv/bin/aml-registry generate $(LANDING); fi
	env -u AML_REGISTRY_PSEUDONYM_KEY .venv/bin/aml-registry refresh --demo --landing $(LANDING) --warehouse $(WAREHOUSE)
	.venv/bin/aml-registry status --warehouse $(WAREHOUSE)

test: install browsers
	.venv/bin/ruff check .
	.venv/bin/pytest -n $(PYTEST_WORKERS) -q

# Debian's chromium for the browser tests (skipped with a clear message when unavailable).
browsers:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium could not be installed: browser tests will be skipped"; \
	  else echo "chromium not found: browser tests will be skipped"; fi; }

lint:
	.venv/bin/ruff check .

# The Dagster UI on the demo registry: http://127.0.0.1:3000 (demo mode, chosen explicitly)
ui: install
	AML_REGISTRY_DEMO=1 DAGSTER_HOME=$(CURDIR)/$(WAREHOUSE)/.dagster AML_REGISTRY_LANDING=$(CURDIR)/$(LANDING) \
	  AML_REGISTRY_WAREHOUSE=$(CURDIR)/$(WAREHOUSE) \
	  AML_REGISTRY_DAGSTER_STORAGE=$(CURDIR)/$(WAREHOUSE)/.dagster/storage \
	  .venv/bin/dagster dev -m pipelines.definitions -h 127.0.0.1 -p 3000

clean-demo:
	rm -rf demo
