from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "grassroots.boards"
    label = "boards"
    verbose_name = "公示栏"
