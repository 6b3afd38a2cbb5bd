"""Volunteer service rules: star levels by verified hours, the weekly availability slots, the hours a check-in and
check-out come to, and the waiting list's order. Pure Python: no Django.

Hours are kept as whole minutes (an hour and a half is 90), so sums are exact; pages show hours to one decimal.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

# The national record rules (全国志愿服务信息系统): one to five stars at 100 / 300 / 600 / 1,000 / 1,500 verified
# cumulative hours.
STAR_HOURS = (100, 300, 600, 1000, 1500)

# Weekly availability: a weekday and a part of the day. "mon_am" is Monday morning.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
PARTS = ("am", "pm", "eve")
PART_LABELS = ("上午", "下午", "晚上")
SLOTS = tuple(f"{d}_{p}" for d in WEEKDAYS for p in PARTS)
SLOT_LABELS = {f"{d}_{p}": f"{dl}{pl}" for d, dl in zip(WEEKDAYS, WEEKDAY_LABELS, strict=True) for p, pl in zip(PARTS, PART_LABELS, strict=True)}

# Longest a single attendance may count: a forgotten check-out is closed by the automatic checkout, and a leader
# confirming hours may not confirm more than this for one activity.
MAX_MINUTES = 12 * 60


def star_level(minutes: int) -> int:
    """0 to 5 stars for ``minutes`` of verified cumulative service."""
    hours = minutes / 60
    return sum(1 for threshold in STAR_HOURS if hours >= threshold)


def minutes_to_next_star(minutes: int) -> int | None:
    """Minutes of verified service still needed for the next star; None at five stars."""
    for threshold in STAR_HOURS:
        if minutes < threshold * 60:
            return threshold * 60 - minutes
    return None


def hours_text(minutes: int | None) -> str:
    """90 → "1.5"; 60 → "1"; None → "—"."""
    if minutes is None:
        return "—"
    hours = round(minutes / 60, 1)
    return f"{hours:g}" if hours != int(hours) else str(int(hours))


def slot_of(moment: datetime) -> str:
    """The availability slot a local time falls in: before 12:00 morning, before 18:00 afternoon, else evening."""
    part = "am" if moment.hour < 12 else ("pm" if moment.hour < 18 else "eve")
    return f"{WEEKDAYS[moment.weekday()]}_{part}"


@dataclass(frozen=True)
class Attendance:
    """What a check-in and a check-out come to. ``auto`` marks a check-out the system made."""

    minutes: int
    auto: bool


def attended_minutes(checked_in: datetime, checked_out: datetime | None, *, ends_at: datetime,
                     auto_after: timedelta, now: datetime) -> Attendance | None:
    """The minutes an attendance counts for (before the leader confirms them).

    With no check-out, once ``auto_after`` has passed since the activity's end the attendance is closed at the
    activity's end and flagged ``auto`` (a volunteer who forgot to check out is not credited with the night).
    Before that it is still open (None). Never negative, never more than ``MAX_MINUTES``."""
    if checked_out is None:
        if now < ends_at + auto_after:
            return None
        checked_out, auto = max(ends_at, checked_in), True
    else:
        auto = False
    minutes = max(0, int((checked_out - checked_in).total_seconds() // 60))
    return Attendance(minutes=min(minutes, MAX_MINUTES), auto=auto)


def promoted(waiting: list, free_slots: int) -> list:
    """Who moves up from the waiting list (already in the order they joined) when ``free_slots`` open."""
    return list(waiting[: max(0, free_slots)])


# Hours a team leader types when confirming: at most one decimal ("1.5"), turned into whole minutes (90).


def minutes_from_hours(text: str) -> int:
    """ "1.5" → 90, "2" → 120, "0" → 0. Raises ValueError with a Chinese message for anything else: not a
    number, more than one decimal, negative, or more than one activity may count (12 hours)."""
    raw = (text or "").strip().replace("。", ".").replace("．", ".")
    if not raw:
        raise ValueError("请填写时长（小时）")
    try:
        hours = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"时长“{raw}”不是数字") from None
    if not hours.is_finite():
        raise ValueError(f"时长“{raw}”不是数字")
    if hours < 0:
        raise ValueError("时长不能为负数")
    if hours != hours.quantize(Decimal("0.1")):
        raise ValueError("时长最多保留一位小数")
    minutes = int(hours * 60)
    if minutes > MAX_MINUTES:
        raise ValueError(f"一次活动的时长不超过{MAX_MINUTES // 60}小时")
    return minutes


def hours_input(minutes: int) -> str:
    """The value the form starts with: 90 → "1.5", 100 → "1.7" (to one decimal)."""
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.1"))
    return f"{hours:f}".rstrip("0").rstrip(".") if "." in f"{hours:f}" else f"{hours:f}"
