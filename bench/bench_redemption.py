"""Redemptions at the love supermarket's counter from 1, 2 and 8 concurrent counters, next to plain INSERTs of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/bench_redemption.py

1. Drops and creates a fresh database (default ``grassroots_bench_shop``), migrates it, and makes one
   village (赛沁塔拉嘎查) of ``--households`` households with ample redeemable credit (one credit entry each,
   chained through ``ledger.services.append_entries``, as a published settlement writes it), a shop with a
   dozen products (``services.add_product``) each stocked by one purchase movement of ``--stock``, one more
   household (the "hot" one) whose balance and one product whose stock are limited, and a cashier held on
   the township. For the last two cases, 8 more villages of ``--township-households`` households each, each
   with its own village shop (the same dozen products, its own stock), and a township shop serving the 8
   (``services.create_shop(area=township, villages=…)``) with a dozen products of its own.
2. The figure. Each case runs N counters, each a separate PROCESS with its own database connection (as
   gunicorn's sync workers are: no GIL shared between counters), calling ``shop.services.redeem`` (lock
   household → village ledger head → products in id order; read balance, standing, rate, stock and the
   key's use again in one statement; check; draw the receipt number; write one ledger entry, the
   redemption, its lines, its stock movements, the audit record) in a bounded loop (``--seconds`` or
   ``--per-thread`` each, whichever first; the contended case ``--contended-attempts`` in all), all
   started together by a barrier, after a short warm-up and the p50 of a ``SELECT 1`` round trip (the
   floor under each of a redemption's 11 statements and its commit):
   0. 1 counter, for reference;
   a. 2 counters, different households of one village shop (each counter its own households; 1–3
      products, quantity 1–2): one village, so they take turns on its ledger head by design;
   b. 8 counters, different households of that one village shop (likewise);
   c. 8 counters, one household and one product (the contended case): its balance covers 75 % of the
      attempts and half a redemption more, the shelf 90 %, so the last attempts are refused
      ("本次需25分，可兑换积分只有12分");
   d. 8 counters at 8 village shops, one per village (each village chains its own ledger; no lock shared):
      what must scale;
   e. 8 counters at one township shop serving those 8 villages, one village each: they share only the
      shop's shelf (a product's stock), taken last.
   After each case, the same rows (redemption + lines + ledger entry + movements, read back) are written
   again by the same number of processes as plain INSERTs — one transaction per redemption, no lock, no
   check, no chain, no audit — into ``bench_*`` tables ``LIKE`` the real ones ``INCLUDING ALL`` (indexes,
   checks) with the same foreign keys: the limit measured in the same run.
3. Prints redemptions/s, refusals, errors, p50/p99 latency per case beside the plain rate, the two target
   ratios (one counter against plain INSERTs; 8 village shops against one counter, beside the same ratio of
   the plain INSERTs), then the overdraft check over the whole database: every household's credit and
   every product's stock ≥ 0, and the ledger agrees with the receipts (each redemption's entry is −its
   points, its lines add up to its points, its movements to its lines; the database holds one redemption
   per success reported).

Counters and plain writers are forked processes (``multiprocessing``, fork), started after the set-up with
no connection open, each opening its own; wall time runs from the common barrier to the last one done.
The machine's cores are shared by PostgreSQL and the counters.
"""

import argparse
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_claims_api import percentile  # noqa: E402
from bench_generate import fresh_database, server_facts  # noqa: E402

VILLAGE = "150426100223"
TOWNSHIP = "150426100000"
# The real tables and the bench copies written by the plain INSERTs (foreign keys re-pointed among them).
VILLAGE_SHOPS = "8 counters at 8 village shops"
PLAIN = {"points_ledgerentry": "bench_ledgerentry", "shop_redemption": "bench_redemption",
         "shop_redemptionline": "bench_redemptionline", "shop_stockmovement": "bench_stockmovement"}
PRODUCTS = [("抽纸", "提", 1290), ("洗衣粉", "袋", 1000), ("食用油", "桶", 5990), ("大米", "袋", 4500),
            ("面粉", "袋", 3800), ("香皂", "块", 350), ("牙膏", "支", 890), ("毛巾", "条", 600),
            ("酱油", "瓶", 790), ("食盐", "袋", 200), ("洗洁精", "瓶", 990), ("鸡蛋", "盒", 1500)]


