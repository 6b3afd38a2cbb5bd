"""Heavy read-only pages read from a streaming replica (``DATABASE_REPLICA_URL``); everything else uses the
primary.

The primary is the default. Reads go to the replica only inside an explicit scope, ``reads_from_replica`` (a
view decorator) or ``replica_reads()`` (a context manager), and even there not

- while a transaction is open on the primary (what it reads may be about to be written, or locked);
- after the request wrote through the ORM (it must read its own writes);
- for what a request must read as it was just written: its session, its account and roles, idempotency keys
  and rate counters, the shared cache (``PRIMARY_APPS``).

Writes always go to the primary (a write on a hot standby fails with "read-only transaction"); migrations run
on the primary only. A replica that cannot be reached costs a page nothing: the scope is not entered and the
page reads from the primary, and the replica is not tried again for ``RETRY_SECONDS``; a replica that fails in
the middle of a page that has not written (or a replica that has not yet replayed what the page looks up, a
404) makes the decorator answer once more from the primary. Without ``DATABASE_REPLICA_URL`` there is no
router and the scope changes nothing.
"""

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import Http404

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"

# Read on the primary whatever the scope: the session (a log-in a moment ago), the account and its role
# assignments (a role just granted), idempotency keys and rate counters (core), Django's cache table.
PRIMARY_APPS = frozenset({"sessions", "auth", "contenttypes", "admin", "access", "core", "django_cache"})

# After the replica could not be reached, pages read from the primary for this long before it is tried again.
RETRY_SECONDS = 30.0

_down_until = 0.0  # per process: time.monotonic() before which the replica is not tried


@dataclass
class Reads:
    """One scope of replica reads: did a query go to the replica, did the request write."""

    used: bool = False
    wrote: bool = False


_reads: ContextVar[Reads | None] = ContextVar("grassroots_replica_reads", default=None)


class ReplicaRouter:
    """settings.DATABASE_ROUTERS when DATABASE_REPLICA_URL is set."""

    def db_for_read(self, model, **hints):
        reads = _reads.get()
        if (reads is None or reads.wrote or model._meta.app_label in PRIMARY_APPS
                or connections[PRIMARY].in_atomic_block):
            return PRIMARY
        reads.used = True
        return REPLICA

    def db_for_write(self, model, **hints):
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True  # from now on this request reads what it wrote: on the primary
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def configured() -> bool:
    return REPLICA in connections.settings


def mark_down() -> None:
    global _down_until
    _down_until = time.monotonic() + RETRY_SECONDS


def available() -> bool:
    """Configured, not recently failed, and answering: connected (or reconnected), with Django's health
    check of a kept connection (``conn_health_checks``) done now rather than at the first query."""
    if not configured() or time.monotonic() < _down_until:
        return False
    replica = connections[REPLICA]
    try:
        replica.close_if_health_check_failed()
        replica.ensure_connection()
    except DatabaseError as exc:
        mark_down()
        logger.warning("replica out of reach, reading from the primary for %ss: %s", RETRY_SECONDS, exc)
        return False
    return True


def _usable() -> bool:
    replica = connections[REPLICA]
    try:
        return replica.connection is not None and replica.is_usable()
    except DatabaseError:
        return False


@contextmanager
def replica_reads():
    """Reads inside may go to the replica. Yields the scope's ``Reads``, or None when the replica is not
    configured or out of reach (then everything reads from the primary). Nested scopes are one scope."""
    current = _reads.get()
    if current is not None:
        yield current
        return
    if not available():
        yield None
        return
    reads = Reads()
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)


def reads_from_replica(view):
    """A GET/HEAD of ``view`` reads from the replica (other methods, from the primary). If the replica fails
    during the page, or the page answers 404 from it (a row it has not replayed yet), and the page has not
    written, the page is answered again from the primary. Only the ORM's writes are seen (``db_for_write``):
    a page that writes through a raw cursor (the rate limiter) must not be routed."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        with replica_reads() as reads:
            try:
                return view(request, *args, **kwargs)
            except (DatabaseError, Http404) as exc:
                if reads is None or not reads.used or reads.wrote:
                    raise
                failure = exc
        if isinstance(failure, DatabaseError):
            if not _usable():
                mark_down()
            logger.warning("replica failed during %s, answering from the primary: %s", request.path, failure)
        token = _reads.set(None)  # the primary, also inside an enclosing scope
        try:
            return view(request, *args, **kwargs)
        finally:
            _reads.reset(token)

    wrapped.reads_from_replica = True
    return wrapped
