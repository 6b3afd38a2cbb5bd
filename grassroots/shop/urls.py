"""爱心超市: products, stock movements, redemptions."""

from django.urls import path

from grassroots.shop import views

urlpatterns = [
    path("shop/", views.home, name="shop-home"),
    path("shop/<int:pk>/", views.detail, name="shop-detail"),
    path("shop/<int:pk>/products/new/", views.product_add, name="shop-product-add"),
    path("shop/products/<int:pk>/", views.product, name="shop-product"),
    path("shop/products/<int:pk>/edit/", views.product_edit, name="shop-product-edit"),
    path("shop/products/<int:pk>/retire/", views.product_retire, name="shop-product-retire"),
    path("shop/products/<int:pk>/photo/", views.product_photo, name="shop-product-photo"),
    path("shop/<int:pk>/donations/new/", views.donation_add, name="shop-donation-add"),
    path("shop/<int:pk>/purchases/new/", views.purchase_add, name="shop-purchase-add"),
    path("shop/<int:pk>/stocktake/", views.stocktake, name="shop-stocktake"),
    path("shop/<int:pk>/counter/", views.counter, name="shop-counter"),
    path("shop/card/<str:token>/", views.card_scan, name="shop-card-scan"),
    path("shop/redemptions/<int:pk>/", views.redemption, name="shop-redemption"),
    path("shop/redemptions/<int:pk>/receipt-58mm.pdf", views.redemption_pdf, {"paper": "58"},
         name="shop-receipt-58"),
    path("shop/redemptions/<int:pk>/receipt-a4.pdf", views.redemption_pdf, {"paper": "a4"}, name="shop-receipt-a4"),
    path("shop/redemptions/<int:pk>/void/", views.redemption_void, name="shop-redemption-void"),
    path("shop/<int:pk>/cards/", views.cards, name="shop-cards"),
    path("shop/<int:pk>/cards/issue/", views.card_issue, name="shop-card-issue"),
    path("shop/<int:pk>/cards/<int:card>/revoke/", views.card_revoke, name="shop-card-revoke"),
    path("shop/<int:pk>/cards/sheet.pdf", views.card_sheet, name="shop-card-sheet"),
    path("shop/<int:pk>/exchange-day/", views.exchange_day, name="shop-exchange-day"),
    path("shop/<int:pk>/exchange-day.xlsx", views.exchange_day, {"fmt": "xlsx"}, name="shop-exchange-day-xlsx"),
    path("shop/<int:pk>/exchange-day.pdf", views.exchange_day, {"fmt": "pdf"}, name="shop-exchange-day-pdf"),
    # Public (no account): the donations the shop published
    path("board/shops/<int:pk>/donations/", views.public_donations, name="shop-public-donations"),
]
