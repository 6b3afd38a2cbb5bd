"""The love supermarket's JSON API (/api/shop/): every route with an insider (the village's cashier,
secretary or committee member), the read-only member (party group leader: 403 on writes) and the
outsider (官井子村's secretary: 404); strict input refused with the field named and nothing written;
the same Idempotency-Key twice redeeming once with the same receipt; refusals at the counter."""

import json
import uuid

import pytest
from django.db.models import Sum

from grassroots.core.models import IdempotencyKey
from grassroots.core.testing import client_for
from grassroots.ledger import selectors as ledger_selectors
from grassroots.ledger.models import LedgerEntry
from grassroots.shop import selectors, services
from grassroots.shop.models import Donation, Product, Redemption, StockMovement
from grassroots.shop.testing import actor

BASE = "/api/shop"


def key() -> str:
    return uuid.uuid4().hex


def post(client, url, body, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(BASE + url, json.dumps(body), content_type="application/json", headers=headers)


def get(client, url, **params):
    return client.get(BASE + url, params)


def text(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


def names_field(response, field) -> bool:
    return field in response.json().get("errors", {})


def stock(product) -> int:
    return selectors.stock_of([product.pk])[product.pk]


def credit(home) -> int:
    return ledger_selectors.balance(home).credit


def written() -> tuple:
    """What a refused request must leave untouched."""
    return (Redemption.objects.count(), StockMovement.objects.count(), LedgerEntry.objects.count(),
            Donation.objects.count(), Product.objects.count())


@pytest.fixture
def counter(stocked, credited, shop, households):
    """The shelf stocked (10 of each) and Q1 settled: SQ-0001 may redeem 235 points; ``outside`` is
    官井子村's household GJ-0001."""
    return {"shop": shop, "products": stocked, "homes": credited, "outside": households["outside"]}


def redeem_body(counter, number="SQ-0001", **items):
    items = items or {"抽纸": 2, "香皂": 1}  # 2 × 75 + 23 = 173 points at 5 points a yuan
    return {"household_id": counter["homes"][number].pk,
            "items": [{"product_id": counter["products"][name].pk, "quantity": q} for name, q in items.items()]}


# --- who may do what ------------------------------------------------------------------------------


def test_anonymous_callers_get_401(client, counter):
    shop = counter["shop"].pk
    assert client.get(f"{BASE}/shops/").status_code == 401
    assert client.get(f"{BASE}/shops/{shop}/products/").status_code == 401
    response = post(client, f"/shops/{shop}/redemptions/", redeem_body(counter), key=key())
    assert response.status_code == 401 and Redemption.objects.count() == 0


def test_shops_list_says_what_the_caller_may_do(counter, cashier, secretary, reader, outsider):
    def one(user):
        return get(client_for(user), "/shops/").json()["items"]

    [mine] = one(cashier)
    assert mine["name"] == "赛沁塔拉嘎查爱心超市" and [v["name"] for v in mine["villages"]] == ["赛沁塔拉嘎查"]
    assert (mine["may_redeem"], mine["may_manage"], mine["may_void"]) == (True, False, False)
    assert [(s["may_redeem"], s["may_manage"], s["may_void"]) for s in one(secretary)] == [(True, True, True)]
    assert [(s["may_redeem"], s["may_manage"], s["may_void"]) for s in one(reader)] == [(False, False, False)]
    assert one(outsider) == []


def test_products_with_stock_and_points_at_the_village_rate(counter, cashier, reader, outsider):
    shop = counter["shop"].pk
    body = get(client_for(cashier), f"/shops/{shop}/products/").json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    [rate] = get(client_for(cashier), f"/shops/{shop}/").json()["villages"]
    assert (rate["name"], rate["exchange_rate"]) == ("赛沁塔拉嘎查", 5)
    items = {p["name"]: p for p in body["items"]}
    assert len(items) == 8
    assert (items["抽纸"]["stock"], items["抽纸"]["points"], items["抽纸"]["price_fen"]) == (10, 75, 1500)
    assert items["洗衣粉"]["points"] == 63  # 12.50 yuan × 5, a part-point rounded up
    assert get(client_for(reader), f"/shops/{shop}/products/").status_code == 200
    assert get(client_for(outsider), f"/shops/{shop}/products/").status_code == 404
    response = get(client_for(cashier), f"/shops/{shop}/products/", area_code="150426104204")
    assert response.status_code == 422 and names_field(response, "area_code")


def test_adding_a_product_once_per_key(counter, secretary, reader, outsider, cashier):
    shop = counter["shop"].pk
    body = {"name": "挂面", "unit": "把", "price_fen": 600}
    before = Product.objects.count()
    assert post(client_for(reader), f"/shops/{shop}/products/", body, key=key()).status_code == 403
    assert post(client_for(cashier), f"/shops/{shop}/products/", body, key=key()).status_code == 403
    assert post(client_for(outsider), f"/shops/{shop}/products/", body, key=key()).status_code == 404
    assert Product.objects.count() == before
    k = key()
    first = post(client_for(secretary), f"/shops/{shop}/products/", body, key=k)
    again = post(client_for(secretary), f"/shops/{shop}/products/", body, key=k)
    assert first.status_code == 201 and again.status_code == 201  # a replay answers what the first answered
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert (first.json()["points"], first.json()["stock"]) == (30, 0)
    assert Product.objects.count() == before + 1
    other = post(client_for(secretary), f"/shops/{shop}/products/", {**body, "price_fen": 700}, key=k)
    assert other.status_code == 422 and "幂等键" in text(other)


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "挂面", "unit": "把", "price_fen": 600, "colour": "白"}, "colour"),
    ({"name": "挂面", "unit": "把", "price_fen": "600"}, "price_fen"),
    ({"name": "挂面", "unit": "把", "price_fen": -5}, "price_fen"),
    ({"name": "挂面", "price_fen": 600}, "unit"),
])
def test_a_bad_product_names_the_field_and_writes_nothing(counter, secretary, body, field):
    before = written()
    response = post(client_for(secretary), f"/shops/{counter['shop'].pk}/products/", body, key=key())
    assert response.status_code == 422 and names_field(response, field)
    assert field in response.json()["detail"]  # the one-line message names it too, in Chinese
    assert written() == before


