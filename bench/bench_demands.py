"""A unit's queue and a township's overdue list with 1,000,000 demands: p50/p99 ms and SQL queries per page.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/bench_demands.py --demands 1000000

1. Drops and creates a fresh database (default ``grassroots_bench_demands``) on the server of DATABASE_URL
   and migrates it.
2. Loads the divisions of Inner Mongolia, the categories of the smart-dispatch data, and units for every
   banner (18 banner units) and township (4 township units each); COPYs N demands spread over two years
   and every village of the region, half of them in 翁牛特旗 and a third of those in 乌丹镇 (the banner
   seat), so the measured queue and list are among the largest, not the average. Statuses follow the age
   of a demand (old ones mostly closed, recent ones half open); deadlines are real working-day deadlines
   (rules/sla.py). A fifth have a supporting unit. No timeline rows (the pages measured do not read them).
3. ANALYZE, then through django.test.Client as the unit's staff / the township's staff: the first page and
   the pages that follow it by keyset (``?after=…``) of
      - 旗农牧局's queue (open demands routed to it, urgent first, nearest deadline first),
      - 乌丹镇's overdue list (every overdue open demand below the township, most overdue first),
      - 翁牛特旗's overdue list (the same for the whole banner),
   each request timed and its SQL queries counted with CaptureQueriesContext. Prints p50/p99 ms, queries
   per page and the plan of each list query (which index serves it).
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTY = "150426000000"  # 翁牛特旗
WUDAN = "150426100000"  # 乌丹镇
PER_TOWNSHIP = ("vet_station", "health_center", "township_office", "justice_office")
COLUMNS = ("id", "kind", "category_id", "urgent", "priority", "text", "area_id", "path", "township_id", "county_id",
           "address", "contact_name", "contact_phone", "channel", "tracking_code", "status", "lead_unit_id",
           "respond_due", "resolve_due", "due_at", "responded_at", "resolved_at", "closed_at", "escalation_level",
           "reopen_count", "resolution", "rating", "created_at", "updated_at")


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def fresh_database(url: str, name: str) -> str:
    import psycopg

    if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("bench_demands needs DATABASE_URL=postgres://… (the figures must come from PostgreSQL)")
    with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return _with_db(url, name)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def setup_reference(actor):
    """Divisions, categories, units; returns what the generator needs."""
    import csv

    from grassroots.areas import services as area_services
    from grassroots.areas.models import Area, Level
    from grassroots.demands.models import Category, Unit
    from grassroots.rules.divisions import read_divisions

    area_services.load_divisions(actor=actor, divisions=read_divisions())
    data = ROOT / "grassroots" / "demands" / "data"
    with open(data / "categories.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    categories = {}
    for i, row in enumerate(rows):
        categories[row["code"]] = Category.objects.create(code=row["code"], name=row["name"], sort_order=i,
                                                          parent=categories.get(row["parent_code"]))
    leaves = [(categories[r["code"]], r["lead_unit_code"]) for r in rows if r["lead_unit_code"]]
    with open(data / "units.csv", encoding="utf-8") as f:
        unit_rows = list(csv.DictReader(f))
    counties = list(Area.objects.filter(level=Level.COUNTY).order_by("code"))
    townships = list(Area.objects.filter(level=Level.TOWNSHIP).order_by("code"))
    units = []
    for county in counties:
        units += [Unit(code=f"{r['code']}-{county.code}", name=f"{county.name}{r['name']}", kind=r["kind"],
                       area=county, path=county.path) for r in unit_rows if r["code"] not in PER_TOWNSHIP]
    for township in townships:
        units += [Unit(code=f"{r['code']}-{township.code}", name=f"{township.name}{r['name']}", kind=r["kind"],
                       area=township, path=township.path) for r in unit_rows if r["code"] in PER_TOWNSHIP]
    Unit.objects.bulk_create(units, batch_size=2000)
    unit_ids = dict(Unit.objects.values_list("code", "id"))
    villages = list(Area.objects.filter(level=Level.VILLAGE).values_list("id", "path", "parent_id",
                                                                         "parent__parent_id"))
    return leaves, unit_ids, villages, {a.id: a.code for a in counties}, {a.id: a.code for a in townships}


def fill(n: int, seed: int, leaves, unit_ids, villages, county_codes, township_codes) -> float:
    """COPY ``n`` demands (and a supporting unit for a fifth of them); returns rows/s."""
    from django.db import connection

    from grassroots.rules import sla, tracking

    rng = random.Random(seed)
    now = datetime.now(UTC)
    in_county = [v for v in villages if county_codes.get(v[3]) == COUNTY]
    in_wudan = [v for v in in_county if township_codes.get(v[2]) == WUDAN]
    deadline_cache: dict = {}

    def deadline(moment, days):
        key = (moment.astimezone(sla.LOCAL).date(), days)
        if key not in deadline_cache:
            deadline_cache[key] = sla.deadline(moment, days)
        return deadline_cache[key]

    level_cache: dict = {}

    def escalation(due):
        if due not in level_cache:
            level_cache[due] = int(sla.escalation_level(due, now))
        return level_cache[due]

    alphabet = tracking.ALPHABET
    codes: set[str] = set()
    connection.ensure_connection()
    raw = connection.connection
    started = time.perf_counter()
    supporting = []
    with raw.cursor() as cur:
        # A bulk load of rows made consistent above: skip the per-row foreign-key triggers (needs a
        # superuser, as the bench's own server has); the indexes are maintained as in production.
        cur.execute("SET session_replication_role = replica")
        with cur.copy(f"COPY demands_demand ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for i in range(1, n + 1):
                r = rng.random()
                village = rng.choice(in_wudan if r < 0.17 else in_county if r < 0.5 else villages)
                village_id, path, township_id, county_id = village
                category, lead_code = rng.choice(leaves)
                place = township_codes[township_id] if lead_code in PER_TOWNSHIP else county_codes[county_id]
                lead_unit = unit_ids[f"{lead_code}-{place}"]
                age_days = rng.random() * 730
                created = now - timedelta(days=age_days)
                respond_due, resolve_due = deadline(created, 1), deadline(created, 7)
                s = rng.random()
                if age_days > 60:
                    status = "closed" if s < 0.95 else "resolved" if s < 0.98 else rng.choice(
                        ["received", "consulting", "in_progress"])
                else:
                    status = rng.choice(["received", "consulting", "in_progress"]) if s < 0.5 else (
                        "resolved" if s < 0.6 else "closed")
                is_open = status in ("received", "consulting", "in_progress")
                responded = None if status == "received" else created + timedelta(hours=rng.uniform(1, 30))
                resolved = None if is_open else created + timedelta(days=rng.uniform(0.5, 12))
                if resolved is not None and resolved > now:
                    resolved = now
                due = (resolve_due if responded else respond_due) if is_open else resolve_due
                level = escalation(due) if is_open and due < now else 0
                urgent = rng.random() < 0.1
                while True:
                    body = "".join(rng.choices(alphabet, k=9))
                    code = tracking.code_for(body)
                    if code not in codes:
                        codes.add(code)
                        break
                copy.write_row((
                    i, "demand", category.id, urgent, 0 if urgent else 1, f"第{i}号诉求：{category.name}方面的问题",
                    village_id, path, township_id, county_id, "", "", "", "grid_worker", code, status, lead_unit,
                    respond_due, resolve_due, due, responded, resolved, resolved if status == "closed" else None,
                    level, 0, "" if is_open else "已办结", rng.choice([5, 5, 4, 4, 3, 2]) if status == "closed" else None,
                    created, created,
                ))
                if rng.random() < 0.2:
                    supporting.append((i, unit_ids[f"township_office-{township_codes[township_id]}"]))
        with cur.copy("COPY demands_demand_supporting_units (demand_id, unit_id) FROM STDIN") as copy:
            for row in supporting:
                copy.write_row(row)
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("SELECT setval(pg_get_serial_sequence('demands_demand', 'id'), %s)", (n,))
    raw.commit()
    return n / (time.perf_counter() - started)


def measure(client, url: str, pages: int, rounds: int) -> dict:
    """Walk ``pages`` pages by keyset, ``rounds`` times; time every request and count its queries."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings: dict[str, list[float]] = {"first": [], "next": []}
    queries: set[int] = set()
    rows = 0
    for _ in range(rounds):
        after = None
        for page in range(pages):
            target = url + (f"{'&' if '?' in url else '?'}after={after}" if after else "")
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(target)
                elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (target, response.status_code)
            queries.add(len(ctx.captured_queries))
            timings["first" if page == 0 else "next"].append(elapsed)
            body = response.content.decode()
            rows = max(rows, body.count('href="/demands/') - body.count('href="/demands/units'))
            found = re.search(r'after=([0-9.]+)"', body)
            if not found:
                break
            after = found.group(1)
    return {"timings": timings, "queries": sorted(queries)}


