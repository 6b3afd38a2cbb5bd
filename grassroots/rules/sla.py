"""Deadlines of demands (办理时限), in working days of the official Chinese holiday calendar.

Pure Python, no Django. Working days come from the ``chinesecalendar`` package (``import chinese_calendar``),
which follows the State Council's yearly notice: public holidays are rest days and the weekend days swapped
for them (调休, e.g. Saturday 2026-10-10) are working days. For a year the package does not know yet it falls
back to Monday–Friday, so a deadline is never missing; update the package each December.

The rules:

* A deadline of N working days falls at the end (23:59:59, Asia/Shanghai) of the Nth working day after the
  day of receipt. Received on Friday or on Saturday, "1 working day" means the end of Monday.
* Defaults: respond within 1 working day, resolve within 7 working days; a category overrides either, and a
  category without its own value takes its parent's (most specific first).
* An overdue item escalates: past its deadline → the township (level 1); more than
  ``COUNTY_AFTER_WORKING_DAYS`` working days past it → the county (level 2). Weekends and holidays do not count.
* A micro-wish claim is held for ``CLAIM_HOLD_DAYS`` calendar days; a reminder is due ``CLAIM_REMIND_BEFORE``
  before it lapses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import IntEnum
from functools import lru_cache
from itertools import accumulate
from zoneinfo import ZoneInfo

import chinese_calendar

LOCAL = ZoneInfo("Asia/Shanghai")

DEFAULT_RESPOND_WORKING_DAYS = 1
DEFAULT_RESOLVE_WORKING_DAYS = 7
COUNTY_AFTER_WORKING_DAYS = 3
CLAIM_HOLD_DAYS = 3
CLAIM_REMIND_BEFORE = timedelta(days=1)
END_OF_DAY = time(23, 59, 59)


class Level(IntEnum):
    NONE = 0
    TOWNSHIP = 1
    COUNTY = 2


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the calendar package does not cover yet
        return day.weekday() < 5


@lru_cache(maxsize=256)
def _year_prefix(year: int) -> tuple[int, ...]:
    """prefix[i] = working days among the first i days of ``year``."""
    first = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - first).days
    return (0, *accumulate(int(is_working_day(first + timedelta(days=i))) for i in range(days)))


@lru_cache(maxsize=256)
def _before_year(year: int) -> int:
    """Working days from 2000-01-01 up to the end of the year before ``year``."""
    return sum(_year_prefix(y)[-1] for y in range(2000, year)) if year > 2000 else -sum(
        _year_prefix(y)[-1] for y in range(year, 2000))


def _working_days_through(day: date) -> int:
    """Working days from 2000-01-01 through ``day`` (a running count: differences are what matter)."""
    return _before_year(day.year) + _year_prefix(day.year)[day.timetuple().tm_yday]


def working_days_between(after: date, through: date) -> int:
    """Working days d with after < d ≤ through, in constant time after the first call for a year."""
    if through <= after:
        return 0
    return _working_days_through(through) - _working_days_through(after)


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: deadlines need an aware time")
    return moment.astimezone(LOCAL)


def nth_working_day_after(day: date, n: int) -> date:
    """The nth working day strictly after ``day`` (n ≥ 1); n = 0 gives ``day`` itself."""
    if n < 0:
        raise ValueError("n must not be negative")
    current = day
    while n > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            n -= 1
    return current


def deadline(received: datetime, working_days: int) -> datetime:
    """End of the ``working_days``-th working day after the day ``received`` falls on (local time)."""
    if working_days < 1:
        raise ValueError("a deadline is at least one working day")
    day = nth_working_day_after(_local(received).date(), working_days)
    return datetime.combine(day, END_OF_DAY, tzinfo=LOCAL)


@dataclass(frozen=True)
class Deadlines:
    respond_working_days: int
    resolve_working_days: int


def effective_days(overrides: Iterable[tuple[int | None, int | None]]) -> Deadlines:
    """Deadlines from (respond, resolve) overrides listed most specific first (a category, then its parents)."""
    respond = resolve = None
    for own_respond, own_resolve in overrides:
        respond = respond if respond is not None else own_respond
        resolve = resolve if resolve is not None else own_resolve
    return Deadlines(
        respond_working_days=respond or DEFAULT_RESPOND_WORKING_DAYS,
        resolve_working_days=resolve or DEFAULT_RESOLVE_WORKING_DAYS,
    )


@dataclass(frozen=True)
class Clock:
    respond_due: datetime
    resolve_due: datetime


def clock(received: datetime, days: Deadlines) -> Clock:
    return Clock(
        respond_due=deadline(received, days.respond_working_days),
        resolve_due=deadline(received, max(days.resolve_working_days, days.respond_working_days)),
    )


def working_days_overdue(due: datetime, now: datetime) -> int:
    """Working days from the day after ``due`` up to and including today (0 while not overdue)."""
    due_local, now_local = _local(due), _local(now)
    if now_local <= due_local:
        return 0
    return working_days_between(due_local.date(), now_local.date())


def escalation_level(due: datetime | None, now: datetime) -> Level:
    """Township as soon as the deadline has passed; county once more than COUNTY_AFTER_WORKING_DAYS
    working days have gone by since."""
    if due is None or _local(now) <= _local(due):
        return Level.NONE
    if working_days_overdue(due, now) > COUNTY_AFTER_WORKING_DAYS:
        return Level.COUNTY
    return Level.TOWNSHIP


def is_on_time(resolved_at: datetime | None, resolve_due: datetime | None) -> bool | None:
    if resolved_at is None or resolve_due is None:
        return None
    return resolved_at <= resolve_due


def claim_expiry(claimed_at: datetime, hold_days: int = CLAIM_HOLD_DAYS) -> datetime:
    if hold_days < 1:
        raise ValueError("a claim is held at least one day")
    return claimed_at + timedelta(days=hold_days)


def claim_reminder_due(expires_at: datetime, before: timedelta = CLAIM_REMIND_BEFORE) -> datetime:
    return expires_at - before


def working_days_left(due: datetime, now: datetime) -> int:
    """Working days d with today < d ≤ the deadline's day: the count ``deadline`` itself used, so on the
    day of receipt a deadline of N working days has N left (received Sunday 2026-12-06 with 7: due
    Tuesday 2026-12-15, 7 left). 0 on the day it falls due and after."""
    return working_days_between(_local(now).date(), _local(due).date())


def describe(due: datetime | None, now: datetime) -> str:
    """A short Chinese label for a deadline, in working days like the deadline itself:
    剩余2个工作日 / 今日到期 / 超期3个工作日. Show it beside the deadline it was given."""
    if due is None:
        return ""
    due_local, now_local = _local(due), _local(now)
    if now_local > due_local:
        days = working_days_overdue(due, now)
        return f"超期{days}个工作日" if days else "已超期"
    left = working_days_left(due, now)
    if due_local.date() == now_local.date():
        return "今日到期"
    return f"剩余{left}个工作日" if left else "今日到期"
