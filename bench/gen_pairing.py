"""A county's pairing records for bench_pairing.py: 翁牛特旗 with 60,000 households, 20,000 pairs (mostly cadre ↔
household, some unit ↔ village) and two years of visits (~500,000) with the problems they collected.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/gen_pairing.py --db grassroots_pairbench

PostgreSQL only. What it writes (ids assigned here, rows written with COPY in text format into the tables as the
migrations make them: every index, check and foreign key in place, one transaction):

1. Drops and creates the database (``--db``), migrates it, loads the county's part of the area tree (the region,
   the league, the county, its townships and villages: ``areas.services.load_divisions`` on
   ``rules.divisions.read_divisions()``) and the default tags (``ensure_default_tags``).
2. Grids: 3–6 per village (COPY into areas_area, code = village code + 3 digits, path = village path + code + "/").
3. ``--households`` (60,000) households spread over the grids, one head each (areas_person; no id number), 20 %
   of them with one or two priority tags (低保, 脱贫户, 独居老人, 残疾: rules/pairing.PRIORITY_TAGS).
4. Cadres (accounts with no role, ``--per-cadre`` 5 households each, in one township) and units (``--units``
   150, of the county, each paired with 10 villages of one township); pairs: ``--pairs`` (20,000) in all, of which
   the unit ↔ village pairs (units × 10) and the rest cadre ↔ household; households with a priority tag are
   paired first (80 % of them). Started: 70 % on 2024-12-01, the rest on one of five later hand-out days; 5 %
   ended between 60 days after their start and the data's today.
5. Visits from 2024-12-01 to the data's today (2026-11-25): each pair has a diligence drawn once (half visit
   97 % of their periods, three in ten 85 %, one in five 60 %); a monthly pair visits once in a visited month
   (twice four times in ten), a unit three times a quarter; the day is uniform over the period up to today.
   3 % of visits collect a problem (a demand of channel 包联干部走访 with the minimum columns and a Problem row);
   problems older than 60 days are 75 % solved (resolved / feedback / closed with ``resolved_at`` 3–40 days
   after the visit). 8 % of visits record a help (a job found, funds raised with an amount, …).
6. VACUUM ANALYZE, row counts, and two accounts for the bench (county staff on the county, township staff on the
   largest township).

It prints the time of each phase and the row counts.
"""

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import fresh_database, server_facts  # noqa: E402
from gen_party import GIVEN, SURNAMES, Writer, line  # noqa: E402

COUNTY = "150426000000"  # 翁牛特旗
START = date(2024, 12, 1)
TODAY = date(2026, 11, 25)  # the data's "today": no visit after it
NOW = "2026-11-25 18:00:00+08"
HAND_OUTS = [date(2025, 3, 1), date(2025, 6, 15), date(2025, 9, 1), date(2026, 1, 1), date(2026, 4, 10)]
PRIORITY = ["subsistence", "poverty_alleviated", "elderly_alone", "disabled"]
HELP_KINDS = ["job"] * 3 + ["funds"] * 2 + ["policy"] * 4 + ["errand"] * 3 + ["other"]
PROBLEMS = ["饮水管道冻裂需要维修", "想申请养殖贴息贷款", "孩子上学需要资助", "村道坑洼雨天难走", "想找县城的工作",
            "草场补贴没有到账", "老人慢性病需要签约医生上门", "牛羊防疫需要兽医"]
TABLES = ["areas_area", "areas_household", "areas_person", "areas_person_tags", "access_user", "demands_unit",
          "pairing_pair", "pairing_visit", "pairing_help", "demands_demand", "pairing_problem"]


def ts(day: date, hour: int = 10) -> str:
    return f"{day.isoformat()} {hour:02d}:00:00+08"


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def periods(started: date, ended: date | None, months: int):
    """(first day, last day) of each period of ``months`` months from the first one holding ``started``, cut to
    [started, min(ended - 1, TODAY)]."""
    last = min(TODAY, (ended - timedelta(days=1)) if ended else TODAY)
    first = month_start(started)
    while (first.month - 1) % months:
        first = month_start(first - timedelta(days=1))
    while first <= last:
        end = first
        for _ in range(months):
            end = next_month(end)
        end -= timedelta(days=1)
        yield max(first, started), min(end, last)
        first = end + timedelta(days=1)


