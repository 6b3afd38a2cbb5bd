"""Dated spans of membership and the months of keeping in touch. No Django here.

A span is half-open, ``(start, end)`` with ``end`` None while it runs: it covers day D when start <= D < end.
A member's memberships must form one chain: ordered by start, each ends on the day the next starts (a transfer
leaves no gap and no overlap), and only the last may be open. ``chain_problems`` names what breaks that.
"""

from calendar import monthrange
from collections.abc import Sequence
from datetime import date

Span = tuple[date, date | None]


def covers(span: Span, day: date) -> bool:
    start, end = span
    return start <= day and (end is None or day < end)


def chain_problems(spans: Sequence[Span]) -> list[str]:
    """What keeps ``spans`` from being one chain without gaps or overlaps (empty when they are)."""
    problems = []
    ordered = sorted(spans, key=lambda s: s[0])
    for index, (start, end) in enumerate(ordered):
        if end is not None and end <= start:
            problems.append(f"{start} 起的组织关系终止日期 {end} 不晚于起始日期")
        if index + 1 == len(ordered):
            continue
        following = ordered[index + 1][0]
        if end is None:
            problems.append(f"{start} 起的组织关系未终止，{following} 又有一段")
        elif end < following:
            problems.append(f"{end} 至 {following} 之间不在任何党组织")
        elif end > following:
            problems.append(f"{following} 至 {end} 同时在两个党组织")
    return problems


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day when it is shorter)."""
    if months < 0:
        raise ValueError("months must not be negative")
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def out_of_touch(*, last_contact: date | None, since: date, day: date, months: int) -> bool:
    """Whether a mobile member last reached on ``last_contact`` (never: counted from ``since``, the day they
    left) has gone more than ``months`` months without contact on ``day``."""
    return (last_contact or since) < months_before(day, months)
