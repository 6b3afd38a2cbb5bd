"""The one rate limiter: a fixed-window counter per (scope, client address) in the database.

Every app server process and every node counts in the same table, so a limit holds however many
workers or machines serve the public pages (a per-process memory cache would let each of them
grant the whole allowance). One statement counts a hit atomically: INSERT … ON CONFLICT DO UPDATE …
RETURNING, on PostgreSQL and SQLite (≥ 3.35) alike.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from grassroots.audit.context import client_ip
from grassroots.core.models import RateCounter

# (requests, seconds) per client address, by scope; the RATE_LIMITS setting overrides any of them.
LIMITS: dict[str, tuple[int, int]] = {
    "demands:intake": (5, 600),  # five demands every ten minutes from one address
    "demands:track": (60, 600),  # look-ups of tracking codes
    "demands:rate": (10, 600),  # ratings
    # Generous: a whole family may object from one phone, and a village's board is checked by many
    # residents behind one carrier NAT address.
    "points:objection": (10, 600),
    "points:check": (300, 600),
    "points:api:objection": (5, 600),
    # The API's public reads: a village's open notices (many residents behind one NAT address), and the
    # look-up of an objection by its reference (counted before the look-up: guessing references is slowed).
    "points:api:notices": (300, 600),
    "points:api:objection-lookup": (60, 600),
    # 我的积分 by card token: a family opens its own page a few times; a village behind one carrier NAT
    # address shares the allowance. Counted before the token is looked up, so guessing tokens is slowed
    # to this many tries per address, found or not.
    "points:my-points": (120, 600),
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until the window ends (0 when allowed)


def limit_for(scope: str) -> tuple[int, int]:
    """(requests, seconds) allowed for ``scope``: the LIMITS table, overridden by settings.RATE_LIMITS."""
    return {**LIMITS, **getattr(settings, "RATE_LIMITS", {})}[scope]


def check(request, scope: str, *, now: float | None = None) -> Decision:
    """Count one request of ``scope`` from the caller's address against the declared limit."""
    allowed, window = limit_for(scope)
    return hit(request, scope=scope, allowed=allowed, window=window, now=now)


def hit(request, *, scope: str, allowed: int, window: int, now: float | None = None) -> Decision:
    """Count one request of ``scope`` from the caller's address; refuse past ``allowed`` per ``window`` s."""
    return hit_key(f"{scope}:{client_ip(request) or 'unknown'}", allowed=allowed, window=window, now=now)


def hit_key(key: str, *, allowed: int, window: int, now: float | None = None) -> Decision:
    now = time.time() if now is None else now
    window_start = int(now // window) * window
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, window_start, hits) VALUES (%s, %s, 1) "
            f"ON CONFLICT (key) DO UPDATE SET "
            f"hits = CASE WHEN {table}.window_start = excluded.window_start THEN {table}.hits + 1 ELSE 1 END, "
            f"window_start = excluded.window_start "
            f"RETURNING hits",
            [key[:200], window_start],
        )
        hits = cursor.fetchone()[0]
    if hits <= allowed:
        return Decision(True, 0)
    return Decision(False, max(1, int(window_start + window - now) + 1))


def purge(*, older_than: float = 86400, now: float | None = None) -> int:
    """Forget counters whose window began more than ``older_than`` seconds ago (the nightly job)."""
    now = time.time() if now is None else now
    deleted, _ = RateCounter.objects.filter(window_start__lt=now - older_than).delete()
    return deleted
