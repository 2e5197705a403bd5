# Bedrock Ops Alert — build, test and deploy.
#   make package   template + Lambda zips into build/ (no AWS account needed)
#   make test      everything offline: pytest (+ coverage), cfn-lint, parity with the original stack
# The first target that needs Python creates .venv/ from pyproject.toml by itself.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SHARED ?= ../shared
DEVIATIONS := templates/deviations.yaml
REGION ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION))

.PHONY: venv package test unit lint parity bench security upload deploy plan apply status clean

venv: $(STAMP)
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	          print('\n'.join(p['dependencies'] + p['optional-dependencies']['dev']))" > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements.txt
	touch $(STAMP)

package: $(STAMP)
	$(PY) generate.py

test: package
	$(PY) generate.py --check
	$(PY) -m pytest --cov --cov-report=term --cov-fail-under=95
	$(MAKE) --no-print-directory lint parity

unit: $(STAMP)
	$(PY) -m pytest tests/unit -q

lint: $(STAMP)
	$(VENV)/bin/cfn-lint build/template.yaml
	@echo "cfn-lint: 0 errors, 0 warnings"

parity: $(STAMP)
	@$(PY) $(SHARED)/tools/check_parity.py build/template.yaml --deviations $(DEVIATIONS) > build/parity.txt; \
	  status=$$?; grep -v '^INFO' build/parity.txt; exit $$status

upload: package
	$(PY) -m bundle.publish upload --bucket "$(BUCKET)" $(if $(REGION),--region $(REGION))

deploy: package
	$(PY) -m bundle.publish deploy --stack "$(STACK)" --params "$(PARAMS)" --bucket "$(BUCKET)" $(if $(REGION),--region $(REGION))

clean:
	rm -rf build .pytest_cache .coverage
