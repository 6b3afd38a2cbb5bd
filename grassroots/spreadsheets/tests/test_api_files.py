"""/api/households/: the household register's import (the page's background job: 202, its progress, its problem
report), template and export through the API, with the page's scoping and the page's workbooks."""

import io

import pytest
from openpyxl import load_workbook

from grassroots.api.testing import bearer
from grassroots.areas.models import Household, Person
from grassroots.spreadsheets.models import ExportJob, ImportJob
from grassroots.spreadsheets.register import HEADERS
from grassroots.spreadsheets.tests.helpers import GRID_2, VILLAGE, household_rows, row, upload, xlsx

pytestmark = pytest.mark.django_db
BASE = "/api/households"


def book(response) -> list[tuple]:
    """The workbook answered, opened with openpyxl: its first sheet's rows."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


def post_import(client, content: bytes, *, key="k-1", village=VILLAGE):
    return client.post(f"{BASE}/import/", {"area_code": village, "file": upload(content)},
                       headers={"Idempotency-Key": key} if key else {})


def test_an_import_is_a_job_202_its_progress_readable_and_a_replay_the_first_reply(secretary, households):
    client = bearer(secretary)
    content = xlsx(household_rows("T-001", first_id=101) + household_rows("T-002", first_id=103, grid=GRID_2))
    first = post_import(client, content)
    assert first.status_code == 202, first.content
    body = first.json()
    job = ImportJob.objects.get()
    assert body["id"] == job.pk and body["area"] == {"code": VILLAGE, "name": "赛沁塔拉嘎查"}
    assert body["status"] == "done" and body["progress"] == "导入完成：新增 2 户、4 人"  # tests run jobs inline
    assert (body["households_created"], body["people_created"]) == (2, 4)
    again = post_import(client, content)
    assert again.status_code == 202 and again.json() == body and again["Idempotent-Replayed"] == "true"
    assert ImportJob.objects.count() == 1 and Household.objects.filter(number__in=["T-001", "T-002"]).count() == 2
    status = client.get(f"{BASE}/import/{job.pk}/")
    assert status.status_code == 200 and status.json()["status"] == "done" and status.json()["finished"] is True
    assert client.get(f"{BASE}/import/{job.pk}/report/").status_code == 404  # no problems, no report


def test_a_file_with_a_bad_row_writes_nothing_and_its_report_names_the_row(secretary, households):
    client = bearer(secretary)
    before = Person.objects.count()
    response = post_import(client, xlsx([*household_rows("T-001", first_id=101), row(户号="T-003", 手机号="12345")]))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "rejected" and body["error_count"] == 1 and body["has_report"] is True
    assert Person.objects.count() == before
    report = book(client.get(f"{BASE}/import/{body['id']}/report/"))
    assert any("手机号应为11位中国大陆手机号" in " ".join(str(c) for c in r if c) for r in report[1:])


def test_import_roles_and_junk(secretary, reader, outsider, insider, households, anonymous):
    content = xlsx(household_rows("T-001", first_id=101))
    assert post_import(bearer(reader), content).json()["code"] == "forbidden"
    assert post_import(bearer(outsider), content).json() == {"code": "not_found", "detail": "未找到", "errors": {}}
    assert post_import(bearer(insider), content).status_code == 404  # the village is above their grid
    assert post_import(anonymous, content).status_code == 401
    client = bearer(secretary)
    junk = post_import(client, b"not a workbook", key="junk")
    assert junk.status_code == 422 and "file" in junk.json()["errors"]
    assert post_import(client, content, key=None).json()["errors"].keys() == {"Idempotency-Key"}
    assert not ImportJob.objects.exists()
    job_of_another = ImportJob.objects.create(user=outsider, area=households["outside"].village, filename="x.xlsx",
                                              idempotency_key="x", status="done")
    assert client.get(f"{BASE}/import/{job_of_another.pk}/").status_code == 404


def test_the_template_is_the_pages(secretary, insider, anonymous, households):
    rows = book(bearer(secretary).get(f"{BASE}/import/template/"))
    assert rows[0] == tuple(HEADERS) and rows[1][1] == "150426100223001"  # a grid the caller may import into
    assert anonymous.get(f"{BASE}/import/template/").status_code == 401


def test_the_export_is_the_pages_scoped_to_the_caller(secretary, reader, outsider, county_admin, households,
                                                      anonymous):
    rows = book(bearer(secretary).get(f"{BASE}/xlsx/", {"area_code": VILLAGE}))
    assert rows[0] == tuple(HEADERS) and {r[0] for r in rows[1:]} == {"SQ-0001"}
    assert {r[0] for r in book(bearer(county_admin).get(f"{BASE}/xlsx/", {"area_code": "150426000000"}))[1:]} == {
        "SQ-0001", "GJ-0001"}
    assert {r[0] for r in book(bearer(outsider).get(f"{BASE}/xlsx/", {"area_code": "150426104204"}))[1:]} == {"GJ-0001"}
    assert bearer(outsider).get(f"{BASE}/xlsx/", {"area_code": VILLAGE}).status_code == 404
    assert bearer(reader).get(f"{BASE}/xlsx/", {"area_code": VILLAGE}).json()["code"] == "forbidden"
    assert anonymous.get(f"{BASE}/xlsx/", {"area_code": VILLAGE}).status_code == 401


def test_a_large_export_is_a_job(secretary, outsider, households, settings):
    settings.EXPORT_INLINE_MAX_HOUSEHOLDS = 0
    client = bearer(secretary)
    refused = client.get(f"{BASE}/xlsx/", {"area_code": VILLAGE})
    assert refused.status_code == 409 and "POST /api/households/exports/" in refused.json()["detail"]
    asked = client.post(f"{BASE}/exports/", {"area_code": VILLAGE}, content_type="application/json",
                        headers={"Idempotency-Key": "e-1"})
    assert asked.status_code == 202, asked.content
    job = ExportJob.objects.get()
    assert asked.json()["id"] == job.pk and asked.json()["status"] == "done"  # built inline in the tests
    replay = client.post(f"{BASE}/exports/", {"area_code": VILLAGE}, content_type="application/json",
                         headers={"Idempotency-Key": "e-1"})
    assert replay.json() == asked.json() and replay["Idempotent-Replayed"] == "true" and ExportJob.objects.count() == 1
    assert client.get(f"{BASE}/exports/{job.pk}/").json()["households"] == 1
    rows = book(client.get(f"{BASE}/exports/{job.pk}/xlsx/"))
    assert [(r[0], r[3]) for r in rows[1:]] == [("SQ-0001", "乌云毕力格"), ("SQ-0001", "张秀兰")]
    assert bearer(outsider).get(f"{BASE}/exports/{job.pk}/xlsx/").status_code == 404
    ExportJob.objects.filter(pk=job.pk).update(status="expired")
    assert client.get(f"{BASE}/exports/{job.pk}/xlsx/").status_code == 409
