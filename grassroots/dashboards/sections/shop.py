"""爱心超市: redemptions at the counters, donations received, and the products low on stock.

Redemptions count for the village of the household that redeemed (``Redemption.path``, as the receipts are scoped);
donations and stock for the area of the shop that keeps them (``Shop.path``: a township's shop counts for its
township and above). The points the counters took are the points section's "已兑换积分" (the ledger's redemption
entries net of their voids): the same number is not shown twice.
"""

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from grassroots.dashboards.sections.base import FLOW, STATE, Section, Table, Tile, village_path
from grassroots.dashboards.sections.common import local_days
from grassroots.shop import capabilities as caps
from grassroots.shop.models import Donation, Product, Redemption
from grassroots.shop.selectors import low_stock_products

REDEMPTIONS, DONATIONS, LOW_STOCK = "shop.redemptions", "shop.donations", "shop.low_stock"
# The table lists at most this many products (emptiest first); the tile counts them all.
LOW_STOCK_ROWS = 200


def flows(first, last):
    zone = timezone.get_current_timezone()
    # A receipt voided later counts for nothing: a void is allowed on the receipt's own day only
    # (shop.services.void_redemption), so the refresh of that day always sees it.
    redemptions = (Redemption.objects.filter(local_days("created_at", first, last), voided_at__isnull=True)
                   .values(day=TruncDate("created_at", tzinfo=zone), where=village_path()).annotate(n=Count("id")))
    for row in redemptions:
        yield row["where"], row["day"], REDEMPTIONS, row["n"]
    # By the day the donation was recorded (created_at), never the donation date a user types in.
    donations = (Donation.objects.filter(local_days("created_at", first, last))
                 .values(day=TruncDate("created_at", tzinfo=zone), where=village_path()).annotate(n=Count("id")))
    for row in donations:
        yield row["where"], row["day"], DONATIONS, row["n"]


def states(today):
    for row in low_stock_products().values(where=village_path("shop__path")).annotate(n=Count("id")):
        yield row["where"], LOW_STOCK, row["n"]


def _shops(area, period):
    return f"{reverse('shop-home')}?area={area.code}"


def tables(user, area, period):
    """库存不足的商品 of the shops kept in ``area``: read now (a product-level list is not in the roll-ups), with one
    query on the shops under the area's path (``shop_path_idx``) and each product's movements (by product)."""
    rows = (low_stock_products(Product.objects.filter(shop__path__startswith=area.path))
            .select_related("shop").order_by("stock", "shop__path", "shop__name", "name", "pk")[:LOW_STOCK_ROWS])
    return [Table(key="low_stock", title=f"{area.name}库存不足的商品",
                  headers=["爱心超市", "商品", "库存", "预警线"],
                  rows=[[p.shop.name, f"{p.name}（{p.unit}）", p.stock, p.low_stock] for p in rows])]


SECTION = Section(
    key="shop", label="爱心超市", capability=caps.VIEW,
    metrics={REDEMPTIONS: FLOW, DONATIONS: FLOW, LOW_STOCK: STATE},
    tiles=(
        Tile(REDEMPTIONS, "兑换单", "单"),
        Tile(DONATIONS, "收到捐赠", "次"),
        Tile(LOW_STOCK, "库存不足的商品", "种", kind=STATE, list_url=_shops, alarm=True),
    ),
    flows=flows, states=states, tables=tables,
)
