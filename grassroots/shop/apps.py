from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "grassroots.shop"
    label = "shop"
    verbose_name = "爱心超市"
