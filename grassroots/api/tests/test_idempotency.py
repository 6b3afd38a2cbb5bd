"""The one idempotency convention of the JSON API (core/idempotency.py through api.common.once), shown
on the register's creates; the shop's counter shows the same in shop/tests/test_api.py (a 409 is not
stored) and core/tests/test_idempotency.py shows the purge."""

import json

from grassroots.api.api import api
from grassroots.areas.models import Household, Person
from grassroots.core.models import IdempotencyKey

GRID1 = "150426100223001"


def post(client, url, body, key):
    return client.post(url, json.dumps(body), content_type="application/json", headers={"Idempotency-Key": key})


def test_a_replay_answers_the_first_status_and_body_marked_replayed(as_insider, households):
    body = {"area_code": GRID1, "number": "SQ-0002", "address": "一组2号"}
    first = post(as_insider, "/api/households/", body, "replay-1")
    again = post(as_insider, "/api/households/", body, "replay-1")
    assert first.status_code == 201 and not first.has_header("Idempotent-Replayed")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and first.json()["number"] == "SQ-0002"
    assert Household.objects.filter(number="SQ-0002").count() == 1


def test_the_same_key_with_another_body_or_route_is_a_chinese_422_and_does_nothing(as_insider, households):
    first = post(as_insider, "/api/households/", {"area_code": GRID1, "number": "SQ-0002", "address": "x"}, "k-1")
    assert first.status_code == 201
    other_body = post(as_insider, "/api/households/", {"area_code": GRID1, "number": "SQ-0003", "address": "x"}, "k-1")
    assert other_body.status_code == 422
    assert other_body.json()["detail"] == "该幂等键已用于内容不同的请求，请为新请求生成新的键"
    assert other_body.json()["errors"] == {"Idempotency-Key": ["该幂等键已用于内容不同的请求，请为新请求生成新的键"]}
    assert not Household.objects.filter(number="SQ-0003").exists()
    # Another route (adding a member) with the key of the household's create.
    other_route = post(as_insider, f"/api/households/{first.json()['id']}/members/", {"name": "巴特尔"}, "k-1")
    assert other_route.status_code == 422
    assert "幂等键已用于其他操作" in other_route.json()["detail"] and "Idempotency-Key" in other_route.json()["errors"]
    assert not Person.objects.filter(name="巴特尔").exists()
    # Nothing of the refusals was stored: the key still replays the first create.
    again = post(as_insider, "/api/households/", {"area_code": GRID1, "number": "SQ-0002", "address": "x"}, "k-1")
    assert again.status_code == 201 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.filter(key="k-1").count() == 1


def test_a_refused_create_is_not_stored_and_the_same_key_may_be_retried(as_insider, households):
    taken = post(as_insider, "/api/households/", {"area_code": GRID1, "number": "SQ-0001", "address": "x"}, "k-2")
    assert taken.status_code == 409 and list(taken.json()["errors"]) == ["number"]  # a duplicate
    assert not IdempotencyKey.objects.filter(key="k-2").exists()
    # The client corrects the number and retries with the same key: the create is done, not replayed.
    retried = post(as_insider, "/api/households/", {"area_code": GRID1, "number": "SQ-0009", "address": "x"}, "k-2")
    assert retried.status_code == 201 and not retried.has_header("Idempotent-Replayed")
    assert retried.json()["number"] == "SQ-0009" and Household.objects.filter(number="SQ-0009").count() == 1


def _key_parameter(path: str, method: str) -> dict:
    operation = api.get_openapi_schema()["paths"][path][method]
    [parameter] = [p for p in operation.get("parameters", []) if p["name"] == "Idempotency-Key"]
    return parameter


def test_the_openapi_header_is_required_exactly_where_the_server_requires_it(db):
    required = [("/api/households/", "post"), ("/api/households/{household_id}/members/", "post"),
                ("/api/shop/shops/{shop_id}/products/", "post"), ("/api/shop/shops/{shop_id}/donations/", "post"),
                ("/api/shop/shops/{shop_id}/purchases/", "post"), ("/api/shop/shops/{shop_id}/stocktakes/", "post"),
                ("/api/shop/shops/{shop_id}/redemptions/", "post"), ("/api/shop/shops/{shop_id}/cards/", "post"),
                ("/api/shop/shops/{shop_id}/grid-cards/", "post")]
    optional = [("/api/shop/products/{product_id}/retire/", "post"),
                ("/api/shop/redemptions/{redemption_id}/void/", "post"), ("/api/shop/products/{product_id}/", "patch"),
                ("/api/shop/shops/{shop_id}/cards/{card_id}/revoke/", "post")]
    for path, method in required:
        parameter = _key_parameter(path, method)
        assert parameter.get("required") is True, path
        assert "x-required" not in parameter["schema"], path  # the marker does not leak into the document
    for path, method in optional:
        assert not _key_parameter(path, method).get("required"), path
