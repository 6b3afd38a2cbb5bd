from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "grassroots.claims"
    label = "claims"
    verbose_name = "积分申报与审核"
