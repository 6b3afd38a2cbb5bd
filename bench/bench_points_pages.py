"""A grid board, a household page and a village ranking for a 60,000-household county: p50/p99 ms and queries per page.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/bench_points_pages.py --households 60000

1. Drops and creates a fresh database (default ``grassroots_bench_points_pages``) and migrates it.
2. Set-up, not in any figure, with ``bench_settlement.build`` (SQL, ``generate_series``): one county,
   townships of 15 villages, villages of 40–360 households (mean 200) with 1–4 grids each, so that grids
   and villages range from small to large; a head of household per household; per village a catalogue of
   four rules and a policy (threshold ``--threshold``); ``--entries-per-household`` score entries per
   household spread over 2026 up to today. Then through the services: the settlements of Q1–Q3 2026
   computed (``compute_settlements``) and published village by village (``publish_settlement``: credit
   entries); one posted notice per grid this week (SQL), so that the board shows a notice and its QR code.
   The score entries go in by SQL, past ``append_entries``: their household-month roll-up
   (``ledger.HouseholdMonth``, which the board and the ranking read) is recounted once after the load
   (``ledger.services.rebuild_household_months``); the settlements' credit is added by the services as they
   write. ``--reuse`` migrates first, so a database filled by older code gets the roll-up by its migration's
   backfill; the last line says whether the roll-up's sums equal the ledger's.
3. Through ``django.test.Client`` signed in as a county staff account (``force_login``; DEBUG off):
      - ``points-household``       /points/households/<pk>/ (the household with the most and the fewest entries)
      - ``points-grid-board``      /points/grids/<pk>/board/ (the smallest and the largest grid)
      - ``points-village-ranking`` /points/villages/<pk>/ranking/?year=2026 (the smallest and largest village)
      - baseline: the log-in page, anonymous (``login``), in the same run.
   Requests are interleaved round-robin (one of each page per round, ``--requests`` rounds) so that every
   page sees the same load; each page's SQL queries are counted on a request apart (CaptureQueriesContext),
   not on the timed ones. If a page's URL name does not resolve, the selectors under it are timed instead
   (grid_board; annual_summary; balance + score_by_month + household_entries).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import fresh_database, server_facts  # noqa: E402
from bench_settlement import YEAR, build, rss_mb  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def settle_quarters(today) -> dict:
    """Q1..(last finished quarter) of YEAR: computed by the job, published by each village."""
    from grassroots.audit.context import Actor
    from grassroots.settlement import services as settlement_services
    from grassroots.settlement.models import Settlement, SettlementStatus

    actor = Actor.system("bench")
    done = {"quarters": 0, "published": 0}
    for quarter in range(1, 5):
        end_month = quarter * 3
        after = datetime(YEAR + (end_month == 12), end_month % 12 + 1, 2, 2, 0, tzinfo=UTC)
        if after.date() > today:
            break
        settlement_services.compute_settlements(actor=actor, year=YEAR, quarter=quarter, now=after)
        for draft in Settlement.objects.filter(year=YEAR, quarter=quarter, status=SettlementStatus.DRAFT) \
                .select_related("village").order_by("village_id"):
            settlement_services.publish_settlement(actor=actor, settlement=draft, now=after)
            done["published"] += 1
        done["quarters"] += 1
    return done


def post_notices(now) -> int:
    """One posted notice per grid, opened this week (what the board lists and links its QR code to)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("""
            INSERT INTO points_notice (village_id, grid_id, path, token, opened_at, closes_at, status, posted_at,
                chain_seq, chain_hash)
            SELECT g.parent_id, g.id, g.path, 'bench' || g.id, %s::timestamptz - interval '4 days',
                   %s::timestamptz - interval '1 day', 'posted', %s::timestamptz - interval '1 day', h.seq, h.hash
            FROM areas_area g JOIN points_ledgerhead h ON h.village_id = g.parent_id
            WHERE g.level = 'grid'""", [now, now, now])
        return cur.rowcount


def rebuild_rollup() -> int | None:
    """The household-month roll-up (ledger.HouseholdMonth) recounted for every village, after ``build`` wrote the
    entries in SQL; None on code without it (main before the roll-up)."""
    try:
        from grassroots.ledger.services import rebuild_household_months
    except ImportError:
        return None
    from grassroots.areas.models import Area, Level
    from grassroots.audit.context import Actor

    return rebuild_household_months(actor=Actor.system("bench"),
                                    village_ids=list(Area.objects.filter(level=Level.VILLAGE).values_list("pk", flat=True)))


def rollup_check() -> str:
    """One line: the roll-up's rows and whether its sums are the ledger's (the full check is verify-ledger)."""
    from django.db import connection

    with connection.cursor() as cur:
        if "ledger_householdmonth" not in connection.introspection.table_names(cur):
            return "no household-month roll-up (code before it)"
        cur.execute("SELECT count(*), coalesce(sum(score), 0), coalesce(sum(credit), 0) FROM ledger_householdmonth")
        rows, score, credit = cur.fetchone()
        cur.execute("SELECT coalesce(sum(CASE WHEN account = 'score' THEN points END), 0), "
                    "coalesce(sum(CASE WHEN account = 'credit' THEN points END), 0) FROM points_ledgerentry")
        ledger = cur.fetchone()
    same = "equal to" if (score, credit) == tuple(ledger) else "DIFFERENT FROM"
    return f"household-month roll-up: {rows:,} rows, score {score:,} and credit {credit:,} {same} the ledger's"


