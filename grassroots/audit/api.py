"""JSON API for the audit log: search within the caller's areas, for holders of ``audit.view`` (as the
page 审计日志, audit/views.py); read only, newest first, in the one list envelope (docs/api.md)."""

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema

from grassroots.access.scope import scope_of
from grassroots.api.common import Cursor, Limit, Page, page, position_of
from grassroots.api.errors import ErrorOut, StrictDate, api_errors
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
    since: StrictDate | None = Field(None, description="起始日期（含，YYYY-MM-DD）")
    until: StrictDate | None = Field(None, description="截止日期（含，YYYY-MM-DD）")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/", response={200: Page(AuditOut), 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
            summary="查询审计记录（须有查看审计记录的权限，否则 403）")
@api_errors
def list_audit(request, filters: Query[AuditFilters]):
    paths = scope_of(request.user).paths(VIEW_AUDIT)
    if not paths:
        raise PermissionDenied("您没有查看审计记录的权限")
    limit, position = filters.limit, position_of(filters.cursor)
    found = search_audit(area_paths=paths, text=filters.q.strip(), action=filters.action.strip(),
                         since=filters.since, until=filters.until)
    return page(list(found[position:position + limit + 1]), limit, position)
