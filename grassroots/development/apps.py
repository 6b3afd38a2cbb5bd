from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    name = "grassroots.development"
    label = "development"
    verbose_name = "发展党员"