def pick_cases(today):
    """The smallest and largest grid and village (by households), the households with most and fewest entries."""
    from django.db.models import Count

    from grassroots.areas.models import Area, Household, Level
    from grassroots.ledger.models import LedgerEntry
    from grassroots.settlement.models import Settlement, SettlementLine, SettlementStatus

    grids = list(Area.objects.filter(level=Level.GRID).annotate(n=Count("households")).filter(n__gt=0)
                 .order_by("n", "id"))
    villages = list(Area.objects.filter(level=Level.VILLAGE).annotate(n=Count("village_households"))
                    .filter(n__gt=0).order_by("n", "id"))
    # Both with a line in the latest published settlement: a household without one takes one query more
    # (its quarter's score, for the reason it may not redeem), whatever it shows.
    latest = Settlement.objects.filter(status=SettlementStatus.PUBLISHED).order_by("-year", "-quarter").first()
    with_line = SettlementLine.objects.filter(settlement__year=latest.year, settlement__quarter=latest.quarter,
                                              settlement__status=SettlementStatus.PUBLISHED).values("household_id")
    per_household = list(LedgerEntry.objects.filter(household_id__in=with_line).values("household_id")
                         .annotate(n=Count("id")).order_by("n", "household_id").values_list("household_id", "n"))
    few, many = per_household[0], per_household[-1]
    households = {h.pk: h for h in Household.objects.filter(pk__in=[few[0], many[0]])}
    return {
        "grid": [(grids[0], grids[0].n), (grids[-1], grids[-1].n)],
        "village": [(villages[0], villages[0].n), (villages[-1], villages[-1].n)],
        "household": [(households[few[0]], few[1]), (households[many[0]], many[1])],
    }


def page_cases(cases) -> list[tuple[str, str, str, int, str]]:
    """(label, url name, url, rows, size word) for each page; url is None when the name does not resolve."""
    from django.urls import NoReverseMatch, reverse

    def url(name, *args, query=""):
        try:
            return reverse(name, args=args) + query
        except NoReverseMatch:
            return None

    out = []
    for (household, n), size in zip(cases["household"], ("fewest", "most"), strict=True):
        out.append((f"household page ({size} entries)", "points-household", url("points-household", household.pk),
                    n, "entries"))
    for (grid, n), size in zip(cases["grid"], ("smallest", "largest"), strict=True):
        out.append((f"grid board ({size} grid)", "points-grid-board", url("points-grid-board", grid.pk), n,
                    "households"))
    for (village, n), size in zip(cases["village"], ("smallest", "largest"), strict=True):
        out.append((f"village ranking ({size} village)", "points-village-ranking",
                    url("points-village-ranking", village.pk, query=f"?year={YEAR}"), n, "households"))
    return out


