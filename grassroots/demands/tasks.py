"""The demands' scheduled job (core/tasks.py SCHEDULE; `grassroots demands-tick` runs it by hand)."""

from django.utils import timezone

from grassroots.audit.context import Actor
from grassroots.core import idempotency, ratelimit
from grassroots.demands import services


def tick(now=None) -> dict:
    """Remind and lapse wish claims, escalate overdue demands, close unrated ones; forget old rate-limit windows
    and stored idempotent replies. Safe to run twice or concurrently: every item is re-read under a row lock."""
    now = now or timezone.now()
    result = services.tick(actor=Actor.system("demands-tick"), now=now)
    # The public pages' rate-limit counters of windows that ended a day ago are no use to anyone.
    result["forgotten"] = ratelimit.purge(older_than=86400, now=now.timestamp())
    # Stored idempotent replies (they may hold full mobiles) past IDEMPOTENCY_KEEP_DAYS.
    result["replies"] = idempotency.purge(now=now)
    return result
