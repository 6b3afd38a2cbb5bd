"""Counters at the same time, on PostgreSQL: real row locks, real threads, one connection each.

SQLite serialises every write on the database file, so these tests only mean something on
PostgreSQL and are skipped elsewhere (before any fixture writes, so the SQLite flush is not hit
by the append-only triggers).
"""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.urls import reverse

from grassroots.access.scope import scope_of
from grassroots.areas import services as areas
from grassroots.areas.models import Household
from grassroots.core.testing import client_for
from grassroots.ledger import selectors as ledger_selectors
from grassroots.ledger.models import EntryKind, LedgerEntry
from grassroots.points.testing import give
from grassroots.shop import selectors, services
from grassroots.shop.demo import PRODUCTS
from grassroots.shop.models import MovementKind, Redemption, StockMovement
from grassroots.shop.testing import EXCHANGE_DAY, actor, settle

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
ATTEMPTS = 10


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections need PostgreSQL")


def run_counters(work, threads=THREADS):
    """Run ``work(i)`` in ``threads`` threads started together; each closes its own connection."""
    barrier = threading.Barrier(threads)
    unexpected: list[str] = []

    def body(i):
        try:
            barrier.wait(timeout=30)
            work(i)
        except Exception as error:  # anything a user would see as a 500
            unexpected.append(repr(error))
        finally:
            connection.close()

    pool = [threading.Thread(target=body, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in pool), "a counter hung"
    return unexpected


@pytest.fixture
def soap_shelf(pg, village, system_actor):
    shop = services.create_shop(actor=system_actor, area=village, name="赛沁塔拉嘎查爱心超市")
    name, unit, price, low = next(p for p in PRODUCTS if p[0] == "香皂")  # 4.50元 = 23分
    soap = services.add_product(actor=system_actor, shop=shop, name=name, unit=unit, price_fen=price, low_stock=low)
    services.record_donation(actor=system_actor, shop=shop, donor="旗农牧局", donor_kind="pairing_unit",
                             donated_on=date(2026, 3, 20), items=[(soap.pk, 30)], value_fen=30 * price)
    return shop, soap


def test_eight_counters_on_one_household_and_one_product_never_overdraw(pg, soap_shelf, homes, village, cashier):
    shop, soap = soap_shelf
    home = homes["SQ-0001"]
    give(home, 25 * 23, date(2026, 2, 1))  # enough credit for 25 bars of soap; 30 on the shelf
    settle(village)
    scope_of(cashier)
    receipts, refusals = [], []

    def counter(i):
        for n in range(ATTEMPTS):
            try:
                r = services.redeem(actor=actor(cashier), shop=shop, household=home, items=[(soap.pk, 1)],
                                    idempotency_key=f"counter{i}-{n}", now=EXCHANGE_DAY)
                receipts.append(r.number)
            except ValidationError as refused:
                refusals.append(" ".join(refused.messages))

    unexpected = run_counters(counter)
    assert unexpected == []
    assert len(receipts) == 25 and len(set(receipts)) == 25
    assert len(refusals) == THREADS * ATTEMPTS - 25
    assert all("可兑换积分" in message for message in refusals), set(refusals)
    credit = ledger_selectors.balance(home).credit
    left = selectors.stock_of([soap.pk])[soap.pk]
    assert credit == 0 and left == 5
    spent = -LedgerEntry.objects.filter(kind=EntryKind.REDEMPTION).aggregate(s=Sum("points"))["s"]
    assert spent == len(receipts) * 23 == Redemption.objects.aggregate(s=Sum("points"))["s"]
    out = StockMovement.objects.filter(kind=MovementKind.REDEMPTION)
    assert (Redemption.objects.count() == LedgerEntry.objects.filter(kind=EntryKind.REDEMPTION).count()
            == out.count() == 25)
    assert -out.aggregate(s=Sum("quantity"))["s"] == 25
    assert ledger_selectors.first_broken_entry(village.pk) is None


def test_a_retry_while_the_first_is_in_flight_redeems_once(pg, soap_shelf, homes, village, cashier):
    """The same 确定兑换 sent from eight places at once (double taps, resends): the counter page answers
    every one with the one receipt (core.idempotency: the duplicates wait on the key's unique index)."""
    shop, soap = soap_shelf
    home = homes["SQ-0001"]
    give(home, 100, date(2026, 2, 1))
    settle(village)
    clients = [client_for(cashier) for _ in range(THREADS)]  # signed in before the threads start
    url = reverse("shop-counter", args=[shop.pk])
    data = {"household": home.pk, "idempotency_key": "the-same-tap", f"qty_{soap.pk}": 2, "confirmed": "1"}
    answers = []

    def counter(i):
        response = clients[i].post(url, data)
        answers.append((response.status_code, response.get("Location")))

    assert run_counters(counter) == []
    [redemption] = Redemption.objects.all()
    receipt = reverse("shop-redemption", args=[redemption.pk])
    assert sorted(answers) == sorted([(302, f"{receipt}?done=1")] + [(302, f"{receipt}?again=1")] * (THREADS - 1))
    assert redemption.points == 46 and ledger_selectors.balance(home).credit == 100 - 46
    assert LedgerEntry.objects.filter(kind=EntryKind.REDEMPTION).count() == 1
    assert selectors.stock_of([soap.pk])[soap.pk] == 28


def test_one_receipt_key_at_eight_counters_at_once_is_one_receipt(pg, soap_shelf, homes, village, cashier):
    """Past the page and the API, the receipt's key is the uniqueness guard: called at once with the same
    key, the service writes one receipt and refuses the others (never a database error)."""
    shop, soap = soap_shelf
    home = homes["SQ-0001"]
    give(home, 100, date(2026, 2, 1))
    settle(village)
    scope_of(cashier)
    numbers, refusals = [], []

    def counter(i):
        try:
            r = services.redeem(actor=actor(cashier), shop=shop, household=home, items=[(soap.pk, 2)],
                                idempotency_key="the-same-key", now=EXCHANGE_DAY)
            numbers.append(r.number)
        except ValidationError as refused:
            refusals.append(" ".join(refused.messages))

    assert run_counters(counter) == []
    assert len(numbers) == 1 and len(refusals) == THREADS - 1
    assert all(services.KEY_USED in message for message in refusals), set(refusals)
    assert Redemption.objects.count() == 1 and ledger_selectors.balance(home).credit == 100 - 46
    assert selectors.stock_of([soap.pk])[soap.pk] == 28


def test_eight_counters_on_eight_households_all_succeed(pg, soap_shelf, region, village, cashier, system_actor):
    shop, soap = soap_shelf
    homes = []
    for n in range(THREADS):
        home = areas.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number=f"SQ-1{n:03d}",
                                      address=f"赛沁塔拉嘎查二组{n}号")
        give(home, 90, date(2026, 3, 1))
        homes.append(home)
    settle(village)
    scope_of(cashier)
    numbers = []

    def counter(i):
        r = services.redeem(actor=actor(cashier), shop=shop, household=homes[i], items=[(soap.pk, 3)],
                            idempotency_key=f"home{i}", now=EXCHANGE_DAY)
        numbers.append(r.number)

    assert run_counters(counter) == []
    assert sorted(numbers) == [f"DH-{shop.pk}-20260410-{n:04d}" for n in range(1, THREADS + 1)]
    assert all(ledger_selectors.balance(h).credit == 90 - 69 for h in homes)
    assert selectors.stock_of([soap.pk])[soap.pk] == 30 - 3 * THREADS
    assert ledger_selectors.first_broken_entry(village.pk) is None


