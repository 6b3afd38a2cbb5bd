from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "grassroots.points"
    label = "points"
    verbose_name = "积分制"

    def ready(self):
        from grassroots.points import capabilities

        capabilities.register()
