"""Writes of the love supermarket. Each public function: keyword-only, one transaction, audited.

Locks follow docs/locking.md: the Household row, then the village's ledger head (``ledger.services.lock_head``),
then the products in id order. A receipt's number is counted under the village's head, not drawn from a
locked counter. A void takes the household, then the redemption row, then the same.
"""

import hashlib
from collections import defaultdict
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from grassroots.access.scope import authorise
from grassroots.areas.models import Area, Household, Level
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.photos import stored_photo
from grassroots.core.refusals import Refusal
from grassroots.ledger.models import Account, EntryKind, LedgerEntry
from grassroots.ledger.services import append_entries, lock_head
from grassroots.rules.settlement import points_for_fen
from grassroots.settlement.selectors import redemption_allowed, redemption_standing
from grassroots.shop import capabilities as caps
from grassroots.shop.models import (
    Donation,
    DonorKind,
    HouseholdCard,
    MovementKind,
    Product,
    Redemption,
    RedemptionLine,
    Shop,
    StockMovement,
)
from grassroots.shop.selectors import sale_facts, stock_of

# A receipt's key is its identity (Redemption.idempotency_key; its ledger entry's is "redeem:<key>", 64 at most).
MAX_KEY = 50
MAX_LINES = 50
MAX_QUANTITY = 999
BUSY_MESSAGE = "收银台繁忙（该户或商品正由另一处办理），本次未兑换，请稍后重试"


# Audit actions (``app.noun.verb``). ``shop.create`` and ``shop.redeem`` predate the pattern (no noun) and keep
# their stored values: the audit search and the tests read them by value.
SHOP_CREATE = "shop.create"
PRODUCT_ADD = "shop.product.add"
PRODUCT_UPDATE = "shop.product.update"
PRODUCT_RETIRE = "shop.product.retire"
DONATION_RECORD = "shop.donation.record"
PURCHASE_RECORD = "shop.purchase.record"
STOCKTAKE_RECORD = "shop.stocktake.record"
REDEMPTION_CREATE = "shop.redeem"
REDEMPTION_VOID = "shop.redemption.void"
CARD_ISSUE = "shop.card.issue"
CARD_REVOKE = "shop.card.revoke"
CARD_ISSUE_GRID = "shop.card.issue_grid"


class Busy(Refusal):
    """A lock wait ran out or the database gave up on a conflict: nothing was written; try again."""

    def __init__(self, message: str = BUSY_MESSAGE):
        super().__init__(message, code="busy")


# ---------------------------------------------------------------- helpers


MISSING_KEY = "缺少幂等键：每次新的兑换须带一个唯一键，重试时沿用同一个键"
KEY_USED = "该幂等键已用于另一笔兑换，请为新的兑换生成新的键"


def receipt_key(*, user, key: str, source: str) -> str:
    """A receipt's own unique key made from a caller's idempotency key (the page's hidden field, the API's
    header): per caller, so two callers' keys never meet, and short enough for the ledger's key column
    whatever was sent. Replaying a retry is not this key's job but core.idempotency's (``run_once``,
    ``api.common.once``), which the page and the API go through before ``redeem``."""
    key = (key or "").strip()
    if not key:
        raise ValidationError({"idempotency_key": MISSING_KEY})
    return f"{source}-" + hashlib.sha256(f"{user.pk}:{key}".encode()).hexdigest()[:32]


def _receipt_identity(key: str | None) -> str:
    """The key a receipt is written under: required, and short enough for its ledger entry's key."""
    key = (key or "").strip()
    if not key:
        raise ValidationError({"idempotency_key": MISSING_KEY})
    if len(key) > MAX_KEY:
        raise ValidationError({"idempotency_key": f"兑换键最多{MAX_KEY}个字符"})
    return key


