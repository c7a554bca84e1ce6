# The kit's common commands. The README's two commands are `make tutorial` and
# `make test`; both set up everything they need on a fresh machine.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
KERNEL := opensearch-bedrock-kit

.PHONY: tutorial test setup system node-start node-stop emulator lint typecheck \
        actionlint \
        benchmarks lock clean

tutorial: setup
	$(PY) -m helpers up
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 --no-browser \
	    $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks

test: setup actionlint
	scripts/system-packages.sh --browser
	$(PY) -m pytest

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	scripts/system-packages.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) \
	    --display-name "Python (OpenSearch Bedrock kit)" >/dev/null
	touch $@

node-start: setup
	$(PY) -m helpers node start

node-stop: setup
	$(PY) -m helpers node stop

emulator: setup
	$(PY) -m helpers emulator

lint: setup actionlint
	$(VENV)/bin/ruff check helpers tests benchmarks
	$(VENV)/bin/ruff format --check helpers tests benchmarks
	scripts/actionlint.sh

# Builds actionlint into .kit/bin on first use (needs Go); the tests call it.
actionlint:
	scripts/actionlint.sh -version >/dev/null

typecheck: setup
	$(VENV)/bin/mypy

benchmarks: setup
	for script in benchmarks/*.py; do $(PY) $$script || exit 1; done

lock: setup
	{ echo "# Pinned: every package the kit, its notebooks and its tests run with."; \
	  echo "# Regenerate with: make lock"; \
	  $(PY) -m pip freeze --exclude-editable; } > requirements.txt

clean:
	-$(PY) -m helpers node stop
	rm -rf $(VENV) .kit
