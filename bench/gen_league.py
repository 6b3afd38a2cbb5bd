"""A league's records for bench_dashboard.py: 赤峰市 (150400000000, every banner, township and village of the division
table) with 1,000,000 households, 10,000,000 ledger entries and 1,000,000 claims and demands over ~13 months.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        nohup .venv/bin/python bench/gen_league.py > var/gen_league.log 2>&1 &

PostgreSQL only. Phases (each recorded in ``bench_league_done`` when finished; ``--resume`` skips the finished ones
and continues a half-done bulk phase from its last committed chunk):

1. ``population``: drops and creates the database (``--db``, default ``grassroots_dashbench``), migrates it, and runs
   ``areas.generate.generate_population`` on the league's banners (COPY, as bench_generate.py does); ``--id-share``
   defaults to 0 here: no dashboard figure reads an ID number and sealing 600,000 of them costs ~80 s.
2. ``lookup``: ``bench_league_hh`` (kept for bench_dashboard.py): each household's row number, id, path, grid,
   village, township, banner and first member — what the bulk phases below draw from.
3. ``catalogue``: one rule set of the league with one rule version (the claims' rule) and a recorder account.
4. ``claims`` (``--claims``, 1,000,000), ``ledger`` (``--entries``, 10,000,000) and ``demands`` (``--demands``,
   1,000,000): written by the server with ``INSERT … SELECT … FROM generate_series`` in chunks of 1,000,000 rows, one
   transaction each, bypassing the services (as COPY would: no Python per row; the append-only triggers of the
   ledger refuse UPDATE and DELETE, not INSERT). The secondary indexes, unique and foreign-key constraints of the
   three tables are dropped first (their definitions are kept in ``bench_league_ddl``) and built again in phase 5.
   Times are spread evenly from the first day of the month 12 months before this one to now (``created_at`` of a
   claim or demand, ``posted_at`` of an entry), every household drawn by a multiplicative hash of the row number.

   - Claims: those of the last 10 days are a third each in review, on a notice and posted; older ones posted (2 %
     rejected, 1 % cancelled). ``deed_date`` is 0–6 days before ``created_at``.
   - Ledger entries: 16/20 awards (score +1…+10, the claims' rule version), 1/20 deductions (score −1…−5), 2/20
     quarterly credits (credit +10…+100), 1/20 redemptions (credit −5…−50). **The hash chain is not valid**:
     ``seq`` is the entry's global number (unique in its village, with gaps), ``hash`` / ``prev_hash`` are that
     number in hex, ``claim`` is empty; ``verify-ledger`` would report every village. ``points_ledgerhead`` is set
     to each village's last entry.
   - Demands: in the village (area, path; township and banner set), kinds and channels mixed; closed or rated
     when older than 30 days (3 % still open and overdue), the last 30 days a mix of open and done; due 15 days
     after receipt.
5. ``indexes``: the dropped indexes and constraints created again (foreign keys validated), then VACUUM ANALYZE.

Not generated here (say so when reporting): the pairing, volunteer and party records. bench/gen_pairing.py,
gen_volunteers.py and gen_party.py each drop and create a database of their own and lay out their own area tree and
households (翁牛特旗, all of Inner Mongolia), so they cannot be pointed at this league without changing them; and on
the foundation (76ba9c3) those dashboard sections are empty stubs that read nothing. The shop's redemptions are in
the ledger (kind ``redemption``) but no shop, product or redemption rows are written.

It prints the time of each phase, progress lines, the row counts and the database's size.
"""

import argparse
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import _with_db, fresh_database, server_facts  # noqa: E402

LEAGUE = "150400000000"  # 赤峰市
CHUNK = 1_000_000
TABLES = ("points_claim", "points_ledgerentry", "demands_demand")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


def first_day(today: date) -> date:
    """The first day of the month 12 months before ``today``'s: 13 calendar months up to today."""
    return date(today.year - 1, today.month, 1)


# ------------------------------------------------------------------------------------------- phases' bookkeeping


def ensure_bookkeeping(cur) -> None:
    cur.execute("CREATE TABLE IF NOT EXISTS bench_league_done (phase text PRIMARY KEY, upto bigint NOT NULL DEFAULT 0,"
                " finished boolean NOT NULL DEFAULT false, seconds double precision NOT NULL DEFAULT 0)")
    cur.execute("CREATE TABLE IF NOT EXISTS bench_league_ddl (id serial PRIMARY KEY, tbl text NOT NULL, "
                "kind text NOT NULL, name text NOT NULL, definition text NOT NULL)")


