# oaihub: `make run` starts the whole service on SQLite with demo data; `make test` runs every check.
PYTHON ?= python3
# pytest-xdist workers: one per core; `make test TEST_WORKERS=0` runs the tests in one process
TEST_WORKERS ?= auto
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# `make run PORT=5010`: the web app on 5010, the demo partners on 5011 and 5012
PORT ?= 5000
run: $(STAMP)
	OAI_DATA_DIR=$${OAI_DATA_DIR:-$(CURDIR)/var} $(BIN)/oai run --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

bench: $(STAMP)
	$(BIN)/python bench/store_bench.py 100000

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
