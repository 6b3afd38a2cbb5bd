from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "grassroots.points"
    label = "points"
    verbose_name = "积分制"
