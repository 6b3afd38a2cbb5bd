"""Pairing coverage, due this week and the seed's figures on a county's records (gen_pairing.py): p50/p99 ms and
SQL statements per read, each beside a plain ``SELECT count(*)`` over the same rows, measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/bench_pairing.py --db grassroots_pairbench

Reads the database gen_pairing.py made (it writes nothing but two bench accounts and their role assignments, once).
The reads, through pairing.selectors, called as the pages call them:

- **coverage of the county**: ``coverage(user, area=county, day=DAY)`` for a ``county_staff`` account (every row
  and child walked); baseline: ``count(*)`` of the county's visits from 1 January to DAY (the most rows coverage
  reads: its missed count looks at the year's visits).
- **coverage of a township** (the one with the most households), for a ``township_staff`` account; baseline the
  same count over the township.
- **a cadre's due this week**: ``due_this_week(cadre, day=DAY)`` for the cadre with the most pairs; baseline:
  ``count(*)`` of that cadre's visits since the previous quarter.
- **the seed's figures of the county over a year**: ``figures(user, area=county, since=DAY - 1 year + 1 day,
  until=DAY)``; baseline: ``count(*)`` of the county's visits in that year.

The county's coverage is timed twice: as a page asks it again (``selectors.window_now`` remembers ``window_on``'s
answers per process) and cold (that cache emptied before each call: the first look of the day in a new process).
A caller's scope is dropped before every timed call (``scope_of`` keeps it on the user object), so each read
includes that one statement, as a request does. Runs are interleaved round-robin (``--runs`` rounds after
``--warmup``). The SQL statements of each read are counted on a call apart (CaptureQueriesContext); the coverage
of the county is also counted for another township, to show the count does not grow with the number of children.
"""

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import _with_db, server_facts  # noqa: E402
from bench_party import percentile  # noqa: E402

COUNTY = "150426000000"


def accounts(county, township) -> dict:
    from grassroots.access.models import RoleAssignment, User

    made = {}
    for key, role, area in (("county staff", "county_staff", county), ("township staff", "township_staff", township)):
        user, _ = User.objects.get_or_create(username=f"bench_pairing_{role}_{area.code}")
        RoleAssignment.objects.get_or_create(user=user, role=role, area=area, organisation=None)
        made[key] = user
    return made


