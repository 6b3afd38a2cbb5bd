"""Working-day deadlines on the official 2026 calendar (国庆 2026-10-01..07, 调休 Saturday 2026-10-10)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from grassroots.rules import sla
from grassroots.rules.sla import LOCAL, Level


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL)


def test_holidays_and_swapped_working_days():
    assert sla.is_working_day(date(2026, 9, 30))
    assert not sla.is_working_day(date(2026, 10, 1))  # National Day
    assert not sla.is_working_day(date(2026, 10, 7))
    assert sla.is_working_day(date(2026, 10, 10))  # Saturday, swapped working day (调休)
    assert not sla.is_working_day(date(2026, 10, 17))  # an ordinary Saturday


def test_unknown_year_falls_back_to_monday_to_friday():
    assert sla.is_working_day(date(2099, 1, 5))  # Monday
    assert not sla.is_working_day(date(2099, 1, 3))  # Saturday


def test_respond_within_one_working_day_over_a_weekend():
    # Friday 2026-10-16 → end of Monday 2026-10-19; Saturday the same.
    assert sla.deadline(at(2026, 10, 16, 16), 1) == datetime(2026, 10, 19, 23, 59, 59, tzinfo=LOCAL)
    assert sla.deadline(at(2026, 10, 17, 9), 1) == datetime(2026, 10, 19, 23, 59, 59, tzinfo=LOCAL)


def test_deadline_across_national_day():
    received = at(2026, 9, 30, 10)
    assert sla.deadline(received, 1).date() == date(2026, 10, 8)
    # 8, 9, 10 (Saturday worked), 12, 13, 14, 15
    assert sla.deadline(received, 7).date() == date(2026, 10, 15)


def test_utc_input_counts_in_local_days():
    # 2026-10-16 17:00 UTC is already Saturday 01:00 in Shanghai.
    received = datetime(2026, 10, 16, 17, 0, tzinfo=UTC)
    assert sla.deadline(received, 1).date() == date(2026, 10, 19)
    with pytest.raises(ValueError):
        sla.deadline(datetime(2026, 10, 16, 17), 1)
    with pytest.raises(ValueError):
        sla.deadline(received, 0)


def test_category_overrides_most_specific_first():
    assert sla.effective_days([]) == sla.Deadlines(1, 7)
    assert sla.effective_days([(None, 3), (2, 10)]) == sla.Deadlines(2, 3)
    assert sla.effective_days([(None, None), (None, 15)]) == sla.Deadlines(1, 15)
    clock = sla.clock(at(2026, 9, 30), sla.Deadlines(1, 7))
    assert clock.respond_due < clock.resolve_due


def test_escalation_across_a_weekend_and_a_holiday():
    due = sla.deadline(at(2026, 9, 30), 7)  # end of Thursday 2026-10-15
    assert sla.escalation_level(due, at(2026, 10, 15, 23, 0)) == Level.NONE
    assert sla.escalation_level(due, at(2026, 10, 16, 0, 30)) == Level.TOWNSHIP
    # The weekend does not count: three calendar days late, one working day.
    assert sla.working_days_overdue(due, at(2026, 10, 18, 20)) == 1
    assert sla.escalation_level(due, at(2026, 10, 18, 20)) == Level.TOWNSHIP
    assert sla.escalation_level(due, at(2026, 10, 20, 9)) == Level.TOWNSHIP  # 16, 19, 20
    assert sla.escalation_level(due, at(2026, 10, 21, 9)) == Level.COUNTY


def test_holiday_days_are_not_overdue_days():
    due = datetime(2026, 9, 30, 23, 59, 59, tzinfo=LOCAL)
    # Seven days of National Day later: overdue, but not a single working day has passed.
    assert sla.working_days_overdue(due, at(2026, 10, 7, 18)) == 0
    assert sla.escalation_level(due, at(2026, 10, 7, 18)) == Level.TOWNSHIP
    assert sla.working_days_overdue(due, at(2026, 10, 12)) == 4  # 8, 9, 10, 12
    assert sla.escalation_level(due, at(2026, 10, 12)) == Level.COUNTY
    assert sla.escalation_level(None, at(2026, 10, 12)) == Level.NONE


def test_claim_hold_and_reminder():
    claimed = at(2026, 10, 1, 9)
    expires = sla.claim_expiry(claimed)
    assert expires - claimed == timedelta(days=3)
    assert sla.claim_reminder_due(expires) == expires - timedelta(days=1)
    with pytest.raises(ValueError):
        sla.claim_expiry(claimed, 0)


def test_on_time_and_labels():
    due = datetime(2026, 10, 15, 23, 59, 59, tzinfo=LOCAL)
    assert sla.is_on_time(at(2026, 10, 15, 18), due) is True
    assert sla.is_on_time(at(2026, 10, 16, 8), due) is False
    assert sla.is_on_time(None, due) is None
    assert sla.describe(due, at(2026, 10, 15, 8)) == "今日到期"
    assert sla.describe(due, at(2026, 10, 13, 8)) == "剩余2个工作日"
    assert sla.describe(due, at(2026, 10, 19, 8)) == "超期2个工作日"


def test_working_days_between_matches_counting_day_by_day():
    start = date(2025, 12, 20)
    for span in (0, 1, 5, 17, 60, 400):
        end = start + timedelta(days=span)
        slow = sum(sla.is_working_day(start + timedelta(days=i)) for i in range(1, span + 1))
        assert sla.working_days_between(start, end) == slow
    assert sla.working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1  # National Day
    assert sla.working_days_between(date(1999, 12, 30), date(2000, 1, 4)) == 3
    assert sla.working_days_between(date(2026, 10, 8), date(2026, 10, 1)) == 0


def test_the_remaining_working_days_agree_with_the_deadline_beside_them():
    """Received on Sunday 2026-12-06: respond by Monday 12-07, resolve (7 working days) by Tuesday 12-15.
    By hand from the official calendar (no holiday in December 2026): 12-07 … 12-11 (Mon–Fri) and
    12-14, 12-15 are the 7 working days after the 6th."""
    received = at(2026, 12, 6, 10)
    assert [d for d in (date(2026, 12, 6) + timedelta(days=i) for i in range(1, 10)) if sla.is_working_day(d)] == [
        date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 11),
        date(2026, 12, 14), date(2026, 12, 15)]
    clock = sla.clock(received, sla.Deadlines(respond_working_days=1, resolve_working_days=7))
    assert clock.resolve_due.date() == date(2026, 12, 15) and clock.respond_due.date() == date(2026, 12, 7)
    assert sla.describe(clock.resolve_due, received) == "剩余7个工作日"
    assert sla.describe(clock.respond_due, received) == "剩余1个工作日"
    assert sla.describe(clock.resolve_due, at(2026, 12, 14, 9)) == "剩余1个工作日"
    assert sla.describe(clock.resolve_due, at(2026, 12, 12, 9)) == "剩余2个工作日"  # a Saturday
    assert sla.describe(clock.resolve_due, at(2026, 12, 15, 23, 0)) == "今日到期"
    assert sla.describe(clock.resolve_due, at(2026, 12, 16, 9)) == "超期1个工作日"
    # For every number of working days and every day of receipt in a year with holidays, the count left on
    # the day of receipt is the number the deadline was computed from.
    for offset in range(0, 366, 5):
        day = at(2026, 1, 1, 9) + timedelta(days=offset)
        for n in (1, 3, 7, 15):
            assert sla.working_days_left(sla.deadline(day, n), day) == n