def test_a_counter_stuck_behind_a_lock_is_told_to_retry_and_nothing_is_written(pg, soap_shelf, homes, village,
                                                                              cashier, settings):
    settings.SHOP_LOCK_TIMEOUT_MS = 300
    shop, soap = soap_shelf
    home = homes["SQ-0001"]
    give(home, 100, date(2026, 2, 1))
    settle(village)
    locked, release = threading.Event(), threading.Event()

    def other_counter():
        try:
            with transaction.atomic():
                Household.objects.select_for_update().get(pk=home.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=other_counter)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        with pytest.raises(services.Busy, match="请稍后重试"):
            services.redeem(actor=actor(cashier), shop=shop, household=home, items=[(soap.pk, 1)],
                            idempotency_key="stuck", now=EXCHANGE_DAY)
    finally:
        release.set()
        holder.join(timeout=30)
    assert Redemption.objects.count() == 0 and ledger_selectors.balance(home).credit == 100
    retried = services.redeem(actor=actor(cashier), shop=shop, household=home, items=[(soap.pk, 1)],
                              idempotency_key="stuck", now=EXCHANGE_DAY)
    assert retried.points == 23 and ledger_selectors.balance(home).credit == 77


def test_two_villages_at_one_township_shop_wait_for_each_other_only_on_a_shared_product(pg, township_shop,
                                                                                      system_actor, settings):
    """A sale of 赛沁塔拉嘎查 is in flight (its locks held, not committed) at the township shop. A sale of the
    other village at the same shop, of another product, goes through meanwhile: no receipt counter, chain head
    or other row of the shop is shared (docs/locking.md). Only the same product (one shelf) waits, and with a
    short lock timeout is told to retry, nothing written."""
    settings.SHOP_LOCK_TIMEOUT_MS = 300
    shop, homes, shelf = township_shop
    near, far = homes["赛沁塔拉嘎查"], homes["巴嘎塔拉嘎查"]
    in_flight, release = threading.Event(), threading.Event()
    held = []

    def first_counter():
        try:
            with transaction.atomic():
                held.append(services.redeem(actor=system_actor, shop=shop, household=near,
                                            items=[(shelf["抽纸"].pk, 1)], idempotency_key="near", now=EXCHANGE_DAY))
                in_flight.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=first_counter)
    holder.start()
    try:
        assert in_flight.wait(timeout=30)
        other = services.redeem(actor=system_actor, shop=shop, household=far, items=[(shelf["香皂"].pk, 1)],
                                idempotency_key="far", now=EXCHANGE_DAY)
        with pytest.raises(services.Busy, match="请稍后重试"):
            services.redeem(actor=system_actor, shop=shop, household=far, items=[(shelf["抽纸"].pk, 1)],
                            idempotency_key="far-same-shelf", now=EXCHANGE_DAY)
    finally:
        release.set()
        holder.join(timeout=30)
    assert other.number == f"DH-{shop.pk}-20260410-{far.village_id}-0001"
    assert [r.number for r in held] == [f"DH-{shop.pk}-20260410-{near.village_id}-0001"]
    assert Redemption.objects.count() == 2
    assert ledger_selectors.balance(far).credit == 200 - 23 and ledger_selectors.balance(near).credit == 200 - 75
    assert selectors.stock_of([shelf["抽纸"].pk, shelf["香皂"].pk]) == {shelf["抽纸"].pk: 9, shelf["香皂"].pk: 9}
    retried = services.redeem(actor=system_actor, shop=shop, household=far, items=[(shelf["抽纸"].pk, 1)],
                              idempotency_key="far-same-shelf", now=EXCHANGE_DAY)
    assert retried.number == f"DH-{shop.pk}-20260410-{far.village_id}-0002"
