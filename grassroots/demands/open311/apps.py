from django.apps import AppConfig


class Open311Config(AppConfig):
    """The Open311 GeoReport v2 endpoint of the demands app: its own small app so that its one model (the
    API keys of client systems) and its migrations live beside it."""

    name = "grassroots.demands.open311"
    label = "open311"
    verbose_name = "Open311 接口"