def test_a_create_without_idempotency_key_is_refused(counter, secretary):
    before = written()
    response = post(client_for(secretary), f"/shops/{counter['shop'].pk}/products/",
                    {"name": "挂面", "unit": "把", "price_fen": 600})
    assert response.status_code == 422 and names_field(response, "Idempotency-Key")
    assert "缺少 Idempotency-Key" in text(response) and written() == before


def test_retiring_a_product_keeps_it_and_its_movements(counter, secretary, reader, outsider, cashier):
    towel = counter["products"]["毛巾"]
    assert post(client_for(reader), f"/products/{towel.pk}/retire/", {}).status_code == 403
    assert post(client_for(outsider), f"/products/{towel.pk}/retire/", {}).status_code == 404
    response = post(client_for(secretary), f"/products/{towel.pk}/retire/", {})
    assert response.status_code == 200 and response.json()["is_retired"] and response.json()["stock"] == 10
    shelf = get(client_for(cashier), f"/shops/{counter['shop'].pk}/products/").json()["items"]
    assert "毛巾" not in [p["name"] for p in shelf]
    everything = get(client_for(cashier), f"/shops/{counter['shop'].pk}/products/", include_retired=True).json()
    assert "毛巾" in [p["name"] for p in everything["items"]]
    refused = post(client_for(cashier), f"/shops/{counter['shop'].pk}/redemptions/",
                   redeem_body(counter, 毛巾=1), key=key())
    assert refused.status_code == 409 and "「毛巾」已停用" in refused.json()["detail"]
    assert Redemption.objects.count() == 0


# --- stock ----------------------------------------------------------------------------------------


