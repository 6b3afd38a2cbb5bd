from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from grassroots.core import idempotency
from grassroots.core.idempotency import IdempotencyConflict, run_once
from grassroots.core.models import IdempotencyKey


def test_same_key_twice_does_the_work_once(insider):
    calls = []

    def work():
        calls.append(1)
        return {"id": len(calls)}

    first = run_once(user=insider, key="k-1", action="test.create", work=work)
    second = run_once(user=insider, key="k-1", action="test.create", work=work)
    assert first == ({"id": 1}, False)
    assert second == ({"id": 1}, True)
    assert len(calls) == 1


def test_failed_work_leaves_no_key_so_the_retry_can_succeed(insider):
    def failing():
        raise ValueError("boom")

    with pytest.raises(ValueError):
        run_once(user=insider, key="k-2", action="test.create", work=failing)
    assert not IdempotencyKey.objects.filter(key="k-2").exists()
    assert run_once(user=insider, key="k-2", action="test.create", work=lambda: {"ok": True}) == ({"ok": True}, False)


def test_key_reused_for_another_action_is_refused(insider):
    run_once(user=insider, key="k-3", action="test.create", work=dict)
    with pytest.raises(IdempotencyConflict):
        run_once(user=insider, key="k-3", action="test.other", work=dict)


def test_keys_belong_to_their_user(insider, reader):
    run_once(user=insider, key="same", action="test.create", work=lambda: {"who": "insider"})
    assert run_once(user=reader, key="same", action="test.create", work=lambda: {"who": "reader"}) == (
        {"who": "reader"}, False)


def test_stored_replies_are_purged_after_the_set_days_by_demands_tick(insider, reader, settings):
    """They may hold full mobiles: ``demands-tick`` forgets them IDEMPOTENCY_KEEP_DAYS after they were written."""
    settings.IDEMPOTENCY_KEEP_DAYS = 7
    run_once(user=insider, key="old", action="test.create", work=lambda: {"mobile": "13904761234"})
    run_once(user=reader, key="recent", action="test.create", work=lambda: {"mobile": "13904760000"})
    now = timezone.now()
    IdempotencyKey.objects.filter(key="old").update(created_at=now - timedelta(days=7, minutes=1))
    IdempotencyKey.objects.filter(key="recent").update(created_at=now - timedelta(days=6, hours=23))
    call_command("demands_tick", now=now.isoformat())
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
    # The purged key is a new request again; the kept one still replays.
    assert run_once(user=insider, key="old", action="test.create", work=lambda: {"n": 2}) == ({"n": 2}, False)
    assert run_once(user=reader, key="recent", action="test.create", work=dict) == ({"mobile": "13904760000"}, True)
    settings.IDEMPOTENCY_KEEP_DAYS = 30
    assert idempotency.purge(now=now + timedelta(days=23)) == 0  # the older one is 29 days 23 hours old
    assert idempotency.purge(now=now + timedelta(days=31)) == 2