# ------------------------------------------------------------------------------------------- set-up


def divisions(extra_villages: int):
    from grassroots.rules.divisions import Division

    rows = [Division("150000000000", "内蒙古自治区", "region", ""),
            Division("150400000000", "赤峰市", "prefecture", "150000000000"),
            Division("150426000000", "翁牛特旗", "county", "150400000000"),
            Division(TOWNSHIP, "乌丹镇", "township", "150426000000"),
            Division(VILLAGE, "赛沁塔拉嘎查", "village", TOWNSHIP)]
    rows += [Division(f"1504261002{n:02d}", f"基准村{n}", "village", TOWNSHIP) for n in range(1, extra_villages + 1)]
    return sorted(rows, key=lambda d: d.code)


def households_with_credit(actor, village, n: int, credit: int, prefix: str) -> list[int]:
    """``n`` households on the first grid of ``village``, each given ``credit`` by one chained credit entry."""
    from django.db import transaction
    from django.utils import timezone

    from grassroots.areas import services as areas
    from grassroots.areas.models import Area, Household
    from grassroots.ledger import services as ledger_services
    from grassroots.ledger.models import Account, EntryKind, LedgerEntry

    grid = Area.objects.filter(parent=village, level="grid").first() or areas.create_grid(
        actor=actor, village=village, name="第1网格", number=1)
    homes = Household.objects.bulk_create([
        Household(grid=grid, village=village, path=grid.path, number=f"{prefix}-{i:05d}", address=f"{village.name}{i}号")
        for i in range(1, n + 1)], batch_size=2000)
    now = timezone.now()
    with transaction.atomic():
        ledger_services.append_entries(village=village, entries=[LedgerEntry(
            village=village, path=h.path, household=h, account=Account.CREDIT, kind=EntryKind.SETTLEMENT,
            points=credit, occurred_on=now.date(), posted_at=now, reason="基准：季度兑换额度",
            idempotency_key=f"bench-credit:{h.pk}") for h in homes])
    return [h.pk for h in homes]


def stocked_products(actor, shop, quantity: int, extra: list[tuple[str, str, int, int]] = ()) -> dict:
    """The dozen products of PRODUCTS with ``quantity`` each, plus ``extra`` (name, unit, fen, stock).

    ``record_purchase`` takes at most 999 of a product a line, so the ample stock is written as one
    purchase movement per product directly (set-up, not measured)."""
    from grassroots.shop import services as shop_services
    from grassroots.shop.models import MovementKind, StockMovement

    made = {}
    for name, unit, fen in PRODUCTS:
        made[name] = shop_services.add_product(actor=actor, shop=shop, name=name, unit=unit, price_fen=fen)
    for name, unit, fen, _ in extra:
        made[name] = shop_services.add_product(actor=actor, shop=shop, name=name, unit=unit, price_fen=fen)
    stock = {name: quantity for name, _, _ in PRODUCTS} | {name: q for name, _, _, q in extra}
    StockMovement.objects.bulk_create([
        StockMovement(product=made[name], shop=shop, path=shop.path, kind=MovementKind.PURCHASE, quantity=q,
                      receipt_number="BENCH-0001") for name, q in stock.items()])
    return made