def test_movements_of_a_product(counter, cashier, outsider, system_actor, village):
    shop = counter["shop"].pk
    tissue = counter["products"]["抽纸"]
    body = get(client_for(cashier), f"/shops/{shop}/movements/", product_id=tissue.pk).json()
    [donated] = body["items"]
    assert (donated["kind"], donated["kind_label"], donated["quantity"]) == ("donation", "捐赠入库", 10)
    assert body["next_cursor"] is None
    assert len(get(client_for(cashier), f"/shops/{shop}/movements/").json()["items"]) == 8
    page = get(client_for(cashier), f"/shops/{shop}/movements/", limit=3).json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    rest = get(client_for(cashier), f"/shops/{shop}/movements/", limit=3, cursor=page["next_cursor"]).json()
    assert len(rest["items"]) == 3 and not {m["id"] for m in rest["items"]} & {m["id"] for m in page["items"]}
    assert get(client_for(outsider), f"/shops/{shop}/movements/").status_code == 404
    other = services.create_shop(actor=system_actor, area=village.parent, name="乌丹镇爱心超市", villages=[village])
    stranger = services.add_product(actor=system_actor, shop=other, name="抽纸", unit="提", price_fen=1500)
    response = get(client_for(cashier), f"/shops/{shop}/movements/", product_id=stranger.pk)
    assert response.status_code == 422 and names_field(response, "product_id")


def test_a_donation_comes_in_once_per_key(counter, secretary, reader, outsider):
    shop = counter["shop"].pk
    soap, oil = counter["products"]["香皂"], counter["products"]["食用油"]
    body = {"donor": "翁牛特旗农商银行", "donor_kind": "company", "donated_on": "2026-04-01", "value_fen": 20000,
            "items": [{"product_id": soap.pk, "quantity": 20}, {"product_id": oil.pk, "quantity": 2}], "is_public": True}
    before = written()
    assert post(client_for(reader), f"/shops/{shop}/donations/", body, key=key()).status_code == 403
    assert post(client_for(outsider), f"/shops/{shop}/donations/", body, key=key()).status_code == 404
    assert written() == before
    k = key()
    first = post(client_for(secretary), f"/shops/{shop}/donations/", body, key=k)
    again = post(client_for(secretary), f"/shops/{shop}/donations/", body, key=k)
    assert first.status_code == 201 and again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["donor_kind_label"] == "企业"
    assert sorted(m["quantity"] for m in first.json()["movements"]) == [2, 20]
    assert (stock(soap), stock(oil)) == (30, 12)
    assert Donation.objects.count() == before[3] + 1


@pytest.mark.parametrize(("change", "field"), [
    ({"items": [{"product_id": 1, "quantity": -3}]}, "items"),
    ({"items": [{"product_id": 1, "quantity": 0}]}, "items"),
    ({"items": [{"product_id": 1, "quantity": 2, "price": 5}]}, "items"),
    ({"donor_kind": "friend"}, "donor_kind"),
    ({"donated_on": 20260401}, "donated_on"),
    ({"is_public": 1}, "is_public"),
    ({"value_fen": True}, "value_fen"),
])
def test_a_bad_donation_names_the_field_and_writes_nothing(counter, secretary, change, field):
    body = {"donor": "旗农牧局", "donor_kind": "pairing_unit", "donated_on": "2026-04-01",
            "items": [{"product_id": counter["products"]["抽纸"].pk, "quantity": 5}], **change}
    before = written()
    response = post(client_for(secretary), f"/shops/{counter['shop'].pk}/donations/", body, key=key())
    assert response.status_code == 422 and names_field(response, field), text(response)
    assert written() == before


