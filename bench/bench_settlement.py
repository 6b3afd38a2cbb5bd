"""Quarterly settlement of a county's ledger, next to a plain GROUP BY of the same quarter in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/bench_settlement.py --households 1000000 --entries-per-household 10

1. Drops and creates a fresh database (default ``grassroots_bench_settlement``) and migrates it; with
   ``--reuse`` an existing database that already holds the data is kept and only migrated.
2. Builds the data in SQL (``INSERT … SELECT … generate_series`` into the real tables; set-up, not in any
   figure): a region, a prefecture and one county; townships of 100 villages; villages of ~200 households
   (150–250) with 1–4 grids each; households (minimal valid columns, no people: settlement reads none);
   per village a catalogue of four rules (incentive, basic, a deduction, one veto) and a policy with
   ``--threshold``; ``--entries-per-household`` score entries per household spread evenly over 2026 in
   posting order (mostly +2..+20, 9.9 % deductions of 2..10, 0.1 % veto entries of −50); unique
   ``hash`` / ``idempotency_key`` (SHA-256 of the id: the chain is not verified by settlement); one
   ledger head per village at its last seq. The ledger's secondary indexes are dropped for the load and
   rebuilt after it (foreign-key triggers off for the load: the rows are consistent by construction),
   then VACUUM ANALYZE, as a table that has been in use for a year would be.
3. The figures, quarter ``--quarter`` of 2026 (Q1: 90 days, ~24.7 % of the year's entries), caches warmed
   by one scan first:
   a. the limit, before and after (b): ``SELECT household_id, SUM(points) … WHERE account = 'score' AND
      occurred_on BETWEEN <quarter> GROUP BY household_id``, materialised server-side (``CREATE TEMP TABLE …
      AS``: the reference) and counted in SQL (``SELECT count(*), sum(total) FROM (…)``: the aggregate alone);
   b. ``settlement_services.compute_settlements(actor=Actor.system("bench"), year=2026, quarter=N, now=<2 days after
      the quarter>)``: a draft for every village (its ``ledger_seq`` and totals; no lines), each statement
      timed (the rest is the commit and Python); peak RSS of this process before and after; the drafts'
      totals checked against an independent query;
   c. publishing (not part of the target): ``settlement_services.publish_settlement`` per village, as the committees
      would (each writes that village's lines, read live from the ledger up to ``ledger_seq``, and its
      hash-chained credit entries); ``--publish-every K`` publishes every K-th village only.
   ``--explain``: EXPLAIN (ANALYZE, BUFFERS) of the totals SELECT that compute_settlements ran (captured).

Target: (b) within 1.5× of the materialised GROUP BY; memory flat in the number of households
(compare ``--households 100000`` with ``--households 1000000``). ``--households 20000`` runs in under a minute.
"""

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import _with_db, fresh_database, server_facts  # noqa: E402

COUNTY_CODE = "150499"  # not a real banner: nothing here clashes with the division table
VILLAGES_PER_TOWNSHIP = 100
YEAR = 2026

def rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def village_sizes(households: int, mean: int, spread: float, seed: int, fold: bool = False) -> list[int]:
    """Village sizes drawn uniformly in mean·(1 ± spread), summing to ``households``; with ``fold`` a last
    village smaller than the range joins the one before it (so the smallest village is a real one)."""
    rng = random.Random(seed)
    low, high = max(1, round(mean * (1 - spread))), max(1, round(mean * (1 + spread)))
    sizes, total = [], 0
    while total < households:
        size = min(rng.randint(low, high), households - total)
        sizes.append(size)
        total += size
    if fold and len(sizes) > 1 and sizes[-1] < low:
        last = sizes.pop()
        sizes[-1] += last
    return sizes


def _exec(cursor, sql: str, params=None) -> float:
    t0 = time.perf_counter()
    cursor.execute(sql, params)
    return time.perf_counter() - t0


