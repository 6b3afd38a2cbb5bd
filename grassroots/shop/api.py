"""The love supermarket (爱心超市) through the JSON API, mounted at /api/shop/ (docs/api.md).

Thin routes over shop.services and shop.selectors, scoped like the pages (shop/views.py):

- A shop, product, household or redemption outside the caller's areas is 404 (the same as missing); a
  write by a member who may only look (party group leader) is 403; anonymous is 401. A household another
  village keeps is 404 at this village's counter.
- Strict inputs: a boolean is not a number, "3" is not an int; unknown fields are refused (422, the
  field named in Chinese).
- Every create (products, donations, purchases, stocktakes, redemptions, cards) requires an
  ``Idempotency-Key`` header (``api.common.once``): the same key again answers exactly what the first
  answered (201, the same body) with ``Idempotent-Replayed: true``. Editing or retiring a product,
  voiding a redemption and revoking a card honour the header when sent (200, replayed as 200).
- What the shop refuses in the state things are in (not allowed to redeem this quarter, over the
  balance, not enough on the shelf, a retired product, a void too late or twice, a card already
  revoked) is a ``core.refusals.Refusal`` raised by shop.services: 409 with the Chinese message, nothing
  written. Malformed input is 422.
- Lists answer the one envelope ``{"items", "next_cursor"}``.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import StrictBool, StrictInt, StrictStr

from grassroots.access.scope import scope_of, visible
from grassroots.api.common import (
    AreaRef,
    Cursor,
    Limit,
    OptionalKey,
    Page,
    RequiredKey,
    area_ref,
    once,
    page,
    photo_download,
    photo_response,
    position_of,
    user_name,
)
from grassroots.api.errors import ErrorOut, StrictDate, StrictIn, api_errors
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.areas.models import Area, Household, Level
from grassroots.audit.context import Actor
from grassroots.core.photos import checked_upload
from grassroots.rules.settlement import quarter_bounds, quarter_of, yuan_text
from grassroots.settlement import selectors as settlement_selectors
from grassroots.settlement.selectors import policy_for
from grassroots.shop import capabilities as caps
from grassroots.shop import selectors, services
from grassroots.shop.models import (
    Donation,
    DonorKind,
    HouseholdCard,
    MovementKind,
    Product,
    Redemption,
    Shop,
    StockMovement,
)

router = Router(tags=["爱心超市"])

MAX_ITEMS = 100

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# ---------------------------------------------------------------------------------------------
# Scope helpers
# ---------------------------------------------------------------------------------------------


def _shop(request, shop_id: int) -> Shop:
    return selectors.shop_for(request.user, shop_id)


def _villages(shop: Shop) -> list[Area]:
    villages = list(shop.villages.order_by("code"))
    return villages or [shop.area]


def _may(user, capability: str, shop: Shop) -> bool:
    """As the pages decide (shop/views.py ``_shop``): managing on the shop's own area; redeeming and
    voiding on its area or on a village it serves."""
    if capability == caps.MANAGE:
        return scope_of(user).can(capability, shop.path)
    return selectors.shops_for(user, capability).filter(pk=shop.pk).exists()


def _require_on_shop(user, capability: str, shop: Shop) -> None:
    """403 for a member who may only look (the shop is already visible to the caller); the service
    checks the exact area again."""
    if not _may(user, capability, shop):
        raise PermissionDenied("您没有执行此操作的权限")


def _items(items) -> list[tuple[int, int]]:
    """The service adds up lines of the same product."""
    return [(i.product_id, i.quantity) for i in items]


# ---------------------------------------------------------------------------------------------
# Output schemas
# ---------------------------------------------------------------------------------------------


class VillageRateOut(Schema):
    code: str
    name: str
    exchange_rate: int = Field(description="兑换比例：该嘎查村社区几分积分兑 1 元（100 分钱）")


class ShopOut(Schema):
    id: int
    name: str
    area: AreaRef
    villages: list[VillageRateOut] = Field(description="所服务的嘎查村社区及各自的兑换比例")
    is_active: bool
    may_redeem: bool = Field(description="本人可否在此收银兑换")
    may_manage: bool = Field(description="本人可否管理商品、入库、盘点、户卡")
    may_void: bool = Field(description="本人可否作废当日兑换")


class ProductOut(Schema):
    id: int
    shop_id: int
    name: str
    unit: str
    price_fen: int = Field(description="单价（分）")
    points: int = Field(description="按 area_code 所指嘎查村社区（默认本超市第一个）的兑换比例折合的积分")
    stock: int
    low_stock: int
    is_low: bool
    is_retired: bool
    retired_at: datetime | None
    has_photo: bool


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


class MovementsOut(Schema):
    movements: list[MovementOut]


class DonationOut(Schema):
    id: int
    shop_id: int
    donor: str
    donor_kind: str
    donor_kind_label: str
    donated_on: date
    value_fen: int
    value_text: str
    note: str
    is_public: bool
    movements: list[MovementOut]


class CounterHouseholdOut(Schema):
    id: int
    number: str
    head: str
    grid: AreaRef
    village: AreaRef
    balance: int = Field(description="可兑换积分")
    may_redeem: bool
    reason: str = Field(description="不能兑换时的原因")


class LineOut(Schema):
    product: ProductRef
    quantity: int
    price_fen: int
    points: int


class ReceiptOut(Schema):
    id: int
    number: str = Field(description="小票号")
    shop_id: int
    shop_name: str
    household_id: int
    household_number: str
    head: str
    village: AreaRef
    cashier: str
    created_at: datetime
    lines: list[LineOut]
    points: int
    value_fen: int = Field(description="所兑商品的价值（分）")
    value_text: str
    balance_after: int = Field(description="兑换后可兑换积分")
    voided: bool
    voided_at: datetime | None
    voided_by: str | None
    void_reason: str


class CardRef(Schema):
    id: int
    issued_at: datetime


class CardHouseholdOut(Schema):
    household_id: int
    number: str
    head: str
    grid: AreaRef
    card: CardRef | None = Field(description="有效户卡；null 表示尚未发卡或已挂失")


class CardOut(Schema):
    id: int
    household_id: int
    household_number: str
    issued_at: datetime
    revoked_at: datetime | None
    revoke_reason: str


class GridCardsOut(Schema):
    grid: AreaRef
    issued: int = Field(description="本次新发卡数")
    cards: list[CardOut] = Field(description="本网格现有的有效户卡")


class ItemOutRow(Schema):
    product: ProductRef
    quantity: int
    points: int
    value_fen: int
    value_text: str


class StockLeftOut(Schema):
    product: ProductRef
    is_retired: bool
    stock: int


class ExchangeDayOut(Schema):
    shop_id: int
    start: date
    end: date
    households: int = Field(description="兑换户数")
    redemptions: int = Field(description="兑换笔数（不含作废）")
    voided: int = Field(description="作废笔数")
    points: int = Field(description="消耗积分")
    value_fen: int
    value_text: str
    donations: int = Field(description="收到捐赠笔数")
    donation_value_fen: int
    donation_value_text: str
    items_out: list[ItemOutRow]
    stock_left: list[StockLeftOut]


# ---------------------------------------------------------------------------------------------
# Presenters
# ---------------------------------------------------------------------------------------------


def _village_rate(village: Area) -> dict:
    return {**area_ref(village), "exchange_rate": policy_for(village).points_per_yuan}


def _shop_out(shop: Shop, user) -> dict:
    return {"id": shop.pk, "name": shop.name, "area": area_ref(shop.area),
            "villages": [_village_rate(v) for v in _villages(shop)], "is_active": shop.is_active,
            "may_redeem": _may(user, caps.REDEEM, shop), "may_manage": _may(user, caps.MANAGE, shop),
            "may_void": _may(user, caps.VOID, shop)}


def _product(p: Product, village: Area) -> dict:
    """``p`` as selectors.products gives it (with .stock, .is_low and .points_for)."""
    return {"id": p.pk, "shop_id": p.shop_id, "name": p.name, "unit": p.unit, "price_fen": p.price_fen,
            "points": p.points_for(village), "stock": p.stock, "low_stock": p.low_stock, "is_low": p.is_low,
            "is_retired": p.is_retired, "retired_at": p.retired_at, "has_photo": bool(p.photo)}


def _one_product(shop: Shop, pk: int, village: Area | None = None) -> dict:
    [product] = [p for p in selectors.products(shop, include_retired=True) if p.pk == pk]
    return ProductOut.model_validate(_product(product, village or _villages(shop)[0])).model_dump()


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


def _donation(d: Donation) -> dict:
    """``d`` with its movements prefetched (selectors.donations) or not."""
    return {"id": d.pk, "shop_id": d.shop_id, "donor": d.donor, "donor_kind": d.donor_kind,
            "donor_kind_label": d.get_donor_kind_display(), "donated_on": d.donated_on, "value_fen": d.value_fen,
            "value_text": yuan_text(d.value_fen), "note": d.note, "is_public": d.is_public,
            "movements": _movements(m.pk for m in d.movements.all())}


def _head_name(household: Household) -> str:
    head = selectors.head_of(household)
    return head.name if head else ""


def _counter_household(h: Household) -> dict:
    standing = settlement_selectors.redemption_standing(h, timezone.localdate())
    return {"id": h.pk, "number": h.number, "head": _head_name(h), "grid": area_ref(h.grid),
            "village": area_ref(h.village), "balance": standing.credit, "may_redeem": standing.may_redeem,
            "reason": standing.reason}


def _receipt_of(r: Redemption) -> dict:
    """``r`` as selectors.redemption_for / selectors.redemptions give it (lines prefetched)."""
    return {
        "id": r.pk, "number": r.number, "shop_id": r.shop_id, "shop_name": r.shop.name, "household_id": r.household_id,
        "household_number": r.household.number, "head": _head_name(r.household), "village": area_ref(r.village),
        "cashier": user_name(r.cashier), "created_at": r.created_at,
        "lines": [{"product": _product_ref(line.product), "quantity": line.quantity, "price_fen": line.price_fen,
                   "points": line.points} for line in r.lines.all()],
        "points": r.points, "value_fen": r.fen, "value_text": yuan_text(r.fen),
        "balance_after": selectors.balance_after(r),
        "voided": r.voided_at is not None, "voided_at": r.voided_at,
        "voided_by": user_name(r.voided_by) if r.voided_by_id else None, "void_reason": r.void_reason or "",
    }


def _receipt(user, pk: int) -> dict:
    return ReceiptOut.model_validate(_receipt_of(selectors.redemption_for(user, pk))).model_dump()


def _card(card: HouseholdCard) -> dict:
    return CardOut.model_validate({
        "id": card.pk, "household_id": card.household_id, "household_number": card.household.number,
        "issued_at": card.issued_at, "revoked_at": card.revoked_at, "revoke_reason": card.revoke_reason or "",
    }).model_dump()


# ---------------------------------------------------------------------------------------------
# Shops and products
# ---------------------------------------------------------------------------------------------


@router.get("/shops/", response={200: Page(ShopOut), 401: ErrorOut, 422: ErrorOut},
            summary="我能看到的爱心超市")
@api_errors
def list_shops(request, limit: Limit = 50, cursor: Cursor = None):
    position = position_of(cursor)
    shops = list(selectors.shops_for(request.user)[position:position + limit + 1])
    return page([_shop_out(s, request.user) for s in shops], limit, position)


@router.get("/shops/{int:shop_id}/", response={200: ShopOut, **READ_ERRORS}, summary="一个爱心超市")
@api_errors
def get_shop(request, shop_id: ObjectId):
    return _shop_out(_shop(request, shop_id), request.user)


def _rate_village(shop: Shop, code: str | None) -> Area:
    villages = _villages(shop)
    if not code:
        return villages[0]
    found = next((v for v in villages if v.code == code.strip()), None)
    if found is None:
        raise DjangoValidationError({"area_code": "本超市不服务该嘎查村社区"})
    return found


AREA_CODE_TEXT = "积分按此嘎查村社区的兑换比例折算（默认本超市第一个）"


@router.get("/shops/{int:shop_id}/products/", response={200: Page(ProductOut), **READ_ERRORS},
            summary="商品：库存与按兑换比例折合的积分")
@api_errors
def list_products(request, shop_id: ObjectId, area_code: str | None = Query(None, max_length=20, description=AREA_CODE_TEXT),
                  include_retired: bool = Query(False, description="含已下架商品"),
                  limit: Limit = 50, cursor: Cursor = None):
    shop = _shop(request, shop_id)
    village = _rate_village(shop, area_code)
    position = position_of(cursor)
    products = list(selectors.products(shop, include_retired=include_retired))[position:position + limit + 1]
    return page([_product(p, village) for p in products], limit, position)


@router.get("/products/{int:product_id}/", response={200: ProductOut, **READ_ERRORS}, summary="一件商品")
@api_errors
def get_product(request, product_id: ObjectId, area_code: str | None = Query(None, max_length=20, description=AREA_CODE_TEXT)):
    product = selectors.product_for(request.user, product_id)
    return _one_product(product.shop, product.pk, _rate_village(product.shop, area_code))


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


class ProductPatch(StrictIn):
    """Only the fields sent change (a field sent as null is refused)."""

    name: StrictStr = Field(None, min_length=1, max_length=50)
    unit: StrictStr = Field(None, min_length=1, max_length=10)
    price_fen: StrictInt = Field(None, ge=1, le=10_000_000, description="单价（分）")
    low_stock: StrictInt = Field(None, ge=0, le=100_000)


@router.patch("/products/{int:product_id}/", response={200: ProductOut, **ERRORS},
              summary="修改商品（品名、单位、单价、预警数；已停用的不能改）")
@api_errors
def update_product(request, response: HttpResponse, product_id: ObjectId, payload: ProductPatch,
                   idempotency_key: OptionalKey = None):
    product = selectors.product_for(request.user, product_id)
    shop = product.shop
    _require_on_shop(request.user, caps.MANAGE, shop)
    sent = payload.model_dump(exclude_unset=True)
    changes = {k: v for k, v in sent.items() if getattr(product, k) != v}
    if not sent:
        raise DjangoValidationError("没有要修改的内容")

    def work() -> dict:
        if changes or product.is_retired:
            services.update_product(actor=Actor.from_request(request), product=product, **changes)
        return _one_product(shop, product.pk)

    return once(request, response, key=idempotency_key, required=False, action="shop.product.update",
                body=payload.model_dump(mode="json"), work=work, status=200)


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


@router.post("/products/{int:product_id}/photo/", response={200: ProductOut, 201: ProductOut, **ERRORS},
             summary="上传或更换商品照片（multipart，幂等，须带 Idempotency-Key）")
@api_errors
def set_product_photo(request, response: HttpResponse, product_id: ObjectId, photo: File[UploadedFile],
                      idempotency_key: RequiredKey = None):
    """The product's photo, in the file field ``photo``, as the product page's form sets it: 201 when the
    product had none, 200 when it replaces one (the old file is deleted once the change is saved). The photo
    is checked to be an image (at most 4 MB) and re-encoded (EXIF dropped); anything else is 422 naming
    ``photo``. A retired product is 409. Read it back at ``GET products/{product_id}/photo/``."""
    product = selectors.product_for(request.user, product_id)
    shop = product.shop
    _require_on_shop(request.user, caps.MANAGE, shop)
    checked = checked_upload(photo, field="photo")

    def work() -> dict:
        services.update_product(actor=Actor.from_request(request), product=product, photo=checked)
        return _one_product(shop, product.pk)

    return once(request, response, key=idempotency_key, required=True, action="shop.product.photo",
                body={"photo": checked.sha256}, work=work, status=200 if product.photo else 201)


@router.get("/products/{int:product_id}/photo/", response=READ_ERRORS,
            openapi_extra=photo_download("商品照片（JPEG 或 PNG）"), summary="商品照片（图片本身）")
@api_errors
def product_photo(request, product_id: ObjectId):
    """The photo of a product the caller sees, as the product page shows it; a product without one, or not
    the caller's, is 404. The API hands out no URL of the file."""
    return photo_response(selectors.product_for(request.user, product_id).photo)


