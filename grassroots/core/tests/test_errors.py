"""Error answers (core/errors.py): Chinese pages with a way back for people, the API's JSON error shape
(``{"code": ..., "detail": ..., "errors": {...}}``) for every error under /api/, an unhandled one included. The test client runs with
DEBUG off, as production does, and is told not to re-raise so that the handlers answer."""

import json
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template import loader
from django.test import Client

from grassroots.access.middleware import CurrentAreaMiddleware
from grassroots.api.api import api
from grassroots.party.models import Organisation

ENGLISH = ("Server Error", "Not Found", "Bad Request", "Forbidden", "CSRF verification failed")


def english_in(body: str) -> list[str]:
    return [word for word in ENGLISH if word in body]


def lenient(client: Client) -> Client:
    client.raise_request_exception = False
    return client


# ---------------------------------------------------------------- pages


def test_unknown_page_is_a_chinese_404_with_a_way_home(as_insider):
    response = as_insider.get("/board/grids/no-such-grid/", HTTP_REFERER="http://testserver/points/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "没有找到这个页面" in body and 'href="/"' in body and "返回首页" in body
    assert 'href="http://testserver/points/"' in body  # back to where the link was
    assert 'data-nav="households"' in body  # the caller keeps their menu
    assert english_in(body) == []


def test_a_stranger_gets_the_chinese_404_too_and_no_foreign_back_link(db):
    response = Client().get("/no-such-page/", HTTP_REFERER="https://evil.example/")
    body = response.content.decode()
    assert response.status_code == 404 and "没有找到这个页面" in body and english_in(body) == []
    assert "evil.example" not in body and "data-history-back" in body  # the back button (app.js)


def test_a_refusal_is_a_chinese_403_naming_why(as_reader, households):
    # The party group leader reads the register but may not export it.
    response = as_reader.get("/exports/households.xlsx")
    body = response.content.decode()
    assert response.status_code == 403
    assert "无权执行此操作" in body and "返回首页" in body and english_in(body) == []


def test_an_unhandled_error_is_a_standalone_chinese_500(as_insider):
    with mock.patch("grassroots.areas.selectors.area_summary", side_effect=RuntimeError("boom")):
        response = lenient(as_insider).get("/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "服务器出错了" in body and 'href="/"' in body and "是否已经保存" in body
    assert english_in(body) == [] and "boom" not in body


def test_the_500_page_needs_no_database():

    # No db fixture: any query here would fail the test.
    body = loader.get_template("500.html").render()
    assert "服务器出错了" in body and "返回首页" in body and "/static/" not in body


def test_a_bad_host_is_a_chinese_400(db):
    response = Client(HTTP_HOST="evil.example").get("/login/")
    body = response.content.decode()
    assert response.status_code == 400 and "请求有误" in body and english_in(body) == []


def test_an_expired_form_is_a_chinese_403_not_csrf_english(db):
    response = Client(enforce_csrf_checks=True).post("/login/", {"identifier": "x", "password": "y"})
    body = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in body and "刷新" in body and english_in(body) == []


# ---------------------------------------------------------------- /api/


def detail(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def test_unknown_api_path_is_json_404(as_insider):
    response = as_insider.get("/api/no-such-thing/")
    assert response.status_code == 404 and detail(response) == {"code": "not_found", "detail": "未找到", "errors": {}}


def test_unhandled_error_in_an_api_route_is_json_500(as_insider):
    with mock.patch("grassroots.areas.api.root_areas", side_effect=RuntimeError("boom")):
        response = lenient(as_insider).get("/api/areas/")
    assert response.status_code == 500
    body = detail(response)
    assert set(body) == {"code", "detail", "errors"} and body["code"] == "server_error" and "服务器内部错误" in body["detail"] and "boom" not in body["detail"]


def test_an_error_before_any_route_under_api_is_json_500(as_insider):
    # A middleware fails before Ninja sees the request: Django's handler500 answers, in JSON under /api/.
    with mock.patch.object(CurrentAreaMiddleware, "__call__", side_effect=RuntimeError("boom")):
        api = lenient(as_insider).get("/api/areas/")
        page = lenient(as_insider).get("/")
    assert api.status_code == 500 and "服务器内部错误" in detail(api)["detail"]
    assert page.status_code == 500 and "服务器出错了" in page.content.decode()


def test_what_a_route_raises_without_catching_is_json_in_the_api_shape(rf):
    # The net under api.errors.api_errors: registered on the api object for every router.
    request = rf.get("/api/shop/shops/")
    refused = api.on_exception(request, PermissionDenied("本户不在您的网格"))
    assert refused.status_code == 403 and detail(refused) == {"code": "forbidden", "detail": "本户不在您的网格", "errors": {}}
    missing = api.on_exception(request, Http404("No Shop matches the given query."))
    assert missing.status_code == 404 and detail(missing) == {"code": "not_found", "detail": "未找到", "errors": {}}
    invalid = api.on_exception(request, ValidationError({"name": ["请填写名称"]}))
    assert invalid.status_code == 422 and detail(invalid)["errors"] == {"name": ["请填写名称"]}


def test_a_wrong_method_under_api_is_json(as_insider):
    response = as_insider.delete("/api/areas/")
    assert response.status_code == 405 and "detail" in detail(response)


@pytest.mark.parametrize("path", ["/api/areas/"])
def test_api_without_login_stays_json_401(client, path):
    response = client.get(path)
    assert response.status_code == 401 and detail(response)["code"] == "unauthenticated" and detail(response)["detail"].startswith("请先登录")


def test_an_api_write_without_the_csrf_token_is_refused_in_chinese_json(insider):
    client = Client(enforce_csrf_checks=True)
    client.force_login(insider)
    response = client.post("/api/households/", data={}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 403
    assert detail(response) == {"code": "forbidden", "detail": "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重新提交", "errors": {}}


# ---------------------------------------------------------------- text the database cannot keep


def test_a_nul_in_a_page_search_is_a_chinese_400_naming_the_parameter(as_secretary, party_world):
    """Before the check, ``?q=%00`` reached the search query and PostgreSQL answered it with a 500."""
    response = lenient(as_secretary).get("/party/?q=%00")
    assert response.status_code == 400
    body = response.content.decode()
    assert "q：含有空字符" in body and not english_in(body)


def test_a_nul_in_a_posted_form_is_a_400_and_writes_nothing(as_secretary, party_world):
    before = Organisation.objects.count()
    response = lenient(as_secretary).post("/party/organisations/new/", "name=%E7%AC%AC%00&kind=branch",
                                          content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "name：含有空字符" in response.content.decode()
    assert Organisation.objects.count() == before
