from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class AccessConfig(AppConfig):
    name = "grassroots.access"
    label = "access"
    verbose_name = "账号与权限"

    def ready(self):
        # The middleware module imports models, which may only load once the app registry is ready.
        from grassroots.access.middleware import start_idle_clock  # noqa: PLC0415

        user_logged_in.connect(start_idle_clock, dispatch_uid="grassroots.access.start_idle_clock")
