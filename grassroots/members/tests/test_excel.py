"""The register's Excel export as of a day, and the import of a register: all rows or none, every problem named
by row and person; an ID number matches a resident of the organisation's area."""

from datetime import date
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grassroots.areas import services as areas
from grassroots.areas.models import Person
from grassroots.members import services
from grassroots.members.models import Member
from grassroots.members.testing import actor_for
from grassroots.rules.idnumber import make_id_number

pytestmark = pytest.mark.django_db
HEADER = ["党组织代码", "姓名", "性别", "出生日期", "民族", "手机号", "入党日期", "转正日期", "组织关系转入日期", "身份证号"]
SIQIN_ID = make_id_number("150426", date(1990, 1, 15), 22)
OUTSIDE_ID = make_id_number("150426", date(1988, 4, 2), 31)


def workbook(rows, header=HEADER) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("名册.xlsx", buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def read(response):
    return list(openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content))).active.values)


@pytest.fixture
def residents(party_world, households, system_actor):
    areas.add_person(actor=system_actor, household=households["inside"], name="斯琴", relation="child",
                     id_number=SIQIN_ID)
    areas.add_person(actor=system_actor, household=households["outside"], name="单晓东", relation="child",
                     id_number=OUTSIDE_ID)
    return party_world


GOOD = [
    ["T-SQ", "斯琴", "女", "1990-01-15", "蒙古族", "13904760011", "2015-07-01", "2016-07-01", "2018-03-01", SIQIN_ID],
    ["T-GJ", "李明", "男", "1980-02-02", "汉族", "", "2005-07-01", "2006-07-01", "", ""],
]


def test_a_good_register_is_imported_and_an_id_number_links_the_resident(residents, as_org_staff):
    response = as_org_staff.post(reverse("members-import"), {"file": workbook(GOOD)})
    assert response.status_code == 302
    siqin = Member.objects.get(name="斯琴")
    assert siqin.person.name == "斯琴" and siqin.memberships.get().organisation.code == "T-SQ"
    assert siqin.memberships.get().started_on == date(2018, 3, 1)
    assert Person.objects.get(name="斯琴").party_status == "full"
    li = Member.objects.get(name="李明")
    assert li.person is None and li.memberships.get().started_on == date(2005, 7, 1)


def test_one_bad_row_and_nothing_is_imported_every_problem_named(residents, as_org_staff):
    rows = [*GOOD,
            ["T-XX", "王五", "男", "", "", "", "2010-07-01", "", "", ""],
            ["T-SQ", "赵六", "男", "", "", "12345", "2010-07-01", "2009-07-01", "", ""],
            ["T-SQ", "单晓东", "男", "", "", "", "2010-07-01", "", "", OUTSIDE_ID]]
    response = as_org_staff.post(reverse("members-import"), {"file": workbook(rows)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "第4行" in page and "王五：没有代码为“T-XX”的党组织" in page
    assert "第5行" in page and "赵六" in page and "转正日期 2009-07-01 早于入党日期 2010-07-01" in page
    assert "“手机号”" in page
    assert "第6行" in page and "单晓东：“中共赛沁塔拉嘎查支部委员会”所在区域没有此身份证号的居民" in page
    assert not Member.objects.filter(name__in=["斯琴", "李明", "王五", "赵六", "单晓东"]).exists()
    assert Member.objects.count() == 4


def test_an_id_number_must_agree_with_the_resident(residents, as_org_staff):
    row = ["T-SQ", "斯琴", "男", "1990-01-15", "", "", "2015-07-01", "", "", SIQIN_ID]
    response = as_org_staff.post(reverse("members-import"), {"file": workbook([row])})
    assert response.status_code == 400 and "斯琴：与居民登记的性别不一致" in response.content.decode()
    renamed = ["T-SQ", "斯琴高娃", "女", "", "", "", "2015-07-01", "", "", SIQIN_ID]
    response = as_org_staff.post(reverse("members-import"), {"file": workbook([renamed])})
    assert response.status_code == 400 and "斯琴高娃：身份证号登记的居民是斯琴" in response.content.decode()
    assert not Member.objects.filter(name__startswith="斯琴").exists()


def test_importing_twice_is_refused_the_second_time(residents, as_org_staff):
    as_org_staff.post(reverse("members-import"), {"file": workbook(GOOD[:1])})
    response = as_org_staff.post(reverse("members-import"), {"file": workbook(GOOD[:1])})
    assert response.status_code == 400 and "斯琴：已在党员名册中" in response.content.decode()
    assert Member.objects.filter(name="斯琴").count() == 1


def test_only_the_department_imports(residents, as_secretary, as_insider, as_outsider):
    assert as_secretary.post(reverse("members-import"), {"file": workbook(GOOD)}).status_code == 403
    assert as_outsider.get(reverse("members-import")).status_code == 403
    assert as_insider.get(reverse("members-import")).status_code == 404
    assert not Member.objects.filter(name="斯琴").exists()


def test_the_template_has_the_columns(party_world, as_org_staff):
    assert read(as_org_staff.get(reverse("members-import-template")))[0] == tuple(HEADER)


def test_the_export_is_the_register_as_of_the_day(party_world, as_secretary, as_reader, as_insider, secretary):
    services.register_mobile(actor=actor_for(secretary), member=party_world.members["乌云毕力格"], place="北京",
                             since=date(2025, 1, 1))
    rows = read(as_secretary.get(reverse("members-register-xlsx"), {"day": "2026-06-01"}))
    assert rows[0][:9] == ("党组织", "姓名", "性别", "出生日期", "入党日期", "转正日期", "党员类别", "组织关系转入日期", "流动党员")
    by_name = {r[1]: r for r in rows[1:]}
    assert set(by_name) == {"乌云毕力格", "巴特尔"}
    assert by_name["乌云毕力格"][6] == "正式" and by_name["乌云毕力格"][8] == "是"
    assert by_name["巴特尔"][6] == "预备" and by_name["巴特尔"][8] == "否"
    early = read(as_secretary.get(reverse("members-register-xlsx"), {"day": "2026-02-01"}))
    assert [r[1] for r in early[1:]] == ["乌云毕力格"]
    assert as_reader.get(reverse("members-register-xlsx")).status_code == 403
    assert as_insider.get(reverse("members-register-xlsx")).status_code == 404
