"""What every app's router shares: the list envelope and its cursor, the Idempotency-Key header and replays,
times and money as the API writes them, small presenters (docs/api.md)."""

import base64
import binascii
import hashlib
import json
import mimetypes
from datetime import datetime
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.utils import timezone
from ninja import Field, Header, Schema, Status
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from grassroots.api.errors import error_response
from grassroots.areas.models import Area
from grassroots.core.excel import XLSX_CONTENT_TYPE
from grassroots.core.idempotency import IDEMPOTENCY_HEADER, REPLAYED_HEADER, fingerprint, reply_once
from grassroots.core.table_import import Rejected, errors_json

MAX_LIMIT = 200  # the most rows one list answers, for every list of the API

Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"每页条数（1 到 {MAX_LIMIT}）")]
Cursor = Annotated[str | None, Field(max_length=64,
                                     description="翻页游标：上一页返回的 next_cursor 原样传回；第一页不传")]
_MAX_OFFSET = 1_000_000
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


def _encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def position_of(cursor: str | None) -> int:
    """Where the page a cursor names begins; 422 naming ``cursor`` for one this server did not hand out.

    A cursor is opaque to clients (docs/api.md "Lists"): today it holds a position in the list's fixed
    order; it may come to hold the last row's sort key without any client changing."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        position = int(raw[1:]) if raw.startswith("p") else -1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        position = -1
    if not 0 <= position <= _MAX_OFFSET:
        raise DjangoValidationError({"cursor": ["翻页游标无效：请使用上一页返回的 next_cursor，或不传以从第一页开始"]})
    return position


def page(items: list, limit: int, position: int) -> dict:
    """The one list envelope of the API: ``{"items": [...], "next_cursor": str | None}``.

    ``items`` holds up to limit + 1 rows (``rows[position:position + limit + 1]``): the extra one only
    says that another page exists."""
    more = len(items) > limit
    return {"items": items[:limit], "next_cursor": _encode_cursor(position + limit) if more else None}


def Page(item: type[Schema], name: str | None = None) -> type[Schema]:  # noqa: N802 - a schema factory
    """The list envelope's schema for ``item`` (``ClaimOut`` → ``ClaimOutPage``)."""
    return type(name or f"{item.__name__}Page", (Schema,), {
        "__annotations__": {"items": list[item], "next_cursor": str | None},
        "__doc__": f"{item.__name__} 的一页：next_cursor 为 null 表示没有下一页",
    })


# ---------------------------------------------------------------------------------------------
# Times and money as the API writes them
# ---------------------------------------------------------------------------------------------


class ApiJSONEncoder(NinjaJSONEncoder):
    """Money is integer fen in ``<name>_fen``, with a display string beside it where wanted in ``<name>_text``
    (``rules.settlement.yuan_text``: 1750 → "17.50元", 5500 → "55元").

    Times in one form everywhere, Open311 included: ISO 8601 in China Standard Time with its offset
    (``2026-12-06T09:30:00.123+08:00``); dates as ``YYYY-MM-DD``."""

    def default(self, o):
        if isinstance(o, datetime) and timezone.is_aware(o):
            o = timezone.localtime(o)
            return o.isoformat(timespec="milliseconds")
        return super().default(o)


class ApiRenderer(JSONRenderer):
    encoder_class = ApiJSONEncoder
    json_dumps_params = {"ensure_ascii": False}


def json_ready(value):
    """``value`` (a dict of python values, e.g. a schema's ``model_dump()``) as the API would write it: what
    an idempotent route stores to replay is then byte for byte what it first answered."""
    return json.loads(json.dumps(value, cls=ApiJSONEncoder))


