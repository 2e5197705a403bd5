# Bedrock Ops Alert — build, test and deploy.
#   make package   template + Lambda zips into build/ (no AWS account needed)
#   make test      everything offline: ruff, mypy, pytest (+ coverage, cfn-lint), parity with the original stack
# The first target that needs Python creates .venv/ from pyproject.toml by itself.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PACKAGE_STAMP := $(VENV)/.installed-package
SHARED ?= ../shared
DEVIATIONS := templates/deviations.yaml
REGION ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION))

CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30

.PHONY: venv package test gates golden unit lint parity bench security check upload deploy plan apply status quota-codes quota-fixture preview preview-examples mute unmute drill clean distclean

# Two stamps: `make package` installs only what rendering and zipping need (runtime + the `package`
# extra); `make test` adds the test stack (the `dev` extra). Each is redone when pyproject.toml changes.
venv: $(STAMP)
$(PACKAGE_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	          print('\n'.join(p['dependencies'] + p['optional-dependencies']['package']))" > $(VENV)/requirements-package.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements-package.txt
	touch $@
$(STAMP): $(PACKAGE_STAMP)
	$(PY) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	          print('\n'.join(p['optional-dependencies']['dev']))" > $(VENV)/requirements-dev.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements-dev.txt
	touch $@

package: $(PACKAGE_STAMP)
	$(PY) generate.py

# cfn-lint runs inside pytest (tests/template/test_lint.py, one region per group that lints the same) on a fresh rendering that
# `generate.py --check` has just shown equal to build/; `make lint` runs the CLI on its own.
# Coverage is measured over all of functions/ (handlers as packaged, see pyproject.toml).
# --dist loadfile: a module's tests share one worker, so module-scoped setup (the moto server and
# `make upload` of tests/deploy, the built layer of tests/bundle/test_layer.py) runs once, not per worker.
# Measured 97.4 % over functions/ on 2026-12-01; raise the floor as coverage grows.
COVERAGE_MIN ?= 96
test: package $(STAMP)
	$(PY) generate.py --check
	$(MAKE) --no-print-directory gates
	$(PY) -m pytest -n auto --dist loadfile --cov --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_MIN)
	$(MAKE) --no-print-directory parity

# tests/golden/template.yaml: the rendered template under review (placeholder artifact keys). Run
# after any template change and commit the diff with it; tests/template/test_golden.py compares.
golden: $(PACKAGE_STAMP)
	$(PY) -m tests.golden

# Static gates, zero findings: ruff (rules in pyproject.toml; never `ruff format`, it would rewrap
# every file) and mypy (strict for functions/ops_alert, defaults elsewhere; files in pyproject.toml).
gates: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest tests/unit -q

lint: $(STAMP)
	$(VENV)/bin/cfn-lint build/template.yaml
	@echo "cfn-lint: 0 errors, 0 warnings"

parity: $(STAMP)
	@$(PY) $(SHARED)/tools/check_parity.py build/template.yaml --deviations $(DEVIATIONS) > build/parity.txt; \
	  status=$$?; grep -v '^INFO' build/parity.txt; exit $$status