def _items(items, field: str = "items") -> dict[int, int]:
    """``[(product_id, quantity), ...]`` → {product_id: quantity}, the same product's lines added up."""
    if not items:
        raise ValidationError({field: "请至少添加一件商品"})
    if len(items) > MAX_LINES:
        raise ValidationError({field: f"一次最多{MAX_LINES}种商品"})
    merged: dict[int, int] = defaultdict(int)
    for row, pair in enumerate(items, start=1):
        try:
            product_id, quantity = pair
        except (TypeError, ValueError):
            raise ValidationError({field: f"第{row}行格式不对：须为（商品，数量）"}) from None
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise ValidationError({field: f"第{row}行数量须为正整数"})
        if isinstance(product_id, bool) or not isinstance(product_id, int):
            raise ValidationError({field: f"第{row}行商品无效"})
        merged[product_id] += quantity
        if merged[product_id] > MAX_QUANTITY:
            raise ValidationError({field: f"第{row}行数量过大（一次最多{MAX_QUANTITY}）"})
    return dict(merged)


def _lock_products(shop: Shop, product_ids, field: str = "items") -> dict[int, Product]:
    """The shop's products ``product_ids``, row-locked in id order. A product of another shop is
    refused as if it did not exist."""
    ids = sorted(set(product_ids))
    # The query the ORM would send for select_for_update().filter(pk__in=ids, shop=shop).order_by("pk"),
    # written out: a counter runs it on every sale and the ORM's compile of it cost more than the round trip.
    fields = Product._meta.concrete_fields
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(f.column for f in fields)} FROM {Product._meta.db_table} "
                       f"WHERE id IN ({', '.join(['%s'] * len(ids))}) AND shop_id = %s ORDER BY id{lock}",
                       [*ids, shop.pk])
        rows = cursor.fetchall()
    products = {p.pk: p for p in (_from_row(Product, fields, row) for row in rows)}
    missing = [pk for pk in ids if pk not in products]
    if missing:
        raise ValidationError({field: [f"商品 {pk} 不是{shop.name}的商品" for pk in missing]})
    return products


# ---------------------------------------------------------------- shops and products


@transaction.atomic
def create_shop(*, actor: Actor, area: Area, name: str, villages: list[Area] | None = None) -> Shop:
    """A village's shop serves the village; a township's shop serves the villages named (default: all
    of the township's villages)."""
    authorise(actor, caps.MANAGE, area.path)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "超市名称不能为空"})
    if area.level == Level.VILLAGE:
        served = [area]
        if villages and any(v.pk != area.pk for v in villages):
            raise ValidationError({"villages": "村级爱心超市只服务本村"})
    elif area.level == Level.TOWNSHIP:
        served = list(villages) if villages else list(area.children.filter(level=Level.VILLAGE))
        outside = [v.name for v in served if v.level != Level.VILLAGE or not v.path.startswith(area.path)]
        if outside:
            raise ValidationError({"villages": f"不是{area.name}的嘎查村社区：{'、'.join(outside)}"})
        if not served:
            raise ValidationError({"villages": "请选择服务的嘎查村社区"})
    else:
        raise ValidationError({"area": "爱心超市设在嘎查村社区或苏木乡镇"})
    shop = Shop.objects.create(area=area, path=area.path, name=name[:100])
    shop.villages.set(served)
    record(actor=actor, action=SHOP_CREATE, obj=shop, data={"name": shop.name, "villages": [v.pk for v in served]})
    return shop


def _product_values(*, name: str, unit: str, price_fen: int, low_stock: int) -> dict:
    errors = {}
    name, unit = (name or "").strip(), (unit or "").strip()
    if not name:
        errors["name"] = "品名不能为空"
    elif len(name) > 60:
        errors["name"] = "品名最多60个字"
    if not unit:
        errors["unit"] = "单位不能为空（如 提、袋、瓶、个）"
    elif len(unit) > 10:
        errors["unit"] = "单位最多10个字"
    if isinstance(price_fen, bool) or not isinstance(price_fen, int) or not 1 <= price_fen <= 10_000_00:
        errors["price_fen"] = "价格须为1分到10000元之间（以分计的整数）"
    if isinstance(low_stock, bool) or not isinstance(low_stock, int) or not 0 <= low_stock <= 100000:
        errors["low_stock"] = "库存预警须为0到100000之间的整数"
    if errors:
        raise ValidationError(errors)
    return {"name": name, "unit": unit, "price_fen": price_fen, "low_stock": low_stock}


