"""Due / overdue / missed on windows computed by hand (rules/pairing.py is the one definition)."""

from datetime import date

import pytest

from grassroots.rules import pairing
from grassroots.rules.pairing import (
    DONE,
    DONE_LATE,
    DUE,
    MISSED,
    MONTH,
    NOT_OWED,
    OPEN,
    OVERDUE,
    QUARTER,
    UPCOMING,
    AssignmentError,
    Candidate,
    assign,
    window_on,
    windows,
)


def monthly(**kwargs):
    defaults = dict(frequency=MONTH, started_on=date(2026, 1, 1), ended_on=None, visits=(),
                    since=date(2026, 1, 1), until=date(2026, 3, 31))
    return windows(**{**defaults, **kwargs})


def test_a_monthly_window_opens_falls_due_ten_days_before_its_end_and_has_seven_grace_days():
    march = monthly()[2]
    assert (march.opens, march.due_from, march.ends, march.grace_until) == (
        date(2026, 3, 1), date(2026, 3, 22), date(2026, 3, 31), date(2026, 4, 7))
    assert march.status(date(2026, 2, 28)) == UPCOMING
    assert march.status(date(2026, 3, 21)) == OPEN
    assert march.status(date(2026, 3, 22)) == DUE
    assert march.status(date(2026, 3, 31)) == DUE
    assert march.status(date(2026, 4, 1)) == OVERDUE
    assert march.status(date(2026, 4, 7)) == OVERDUE
    assert march.status(date(2026, 4, 8)) == MISSED


def test_a_quarterly_window_is_due_in_its_last_thirty_days_with_fifteen_grace_days():
    [q1] = windows(frequency=QUARTER, started_on=date(2026, 1, 1), ended_on=None, visits=(),
                   since=date(2026, 1, 1), until=date(2026, 3, 31))
    assert (q1.due_from, q1.ends, q1.grace_until) == (date(2026, 3, 2), date(2026, 3, 31), date(2026, 4, 15))
    assert q1.status(date(2026, 3, 1)) == OPEN
    assert q1.status(date(2026, 4, 15)) == OVERDUE
    assert q1.status(date(2026, 4, 16)) == MISSED


def test_a_visit_in_the_window_makes_it_done_from_that_day_on():
    feb = monthly(visits=[date(2026, 2, 10)])[1]
    assert feb.status(date(2026, 2, 9)) == OPEN
    assert feb.status(date(2026, 2, 10)) == DONE
    assert feb.status(date(2026, 6, 1)) == DONE


def test_a_visit_in_the_grace_days_makes_up_the_window_late_and_counts_for_its_own_month_too():
    jan, feb, mar = monthly(visits=[date(2026, 2, 5)])
    assert jan.status(date(2026, 2, 4)) == OVERDUE
    assert jan.status(date(2026, 2, 5)) == DONE_LATE
    assert feb.status(date(2026, 2, 28)) == DONE
    assert mar.status(date(2026, 4, 30)) == MISSED


def test_a_visit_logged_late_counts_by_the_day_it_was_made():
    # Logged on 10 March, made on 20 January: January was done, on time, whatever day it was typed in.
    jan = monthly(visits=[date(2026, 1, 20)])[0]
    assert jan.status(date(2026, 3, 10)) == DONE


def test_a_pair_that_ended_mid_window_owes_nothing_for_it():
    # Ended on 15 February (the first day it no longer holds): February is not owed, March is not shown.
    found = monthly(ended_on=date(2026, 2, 15))
    assert [w.key for w in found] == ["2026-01", "2026-02"]
    assert found[0].status(date(2026, 3, 1)) == MISSED
    assert found[1].status(date(2026, 3, 1)) == NOT_OWED


def test_a_pair_ending_the_day_after_a_window_still_owes_it():
    jan = monthly(ended_on=date(2026, 2, 1))[0]
    assert jan.owed and jan.status(date(2026, 2, 20)) == MISSED


def test_a_pair_set_up_after_a_window_fell_due_owes_nothing_that_period():
    mar, apr = monthly(started_on=date(2026, 3, 25), since=date(2026, 3, 1), until=date(2026, 4, 30))
    assert mar.status(date(2026, 4, 30)) == NOT_OWED
    assert apr.owed
    started_on_due_day = monthly(started_on=date(2026, 3, 22), since=date(2026, 3, 1))[0]
    assert started_on_due_day.owed


def test_window_on_shows_the_overdue_window_during_its_grace_then_the_current_one():
    visits = []
    w = window_on(frequency=MONTH, started_on=date(2026, 1, 1), ended_on=None, visits=visits, today=date(2026, 2, 3))
    assert (w.key, w.status(date(2026, 2, 3))) == ("2026-01", OVERDUE)
    w = window_on(frequency=MONTH, started_on=date(2026, 1, 1), ended_on=None, visits=visits, today=date(2026, 2, 8))
    assert (w.key, w.status(date(2026, 2, 8))) == ("2026-02", OPEN)
    w = window_on(frequency=MONTH, started_on=date(2026, 1, 1), ended_on=None, visits=[date(2026, 1, 30)],
                  today=date(2026, 2, 3))
    assert (w.key, w.status(date(2026, 2, 3))) == ("2026-02", OPEN)
    assert window_on(frequency=MONTH, started_on=date(2026, 1, 1), ended_on=date(2026, 2, 1), visits=visits,
                     today=date(2026, 2, 3)) is None


def test_assign_gives_priority_households_first_round_robin():
    candidates = [Candidate(1, "001", frozenset()), Candidate(2, "002", frozenset({"subsistence"})),
                  Candidate(3, "003", frozenset({"disabled"})), Candidate(4, "004", frozenset()),
                  Candidate(5, "005", frozenset({"subsistence", "elderly_alone"}))]
    plan = assign([10, 20], candidates, per_cadre=2)
    assert plan == {10: [5, 3], 20: [2, 1]}


def test_assign_refuses_an_empty_list_of_cadres_and_absurd_counts():
    with pytest.raises(AssignmentError, match="包联干部"):
        assign([], [], per_cadre=10)
    with pytest.raises(AssignmentError, match="1到100"):
        assign([1], [], per_cadre=0)


def test_every_kind_names_its_sides_and_rhythm():
    for kind in pairing.KINDS.values():
        assert kind.visitor in (pairing.USER, pairing.MEMBER, pairing.UNIT)
        assert kind.target in (pairing.HOUSEHOLD, pairing.AREA, pairing.MEMBER, pairing.ENTERPRISE)
        assert kind.frequency in (MONTH, QUARTER)
