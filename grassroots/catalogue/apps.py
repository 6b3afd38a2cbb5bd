from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "grassroots.catalogue"
    label = "catalogue"
    verbose_name = "积分细则"
