"""The routes the shop's pages had and the API lacked (issue #18): a shop, a product and its edit, the
donations, the receipts, the counter's household by id and by its card, household cards, the exchange-day
report. Each with the insider, the read-only member (403 on writes), the outsider (404), anonymous (401),
the one error body, and a create's replay equal to its first reply."""

import json

import pytest
from django.utils import timezone

from grassroots.core.testing import client_for
from grassroots.rules.settlement import yuan_text
from grassroots.shop import services
from grassroots.shop.models import HouseholdCard, Product, Redemption
from grassroots.shop.testing import actor
from grassroots.shop.tests.test_api import BASE, get, key, post, redeem_body


@pytest.fixture
def counter(stocked, credited, shop, households):
    return {"shop": shop, "products": stocked, "homes": credited, "outside": households["outside"]}


def patch(client, url, body, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.patch(BASE + url, json.dumps(body), content_type="application/json", headers=headers)


def error(response, status: int, code: str) -> dict:
    """The one error body (docs/api.md "Errors")."""
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"code", "detail", "errors"} and body["code"] == code and body["detail"], body
    return body


def test_anonymous_gets_401_with_the_error_body(client, counter):
    shop, tissue = counter["shop"].pk, counter["products"]["抽纸"].pk
    for url in [f"/shops/{shop}/", f"/products/{tissue}/", f"/shops/{shop}/donations/", f"/shops/{shop}/redemptions/",
                f"/shops/{shop}/exchange-day/", f"/shops/{shop}/households/{counter['homes']['SQ-0001'].pk}/"]:
        error(client.get(BASE + url), 401, "unauthenticated")
    error(patch(client, f"/products/{tissue}/", {"price_fen": 1600}), 401, "unauthenticated")
    error(post(client, f"/shops/{shop}/cards/", {"household_id": 1}, key=key()), 401, "unauthenticated")


def test_one_shop(counter, cashier, reader, outsider):
    shop = counter["shop"].pk
    mine = get(client_for(cashier), f"/shops/{shop}/").json()
    assert (mine["name"], mine["may_redeem"], mine["may_manage"]) == ("赛沁塔拉嘎查爱心超市", True, False)
    assert get(client_for(reader), f"/shops/{shop}/").json()["may_redeem"] is False
    error(get(client_for(outsider), f"/shops/{shop}/"), 404, "not_found")
    assert get(client_for(outsider), f"/shops/{shop}/").json() == get(client_for(cashier), "/shops/999999/").json()


def test_one_product(counter, cashier, reader, outsider):
    tissue = counter["products"]["抽纸"]
    body = get(client_for(reader), f"/products/{tissue.pk}/").json()
    assert (body["name"], body["price_fen"], body["points"], body["stock"], body["shop_id"]) == (
        "抽纸", 1500, 75, 10, counter["shop"].pk)
    assert get(client_for(cashier), f"/products/{tissue.pk}/").json() == body
    error(get(client_for(outsider), f"/products/{tissue.pk}/"), 404, "not_found")
    error(get(client_for(cashier), f"/products/{tissue.pk}/", area_code="150426104204"), 422, "invalid")


def test_editing_a_product(counter, secretary, cashier, reader, outsider):
    tissue = counter["products"]["抽纸"]
    url = f"/products/{tissue.pk}/"
    error(patch(client_for(reader), url, {"price_fen": 1600}), 403, "forbidden")
    error(patch(client_for(cashier), url, {"price_fen": 1600}), 403, "forbidden")
    error(patch(client_for(outsider), url, {"price_fen": 1600}), 404, "not_found")
    tissue.refresh_from_db()
    assert tissue.price_fen == 1500
    k = key()
    first = patch(client_for(secretary), url, {"price_fen": 1600, "low_stock": 3}, key=k)
    assert first.status_code == 200, first.content
    assert (first.json()["price_fen"], first.json()["points"], first.json()["low_stock"]) == (1600, 80, 3)
    again = patch(client_for(secretary), url, {"price_fen": 1600, "low_stock": 3}, key=k)
    assert again.status_code == 200 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    for bad, field in [({"price_fen": "16"}, "price_fen"), ({"price_fen": None}, "price_fen"),
                       ({"colour": "白"}, "colour"), ({}, "__all__")]:
        assert field in error(patch(client_for(secretary), url, bad), 422, "invalid")["errors"]
    taken = error(patch(client_for(secretary), url, {"name": "香皂"}), 409, "conflict")
    assert "name" in taken["errors"] and Product.objects.filter(name="香皂").count() == 1
    services.retire_product(actor=actor(secretary), product=tissue)
    retired = error(patch(client_for(secretary), url, {"price_fen": 1700}), 409, "conflict")
    assert "已停用" in retired["detail"]