# ---------------------------------------------------------------------------------------------
# Stock: movements, donations, purchases, stocktakes
# ---------------------------------------------------------------------------------------------


class MovementsQuery(Schema):
    product_id: ObjectId | None = Field(None, description="只看此商品")
    kind: MovementKind | None = Field(None, description="只看此类变动")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/shops/{int:shop_id}/movements/", response={200: Page(MovementOut), **READ_ERRORS},
            summary="库存变动（入库、盘点、兑换、作废退回），新的在前")
@api_errors
def list_movements(request, shop_id: ObjectId, filters: Query[MovementsQuery]):
    shop = _shop(request, shop_id)
    product_id, kind, limit, cursor = filters.product_id, filters.kind, filters.limit, filters.cursor
    product = None
    if product_id is not None:
        product = Product.objects.filter(pk=product_id, shop=shop).first()
        if product is None:
            raise DjangoValidationError({"product_id": "本超市没有该商品"})
    position = position_of(cursor)
    rows = list(selectors.movements(shop, product=product, kind=kind.value if kind else None,
                                    limit=position + limit + 1)[position:])
    return page([_movement(m) for m in rows], limit, position)


@router.get("/shops/{int:shop_id}/donations/", response={200: Page(DonationOut), **READ_ERRORS},
            summary="捐赠记录，新的在前")
