"""The same client traffic through one app node, then through two with one killed (kill -9) half-way, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres \\
        .venv/bin/python bench/bench_two_nodes.py --seconds 20

1. Drops and creates a database of its own (default ``grassroots_bench_twonode``) with the two roles of
   docs/deploy.md step 1 (``<db>_owner`` migrates, ``<db>_app`` owns nothing and runs everything else), migrates it
   as the owner and loads the demo as the application role (``grassroots demo --no-serve``); tops up the shop's
   shelf with one purchase through the API and gives the village's households that have credit 1,000,000 points
   more (one chained credit entry each, as a published settlement writes it), so that neither stock nor balances
   run out during the bench. DATABASE_URL's user must be allowed to create roles and databases.
2. Starts two app servers (``grassroots serve --workers 2`` each, gunicorn sync, each in a process group of its
   own) on loopback. No task worker: this is the web traffic only.
3. The clients (threads of this process, ``requests``; ``--clients`` of each kind): a grid worker recording
   claims (POST /api/points/claims/), the cashier redeeming one item (POST /api/shop/shops/<id>/redemptions/,
   a 409 when a household's balance has run out is an answer too), residents filing on the public page
   (GET then POST /d/<village>/, each from an address of its own in X-Real-IP). Every create has an
   idempotency key; a request that fails (refused, reset, no answer, 503) is sent again with the same key to the
   next node that has not failed (tests/two_nodes.py, shared with tests/live/test_two_nodes.py).
4. A warm-up of 5 s on both nodes (not reported), then phases of ``--seconds`` each: (a) every client on node A only; (b) the clients on both nodes, node B killed
   (gunicorn's master and workers, kill -9) after half the phase, the requests it held retried on node A.
5. Prints answers/s of each phase and kind beside the limit measured in the same run (GET /healthz on node A from
   as many client threads, a view that touches nothing), the requests retried, and the database count: every acknowledged
   key has exactly one row and a refused one none (lost = 0, doubled = 0), no overdraft.

Two nodes on one 2-core machine share its cores with PostgreSQL and the clients: the second node adds no CPU
here, so phase (b) shows what the failover costs, not what a second machine adds.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import app_node  # noqa: E402
from tests.two_nodes import (  # noqa: E402
    TIMEOUT,
    Database,
    Traffic,
    describe,
    log_in,
    overdrafts,
    prepare,
    read_facts,
    tally,
)

KINDS = ("claim", "redeem", "file")


def top_up_credit(db: Database, households: list[int], credit: int) -> None:
    """Each household of ``households`` gets ``credit`` more redeemable points by one chained credit entry (as a
    published settlement writes it, ``ledger.services.append_entries``), written as the application role, so that
    the counter's answers stay redemptions rather than "balance used up" refusals while the bench runs."""
    os.environ["DATABASE_URL"] = db.app_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from grassroots.areas.models import Household
    from grassroots.ledger import services as ledger_services
    from grassroots.ledger.models import Account, EntryKind, LedgerEntry

    now = timezone.now()
    homes = list(Household.objects.filter(pk__in=households).select_related("village"))
    with transaction.atomic():
        ledger_services.append_entries(village=homes[0].village, entries=[LedgerEntry(
            village=h.village, path=h.path, household=h, account=Account.CREDIT, kind=EntryKind.SETTLEMENT,
            points=credit, occurred_on=now.date(), posted_at=now, reason="基准：兑换额度",
            idempotency_key=f"bench-two-nodes-credit:{h.pk}") for h in homes])
    connection.close()


def top_up_shelf(base: str, facts) -> None:
    session = log_in(base, "shuji")  # the village secretary manages the shop
    reply = session.post(f"{base}/api/shop/shops/{facts.shop_id}/purchases/", json={
        "receipt_number": "BENCH-0001", "items": [{"product_id": p, "quantity": 999} for p in facts.products]},
        headers={"Idempotency-Key": "bench-top-up", "X-CSRFToken": session.cookies["csrftoken"]}, timeout=TIMEOUT)
    if reply.status_code != 201:
        sys.exit(f"the purchase failed: HTTP {reply.status_code} {reply.text[:300]}")


def last_redemption(db: Database) -> int:
    return db.query("SELECT coalesce(max(id), 0) FROM shop_redemption")[0][0]


def run_phase(db, nodes, facts, sessions, *, tag: str, clients: int, seconds: float, kill=None) -> dict:
    """Clients of every kind on ``nodes`` for ``seconds``; ``kill`` (a node) is killed half-way."""
    traffic = Traffic(nodes, facts, sessions, tag=tag)
    before = last_redemption(db)
    started = time.monotonic()
    traffic.start({kind: clients for kind in KINDS})
    killed_at = None
    if kill is not None:
        time.sleep(seconds / 2)
        kill.kill()
        killed_at = time.monotonic()
        time.sleep(seconds / 2)
    else:
        time.sleep(seconds)
    traffic.finish()
    ended = time.monotonic()
    return {"traffic": traffic, "started": started, "ended": ended, "killed_at": killed_at,
            "redemptions": (before, last_redemption(db))}


