# Two commands set up a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV_BIN := .venv/bin
ATELIER := $(VENV_BIN)/atelier
PYTEST_ARGS ?=

.PHONY: setup run test lint typecheck check eval clean

setup:
	@scripts/bootstrap.sh

run: setup
	$(ATELIER) db upgrade
	$(ATELIER) demo seed
	$(ATELIER) serve

test: setup
	@scripts/ensure_services.sh
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/mypy
	$(VENV_BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(VENV_BIN)/ruff check .

typecheck: setup
	$(VENV_BIN)/mypy

eval: setup
	$(ATELIER) eval all --json

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
