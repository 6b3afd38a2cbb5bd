"""Fixtures of the love supermarket: 赛沁塔拉嘎查's shop with the demo shelf, stocked by a donation,
five households (``homes``: SQ-0001..SQ-0005, plus 官井子村's GJ-0001) of which SQ-0001 (乌云毕力格's)
holds 235 redeemable points after Q1 2026 (``credited``), and the people at the counter: a cashier, a committee member (the supervisor), a read-only party group
leader (``reader`` from grassroots/conftest.py) and a cashier of 官井子村 (the outsider)."""

from datetime import date

import pytest

from grassroots.core.testing import client_for, make_account
from grassroots.points.testing import give
from grassroots.shop.demo import PRODUCTS
from grassroots.shop.testing import EXCHANGE_DAY, actor, at, settle  # noqa: F401


@pytest.fixture
def outside_cashier(region, system_actor):
    return make_account("gjcashier", "cashier", region["官井子村"], system_actor)


@pytest.fixture
def as_outside_cashier(outside_cashier):
    return client_for(outside_cashier)


@pytest.fixture
def shop(village, system_actor):
    from grassroots.shop import services

    return services.create_shop(actor=system_actor, area=village, name="赛沁塔拉嘎查爱心超市")


@pytest.fixture
def products(shop, system_actor):
    """The demo shelf (8 products), empty: {name: Product}."""
    from grassroots.shop import services

    return {name: services.add_product(actor=system_actor, shop=shop, name=name, unit=unit, price_fen=price,
                                       low_stock=low)
            for name, unit, price, low in PRODUCTS}


@pytest.fixture
def stocked(shop, products, system_actor):
    """10 of each product, given by the pairing unit (旗农牧局)."""
    from grassroots.shop import services

    services.record_donation(actor=system_actor, shop=shop, donor="旗农牧局", donor_kind="pairing_unit",
                             donated_on=date(2026, 3, 20), items=[(p.pk, 10) for p in products.values()],
                             value_fen=sum(p.price_fen * 10 for p in products.values()), is_public=True)
    return products


@pytest.fixture
def credited(homes, village):
    """Q1 2026 settled: SQ-0001 235 points (may redeem 235), SQ-0002 79 (below 80), SQ-0004 80 (may redeem)."""
    give(homes["SQ-0001"], 200, date(2026, 2, 1))
    give(homes["SQ-0001"], 35, date(2026, 3, 31))
    give(homes["SQ-0002"], 79, date(2026, 1, 5))
    give(homes["SQ-0004"], 80, date(2026, 3, 5))
    settle(village)
    return homes


@pytest.fixture
def township_shop(homes, region, village, system_actor):
    """乌丹镇's township shop serving 赛沁塔拉嘎查 and a second village of the township, 巴嘎塔拉嘎查 (its own
    ledger chain), with 抽纸 and 香皂 on the shelf (10 each); SQ-0001 and BG-0001 (of the second village) each
    hold 200 redeemable points after Q1 2026. Returns (shop, {village name: household}, {product name: Product})."""
    from grassroots.areas import services as areas
    from grassroots.core.testing import DIVISIONS
    from grassroots.rules.divisions import Division
    from grassroots.shop import services

    areas.load_divisions(actor=system_actor, divisions=[
        *DIVISIONS, Division("150426100224", "巴嘎塔拉嘎查", "village", "150426100000")])
    second = region["乌丹镇"].children.get(code="150426100224")
    grid = areas.create_grid(actor=system_actor, village=second, name="第1网格", number=1)
    far = areas.create_household(actor=system_actor, grid=grid, number="BG-0001", address="巴嘎塔拉嘎查1号")
    near = homes["SQ-0001"]
    give(near, 200, date(2026, 2, 1))
    give(far, 200, date(2026, 2, 1))
    settle(village)
    settle(second)
    shop = services.create_shop(actor=system_actor, area=region["乌丹镇"], name="乌丹镇爱心超市",
                                villages=[village, second])
    shelf = {name: services.add_product(actor=system_actor, shop=shop, name=name, unit=unit, price_fen=price,
                                        low_stock=low)
             for name, unit, price, low in PRODUCTS if name in ("抽纸", "香皂")}
    services.record_donation(actor=system_actor, shop=shop, donor="旗农牧局", donor_kind="pairing_unit",
                             donated_on=date(2026, 3, 20), items=[(p.pk, 10) for p in shelf.values()],
                             value_fen=sum(p.price_fen * 10 for p in shelf.values()))
    return shop, {village.name: near, second.name: far}, shelf


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Product photos go to private storage (core.storage): a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"
