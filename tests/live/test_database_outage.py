"""PostgreSQL stops under a running app server and comes back: meanwhile the API answers 503 JSON with
Retry-After, pages the Chinese "请稍后重试" page, /healthz stays 200 and /readyz 503; once the database
is back the same process answers normally again, without a restart.

The database is a throwaway cluster of this test's own (initdb into a temporary directory, a free port),
never the shared one of scripts/pg.sh, which other runs use."""

import os
import shutil
import subprocess
import sys
import time

import psycopg
import pytest
import requests

from tests.servers import Cluster, app_server, cluster_root, free_port, pg_bin

pytestmark = pytest.mark.postgres

VILLAGE = "150426100223"  # 赛沁塔拉嘎查, 翁牛特旗
API_ROUTE = "/api/points/public/notices/nosuchtoken/"  # public, reads the database: 404 JSON when it is up
PAGE_ROUTE = f"/d/{VILLAGE}/"  # the public demand form: reads the village


@pytest.fixture
def cluster():
    bin_dir = pg_bin()
    root = cluster_root("grassroots-outage-")
    pg = Cluster(bin_dir, root, free_port())
    pg.init()
    pg.start()
    yield pg
    try:
        pg.stop()
    except subprocess.CalledProcessError:
        pass  # already stopped
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def app(cluster, tmp_path):
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE grassroots")
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{cluster.port}/grassroots",
           "GRASSROOTS_VAR": str(tmp_path), "SECRET_KEY": "outage-test-secret-key-not-for-production",
           "ALLOWED_HOSTS": "127.0.0.1"}
    env.pop("CACHE_URL", None)  # the default: the database's own cache table
    cli = [sys.executable, "-m", "grassroots.cli"]
    subprocess.run([*cli, "migrate", "--verbosity", "0"], env=env, check=True)
    subprocess.run([*cli, "import-areas", "--county", "150426000000"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    with app_server(env, tmp_path / "server.log", workers=1) as base:
        yield base


def _get(base, path):
    return requests.get(base + path, timeout=10)


def test_outage_answers_503_and_the_server_recovers_by_itself(cluster, app):
    # Up: the routes read the database (the worker now keeps a connection open, CONN_MAX_AGE).
    assert _get(app, "/readyz").status_code == 200
    assert _get(app, API_ROUTE).status_code == 404
    assert _get(app, PAGE_ROUTE).status_code == 200

    cluster.stop()

    api = _get(app, API_ROUTE)
    assert api.status_code == 503, api.text
    assert api.headers["Retry-After"] == "5"
    assert api.headers["Content-Type"].startswith("application/json")
    assert api.json() == {"code": "unavailable", "detail": "系统繁忙，请稍后重试", "errors": {}}

    page = _get(app, PAGE_ROUTE)
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert "请稍后重试" in page.text and "Server Error" not in page.text

    assert _get(app, "/healthz").status_code == 200  # the process is up: the balancer keeps it
    ready = _get(app, "/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == "failed"

    cluster.start()  # pg_ctl -w: accepting connections when it returns

    # The same worker reconnects by itself: a few tries at most, no restart.
    statuses = []
    for _ in range(10):
        statuses.append(_get(app, API_ROUTE).status_code)
        if statuses[-1] != 503:
            break
        time.sleep(0.2)
    assert statuses[-1] == 404, statuses
    assert _get(app, API_ROUTE).json() == {"code": "not_found", "detail": "未找到", "errors": {}}
    assert _get(app, PAGE_ROUTE).status_code == 200
    assert _get(app, "/readyz").status_code == 200