def _name_taken(shop: Shop, name: str, exclude_pk=None) -> bool:
    return Product.objects.filter(shop=shop, name=name, is_retired=False).exclude(pk=exclude_pk).exists()


@transaction.atomic
def add_product(*, actor: Actor, shop: Shop, name: str, unit: str, price_fen: int, low_stock: int = 5,
                photo=None) -> Product:
    authorise(actor, caps.MANAGE, shop.path)
    values = _product_values(name=name, unit=unit, price_fen=price_fen, low_stock=low_stock)
    if _name_taken(shop, values["name"]):
        raise Refusal({"name": f"货架上已有「{values['name']}」"})
    product = Product(shop=shop, **values)
    photo = stored_photo(photo, stem="product")  # re-encoded: no EXIF/GPS
    if photo:
        product.photo = photo
    product.save()
    record(actor=actor, action=PRODUCT_ADD, obj=product, area_path=shop.path,
           data={"name": product.name, "unit": product.unit, "price_fen": product.price_fen})
    return product


@transaction.atomic
def update_product(*, actor: Actor, product: Product, **changes) -> Product:
    """Name, unit, price, low-stock mark or photo. Receipts keep the price they were sold at."""
    authorise(actor, caps.MANAGE, product.shop.path)
    allowed = {"name", "unit", "price_fen", "low_stock", "photo"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({f: "不能修改此项" for f in sorted(unknown)})
    product = Product.objects.select_for_update().select_related("shop").get(pk=product.pk)
    if product.is_retired:
        raise Refusal({"product": f"「{product.name}」已停用，不能修改"})
    values = _product_values(name=changes.get("name", product.name), unit=changes.get("unit", product.unit),
                             price_fen=changes.get("price_fen", product.price_fen),
                             low_stock=changes.get("low_stock", product.low_stock))
    if values["name"] != product.name and _name_taken(product.shop, values["name"], exclude_pk=product.pk):
        raise Refusal({"name": f"货架上已有「{values['name']}」"})
    before = {k: getattr(product, k) for k in values}
    for field, value in values.items():
        setattr(product, field, value)
    photo = stored_photo(changes.get("photo"), stem="product")  # re-encoded: no EXIF/GPS
    replaced = product.photo.name if photo and product.photo else ""
    if photo:
        product.photo = photo
    product.save()
    if replaced:  # the replaced file goes once the new one is saved for good (kept if this rolls back)
        storage = product.photo.storage
        transaction.on_commit(lambda: storage.delete(replaced))
    record(actor=actor, action=PRODUCT_UPDATE, obj=product, area_path=product.shop.path,
           data={"before": before, "after": values, "photo": bool(changes.get("photo"))})
    return product


@transaction.atomic
def retire_product(*, actor: Actor, product: Product, now=None) -> Product:
    """Off the shelf for good (its receipts and movements stay); a new product may take its name."""
    authorise(actor, caps.MANAGE, product.shop.path)
    product = Product.objects.select_for_update().select_related("shop").get(pk=product.pk)
    if product.is_retired:
        return product
    product.is_retired, product.retired_at = True, now or timezone.now()
    product.save(update_fields=["is_retired", "retired_at"])
    record(actor=actor, action=PRODUCT_RETIRE, obj=product, area_path=product.shop.path,
           data={"name": product.name, "stock": stock_of([product.pk])[product.pk]})
    return product


# ---------------------------------------------------------------- stock in and stocktake


def _stock_in(*, shop: Shop, items: dict[int, int], kind: str, actor: Actor, **fields) -> list[StockMovement]:
    products = _lock_products(shop, items)
    retired = [p.name for p in products.values() if p.is_retired]
    if retired:
        raise Refusal({"items": f"已停用的商品不能入库：{'、'.join(retired)}"})
    movements = [StockMovement(product_id=pk, shop=shop, path=shop.path, kind=kind, quantity=items[pk],
                               recorded_by=actor.user, **fields)
                 for pk in sorted(items)]
    return StockMovement.objects.bulk_create(movements)


@transaction.atomic
def record_donation(*, actor: Actor, shop: Shop, donor: str, donor_kind: str, donated_on: date,
                    items: list[tuple[int, int]], value_fen: int, note: str = "", is_public: bool = False) -> Donation:
    """捐赠入库: the donation and a movement per product. A retried form or API call is recorded once by
    core.idempotency (the page's ``run_once``, the API's ``once``), not here."""
    authorise(actor, caps.MANAGE, shop.path)
    errors = {}
    donor = (donor or "").strip()
    if not donor:
        errors["donor"] = "请填写捐赠方"
    elif len(donor) > 100:
        errors["donor"] = "捐赠方最多100个字"
    if donor_kind not in DonorKind.values:
        errors["donor_kind"] = "捐赠方类型须为 包联单位/企业/个人/其他"
    if not isinstance(donated_on, date):
        errors["donated_on"] = "请填写捐赠日期"
    elif donated_on > timezone.localdate():
        errors["donated_on"] = "捐赠日期不能晚于今天"
    if isinstance(value_fen, bool) or not isinstance(value_fen, int) or value_fen < 0:
        errors["value_fen"] = "价值须为不小于0的整数（分）"
    if len(note or "") > 300:
        errors["note"] = "说明最多300字"
    if errors:
        raise ValidationError(errors)
    merged = _items(items)
    donation = Donation.objects.create(
        shop=shop, path=shop.path, donor=donor, donor_kind=donor_kind, donated_on=donated_on, value_fen=value_fen,
        note=(note or "").strip(), is_public=is_public, recorded_by=actor.user)
    movements = _stock_in(shop=shop, items=merged, kind=MovementKind.DONATION, actor=actor, donation=donation)
    record(actor=actor, action=DONATION_RECORD, obj=donation,
           data={"donor": donor, "kind": donor_kind, "value_fen": value_fen, "public": is_public,
                 "items": {str(m.product_id): m.quantity for m in movements}})
    return donation


@transaction.atomic
def record_purchase(*, actor: Actor, shop: Shop, receipt_number: str, items: list[tuple[int, int]]) -> list[StockMovement]:
    """采购入库 with the collective's funds, under the purchase receipt's number. Retries: as ``record_donation``."""
    authorise(actor, caps.MANAGE, shop.path)
    receipt_number = (receipt_number or "").strip()
    if not receipt_number:
        raise ValidationError({"receipt_number": "请填写采购票据号"})
    if len(receipt_number) > 60:
        raise ValidationError({"receipt_number": "票据号最多60个字符"})
    merged = _items(items)
    movements = _stock_in(shop=shop, items=merged, kind=MovementKind.PURCHASE, actor=actor,
                          receipt_number=receipt_number)
    record(actor=actor, action=PURCHASE_RECORD, object_type="shop.stockmovement",
           object_id=",".join(str(m.pk) for m in movements), area_path=shop.path,
           data={"receipt_number": receipt_number, "items": {str(m.product_id): m.quantity for m in movements}})
    return movements


@transaction.atomic
def record_stocktake(*, actor: Actor, shop: Shop, counts: dict[int, int], reason: str) -> list[StockMovement]:
    """盘点: the shelf is counted; for each product whose count differs from its movements, one movement
    of the difference with the reason. The count is never edited. Retries: as ``record_donation``."""
    authorise(actor, caps.MANAGE, shop.path)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": "请写明盘点差异的原因"})
    if len(reason) > 200:
        raise ValidationError({"reason": "原因最多200字"})
    if not counts:
        raise ValidationError({"counts": "请填写盘点数量"})
    for pk, counted in counts.items():
        if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
            raise ValidationError({"counts": f"商品 {pk} 的盘点数量须为不小于0的整数"})
    products = _lock_products(shop, counts, field="counts")
    stock = stock_of(products)
    movements = [StockMovement(product_id=pk, shop=shop, path=shop.path, kind=MovementKind.STOCKTAKE,
                               quantity=counts[pk] - stock[pk], reason=reason, recorded_by=actor.user)
                 for pk in sorted(products) if counts[pk] != stock[pk]]
    StockMovement.objects.bulk_create(movements)
    record(actor=actor, action=STOCKTAKE_RECORD, object_type="shop.shop", object_id=str(shop.pk),
           area_path=shop.path,
           data={"reason": reason, "counted": len(counts),
                 "differences": {str(m.product_id): m.quantity for m in movements}})
    return movements


# ---------------------------------------------------------------- the counter


def _set_lock_timeout() -> None:
    """Bound the wait on another counter's locks (PostgreSQL), so a stuck counter is told to retry
    rather than waiting on forever. Undone with the savepoint on failure; local to the transaction."""
    if connection.vendor == "postgresql":
        ms = int(getattr(settings, "SHOP_LOCK_TIMEOUT_MS", 5000))
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{ms}ms"])


def _receipt_number(shop: Shop, village: Area, day: date, receipts: int) -> str:
    """The receipt number of the sale after ``receipts`` sales of ``shop`` to ``village``'s households on
    ``day`` (counted by ``sale_facts`` while the village's ledger head is held, so no other sale of the village
    can commit meanwhile; nothing is stored, so nothing is locked, and a refused sale uses no number). A
    village's shop numbers DH-<shop>-<day>-0001…; a shop serving several villages puts the village's id
    before the number (DH-<shop>-<day>-<village>-0001), so its villages never share a count."""
    if shop.path == village.path:
        return f"DH-{shop.pk}-{day:%Y%m%d}-{receipts + 1:04d}"
    return f"DH-{shop.pk}-{day:%Y%m%d}-{village.pk}-{receipts + 1:04d}"


def redeem(*, actor: Actor, shop: Shop, household: Household, items: list[tuple[int, int]], idempotency_key: str,
           now=None) -> Redemption:
    """兑换: the household pays ``items`` with its redeemable points.

    One transaction: the household, the village's ledger head and the products (id order) are locked,
    then balance, standing, rate, stock, the key's use and the day's receipts of the village at this shop
    are read again in one statement and checked; only then the receipt (numbered after the day's), its
    lines, one credit entry (kind redemption), the stock movements and the audit record are written. Nothing shared by two villages or two shops is
    locked, except a township shop's products (its one shelf); see docs/locking.md.

    ``idempotency_key`` is the receipt's identity (``receipt_key`` makes it from a caller's key): a
    receipt and its ledger entry are written under it at most once, and a key used before is refused.
    Answering a retried tap with the first receipt is core.idempotency's job, done by the page
    (``run_once``) and the API (``once``) before this is called.
    A refusal is a ValidationError in Chinese and writes nothing; a lock that could not be had in time
    is ``Busy`` (also a ValidationError), nothing written, safe to retry with the same key.
    """
    authorise(actor, caps.REDEEM, household.path)
    key = _receipt_identity(idempotency_key)
    if not shop.is_active:
        raise Refusal({"shop": f"{shop.name}已停业"})
    merged = _items(items)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            _set_lock_timeout()
            return _redeem_locked(actor=actor, shop=shop, household=household, items=merged, key=key, now=now)
    except IntegrityError:
        # The unique key of the receipt or of its ledger entry: the same key for another household,
        # committed past the check under the lock. A refusal, never a bare database error.
        if not Redemption.objects.filter(idempotency_key=key).exists():
            raise
        raise ValidationError({"idempotency_key": KEY_USED}) from None
    except OperationalError as error:
        if _is_lock_failure(error):
            raise Busy() from error
        raise


def _is_lock_failure(error: Exception) -> bool:
    """Lock timeout (55P03), deadlock (40P01) or serialization failure (40001) on PostgreSQL; a busy
    database on SQLite."""
    code = getattr(getattr(error, "__cause__", None), "sqlstate", None) or getattr(
        getattr(error, "__cause__", None), "pgcode", None)
    if code in {"55P03", "40P01", "40001"}:
        return True
    text = str(error).lower()
    return "lock timeout" in text or "deadlock" in text or "database is locked" in text or "could not serialize" in text


def _from_row(model, fields, values):
    """An instance of ``model`` from a plain SELECT of ``fields``' columns, each value converted as the ORM
    converts it (``from_db_value`` and the vendor's converters: SQLite's datetimes and booleans)."""
    converted = []
    for field, value in zip(fields, values, strict=True):
        col = field.get_col(model._meta.db_table)
        for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            value = convert(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


def _insert(objs: list, *, returning_id: bool = False) -> None:
    """INSERT ``objs`` (one model) in one statement, each field's value prepared as ``save`` prepares it
    (``pre_save``: auto_now_add; ``get_db_prep_save``: the vendor's form), without the ORM's insert compiler,
    whose cost on every sale was several times the round trip. ``returning_id``: one object, its id set."""
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (f"INSERT INTO {model._meta.db_table} ({', '.join(f.column for f in fields)}) "
           f"VALUES {', '.join([row] * len(objs))}")
    with connection.cursor() as cursor:
        if returning_id:
            [obj] = objs
            cursor.execute(sql + " RETURNING id", params)
            obj.pk = cursor.fetchone()[0]
            obj._state.adding, obj._state.db = False, connection.alias
        else:
            cursor.execute(sql, params)


def _lock_household(shop: Shop, household_id: int) -> tuple[Household, bool]:
    """The household row locked, with its village, and whether ``shop`` serves that village: what
    ``Household.objects.select_for_update(of=("self",), no_key=True).select_related("village")`` with an
    ``Exists`` of the shop's villages would send, written out (the ORM's compile cost more than the round
    trip, on every sale). The household's row only, not its village's, which every insert naming the village
    references; FOR NO KEY UPDATE, so that rows referencing the household may still be inserted meanwhile.
    Which villages a shop serves is not decided at the counter, so that is read, not locked."""
    h_fields, a_fields = Household._meta.concrete_fields, Area._meta.concrete_fields
    lock = " FOR NO KEY UPDATE OF h" if connection.features.has_select_for_update else ""
    served = Shop.villages.through._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join('h.' + f.column for f in h_fields)}, {', '.join('a.' + f.column for f in a_fields)}, "
            f"EXISTS(SELECT 1 FROM {served} sv WHERE sv.shop_id = %s AND sv.area_id = h.village_id) "
            f"FROM {Household._meta.db_table} h JOIN {Area._meta.db_table} a ON a.id = h.village_id "
            f"WHERE h.id = %s{lock}", [shop.pk, household_id])
        row = cursor.fetchone()
    if row is None:
        raise Household.DoesNotExist("该户不存在")
    household = _from_row(Household, h_fields, row[:len(h_fields)])
    household.village = _from_row(Area, a_fields, row[len(h_fields):-1])
    return household, bool(row[-1])


