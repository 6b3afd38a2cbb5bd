from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from grassroots.access.scope import scope_of
from grassroots.audit.selectors import search_audit
from grassroots.rules.roles import VIEW_AUDIT


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def audit_search(request):
    """The audit log of the caller's areas, for a county admin; searchable, never editable."""
    paths = scope_of(request.user).paths(VIEW_AUDIT)
    if not paths:
        raise PermissionDenied("只有系统管理员可以查看审计日志")
    q = request.GET.get("q", "").strip()
    action = request.GET.get("action", "").strip()
    since, until = _date(request.GET.get("since", "")), _date(request.GET.get("until", ""))
    entries = search_audit(area_paths=paths, text=q, action=action, since=since, until=until)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/search.html", {"page": page, "q": q, "action": action,
                                                 "since": since, "until": until})
