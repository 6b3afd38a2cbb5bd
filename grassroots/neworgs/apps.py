from django.apps import AppConfig


class NeworgsConfig(AppConfig):
    name = "grassroots.neworgs"
    label = "neworgs"
    verbose_name = "两新组织"
