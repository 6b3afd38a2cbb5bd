"""Recording a meeting: attendance only of the organisation's members on the day (strangers refused by name,
nothing written), remote only for mobile members, the date's rules, corrections, minutes and private photos."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from grassroots.audit.models import AuditEntry
from grassroots.demands.testing import jpeg_bytes
from grassroots.meetings import services
from grassroots.meetings.models import Attendance, Meeting, MeetingPhoto
from grassroots.meetings.services import Line
from grassroots.meetings.testing import ABSENT, EXCUSED, PRESENT, actor, everyone_present, record
from grassroots.members.models import MobileMember

pytestmark = pytest.mark.django_db


def test_a_meeting_is_recorded_with_a_status_for_each_member(party_world, secretary):
    world = party_world
    meeting = record(actor(secretary), world, lines=everyone_present(world, but=("巴特尔",)),
                     minutes="会议由书记主持")
    assert {(a.member.name, a.status) for a in meeting.attendance.select_related("member")} == {
        ("乌云毕力格", PRESENT), ("巴特尔", EXCUSED)}
    assert meeting.recorded_by == secretary and meeting.minutes == "会议由书记主持"
    entry = AuditEntry.objects.get(action="meetings.meeting.record")
    assert entry.data["present"] == 1 and entry.data["excused"] == 1


def test_a_stranger_in_the_attendance_is_refused_by_name_and_nothing_is_written(party_world, secretary):
    world = party_world
    lines = [*everyone_present(world), Line(world.members["刘建国"].pk, PRESENT)]
    with pytest.raises(ValidationError) as refused:
        record(actor(secretary), world, lines=lines)
    assert "刘建国" in refused.value.message_dict["attendance"][0]
    assert not Meeting.objects.exists() and not Attendance.objects.exists()
    assert not AuditEntry.objects.filter(action="meetings.meeting.record").exists()


def test_the_roll_is_the_one_of_the_meetings_day(party_world, system_actor):
    world = party_world
    # 巴特尔 joined on 2026-03-01: in February he was not a member of the branch yet.
    with pytest.raises(ValidationError) as refused:
        record(system_actor, world, held_on=date(2026, 2, 10))
    assert "巴特尔" in refused.value.messages[0] and "2026-02-10" in refused.value.messages[0]
    meeting = record(system_actor, world, held_on=date(2026, 2, 10),
                     lines=[Line(world.members["乌云毕力格"].pk, PRESENT)])
    assert meeting.attendance.count() == 1


def test_every_member_of_the_day_needs_a_status(party_world, system_actor):
    world = party_world
    with pytest.raises(ValidationError) as refused:
        record(system_actor, world, lines=[Line(world.members["乌云毕力格"].pk, PRESENT)])
    assert "巴特尔" in refused.value.message_dict["attendance"][0]


def test_only_a_mobile_member_attends_remotely(party_world, system_actor):
    world = party_world
    batu = world.members["巴特尔"]
    lines = [Line(world.members["乌云毕力格"].pk, PRESENT), Line(batu.pk, PRESENT, remote=True)]
    with pytest.raises(ValidationError) as refused:
        record(system_actor, world, lines=lines)
    assert "巴特尔" in refused.value.messages[0] and "流动党员" in refused.value.messages[0]
    MobileMember.objects.create(member=batu, place="呼和浩特市", since=date(2026, 4, 1))
    meeting = record(system_actor, world, lines=lines)
    assert meeting.attendance.get(member=batu).remote is True


def test_the_date_may_not_be_in_the_future_nor_before_the_founding(party_world, system_actor):
    world = party_world
    with pytest.raises(ValidationError) as refused:
        record(system_actor, world, held_on=date(2026, 6, 2), today=date(2026, 6, 1))
    assert "held_on" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        record(system_actor, world, organisation=world.saiqin_group, kind="group_meeting",
               held_on=date(2015, 2, 1), lines=[])
    assert "成立日期" in refused.value.message_dict["held_on"][0]


def test_a_group_meets_with_its_branchs_members_and_holds_only_group_meetings(party_world, system_actor):
    world = party_world
    meeting = record(system_actor, world, organisation=world.saiqin_group, kind="group_meeting")
    assert meeting.attendance.count() == 2
    with pytest.raises(ValidationError):
        record(system_actor, world, organisation=world.saiqin_group, kind="branch_assembly")
    with pytest.raises(ValidationError):
        record(system_actor, world, kind="group_meeting")


def test_who_may_record(party_world, reader, outsider, township_staff):
    world = party_world
    with pytest.raises(PermissionDenied):
        record(actor(reader), world)
    with pytest.raises(PermissionDenied):
        record(actor(township_staff), world)
    with pytest.raises(Http404):
        record(actor(outsider), world)
    assert not Meeting.objects.exists()


def test_photos_are_re_encoded_into_private_storage_at_most_three(party_world, system_actor):
    world = party_world

    def photo(n):
        return SimpleUploadedFile(f"p{n}.jpg", jpeg_bytes(), content_type="image/jpeg")

    meeting = record(system_actor, world, photos=[photo(1), photo(2)])
    stored = list(meeting.photos.all())
    assert len(stored) == 2 and stored[0].image.name.startswith(f"meetings/{meeting.pk}/")
    with pytest.raises(ValidationError) as refused:
        services.add_minutes(actor=system_actor, meeting=meeting, photos=[photo(3), photo(4)])
    assert "photos" in refused.value.message_dict and MeetingPhoto.objects.count() == 2
    with pytest.raises(ValidationError):
        record(system_actor, world, held_on=date(2026, 4, 11),
               photos=[SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")])
    assert Meeting.objects.count() == 1


def test_correcting_attendance_and_adding_minutes(party_world, secretary, reader):
    world = party_world
    meeting = record(actor(secretary), world, minutes="第一部分")
    batu = world.members["巴特尔"]
    services.correct_attendance(actor=actor(secretary), meeting=meeting, attendance=[Line(batu.pk, ABSENT)])
    assert meeting.attendance.get(member=batu).status == ABSENT
    with pytest.raises(ValidationError) as refused:
        services.correct_attendance(actor=actor(secretary), meeting=meeting,
                                    attendance=[Line(world.members["高志远"].pk, PRESENT)])
    assert "高志远" in refused.value.messages[0]
    with pytest.raises(PermissionDenied):
        services.correct_attendance(actor=actor(reader), meeting=meeting, attendance=[Line(batu.pk, PRESENT)])
    services.add_minutes(actor=actor(secretary), meeting=meeting, minutes="补记：会后走访")
    meeting.refresh_from_db()
    assert meeting.minutes == "第一部分\n\n补记：会后走访"
    assert AuditEntry.objects.filter(action="meetings.attendance.correct").count() == 1