@api_errors
def list_donations(request, shop_id: ObjectId, limit: Limit = 50, cursor: Cursor = None):
    shop = _shop(request, shop_id)
    position = position_of(cursor)
    rows = list(selectors.donations(shop, limit=position + limit + 1)[position:])
    return page([_donation(d) for d in rows], limit, position)


class ItemIn(StrictIn):
    product_id: StrictObjectId = Field(description="商品编号")
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
        return DonationOut.model_validate(_donation(donation)).model_dump()

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
        return MovementsOut.model_validate({"movements": _movements(m.pk for m in movements)}).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="shop.purchase",
                body=payload.model_dump(mode="json"), work=work)


class CountIn(StrictIn):
    product_id: StrictObjectId = Field(description="商品编号")
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
    counts = {c.product_id: c.counted for c in payload.counts}
    if len(counts) != len(payload.counts):
        raise DjangoValidationError({"counts": "同一商品请只列一次"})

    def work() -> dict:
        movements = services.record_stocktake(actor=Actor.from_request(request), shop=shop, counts=counts,
                                              reason=payload.reason)
        return MovementsOut.model_validate({"movements": _movements(m.pk for m in movements)}).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="shop.stocktake",
                body=payload.model_dump(mode="json"), work=work)


# ---------------------------------------------------------------------------------------------
# The counter
# ---------------------------------------------------------------------------------------------


