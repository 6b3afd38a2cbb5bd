"""/api/party/compliance/xlsx/, /api/party/organisations/{id}/meetings/xlsx/, /api/party/meetings/import/ and
…/import/template/: the meetings pages' workbooks and import through the API, scoped as the pages; the import all
or nothing, every problem named by row and column in a 422; a replay answers the first 201."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from grassroots.api.testing import bearer
from grassroots.core.excel import xlsx_bytes
from grassroots.meetings.models import Meeting
from grassroots.meetings.services import IMPORT_COLUMNS

pytestmark = pytest.mark.django_db
BASE = "/api/party"
HEADERS = [c.header for c in IMPORT_COLUMNS]
GOOD = ["T-SQ", "支部党员大会", "2026-03-05", "嘎查党群服务中心", "学习贯彻全会精神", "乌云毕力格、巴特尔", "", ""]
BAD = ["T-SQ", "支部党员大会", "2026-03-06", "嘎查党群服务中心", "学习", "乌云毕力格、巴特尔、查无此人", "", ""]
VILLAGE = "150426100223"


def book(response) -> list[tuple]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


def post_import(client, rows, key="k-1"):
    content = rows if isinstance(rows, bytes) else xlsx_bytes(HEADERS, rows)
    return client.post(f"{BASE}/meetings/import/", {"file": SimpleUploadedFile("m.xlsx", content)},
                       headers={"Idempotency-Key": key} if key else {})


def test_an_import_then_the_organisations_sheet_and_a_replay(party_world, secretary, outsider, reader):
    client, good = bearer(secretary), xlsx_bytes(HEADERS, [GOOD])
    first = post_import(client, good)
    assert first.status_code == 201, first.content
    assert first.json() == {"meetings": 1, "message": "已导入 1 次会议"}
    again = post_import(client, good)
    assert again.status_code == 201 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Meeting.objects.filter(topic="学习贯彻全会精神").count() == 1
    url = f"{BASE}/organisations/{party_world.saiqin.pk}/meetings/xlsx/"
    rows = book(client.get(url, {"year": 2026}))
    assert [r[4] for r in rows[1:]] == ["学习贯彻全会精神"]
    assert bearer(outsider).get(url).json()["code"] == "not_found"
    assert bearer(reader).get(url).json()["code"] == "forbidden"


def test_the_compliance_sheet_is_the_pages(party_world, secretary, outsider, reader, insider, anonymous):
    rows = book(bearer(secretary).get(f"{BASE}/compliance/xlsx/", {"area_code": VILLAGE, "year": 2026,
                                                                   "day": "2026-06-30"}))
    assert rows[0][:3] == ("区域", "党组织代码", "党组织") and {r[1] for r in rows[1:]} <= {"T-SQ", "T-SQ1"}
    assert bearer(outsider).get(f"{BASE}/compliance/xlsx/", {"area_code": VILLAGE}).status_code == 404
    assert bearer(reader).get(f"{BASE}/compliance/xlsx/").status_code == 403
    assert bearer(insider).get(f"{BASE}/compliance/xlsx/").status_code == 404
    assert anonymous.get(f"{BASE}/compliance/xlsx/").status_code == 401


def test_a_bad_row_writes_nothing_roles_and_template(party_world, secretary, reader, insider, anonymous):
    response = post_import(bearer(secretary), [GOOD, BAD])
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert all(k.startswith("第3行") for k in errors) and "查无此人" in str(errors)
    assert not Meeting.objects.filter(topic="学习贯彻全会精神").exists()
    assert list(book(bearer(secretary).get(f"{BASE}/meetings/import/template/"))[0]) == HEADERS
    assert post_import(bearer(reader), [GOOD]).json()["code"] == "forbidden"
    assert post_import(bearer(insider), [GOOD]).status_code == 404
    assert post_import(anonymous, [GOOD]).status_code == 401
    assert bearer(reader).get(f"{BASE}/meetings/import/template/").status_code == 403
