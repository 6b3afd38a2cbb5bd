"""The API's errors and strict inputs, shared by every app's router.

Every error answer (4xx and 5xx) has one JSON shape (docs/api.md "Errors"):
    {"code": "not_found", "detail": "中文说明", "errors": {"field": ["中文说明"]}}
``code`` is a stable machine word for the status (``CODES``), or a finer one where a client acts on it;
``errors`` names the fields at fault (``__all__`` for the request as a whole) and is ``{}`` otherwise.
``api_errors`` (below the ``@router.<method>`` decorator) turns what selectors and services raise into
them; the handlers registered in grassroots/api/api.py catch what is raised before a route runs.
"""

import functools
import logging
from collections.abc import Mapping
from datetime import date
from typing import Annotated

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponse, JsonResponse
from ninja import Schema
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import BeforeValidator, ConfigDict, field_validator

from grassroots.core.idempotency import IDEMPOTENCY_HEADER, IdempotencyConflict
from grassroots.core.refusals import Refusal
from grassroots.rules.storable_text import first_unstorable

logger = logging.getLogger("grassroots.api")


# The machine word of each status; a client branches on it, the person reads ``detail``.
CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


class ErrorOut(Schema):
    """The one error body of the API."""

    code: str
    detail: str
    errors: dict[str, list[str]]


# One schema: the name is kept for the routers that declare it on 422.
ValidationErrorOut = ErrorOut


def error_body(status: int, detail: str, errors: dict[str, list[str]] | None = None, *, code: str = "") -> dict:
    return {"code": code or CODES.get(status, "error"), "detail": detail, "errors": errors or {}}


def error_response(status: int, detail: str, errors: dict[str, list[str]] | None = None, *,
                   code: str = "") -> JsonResponse:
    return JsonResponse(error_body(status, detail, errors, code=code), status=status,
                        json_dumps_params={"ensure_ascii": False})


def field_errors_response(errors: dict[str, list[str]], *, name_fields: bool = False) -> JsonResponse:
    """422 with the messages per field; ``detail`` repeats them in one line (prefixed by the field if asked)."""
    lines = (f"{field}：{m}" if name_fields and field != NON_FIELD_ERRORS else m
             for field, messages in errors.items() for m in messages)
    return error_response(422, "；".join(dict.fromkeys(lines)) or "提交的数据有误", errors)


