"""Reads of the love supermarket, scoped through access.scope.

A shop is visible to whoever holds ``shop.view`` on its area or on one of the villages it serves
(a township shop is seen by the cashiers of its villages). Households, receipts and cards are scoped
by the household's path, so a cashier of one village never finds another village's households.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from grassroots.access.scope import access_scoped, scope_of, visible
from grassroots.areas.models import Area, Household, Person
from grassroots.areas.selectors import search_households
from grassroots.ledger.models import Account, LedgerEntry
from grassroots.rules.settlement import DEFAULT_POINTS_PER_YUAN, points_for_fen
from grassroots.settlement.models import PointsPolicy, Settlement, SettlementLine, SettlementStatus
from grassroots.settlement.selectors import policy_for
from grassroots.shop import capabilities as caps
from grassroots.shop.models import (
    Donation,
    HouseholdCard,
    MovementKind,
    Product,
    Redemption,
    RedemptionLine,
    Shop,
    StockMovement,
)


def _shop_q(user, capability: str = caps.VIEW) -> Q:
    scope = scope_of(user)
    return scope.q(capability, "path") | scope.q(capability, "villages__path")


def shops_for(user, capability: str = caps.VIEW) -> QuerySet[Shop]:
    """The shops the caller may see (or, with ``capability``, act in)."""
    ids = Shop.objects.filter(_shop_q(user, capability)).values("pk")
    return Shop.objects.filter(pk__in=ids).select_related("area").order_by("path", "pk")


def shop_for(user, pk: int, capability: str = caps.VIEW) -> Shop:
    """One shop; 404 when missing or outside the caller's areas alike."""
    return access_scoped(shops_for(user, capability), pk=pk)


def stock_of(product_ids) -> dict[int, int]:
    """The stock of each product: the sum of its movements (0 when it has none)."""
    ids = list(product_ids)
    rows = (StockMovement.objects.filter(product_id__in=ids).values("product_id").annotate(total=Sum("quantity"))
            .values_list("product_id", "total"))
    found = dict(rows)
    return {pk: found.get(pk, 0) for pk in ids}


@dataclass(frozen=True)
class SaleFacts:
    """What a redemption checks, read in one statement after its locks (``sale_facts``)."""

    key_used: bool  # a receipt was written under this key before
    credit: int  # the household's redeemable balance
    vetoed: bool | None  # its line's veto flag in the village's latest published settlement (None: no line)
    points_per_yuan: int  # the village's rate (``policy_for``: the default until its assembly saves one)
    stock: dict[int, int]  # product id → stock
    receipts: int  # the shop's receipts for the village's households that day (voided ones included)