@router.get("/shops/{int:shop_id}/households/", response={200: Page(CounterHouseholdOut), **READ_ERRORS},
            summary="收银查户：可兑换积分，本季度能否兑换及原因")
@api_errors
def find_households(request, shop_id: ObjectId,
                    q: str = Query(..., min_length=1, max_length=64, description="户号、姓名拼音首字母，或扫描户卡所得的码"),
                    limit: Limit = 20, cursor: Cursor = None):
    shop = _shop(request, shop_id)
    position = position_of(cursor)
    found = list(selectors.find_households(request.user, shop, q, limit=position + limit + 1))[position:]
    return page([_counter_household(h) for h in found], limit, position)


@router.get("/shops/{int:shop_id}/households/{int:household_id}/", response={200: CounterHouseholdOut, **READ_ERRORS},
            summary="收银台上的一户：可兑换积分，本季度能否兑换及原因")
@api_errors
def counter_household(request, shop_id: ObjectId, household_id: ObjectId):
    shop = _shop(request, shop_id)
    return _counter_household(selectors.counter_household(request.user, shop, household_id))


@router.get("/shops/{int:shop_id}/cards/{token}/household/", response={200: CounterHouseholdOut, **READ_ERRORS},
            summary="扫户卡查户：卡上的码 → 本超市服务的户（未知、已挂失或不归本超市的卡：404）")
