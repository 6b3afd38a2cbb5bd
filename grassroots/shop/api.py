"""The love supermarket (爱心超市) through the JSON API, mounted at /api/shop/.

Thin routes over shop.services and shop.selectors, with the conventions of grassroots/points/api.py:

- Scoped like the pages: a shop, product or redemption outside the caller's areas is 404 (the same as
  missing); a write by a member who may only look (party group leader) is 403; anonymous is 401. A
  household another village keeps is 404 at this village's counter.
- Strict inputs: a boolean is not a number, "3" is not an int; unknown fields are refused (422, the
  field named in Chinese).
- Every create (products, donations, purchases, stocktakes, redemptions) needs an ``Idempotency-Key``
  header (``api.common.once``, the one idempotency mechanism): the first call answers 201; the same key
  again does nothing and answers what the first answered (201, the same body) with
  ``Idempotent-Replayed: true``, also while the first is still in flight (the second waits for it).
  Retiring a product and voiding a redemption honour the header when sent (200, replayed as 200).
- A redemption the shop must refuse (not allowed to redeem this quarter, over the balance, not enough
  on the shelf, a retired product, a void too late or twice) answers 409 with the Chinese message, and
  nothing is written. Malformed input is 422.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Sum
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import StrictBool, StrictInt, StrictStr

from grassroots.access.scope import scope_of
from grassroots.api.common import (
    MAX_LIMIT,
    Limit,
    Offset,
    OptionalKey,
    RequiredKey,
    area_ref,
    once,
    page,
    user_name,
)
from grassroots.api.errors import (
    ErrorOut,
    StrictDate,
    StrictIn,
    ValidationErrorOut,
    api_errors,
    django_validation_response,
)
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.areas.models import Area, Household
from grassroots.audit.context import Actor
from grassroots.ledger.models import Account, LedgerEntry
from grassroots.rules.settlement import yuan_text
from grassroots.settlement import selectors as settlement_selectors
from grassroots.settlement.selectors import policy_for
from grassroots.shop import capabilities as caps
from grassroots.shop import selectors, services
from grassroots.shop.models import DonorKind, Product, Redemption, Shop, StockMovement

router = Router(tags=["爱心超市"])

MAX_ITEMS = 100


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ValidationErrorOut, 422: ValidationErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


# ---------------------------------------------------------------------------------------------
# Scope and idempotency helpers
# ---------------------------------------------------------------------------------------------


def _shop(request, shop_id: int) -> Shop:
    return selectors.shop_for(request.user, shop_id)


def _villages(shop: Shop) -> list[Area]:
    villages = list(shop.villages.order_by("code"))
    return villages or [shop.area]


def _may(user, capability: str, shop: Shop) -> bool:
    """Whether the caller holds ``capability`` on the shop's area, above it or on a village it serves."""
    scope = scope_of(user)
    return any(scope.reaches(capability, area.path) for area in [shop.area, *_villages(shop)])


def _require_on_shop(user, capability: str, shop: Shop) -> None:
    """403 for a member who may only look (the shop is already visible to the caller); the service
    checks the exact area again."""
    if not _may(user, capability, shop):
        raise PermissionDenied("您没有执行此操作的权限")


def _refused(exc: DjangoValidationError) -> HttpResponse:
    """409: the request was well formed, but the household, the shelf or the redemption refuses it."""
    response = django_validation_response(exc)
    response.status_code = 409
    return response


def _items(items) -> list[tuple[int, int]]:
    """The service adds up lines of the same product."""
    return [(i.product, i.quantity) for i in items]


# ---------------------------------------------------------------------------------------------
# Output schemas
# ---------------------------------------------------------------------------------------------


class AreaRef(Schema):
    code: str
    name: str


