"""A region's volunteer service for bench_volunteers.py: Inner Mongolia with 26,200 teams, 1.93 million volunteers
and a year of weekly activities with their sign-ups and confirmed hours.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/gen_volunteers.py --db grassroots_volbench

PostgreSQL only. What it writes (ids assigned here, rows written with COPY in text format, one transaction):

1. Drops and creates the database (``--db``), migrates it and loads the whole area tree of Inner Mongolia
   (``areas.services.load_divisions`` on ``rules.divisions.read_divisions()``: 15,938 divisions; no grids).
2. Practice sites: a centre per county, an institute per township, a station per village or community
   (``parent`` the site one level up, as ``services.create_site`` sets it).
3. ``--teams`` (26,200) teams: one per station, six per institute, the rest shared out over the centres.
4. ``--volunteers`` (1,930,000) volunteers shared out over the teams (about 74 each), registered in the team's
   area, each a member of their team (TeamMember); no person, member or account links.
5. A year of activities (``START`` … ``TODAY``): each team about one a week (a week in ten has none, a week in
   ten has two), 1–3 hours, 5–12 places. Sign-ups: 3–8 places taken per activity, the volunteers drawn with a
   skew (a team's keenest volunteers serve most: the top of a leaderboard reaches the star levels). Each sign-up
   is checked in and out (one in twelve by the automatic checkout), or a no-show (one in twenty-five); hours are
   confirmed for every ended activity except those of the last ten days (PENDING: checked out, not confirmed).
   ``Volunteer.confirmed_minutes`` is the sum of the volunteer's confirmed sign-ups, computed as the rows are made
   and checked at the end with one query.

For speed, the secondary indexes and foreign keys of the volunteers_* tables are dropped before the COPY and made
again after it (PostgreSQL builds an index in one sort, and validates a foreign key with one join); what exists at
the end is exactly what the migrations make. Then VACUUM ANALYZE. It prints the time of each phase, the row counts
and the consistency check.
"""

import argparse
import os
import random
import sys
import time
from array import array
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import fresh_database, server_facts  # noqa: E402
from gen_party import GIVEN, SURNAMES, Writer, line  # noqa: E402

TODAY = date(2026, 11, 25)  # the data's "today": activities up to it
START = TODAY - timedelta(days=364)
PENDING_DAYS = 10  # sign-ups of the last ten days are checked out but not confirmed yet
NOW = "2026-11-25 18:00:00+08"
CST = timezone(timedelta(hours=8))
TABLES = ["volunteers_site", "volunteers_team", "volunteers_volunteer", "volunteers_teammember",
          "volunteers_activity", "volunteers_signup"]
SPECIALTIES = ["theory", "policy", "culture", "health", "science", "law", "elderly", "environment", "patrol",
               "education", "other"]
TITLES = {"theory": "理论宣讲进村入户", "policy": "惠民政策宣传", "culture": "文艺演出", "health": "义诊和健康讲座",
          "science": "农牧技术培训", "law": "法律咨询", "elderly": "走访独居老人", "environment": "人居环境整治",
          "patrol": "治安巡逻", "education": "关爱留守儿童", "other": "便民服务"}
HOURS = [8, 9, 9, 14, 15, 19]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+08")


