"""/api/party/members/register/xlsx/, /api/party/mobile-members/xlsx/, /api/party/members/import/ and
…/import/template/: the register's pages' workbooks and import through the API. The exports are the pages' (the
caller's members only, as of a day); the import is all or nothing, every problem named by row and column in a 422,
nothing written; a replay answers the first 201; the roles as on the pages."""

import io
from datetime import date

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.api.testing import bearer
from grassroots.core.excel import xlsx_bytes
from grassroots.members import services
from grassroots.members.models import Member
from grassroots.members.testing import actor_for

pytestmark = pytest.mark.django_db
BASE = "/api/party"
REGISTER, MOBILE = f"{BASE}/members/register/xlsx/", f"{BASE}/mobile-members/xlsx/"
IMPORT, TEMPLATE = f"{BASE}/members/import/", f"{BASE}/members/import/template/"
HEADERS = [c.header for c in services.REGISTER_COLUMNS]
GOOD = [["T-SQ", "斯琴", "女", "1990-01-15", "蒙古族", "13904760011", "2015-07-01", "2016-07-01", "2018-03-01", ""],
        ["T-GJ", "李明", "男", "1980-02-02", "汉族", "", "2005-07-01", "2006-07-01", "", ""]]
BAD = [*GOOD,
       ["T-XX", "王五", "男", "", "", "", "2010-07-01", "", "", ""],
       ["T-SQ", "赵六", "男", "", "", "", "2010-07-01", "2009-07-01", "", ""]]


def book(response) -> list[tuple]:
    """The workbook answered, opened with openpyxl: its first sheet's rows."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    return list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


def upload(client, rows, key="k1"):
    """POST the rows as a workbook (``rows`` may be the file's bytes, to send the very same file again)."""
    content = rows if isinstance(rows, bytes) else xlsx_bytes(HEADERS, rows)
    return client.post(IMPORT, {"file": SimpleUploadedFile("名册.xlsx", content)},
                       headers={"Idempotency-Key": key} if key else {})


def test_the_register_export_is_the_pages_and_holds_the_callers_members_only(party_world, secretary, outsider, reader,
                                                                          insider, anonymous):
    services.register_mobile(actor=actor_for(secretary), member=party_world.members["乌云毕力格"], place="北京",
                             since=date(2025, 1, 1))
    rows = book(bearer(secretary).get(REGISTER, {"day": "2026-06-01"}))
    assert rows[0][:2] == ("党组织", "姓名")
    by_name = {r[1]: r for r in rows[1:]}
    assert set(by_name) == {"乌云毕力格", "巴特尔"}
    assert by_name["乌云毕力格"][8] == "是" and by_name["巴特尔"][6] == "预备"
    assert [r[1] for r in book(bearer(secretary).get(REGISTER, {"day": "2026-02-01"}))[1:]] == ["乌云毕力格"]
    elsewhere = {r[1] for r in book(bearer(outsider).get(REGISTER, {"day": "2026-06-01"}))[1:]}
    assert not elsewhere & {"乌云毕力格", "巴特尔"}
    assert bearer(outsider).get(REGISTER, {"organisation_id": party_world.saiqin.pk}).json()["code"] == "not_found"
    assert bearer(reader).get(REGISTER).json()["code"] == "forbidden"  # looks, may not export: as the page
    assert bearer(insider).get(REGISTER).json() == {"code": "not_found", "detail": "未找到", "errors": {}}
    assert anonymous.get(REGISTER).json()["code"] == "unauthenticated"
    assert bearer(secretary).get(REGISTER, {"day": "junk"}).status_code == 422


def test_the_mobile_export_is_the_pages(party_world, secretary, outsider, reader, insider, anonymous):
    services.register_mobile(actor=actor_for(secretary), member=party_world.members["乌云毕力格"], place="北京",
                             since=date(2025, 1, 1))
    rows = book(bearer(secretary).get(MOBILE))
    assert rows[0][:3] == ("党组织", "姓名", "流入地") and [r[1:3] for r in rows[1:]] == [("乌云毕力格", "北京")]
    assert book(bearer(outsider).get(MOBILE))[1:] == []
    assert bearer(reader).get(MOBILE).status_code == 403
    assert bearer(insider).get(MOBILE).status_code == 404
    assert anonymous.get(MOBILE).status_code == 401


def test_the_template_is_the_pages(party_world, org_staff, secretary, insider, anonymous):
    rows = book(bearer(org_staff).get(TEMPLATE))
    assert list(rows[0]) == HEADERS and len(rows) == 2
    assert bearer(secretary).get(TEMPLATE).status_code == 403
    assert bearer(insider).get(TEMPLATE).status_code == 404
    assert anonymous.get(TEMPLATE).status_code == 401


def test_an_import_admits_every_row_and_a_replay_answers_the_first_reply(party_world, org_staff):
    client, good = bearer(org_staff), xlsx_bytes(HEADERS, GOOD)
    first = upload(client, good)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["members"] == 2 and body["message"] == "已导入 2 名党员"
    assert sorted(body["member_ids"]) == sorted(Member.objects.filter(name__in=["斯琴", "李明"]).values_list("pk", flat=True))
    again = upload(client, good)
    assert again.status_code == 201 and again.json() == body and again["Idempotent-Replayed"] == "true"
    assert Member.objects.filter(name__in=["斯琴", "李明"]).count() == 2


def test_bad_rows_write_nothing_and_are_named_by_row_and_column(party_world, org_staff):
    before = Member.objects.count()
    response = upload(bearer(org_staff), BAD)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and "导入未进行" in body["detail"]
    assert body["errors"]["第4行 党组织代码"] == ["王五：没有代码为“T-XX”的党组织"]
    assert body["errors"]["第5行 转正日期"] == ["赵六：转正日期 2009-07-01 早于入党日期 2010-07-01"]
    assert Member.objects.count() == before
    assert upload(bearer(org_staff), GOOD).status_code == 201  # nothing was kept under the key


def test_junk_files_no_key_and_roles(party_world, org_staff, secretary, insider, anonymous):
    client = bearer(org_staff)
    junk = client.post(IMPORT, {"file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04junk")},
                       headers={"Idempotency-Key": "junk"})
    assert junk.status_code == 422 and junk.json()["errors"]
    assert upload(client, GOOD, key=None).json()["errors"].keys() == {"Idempotency-Key"}
    assert upload(bearer(secretary), GOOD).json()["code"] == "forbidden"
    assert upload(bearer(insider), GOOD).status_code == 404
    assert upload(anonymous, GOOD).status_code == 401
    assert not Member.objects.filter(name__in=["斯琴", "李明"]).exists()