class ShopOut(Schema):
    id: int
    name: str
    area: AreaRef
    villages: list[AreaRef] = Field(description="所服务的嘎查村社区")
    is_active: bool
    may_redeem: bool = Field(description="本人可否在此收银兑换")
    may_manage: bool = Field(description="本人可否管理商品、入库、盘点")
    may_void: bool = Field(description="本人可否作废当日兑换")


class ShopListOut(Schema):
    items: list[ShopOut]
    next_offset: int | None


class ProductOut(Schema):
    id: int
    name: str
    unit: str
    price_fen: int
    price_text: str
    points: int = Field(description="按 village 的兑换比例折合的积分")
    stock: int
    low_stock: int
    is_low: bool
    is_retired: bool
    retired_at: datetime | None
    has_photo: bool


class ProductListOut(Schema):
    shop: int
    village: AreaRef = Field(description="积分按此嘎查村社区的兑换比例折算")
    points_per_yuan: int
    items: list[ProductOut]
    next_offset: int | None


class ProductRef(Schema):
    id: int
    name: str
    unit: str


class MovementOut(Schema):
    id: int
    product: ProductRef
    kind: str
    kind_label: str
    quantity: int = Field(description="入库为正，出库为负")
    donation_id: int | None
    receipt_number: str
    reason: str
    redemption_id: int | None
    recorded_by: str
    created_at: datetime


class MovementListOut(Schema):
    items: list[MovementOut]
    next_offset: int | None


class MovementsOut(Schema):
    movements: list[MovementOut]


class DonationOut(Schema):
    id: int
    donor: str
    donor_kind: str
    donor_kind_label: str
    donated_on: date
    value_fen: int
    note: str
    is_public: bool
    movements: list[MovementOut]


class HouseholdOut(Schema):
    id: int
    number: str
    head: str
    grid: AreaRef
    village: AreaRef
    balance: int = Field(description="可兑换积分")
    may_redeem: bool
    reason: str = Field(description="不能兑换时的原因")


class HouseholdListOut(Schema):
    items: list[HouseholdOut]
    next_offset: int | None


class LineOut(Schema):
    product: ProductRef
    quantity: int
    price_fen: int
    points: int


class ReceiptOut(Schema):
    id: int
    number: str = Field(description="小票号")
    shop: int
    shop_name: str
    household: int
    household_number: str
    head: str
    village: AreaRef
    cashier: str
    created_at: datetime
    lines: list[LineOut]
    points: int
    fen: int
    fen_text: str
    balance_after: int = Field(description="兑换后可兑换积分")
    voided: bool
    voided_at: datetime | None
    voided_by: str | None
    void_reason: str


# ---------------------------------------------------------------------------------------------
# Presenters
# ---------------------------------------------------------------------------------------------


def _shop_out(shop: Shop, user) -> dict:
    return {"id": shop.pk, "name": shop.name, "area": area_ref(shop.area),
            "villages": [area_ref(v) for v in _villages(shop)], "is_active": shop.is_active,
            "may_redeem": _may(user, caps.REDEEM, shop), "may_manage": _may(user, caps.MANAGE, shop),
            "may_void": _may(user, caps.VOID, shop)}


def _product(p: Product, village: Area) -> dict:
    """``p`` as selectors.products gives it (with .stock, .is_low and .points_for)."""
    return {"id": p.pk, "name": p.name, "unit": p.unit, "price_fen": p.price_fen, "price_text": yuan_text(p.price_fen),
            "points": p.points_for(village), "stock": p.stock, "low_stock": p.low_stock, "is_low": p.is_low,
            "is_retired": p.is_retired, "retired_at": p.retired_at, "has_photo": bool(p.photo)}


def _one_product(shop: Shop, pk: int) -> dict:
    [product] = [p for p in selectors.products(shop, include_retired=True) if p.pk == pk]
    return ProductOut.model_validate(_product(product, _villages(shop)[0])).model_dump(mode="json")


def _product_ref(p: Product) -> dict:
    return {"id": p.pk, "name": p.name, "unit": p.unit}


