"""/api/party/organisations/xlsx/, …/import/ and …/import/template/: the page's own workbook and import through the
API. The export is the page's (scoped to the caller, as of a day); the import is all or nothing, every problem
named by row and column in a 422, nothing written; a replay answers the first 201; the roles as on the pages."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.api.testing import bearer
from grassroots.core.excel import xlsx_bytes
from grassroots.core.testing import make_account
from grassroots.party.models import Organisation
from grassroots.party.services import IMPORT_COLUMNS

pytestmark = pytest.mark.django_db
BASE = "/api/party/organisations"
EXPORT, IMPORT, TEMPLATE = f"{BASE}/xlsx/", f"{BASE}/import/", f"{BASE}/import/template/"
HEADERS = [c.header for c in IMPORT_COLUMNS]
GOOD = [["T-N1", "中共乌丹镇机关党总支", "党总支", "机关事业单位", "乌丹镇人民政府", "150426100000", "T-WD", "2010-01-01"],
        ["T-N2", "乌丹镇机关第一支部", "党支部", "机关事业单位", "乌丹镇人民政府", "150426100000", "T-N1", "2010-02-01"]]
BAD = [*GOOD,
       ["T-N3", "乌丹镇机关第二支部", "党支部", "机关事业单位", "乌丹镇人民政府", "150426100000", "T-NONE", "2010-02-01"]]


def book(response) -> list[tuple]:
    """The workbook answered, opened with openpyxl: its first sheet's rows."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    return list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


def upload(client, rows, key="k1", name="orgs.xlsx"):
    """POST the rows as a workbook (``rows`` may be the file's bytes, to send the very same file again)."""
    content = rows if isinstance(rows, bytes) else xlsx_bytes(HEADERS, rows)
    data = {"file": SimpleUploadedFile(name, content)}
    return client.post(IMPORT, data, headers={"Idempotency-Key": key} if key else {})


def test_the_export_is_the_pages_workbook_scoped_to_the_caller(party_world, secretary, org_staff, reader, insider,
                                                                anonymous):
    rows = book(bearer(secretary).get(EXPORT, {"day": "2026-02-01"}))
    assert rows[0][0] == "组织代码"
    assert {r[0] for r in rows[1:]} == {"T-SQ", "T-SQ1"}  # the village secretary's own organisations only
    assert len(book(bearer(org_staff).get(EXPORT))) == 1 + 7
    forbidden = bearer(reader).get(EXPORT)  # a party group leader looks but does not export, as on the page
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    assert bearer(insider).get(EXPORT).json() == {"code": "not_found", "detail": "未找到", "errors": {}}
    assert anonymous.get(EXPORT).json()["code"] == "unauthenticated"
    bad_day = bearer(secretary).get(EXPORT, {"day": "2026-13-01"})
    assert bad_day.status_code == 422 and "day" in bad_day.json()["errors"]


def test_the_template_is_the_pages(party_world, org_staff, secretary, insider, anonymous):
    rows = book(bearer(org_staff).get(TEMPLATE))
    assert list(rows[0]) == HEADERS and len(rows) == 2
    assert bearer(secretary).get(TEMPLATE).status_code == 403
    assert bearer(insider).get(TEMPLATE).status_code == 404
    assert anonymous.get(TEMPLATE).status_code == 401


def test_an_import_writes_every_row_and_a_replay_answers_the_first_reply(party_world, org_staff):
    client = bearer(org_staff)
    good = xlsx_bytes(HEADERS, GOOD)
    first = upload(client, good)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["organisations"] == 2 and body["message"] == "已导入 2 个党组织"
    made = Organisation.objects.filter(code__in=["T-N1", "T-N2"])
    assert sorted(body["organisation_ids"]) == sorted(o.pk for o in made)
    again = upload(client, good)
    assert again.status_code == 201 and again.json() == body and again["Idempotent-Replayed"] == "true"
    assert Organisation.objects.filter(code__in=["T-N1", "T-N2"]).count() == 2
    other = upload(client, BAD)  # the same key with another file
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["errors"]


def test_one_bad_row_writes_nothing_and_is_named_by_row_and_column(party_world, org_staff):
    before = Organisation.objects.count()
    response = upload(bearer(org_staff), BAD)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and "导入未进行" in body["detail"]
    (key, messages), = body["errors"].items()
    assert key == "第4行 上级组织代码" and "T-NONE" in messages[0]
    assert Organisation.objects.count() == before
    retried = upload(bearer(org_staff), GOOD)  # nothing was stored under the key: it may be retried
    assert retried.status_code == 201


def test_an_import_outside_the_callers_reach_is_refused_by_row(party_world, region, system_actor):
    staff = make_account("gdstaff", "organisation_staff", region["广德公镇"], system_actor)
    response = upload(bearer(staff), [["T-N9", "乌丹镇某支部", "党支部", "地域", "", "150426100000", "T-WD", "2010-01-01"]])
    assert response.status_code == 422
    assert any(k.startswith("第2行") for k in response.json()["errors"])
    assert "不在您管理的范围内" in response.json()["detail"] + str(response.json()["errors"])
    assert not Organisation.objects.filter(code="T-N9").exists()


def test_junk_files_no_key_and_roles(party_world, org_staff, secretary, insider, anonymous):
    client = bearer(org_staff)
    junk = client.post(IMPORT, {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")},
                       headers={"Idempotency-Key": "junk"})
    assert junk.status_code == 422 and junk.json()["code"] == "invalid" and list(junk.json()["errors"]) == ["file"]
    missing = client.post(IMPORT, {}, headers={"Idempotency-Key": "none"})
    assert missing.status_code == 422 and "file" in missing.json()["errors"]
    keyless = upload(client, GOOD, key=None)
    assert keyless.status_code == 422 and "Idempotency-Key" in keyless.json()["errors"]
    assert upload(bearer(secretary), GOOD).json()["code"] == "forbidden"
    assert upload(bearer(insider), GOOD).status_code == 404
    assert upload(anonymous, GOOD).status_code == 401
    assert not Organisation.objects.filter(code__in=["T-N1", "T-N2"]).exists()
