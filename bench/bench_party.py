"""Three party registers on a region-sized register (gen_party.py): p50/p99 ms and SQL statements per read, each
beside a plain ``SELECT count(*)`` over the same rows, measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/bench_party.py --db grassroots_partybench

Reads the database gen_party.py made (it writes nothing but two bench accounts and their role assignments, once).
The reads, through the apps' selectors, called as the apps' contracts say:

- **members of a county as of a day**: ``members.selectors.register_on(user, day=DAY, area=county)``:
  ``count()`` and the first page (``list(qs[:50])``);
  baseline: ``count(*)`` of the memberships of the county's organisations that cover DAY.
- **the four registers of a league**: ``neworgs.selectors.four_registers(user, area=league, day=DAY)``: every
  field of the FourRegisters dataclass is materialised (a queryset: ``count()`` and its first 50 rows; a list
  or dict: walked whole; a nested dataclass: the same, field by field);
  baseline: one statement of five ``count(*)``: the league's 两新 organisations registered on DAY, their census
  returns up to DAY, their coverages and dispatches open on DAY, the developments at the reserve stages in the
  league's 两新 branches.
- **the meeting compliance of a county**: ``meetings.selectors.compliance(user, area=county, year=2026,
  today=2026-12-01)``, materialised the same way; baseline: ``count(*)`` of the meetings of the county's
  organisations held in 2026.

Each selector is timed for two callers: a superuser (sees everything) and an ``organisation_staff`` account held
on the county (or the league). A caller's scope is read once per request in the app (``scope_of`` keeps it on
the user object); here it is dropped before every timed call, so each timed read includes that one statement,
as a page would. Runs are interleaved round-robin (one of each read per round, ``--runs`` rounds after
``--warmup`` rounds), so every read sees the same load. The SQL statements of each read are counted on a call
apart (CaptureQueriesContext), not on the timed ones. A selector that does not exist yet is reported as "not
available yet" and the rest still runs. Finally EXPLAIN (ANALYZE, BUFFERS) of the county count (the baseline, and
the selector's own count statement when it exists), with the indexes it uses.
"""

import argparse
import dataclasses
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import _with_db, server_facts  # noqa: E402

