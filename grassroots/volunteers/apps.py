from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "grassroots.volunteers"
    label = "volunteers"
    verbose_name = "志愿服务"
