"""Volunteer service on a region's records (gen_volunteers.py): the hours leaderboard and the star levels of a league
and of a county, each beside a plain aggregate over the same rows and the log-in page, measured in the same run; and
the sign-up race (8 clients taking the last places of one activity at once).

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/bench_volunteers.py --db grassroots_volbench

Reads the database gen_volunteers.py made (it writes two bench accounts and their role assignments, once, and the
race's activities and sign-ups, which it removes at the end).

- **reads**, through volunteers.selectors as a page calls them: ``leaderboard(visible_volunteers(user)
  .filter(path__startswith=area.path))`` and ``star_counts(…)`` of the same queryset, for the league with the
  number of volunteers nearest 1/12 of the region (a ``county_staff`` role held on the league's area) and for that
  league's largest county (a ``county_staff`` account). Baseline: ``SELECT count(*), sum(confirmed_minutes)`` of
  the same volunteers (raw SQL), and the log-in page (anonymous ``django.test.Client``, DEBUG off). A caller's
  scope is dropped before every timed call, so each read includes that statement, as a request does. Rounds are
  interleaved (``--runs`` after ``--warmup``); p50/p99 in ms and SQL statements per read.
- **the race**: ``--rounds`` (20) times, a new activity of the county's first team with ``--slots`` (10) places of
  which all but ``--clients - 4`` … are taken beforehand so that the last few are raced for: ``--clients`` (8)
  threads, each with its own connection, call ``services.sign_up`` for a different volunteer at the same moment
  (a barrier). Afterwards: places taken (``signed``) against ``slots`` for every round; ``overbooked`` is the number
  of rounds with more signed than slots (must be 0), and every client got an answer (a place or the waiting list).
"""

import argparse
import os
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import _with_db, server_facts  # noqa: E402
from bench_party import percentile  # noqa: E402


