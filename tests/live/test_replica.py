"""The app server with a real streaming replica (DATABASE_REPLICA_URL): the pages marked
core.db_router.reads_from_replica read from it, everything else from the primary.

A primary of this test's own (initdb in a temporary folder, WAL for replication, a replication entry in
pg_hba.conf, loopback, a free port) and a hot standby made from it with ``pg_basebackup -R`` on another free
port. With WAL replay paused on the standby, a resident files a demand through the public page (a write: it
would fail with "read-only transaction" on the standby) and staff log in (the session is written on the
primary and must be read there): the demand's own page, which reads the primary, shows it, while the routed
statistics page still counts what the standby has; once replay resumes the statistics count it. With the
standby stopped, the routed page answers from the primary."""

import os
import re
import shutil
import subprocess
import sys
import time

import psycopg
import pytest
import requests

from tests.servers import Cluster, app_server, cluster_root, free_port, pg_bin

pytestmark = [
    pytest.mark.postgres,
    # Once per suite: in its PostgreSQL run (its clusters are its own, whatever DATABASE_URL names).
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="a PostgreSQL feature: runs when DATABASE_URL is PostgreSQL"),
]

COUNTY = "150426000000"  # 翁牛特旗
VILLAGE = "150426100223"  # 赛沁塔拉嘎查
GRID = f"{VILLAGE}001"
NUMBERS = f"/demands/numbers/?area={COUNTY}"  # routed: the demands' statistics
COLLECTED = re.compile(r'<div class="muted">收集</div><div class="stat">(\d+)</div>')
PASSWORD = "Replica#2026x"
DEADLINE = 20  # seconds any wait may take before the test fails


def _sql(cluster: Cluster, query: str, db: str = "grassroots"):
    with psycopg.connect(f"{cluster.url}/{db}", autocommit=True) as conn:
        cursor = conn.execute(query)
        return cursor.fetchone() if cursor.description else None


def _wait_for(what: str, check):
    deadline = time.monotonic() + DEADLINE
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"waited {DEADLINE} s for {what}")
        time.sleep(0.1)


def _caught_up(primary: Cluster, replica: Cluster) -> bool:
    [target] = _sql(primary, "SELECT pg_current_wal_lsn()::text")
    [behind] = _sql(replica, f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn())")
    return behind is not None and behind <= 0