def phase_state(cur, phase: str) -> tuple[int, bool]:
    cur.execute("SELECT upto, finished FROM bench_league_done WHERE phase = %s", [phase])
    row = cur.fetchone()
    return (row[0], row[1]) if row else (0, False)


def mark(cur, phase: str, *, upto: int = 0, finished: bool = False, seconds: float = 0.0) -> None:
    cur.execute("INSERT INTO bench_league_done (phase, upto, finished, seconds) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (phase) DO UPDATE SET upto = EXCLUDED.upto, finished = EXCLUDED.finished, "
                "seconds = bench_league_done.seconds + EXCLUDED.seconds", [phase, upto, finished, seconds])


# ----------------------------------------------------------------------------------- indexes dropped and rebuilt


def drop_secondary(cur, table: str) -> int:
    """Drop ``table``'s indexes and constraints except its primary key and checks, keeping their definitions."""
    cur.execute("SELECT count(*) FROM bench_league_ddl WHERE tbl = %s", [table])
    if cur.fetchone()[0]:
        return 0  # dropped already (a resumed run)
    cur.execute("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')", [table])
    constraints = cur.fetchall()
    cur.execute("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)",
                [table])
    indexes = cur.fetchall()
    for name, _kind, definition in constraints:
        cur.execute("INSERT INTO bench_league_ddl (tbl, kind, name, definition) VALUES (%s, %s, %s, %s)",
                    [table, "constraint", name, definition])
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, definition in indexes:
        cur.execute("INSERT INTO bench_league_ddl (tbl, kind, name, definition) VALUES (%s, %s, %s, %s)",
                    [table, "index", name, definition])
        cur.execute(f"DROP INDEX {name}")
    return len(constraints) + len(indexes)


def restore_secondary(conn) -> None:
    """Create again what ``drop_secondary`` dropped: indexes first, then unique keys, then foreign keys."""
    with conn.cursor() as cur:
        cur.execute("SELECT id, tbl, kind, name, definition FROM bench_league_ddl "
                    "ORDER BY (kind = 'constraint'), (definition LIKE 'FOREIGN KEY%%'), id")
        rows = cur.fetchall()
    for ddl_id, table, kind, name, definition in rows:
        t = time.perf_counter()
        with conn.cursor() as cur:
            if kind == "index":
                cur.execute(definition)
            else:
                cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cur.execute("DELETE FROM bench_league_ddl WHERE id = %s", [ddl_id])
        conn.commit()
        log(f"  {table}: {kind} {name} in {time.perf_counter() - t:.1f} s")


# ------------------------------------------------------------------------------------------------- bulk phases

LOOKUP_SQL = """
CREATE TABLE bench_league_hh AS
SELECT row_number() OVER (ORDER BY h.id)::int AS rn, h.id, h.path, h.grid_id, h.village_id,
       v.parent_id AS township_id, t.parent_id AS county_id, v.path AS village_path, p.person_id
FROM areas_household h
JOIN areas_area v ON v.id = h.village_id
JOIN areas_area t ON t.id = v.parent_id
LEFT JOIN (SELECT household_id, min(id) AS person_id FROM areas_person GROUP BY household_id) p
       ON p.household_id = h.id
WHERE h.path LIKE %(league)s
"""

# %(start)s: timestamptz of the first moment; %(span)s: seconds from it to now; %(n)s: the phase's total rows; %(g0)s:
# the first row number (0 here; bench_dashboard.py adds a day of rows after the last one). A row's moment is
# start + span * (g - g0) / n, so rows are in time order; its household is hh.rn = 1 + g * 2654435761 % H.

CLAIMS_SQL = """
INSERT INTO points_claim (village_id, grid_id, path, household_id, person_id, rule_version_id, quantity, points,
    deed_date, note, photo, recorder_id, batch, status, stage, resubmits_id, created_at, updated_at)
SELECT hh.village_id, hh.grid_id, hh.path, hh.id, hh.person_id, %(rule_version)s, 1, 1 + g %% 10,
    ((x.at AT TIME ZONE 'Asia/Shanghai')::date - (g %% 7)::int), '', '', %(recorder)s, 'lg' || (g / 100),
    CASE WHEN x.at > now() - interval '10 days'
         THEN (ARRAY['in_review', 'on_notice', 'posted'])[1 + (g %% 3)::int]
         WHEN g %% 50 = 0 THEN 'rejected' WHEN g %% 97 = 0 THEN 'cancelled' ELSE 'posted' END,
    CASE WHEN x.at > now() - interval '10 days' AND g %% 3 = 0 THEN g %% 2 ELSE 0 END,
    NULL, x.at, x.at
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint - 1) AS g
CROSS JOIN LATERAL (SELECT %(start)s::timestamptz + make_interval(secs => %(span)s * (g - %(g0)s) / %(n)s) AS at) x
JOIN bench_league_hh hh ON hh.rn = 1 + (g * 2654435761) %% %(h)s
"""

