"""Chart arithmetic shared by the dashboard's tile grid, the big screen and the briefing's bars. Pure Python, no
Django (tests in rules/tests/test_charts.py)."""

from collections.abc import Sequence

SHADES = 4  # a tile grid shades its tiles 0 (nothing) … 4 (the largest figure)


def shade_levels(values: Sequence[int | float | None]) -> list[int]:
    """Each value's shade, 0 for nothing (None, zero or less), else 1 … SHADES in proportion to the largest value
    (the largest is always SHADES, any positive value at least 1)."""
    top = max((v for v in values if v is not None and v > 0), default=0)
    if not top:
        return [0 for _ in values]
    return [0 if v is None or v <= 0 else max(1, -(-SHADES * v // top)) for v in values]


def bar_lengths(values: Sequence[int | float], full: float) -> list[float]:
    """Each value's bar length when the largest value fills ``full`` (negative values draw as zero)."""
    top = max((v for v in values if v > 0), default=0)
    if not top:
        return [0.0 for _ in values]
    return [round(full * max(v, 0) / top, 2) for v in values]