def test_a_purchase_and_a_stocktake(counter, secretary, reader, outsider):
    shop = counter["shop"].pk
    rice, tissue = counter["products"]["大米"], counter["products"]["抽纸"]
    purchase = {"receipt_number": "SQ-CG-2026-009", "items": [{"product_id": rice.pk, "quantity": 6}]}
    assert post(client_for(reader), f"/shops/{shop}/purchases/", purchase, key=key()).status_code == 403
    assert post(client_for(outsider), f"/shops/{shop}/purchases/", purchase, key=key()).status_code == 404
    k = key()
    first = post(client_for(secretary), f"/shops/{shop}/purchases/", purchase, key=k)
    again = post(client_for(secretary), f"/shops/{shop}/purchases/", purchase, key=k)
    assert first.status_code == 201 and again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    [moved] = first.json()["movements"]
    assert (moved["kind"], moved["receipt_number"], moved["quantity"]) == ("purchase", "SQ-CG-2026-009", 6)
    assert stock(rice) == 16

    count = {"counts": [{"product_id": tissue.pk, "counted": 8}, {"product_id": rice.pk, "counted": 16}],
             "reason": "过期报损2提"}
    assert post(client_for(reader), f"/shops/{shop}/stocktakes/", count, key=key()).status_code == 403
    response = post(client_for(secretary), f"/shops/{shop}/stocktakes/", count, key=key())
    assert response.status_code == 201
    [difference] = response.json()["movements"]  # only the product whose count differs
    assert (difference["product"]["name"], difference["quantity"], difference["reason"]) == ("抽纸", -2, "过期报损2提")
    assert stock(tissue) == 8
    negative = post(client_for(secretary), f"/shops/{shop}/stocktakes/",
                    {"counts": [{"product_id": tissue.pk, "counted": -1}], "reason": "盘点"}, key=key())
    assert negative.status_code == 422 and names_field(negative, "counts") and stock(tissue) == 8


# --- the counter ----------------------------------------------------------------------------------


def test_finding_a_household_shows_balance_and_standing(counter, cashier, outsider, outside_cashier, system_actor):
    shop = counter["shop"].pk
    as_cashier = client_for(cashier)
    [found] = get(as_cashier, f"/shops/{shop}/households/", q="SQ-0001").json()["items"]
    assert (found["number"], found["head"], found["balance"], found["may_redeem"]) == ("SQ-0001", "乌云毕力格", 235, True)
    [below] = get(as_cashier, f"/shops/{shop}/households/", q="wjg").json()["items"]  # 王建国's initials
    assert below["number"] == "SQ-0002" and not below["may_redeem"]
    assert below["reason"] == "2026年第一季度积分79分，未达到80分，不能兑换"
    card = services.issue_card(actor=system_actor, household=counter["homes"]["SQ-0004"])
    [scanned] = get(as_cashier, f"/shops/{shop}/households/", q=card.token).json()["items"]
    assert (scanned["number"], scanned["balance"], scanned["may_redeem"]) == ("SQ-0004", 80, True)
    # Another village's household is not found here, by number or by its card.
    other = services.issue_card(actor=system_actor, household=counter["outside"])
    assert get(as_cashier, f"/shops/{shop}/households/", q="GJ-0001").json()["items"] == []
    assert get(as_cashier, f"/shops/{shop}/households/", q=other.token).json()["items"] == []
    assert get(client_for(outsider), f"/shops/{shop}/households/", q="SQ-0001").status_code == 404
    assert get(client_for(outside_cashier), f"/shops/{shop}/households/", q="SQ-0001").status_code == 404
    assert get(as_cashier, f"/shops/{shop}/households/", q="").status_code == 422


def test_a_redemption_gives_a_receipt_and_the_same_key_gives_the_same_one(counter, cashier):
    shop, home = counter["shop"], counter["homes"]["SQ-0001"]
    tissue, soap = counter["products"]["抽纸"], counter["products"]["香皂"]
    k = key()
    first = post(client_for(cashier), f"/shops/{shop.pk}/redemptions/", redeem_body(counter), key=k)
    assert first.status_code == 201, text(first)
    receipt = first.json()
    assert receipt["number"].startswith(f"DH-{shop.pk}-") and receipt["household_number"] == "SQ-0001"
    assert [(line["product"]["name"], line["quantity"], line["points"]) for line in receipt["lines"]] == [
        ("抽纸", 2, 150), ("香皂", 1, 23)]
    assert (receipt["points"], receipt["value_fen"], receipt["value_text"], receipt["balance_after"]) == (173, 3450, "34.50元", 62)
    assert receipt["cashier"] == "cashier" and not receipt["voided"]

    again = post(client_for(cashier), f"/shops/{shop.pk}/redemptions/", redeem_body(counter), key=k)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"  # what the first answered
    assert again.json() == receipt
    assert Redemption.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="redemption").aggregate(s=Sum("points"))["s"] == -173
    assert (credit(home), stock(tissue), stock(soap)) == (62, 8, 9)
    assert get(client_for(cashier), f"/redemptions/{receipt['id']}/").json() == receipt


