"""Rules of the 两新 census (non-public enterprises and social organisations), without Django.

An organisation qualifies to build a party organisation of its own when its latest census return counts at least
three full members (党章 第三十条); the register of newly built organisations is kept per calendar year; a dated
span (a coverage, a dispatch) is half-open [started_on, ended_on), so it must end after it starts.
"""

from datetime import date


def qualifies(full_members: int | None, *, threshold: int) -> bool:
    """Whether a census return with ``full_members`` full members qualifies (no return: it does not)."""
    return full_members is not None and full_members >= threshold


def year_start(day: date) -> date:
    """1 January of ``day``'s year: where the register of newly built organisations begins."""
    return date(day.year, 1, 1)


def census_problem(*, employees: int, full_members: int, probationary_members: int) -> str | None:
    """What is wrong with a census return's figures, in words for the office; None when they add up."""
    if min(employees, full_members, probationary_members) < 0:
        return "人数不能为负数"
    if full_members + probationary_members > employees:
        return f"正式党员 {full_members} 人与预备党员 {probationary_members} 人之和多于从业人员 {employees} 人"
    return None


def span_problem(started_on: date, ended_on: date | None) -> str | None:
    """A half-open span [started_on, ended_on) must end after it starts."""
    if ended_on is not None and ended_on <= started_on:
        return f"终止日期 {ended_on} 须晚于起始日期 {started_on}"
    return None


def open_on(day: date, *, started_on: date, ended_on: date | None) -> bool:
    """Whether the span [started_on, ended_on) covers ``day``."""
    return started_on <= day and (ended_on is None or day < ended_on)