def healthz_rate(base: str, clients: int, seconds: float) -> float:
    """The limit, same run: GET /healthz (a view that touches nothing) from as many client threads as the phases
    have, answers/s."""
    counts = [0] * clients
    stop = time.monotonic() + seconds

    def loop(i: int) -> None:
        session = requests.Session()
        while time.monotonic() < stop:
            session.get(f"{base}/healthz", timeout=TIMEOUT)
            counts[i] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def rates(phase: dict, start: float, end: float) -> tuple[float, list[float], int]:
    """Answers/s in all and of each kind, and the requests retried, of the answers that came in [start, end]."""
    out = [o for o in phase["traffic"].outcomes if start <= o.at <= end]
    seconds = end - start
    return (len(out) / seconds, [sum(1 for o in out if o.kind == k) / seconds for k in KINDS],
            sum(1 for o in out if o.failures))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--clients", type=int, default=2, help="concurrent clients of each kind")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    parser.add_argument("--households", type=int, default=600, help="demo households (翁牛特旗)")
    parser.add_argument("--db", default="grassroots_bench_twonode", help="name of the database to (re)create")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL server (its user creates the roles and the database)")
    db = Database(url, args.db, owner=f"{args.db}_owner", app=f"{args.db}_app").create()
    var = Path(tempfile.mkdtemp(prefix="bench-two-nodes-"))
    env = {**os.environ, "DATABASE_URL": db.app_url, "GRASSROOTS_VAR": str(var), "ALLOWED_HOSTS": "127.0.0.1",
           "TRUST_X_REAL_IP": "1", "LOG_LEVEL": "WARNING", "SECRET_KEY": os.environ.get("SECRET_KEY") or uuid.uuid4().hex * 2}
    env.pop("MIGRATE_DATABASE_URL", None)
    t0 = time.perf_counter()
    prepare(db, env, households=args.households)
    facts = read_facts(db)
    top_up_credit(db, facts.households, 1_000_000)
    [(server,)] = db.query("SHOW server_version")
    print(f"database {args.db} on PostgreSQL {server}, roles {db.owner} (migrates) and {db.app} (everything else); "
          f"demo set-up {time.perf_counter() - t0:.0f} s; {len(facts.households)} households with credit; "
          f"{os.cpu_count()} cores shared by both nodes, PostgreSQL and the clients", flush=True)

    with ExitStack() as stack:
        a, b = (stack.enter_context(app_node({**env, "STATIC_ROOT": str(var / f"static-{name}")},
                                             var / f"node-{name}.log", workers=args.workers, wait=False, timeout=180))
                for name in "ab")
        a.wait_ready()
        b.wait_ready()
        top_up_shelf(a.base, facts)
        sessions = {"claims": log_in(a.base, "wangge"), "redeem": log_in(a.base, "shouyin")}
        # Warm-up, not reported: every gunicorn worker of both nodes loads what it loads on first use (templates,
        # the dispatch classifier's model) before anything is timed.
        run_phase(db, [a.base, b.base], facts, sessions, tag="warm", clients=args.clients, seconds=5)
        limit = healthz_rate(a.base, len(KINDS) * args.clients, min(args.seconds, 5))
        one = run_phase(db, [a.base], facts, sessions, tag="one", clients=args.clients, seconds=args.seconds)
        two = run_phase(db, [a.base, b.base], facts, sessions, tag="two", clients=args.clients,
                        seconds=args.seconds, kill=b)

    outcomes = [o for phase in (one, two) for o in phase["traffic"].outcomes]
    result = tally(db, outcomes, tag="one", redemptions=one["redemptions"])
    result_two = tally(db, outcomes, tag="two", redemptions=two["redemptions"])
    bad = overdrafts(db)

    print()
    print(f"{args.clients} client(s) of each kind (threads, requests), gunicorn sync × {args.workers} workers a node, "
          f"loopback; {args.seconds:g} s a phase; answers/s = answers received (201, 302, 409) per second")
    print()
    header = f"{'':44} {'answers/s':>9} {'claims/s':>9} {'redeem/s':>9} {'filings/s':>9} {'retried':>8}"
    print(header)

    def line(label, phase, start, end):
        total, per_kind, retried = rates(phase, start, end)
        print(f"{label:44} {total:9.1f} " + " ".join(f"{r:9.1f}" for r in per_kind) + f" {retried:8}")

    print(f"{'limit: GET /healthz on node A (no database)':44} {limit:9.1f}")
    line("(a) node A only", one, one["started"], one["ended"])
    line("(b) nodes A + B, B killed half-way: all", two, two["started"], two["ended"])
    line("    before the kill (A + B)", two, two["started"], two["killed_at"])
    line("    after the kill (A alone)", two, two["killed_at"], two["ended"])
    statuses = {name: dict(sorted(Counter((o.kind, o.status) for o in p["traffic"].outcomes).items()))
                for name, p in (("a", one), ("b", two))}
    print()
    print(f"statuses: (a) {statuses['a']}")
    print(f"          (b) {statuses['b']}")
    slowest = max((o for o in two["traffic"].outcomes if o.failures), key=lambda o: len(o.failures), default=None)
    if slowest is not None:
        print(f"a retried request: {slowest.kind} {slowest.key} → {slowest.status} after {slowest.failures}")
    lost = sum(result.lost.values()) + sum(result_two.lost.values())
    doubled = sum(result.doubled.values()) + sum(result_two.doubled.values())
    unexpected = sum(result.unexpected.values()) + sum(result_two.unexpected.values())
    print(f"database check: lost = {lost}, doubled = {doubled}, rows no client was told of = {unexpected}, "
          f"overdrafts = {len(bad)}")
    print(f"  (a) {describe(result)}")
    print(f"  (b) {describe(result_two)}")
    if lost or doubled or unexpected or bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
