from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "grassroots.access"
    label = "access"
    verbose_name = "账号与权限"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from grassroots.access.middleware import start_idle_clock

        user_logged_in.connect(start_idle_clock, dispatch_uid="grassroots.access.start_idle_clock")
