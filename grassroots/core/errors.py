"""Error answers: Chinese pages with a way back, and under /api/ the API's JSON error shape
(``{"detail": "..."}``, see areas/api.py ``error_response``) for every error, unhandled ones included.

Wired in grassroots/urls.py (handler400/403/404/500) and settings.CSRF_FAILURE_VIEW. The 500 page is
rendered without the request context: no context processor, no database, no session.
"""

import logging

from django.http import HttpResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

MESSAGES = {
    400: "请求有误，无法处理",
    403: "您没有执行此操作的权限",
    404: "未找到",
    500: "服务器内部错误，请稍后重试；如果刚才提交了内容，请先查看是否已经保存，再决定是否重新提交",
}
CSRF_MESSAGE = "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重新提交"


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(status: int, detail: str | None = None) -> HttpResponse:
    from grassroots.areas.api import error_response

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
def bad_request(request, exception=None):
    if is_api(request):
        return api_error(400)
    return _page(request, "400.html", 400, shell=False)


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


def server_error(request):
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


STATUS_MESSAGES = {
    401: "请先登录",
    405: "不支持此请求方法",
    413: "请求内容过大",
    429: "请求过于频繁，请稍后再试",
}