def sale_facts(*, shop_id: int, household_id: int, village_id: int, day: date, product_ids, key: str) -> SaleFacts:
    """Balance, standing, rate, stock, the receipt key's use and the number of receipts the shop gave the
    village's households on ``day``, as of one moment: one statement, run by ``services.redeem`` after it
    holds the household, the village's ledger head and the products (in READ COMMITTED a statement's
    snapshot is taken when it starts, so it sees every sale committed before those locks were granted; and
    every sale of the village takes its head, so no other can commit meanwhile). The same sums as
    ``ledger.selectors.balances`` (credit account), ``stock_of`` and the latest published settlement's line
    of ``settlement.selectors.redemption_standing``."""
    ids = sorted(set(product_ids))
    if not ids:
        raise ValueError("sale_facts needs at least one product")
    movement, redemption = StockMovement._meta.db_table, Redemption._meta.db_table
    entry, policy = LedgerEntry._meta.db_table, PointsPolicy._meta.db_table
    settlement, line = Settlement._meta.db_table, SettlementLine._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    sql = f"""
        SELECT p.id,
               (SELECT COALESCE(SUM(m.quantity), 0) FROM {movement} m WHERE m.product_id = p.id),
               (SELECT COUNT(*) FROM {redemption} r WHERE r.idempotency_key = %s),
               (SELECT COALESCE(SUM(e.points), 0) FROM {entry} e WHERE e.household_id = %s AND e.account = %s),
               (SELECT l.vetoed FROM {line} l WHERE l.household_id = %s AND l.settlement_id =
                    (SELECT s.id FROM {settlement} s WHERE s.village_id = %s AND s.status = %s
                     ORDER BY s.year DESC, s.quarter DESC LIMIT 1)),
               (SELECT pp.points_per_yuan FROM {policy} pp WHERE pp.village_id = %s),
               (SELECT COUNT(*) FROM {redemption} n WHERE n.shop_id = %s AND n.village_id = %s
                AND n.created_at >= %s AND n.created_at < %s)
        FROM {Product._meta.db_table} p WHERE p.id IN ({marks})"""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    ops = connection.ops  # aware datetimes bound as the ORM binds them (UTC on SQLite)
    params = [key, household_id, Account.CREDIT.value, household_id, village_id, SettlementStatus.PUBLISHED.value,
              village_id, shop_id, village_id, ops.adapt_datetimefield_value(start),
              ops.adapt_datetimefield_value(end), *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    stock = {pk: 0 for pk in ids} | {row[0]: int(row[1]) for row in rows}
    if not rows:
        raise ValueError("sale_facts: none of the products exists (lock them first: _lock_products refuses that)")
    _, _, used, credit, vetoed, rate, receipts = rows[0]
    return SaleFacts(bool(used), int(credit), None if vetoed is None else bool(vetoed),
                     DEFAULT_POINTS_PER_YUAN if rate is None else rate, stock, int(receipts))


class _PointsFor:
    """``product.points_for(village)``: the points one unit costs at that village's rate."""

    def __init__(self, product: Product, rates: dict):
        self.product, self.rates = product, rates

    def __call__(self, village) -> int:
        village_id = getattr(village, "pk", village)
        if village_id not in self.rates:
            area = village if isinstance(village, Area) else Area.objects.get(pk=village_id)
            self.rates[village_id] = policy_for(area).points_per_yuan
        return points_for_fen(self.product.price_fen, self.rates[village_id])


# 库存不足: a product on the shelf whose stock is at or under its low-stock mark (``Product.low_stock``). The one rule,
# in SQL, on products annotated by ``with_stock``: the shop's pages and the dashboard (its tile and table) read it.
LOW_STOCK = Q(is_retired=False, stock__lte=F("low_stock"))


def with_stock(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """``queryset`` with ``.stock`` (the sum of each product's movements, 0 without any) and ``.is_low``
    (``LOW_STOCK``), both computed in the query."""
    moved = (StockMovement.objects.filter(product_id=OuterRef("pk")).order_by().values("product_id")
             .annotate(total=Sum("quantity")).values("total"))
    return queryset.annotate(stock=Coalesce(Subquery(moved), Value(0))).annotate(
        is_low=ExpressionWrapper(LOW_STOCK, output_field=BooleanField()))


def low_stock_products(queryset: QuerySet[Product] | None = None) -> QuerySet[Product]:
    """The products of ``queryset`` (every product by default) that are low on stock (``LOW_STOCK``), with
    ``.stock``."""
    return with_stock(Product.objects.all() if queryset is None else queryset).filter(LOW_STOCK)


def products(shop: Shop, include_retired: bool = False) -> list[Product]:
    """The shop's products with ``.stock`` (int), ``.is_low`` and ``.points_for(village)``."""
    items = list(with_stock(Product.objects.filter(shop=shop, **({} if include_retired else {"is_retired": False})))
                 .order_by("is_retired", "name", "pk"))
    rates: dict = {}
    for product in items:
        product.is_low = bool(product.is_low)  # SQLite gives 0/1
        product.points_for = _PointsFor(product, rates)
    return items


def low_stock_by_shop(shops) -> dict[int, list[Product]]:
    """Each of ``shops``' products low on stock (``LOW_STOCK``), emptiest first, in one query: shop id → products."""
    found: dict[int, list[Product]] = {}
    for product in low_stock_products(Product.objects.filter(shop__in=[s.pk for s in shops])).order_by(
            "shop_id", "stock", "name", "pk"):
        found.setdefault(product.shop_id, []).append(product)
    return found


def product_for(user, pk: int) -> Product:
    product = access_scoped(Product.objects.filter(shop__in=shops_for(user)).select_related("shop"), pk=pk)
    product.stock = stock_of([product.pk])[product.pk]
    return product


def low_stock(shop: Shop) -> list[Product]:
    """Products on the shelf at or below their low-stock mark, emptiest first."""
    return sorted((p for p in products(shop) if p.is_low), key=lambda p: (p.stock, p.name))


def movements(shop: Shop, *, product: Product | None = None, kind: str | None = None,
              limit: int = 200) -> QuerySet[StockMovement]:
    rows = StockMovement.objects.filter(shop=shop)
    if product is not None:
        rows = rows.filter(product=product)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.select_related("product", "donation", "redemption", "recorded_by").order_by("-created_at", "-id")[
        :limit]


def donations(shop: Shop, *, limit: int = 100) -> QuerySet[Donation]:
    return (Donation.objects.filter(shop=shop)
            .prefetch_related(Prefetch("movements", queryset=StockMovement.objects.select_related("product")))
            .order_by("-donated_on", "-id")[:limit])


def public_donations(shop: Shop, *, limit: int = 50) -> QuerySet[Donation]:
    """What the board may show: donor and items of the donations marked public."""
    return (Donation.objects.filter(shop=shop, is_public=True)
            .prefetch_related(Prefetch("movements", queryset=StockMovement.objects.select_related("product")))
            .order_by("-donated_on", "-id")[:limit])


# ---------------------------------------------------------------- finding a household at the counter


def card_household(token: str) -> Household | None:
    """The household of an active card, or None (unknown or revoked token). Not scoped: callers scope."""
    token = (token or "").strip()
    if not token or len(token) > 40:
        return None
    card = HouseholdCard.objects.filter(token=token, revoked_at__isnull=True).select_related(
        "household", "household__village", "household__grid").first()
    return card.household if card is not None else None


def _served(user, shop: Shop) -> QuerySet[Household]:
    return visible(user, Household.objects.filter(is_active=True, village__in=shop.villages.all()))


def find_households(user, shop: Shop, q: str, *, limit: int = 20) -> list[Household]:
    """Households of the villages ``shop`` serves that the caller may see, by card token, household
    number (exact first, then prefix), or a member's name / pinyin / initials."""
    q = (q or "").strip()
    if not q:
        return []
    served = _served(user, shop)
    by_card = card_household(q)
    if by_card is not None:
        return list(served.filter(pk=by_card.pk).select_related("grid", "village"))
    exact = list(served.filter(number=q).select_related("grid", "village")[:limit])
    if exact:
        return exact
    village_ids = set(shop.villages.values_list("pk", flat=True))
    found = [h for h in search_households(user, q, limit=limit * 3) if h.village_id in village_ids]
    return found[:limit]


def counter_household(user, shop: Shop, pk: int) -> Household:
    """One household at the counter of ``shop``; 404 when missing, outside the caller's areas or not
    served by the shop."""
    return access_scoped(_served(user, shop).select_related("grid", "village"), pk=pk)


def head_of(household: Household) -> Person | None:
    return household.members.filter(is_active=True, relation=Person.Relation.HEAD).first()


def grid_cards(user, grid: Area) -> list[HouseholdCard]:
    """The active cards of a grid's households in the register, by household number, heads attached
    as ``.head`` (the A4 card sheet)."""
    cards = list(visible(user, HouseholdCard.objects.filter(household__grid=grid, household__is_active=True,
                                                            revoked_at__isnull=True), caps.VIEW)
                 .select_related("household", "household__village").order_by("household__number"))
    heads = {p.household_id: p for p in Person.objects.filter(
        household_id__in=[c.household_id for c in cards], relation=Person.Relation.HEAD, is_active=True)}
    for card in cards:
        card.head = heads.get(card.household_id)
    return cards


# ---------------------------------------------------------------- receipts


def _with_lines(queryset: QuerySet[Redemption]) -> QuerySet[Redemption]:
    return queryset.select_related("shop", "household", "village", "cashier", "voided_by").prefetch_related(
        Prefetch("lines", queryset=RedemptionLine.objects.select_related("product").order_by("id")))


def redemption_for(user, pk: int) -> Redemption:
    """One receipt with its lines; 404 when missing or the household is outside the caller's areas."""
    return access_scoped(_with_lines(visible(user, Redemption.objects.all(), caps.VIEW)).select_related("entry"), pk=pk)


def balance_after(redemption: Redemption) -> int:
    """The household's redeemable balance just after this redemption, as printed on its receipt.

    The sum of the household's credit entries up to and including the redemption's own entry in its
    village's chain (``seq``): entries are appended under the village head lock, so nothing later counts,
    also for a receipt reprinted weeks after (a void later does not change what the receipt said).
    """
    entry = redemption.entry
    total = (LedgerEntry.objects.filter(household_id=redemption.household_id, account=Account.CREDIT,
                                        village_id=entry.village_id, seq__lte=entry.seq)
             .aggregate(total=Sum("points"))["total"])
    return total or 0


@dataclass(frozen=True)
class QuoteLine:
    product: Product
    quantity: int
    unit_points: int

    @property
    def points(self) -> int:
        return self.quantity * self.unit_points


@dataclass(frozen=True)
class Quote:
    """What the counter asks the cashier to check before anything is spent (``services.redeem`` checks it all
    again under its locks)."""

    lines: list[QuoteLine]
    credit: int
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.points for line in self.lines)

    @property
    def balance_after(self) -> int:
        return self.credit - self.total


def quote(shop: Shop, household: Household, items: list[tuple[int, int]], *, standing) -> Quote:
    """Price ``items`` (product id, quantity) for ``household`` at today's standing: the lines, the total,
    the balance after, and in Chinese why it could not go through (standing, shelf, balance)."""
    on_shelf = {p.pk: p for p in products(shop)}
    errors = [] if standing.may_redeem else [standing.reason]
    lines = []
    for pk, quantity in items:
        product = on_shelf.get(pk)
        if product is None:
            errors.append("所选商品已停用，不能兑换")
            continue
        if product.stock < quantity:
            errors.append(f"「{product.name}」库存只剩{product.stock}{product.unit}" if product.stock > 0
                          else f"「{product.name}」已无库存")
        lines.append(QuoteLine(product, quantity, product.points_for(household.village)))
    result = Quote(lines=lines, credit=standing.credit, errors=errors)
    if result.total > result.credit:
        errors.append(f"本次需{result.total}分，可兑换积分只有{result.credit}分")
    return result


def redemptions(user, shop: Shop, *, day: date | None = None, household: Household | None = None,
                cashier=None, limit: int = 100) -> QuerySet[Redemption]:
    rows = visible(user, Redemption.objects.filter(shop=shop), caps.VIEW)
    if cashier is not None:
        rows = rows.filter(cashier=cashier)
    if day is not None:
        rows = rows.filter(created_at__range=_day_range(day, day))
    if household is not None:
        rows = rows.filter(household=household)
    return _with_lines(rows).order_by("-created_at", "-id")[:limit]


def _day_range(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.combine(start, time.min, tzinfo=tz),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz) - timedelta(microseconds=1))