def drop_secondary(conn) -> list[str]:
    """Drop the foreign keys and non-primary indexes of the volunteers_* tables; return the SQL that makes them
    again (indexes first, then the foreign keys)."""
    names = list(TABLES)
    fks = conn.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)", [names]).fetchall()
    indexes = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [names]).fetchall()
    for table, name, _definition in fks:
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        conn.execute(f"DROP INDEX {name}")
    return ([definition for _name, definition in indexes]
            + [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in fks])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teams", type=int, default=26_200)
    parser.add_argument("--volunteers", type=int, default=1_930_000)
    parser.add_argument("--per-institute", type=int, default=6)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--db", default="grassroots_volbench", help="name of the database to (re)create")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    t_start = time.perf_counter()
    bench_url = fresh_database(url, args.db)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    from grassroots.areas.services import load_divisions
    from grassroots.audit.context import Actor
    from grassroots.rules.divisions import read_divisions

    call_command("migrate", verbosity=0)
    facts = server_facts(connection.connection)
    print(f"database {args.db} on PostgreSQL {facts['server']}; fsync={facts['fsync']} "
          f"shared_buffers={facts['shared_buffers']}; {os.cpu_count()} cores (shared with the server)", flush=True)
    phases = {"drop, create, migrate": time.perf_counter() - t_start}
    t0 = time.perf_counter()
    load_divisions(actor=Actor.system("gen_volunteers"), divisions=read_divisions())
    connection.close()
    phases["areas (load_divisions)"] = time.perf_counter() - t0

    rng = random.Random(args.seed)
    t_gen = time.perf_counter()
    with psycopg.connect(bench_url) as conn:
        w = Writer(conn)
        t0 = time.perf_counter()
        remake = drop_secondary(conn)
        conn.commit()  # the sign-ups are written through a second connection, which the DDL's locks would block
        phases["drop indexes and foreign keys"] = time.perf_counter() - t0

        # Sites: centre / institute / station on the tree.
        t0 = time.perf_counter()
        areas = conn.execute("SELECT id, level, name, path, parent_id FROM areas_area "
                             "WHERE level IN ('county', 'township', 'village') ORDER BY path").fetchall()
        site_of_area, site_rows, sites = {}, [], {"county": [], "township": [], "village": []}
        level_of = {"county": ("centre", "新时代文明实践中心"), "township": ("institute", "新时代文明实践所"),
                    "village": ("station", "新时代文明实践站")}
        for sid, (aid, level, name, path, parent_id) in enumerate(areas, start=1):
            site_level, suffix = level_of[level]
            site_of_area[aid] = sid
            parent = site_of_area.get(parent_id)
            site_rows.append(line(sid, site_level, f"{name}{suffix}"[:100], aid, path, parent, "", "", "", "", "t",
                                  NOW))
            sites[level].append((sid, aid, path, name))
        w.copy("volunteers_site", "id, level, name, area_id, path, parent_id, address, opening_hours, offers, phone, "
               "is_active, created_at", site_rows)
        phases["sites"] = time.perf_counter() - t0

        # Teams: one per station, --per-institute per institute, the rest over the centres.
        teams = []  # (site id, area id, path, name, specialty)
        for sid, aid, path, name in sites["village"]:
            teams.append((sid, aid, path, f"{name}志愿服务队", rng.choice(SPECIALTIES)))
        for sid, aid, path, name in sites["township"]:
            for k in range(args.per_institute):
                specialty = SPECIALTIES[k % len(SPECIALTIES)]
                teams.append((sid, aid, path, f"{name}{TITLES[specialty][:4]}服务队", specialty))
        k = 0
        while len(teams) < args.teams:
            sid, aid, path, name = sites["county"][k % len(sites["county"])]
            specialty = SPECIALTIES[k % len(SPECIALTIES)]
            teams.append((sid, aid, path, f"{name}第{k // len(sites['county']) + 1}志愿服务队", specialty))
            k += 1
        teams = teams[:args.teams]

        # Volunteers per team (contiguous ids), their memberships; sign-ups accumulate confirmed minutes.
        t0 = time.perf_counter()
        n_teams = len(teams)
        base, extra = divmod(args.volunteers, n_teams)
        first = [0] * (n_teams + 1)
        first[0] = 1
        for t in range(n_teams):
            first[t + 1] = first[t] + base + (1 if t < extra else 0)
        confirmed = array("l", [0]) * (args.volunteers + 1)
        counts = {"activities": 0, "signups": 0, "pending": 0, "no_show": 0, "auto": 0}

        def activities_and_signups():
            """Yields (table, line) pairs: the activity rows and their sign-up rows, team by team."""
            aid_next = sid_next = 1
            for t, (_site, area_id, path, _name, specialty) in enumerate(teams):
                lo, size = first[t], first[t + 1] - first[t]
                title = TITLES[specialty]
                for week in range(52):
                    roll = rng.random()
                    times = 0 if roll < 0.1 else (2 if roll > 0.9 else 1)
                    for _ in range(times):
                        day = START + timedelta(days=week * 7 + rng.randrange(7))
                        if day > TODAY:
                            continue
                        starts = datetime(day.year, day.month, day.day, rng.choice(HOURS), tzinfo=CST)
                        duration = rng.choice((60, 90, 120, 120, 180))
                        ends = starts + timedelta(minutes=duration)
                        taken = rng.randint(3, 8)
                        slots = taken + rng.randint(0, 4)
                        yield "a", line(aid_next, t + 1, title, "", area_id, path, "活动室", stamp(starts), stamp(ends),
                                        slots, "", 120, "open", "t", None, None, NOW)
                        pending = (TODAY - day).days < PENDING_DAYS
                        chosen = set()
                        while len(chosen) < min(taken, size):
                            chosen.add(lo + int(size * rng.random() ** 2.5))
                        created = stamp(starts - timedelta(days=rng.randint(1, 6)))
                        for vid in chosen:
                            if rng.random() < 0.04:  # a no-show: a place taken, never checked in
                                yield "s", line(sid_next, aid_next, vid, path, day, "signed", None, None, "f", None,
                                                "t", None, None, None, created, None)
                                counts["no_show"] += 1
                            else:
                                late = rng.choice((0, 0, 0, 5, 10, 20))
                                auto = rng.random() < 1 / 12
                                minutes = duration - late if auto else max(0, duration - late - rng.choice((0, 0, 10)))
                                check_in = starts + timedelta(minutes=late)
                                check_out = ends if auto else check_in + timedelta(minutes=minutes)
                                if pending:
                                    value, at = None, None
                                    counts["pending"] += 1
                                else:
                                    value = minutes
                                    at = stamp(ends + timedelta(days=1))
                                    confirmed[vid] += minutes
                                counts["auto"] += auto
                                yield "s", line(sid_next, aid_next, vid, path, day, "signed", stamp(check_in),
                                                stamp(check_out), "t" if auto else "f", minutes, "f", value, None, at,
                                                created, None)
                            sid_next += 1
                        aid_next += 1
            counts["activities"], counts["signups"] = aid_next - 1, sid_next - 1

        # Activities and sign-ups go to two COPYs at once: stream them through two cursors.
        activity_cols = ("id, team_id, title, description, area_id, path, place, starts_at, ends_at, slots, needs, "
                         "auto_checkout_minutes, status, is_public, demand_id, created_by_id, created_at")
        signup_cols = ("id, activity_id, volunteer_id, path, served_on, status, checked_in_at, checked_out_at, "
                       "auto_checkout, minutes, no_show, confirmed_minutes, confirmed_by_id, confirmed_at, created_at, "
                       "cancelled_at")
        t_copy = time.perf_counter()
        with conn.cursor() as ca, ca.copy(f"COPY volunteers_activity ({activity_cols}) FROM STDIN") as pa:
            # COPY is one per connection at a time: activities through this connection, sign-ups through a second
            # one, in the same snapshot-independent way (no foreign keys while loading), committed together below.
            with psycopg.connect(bench_url) as other:
                with other.cursor().copy(f"COPY volunteers_signup ({signup_cols}) FROM STDIN") as ps:
                    block_a, block_s = [], []
                    for kind, text in activities_and_signups():
                        if kind == "a":
                            block_a.append(text)
                            if len(block_a) >= 20_000:
                                pa.write("".join(block_a))
                                block_a = []
                        else:
                            block_s.append(text)
                            if len(block_s) >= 50_000:
                                ps.write("".join(block_s))
                                block_s = []
                    pa.write("".join(block_a))
                    ps.write("".join(block_s))
                other.commit()
        phases["activities and sign-ups (made and COPY)"] = time.perf_counter() - t_copy

        t0 = time.perf_counter()
        team_rows = []
        for t, (site, area_id, path, name, specialty) in enumerate(teams):
            team_rows.append(line(t + 1, name[:100], site, None, area_id, path, specialty, "", first[t], "t", NOW))

        def volunteers():
            for t, (_site, area_id, path, _name, _specialty) in enumerate(teams):
                for vid in range(first[t], first[t + 1]):
                    name = SURNAMES[vid % len(SURNAMES)] + GIVEN[(vid * 7) % len(GIVEN)]
                    yield line(vid, None, None, None, name, "", area_id, path, "[]", "[]", NOW, "2026-12", None,
                               confirmed[vid], "t", NOW)

        def members():
            for t in range(len(teams)):
                for vid in range(first[t], first[t + 1]):
                    yield line(vid, t + 1, vid, START, None)

        w.copy("volunteers_volunteer", "id, person_id, member_id, user_id, name, mobile, area_id, path, skills, "
               "availability, consent_at, consent_version, registered_by_id, confirmed_minutes, is_active, created_at",
               volunteers())
        w.copy("volunteers_team", "id, name, site_id, unit_id, area_id, path, specialty, description, leader_id, "
               "is_active, created_at", team_rows)
        w.copy("volunteers_teammember", "id, team_id, volunteer_id, joined_on, left_on", members())
        phases["teams, volunteers, members"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.commit()
        for table in TABLES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        phases["commit"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '512MB'")
        for sql in remake:
            t1 = time.perf_counter()
            conn.execute(sql)
            conn.commit()
            print(f"  {time.perf_counter() - t1:6.1f} s  {sql[:110]}", flush=True)
        phases["indexes and foreign keys made again"] = time.perf_counter() - t0
        generated = time.perf_counter() - t_gen
        t0 = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        phases["VACUUM ANALYZE"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        mismatched = conn.execute(
            "SELECT count(*) FROM volunteers_volunteer v LEFT JOIN (SELECT volunteer_id, sum(confirmed_minutes) AS s "
            "FROM volunteers_signup WHERE confirmed_minutes > 0 GROUP BY volunteer_id) c ON c.volunteer_id = v.id "
            "WHERE v.confirmed_minutes <> coalesce(c.s, 0)").fetchone()[0]
        phases["consistency check"] = time.perf_counter() - t0
        rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        confirmed_rows = conn.execute("SELECT count(*) FROM volunteers_signup WHERE confirmed_minutes IS NOT NULL"
                                      ).fetchone()[0]

    total = time.perf_counter() - t_start
    print()
    print(f"{'phase':52} {'seconds':>8}")
    for name, seconds in phases.items():
        print(f"{name:52} {seconds:8.1f}")
    print(f"{'generation (sites … indexes)':52} {generated:8.1f}")
    print(f"{'end to end':52} {total:8.1f}")
    print()
    print(f"{'table':30} {'rows':>12}")
    for t in TABLES:
        print(f"{t:30} {rows[t]:12,}")
    print(f"sign-ups confirmed {confirmed_rows:,}, pending (checked out, not confirmed) {counts['pending']:,}, "
          f"no-shows {counts['no_show']:,}, automatic checkouts {counts['auto']:,}; database size {size}")
    print(f"volunteers whose confirmed_minutes differ from the sum of their confirmed sign-ups: {mismatched}")


if __name__ == "__main__":
    main()
