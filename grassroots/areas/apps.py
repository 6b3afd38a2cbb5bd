from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "grassroots.areas"
    label = "areas"
    verbose_name = "区划与户籍"
