import io
from datetime import date

import pytest
from openpyxl import load_workbook

from grassroots.access import grants
from grassroots.areas import services as areas
from grassroots.audit.models import AuditEntry
from grassroots.rules import roles
from grassroots.spreadsheets.register import HEADERS
from grassroots.spreadsheets.tests.helpers import VILLAGE

pytestmark = pytest.mark.django_db

EXPORT = "/exports/households.xlsx"


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows_of(response) -> list[dict]:
    ws = workbook(response).active
    header, *rows = ws.iter_rows(values_only=True)
    assert header == HEADERS
    return [dict(zip(HEADERS, r, strict=True)) for r in rows]


def test_an_export_holds_the_area_register_with_id_numbers_masked(as_secretary, households):
    response = as_secretary.get(EXPORT, {"area": VILLAGE})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''%E6%88%B7%E7%B1%8D_" in response["Content-Disposition"]  # 户籍_
    rows = rows_of(response)
    assert [(r["户号"], r["姓名"], r["与户主关系"]) for r in rows] == [("SQ-0001", "乌云毕力格", "户主"),
                                                                 ("SQ-0001", "张秀兰", "配偶")]
    head, spouse = rows
    assert head["身份证号"] == "1504**********" + head["身份证号"][-4:] and head["身份证号"][-4:].isalnum()
    assert (head["性别"], head["政治面貌"], head["流动党员"], head["网格编码"]) == ("男", "正式党员", "否",
                                                                      "150426100223001")
    assert set(head["标签"].split("、")) == {"牧户", "低保"}  # the secretary may see sensitive tags
    assert spouse["出生日期"].date() == date(1970, 8, 1) and spouse["身份证号"] is None
    entry = AuditEntry.objects.get(action="residents.export")
    assert entry.data == {"area": VILLAGE, "households": 1, "people": 2}


def test_an_export_never_holds_a_formula(as_secretary, households, system_actor):
    names = ['=HYPERLINK("http://x","点我")', "+1+1", "-2", "@SUM(1)", "#N/A"]
    for name in names:
        areas.add_person(actor=system_actor, household=households["inside"], name=name, gender="M")
    ws = workbook(as_secretary.get(EXPORT, {"area": VILLAGE})).active
    cells = [cell for row in ws.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    written = {c.value: c.data_type for c in cells if c.column == HEADERS.index("姓名") + 1}
    assert all(written[name] == "s" for name in names)


def test_a_household_without_members_still_appears(as_secretary, region, system_actor):
    areas.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number="SQ-0100", address="空户")
    rows = rows_of(as_secretary.get(EXPORT, {"area": VILLAGE}))
    assert [(r["户号"], r["住址"], r["姓名"]) for r in rows] == [("SQ-0100", "空户", None)]


def test_who_may_export(as_secretary, as_reader, as_insider, as_outsider, as_county_admin, households):
    assert as_reader.get(EXPORT, {"area": VILLAGE}).status_code == 403  # sees the village, may not export it
    assert as_insider.get(EXPORT, {"area": "150426100223001"}).status_code == 403
    assert as_insider.get(EXPORT, {"area": VILLAGE}).status_code == 404  # the village is above their grid
    assert as_outsider.get(EXPORT, {"area": VILLAGE}).status_code == 404
    assert as_outsider.get(EXPORT, {"area": "no-such-area"}).status_code == 404
    assert not AuditEntry.objects.filter(action="residents.export").exists()

    # The county sees both villages; each village secretary, only their own.
    county = rows_of(as_county_admin.get(EXPORT, {"area": "150426000000"}))
    assert {r["户号"] for r in county} == {"SQ-0001", "GJ-0001"}
    assert {r["户号"] for r in rows_of(as_outsider.get(EXPORT, {"area": "150426104204"}))} == {"GJ-0001"}
    assert as_secretary.get(EXPORT, {"area": "150426100000"}).status_code == 404  # their township is above them


def test_sensitive_tags_only_for_those_who_may_see_them(as_reader, households, monkeypatch):
    # No role today may export without seeing sensitive tags; give the party group leader export alone.
    leader = roles.Role.PARTY_GROUP_LEADER
    monkeypatch.setitem(grants.CAPABILITIES, leader, grants.CAPABILITIES[leader] | {roles.EXPORT_RESIDENTS})
    rows = rows_of(as_reader.get(EXPORT, {"area": VILLAGE}))
    assert rows[0]["标签"] == "牧户"