def _movement(m: StockMovement) -> dict:
    return {"id": m.pk, "product": _product_ref(m.product), "kind": m.kind, "kind_label": m.get_kind_display(),
            "quantity": m.quantity, "donation_id": m.donation_id, "receipt_number": m.receipt_number or "",
            "reason": m.reason or "", "redemption_id": m.redemption_id,
            "recorded_by": user_name(m.recorded_by) if m.recorded_by_id else "", "created_at": m.created_at}


def _movements(ids) -> list[dict]:
    rows = StockMovement.objects.select_related("product", "recorded_by").filter(pk__in=list(ids)).order_by("pk")
    return [_movement(m) for m in rows]


def _head_name(household: Household) -> str:
    head = selectors.head_of(household)
    return head.name if head else ""


def _balance_after(r: Redemption) -> int:
    """The credit balance right after this redemption: stable on a replay or a later look."""
    entry = r.entry
    total = LedgerEntry.objects.filter(household_id=r.household_id, village_id=entry.village_id,
                                       account=Account.CREDIT, seq__lte=entry.seq).aggregate(s=Sum("points"))["s"]
    return total or 0


def _receipt(user, pk: int) -> dict:
    r = selectors.redemption_for(user, pk)
    lines = list(r.lines.all())
    return ReceiptOut.model_validate({
        "id": r.pk, "number": r.number, "shop": r.shop_id, "shop_name": r.shop.name, "household": r.household_id,
        "household_number": r.household.number, "head": _head_name(r.household), "village": area_ref(r.village),
        "cashier": user_name(r.cashier), "created_at": r.created_at,
        "lines": [{"product": _product_ref(line.product), "quantity": line.quantity, "price_fen": line.price_fen,
                   "points": line.points} for line in lines],
        "points": r.points, "fen": r.fen, "fen_text": yuan_text(r.fen), "balance_after": _balance_after(r),
        "voided": r.voided_at is not None, "voided_at": r.voided_at,
        "voided_by": user_name(r.voided_by) if r.voided_by_id else None, "void_reason": r.void_reason or "",
    }).model_dump(mode="json")


# ---------------------------------------------------------------------------------------------
# Shops and products
# ---------------------------------------------------------------------------------------------


class PageQuery(Schema):
    limit: Limit = MAX_LIMIT
    offset: Offset = 0


@router.get("/shops/", response={200: ShopListOut, 401: ErrorOut, 422: ValidationErrorOut},
            summary="我能看到的爱心超市")
@api_errors
def list_shops(request, filters: Query[PageQuery]):
    limit, offset = filters.limit, filters.offset
    shops = list(selectors.shops_for(request.user)[offset:offset + limit + 1])
    return page([_shop_out(s, request.user) for s in shops], limit, offset)


class ProductsQuery(Schema):
    village: str | None = Field(None, max_length=20, description="按此嘎查村社区的兑换比例折算积分（默认本超市第一个）")
    include_retired: bool = Field(False, description="含已下架商品")
    limit: Limit = MAX_LIMIT
    offset: Offset = 0


def _rate_village(shop: Shop, code: str | None) -> Area:
    villages = _villages(shop)
    if not code:
        return villages[0]
    found = next((v for v in villages if v.code == code.strip()), None)
    if found is None:
        raise DjangoValidationError({"village": "本超市不服务该嘎查村社区"})
    return found


@router.get("/shops/{int:shop_id}/products/", response={200: ProductListOut, **READ_ERRORS},
            summary="商品：库存与按兑换比例折合的积分")
@api_errors
def list_products(request, shop_id: ObjectId, filters: Query[ProductsQuery]):
    shop = _shop(request, shop_id)
    village = _rate_village(shop, filters.village)
    limit, offset = filters.limit, filters.offset
    products = list(selectors.products(shop, include_retired=filters.include_retired))[offset:offset + limit + 1]
    return {"shop": shop.pk, "village": area_ref(village), "points_per_yuan": policy_for(village).points_per_yuan,
            **page([_product(p, village) for p in products], limit, offset)}