def _redeem_locked(*, actor: Actor, shop: Shop, household: Household, items: dict[int, int], key: str,
                   now) -> Redemption:
    household, served = _lock_household(shop, household.pk)
    if not served:
        raise Refusal({"household": f"{shop.name}不服务该户所在的嘎查村"})
    if not household.is_active:
        raise Refusal({"household": "该户已不在册，不能兑换"})
    village = household.village
    head = lock_head(village.pk)
    products = _lock_products(shop, items)
    # Read again after every lock, in one statement: balance, standing, rate, stock and whether the key was
    # used. A concurrent call with the same key for this household waited on the household lock for the
    # first to commit and is refused here by the key (the uniqueness guard of the receipt, not a second
    # replay convention: a retried request is answered by core.idempotency before this is called), rather
    # than being checked against a balance the first has already spent.
    today = timezone.localdate(now)
    facts = sale_facts(shop_id=shop.pk, household_id=household.pk, village_id=village.pk, day=today,
                       product_ids=items, key=key)
    if facts.key_used:
        raise ValidationError({"idempotency_key": KEY_USED})
    credit = facts.credit
    if not redemption_allowed(credit=facts.credit, vetoed=facts.vetoed):
        standing = redemption_standing(household, today)  # why not, in the words the counter shows
        if not standing.may_redeem:
            raise Refusal({"household": standing.reason})
        credit = standing.credit
    errors = []
    for pk in sorted(items):
        if products[pk].is_retired:
            errors.append(f"「{products[pk].name}」已停用，不能兑换")
    stock = facts.stock
    for pk in sorted(items):
        product = products[pk]
        if not product.is_retired and stock[pk] < items[pk]:
            errors.append(f"「{product.name}」库存只剩{max(stock[pk], 0)}{product.unit}" if stock[pk] > 0
                          else f"「{product.name}」已无库存")
    if errors:
        raise Refusal({"items": errors})
    rate = facts.points_per_yuan
    lines = [RedemptionLine(product_id=pk, quantity=items[pk], price_fen=products[pk].price_fen,
                            points=points_for_fen(products[pk].price_fen, rate) * items[pk])
             for pk in sorted(items)]
    total = sum(line.points for line in lines)
    fen = sum(line.price_fen * line.quantity for line in lines)
    if total > credit:
        raise Refusal({"items": f"本次需{total}分，可兑换积分只有{credit}分"})
    number = _receipt_number(shop, village, today, facts.receipts)
    [entry] = append_entries(village=village, head=head, entries=[LedgerEntry(
        village=village, path=household.path, household=household, account=Account.CREDIT,
        kind=EntryKind.REDEMPTION, points=-total, reason=f"爱心超市兑换 {number}"[:200], occurred_on=today,
        posted_at=now, idempotency_key=f"redeem:{key}")])
    redemption = Redemption(
        shop=shop, household=household, village=village, path=household.path, number=number, points=total, fen=fen,
        cashier=actor.user, created_at=now, idempotency_key=key, entry=entry)
    _insert([redemption], returning_id=True)
    for line in lines:
        line.redemption = redemption
    _insert(lines)
    _insert([
        StockMovement(product_id=line.product_id, shop=shop, path=shop.path, kind=MovementKind.REDEMPTION,
                      quantity=-line.quantity, redemption=redemption, recorded_by=actor.user)
        for line in lines])
    record(actor=actor, action=REDEMPTION_CREATE, obj=redemption,
           data={"number": number, "household": household.pk, "points": total, "fen": fen,
                 "items": {str(line.product_id): line.quantity for line in lines}, "entry": entry.pk})
    return redemption


