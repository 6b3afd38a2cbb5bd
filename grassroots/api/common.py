"""What every app's router shares: paging, the Idempotency-Key header and replays, small presenters."""

import hashlib
import json
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from ninja import Field, Header, Status

from grassroots.areas.api import IDEMPOTENCY_HEADER
from grassroots.areas.models import Area
from grassroots.core.idempotency import IdempotencyConflict, run_once

MAX_LIMIT = 200

Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Field(ge=0, le=1_000_000)]
OptionalKey = Annotated[str | None, Header(None, alias=IDEMPOTENCY_HEADER, max_length=100,
                                           description="客户端生成的唯一键；同一键重复提交只执行一次，并返回首次的结果")]


def related(paths: list[str], path: str) -> bool:
    """Whether ``path`` lies within one of ``paths`` or contains one of them (a grid in a village)."""
    return any(path.startswith(p) or p.startswith(path) for p in paths)


def page(items: list, limit: int, offset: int) -> dict:
    """``items`` holds up to limit + 1 rows: the extra one only says that another page exists."""
    return {"items": items[:limit], "next_offset": offset + limit if len(items) > limit else None}


def _fingerprint(request, body: dict) -> str:
    raw = json.dumps({"path": request.path, "body": body}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def once(request, response: HttpResponse, *, key: str | None, required: bool, action: str, body: dict, work,
         status: int = 201) -> Status:
    """Run ``work`` (returning a JSON-ready body) once per (caller, key); a replay answers the first
    status and body. A key reused for a different request is refused (422)."""
    key = (key or "").strip()
    if not key:
        if required:
            raise DjangoValidationError({IDEMPOTENCY_HEADER: [
                "缺少 Idempotency-Key 请求头：请为每次新的提交生成一个唯一键（如 UUID），网络重试时沿用同一个键"]})
        return Status(status, work())
    fingerprint = _fingerprint(request, body)

    def first_time() -> dict:
        return {"status": status, "body": work(), "fingerprint": fingerprint}

    result, replayed = run_once(user=request.user, key=key, action=action, work=first_time)
    if replayed:
        if result.get("fingerprint") != fingerprint:
            raise IdempotencyConflict("该幂等键已用于内容不同的请求，请为新请求生成新的键")
        response["Idempotent-Replayed"] = "true"
    return Status(result["status"], result["body"])


def area_ref(area: Area) -> dict:
    return {"code": area.code, "name": area.name}


def user_name(user) -> str:
    return (user.display_name or user.username) if user is not None else ""