class ProductIn(StrictIn):
    name: StrictStr = Field(min_length=1, max_length=50, description="品名，如 抽纸")
    unit: StrictStr = Field(min_length=1, max_length=10, description="单位，如 提、袋、瓶、个")
    price_fen: StrictInt = Field(ge=1, le=10_000_000, description="单价（分）")
    low_stock: StrictInt = Field(5, ge=0, le=100_000, description="库存不多于此数时提示补货")


@router.post("/shops/{int:shop_id}/products/", response={201: ProductOut, **ERRORS},
             summary="新增商品（幂等）")
@api_errors
def add_product(request, response: HttpResponse, shop_id: ObjectId, payload: ProductIn,
                idempotency_key: RequiredKey = None):
    shop = _shop(request, shop_id)
    _require_on_shop(request.user, caps.MANAGE, shop)

    def work() -> dict:
        product = services.add_product(actor=Actor.from_request(request), shop=shop, name=payload.name,
                                       unit=payload.unit, price_fen=payload.price_fen, low_stock=payload.low_stock)
        return _one_product(shop, product.pk)

    return once(request, response, key=idempotency_key, required=True, action="shop.product.add",
                body=payload.model_dump(mode="json"), work=work)


@router.post("/products/{int:product_id}/retire/", response={200: ProductOut, **ERRORS},
             summary="商品下架（不删除）")
@api_errors
def retire_product(request, response: HttpResponse, product_id: ObjectId, idempotency_key: OptionalKey = None):
    product = selectors.product_for(request.user, product_id)
    shop = product.shop
    _require_on_shop(request.user, caps.MANAGE, shop)

    def work() -> dict:
        services.retire_product(actor=Actor.from_request(request), product=product)
        return _one_product(shop, product.pk)

    return once(request, response, key=idempotency_key, required=False, action="shop.product.retire", body={},
                work=work, status=200)


# ---------------------------------------------------------------------------------------------
# Stock: movements, donations, purchases, stocktakes
# ---------------------------------------------------------------------------------------------


class MovementsQuery(Schema):
    product: ObjectId | None = Field(None, description="只看此商品")
    limit: Limit = 50
    offset: Offset = 0


@router.get("/shops/{int:shop_id}/movements/", response={200: MovementListOut, **READ_ERRORS},
            summary="库存变动（入库、盘点、兑换、作废退回），新的在前")
@api_errors
def list_movements(request, shop_id: ObjectId, filters: Query[MovementsQuery]):
    shop = _shop(request, shop_id)
    product = None
    if filters.product is not None:
        product = Product.objects.filter(pk=filters.product, shop=shop).first()
        if product is None:
            raise DjangoValidationError({"product": "本超市没有该商品"})
    limit, offset = filters.limit, filters.offset
    rows = list(selectors.movements(shop, product=product, limit=offset + limit + 1)[offset:])
    return page([_movement(m) for m in rows], limit, offset)


class ItemIn(StrictIn):
    product: StrictObjectId = Field(description="商品编号")
    quantity: StrictInt = Field(ge=1, le=100_000, description="数量，至少1")


class DonationIn(StrictIn):
    donor: StrictStr = Field(min_length=1, max_length=100, description="捐赠方")
    donor_kind: StrictStr = Field(description="pairing_unit 包联单位 / company 企业 / individual 个人 / other 其他")
    donated_on: StrictDate = Field(description="捐赠日期（YYYY-MM-DD）")
    items: list[ItemIn] = Field(min_length=1, max_length=MAX_ITEMS)
    value_fen: StrictInt = Field(0, ge=0, le=1_000_000_000, description="折价（分）")
    note: StrictStr = Field("", max_length=300)
    is_public: StrictBool = Field(False, description="在公示栏公开捐赠方和物品")


