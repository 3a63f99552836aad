# The two commands a newcomer needs: `make run` and `make test`. Both create .venv and install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## migrate, load demo guides if empty, serve web chat on http://127.0.0.1:8080
	$(BIN)/troly run

test: $(STAMP)  ## the whole suite (PostgreSQL too when TROLY_TEST_POSTGRES_URL is set)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot handlers knowledge scheduler tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/kb_search.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
