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
from grassroots.points.api import router as points_router  # noqa: E402
from grassroots.points.api_results import router as points_results_router  # noqa: E402
from grassroots.shop.api import router as shop_router  # noqa: E402

api.add_router("/", areas_router)
api.add_router("/audit", audit_router)
api.add_router("/points", points_router)
api.add_router("/points/results", points_results_router)
api.add_router("/shop", shop_router)

from ninja.errors import AuthenticationError, HttpError  # noqa: E402
from ninja.errors import ValidationError as NinjaValidationError  # noqa: E402

from grassroots.areas.api import (  # noqa: E402
    http_error_handler,
    schema_error_handler,
    unauthenticated_handler,
)

# Schema errors and missing logins are raised before a route runs: only the api object reaches them.
api.add_exception_handler(NinjaValidationError, schema_error_handler)
api.add_exception_handler(AuthenticationError, unauthenticated_handler)
api.add_exception_handler(HttpError, http_error_handler)
