"""The dashboard on a league's records (gen_league.py): building the roll-ups (the full rebuild of ~13 months and the
scheduled refresh after a day of changes) and the dashboard page at league, banner, township and village level,
beside the log-in page measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/bench_dashboard.py --db grassroots_dashbench

Reads the database gen_league.py made and writes to it: the roll-ups (``dashboards_areaday``, ``dashboards_rolluprun``),
one bench account (``dash_league``, ``county_staff`` on 赤峰市) and, for the refresh, a day of new rows.

1. **Full rebuild**: ``dashboards.services.rebuild_rollups`` from the first day of the month 12 months ago to today
   (what ``grassroots rollups --first … --last …`` runs), timed end to end. Then where the time goes: each section's
   ``flows(first, last)`` and ``states(today)`` read again on their own (rows they give, seconds), and the slowest
   SQL statements of that pass (``--explain``: with their EXPLAIN ANALYZE).
2. **A day of changes, then the refresh**: a day's share of each bulk table (rows ÷ days the data spans: ~25,000
   ledger entries, ~2,500 claims, ~2,500 demands at the defaults) written the way gen_league.py writes (INSERT …
   SELECT, untimed), spread from today's local midnight to now; then ``refresh_rollups`` (today and yesterday, what
   the queue runs every 10 minutes) ``--refreshes`` times (the first sees the new rows; the others are the steady
   state), and ``rollup_differences`` for those two days (must be empty).
3. **Pages**: ``GET /dashboard/<code>/?period=week|month|year`` for 赤峰市 (league), 翁牛特旗 (banner), the banner's
   township with the most villages and that township's village with the most households, through ``django.test.Client``
   signed in as ``dash_league`` (DEBUG off); and anonymous ``GET /login/``. ``--requests`` rounds (after ``--warmup``),
   interleaved so that every page sees the same load; p50/p99 in ms, and the SQL statements of one request of each
   (``CaptureQueriesContext``, a request apart from the timed ones).

The sections a dashboard shows are whatever ``dashboards.sections.SECTIONS`` holds when it runs: on the foundation
(76ba9c3) only points reads anything; run it again once the others have landed.
"""

import argparse
import os
import re
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import _with_db, server_facts  # noqa: E402
from bench_party import percentile  # noqa: E402
from gen_league import CLAIMS_SQL, DEMANDS_SQL, LEAGUE, LEDGER_SQL, first_day  # noqa: E402

BANNER = "150426000000"  # 翁牛特旗
PERIODS = ("week", "month", "year")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