# checkov pins an old boto3, so it lives in its own virtual environment.
$(CHECKOV_VENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

security: package $(CHECKOV_VENV)/.installed
	$(CHECKOV_VENV)/bin/checkov -f build/template.yaml --framework cloudformation --skip-download --compact --quiet

bench: package
	$(PY) -m tests.bench.run

# Every command fails in one line; DEBUG=1 adds the Python traceback.
DEBUG_FLAG = $(if $(DEBUG),--debug)

# Many models, accounts and regions from one manifest (docs/FLEET.md). FLEET_ARGS: --yes, --profile,
# --offline (plan only), …
MANIFEST ?= fleet.yaml
FLEET_ARGS ?=
plan apply status: package
	$(PY) -m fleet $@ --manifest "$(MANIFEST)" --template build/template.yaml $(if $(REGION),--region $(REGION)) $(FLEET_ARGS) $(DEBUG_FLAG)

# One stack (README "Deploy"). check: PARAMS against the template, then the bucket (OFFLINE=1: no AWS).
check: package
	$(PY) -m bundle.publish check --params "$(PARAMS)" --bucket "$(BUCKET)" $(if $(STACK),--stack "$(STACK)") $(if $(REGION),--region $(REGION)) $(if $(OFFLINE),--offline) $(DEBUG_FLAG)

upload: package
	$(PY) -m bundle.publish upload --bucket "$(BUCKET)" $(if $(REGION),--region $(REGION)) $(DEBUG_FLAG)

# NO_EXECUTE=1: create the change set for review, do not execute it.
deploy: package
	$(PY) -m bundle.publish deploy --stack "$(STACK)" --params "$(PARAMS)" --bucket "$(BUCKET)" $(if $(REGION),--region $(REGION)) $(if $(NO_EXECUTE),--no-execute) $(DEBUG_FLAG)

# The quota codes of a model before deploying (README "Finding the quota codes"), live or offline:
#   make quota-codes MODEL=<model or profile ID> [REGION=…] [QUOTAS=<saved list-service-quotas JSON>]
#                    [DEFAULTS=<saved list-aws-default-service-quotas JSON>] [MODELS=<saved model lists>] [DEBUG=1]
quota-codes: $(PACKAGE_STAMP)
	@$(PY) -m quota_lookup --model "$(MODEL)" $(if $(REGION),--region "$(REGION)") $(if $(QUOTAS),--quotas "$(QUOTAS)") \
	  $(if $(DEFAULTS),--defaults "$(DEFAULTS)") $(if $(MODELS),--models "$(MODELS)") $(DEBUG_FLAG)

# Save a live account's bedrock listings under tests/fixtures/bedrock_quotas/live/<region>/ (AWS CLI).
quota-fixture: $(STAMP)
	@$(PY) -m quota_lookup.fixture --region "$(REGION)" $(DEBUG_FLAG)

# What an alert says, offline (README "Previewing an alert"): case, appended communication, e-mail,
# chat message, decision event.   make preview [SCENARIO=high_usage|low_usage|new_model|non_quota|all] [PARAMS=params.json]
SCENARIO ?= high_usage
preview: $(PACKAGE_STAMP)
	@$(PY) -m preview --scenario "$(SCENARIO)" $(if $(PARAMS),--params "$(PARAMS)") $(DEBUG_FLAG)

# Re-render docs/examples/ after a deliberate wording change (a test keeps them equal to make preview).
preview-examples: $(PACKAGE_STAMP)
	@for s in high_usage low_usage new_model non_quota; do $(PY) -m preview --scenario $$s > docs/examples/preview-$$s.txt || exit 1; done

# Hold one stack's e-mail and chat for a while (README "Muting and re-notify"); cases still follow
# the support settings.   make mute STACK=… FOR=24h REASON="…" [SCOPE=all|quota|investigation] [REGION=…]
# The reason reaches the command through the environment, so no quote in it can break the shell line.
mute: export MUTE_REASON = $(REASON)
mute: $(PACKAGE_STAMP)
	@$(PY) -m mute on --stack "$(STACK)" --for "$(FOR)" --reason "$$MUTE_REASON" $(if $(SCOPE),--scope "$(SCOPE)") \
	  $(if $(REGION),--region "$(REGION)") $(DEBUG_FLAG)

unmute: $(PACKAGE_STAMP)
	@$(PY) -m mute off --stack "$(STACK)" $(if $(REGION),--region "$(REGION)") $(DEBUG_FLAG)

# A fire drill (README "Fire drill"): one alert through the deployed stack, nothing written to AWS
# Support or Service Quotas; waits for its decision event, then resets the alarm and the token.
#   make drill STACK=… [ALARM=Throttles] [REGION=…] [TIMEOUT=300]
drill: $(PACKAGE_STAMP)
	@$(PY) -m drill --stack "$(STACK)" $(if $(ALARM),--alarm "$(ALARM)") $(if $(TIMEOUT),--timeout "$(TIMEOUT)") \
	  $(if $(REGION),--region "$(REGION)") $(DEBUG_FLAG)

clean:
	rm -rf build .pytest_cache .coverage

distclean: clean
	rm -rf $(VENV) $(CHECKOV_VENV)
