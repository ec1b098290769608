# The README's two commands live here. Everything installs from this repository's own files.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# torch==2.13.0 is pinned for the CPU wheel; an unpinned torch would pull a multi-GB CUDA build.
# --no-compile: byte-compiling every installed file took most of the set-up time; Python compiles what it imports.
TORCH ?= torch==2.13.0

.PHONY: setup quickstart test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q --no-compile "$(TORCH)"
	$(PIP) install -q --no-compile -e ".[train,dev]"
	touch $@

setup: $(VENV)/.installed

quickstart: setup
	$(VENV)/bin/acemath quickstart --out runs/quickstart

test: setup
	$(VENV)/bin/ruff check src tests $(wildcard benchmarks)
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check src tests $(wildcard benchmarks)
	$(VENV)/bin/ruff format --check src tests $(wildcard benchmarks)

clean:
	rm -rf $(VENV) runs .pytest_cache
