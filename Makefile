# `make build` sets up .venv and builds the site; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test check lint bench serve clean

$(STAMP): pyproject.toml constraints.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt -e .
	$(BIN)/python -m compileall -q src  # an editable install writes no bytecode; a wheel install would
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/lessonpress build

test: $(STAMP)
	bash scripts/install-browser.sh
	$(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/lessonpress check

lint: $(STAMP)
	$(BIN)/ruff check src tests lessons
	$(BIN)/mypy src
	$(BIN)/python -m pytest -q tests/test_lessons_typed.py  # mypy over each lesson folder

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-bench.txt
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf site .lessonpress-cache $(VENV)
