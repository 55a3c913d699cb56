# djangoops.deploy — developer entry points. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
APP_VENV := app/.venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

# Scenarios `make test` runs. With two lanes (.ci/scenarios.sh) the first runs in the
# background beside the others, which run one after another: apps and then trixie
# beside multihost and then default (whose load test waits until that lane has
# finished; default's parts before it fill that time).
# One after another: make molecule MOLECULE_LANES=1. Only one: SCENARIOS=trixie
SCENARIOS ?= apps+trixie multihost default
MOLECULE_LANES ?= 2

# The scenario the kept-host targets work on, and the part of its verify step.
SCENARIO ?= default
PART ?=

.PHONY: help setup lint controller-test app-test molecule test build demo demo-browser demo-destroy pristine-check bench clean converge verify destroy

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: ## Install what tests need: apt packages, .venv, base images, caches (idempotent)
	@bash .ci/setup.sh

$(APP_VENV)/.installed: app/requirements.txt app/requirements-test.txt
	python3 -m venv $(APP_VENV)
	$(APP_VENV)/bin/pip install -q --upgrade pip
	$(APP_VENV)/bin/pip install -q -r app/requirements-test.txt
	touch $@

lint: setup ## yamllint + ansible-lint (production profile) + collection build check
	yamllint --strict .
	python3 .ci/role_docs.py --check
	python3 .ci/check_inventory_secrets.py inventories
	ansible-lint --profile production
	bash .ci/check-build.sh

controller-test: setup $(APP_VENV)/.installed ## Tests of the repo's own tooling (the release build's manage steps run with the app's virtualenv)
	python3 -m pytest -q .ci/tests

app-test: $(APP_VENV)/.installed ## The reference app's pytest suite
	cd app && .venv/bin/python -m pytest -q

molecule: setup ## Molecule scenarios (SCENARIOS="data ...")
	@MOLECULE_LANES=$(MOLECULE_LANES) bash .ci/scenarios.sh $(SCENARIOS)

test: setup lint controller-test app-test molecule ## Everything CI runs: lint, app tests, Molecule scenarios

converge: setup ## Create and converge one scenario's hosts, and keep them (SCENARIO=apps)
	molecule converge --scenario-name $(SCENARIO)

verify: setup ## On kept hosts, re-run the verify step or one part of it (SCENARIO=default PART=deploys)
	$(if $(PART),ANSIBLE_RUN_TAGS=$(PART)) NO_COLOR=1 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 	  molecule verify --scenario-name $(SCENARIO)

destroy: setup ## Remove one scenario's hosts (SCENARIO=apps)
	molecule destroy --scenario-name $(SCENARIO)

demo: ## The whole stack on a local systemd container; prints its HTTPS URL
	@bash .ci/demo.sh up

demo-browser: ## The demo's /realtime/ page in headless Chromium (echo + broadcast), screenshot in .demo/
	@bash .ci/demo.sh browser

pristine-check: ## make setup on a pristine Debian 12 container (PRISTINE_STEPS=demo|browser go on, cgroup v2 only)
	@bash .ci/pristine-check.sh

demo-destroy: ## Remove the demo container, its vault and password
	@bash .ci/demo.sh destroy

bench: ## Benchmarks against the demo stack; rewrites docs/benchmarks.md (BENCH_ARGS="--sections proxy,static")
	@bash bench/run.sh $(BENCH_ARGS)

build: setup ## Build the collection tarball
	ansible-galaxy collection build --force

clean: ## Remove the virtualenvs, caches and built tarballs (not the base images)
	rm -rf $(VENV) $(APP_VENV) .cache .ci/logs djangoops-deploy-*.tar.gz
