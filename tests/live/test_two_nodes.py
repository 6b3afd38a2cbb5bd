"""Two app servers and one task worker on one PostgreSQL database, as a county runs them (docs/deploy.md), with
the least-privilege roles of deploy.md step 1: the schema belongs to an owner who only migrates; the servers, the
worker, the demo loader and `grassroots verify-ledger` all connect as an application role that owns no table.

Grid workers record claims through the API, a cashier redeems at the counter through the API, residents file
demands on the public page, each with an idempotency key, on both nodes at once. A claim and a redemption commit on
one node but their answers are lost on the way; then that node is killed (kill -9 of gunicorn's master and
workers) in the middle of a write; every request a client saw fail is sent again with the same key to the other
node. Meanwhile an import queued through the killed node's page and a scheduled
posting run on the worker. Afterwards: every acknowledged request left exactly one row, a refused one none;
one address got exactly its limit of filings across both nodes; the import ran once; each line of the posted
notice is in the ledger once; the ledger verifies; no household or product went below zero (issue #13)."""

import os
import re
import subprocess
import threading
import time

import psycopg
import pytest

from grassroots.core.ratelimit import LIMITS
from grassroots.core.testing import task_worker, wait_until
from grassroots.spreadsheets.tests.helpers import household_rows, xlsx
from tests.servers import app_node
from tests.two_nodes import (
    GRASSROOTS,
    RESERVED,
    TIMEOUT,
    VILLAGE,
    Database,
    Traffic,
    csrf_token,
    describe,
    log_in,
    overdrafts,
    prepare,
    read_facts,
    tally,
)

pytestmark = pytest.mark.postgres

KINDS = ("claim", "redeem", "file")
IMPORTED = 20  # households in the uploaded register, two people each


@pytest.fixture
def database():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("two nodes share one PostgreSQL database; on SQLite there is no second role to connect as")
    tag = f"grassroots_twonode_{os.getpid()}"
    db = Database(url, tag, owner=f"{tag}_owner", app=f"{tag}_app")
    try:
        db.create()
    except psycopg.errors.InsufficientPrivilege:
        pytest.skip("DATABASE_URL's user may not create roles and databases")
    yield db
    db.drop()


def _queue_import(base: str) -> int:
    """The village secretary uploads a register on the import page; the page queues it and answers at once."""
    session = log_in(base, "shuji")
    token = csrf_token(session.get(f"{base}/imports/", timeout=TIMEOUT).text)
    rows = [r for n in range(IMPORTED) for r in household_rows(f"TN-{n:03d}", first_id=700 + 2 * n)]
    sent = session.post(f"{base}/imports/", {"village": VILLAGE, "key": "tn-import", "csrfmiddlewaretoken": token},
                        files={"file": ("户籍.xlsx", xlsx(rows))}, allow_redirects=False, timeout=TIMEOUT)
    assert sent.status_code == 302, sent.text[-500:]
    return int(sent.headers["Location"].rstrip("/").split("/")[-1])


def _broken_pages(base: str, username: str, *, most: int = 40) -> tuple[int, list]:
    """Open the pages ``username`` can reach by following links from the home page (breadth first, at most
    ``most``): as the application role, none may fail (a 5xx is a page that needs more than rows to read and
    write). Returns how many were opened and the broken ones."""
    session = log_in(base, username)
    seen: list[str] = []
    todo, broken = ["/"], []
    while todo and len(seen) < most:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.append(path)
        reply = session.get(base + path, allow_redirects=False, timeout=TIMEOUT)
        if reply.status_code >= 500:
            broken.append((path, reply.status_code))
        if reply.headers.get("Content-Type", "").startswith("text/html"):
            todo += sorted({href for href in re.findall(r'href="(/[^"#?]*)"', reply.text)
                            if not href.startswith(("/static/", "/media/", "/logout"))} - set(seen))
    return len(seen), broken


