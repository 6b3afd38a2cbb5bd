"""Read-only, scoped admin lists of the shop: every change goes through shop.services and the audit log.
Card tokens are not shown (a token on a screen is a card in someone else's hand)."""

from django.contrib import admin

from grassroots.access.admin import ScopedAdmin
from grassroots.shop import capabilities as caps
from grassroots.shop.models import Donation, HouseholdCard, Product, Redemption, Shop, StockMovement


@admin.register(Shop)
class ShopAdmin(ScopedAdmin):
    view_capability = caps.VIEW
    list_display = ("name", "area", "is_active", "created_at")
    search_fields = ("name",)


@admin.register(Product)
class ProductAdmin(ScopedAdmin):
    view_capability = caps.VIEW
    scope_field = "shop__path"
    list_display = ("name", "unit", "price_fen", "shop", "is_retired")
    list_filter = ("is_retired",)
    search_fields = ("name",)


@admin.register(Donation)
class DonationAdmin(ScopedAdmin):
    view_capability = caps.VIEW
    list_display = ("donor", "donor_kind", "donated_on", "value_fen", "is_public", "shop")
    list_filter = ("donor_kind", "is_public")


@admin.register(StockMovement)
class StockMovementAdmin(ScopedAdmin):
    view_capability = caps.VIEW
    list_display = ("created_at", "shop", "product", "kind", "quantity", "receipt_number", "reason")
    list_filter = ("kind",)


@admin.register(Redemption)
class RedemptionAdmin(ScopedAdmin):
    view_capability = caps.VIEW
    list_display = ("number", "shop", "household", "points", "fen", "cashier", "created_at", "voided_at")
    search_fields = ("number",)


@admin.register(HouseholdCard)
class HouseholdCardAdmin(ScopedAdmin):
    view_capability = caps.MANAGE
    list_display = ("household", "issued_at", "revoked_at", "revoke_reason")
    exclude = ("token",)