@router.post("/shops/{int:shop_id}/donations/", response={201: DonationOut, **ERRORS},
             summary="捐赠入库（幂等）")
@api_errors
def record_donation(request, response: HttpResponse, shop_id: ObjectId, payload: DonationIn,
                    idempotency_key: RequiredKey = None):
    shop = _shop(request, shop_id)
    _require_on_shop(request.user, caps.MANAGE, shop)
    if payload.donor_kind not in DonorKind.values:
        raise DjangoValidationError({"donor_kind": "捐赠方类型应为 " + "、".join(
            f"{value}（{label}）" for value, label in DonorKind.choices)})
    items = _items(payload.items)

    def work() -> dict:
        donation = services.record_donation(
            actor=Actor.from_request(request), shop=shop, donor=payload.donor, donor_kind=payload.donor_kind,
            donated_on=payload.donated_on, items=items, value_fen=payload.value_fen, note=payload.note,
            is_public=payload.is_public)
        body = {"id": donation.pk, "donor": donation.donor, "donor_kind": donation.donor_kind,
                "donor_kind_label": donation.get_donor_kind_display(), "donated_on": donation.donated_on,
                "value_fen": donation.value_fen, "note": donation.note, "is_public": donation.is_public,
                "movements": _movements(StockMovement.objects.filter(donation=donation).values_list("pk", flat=True))}
        return DonationOut.model_validate(body).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=True, action="shop.donation",
                body=payload.model_dump(mode="json"), work=work)


class PurchaseIn(StrictIn):
    receipt_number: StrictStr = Field(min_length=1, max_length=50, description="采购发票或收据号")
    items: list[ItemIn] = Field(min_length=1, max_length=MAX_ITEMS)


@router.post("/shops/{int:shop_id}/purchases/", response={201: MovementsOut, **ERRORS},
             summary="集体资金采购入库（幂等）")
@api_errors
def record_purchase(request, response: HttpResponse, shop_id: ObjectId, payload: PurchaseIn,
                    idempotency_key: RequiredKey = None):
    shop = _shop(request, shop_id)
    _require_on_shop(request.user, caps.MANAGE, shop)
    items = _items(payload.items)

    def work() -> dict:
        movements = services.record_purchase(actor=Actor.from_request(request), shop=shop,
                                             receipt_number=payload.receipt_number, items=items)
        return MovementsOut.model_validate({"movements": _movements(m.pk for m in movements)}).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=True, action="shop.purchase",
                body=payload.model_dump(mode="json"), work=work)


class CountIn(StrictIn):
    product: StrictObjectId = Field(description="商品编号")
    counted: StrictInt = Field(ge=0, le=1_000_000, description="实盘数量")


class StocktakeIn(StrictIn):
    counts: list[CountIn] = Field(min_length=1, max_length=1000)
    reason: StrictStr = Field(min_length=1, max_length=200, description="差异原因，如 过期报损")


@router.post("/shops/{int:shop_id}/stocktakes/", response={201: MovementsOut, **ERRORS},
             summary="盘点：只记差异及原因，不改账面数（幂等）")
@api_errors
def record_stocktake(request, response: HttpResponse, shop_id: ObjectId, payload: StocktakeIn,
                     idempotency_key: RequiredKey = None):
    shop = _shop(request, shop_id)
    _require_on_shop(request.user, caps.MANAGE, shop)
    counts = {c.product: c.counted for c in payload.counts}
    if len(counts) != len(payload.counts):
        raise DjangoValidationError({"counts": "同一商品请只列一次"})

    def work() -> dict:
        movements = services.record_stocktake(actor=Actor.from_request(request), shop=shop, counts=counts,
                                              reason=payload.reason)
        return MovementsOut.model_validate({"movements": _movements(m.pk for m in movements)}).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=True, action="shop.stocktake",
                body=payload.model_dump(mode="json"), work=work)