def selector_call(label: str, cases, today):
    """What a page would run, when the page itself is not there yet."""
    from grassroots.boards import selectors as boards_selectors
    from grassroots.ledger import selectors as ledger_selectors
    from grassroots.settlement import selectors as settlement_selectors

    if label.startswith("household"):
        household = cases["household"][0 if "fewest" in label else 1][0]

        def call(user):
            ledger_selectors.balance(household)
            ledger_selectors.score_by_month(household.pk, YEAR)
            list(ledger_selectors.household_entries(user, household))
        return call
    if label.startswith("grid"):
        grid = cases["grid"][0 if "smallest" in label else 1][0]
        return lambda user: boards_selectors.grid_board(grid, today)
    village = cases["village"][0 if "smallest" in label else 1][0]
    return lambda user: settlement_selectors.annual_summary(village, YEAR)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=60_000)
    parser.add_argument("--entries-per-household", type=int, default=10, help="score entries per household in 2026")
    parser.add_argument("--threshold", type=int, default=25, help="every village's quarterly threshold")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default="grassroots_bench_points_pages", help="name of the database to (re)create")
    parser.add_argument("--reuse", action="store_true", help="measure the database a previous run filled")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if args.reuse:
        from bench_generate import _with_db

        os.environ["DATABASE_URL"] = _with_db(url, args.db)
    else:
        os.environ["DATABASE_URL"] = fresh_database(url, args.db)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from grassroots.access.models import User
    from grassroots.access.services import create_account
    from grassroots.areas.models import Area, Level
    from grassroots.audit.context import Actor
    from grassroots.ledger.models import LedgerEntry
    from grassroots.settlement.models import SettlementLine

    started = time.perf_counter()
    today = timezone.localdate()
    if args.reuse:  # a database filled by an earlier run, maybe of older code: its migrations (and backfills)
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"set-up: migrated ({time.perf_counter() - t0:.0f} s)", flush=True)
    else:
        call_command("migrate", verbosity=0)
        t0 = time.perf_counter()
        data = build(households=args.households, entries_per_household=args.entries_per_household,
                     village_spread=0.8, fold=True, villages_per_township=15, threshold=args.threshold, people=True,
                     last_day=min(today, datetime(YEAR, 12, 31).date()), seed=args.seed, log=lambda s: None)
        print(f"set-up: {data['villages']:,} villages in {data['townships']} townships, {data['households']:,} "
              f"households with their heads, {data['entries']:,} score entries ({time.perf_counter() - t0:.0f} s)",
              flush=True)
        rebuilt = rebuild_rollup()  # the entries went in by SQL, past append_entries: recount their months
        if rebuilt is not None:
            print(f"set-up: {rebuilt:,} household months recounted ({time.perf_counter() - t0:.0f} s)", flush=True)
        t0 = time.perf_counter()
        settled = settle_quarters(today)
        notices = post_notices(timezone.now())
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        print(f"set-up: {settled['quarters']} quarters settled, {settled['published']:,} settlements published, "
              f"{notices:,} notices ({time.perf_counter() - t0:.0f} s)", flush=True)
    connection.ensure_connection()
    facts = server_facts(connection.connection)
    county = Area.objects.get(level=Level.COUNTY)
    user = User.objects.filter(username="bench-county").first() or create_account(
        actor=Actor.system("bench"), username="bench-county", password="Qz7#mKv2-Lp9w!rT",
        roles=[("county_staff", county)])
    cases = pick_cases(today)
    pages = page_cases(cases)
    try:
        login_url = reverse("login")
    except NoReverseMatch:
        login_url = "/login/"

    storages = {**settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    results: dict[str, dict] = {}
    with override_settings(STORAGES=storages, DEBUG=False):
        anonymous = Client()
        client = Client()
        client.force_login(user)
        runners = [("baseline: log-in page (anonymous)", "login", login_url, 0, "", anonymous)]
        runners += [(label, name, page_url, n, word, client) for label, name, page_url, n, word in pages]
        for label, name, page_url, n, word, who in runners:
            entry = {"name": name, "url": page_url, "rows": n, "word": word, "times": []}
            if page_url is None:  # not built yet: the selectors it would call
                call = selector_call(label, cases, today)
                for _ in range(3):
                    call(user)
                with CaptureQueriesContext(connection) as ctx:
                    call(user)
                entry.update(call=call, queries=len(ctx.captured_queries), bytes=0)
            else:
                for _ in range(3):  # warm the connection, the templates and the caches
                    response = who.get(page_url)
                    assert response.status_code == 200, (page_url, response.status_code)
                with CaptureQueriesContext(connection) as ctx:
                    response = who.get(page_url)
                entry.update(queries=len(ctx.captured_queries), bytes=len(response.content))
            results[label] = entry
        rss_before = rss_mb()
        for _ in range(args.requests):
            for label, _, _, _, _, who in runners:
                entry = results[label]
                t0 = time.perf_counter()
                if entry["url"] is None:
                    entry["call"](user)
                else:
                    response = who.get(entry["url"])
                    if response.status_code != 200:
                        sys.exit(f"{entry['url']}: {response.status_code}")
                entry["times"].append((time.perf_counter() - t0) * 1000)

    # ---------------------------------------------------------------- the table
    entries = LedgerEntry.objects.count()
    lines = SettlementLine.objects.count()
    print()
    print(f"{args.households:,} households, {entries:,} ledger entries (score and credit), {lines:,} settlement lines; "
          f"PostgreSQL {facts['server']}, shared_buffers={facts['shared_buffers']}; {args.requests} rounds, "
          f"pages interleaved; load average {os.getloadavg()[0]:.1f}; RSS {rss_before:.0f} → {rss_mb():.0f} MB")
    header = f"{'page':<40} {'shows':>16} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8} {'KB':>6}"
    print(header)
    print("-" * len(header))
    for label, entry in results.items():
        times = entry["times"]
        shows = f"{entry['rows']:,} {entry['word']}" if entry["word"] else ""
        what = label if entry["url"] is not None else label + " [selectors]"
        print(f"{what:<40} {shows:>16} {statistics.median(times):8.1f} {percentile(times, 99):8.1f} "
              f"{entry['queries']:>8} {entry['bytes'] / 1024:6.0f}")
    print()
    for name in ("points-household", "points-grid-board", "points-village-ranking"):
        counts = [e["queries"] for e in results.values() if e["name"] == name]
        state = "equal" if len(set(counts)) == 1 else "DIFFER"
        built = all(e["url"] is not None for e in results.values() if e["name"] == name)
        print(f"queries per page, {name}: {' / '.join(map(str, counts))} ({state}; "
              f"{'the page' if built else 'URL name missing: selectors only'})")
    print(rollup_check())
    print(f"whole run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