def fresh(user):
    for cached in ("_grassroots_scope", "_grassroots_volunteer"):
        user.__dict__.pop(cached, None)
    return user


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="grassroots_volbench", help="the database gen_volunteers.py made")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=20, help="sign-up races")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--slots", type=int, default=10)
    parser.add_argument("--open", type=int, default=3, help="places left when the race starts")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench_volunteers needs DATABASE_URL=postgres://… (the figures must come from PostgreSQL)")
    os.environ["DATABASE_URL"] = _with_db(url, args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from grassroots.access.models import RoleAssignment, User
    from grassroots.areas.models import Area
    from grassroots.audit.context import Actor
    from grassroots.volunteers import selectors, services
    from grassroots.volunteers.models import Activity, SignUp, Team, Volunteer

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM volunteers_volunteer")
        total = cur.fetchone()[0]
        cur.execute("SELECT a.id, count(*) FROM areas_area a JOIN volunteers_volunteer v ON v.path LIKE a.path || '%%' "
                    "WHERE a.level = 'prefecture' GROUP BY a.id")
        leagues = cur.fetchall()
    league_id, league_n = min(leagues, key=lambda row: abs(row[1] - total / 12))
    league = Area.objects.get(pk=league_id)
    with connection.cursor() as cur:
        cur.execute("SELECT a.id, count(*) FROM areas_area a JOIN volunteers_volunteer v ON v.path LIKE a.path || '%%' "
                    "WHERE a.level = 'county' AND a.parent_id = %s GROUP BY a.id ORDER BY 2 DESC LIMIT 1", [league.pk])
        county_id, county_n = cur.fetchone()
    county = Area.objects.get(pk=county_id)
    users = {}
    for key, area in (("league", league), ("county", county)):
        user, _ = User.objects.get_or_create(username=f"bench_volunteers_{key}_{area.code}")
        RoleAssignment.objects.get_or_create(user=user, role="county_staff", area=area, organisation=None)
        users[key] = user
    facts = server_facts(connection.connection)
    print(f"database {args.db}: {total:,} volunteers, {Team.objects.count():,} teams, "
          f"{Activity.objects.count():,} activities, {SignUp.objects.count():,} sign-ups; PostgreSQL {facts['server']} "
          f"shared_buffers={facts['shared_buffers']}; {os.cpu_count()} cores (shared with the server)")
    print(f"league {league.name}: {league_n:,} volunteers ({league_n / total:.1%} of the region); county {county.name} "
          f"(its largest): {county_n:,}; {args.runs} runs after {args.warmup} warm-up rounds, interleaved")

    def scoped(key, area):
        return selectors.visible_volunteers(fresh(users[key])).filter(path__startswith=area.path)

    def board(key, area):
        def run():
            rows = selectors.leaderboard(scoped(key, area))
            return f"top {rows[0].hours_text} h … {rows[-1].hours_text} h ({len(rows)} rows)"
        return run

    def stars(key, area):
        def run():
            counts = selectors.star_counts(scoped(key, area))
            return f"by stars 0–5: {counts}"
        return run

    def plain(area):
        def run():
            with connection.cursor() as cur:
                cur.execute("SELECT count(*), sum(confirmed_minutes) FROM volunteers_volunteer WHERE path LIKE %s",
                            [area.path + "%"])
                n, minutes = cur.fetchone()
            return f"{n:,} volunteers, {minutes / 60:,.0f} h"
        return run

    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    anonymous = Client()

    def login():
        response = anonymous.get("/login/")
        assert response.status_code == 200, response.status_code
        return f"HTTP {response.status_code}, {len(response.content):,} bytes"

    groups = [
        (f"league {league.name}", [("plain count(*), sum(minutes)", plain(league)),
                                   ("leaderboard (selector)", board("league", league)),
                                   ("star levels (selector)", stars("league", league))]),
        (f"county {county.name}", [("plain count(*), sum(minutes)", plain(county)),
                                   ("leaderboard (selector)", board("county", county)),
                                   ("star levels (selector)", stars("county", county))]),
        ("baseline", [("log-in page (anonymous)", login)]),
    ]
    queries, results = {}, {}
    samples = {(g, label): [] for g, reads in groups for label, _ in reads}
    with override_settings(STORAGES=storages, DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        for group, reads in groups:
            for label, fn in reads:
                with CaptureQueriesContext(connection) as ctx:
                    results[(group, label)] = fn()
                queries[(group, label)] = len(ctx.captured_queries)
        for round_number in range(args.warmup + args.runs):
            for group, reads in groups:
                for label, fn in reads:
                    t0 = time.perf_counter()
                    fn()
                    if round_number >= args.warmup:
                        samples[(group, label)].append((time.perf_counter() - t0) * 1000)

    print()
    print(f"{'read':40} {'p50 ms':>8} {'p99 ms':>8} {'× plain':>8} {'SQL':>4}  result")
    for group, reads in groups:
        print(group)
        base = percentile(samples[(group, reads[0][0])], 50)
        for label, _fn in reads:
            values = samples[(group, label)]
            p50 = percentile(values, 50)
            ratio = "" if label.startswith(("plain", "log-in")) else f"{p50 / base:,.1f}"
            print(f"  {label:38} {p50:8.1f} {percentile(values, 99):8.1f} {ratio:>8} {queries[(group, label)]:4}  "
                  f"{results[(group, label)]}")

    # The sign-up race.
    actor = Actor.system("bench_volunteers")
    team = Team.objects.filter(path__startswith=county.path).order_by("pk").first()
    crew = list(Volunteer.objects.filter(team_memberships__team=team).order_by("pk")
                [:args.slots - args.open + args.clients])
    prefill, racers = crew[:args.slots - args.open], crew[args.slots - args.open:]
    now = timezone.now()
    made = []
    overbooked, answered, places_won, waiting = 0, 0, 0, 0
    race_ms = []
    t_race = time.perf_counter()
    for n in range(args.rounds):
        starts = now + timedelta(days=30, hours=n)
        activity = services.create_activity(actor=actor, team=team, title=f"压测报名 {n + 1}", place="活动室",
                                            starts_at=starts, ends_at=starts + timedelta(hours=2), slots=args.slots)
        made.append(activity.pk)
        for volunteer in prefill:
            services.sign_up(actor=actor, activity=activity, volunteer=volunteer)
        barrier = threading.Barrier(len(racers))
        answers, errors = [], []

        def client(volunteer, activity=activity, barrier=barrier, answers=answers, errors=errors):
            try:
                barrier.wait()
                answers.append(services.sign_up(actor=actor, activity=activity, volunteer=volunteer).status)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=client, args=(v,)) for v in racers]
        t0 = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        race_ms.append((time.perf_counter() - t0) * 1000)
        signed = SignUp.objects.filter(activity_id=activity.pk, status=SignUp.Status.SIGNED).count()
        overbooked += signed > args.slots
        answered += len(answers)
        places_won += sum(1 for a in answers if a == SignUp.Status.SIGNED)
        waiting += sum(1 for a in answers if a == SignUp.Status.WAITING)
        if errors or signed != args.slots:
            print(f"  round {n + 1}: signed {signed} of {args.slots}; errors {errors}")
    race_s = time.perf_counter() - t_race
    print()
    print(f"sign-up race: {args.rounds} rounds, {len(racers)} clients (threads, own connections) for the last "
          f"{args.open} of {args.slots} places; {answered} of {args.rounds * len(racers)} answered "
          f"({places_won} places, {waiting} waiting list); overbooked = {overbooked}; one race p50 "
          f"{percentile(race_ms, 50):.0f} ms, p99 {percentile(race_ms, 99):.0f} ms; {race_s:.1f} s in all")
    # The race's rows go again (a sign-up is PROTECTed: its audit entries stay, as the audit is append-only).
    SignUp.objects.filter(activity_id__in=made).delete()
    Activity.objects.filter(pk__in=made).delete()


if __name__ == "__main__":
    main()