# ---------------------------------------------------------------------------------------------
# The counter
# ---------------------------------------------------------------------------------------------


class HouseholdsQuery(Schema):
    q: str = Field(min_length=1, max_length=64, description="户号、姓名拼音首字母，或扫描户卡所得的码")
    limit: int = Field(20, ge=1, le=50)
    offset: int = Field(0, ge=0, le=MAX_LIMIT)


@router.get("/shops/{int:shop_id}/households/", response={200: HouseholdListOut, **READ_ERRORS},
            summary="收银查户：可兑换积分，本季度能否兑换及原因")
@api_errors
def find_households(request, shop_id: ObjectId, filters: Query[HouseholdsQuery]):
    shop = _shop(request, shop_id)
    limit, offset = filters.limit, filters.offset
    found = list(selectors.find_households(request.user, shop, filters.q, limit=offset + limit + 1))[offset:]
    today = timezone.localdate()
    out = []
    for h in found:
        standing = settlement_selectors.redemption_standing(h, today)
        out.append({"id": h.pk, "number": h.number, "head": _head_name(h), "grid": area_ref(h.grid),
                    "village": area_ref(h.village), "balance": standing.credit, "may_redeem": standing.may_redeem,
                    "reason": standing.reason})
    return page(out, limit, offset)


class RedemptionIn(StrictIn):
    household: StrictObjectId = Field(description="户编号（查户所得）")
    items: list[ItemIn] = Field(min_length=1, max_length=50)


@router.post("/shops/{int:shop_id}/redemptions/", response={201: ReceiptOut, **ERRORS},
             summary="兑换（必须带 Idempotency-Key；同一键重复提交只兑换一次，返回同一张小票）")
@api_errors
def redeem(request, response: HttpResponse, shop_id: ObjectId, payload: RedemptionIn,
           idempotency_key: RequiredKey = None):
    user = request.user
    shop = _shop(request, shop_id)
    household = selectors.counter_household(user, shop, payload.household)
    _require_on_shop(user, caps.REDEEM, shop)
    items = _items(payload.items)

    def work() -> dict:
        redemption = services.redeem(actor=Actor.from_request(request), shop=shop, household=household, items=items,
                                     idempotency_key=services.receipt_key(user=user, key=idempotency_key, source="api"))
        return _receipt(user, redemption.pk)

    try:
        return once(request, response, key=idempotency_key, required=True, action="shop.redeem",
                    body=payload.model_dump(mode="json"), work=work)
    except DjangoValidationError as exc:
        if (idempotency_key or "").strip():
            return _refused(exc)
        raise  # the missing key: 422 naming the header


@router.get("/redemptions/{int:redemption_id}/", response={200: ReceiptOut, **READ_ERRORS}, summary="兑换小票")
@api_errors
def get_redemption(request, redemption_id: ObjectId):
    return _receipt(request.user, redemption_id)


class VoidIn(StrictIn):
    reason: StrictStr = Field(min_length=1, max_length=200, description="作废原因")


@router.post("/redemptions/{int:redemption_id}/void/", response={200: ReceiptOut, **ERRORS},
             summary="作废当日兑换：记冲正并退回库存，不改原记录")
@api_errors
def void_redemption(request, response: HttpResponse, redemption_id: ObjectId, payload: VoidIn,
                    idempotency_key: OptionalKey = None):
    redemption = selectors.redemption_for(request.user, redemption_id)
    _require_on_shop(request.user, caps.VOID, redemption.shop)

    def work() -> dict:
        services.void_redemption(actor=Actor.from_request(request), redemption=redemption, reason=payload.reason)
        return _receipt(request.user, redemption.pk)

    try:
        return once(request, response, key=idempotency_key, required=False, action="shop.redemption.void",
                    body=payload.model_dump(mode="json"), work=work, status=200)
    except DjangoValidationError as exc:
        return _refused(exc)