def void_redemption(*, actor: Actor, redemption: Redemption, reason: str, now=None) -> Redemption:
    """A supervisor voids a redemption of the same day: a reversing credit entry and the goods back on
    the shelf, never an edit of the receipt's lines or the ledger."""
    authorise(actor, caps.VOID, redemption.path)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": "请写明作废原因"})
    if len(reason) > 200:
        raise ValidationError({"reason": "作废原因最多200字"})
    now = now or timezone.now()
    try:
        with transaction.atomic():
            _set_lock_timeout()
            return _void_locked(actor=actor, redemption=redemption, reason=reason, now=now)
    except OperationalError as error:
        if _is_lock_failure(error):
            raise Busy("该户正在办理其他业务，本次未作废，请稍后重试") from error
        raise
    except IntegrityError as error:
        # The unique reversal key of the entry: another void or reversal won a race past the checks
        # in _void_locked. A refusal like theirs, never a bare database error.
        raise Refusal({"redemption": f"兑换单 {redemption.number} 已作废或其积分已冲正，不能再作废"}) from error


def _void_locked(*, actor: Actor, redemption: Redemption, reason: str, now) -> Redemption:
    Household.objects.select_for_update(no_key=True).filter(pk=redemption.household_id).first()
    # of=("self",): the receipt only, not the shop's, village's or entry's rows that every sale references.
    redemption = (Redemption.objects.select_for_update(of=("self",), no_key=True)
                  .select_related("village", "entry", "shop").get(pk=redemption.pk))
    if redemption.voided_at is not None:
        raise Refusal({"redemption": f"兑换单 {redemption.number} 已作废"})
    if LedgerEntry.objects.filter(reverses_id=redemption.entry_id).exists():
        raise Refusal({"redemption": f"兑换单 {redemption.number} 的积分已冲正，不能再作废"})
    today = timezone.localdate(now)
    if timezone.localdate(redemption.created_at) != today:
        raise Refusal({"redemption": f"兑换单 {redemption.number} 不是当天的，不能作废"})
    lines = list(redemption.lines.order_by("product_id"))
    head = lock_head(redemption.village_id)
    list(Product.objects.select_for_update().filter(pk__in=[line.product_id for line in lines]).order_by("pk"))
    entry = redemption.entry
    [reversal] = append_entries(village=redemption.village, head=head, entries=[LedgerEntry(
        village_id=entry.village_id, path=entry.path, household_id=entry.household_id, account=Account.CREDIT,
        kind=EntryKind.REVERSAL, points=-entry.points, reverses=entry,
        reason=f"作废兑换单 {redemption.number}：{reason}"[:200], occurred_on=today, posted_at=now,
        idempotency_key=f"reverse:{entry.pk}")])
    StockMovement.objects.bulk_create([
        StockMovement(product_id=line.product_id, shop_id=redemption.shop_id, path=redemption.shop.path,
                      kind=MovementKind.VOID, quantity=line.quantity, redemption=redemption, reason=reason,
                      recorded_by=actor.user)
        for line in lines])
    redemption.voided_at, redemption.voided_by, redemption.void_reason = now, actor.user, reason
    redemption.void_entry = reversal
    redemption.save(update_fields=["voided_at", "voided_by", "void_reason", "void_entry"])
    record(actor=actor, action=REDEMPTION_VOID, obj=redemption,
           data={"number": redemption.number, "reason": reason, "points": redemption.points, "entry": reversal.pk})
    return redemption


