"""Idempotent creates: the same key twice gives the same result once — the one mechanism.

Every create a phone or a counter may retry goes through here (the JSON API through ``api.common.once``,
pages with a hidden key field through ``run_once``). The conventions, like pretix's API middleware:

- The first call with a key runs the work; its key row and its stored reply are written in the SAME
  transaction as the work, so a crash never leaves work done without its key, nor a key without its work.
- The same key again (same caller) with the same request answers the first reply: the same status and body,
  marked replayed (``Idempotent-Replayed: true`` on the API). A concurrent duplicate waits on the unique
  index until the first commits, then replays it.
- The same key with another body, another route or another action is refused (``IdempotencyConflict``,
  422 on the API).
- A refusal (a raised error: 409, 422, 429, 503 …) rolls the transaction back, key row included: nothing is
  stored and the client may retry with the same key.
- Stored replies are purged ``IDEMPOTENCY_KEEP_DAYS`` after they were written (``purge``, run by the
  scheduled ``grassroots demands-tick``): they may hold full mobiles shown to editors.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from grassroots.core.models import IdempotencyKey

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
DEFAULT_KEEP_DAYS = 7


class IdempotencyConflict(Exception):
    """The key was used before for a different action or request."""


def run_once(*, user, key: str, action: str, work: Callable[[], dict], owner: str = "") -> tuple[dict, bool]:
    """Run ``work`` once for (user, key) and return (result, replayed).

    A caller who is no account (``user`` None: the public page, an Open311 client) holds its keys under
    ``owner`` instead (e.g. ``open311:3``). ``work`` runs inside the same transaction as the key row, so a
    failure leaves no key behind and the retry may succeed. A concurrent duplicate waits on the unique
    index until the first commits, then replays its result.
    """
    if not key:
        return work(), False
    if user is None and not owner:
        raise ValueError("an idempotency key needs a user or an owner")
    holder = {"user": user, "owner": ""} if user is not None else {"user": None, "owner": owner}
    # No look-up first: the first call, by far the usual one, claims the key with its INSERT; a retry
    # finds the key taken (IntegrityError) and reads it then. One statement less on every first call.
    try:
        with transaction.atomic():
            # Claim the key first: a concurrent duplicate waits on the unique index here, before
            # doing any work, and replays once this transaction commits.
            claimed = IdempotencyKey.objects.create(key=key, action=action, result={}, **holder)
            result = work()
            claimed.result = result
            claimed.save(update_fields=["result"])
    except IntegrityError:
        existing = IdempotencyKey.objects.filter(key=key, **holder).first()
        if existing is None:
            raise
        return _replay(existing, action), True
    return result, False


def _replay(existing: IdempotencyKey, action: str) -> dict:
    if existing.action != action:
        raise IdempotencyConflict(f"幂等键已用于其他操作（{existing.action}）")
    return existing.result


def fingerprint(path: str, body) -> str:
    """What makes two requests with one key the same request: the route and the parsed body."""
    raw = json.dumps({"path": path, "body": body}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def reply_once(*, user, key: str, action: str, request_fingerprint: str, status: int,
               work: Callable[[], dict], owner: str = "") -> tuple[int, dict, bool]:
    """Run ``work`` (returning a JSON-ready body) once per (user, key) and answer (status, body, replayed).

    A replay answers the status and body of the first reply. A key first used for another request
    (another body or route: another fingerprint) or another action raises ``IdempotencyConflict``.
    """

    def first_time() -> dict:
        return {"status": status, "body": work(), "fingerprint": request_fingerprint}

    result, replayed = run_once(user=user, owner=owner, key=key, action=action, work=first_time)
    if replayed and result.get("fingerprint") != request_fingerprint:
        raise IdempotencyConflict("该幂等键已用于内容不同的请求，请为新请求生成新的键")
    return result.get("status", status), result.get("body", {}), replayed


def keep_days() -> int:
    return int(getattr(settings, "IDEMPOTENCY_KEEP_DAYS", DEFAULT_KEEP_DAYS))


def purge(*, now=None) -> int:
    """Forget the keys and stored replies written more than ``IDEMPOTENCY_KEEP_DAYS`` ago; the number forgotten.

    A retry after that long is a new request. Run by the scheduled ``demands-tick``."""
    cutoff = (now or timezone.now()) - timedelta(days=keep_days())
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
