"""The JSON API: one NinjaAPI object; each app contributes a router."""

from ninja import NinjaAPI
from ninja.security import django_auth

api = NinjaAPI(
    title="连心 · 基层治理平台 API",
    version="1",
    auth=django_auth,
    urls_namespace="api",
)

from grassroots.areas.api import router as areas_router  # noqa: E402
from grassroots.audit.api import router as audit_router  # noqa: E402

api.add_router("/", areas_router)
api.add_router("/audit", audit_router)
