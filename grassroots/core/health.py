"""Probes for the load balancer (docs/deploy.md): ``/healthz`` says the process answers (it touches
nothing: no database, no cache, no session); ``/readyz`` says this node can serve requests now: the
database answers ``SELECT 1``, the cache (settings.CACHES, shared by every process) stores and returns a
key, and no migration is waiting. Neither needs a log-in, and neither body carries an error text (which
could name hosts or users): only which check failed."""

import logging
import secrets

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from grassroots.core.errors import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)

_MIGRATED = {"done": False}  # once every migration is applied it stays so for this process's code


def _database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key, token = "readyz:probe", secrets.token_hex(8)
    cache.set(key, token, timeout=30)
    if cache.get(key) != token:
        raise RuntimeError("the cache did not return the value just stored")


def _migrations() -> None:
    """No unapplied migration. Loading the graph is costly, so the answer is kept once it is yes."""
    if _MIGRATED["done"]:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migration(s) not applied")
    _MIGRATED["done"] = True


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    checks = {}
    for name, check in (("database", _database), ("cache", _cache), ("migrations", _migrations)):
        if name == "migrations" and checks["database"] != "ok":
            checks[name] = "unknown"  # cannot be read without the database
            continue
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:
            logger.warning("readyz: %s check failed: %s: %s", name, type(exc).__name__, exc)
            checks[name] = "failed"
    if all(state == "ok" for state in checks.values()):
        return JsonResponse({"status": "ok", "checks": checks})
    response = JsonResponse({"status": "unavailable", "checks": checks}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