@api_errors
def card_household(request, shop_id: ObjectId, token: str):
    shop = _shop(request, shop_id)
    household = selectors.card_household(token)
    if household is None:
        raise Http404
    return _counter_household(selectors.counter_household(request.user, shop, household.pk))


class RedemptionIn(StrictIn):
    household_id: StrictObjectId = Field(description="户编号（查户所得）")
    items: list[ItemIn] = Field(min_length=1, max_length=50)


@router.post("/shops/{int:shop_id}/redemptions/", response={201: ReceiptOut, **ERRORS},
             summary="兑换（必须带 Idempotency-Key；同一键重复提交只兑换一次，返回同一张小票）")
@api_errors
def redeem(request, response: HttpResponse, shop_id: ObjectId, payload: RedemptionIn,
           idempotency_key: RequiredKey = None):
    user = request.user
    shop = _shop(request, shop_id)
    household = selectors.counter_household(user, shop, payload.household_id)
    _require_on_shop(user, caps.REDEEM, shop)
    items = _items(payload.items)

    def work() -> dict:
        redemption = services.redeem(actor=Actor.from_request(request), shop=shop, household=household, items=items,
                                     idempotency_key=services.receipt_key(user=user, key=idempotency_key, source="api"))
        return _receipt(user, redemption.pk)

    return once(request, response, key=idempotency_key, required=True, action="shop.redeem",
                body=payload.model_dump(mode="json"), work=work)