class StatementTimes:
    """An ``execute_wrapper`` that adds up the time of each kind of statement (verb and first table)."""

    PATTERN = re.compile(r'^\s*(\w+)\b.*?\b(?:FROM|INTO|UPDATE)\s+"?(\w+)', re.S | re.I)

    def __init__(self):
        self.spent: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0.0])

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            found = self.PATTERN.match(sql[:400])
            key = (found.group(1).upper(), found.group(2)) if found else (sql.split(None, 1)[0].upper(), "")
            self.spent[key][0] += 1
            self.spent[key][1] += time.perf_counter() - t


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="grassroots_dashbench", help="the database gen_league.py made")
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--refreshes", type=int, default=3)
    parser.add_argument("--skip-rebuild", action="store_true", help="keep the roll-ups there are")
    parser.add_argument("--skip-day", action="store_true", help="no day of changes, no refresh")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest statements of the build")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench_dashboard needs DATABASE_URL=postgres://… (the figures must come from PostgreSQL)")
    os.environ["DATABASE_URL"] = _with_db(url, args.db)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from grassroots.access.models import User
    from grassroots.access.services import create_account
    from grassroots.areas.models import Area, Household, Level
    from grassroots.audit.context import Actor
    from grassroots.catalogue.models import RuleVersion
    from grassroots.dashboards import selectors, services
    from grassroots.dashboards.models import AreaDay
    from grassroots.dashboards.sections import SECTIONS

    actor = Actor.system("bench_dashboard")
    connection.ensure_connection()
    facts = server_facts(connection.connection)
    counts = {}
    with connection.cursor() as cur:
        for table in ("areas_household", "points_claim", "points_ledgerentry", "demands_demand"):
            cur.execute(f"SELECT reltuples::bigint FROM pg_class WHERE relname = '{table}'")
            counts[table] = cur.fetchone()[0]
    league = Area.objects.get(code=LEAGUE)
    banner = Area.objects.get(code=BANNER)
    township = Area.objects.get(pk=Area.objects.filter(parent=banner, level=Level.TOWNSHIP).annotate(
        n=Count("children")).order_by("-n", "code").values_list("pk", flat=True)[0])
    village = Area.objects.get(pk=Household.objects.filter(path__startswith=township.path).values("village")
                               .annotate(n=Count("id")).order_by("-n", "village").values_list("village", flat=True)[0])
    today = timezone.localdate()
    first = first_day(today)
    print(f"database {args.db}: ~{counts['areas_household']:,} households, ~{counts['points_ledgerentry']:,} ledger "
          f"entries, ~{counts['points_claim']:,} claims, ~{counts['demands_demand']:,} demands (pg_class estimates); "
          f"PostgreSQL {facts['server']} shared_buffers={facts['shared_buffers']}; {os.cpu_count()} cores (shared "
          f"with the server); load average {os.getloadavg()[0]:.1f}")
    print(f"sections: {', '.join(s.key for s in SECTIONS)}; metrics: "
          f"{', '.join(k for s in SECTIONS for k in s.metrics) or 'none'}; span {first} – {today}", flush=True)

    # ---------------------------------------------------------------------------------------- 1. full rebuild
    results: list[tuple[str, float, str]] = []
    if not args.skip_rebuild:
        log(f"full rebuild {first} – {today} …")
        times = StatementTimes()
        t = time.perf_counter()
        with connection.execute_wrapper(times):
            run = services.rebuild_rollups(actor=actor, first=first, last=today)
        seconds = time.perf_counter() - t
        results.append((f"full rebuild, {(today - first).days + 1} days (rebuild_rollups)", seconds,
                        f"{run.rows:,} roll-up rows"))
        for (verb, table), (n, spent) in sorted(times.spent.items(), key=lambda kv: -kv[1][1])[:8]:
            results.append((f"  {verb} {table}", spent, f"{n:,} statements"))
        results.append(("  the rest (Python: adding up, JSON, model instances)",
                        seconds - sum(spent for _n, spent in times.spent.values()), ""))
        log(f"  {seconds:.1f} s, {run.rows:,} rows")

        log("where the time goes: each section's sources on their own …")
        statements = []
        for section in SECTIONS:
            for name, call in (("flows", lambda s=section: s.flows(first, today)),
                               ("states", lambda s=section: s.states(today))):
                with CaptureQueriesContext(connection) as ctx:
                    t = time.perf_counter()
                    n = sum(1 for _ in call())
                    seconds = time.perf_counter() - t
                if ctx.captured_queries:
                    results.append((f"  {section.key}.{name}", seconds,
                                    f"{n:,} rows from {len(ctx.captured_queries)} statements"))
                    statements += [(float(q["time"]), section.key, name, q["sql"]) for q in ctx.captured_queries]
        t = time.perf_counter()
        services.compute(first, today, today=today)
        results.append(("  compute() (all sources + adding up each area's subtree)", time.perf_counter() - t, ""))
        statements.sort(reverse=True)
        print()
        print("slowest statements of the sources (seconds, section.source, SQL):")
        for seconds, key, name, sql in statements[:6]:
            print(f"  {seconds:7.2f}  {key}.{name}: {sql[:300]}")
        if args.explain:
            for seconds, key, name, sql in statements[:3]:
                print(f"\nEXPLAIN (ANALYZE, BUFFERS) of {key}.{name} ({seconds:.2f} s):")
                with connection.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    for (line,) in cur.fetchall():
                        print("  " + line)
        print(flush=True)

    # ---------------------------------------------------------------------------- 2. a day of changes, refresh
    if not args.skip_day:
        now = timezone.now()
        midnight = timezone.make_aware(datetime.combine(today, datetime.min.time()))
        days = (today - first).days + 1
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM bench_league_hh")
            households = cur.fetchone()[0]
        version = RuleVersion.objects.filter(rule__code="LG01").values_list("pk", flat=True).first()
        recorder = User.objects.get(username="dash_recorder")
        added = {}
        t = time.perf_counter()
        for table, sql in (("points_claim", CLAIMS_SQL), ("points_ledgerentry", LEDGER_SQL),
                           ("demands_demand", DEMANDS_SQL)):
            n = max(1, counts[table] // days)
            with connection.cursor() as cur:
                cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
                g0 = cur.fetchone()[0] + 1
                cur.execute(sql, {"start": midnight, "span": (now - midnight).total_seconds(), "g0": g0, "n": n,
                                  "lo": g0, "hi": g0 + n, "h": households, "rule_version": version,
                                  "recorder": recorder.pk})
            added[table] = n
        log(f"a day of changes written (untimed, {time.perf_counter() - t:.1f} s): "
            + ", ".join(f"{table} +{n:,}" for table, n in added.items()))
        for i in range(args.refreshes):
            t = time.perf_counter()
            run = services.refresh_rollups()
            seconds = time.perf_counter() - t
            label = "refresh after a day of changes (refresh_rollups)" if i == 0 else f"refresh again ({i + 1})"
            results.append((label, seconds, f"{run.rows:,} roll-up rows (today, yesterday, their months)"))
            log(f"  refresh {i + 1}: {seconds:.1f} s, {run.rows:,} rows")
        t = time.perf_counter()
        differences = selectors.rollup_differences(today - timedelta(days=1), today, today=today)
        results.append(("recount of today and yesterday (rollup_differences)", time.perf_counter() - t,
                        f"{len(differences)} differences"))
        for line in differences[:10]:
            print("  " + line)

    print()
    print(f"{'build':58} {'seconds':>9}  notes")
    for label, seconds, note in results:
        print(f"{label:58} {seconds:9.1f}  {note}")
    print(f"roll-up rows: {AreaDay.objects.filter(span=AreaDay.Span.DAY).count():,} day, "
          f"{AreaDay.objects.filter(span=AreaDay.Span.MONTH).count():,} month", flush=True)

    # ---------------------------------------------------------------------------------------------- 3. pages
    user = User.objects.filter(username="dash_league").first()
    if user is None:
        user = create_account(actor=actor, username="dash_league", password="bench-League-2026",
                              display_name="基准盟市干部", roles=[("county_staff", league)])
    cases = []
    for level, area in (("league", league), ("banner", banner), ("township", township), ("village", village)):
        for period in PERIODS:
            cases.append((f"{level} · {area.name} · {period}", f"/dashboard/{area.code}/?period={period}", True))
    cases.append(("log-in page (anonymous)", "/login/", False))
    signed_in, anonymous = Client(), Client()
    signed_in.force_login(user)
    storages = {**settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    timings: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, int] = {}
    sizes: dict[str, int] = {}
    log(f"pages: {len(cases)} pages × {args.requests} requests after {args.warmup} warm-up rounds, interleaved …")
    with override_settings(STORAGES=storages, DEBUG=False):
        for label, page, auth in cases:
            client = signed_in if auth else anonymous
            response = client.get(page)
            if response.status_code != 200:
                sys.exit(f"{page}: HTTP {response.status_code}")
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(page)
            queries[label] = len(ctx.captured_queries)
            sizes[label] = len(response.content)
        for round_number in range(args.warmup + args.requests):
            for label, page, auth in cases:
                client = signed_in if auth else anonymous
                t = time.perf_counter()
                response = client.get(page)
                elapsed = (time.perf_counter() - t) * 1000
                if response.status_code != 200:
                    sys.exit(f"{page}: HTTP {response.status_code}")
                if round_number >= args.warmup:
                    timings[label].append(elapsed)
    login_p50 = percentile(timings["log-in page (anonymous)"], 50)
    print()
    print(f"as {user.username} (county_staff on {league.name}); {args.requests} requests each; load average "
          f"{os.getloadavg()[0]:.1f}")
    header = f"{'page':40} {'p50 ms':>8} {'p99 ms':>8} {'× log-in':>9} {'SQL':>5} {'KB':>6}"
    print(header)
    print("-" * len(header))
    for label, _page, _auth in cases:
        values = timings[label]
        print(f"{label:40} {percentile(values, 50):8.1f} {percentile(values, 99):8.1f} "
              f"{percentile(values, 50) / login_p50:9.1f} {queries[label]:5} {sizes[label] / 1024:6.0f}")
    worst = max(percentile(timings[label], 99) for label, _p, auth in cases if auth)
    by_level = {label.split(" · ")[0]: queries[label] for label, _p, auth in cases if auth}
    print(f"\nworst dashboard p99: {worst:.1f} ms (target ≤ 150 ms); SQL statements per dashboard request by level: "
          + ", ".join(f"{level} {n}" for level, n in by_level.items()))


if __name__ == "__main__":
    main()
