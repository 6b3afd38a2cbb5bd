from datetime import date

from grassroots.rules.neworgs import census_problem, open_on, qualifies, span_problem, year_start


def test_three_full_members_qualify_and_two_or_no_return_do_not():
    assert qualifies(3, threshold=3)
    assert not qualifies(2, threshold=3)
    assert not qualifies(None, threshold=3)


def test_the_year_of_newly_built_organisations_starts_on_1_january():
    assert year_start(date(2026, 12, 6)) == date(2026, 1, 1)


def test_members_cannot_outnumber_employees():
    assert census_problem(employees=10, full_members=3, probationary_members=1) is None
    assert "多于从业人员 3 人" in census_problem(employees=3, full_members=3, probationary_members=1)


def test_a_span_ends_after_it_starts_and_is_half_open():
    assert span_problem(date(2026, 1, 1), None) is None
    assert span_problem(date(2026, 1, 1), date(2026, 1, 1)) is not None
    assert open_on(date(2026, 1, 1), started_on=date(2026, 1, 1), ended_on=date(2026, 2, 1))
    assert not open_on(date(2026, 2, 1), started_on=date(2026, 1, 1), ended_on=date(2026, 2, 1))
    assert not open_on(date(2025, 12, 31), started_on=date(2026, 1, 1), ended_on=None)