# ---------------------------------------------------------------- 季度兑换会 (exchange day) report


def exchange_day(shop: Shop, start: date, end: date) -> dict:
    """What the exchange day of ``start``..``end`` (inclusive, local dates) did: receipts (voided ones
    excluded), households, points spent, items given out per product, stock left now, donations."""
    window = _day_range(start, end)
    receipts = list(_with_lines(Redemption.objects.filter(shop=shop, created_at__range=window,
                                                          voided_at__isnull=True)).order_by("created_at", "id"))
    out = dict(RedemptionLine.objects.filter(redemption__in=[r.pk for r in receipts]).values("product_id")
               .annotate(quantity=Sum("quantity")).values_list("product_id", "quantity"))
    shelf = products(shop, include_retired=True)
    # The price on the receipts, not today's: a price change after the day keeps the report true.
    fen_out: dict[int, int] = {}
    for receipt in receipts:
        for line in receipt.lines.all():
            fen_out[line.product_id] = fen_out.get(line.product_id, 0) + line.price_fen * line.quantity
    items_out = [{"product": p, "quantity": out[p.pk], "fen": fen_out[p.pk]} for p in shelf if out.get(p.pk)]
    gifts = list(Donation.objects.filter(shop=shop, donated_on__range=(start, end))
                 .prefetch_related(Prefetch("movements", queryset=StockMovement.objects.select_related("product")))
                 .order_by("donated_on", "id"))
    return {
        "shop": shop,
        "start": start,
        "end": end,
        "redemptions": receipts,
        "households": len({r.household_id for r in receipts}),
        "points": sum(r.points for r in receipts),
        "fen": sum(r.fen for r in receipts),
        "items_out": items_out,
        "stock_left": [p for p in shelf if not p.is_retired or p.stock],
        "donations": gifts,
        "donation_fen": sum(d.value_fen for d in gifts),
        "voided": Redemption.objects.filter(shop=shop, created_at__range=window, voided_at__isnull=False).count(),
        "stock_in": dict(StockMovement.objects.filter(shop=shop, created_at__range=window,
                                                      kind__in=[MovementKind.DONATION, MovementKind.PURCHASE])
                         .values("product_id").annotate(q=Sum("quantity")).values_list("product_id", "q")),
    }
