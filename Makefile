# The two set-up commands are `make demo` and `make test`; each installs what it needs first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK_HASH := $(shell cat requirements.lock pyproject.toml 2>/dev/null | sha1sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(LOCK_HASH)
# Debian packages the demo and the tests need (installed when run as root, else listed).
DEB_PACKAGES := spamassassin spamd spamc dovecot-imapd dovecot-lmtpd chromium postgresql-client

.PHONY: demo test ui install system-deps services validate clean

demo: install system-deps
	$(BIN)/jengu demo

# Two parts: the suite on two workers (a file's tests stay together), then the `serial` files.
test: install system-deps services
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not serial"
	$(BIN)/python -m pytest -q -m serial

ui: install
	$(BIN)/jengu ui

validate: install
	$(BIN)/dagster definitions validate -w workspace.yaml

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' 2>/dev/null || { \
	  echo "Jengu needs Python >= 3.11 with venv (Debian: apt-get install python3 python3-venv)."; \
	  exit 1; }
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

system-deps:
	@missing=""; for pkg in $(DEB_PACKAGES); do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || { \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; }; \
	  else \
	    echo "Missing Debian packages:$$missing -- run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

# The tests use the PostgreSQL on 127.0.0.1:5432 (database `test`, trust auth).
services:
	@$(BIN)/python -c 'import psycopg2; psycopg2.connect(host="127.0.0.1", port=5432, dbname="test", user="root", connect_timeout=3).close()' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null; then \
	    echo "Starting PostgreSQL"; pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	  else \
	    echo "PostgreSQL is not reachable on 127.0.0.1:5432 (database test, trust auth for user root);"; \
	    echo "the tests need it: start it, e.g. pg_ctlcluster <version> main start"; exit 1; \
	  fi; }

clean:
	rm -rf $(VENV) var .pytest_cache
