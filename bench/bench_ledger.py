"""How fast do closed notices become hash-chained ledger entries, next to a plain bulk INSERT of the same rows?

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/bench_ledger.py --villages 1000 --per-village 1000

1. Drops and creates a fresh database (default ``grassroots_bench_ledger``), migrates it, and makes the
   people with ``generate_population`` (one grid per village, in as many counties as the villages need).
2. Set-up, timed apart and not part of any figure: one catalogue per village (rule A01, +10), then for
   each village ``--per-village`` claims already approved at the last stage, on closed notices of
   ``--lines-per-notice`` standing lines — claims, notices and lines written with COPY. No review
   decisions are written: posting does not read them.
3. The figure, interleaved in groups of villages so that both sides see the same load and table sizes:
   a. chained: ``claims_services.post_notice`` for every notice of the group (the function the scheduled job
      ``post_due_notices`` calls per notice): lock, checks, lines, ``append_entries`` (head lock, hash
      chain, ``bulk_create``), claims → posted, notice head, audit record; one transaction per notice;
   b. the rows just posted are read back (not timed);
   c. plain: the same rows, chain columns included but not computed, built as model instances and
      written with ``bulk_create(batch_size=1000)``, one transaction per village, into
      ``bench_ledgerentry`` (LIKE points_ledgerentry INCLUDING ALL, plus the same foreign keys).
   Interleaved too, on ``--proposed-villages`` more villages: the PROPOSED faster posting
   (``proposed_post_village`` below: every due notice of a village in one transaction), not in services.py.
   On the first ``--extra-villages`` villages two more plain variants: ``bulk_create`` with one transaction
   per notice-sized batch, and psycopg ``executemany`` (no RETURNING) with one transaction per village.
4. ``selectors.first_broken_entry`` over every village (what ``grassroots verify-ledger`` runs), timed.
5. Where the time goes: hashing and object building measured apart, the SQL of a sample of notices
   (statements and their server time as seen by the client), and cProfile of extra villages posted apart.

The figures only mean something against the limit measured in the same run (PERFORMANCE.md).
"""

import argparse
import cProfile
import io
import math
import os
import pstats
import random
import secrets
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import fresh_database, server_facts  # noqa: E402

ENTRY_FIELDS = ("village_id", "seq", "path", "household_id", "person_id", "account", "kind", "points",
                "rule_version_id", "claim_id", "notice_id", "reverses_id", "reason", "occurred_on", "posted_at",
                "idempotency_key", "prev_hash", "hash")


# ------------------------------------------------------------------------------------------- set-up


def counties_for(n_villages: int, margin: float = 1.3) -> list[str]:
    """Counties in code order until they hold ``margin`` × n_villages villages."""
    from grassroots.rules.divisions import read_divisions

    divisions = read_divisions()
    parent = {d.code: d.parent_code for d in divisions}
    per_county: Counter = Counter()
    for d in divisions:
        if d.level == "village":
            per_county[parent[d.parent_code]] += 1
    chosen, total = [], 0
    for code in sorted(per_county):
        chosen.append(code)
        total += per_county[code]
        if total >= n_villages * margin:
            break
    return chosen


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> int:
    def cell(v):
        if v is None:
            return r"\N"
        return str(v)

    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        buf = []
        for row in rows:
            buf.append("\t".join(cell(v) for v in row))
            n += 1
            if len(buf) >= 20_000:
                cp.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            cp.write("\n".join(buf) + "\n")
    return n