@pytest.fixture
def clusters():
    bin_dir = pg_bin()
    root = cluster_root("grassroots-replica-")
    primary = Cluster(bin_dir, root, free_port(), name="primary")
    replica = Cluster(bin_dir, root, free_port(), name="replica")
    started = []
    try:
        primary.init()
        # initdb's pg_hba.conf already lets local replication in; say so rather than rely on it.
        with open(primary.data / "pg_hba.conf", "a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        primary.start("-c wal_level=replica", "-c max_wal_senders=4")
        started.append(primary)
        if int(_sql(primary, "SHOW server_version_num", db="postgres")[0]) < 140000:
            pytest.skip("needs PostgreSQL 14 or later (pg_get_wal_replay_pause_state)")
        _sql(primary, "CREATE DATABASE grassroots", db="postgres")
        yield primary, replica, started
    finally:
        for cluster in reversed(started):
            try:
                cluster.stop()
            except subprocess.CalledProcessError:
                pass  # already stopped
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def app(clusters, tmp_path):
    primary, replica, started = clusters
    env = {**os.environ, "DATABASE_URL": f"{primary.url}/grassroots", "GRASSROOTS_VAR": str(tmp_path),
           "SECRET_KEY": "replica-test-secret-key-not-for-production", "ALLOWED_HOSTS": "127.0.0.1",
           "GRASSROOTS_ADMIN_PASSWORD": PASSWORD}
    for name in ("CACHE_URL", "MIGRATE_DATABASE_URL", "DATABASE_REPLICA_URL"):
        env.pop(name, None)
    cli = [sys.executable, "-m", "grassroots.cli"]
    quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([*cli, "migrate", "--verbosity", "0"], **quiet)
    subprocess.run([*cli, "import-areas", "--county", COUNTY], **quiet)
    subprocess.run([*cli, "createadmin", "--username", "qixian", "--area", COUNTY], **quiet)
    # The standby: a copy of the primary as it is now, streaming what follows (-R writes standby.signal and
    # primary_conninfo).
    replica.run(replica.bin / "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres",
                "-D", replica.data, "-R", "-X", "stream", "-c", "fast")
    replica.start("-c hot_standby=on")
    started.append(replica)
    assert _sql(replica, "SELECT pg_is_in_recovery()") == (True,)
    env["DATABASE_REPLICA_URL"] = f"{replica.url}/grassroots"
    with app_server(env, tmp_path / "server.log", workers=1) as base:
        yield base, primary, replica


def _collected(session, base) -> int:
    page = session.get(base + NUMBERS, timeout=10, allow_redirects=False)
    assert page.status_code == 200, page.text[-2000:]
    return int(COLLECTED.search(page.text).group(1))


def _csrf(session, url) -> str:
    page = session.get(url, timeout=10)
    assert page.status_code == 200
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _file_demand(base, text) -> str:
    """A resident's demand through the public page; returns the address of its tracking page."""
    resident = requests.Session()
    token = _csrf(resident, f"{base}/d/{VILLAGE}/")
    filed = resident.post(f"{base}/d/{VILLAGE}/", data={
        "csrfmiddlewaretoken": token, "kind": "demand", "text": text, "address": "一组",
        "contact_name": "王某", "contact_phone": "13904761234", "website": ""},
        headers={"Referer": f"{base}/d/{VILLAGE}/"}, timeout=10, allow_redirects=False)
    assert filed.status_code == 302, filed.text[-2000:]
    return base + filed.headers["Location"]


def test_routed_pages_read_the_replica_and_writes_the_primary(app):
    base, primary, replica = app
    _wait_for("the standby to catch up", lambda: _caught_up(primary, replica))

    # Replay paused: from now on the standby shows the database as it is at this moment.
    _sql(replica, "SELECT pg_wal_replay_pause()")
    _wait_for("replay to pause", lambda: _sql(replica, "SELECT pg_get_wal_replay_pause_state()") == ("paused",))

    # Writes work: the log-in writes a session and the resident's demand, both on the primary, and the
    # log-in's session is read back from the primary (the routed page answers 200, not the log-in page).
    staff = requests.Session()
    token = _csrf(staff, f"{base}/login/")
    login = staff.post(f"{base}/login/", data={"csrfmiddlewaretoken": token, "identifier": "qixian",
                                               "password": PASSWORD},
                       headers={"Referer": f"{base}/login/"}, timeout=10)
    assert login.status_code == 200 and login.url.rstrip("/") == base, login.text[-2000:]
    track = _file_demand(base, "村东头的路灯坏了三盏，晚上看不清路")

    # The primary has it, and a page that reads the primary shows it; the standby has not replayed it, and
    # the routed statistics page, reading the standby, does not count it yet.
    assert _sql(primary, "SELECT count(*) FROM demands_demand") == (1,)
    assert _sql(replica, "SELECT count(*) FROM demands_demand") == (0,)
    tracked = requests.get(track, timeout=10)
    assert tracked.status_code == 200 and "路灯坏了" in tracked.text
    assert _collected(staff, base) == 0

    # Another write while replay is still paused: the public page writes on the primary as before.
    _file_demand(base, "希望村里的文化广场能装几个健身器材")
    assert _sql(primary, "SELECT count(*) FROM demands_demand") == (2,)
    assert _collected(staff, base) == 0

    # A grid added in the admin (a write page) while replay is paused: its public board, routed, finds no
    # such grid on the standby (404) and is answered from the primary.
    [village_pk] = _sql(primary, f"SELECT id FROM areas_area WHERE code = '{VILLAGE}'")
    add = f"{base}/admin/areas/area/add/"
    added = staff.post(add, data={"csrfmiddlewaretoken": _csrf(staff, add), "parent": village_pk,
                                  "name": "第1网格", "number": 1, "_save": "保存"},
                       headers={"Referer": add}, timeout=10, allow_redirects=False)
    assert added.status_code == 302, added.text[-2000:]
    assert _sql(replica, f"SELECT count(*) FROM areas_area WHERE code = '{GRID}'") == (0,)
    board = requests.get(f"{base}/board/grids/{GRID}/", timeout=10)
    assert board.status_code == 200 and "第1网格" in board.text

    # Replay resumes: the statistics catch up with what the primary has.
    _sql(replica, "SELECT pg_wal_replay_resume()")
    _wait_for("the statistics to count both demands", lambda: _collected(staff, base) == 2)

    # The standby stops: the routed page answers from the primary (and sees a demand filed since).
    replica.stop()
    _file_demand(base, "冬天牧区的道路需要及时清雪")
    assert _collected(staff, base) == 3
    assert staff.get(base + "/", timeout=10).status_code == 200  # the home page is routed too
