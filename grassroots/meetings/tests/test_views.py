"""The meetings pages: scoped (insider, read-only member 403 on writes, outsider 404, grid worker 404, anonymous
to the login page), the record form run once per its key, photos only through the access-checked view, the
compliance page, the Excel export and the all-or-nothing import."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from grassroots.demands.testing import jpeg_bytes
from grassroots.meetings.models import Meeting
from grassroots.meetings.testing import record
from grassroots.members.models import MobileMember

pytestmark = pytest.mark.django_db

HELD_ON = date(2026, 4, 10)


@pytest.fixture
def meeting(party_world, system_actor):
    return record(system_actor, party_world, held_on=HELD_ON, today=HELD_ON, minutes="书记主持",
                  photos=[SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")])


def form_data(world, **extra):
    data = {"kind": "branch_assembly", "held_on": "2026-04-10", "place": "嘎查党群服务中心", "topic": "学习全会精神",
            "minutes": "", "idempotency_key": "k-1",
            f"a-{world.members['乌云毕力格'].pk}": "present", f"a-{world.members['巴特尔'].pk}": "excused"}
    return {**data, **extra}


def test_the_record_form_lists_the_members_of_the_day_with_large_choices(party_world, as_secretary):
    url = reverse("meetings-record", args=[party_world.saiqin.pk])
    page = as_secretary.get(url, {"held_on": "2026-02-10"}).content.decode()
    assert "乌云毕力格" in page and "巴特尔" not in page  # 巴特尔 joined on 2026-03-01
    assert 'type="date" name="held_on" value="2026-02-10"' in page  # what a phone's date picker reads
    page = as_secretary.get(url, {"held_on": "2026-04-10"}).content.decode()
    assert "巴特尔" in page and "出席" in page and "请假" in page and "缺席" in page
    remote_box = f'name="r-{party_world.members["巴特尔"].pk}"'
    assert remote_box not in page
    MobileMember.objects.create(member=party_world.members["巴特尔"], place="包头市", since=date(2026, 1, 1))
    assert remote_box in as_secretary.get(url, {"held_on": "2026-04-10"}).content.decode()


def test_recording_through_the_page_runs_once_per_key(party_world, as_secretary):
    url = reverse("meetings-record", args=[party_world.saiqin.pk])
    first = as_secretary.post(url, form_data(party_world))
    assert first.status_code == 302
    again = as_secretary.post(url, form_data(party_world))
    assert again.status_code == 302 and again["Location"] == first["Location"]
    meeting = Meeting.objects.get()
    assert dict(meeting.attendance.values_list("member__name", "status")) == {"乌云毕力格": "present",
                                                                               "巴特尔": "excused"}
    page = as_secretary.get(first["Location"]).content.decode()
    assert "学习全会精神" in page and "乌云毕力格" in page


def test_a_stranger_posted_in_the_attendance_is_named_and_nothing_written(party_world, as_secretary):
    url = reverse("meetings-record", args=[party_world.saiqin.pk])
    response = as_secretary.post(url, form_data(party_world, **{f"a-{party_world.members['刘建国'].pk}": "present"}))
    assert response.status_code == 400
    assert "刘建国" in response.content.decode()
    assert not Meeting.objects.exists()


def test_who_may_open_the_record_form(party_world, as_reader, as_outsider, as_insider, as_township_staff, client):
    url = reverse("meetings-record", args=[party_world.saiqin.pk])
    assert as_reader.get(url).status_code == 403
    assert as_township_staff.get(url).status_code == 403
    assert as_outsider.get(url).status_code == 404
    assert as_insider.get(url).status_code == 404
    assert as_reader.post(url, form_data(party_world)).status_code == 403
    assert client.get(url).status_code == 302
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("name", ["meetings-list", "meetings-meeting", "meetings-photo", "meetings-export"])
def test_every_page_is_scoped(name, meeting, as_secretary, as_reader, as_outsider, as_insider, client):
    args = {"meetings-list": [meeting.organisation_id], "meetings-meeting": [meeting.pk],
            "meetings-photo": [meeting.pk, meeting.photos.get().pk], "meetings-export": [meeting.organisation_id]}
    url = reverse(name, args=args[name])
    assert as_secretary.get(url).status_code == 200
    assert as_reader.get(url).status_code == (403 if name == "meetings-export" else 200)
    assert as_outsider.get(url).status_code == 404
    assert as_insider.get(url).status_code == 404
    assert client.get(url).status_code == 302


def test_the_list_and_detail_show_the_meeting_and_its_photo(meeting, as_reader):
    page = as_reader.get(reverse("meetings-list", args=[meeting.organisation_id])).content.decode()
    assert "学习贯彻全会精神" in page and "出席 2" in page and "登记会议" not in page
    detail = as_reader.get(reverse("meetings-meeting", args=[meeting.pk])).content.decode()
    photo_url = reverse("meetings-photo", args=[meeting.pk, meeting.photos.get().pk])
    assert photo_url in detail and "保存更正" not in detail
    photo = as_reader.get(photo_url)
    assert photo["Content-Type"] == "image/jpeg" and b"".join(photo.streaming_content)[:2] == b"\xff\xd8"


def test_the_list_does_not_query_per_meeting(party_world, system_actor, as_secretary, django_assert_max_num_queries):
    for day in range(1, 9):
        record(system_actor, party_world, held_on=date(2026, 4, day), today=HELD_ON)
    with django_assert_max_num_queries(10):
        response = as_secretary.get(reverse("meetings-list", args=[party_world.saiqin.pk]))
    assert response.content.decode().count("学习贯彻全会精神") == 8


def test_correcting_attendance_and_adding_minutes_on_the_page(meeting, party_world, as_secretary, as_reader):
    batu = party_world.members["巴特尔"]
    url = reverse("meetings-attendance", args=[meeting.pk])
    assert as_reader.post(url, {f"a-{batu.pk}": "absent"}).status_code == 403
    assert as_secretary.post(url, {f"a-{batu.pk}": "absent"}).status_code == 302
    assert meeting.attendance.get(member=batu).status == "absent"
    minutes = reverse("meetings-minutes", args=[meeting.pk])
    assert as_secretary.post(minutes, {"minutes": "补记"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "书记主持\n\n补记"


def test_the_compliance_page_drills_down_and_highlights_overdue(meeting, region, as_township_staff, as_insider,
                                                                as_outsider):
    url = reverse("meetings-compliance")
    page = as_township_staff.get(url, {"day": "2026-04-20"})
    text = page.content.decode()
    assert page.status_code == 200 and "乌丹镇" in text and 'data-organisation="T-SQ"' in text
    assert 'data-period="2026-Q2" data-status="held"' in text  # the 支部党员大会 of 2026-04-10
    assert "overdue-row" in text
    assert as_township_staff.get(url, {"area": region["广德公镇"].code}).status_code == 404
    assert as_insider.get(url).status_code == 404
    outsider = as_outsider.get(url, {"area": region["翁牛特旗"].code}).content.decode()
    assert 'data-organisation="T-GJ"' in outsider and "T-SQ" not in outsider


def test_the_compliance_export(meeting, region, as_township_staff, as_reader):
    response = as_township_staff.get(reverse("meetings-compliance-xlsx"),
                                     {"area": region["乌丹镇"].code, "year": 2026, "day": "2026-04-20"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assembly = next(r for r in rows if r[1] == "T-SQ" and r[3] == "支部党员大会")
    assert assembly[5:8] == ("逾期未开", "逾期未开", "逾期未开") and assembly[8] == "已开"
    assert as_reader.get(reverse("meetings-compliance-xlsx")).status_code == 403


def test_the_meetings_export_reads_back_as_an_import(meeting, as_secretary):
    response = as_secretary.get(reverse("meetings-export", args=[meeting.organisation_id]), {"year": 2026})
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0][:8] == ("党组织代码", "类型", "日期", "地点", "主题", "出席", "请假", "缺席")
    assert rows[1][:2] == ("T-SQ", "支部党员大会") and set(rows[1][5].split("、")) == {"乌云毕力格", "巴特尔"}


def xlsx(rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(["党组织代码", "类型", "日期", "地点", "主题", "出席", "请假", "缺席"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("m.xlsx", out.getvalue())


def test_the_import_is_all_or_nothing_and_names_the_row_and_the_person(party_world, as_secretary):
    url = reverse("meetings-import")
    bad = as_secretary.post(url, {"file": xlsx([
        ["T-SQ", "支部党员大会", "2026-03-05", "党群服务中心", "学习", "乌云毕力格、巴特尔", "", ""],
        ["T-SQ", "支委会", "2026-03-06", "党群服务中心", "研究工作", "乌云毕力格、张三", "", "巴特尔"],
        ["T-GJ", "支委会", "2026-03-06", "村部", "研究工作", "刘建国", "", ""],
    ])})
    text = bad.content.decode()
    assert bad.status_code == 400
    assert "第3行" in text and "张三" in text and "第4行" in text and "T-GJ" in text
    assert not Meeting.objects.exists()
    good = as_secretary.post(url, {"file": xlsx([
        ["T-SQ", "支部党员大会", "2026-03-05", "党群服务中心", "学习", "乌云毕力格", "巴特尔", ""],
        ["T-SQ1", "党小组会", "2026-03-06", "牧户家中", "学习", "乌云毕力格、巴特尔", "", ""],
    ])})
    assert good.status_code == 302
    assert Meeting.objects.count() == 2
    assert dict(Meeting.objects.get(kind="branch_assembly").attendance.values_list("member__name", "status")) == {
        "乌云毕力格": "present", "巴特尔": "excused"}
    again = as_secretary.post(url, {"file": xlsx([
        ["T-SQ", "支部党员大会", "2026-03-05", "党群服务中心", "学习", "乌云毕力格", "巴特尔", ""]])})
    assert again.status_code == 400 and "已登记" in again.content.decode() and Meeting.objects.count() == 2


def test_the_import_page_is_refused_to_those_who_only_look(party_world, as_reader, as_insider):
    assert as_reader.get(reverse("meetings-import")).status_code == 403
    assert as_insider.get(reverse("meetings-import")).status_code == 404


@pytest.mark.parametrize("name", ["meetings-attendance", "meetings-minutes"])
def test_writes_on_a_meeting_are_404_to_strangers_and_grid_workers(name, meeting, party_world, as_outsider,
                                                                   as_insider):
    data = {f"a-{party_world.members['巴特尔'].pk}": "absent", "minutes": "外人补记"}
    for client in (as_outsider, as_insider):
        assert client.post(reverse(name, args=[meeting.pk]), data).status_code == 404
    meeting.refresh_from_db()
    assert meeting.minutes == "书记主持" and meeting.attendance.get(member=party_world.members["巴特尔"]).status == "present"


def test_the_compliance_export_is_scoped(meeting, region, as_outsider, as_insider):
    url = reverse("meetings-compliance-xlsx")
    assert as_outsider.get(url, {"area": region["乌丹镇"].code}).status_code == 404
    assert as_insider.get(url).status_code == 404
