"""Quarterly settlements, the annual summary, year close, the village policy, credit consent.

URL names keep their points- prefix (they predate the split)."""

from django.urls import path

from grassroots.settlement import views

urlpatterns = [
    # 季评议·兑换
    path("points/settlements/", views.settlements, name="points-settlements"),
    path("points/settlements/<int:pk>/", views.settlement, name="points-settlement"),
    path("points/settlements/<int:pk>/recompute/", views.settlement_recompute, name="points-settlement-recompute"),
    path("points/settlements/<int:pk>/publish/", views.settlement_publish, name="points-settlement-publish"),
    path("points/settlements/<int:pk>/correct/", views.settlement_correct, name="points-settlement-correct"),
    path("points/settlements/<int:pk>/xlsx/", views.settlement_xlsx, name="points-settlement-xlsx"),
    # 年总结 and 年末
    path("points/villages/<int:pk>/annual/<int:year>/", views.annual, name="points-annual"),
    path("points/villages/<int:pk>/annual/<int:year>/xlsx/", views.annual_xlsx, name="points-annual-xlsx"),
    path("points/villages/<int:pk>/annual/<int:year>/pdf/", views.annual_pdf, name="points-annual-pdf"),
    path("points/villages/<int:pk>/annual/<int:year>/certificates/", views.annual_certificates,
         name="points-annual-certificates"),
    path("points/villages/<int:pk>/close/<int:year>/", views.year_close, name="points-year-close"),
    # The village's policy, credit consent and the credit look-up
    path("points/villages/<int:pk>/policy/", views.policy, name="points-policy"),
    path("points/households/<int:pk>/consents/", views.consents, name="points-consents"),
    path("points/consents/<int:pk>/revoke/", views.consent_revoke, name="points-consent-revoke"),
    path("points/credit/", views.credit_lookup, name="points-credit-lookup"),
    # Public (the board; no account)
    path("board/settlements/<str:token>/", views.public_settlement, name="points-public-settlement"),
]
