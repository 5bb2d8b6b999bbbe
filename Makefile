# Doorstep: `make run` serves the demo; `make test` runs lint, types and the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev
# The suite runs on TEST_WORKERS processes (pytest-xdist, one test database each; a file's
# tests stay together so module-scoped brokers and workers start once). TEST_WORKERS=0: serial.
TEST_WORKERS ?= 2
PYTEST_ARGS ?= -n $(TEST_WORKERS) --dist loadfile --durations=25

.PHONY: run test install install-dev lint typecheck pytest migrate seed messages clean worker beat

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c requirements.lock -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py serve --port $(PORT)

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy .

migrate: install
	$(PY) manage.py migrate --noinput

seed: install
	$(PY) manage.py seed_demo

# Extract and compile each app's catalogue (doorstep/<app>/locale/zh_Hans). Needs gettext.
messages: install
	for app in doorstep/*/; do \
	  [ -f $$app/apps.py ] || continue; mkdir -p $$app/locale; \
	  (cd $$app && $(CURDIR)/$(PY) $(CURDIR)/manage.py makemessages -l zh_Hans --no-obsolete --no-location -i "tests/*" >/dev/null); \
	done
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv >/dev/null

worker: install
	$(VENV)/bin/celery -A config worker -l info

beat: install
	$(VENV)/bin/celery -A config beat -l info

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
