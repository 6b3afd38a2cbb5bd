"""Error answers: Chinese pages with a way back, and under /api/ the API's JSON error shape
(``{"detail": "..."}``, see api/errors.py ``error_response``) for every error, unhandled ones included.

Wired in grassroots/urls.py (handler400/403/404/500) and settings.CSRF_FAILURE_VIEW. The 500 page is
rendered without the request context: no context processor, no database, no session.

The database out of reach (stopped, restarting, refusing connections) or busy past its lock timeout is
not a bug: the answer is 503 with ``Retry-After`` (JSON under /api/, the standalone 503.html page
elsewhere), from ApiErrorMiddleware.process_exception for a view and from server_error for anything
raised outside one. Django closes the broken connection at the end of the request (``errors_occurred``)
and checks a kept one at the start of the next (CONN_HEALTH_CHECKS), so the process recovers by itself.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

from grassroots.api.errors import error_response
from grassroots.rules.storable_text import unstorable_reason

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

MESSAGES = {
    400: "请求有误，无法处理",
    403: "您没有执行此操作的权限",
    404: "未找到",
    500: "服务器内部错误，请稍后重试；如果刚才提交了内容，请先查看是否已经保存，再决定是否重新提交",
}
CSRF_MESSAGE = "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重新提交"
UNAVAILABLE_MESSAGE = "系统繁忙，请稍后重试"
RETRY_AFTER_SECONDS = 5

# PostgreSQL SQLSTATEs that mean "the server cannot take this now; the same request later will do":
# class 08 (connection exception), admin/crash shutdown, "the database system is starting up / shutting
# down", too many connections, and a lock wait past lock_timeout. Not statement timeouts, not
# serialization failures, not anything about the query itself.
_RETRYABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300", "55P03"}
# SQLite's OperationalError covers "no such table" too (a deployment fault: 500); only these are retryable.
_RETRYABLE_SQLITE = ("database is locked", "database table is locked", "unable to open database file")


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(status: int, detail: str | None = None) -> HttpResponse:
    return error_response(status, detail or MESSAGES.get(status) or STATUS_MESSAGES.get(status) or "请求未能完成")


def _back(request) -> str:
    """The page the caller came from, when it is one of ours; else nothing (the page offers home)."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except Exception:  # a disallowed Host header is what a 400 may be about
        return ""
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={host}, require_https=request.is_secure()):
        return referer
    return ""


def _page(request, template: str, status: int, context: dict | None = None, *, shell: bool = True) -> HttpResponse:
    """``shell``: with the request context (the header, the caller's menu); without it, a standalone page."""
    context = {"back": _back(request), **(context or {})}
    body = loader.get_template(template).render(context, request if shell else None)
    return HttpResponse(body, status=status)


def _reason(exception) -> str:
    """A PermissionDenied's own message when it is one of ours (Chinese), else nothing."""
    text = str(exception or "")
    return text if text and not text.isascii() else ""


@requires_csrf_token
def bad_request(request, exception=None, reason: str = ""):
    if is_api(request):
        return api_error(400, reason or None)
    return _page(request, "400.html", 400, {"reason": reason}, shell=False)


@requires_csrf_token
def permission_denied(request, exception=None):
    if is_api(request):
        return api_error(403, _reason(exception) or None)
    return _page(request, "403.html", 403, {"reason": _reason(exception)})


@requires_csrf_token
def page_not_found(request, exception=None):
    if is_api(request):
        return api_error(404)
    return _page(request, "404.html", 404)


def database_unavailable(exception) -> bool:
    """True when ``exception`` says the database cannot be reached or is busy right now (retry later),
    not that the request or the schema is wrong."""
    if isinstance(exception, InterfaceError):  # "connection already closed"
        return True
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__ or exception
    sqlstate = getattr(cause, "sqlstate", "missing")
    if sqlstate != "missing":  # psycopg: None for failures on the client side (refused, closed, lost)
        return sqlstate is None or sqlstate.startswith("08") or sqlstate in _RETRYABLE_SQLSTATES
    return str(cause).lower().startswith(_RETRYABLE_SQLITE)


