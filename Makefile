# The two commands: `make demo` runs the platform with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/grassroots: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

demo: $(BIN)/grassroots
	$(BIN)/grassroots demo

test:
	bash scripts/test.sh

lint: $(BIN)/grassroots
	$(BIN)/ruff check grassroots bench tests scripts
	$(BIN)/python scripts/check_cycles.py

bench: $(BIN)/grassroots
	bash scripts/bench.sh

clean:
	rm -rf var/test-* .pytest_cache
