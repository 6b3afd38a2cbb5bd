"""The dates of 发展党员, computed by hand: month ends, 29 February, the exact boundary day, extensions."""

from datetime import date

from grassroots.rules.development import (
    ACTIVIST,
    APPLICANT,
    CANDIDATE,
    FULL,
    PROBATIONARY,
    RULE_AGE,
    RULE_EXTENSION,
    RULE_ORDER,
    RULE_PROBATION,
    RULE_TRAINING,
    STOPPED,
    Record,
    add_months,
    add_years,
    age_on,
    check_application,
    check_extension,
    check_meeting,
    check_step,
    deadlines,
    due_within,
    next_step,
    overdue_on,
    talk_due,
)

BORN = date(1996, 5, 4)


def record(talked_on=None, extension_months=0, extended_on=None, **steps) -> Record:
    return Record(birth_date=BORN, steps=steps, talked_on=talked_on, extension_months=extension_months,
                  extended_on=extended_on)


def test_periods_end_on_the_corresponding_day_or_the_months_last_day():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_an_applicant_is_eighteen_on_the_day_of_application_not_the_day_before():
    born = date(2008, 6, 15)
    assert age_on(born, date(2026, 6, 14)) == 17
    refusal = check_application(born, date(2026, 6, 14))
    assert RULE_AGE in refusal and "2026-06-15 起方可申请" in refusal
    assert check_application(born, date(2026, 6, 15)) is None


def test_one_born_on_29_february_is_eighteen_on_28_february_of_a_common_year():
    born = date(2008, 2, 29)
    assert check_application(born, date(2026, 2, 27)) is not None
    assert check_application(born, date(2026, 2, 28)) is None


def test_the_talk_is_due_within_a_month_and_overdue_the_day_after():
    applied = record(**{APPLICANT: date(2026, 1, 31)})
    assert talk_due(applied) == date(2026, 2, 28)
    assert [d.kind for d in deadlines(applied)] == ["talk"]
    assert overdue_on(applied, date(2026, 2, 28)) == []
    assert [d.due for d in overdue_on(applied, date(2026, 3, 1))] == [date(2026, 2, 28)]
    # Talked with: nothing due any more; but on a day before the talk it was still due.
    talked = record(talked_on=date(2026, 3, 3), **{APPLICANT: date(2026, 1, 31)})
    assert overdue_on(talked, date(2026, 3, 10)) == []
    assert [d.kind for d in overdue_on(talked, date(2026, 3, 2))] == ["talk"]


def test_an_activist_becomes_a_candidate_one_year_after_at_the_earliest():
    activist = record(**{APPLICANT: date(2024, 9, 1), ACTIVIST: date(2025, 3, 10)})
    assert next_step(activist).stage == CANDIDATE
    assert next_step(activist).earliest == date(2026, 3, 10)
    refusal = check_step(activist, CANDIDATE, date(2026, 3, 9))
    assert RULE_TRAINING in refusal and "最早 2026-03-10" in refusal
    assert check_step(activist, CANDIDATE, date(2026, 3, 10)) is None


def test_training_from_29_february_ends_on_28_february():
    activist = record(**{APPLICANT: date(2023, 9, 1), ACTIVIST: date(2024, 2, 29)})
    assert next_step(activist).earliest == date(2025, 2, 28)
    assert check_step(activist, CANDIDATE, date(2025, 2, 27)) is not None
    assert check_step(activist, CANDIDATE, date(2025, 2, 28)) is None


def test_probation_lasts_a_year_and_is_overdue_the_day_after_it_ends():
    probationary = record(**{APPLICANT: date(2023, 1, 5), ACTIVIST: date(2023, 4, 1), CANDIDATE: date(2024, 4, 2),
                             PROBATIONARY: date(2025, 12, 6)})
    assert probationary.probation_due() == date(2026, 12, 6)
    assert next_step(probationary).due == date(2026, 12, 6)
    refusal = check_step(probationary, FULL, date(2026, 12, 5))
    assert RULE_PROBATION in refusal and "2026-12-06 期满" in refusal
    assert check_step(probationary, FULL, date(2026, 12, 6)) is None
    assert overdue_on(probationary, date(2026, 12, 6)) == []
    assert [d.kind for d in overdue_on(probationary, date(2026, 12, 7))] == ["probation"]
    # Due within 30 days: from 2026-11-06 on, not on 2026-11-05.
    assert [d.due for d in due_within(probationary, date(2026, 11, 6))] == [date(2026, 12, 6)]
    assert due_within(probationary, date(2026, 11, 5)) == []
    # Once full, nothing is due.
    full = record(**{**probationary.steps, FULL: date(2026, 12, 6)})
    assert deadlines(full) == [] and next_step(full) is None


