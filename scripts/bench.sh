#!/usr/bin/env bash
# `make bench`: every benchmark on a private PostgreSQL (scripts/pg.sh), each printing its figures beside
# the limit it measures in the same run (bench/README.md). Quick sizes by default, a few minutes in all;
# BENCH_FULL=1 runs the sizes bench/README.md reports (an hour or more).
set -euo pipefail
cd "$(dirname "$0")/.."
PG_URL="$(scripts/pg.sh start)"
trap 'scripts/pg.sh stop' EXIT
export DATABASE_URL="$PG_URL"
run() { echo; echo "== $*"; .venv/bin/python "$@"; }
if [ "${BENCH_FULL:-0}" = 1 ]; then
  run bench/bench_generate.py
  run bench/bench_ledger.py
  run bench/bench_settlement.py
  run bench/bench_points_pages.py
  run bench/bench_redemption.py
  run bench/bench_claims_api.py
  run bench/bench_demands.py
  run bench/bench_dispatch.py
  run bench/bench_names.py
  run bench/bench_two_nodes.py
  run bench/gen_party.py
  run bench/bench_party.py
else
  run bench/bench_generate.py --households 20000
  run bench/bench_ledger.py --villages 20 --per-village 200 --extra-villages 5 --proposed-villages 5
  run bench/bench_settlement.py --households 20000
  run bench/bench_points_pages.py --households 6000 --requests 40
  run bench/bench_redemption.py --households 600 --township-households 60 --seconds 3 --per-thread 300
  run bench/bench_claims_api.py --households 2000 --seconds 5 --max-requests 500 --empty-seconds 3
  run bench/bench_demands.py --demands 20000 --rounds 3
  run bench/bench_dispatch.py --repeat 3
  run bench/bench_names.py --people 10000
  run bench/bench_queue.py --rows 20000 --pings 20
  run bench/bench_two_nodes.py --households 200 --seconds 5
  run bench/gen_party.py --members 20000 --league 150400000000
  run bench/bench_party.py --runs 5 --warmup 1
fi
