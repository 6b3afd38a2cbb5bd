"""JSON API for the audit log: search within the caller's areas, for holders of ``audit.view``."""

from datetime import date, datetime
from typing import Any

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from grassroots.access.scope import scope_of
from grassroots.api.common import Limit, Offset, page
from grassroots.api.errors import ErrorOut, ValidationErrorOut
from grassroots.audit.selectors import search_audit
from grassroots.rules.roles import VIEW_AUDIT

router = Router(tags=["审计"])


class AuditOut(Schema):
    id: int
    at: datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    area_path: str
    ip: str | None
    user_agent: str
    data: dict[str, Any]


class AuditFilters(Schema):
    q: str = Field("", max_length=100, description="操作人、对象编号或来源IP")
    action: str = Field("", max_length=80, description="操作（前缀匹配，如 household.）")
    since: date | None = Field(None, description="起始日期（含）")
    until: date | None = Field(None, description="截止日期（含）")
    limit: Limit = 50
    offset: Offset = 0


class AuditListOut(Schema):
    items: list[AuditOut]
    next_offset: int | None


@router.get("/", response={200: AuditListOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut},
            summary="查询审计记录（须有查看审计记录的权限，否则 403）")
def list_audit(request, filters: Query[AuditFilters]):
    paths = scope_of(request.user).paths(VIEW_AUDIT)
    if not paths:
        raise HttpError(403, "您没有查看审计记录的权限")
    limit, offset = filters.limit, filters.offset
    found = search_audit(area_paths=paths, text=filters.q.strip(), action=filters.action.strip(),
                         since=filters.since, until=filters.until)
    return page(list(found[offset:offset + limit + 1]), limit, offset)
