# The two commands: `make run` (set up and serve the embedded suite) and `make test`.
PYTHON3 ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_CITY ?= 620100
DEMO_SEEKERS ?= 2000
DEMO_EMPLOYERS ?= 200
DEMO_POSTS ?= 600
PYTEST_ARGS ?= -n auto

.PHONY: install run setup test lint typecheck messages bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Idempotent: a second run reuses the database, the seeds, the demo city and the users.
setup: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_seeds
	$(PY) manage.py seed_demo --city $(DEMO_CITY) --seekers $(DEMO_SEEKERS) \
		--employers $(DEMO_EMPLOYERS) --posts $(DEMO_POSTS)
	$(PY) manage.py ensure_demo_users

run: setup
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy .

# Re-extract translatable strings into the zh-hans catalogue, then compile it.
messages: install
	$(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*' --no-obsolete
	$(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