def prepare(args) -> dict:
    from grassroots.access.models import RoleAssignment, User
    from grassroots.areas import services as areas
    from grassroots.areas.models import Area
    from grassroots.audit.context import Actor
    from grassroots.rules.settlement import points_for_fen
    from grassroots.settlement.selectors import policy_for
    from grassroots.shop import services as shop_services

    t0 = time.perf_counter()
    system = Actor.system("bench_redemption")
    township_villages = 8 if args.township_households else 0
    areas.load_divisions(actor=system, divisions=divisions(township_villages))
    village = Area.objects.get(code=VILLAGE)
    township = Area.objects.get(code=TOWNSHIP)
    # A cashier held on the township reaches both shops; password-less, it only acts through services here.
    cashier = User.objects.create_user(username="bench_cashier", password=None, display_name="收银员（基准）")
    RoleAssignment.objects.create(user=cashier, role="cashier", area=township)

    homes = households_with_credit(system, village, args.households, args.credit, "SQ")
    shop = shop_services.create_shop(actor=system, area=village, name="赛沁塔拉嘎查爱心超市")
    rate = policy_for(village).points_per_yuan
    hot_fen = 500
    hot_points = points_for_fen(hot_fen, rate)
    attempts = args.contended_attempts
    hot_stock = attempts * 9 // 10
    # Not a whole number of redemptions: the last attempts find some points left, too few (本次需…只有…).
    hot_credit = hot_points * (attempts * 3 // 4) + hot_points // 2
    products = stocked_products(system, shop, args.stock, extra=[("限量纸巾", "包", hot_fen, hot_stock)])
    [hot_home] = households_with_credit(system, village, 1, hot_credit, "HOT")

    township_case = None
    if township_villages:
        villages = list(Area.objects.filter(parent=township, level="village").exclude(pk=village.pk).order_by("code"))
        per_village = {v.pk: households_with_credit(system, v, args.township_households, args.credit, f"T{n}")
                       for n, v in enumerate(villages, 1)}
        tshop = shop_services.create_shop(actor=system, area=township, name="乌丹镇爱心超市", villages=villages)
        tproducts = stocked_products(system, tshop, args.stock)
        village_shops = []
        for v in villages:
            vshop = shop_services.create_shop(actor=system, area=v, name=f"{v.name}爱心超市")
            village_shops.append((vshop, [p.pk for p in stocked_products(system, vshop, args.stock).values()]))
        township_case = {"shop": tshop, "products": [p.pk for p in tproducts.values()],
                         "homes": [per_village[v.pk] for v in villages], "village_shops": village_shops}
    all_homes = homes + [hot_home] + ([h for hs in township_case["homes"] for h in hs] if township_case else [])
    return {"village": village, "cashier": cashier, "shop": shop, "homes": homes, "all_homes": all_homes,
            "products": [products[name].pk for name, _, _ in PRODUCTS], "hot_home": hot_home,
            "hot_product": products["限量纸巾"].pk, "hot_points": hot_points, "hot_credit": hot_credit,
            "hot_stock": hot_stock, "township": township_case, "seconds": time.perf_counter() - t0}


def plain_tables() -> None:
    """bench_* tables LIKE the real ones INCLUDING ALL, with the same foreign keys (re-pointed among them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for copy in PLAIN.values():
            cursor.execute(f"DROP TABLE IF EXISTS {copy} CASCADE")
        for real, copy in PLAIN.items():
            cursor.execute(f"CREATE TABLE {copy} (LIKE {real} INCLUDING ALL)")
        for real, copy in PLAIN.items():
            cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid = %s::regclass AND contype = 'f'", [real])
            for name, definition in cursor.fetchall():
                for r, c in PLAIN.items():
                    definition = definition.replace(f"REFERENCES {r}(", f"REFERENCES {c}(")
                cursor.execute(f"ALTER TABLE {copy} ADD CONSTRAINT {copy}_{name[-30:]} {definition}")


# ------------------------------------------------------------------------------------------- the counters


def run_processes(n: int, work) -> tuple[list[dict], float]:
    """``work(i, barrier)`` in ``n`` forked processes, each opening its own connection (none is open when
    they fork); wall time from the common barrier to the end of the last one's work (``time.monotonic``,
    one clock for all processes). ``work`` returns a picklable dict."""
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(n + 1)
    queue = ctx.Queue()

    def target(i):
        from django.db import connection

        try:
            result = work(i, barrier)
            result["end"] = time.monotonic()
            queue.put((i, result))
        except BaseException as exc:  # noqa: BLE001 - reported by the parent, never a hang
            queue.put((i, {"crash": f"{type(exc).__name__}: {exc}"}))
            raise
        finally:
            connection.close()

    processes = [ctx.Process(target=target, args=(i,), daemon=True) for i in range(n)]
    for p in processes:
        p.start()
    barrier.wait(timeout=600)
    t0 = time.monotonic()
    results: list[dict | None] = [None] * n
    for _ in range(n):
        i, result = queue.get(timeout=1800)
        if "crash" in result:
            for p in processes:
                p.kill()
            sys.exit(f"process {i} crashed: {result['crash']}")
        results[i] = result
    for p in processes:
        p.join(timeout=60)
    return results, max(r["end"] for r in results) - t0


def counters(setup: dict, *, n: int, shop, plan, seconds: float, per_thread: int, label: str) -> dict:
    """``n`` counters calling services.redeem; ``plan(i, k, rng)`` → (household id, items) of attempt k.
    ``shop``: the one shop of every counter, or a list of ``n`` (counter i at ``shop[i]``)."""
    from django.core.exceptions import ValidationError

    from grassroots.areas.models import Household
    from grassroots.audit.context import Actor
    from grassroots.shop import services as shop_services

    def work(i, barrier):
        from django.db import connection

        from grassroots.access.models import User

        connection.ensure_connection()
        rng = random.Random(1000 * n + i)
        mine = shop[i] if isinstance(shop, list) else shop
        cashier = User.objects.get(pk=setup["cashier"].pk)  # its own object: the scope cache is per object
        actor = Actor(user=cashier, name=cashier.username, ip="127.0.0.1")
        # The households the counters may serve, loaded before the start (the counter page has its household
        # at hand when 确定兑换 is pressed): the rate is of services.redeem alone, as the plain rate is of INSERTs.
        homes: dict[int, Household] = Household.objects.select_related("village").in_bulk(setup["all_homes"])
        out = {"ok": [], "refused": Counter(), "errors": Counter(), "latencies": []}
        barrier.wait()
        started = time.perf_counter()
        k = 0
        while k < per_thread and time.perf_counter() - started < seconds:
            household_id, items = plan(i, k, rng)
            household = homes[household_id]
            t0 = time.perf_counter()
            try:
                redemption = shop_services.redeem(actor=actor, shop=mine, household=household, items=items,
                                                  idempotency_key=f"bench-{label}-{i}-{k}")
                out["ok"].append(redemption.pk)
            except ValidationError as exc:
                out["refused"][exc.messages[0][:40]] += 1
            except Exception as exc:  # noqa: BLE001 - a deadlock or a lost race is a finding, not a crash
                out["errors"][f"{type(exc).__name__}: {str(exc)[:60]}"] += 1
            out["latencies"].append(time.perf_counter() - t0)
            k += 1
        return out

    results, wall = run_processes(n, work)
    latencies = sorted(x for r in results for x in r["latencies"])
    refused, errors = Counter(), Counter()
    for r in results:
        refused.update(r["refused"])
        errors.update(r["errors"])
    ok = [pk for r in results for pk in r["ok"]]
    return {"threads": n, "ok": ok, "attempts": len(latencies), "refused": refused, "errors": errors, "wall": wall,
            "rate": len(ok) / wall if wall else 0.0, "p50": percentile(latencies, 50) * 1000,
            "p99": percentile(latencies, 99) * 1000}


# ------------------------------------------------------------------------------------------- plain INSERTs


def columns(table: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                       "AND column_name <> 'id' ORDER BY ordinal_position", [table])
        return [r[0] for r in cursor.fetchall()]


def read_back(redemption_ids: list[int]) -> list[dict]:
    """Each redemption's rows as the service wrote them: entry, redemption, lines, movements (ids dropped)."""
    from django.db import connection

    cols = {t: columns(t) for t in PLAIN}
    by_id: dict[int, dict] = {}
    with connection.cursor() as cursor:
        for i in range(0, len(redemption_ids), 5000):
            chunk = redemption_ids[i:i + 5000]
            cursor.execute(f"SELECT id, {', '.join(cols['shop_redemption'])} FROM shop_redemption "
                           "WHERE id = ANY(%s)", [chunk])
            for row in cursor.fetchall():
                by_id[row[0]] = {"redemption": dict(zip(cols["shop_redemption"], row[1:], strict=True)),
                                 "lines": [], "movements": []}
            entry_ids = {r["redemption"]["entry_id"]: pk for pk, r in by_id.items() if pk in set(chunk)}
            cursor.execute(f"SELECT id, {', '.join(cols['points_ledgerentry'])} FROM points_ledgerentry "
                           "WHERE id = ANY(%s)", [list(entry_ids)])
            for row in cursor.fetchall():
                by_id[entry_ids[row[0]]]["entry"] = dict(zip(cols["points_ledgerentry"], row[1:], strict=True))
            for table, key in (("shop_redemptionline", "lines"), ("shop_stockmovement", "movements")):
                cursor.execute(f"SELECT redemption_id, {', '.join(cols[table])} FROM {table} "
                               "WHERE redemption_id = ANY(%s) ORDER BY id", [chunk])
                for row in cursor.fetchall():
                    by_id[row[0]][key].append(dict(zip(cols[table], row[1:], strict=True)))
    return [by_id[pk] for pk in redemption_ids]


