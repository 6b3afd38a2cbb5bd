"""A cashier's app at the love supermarket's counter, through the API alone (issue #18): it signs in with
a token (``POST /api/auth/tokens/``, no session, no CSRF), finds its shop, the shelf and a household's
balance (by number and by the card's code), redeems with an ``Idempotency-Key``, retries on a weak
signal and gets the same receipt, has the supervisor void it on the same app, and reads the stock
movements the redemption and the void wrote."""

import json
import uuid
from datetime import date

import pytest
from django.test import Client

from grassroots.audit.context import Actor
from grassroots.core.testing import PASSWORD
from grassroots.points.testing import give
from grassroots.shop import services
from grassroots.shop.models import Redemption
from grassroots.shop.testing import settle

SHOP = "/api/shop"


@pytest.fixture
def counter(homes, village):
    """赛沁塔拉嘎查's shop: 抽纸 (15元) and 香皂 (4.50元), 10 of each; SQ-0001 holds 235 redeemable points
    after Q1 2026 (5 points a yuan)."""
    system = Actor.system("测试")
    shop = services.create_shop(actor=system, area=village, name="赛沁塔拉嘎查爱心超市")
    tissue = services.add_product(actor=system, shop=shop, name="抽纸", unit="提", price_fen=1500)
    soap = services.add_product(actor=system, shop=shop, name="香皂", unit="块", price_fen=450)
    services.record_donation(actor=system, shop=shop, donor="旗农牧局", donor_kind="pairing_unit",
                             donated_on=date(2026, 3, 20), items=[(tissue.pk, 10), (soap.pk, 10)], value_fen=19500)
    give(homes["SQ-0001"], 235, date(2026, 2, 1))
    settle(village)
    card = services.issue_card(actor=system, household=homes["SQ-0001"])
    return {"shop": shop, "tissue": tissue, "soap": soap, "home": homes["SQ-0001"], "card": card}


def sign_in(username: str, device: str) -> Client:
    """What the app does: trade a username and password for a token, then send it on every request. The
    client enforces CSRF as a browser would: a token needs none."""
    app = Client(enforce_csrf_checks=True)
    response = app.post("/api/auth/tokens/", json.dumps({"username": username, "password": PASSWORD,
                                                         "device_name": device}), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["account"]["username"] == username
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {response.json()['token']}"})


def post(app: Client, url: str, body: dict, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return app.post(SHOP + url, json.dumps(body), content_type="application/json", headers=headers)


def test_a_cashier_app_works_the_counter_through_the_api(counter, cashier, committee):
    app = sign_in("cashier", "收银平板")

    # The shop the cashier may redeem at, and its shelf at the village's rate.
    [shop] = app.get(f"{SHOP}/shops/").json()["items"]
    assert (shop["id"], shop["may_redeem"], shop["may_void"]) == (counter["shop"].pk, True, False)
    assert [(v["name"], v["exchange_rate"]) for v in shop["villages"]] == [("赛沁塔拉嘎查", 5)]
    shelf = app.get(f"{SHOP}/shops/{shop['id']}/products/").json()
    assert shelf["next_cursor"] is None
    products = {p["name"]: p for p in shelf["items"]}
    assert {name: (p["price_fen"], p["points"], p["stock"]) for name, p in products.items()} == {
        "抽纸": (1500, 75, 10), "香皂": (450, 23, 10)}

    # The household: by its number, then by scanning its card; the balance and whether it may redeem.
    [found] = app.get(f"{SHOP}/shops/{shop['id']}/households/", {"q": "SQ-0001"}).json()["items"]
    assert (found["number"], found["head"], found["balance"], found["may_redeem"]) == ("SQ-0001", "乌云毕力格", 235, True)
    scanned = app.get(f"{SHOP}/shops/{shop['id']}/cards/{counter['card'].token}/household/")
    assert scanned.status_code == 200 and scanned.json() == found
    assert app.get(f"{SHOP}/shops/{shop['id']}/households/{found['id']}/").json() == found

    # Redeem once; the retry on a weak signal answers the same receipt, and nothing is spent twice.
    body = {"household_id": found["id"], "items": [{"product_id": products["抽纸"]["id"], "quantity": 2},
                                                    {"product_id": products["香皂"]["id"], "quantity": 1}]}
    key = str(uuid.uuid4())
    first = post(app, f"/shops/{shop['id']}/redemptions/", body, key)
    assert first.status_code == 201, first.content
    receipt = first.json()
    assert (receipt["points"], receipt["value_fen"], receipt["value_text"], receipt["balance_after"]) == (
        173, 3450, "34.50元", 62)
    assert receipt["created_at"].endswith("+08:00") and receipt["cashier"] == "cashier"
    again = post(app, f"/shops/{shop['id']}/redemptions/", body, key)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert Redemption.objects.count() == 1
    assert app.get(f"{SHOP}/shops/{shop['id']}/households/{found['id']}/").json()["balance"] == 62
    assert app.get(f"{SHOP}/redemptions/{receipt['id']}/").json() == receipt
    [listed] = app.get(f"{SHOP}/shops/{shop['id']}/redemptions/", {"mine": "true"}).json()["items"]
    assert listed == receipt

    # Over the shelf: a refusal (409), nothing written, with the one error body.
    over = post(app, f"/shops/{shop['id']}/redemptions/",
                {**body, "items": [{"product_id": products["香皂"]["id"], "quantity": 20}]}, str(uuid.uuid4()))
    assert over.status_code == 409 and over.json()["code"] == "conflict"
    assert over.json()["detail"] == "「香皂」库存只剩9块" and Redemption.objects.count() == 1

    # The cashier may not void; the supervisor signs in on the same app and does.
    refused = post(app, f"/redemptions/{receipt['id']}/void/", {"reason": "收银员点错"})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    supervisor = sign_in("committee", "收银平板")
    voided = post(supervisor, f"/redemptions/{receipt['id']}/void/", {"reason": "收银员点错"}, str(uuid.uuid4()))
    assert voided.status_code == 200, voided.content
    assert voided.json()["voided"] and voided.json()["voided_by"] == "committee"
    assert app.get(f"{SHOP}/shops/{shop['id']}/households/{found['id']}/").json()["balance"] == 235

    # The stock movements: the donation in, the redemption out, the void back, newest first.
    moves = app.get(f"{SHOP}/shops/{shop['id']}/movements/", {"product_id": products["抽纸"]["id"]}).json()
    assert [(m["kind"], m["quantity"]) for m in moves["items"]] == [("void", 2), ("redemption", -2), ("donation", 10)]
    assert moves["next_cursor"] is None

    # Signing out: the token stops at once.
    assert app.delete("/api/auth/tokens/current/").status_code == 204
    gone = app.get(f"{SHOP}/shops/")
    assert gone.status_code == 401 and gone.json()["code"] == "unauthenticated"
