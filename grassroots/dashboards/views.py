"""The dashboard of an area (数据看板) with drill-down, its Excel tables, the big screen (数据大屏) and the monthly
briefing (工作简报). Thin: parse, read the roll-ups through selectors, render."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from grassroots.access.scope import access_area, require
from grassroots.areas.models import Level
from grassroots.core.db_router import reads_from_replica
from grassroots.core.excel import xlsx_response
from grassroots.core.pdf import pdf_response
from grassroots.dashboards import capabilities as caps
from grassroots.dashboards import selectors
from grassroots.dashboards.briefing import briefing_pdf
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
        "charts": selectors.charts(board, map_key=_map_key(request)),
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


def _map_key(request) -> str | None:
    return (request.GET.get("map") or "").strip()[:60] or None


@login_required
@require_GET
@reads_from_replica
def screen(request, code: str):
    """数据大屏: the dashboard's figures and charts, full screen and dark, for a meeting room's display. Its script
    fetches ``screen_data`` every minute."""
    area = _area(request, code)
    period, error = _period(request)
    board = selectors.dashboard(request.user, area, period)
    return render(request, "dashboards/screen.html", {
        "board": board, "area": area, "period": period, "error": error,
        "data": selectors.screen_figures(board, map_key=_map_key(request)),
    }, status=400 if error else 200)


@login_required
@require_GET
@reads_from_replica
def screen_data(request, code: str):
    """The big screen's figures, charts and freshness as JSON, for its refresh."""
    area = _area(request, code)
    period, error = _period(request)
    if error:
        return JsonResponse({"detail": error}, status=400, json_dumps_params={"ensure_ascii": False})
    board = selectors.dashboard(request.user, area, period)
    response = JsonResponse(selectors.screen_figures(board, map_key=_map_key(request)),
                            json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


BRIEFING_LEVELS = (Level.COUNTY, Level.TOWNSHIP)


def _briefing_area(request, code: str):
    area = _area(request, code)
    if area.level not in BRIEFING_LEVELS:
        raise Http404("工作简报只为旗县和乡镇编制")
    return area


def _month_error(first: date | None) -> str:
    """Why a briefing of the month starting ``first`` cannot be made ('' when it can)."""
    today = timezone.localdate()
    if first is None:
        return "月份（month）格式应为“年-月”，例如 2026-03"
    if first > today:
        return f"月份（month）{first.year}年{first.month}月还没有到，不能编制简报"
    earliest = selectors.first_data_month() or today.replace(day=1)
    if first < earliest:
        return (f"月份（month）{first.year}年{first.month}月早于平台的数据"
                f"（最早为{earliest.year}年{earliest.month}月）")
    return ""


def _parse_month(raw: str) -> date | None:
    try:
        year, month = (int(part) for part in raw.strip().split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


@login_required
@require_GET
@reads_from_replica
def briefing_pick(request, code: str):
    """Choose the month of a briefing: ?month=YYYY-MM sends the PDF; a bad month says why, naming the field."""
    area = _briefing_area(request, code)
    today = timezone.localdate()
    error, raw = "", request.GET.get("month")
    if raw is not None:
        first = _parse_month(raw)
        error = _month_error(first)
        if not error:
            return redirect("dashboard-briefing", code=area.code, year=first.year, month=first.month)
    earliest = selectors.first_data_month() or today.replace(day=1)
    return render(request, "dashboards/briefing_pick.html", {
        "area": area, "error": error, "value": (raw or f"{today:%Y-%m}")[:7],
        "min": f"{earliest:%Y-%m}", "max": f"{today:%Y-%m}",
    }, status=400 if error else 200)


@login_required
@require_GET
@reads_from_replica
def briefing(request, code: str, year: int, month: int):
    """工作简报: the A4 PDF of a banner's or township's month."""
    area = _briefing_area(request, code)
    if not 1 <= month <= 12:
        first, error = None, f"月份（month）应在1到12之间，收到{month}"
    else:
        first = date(year, month, 1) if 1900 <= year <= 9999 else date.min
        error = _month_error(first)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    document = briefing_pdf(selectors.briefing(request.user, area, first))
    return pdf_response(document, f"工作简报_{area.name}_{year}年{month}月.pdf")