def _fresh_window(window: int, needed: float = 30) -> None:
    """The limiter counts in fixed windows (core/ratelimit.py): a flood must not straddle two of them, or the
    address would rightly get its allowance twice. Wait for the next window when this one is about to end."""
    left = window - time.time() % window
    if left < needed:
        time.sleep(left + 0.5)


def _answer_lost(db: Database, traffic: Traffic, node, kind: str, key: str):
    """``node`` commits a create but its answer never reaches the client, whose connection drops before it reads
    it; the client sends it again, same key, to the other node and gets the first answer replayed."""
    conn = traffic.send_unanswered(kind, key, RESERVED, node.base)
    wait_until(lambda: db.query("SELECT count(*) FROM core_idempotencykey WHERE key = %s", [key])[0][0],
               what=f"the {kind} to commit on {node.base}", timeout=60)
    conn.close()
    return traffic.send(kind, key, RESERVED, start=traffic.nodes.index(node.base) + 1)


def _kill_mid_write(db: Database, traffic: Traffic, node) -> object:
    """A claim sent to ``node`` is held inside its transaction (another session holds the claims table), the node
    is killed there, and the client sends it again to the other node: the kill lands mid-write every time."""
    done: dict = {}
    blocker = psycopg.connect(db.super_url)
    try:
        blocker.execute("LOCK TABLE points_claim IN SHARE MODE")
        start = traffic.nodes.index(node.base)
        thread = threading.Thread(target=lambda: done.update(outcome=traffic.send("claim", "tn-midwrite", 0,
                                                                                   start=start)))
        thread.start()
        wait_until(lambda: db.query(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s "
            "AND pid <> pg_backend_pid()", ["%tn-midwrite%"])[0][0], what="the claim to wait inside its write",
            timeout=60)
        node.kill()
    finally:
        blocker.rollback()
        blocker.close()
    thread.join(timeout=TIMEOUT * 4)
    return done["outcome"]