def build(*, households: int, entries_per_household: int, village_mean: int = 200, village_spread: float = 0.25,
          threshold: int = 25, villages_per_township: int = VILLAGES_PER_TOWNSHIP, people: bool = False,
          last_day: date = date(YEAR, 12, 31), fold: bool = False, seed: int = 1, log=print) -> dict:
    """The county, its households, catalogues, policies and a year of score entries, all in SQL.

    Area ids are laid out so that every row can be computed from generate_series: county 3, township
    10 + t, village 1000 + v, grid 100000 + 8·v + g; household ids 1..N in village order; with
    ``people`` one head per household whose id is the household's. Entry i (0-based, in posting order)
    belongs to household i mod N and is that household's (i div N)-th entry: its seq in the village is
    (i div N)·size + (position in the village) + 1, so seqs are unique per village and grow with time.
    """
    from django.db import connection

    from grassroots.rules.settlement import DEFAULT_POINTS_PER_YUAN
    from grassroots.settlement.models import (
        default_credit_bands,
        default_honours,
        default_stages,
        default_star_bands,
    )

    sizes = village_sizes(households, village_mean, village_spread, seed, fold)
    n_villages = len(sizes)
    n_townships = -(-n_villages // villages_per_township)
    if n_townships > 899:
        sys.exit("too many villages for one county's township codes (at most 89,900)")
    n_entries = households * entries_per_household
    days = (last_day - date(YEAR, 1, 1)).days + 1
    seconds: dict[str, float] = {}
    region, prefecture, county = "150000000000/", "150000000000/150400000000/", \
        f"150000000000/150400000000/{COUNTY_CODE}000000/"
    connection.ensure_connection()
    with connection.cursor() as cur:
        t0 = time.perf_counter()
        cur.execute("CREATE TEMP TABLE bench_village (v int PRIMARY KEY, size int, grids int, first_hh bigint)")
        first, rows = 1, []
        for v, size in enumerate(sizes):
            rows.append((v, size, min(1 + v % 4, size), first))
            first += size
        with cur.cursor.copy("COPY bench_village (v, size, grids, first_hh) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute("ANALYZE bench_village")
        cur.execute(
            "INSERT INTO areas_area (id, code, name, level, parent_id, path) VALUES "
            "(1, '150000000000', '内蒙古自治区', 'region', NULL, %s), "
            "(2, '150400000000', '赤峰市', 'prefecture', 1, %s), "
            "(3, %s, '基准旗', 'county', 2, %s)", [region, prefecture, COUNTY_CODE + "000000", county])
        cur.execute(f"""
            INSERT INTO areas_area (id, code, name, level, parent_id, path)
            SELECT 10 + t, '{COUNTY_CODE}' || (100 + t) || '000', '基准第' || (t + 1) || '镇', 'township', 3,
                   %s || '{COUNTY_CODE}' || (100 + t) || '000/'
            FROM generate_series(0, %s) t""", [county, n_townships - 1])
        cur.execute(f"""
            INSERT INTO areas_area (id, code, name, level, parent_id, path)
            SELECT 1000 + v, '{COUNTY_CODE}' || (100 + v / {villages_per_township}) || lpad((v % {villages_per_township} + 1)::text, 3, '0'),
                   '基准第' || (v / {villages_per_township} + 1) || '镇第' || (v % {villages_per_township} + 1) || '嘎查',
                   'village', 10 + v / {villages_per_township},
                   t.path || '{COUNTY_CODE}' || (100 + v / {villages_per_township}) || lpad((v % {villages_per_township} + 1)::text, 3, '0') || '/'
            FROM bench_village JOIN areas_area t ON t.id = 10 + v / {villages_per_township}""")
        cur.execute("""
            INSERT INTO areas_area (id, code, name, level, parent_id, path)
            SELECT 100000 + 8 * b.v + g, a.code || lpad((g + 1)::text, 3, '0'), '第' || (g + 1) || '网格', 'grid', a.id,
                   a.path || a.code || lpad((g + 1)::text, 3, '0') || '/'
            FROM bench_village b JOIN areas_area a ON a.id = 1000 + b.v, generate_series(0, b.grids - 1) g""")
        seconds["areas"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cur.execute("""
            INSERT INTO areas_household (id, grid_id, village_id, path, number, address, is_active, created_at, updated_at)
            SELECT b.first_hh + k, g.id, 1000 + b.v, g.path, lpad((k + 1)::text, 4, '0'),
                   a.name || (k + 1) || '号', true, now(), now()
            FROM bench_village b JOIN areas_area a ON a.id = 1000 + b.v, generate_series(0, b.size - 1) k,
                 LATERAL (SELECT id, path FROM areas_area WHERE id = 100000 + 8 * b.v + (k * b.grids / b.size)) g
            ORDER BY 1""")
        if people:
            cur.execute("""
                INSERT INTO areas_person (id, household_id, path, name, name_pinyin, name_initials, gender, birth_date,
                    relation, ethnicity, id_number_sealed, id_number_digest, id_number_masked, mobile, party_status,
                    is_mobile_member, is_active, created_at, updated_at)
                SELECT h.id, h.id, h.path,
                       (ARRAY['王','李','张','刘','陈','杨','赵','包','白','乌'])[1 + h.id % 10]
                         || (ARRAY['建国','春梅','德胜','桂兰','志强','秀英','巴特尔','其其格','海军','玉兰'])[1 + h.id / 10 % 10],
                       'bench', 'bj', CASE WHEN h.id % 2 = 0 THEN 'M' ELSE 'F' END, date '1960-01-01' + (h.id % 9000)::int,
                       'head', '汉族', '', NULL, '', '', '', false, true, now(), now()
                FROM areas_household h ORDER BY h.id""")
        seconds["households"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        cur.execute("""
            INSERT INTO points_ruleset (id, area_id, path, name, is_template, copied_from_id, created_at)
            SELECT b.v + 1, a.id, a.path, '积分细则', false, NULL, now()
            FROM bench_village b JOIN areas_area a ON a.id = 1000 + b.v""")
        cur.execute("""
            INSERT INTO points_rule (id, rule_set_id, code)
            SELECT 4 * b.v + r + 1, b.v + 1, (ARRAY['A01', 'B01', 'C01', 'V01'])[r + 1]
            FROM bench_village b, generate_series(0, 3) r""")
        cur.execute("""
            INSERT INTO points_ruleversion (id, rule_id, version, title, kind, categories, points, unit, cap, cap_period,
                evidence_required, effective_from, effective_to, adoption_id, created_at)
            SELECT id, id, 1, (ARRAY['人居环境整治义务劳动', '按时参加村民大会', '乱堆乱放', '违法违纪'])[(id - 1) % 4 + 1],
                   (ARRAY['incentive', 'basic', 'basic', 'veto'])[(id - 1) % 4 + 1], '["resident", "party_member"]',
                   (ARRAY[10, 5, -5, -50])[(id - 1) % 4 + 1], 'per_time', NULL, '', false, date '2025-01-01', NULL,
                   NULL, now()
            FROM points_rule""")
        cur.execute("""
            INSERT INTO points_pointspolicy (village_id, notice_days, stages, threshold, points_per_yuan, year_end,
                veto_scope, star_bands, honours, credit_bands)
            SELECT 1000 + v, 5, %s::jsonb, %s, %s, 'lapse', 'quarter', %s::jsonb, %s::jsonb, %s::jsonb FROM bench_village""",
                    [json.dumps(default_stages()), threshold, DEFAULT_POINTS_PER_YUAN,
                     json.dumps(default_star_bands()), json.dumps(default_honours()),
                     json.dumps(default_credit_bands())])
        seconds["catalogues"] = time.perf_counter() - t0

        # The ledger: secondary indexes off for the load, rebuilt after it.
        t0 = time.perf_counter()
        cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = 'points_ledgerentry'::regclass AND contype = 'u'")
        uniques = cur.fetchall()
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'points_ledgerentry' "
                    "AND indexname NOT IN (SELECT conname FROM pg_constraint "
                    "WHERE conrelid = 'points_ledgerentry'::regclass)")
        indexes = cur.fetchall()
        for name, _ in uniques:
            cur.execute(f"ALTER TABLE points_ledgerentry DROP CONSTRAINT {name}")
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {name}")
        cur.execute("SET session_replication_role = replica")
        step = 2_000_000
        for lo in range(0, n_entries, step):
            hi = min(n_entries, lo + step) - 1
            cur.execute(f"""
                INSERT INTO points_ledgerentry (id, village_id, seq, path, household_id, person_id, account, kind, points,
                    rule_version_id, claim_id, notice_id, reverses_id, settlement_id, reason, occurred_on, posted_at,
                    idempotency_key, prev_hash, hash)
                SELECT e.i + 1, h.village_id, (e.i / %(n)s) * b.size + (h.id - b.first_hh) + 1, h.path, h.id,
                       {"h.id" if people else "NULL"}, 'score',
                       CASE WHEN e.r < 9000 THEN 'award' ELSE 'deduction' END,
                       CASE WHEN e.r < 9000 THEN 2 + e.r %% 19 WHEN e.r < 9990 THEN -(2 + e.r %% 9) ELSE -50 END,
                       4 * b.v + (CASE WHEN e.r < 9000 THEN e.r %% 2 WHEN e.r < 9990 THEN 2 ELSE 3 END) + 1,
                       NULL, NULL, NULL, NULL, '', e.day, e.day + time '18:00' + interval '6 days',
                       'bench:' || e.i, encode(sha256(int8send(e.i - 1)), 'hex'), encode(sha256(int8send(e.i)), 'hex')
                FROM (SELECT i, (hashint8(i) & 2147483647) %% 10000 AS r,
                             date '{YEAR}-01-01' + (i * %(days)s / %(total)s)::int AS day
                      FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) i) e
                JOIN areas_household h ON h.id = e.i %% %(n)s + 1
                JOIN bench_village b ON b.v = h.village_id - 1000
                ORDER BY e.i""", {"n": households, "days": days, "total": n_entries, "lo": lo, "hi": hi})
            log(f"  … {hi + 1:,} / {n_entries:,} entries ({time.perf_counter() - t0:.0f} s)")
        cur.execute("SET session_replication_role = DEFAULT")
        seconds["entries"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in uniques:
            cur.execute(f"ALTER TABLE points_ledgerentry ADD CONSTRAINT {name} {definition}")
        for _, definition in indexes:
            cur.execute(definition)
        cur.execute("RESET maintenance_work_mem")
        seconds["indexes"] = time.perf_counter() - t0
        cur.execute("""
            INSERT INTO points_ledgerhead (village_id, seq, hash)
            SELECT 1000 + v, size * %s, encode(sha256(int8send(-1000 - v)), 'hex') FROM bench_village""",
                    [entries_per_household])
        for table in ("areas_area", "areas_household", "areas_person", "points_ruleset", "points_rule",
                      "points_ruleversion", "points_ledgerentry"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(max(id), 1) FROM {table}))")
        t0 = time.perf_counter()
        cur.execute("VACUUM ANALYZE")
        seconds["vacuum"] = time.perf_counter() - t0
        cur.execute("SELECT pg_size_pretty(pg_table_size('points_ledgerentry')), "
                    "pg_size_pretty(pg_indexes_size('points_ledgerentry'))")
        table_size, index_size = cur.fetchone()
        cur.execute("DROP TABLE bench_village")
    return {"villages": n_villages, "townships": n_townships, "households": households, "entries": n_entries,
            "sizes": sizes, "seconds": seconds, "table_size": table_size, "index_size": index_size}


# ------------------------------------------------------------------------------------------- the limit

GROUP_BY = ("SELECT household_id, SUM(points) AS total FROM points_ledgerentry "
            "WHERE account = 'score' AND occurred_on BETWEEN %s AND %s GROUP BY household_id")


def baseline(bounds: tuple[date, date]) -> dict:
    """The plain GROUP BY of the quarter: materialised server-side (the limit) and counted in SQL."""
    from django.db import connection

    result = {}
    with connection.cursor() as cur:
        t0 = time.perf_counter()
        cur.execute(f"CREATE TEMP TABLE bench_quarter AS {GROUP_BY}", bounds)
        result["temp"] = time.perf_counter() - t0
        cur.execute("SELECT count(*) FROM bench_quarter")
        result["rows"] = cur.fetchone()[0]
        cur.execute("DROP TABLE bench_quarter")
        t0 = time.perf_counter()
        cur.execute(f"SELECT count(*), sum(total) FROM ({GROUP_BY}) q", bounds)
        cur.fetchone()
        result["count"] = time.perf_counter() - t0
    return result


def expected_totals(bounds: tuple[date, date]) -> tuple[int, int, int]:
    """Independently of services: (lines, households that may redeem, credit) of the quarter by each
    village's policy (quarter veto scope, no reversals in the bench's data)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("""
            SELECT count(*), count(*) FILTER (WHERE q.total >= q.threshold AND q.vetoes = 0),
                   COALESCE(sum(q.total) FILTER (WHERE q.total >= q.threshold AND q.vetoes = 0), 0)
            FROM (
                SELECT e.household_id, p.threshold, SUM(e.points) AS total,
                       SUM(CASE WHEN rv.kind = 'veto' THEN 1 ELSE 0 END) AS vetoes
                FROM points_ledgerentry e LEFT JOIN points_ruleversion rv ON rv.id = e.rule_version_id
                JOIN points_pointspolicy p ON p.village_id = e.village_id
                WHERE e.account = 'score' AND e.occurred_on BETWEEN %s AND %s
                GROUP BY e.household_id, p.threshold) q
            WHERE q.total >= q.threshold OR q.vetoes > 0""", bounds)
        lines, households, credit = cur.fetchone()
        return lines, households, int(credit)


def existing_data(url: str, name: str) -> bool:
    """Whether database ``name`` exists and holds a built ledger (then --reuse keeps it)."""
    import psycopg

    with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            return False
    with psycopg.connect(_with_db(url, name), autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('points_ledgerentry')").fetchone()[0] is None:
            return False
        return conn.execute("SELECT EXISTS (SELECT 1 FROM points_ledgerentry WHERE account = 'score')").fetchone()[0]


def described() -> dict:
    """The facts of a database built earlier (--reuse)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FILTER (WHERE level = 'village'), count(*) FILTER (WHERE level = 'township') "
                    "FROM areas_area")
        villages, townships = cur.fetchone()
        cur.execute("SELECT count(*) FROM areas_household")
        households = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM points_ledgerentry WHERE account = 'score'")
        entries = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_table_size('points_ledgerentry')), "
                    "pg_size_pretty(pg_indexes_size('points_ledgerentry'))")
        table_size, index_size = cur.fetchone()
    return {"villages": villages, "townships": townships, "households": households, "entries": entries,
            "table_size": table_size, "index_size": index_size}


