"""/api/party/new-organisations/xlsx/, /api/party/registers/xlsx/, /api/party/new-organisations/import/,
/api/party/instructors/import/ and their templates: the 两新 pages' workbooks and imports through the API, scoped as
the pages; the imports all or nothing, every problem named by row and column in a 422; a replay answers the first
201."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from grassroots.api.testing import bearer
from grassroots.core.excel import xlsx_bytes
from grassroots.neworgs.models import CensusReturn, Instructor, NewOrganisation
from grassroots.neworgs.services import CENSUS_COLUMNS, INSTRUCTOR_COLUMNS

pytestmark = pytest.mark.django_db
BASE = "/api/party"
WUDAN, SAIQIN = "150426100000", "150426100223"
GOOD = [["壬科技有限公司", "91150426MA0000001X", "非公有制企业", "信息技术", WUDAN, "2025-06-01", "2026-06-30", 30, 4, 1],
        ["癸养老服务中心", "", "社会组织", "养老", SAIQIN, "2026-02-01", "2026-06-30", 12, 1, 0]]
BAD = [*GOOD, ["丑餐馆", "", "非公有制企业", "餐饮", WUDAN, "2026-01-01", "2026-06-30", 2, 3, 0]]


def book(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def post(client, path, columns, rows, key="k-1", **form):
    content = rows if isinstance(rows, bytes) else xlsx_bytes([c.header for c in columns], rows)
    return client.post(f"{BASE}{path}", {"file": SimpleUploadedFile("x.xlsx", content), **form},
                       headers={"Idempotency-Key": key} if key else {})


def test_a_census_import_then_the_exports_hold_the_callers_rows(party_world, org_staff, township_staff, outsider,
                                                                reader):
    client, good = bearer(org_staff), xlsx_bytes([c.header for c in CENSUS_COLUMNS], GOOD)
    first = post(client, "/new-organisations/import/", CENSUS_COLUMNS, good)
    assert first.status_code == 201, first.content
    assert first.json()["organisations"] == 2 and first.json()["returns"] == 2 and first.json()["skipped"] == 0
    assert first.json()["message"].startswith("已导入：新纳入 2 个组织")
    again = post(client, "/new-organisations/import/", CENSUS_COLUMNS, good)
    assert again.status_code == 201 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert CensusReturn.objects.count() == 2
    names = {r[0] for r in book(bearer(township_staff).get(f"{BASE}/new-organisations/xlsx/",
                                                           {"day": "2026-07-01"})).active.iter_rows(min_row=2,
                                                                                                  values_only=True)}
    assert names == {"壬科技有限公司", "癸养老服务中心"}
    registers = book(client.get(f"{BASE}/registers/xlsx/", {"day": "2026-07-01"}))
    assert "应建未建" in registers.sheetnames
    assert bearer(outsider).get(f"{BASE}/new-organisations/xlsx/", {"area_code": WUDAN}).status_code == 404
    assert bearer(reader).get(f"{BASE}/registers/xlsx/").json()["code"] == "forbidden"


def test_a_bad_row_writes_nothing_and_the_roles(party_world, org_staff, township_staff, outsider, insider, anonymous):
    response = post(bearer(org_staff), "/new-organisations/import/", CENSUS_COLUMNS, BAD)
    assert response.status_code == 422
    assert "“丑餐馆”：正式党员 3 人与预备党员 0 人之和多于从业人员 2 人" in str(response.json()["errors"])
    assert all(k.startswith("第4行") for k in response.json()["errors"])
    assert NewOrganisation.objects.count() == 0
    assert post(bearer(township_staff), "/new-organisations/import/", CENSUS_COLUMNS, GOOD).status_code == 403
    assert post(bearer(outsider), "/new-organisations/import/", CENSUS_COLUMNS, GOOD,
                area_code=WUDAN).status_code == 404
    assert post(bearer(insider), "/new-organisations/import/", CENSUS_COLUMNS, GOOD).status_code == 404
    assert post(anonymous, "/new-organisations/import/", CENSUS_COLUMNS, GOOD).status_code == 401
    assert NewOrganisation.objects.count() == 0


def test_the_instructor_import_and_the_templates(party_world, org_staff, township_staff):
    client = bearer(org_staff)
    rows = [["张志强", "翁牛特旗市场监督管理局", "副局长", "13904760000", "2026-03-01"]]
    done = post(client, "/instructors/import/", INSTRUCTOR_COLUMNS, rows)
    assert done.status_code == 201 and done.json() == {"instructors": 1, "skipped": 0,
                                                       "message": "已入库 1 名指导员（已在库的 0 名未重复写入）"}
    bad = post(client, "/instructors/import/", INSTRUCTOR_COLUMNS, [["赵六", "", "", "", "2026-03-01"]], key="k-2")
    assert bad.status_code == 422 and any(k.startswith("第2行") for k in bad.json()["errors"])
    assert Instructor.objects.count() == 1
    for path, columns in (("/new-organisations/import/template/", CENSUS_COLUMNS),
                          ("/instructors/import/template/", INSTRUCTOR_COLUMNS)):
        header = next(book(client.get(f"{BASE}{path}")).active.iter_rows(values_only=True))
        assert list(header) == [c.header for c in columns]
        assert bearer(township_staff).get(f"{BASE}{path}").status_code == 403
