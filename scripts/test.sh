#!/usr/bin/env bash
# The whole suite, on SQLite and then on PostgreSQL, browser tests included.
# Installs what it needs: the Python packages into .venv, and (as root) Debian's
# postgresql and chromium when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then "$PYTHON" -m venv .venv; fi
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing ${need_apt[*]} from Debian…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}" fonts-noto-cjk >/dev/null
  else
    echo "missing ${need_apt[*]}: install them (sudo apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi

.venv/bin/ruff check grassroots bench tests scripts
.venv/bin/python scripts/check_cycles.py  # no import cycle among grassroots/ modules (tests/test_import_cycles.py too)

PG_URL="$(scripts/pg.sh start)"
trap 'scripts/pg.sh stop' EXIT

status=0
echo "== tests on SQLite =="
env -u DATABASE_URL .venv/bin/python -m pytest "$@" || status=$?
echo "== tests on PostgreSQL =="
DATABASE_URL="$PG_URL" .venv/bin/python -m pytest "$@" || status=$?
exit $status
