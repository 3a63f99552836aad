# The two commands a newcomer needs: `make run` and `make test` (`make test-all` adds the slow tests). Both create .venv and install.
# `make test` runs on every core (pytest-xdist; TEST_JOBS=0 for one process); `make test-all` in one process.
# Dependencies come from the lock files (exact versions and hashes), never "whatever is newest":
# requirements.lock (what troly runs with; the Docker image installs it) and requirements-dev.lock
# (the same versions plus the test and lint tools). `make lock` re-resolves both from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
UV_VERSION := 0.13.9
TEST_JOBS ?= auto
# one resolution for every platform, for Python 3.11 (the image's and CI's version) and newer
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
	--generate-hashes --native-tls --custom-compile-command 'make lock'

.PHONY: run test test-all lint typecheck bench clean lock docker-check compose-check

$(STAMP): pyproject.toml $(DEV_LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

lock:  ## re-resolve requirements.lock and requirements-dev.lock from pyproject.toml (newest allowed releases)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) --upgrade -o $(LOCK)
	$(UV_COMPILE) --upgrade --extra dev --constraint $(LOCK) -o $(DEV_LOCK)

run: $(STAMP)  ## migrate, load demo guides if empty, serve web chat on http://127.0.0.1:8080
	$(BIN)/troly run

test: $(STAMP)  ## the suite without the slow end-to-end tests (PostgreSQL too when TROLY_TEST_POSTGRES_URL is set)
	$(BIN)/python -m pytest -q -m "not slow" -n $(TEST_JOBS) $(PYTEST_ARGS)

test-all: $(STAMP)  ## every test, the slow ones too (.ci/run runs this)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot handlers knowledge rules scheduler testkit tests bench deploy

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/kb_search.py

docker-check:  ## build the image, run it, health, one question, docker stop < 5 s, read-only, bad mount (needs Docker)
	bash deploy/docker-check.sh

compose-check:  ## compose.yaml with PostgreSQL and two troly processes: reminder once, both answer (needs Docker)
	bash deploy/compose-check.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
