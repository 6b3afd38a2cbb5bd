"""The pipeline's writes: every step checked against the rules (refused with the rule named, nothing written),
probationary admits exactly one member from that day, full sets 转正日期, the reserve register as of a past day
keeps its answer."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from grassroots.areas.models import Person
from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry
from grassroots.core.table_import import Rejected
from grassroots.development import selectors, services
from grassroots.development.models import Development, Step
from grassroots.development.testing import develop, xlsx
from grassroots.meetings.models import Meeting
from grassroots.members.models import Member, Membership
from grassroots.members.selectors import on_day
from grassroots.rules.development import RULE_AGE, RULE_EXTENSION, RULE_ORDER, RULE_PROBATION, RULE_TRAINING

pytestmark = pytest.mark.django_db


def counted(organisation, day) -> set[str]:
    return set(Membership.objects.filter(on_day(day), organisation=organisation)
               .values_list("member__name", flat=True))


def test_an_early_candidate_step_is_refused_naming_the_rule_and_nothing_is_written(party_world, system_actor):
    d = develop(actor=system_actor, organisation=party_world.saiqin, name="其其格", applied_on=date(2024, 1, 10),
                steps={"activist": date(2025, 3, 10)})
    steps, audits = Step.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.advance(actor=system_actor, development=d, stage="candidate", decided_on=date(2026, 3, 9),
                         decided_by="支部委员会")
    message = refused.value.message_dict["decided_on"][0]
    assert RULE_TRAINING in message and "最早 2026-03-10" in message and "其其格" in message
    assert (Step.objects.count(), AuditEntry.objects.count()) == (steps, audits)
    assert Development.objects.get(pk=d.pk).stage == "activist"
    # On the exact day a year after, it is allowed.
    services.advance(actor=system_actor, development=d, stage="candidate", decided_on=date(2026, 3, 10),
                     decided_by="支部委员会")
    assert Development.objects.get(pk=d.pk).stage == "candidate"


def test_a_skipped_step_is_refused_with_the_order_rule(party_world, system_actor):
    d = develop(actor=system_actor, organisation=party_world.saiqin, name="其其格", applied_on=date(2024, 1, 10))
    with pytest.raises(ValidationError) as refused:
        services.advance(actor=system_actor, development=d, stage="probationary", decided_on=date(2025, 3, 9),
                         decided_by="上级党委")
    assert RULE_ORDER in refused.value.message_dict["decided_on"][0]
    assert not Member.objects.filter(name="其其格").exists()


def test_an_applicant_under_eighteen_is_refused_and_nothing_is_written(party_world, system_actor):
    with pytest.raises(ValidationError) as refused:
        services.register_applicant(actor=system_actor, organisation=party_world.saiqin, name="小明", gender="M",
                                    birth_date=date(2008, 7, 2), applied_on=date(2026, 7, 1))
    assert RULE_AGE in refused.value.message_dict["applied_on"][0]
    assert not Development.objects.exists() and not Step.objects.exists()
    services.register_applicant(actor=system_actor, organisation=party_world.saiqin, name="小明", gender="M",
                                birth_date=date(2008, 7, 2), applied_on=date(2026, 7, 2))
    assert Development.objects.get().stage == "applicant"


def test_probationary_admits_exactly_one_member_counted_from_that_day(party_world, system_actor):
    resident = Person.objects.get(name="张秀兰")
    d = develop(actor=system_actor, organisation=party_world.saiqin, name="", person=resident,
                applied_on=date(2023, 3, 1), steps={"activist": date(2023, 6, 1), "candidate": date(2024, 6, 3)})
    before = Member.objects.count()
    services.advance(actor=system_actor, development=d, stage="probationary", decided_on=date(2025, 7, 1),
                     decided_by="中共乌丹镇委员会")
    assert Member.objects.count() == before + 1
    d.refresh_from_db()
    member = d.member
    assert (member.name, member.joined_on, member.full_on, member.person) == ("张秀兰", date(2025, 7, 1), None, resident)
    assert "张秀兰" in counted(party_world.saiqin, date(2025, 7, 1))
    assert "张秀兰" not in counted(party_world.saiqin, date(2025, 6, 30))
    resident.refresh_from_db()
    assert resident.party_status == Person.PartyStatus.PROBATIONARY
    # Full a year later: the member's 转正日期 and the resident's 政治面貌 follow; not a day before.
    with pytest.raises(ValidationError) as refused:
        services.advance(actor=system_actor, development=d, stage="full", decided_on=date(2026, 6, 30),
                         decided_by="支部党员大会")
    assert RULE_PROBATION in refused.value.message_dict["decided_on"][0]
    services.advance(actor=system_actor, development=d, stage="full", decided_on=date(2026, 7, 1),
                     decided_by="支部党员大会")
    member.refresh_from_db()
    resident.refresh_from_db()
    assert member.full_on == date(2026, 7, 1) and resident.party_status == Person.PartyStatus.FULL
    assert Member.objects.count() == before + 1


def test_an_extended_probation_moves_the_day_full_membership_is_due(party_world, system_actor):
    d = develop(actor=system_actor, organisation=party_world.saiqin, name="其其格", applied_on=date(2023, 1, 10),
                steps={"activist": date(2023, 3, 1), "candidate": date(2024, 3, 1),
                       "probationary": date(2025, 5, 31)})
    assert selectors.row_of(d, date(2026, 5, 1)).next.due == date(2026, 5, 31)
    with pytest.raises(ValidationError) as refused:
        services.extend_probation(actor=system_actor, development=d, months=13, decided_on=date(2026, 5, 31),
                                  decided_by="支部党员大会")
    assert RULE_EXTENSION in refused.value.message_dict["months"][0]
    services.extend_probation(actor=system_actor, development=d, months=6, decided_on=date(2026, 5, 31),
                              decided_by="支部党员大会")
    d = Development.objects.get(pk=d.pk)
    assert selectors.row_of(d, date(2026, 6, 1)).next.due == date(2026, 11, 30)  # no 31 November
    with pytest.raises(ValidationError):
        services.extend_probation(actor=system_actor, development=d, months=6, decided_on=date(2026, 11, 30),
                                  decided_by="支部党员大会")
    with pytest.raises(ValidationError):
        services.advance(actor=system_actor, development=d, stage="full", decided_on=date(2026, 11, 29),
                         decided_by="支部党员大会")
    services.advance(actor=system_actor, development=d, stage="full", decided_on=date(2026, 11, 30),
                     decided_by="支部党员大会")
    assert Member.objects.get(name="其其格").full_on == date(2026, 11, 30)


def test_the_reserve_register_as_of_a_past_day_is_unchanged_by_later_steps(party_world, system_actor, secretary):
    a = develop(actor=system_actor, organisation=party_world.saiqin, name="阿拉坦", applied_on=date(2024, 1, 2),
                steps={"activist": date(2024, 5, 1)})
    b = develop(actor=system_actor, organisation=party_world.saiqin, name="宝音", applied_on=date(2023, 1, 2),
                steps={"activist": date(2023, 3, 1), "candidate": date(2024, 3, 1)})
    develop(actor=system_actor, organisation=party_world.saiqin, name="朝鲁", applied_on=date(2025, 1, 2))

    def register(day):
        return [(d.name, d.stage_on, d.stage_since) for d in selectors.reserve_register(secretary, day=day)]

    past = register(date(2025, 1, 1))
    assert past == [("宝音", "candidate", date(2024, 3, 1)), ("阿拉坦", "activist", date(2024, 5, 1))]
    services.advance(actor=system_actor, development=b, stage="probationary", decided_on=date(2025, 6, 1),
                     decided_by="中共乌丹镇委员会")
    services.advance(actor=system_actor, development=a, stage="candidate", decided_on=date(2025, 5, 1),
                     decided_by="支部委员会")
    services.stop(actor=system_actor, development=a, decided_on=date(2025, 8, 1), reason="本人撤回申请",
                  decided_by="支部委员会")
    assert register(date(2025, 1, 1)) == past
    assert register(date(2025, 7, 1)) == [("阿拉坦", "candidate", date(2025, 5, 1))]
    assert register(date(2025, 8, 1)) == []


def test_a_stopped_development_goes_no_further(party_world, system_actor):
    d = develop(actor=system_actor, organisation=party_world.saiqin, name="其其格", applied_on=date(2024, 1, 10),
                steps={"activist": date(2024, 3, 1)})
    with pytest.raises(ValidationError):
        services.stop(actor=system_actor, development=d, decided_on=date(2025, 1, 1), reason=" ",
                      decided_by="支部委员会")
    services.stop(actor=system_actor, development=d, decided_on=date(2025, 1, 1), reason="长期外出，本人申请暂缓",
                  decided_by="支部委员会")
    with pytest.raises(ValidationError) as refused:
        services.advance(actor=system_actor, development=d, stage="candidate", decided_on=date(2025, 3, 2),
                         decided_by="支部委员会")
    assert "终止培养" in refused.value.message_dict["decided_on"][0]
    assert Step.objects.get(development=d, stage="stopped").note == "长期外出，本人申请暂缓"


def test_a_meeting_of_another_organisation_or_no_decider_is_refused(party_world, system_actor):
    d = develop(actor=system_actor, organisation=party_world.saiqin, name="其其格", applied_on=date(2024, 1, 10))
    theirs = Meeting.objects.create(organisation=party_world.guanjing, kind="branch_committee",
                                    held_on=date(2024, 3, 1), place="村部", topic="确定入党积极分子")
    with pytest.raises(ValidationError) as refused:
        services.advance(actor=system_actor, development=d, stage="activist", decided_on=date(2024, 3, 1),
                         meeting=theirs)
    assert "meeting" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.advance(actor=system_actor, development=d, stage="activist", decided_on=date(2024, 3, 1))
    assert "decided_by" in refused.value.message_dict
    ours = Meeting.objects.create(organisation=party_world.saiqin, kind="branch_committee",
                                  held_on=date(2024, 3, 1), place="嘎查部", topic="确定入党积极分子")
    step = services.advance(actor=system_actor, development=d, stage="activist", decided_on=date(2024, 3, 1),
                            meeting=ours)
    assert step.meeting == ours
    # Full membership is voted by the branch assembly, not the committee.
    d = develop(actor=system_actor, organisation=party_world.saiqin, name="娜仁", applied_on=date(2022, 1, 2),
                steps={"activist": date(2022, 3, 1), "candidate": date(2023, 3, 1), "probationary": date(2025, 6, 1)})
    committee = Meeting.objects.create(organisation=party_world.saiqin, kind="branch_committee",
                                       held_on=date(2026, 6, 1), place="嘎查部", topic="讨论转正")
    with pytest.raises(ValidationError) as refused:
        services.advance(actor=system_actor, development=d, stage="full", decided_on=date(2026, 6, 1),
                         meeting=committee)
    assert "须由支部党员大会讨论决定" in refused.value.message_dict["meeting"][0]
    assembly = Meeting.objects.create(organisation=party_world.saiqin, kind="branch_assembly",
                                      held_on=date(2026, 6, 1), place="嘎查部", topic="讨论转正")
    services.advance(actor=system_actor, development=d, stage="full", decided_on=date(2026, 6, 1), meeting=assembly)
    assert Development.objects.get(pk=d.pk).stage == "full"


def test_a_reader_may_not_record_and_an_outsider_does_not_find_it(party_world, system_actor, reader, outsider):
    d = develop(actor=system_actor, organisation=party_world.saiqin, name="其其格", applied_on=date(2024, 1, 10))
    with pytest.raises(PermissionDenied):
        services.advance(actor=Actor(user=reader, name="reader"), development=d, stage="activist",
                         decided_on=date(2024, 3, 1), decided_by="支部委员会")
    with pytest.raises(Http404):
        services.advance(actor=Actor(user=outsider, name="outsider"), development=d, stage="activist",
                         decided_on=date(2024, 3, 1), decided_by="支部委员会")
    assert Step.objects.filter(development=d).count() == 1


# ---------------------------------------------------------------- import

ROW = ["T-SQ", "娜仁", "女", "1995-04-01", "2023-02-01", "2023-05-01", "2024-05-06", "2025-01-10", ""]


def test_an_import_writes_every_row_with_its_steps_and_admits_the_probationary(party_world, system_actor):
    rows = [ROW, ["T-GJ", "王磊", "男", "1999-12-31", "2026-02-01", "", "", "", ""]]
    assert services.import_developments(actor=system_actor, upload=xlsx(rows)) == 2
    naren = Development.objects.get(name="娜仁")
    assert naren.stage == "probationary" and naren.member.joined_on == date(2025, 1, 10)
    assert [s.stage for s in naren.steps.all()] == ["applicant", "activist", "candidate", "probationary"]
    assert Development.objects.get(name="王磊").stage == "applicant"
    # The same row again with the 转正日期 filled adds that step only.
    services.import_developments(actor=system_actor, upload=xlsx([[*ROW[:-1], "2026-01-10"]]))
    naren.refresh_from_db()
    assert naren.stage == "full" and naren.member.full_on == date(2026, 1, 10)
    assert Development.objects.filter(name="娜仁").count() == 1


def test_an_import_with_one_rule_broken_writes_nothing_and_names_row_person_and_rule(party_world, system_actor):
    early = ["T-SQ", "孟根", "男", "1990-01-01", "2024-01-01", "2024-03-01", "2025-02-28", "", ""]
    young = ["T-SQ", "小红", "女", "2009-01-01", "2026-01-01", "", "", "", ""]
    gap = ["T-SQ", "图雅", "女", "1990-01-01", "2020-01-01", "", "2022-01-01", "", ""]
    stranger = ["T-XX", "李四", "男", "1990-01-01", "2020-01-01", "", "", "", ""]
    with pytest.raises(Rejected) as rejected:
        services.import_developments(actor=system_actor, upload=xlsx([ROW, early, young, gap, stranger]))
    errors = {(e.row, e.column): e.message for e in rejected.value.errors}
    assert set(errors) == {(3, "列为发展对象日期"), (4, "递交申请日期"), (5, "列为发展对象日期"), (6, "党组织代码")}
    assert errors[(3, "列为发展对象日期")].startswith("孟根：") and RULE_TRAINING in errors[(3, "列为发展对象日期")]
    assert RULE_AGE in errors[(4, "递交申请日期")] and "小红" in errors[(4, "递交申请日期")]
    assert RULE_ORDER in errors[(5, "列为发展对象日期")]
    assert not Development.objects.exists() and not Member.objects.filter(name="娜仁").exists()
