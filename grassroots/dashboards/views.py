"""The dashboard of an area (数据看板) with drill-down, its Excel tables, the big screen (数据大屏) and the monthly
briefing (工作简报). Thin: parse, read the roll-ups through selectors, render."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from grassroots.access.scope import access_area, require
from grassroots.core.db_router import reads_from_replica
from grassroots.core.excel import xlsx_response
from grassroots.dashboards import capabilities as caps
from grassroots.dashboards import selectors
from grassroots.rules.figures import PERIODS, period_for


def _period(request):
    """The period asked for (?period=week|month|year, this week when absent) and the error for any other value."""
    raw = (request.GET.get("period") or "week").strip()
    if raw not in PERIODS:
        return period_for("week", timezone.localdate()), f"统计周期（period）只能是 week、month 或 year，收到“{raw[:20]}”"
    return period_for(raw, timezone.localdate()), ""


def _area(request, code: str | None):
    if code is None:
        current = request.current_area or None
        if current is None:
            raise Http404("没有可以查看的区域")
        code = current.code
    return access_area(request.user, code=code, capability=caps.VIEW)


@login_required
@require_GET
def dashboard_here(request):
    """The dashboard of the area the caller is working in."""
    area = _area(request, None)
    return redirect("dashboard-area", code=area.code)


@login_required
@require_GET
@reads_from_replica
def dashboard(request, code: str):
    area = _area(request, code)
    period, error = _period(request)
    board = selectors.dashboard(request.user, area, period)
    children_table = selectors.child_table(board)
    return render(request, "dashboards/dashboard.html", {
        "board": board, "area": area, "period": period, "periods": PERIODS, "error": error,
        "children_table": children_table,
        "children_rows": list(zip(board.children, children_table.labelled_rows, strict=True)),
    }, status=400 if error else 200)


@login_required
@require_GET
@reads_from_replica
def dashboard_export(request, code: str):
    """One dashboard table as Excel (?table=children or a section's table key), as the page shows it."""
    area = _area(request, code)
    require(request.user, caps.EXPORT, area.path)
    period, error = _period(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    board = selectors.dashboard(request.user, area, period)
    wanted = request.GET.get("table", "children")
    tables = [selectors.child_table(board), *(t for s in board.sections for t in s.tables)]
    table = next((t for t in tables if t.key == wanted), None)
    if table is None:
        raise Http404("没有这张表")
    return xlsx_response(f"{area.name}_{table.title}_{timezone.localdate():%Y%m%d}.xlsx", table.headers, table.rows,
                         title=table.title[:31])


@login_required
@require_GET
@reads_from_replica
def screen(request, code: str):
    """数据大屏 (the big screen's own work fills this in)."""
    area = _area(request, code)
    period, _ = _period(request)
    return render(request, "dashboards/screen.html", {"board": selectors.dashboard(request.user, area, period)})


@login_required
@require_GET
@reads_from_replica
def screen_data(request, code: str):
    """The big screen's figures as JSON, for its refresh (the big screen's own work fills this in)."""
    area = _area(request, code)
    raise Http404(area.name)


@login_required
@require_GET
def briefing_pick(request, code: str):
    """Choose the month of a briefing (the briefing's own work fills this in)."""
    area = _area(request, code)
    raise Http404(area.name)


@login_required
@require_GET
@reads_from_replica
def briefing(request, code: str, year: int, month: int):
    """工作简报: the A4 PDF of a banner's or township's month (the briefing's own work fills this in)."""
    area = _area(request, code)
    raise Http404(area.name)
