"""Account lock-out after repeated failures (MLPS level 2)."""

from collections.abc import Iterable
from datetime import datetime, timedelta


def locked_until(failures: Iterable[datetime], *, now: datetime, last_success: datetime | None,
                 max_failures: int = 5, lockout: timedelta = timedelta(minutes=15)) -> datetime | None:
    """When the account unlocks, or None if it is not locked now.

    ``max_failures`` failures since the last success, each within ``lockout`` of the first,
    lock the account for ``lockout`` after the last of them. Attempts made while locked do
    not extend the lock; after it ends, counting starts again.
    """
    run_start: datetime | None = None
    count = 0
    until: datetime | None = None
    for t in sorted(f for f in failures if last_success is None or f > last_success):
        if until is not None:
            if t < until:
                continue
            until, count, run_start = None, 0, None
        if run_start is None or t - run_start > lockout:
            run_start, count = t, 0
        count += 1
        if count >= max_failures:
            until = t + lockout
    return until if until is not None and until > now else None


def address_blocked_until(failures: Iterable[datetime], *, now: datetime, max_failures: int = 10,
                          window: timedelta = timedelta(minutes=15),
                          block: timedelta = timedelta(minutes=15)) -> datetime | None:
    """When one client address may try to log in again, or None if it may now.

    ``failures`` are the failed log-ins from that address, whichever accounts (or unknown names) they
    named. ``max_failures`` of them within any ``window`` block the address for ``block`` after the last
    of them. A success does not reset the count (one working account must not shield guessing at
    others); attempts refused while blocked are not failures and do not extend the block; after it ends,
    counting starts again.
    """
    recent: list[datetime] = []
    until: datetime | None = None
    for t in sorted(failures):
        if until is not None:
            if t < until:
                continue
            until, recent = None, []
        recent = [r for r in recent if t - r < window] + [t]
        if len(recent) >= max_failures:
            until, recent = t + block, []
    return until if until is not None and until > now else None