LEDGER_SQL = """
INSERT INTO points_ledgerentry (village_id, seq, path, household_id, person_id, account, kind, points,
    rule_version_id, claim_id, notice_id, reverses_id, settlement_id, reason, occurred_on, posted_at,
    idempotency_key, prev_hash, hash)
SELECT hh.village_id, (g + 1)::int, hh.path, hh.id, hh.person_id,
    CASE WHEN g %% 20 < 17 THEN 'score' ELSE 'credit' END,
    CASE WHEN g %% 20 < 16 THEN 'award' WHEN g %% 20 = 16 THEN 'deduction'
         WHEN g %% 20 < 19 THEN 'settlement' ELSE 'redemption' END,
    CASE WHEN g %% 20 < 16 THEN 1 + (g / 20) %% 10 WHEN g %% 20 = 16 THEN -1 - (g / 20) %% 5
         WHEN g %% 20 < 19 THEN 10 * (1 + (g / 20) %% 10) ELSE -5 * (1 + (g / 20) %% 10) END,
    CASE WHEN g %% 20 < 16 THEN %(rule_version)s END, NULL, NULL, NULL, NULL, '',
    ((x.at AT TIME ZONE 'Asia/Shanghai')::date - (g %% 10)::int), x.at,
    'lg-' || g, lpad(to_hex(g), 64, '0'), lpad(to_hex(g + 1), 64, '0')
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint - 1) AS g
CROSS JOIN LATERAL (SELECT %(start)s::timestamptz + make_interval(secs => %(span)s * (g - %(g0)s) / %(n)s) AS at) x
JOIN bench_league_hh hh ON hh.rn = 1 + (g * 2654435761) %% %(h)s
"""

DEMANDS_SQL = """
INSERT INTO demands_demand (kind, category_id, urgent, priority, text, area_id, path, township_id, county_id,
    address, latitude, longitude, person_id, contact_name, contact_phone, channel, tracking_code, status,
    lead_unit_id, responsibility_id, respond_due, resolve_due, due_at, responded_at, resolved_at, closed_at,
    escalation_level, escalated_at, reopen_count, resolution, rating, recorded_by_id, intake_key,
    created_at, updated_at)
SELECT (ARRAY['demand', 'demand', 'demand', 'wish', 'complaint', 'suggestion'])[1 + (g %% 6)::int], NULL, g %% 25 = 0,
    CASE WHEN g %% 25 = 0 THEN 0 ELSE 1 END, '基准测试诉求 ' || g, hh.village_id, hh.village_path,
    hh.township_id, hh.county_id, '', NULL, NULL, hh.person_id, '', '',
    (ARRAY['grid_worker', 'grid_worker', 'pairing_cadre', 'hotline', 'meeting', 'public'])[1 + ((g / 6) %% 6)::int],
    'L' || lpad(to_hex(g), 9, '0'), s.status,
    NULL, NULL, x.at + interval '2 days', x.at + interval '15 days',
    CASE WHEN s.status IN ('received', 'consulting', 'in_progress') THEN x.at + interval '15 days' END,
    CASE WHEN s.status <> 'received' THEN x.at + interval '1 day' END,
    CASE WHEN s.status IN ('resolved', 'feedback', 'closed') THEN x.at + make_interval(days => 3 + (g %% 20)::int) END,
    CASE WHEN s.status = 'closed' THEN x.at + make_interval(days => 5 + (g %% 20)::int) END,
    CASE WHEN s.status IN ('received', 'consulting', 'in_progress') AND x.at < now() - interval '15 days'
         THEN 1 ELSE 0 END,
    CASE WHEN s.status IN ('received', 'consulting', 'in_progress') AND x.at < now() - interval '15 days'
         THEN x.at + interval '15 days' END,
    0, CASE WHEN s.status IN ('resolved', 'feedback', 'closed') THEN '已办结' ELSE '' END,
    CASE WHEN s.status IN ('feedback', 'closed') THEN 3 + (g %% 3)::int END, NULL, NULL, x.at, x.at
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint - 1) AS g
CROSS JOIN LATERAL (SELECT %(start)s::timestamptz + make_interval(secs => %(span)s * (g - %(g0)s) / %(n)s) AS at) x
CROSS JOIN LATERAL (SELECT CASE
    WHEN x.at > now() - interval '30 days' THEN (ARRAY['received', 'consulting', 'in_progress', 'resolved',
                                                     'feedback', 'closed'])[1 + ((g / 7) %% 6)::int]
    WHEN g %% 33 = 0 THEN (ARRAY['received', 'in_progress'])[1 + ((g / 33) %% 2)::int]
    ELSE (ARRAY['feedback', 'feedback', 'closed'])[1 + ((g / 3) %% 3)::int] END AS status) s
JOIN bench_league_hh hh ON hh.rn = 1 + (g * 2654435761) %% %(h)s
"""