def build_areas(conn, rng: random.Random) -> tuple[list, dict, list]:
    """Grids of every village of the county: (grids as (id, path, village id, township code), townships → villages,
    the rows to COPY)."""
    villages = conn.execute("SELECT id, code, name, path, parent_id FROM areas_area WHERE level = 'village' "
                            "AND path LIKE %s ORDER BY code", [f"%{COUNTY}/%"]).fetchall()
    townships = dict(conn.execute("SELECT id, code FROM areas_area WHERE level = 'township'").fetchall())
    next_id = conn.execute("SELECT max(id) FROM areas_area").fetchone()[0] + 1
    grids, rows, by_township = [], [], defaultdict(list)
    for vid, code, name, path, parent in villages:
        by_township[townships[parent]].append((vid, path, name))
        for n in range(1, rng.randint(3, 6) + 1):
            gcode = f"{code}{n:03d}"
            rows.append(line(next_id, gcode, f"第{n}网格", "grid", vid, f"{path}{gcode}/"))
            grids.append((next_id, f"{path}{gcode}/", vid, townships[parent]))
            next_id += 1
    return grids, by_township, rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=60_000)
    parser.add_argument("--pairs", type=int, default=20_000)
    parser.add_argument("--units", type=int, default=150)
    parser.add_argument("--per-cadre", type=int, default=5)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--db", default="grassroots_pairbench", help="name of the database to (re)create")
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

    from grassroots.areas.services import ensure_default_tags, load_divisions
    from grassroots.audit.context import Actor
    from grassroots.rules.divisions import read_divisions

    call_command("migrate", verbosity=0)
    facts = server_facts(connection.connection)
    print(f"database {args.db} on PostgreSQL {facts['server']}; fsync={facts['fsync']} "
          f"shared_buffers={facts['shared_buffers']}; {os.cpu_count()} cores (shared with the server)", flush=True)
    phases = {"drop, create, migrate": time.perf_counter() - t_start}

    t0 = time.perf_counter()
    everything = read_divisions()
    keep = {"150000000000", "150400000000"}
    load_divisions(actor=Actor.system("gen_pairing"),
                   divisions=[d for d in everything if d.code in keep or d.code.startswith(COUNTY[:6])])
    ensure_default_tags(actor=Actor.system("gen_pairing"))
    connection.close()
    phases["areas (load_divisions) and tags"] = time.perf_counter() - t0

    rng = random.Random(args.seed)
    t_gen = time.perf_counter()
    with psycopg.connect(bench_url) as conn:
        w = Writer(conn)
        county_id, county_path = conn.execute("SELECT id, path FROM areas_area WHERE code = %s", [COUNTY]).fetchone()
        tags = dict(conn.execute("SELECT code, id FROM areas_tag").fetchall())
        t0 = time.perf_counter()
        grids, villages_by_township, grid_rows = build_areas(conn, rng)
        w.copy("areas_area", "id, code, name, level, parent_id, path", grid_rows)

        # Households and their heads; priority tags on 20 %.
        households = []  # (id, path, grid id, township code, priority)
        hh_rows, person_rows, tag_rows = [], [], []
        for hid in range(1, args.households + 1):
            gid, path, vid, township = grids[rng.randrange(len(grids))]
            priority = rng.random() < 0.2
            households.append((hid, path, gid, township, priority))
            hh_rows.append(line(hid, gid, vid, path, f"H{hid:06d}", f"{hid % 40 + 1}组{hid % 97 + 1}号", "t", NOW,
                                NOW))
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            person_rows.append(line(hid, hid, path, name, "x", "x", rng.choice("MF"), "head", "汉族", "", None, "", "",
                                    "", "f", "t", NOW, NOW))
            if priority:
                for code in rng.sample(PRIORITY, 1 if rng.random() < 0.8 else 2):
                    tag_rows.append(line(hid, tags[code]))
        w.copy("areas_household", "id, grid_id, village_id, path, number, address, is_active, created_at, updated_at",
               hh_rows)
        w.copy("areas_person", "id, household_id, path, name, name_pinyin, name_initials, gender, relation, ethnicity, "
               "id_number_sealed, id_number_digest, id_number_masked, mobile, party_status, is_mobile_member, "
               "is_active, created_at, updated_at", person_rows)
        w.copy("areas_person_tags", "person_id, tag_id", tag_rows)
        phases["grids, households, heads, tags"] = time.perf_counter() - t0

        # Units, cadres, pairs.
        t0 = time.perf_counter()
        townships = sorted(villages_by_township)
        unit_rows, unit_pairs = [], []
        for uid in range(1, args.units + 1):
            unit_rows.append(line(uid, f"unit{uid:04d}", f"包联单位{uid:03d}", "department", county_id, county_path,
                                  "t", NOW))
            villages = villages_by_township[townships[uid % len(townships)]]
            for vid, vpath, _name in rng.sample(villages, min(10, len(villages))):
                unit_pairs.append((uid, vid, vpath))
        w.copy("demands_unit", "id, code, name, kind, area_id, path, is_active, created_at", unit_rows)
        n_household_pairs = args.pairs - len(unit_pairs)
        by_township = defaultdict(list)
        for h in households:
            by_township[h[3]].append(h)
        chosen = []
        share = n_household_pairs / len(households)
        for township in townships:
            homes = by_township[township]
            tagged = [h for h in homes if h[4]]
            plain = [h for h in homes if not h[4]]
            want = round(len(homes) * share)
            first = rng.sample(tagged, min(len(tagged), round(len(tagged) * 0.8), want))
            chosen.extend(first + rng.sample(plain, min(len(plain), want - len(first))))
        chosen = chosen[:n_household_pairs]
        chosen.sort(key=lambda h: (h[3], h[1]))  # a cadre's households in one township, near each other
        user_rows, pairs = [], []  # pair: (id, kind, user, unit, household, area, path, started, ended)
        first_user = 1000
        cadres = 0
        for i, (hid, path, _gid, _township, _priority) in enumerate(chosen):
            if i % args.per_cadre == 0:
                cadres += 1
                uid = first_user + cadres
                user_rows.append(line(uid, "!", None, "f", f"cadre{cadres:05d}", "", "", "", "f", "t", NOW, None,
                                      rng.choice(SURNAMES) + rng.choice(GIVEN), None))
            pairs.append(["cadre_household", first_user + cadres, None, hid, None, path])
        for uid, vid, vpath in unit_pairs:
            pairs.append(["unit_area", None, uid, None, vid, vpath])
        pair_rows = []
        for pid, (kind, user, unit, hid, aid, path) in enumerate(pairs, start=1):
            started = START if rng.random() < 0.7 else rng.choice(HAND_OUTS)
            ended = None
            if rng.random() < 0.05:
                span = (TODAY - started).days - 60
                if span > 1:
                    ended = started + timedelta(days=60 + rng.randrange(span))
            pairs[pid - 1] = (pid, kind, path, started, ended)
            visitor = f"u{user}" if user else f"n{unit}"
            target = f"h{hid}" if hid else f"a{aid}"
            pair_rows.append(line(pid, kind, user, None, unit, hid, aid, None, None, visitor, target, path,
                                  started, ended, "调整" if ended else "", "", None, None, NOW))
        w.copy("access_user", "id, password, last_login, is_superuser, username, first_name, last_name, email, "
               "is_staff, is_active, date_joined, mobile, display_name, person_id", user_rows)
        w.copy("pairing_pair", "id, kind, visitor_user_id, visitor_member_id, visitor_unit_id, household_id, area_id, "
               "member_id, enterprise_id, visitor_key, target_key, path, started_on, ended_on, end_reason, purpose, "
               "organisation_id, set_up_by_id, created_at", pair_rows)
        phases["units, cadres, pairs"] = time.perf_counter() - t0

        # Visits, helps, problems (demands).
        t0 = time.perf_counter()
        grid_of_path = {g[1]: g[0] for g in grids}
        village_of_path = {vpath: vid for vs in villages_by_township.values() for vid, vpath, _ in vs}
        township_of_path = {}
        township_ids = dict(conn.execute("SELECT code, id FROM areas_area WHERE level = 'township'").fetchall())
        for g in grids:
            township_of_path[g[1]] = township_ids[g[3]]
        for township, vs in villages_by_township.items():
            for _vid, vpath, _ in vs:
                township_of_path[vpath] = township_ids[township]
        visit_rows, help_rows, demand_rows, problem_rows = [], [], [], []
        vid_next, did_next = 1, 1
        for pid, kind, path, started, ended in pairs:
            diligence = rng.choice([0.97] * 5 + [0.85] * 3 + [0.6] * 2)
            months = 1 if kind == "cadre_household" else 3
            for first, last in periods(started, ended, months):
                if rng.random() >= diligence:
                    continue
                times = 3 if months == 3 else (2 if rng.random() < 0.4 else 1)
                for _ in range(times):
                    day = first + timedelta(days=rng.randrange((last - first).days + 1))
                    kind_of_visit = ("gathering" if months == 3 else
                                     rng.choice(["home"] * 16 + ["phone"] * 3 + ["video"]))
                    visit_rows.append(line(vid_next, pid, kind_of_visit, ts(day), day, path, "", None, None, "",
                                           None, ts(day, 20)))
                    roll = rng.random()
                    if roll < 0.08:
                        help_kind = rng.choice(HELP_KINDS)
                        help_rows.append(line(vid_next, help_kind, "帮扶", rng.randint(200, 5000) if help_kind == "funds"
                                              else None))
                    if roll > 0.97:
                        status, resolved = "in_progress", None
                        if (TODAY - day).days > 60 and rng.random() < 0.75:
                            status = rng.choice(["resolved", "feedback", "feedback", "closed"])
                            resolved = min(TODAY, day + timedelta(days=rng.randint(3, 40)))
                        area_id = grid_of_path.get(path) or village_of_path[path]
                        demand_rows.append(line(
                            did_next, "demand", None, "f", 1, rng.choice(PROBLEMS), area_id, path,
                            township_of_path[path], county_id, "", "", "", "pairing_cadre", f"P{did_next:08d}",
                            status, ts(resolved) if resolved else None, "办结" if resolved else "", 0, 0, ts(day, 20),
                            ts(resolved or day, 20)))
                        problem_rows.append(line(did_next, vid_next, did_next, path, day))
                        did_next += 1
                    vid_next += 1
        phases["visits, helps, problems made in Python"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        w.copy("pairing_visit", "id, pair_id, kind, visited_at, visited_on, path, address, latitude, longitude, notes, "
               "recorded_by_id, created_at", visit_rows)
        w.copy("pairing_help", "visit_id, kind, detail, amount", help_rows)
        w.copy("demands_demand", "id, kind, category_id, urgent, priority, text, area_id, path, township_id, "
               "county_id, address, contact_name, contact_phone, channel, tracking_code, status, resolved_at, "
               "resolution, escalation_level, reopen_count, created_at, updated_at", demand_rows)
        w.copy("pairing_problem", "id, visit_id, demand_id, path, visited_on", problem_rows)
        phases["visits, helps, problems written"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.commit()
        for table in ("areas_area", "areas_household", "areas_person", "access_user", "demands_unit", "pairing_pair",
                      "pairing_visit", "demands_demand", "pairing_problem", "pairing_help"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        phases["commit"] = time.perf_counter() - t0
        generated = time.perf_counter() - t_gen
        t0 = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        phases["VACUUM ANALYZE"] = time.perf_counter() - t0
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]

    total = time.perf_counter() - t_start
    print()
    print(f"{'phase':52} {'seconds':>8}")
    for name, seconds in phases.items():
        print(f"{name:52} {seconds:8.1f}")
    print(f"{'generation (grids … commit)':52} {generated:8.1f}")
    print(f"{'end to end':52} {total:8.1f}")
    print()
    print(f"{'table':30} {'rows':>12} {'COPY s':>8}")
    for t in TABLES:
        print(f"{t:30} {counts[t]:12,} {w.seconds.get(t, 0):8.1f}")
    print(f"cadres: {cadres:,}; database size {size}")


if __name__ == "__main__":
    main()
