"""The database out of reach (core/errors.py): 503 with Retry-After, JSON under /api/ and a standalone
Chinese page elsewhere, for connection-level failures only; and the load balancer's probes (core/health.py).
The test client runs with DEBUG off, as production does, and is told not to re-raise."""

import json
import sqlite3
import sys
from unittest import mock

import psycopg
import pytest
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from grassroots.core import errors, health
from grassroots.settings import _caches


def lenient(client: Client) -> Client:
    client.raise_request_exception = False
    return client


def _db_error(cause: Exception, cls=OperationalError) -> Exception:
    """What Django's DatabaseErrorWrapper raises: its own class, the driver's exception as __cause__."""
    error = cls(str(cause))
    error.__cause__ = cause
    return error


REFUSED = _db_error(psycopg.OperationalError('connection failed: connection to server at "127.0.0.1", port 5432 '
                                             "failed: Connection refused"))
STARTING_UP = _db_error(psycopg.errors.CannotConnectNow("the database system is starting up"))
CLOSED = _db_error(psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly"))
LOCKED = _db_error(sqlite3.OperationalError("database is locked"))
NO_TABLE = _db_error(sqlite3.OperationalError("no such table: points_notice"))
STATEMENT_TIMEOUT = _db_error(psycopg.errors.QueryCanceled("canceling statement due to statement timeout"))


@pytest.mark.parametrize("error", [REFUSED, STARTING_UP, CLOSED, LOCKED, InterfaceError("connection already closed")],
                         ids=["refused", "starting-up", "closed", "sqlite-locked", "interface"])
def test_connection_level_failures_count_as_unavailable(error):
    assert errors.database_unavailable(error)


@pytest.mark.parametrize("error", [NO_TABLE, STATEMENT_TIMEOUT, ValueError("x"), None],
                         ids=["sqlite-no-table", "statement-timeout", "not-a-db-error", "nothing"])
def test_other_failures_are_not_called_unavailable(error):
    assert not errors.database_unavailable(error)


# ---------------------------------------------------------------- 503 answers


@pytest.mark.django_db
def test_api_route_answers_503_json_with_retry_after_when_the_database_is_unreachable(client):
    with mock.patch("grassroots.claims.api.selectors.public_notice", side_effect=REFUSED):
        response = lenient(client).get("/api/points/public/notices/abc123/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content) == {"code": "unavailable", "detail": "系统繁忙，请稍后重试", "errors": {}}


@pytest.mark.django_db
def test_page_answers_the_standalone_chinese_503_page_when_the_database_is_starting_up(client):
    with mock.patch("grassroots.demands.public.selectors.public_area", side_effect=STARTING_UP):
        response = lenient(client).get("/d/150426100223/")
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "请稍后重试" in body and 'href="/"' in body
    assert "Service Unavailable" not in body and "Server Error" not in body


@pytest.mark.django_db
def test_a_query_error_that_is_not_about_the_connection_stays_a_500(client):
    with mock.patch("grassroots.claims.api.selectors.public_notice", side_effect=NO_TABLE):
        response = lenient(client).get("/api/points/public/notices/abc123/")
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_the_503_page_renders_without_the_database():
    # Standalone like the 500 page: no request context, so no context processor can query anything.
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", side_effect=REFUSED):
        response = errors.service_unavailable(mock.Mock(path="/points/"))
    assert response.status_code == 503 and "请稍后重试" in response.content.decode()


def test_handler500_answers_503_for_a_database_failure_raised_outside_a_view():
    # A middleware's exception reaches handler500 inside Django's except block; the handler looks there.
    request = mock.Mock(path="/api/areas/")
    try:
        raise REFUSED
    except OperationalError:
        assert sys.exc_info()[1] is REFUSED
        response = errors.server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert json.loads(response.content) == {"code": "unavailable", "detail": "系统繁忙，请稍后重试", "errors": {}}


# ---------------------------------------------------------------- probes


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any query would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}


@pytest.fixture
def fresh_migration_check(monkeypatch):
    monkeypatch.setitem(health._MIGRATED, "done", False)


@pytest.mark.django_db
def test_readyz_is_ok_when_database_cache_and_migrations_are(client, fresh_migration_check):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert json.loads(response.content) == {"status": "ok",
                                            "checks": {"database": "ok", "cache": "ok", "migrations": "ok"}}
    assert health._MIGRATED["done"]  # the costly migration check is not repeated


@pytest.mark.django_db
def test_readyz_answers_503_naming_unapplied_migrations(client, fresh_migration_check):
    with mock.patch("django.db.migrations.executor.MigrationExecutor.migration_plan", return_value=[("x", False)]):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert json.loads(response.content)["checks"] == {"database": "ok", "cache": "ok", "migrations": "failed"}


@pytest.mark.django_db
def test_readyz_answers_503_naming_the_cache_when_it_fails(client, fresh_migration_check):
    with mock.patch("grassroots.core.health.cache.set", side_effect=ConnectionError("redis down at 10.0.0.5")):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.content.decode()
    assert json.loads(body)["checks"]["cache"] == "failed"
    assert "10.0.0.5" not in body  # no error text (hosts, users) in the answer


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_is_unreachable(client, fresh_migration_check):
    with mock.patch("grassroots.core.health._database", side_effect=REFUSED), \
         mock.patch("grassroots.core.health.cache.set", side_effect=REFUSED):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"] == {"database": "failed", "cache": "failed",
                                                       "migrations": "unknown"}


@pytest.mark.django_db
def test_the_cache_is_the_shared_database_cache_by_default():
    cache = caches["default"]
    assert isinstance(cache, DatabaseCache)
    cache.set("shared", 1)
    with connection.cursor() as cursor:  # written to the table every process reads
        cursor.execute("SELECT COUNT(*) FROM grassroots_cache")
        assert cursor.fetchone()[0] >= 1


# ---------------------------------------------------------------- CACHE_URL


def test_cache_url_selects_valkey_or_redis_and_says_how_to_install_the_client():
    assert _caches("")["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    with mock.patch("importlib.util.find_spec", return_value=object()):
        redis = _caches("valkey://:secret@10.0.0.5:6379/1")
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://:secret@10.0.0.5:6379/1"
    with mock.patch("importlib.util.find_spec", return_value=None), \
         pytest.raises(ImproperlyConfigured, match="pip install redis") as missing:
        _caches("redis://:secret@10.0.0.5:6379/1")
    assert "secret" not in str(missing.value)
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        _caches("memcached://10.0.0.5:11211")
