from datetime import date

import pytest

from grassroots.rules.membership import chain_problems, covers, months_before, out_of_touch

D = date


def test_a_span_covers_its_first_day_and_not_its_end():
    span = (D(2025, 3, 1), D(2025, 6, 1))
    assert covers(span, D(2025, 3, 1))
    assert covers(span, D(2025, 5, 31))
    assert not covers(span, D(2025, 6, 1))
    assert not covers(span, D(2025, 2, 28))
    assert covers((D(2025, 3, 1), None), D(2099, 1, 1))


def test_a_transfer_chain_has_no_gap_and_no_overlap():
    assert chain_problems([(D(2025, 6, 1), None), (D(2020, 1, 1), D(2025, 6, 1))]) == []


def test_a_gap_an_overlap_and_two_open_spans_are_named():
    assert chain_problems([(D(2020, 1, 1), D(2025, 5, 1)), (D(2025, 6, 1), None)]) == [
        "2025-05-01 至 2025-06-01 之间不在任何党组织"]
    assert chain_problems([(D(2020, 1, 1), D(2025, 7, 1)), (D(2025, 6, 1), None)]) == [
        "2025-06-01 至 2025-07-01 同时在两个党组织"]
    assert chain_problems([(D(2020, 1, 1), None), (D(2025, 6, 1), None)]) == [
        "2020-01-01 起的组织关系未终止，2025-06-01 又有一段"]


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert months_before(D(2026, 12, 1), 3) == D(2026, 9, 1)
    assert months_before(D(2026, 5, 31), 3) == D(2026, 2, 28)
    assert months_before(D(2026, 2, 15), 14) == D(2024, 12, 15)
    assert months_before(D(2026, 2, 15), 0) == D(2026, 2, 15)
    with pytest.raises(ValueError):
        months_before(D(2026, 2, 15), -1)


def test_out_of_touch_counts_from_the_last_contact_or_from_leaving():
    day = D(2026, 12, 1)
    assert out_of_touch(last_contact=D(2026, 8, 31), since=D(2024, 1, 1), day=day, months=3)
    assert not out_of_touch(last_contact=D(2026, 9, 1), since=D(2024, 1, 1), day=day, months=3)
    assert out_of_touch(last_contact=None, since=D(2026, 1, 1), day=day, months=3)
    assert not out_of_touch(last_contact=None, since=D(2026, 11, 1), day=day, months=3)