# ---------------------------------------------------------------- household cards


def _issue(actor: Actor, household: Household, now) -> HouseholdCard:
    card = HouseholdCard.objects.create(household=household, path=household.path, issued_at=now,
                                        issued_by=actor.user)
    return card


@transaction.atomic
def issue_card(*, actor: Actor, household: Household, now=None) -> HouseholdCard:
    """A new card; a card still active is revoked first (补办)."""
    authorise(actor, caps.MANAGE, household.path)
    now = now or timezone.now()
    household = Household.objects.select_for_update().get(pk=household.pk)
    if not household.is_active:
        raise Refusal({"household": "该户已不在册，不能发卡"})
    revoked = HouseholdCard.objects.filter(household=household, revoked_at__isnull=True).update(
        revoked_at=now, revoke_reason="补办")
    card = _issue(actor, household, now)
    record(actor=actor, action=CARD_ISSUE, obj=card, data={"household": household.pk, "replaced": revoked})
    return card


@transaction.atomic
def revoke_card(*, actor: Actor, card: HouseholdCard, reason: str, now=None) -> HouseholdCard:
    """挂失: the token stops finding the household at once."""
    authorise(actor, caps.MANAGE, card.path)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请写明挂失原因（如 遗失、损坏）"})
    card = HouseholdCard.objects.select_for_update().get(pk=card.pk)
    if card.revoked_at is not None:
        raise Refusal({"card": "该户卡已挂失"})
    card.revoked_at, card.revoke_reason = now or timezone.now(), reason[:200]
    card.save(update_fields=["revoked_at", "revoke_reason"])
    record(actor=actor, action=CARD_REVOKE, obj=card, data={"household": card.household_id, "reason": reason})
    return card


@transaction.atomic
def issue_grid_cards(*, actor: Actor, grid: Area, now=None) -> list[HouseholdCard]:
    """Cards for every household of ``grid`` in the register that has no active card; the grid's
    active cards, in household-number order (what the A4 card sheet prints)."""
    authorise(actor, caps.MANAGE, grid.path)
    if grid.level != Level.GRID:
        raise ValidationError({"grid": "请选择网格"})
    now = now or timezone.now()
    households = list(Household.objects.select_for_update().filter(grid=grid, is_active=True).order_by("pk"))
    carded = set(HouseholdCard.objects.filter(household__in=households, revoked_at__isnull=True)
                 .values_list("household_id", flat=True))
    new = HouseholdCard.objects.bulk_create([
        HouseholdCard(household=h, path=h.path, issued_at=now, issued_by=actor.user)
        for h in households if h.pk not in carded])
    if new:
        record(actor=actor, action=CARD_ISSUE_GRID, object_type="areas.area", object_id=str(grid.pk),
               area_path=grid.path, data={"issued": len(new), "already": len(carded)})
    return list(HouseholdCard.objects.filter(household__grid=grid, household__is_active=True, revoked_at__isnull=True)
                .select_related("household").order_by("household__number"))
