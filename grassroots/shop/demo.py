"""赛沁塔拉嘎查's 爱心超市 for the demo (seeds 003/004): the shelf, a pairing unit's 暖心 gifts, a purchase,
one stocktake difference and household cards for grid 001. Loading it twice changes nothing."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from grassroots.areas.models import Area, Level
from grassroots.audit.context import Actor
from grassroots.shop import services
from grassroots.shop.models import Donation, MovementKind, Product, Shop, StockMovement
from grassroots.shop.selectors import stock_of

VILLAGE_CODE = "150426100223"
SHOP_NAME = "赛沁塔拉嘎查爱心超市"

# name, unit, price in fen, low-stock mark: daily goods at 乌丹镇 prices (seed 003/004).
PRODUCTS = [
    ("抽纸", "提", 1500, 5),
    ("洗衣粉", "袋", 1250, 5),
    ("食用油", "桶", 6990, 3),
    ("大米", "袋", 5500, 3),
    ("牙膏", "支", 850, 5),
    ("毛巾", "条", 1000, 5),
    ("香皂", "块", 450, 8),
    ("酱油", "瓶", 980, 5),
]

# The pairing unit's 暖心 gift bags (seed 003), published on the board.
DONOR = "旗农牧局"
DONATION = {"抽纸": 30, "洗衣粉": 20, "毛巾": 20, "香皂": 40, "牙膏": 30}
DONATION_VALUE_FEN = 30 * 1500 + 20 * 1250 + 20 * 1000 + 40 * 450 + 30 * 850
PURCHASE = {"食用油": 12, "大米": 12, "酱油": 24, "抽纸": 10}
PURCHASE_RECEIPT = "SQ-CG-2026-003"
STOCKTAKE_REASON = "季度盘点：香皂受潮损坏2块"


def load_demo_shop(*, actor: Actor, today: date | None = None) -> Shop:
    """The shop of 赛沁塔拉嘎查 (code 150426100223) with its shelf and stock, and an active card for every
    household of grid 001. Needs the village (and its grid 001) to exist; does not need any settlement.
    Each step is done only if it was not done before, so a second call changes nothing."""
    today = today or timezone.localdate()
    village = Area.objects.get(code=VILLAGE_CODE)
    with transaction.atomic():
        shop = Shop.objects.filter(area=village, name=SHOP_NAME).first()
        if shop is None:
            shop = services.create_shop(actor=actor, area=village, name=SHOP_NAME)
        have = set(Product.objects.filter(shop=shop, is_retired=False).values_list("name", flat=True))
        for name, unit, price, low in PRODUCTS:
            if name not in have:
                services.add_product(actor=actor, shop=shop, name=name, unit=unit, price_fen=price, low_stock=low)
        ids = dict(Product.objects.filter(shop=shop, is_retired=False).values_list("name", "pk"))
        # Each stock-in step is skipped when the shop already has it (the demo runs again on every
        # `grassroots demo`; the services record what they are given).
        if not Donation.objects.filter(shop=shop, donor=DONOR).exists():
            services.record_donation(
                actor=actor, shop=shop, donor=DONOR, donor_kind="pairing_unit", donated_on=today - timedelta(days=20),
                items=[(ids[n], q) for n, q in DONATION.items()], value_fen=DONATION_VALUE_FEN,
                note="包联单位“暖心”礼包：抽纸、洗衣粉、毛巾、香皂、牙膏", is_public=True)
        if not StockMovement.objects.filter(shop=shop, kind=MovementKind.PURCHASE,
                                            receipt_number=PURCHASE_RECEIPT).exists():
            services.record_purchase(actor=actor, shop=shop, receipt_number=PURCHASE_RECEIPT,
                                     items=[(ids[n], q) for n, q in PURCHASE.items()])
        if not StockMovement.objects.filter(shop=shop, kind=MovementKind.STOCKTAKE).exists():
            soap = ids["香皂"]
            counted = stock_of([soap])[soap] - 2
            services.record_stocktake(actor=actor, shop=shop, counts={soap: counted}, reason=STOCKTAKE_REASON)
        grid = Area.objects.filter(parent=village, level=Level.GRID, code=f"{VILLAGE_CODE}001").first()
        if grid is not None:
            services.issue_grid_cards(actor=actor, grid=grid)
    return shop

