"""爱心超市: a village's (or a township's) shop where households spend their redeemable points.

Stock is never a stored count: it is the sum of a product's movements (StockMovement, append-only).
A redemption writes its receipt, one credit entry in the village's points ledger and one stock
movement per product in one transaction; a void writes a reversing entry and returning movements.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from grassroots.areas.models import Area, Household
from grassroots.core.storage import private_storage


class Shop(models.Model):
    """爱心超市. ``area`` is the village that runs it, or a township serving several villages."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="shops", verbose_name="所属区域")
    path = models.CharField(max_length=255, help_text="copy of area.path, for scoping")
    name = models.CharField("名称", max_length=100)
    villages = models.ManyToManyField(Area, related_name="served_by_shops", verbose_name="服务的嘎查村社区")
    is_active = models.BooleanField("营业中", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "爱心超市"
        verbose_name_plural = "爱心超市"
        ordering = ["path", "id"]
        indexes = [models.Index(fields=["path"], name="shop_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name


def product_photo_path(instance, filename: str) -> str:
    return f"shop/{instance.shop_id}/{secrets.token_hex(8)}-{filename[-40:]}"


class Product(models.Model):
    """A product on the shelf. Its points cost is not stored: it depends on the household's village rate
    (``rules.settlement.points_for_fen(price_fen, policy.points_per_yuan)``). Retired, never deleted."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="products")
    name = models.CharField("品名", max_length=60)
    unit = models.CharField("单位", max_length=10)
    price_fen = models.PositiveIntegerField("价格（分）")
    photo = models.ImageField("照片", upload_to=product_photo_path, storage=private_storage, blank=True)
    low_stock = models.PositiveIntegerField("库存预警", default=5)
    is_retired = models.BooleanField("已停用", default=False)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "商品"
        verbose_name_plural = "商品"
        ordering = ["shop_id", "is_retired", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], condition=Q(is_retired=False),
                                    name="product_name_unique_on_shelf"),
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="product_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class DonorKind(models.TextChoices):
    PAIRING_UNIT = "pairing_unit", "包联单位"
    COMPANY = "company", "企业"
    INDIVIDUAL = "individual", "个人"
    OTHER = "other", "其他"


class Donation(models.Model):
    """捐赠: who gave what and when. Its items are the donation's stock movements."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="donations")
    path = models.CharField(max_length=255)
    donor = models.CharField("捐赠方", max_length=100)
    donor_kind = models.CharField("捐赠方类型", max_length=16, choices=DonorKind.choices)
    donated_on = models.DateField("捐赠日期")
    value_fen = models.PositiveIntegerField("价值（分）", default=0)
    note = models.CharField("说明", max_length=300, blank=True)
    is_public = models.BooleanField("在公示栏公布", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Written only before the shop's pages went through core.idempotency (keys of earlier donations); nothing
    # writes it now. Left in place for those rows: dropping it is a migration of its own.
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = "捐赠"
        verbose_name_plural = "捐赠"
        ordering = ["-donated_on", "-id"]

    def __str__(self) -> str:
        return f"{self.donor} {self.donated_on}"


class MovementKind(models.TextChoices):
    DONATION = "donation", "捐赠入库"
    PURCHASE = "purchase", "采购入库"
    STOCKTAKE = "stocktake", "盘点差异"
    REDEMPTION = "redemption", "兑换出库"
    VOID = "void", "作废退回"


class StockMovement(models.Model):
    """One change of one product's stock (+ in, − out). Append-only: database triggers refuse UPDATE and
    DELETE. A product's stock is the sum of its movements."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="movements")
    path = models.CharField(max_length=255)
    kind = models.CharField(max_length=12, choices=MovementKind.choices)
    quantity = models.IntegerField("数量")
    donation = models.ForeignKey(Donation, null=True, blank=True, on_delete=models.PROTECT, related_name="movements")
    receipt_number = models.CharField("采购票据号", max_length=60, blank=True)
    reason = models.CharField("原因", max_length=200, blank=True)
    redemption = models.ForeignKey("Redemption", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="movements")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # As Donation.idempotency_key: kept for the movements written with a key before; nothing writes it now.
    idempotency_key = models.CharField(max_length=120, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = "出入库记录"
        verbose_name_plural = "出入库记录"
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="movement_quantity_not_zero")]
        indexes = [
            models.Index(fields=["product", "kind"], name="movement_product_idx"),
            models.Index(fields=["shop", "created_at"], name="movement_shop_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.product_id} {self.quantity:+d}"


class Redemption(models.Model):
    """兑换单: one household's purchase at the counter, paid in redeemable points."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="redemptions")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="redemptions")
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255, help_text="the household's path")
    number = models.CharField("兑换单号", max_length=40, unique=True)
    points = models.PositiveIntegerField("积分")
    fen = models.PositiveIntegerField("价值（分）")
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    created_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64, unique=True)
    entry = models.OneToOneField("ledger.LedgerEntry", on_delete=models.PROTECT, related_name="redemption")
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    void_reason = models.CharField("作废原因", max_length=200, blank=True)
    void_entry = models.OneToOneField("ledger.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="voided_redemption")

    class Meta:
        verbose_name = "兑换单"
        verbose_name_plural = "兑换单"
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="redemption_points_positive")]
        indexes = [
            models.Index(fields=["shop", "created_at"], name="redemption_shop_time_idx"),
            models.Index(fields=["path"], name="redemption_path_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class RedemptionLine(models.Model):
    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField("数量")
    price_fen = models.PositiveIntegerField("单价（分）")
    points = models.PositiveIntegerField("积分（本行合计）")

    class Meta:
        ordering = ["redemption_id", "id"]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"

    @property
    def fen(self) -> int:
        return self.price_fen * self.quantity


def card_token() -> str:
    return secrets.token_urlsafe(16)


class HouseholdCard(models.Model):
    """户卡: the QR card a household shows at the counter. The token is opaque (never an ID number);
    a lost card is revoked and a new one issued."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="shop_cards")
    path = models.CharField(max_length=255)
    token = models.CharField(max_length=40, unique=True, default=card_token)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField("挂失原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "户卡"
        verbose_name_plural = "户卡"
        ordering = ["household_id", "-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["household"], condition=Q(revoked_at__isnull=True),
                                               name="one_active_card_per_household")]
        indexes = [models.Index(fields=["path"], name="card_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.household_id} 户卡"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
