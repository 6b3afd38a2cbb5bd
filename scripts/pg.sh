#!/usr/bin/env bash
# A private PostgreSQL for tests and benchmarks: its own cluster under var/pg, on loopback.
#   scripts/pg.sh start   → prints the DATABASE_URL to use
#   scripts/pg.sh stop
# Installs Debian's postgresql if no server binaries are found (needs root, as in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PGPORT_TEST:-55432}"
DATA="$PWD/var/pg/data"
LOG="$PWD/var/pg/log"

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
  done
  return 1
}

BIN="$(find_bin || true)"
if [ -z "$BIN" ]; then
  echo "installing PostgreSQL from Debian…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
  BIN="$(find_bin)"
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    mkdir -p "$(dirname "$DATA")"
    if [ "$(id -u)" = 0 ]; then chown postgres "$(dirname "$DATA")"; fi
    if [ ! -s "$DATA/PG_VERSION" ]; then
      as_owner "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w \
        -o "-p $PORT -c listen_addresses=127.0.0.1 -k /tmp -c max_connections=60" start >/dev/null
    fi
    echo "postgres://postgres@127.0.0.1:$PORT/grassroots"
    ;;
  stop)
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
