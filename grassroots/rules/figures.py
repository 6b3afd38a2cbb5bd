"""Dashboard arithmetic: periods, sums of daily figures, change against the period before, freshness words.
Pure Python, no Django (tests in rules/tests/test_figures.py)."""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

PERIODS = {"week": "本周", "month": "本月", "year": "本年"}
PREVIOUS = {"week": "上周", "month": "上月", "year": "上年"}


@dataclass(frozen=True)
class Period:
    """A dashboard's period: this week (Monday on), this month or this year, up to ``end`` (today), and the whole
    period before it for the change."""

    key: str
    start: date
    end: date
    previous_start: date
    previous_end: date

    @property
    def label(self) -> str:
        return PERIODS[self.key]

    @property
    def previous_label(self) -> str:
        return PREVIOUS[self.key]

    @property
    def months(self) -> list[date]:
        """First days of the months the period spans (for month roll-ups)."""
        return month_starts(self.start, self.end)

    @property
    def previous_months(self) -> list[date]:
        return month_starts(self.previous_start, self.previous_end)


def month_starts(start: date, end: date) -> list[date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def period_for(key: str, today: date) -> Period:
    """``key`` is week, month or year (anything else: ValueError)."""
    if key == "week":
        start = today - timedelta(days=today.weekday())
        return Period(key, start, today, start - timedelta(days=7), start - timedelta(days=1))
    if key == "month":
        start = today.replace(day=1)
        previous_end = start - timedelta(days=1)
        return Period(key, start, today, previous_end.replace(day=1), previous_end)
    if key == "year":
        start = today.replace(month=1, day=1)
        return Period(key, start, today, start.replace(year=start.year - 1), start - timedelta(days=1))
    raise ValueError(f"unknown period {key!r}")


def month_period(first: date) -> Period:
    """A whole calendar month and the month before it (the monthly briefing)."""
    first = first.replace(day=1)
    end = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    previous_end = first - timedelta(days=1)
    return Period("month", first, end, previous_end.replace(day=1), previous_end)


def add_figures(total: Counter, figures: Mapping[str, int], keys: Iterable[str] | None = None) -> Counter:
    """``total`` plus ``figures`` (only ``keys`` when given)."""
    for key, value in figures.items():
        if keys is None or key in keys:
            total[key] += value
    return total


def ratio_percent(numerator: int, denominator: int) -> int | None:
    """A share as a whole percent (half up), or None when there is nothing to share."""
    if denominator <= 0:
        return None
    return (200 * numerator + denominator) // (2 * denominator)


def change_text(now: int | None, before: int | None, *, unit: str = "") -> str:
    """'较上期 +12', '较上期 −3', '与上期持平'; '' when either side is unknown."""
    if now is None or before is None:
        return ""
    delta = now - before
    if delta == 0:
        return "持平"
    return f"{'+' if delta > 0 else '−'}{abs(delta)}{unit}"


def freshness_text(built_at: datetime | None, now: datetime) -> str:
    """How fresh the figures are, in words a clerk reads at a glance."""
    if built_at is None:
        return "尚未汇总"
    seconds = max(0, int((now - built_at).total_seconds()))
    if seconds < 60:
        return "刚刚更新"
    if seconds < 3600:
        return f"{seconds // 60}分钟前更新"
    if seconds < 86400:
        return f"{seconds // 3600}小时前更新"
    return f"{built_at:%m月%d日 %H:%M}更新"


def hours_text(minutes: int) -> str:
    """Minutes as hours with at most one decimal (90 → '1.5')."""
    tenths = (minutes * 10 + 30) // 60
    whole, part = divmod(tenths, 10)
    return f"{whole}.{part}" if part else str(whole)


def yuan_text(fen: int) -> str:
    yuan, cents = divmod(abs(fen), 100)
    sign = "-" if fen < 0 else ""
    return f"{sign}{yuan:,}.{cents:02d}" if cents else f"{sign}{yuan:,}"
