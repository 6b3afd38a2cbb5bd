"""/api/volunteers/volunteers/xlsx/: the volunteer register's page workbook through the API, scoped as the page
(the caller's area's volunteers only; a member who may only look 403; another village 404)."""

import io

import pytest
from openpyxl import load_workbook

from grassroots.api.testing import bearer

pytestmark = pytest.mark.django_db
EXPORT = "/api/volunteers/volunteers/xlsx/"


def book(response) -> list[tuple]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


def test_the_export_is_the_pages_and_holds_the_callers_volunteers_only(volunteer_world, secretary, outsider, reader,
                                                                        region, anonymous):
    names = {r[0] for r in book(bearer(secretary).get(EXPORT))[1:]}
    assert names == {"王建国", "张秀兰"}  # not 单国强 of 官井子村
    assert {r[0] for r in book(bearer(outsider).get(EXPORT))[1:]} == {"单国强"}
    team = {r[0] for r in book(bearer(secretary).get(EXPORT, {"team_id": volunteer_world.team.pk}))[1:]}
    assert team == {"王建国", "张秀兰"}
    assert bearer(outsider).get(EXPORT, {"area_code": region["赛沁塔拉嘎查"].code}).json()["code"] == "not_found"
    assert bearer(reader).get(EXPORT).json()["code"] == "forbidden"
    assert anonymous.get(EXPORT).status_code == 401
    assert bearer(secretary).get(EXPORT, {"stars": 9}).status_code == 422