def test_donations_list(counter, cashier, reader, outsider):
    shop = counter["shop"].pk
    body = get(client_for(reader), f"/shops/{shop}/donations/").json()
    [given] = body["items"]
    assert body["next_cursor"] is None
    value = sum(p.price_fen * 10 for p in counter["products"].values())
    assert (given["donor"], given["donor_kind_label"], given["value_fen"], len(given["movements"])) == (
        "旗农牧局", "包联单位", value, 8)
    assert given["value_text"] == yuan_text(value)
    assert get(client_for(cashier), f"/shops/{shop}/donations/").json() == body
    error(get(client_for(outsider), f"/shops/{shop}/donations/"), 404, "not_found")
    error(get(client_for(cashier), f"/shops/{shop}/donations/", cursor="###"), 422, "invalid")


def test_the_counter_household_by_id_and_by_card(counter, cashier, outsider, outside_cashier, secretary, system_actor):
    shop, home = counter["shop"].pk, counter["homes"]["SQ-0001"]
    found = get(client_for(cashier), f"/shops/{shop}/households/{home.pk}/").json()
    assert (found["number"], found["balance"], found["may_redeem"]) == ("SQ-0001", 235, True)
    error(get(client_for(outsider), f"/shops/{shop}/households/{home.pk}/"), 404, "not_found")
    error(get(client_for(cashier), f"/shops/{shop}/households/{counter['outside'].pk}/"), 404, "not_found")
    card = services.issue_card(actor=actor(secretary), household=home)
    url = f"/shops/{shop}/cards/{card.token}/household/"
    assert get(client_for(cashier), url).json() == found
    error(get(client_for(outside_cashier), url), 404, "not_found")
    error(get(client_for(cashier), f"/shops/{shop}/cards/unknown-token-unknown-token/household/"), 404, "not_found")
    other = services.issue_card(actor=system_actor, household=counter["outside"])
    error(get(client_for(cashier), f"/shops/{shop}/cards/{other.token}/household/"), 404, "not_found")
    services.revoke_card(actor=actor(secretary), card=card, reason="遗失")
    error(get(client_for(cashier), url), 404, "not_found")


def test_receipts_of_a_shop(counter, cashier, secretary, reader, outsider):
    shop = counter["shop"].pk
    mine = post(client_for(cashier), f"/shops/{shop}/redemptions/", redeem_body(counter), key=key()).json()
    theirs = post(client_for(secretary), f"/shops/{shop}/redemptions/", redeem_body(counter, "SQ-0004", 香皂=1),
                  key=key()).json()
    everything = get(client_for(reader), f"/shops/{shop}/redemptions/").json()
    assert [r["id"] for r in everything["items"]] == [theirs["id"], mine["id"]]
    assert everything["items"][1] == mine
    assert [r["id"] for r in get(client_for(cashier), f"/shops/{shop}/redemptions/", mine="true").json()["items"]] == [
        mine["id"]]
    by_home = get(client_for(cashier), f"/shops/{shop}/redemptions/", household_id=counter["homes"]["SQ-0004"].pk)
    assert [r["id"] for r in by_home.json()["items"]] == [theirs["id"]]
    today = timezone.localdate()
    assert len(get(client_for(cashier), f"/shops/{shop}/redemptions/", date=today.isoformat()).json()["items"]) == 2
    assert get(client_for(cashier), f"/shops/{shop}/redemptions/", date="2020-01-01").json() == {
        "items": [], "next_cursor": None}
    first = get(client_for(cashier), f"/shops/{shop}/redemptions/", limit=1).json()
    rest = get(client_for(cashier), f"/shops/{shop}/redemptions/", limit=1, cursor=first["next_cursor"]).json()
    assert [r["id"] for r in first["items"] + rest["items"]] == [theirs["id"], mine["id"]]
    assert rest["next_cursor"] is None
    error(get(client_for(outsider), f"/shops/{shop}/redemptions/"), 404, "not_found")
    assert "date" in error(get(client_for(cashier), f"/shops/{shop}/redemptions/", date="2026-13-01"),
                           422, "invalid")["errors"]