def setup_points(*, villages: list[int], per_village: int, lines_per_notice: int, now, seed: int) -> dict:
    """Catalogues, approved claims and closed notices with standing lines; COPY for the big tables."""
    from django.db import connection, transaction

    from grassroots.access.models import User
    from grassroots.areas.models import Area, Person
    from grassroots.catalogue.models import Rule, RuleSet, RuleVersion

    t0 = time.perf_counter()
    recorder = User.objects.create_user(username="bench_recorder", password=None, display_name="网格员（基准）")
    areas = {a.pk: a for a in Area.objects.filter(pk__in=villages)}
    with transaction.atomic():
        sets = RuleSet.objects.bulk_create([RuleSet(area=areas[v], path=areas[v].path, name="积分细则")
                                            for v in villages])
        rules = Rule.objects.bulk_create([Rule(rule_set=s, code="A01") for s in sets])
        versions = RuleVersion.objects.bulk_create([
            RuleVersion(rule=r, version=1, title="人居环境整治义务劳动", kind="incentive",
                        categories=["party_member", "resident", "grid_worker"], points=10,
                        effective_from=now.date() - timedelta(days=365)) for r in rules])
    version_of = {s.area_id: v.pk for s, v in zip(sets, versions, strict=True)}
    people: dict[int, list[tuple]] = defaultdict(list)
    for pid, hid, path, gid, vid in (Person.objects.filter(household__village_id__in=villages, is_active=True)
                                     .values_list("id", "household_id", "path", "household__grid_id",
                                                  "household__village_id").order_by("id")):
        people[vid].append((pid, hid, path, gid))
    catalogue_seconds = time.perf_counter() - t0

    rng = random.Random(seed)
    stamp = now.isoformat()
    opened, closes = (now - timedelta(days=6)).isoformat(), (now - timedelta(days=1)).isoformat()
    claim_cols = ("id", "village_id", "grid_id", "path", "household_id", "person_id", "rule_version_id", "quantity",
                  "points", "deed_date", "note", "photo", "recorder_id", "batch", "status", "stage", "resubmits_id",
                  "created_at", "updated_at")
    notice_cols = ("id", "village_id", "grid_id", "path", "token", "opened_at", "closes_at", "status", "posted_at",
                   "chain_seq", "chain_hash")
    line_cols = ("id", "notice_id", "claim_id", "status")
    claim_id = notice_id = 0
    notices_of: dict[int, list[int]] = {}
    t0 = time.perf_counter()
    group = 100
    with connection.cursor() as cursor:
        for i in range(0, len(villages), group):
            claims, notices, lines = [], [], []
            for v in villages[i:i + group]:
                pool = people[v]
                notices_of[v] = []
                batch = secrets.token_hex(8)
                for k in range(per_village):
                    pid, hid, path, gid = pool[k % len(pool)]
                    if k % lines_per_notice == 0:
                        notice_id += 1
                        notices_of[v].append(notice_id)
                        grid_path = path  # one grid per village: the person's path is the grid's
                        notices.append((notice_id, v, gid, grid_path, secrets.token_urlsafe(9), opened, closes,
                                        "open", None, None, ""))
                    claim_id += 1
                    deed = (now.date() - timedelta(days=7 + rng.randrange(60))).isoformat()
                    claims.append((claim_id, v, gid, path, hid, pid, version_of[v], 1, 10, deed, "", "", recorder.pk,
                                   batch, "on_notice", 2, None, stamp, stamp))
                    lines.append((claim_id, notice_id, claim_id, "standing"))
            with transaction.atomic():
                _copy(cursor, "points_claim", claim_cols, claims)
                _copy(cursor, "points_notice", notice_cols, notices)
                _copy(cursor, "points_noticeline", line_cols, lines)
        for table in ("points_claim", "points_notice", "points_noticeline"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    copy_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("points_claim", "points_notice", "points_noticeline"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {"claims": claim_id, "notices": notice_id, "notices_of": notices_of, "recorder": recorder,
            "catalogue_seconds": catalogue_seconds, "copy_seconds": copy_seconds,
            "vacuum_seconds": time.perf_counter() - t0}


def plain_tables(names: list[str]) -> None:
    """bench_* tables LIKE points_ledgerentry INCLUDING ALL (indexes, checks, identity) + the same foreign keys."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = 'points_ledgerentry'::regclass AND contype = 'f'")
        fks = cursor.fetchall()
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {name} CASCADE")
            cursor.execute(f"CREATE TABLE {name} (LIKE points_ledgerentry INCLUDING ALL)")
            for con, definition in fks:
                definition = definition.replace("REFERENCES points_ledgerentry(", f"REFERENCES {name}(")
                cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_{con[-30:]} {definition}")


def plain_model(table: str):
    """An unmanaged model with LedgerEntry's fields on ``table``: the same bulk_create as append_entries."""
    from django.db import models

    from grassroots.ledger.models import LedgerEntry

    attrs = {"__module__": __name__,
             "Meta": type("Meta", (), {"app_label": "points", "db_table": table, "managed": False})}
    for field in LedgerEntry._meta.local_fields:
        if field.primary_key:
            continue
        name, _, args, kwargs = field.deconstruct()
        if field.is_relation:
            kwargs["related_name"] = "+"
        attrs[name] = type(field)(*args, **kwargs)
    return type("Bench" + table.title().replace("_", ""), (models.Model,), attrs)


# ------------------------------------------------------------------------------------------- proposed


INSERT_ENTRY = (f"INSERT INTO points_ledgerentry ({', '.join(ENTRY_FIELDS)}) "
                f"VALUES ({', '.join(['%s'] * len(ENTRY_FIELDS))})")


def proposed_post_village(*, actor, village_id: int, notice_ids: list[int], now) -> list[int]:
    """PROPOSED, not in services.py: post the due notices of one village in one transaction.

    The same rows, chain, claim statuses, notice heads and audit records as ``post_notice`` called per
    notice, with one head lock, one query for the lines (values, not model instances), the chain computed
    from tuples, one pipelined ``executemany`` for the entries (no RETURNING: nobody reads the ids) and for
    the notice heads, one UPDATE of the claims, one commit.
    """
    from django.db import connection, transaction

    from grassroots.audit.services import record
    from grassroots.claims.models import (
        Claim,
        ClaimStatus,
        LineStatus,
        Notice,
        NoticeLine,
        NoticeStatus,
        Objection,
        ObjectionStatus,
    )
    from grassroots.ledger.models import Account, EntryKind, LedgerHead, entry_content
    from grassroots.rules.points import GENESIS, ChainLink

    with transaction.atomic():
        notices = list(Notice.objects.select_for_update().filter(
            pk__in=notice_ids, village_id=village_id, status=NoticeStatus.OPEN, closes_at__lte=now)
            .order_by("pk").values_list("pk", "path"))
        held = set(Objection.objects.filter(line__notice_id__in=[n for n, _ in notices], status=ObjectionStatus.OPEN)
                   .values_list("line__notice_id", flat=True))
        notices = [(n, p) for n, p in notices if n not in held]
        if not notices:
            return []
        lines = defaultdict(list)
        for notice_id, *rest in (NoticeLine.objects.filter(notice_id__in=[n for n, _ in notices],
                                                           status=LineStatus.STANDING)
                                 .order_by("notice_id", "id")
                                 .values_list("notice_id", "claim_id", "claim__path", "claim__household_id",
                                              "claim__person_id", "claim__points", "claim__rule_version_id",
                                              "claim__deed_date")):
            lines[notice_id].append(rest)
        head = LedgerHead.objects.select_for_update().filter(village_id=village_id).first()
        if head is None:
            LedgerHead.objects.bulk_create([LedgerHead(village_id=village_id, seq=0, hash=GENESIS)],
                                           ignore_conflicts=True)
            head = LedgerHead.objects.select_for_update().get(village_id=village_id)
        seq, prev = head.seq, head.hash
        rows, heads, claim_ids = [], [], []
        for notice_id, _ in notices:
            for claim_id, path, household_id, person_id, points, rule_version_id, deed in lines[notice_id]:
                seq += 1
                kind = EntryKind.AWARD.value if points > 0 else EntryKind.DEDUCTION.value
                key = f"claim:{claim_id}"
                content = entry_content(village=village_id, household=household_id, person=person_id,
                                        account=Account.SCORE.value, kind=kind, points=points,
                                        rule_version=rule_version_id, claim=claim_id, notice=notice_id, reverses=None,
                                        reason="", occurred_on=deed, key=key)
                digest = ChainLink(seq, prev, content).digest()
                rows.append((village_id, seq, path, household_id, person_id, Account.SCORE.value, kind, points,
                             rule_version_id, claim_id, notice_id, None, "", deed, now, key, prev, digest))
                prev = digest
                claim_ids.append(claim_id)
            heads.append((NoticeStatus.POSTED.value, now, seq, prev, notice_id))
        with connection.cursor() as cursor:
            if rows:
                cursor.executemany(INSERT_ENTRY, rows)
            cursor.executemany("UPDATE points_notice SET status = %s, posted_at = %s, chain_seq = %s, "
                               "chain_hash = %s WHERE id = %s", heads)
        Claim.objects.filter(pk__in=claim_ids).update(status=ClaimStatus.POSTED, updated_at=now)
        LedgerHead.objects.filter(pk=head.pk).update(seq=seq, hash=prev)
        for (notice_id, path), (_, _, chain_seq, chain_hash, _) in zip(notices, heads, strict=True):
            record(actor=actor, action="points.notice.post", object_type="points.notice", object_id=str(notice_id),
                   area_path=path, data={"entries": len(lines[notice_id]), "chain_seq": chain_seq,
                                         "chain_hash": chain_hash})
    return [n for n, _ in notices]


# ------------------------------------------------------------------------------------------- the run


def read_back(village_ids: list[int]) -> dict[int, list[tuple]]:
    from grassroots.ledger.models import LedgerEntry

    rows: dict[int, list[tuple]] = defaultdict(list)
    for row in (LedgerEntry.objects.filter(village_id__in=village_ids).order_by("village_id", "seq")
                .values_list(*ENTRY_FIELDS).iterator(chunk_size=10_000)):
        rows[row[0]].append(row)
    return rows


def plain_bulk_create(model, rows: list[tuple], per_transaction: int) -> float:
    from django.db import transaction

    t0 = time.perf_counter()
    for i in range(0, len(rows), per_transaction):
        with transaction.atomic():
            model.objects.bulk_create([model(**dict(zip(ENTRY_FIELDS, r, strict=True)))
                                       for r in rows[i:i + per_transaction]], batch_size=1000)
    return time.perf_counter() - t0


def plain_executemany(table: str, rows: list[tuple]) -> float:
    from django.db import connection, transaction

    sql = f"INSERT INTO {table} ({', '.join(ENTRY_FIELDS)}) VALUES ({', '.join(['%s'] * len(ENTRY_FIELDS))})"
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return time.perf_counter() - t0


def sql_sample(notice_ids: list[int], now) -> list[tuple[str, int, float]]:
    """Post ``notice_ids`` capturing each statement's round-trip time, grouped by statement kind."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from grassroots.audit.context import Actor
    from grassroots.claims import services as claims_services
    from grassroots.claims.models import Notice

    actor = Actor.system("bench_ledger")
    with CaptureQueriesContext(connection) as captured:
        for pk in notice_ids:
            claims_services.post_notice(actor=actor, notice=Notice(pk=pk), now=now)
    kinds: dict[str, list[float]] = defaultdict(list)
    for q in captured.captured_queries:
        sql = q["sql"]
        words = sql.split()
        head = " ".join(words[:3]) if words else ""
        if sql.startswith("SELECT"):
            table = next((w for w in words[words.index("FROM") + 1:][:1]), "?") if "FROM" in words else "?"
            head = f"SELECT {table}" + (" FOR UPDATE" if "FOR UPDATE" in sql else "")
        elif sql.startswith("UPDATE") or sql.startswith("INSERT INTO"):
            head = " ".join(words[:3] if sql.startswith("INSERT") else words[:2])
        kinds[head].append(float(q["time"]))
    return sorted(((k, len(v), sum(v)) for k, v in kinds.items()), key=lambda t: -t[2])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--villages", type=int, default=1000)
    parser.add_argument("--per-village", type=int, default=1000, help="entries per village")
    parser.add_argument("--lines-per-notice", type=int, default=100,
                        help="standing lines per notice (a grid's weekly batch); one transaction each")
    parser.add_argument("--group", type=int, default=25, help="villages per interleaved group")
    parser.add_argument("--extra-villages", type=int, default=100,
                        help="villages on which the two extra plain variants also run")
    parser.add_argument("--proposed-villages", type=int, default=100,
                        help="more villages, posted with the proposed post_village_notices, interleaved")
    parser.add_argument("--profile-villages", type=int, default=5,
                        help="more villages, posted apart under cProfile and for the SQL sample")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default="grassroots_bench_ledger", help="name of the database to (re)create")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    bench_url = fresh_database(url, args.db)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from grassroots.areas.generate import generate_population
    from grassroots.areas.models import Person
    from grassroots.audit.context import Actor
    from grassroots.claims import services as claims_services
    from grassroots.claims.models import Notice
    from grassroots.ledger.models import chain_content
    from grassroots.ledger.selectors import first_broken_entry
    from grassroots.rules.points import GENESIS, chain

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    facts = server_facts(connection.connection)
    print(f"database {args.db} on PostgreSQL {facts['server']}; fsync={facts['fsync']} "
          f"synchronous_commit={facts['synchronous_commit']} shared_buffers={facts['shared_buffers']} "
          f"max_wal_size={facts['max_wal_size']}; {os.cpu_count()} cores (shared with the server); "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)

    wanted = args.villages + args.proposed_villages + args.profile_villages
    counties = counties_for(wanted)
    t0 = time.perf_counter()
    population = generate_population(actor=Actor.system("bench_ledger"), households=wanted * 12, county_codes=counties,
                                     grids_per_village=1, seed=args.seed)
    population_seconds = time.perf_counter() - t0
    with_people = list(Person.objects.filter(household__isnull=False).order_by("household__village_id")
                       .values_list("household__village_id", flat=True).distinct())
    if len(with_people) < wanted:
        sys.exit(f"only {len(with_people)} villages have people; need {wanted}")
    villages = with_people[:args.villages]
    proposed_villages = with_people[args.villages:args.villages + args.proposed_villages]
    profile_villages = with_people[args.villages + args.proposed_villages:wanted]
    print(f"population: {population['households']:,} households, {population['persons']:,} people in "
          f"{len(counties)} counties ({population_seconds:.0f} s)", flush=True)

    now = timezone.now()
    setup = setup_points(villages=villages + proposed_villages + profile_villages, per_village=args.per_village,
                         lines_per_notice=args.lines_per_notice, now=now, seed=args.seed)
    print(f"set-up (not in the figures): {setup['claims']:,} approved claims on {setup['notices']:,} closed notices: "
          f"catalogues {setup['catalogue_seconds']:.1f} s, COPY claims+notices+lines {setup['copy_seconds']:.1f} s "
          f"({setup['claims'] / setup['copy_seconds']:,.0f} claims/s with their lines), "
          f"VACUUM ANALYZE {setup['vacuum_seconds']:.1f} s", flush=True)

    plain_tables(["bench_ledgerentry", "bench_ledgerentry_txn", "bench_ledgerentry_em"])
    plain = plain_model("bench_ledgerentry")
    plain_txn = plain_model("bench_ledgerentry_txn")
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")

    actor = Actor.system("bench_ledger")
    seconds = defaultdict(float)
    counts: Counter = Counter()
    hash_seconds = build_seconds = 0.0
    extra = set(villages[:args.extra_villages])
    n_groups = math.ceil(len(villages) / args.group)
    last = time.perf_counter()
    for i in range(0, len(villages), args.group):
        group = villages[i:i + args.group]
        g = i // args.group
        share = proposed_villages[g * len(proposed_villages) // n_groups:(g + 1) * len(proposed_villages) // n_groups]
        t0 = time.perf_counter()
        for v in share:
            # The landed job's path: every due notice of a village, 50 to a transaction.
            ids = setup["notices_of"][v]
            for j in range(0, len(ids), 50):
                claims_services.post_village_notices(actor=actor, village_id=v, notice_ids=ids[j:j + 50], now=now)
        seconds["proposed"] += time.perf_counter() - t0
        counts["proposed"] += len(share) * args.per_village
        notice_ids = [pk for v in group for pk in setup["notices_of"][v]]
        t0 = time.perf_counter()
        for pk in notice_ids:
            claims_services.post_notice(actor=actor, notice=Notice(pk=pk), now=now)
        seconds["chained"] += time.perf_counter() - t0
        rows = read_back(group)
        counts["chained"] += sum(len(r) for r in rows.values())
        t0 = time.perf_counter()
        for v in group:
            plain_bulk_create(plain, rows[v], per_transaction=args.per_village)
        seconds["plain"] += time.perf_counter() - t0
        counts["plain"] += sum(len(r) for r in rows.values())
        for v in group:
            if v not in extra:
                continue
            seconds["plain_txn"] += plain_bulk_create(plain_txn, rows[v], per_transaction=args.lines_per_notice)
            seconds["plain_em"] += plain_executemany("bench_ledgerentry_em", rows[v])
            counts["extra"] += len(rows[v])
        # What the chain and the objects cost in Python, measured apart on the same rows (not in any figure).
        sample = rows[group[0]]
        from grassroots.ledger.models import LedgerEntry

        t0 = time.perf_counter()
        objs = [LedgerEntry(**dict(zip(ENTRY_FIELDS, r, strict=True))) for r in sample]
        build_seconds += time.perf_counter() - t0
        t0 = time.perf_counter()
        links = chain(GENESIS, 1, [chain_content(o) for o in objs])
        hash_seconds += time.perf_counter() - t0
        assert links[-1][2] == sample[-1][-1], "the chain recomputed apart differs from the ledger"
        counts["apart"] += len(sample)
        if time.perf_counter() - last > 30 or i + args.group >= len(villages):
            last = time.perf_counter()
            print(f"  … {i + len(group):,} / {len(villages):,} villages: chained {counts['chained'] / seconds['chained']:,.0f}"
                  f" entries/s, plain {counts['plain'] / seconds['plain']:,.0f} rows/s "
                  f"(load average {os.getloadavg()[0]:.1f})", flush=True)

    # verify-ledger: every village's chain recomputed from the start
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    t0 = time.perf_counter()
    broken = sum(1 for v in villages if first_broken_entry(v) is not None)
    verify_seconds = time.perf_counter() - t0
    broken_proposed = sum(1 for v in proposed_villages if first_broken_entry(v) is not None)

    # Where the time goes: the SQL of a sample of notices, and cProfile of the rest, on villages apart.
    profile_notices = [pk for v in profile_villages for pk in setup["notices_of"][v]]
    sql = sql_sample(profile_notices[:20], now) if profile_notices else []
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    for pk in profile_notices[20:]:
        claims_services.post_notice(actor=actor, notice=Notice(pk=pk), now=now)
    profiler.disable()
    profiled_seconds = time.perf_counter() - t0
    due = claims_services.post_due_notices(actor=actor, now=now)

    # ---------------------------------------------------------------- the table
    entries = counts["chained"]
    chained_rate = entries / seconds["chained"]
    plain_rate = counts["plain"] / seconds["plain"]
    width = 72
    print()
    print(f"N = {entries:,} entries over {len(villages):,} villages ({args.per_village:,} each), notices of "
          f"{args.lines_per_notice} lines ({entries // args.lines_per_notice:,} notices, one transaction each); "
          f"load average at the end {os.getloadavg()[0]:.1f}")
    print()
    print(f"{'':{width}} {'rows':>10} {'seconds':>9} {'rows/s':>9} {'vs plain':>9}")

    def line(label, n, s, ref=None):
        rate = n / s if s else 0
        print(f"{label:{width}} {n:>10,} {s:9.1f} {rate:9,.0f} {rate / ref if ref else 1:9.2f}")

    line("one by one: claims_services.post_notice per notice", entries, seconds["chained"], plain_rate)
    line("plain: bulk_create(batch_size=1000), 1 transaction per village", counts["plain"], seconds["plain"])
    if counts["proposed"]:
        line(f"the job: claims_services.post_village_notices, 50 notices a transaction ({len(proposed_villages)} more villages)",
             counts["proposed"], seconds["proposed"], plain_rate)
    if counts["extra"]:
        n = counts["extra"]
        print(f"on the first {len(extra):,} villages only ({n:,} rows):")
        line(f"  plain: bulk_create, 1 transaction per {args.lines_per_notice} rows (notice-sized)", n,
             seconds["plain_txn"], plain_rate)
        line("  plain: psycopg executemany (no RETURNING), 1 transaction per village", n, seconds["plain_em"],
             plain_rate)
    print()
    if counts["proposed"]:
        job_rate = counts["proposed"] / seconds["proposed"]
        verdict = "meets" if job_rate >= plain_rate / 2 else "MISSES"
        print(f"ratio job (post_due_notices' path) / plain = {job_rate / plain_rate:.2f} (target ≥ 0.50: {verdict} it)")
    print(f"ratio one-by-one post_notice / plain = {chained_rate / plain_rate:.2f}")
    print(f"verify (first_broken_entry over {len(villages):,} villages): {entries:,} entries in {verify_seconds:.1f} s "
          f"= {entries / verify_seconds:,.0f} entries/s; broken chains: {broken} "
          f"(and {broken_proposed} among the {len(proposed_villages)} villages posted by the proposed function)")
    print(f"apart, in Python: building LedgerEntry objects {build_seconds / counts['apart'] * 1e6:.1f} µs/entry, "
          f"chain_content + sha256 chain {hash_seconds / counts['apart'] * 1e6:.1f} µs/entry "
          f"(the chained path spends {seconds['chained'] / entries * 1e6:.1f} µs/entry in all)")
    if sql:
        n_notices = min(20, len(profile_notices))
        n_entries = n_notices * args.lines_per_notice
        total = sum(t for _, _, t in sql)
        print()
        print(f"SQL of {n_notices} notices ({n_entries:,} entries), round trips as the client sees them, COMMIT included "
              f"(total {total * 1000:.0f} ms = {total / n_entries * 1e6:.0f} µs/entry):")
        for kind, n, t in sql:
            print(f"  {kind[:60]:60} {n:5} × {t / n * 1000:7.2f} ms = {t * 1000:8.1f} ms")
    if len(profile_notices) > 20:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(18)
        n = (len(profile_notices) - 20) * args.lines_per_notice
        print()
        print(f"cProfile of {len(profile_notices) - 20} more notices ({n:,} entries, {profiled_seconds:.1f} s with the "
              f"profiler), top functions by own time:")
        print("\n".join(out.getvalue().splitlines()[4:30]))
        print()
        print("cumulative time of the steps of post_notice (same profile; the profiler inflates Python, not SQL):")
        total = sum(v[3] for k, v in stats.stats.items() if k[2] == "post_notice" and k[0].endswith("services.py"))
        steps = [("services.post_notice (all)", "services.py", "post_notice"),
                 ("  ledger.services.append_entries", "services.py", "append_entries"),
                 ("    rules.points.chain (json + sha256)", "rules/points.py", "chain"),
                 ("    models.chain_content", "ledger/models.py", "chain_content"),
                 ("  QuerySet.bulk_create (entries; in append_entries)", "models/query.py", "bulk_create"),
                 ("  QuerySet.update (claims → posted, notice, head)", "models/query.py", "update"),
                 ("  Model.__init__ (lines, claims, entries)", "models/base.py", "__init__"),
                 ("  audit.services.record", "audit/services.py", "record"),
                 ("  waiting for PostgreSQL (psycopg wait)", "psycopg/connection.py", "wait")]
        for label, path, name in steps:
            ct = sum(v[3] for k, v in stats.stats.items() if k[2] == name and k[0].endswith(path))
            print(f"  {label:58} {ct * 1000 / max(1, len(profile_notices) - 20):8.1f} ms/notice "
                  f"{ct / total * 100 if total else 0:5.0f} %")
    print(f"post_due_notices afterwards: {due}")
    print(f"whole run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