def test_redemptions_over_the_balance_or_the_shelf_or_the_standing_are_refused(counter, cashier, secretary, system_actor):
    shop, home = counter["shop"].pk, counter["homes"]["SQ-0001"]
    as_cashier = client_for(cashier)
    before = written()
    over = post(as_cashier, f"/shops/{shop}/redemptions/", redeem_body(counter, 大米=1), key=key())
    assert over.status_code == 409 and over.json()["detail"] == "本次需275分，可兑换积分只有235分"
    below = post(as_cashier, f"/shops/{shop}/redemptions/", redeem_body(counter, "SQ-0002", 香皂=1), key=key())
    assert below.status_code == 409 and "未达到80分" in below.json()["detail"]
    shelf = post(as_cashier, f"/shops/{shop}/redemptions/", redeem_body(counter, 香皂=11), key=key())
    assert shelf.status_code == 409 and shelf.json()["detail"] == "「香皂」库存只剩10块"
    assert written() == before and credit(home) == 235
    empty = services.add_product(actor=system_actor, shop=counter["shop"], name="挂面", unit="把", price_fen=600)
    response = post(as_cashier, f"/shops/{shop}/redemptions/",
                    {"household_id": home.pk, "items": [{"product_id": empty.pk, "quantity": 1}]}, key=key())
    assert response.status_code == 409 and response.json()["detail"] == "「挂面」已无库存"
    assert Redemption.objects.count() == 0 and LedgerEntry.objects.filter(kind="redemption").count() == 0


def test_a_refused_redemption_is_not_stored_so_the_same_key_may_be_retried(counter, cashier, secretary, system_actor):
    """A 409 stores no reply: once the shelf is filled, the cashier's retry with the same key redeems."""
    shop, home = counter["shop"].pk, counter["homes"]["SQ-0001"]
    noodles = services.add_product(actor=system_actor, shop=counter["shop"], name="挂面", unit="把", price_fen=600)
    body = {"household_id": home.pk, "items": [{"product_id": noodles.pk, "quantity": 1}]}
    k = key()
    refused = post(client_for(cashier), f"/shops/{shop}/redemptions/", body, key=k)
    assert refused.status_code == 409 and refused.json()["detail"] == "「挂面」已无库存"
    assert Redemption.objects.count() == 0 and not IdempotencyKey.objects.filter(key=k).exists()
    stocked = post(client_for(secretary), f"/shops/{shop}/purchases/",
                   {"receipt_number": "SQ-CG-2026-010", "items": [{"product_id": noodles.pk, "quantity": 5}]}, key=key())
    assert stocked.status_code == 201
    retried = post(client_for(cashier), f"/shops/{shop}/redemptions/", body, key=k)
    assert retried.status_code == 201 and not retried.has_header("Idempotent-Replayed"), text(retried)
    assert [(line["product"]["name"], line["quantity"]) for line in retried.json()["lines"]] == [("挂面", 1)]
    assert Redemption.objects.count() == 1 and stock(noodles) == 4 and credit(home) == 235 - 30
    again = post(client_for(cashier), f"/shops/{shop}/redemptions/", body, key=k)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == retried.json()
    assert Redemption.objects.count() == 1


def test_who_may_redeem(counter, cashier, reader, outsider, outside_cashier, secretary):
    shop = counter["shop"].pk
    before = written()
    assert post(client_for(reader), f"/shops/{shop}/redemptions/", redeem_body(counter), key=key()).status_code == 403
    assert post(client_for(outsider), f"/shops/{shop}/redemptions/", redeem_body(counter), key=key()).status_code == 404
    assert post(client_for(outside_cashier), f"/shops/{shop}/redemptions/", redeem_body(counter),
                key=key()).status_code == 404
    # This village's cashier cannot reach 官井子村's household.
    stranger = {**redeem_body(counter), "household_id": counter["outside"].pk}
    assert post(client_for(cashier), f"/shops/{shop}/redemptions/", stranger, key=key()).status_code == 404
    assert written() == before
    assert post(client_for(secretary), f"/shops/{shop}/redemptions/", redeem_body(counter), key=key()).status_code == 201


