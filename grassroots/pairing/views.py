"""Pages of pairing (/pairing/): thin views over pairing.selectors and pairing.services."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from grassroots.access.scope import refuse, scope_of
from grassroots.areas.models import Area
from grassroots.core.days import asked_day
from grassroots.core.db_router import reads_from_replica
from grassroots.core.excel import xlsx_response
from grassroots.pairing import capabilities as caps
from grassroots.pairing import selectors


def not_yet(request, **kwargs):
    """A reserved page that has not landed yet (urls.py). Remove once every page is in."""
    raise Http404("未找到")


# ---------------------------------------------------------------------- pairs

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits

# ---------------------------------------------------------------------- end of visits


# ---------------------------------------------------------------------- coverage


def _coverage_area(request) -> Area:
    """The area asked for (?area=code) or the caller's outermost one; 404 to a caller without pairing.VIEW."""
    if not scope_of(request.user).paths(caps.VIEW):
        refuse(seen=False)
    return selectors.coverage_area(request.user, request.GET.get("area") or "")


@login_required
@require_GET
@reads_from_replica
def my_pairs(request):
    """包联走访: the caller's own pairs — what is due this week first, then every pair with its window's status."""
    day = asked_day(request)[0]
    user = request.user
    due = selectors.due_this_week(user, day=day)
    may_view = bool(scope_of(user).paths(caps.VIEW))
    if not due.pairs and not may_view:
        refuse(seen=False)
    return render(request, "pairing/my.html", {"due": due, "day": day, "may_view": may_view})


@login_required
@require_GET
@reads_from_replica
def coverage(request):
    """Coverage of an area on a day, with one row per child area (drill-down) and the seed's figures of the year."""
    area = _coverage_area(request)
    day = asked_day(request)[0]
    found = selectors.coverage(request.user, area=area, day=day)
    year = selectors.figures(request.user, area=area, since=date(day.year, 1, 1), until=day)
    scope = scope_of(request.user)
    return render(request, "pairing/coverage.html", {
        "coverage": found, "day": day, "figures": year, "columns": selectors.CURRENT_COLUMNS,
        "may_export": scope.can(caps.EXPORT, area.path), "rule_note": selectors.rule_note()})


COVERAGE_HEADERS = ["区域", "结对数", "已走访", "待走访", "已逾期", "可走访", "本期不需走访", "本年漏访次数", "户数",
                    "未结对户", "未结对重点户", "本季度未走访的包联单位"]


def _coverage_cells(row, show_tags: bool) -> list:
    priority = row.unpaired_priority
    if show_tags:
        priority = f"{priority}（" + "、".join(f"{selectors.PRIORITY_LABELS[t]}{n}" for t, n in
                                              row.unpaired_by_tag.items()) + "）"
    return [row.area.name, row.pairs, *row.columns, row.missed, row.households, row.unpaired, priority,
            "；".join(f"{unit}→{place}" for unit, place, _label in row.units_not_visited)]


@login_required
@require_GET
@reads_from_replica
def coverage_xlsx(request):
    area = _coverage_area(request)
    scope = scope_of(request.user)
    if not scope.can(caps.EXPORT, area.path):
        refuse(seen=True)
    day = asked_day(request)[0]
    found = selectors.coverage(request.user, area=area, day=day)
    rows = [_coverage_cells(row, found.show_tags) for row in (found.total, *found.children)]
    return xlsx_response(f"包联走访覆盖-{area.name}-{day}.xlsx", COVERAGE_HEADERS, rows, title="包联走访覆盖")


def _period(request) -> tuple[date, date]:
    today = timezone.localdate()
    since, _ = asked_day(request, "from")
    until, _ = asked_day(request, "to")
    if not (request.GET.get("from") or "").strip():
        since = date(today.year, 1, 1)
    if since > until:
        messages.warning(request, "开始日期晚于结束日期，已对调")
        since, until = until, since
    return since, until


@login_required
@require_GET
@reads_from_replica
def figures(request):
    """The seed's figures (visits, households visited, problems collected and solved, helps) for an area and period."""
    area = _coverage_area(request)
    since, until = _period(request)
    found = selectors.figures(request.user, area=area, since=since, until=until)
    return render(request, "pairing/figures.html", {"figures": found, "trail": list(area.ancestors())})

# ---------------------------------------------------------------------- end of coverage


# ---------------------------------------------------------------------- cloud branch

# ---------------------------------------------------------------------- end of cloud branch
