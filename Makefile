# Routewijzer: `make run` serves the portal with demo data, `make test` runs the whole suite.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STRIPE_STANDIN_PORT ?= 12111
# One process per core (pytest-xdist). Tests go out one by one in pytest-django's order, so in
# each process the tests that empty the database (live server, browser) still run last.
# `make test PYTEST_ARGS=tests/web` runs a part in one process.
PYTEST_ARGS ?= -n auto

.PHONY: run test lint format messages benchmark cluster cluster-load seed-scale vendor clean

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

# Without STRIPE_SECRET_KEY in the environment, `make run` starts the test suite's Stripe stand-in
# on loopback and points the portal at it: every payment is a test payment, no real money.
# E-mails link to SITE_URL: the address it serves on, unless SITE_URL is given.
# A background worker (`manage.py worker`: e-mails, refunds, Wagtail's tasks and the periodic
# schedule) runs beside the web server with the same settings; both stop when the server stops.
run: SITE_URL ?= http://$(HOST):$(PORT)
run: $(VENV)/.installed-run
	DEBUG=true $(BIN)/python manage.py migrate --no-input -v 0
	DEBUG=true $(BIN)/python manage.py seed_demo
	@echo "Routewijzer runs on http://$(HOST):$(PORT)/ (catalogue: /aanbod/, admin: /admin/, API: /api/v1/)"
	@export DEBUG=true SITE_URL=$(SITE_URL); \
	pids=""; \
	trap 'kill $$pids 2>/dev/null; wait $$pids 2>/dev/null' EXIT INT TERM; \
	if [ -z "$$STRIPE_SECRET_KEY" ]; then \
		accounts=""; \
		for id in $$($(BIN)/python manage.py demo_stripe_accounts); do \
			accounts="$$accounts --ready-account $$id"; done; \
		$(BIN)/python -m tests.stripe_standin --host 127.0.0.1 --port $(STRIPE_STANDIN_PORT) \
			--webhook-url http://$(HOST):$(PORT)/payments/stripe/webhook/ \
			--webhook-secret whsec_standin_local $$accounts & pids="$$pids $$!"; \
		export STRIPE_SECRET_KEY=sk_test_standin_local \
			STRIPE_API_BASE=http://127.0.0.1:$(STRIPE_STANDIN_PORT) \
			STRIPE_WEBHOOK_SECRETS=whsec_standin_local; \
	fi; \
	$(BIN)/python manage.py worker --no-reload -v 0 & pids="$$pids $$!"; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund; \
	else echo "npm not found: the accessibility tests will be skipped (they need axe-core)"; fi

# Leaflet is served from the portal's own static files (no CDN, and `make run` needs no npm): the
# copy in portal/static/vendor/leaflet/ is committed. After changing its version in package.json,
# `make vendor` copies the new dist files; a test fails while the copy differs from node_modules.
LEAFLET_VENDOR := portal/static/vendor/leaflet
vendor: node_modules/.package-lock.json
	rm -rf $(LEAFLET_VENDOR)
	mkdir -p $(LEAFLET_VENDOR)/images
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map \
		node_modules/leaflet/dist/leaflet.css $(LEAFLET_VENDOR)/
	cp node_modules/leaflet/dist/images/*.png $(LEAFLET_VENDOR)/images/
	cp node_modules/leaflet/LICENSE $(LEAFLET_VENDOR)/LICENSE

test: $(VENV)/.installed-dev node_modules/.package-lock.json
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	ROUTEWIJZER_TESTING=true $(BIN)/python manage.py check
	ROUTEWIJZER_TESTING=true $(BIN)/python manage.py makemigrations --check --dry-run
	ROUTEWIJZER_TESTING=true $(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(VENV)/.installed-dev
	$(BIN)/python scripts/messages.py

# The portal on two instances behind HAProxy, on loopback, until Ctrl-C; and the load run that
# stops one of them meanwhile (README, "Running on several machines"). Need PostgreSQL, Redis,
# and `apt-get install haproxy wrk`.
cluster: $(VENV)/.installed-dev
	$(BIN)/python -m tests.cluster.harness

cluster-load: $(VENV)/.installed-dev
	$(BIN)/python -m tests.cluster.load_run

seed-scale: $(VENV)/.installed-dev
	$(BIN)/python manage.py seed_scale

benchmark: $(VENV)/.installed-dev
	$(BIN)/python tests/benchmarks/bench_http.py

clean:
	rm -rf $(VENV) db.sqlite3 static media
