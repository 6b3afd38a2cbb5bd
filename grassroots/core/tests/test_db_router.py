"""The replica router's decisions, without a replica (tests/live/test_replica.py runs a real one): where a
read goes in and out of the scope, in and out of a transaction, before and after a write; a replica out of
reach; a page answered again from the primary; which pages are routed; the settings."""

import json
import os
import subprocess
import sys

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, connections, transaction
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import resolve

from grassroots.access.models import RoleAssignment, User
from grassroots.areas.models import Area, Household
from grassroots.core import db_router
from grassroots.core.db_router import PRIMARY, REPLICA, ReplicaRouter, reads_from_replica, replica_reads
from grassroots.core.models import RateCounter
from grassroots.demands.models import Demand

router = ReplicaRouter()


@pytest.fixture
def replica_up(monkeypatch):
    """As if a replica were configured and answering."""
    monkeypatch.setattr(db_router, "available", lambda: True)


def test_reads_go_to_the_primary_outside_the_scope():
    assert router.db_for_read(Area) == PRIMARY
    assert router.db_for_read(Demand) == PRIMARY


def test_reads_in_the_scope_go_to_the_replica(replica_up):
    with replica_reads() as reads:
        assert router.db_for_read(Area) == REPLICA
        assert router.db_for_read(Household) == REPLICA
        assert reads.used
        with replica_reads() as inner:  # nested: the same scope
            assert inner is reads
    assert router.db_for_read(Area) == PRIMARY


def test_what_a_request_must_read_as_written_stays_on_the_primary(replica_up):
    """The session (a log-in a moment ago), the account and its roles, rate counters, the shared cache."""
    cache_entry = type("CacheEntry", (), {"_meta": type("Meta", (), {"app_label": "django_cache"})})
    with replica_reads() as reads:
        for model in (Session, User, RoleAssignment, RateCounter, cache_entry):
            assert router.db_for_read(model) == PRIMARY, model
        assert not reads.used


def test_after_a_write_the_request_reads_the_primary(replica_up):
    with replica_reads() as reads:
        assert router.db_for_read(Area) == REPLICA
        assert router.db_for_write(Area) == PRIMARY
        assert reads.wrote
        assert router.db_for_read(Area) == PRIMARY
    with replica_reads():  # the next scope starts afresh
        assert router.db_for_read(Area) == REPLICA


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_reads_go_to_the_primary(replica_up):
    with replica_reads():
        assert router.db_for_read(Area) == REPLICA
        with transaction.atomic():
            assert router.db_for_read(Area) == PRIMARY
        assert router.db_for_read(Area) == REPLICA


def test_writes_and_migrations_only_on_the_primary(replica_up):
    assert router.db_for_write(Area) == PRIMARY
    with replica_reads():
        assert router.db_for_write(Demand) == PRIMARY
    assert router.allow_migrate(PRIMARY, "areas")
    assert not router.allow_migrate(REPLICA, "areas")
    assert router.allow_relation(Area(), Household())


def test_without_a_replica_the_scope_changes_nothing():
    assert not db_router.configured()  # the suite runs without DATABASE_REPLICA_URL
    with replica_reads() as reads:
        assert reads is None
        assert router.db_for_read(Area) == PRIMARY


class _Unreachable:
    def __init__(self):
        self.tries = 0

    def close_if_health_check_failed(self):
        pass

    def ensure_connection(self):
        self.tries += 1
        raise OperationalError('connection to server at "127.0.0.1", port 5433 failed: Connection refused')


class _Handler(dict):
    @property
    def settings(self):
        return self


def test_a_replica_out_of_reach_is_left_alone_for_a_while(monkeypatch):
    replica = _Unreachable()
    monkeypatch.setattr(db_router, "connections", _Handler({PRIMARY: connections[PRIMARY], REPLICA: replica}))
    monkeypatch.setattr(db_router, "_down_until", 0.0)
    clock = [1000.0]
    monkeypatch.setattr(db_router.time, "monotonic", lambda: clock[0])

    with replica_reads() as reads:
        assert reads is None  # not entered: the page reads the primary
        assert router.db_for_read(Area) == PRIMARY
    assert replica.tries == 1
    clock[0] += db_router.RETRY_SECONDS - 1
    with replica_reads() as reads:
        assert reads is None
    assert replica.tries == 1  # not tried again (no connect timeout per page)
    clock[0] += 2
    with replica_reads():
        pass
    assert replica.tries == 2


def _page(outcomes: list, seen: list):
    """A view that records where it would read, then answers or fails as ``outcomes`` says, in turn."""

    @reads_from_replica
    def view(request):
        seen.append(router.db_for_read(Area))
        outcome = outcomes.pop(0)
        if outcome == "write":
            router.db_for_write(Area)
            raise OperationalError("canceling statement due to conflict with recovery")
        if isinstance(outcome, Exception):
            raise outcome
        return HttpResponse(outcome)

    return view


def test_a_get_reads_the_replica_and_a_post_the_primary(replica_up):
    seen = []
    view = _page(["ok", "ok"], seen)
    assert view(RequestFactory().get("/")).content == b"ok"
    assert view(RequestFactory().post("/")).content == b"ok"
    assert seen == [REPLICA, PRIMARY]
    assert router.db_for_read(Area) == PRIMARY  # the scope ended with the page


def test_a_page_the_replica_fails_is_answered_from_the_primary(replica_up, monkeypatch):
    monkeypatch.setattr(db_router, "_usable", lambda: True)  # a query cancelled, the replica still up
    seen = []
    view = _page([OperationalError("canceling statement due to conflict with recovery"), "from the primary"], seen)
    assert view(RequestFactory().get("/")).content == b"from the primary"
    assert seen == [REPLICA, PRIMARY]