def test_household_cards(counter, secretary, committee, cashier, reader, outsider, region):
    shop, home = counter["shop"].pk, counter["homes"]["SQ-0001"]
    grid1 = region["赛沁塔拉嘎查1"].code
    listed = get(client_for(reader), f"/shops/{shop}/cards/", area_code=grid1).json()
    assert [(h["number"], h["card"]) for h in listed["items"]] == [
        ("SQ-0001", None), ("SQ-0002", None), ("SQ-0003", None)]
    error(get(client_for(outsider), f"/shops/{shop}/cards/", area_code=grid1), 404, "not_found")
    assert "area_code" in error(get(client_for(cashier), f"/shops/{shop}/cards/", area_code="150426104204001"),
                                422, "invalid")["errors"]

    body = {"household_id": home.pk}
    error(post(client_for(reader), f"/shops/{shop}/cards/", body, key=key()), 403, "forbidden")
    error(post(client_for(cashier), f"/shops/{shop}/cards/", body, key=key()), 403, "forbidden")
    error(post(client_for(outsider), f"/shops/{shop}/cards/", body, key=key()), 404, "not_found")
    assert "Idempotency-Key" in error(post(client_for(secretary), f"/shops/{shop}/cards/", body), 422,
                                      "invalid")["errors"]
    assert not HouseholdCard.objects.exists()
    k = key()
    first = post(client_for(secretary), f"/shops/{shop}/cards/", body, key=k)
    again = post(client_for(secretary), f"/shops/{shop}/cards/", body, key=k)
    assert first.status_code == again.status_code == 201 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true" and HouseholdCard.objects.count() == 1
    card = first.json()
    assert (card["household_id"], card["household_number"], card["revoked_at"]) == (home.pk, "SQ-0001", None)
    assert "token" not in card  # the card's code is printed on the card sheet, never sent in a list

    revoke = f"/shops/{shop}/cards/{card['id']}/revoke/"
    error(post(client_for(reader), revoke, {"reason": "遗失"}), 403, "forbidden")
    error(post(client_for(outsider), revoke, {"reason": "遗失"}), 404, "not_found")
    assert "reason" in error(post(client_for(committee), revoke, {}), 422, "invalid")["errors"]
    done = post(client_for(committee), revoke, {"reason": "遗失"})
    assert done.status_code == 200 and done.json()["revoke_reason"] == "遗失"
    assert "card" in error(post(client_for(committee), revoke, {"reason": "遗失"}), 409, "conflict")["errors"]

    grid = post(client_for(secretary), f"/shops/{shop}/grid-cards/", {"area_code": grid1}, key=k + "-grid")
    assert grid.status_code == 201 and grid.json()["issued"] == 3
    assert [c["household_number"] for c in grid.json()["cards"]] == ["SQ-0001", "SQ-0002", "SQ-0003"]
    replay = post(client_for(secretary), f"/shops/{shop}/grid-cards/", {"area_code": grid1}, key=k + "-grid")
    assert replay.status_code == 201 and replay.content == grid.content
    error(post(client_for(reader), f"/shops/{shop}/grid-cards/", {"area_code": grid1}, key=key()), 403, "forbidden")


def test_the_exchange_day_report(counter, cashier, committee, reader, outsider):
    shop = counter["shop"].pk
    kept = post(client_for(cashier), f"/shops/{shop}/redemptions/", redeem_body(counter), key=key()).json()
    undone = post(client_for(cashier), f"/shops/{shop}/redemptions/", redeem_body(counter, "SQ-0004", 香皂=1),
                  key=key()).json()
    assert post(client_for(committee), f"/redemptions/{undone['id']}/void/", {"reason": "点错"}).status_code == 200
    today = timezone.localdate().isoformat()
    report = get(client_for(reader), f"/shops/{shop}/exchange-day/", start=today, end=today).json()
    assert (report["households"], report["redemptions"], report["voided"], report["points"]) == (1, 1, 1, 173)
    assert (report["value_fen"], report["value_text"]) == (kept["value_fen"], "34.50元")
    assert [(row["product"]["name"], row["quantity"], row["points"]) for row in report["items_out"]] == [
        ("抽纸", 2, 150), ("香皂", 1, 23)]
    assert {row["product"]["name"]: row["stock"] for row in report["stock_left"]}["抽纸"] == 8
    assert Redemption.objects.count() == 2
    error(get(client_for(outsider), f"/shops/{shop}/exchange-day/"), 404, "not_found")
    assert "start" in error(get(client_for(cashier), f"/shops/{shop}/exchange-day/", start="2026-05-01",
                                end="2026-04-01"), 422, "invalid")["errors"]


def test_a_redemption_replay_is_the_first_reply_byte_for_byte(counter, cashier):
    """201 then 201: the same status, the same bytes, the replay header only on the replay."""
    k = key()
    url = f"/shops/{counter['shop'].pk}/redemptions/"
    first = post(client_for(cashier), url, redeem_body(counter), key=k)
    again = post(client_for(cashier), url, redeem_body(counter), key=k)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    other = post(client_for(cashier), url, redeem_body(counter, 香皂=1), key=k)
    assert "Idempotency-Key" in error(other, 422, "invalid")["errors"]