def bulk(conn, phase: str, sql: str, total: int, params: dict) -> None:
    with conn.cursor() as cur:
        upto, finished = phase_state(cur, phase)
    if finished:
        log(f"{phase}: done already")
        return
    started = time.perf_counter()
    lo = upto
    while lo < total:
        hi = min(lo + CHUNK, total)
        t = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute(sql, {**params, "lo": lo, "hi": hi, "n": total})
            mark(cur, phase, upto=hi, seconds=time.perf_counter() - t)
        conn.commit()
        elapsed = time.perf_counter() - started
        log(f"  {phase}: {hi:,} / {total:,} rows ({(hi - upto) / elapsed:,.0f} rows/s)")
        lo = hi
    with conn.cursor() as cur:
        mark(cur, phase, upto=total, finished=True)
    conn.commit()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--demands", type=int, default=1_000_000)
    parser.add_argument("--id-share", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--db", default="grassroots_dashbench", help="name of the database to (re)create")
    parser.add_argument("--resume", action="store_true", help="keep the database and skip the finished phases")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("gen_league needs DATABASE_URL=postgres://… (the figures must come from PostgreSQL)")
    bench_url = _with_db(url, args.db) if args.resume else fresh_database(url, args.db)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from grassroots.access import services as access_services
    from grassroots.access.models import User
    from grassroots.areas.generate import generate_population
    from grassroots.areas.models import Area
    from grassroots.audit.context import Actor
    from grassroots.catalogue.models import Rule, RuleSet, RuleVersion
    from grassroots.rules.divisions import read_divisions

    actor = Actor.system("gen_league")
    overall = time.perf_counter()
    call_command("migrate", verbosity=0)
    conn = connection
    conn.ensure_connection()
    raw = conn.connection
    with raw.cursor() as cur:
        ensure_bookkeeping(cur)
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET synchronous_commit = off")
    raw.commit()
    facts = server_facts(raw)
    log(f"database {args.db} on PostgreSQL {facts['server']}; shared_buffers={facts['shared_buffers']} "
        f"max_wal_size={facts['max_wal_size']}; {os.cpu_count()} cores (shared with the server)")

    # 1. population
    with raw.cursor() as cur:
        _, done = phase_state(cur, "population")
    if not done:
        banners = [d.code for d in read_divisions() if d.level == "county" and d.code.startswith(LEAGUE[:4])]
        log(f"population: {args.households:,} households over {len(banners)} banners of 赤峰市")
        last = [time.perf_counter()]

        def progress(n: int, total: int) -> None:
            if time.perf_counter() - last[0] > 30 or n == total:
                last[0] = time.perf_counter()
                log(f"  … {n:,} / {total:,} households")

        t = time.perf_counter()
        result = generate_population(actor=actor, households=args.households, county_codes=banners, seed=args.seed,
                                     id_share=args.id_share, progress=progress)
        with raw.cursor() as cur:
            mark(cur, "population", finished=True, seconds=time.perf_counter() - t)
        raw.commit()
        log(f"population: {result['households']:,} households, {result['persons']:,} people, "
            f"{result['villages']:,} villages in {time.perf_counter() - t:.0f} s")
    league = Area.objects.get(code=LEAGUE)

    # 2. lookup
    with raw.cursor() as cur:
        _, done = phase_state(cur, "lookup")
        if not done:
            t = time.perf_counter()
            cur.execute("DROP TABLE IF EXISTS bench_league_hh")
            cur.execute(LOOKUP_SQL, {"league": league.path + "%"})
            cur.execute("CREATE UNIQUE INDEX bench_league_hh_rn ON bench_league_hh (rn)")
            cur.execute("ANALYZE bench_league_hh")
            mark(cur, "lookup", finished=True, seconds=time.perf_counter() - t)
            log(f"lookup: bench_league_hh in {time.perf_counter() - t:.1f} s")
        cur.execute("SELECT count(*) FROM bench_league_hh")
        households = cur.fetchone()[0]
    raw.commit()

    # 3. catalogue and recorder
    rule_set, _ = RuleSet.objects.get_or_create(area=league, path=league.path, name="基准测试积分细则")
    rule, _ = Rule.objects.get_or_create(rule_set=rule_set, code="LG01")
    version = RuleVersion.objects.filter(rule=rule).first() or RuleVersion.objects.create(
        rule=rule, version=1, title="参加村内公益劳动", kind="award", points=5, categories=["resident"],
        effective_from=date(2020, 1, 1))
    recorder = User.objects.filter(username="dash_recorder").first() or access_services.create_account(
        actor=actor, username="dash_recorder", password="bench-Recorder-2026", display_name="基准记录人",
        roles=[("county_staff", Area.objects.get(code="150426000000"))])

    now = timezone.now()
    start = timezone.make_aware(datetime.combine(first_day(timezone.localdate(now)), datetime.min.time()))
    span = (now - start).total_seconds()
    params = {"start": start, "span": span, "g0": 0, "h": households, "rule_version": version.pk, "recorder": recorder.pk}
    log(f"rows from {start:%Y-%m-%d %H:%M %z} to {now:%Y-%m-%d %H:%M %z} over {households:,} households")

    # 4. bulk rows, secondary indexes and constraints dropped
    with raw.cursor() as cur:
        _, done = phase_state(cur, "indexes")
        if not done:
            dropped = sum(drop_secondary(cur, t) for t in TABLES)
            log(f"dropped {dropped} secondary indexes and constraints of {', '.join(TABLES)}")
            cur.execute("SET work_mem = '256MB'")
    raw.commit()
    for phase, sql, total in (("claims", CLAIMS_SQL, args.claims), ("ledger", LEDGER_SQL, args.entries),
                              ("demands", DEMANDS_SQL, args.demands)):
        bulk(raw, phase, sql, total, params)

    # 5. indexes, heads, statistics
    with raw.cursor() as cur:
        _, done = phase_state(cur, "indexes")
    if not done:
        t = time.perf_counter()
        log("indexes and constraints again:")
        restore_secondary(raw)
        with raw.cursor() as cur:
            cur.execute("DELETE FROM points_ledgerhead")
            cur.execute("INSERT INTO points_ledgerhead (village_id, seq, hash) "
                        "SELECT DISTINCT ON (village_id) village_id, seq, hash FROM points_ledgerentry "
                        "ORDER BY village_id, seq DESC")
            for table in ("points_claim", "points_ledgerentry", "demands_demand"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))")
            mark(cur, "indexes", finished=True, seconds=time.perf_counter() - t)
        raw.commit()
        log(f"indexes: {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    raw.autocommit = True
    with raw.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE: {time.perf_counter() - t:.0f} s")

    with raw.cursor() as cur:
        counts = {}
        for table in ("areas_area", "areas_household", "areas_person", "points_claim", "points_ledgerentry",
                      "demands_demand"):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT status, count(*) FROM points_claim GROUP BY 1 ORDER BY 1")
        claim_states = cur.fetchall()
        cur.execute("SELECT status, count(*) FROM demands_demand GROUP BY 1 ORDER BY 1")
        demand_states = cur.fetchall()
        cur.execute("SELECT level, count(*) FROM areas_area WHERE path LIKE %s GROUP BY 1 ORDER BY 1",
                    [league.path + "%"])
        levels = cur.fetchall()
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cur.fetchone()[0]
        cur.execute("SELECT phase, round(seconds::numeric, 1) FROM bench_league_done ORDER BY phase")
        seconds = cur.fetchall()
    print()
    for table, n in counts.items():
        print(f"{table:24} {n:>12,}")
    print("areas of 赤峰市 by level: " + ", ".join(f"{level} {n:,}" for level, n in levels))
    print("claims by status: " + ", ".join(f"{s} {n:,}" for s, n in claim_states))
    print("demands by status: " + ", ".join(f"{s} {n:,}" for s, n in demand_states))
    print("seconds by phase: " + ", ".join(f"{p} {s}" for p, s in seconds))
    print(f"database size {size}; {time.perf_counter() - overall:.0f} s in all (this run)")


if __name__ == "__main__":
    main()