class RedemptionsQuery(Schema):
    date: StrictDate | None = Field(None, description="只看这一天（YYYY-MM-DD）")
    household_id: ObjectId | None = Field(None, description="只看此户")
    mine: bool = Field(False, description="只看本人收银的")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/shops/{int:shop_id}/redemptions/", response={200: Page(ReceiptOut), **READ_ERRORS},
            summary="兑换记录，新的在前（可按日期、户、本人收银筛选）")
@api_errors
def list_redemptions(request, shop_id: ObjectId, filters: Query[RedemptionsQuery]):
    shop = _shop(request, shop_id)
    day, household_id, mine = filters.date, filters.household_id, filters.mine
    limit, cursor = filters.limit, filters.cursor
    household = selectors.counter_household(request.user, shop, household_id) if household_id else None
    position = position_of(cursor)
    rows = list(selectors.redemptions(request.user, shop, day=day, household=household,
                                      cashier=request.user if mine else None, limit=position + limit + 1)[position:])
    return page([_receipt_of(r) for r in rows], limit, position)


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

    return once(request, response, key=idempotency_key, required=False, action="shop.redemption.void",
                body=payload.model_dump(mode="json"), work=work, status=200)


# ---------------------------------------------------------------------------------------------
# Household cards (户卡)
# ---------------------------------------------------------------------------------------------


def _grid_of(request, shop: Shop, code: str) -> Area:
    """A grid of the shop's villages that the caller sees, by code; 422 naming ``area_code`` otherwise."""
    grid = visible(request.user, Area.objects.filter(level=Level.GRID, parent__in=shop.villages.all(),
                                                     code=code.strip()), caps.VIEW).first()
    if grid is None:
        raise DjangoValidationError({"area_code": "area_code 须是本超市所服务嘎查村社区的网格"})
    return grid


@router.get("/shops/{int:shop_id}/cards/", response={200: Page(CardHouseholdOut), **READ_ERRORS},
            summary="一个网格的户及其有效户卡")
@api_errors
def list_cards(request, shop_id: ObjectId, area_code: str = Query(..., max_length=20, description="网格区划代码"),
               limit: Limit = 50, cursor: Cursor = None):
    shop = _shop(request, shop_id)
    grid = _grid_of(request, shop, area_code)
    position = position_of(cursor)
    households = list(Household.objects.filter(grid=grid, is_active=True).order_by("number", "pk")
                      .select_related("grid").prefetch_related(Prefetch(
                          "shop_cards", queryset=HouseholdCard.objects.filter(revoked_at__isnull=True),
                          to_attr="active"))[position:position + limit + 1])
    return page([{"household_id": h.pk, "number": h.number, "head": _head_name(h), "grid": area_ref(h.grid),
                  "card": {"id": h.active[0].pk, "issued_at": h.active[0].issued_at} if h.active else None}
                 for h in households], limit, position)


class CardIn(StrictIn):
    household_id: StrictObjectId = Field(description="户编号；该户原有的有效卡作废（补办）")


@router.post("/shops/{int:shop_id}/cards/", response={201: CardOut, **ERRORS}, summary="发卡或补办户卡（幂等）")
@api_errors
def issue_card(request, response: HttpResponse, shop_id: ObjectId, payload: CardIn,
               idempotency_key: RequiredKey = None):
    shop = _shop(request, shop_id)
    household = selectors.counter_household(request.user, shop, payload.household_id)
    _require_on_shop(request.user, caps.MANAGE, shop)

    def work() -> dict:
        return _card(services.issue_card(actor=Actor.from_request(request), household=household))

    return once(request, response, key=idempotency_key, required=True, action="shop.card.issue",
                body=payload.model_dump(mode="json"), work=work)