def once(request, response: HttpResponse, *, key: str | None, required: bool, action: str, body: dict, work,
         status: int = 201, owner: str = "") -> Status:
    """Run ``work`` (returning a JSON-ready body) once per (caller, key) through core.idempotency.

    A replay answers the first status and body with ``Idempotent-Replayed: true``; a key reused for a
    different request or route is refused (IdempotencyConflict: 422 through api_errors); an error raised
    by ``work`` stores nothing, so the same key may be retried. Without a key the work just runs, unless
    the key is ``required`` (422 naming the header). A public route (no account) holds its keys under
    ``owner`` instead of the user (e.g. the caller's address, as Open311 holds them per client)."""
    key = (key or "").strip()
    if not key:
        if required:
            raise DjangoValidationError({IDEMPOTENCY_HEADER: [MISSING_KEY]})
        return Status(status, json_ready(work()))
    answer, reply, replayed = reply_once(user=None if owner else request.user, owner=owner, key=key, action=action,
                                         request_fingerprint=fingerprint(request.path, body), status=status,
                                         work=lambda: json_ready(work()))
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return Status(answer, reply)


class AreaRef(Schema):
    """An area as every reply names it."""

    code: str
    name: str


def area_ref(area: Area) -> dict:
    return {"code": area.code, "name": area.name}


def user_name(user) -> str:
    return (user.display_name or user.username) if user is not None else ""


# --- photos (visits, meetings, products): answered as the image itself, never a URL to a public folder --------

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")


def photo_download(description: str) -> dict:
    """``openapi_extra`` of a route answering a stored photo: its 200 is the image (JPEG or PNG as
    ``core.photos`` re-encodes every upload), not JSON."""
    return {"responses": {200: {"description": description,
                                "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                            for t in PHOTO_TYPES}}}}


def photo_response(file, content_type: str = "") -> FileResponse:
    """The bytes of a stored photo (a FieldFile) with its content type, cached by the caller's browser only.
    A photo whose file is gone is 404, as on the pages; a stored file that is not one of PHOTO_TYPES (a
    product photo uploaded before ``core.photos`` re-encoded them) is sent as a download, never rendered."""
    if not file:
        raise Http404("没有照片")
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("照片文件不存在") from exc
    content_type = content_type or mimetypes.guess_type(file.name)[0] or ""
    if content_type not in PHOTO_TYPES:
        response = FileResponse(handle, as_attachment=True, content_type="application/octet-stream")
    else:
        response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
# ---------------------------------------------------------------------------------------------
# Files: exports, import templates and imports (docs/api.md "Imports and exports")
# ---------------------------------------------------------------------------------------------

XLSX = XLSX_CONTENT_TYPE


def download(description: str, content_type: str = XLSX) -> dict:
    """``openapi_extra`` of a route answering a file: its 200 is the file, not JSON."""
    return {"responses": {200: {"description": description,
                                "headers": {"Content-Disposition": {"description": "attachment 或 inline，附中文文件名",
                                                                    "schema": {"type": "string"}}},
                                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}}}}}


def page_query(request, **params) -> None:
    """Hand a page's view the query string it reads (``organisation``, ``area``, ``day`` …), built from the API's
    parameters (``organisation_id``, ``area_code`` …): an export route answers the page's own workbook through
    the page's own view, so the two cannot drift apart."""
    request.GET = QueryDict(mutable=True)
    for name, value in params.items():
        if value is not None and value != "":
            request.GET[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)


def file_digest(upload) -> str:
    """The SHA-256 of an uploaded file (what an import's Idempotency-Key is bound to), the file rewound."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def import_once(request, response: HttpResponse, *, upload, key: str | None, action: str, run, done):
    """An import through the API: ``run(upload)`` is the app's import service (core/table_import.py: all rows or
    none), ``done(result)`` the JSON body of what it wrote (201). Idempotency-Key is required and bound to the
    file's content; a rejected file (any row error, or not an .xlsx at all) answers 422 with ``errors`` keyed
    ``"第N行 列名"`` and stores nothing, so the same key may be retried with a corrected file."""
    try:
        return once(request, response, key=key, required=True, action=action, body={"file": file_digest(upload)},
                    work=lambda: done(run(upload)))
    except Rejected as rejected:
        return error_response(422, **errors_json(rejected))