def fresh(user):
    for cached in ("_grassroots_scope", "_pairing_visitor", "_demand_unit_ids"):
        user.__dict__.pop(cached, None)
    return user


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="grassroots_pairbench", help="the database gen_pairing.py made")
    parser.add_argument("--day", default="2026-11-25", help="the day asked (default: the data's today)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    day = date.fromisoformat(args.day)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench_pairing needs DATABASE_URL=postgres://… (the figures must come from PostgreSQL)")
    os.environ["DATABASE_URL"] = _with_db(url, args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from grassroots.access.models import User
    from grassroots.areas.models import Area, Household
    from grassroots.pairing import selectors
    from grassroots.pairing.models import Pair, Visit

    county = Area.objects.get(code=COUNTY)
    by_size = list(Household.objects.filter(path__startswith=county.path).values("village__parent")
                   .annotate(n=Count("id")).order_by("-n").values_list("village__parent", flat=True))
    township, other_township = Area.objects.get(pk=by_size[0]), Area.objects.get(pk=by_size[-1])
    users = accounts(county, township)
    cadre_id = (Pair.objects.filter(visitor_user__isnull=False, ended_on__isnull=True).values("visitor_user")
                .annotate(n=Count("id")).order_by("-n", "visitor_user").values_list("visitor_user", flat=True)[0])
    cadre = User.objects.get(pk=cadre_id)
    facts = server_facts(connection.connection)
    print(f"database {args.db}: {Household.objects.count():,} households, {Pair.objects.count():,} pairs, "
          f"{Visit.objects.count():,} visits; PostgreSQL {facts['server']} shared_buffers={facts['shared_buffers']}; "
          f"{os.cpu_count()} cores (shared with the server)")
    print(f"county {county.name}, township {township.name} (most households), cadre {cadre.username} "
          f"({Pair.objects.filter(visitor_user=cadre).count()} pairs); as of {day}; {args.runs} runs after "
          f"{args.warmup} warm-up rounds, interleaved")

    year_start = date(day.year, 1, 1)
    last_year = day - timedelta(days=364)
    visits_sql = "SELECT count(*) FROM pairing_visit WHERE path LIKE %s AND visited_on >= %s AND visited_on <= %s"
    cadre_sql = ("SELECT count(*) FROM pairing_visit v JOIN pairing_pair p ON p.id = v.pair_id "
                 "WHERE p.visitor_user_id = %s AND v.visited_on >= %s AND v.visited_on <= %s")

    def baseline(sql, params):
        def run():
            with connection.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchone()[0]
        return run

    def cover(user, area, *, cold=False):
        def run():
            if cold:
                selectors.window_now.cache_clear()
            found = selectors.coverage(fresh(user), area=area, day=day)
            return (f"{found.total.pairs} pairs, {found.total.done} done, {found.total.current['due']} due, "
                    f"{found.total.current['overdue']} overdue, {found.total.missed} missed this year, "
                    f"{found.total.unpaired} unpaired, {len(found.children)} children")
        return run

    def due():
        found = selectors.due_this_week(fresh(cadre), day=day)
        return f"{len(found.items)} due this week, {found.done} done, {len(found.pairs)} pairs"

    def figures():
        f = selectors.figures(fresh(users["county staff"]), area=county, since=last_year, until=day)
        return (f"{f.visits} visits, {f.households_visited} households, {f.problems} problems, {f.solved} solved, "
                f"{f.helps_total} helps")

    quarter_from = selectors.rules.visits_from(frequency=selectors.rules.QUARTER, today=day)
    groups = [
        ("coverage of the county", [("plain SELECT count(*)", baseline(visits_sql, [county.path + "%", year_start, day])),
                                    ("selector, county staff", cover(users["county staff"], county)),
                                    ("selector, county staff, cold window_on", cover(users["county staff"], county,
                                                                                      cold=True))]),
        ("coverage of a township", [("plain SELECT count(*)", baseline(visits_sql, [township.path + "%", year_start,
                                                                                   day])),
                                    ("selector, township staff", cover(users["township staff"], township))]),
        ("a cadre's due this week", [("plain SELECT count(*)", baseline(cadre_sql, [cadre.pk, quarter_from, day])),
                                     ("selector, the cadre", due)]),
        ("figures of the county over a year", [("plain SELECT count(*)", baseline(visits_sql, [county.path + "%",
                                                                                              last_year, day])),
                                               ("selector, county staff", figures)]),
    ]
    queries, results = {}, {}
    for group, reads in groups:
        for label, fn in reads:
            with CaptureQueriesContext(connection) as ctx:
                results[(group, label)] = fn()
            queries[(group, label)] = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        cover(users["county staff"], other_township)()
    elsewhere = len(ctx.captured_queries)
    samples = {(g, label): [] for g, reads in groups for label, _ in reads}
    for round_number in range(args.warmup + args.runs):
        for group, reads in groups:
            for label, fn in reads:
                t0 = time.perf_counter()
                fn()
                if round_number >= args.warmup:
                    samples[(group, label)].append((time.perf_counter() - t0) * 1000)

    print()
    print(f"{'read':44} {'p50 ms':>8} {'p99 ms':>8} {'× count(*)':>10} {'SQL':>5}  result")
    for group, reads in groups:
        print(group)
        base = percentile(samples[(group, "plain SELECT count(*)")], 50)
        for label, _fn in reads:
            values = samples[(group, label)]
            p50 = percentile(values, 50)
            ratio = "" if label.startswith("plain") else f"{p50 / base:,.1f}"
            print(f"  {label:42} {p50:8.1f} {percentile(values, 99):8.1f} {ratio:>10} {queries[(group, label)]:5}  "
                  f"{results[(group, label)]}")
    print(f"coverage's SQL statements for {other_township.name} ({len(Area.objects.filter(parent=other_township))} "
          f"children) as county staff: {elsewhere}")


if __name__ == "__main__":
    main()
