"""What every app's router shares: paging, the Idempotency-Key header and replays, small presenters."""

from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from ninja import Field, Header, Status

from grassroots.areas.models import Area
from grassroots.core.idempotency import IDEMPOTENCY_HEADER, REPLAYED_HEADER, fingerprint, reply_once

MAX_LIMIT = 200  # the most rows one list answers, for every list of the API

Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Field(ge=0, le=1_000_000)]
_KEY_TEXT = "客户端生成的唯一键；同一键重复提交只执行一次，并返回首次的结果（状态码与内容相同，带 Idempotent-Replayed: true）"
MISSING_KEY = "缺少 Idempotency-Key 请求头：请为每次新的提交生成一个唯一键（如 UUID），网络重试时沿用同一个键"
# The header where the server honours it when sent.
OptionalKey = Annotated[str | None, Header(None, alias=IDEMPOTENCY_HEADER, max_length=100, description=_KEY_TEXT)]
# The header where the server answers 422 without it (``once(..., required=True)``): declared required in
# the OpenAPI document (GrassrootsAPI marks it), parsed here as optional so that ``once`` answers the
# missing header with MISSING_KEY.
def _required_header(**kwargs):
    header = Header(None, **kwargs)
    header.json_schema_extra = {"x-required": True}  # read by api.api._mark_required_headers
    return header


RequiredKey = Annotated[str | None, _required_header(alias=IDEMPOTENCY_HEADER, max_length=100, description=_KEY_TEXT)]


def page(items: list, limit: int, offset: int) -> dict:
    """The one paging envelope of every list: ``{"items": [...], "next_offset": int | None}``.

    ``items`` holds up to limit + 1 rows: the extra one only says that another page exists."""
    return {"items": items[:limit], "next_offset": offset + limit if len(items) > limit else None}


def once(request, response: HttpResponse, *, key: str | None, required: bool, action: str, body: dict, work,
         status: int = 201) -> Status:
    """Run ``work`` (returning a JSON-ready body) once per (caller, key) through core.idempotency.

    A replay answers the first status and body with ``Idempotent-Replayed: true``; a key reused for a
    different request or route is refused (IdempotencyConflict: 422 through api_errors); an error raised
    by ``work`` stores nothing, so the same key may be retried. Without a key the work just runs, unless
    the key is ``required`` (422 naming the header)."""
    key = (key or "").strip()
    if not key:
        if required:
            raise DjangoValidationError({IDEMPOTENCY_HEADER: [MISSING_KEY]})
        return Status(status, work())
    answer, reply, replayed = reply_once(user=request.user, key=key, action=action,
                                         request_fingerprint=fingerprint(request.path, body), status=status, work=work)
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return Status(answer, reply)


def area_ref(area: Area) -> dict:
    return {"code": area.code, "name": area.name}


def user_name(user) -> str:
    return (user.display_name or user.username) if user is not None else ""
