"""The love supermarket's writes and reads: the counter, stock, voids, cards and scoping."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.http import Http404

from grassroots.audit.models import AuditEntry
from grassroots.ledger import selectors as ledger_selectors
from grassroots.ledger.models import EntryKind, LedgerEntry
from grassroots.points.demo import load_seed_rules
from grassroots.points.testing import give
from grassroots.settlement.services import update_policy
from grassroots.shop import selectors, services
from grassroots.shop.demo import load_demo_shop
from grassroots.shop.models import (
    Donation,
    HouseholdCard,
    MovementKind,
    Redemption,
    RedemptionLine,
    StockMovement,
)
from grassroots.shop.testing import EXCHANGE_DAY, actor, settle


def redeem(user, shop, home, items, key, now=EXCHANGE_DAY):
    return services.redeem(actor=actor(user), shop=shop, household=home,
                           items=[(p.pk, q) for p, q in items], idempotency_key=key, now=now)


def stock(product):
    return selectors.stock_of([product.pk])[product.pk]


def written():
    return (Redemption.objects.count(), RedemptionLine.objects.count(), StockMovement.objects.count(),
            LedgerEntry.objects.count(), AuditEntry.objects.count())


# ---------------------------------------------------------------- the counter


def test_a_redemption_spends_credit_not_score_and_takes_goods_off_the_shelf(credited, shop, stocked, cashier,
                                                                            village):
    home = credited["SQ-0001"]
    before = ledger_selectors.balance(home)
    assert before.credit == 235 and before.score == 235
    # 抽纸 15.00元 = 75分, 香皂 4.50元 = 22.5 → 23分 (rounded up) at 5 points a yuan.
    receipt = redeem(cashier, shop, home, [(stocked["抽纸"], 2), (stocked["香皂"], 1)], "k-1")
    assert (receipt.points, receipt.fen) == (173, 3450)
    assert receipt.number == f"DH-{shop.pk}-20260410-0001"
    assert ledger_selectors.balance(home) == ledger_selectors.Balance(score=235, credit=62)
    assert stock(stocked["抽纸"]) == 8 and stock(stocked["香皂"]) == 9
    entry = receipt.entry
    assert (entry.account, entry.kind, entry.points, entry.household_id) == ("credit", EntryKind.REDEMPTION, -173,
                                                                            home.pk)
    lines = {line.product.name: (line.quantity, line.price_fen, line.points) for line in receipt.lines.all()}
    assert lines == {"抽纸": (2, 1500, 150), "香皂": (1, 450, 23)}
    audit = AuditEntry.objects.get(action="shop.redeem")
    assert audit.object_id == str(receipt.pk) and audit.actor == cashier and audit.data["points"] == 173
    assert ledger_selectors.first_broken_entry(village.pk) is None
    second = redeem(cashier, shop, home, [(stocked["牙膏"], 1)], "k-2")
    assert second.number == f"DH-{shop.pk}-20260410-0002"
    assert ledger_selectors.balance(home).credit == 62 - 43


def test_the_standing_and_total_are_read_again_at_the_counter(credited, shop, stocked, committee):
    home = credited["SQ-0004"]  # exactly the threshold: 80 redeemable
    receipt = redeem(committee, shop, home, [(stocked["毛巾"], 1), (stocked["香皂"], 1)], "k-1")  # 50 + 23
    assert receipt.points == 73 and ledger_selectors.balance(home).credit == 7
    with pytest.raises(ValidationError, match="本次需23分，可兑换积分只有7分"):
        redeem(committee, shop, home, [(stocked["香皂"], 1)], "k-2")


@pytest.fixture
def vetoed(credited, village, region, system_actor):
    """SQ-0003: 300 points in Q2 2026 and a veto item; Q2 settled (SQ-0001 keeps its Q1 credit)."""

    catalogue = load_seed_rules(actor=system_actor, village=village, county=region["翁牛特旗"])
    veto = catalogue.rules.get(code="V01")
    give(credited["SQ-0003"], 300, date(2026, 4, 20))
    give(credited["SQ-0003"], -100, date(2026, 5, 5), rule=veto)
    settle(village, quarter=2, now=EXCHANGE_DAY.replace(month=7, day=2))
    return credited


REFUSALS = {
    "below the threshold": ("SQ-0002", lambda p: [(p["抽纸"], 1)], "2026年第二季度积分0分，未达到80分，不能兑换"),
    "a veto household": ("SQ-0003", lambda p: [(p["抽纸"], 1)], "2026年第二季度有否决项目，本季度不能兑换"),
    "a retired product": ("SQ-0001", lambda p: [(p["毛巾"], 1)], "「毛巾」已停用，不能兑换"),
    "an empty shelf": ("SQ-0001", lambda p: [(p["红糖"], 1)], "「红糖」已无库存"),
    "more than the shelf holds": ("SQ-0001", lambda p: [(p["抽纸"], 3)], "「抽纸」库存只剩2提"),
    "more than the balance": ("SQ-0001", lambda p: [(p["食用油"], 1)], "本次需350分，可兑换积分只有235分"),
    "a product of another shop": ("SQ-0001", lambda p: [(p["官井子村的米"], 1)], "不是赛沁塔拉嘎查爱心超市的商品"),
    "a household the shop does not serve": ("GJ-0001", lambda p: [(p["抽纸"], 1)],
                                            "赛沁塔拉嘎查爱心超市不服务该户所在的嘎查村"),
    "quantity 0": ("SQ-0001", lambda p: [(p["抽纸"], 0)], "第1行数量须为正整数"),
    "no items": ("SQ-0001", lambda p: [], "请至少添加一件商品"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_each_refusal_says_why_and_writes_nothing(case, vetoed, households, shop, stocked, region, system_actor,
                                                  committee):
    number, items, message = REFUSALS[case]
    shelf = dict(stocked)
    services.retire_product(actor=system_actor, product=shelf["毛巾"])
    shelf["红糖"] = services.add_product(actor=system_actor, shop=shop, name="红糖", unit="袋", price_fen=600)
    services.record_stocktake(actor=system_actor, shop=shop, counts={shelf["抽纸"].pk: 2}, reason="盘点核对")
    other = services.create_shop(actor=system_actor, area=region["官井子村"], name="官井子村爱心超市")
    shelf["官井子村的米"] = services.add_product(actor=system_actor, shop=other, name="大米", unit="袋", price_fen=500)
    # A system actor, so that the refusal tested is the shop's own (scoping has its own tests).
    who = committee if number != "GJ-0001" else None
    before = written()
    with pytest.raises(ValidationError) as refused:
        services.redeem(actor=actor(who) if who else system_actor, shop=shop, household=vetoed.get(number) or households["outside"],
                        items=[(p.pk, q) for p, q in items(shelf)], idempotency_key=f"refused-{number}",
                        now=EXCHANGE_DAY.replace(month=7, day=3))
    assert message in " ".join(refused.value.messages)
    assert written() == before


def test_a_receipt_key_used_before_is_refused_and_writes_nothing(credited, shop, stocked, cashier):
    """The key is the receipt's identity: one receipt and one ledger entry per key, a second call refused
    (a retried tap is answered with the first receipt by the page and the API: test_views, test_api)."""
    home = credited["SQ-0001"]
    first = redeem(cashier, shop, home, [(stocked["抽纸"], 1)], "double-click")
    before = written()
    for other in (home, credited["SQ-0004"]):
        with pytest.raises(ValidationError, match="该幂等键已用于另一笔兑换"):
            redeem(cashier, shop, other, [(stocked["抽纸"], 1)], "double-click")
    assert written() == before
    assert Redemption.objects.get().pk == first.pk
    assert LedgerEntry.objects.filter(kind=EntryKind.REDEMPTION).count() == 1
    assert ledger_selectors.balance(home).credit == 235 - 75 and stock(stocked["抽纸"]) == 9
    with pytest.raises(ValidationError, match="幂等键"):
        redeem(cashier, shop, home, [(stocked["抽纸"], 1)], "")
    with pytest.raises(ValidationError, match="兑换键最多50个字符"):
        redeem(cashier, shop, home, [(stocked["抽纸"], 1)], "k" * 51)
    assert written() == before


def test_a_callers_key_makes_a_receipt_key_of_its_own(cashier, committee):
    """Two callers' keys never meet on a receipt; the same caller's key is the same receipt key; none is missing."""
    key = services.receipt_key(user=cashier, key=" tap-1 ", source="page")
    assert key == services.receipt_key(user=cashier, key="tap-1", source="page")
    assert key != services.receipt_key(user=committee, key="tap-1", source="page")
    assert key != services.receipt_key(user=cashier, key="tap-1", source="api")
    assert len(key) <= services.MAX_KEY
    with pytest.raises(ValidationError, match="缺少幂等键"):
        services.receipt_key(user=cashier, key=" ", source="page")


def test_a_lost_lock_wait_is_a_retry_message_and_writes_nothing(credited, shop, stocked, cashier, monkeypatch):
    def timed_out(**kwargs):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(services, "_redeem_locked", timed_out)
    before = written()
    with pytest.raises(services.Busy, match="请稍后重试"):
        redeem(cashier, shop, credited["SQ-0001"], [(stocked["抽纸"], 1)], "slow")
    assert written() == before


# ---------------------------------------------------------------- void


def test_a_supervisor_voids_a_same_day_redemption_by_reversal(credited, shop, stocked, cashier, committee,
                                                             village):
    home = credited["SQ-0001"]
    receipt = redeem(cashier, shop, home, [(stocked["抽纸"], 2), (stocked["牙膏"], 1)], "k-1")
    assert ledger_selectors.balance(home).credit == 235 - 150 - 43
    with pytest.raises(PermissionDenied):
        services.void_redemption(actor=actor(cashier), redemption=receipt, reason="顾客退货")
    voided = services.void_redemption(actor=actor(committee), redemption=receipt, reason="顾客退货",
                                      now=EXCHANGE_DAY + timedelta(hours=6))
    assert voided.voided_at is not None and voided.voided_by == committee and voided.void_reason == "顾客退货"
    assert ledger_selectors.balance(home) == ledger_selectors.Balance(score=235, credit=235)
    reversal = voided.void_entry
    assert (reversal.kind, reversal.points, reversal.reverses_id) == (EntryKind.REVERSAL, 193, receipt.entry_id)
    assert stock(stocked["抽纸"]) == 10 and stock(stocked["牙膏"]) == 10
    returned = StockMovement.objects.filter(redemption=receipt, kind=MovementKind.VOID)
    assert sorted(returned.values_list("quantity", flat=True)) == [1, 2]
    assert receipt.lines.count() == 2  # the receipt is not edited, it is marked void
    assert ledger_selectors.first_broken_entry(village.pk) is None
    with pytest.raises(ValidationError, match="已作废"):
        services.void_redemption(actor=actor(committee), redemption=receipt, reason="再作废一次",
                                 now=EXCHANGE_DAY + timedelta(hours=7))
    assert ledger_selectors.balance(home).credit == 235


def test_yesterdays_redemption_cannot_be_voided(credited, shop, stocked, cashier, committee, outsider):
    receipt = redeem(cashier, shop, credited["SQ-0001"], [(stocked["抽纸"], 1)], "k-1")
    before = written()
    with pytest.raises(ValidationError, match="不是当天的"):
        services.void_redemption(actor=actor(committee), redemption=receipt, reason="顾客退货",
                                 now=EXCHANGE_DAY + timedelta(days=1))
    with pytest.raises(Http404):
        services.void_redemption(actor=actor(outsider), redemption=receipt, reason="顾客退货", now=EXCHANGE_DAY)
    with pytest.raises(ValidationError, match="作废原因"):
        services.void_redemption(actor=actor(committee), redemption=receipt, reason=" ", now=EXCHANGE_DAY)
    assert written() == before


# ---------------------------------------------------------------- stock


def test_stock_is_the_sum_of_movements_and_a_stocktake_records_only_differences(shop, stocked, committee):
    paper, soap, oil = stocked["抽纸"], stocked["香皂"], stocked["食用油"]
    services.record_purchase(actor=actor(committee), shop=shop, receipt_number="CG-2026-011", items=[(oil.pk, 6)])
    assert stock(oil) == 16
    with pytest.raises(ValidationError, match="原因"):
        services.record_stocktake(actor=actor(committee), shop=shop, counts={paper.pk: 4}, reason="")
    moves = services.record_stocktake(actor=actor(committee), shop=shop, counts={paper.pk: 4, soap.pk: 10, oil.pk: 17},
                                      reason="季度盘点：抽纸受潮6提，食用油多1桶")
    assert sorted((m.product_id, m.quantity) for m in moves) == sorted([(paper.pk, -6), (oil.pk, 1)])
    assert {m.reason for m in moves} == {"季度盘点：抽纸受潮6提，食用油多1桶"}
    assert stock(paper) == 4 and stock(soap) == 10 and stock(oil) == 17
    for product in (paper, soap, oil):
        assert stock(product) == sum(StockMovement.objects.filter(product=product).values_list("quantity", flat=True))
    assert [p.name for p in selectors.low_stock(shop)] == ["抽纸"]  # 4 ≤ its mark of 5
    listed = {p.name: p for p in selectors.products(shop)}
    assert listed["抽纸"].stock == 4 and listed["抽纸"].is_low and not listed["香皂"].is_low


def test_movements_are_append_only(shop, stocked):
    movement = StockMovement.objects.first()
    for sql in (f"UPDATE shop_stockmovement SET quantity = 1000 WHERE id = {movement.pk}",
                f"DELETE FROM shop_stockmovement WHERE id = {movement.pk}"):
        with pytest.raises(Exception) as e, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        assert "append-only" in str(e.value)
    assert stock(stocked["抽纸"]) == 10


def test_stock_in_is_checked(shop, products, committee, region, system_actor):
    """What is refused writes nothing. (A retried form or API call records once: test_views, test_api.)"""
    paper = products["抽纸"]
    services.record_purchase(actor=actor(committee), shop=shop, receipt_number="CG-1", items=[(paper.pk, 5)])
    gift = dict(shop=shop, donor="旗农牧局", donor_kind="pairing_unit", donated_on=date(2026, 3, 1),
                items=[(paper.pk, 3)], value_fen=4500, is_public=True)
    services.record_donation(actor=actor(committee), **gift)
    assert Donation.objects.count() == 1 and stock(paper) == 8
    other = services.create_shop(actor=system_actor, area=region["官井子村"], name="官井子村爱心超市")
    rice = services.add_product(actor=system_actor, shop=other, name="大米", unit="袋", price_fen=5000)
    before = written()
    with pytest.raises(ValidationError, match="票据号"):
        services.record_purchase(actor=actor(committee), shop=shop, receipt_number=" ", items=[(paper.pk, 5)])
    with pytest.raises(ValidationError, match="捐赠方类型"):
        services.record_donation(actor=actor(committee), **{**gift, "donor_kind": "alien"})
    with pytest.raises(ValidationError, match="不是"):
        services.record_purchase(actor=actor(committee), shop=shop, receipt_number="CG-2", items=[(rice.pk, 5)])
    assert written() == before


def test_products_are_retired_not_deleted_and_names_stay_unique_on_the_shelf(shop, products, committee):
    with pytest.raises(ValidationError, match="已有「抽纸」"):
        services.add_product(actor=actor(committee), shop=shop, name="抽纸", unit="提", price_fen=1600)
    services.retire_product(actor=actor(committee), product=products["抽纸"])
    newer = services.add_product(actor=actor(committee), shop=shop, name="抽纸", unit="提", price_fen=1600)
    assert [p.pk for p in selectors.products(shop) if p.name == "抽纸"] == [newer.pk]
    assert {p.pk for p in selectors.products(shop, include_retired=True) if p.name == "抽纸"} == {
        newer.pk, products["抽纸"].pk}
    with pytest.raises(ValidationError, match="价格"):
        services.update_product(actor=actor(committee), product=newer, price_fen=0)
    services.update_product(actor=actor(committee), product=newer, price_fen=1700)
    newer.refresh_from_db()
    assert newer.price_fen == 1700


def test_points_cost_follows_the_households_village_rate(shop, products, village, committee, region, system_actor):
    paper = next(p for p in selectors.products(shop) if p.name == "抽纸")
    assert paper.points_for(village) == 75
    update_policy(actor=system_actor, village=village, points_per_yuan=10)
    assert next(p for p in selectors.products(shop) if p.name == "抽纸").points_for(village) == 150


# ---------------------------------------------------------------- cards and finding households


def test_a_lost_card_is_revoked_and_reissued(homes, committee, cashier, shop):
    home = homes["SQ-0001"]
    card = services.issue_card(actor=actor(committee), household=home)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", card.token)
    assert not re.fullmatch(r"\d{17}[\dX]", card.token)  # opaque: not an ID number
    assert selectors.card_household(card.token) == home
    assert [h.pk for h in selectors.find_households(cashier, shop, card.token)] == [home.pk]
    services.revoke_card(actor=actor(committee), card=card, reason="遗失")
    assert selectors.card_household(card.token) is None
    assert selectors.find_households(cashier, shop, card.token) == []
    new = services.issue_card(actor=actor(committee), household=home)
    assert new.token != card.token and selectors.card_household(new.token) == home
    replaced = services.issue_card(actor=actor(committee), household=home)
    new.refresh_from_db()
    assert new.revoke_reason == "补办" and selectors.card_household(new.token) is None
    assert selectors.card_household(replaced.token) == home
    assert HouseholdCard.objects.filter(household=home, revoked_at__isnull=True).count() == 1
    with pytest.raises(PermissionDenied):
        services.issue_card(actor=actor(cashier), household=home)


def test_a_grid_gets_cards_once(homes, committee, region):
    grid = region["赛沁塔拉嘎查1"]
    cards = services.issue_grid_cards(actor=actor(committee), grid=grid)
    assert [c.household.number for c in cards] == ["SQ-0001", "SQ-0002", "SQ-0003"]
    audits = AuditEntry.objects.count()
    again = services.issue_grid_cards(actor=actor(committee), grid=grid)
    assert [c.pk for c in again] == [c.pk for c in cards] and AuditEntry.objects.count() == audits
    sheet = selectors.grid_cards(committee, grid)
    assert [c.head.name for c in sheet] == ["乌云毕力格", "王建国", "李春梅"]


def test_the_counter_finds_by_number_or_initials_within_its_village(homes, households, shop, cashier):
    home = homes["SQ-0001"]
    assert [h.pk for h in selectors.find_households(cashier, shop, "SQ-0001")] == [home.pk]
    assert [h.pk for h in selectors.find_households(cashier, shop, "wybl")] == [home.pk]
    assert [h.number for h in selectors.find_households(cashier, shop, "wjg")] == ["SQ-0002"]
    assert selectors.find_households(cashier, shop, "GJ-0001") == []  # another village's household
    assert selectors.find_households(cashier, shop, "单国强") == []
    assert selectors.counter_household(cashier, shop, home.pk) == home
    with pytest.raises(Http404):
        selectors.counter_household(cashier, shop, households["outside"].pk)


def test_a_cashier_of_another_village_neither_sees_nor_serves_this_one(credited, shop, stocked, outside_cashier,
                                                                     cashier, reader):
    home = credited["SQ-0001"]
    with pytest.raises(Http404):
        selectors.shop_for(outside_cashier, shop.pk)
    assert list(selectors.shops_for(outside_cashier)) == []
    assert selectors.find_households(outside_cashier, shop, "SQ-0001") == []
    with pytest.raises(Http404):
        selectors.counter_household(outside_cashier, shop, home.pk)
    before = written()
    with pytest.raises(Http404):
        redeem(outside_cashier, shop, home, [(stocked["抽纸"], 1)], "k-out")
    with pytest.raises(PermissionDenied):  # the party group leader may look, not sell
        redeem(reader, shop, home, [(stocked["抽纸"], 1)], "k-reader")
    assert written() == before
    receipt = redeem(cashier, shop, home, [(stocked["抽纸"], 1)], "k-in")
    assert selectors.redemption_for(reader, receipt.pk) == receipt
    with pytest.raises(Http404):
        selectors.redemption_for(outside_cashier, receipt.pk)
    assert selectors.shop_for(reader, shop.pk) == shop


def test_a_township_shop_serves_its_villages_cashiers_each_their_own(region, homes, system_actor, outside_cashier,
                                                                     cashier):
    township = region["乌丹镇"]
    shop = services.create_shop(actor=system_actor, area=township, name="乌丹镇爱心超市")
    assert {v.name for v in shop.villages.all()} == {"赛沁塔拉嘎查"}
    assert [s.pk for s in selectors.shops_for(cashier)] == [shop.pk]
    assert selectors.shops_for(outside_cashier).count() == 0
    assert [h.number for h in selectors.find_households(cashier, shop, "SQ-0001")] == ["SQ-0001"]


def test_a_township_shop_numbers_each_villages_receipts_apart(township_shop, committee, system_actor):
    """Each village's receipts at a township shop are numbered apart, so that two villages' sales never share a
    counter (docs/locking.md); a voided receipt keeps its number and the next one follows it."""
    shop, homes, shelf = township_shop
    near, far = homes["赛沁塔拉嘎查"], homes["巴嘎塔拉嘎查"]
    first = services.redeem(actor=system_actor, shop=shop, household=near, items=[(shelf["抽纸"].pk, 1)],
                            idempotency_key="n-1", now=EXCHANGE_DAY)
    other = services.redeem(actor=system_actor, shop=shop, household=far, items=[(shelf["香皂"].pk, 1)],
                            idempotency_key="f-1", now=EXCHANGE_DAY)
    services.void_redemption(actor=actor(committee), redemption=first, reason="录错了", now=EXCHANGE_DAY)
    second = services.redeem(actor=system_actor, shop=shop, household=near, items=[(shelf["香皂"].pk, 2)],
                             idempotency_key="n-2", now=EXCHANGE_DAY)
    next_day = services.redeem(actor=system_actor, shop=shop, household=near, items=[(shelf["香皂"].pk, 1)],
                               idempotency_key="n-3", now=EXCHANGE_DAY + timedelta(days=1))
    day = f"DH-{shop.pk}-20260410"
    assert [first.number, second.number] == [f"{day}-{near.village_id}-0001", f"{day}-{near.village_id}-0002"]
    assert other.number == f"{day}-{far.village_id}-0001"
    assert next_day.number == f"DH-{shop.pk}-20260411-{near.village_id}-0001"
    assert ledger_selectors.balance(near).credit == 200 - 46 - 23 and ledger_selectors.balance(far).credit == 200 - 23
    assert ledger_selectors.first_broken_entry(near.village_id) is None
    assert ledger_selectors.first_broken_entry(far.village_id) is None


# ---------------------------------------------------------------- the exchange day report


def test_exchange_day_report(credited, shop, stocked, cashier, committee):
    redeem(cashier, shop, credited["SQ-0001"], [(stocked["抽纸"], 2)], "a")
    redeem(cashier, shop, credited["SQ-0004"], [(stocked["香皂"], 2)], "b")
    voided = redeem(cashier, shop, credited["SQ-0001"], [(stocked["毛巾"], 1)], "c")
    services.void_redemption(actor=actor(committee), redemption=voided, reason="录错了", now=EXCHANGE_DAY)
    redeem(cashier, shop, credited["SQ-0001"], [(stocked["牙膏"], 1)], "d", now=EXCHANGE_DAY + timedelta(days=3))
    report = selectors.exchange_day(shop, date(2026, 4, 10), date(2026, 4, 10))
    assert report["households"] == 2 and report["points"] == 150 + 46 and report["voided"] == 1
    assert {row["product"].name: row["quantity"] for row in report["items_out"]} == {"抽纸": 2, "香皂": 2}
    left = {p.name: p.stock for p in report["stock_left"]}
    assert left["抽纸"] == 8 and left["毛巾"] == 10 and left["牙膏"] == 9
    assert [d.donor for d in selectors.exchange_day(shop, date(2026, 3, 1), date(2026, 4, 30))["donations"]] == [
        "旗农牧局"]


# ---------------------------------------------------------------- the demo shop


def test_the_demo_shop_loads_once(region, homes, system_actor):
    def state():
        return (written(), Donation.objects.count(), HouseholdCard.objects.count())

    shop = load_demo_shop(actor=system_actor, today=date(2026, 4, 1))
    shelf = {p.name: p.stock for p in selectors.products(shop)}
    assert len(shelf) == 8 and shelf["香皂"] == 38 and shelf["食用油"] == 12 and shelf["抽纸"] == 40
    assert StockMovement.objects.filter(kind=MovementKind.STOCKTAKE).get().reason.startswith("季度盘点")
    assert Donation.objects.get().is_public
    assert HouseholdCard.objects.filter(revoked_at__isnull=True).count() == 3  # grid 001's households
    first = state()
    assert load_demo_shop(actor=system_actor, today=date(2026, 4, 1)).pk == shop.pk
    assert state() == first