def explain(sql_qs) -> str:
    from django.db import connection

    sql, params = sql_qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF) " + sql, params)
        plan = [row[0] for row in cur.fetchall()]
    first = next((line.strip() for line in plan if "Index" in line or "Seq Scan" in line), plan[0].strip())
    total = next((line.strip() for line in plan if line.startswith("Execution Time")), "")
    return f"{first} · {total}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demands", type=int, default=1_000_000)
    parser.add_argument("--db", default="grassroots_bench_demands")
    parser.add_argument("--pages", type=int, default=20, help="pages walked by keyset per round")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="measure the database a previous run filled")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    os.environ["DATABASE_URL"] = _with_db(url, args.db) if args.reuse else fresh_database(url, args.db)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from grassroots.access.services import create_account
    from grassroots.areas.models import Area
    from grassroots.audit.context import Actor
    from grassroots.demands import selectors
    from grassroots.demands.models import Demand, Unit, UnitMember

    actor = Actor.system("bench")
    if not args.reuse:
        t0 = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        reference = setup_reference(actor)
        print(f"set-up (migrate, divisions, {Unit.objects.count()} units): {time.perf_counter() - t0:.1f} s",
              flush=True)
        t1 = time.perf_counter()
        rate = fill(args.demands, args.seed, *reference)
        print(f"COPY {args.demands:,} demands: {time.perf_counter() - t1:.1f} s "
              f"({rate:,.0f} rows/s incl. making them)", flush=True)
        with connection.cursor() as cur:
            cur.execute("ANALYZE demands_demand")
            cur.execute("ANALYZE demands_demand_supporting_units")

    now = timezone.now()
    unit = Unit.objects.get(code=f"agriculture_bureau-{COUNTY}")
    wudan = Area.objects.get(code=WUDAN)
    county = Area.objects.get(code=COUNTY)
    from grassroots.access.models import User

    def account(username, roles):
        return User.objects.filter(username=username).first() or create_account(
            actor=actor, username=username, password="Bench#2026x", roles=roles)

    handler = account("bench-unit", [])
    UnitMember.objects.get_or_create(unit=unit, user=handler)
    empty, _ = Unit.objects.get_or_create(code="bench-empty", defaults={"name": "空队列单位", "area": county,
                                                                         "path": county.path})
    UnitMember.objects.get_or_create(unit=empty, user=handler)
    township_staff = account("bench-township", [("township_staff", wudan)])
    county_staff = account("bench-county", [("county_staff", county)])
    open_statuses = list(Demand.OPEN_STATUSES)
    counts = {
        "all": Demand.objects.count(),
        "queue": Demand.objects.filter(lead_unit=unit, status__in=open_statuses).count(),
        "wudan": Demand.objects.filter(township=wudan, status__in=open_statuses, due_at__lt=now).count(),
        "county": Demand.objects.filter(county=county, status__in=open_statuses, due_at__lt=now).count(),
    }
    plans = {
        "queue": explain(Demand.objects.filter(lead_unit=unit, status__in=open_statuses)
                         .order_by("priority", "due_at", "id")[:51]),
        "wudan": explain(Demand.objects.filter(township=wudan, status__in=open_statuses, due_at__lt=now)
                         .order_by("due_at", "id")[:51]),
        "county": explain(Demand.objects.filter(county=county, status__in=open_statuses, due_at__lt=now)
                          .order_by("due_at", "id")[:51]),
    }
    deep = selectors.unit_queue(handler, unit, limit=50)
    for _ in range(19):
        deep = selectors.unit_queue(handler, unit, after=deep.next_cursor, limit=50) if deep.next_cursor else deep
    plans["queue, page 20"] = explain(
        selectors.Demand.objects.filter(lead_unit=unit, status__in=open_statuses)
        .filter(selectors.TupleGreaterThan(selectors.Tuple(selectors.F("priority"), selectors.F("due_at"),
                                                           selectors.F("id")),
                                           tuple(int(x) if i != 1 else selectors._from_micros(int(x))
                                                 for i, x in enumerate((deep.next_cursor or "1.0.0").split(".")))))
        .order_by("priority", "due_at", "id")[:51])

    cases = [
        ("baseline · an empty queue", handler, "/demands/units/bench-empty/", 0),
        ("unit queue · 旗农牧局", handler, f"/demands/units/{unit.code}/", counts["queue"]),
        ("overdue · 乌丹镇 (township)", township_staff, f"/demands/overdue/?area={WUDAN}", counts["wudan"]),
        ("overdue · 翁牛特旗 (county)", county_staff, f"/demands/overdue/?area={COUNTY}", counts["county"]),
    ]
    storages = {**settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    results = []
    with override_settings(STORAGES=storages, DEBUG=False):
        for label, user, page_url, total in cases:
            client = Client()
            client.force_login(user)
            client.get(page_url)  # warm the connection and the templates
            results.append((label, total, measure(client, page_url, args.pages, args.rounds)))

    print()
    print(f"{counts['all']:,} demands · PostgreSQL {connection.cursor().connection.info.server_version} · "
          f"{args.rounds} rounds of up to {args.pages} pages (50 rows a page) each")
    header = f"{'page':<30} {'rows in list':>12} {'which':>7} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'queries/page':>13}"
    print(header)
    print("-" * len(header))
    for label, total, r in results:
        for which in ("first", "next"):
            values = r["timings"][which]
            if not values:
                continue
            print(f"{label:<30} {total:>12,} {which:>7} {len(values):>5} {statistics.median(values):>8.1f} "
                  f"{percentile(values, 99):>8.1f} {'/'.join(map(str, r['queries'])):>13}")
    print()
    print("plans of the list queries (EXPLAIN ANALYZE):")
    for name, plan in plans.items():
        print(f"  {name:<16} {plan}")


if __name__ == "__main__":
    main()
