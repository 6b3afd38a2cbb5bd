"""The JSON API: one NinjaAPI object; each app contributes a router."""

from ninja import NinjaAPI

from grassroots.api.auth import API_AUTH
from grassroots.api.common import ApiRenderer

WRITE_METHODS = {"post", "put", "patch", "delete"}
_ERROR = {"$ref": "#/components/schemas/ErrorOut"}
_RETRY_AFTER = {"Retry-After": {"description": "多少秒后可以重试", "schema": {"type": "integer"}}}
# What any route may answer besides what it declares itself, and when (docs/api.md "Errors").
_COMMON_ERRORS = {
    400: ("请求无法解析：请求体不是合法的 JSON 或表单", _ERROR),
    401: ("未登录，或令牌无效、已吊销", _ERROR),
    403: ("无权执行此操作（含网页会话的 CSRF 校验失败、只读成员）", _ERROR),
    404: ("未找到，或不在您的辖区内", _ERROR),
    413: ("请求体过大（超过服务器允许的大小，或表单字段、文件过多）", _ERROR),
    422: ("参数或内容有误：errors 按字段列出原因", _ERROR),
    503: ("数据库暂时不可用：稍后按 Retry-After 重试同一请求（写操作请带同一个 Idempotency-Key）", _ERROR),
}


def _answers(path: str, method: str, operation: dict) -> set[int]:
    """The error statuses the server can answer on an operation whatever its route says: a write
    parses a body (400); a logged-in route refuses anonymous callers (401) and, for a write, a
    failed CSRF check or a read-only member (403); a path with an id or code may name nothing
    visible (404); a body may be too large (413); any input, a query string's included, may be refused field by field (422)."""
    codes = set()
    authenticated = bool(operation.get("security"))
    write = method in WRITE_METHODS
    if write:
        codes |= {400, 422}
    if authenticated:
        codes.add(401)
        if write:
            codes.add(403)
    if "{" in path:
        codes.add(404)
    if operation.get("requestBody"):
        codes.add(413)  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE, or too many form fields or files
    codes.add(422)  # a query parameter holding text the database cannot keep is refused on any route
    codes.add(503)
    return codes


def _mark_required_headers(operation: dict) -> None:
    """A header parsed as optional so that the route answers its absence in its own words
    (``api.common.RequiredKey``) is still required: say so in the document."""
    for parameter in operation.get("parameters", ()):
        schema = parameter.get("schema", {})
        if schema.pop("x-required", False):
            parameter["required"] = True


# The points routes keep the operationIds they had before points/ was split into apps: a client generated from
# the OpenAPI document names its methods by them. (Ninja's default is the view's module and name.)
_POINTS_API, _POINTS_RESULTS = "grassroots.points.api", "grassroots.points.api_results"
_OPERATION_MODULES = {"grassroots.catalogue.api": _POINTS_API, "grassroots.claims.api": _POINTS_API,
                      "grassroots.ledger.api": _POINTS_API, "grassroots.settlement.api": _POINTS_RESULTS,
                      "grassroots.boards.api": _POINTS_RESULTS}
_RESULTS_ROUTES_IN_LEDGER = {"household_balance", "household_months", "household_entries"}


class GrassrootsAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        func = operation.view_func
        module = _OPERATION_MODULES.get(func.__module__, func.__module__)
        if func.__module__ == "grassroots.ledger.api" and func.__name__ in _RESULTS_ROUTES_IN_LEDGER:
            module = _POINTS_RESULTS
        return f"{module}_{func.__name__}".replace(".", "_")

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Declares, once for every route, the errors the server answers outside the route's own
        ``response={...}`` (a malformed body, a missing login, a failed CSRF check, a schema error)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                _mark_required_headers(operation)
                responses = operation.setdefault("responses", {})
                for code in sorted(_answers(path, method, operation)):
                    if code not in responses and str(code) not in responses:
                        description, ref = _COMMON_ERRORS[code]
                        responses[code] = {"description": description,
                                           "content": {"application/json": {"schema": ref}}}
                        if code == 503:
                            responses[code]["headers"] = _RETRY_AFTER
        return schema


api = GrassrootsAPI(
    title="连心 · 基层治理平台 API",
    version="1",
    auth=API_AUTH,
    renderer=ApiRenderer(),
    urls_namespace="api",
)