def field_errors(exc: DjangoValidationError, fields: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """``exc``'s messages per field; ``fields`` renames a service's field to the request's (``api_errors``)."""
    if hasattr(exc, "error_dict"):
        fields = fields or {}
        out: dict[str, list[str]] = {}
        for field, messages in exc.message_dict.items():
            out.setdefault(fields.get(field, field), []).extend(str(m) for m in messages)
        return out
    return {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}


def django_validation_response(exc: DjangoValidationError, fields: Mapping[str, str] | None = None) -> JsonResponse:
    """A service's ValidationError as 422 (a Refusal as 409), one list of messages per field (``__all__``
    for the rest)."""
    if isinstance(exc, Refusal):
        return refusal_response(exc, fields)
    return field_errors_response(field_errors(exc, fields))


def refusal_response(exc: DjangoValidationError, fields: Mapping[str, str] | None = None) -> JsonResponse:
    """409: well formed, but the state of things refuses it (core.refusals.Refusal)."""
    errors = field_errors(exc, fields)
    lines = (m for messages in errors.values() for m in messages)
    return error_response(409, "；".join(dict.fromkeys(lines)) or "当前状态下不能执行此操作", errors)


def api_errors(view=None, *, fields: Mapping[str, str] | None = None):
    """Translate what selectors and services raise into the API's JSON errors.

    Http404 (missing or outside the caller's areas, alike) → 404; PermissionDenied → 403;
    Refusal → 409; ValidationError → 422 naming the fields; a reused idempotency key → 422; a lost
    race on a unique constraint → 409. Apply it below the ``@router.<method>`` decorator.

    A service names the objects it is given (``parent``, ``member``) where the request sent their ids
    (``parent_id``, ``member_id``): ``@api_errors(fields={"parent": "parent_id"})`` names the request's field
    in ``errors`` instead (a router keeps one such mapping for all its routes, docs/api.md "Errors").
    """
    if view is None:
        return functools.partial(api_errors, fields=fields)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return error_response(404, "未找到")
        except PermissionDenied as e:
            return error_response(403, str(e) or "您没有执行此操作的权限")
        except Refusal as e:
            return refusal_response(e, fields)
        except DjangoValidationError as e:
            return django_validation_response(e, fields)
        except IdempotencyConflict as e:
            return field_errors_response({IDEMPOTENCY_HEADER: [str(e)]})
        except IntegrityError:
            logger.warning("integrity error in %s", view.__name__, exc_info=True)
            return error_response(409, "数据与已有记录冲突，请刷新后重试")

    return wrapper


# Schema (request-parsing) errors are raised by Ninja before a route runs, so only a handler on
# the api object can reach them. These two are meant to be registered in grassroots/api/api.py:
#     api.add_exception_handler(NinjaValidationError, schema_error_handler)
#     api.add_exception_handler(AuthenticationError, unauthenticated_handler)

_SCHEMA_MESSAGES = {
    "missing": "此项必填",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为布尔值（true 或 false）",
    "bool_parsing": "应为布尔值（true 或 false）",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "请求体应为 JSON 对象",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "enum": "取值无效",
    "literal_error": "取值无效",
    "extra_forbidden": "不支持此字段",
    "json_invalid": "请求体不是合法的 JSON",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "too_long": "项数过多",
    "less_than_equal": "数值过大",
    "greater_than_equal": "数值过小",
}
_LOCATION_PREFIXES = {"body", "query", "path", "header", "cookie", "form", "file", "payload", "filters"}


def schema_errors(errors: list[dict]) -> dict[str, list[str]]:
    """Ninja's list of pydantic errors as {field: [Chinese message]}."""
    out: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(p) for p in error.get("loc", ())]
        # A file field is named by itself, even when its name is a location word (an import's ``file``).
        file_field = loc[1] if len(loc) == 2 and loc[0] == "file" else None
        while len(loc) > 1 and loc[0] in _LOCATION_PREFIXES:
            loc = loc[1:]
        # Name the field itself ("tags"), not the item within it ("tags.0").
        field = file_field or (loc[0] if loc and loc[0] not in _LOCATION_PREFIXES else NON_FIELD_ERRORS)
        kind = error.get("type", "")
        message = _SCHEMA_MESSAGES.get(kind)
        if message is None:
            message = str(error.get("msg", "取值无效")).removeprefix("Value error, ")
        ctx = error.get("ctx") or {}
        if kind == "string_too_long" and "max_length" in ctx:
            message = f"最多 {ctx['max_length']} 个字符"
        elif kind == "too_long" and "max_length" in ctx:
            message = f"最多 {ctx['max_length']} 项"
        elif kind == "less_than_equal" and "le" in ctx:
            message = f"不能大于 {ctx['le']}"
        elif kind == "greater_than_equal" and "ge" in ctx:
            message = f"不能小于 {ctx['ge']}"
        out.setdefault(field, []).append(message)
    return out


def schema_error_handler(request, exc: NinjaValidationError) -> HttpResponse:
    return field_errors_response(schema_errors(exc.errors), name_fields=True)


def unauthenticated_handler(request, exc) -> HttpResponse:
    text = str(exc)
    detail = text if text and not text.isascii() else "请先登录：在 Authorization 请求头中带上令牌（Bearer），或使用网页会话"
    response = error_response(401, detail)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def http_error_handler(request, exc) -> HttpResponse:
    """Ninja's own refusals before a route runs; the one a client meets is a body that is not JSON."""
    if exc.status_code == 400:
        return error_response(400, "请求内容不是合法的 JSON")
    return error_response(exc.status_code, str(exc))


# ---------------------------------------------------------------------------------------------
# Strict input types: a boolean is not a number, a number is not a string, 123 is not a date.
# ---------------------------------------------------------------------------------------------


def _iso_date_only(value):
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("应为日期字符串（YYYY-MM-DD）")
    return value


StrictDate = Annotated[date, BeforeValidator(_iso_date_only)]


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value):
        """No field of any body may carry text the database cannot keep (rules/storable_text.py)."""
        reason = first_unstorable(value)
        if reason:
            raise ValueError(reason)
        return value
