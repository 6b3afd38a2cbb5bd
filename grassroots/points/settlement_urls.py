"""Quarterly settlements, the annual summary, the village policy, credit consent."""

from django.urls import path

from grassroots.settlement import views as settlement_views

urlpatterns: list = [
    # 季评议·兑换
    path("points/settlements/", settlement_views.settlements, name="points-settlements"),
    path("points/settlements/<int:pk>/", settlement_views.settlement, name="points-settlement"),
    path("points/settlements/<int:pk>/recompute/", settlement_views.settlement_recompute, name="points-settlement-recompute"),
    path("points/settlements/<int:pk>/publish/", settlement_views.settlement_publish, name="points-settlement-publish"),
    path("points/settlements/<int:pk>/correct/", settlement_views.settlement_correct, name="points-settlement-correct"),
    path("points/settlements/<int:pk>/xlsx/", settlement_views.settlement_xlsx, name="points-settlement-xlsx"),
    # 年总结 and 年末
    path("points/villages/<int:pk>/annual/<int:year>/", settlement_views.annual, name="points-annual"),
    path("points/villages/<int:pk>/annual/<int:year>/xlsx/", settlement_views.annual_xlsx, name="points-annual-xlsx"),
    path("points/villages/<int:pk>/annual/<int:year>/pdf/", settlement_views.annual_pdf, name="points-annual-pdf"),
    path("points/villages/<int:pk>/annual/<int:year>/certificates/", settlement_views.annual_certificates,
         name="points-annual-certificates"),
    path("points/villages/<int:pk>/close/<int:year>/", settlement_views.year_close, name="points-year-close"),
    # The village's policy, credit consent and the credit look-up
    path("points/villages/<int:pk>/policy/", settlement_views.policy, name="points-policy"),
    path("points/households/<int:pk>/consents/", settlement_views.consents, name="points-consents"),
    path("points/consents/<int:pk>/revoke/", settlement_views.consent_revoke, name="points-consent-revoke"),
    path("points/credit/", settlement_views.credit_lookup, name="points-credit-lookup"),
    # Public (the board; no account)
    path("board/settlements/<str:token>/", settlement_views.public_settlement, name="points-public-settlement"),
]
