"""Hours a team leader types when confirming volunteer service: hours with at most one decimal ("1.5"), turned into
whole minutes (90). Pure Python: no Django."""

from decimal import Decimal, InvalidOperation

from grassroots.rules.volunteering import MAX_MINUTES


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