def test_a_row_the_replica_has_not_replayed_is_looked_up_on_the_primary(replica_up):
    seen = []
    view = _page([Http404("未找到"), "found"], seen)
    assert view(RequestFactory().get("/")).content == b"found"
    assert seen == [REPLICA, PRIMARY]
    with pytest.raises(Http404):  # missing on the primary too: 404
        _page([Http404("未找到"), Http404("未找到")], [])(RequestFactory().get("/"))


def test_the_second_answer_reads_the_primary_also_inside_a_scope(replica_up):
    seen = []
    with replica_reads():
        view = _page([Http404("未找到"), "found"], seen)
        assert view(RequestFactory().get("/")).content == b"found"
        assert router.db_for_read(Area) == REPLICA  # the enclosing scope goes on
    assert seen == [REPLICA, PRIMARY]


def test_a_page_that_wrote_is_not_answered_twice(replica_up):
    seen = []
    with pytest.raises(OperationalError):
        _page(["write", "again"], seen)(RequestFactory().get("/"))
    assert seen == [REPLICA]


ROUTED = [
    "/board/grids/150426100223001/", "/points/grids/1/board/", "/points/grids/1/statement/2026/11/",
    "/points/grids/1/statement/2026/11.pdf", "/points/households/1/statement/2026/11.pdf",
    "/points/villages/1/ranking/", "/points/settlements/1/xlsx/", "/board/settlements/abcd/",
    "/points/villages/1/annual/2026/xlsx/", "/points/villages/1/annual/2026/pdf/",
    "/points/villages/1/annual/2026/certificates/", "/demands/numbers/", "/", "/exports/households.xlsx",
    "/party/members/register.xlsx", "/party/members/mobile.xlsx", "/party/meetings/compliance/",
    "/party/meetings/compliance.xlsx", "/pairing/coverage/", "/pairing/coverage.xlsx", "/pairing/figures/",
    "/pairing/pairs.xlsx", "/volunteers/", "/volunteers/people/", "/volunteers/people.xlsx",
    "/dashboard/150426000000/screen/", "/dashboard/150426000000/screen.json",
    "/dashboard/150426000000/briefing/", "/dashboard/150426000000/briefing/2026-3.pdf",
]
# Pages a user opens right after writing and must show that write: their own objection on the notice, the
# household's balance after a redemption, a closed year, a claimed wish, a demand's own page.
NOT_ROUTED = [
    "/board/notices/abcd/", "/board/notices/abcd/check/", "/points/households/1/", "/points/villages/1/annual/2026/",
    "/demands/wishes/", "/demands/1/", "/d/150426100223/t/ABCD/", "/households/1/", "/points/settlements/1/",
    "/party/members/", "/party/members/1/", "/party/members/transfers/", "/party/members/mobile/",
    "/party/members/home-reports/", "/pairing/pairs/1/", "/pairing/visits/1/", "/pairing/households/1/",
    "/pairing/cloud/meetings/1/", "/volunteers/me/", "/volunteers/activities/1/", "/volunteers/hours/",
    "/volunteers/rotas/1/", "/volunteers/dispatches/",
    # 我的积分 writes its rate-limit count through a raw cursor; the card's scan reads who may redeem.
    "/my/abcd/", "/shop/card/abcd/",
]


@pytest.mark.parametrize("path", ROUTED)
def test_heavy_read_only_pages_are_routed(path):
    assert getattr(resolve(path).func, "reads_from_replica", False)


@pytest.mark.parametrize("path", NOT_ROUTED)
def test_pages_that_must_show_a_fresh_write_are_not(path):
    assert not getattr(resolve(path).func, "reads_from_replica", False)


def _settings(tmp_path, **env) -> subprocess.CompletedProcess:
    code = ("import json; from django.conf import settings as s; "
            "print(json.dumps({'replica': s.DATABASES.get('replica'), 'routers': s.DATABASE_ROUTERS}, default=str))")
    environ = {**{k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"},
               "DJANGO_SETTINGS_MODULE": "grassroots.settings", "SECRET_KEY": "x" * 50,
               "GRASSROOTS_VAR": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True)


def test_settings_add_the_replica_and_the_router(tmp_path):
    done = _settings(tmp_path, DATABASE_URL="postgres://app:pw@10.0.0.1:5432/grassroots", CONN_MAX_AGE="300",
                     DATABASE_REPLICA_URL="postgres://app:pw@10.0.0.2:5432/grassroots")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    replica = found["replica"]
    assert (replica["HOST"], replica["PORT"], replica["NAME"]) == ("10.0.0.2", 5432, "grassroots")
    assert replica["CONN_MAX_AGE"] == 300 and replica["CONN_HEALTH_CHECKS"] is True
    assert replica["OPTIONS"]["connect_timeout"] == 3
    assert replica["TEST"] == {"MIRROR": "default"}
    assert found["routers"] == ["grassroots.core.db_router.ReplicaRouter"]

    without = json.loads(_settings(tmp_path, DATABASE_URL="postgres://app:pw@10.0.0.1:5432/grassroots").stdout)
    assert without == {"replica": None, "routers": []}


def test_a_replica_needs_postgresql(tmp_path):
    done = _settings(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
                     DATABASE_REPLICA_URL="postgres://app:pw@10.0.0.2:5432/grassroots")
    assert done.returncode != 0
    assert "DATABASE_REPLICA_URL 只能与 PostgreSQL" in done.stderr
