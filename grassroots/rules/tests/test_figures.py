from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from grassroots.rules.figures import (
    add_figures,
    change_text,
    freshness_text,
    hours_text,
    month_period,
    month_starts,
    period_for,
    ratio_percent,
    yuan_text,
)


def test_a_week_runs_from_monday_to_today_and_compares_with_the_whole_week_before():
    p = period_for("week", date(2026, 12, 6))  # a Sunday
    assert (p.start, p.end) == (date(2026, 11, 30), date(2026, 12, 6))
    assert (p.previous_start, p.previous_end) == (date(2026, 11, 23), date(2026, 11, 29))
    assert p.label == "本周" and p.previous_label == "上周"


def test_a_month_and_a_year_start_on_their_first_day():
    m = period_for("month", date(2026, 3, 15))
    assert (m.start, m.previous_start, m.previous_end) == (date(2026, 3, 1), date(2026, 2, 1), date(2026, 2, 28))
    y = period_for("year", date(2026, 3, 15))
    assert (y.start, y.previous_start, y.previous_end) == (date(2026, 1, 1), date(2025, 1, 1), date(2025, 12, 31))
    assert y.months == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert len(y.previous_months) == 12
    with pytest.raises(ValueError):
        period_for("decade", date(2026, 3, 15))


def test_a_briefing_month_is_the_whole_month():
    p = month_period(date(2026, 2, 10))
    assert (p.start, p.end, p.previous_start, p.previous_end) == (
        date(2026, 2, 1), date(2026, 2, 28), date(2026, 1, 1), date(2026, 1, 31))
    assert month_starts(date(2025, 12, 5), date(2026, 1, 2)) == [date(2025, 12, 1), date(2026, 1, 1)]


def test_sums_shares_and_changes():
    total = add_figures(Counter({"a": 1}), {"a": 2, "b": 5}, keys={"a"})
    assert total == Counter({"a": 3})
    assert ratio_percent(2, 3) == 67 and ratio_percent(1, 8) == 13 and ratio_percent(0, 0) is None
    assert change_text(12, 10) == "+2" and change_text(7, 10, unit="条") == "−3条" and change_text(5, 5) == "持平"
    assert change_text(None, 5) == ""


def test_freshness_in_words():
    now = datetime(2026, 12, 6, 10, 0)
    assert freshness_text(None, now) == "尚未汇总"
    assert freshness_text(now - timedelta(seconds=20), now) == "刚刚更新"
    assert freshness_text(now - timedelta(minutes=7), now) == "7分钟前更新"
    assert freshness_text(now - timedelta(hours=3), now) == "3小时前更新"
    assert freshness_text(datetime(2026, 12, 1, 8, 5), now) == "12月01日 08:05更新"


def test_hours_and_yuan():
    assert hours_text(90) == "1.5" and hours_text(120) == "2" and hours_text(0) == "0"
    assert yuan_text(6920) == "69.20" and yuan_text(123400) == "1,234" and yuan_text(-50) == "-0.50"
