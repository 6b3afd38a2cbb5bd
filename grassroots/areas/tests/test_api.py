"""The register's JSON API: anonymous callers, the area tree, and the error shape in Chinese."""

import json

import pytest
from ninja.errors import ValidationError as NinjaValidationError

from grassroots.api.errors import schema_error_handler, schema_errors, unauthenticated_handler
from grassroots.areas import services
from grassroots.areas.testing import GRID1, GRID2, OTHER_VILLAGE, VILLAGE

# --- anonymous ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, url", [
    ("get", "/api/areas/"),
    ("get", f"/api/areas/{VILLAGE}/"),
    ("get", "/api/households/"),
    ("get", "/api/households/{inside}/"),
    ("post", "/api/households/"),
    ("post", "/api/households/{inside}/members/"),
    ("get", "/api/persons/"),
    ("patch", "/api/persons/{head}/"),
])
def test_anonymous_gets_401_everywhere(client, households, head, method, url):
    url = url.format(inside=households["inside"].id, head=head.id)
    kwargs = {"content_type": "application/json", "data": "{}"} if method != "get" else {}
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 401
    assert "detail" in response.json()


# --- areas ------------------------------------------------------------------------------------


def test_root_areas_are_the_callers_own(as_insider, as_reader, as_outsider, as_county_admin):
    assert [a["code"] for a in as_insider.get("/api/areas/").json()["items"]] == [GRID1]
    assert [a["code"] for a in as_reader.get("/api/areas/").json()["items"]] == [VILLAGE]
    assert [a["code"] for a in as_outsider.get("/api/areas/").json()["items"]] == [OTHER_VILLAGE]
    assert [a["code"] for a in as_county_admin.get("/api/areas/").json()["items"]] == ["150426000000"]


def test_area_detail_lists_children_with_household_counts(as_reader, households):
    response = as_reader.get(f"/api/areas/{VILLAGE}/")
    assert response.status_code == 200
    body = response.json()
    assert body["area"]["name"] == "赛沁塔拉嘎查"
    assert body["area"]["level_label"] == "嘎查村社区"
    assert [(c["code"], c["household_count"]) for c in body["children"]] == [(GRID1, 1), (GRID2, 0)]
    assert body["children_total"] == 2


def test_area_detail_inside_the_grid_only(as_insider):
    assert as_insider.get(f"/api/areas/{GRID1}/").status_code == 200
    # The grid worker's role does not reach up to the village or across to the next grid.
    assert as_insider.get(f"/api/areas/{VILLAGE}/").status_code == 404
    assert as_insider.get(f"/api/areas/{GRID2}/").status_code == 404


def test_outsider_gets_404_for_our_area_same_as_missing(as_outsider):
    outside = as_outsider.get(f"/api/areas/{VILLAGE}/")
    missing = as_outsider.get("/api/areas/999999999999/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json() == {"code": "not_found", "detail": "未找到", "errors": {}}


# --- error shaping -------------------------------------------------------------------------------


def test_schema_errors_are_rendered_per_field_in_chinese():
    errors = schema_errors([
        {"type": "string_type", "loc": ("body", "payload", "number"), "msg": "Input should be a valid string"},
        {"type": "missing", "loc": ("header", "Idempotency-Key"), "msg": "Field required"},
        {"type": "less_than_equal", "loc": ("query", "filters", "limit"), "msg": "...", "ctx": {"le": 200}},
        {"type": "value_error", "loc": ("body", "payload", "is_mobile_member"), "msg": "Value error, 流动党员须为党员"},
        {"type": "model_attributes_type", "loc": ("body", "payload"), "msg": "..."},
    ])
    assert errors == {
        "number": ["应为字符串"],
        "Idempotency-Key": ["此项必填"],
        "limit": ["不能大于 200"],
        "is_mobile_member": ["流动党员须为党员"],
        "__all__": ["请求体应为 JSON 对象"],
    }


def test_lists_do_not_query_per_row(as_secretary, households, region, system_actor, django_assert_max_num_queries):
    for n in range(10):
        household = services.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number=f"SQ-2{n:02d}",
                                              address="x")
        services.add_person(actor=system_actor, household=household, name=f"王{n}", gender="M", relation="head")
    as_secretary.get("/api/households/")  # warm the session
    with django_assert_max_num_queries(8):
        assert len(as_secretary.get("/api/households/").json()["items"]) == 11
    with django_assert_max_num_queries(7):
        assert len(as_secretary.get("/api/persons/").json()["items"]) == 12
    with django_assert_max_num_queries(9):
        assert len(as_secretary.get(f"/api/households/{households['inside'].id}/").json()["members"]) == 2


def test_schema_error_and_401_handlers_answer_in_chinese():
    """These are for registration on the api object (see the module's note); here they are called directly."""


    response = schema_error_handler(None, NinjaValidationError([
        {"type": "string_type", "loc": ("body", "payload", "number"), "msg": "Input should be a valid string"},
        {"type": "extra_forbidden", "loc": ("body", "payload", "village"), "msg": "Extra inputs are not permitted"},
    ]))
    assert response.status_code == 422
    assert json.loads(response.content) == {
        "code": "invalid",
        "detail": "number：应为字符串；village：不支持此字段",
        "errors": {"number": ["应为字符串"], "village": ["不支持此字段"]},
    }
    response = unauthenticated_handler(None, None)
    assert response.status_code == 401 and json.loads(response.content) == {
        "code": "unauthenticated", "detail": "请先登录：在 Authorization 请求头中带上令牌（Bearer），或使用网页会话",
        "errors": {}}
