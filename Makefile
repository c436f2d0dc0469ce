# Order Hub. `make run` starts everything with demo data; `make test` runs the suite.
# DATABASE_URL=postgres://… switches server, worker and tests to PostgreSQL (default: SQLite in db.sqlite3).

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint messages schema clean cluster cluster-down cluster-check

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Web server and django-q2 cluster together; one Ctrl-C stops both.
run: install
	$(PY) manage.py migrate --noinput
	SANDBOX_BASE_URL=http://$(HOST):$(PORT) $(PY) manage.py seed_demo --once
	@echo "Order Hub: http://$(HOST):$(PORT)/  (demo users and passwords: README.md)"
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py qcluster & \
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Catalogues sorted by message and without source locations, so parallel changes merge cleanly
# (config/management/commands/makemessages.py).
messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --no-location --no-obsolete --ignore '.venv/*' --ignore 'tests/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

schema: install
	$(PY) manage.py spectacular --lang en --file docs/openapi.yaml --validate

# The production topology on this machine (deploy/cluster.py, docs/deployment.md): HAProxy, two gunicorn web nodes,
# two worker clusters, PgBouncer, a PostgreSQL primary and streaming replica, Redis — each its own process group
# on its own port (7100…7141), data and logs in $(CLUSTER_DIR). Not `make run`, which stays the SQLite demo.
CLUSTER_DIR ?= /tmp/orderhub-cluster
cluster: install
	$(PY) deploy/cluster.py up --dir $(CLUSTER_DIR)

cluster-down:
	$(PY) deploy/cluster.py down --dir $(CLUSTER_DIR)

# The fault drill: starts the cluster, streams signed orders and stock adjustments while killing a web node, a
# worker node, Redis and PostgreSQL, then compares what was sent with what is stored (last line JSON).
# DRILL_ARGS=--short: the few-minute version CI runs.
cluster-check: install
	$(PY) manage.py cluster_check --dir $(CLUSTER_DIR) $(DRILL_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