class GridCardsIn(StrictIn):
    area_code: StrictStr = Field(min_length=1, max_length=20, description="网格区划代码")


@router.post("/shops/{int:shop_id}/grid-cards/", response={201: GridCardsOut, **ERRORS},
             summary="为一个网格尚无有效卡的户发卡（幂等）")
@api_errors
def issue_grid_cards(request, response: HttpResponse, shop_id: ObjectId, payload: GridCardsIn,
                     idempotency_key: RequiredKey = None):
    shop = _shop(request, shop_id)
    grid = _grid_of(request, shop, payload.area_code)
    _require_on_shop(request.user, caps.MANAGE, shop)

    def work() -> dict:
        now = timezone.now()
        cards = services.issue_grid_cards(actor=Actor.from_request(request), grid=grid, now=now)
        return GridCardsOut.model_validate({"grid": area_ref(grid), "issued": sum(c.issued_at == now for c in cards),
                                            "cards": [_card(c) for c in cards]}).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="shop.card.issue_grid",
                body=payload.model_dump(mode="json"), work=work)


class RevokeIn(StrictIn):
    reason: StrictStr = Field(min_length=1, max_length=200, description="挂失原因，如 遗失、损坏")


@router.post("/shops/{int:shop_id}/cards/{int:card_id}/revoke/", response={200: CardOut, **ERRORS},
             summary="挂失户卡：卡上的码立即失效")
@api_errors
def revoke_card(request, response: HttpResponse, shop_id: ObjectId, card_id: ObjectId, payload: RevokeIn,
                idempotency_key: OptionalKey = None):
    shop = _shop(request, shop_id)
    card = HouseholdCard.objects.filter(pk=card_id).select_related("household").first()
    if card is None:
        raise Http404
    selectors.counter_household(request.user, shop, card.household_id)  # 404 outside the caller's or the shop's
    _require_on_shop(request.user, caps.MANAGE, shop)

    def work() -> dict:
        return _card(services.revoke_card(actor=Actor.from_request(request), card=card, reason=payload.reason))

    return once(request, response, key=idempotency_key, required=False, action="shop.card.revoke",
                body=payload.model_dump(mode="json"), work=work, status=200)


# ---------------------------------------------------------------------------------------------
# The exchange day (季度兑换会) report
# ---------------------------------------------------------------------------------------------


class PeriodQuery(Schema):
    start: StrictDate | None = Field(None, description="开始日期（含），默认本季度第一天")
    end: StrictDate | None = Field(None, description="结束日期（含），默认本季度最后一天")


@router.get("/shops/{int:shop_id}/exchange-day/", response={200: ExchangeDayOut, **READ_ERRORS},
            summary="兑换会汇总：兑换户数、笔数、积分、发放商品、库存与捐赠（默认本季度）")
@api_errors
def exchange_day(request, shop_id: ObjectId, period: Query[PeriodQuery]):
    shop = _shop(request, shop_id)
    start, end = period.start, period.end
    first, last = quarter_bounds(*quarter_of(timezone.localdate()))
    start, end = start or first, end or last
    if start > end:
        raise DjangoValidationError({"start": "开始日期不能晚于结束日期"})
    report = selectors.exchange_day(shop, start, end)
    points: dict[int, int] = {}
    for r in report["redemptions"]:
        for line in r.lines.all():
            points[line.product_id] = points.get(line.product_id, 0) + line.points
    return {
        "shop_id": shop.pk, "start": start, "end": end, "households": report["households"],
        "redemptions": len(report["redemptions"]), "voided": report["voided"], "points": report["points"],
        "value_fen": report["fen"], "value_text": yuan_text(report["fen"]),
        "donations": len(report["donations"]), "donation_value_fen": report["donation_fen"],
        "donation_value_text": yuan_text(report["donation_fen"]),
        "items_out": [{"product": _product_ref(row["product"]), "quantity": row["quantity"],
                       "points": points.get(row["product"].pk, 0), "value_fen": row["fen"],
                       "value_text": yuan_text(row["fen"])} for row in report["items_out"]],
        "stock_left": [{"product": _product_ref(p), "is_retired": p.is_retired, "stock": p.stock}
                       for p in report["stock_left"]],
    }
