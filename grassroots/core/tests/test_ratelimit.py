from io import StringIO

from django.core.management import call_command
from django.test import RequestFactory

from grassroots.core import ratelimit
from grassroots.core.models import RateCounter


def _from(address):
    return RequestFactory().post("/", REMOTE_ADDR=address)


def test_allows_the_allowance_then_refuses_until_the_window_ends(db):
    decisions = [ratelimit.hit(_from("10.0.0.1"), scope="t", allowed=3, window=600, now=1200.0 + i)
                 for i in range(5)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert decisions[3].retry_after == 600 - 3 + 1  # the window [1200, 1800) ends 597 s after 1203
    assert ratelimit.hit(_from("10.0.0.1"), scope="t", allowed=3, window=600, now=1800.0).allowed


def test_addresses_and_scopes_count_apart(db):
    for _ in range(2):
        ratelimit.hit(_from("10.0.0.1"), scope="a", allowed=2, window=60, now=0)
    assert not ratelimit.hit(_from("10.0.0.1"), scope="a", allowed=2, window=60, now=1).allowed
    assert ratelimit.hit(_from("10.0.0.2"), scope="a", allowed=2, window=60, now=1).allowed
    assert ratelimit.hit(_from("10.0.0.1"), scope="b", allowed=2, window=60, now=1).allowed


def test_purge_forgets_only_old_windows(db):
    ratelimit.hit_key("old", allowed=1, window=60, now=0)
    ratelimit.hit_key("new", allowed=1, window=60, now=100_000)
    assert ratelimit.purge(older_than=86400, now=100_000) == 1
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["new"]


def test_the_demands_tick_forgets_counters_of_windows_long_gone(db):
    ratelimit.hit_key("demands:intake:10.0.0.1", allowed=5, window=600, now=1_000_000)
    out = StringIO()
    call_command("demands_tick", now="2026-12-06T09:00+08:00", stdout=out)
    assert "清理限频计数 1" in out.getvalue() and not RateCounter.objects.exists()
