"""The member register's writes: transfers keep a member counted in exactly one organisation on every day, leaving
ends without deleting, posts, mobile members and home reports, and who may do each."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404

from grassroots.areas.models import Person
from grassroots.audit.models import AuditEntry
from grassroots.members import selectors, services
from grassroots.members.models import Member, Membership, MobileMember, Post, Transfer
from grassroots.members.testing import actor_for, counted_in, days
from grassroots.pairing.services import create_pair
from grassroots.party.models import Organisation
from grassroots.rules.membership import chain_problems
from grassroots.rules.pairing import MEMBER_MOBILE

pytestmark = pytest.mark.django_db


def test_a_transfer_counts_the_member_in_exactly_one_organisation_on_every_day(party_world, secretary, outsider,
                                                                              org_staff):
    batu = party_world.members["巴特尔"]
    transfer = services.send_transfer(actor=actor_for(secretary), member=batu, sent_on=date(2026, 5, 1),
                                      to_organisation=party_world.guanjing, letter_number="WNT-2026-001")
    services.receive_transfer(actor=actor_for(outsider), transfer=transfer, received_on=date(2026, 5, 10))

    for day in days(date(2026, 3, 1), date(2026, 7, 1)):
        expected = ["T-SQ"] if day < date(2026, 5, 10) else ["T-GJ"]
        assert counted_in(batu, day) == expected, day
        on_registers = [m.organisation.code for m in selectors.register_on(org_staff, day=day)
                        if m.member_id == batu.pk]
        assert on_registers == expected, day
    assert counted_in(batu, date(2026, 2, 28)) == []  # not yet a member
    spans = list(batu.memberships.values_list("started_on", "ended_on"))
    assert chain_problems(spans) == []
    old, new = batu.memberships.order_by("started_on")
    assert (old.ended_on, old.end_reason, old.transfer_id) == (date(2026, 5, 10), "transfer", transfer.pk)
    assert (new.started_on, new.transfer_id) == (date(2026, 5, 10), transfer.pk)
    # Present in both histories: each end looks the member up and sees both memberships.
    for user in (secretary, outsider):
        seen = selectors.history(selectors.member_for(user, batu.pk))
        assert [m.organisation.code for m in seen.memberships] == ["T-SQ", "T-GJ"]
        assert [t.pk for t in seen.transfers] == [transfer.pk]


def test_until_received_the_member_stays_with_the_sender_and_one_transfer_may_be_pending(party_world, secretary):
    batu = party_world.members["巴特尔"]
    services.send_transfer(actor=actor_for(secretary), member=batu, sent_on=date(2026, 5, 1),
                           to_organisation=party_world.guanjing)
    assert counted_in(batu, date(2026, 12, 1)) == ["T-SQ"]
    with pytest.raises(ValidationError, match="巴特尔已有一份 2026-05-01 转出、尚未接收的转接"):
        services.send_transfer(actor=actor_for(secretary), member=batu, sent_on=date(2026, 5, 2),
                               to_organisation=party_world.unit)
    assert Transfer.objects.filter(member=batu).count() == 1


def test_a_withdrawn_transfer_cannot_be_received_and_the_member_never_left(party_world, secretary, outsider):
    batu = party_world.members["巴特尔"]
    transfer = services.send_transfer(actor=actor_for(secretary), member=batu, sent_on=date(2026, 5, 1),
                                      to_organisation=party_world.guanjing)
    services.withdraw_transfer(actor=actor_for(secretary), transfer=transfer)
    with pytest.raises(ValidationError, match="已撤回"):
        services.receive_transfer(actor=actor_for(outsider), transfer=transfer, received_on=date(2026, 5, 3))
    assert batu.memberships.count() == 1 and counted_in(batu, date(2026, 6, 1)) == ["T-SQ"]


def test_each_end_of_a_transfer_is_its_own_organisations(party_world, secretary, reader, outsider):
    batu = party_world.members["巴特尔"]
    with pytest.raises(PermissionDenied):  # may only look
        services.send_transfer(actor=actor_for(reader), member=batu, sent_on=date(2026, 5, 1),
                               to_organisation=party_world.guanjing)
    with pytest.raises(Http404):  # not theirs at all
        services.send_transfer(actor=actor_for(outsider), member=batu, sent_on=date(2026, 5, 1),
                               to_organisation=party_world.guanjing)
    transfer = services.send_transfer(actor=actor_for(secretary), member=batu, sent_on=date(2026, 5, 1),
                                      to_organisation=party_world.guanjing)
    with pytest.raises(Http404):  # the sender cannot receive on the receiver's behalf
        services.receive_transfer(actor=actor_for(secretary), transfer=transfer, received_on=date(2026, 5, 3))
    with pytest.raises(Http404):  # nor the receiver withdraw it
        services.withdraw_transfer(actor=actor_for(outsider), transfer=transfer)
    assert Transfer.objects.get(pk=transfer.pk).status == "sent"


def test_bad_transfers_are_refused_naming_the_member(party_world, secretary):
    batu = party_world.members["巴特尔"]
    actor = actor_for(secretary)
    with pytest.raises(ValidationError, match="巴特尔已在"):
        services.send_transfer(actor=actor, member=batu, sent_on=date(2026, 5, 1), to_organisation=party_world.saiqin)
    with pytest.raises(ValidationError, match="二者选一"):
        services.send_transfer(actor=actor, member=batu, sent_on=date(2026, 5, 1))
    cloud = Organisation.objects.create(name="云支部", kind="branch", area=party_world.county.area, path="x/oc/",
                                        area_path=party_world.county.area_path, founded_on=date(2020, 1, 1),
                                        is_cloud_branch=True)
    with pytest.raises(ValidationError, match="云支部，不接收组织关系"):
        services.send_transfer(actor=actor, member=batu, sent_on=date(2026, 5, 1), to_organisation=cloud)
    with pytest.raises(ValidationError, match="早于巴特尔转入"):
        services.send_transfer(actor=actor, member=batu, sent_on=date(2026, 1, 1), to_organisation=party_world.guanjing)
    assert not Transfer.objects.exists()


def test_a_transfer_out_of_the_county_is_closed_by_the_receipt(party_world, secretary):
    head = party_world.members["乌云毕力格"]
    transfer = services.send_transfer(actor=actor_for(secretary), member=head, sent_on=date(2026, 6, 1),
                                      to_outside="赤峰市红山区某社区党支部")
    assert Person.objects.get(pk=head.person_id).party_status == "full"
    services.receive_transfer(actor=actor_for(secretary), transfer=transfer, received_on=date(2026, 6, 20))
    head.refresh_from_db()
    assert (head.left_on, head.left_reason) == (date(2026, 6, 20), "transferred_out")
    assert counted_in(head, date(2026, 6, 19)) == ["T-SQ"] and counted_in(head, date(2026, 6, 20)) == []
    assert Person.objects.get(pk=head.person_id).party_status == ""
    assert Membership.objects.filter(member=head).count() == 1  # nothing deleted


def test_a_member_from_outside_the_county_is_admitted_with_the_transfer(party_world, outsider):
    member = services.receive_from_outside(
        actor=actor_for(outsider), organisation=party_world.guanjing, from_outside="通辽市科尔沁区某党支部",
        received_on=date(2026, 4, 1), sent_on=date(2026, 3, 20), name="王芳", gender="F",
        joined_on=date(2015, 7, 1), full_on=date(2016, 7, 1))
    membership = member.memberships.get()
    assert membership.started_on == date(2026, 4, 1) and membership.transfer.from_outside == "通辽市科尔沁区某党支部"
    assert membership.transfer.status == "received"
    assert counted_in(member, date(2026, 3, 31)) == [] and counted_in(member, date(2026, 4, 1)) == ["T-GJ"]


def test_ending_a_membership_is_the_departments_and_deletes_nothing(party_world, secretary, org_staff):
    head = party_world.members["乌云毕力格"]
    with pytest.raises(PermissionDenied):
        services.end_membership(actor=actor_for(secretary), member=head, ended_on=date(2026, 8, 1), reason="death")
    with pytest.raises(ValidationError, match="离开原因应为"):
        services.end_membership(actor=actor_for(org_staff), member=head, ended_on=date(2026, 8, 1),
                                reason="transferred_out")
    services.end_membership(actor=actor_for(org_staff), member=head, ended_on=date(2026, 8, 1), reason="death")
    head.refresh_from_db()
    assert (head.left_on, head.left_reason) == (date(2026, 8, 1), "death")
    assert head.memberships.get().end_reason == "left"
    assert counted_in(head, date(2026, 7, 31)) == ["T-SQ"] and counted_in(head, date(2026, 8, 1)) == []
    assert Person.objects.get(pk=head.person_id).party_status == ""
    assert AuditEntry.objects.filter(action="members.member.end", object_id=str(head.pk)).exists()


def test_one_secretary_at_a_time(party_world, secretary):
    actor = actor_for(secretary)
    head, batu = party_world.members["乌云毕力格"], party_world.members["巴特尔"]
    post = services.appoint_post(actor=actor, organisation=party_world.saiqin, member=head, title="secretary",
                                 started_on=date(2021, 1, 1))
    with pytest.raises(ValidationError, match="现任书记是乌云毕力格"):
        services.appoint_post(actor=actor, organisation=party_world.saiqin, member=batu, title="secretary",
                              started_on=date(2026, 5, 1))
    with pytest.raises(ValidationError, match="刘建国不是"):
        services.appoint_post(actor=actor_for(secretary), organisation=party_world.saiqin,
                              member=party_world.members["刘建国"], title="committee", started_on=date(2026, 5, 1))
    services.end_post(actor=actor, post=post, ended_on=date(2026, 4, 30))
    services.appoint_post(actor=actor, organisation=party_world.saiqin, member=batu, title="secretary",
                          started_on=date(2026, 5, 1))
    # A 党小组's leader is a member of the branch it belongs to.
    services.appoint_post(actor=actor, organisation=party_world.saiqin_group, member=head, title="group_leader",
                          started_on=date(2026, 5, 1))
    assert [p.member.name for p in selectors.posts_on(party_world.saiqin, date(2026, 4, 1))] == ["乌云毕力格"]
    assert [p.member.name for p in selectors.posts_on(party_world.saiqin, date(2026, 6, 1))] == ["巴特尔"]
    with pytest.raises(IntegrityError):  # the database holds the rule too
        Post.objects.create(organisation=party_world.saiqin, member=head, title="secretary",
                            started_on=date(2026, 6, 1))


def test_a_mobile_member_is_registered_contacted_and_returns(party_world, secretary, reader):
    head, batu = party_world.members["乌云毕力格"], party_world.members["巴特尔"]
    with pytest.raises(PermissionDenied):
        services.register_mobile(actor=actor_for(reader), member=head, place="北京", since=date(2025, 3, 1))
    spell = services.register_mobile(actor=actor_for(secretary), member=head, place="呼和浩特市赛罕区",
                                     since=date(2025, 3, 1), contact="13904761234")
    assert Person.objects.get(pk=head.person_id).is_mobile_member
    # The village member paired with them is a dated pair (pairing), read back through the members selectors.
    create_pair(actor=actor_for(secretary), kind=MEMBER_MOBILE, visitor=batu, target=head, started_on=date(2026, 3, 1))
    assert [m.partner_name for m in selectors.mobile_members(secretary, day=date(2026, 12, 1))] == ["巴特尔"]
    assert [m.partner_name for m in selectors.mobile_members(secretary, day=date(2026, 2, 1))] == [None]
    assert [s.partner for s in selectors.history(head).mobile_spells] == [batu]
    services.record_contact(actor=actor_for(secretary), mobile=spell, contacted_on=date(2026, 7, 1), method="call")
    with pytest.raises(ValidationError, match="早于乌云毕力格外出日期"):
        services.record_contact(actor=actor_for(secretary), mobile=spell, contacted_on=date(2025, 1, 1),
                                method="call")
    day = date(2026, 12, 1)
    assert [m.last_contact for m in selectors.mobile_members(secretary, day=day)] == [date(2026, 7, 1)]
    assert [m.member.name for m in selectors.mobile_members(secretary, day=day, months=3)] == ["乌云毕力格"]
    assert list(selectors.mobile_members(secretary, day=day, months=6)) == []
    services.mobile_returned(actor=actor_for(secretary), mobile=spell, returned_on=date(2026, 11, 1))
    assert not Person.objects.get(pk=head.person_id).is_mobile_member
    assert list(selectors.mobile_members(secretary, day=day)) == []
    assert [m.member.name for m in selectors.mobile_members(secretary, day=date(2026, 10, 1))] == ["乌云毕力格"]
    assert MobileMember.objects.count() == 1


def test_a_unit_member_reports_home_to_a_community_and_is_not_counted_there(party_world, unit_secretary, secretary,
                                                                           outsider):
    gao = party_world.members["高志远"]
    report = services.start_home_report(actor=actor_for(unit_secretary), member=gao, organisation=party_world.saiqin,
                                        started_on=date(2026, 3, 1), service="政策宣讲")
    services.add_home_report_hours(actor=actor_for(secretary), report=report, hours=Decimal("2.5"))
    services.add_home_report_hours(actor=actor_for(unit_secretary), report=report, hours=Decimal("4"))
    with pytest.raises(Http404):
        services.add_home_report_hours(actor=actor_for(outsider), report=report, hours=Decimal("1"))
    with pytest.raises(ValidationError, match="高志远的服务时长"):
        services.add_home_report_hours(actor=actor_for(secretary), report=report, hours=Decimal("-1"))
    report.refresh_from_db()
    assert report.hours == Decimal("6.5")
    assert gao.pk not in {m.member_id for m in selectors.register_on(secretary, day=date(2026, 6, 1))}
    rows = list(selectors.home_reports(secretary, day=date(2026, 6, 1)))
    assert [(r.member.name, r.unit_name, r.hours) for r in rows] == [("高志远", "中共翁牛特旗教育局机关支部委员会", Decimal("6.5"))]
    assert list(selectors.home_reports(outsider, day=date(2026, 6, 1))) == []
    services.end_home_report(actor=actor_for(unit_secretary), report=report, ended_on=date(2026, 9, 1))
    assert list(selectors.home_reports(secretary, day=date(2026, 9, 1))) == []


def test_an_organisation_secretary_sees_only_their_organisations_members(party_world, unit_secretary):
    assert [m.member.name for m in selectors.register_on(unit_secretary, day=date(2026, 12, 1))] == ["高志远"]
    with pytest.raises(Http404):
        selectors.member_for(unit_secretary, party_world.members["巴特尔"].pk)
    assert Member.objects.count() == 4
