# The first interpreter on PATH that durable-rules 2.0.28 imports on (3.11 or 3.12).
PYTHON_CANDIDATES ?= python3.12 python3.11 python3
VENV ?= .venv
PY := $(VENV)/bin/python

SUPPORTED := import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)
FIND_PYTHON = $(firstword $(foreach p,$(PYTHON_CANDIDATES),$(shell command -v $(p) >/dev/null 2>&1 && $(p) -c '$(SUPPORTED)' >/dev/null 2>&1 && echo $(p))))

.PHONY: demo test install benchmark clean

$(VENV)/.installed: setup.cfg pyproject.toml
	@py="$(FIND_PYTHON)"; \
	if [ -z "$$py" ]; then \
	  echo "error: craft-mes needs Python 3.11 or 3.12 (durable-rules 2.0.28 does not import on 3.13)." >&2; \
	  echo "       None of '$(PYTHON_CANDIDATES)' on PATH is one. Install one, or run: make PYTHON_CANDIDATES=/path/to/python3.12 ..." >&2; \
	  exit 1; \
	fi; \
	echo "Using $$py ($$($$py --version))"; \
	$$py -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/craft classify examples/pilot_sites.csv --format csv --output out/classifications.csv
	$(VENV)/bin/craft classify examples/pilot_sites.csv --format json --output out/classifications.json
	$(VENV)/bin/craft plan examples/pilot_sites.csv --out out/plans --format html,md
	$(VENV)/bin/craft screen examples/pilot_sites.csv --out out/screening --format html,csv,xlsx
	$(VENV)/bin/craft classify examples/pilot_sites.csv
	@echo "Results in out/classifications.csv and out/classifications.json; action plans in out/plans/index.html"
	rm -f out/craft.db out/craft.db-wal out/craft.db-shm
	$(VENV)/bin/craft history import examples/pilot_sites.csv --db sqlite:///out/craft.db
	$(VENV)/bin/craft history import examples/pilot_sites_round2.csv --db sqlite:///out/craft.db
	# the examples are dated 2024-25: judge due dates just after the second round
	$(VENV)/bin/craft progress --out out/progress --db sqlite:///out/craft.db --as-of 2025-06-30
	@echo "Assessment history in out/craft.db; progress report in out/progress/index.html"
	$(VENV)/bin/craft form --out out/craft_form.xlsx --lang en,es,fr
	$(VENV)/bin/craft template --out out/craft_template.xlsx --lang es
	@echo "XLSForm for KoboToolbox/ODK in out/craft_form.xlsx; Excel template (Spanish) in out/craft_template.xlsx"

test: install
	$(PY) -m pytest -q

benchmark: install
	$(PY) benchmarks/bench_classify.py --sites 100000

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache .hypothesis
