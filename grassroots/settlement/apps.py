from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "grassroots.settlement"
    label = "settlement"
    verbose_name = "季度评议与年度总结"