def test_two_nodes_and_a_worker_lose_nothing_and_double_nothing(database, tmp_path):
    db = database
    env = {**os.environ, "DATABASE_URL": db.app_url, "GRASSROOTS_VAR": str(tmp_path),
           "SECRET_KEY": "two-nodes-test-secret-key-not-for-production", "ALLOWED_HOSTS": "127.0.0.1",
           "TRUST_X_REAL_IP": "1", "TASK_POLL_SECONDS": "0.1", "TASK_WORKERS": "1", "LOG_LEVEL": "WARNING"}
    for name in ("CACHE_URL", "MIGRATE_DATABASE_URL"):
        env.pop(name, None)
    prepare(db, env, households=60)
    assert db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
                    [db.app]) == []  # the application owns nothing it runs on

    # The demo's open notice: its week on the board is over, so the worker's schedule posts it.
    [(notice, lines)] = db.query("SELECT n.id, count(l.id) FROM points_notice n JOIN points_noticeline l "
                                 "ON l.notice_id = n.id WHERE n.status = 'open' GROUP BY n.id")
    db.query("UPDATE points_notice SET closes_at = now() - interval '1 minute' WHERE id = %s RETURNING id", [notice])
    facts = read_facts(db)
    assert facts.people and facts.households and facts.products
    [(last_redemption,)] = db.query("SELECT coalesce(max(id), 0) FROM shop_redemption")

    # The worker first (its scheduler wakes up a while after it starts), then both nodes side by side. They share
    # the database and the upload and media folders (shared storage: the worker reads what a node's page received);
    # each has static files of its own, as on a machine of its own.
    with (task_worker(env, tmp_path / "worker.log"),
          app_node({**env, "STATIC_ROOT": str(tmp_path / "static-a")}, tmp_path / "node-a.log", wait=False,
                   timeout=180) as a,
          app_node({**env, "STATIC_ROOT": str(tmp_path / "static-b")}, tmp_path / "node-b.log", wait=False,
                   timeout=180) as b):
        a.wait_ready()
        b.wait_ready()
        sessions = {"claims": log_in(a.base, "wangge"), "redeem": log_in(b.base, "shouyin")}
        traffic = Traffic([a.base, b.base], facts, sessions)
        traffic.start({"claim": 1, "redeem": 1, "file": 1})
        limit, window = LIMITS["demands:intake"]
        _fresh_window(window)
        flood = traffic.flood(2 * limit)  # one address, twice its limit of filings, both nodes at once
        job = _queue_import(b.base)
        traffic.wait_for(5, KINDS)
        lost = {kind: _answer_lost(db, traffic, b, kind, f"tn-lost-{kind}") for kind in ("claim", "redeem")}
        midwrite = _kill_mid_write(db, traffic, b)
        assert not b.alive
        traffic.wait_for(5, KINDS)  # node A alone from here
        traffic.finish()
        pages = {user: _broken_pages(a.base, user) for user in ("shuji", "shouyin")}

        def import_finished():
            [(status,)] = db.query("SELECT status FROM spreadsheets_importjob WHERE id = %s", [job])
            return status in ("done", "rejected", "failed") and status

        def notice_posted():
            return db.query("SELECT status FROM points_notice WHERE id = %s", [notice]) == [("posted",)]

        log = tmp_path / "worker.log"
        assert wait_until(import_finished, what="the import", timeout=120, log_path=log) == "done"
        wait_until(notice_posted, what="the scheduled posting", timeout=120, log_path=log)

    outcomes = traffic.outcomes
    result = tally(db, outcomes, tag="tn", redemptions=(last_redemption, None))
    assert result.clean(), describe(result)
    statuses = {kind: {o.status for o in outcomes if o.kind == kind} for kind in KINDS}
    assert statuses["claim"] == {201} and statuses["redeem"] <= {201, 409}, statuses
    assert statuses["file"] == {302, 429}, statuses  # 429 only for the flooded address
    assert result.acknowledged["redeem"] > 0, describe(result)

    # Committed on node B, the answer lost on the way: node A replays it, and the work exists once (tally).
    for kind, outcome in lost.items():
        assert (outcome.status, outcome.node, outcome.replayed) == (201, a.base, True), (kind, outcome)
    # The client saw node B die mid-write and got its answer from node A; the claim exists once (tally).
    assert midwrite.status == 201 and midwrite.node == a.base, midwrite
    assert midwrite.failures and midwrite.failures[0].startswith(b.base), midwrite

    # The public form's limit held across both nodes: five filings from the address, whichever node took them.
    assert sorted(o.status for o in flood) == [302] * limit + [429] * limit, [o.status for o in flood]
    assert {o.node for o in flood} == {a.base, b.base}

    # The import ran once, on the worker, although the node that queued it died.
    assert db.query("SELECT success FROM django_q_task WHERE name = %s", [f"import-{job}"]) == [(True,)]
    assert db.query("SELECT households_created, people_created FROM spreadsheets_importjob WHERE id = %s",
                    [job]) == [(IMPORTED, 2 * IMPORTED)]
    assert db.query("SELECT count(*) FROM areas_household WHERE number LIKE 'TN-%%'") == [(IMPORTED,)]

    # The scheduled posting ran, and each line of the notice is in the ledger exactly once.
    assert db.query("SELECT bool_and(success), count(*) > 0 FROM django_q_task "
                    "WHERE func = 'grassroots.claims.tasks.post_due_notices'") == [(True, True)]
    assert db.query("SELECT count(*) FROM points_noticeline l JOIN points_ledgerentry e ON e.claim_id = l.claim_id "
                    "WHERE l.notice_id = %s AND e.notice_id = %s", [notice, notice]) == [(lines,)]
    assert db.query("SELECT count(*) FROM points_ledgerentry WHERE notice_id = %s", [notice]) == [(lines,)]

    # Least privilege holds for the whole application: no page, no task of the worker needed more.
    assert all(opened > 5 and not broken for opened, broken in pages.values()), pages
    assert db.query("SELECT func FROM django_q_task WHERE NOT success") == []

    assert overdrafts(db) == []
    verified = subprocess.run([*GRASSROOTS, "verify-ledger"], env=env, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