# ------------------------------------------------------------------------------------------- main


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--entries-per-household", type=int, default=10, help="score entries per household in 2026")
    parser.add_argument("--threshold", type=int, default=25,
                        help="every village's quarterly threshold (its policy); 25 gives about half the households a line")
    parser.add_argument("--quarter", type=int, default=1, choices=(1, 2, 3, 4), help="the quarter of 2026 to settle")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database if it already holds the data (only migrate it); the quarter "
                             "must not be settled there yet")
    parser.add_argument("--no-publish", action="store_true", help="skip publishing")
    parser.add_argument("--publish-every", type=int, default=1, metavar="K",
                        help="publish every K-th village only (a sample; the total is extrapolated)")
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN (ANALYZE, BUFFERS) the totals SELECT compute_settlements ran")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default="grassroots_bench_settlement", help="name of the database to (re)create")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    reused = args.reuse and existing_data(url, args.db)
    os.environ["DATABASE_URL"] = _with_db(url, args.db) if reused else fresh_database(url, args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from grassroots.audit.context import Actor
    from grassroots.ledger.models import Account, LedgerEntry
    from grassroots.rules.settlement import quarter_bounds
    from grassroots.settlement import services as settlement_services
    from grassroots.settlement.models import Settlement, SettlementLine, SettlementStatus

    started = time.perf_counter()
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_seconds = time.perf_counter() - t0
    facts = server_facts(connection.connection)
    print(f"database {args.db} on PostgreSQL {facts['server']}; fsync={facts['fsync']} "
          f"synchronous_commit={facts['synchronous_commit']} shared_buffers={facts['shared_buffers']} "
          f"max_wal_size={facts['max_wal_size']}; {os.cpu_count()} cores (shared with the server); "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)

    quarter = args.quarter
    bounds = quarter_bounds(YEAR, quarter)
    if reused:
        data = described()
        print(f"reused (migrate {migrate_seconds:.1f} s): {data['villages']:,} villages in {data['townships']} "
              f"townships, {data['households']:,} households, {data['entries']:,} score entries (table "
              f"{data['table_size']}, indexes {data['index_size']})", flush=True)
        settled = Settlement.objects.filter(year=YEAR, quarter=quarter).count()
        if settled:
            quarters = sorted(set(Settlement.objects.values_list("quarter", flat=True)))
            sys.exit(f"Q{quarter} {YEAR} already has {settled:,} settlements in {args.db} (settled quarters: "
                     f"{quarters}); pass a --quarter without any")
    else:
        t0 = time.perf_counter()
        data = build(households=args.households, entries_per_household=args.entries_per_household,
                     threshold=args.threshold, seed=args.seed, log=lambda s: print(s, flush=True))
        s = data["seconds"]
        print(f"set-up (not in the figures, {time.perf_counter() - t0:.0f} s): {data['villages']:,} villages in "
              f"{data['townships']} townships, {data['households']:,} households, {data['entries']:,} entries "
              f"(table {data['table_size']}, indexes {data['index_size']}); areas {s['areas']:.1f} s, households "
              f"{s['households']:.1f} s, catalogues {s['catalogues']:.1f} s, entries {s['entries']:.1f} s, "
              f"indexes {s['indexes']:.1f} s, VACUUM ANALYZE {s['vacuum']:.1f} s", flush=True)

    with connection.cursor() as cur:
        cur.execute("CHECKPOINT")
        cur.execute("SELECT count(*) FROM points_ledgerentry")  # warm the caches: both sides read the same pages
        cur.execute("SELECT count(*) FROM points_ledgerentry WHERE account = 'score' AND occurred_on BETWEEN %s AND %s",
                    bounds)
        quarter_rows = cur.fetchone()[0]
        cur.execute("SELECT min(threshold), max(threshold) FROM points_pointspolicy")
        thresholds = cur.fetchone()
    expected = expected_totals(bounds)

    before = baseline(bounds)
    print(f"limit, before: temp table {before['temp']:.2f} s, count {before['count']:.2f} s "
          f"({before['rows']:,} households)", flush=True)

    captured: list[tuple[str, list]] = []
    statements: list[tuple[float, str]] = []

    def capture(execute, sql, params, many, context):
        if sql.lstrip().startswith("SELECT l.sid") and not captured:  # _set_totals' aggregate
            captured.append((sql, list(params)))
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - t0, " ".join(sql.split()[:3]).replace('"', "")))

    actor = Actor.system("bench")
    now = datetime.combine(bounds[1] + timedelta(days=2), datetime.min.time(), tzinfo=UTC).replace(hour=2)
    rss_before = rss_mb()
    with connection.cursor() as cur:
        cur.execute("CHECKPOINT")
    t0 = time.perf_counter()
    with connection.execute_wrapper(capture):
        outcome = settlement_services.compute_settlements(actor=actor, year=YEAR, quarter=quarter, now=now)
    settle_seconds = time.perf_counter() - t0
    rss_after = rss_mb()
    drafts = Settlement.objects.filter(year=YEAR, quarter=quarter, status=SettlementStatus.DRAFT)
    got_households = sum(drafts.values_list("households", flat=True))
    got_credit = sum(drafts.values_list("credit_total", flat=True))
    stored_lines = SettlementLine.objects.filter(settlement__year=YEAR, settlement__quarter=quarter).count()
    print(f"compute_settlements: {settle_seconds:.2f} s, {outcome}", flush=True)

    after = baseline(bounds)
    print(f"limit, after: temp table {after['temp']:.2f} s, count {after['count']:.2f} s", flush=True)

    plan = []
    if args.explain and captured:
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured[0][0], captured[0][1])
            # the drafts' ids are listed in full twice: cut the long lines
            plan = [row[0] if len(row[0]) <= 200 else row[0][:200] + " …" for row in cur.fetchall()]

    publish = {"seconds": 0.0, "per_village": [], "entries": 0, "lines": 0, "eligible": 0, "households": 0,
               "credit": 0, "villages": 0}
    if not args.no_publish:
        everyone = list(drafts.select_related("village").order_by("village_id"))
        sample = everyone[::args.publish_every]
        publish["villages"] = len(everyone)
        publish_at = now + timedelta(days=6)
        t0 = time.perf_counter()
        for draft in sample:
            t1 = time.perf_counter()
            settlement_services.publish_settlement(actor=actor, settlement=draft, now=publish_at)
            publish["per_village"].append(time.perf_counter() - t1)
        publish["seconds"] = time.perf_counter() - t0
        published = SettlementLine.objects.filter(settlement__year=YEAR, settlement__quarter=quarter)
        publish["lines"] = published.count()
        publish["eligible"] = published.filter(eligible=True).count()
        publish["households"] = sum(d.households for d in sample)
        publish["credit"] = sum(d.credit_total for d in sample)
        publish["entries"] = LedgerEntry.objects.filter(account=Account.CREDIT, settlement__year=YEAR,
                                                        settlement__quarter=quarter).count()
    rss_end = rss_mb()

    reference = (before["temp"] + after["temp"]) / 2
    ratio = settle_seconds / reference

    # ---------------------------------------------------------------- the table
    print()
    print(f"N = {data['households']:,} households in {data['villages']:,} villages, {data['entries']:,} score "
          f"entries in {YEAR} ({quarter_rows:,} in Q{quarter}), threshold {thresholds[0]}"
          f"{'' if thresholds[0] == thresholds[1] else '–' + str(thresholds[1])}; "
          f"{'reused database' if reused else 'fresh database'}; load average {os.getloadavg()[0]:.1f}")
    print()
    width = 66
    print(f"{'':{width}} {'before':>8} {'after':>8} {'mean s':>8} {'vs limit':>9}")

    def line(label, a, b=None):
        mean = a if b is None else (a + b) / 2
        cells = f"{a:8.2f} {b:8.2f}" if b is not None else f"{'':8} {'':8}"
        print(f"{label:{width}} {cells} {mean:8.2f} {mean / reference:9.2f}")

    line("limit: GROUP BY household, materialised (CREATE TEMP TABLE AS)", before["temp"], after["temp"])
    line("       GROUP BY household, counted in SQL", before["count"], after["count"])
    line("compute_settlements (all villages; drafts with totals, no lines)", settle_seconds)
    for seconds_, head in sorted(statements, reverse=True)[:3]:
        line(f"  of which {head[:40]}", seconds_)
    line("  of which the rest: commit, Python", settle_seconds - sum(t for t, _ in statements))
    print()
    verdict = "meets" if ratio <= 1.5 else "MISSES"
    print(f"ratio compute_settlements / materialised GROUP BY = {ratio:.2f} (target ≤ 1.5: {verdict} it)")
    ok = (got_households, got_credit) == expected[1:]
    print(f"{outcome['created']:,} drafts: {got_households:,} households may redeem, credit {got_credit:,} "
          f"(independent query: {expected[1]:,}, {expected[2]:,}: {'ok' if ok else 'WRONG'}); "
          f"{stored_lines:,} lines stored by compute (expected 0); GROUP BY rows {before['rows']:,}")
    print(f"peak RSS of this process: {rss_before:.0f} MB before compute_settlements, {rss_after:.0f} MB after "
          f"(+{rss_after - rss_before:.0f} MB), {rss_end:.0f} MB after publishing")
    if publish["per_village"]:
        per, n = publish["per_village"], len(publish["per_village"])
        whole = n == publish["villages"]
        which = "villages" if whole else f"of {publish['villages']:,} villages (every {args.publish_every}th)"
        lines_ok = publish["eligible"] == publish["households"] and publish["entries"] == publish["households"]
        print(f"publishing (not in the target): publish_settlement × {n:,} "
              f"{which} "
              f"in {publish['seconds']:.1f} s: {publish['lines']:,} lines written ({publish['eligible']:,} eligible), "
              f"{publish['entries']:,} credit entries ({'ok' if lines_ok else 'WRONG'} against the drafts' totals); "
              f"per village median {statistics.median(per) * 1000:.0f} ms, max {max(per) * 1000:.0f} ms")
        if whole:
            print(f"  (expected lines {expected[0]:,}: {'ok' if publish['lines'] == expected[0] else 'WRONG'})")
        else:
            print(f"  extrapolated to all {publish['villages']:,} villages: "
                  f"~{publish['seconds'] * publish['villages'] / n:.0f} s")
    if plan:
        print()
        print("EXPLAIN (ANALYZE, BUFFERS) of compute_settlements' totals SELECT (run again, read-only):")
        print("\n".join("  " + row for row in plan))
    print(f"whole run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
