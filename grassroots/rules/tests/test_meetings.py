"""The 三会一课 rhythm and the status of each period, against figures worked out by hand."""

from datetime import date

import pytest

from grassroots.rules import meetings as m


def test_a_branch_owes_the_four_kinds_a_group_its_group_meeting_a_cloud_branch_nothing():
    assert m.rhythm("branch") == ((m.BRANCH_ASSEMBLY, m.QUARTER), (m.BRANCH_COMMITTEE, m.MONTH),
                                  (m.PARTY_LECTURE, m.QUARTER), (m.THEME_DAY, m.MONTH))
    assert m.rhythm("group") == ((m.GROUP_MEETING, m.MONTH),)
    assert m.rhythm("branch", is_cloud_branch=True) == ()


def test_a_committee_owes_the_branch_rhythm_only_for_members_of_its_own():
    assert m.rhythm("committee") == ()
    assert m.rhythm("general_branch") == ()
    assert m.rhythm("committee", has_own_members=True) == m.BRANCH_RHYTHM
    assert m.rhythm("general_branch", has_own_members=True) == m.BRANCH_RHYTHM


def test_periods_of_a_year():
    months = m.periods(2024, m.MONTH)
    assert len(months) == 12
    assert (months[1].start, months[1].end) == (date(2024, 2, 1), date(2024, 2, 29))  # a leap year
    assert (months[11].start, months[11].end) == (date(2024, 12, 1), date(2024, 12, 31))
    quarters = m.periods(2026, m.QUARTER)
    assert [(q.start, q.end) for q in quarters] == [
        (date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)), (date(2026, 10, 1), date(2026, 12, 31))]
    assert quarters[2].label == "三季度" and months[4].label == "5月"
    assert m.period_number(11, m.QUARTER) == 4 and m.period_number(11, m.MONTH) == 11
    with pytest.raises(ValueError):
        m.period(2026, m.QUARTER, 5)


def test_monthly_statuses_held_due_overdue_upcoming():
    # Today 2026-05-10: January and March held; February and April overdue; May due; June on upcoming.
    found = dict((p.number, s) for p, s in m.statuses(year=2026, frequency=m.MONTH, held_months=[1, 3, 3],
                                                      founded_on=date(1960, 1, 1), dissolved_on=None,
                                                      today=date(2026, 5, 10)))
    assert found == {1: "held", 2: "overdue", 3: "held", 4: "overdue", 5: "due", 6: "upcoming", 7: "upcoming",
                     8: "upcoming", 9: "upcoming", 10: "upcoming", 11: "upcoming", 12: "upcoming"}
    assert m.tally(found.values()) == {"held": 2, "due": 1, "overdue": 2}


def test_quarterly_statuses_count_any_month_of_the_quarter():
    # Held in February and August; today 2026-11-30: Q1 held, Q2 overdue, Q3 held, Q4 due (ends 12-31).
    found = [s for _, s in m.statuses(year=2026, frequency=m.QUARTER, held_months=[2, 8], founded_on=date(2000, 1, 1),
                                      dissolved_on=None, today=date(2026, 11, 30))]
    assert found == ["held", "overdue", "held", "due"]
    # The last day of a quarter still belongs to it: on 2026-06-30 Q2 is due, not overdue.
    found = [s for _, s in m.statuses(year=2026, frequency=m.QUARTER, held_months=[], founded_on=date(2000, 1, 1),
                                      dissolved_on=None, today=date(2026, 6, 30))]
    assert found == ["overdue", "due", "upcoming", "upcoming"]


def test_not_owed_before_founding_and_from_dissolution_on():
    # Founded 2026-03-15, dissolved 2026-07-20; today 2026-12-01. March (founded mid-month) and July
    # (dissolved mid-month) are not owed, nor anything before or after; a meeting held in July still counts.
    found = [s for _, s in m.statuses(year=2026, frequency=m.MONTH, held_months=[4, 7], founded_on=date(2026, 3, 15),
                                      dissolved_on=date(2026, 7, 20), today=date(2026, 12, 1))]
    assert found == ["not_owed", "not_owed", "not_owed", "held", "overdue", "overdue", "held", "not_owed",
                     "not_owed", "not_owed", "not_owed", "not_owed"]
    # Founded on the first day of a month: that month is owed.
    assert m.is_owed(m.period(2026, m.MONTH, 3), founded_on=date(2026, 3, 1), dissolved_on=None)
    # Dissolved on the day after the quarter ends: that quarter is owed.
    assert m.is_owed(m.period(2026, m.QUARTER, 1), founded_on=date(2000, 1, 1), dissolved_on=date(2026, 4, 1))
    assert not m.is_owed(m.period(2026, m.QUARTER, 1), founded_on=date(2000, 1, 1), dissolved_on=date(2026, 3, 31))


def test_a_past_year_has_no_due_period_and_a_future_year_is_all_upcoming():
    past = [s for _, s in m.statuses(year=2025, frequency=m.QUARTER, held_months=[12], founded_on=date(2000, 1, 1),
                                     dissolved_on=None, today=date(2026, 1, 5))]
    assert past == ["overdue", "overdue", "overdue", "held"]
    future = [s for _, s in m.statuses(year=2027, frequency=m.QUARTER, held_months=[], founded_on=date(2000, 1, 1),
                                       dissolved_on=None, today=date(2026, 1, 5))]
    assert future == ["upcoming"] * 4
