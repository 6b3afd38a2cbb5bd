import pytest

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