def plain_inserts(rows: list[dict], n: int) -> dict:
    """The same rows, one transaction per redemption, ``n`` threads, no lock and no check."""
    from django.db import transaction

    cols = {t: columns(t) for t in PLAIN}

    def insert(cursor, table, values: list[dict], returning=False):
        names = cols[table]
        marks = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * len(values))
        params = [v[c] for v in values for c in names]
        cursor.execute(f"INSERT INTO {PLAIN[table]} ({', '.join(names)}) VALUES {marks}"
                       + (" RETURNING id" if returning else ""), params)
        return cursor.fetchone()[0] if returning else None

    def work(i, barrier):
        from django.db import connection

        connection.ensure_connection()
        mine = rows[i::n]
        latencies = []
        barrier.wait()
        for row in mine:
            t0 = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                entry_id = insert(cursor, "points_ledgerentry", [row["entry"]], returning=True)
                redemption_id = insert(cursor, "shop_redemption", [{**row["redemption"], "entry_id": entry_id}],
                                       returning=True)
                insert(cursor, "shop_redemptionline", [{**x, "redemption_id": redemption_id} for x in row["lines"]])
                insert(cursor, "shop_stockmovement", [{**x, "redemption_id": redemption_id}
                                                      for x in row["movements"]])
            latencies.append(time.perf_counter() - t0)
        return {"latencies": latencies}

    results, wall = run_processes(n, work)
    latencies = sorted(x for r in results for x in r["latencies"])
    return {"rows": len(rows), "wall": wall, "rate": len(rows) / wall if wall else 0.0,
            "p50": percentile(latencies, 50) * 1000, "p99": percentile(latencies, 99) * 1000}


