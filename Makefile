# Two commands: `make demo` and `make test`. Everything they need is installed from here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Debian packages: the PostgreSQL server, the browser the UI tests drive, a Japanese font for screens and PDFs,
# pdftotext/pdffonts to read reports back, gettext to check the English catalogue covers every string,
# LibreOffice to open the exported files as a desk would, and the libraries WeasyPrint draws PDFs with.
APT_PACKAGES := postgresql chromium fonts-noto-cjk poppler-utils gettext libreoffice-calc-nogui libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0

.PHONY: demo test lint typecheck system serve serve-db bench clean

$(BIN)/kakehashi: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

# Installs the Debian packages only when one is missing (needs root, as on these machines, or sudo).
system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

# The demo signs in without the second factor (KAKEHASHI_2FA=0; production settings refuse it) and keeps its
# secret key in var/secret_key, created once, readable by its owner only.
demo: $(BIN)/kakehashi
	@dpkg -s libpango-1.0-0 fonts-noto-cjk >/dev/null 2>&1 || $(MAKE) system
	@mkdir -p var && test -s var/secret_key || $(BIN)/python -c 'import os, secrets; \
	  fd = os.open("var/secret_key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600); \
	  os.write(fd, secrets.token_urlsafe(50).encode()); os.close(fd)'
	$(BIN)/kakehashi migrate --noinput -v 0
	$(BIN)/kakehashi demo-data --if-empty
	$(BIN)/kakehashi demo-logins
	KAKEHASHI_2FA=0 $(BIN)/kakehashi runserver 127.0.0.1:$(PORT) --noreload

# Production serving (docs/deploy.md): granian on PostgreSQL with production settings from $(SERVE_ENV), which
# is created on first use with a fresh secret key. `make serve-db` creates that database if it is missing and
# loads the demo year; `make serve` collects the static files and starts the server, which refuses to start while
# migrations are pending, with the scheduled jobs' runner beside it.
SERVE_ENV ?= var/serve.env

$(SERVE_ENV):
	@mkdir -p $(dir $@)
	@umask 077 && { \
	  echo "# kakehashi serve の設定（make serve が作成）。形式は systemd の EnvironmentFile と同じ（docs/deploy.md）。"; \
	  echo "DATABASE_URL=postgres://postgres@127.0.0.1:5432/kakehashi"; \
	  echo "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	  echo "ALLOWED_HOSTS=127.0.0.1,localhost"; \
	  echo "STATIC_ROOT=$(abspath var/static)"; \
	  echo "KAKEHASHI_BIND=127.0.0.1:$(PORT)"; \
	  echo "KAKEHASHI_BACKUP_DIR=$(abspath var/backups)"; \
	  echo "KAKEHASHI_JOBS_EVERY=900"; \
	} > $@
	@echo "$@ を作成しました（データベース・鍵・静的ファイルとバックアップの置き場所）。"

serve-db: $(BIN)/kakehashi $(SERVE_ENV)
	@set -a && . "$(abspath $(SERVE_ENV))" && set +a && \
	  name=$${DATABASE_URL##*/} && name=$${name%%\?*} && \
	  { psql "$$DATABASE_URL" -Atqc 'SELECT 1' >/dev/null 2>&1 || createdb --maintenance-db="$${DATABASE_URL%/*}/postgres" "$$name"; } && \
	  $(BIN)/kakehashi migrate --noinput -v 0 && \
	  $(BIN)/kakehashi demo-data --if-empty && \
	  $(BIN)/kakehashi demo-logins

serve: $(BIN)/kakehashi $(SERVE_ENV)
	@set -a && . "$(abspath $(SERVE_ENV))" && set +a && \
	  $(BIN)/kakehashi collectstatic --noinput -v 0 && \
	  exec $(BIN)/kakehashi serve

lint: $(BIN)/kakehashi
	$(BIN)/ruff check src tests bench
	$(BIN)/kakehashi makemigrations --check --dry-run -v 0

typecheck: $(BIN)/kakehashi
	$(BIN)/mypy

test: $(BIN)/kakehashi system lint typecheck
	KAKEHASHI_FAST_HASHER=1 $(BIN)/pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ] || pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  echo "== again on PostgreSQL =="; \
	  KAKEHASHI_FAST_HASHER=1 DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	    $(BIN)/pytest -q; \
	else echo "PostgreSQL is not answering on 127.0.0.1:5432 and TEST_DATABASE_URL is unset: skipped the PostgreSQL run"; fi

# The benchmarks print their tables; each is described in the README. The report benchmark needs PostgreSQL.
bench: $(BIN)/kakehashi
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/match_bench.py
	$(BIN)/python bench/targeting_backtest.py
	$(BIN)/python bench/report_bench.py

clean:
	rm -rf $(VENV) var