def test_probation_may_be_extended_once_by_six_to_twelve_months():
    probationary = record(**{APPLICANT: date(2022, 1, 5), ACTIVIST: date(2022, 4, 1), CANDIDATE: date(2023, 4, 2),
                             PROBATIONARY: date(2024, 8, 31)})
    assert probationary.probation_due() == date(2025, 8, 31)
    assert RULE_EXTENSION in check_extension(probationary, 13, date(2025, 8, 31))
    assert RULE_EXTENSION in check_extension(probationary, 5, date(2025, 8, 31))
    assert "期满时方可讨论延长" in check_extension(probationary, 6, date(2025, 8, 30))
    assert check_extension(probationary, 6, date(2025, 8, 31)) is None
    extended = record(extension_months=6, extended_on=date(2025, 9, 2), **probationary.steps)
    assert extended.probation_due() == date(2026, 2, 28)  # 2025-08-31 + 6 months: February has no 31st
    assert "延长过一次" in check_extension(extended, 6, date(2026, 2, 28))
    assert check_step(extended, FULL, date(2026, 2, 27)) is not None
    assert check_step(extended, FULL, date(2026, 2, 28)) is None
    # As of a day before the extension was decided, the year's end was what was due (and overdue).
    assert [d.due for d in overdue_on(extended, date(2025, 9, 1))] == [date(2025, 8, 31)]
    assert overdue_on(extended, date(2025, 9, 3)) == []


def test_steps_go_in_order_never_backwards_and_dates_never_decrease():
    applicant = record(**{APPLICANT: date(2026, 3, 1)})
    skipped = check_step(applicant, CANDIDATE, date(2027, 6, 1))
    assert RULE_ORDER in skipped and "下一步应为入党积极分子" in skipped
    assert "早于上一步" in check_step(applicant, ACTIVIST, date(2026, 2, 28))
    assert check_step(applicant, ACTIVIST, date(2026, 3, 1)) is None
    candidate = record(**{APPLICANT: date(2024, 3, 1), ACTIVIST: date(2024, 6, 1), CANDIDATE: date(2025, 6, 1)})
    assert "不能退回" in check_step(candidate, ACTIVIST, date(2025, 7, 1))
    assert "已于 2025-06-01 成为发展对象" in check_step(candidate, CANDIDATE, date(2025, 7, 1))
    assert check_step(candidate, PROBATIONARY, date(2025, 6, 1)) is None
    assert "晚于步骤日期" in check_step(candidate, PROBATIONARY, date(2025, 9, 1), meeting_on=date(2025, 9, 2))


def test_a_stopped_development_goes_no_further_and_probationary_members_are_not_stopped():
    stopped = record(**{APPLICANT: date(2024, 3, 1), ACTIVIST: date(2024, 6, 1), STOPPED: date(2025, 1, 1)})
    assert stopped.stage == STOPPED and next_step(stopped) is None
    assert "终止培养" in check_step(stopped, CANDIDATE, date(2025, 7, 1))
    probationary = record(**{APPLICANT: date(2022, 1, 5), ACTIVIST: date(2022, 4, 1), CANDIDATE: date(2023, 4, 2),
                             PROBATIONARY: date(2024, 8, 31)})
    assert "不能终止培养" in check_step(probationary, STOPPED, date(2025, 1, 1))
    # As of a day before it was stopped, the activist was still an activist.
    assert stopped.as_of(date(2024, 12, 31)).stage == ACTIVIST


def test_admission_and_full_membership_are_voted_by_the_branch_assembly_only():
    assert check_meeting(ACTIVIST, "branch_committee") is None
    assert check_meeting(CANDIDATE, "branch_assembly") is None
    assert check_meeting(PROBATIONARY, "branch_assembly") is None
    assert "须由支部党员大会讨论决定" in check_meeting(PROBATIONARY, "branch_committee")
    assert "须由支部党员大会讨论决定" in check_meeting(FULL, "party_lecture")
    assert "支部委员会或支部党员大会" in check_meeting(ACTIVIST, "theme_day")