def round_trip(n: int = 300) -> float:
    """The p50 of a trivial statement's round trip, in ms: what each of a redemption's statements costs at least."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(n):
            t0 = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            times.append(time.perf_counter() - t0)
    connection.close()
    return percentile(sorted(times), 50) * 1000


# ------------------------------------------------------------------------------------------- the check


def overdraft_check() -> dict:
    """Balances and stocks never negative; the ledger, the receipts and the stock movements agree."""
    from django.db import connection

    queries = {
        "households with a negative credit balance": """
            SELECT count(*) FROM (SELECT household_id FROM points_ledgerentry WHERE account = 'credit'
                                  GROUP BY household_id HAVING sum(points) < 0) x""",
        "products with negative stock": """
            SELECT count(*) FROM (SELECT product_id FROM shop_stockmovement GROUP BY product_id
                                  HAVING sum(quantity) < 0) x""",
        "redemptions whose ledger entry is not −points": """
            SELECT count(*) FROM shop_redemption r JOIN points_ledgerentry e ON e.id = r.entry_id
            WHERE e.points <> -r.points OR e.kind <> 'redemption' OR e.account <> 'credit'
               OR e.household_id <> r.household_id""",
        "redemptions whose lines do not add up": """
            SELECT count(*) FROM shop_redemption r
            WHERE r.points <> (SELECT coalesce(sum(l.points), 0) FROM shop_redemptionline l WHERE l.redemption_id = r.id)
               OR r.fen <> (SELECT coalesce(sum(l.price_fen * l.quantity), 0) FROM shop_redemptionline l
                            WHERE l.redemption_id = r.id)""",
        "redemptions whose stock movements differ from their lines": """
            SELECT count(*) FROM shop_redemption r
            WHERE (SELECT coalesce(sum(l.quantity), 0) FROM shop_redemptionline l WHERE l.redemption_id = r.id)
               <> (SELECT coalesce(-sum(m.quantity), 0) FROM shop_stockmovement m
                   WHERE m.redemption_id = r.id AND m.kind = 'redemption')""",
        "redemption ledger entries without a receipt": """
            SELECT count(*) FROM points_ledgerentry e WHERE e.kind = 'redemption'
            AND NOT EXISTS (SELECT 1 FROM shop_redemption r WHERE r.entry_id = e.id)""",
    }
    out = {}
    with connection.cursor() as cursor:
        for label, sql in queries.items():
            cursor.execute(sql)
            out[label] = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(sum(points), 0) FROM points_ledgerentry WHERE kind = 'redemption'")
        ledger = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(sum(points), 0), count(*) FROM shop_redemption")
        receipts, count = cursor.fetchone()
    return {"problems": out, "ledger": ledger, "receipts": receipts, "count": count}


# ------------------------------------------------------------------------------------------- the run


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=3000, help="households of the village")
    parser.add_argument("--township-households", type=int, default=300,
                        help="households of each of the 8 villages of the township shop (0: skip that case)")
    parser.add_argument("--credit", type=int, default=1_000_000, help="credit of each household (ample)")
    parser.add_argument("--stock", type=int, default=1_000_000, help="stock of each product (ample)")
    parser.add_argument("--seconds", type=float, default=10, help="time limit of a case, per counter")
    parser.add_argument("--per-thread", type=int, default=2000, help="attempts limit of a case, per counter")
    parser.add_argument("--contended-attempts", type=int, default=240,
                        help="attempts of the contended case in all (its balance covers 75 %%, its shelf 90 %%)")
    parser.add_argument("--db", default="grassroots_bench_shop", help="name of the database to (re)create")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    bench_url = fresh_database(os.environ.get("DATABASE_URL", ""), args.db)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_seconds = time.perf_counter() - t0
    facts = server_facts(connection.connection)
    setup = prepare(args)
    plain_tables()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    connection.close()
    print(f"database {args.db} on PostgreSQL {facts['server']}; fsync={facts['fsync']} "
          f"synchronous_commit={facts['synchronous_commit']} shared_buffers={facts['shared_buffers']}; "
          f"migrate {migrate_seconds:.0f} s, set-up {setup['seconds']:.0f} s; {args.households:,} households "
          f"in 赛沁塔拉嘎查, {len(setup['products'])} products; {os.cpu_count()} cores shared by PostgreSQL and "
          f"the counters", flush=True)

    homes, products = setup["homes"], setup["products"]

    def spread(n):
        """Counter i serves only its own households (every n-th), 1–3 distinct products, 1–2 of each."""
        def plan(i, k, rng):
            mine = homes[i::n]
            picked = rng.sample(products, rng.randint(1, 3))
            return mine[k % len(mine)], [(p, rng.randint(1, 2)) for p in sorted(picked)]
        return plan

    def contended(i, k, rng):
        return setup["hot_home"], [(setup["hot_product"], 1)]

    cases = [
        ("1 counter (for reference)", 1, setup["shop"], spread(1), args.per_thread),
        ("2 counters, different households", 2, setup["shop"], spread(2), args.per_thread),
        ("8 counters, different households", 8, setup["shop"], spread(8), args.per_thread),
        ("8 counters, one household, one product", 8, setup["shop"], contended, -(-args.contended_attempts // 8)),
    ]
    if setup["township"]:
        t = setup["township"]

        def township(i, k, rng):
            mine = t["homes"][i % len(t["homes"])]
            picked = rng.sample(t["products"], rng.randint(1, 3))
            return mine[k % len(mine)], [(p, rng.randint(1, 2)) for p in sorted(picked)]

        def village_shops(i, k, rng):
            mine = t["homes"][i % len(t["homes"])]
            _, shelf = t["village_shops"][i % len(t["village_shops"])]
            picked = rng.sample(shelf, rng.randint(1, 3))
            return mine[k % len(mine)], [(p, rng.randint(1, 2)) for p in sorted(picked)]

        cases.append((VILLAGE_SHOPS, 8, [vshop for vshop, _ in t["village_shops"]], village_shops, args.per_thread))
        cases.append(("8 counters, township shop, 8 villages", 8, t["shop"], township, args.per_thread))

    # Warm-up, not reported: imports, first queries, plans.
    warm = counters(setup, n=2, shop=setup["shop"], plan=spread(2), seconds=2, per_thread=20, label="warm")
    if not warm["ok"]:
        sys.exit(f"the warm-up redeemed nothing: {dict(warm['refused']) or dict(warm['errors'])}")

    trip = round_trip()
    print(f"  one round trip (SELECT 1) p50 {trip:.2f} ms", flush=True)
    rows = []
    for label, n, shop, plan, per_thread in cases:
        # The contended case is bounded by its attempts (so that the balance runs out); the time is a safety net.
        seconds = args.seconds if "one household" not in label else args.seconds * 6
        service = counters(setup, n=n, shop=shop, plan=plan, seconds=seconds, per_thread=per_thread,
                           label=f"case{len(rows)}")
        plain = plain_inserts(read_back(service["ok"]), n)
        connection.close()
        rows.append((label, service, plain))
        print(f"  {label}: {service['rate']:,.0f} redemptions/s ({len(service['ok']):,} of {service['attempts']:,} "
              f"attempts; refused {sum(service['refused'].values()):,}, errors {sum(service['errors'].values())}); "
              f"plain INSERTs {plain['rate']:,.0f}/s", flush=True)

    check = overdraft_check()
    connection.close()

    print()
    print(f"{args.households:,} households in one village (one ledger chain), {len(products)} products with ample "
          f"stock; bounded loops of ≤ {args.seconds:g} s or ≤ {args.per_thread:,} attempts per counter "
          f"(contended: {args.contended_attempts:,} attempts in all, balance {setup['hot_credit']:,} points = "
          f"{setup['hot_credit'] // setup['hot_points']:,} redemptions of {setup['hot_points']} points, "
          f"stock {setup['hot_stock']:,}); one round trip (SELECT 1) p50 {trip:.2f} ms; load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    print()
    width = 44
    print(f"{'':{width}} {'done':>6} {'refused':>7} {'errors':>6} {'seconds':>7} {'red./s':>7} {'p50 ms':>7} "
          f"{'p99 ms':>7} | {'plain/s':>7} {'p50 ms':>6} {'p99 ms':>6} {'ratio':>6}")
    for label, s, p in rows:
        print(f"{label:{width}} {len(s['ok']):6,} {sum(s['refused'].values()):7,} {sum(s['errors'].values()):6,} "
              f"{s['wall']:7.1f} {s['rate']:7,.0f} {s['p50']:7.1f} {s['p99']:7.1f} | {p['rate']:7,.0f} "
              f"{p['p50']:6.1f} {p['p99']:6.1f} {s['rate'] / p['rate'] if p['rate'] else 0:6.2f}")
    print()
    _, one, one_plain = rows[0]
    print(f"one counter: {one['rate']:,.0f} redemptions/s against {one_plain['rate']:,.0f} plain INSERTs/s of the "
          f"same rows: ratio {one['rate'] / one_plain['rate'] if one_plain['rate'] else 0:.2f} (target ≥ 0.25)")
    for label, s, p in rows:
        if label == VILLAGE_SHOPS and one["rate"] and one_plain["rate"]:
            print(f"{label}: {s['rate']:,.0f} redemptions/s against one counter's {one['rate']:,.0f}: "
                  f"{s['rate'] / one['rate']:.1f}× (target ≥ 3×); plain INSERTs, 8 processes against 1: "
                  f"{p['rate'] / one_plain['rate']:.1f}× (what this machine allows)")
    print()
    for label, s, _ in rows:
        details = [f"{m} ×{c}" for m, c in s["refused"].most_common(3)]
        details += [f"ERROR {m} ×{c}" for m, c in s["errors"].most_common(3)]
        if details:
            print(f"{label}: " + "; ".join(details))
    print()
    problems = check["problems"]
    reported = sum(len(s["ok"]) for _, s, _ in rows) + len(warm["ok"])
    print("overdraft check (whole database):")
    for label, count in problems.items():
        print(f"  {label}: {count}")
    print(f"  ledger redemption entries sum {check['ledger']:,} = −(receipts {check['receipts']:,}): "
          f"{'yes' if check['ledger'] == -check['receipts'] else 'NO'}")
    print(f"  redemptions in the database {check['count']:,} for {reported:,} successes reported (warm-up included): "
          f"{'one each' if check['count'] == reported else 'MISMATCH'}")
    overdraft = problems["households with a negative credit balance"] + problems["products with negative stock"]
    disagreements = (sum(problems.values()) - overdraft + (check["ledger"] != -check["receipts"])
                     + (check["count"] != reported))
    print(f"OVERDRAFT: {overdraft} (must be 0); disagreements: {disagreements} (must be 0)")
    print(f"whole run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
