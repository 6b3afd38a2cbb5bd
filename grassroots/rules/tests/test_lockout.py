"""The per-address throttle: failures from one client address, over any accounts."""

from datetime import datetime, timedelta

from grassroots.rules.lockout import address_blocked_until

T0 = datetime(2026, 12, 5, 9, 0)


def _minutes(*offsets):
    return [T0 + timedelta(minutes=m) for m in offsets]


def test_ten_failures_within_fifteen_minutes_block_the_address_for_fifteen_minutes_after_the_last():
    failures = _minutes(*range(10))  # 09:00 … 09:09
    assert address_blocked_until(failures, now=T0 + timedelta(minutes=10)) == T0 + timedelta(minutes=24)
    assert address_blocked_until(failures[:9], now=T0 + timedelta(minutes=10)) is None
    assert address_blocked_until(failures, now=T0 + timedelta(minutes=24)) is None  # the block has ended


def test_failures_spread_wider_than_the_window_do_not_block():
    # One failure every two minutes: never ten inside any fifteen minutes.
    failures = _minutes(*range(0, 60, 2))
    assert address_blocked_until(failures, now=T0 + timedelta(minutes=60)) is None


def test_the_window_slides():
    # Two early failures age out; ten later ones inside 15 minutes still block.
    failures = _minutes(0, 1, *range(20, 30))
    assert address_blocked_until(failures, now=T0 + timedelta(minutes=30)) == T0 + timedelta(minutes=44)


def test_after_a_block_counting_starts_again():
    failures = _minutes(*range(10)) + _minutes(30, 31)  # the block ended at 09:24
    assert address_blocked_until(failures, now=T0 + timedelta(minutes=32)) is None


def test_limits_are_parameters():
    failures = _minutes(0, 1, 2)
    assert address_blocked_until(failures, now=T0 + timedelta(minutes=3), max_failures=3,
                                 block=timedelta(minutes=5)) == T0 + timedelta(minutes=7)
