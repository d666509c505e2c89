# Routewijzer: `make run` serves the portal with demo data, `make test` runs the whole suite.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint format messages benchmark seed-scale clean

$(BIN)/python:
	@py=$$(scripts/find-python) || exit 1; \
	echo "Creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	DEBUG=true $(BIN)/python manage.py migrate --no-input -v 0
	DEBUG=true $(BIN)/python manage.py seed_demo
	@echo "Routewijzer runs on http://$(HOST):$(PORT)/ (catalogue: /aanbod/, admin: /admin/, API: /api/v1/)"
	DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund; \
	else echo "npm not found: the accessibility tests will be skipped (they need axe-core)"; fi

test: $(VENV)/.installed-dev node_modules/.package-lock.json
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	ROUTEWIJZER_TESTING=true $(BIN)/python manage.py check
	ROUTEWIJZER_TESTING=true $(BIN)/python manage.py makemigrations --check --dry-run

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(VENV)/.installed-dev
	DEBUG=true $(BIN)/python manage.py makemessages -l nl --ignore "$(VENV)/*" --ignore "node_modules/*" --no-obsolete
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore "$(VENV)/*"

seed-scale: $(VENV)/.installed-dev
	$(BIN)/python manage.py seed_scale

benchmark: $(VENV)/.installed-dev
	$(BIN)/python tests/benchmarks/bench_http.py

clean:
	rm -rf $(VENV) db.sqlite3 static media
