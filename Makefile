# dankheo — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app
HOST   ?= 127.0.0.1
PORT   ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

# The installer itself is pinned too: every package in the venv has a fixed version.
PIP_VERSION := 26.3

.PHONY: run serve install translations test test-sqlite test-postgres lint ruff typecheck lock bench extract clean css

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

## Installs from the lock files (every transitive package pinned), never from requirements*.txt.
$(VENV)/.installed: $(BIN)/activate requirements.lock requirements-dev.lock
	$(BIN)/pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

## Re-resolve requirements.txt and requirements-dev.txt into the locks after editing either;
## pins that still fit are kept (LOCK_ARGS=--upgrade moves every one to its newest).
UV_COMPILE = $(BIN)/uv pip compile --quiet --python-version 3.11 --custom-compile-command "make lock" --annotation-style line $(LOCK_ARGS)
UV_VERSION = $(shell sed -n 's/^uv==//p' requirements-dev.txt)
lock: $(BIN)/activate
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) requirements.txt -o requirements.lock
	$(UV_COMPILE) requirements-dev.txt --constraint requirements.lock -o requirements-dev.lock

translations: install
	$(BIN)/pybabel compile --use-fuzzy -d translations -f >/dev/null

## Create the venv, install, migrate the SQLite database, load the demo if empty, serve,
## with the job consumer beside the web server (stopped when the server stops).
run: translations
	$(FLASK) db upgrade
	$(FLASK) seed-if-empty
	$(FLASK) jobs worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

## Test tools from the npm registry, pinned by package-lock.json (axe-core for the browser tests).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

## Each pass runs on TEST_WORKERS processes (pytest-xdist, one per core of the reference
## machine; TEST_WORKERS=0 runs in one process). --dist loadfile keeps a module's tests on
## one worker: the modules that use Redis each flush a fixed database number of their own.
## Modules go out in tests/conftest.py's order (province-scale ones first), not xdist's.
## The slowest tests are listed after each pass.
## On PostgreSQL each worker gets its own database beside the given one (test_gw0, ...).
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -q -p no:cacheprovider --durations=15 \
          -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

## The whole suite on SQLite, then again on PostgreSQL when DANKHEO_TEST_DATABASE_URL is set.
test: translations node_modules/.package-lock.json
	env -u DANKHEO_TEST_DATABASE_URL $(PYTEST)
	@if [ -n "$$DANKHEO_TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL =="; \
	  $(PYTEST) -m "not browser"; \
	fi

test-postgres: translations
	DANKHEO_TEST_DATABASE_URL=$(PG_URL) $(PYTEST) -m "not browser"

## ruff, then mypy over the whole package with pyproject.toml's settings.
lint: ruff typecheck

ruff: install
	$(BIN)/ruff check dankheo tests bench gunicorn.conf.py
	$(BIN)/ruff format --check --quiet dankheo tests bench gunicorn.conf.py

typecheck: install
	$(BIN)/mypy dankheo

## Extract the Vietnamese source strings and merge them into the English catalogue.
extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --ignore-dirs='.* __pycache__' -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l en --no-fuzzy-matching

## Benchmarks print figures (N=100000 rows by default, N=1000000 for the full run; SQLite,
## or PostgreSQL with DATABASE_URL). Datasette, for comparison only, gets its own venv.
.venv-bench/.installed: requirements-bench.txt
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install --quiet -r requirements-bench.txt
	touch $@

bench: translations .venv-bench/.installed
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts

## Bootstrap trimmed to the classes in use (purgecss from the npm registry, pinned); commit the result.
BOOTSTRAP_CSS = $(shell $(BIN)/python -c "import flask_bootstrap, pathlib; print(pathlib.Path(flask_bootstrap.__file__).parent / 'static/bootstrap5/css/bootstrap.min.css')")
css: install
	mkdir -p build && cp $(BOOTSTRAP_CSS) build/bootstrap.min.css
	npx --yes purgecss@8.0.0 --config purgecss.config.cjs
	rm -rf build