@pytest.mark.parametrize(("change", "field"), [
    ({"note": "加急"}, "note"),
    ({"household_id": "1"}, "household_id"),
    ({"household_id": 1.5}, "household_id"),
    ({"items": []}, "items"),
    ({"items": [{"product_id": 1, "quantity": -1}]}, "items"),
    ({"items": [{"product_id": 1, "quantity": "2"}]}, "items"),
    ({"items": [{"product_id": True, "quantity": 1}]}, "items"),
    ({"items": "抽纸"}, "items"),
])
def test_a_bad_redemption_names_the_field_and_writes_nothing(counter, cashier, change, field):
    body = {**redeem_body(counter), **change}
    before = written()
    response = post(client_for(cashier), f"/shops/{counter['shop'].pk}/redemptions/", body, key=key())
    assert response.status_code == 422 and names_field(response, field), text(response)
    assert written() == before


def test_a_redemption_needs_an_idempotency_key(counter, cashier):
    before = written()
    response = post(client_for(cashier), f"/shops/{counter['shop'].pk}/redemptions/", redeem_body(counter))
    assert response.status_code == 422 and names_field(response, "Idempotency-Key")
    assert written() == before and credit(counter["homes"]["SQ-0001"]) == 235


def test_reading_a_receipt(counter, cashier, reader, outsider, outside_cashier):
    redemption = services.redeem(actor=actor(cashier), shop=counter["shop"], household=counter["homes"]["SQ-0001"],
                                 items=[(counter["products"]["牙膏"].pk, 1)], idempotency_key="till-1")
    ok = get(client_for(reader), f"/redemptions/{redemption.pk}/")
    assert ok.status_code == 200 and ok.json()["number"] == redemption.number and ok.json()["balance_after"] == 192
    assert get(client_for(outsider), f"/redemptions/{redemption.pk}/").status_code == 404
    assert get(client_for(outside_cashier), f"/redemptions/{redemption.pk}/").status_code == 404
    assert get(client_for(cashier), f"/redemptions/{redemption.pk + 1000}/").status_code == 404


def test_voiding_the_same_day_reverses_and_returns_the_goods(counter, cashier, committee, reader, outsider):
    home, tissue = counter["homes"]["SQ-0001"], counter["products"]["抽纸"]
    receipt = post(client_for(cashier), f"/shops/{counter['shop'].pk}/redemptions/", redeem_body(counter),
                   key=key()).json()
    url = f"/redemptions/{receipt['id']}/void/"
    assert post(client_for(cashier), url, {"reason": "收银员点错"}).status_code == 403
    assert post(client_for(reader), url, {"reason": "收银员点错"}).status_code == 403
    assert post(client_for(outsider), url, {"reason": "收银员点错"}).status_code == 404
    assert (credit(home), stock(tissue)) == (62, 8)
    missing = post(client_for(committee), url, {})
    assert missing.status_code == 422 and names_field(missing, "reason")
    k = key()
    voided = post(client_for(committee), url, {"reason": "收银员点错"}, key=k)
    assert voided.status_code == 200, text(voided)
    body = voided.json()
    assert body["voided"] and body["void_reason"] == "收银员点错" and body["voided_by"] == "committee"
    assert body["balance_after"] == 62  # the receipt still tells what it did; the reversal gives it back
    assert (credit(home), stock(tissue)) == (235, 10)
    assert post(client_for(committee), url, {"reason": "收银员点错"}, key=k).json() == body
    twice = post(client_for(committee), url, {"reason": "再作废一次"})
    assert twice.status_code == 409 and "已作废" in twice.json()["detail"]
    assert LedgerEntry.objects.filter(kind="reversal").count() == 1 and credit(home) == 235