PAGE = 50
YEAR = 2026
TODAY = date(2026, 12, 1)
# What the members app should add (see bench/README.md): the memberships of an organisation by start, with the
# end carried in the index, so that "who belonged on day D" is an index-only scan.
TRY_INDEX = "(organisation_id, started_on) INCLUDE (ended_on)"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def materialise(obj, depth: int = 0):
    """Touch everything a page would show: a queryset's count and first page, lists and dicts whole, dataclasses
    field by field. Returns a small summary (row counts) so that nothing is optimised away."""
    from django.db.models import QuerySet

    if depth > 6:
        return None
    if isinstance(obj, QuerySet):
        return (obj.count(), len(list(obj[:PAGE])))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: materialise(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {k: materialise(v, depth + 1) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [materialise(v, depth + 1) for v in obj]
    if hasattr(obj, "__iter__") and not isinstance(obj, str | bytes):
        return [materialise(v, depth + 1) for v in obj]
    return obj if isinstance(obj, int | float | str | date | type(None)) else type(obj).__name__


def summary(result, width: int = 110) -> str:
    text = repr(result)
    return text if len(text) <= width else text[:width] + "…"


def contract(module: str, name: str):
    """The selector, or the reason it cannot be called yet."""
    import importlib

    try:
        return importlib.import_module(module).__dict__[name], None
    except ImportError as e:
        return None, f"module {module} not importable ({e})"
    except KeyError:
        return None, f"{module}.{name} not available yet"


def accounts(county, league) -> dict:
    """The bench's callers, made once (the generated database is kept and reused)."""
    from grassroots.access.models import RoleAssignment, User

    superuser, _ = User.objects.get_or_create(username="bench_party_super",
                                              defaults={"is_superuser": True, "is_staff": True})
    made = {"superuser": superuser}
    for key, area in (("county staff", county), ("league staff", league)):
        user, _ = User.objects.get_or_create(username=f"bench_party_staff_{area.code}")
        RoleAssignment.objects.get_or_create(user=user, role="organisation_staff", area=area, organisation=None)
        made[key] = user
    return made


def fresh(user):
    """The caller as a new request sees it: no scope cached on the object."""
    if hasattr(user, "_grassroots_scope"):
        del user._grassroots_scope
    return user


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="grassroots_bench_party", help="the database gen_party.py made")
    parser.add_argument("--county", default="150426000000", help="county code (default 翁牛特旗)")
    parser.add_argument("--league", default="150400000000", help="league code (default 赤峰市)")
    parser.add_argument("--other-county", default="150402000000",
                        help="a second county, where each selector's statements are counted again (default 红山区)")
    parser.add_argument("--other-league", default="150200000000", help="a second league, likewise (default 包头市)")
    parser.add_argument("--day", default="2026-06-30", help="the 'as of' day")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--try-index", action="store_true",
                        help="also time the county's members with the proposed covering index (rolled back)")
    args = parser.parse_args(argv)
    day = date.fromisoformat(args.day)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench_party needs DATABASE_URL=postgres://… (the figures must come from PostgreSQL)")
    os.environ["DATABASE_URL"] = _with_db(url, args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from grassroots.areas.models import Area

    county = Area.objects.get(code=args.county)
    league = Area.objects.get(code=args.league)
    other_county = Area.objects.get(code=args.other_county)
    other_league = Area.objects.get(code=args.other_league)
    users = accounts(county, league)
    facts = server_facts(connection.connection)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM members_member")
        members = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM members_membership")
        memberships = cur.fetchone()[0]
    print(f"database {args.db}: {members:,} members, {memberships:,} memberships; PostgreSQL {facts['server']} "
          f"shared_buffers={facts['shared_buffers']}; {os.cpu_count()} cores (shared with the server)")
    print(f"county {county.name} ({county.code}), league {league.name} ({league.code}), as of {day}; "
          f"{args.runs} runs after {args.warmup} warm-up rounds, interleaved")

    county_like, league_like = county.path + "%", league.path + "%"
    sql_members = ("SELECT count(*) FROM members_membership m JOIN party_organisation o ON o.id = m.organisation_id "
                   "WHERE o.area_path LIKE %s AND m.started_on <= %s AND (m.ended_on IS NULL OR m.ended_on > %s)")
    sql_four = """
        SELECT (SELECT count(*) FROM neworgs_neworganisation n
                 WHERE n.path LIKE %(p)s AND n.registered_on <= %(d)s AND (n.closed_on IS NULL OR n.closed_on > %(d)s)),
               (SELECT count(*) FROM neworgs_censusreturn r JOIN neworgs_neworganisation n ON n.id = r.new_organisation_id
                 WHERE n.path LIKE %(p)s AND r.counted_on <= %(d)s),
               (SELECT count(*) FROM neworgs_coverage c JOIN neworgs_neworganisation n ON n.id = c.new_organisation_id
                 WHERE n.path LIKE %(p)s AND c.started_on <= %(d)s AND (c.ended_on IS NULL OR c.ended_on > %(d)s)),
               (SELECT count(*) FROM neworgs_dispatch x JOIN neworgs_neworganisation n ON n.id = x.new_organisation_id
                 WHERE n.path LIKE %(p)s AND x.started_on <= %(d)s AND (x.ended_on IS NULL OR x.ended_on > %(d)s)),
               (SELECT count(*) FROM development_development v JOIN party_organisation o ON o.id = v.organisation_id
                 WHERE o.area_path LIKE %(p)s AND o.host IN ('enterprise', 'social')
                   AND v.stage IN ('activist', 'candidate'))"""
    sql_meetings = ("SELECT count(*) FROM meetings_meeting m JOIN party_organisation o ON o.id = m.organisation_id "
                    "WHERE o.area_path LIKE %s AND m.held_on >= %s AND m.held_on <= %s")

    def baseline(sql, params):
        def run():
            with connection.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchone()
        return run

    register_on, why_register = contract("grassroots.members.selectors", "register_on")
    four_registers, why_four = contract("grassroots.neworgs.selectors", "four_registers")
    compliance, why_compliance = contract("grassroots.meetings.selectors", "compliance")

    def members_read(user, area=county):
        def run():
            qs = register_on(fresh(user), day=day, area=area)
            return (qs.count(), len(list(qs[:PAGE])))
        return run

    def four_read(user, area=league):
        return lambda: materialise(four_registers(fresh(user), area=area, day=day))

    def compliance_read(user, area=county):
        return lambda: materialise(compliance(fresh(user), area=area, year=YEAR, today=TODAY))

    # (group, label, callable or None, reason when None)
    reads = []
    groups = [
        ("members of a county as of a day", register_on, why_register, members_read, "county staff",
         baseline(sql_members, [county_like, day, day]), other_county),
        ("four registers of a league", four_registers, why_four, four_read, "league staff",
         baseline(sql_four, {"p": league_like, "d": day}), other_league),
        ("meeting compliance of a county", compliance, why_compliance, compliance_read, "county staff",
         baseline(sql_meetings, [county_like, date(YEAR, 1, 1), date(YEAR, 12, 31)]), other_county),
    ]
    elsewhere = {}  # (group, label) -> the same read for the superuser on the other area, for its statement count
    for group, selector, why, make, staff, base, other in groups:
        reads.append((group, "plain SELECT count(*)", base, None))
        for who in ("superuser", staff):
            reads.append((group, f"selector, {who}", make(users[who]) if selector else None, why))
        if selector:
            elsewhere[(group, "selector, superuser")] = (other, make(users["superuser"], other))

    # What each read returns and how many statements it runs (on a call apart from the timed ones).
    queries, results, errors = {}, {}, {}
    for group, label, fn, _why in reads:
        if fn is None:
            continue
        try:
            with CaptureQueriesContext(connection) as ctx:
                results[(group, label)] = fn()
            queries[(group, label)] = len(ctx.captured_queries)
        except Exception as e:  # a contract that exists but fails must not hide the other figures
            errors[(group, label)] = f"{type(e).__name__}: {e}"
    queries_elsewhere = {}
    for key, (other, fn) in elsewhere.items():
        if key in errors:
            continue
        with CaptureQueriesContext(connection) as ctx:
            fn()
        queries_elsewhere[key] = f"{len(ctx.captured_queries)} in {other.name}"
    timed = [(g, label, fn) for g, label, fn, _ in reads if fn is not None and (g, label) not in errors]
    samples = {(g, label): [] for g, label, _ in timed}
    for round_number in range(args.warmup + args.runs):
        for g, label, fn in timed:
            t0 = time.perf_counter()
            fn()
            if round_number >= args.warmup:
                samples[(g, label)].append((time.perf_counter() - t0) * 1000)

    print()
    print(f"{'read':58} {'p50 ms':>8} {'p99 ms':>8} {'× count(*)':>10} {'SQL':>5}  result")
    current = None
    for group, label, fn, why in reads:
        if group != current:
            print(group)
            current = group
        key = (group, label)
        if fn is None:
            print(f"  {label:56} {why}")
            continue
        if key in errors:
            print(f"  {label:56} failed: {errors[key]}")
            continue
        values = samples[key]
        base = percentile(samples[(group, "plain SELECT count(*)")], 50)
        p50 = percentile(values, 50)
        ratio = "" if label.startswith("plain") else f"{p50 / base:,.1f}"
        print(f"  {label:56} {p50:8.1f} {percentile(values, 99):8.1f} {ratio:>10} {queries[key]:5}  "
              f"{summary(results[key], 60)}")
        if key in queries_elsewhere:
            print(f"    the same read's SQL statements elsewhere: {queries_elsewhere[key]}")

    def explain_members(note: str) -> None:
        print()
        print(f"EXPLAIN (ANALYZE, BUFFERS){note}: the county's memberships covering the day, plain count(*)")
        explain(connection, sql_members, [county_like, day, day])
        if register_on is not None and (groups[0][0], "selector, county staff") not in errors:
            qs = register_on(fresh(users["county staff"]), day=day, area=county)
            with CaptureQueriesContext(connection) as ctx:
                qs.count()
            count_sql = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
            if count_sql:
                print()
                print(f"EXPLAIN (ANALYZE, BUFFERS){note}: register_on(...).count() for the county's organisation staff")
                print("  " + count_sql[-1][:600])
                explain(connection, count_sql[-1], None)

    explain_members("")
    if args.try_index:
        # The index proposed for the members app, made inside a transaction that is rolled back: the figures it
        # would give, measured in the same run, without changing the database.
        from django.db import transaction

        with transaction.atomic():
            t0 = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(f"CREATE INDEX bench_membership_org_span_idx ON members_membership {TRY_INDEX}")
            print()
            print(f"with CREATE INDEX … ON members_membership {TRY_INDEX} (built in "
                  f"{time.perf_counter() - t0:.1f} s, rolled back after):")
            tried = [(g, label, fn) for g, label, fn in timed if g == groups[0][0]]
            again = {(g, label): [] for g, label, _ in tried}
            for round_number in range(args.warmup + args.runs):
                for g, label, fn in tried:
                    t0 = time.perf_counter()
                    fn()
                    if round_number >= args.warmup:
                        again[(g, label)].append((time.perf_counter() - t0) * 1000)
            base = percentile(again[(groups[0][0], "plain SELECT count(*)")], 50)
            for (g, label), values in again.items():
                p50 = percentile(values, 50)
                before = percentile(samples[(g, label)], 50)
                ratio = "" if label.startswith("plain") else f"{p50 / base:,.1f}"
                print(f"  {label:56} {p50:8.1f} {percentile(values, 99):8.1f} {ratio:>10}  "
                      f"(without the index: p50 {before:.1f} ms)")
            explain_members(" with that index")
            transaction.set_rollback(True)


def explain(connection, sql: str, params) -> None:
    import re

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [r[0] for r in cur.fetchall()]
    for row in plan:
        print("  " + row)
    used = sorted(set(re.findall(r"(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?(?:using|on) (\w+)",
                                 "\n".join(plan))))
    seq = sorted(set(re.findall(r"Seq Scan on (\w+)", "\n".join(plan))))
    print(f"  → indexes used: {', '.join(used) or 'none'}; sequential scans: {', '.join(seq) or 'none'}")


if __name__ == "__main__":
    main()