from grassroots.access.api import router as access_router  # noqa: E402
from grassroots.areas.api import router as areas_router  # noqa: E402
from grassroots.audit.api import router as audit_router  # noqa: E402
from grassroots.boards.api import router as boards_router  # noqa: E402
from grassroots.catalogue.api import router as catalogue_router  # noqa: E402
from grassroots.claims.api import router as claims_router  # noqa: E402
from grassroots.demands.api import router as demands_router  # noqa: E402
from grassroots.development.api import router as development_router  # noqa: E402
from grassroots.ledger.api import results_router as ledger_results_router  # noqa: E402
from grassroots.ledger.api import router as ledger_router  # noqa: E402
from grassroots.meetings.api import router as meetings_router  # noqa: E402
from grassroots.members.api import router as members_router  # noqa: E402
from grassroots.neworgs.api import router as neworgs_router  # noqa: E402
from grassroots.pairing.api import router as pairing_router  # noqa: E402
from grassroots.party.api import router as party_router  # noqa: E402
from grassroots.settlement.api import public_router as settlement_public_router  # noqa: E402
from grassroots.settlement.api import router as settlement_router  # noqa: E402
from grassroots.shop.api import router as shop_router  # noqa: E402
from grassroots.spreadsheets.api import router as spreadsheets_router  # noqa: E402
from grassroots.volunteers.api import router as volunteers_router  # noqa: E402

api.add_router("/auth", access_router)
api.add_router("/", areas_router)
api.add_router("/audit", audit_router)
api.add_router("/points", catalogue_router)
api.add_router("/points", claims_router)
api.add_router("/points", ledger_router)
api.add_router("/points/results", ledger_results_router)
api.add_router("/points/results", settlement_router)
api.add_router("/points/results", boards_router)
api.add_router("/points/public", settlement_public_router)
api.add_router("/shop", shop_router)
api.add_router("/households", spreadsheets_router)
api.add_router("/party", party_router)
api.add_router("/party", members_router)
api.add_router("/party", meetings_router)
api.add_router("/party", development_router)
api.add_router("/party", neworgs_router)
api.add_router("/pairing", pairing_router)
api.add_router("/volunteers", volunteers_router)
api.add_router("/demands", demands_router)

from ninja.errors import AuthenticationError, HttpError  # noqa: E402
from ninja.errors import ValidationError as NinjaValidationError  # noqa: E402

from grassroots.api.errors import (  # noqa: E402
    http_error_handler,
    schema_error_handler,
    unauthenticated_handler,
)

# Schema errors and missing logins are raised before a route runs: only the api object reaches them.
api.add_exception_handler(NinjaValidationError, schema_error_handler)
api.add_exception_handler(AuthenticationError, unauthenticated_handler)
api.add_exception_handler(HttpError, http_error_handler)

# What a route raises without catching it (most routes use api.errors.api_errors; this is the net under
# them), in the same JSON shape. An unhandled exception is logged and answered 500 as JSON, never as
# Django's HTML page; ninja's own Http404 answer would say "Not Found" in English.
import logging  # noqa: E402

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent  # noqa: E402
from django.core.exceptions import ValidationError as DjangoValidationError  # noqa: E402
from django.http import Http404, HttpResponse  # noqa: E402

from grassroots.api.errors import CODES, django_validation_response, error_response  # noqa: E402
from grassroots.core.errors import CSRF_MESSAGE, MESSAGES, STATUS_MESSAGES, unavailable_or_none  # noqa: E402

_logger = logging.getLogger("grassroots.api")


def _not_found(request, exc) -> HttpResponse:
    return error_response(404, MESSAGES[404])


def _forbidden(request, exc) -> HttpResponse:
    text = str(exc)
    return error_response(403, text if text and not text.isascii() else MESSAGES[403])


def _invalid(request, exc) -> HttpResponse:
    return django_validation_response(exc)


def _http_error(request, exc) -> HttpResponse:
    """Ninja's refusals; its session-auth CSRF refusal says "CSRF check Failed" in English."""
    if exc.status_code == 403 and "CSRF" in str(exc):
        return error_response(403, CSRF_MESSAGE)
    return http_error_handler(request, exc)


def _too_large(request, exc) -> HttpResponse:
    """Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE, or a form with too many fields or
    files (it would otherwise answer 500 from here: the body is read while the route's input is parsed)."""
    return error_response(413, STATUS_MESSAGES[413] + "：请缩小请求体或分批提交", code=CODES[413])


def _unhandled(request, exc) -> HttpResponse:
    unavailable = unavailable_or_none(request, exc)  # the database out of reach: 503 + Retry-After
    if unavailable is not None:
        return unavailable
    _logger.error("unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, MESSAGES[500])


api.add_exception_handler(HttpError, _http_error)
api.add_exception_handler(Http404, _not_found)
api.add_exception_handler(PermissionDenied, _forbidden)
api.add_exception_handler(DjangoValidationError, _invalid)
for _too_big in (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
    api.add_exception_handler(_too_big, _too_large)
api.add_exception_handler(Exception, _unhandled)
