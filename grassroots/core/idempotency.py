"""Idempotent creates: the same key twice gives the same result once."""

from collections.abc import Callable

from django.db import IntegrityError, transaction

from grassroots.core.models import IdempotencyKey


class IdempotencyConflict(Exception):
    """The key was used before for a different action."""


def run_once(*, user, key: str, action: str, work: Callable[[], dict]) -> tuple[dict, bool]:
    """Run ``work`` once for (user, key) and return (result, replayed).

    ``work`` runs inside the same transaction as the key row, so a failure leaves no key
    behind and the retry may succeed. A concurrent duplicate waits on the unique index
    until the first commits, then replays its result.
    """
    if not key:
        return work(), False
    existing = IdempotencyKey.objects.filter(user=user, key=key).first()
    if existing is not None:
        return _replay(existing, action), True
    try:
        with transaction.atomic():
            # Claim the key first: a concurrent duplicate waits on the unique index here, before
            # doing any work, and replays once this transaction commits.
            claimed = IdempotencyKey.objects.create(user=user, key=key, action=action, result={})
            result = work()
            claimed.result = result
            claimed.save(update_fields=["result"])
    except IntegrityError:
        existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is None:
            raise
        return _replay(existing, action), True
    return result, False


def _replay(existing: IdempotencyKey, action: str) -> dict:
    if existing.action != action:
        raise IdempotencyConflict(f"幂等键已用于其他操作（{existing.action}）")
    return existing.result
