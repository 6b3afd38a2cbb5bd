"""/api/party/developments/xlsx/, /api/party/reserve/xlsx/, /api/party/developments/import/ and …/import/template/:
the development pages' workbooks and import through the API, scoped as the pages; the import all or nothing, every
problem named by row and column in a 422; a replay answers the first 201."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from grassroots.api.testing import bearer
from grassroots.core.excel import xlsx_bytes
from grassroots.development.models import Development
from grassroots.development.services import IMPORT_COLUMNS
from grassroots.rules.development import RULE_TRAINING

pytestmark = pytest.mark.django_db
BASE = "/api/party"
HEADERS = [c.header for c in IMPORT_COLUMNS]
GOOD = ["T-SQ", "娜仁", "女", "1995-04-01", "2023-02-01", "2023-05-01", "2024-05-06", "2025-01-10", ""]
BAD = ["T-SQ", "孟根", "男", "1990-01-01", "2024-01-01", "2024-03-01", "2025-02-28", "", ""]


def book(response) -> list[tuple]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


def post_import(client, rows, key="k-1"):
    content = rows if isinstance(rows, bytes) else xlsx_bytes(HEADERS, rows)
    return client.post(f"{BASE}/developments/import/", {"file": SimpleUploadedFile("d.xlsx", content)},
                       headers={"Idempotency-Key": key} if key else {})


def test_an_import_then_the_exports_hold_the_callers_rows_only(party_world, secretary, outsider, reader, insider,
                                                               anonymous):
    client, good = bearer(secretary), xlsx_bytes(HEADERS, [GOOD])
    first = post_import(client, good)
    assert first.status_code == 201, first.content
    assert first.json() == {"rows": 1, "message": "已导入 1 行"}
    again = post_import(client, good)
    assert again.status_code == 201 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Development.objects.filter(name="娜仁").count() == 1
    rows = book(client.get(f"{BASE}/developments/xlsx/", {"day": "2026-12-06"}))
    assert [r[2] for r in rows[1:]] == ["娜仁"]
    assert [r[2] for r in book(bearer(outsider).get(f"{BASE}/developments/xlsx/", {"day": "2026-12-06"}))[1:]] == []
    assert book(client.get(f"{BASE}/reserve/xlsx/", {"day": "2026-12-06"}))[0][2] == "姓名"
    assert bearer(outsider).get(f"{BASE}/developments/xlsx/",
                                {"organisation_id": party_world.saiqin.pk}).json()["code"] == "not_found"
    assert bearer(reader).get(f"{BASE}/developments/xlsx/").json()["code"] == "forbidden"
    assert bearer(insider).get(f"{BASE}/developments/xlsx/").status_code == 404
    assert anonymous.get(f"{BASE}/reserve/xlsx/").status_code == 401


def test_a_bad_row_writes_nothing_and_is_named(party_world, secretary):
    response = post_import(bearer(secretary), [GOOD, BAD])
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert all(k.startswith("第3行") for k in errors) and RULE_TRAINING in str(errors) and "孟根" in str(errors)
    assert not Development.objects.exists()


def test_roles_template_and_junk(party_world, secretary, outsider, reader, insider, anonymous):
    assert list(book(bearer(secretary).get(f"{BASE}/developments/import/template/"))[0]) == HEADERS
    assert post_import(bearer(reader), [GOOD]).json()["code"] == "forbidden"
    assert post_import(bearer(insider), [GOOD]).status_code == 404
    refused = post_import(bearer(outsider), [GOOD])  # another village's branch: refused by row, as on the page
    assert refused.status_code == 422 and "不在您的管辖范围内" in str(refused.json()["errors"])
    assert post_import(anonymous, [GOOD]).status_code == 401
    junk = bearer(secretary).post(f"{BASE}/developments/import/", {"file": SimpleUploadedFile("d.xlsx", b"")},
                                  headers={"Idempotency-Key": "junk"})
    assert junk.status_code == 422
    assert not Development.objects.exists()
