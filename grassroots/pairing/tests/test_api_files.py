"""/api/pairing/pairs/xlsx/, /api/pairing/coverage/xlsx/, /api/pairing/pairs/import/ and …/import/template/: the
pairing pages' workbooks and import through the API, scoped as the pages; the import all or nothing, every problem
named by row and column in a 422; a replay answers the first 201."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from grassroots.api.testing import bearer
from grassroots.core.excel import xlsx_bytes
from grassroots.pairing.models import Pair
from grassroots.pairing.services import PAIR_COLUMNS, create_pair
from grassroots.rules import pairing as rules

pytestmark = pytest.mark.django_db
BASE = "/api/pairing"
VILLAGE = "150426100223"  # 赛沁塔拉嘎查
HEADERS = [c.header for c in PAIR_COLUMNS]
GOOD = [["干部包联户", "yucai", "SQ-0002", "2026-02-01", "", "就业帮扶"]]
BAD = [*GOOD, ["干部包联户", "nobody", "SQ-0003", "2026-02-01", "", ""]]


def book(response) -> list[tuple]:
    """The workbook answered, opened with openpyxl: its first sheet's rows."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


def post_import(client, rows, key="k-1", **form):
    content = rows if isinstance(rows, bytes) else xlsx_bytes(HEADERS, rows)
    return client.post(f"{BASE}/pairs/import/", {"file": SimpleUploadedFile("pairs.xlsx", content), **form},
                       headers={"Idempotency-Key": key} if key else {})


def test_the_pairs_export_is_the_pages_and_the_callers_pairs_only(pairing_world, homes, secretary, outsider, reader,
                                                                   anonymous, system_actor):
    create_pair(actor=system_actor, kind=rules.CADRE_HOUSEHOLD, visitor=pairing_world.cadre, target=homes["SQ-0002"],
                started_on=date(2026, 1, 1))
    rows = book(bearer(secretary).get(f"{BASE}/pairs/xlsx/", {"day": "2026-06-15", "kind": rules.CADRE_HOUSEHOLD}))
    assert "走访情况" in rows[0] and "于财" in {r[1] for r in rows[1:]}
    elsewhere = book(bearer(outsider).get(f"{BASE}/pairs/xlsx/", {"day": "2026-06-15"}))
    assert not any("SQ" in str(c) or c == "于财" for r in elsewhere[1:] for c in r)
    assert bearer(outsider).get(f"{BASE}/pairs/xlsx/", {"area_code": VILLAGE}).json()["code"] == "not_found"
    assert bearer(reader).get(f"{BASE}/pairs/xlsx/").json()["code"] == "forbidden"
    assert anonymous.get(f"{BASE}/pairs/xlsx/").status_code == 401


def test_the_coverage_export_is_the_pages(pairing_world, secretary, outsider, reader, insider):
    rows = book(bearer(secretary).get(f"{BASE}/coverage/xlsx/", {"area_code": VILLAGE, "day": "2026-06-15"}))
    assert len(rows) >= 2
    assert bearer(reader).get(f"{BASE}/coverage/xlsx/", {"area_code": VILLAGE}).status_code == 403
    assert bearer(outsider).get(f"{BASE}/coverage/xlsx/", {"area_code": VILLAGE}).status_code == 404
    assert bearer(insider).get(f"{BASE}/coverage/xlsx/").status_code == 404


def test_the_template_is_the_pages(pairing_world, secretary, reader, outsider):
    rows = book(bearer(secretary).get(f"{BASE}/pairs/import/template/"))
    assert list(rows[0]) == HEADERS
    assert bearer(reader).get(f"{BASE}/pairs/import/template/").status_code == 403
    assert bearer(outsider).get(f"{BASE}/pairs/import/template/", {"area_code": VILLAGE}).status_code == 404


def test_an_import_writes_the_pairs_and_a_replay_answers_the_first_reply(pairing_world, homes, secretary):
    client, good = bearer(secretary), xlsx_bytes(HEADERS, GOOD)
    first = post_import(client, good)
    assert first.status_code == 201, first.content
    assert first.json() == {"pairs": 1, "skipped": 0, "message": "已导入 1 对结对（已在册的 0 行未重复写入）"}
    again = post_import(client, good)
    assert again.status_code == 201 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Pair.objects.get(household=homes["SQ-0002"]).purpose == "就业帮扶"


def test_a_bad_row_writes_nothing_and_is_named(pairing_world, homes, secretary):
    response = post_import(bearer(secretary), BAD)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert list(errors) == ["第3行 结对一方"] and "nobody" in errors["第3行 结对一方"][0]
    assert not Pair.objects.filter(household=homes["SQ-0002"]).exists()


def test_import_roles_junk_and_another_village(pairing_world, homes, secretary, reader, outsider, anonymous):
    assert post_import(bearer(reader), GOOD).json()["code"] == "forbidden"
    assert post_import(bearer(outsider), GOOD, area_code=VILLAGE).status_code == 404
    refused = post_import(bearer(outsider), GOOD)  # into their own village: another village's household is not found
    assert refused.status_code == 422 and "第2行 结对对象" in refused.json()["errors"]
    assert post_import(anonymous, GOOD).status_code == 401
    junk = post_import(bearer(secretary), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1junk", key="junk")
    assert junk.status_code == 422 and ".xls" in junk.json()["errors"]["file"][0] and ".xls" in junk.json()["detail"]
    assert post_import(bearer(secretary), GOOD, key=None).json()["errors"].keys() == {"Idempotency-Key"}
    assert not Pair.objects.filter(household=homes["SQ-0002"]).exists()
