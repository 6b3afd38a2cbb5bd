import pytest

from grassroots.rules.volunteering import hours_input, minutes_from_hours


@pytest.mark.parametrize(("text", "minutes"), [("1.5", 90), ("2", 120), (" 0 ", 0), ("12", 720), ("0.1", 6),
                                               ("1。5", 90), ("1.50", 90)])
def test_hours_become_whole_minutes(text, minutes):
    assert minutes_from_hours(text) == minutes


@pytest.mark.parametrize(("text", "message"), [("", "请填写"), ("abc", "不是数字"), ("NaN", "不是数字"),
                                               ("-1", "负数"), ("1.25", "一位小数"), ("12.1", "12小时")])
def test_bad_hours_are_refused_in_chinese(text, message):
    with pytest.raises(ValueError, match=message):
        minutes_from_hours(text)


@pytest.mark.parametrize(("minutes", "text"), [(90, "1.5"), (120, "2"), (0, "0"), (100, "1.7"), (725, "12.1")])
def test_the_form_starts_from_the_proposed_minutes(minutes, text):
    assert hours_input(minutes) == text