def service_unavailable(request) -> HttpResponse:
    """503 with Retry-After. The page is standalone: it may need nothing of the database."""
    if is_api(request):
        response = api_error(503, UNAVAILABLE_MESSAGE)
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def unavailable_or_none(request, exception) -> HttpResponse | None:
    """The 503 answer (logged as a warning) when ``exception`` is the database out of reach, else None.
    Used by ApiErrorMiddleware for pages and by the API's net for unhandled exceptions (api/api.py)."""
    if not database_unavailable(exception):
        return None
    first_line = (str(exception).strip().splitlines() or [""])[0]
    logger.warning("database unavailable on %s %s: %s: %s", request.method, request.path,
                   type(exception).__name__, first_line)
    return service_unavailable(request)


def server_error(request):
    exception = sys.exc_info()[1]  # handler500 runs inside Django's except block
    if database_unavailable(exception):  # raised outside a view (a middleware): still a 503
        return service_unavailable(request)
    if is_api(request):
        return api_error(500)
    # Standalone: no request context, so nothing here may need the database that may be what failed.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def csrf_failure(request, reason=""):
    logger.warning("CSRF failure on %s %s: %s", request.method, request.path, reason)
    if is_api(request):
        return api_error(403, CSRF_MESSAGE)
    return _page(request, "403_csrf.html", 403, {"reason": CSRF_MESSAGE})


class ApiErrorMiddleware:
    """Under /api/, an error answer that is not JSON yet (Ninja's bare 405 "Method not allowed", say)
    becomes the API's JSON error with the same status. Pages and successful answers pass untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code >= 400 and is_api(request)
                and not response.get("Content-Type", "").startswith("application/json")):
            status = response.status_code
            replacement = api_error(status)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response

    def process_exception(self, request, exception):
        """The database out of reach: 503 + Retry-After (JSON under /api/, a Chinese page elsewhere)."""
        return unavailable_or_none(request, exception)


# Form bodies are read here only when URL-encoded: reading a multipart body before the view would swallow its
# parse errors (Django marks a failed multipart parse and answers an empty POST afterwards); Django's form
# fields refuse NUL themselves, and the API's JSON bodies are checked by their schemas (api/errors.py StrictIn).
_FORM_ENCODED = "application/x-www-form-urlencoded"


def unstorable_parameter(request, path_values=(), *, multipart: bool = False) -> tuple[str, str, str] | None:
    """(where, name, reason) of the first parameter of ``request`` holding text the database cannot keep
    (rules/storable_text.py): ``where`` is "path", "query" or "form"; None when all can be kept. A view that
    reads its form itself may pass ``multipart`` to have a multipart form's fields checked too."""
    for value in path_values:
        if isinstance(value, str) and (reason := unstorable_reason(value)):
            return "path", "", reason
    sources = [("query", request.GET)]
    if request.method == "POST" and (request.content_type == _FORM_ENCODED or multipart):
        sources.append(("form", request.POST))
    for where, params in sources:
        for name, values in params.lists():
            for text in (name, *values):
                if reason := unstorable_reason(text):
                    return where, name, reason
    return None


class UnstorableInputMiddleware:
    """A path, query or form parameter holding text the database cannot keep (a NUL character: PostgreSQL
    refuses it, and a query meeting it fails as a 500) is refused before the view runs, naming the parameter:
    under /api/ 422 (a path: 404, it names nothing), elsewhere the Chinese 400 page (a path: 404). Views that
    answer in a format of their own (Open311) carry ``checks_own_parameters`` and do the check themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "checks_own_parameters", False):
            return None
        try:
            found = unstorable_parameter(request, (*view_args, *view_kwargs.values()))
        except Exception:  # an unreadable body (too big, too many fields): the view meets and answers it
            return None
        if found is None:
            return None
        where, name, reason = found
        if where == "path":
            return page_not_found(request)
        if is_api(request):
            return error_response(422, f"参数 {name}：{reason}", {name: [reason]})
        return bad_request(request, reason=f"{name}：{reason}")


STATUS_MESSAGES = {
    401: "请先登录",
    405: "不支持此请求方法",
    413: "请求内容过大",
    503: UNAVAILABLE_MESSAGE,
    429: "请求过于频繁，请稍后再试",
}
