from django.urls import path

from grassroots.core import health, views

urlpatterns = [
    path("elder-mode/", views.elder_mode, name="elder-mode"),
    # For the load balancer (core/health.py, docs/deploy.md): no log-in, no trailing slash.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
