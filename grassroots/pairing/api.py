"""JSON API of pairing, mounted under /api/pairing: pairs, visits (created with a required ``Idempotency-Key``: a
phone on a weak signal retries), the problems visits collected, and coverage. Thin routes over pairing.selectors
and pairing.services; scoped like the pages."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from grassroots.access.scope import refuse, scope_of
from grassroots.api.errors import ErrorOut, ValidationErrorOut, api_errors
from grassroots.pairing import capabilities as caps
from grassroots.pairing import selectors

router = Router(tags=["包联结对"])
COVERAGE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

# ---------------------------------------------------------------------- pairs

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits and problems

# ---------------------------------------------------------------------- end of visits


# ---------------------------------------------------------------------- coverage


class PairingAreaOut(Schema):
    code: str
    name: str


class PairingCoverageRowOut(Schema):
    area: PairingAreaOut
    pairs: int = Field(description="当日进行中的结对数")
    by_kind: dict[str, int] = Field(description="按结对类型")
    current: dict[str, int] = Field(description="本期（window_on）状态 → 结对数：done、done_late、open、due、overdue、not_owed …")
    missed: int = Field(description="本年已结束而未走访的应走访期数（漏访）")
    households: int
    unpaired: int = Field(description="没有进行中的联系户结对的在册户")
    unpaired_priority: int = Field(description="其中的重点户（有低保、脱贫户、独居老人、残疾标签的成员）")
    unpaired_by_tag: dict[str, int] | None = Field(description="按标签；仅对可查看敏感标签的用户返回")
    units_not_visited: list[str] = Field(description="本季度未走访的包联单位（单位→嘎查村）")


class PairingCoverageOut(Schema):
    day: date
    since: date
    total: PairingCoverageRowOut
    children: list[PairingCoverageRowOut]


def _coverage_row(row, show_tags: bool) -> dict:
    return {"area": {"code": row.area.code, "name": row.area.name}, "pairs": row.pairs, "by_kind": row.by_kind,
            "current": row.current, "missed": row.missed, "households": row.households, "unpaired": row.unpaired,
            "unpaired_priority": row.unpaired_priority,
            "unpaired_by_tag": dict(row.unpaired_by_tag) if show_tags else None,
            "units_not_visited": [f"{unit}→{place}" for unit, place, _label in row.units_not_visited]}


def _seeing_coverage(user, code: str):
    if not scope_of(user).paths(caps.VIEW):
        refuse(seen=False)
    return selectors.coverage_area(user, code)


class PairingCoverageQuery(Schema):
    area: str = Field("", max_length=20, description="区划代码；默认为可见的最上级区域")
    day: date | None = Field(None, description="日期，默认今天")


@router.get("/coverage", response={200: PairingCoverageOut, **COVERAGE_ERRORS}, summary="包联走访覆盖（区域及各下级区域）")
@api_errors
def get_coverage(request, filters: Query[PairingCoverageQuery]):
    area = _seeing_coverage(request.user, filters.area)
    found = selectors.coverage(request.user, area=area, day=filters.day or timezone.localdate())
    return {"day": found.day, "since": found.since, "total": _coverage_row(found.total, found.show_tags),
            "children": [_coverage_row(row, found.show_tags) for row in found.children]}


class PairingFiguresQuery(Schema):
    area: str = Field("", max_length=20, description="区划代码；默认为可见的最上级区域")
    since: date | None = Field(None, description="开始日期，默认当年1月1日")
    until: date | None = Field(None, description="结束日期，默认今天")


class PairingFiguresOut(Schema):
    area: PairingAreaOut
    since: date
    until: date
    visits: int
    households_visited: int
    visits_by_kind: dict[str, int]
    problems: int = Field(description="走访收集的问题（形成诉求）")
    solved: int = Field(description="其中已解决：诉求已办结（已办结待评价、已评价，或办结后关闭），办结日期不晚于结束日期")
    helps: dict[str, int]
    help_amount: Decimal


@router.get("/figures", response={200: PairingFiguresOut, **COVERAGE_ERRORS}, summary="走访成效（按区域和时段，由记录统计）")
@api_errors
def get_figures(request, filters: Query[PairingFiguresQuery]):
    area = _seeing_coverage(request.user, filters.area)
    until = filters.until or timezone.localdate()
    since = filters.since or date(until.year, 1, 1)
    if since > until:
        raise ValidationError({"since": "开始日期不能晚于结束日期"})
    found = selectors.figures(request.user, area=area, since=since, until=until)
    return {"area": {"code": area.code, "name": area.name}, "since": since, "until": until, "visits": found.visits,
            "households_visited": found.households_visited, "visits_by_kind": dict(found.visits_by_kind),
            "problems": found.problems, "solved": found.solved, "helps": dict(found.helps),
            "help_amount": found.help_amount}


class PairingDueItemOut(Schema):
    pair: int
    kind: str
    target: str
    window: str = Field(description="本期，如“2026年3月”")
    status: str = Field(description="今天的状态：overdue、due，或 open（本周内到期）")
    due_on: date = Field(description="本周内开始待走访（或已逾期）的第一天")
    deadline: date = Field(description="走访仍计入本期的最后一天")


class PairingDueOut(Schema):
    day: date
    done: int = Field(description="本期已走访的结对数")
    items: list[PairingDueItemOut]


class PairingDueQuery(Schema):
    day: date | None = Field(None, description="日期，默认今天")


def _target(pair) -> str:
    target = pair.target
    if pair.household_id:
        return f"户{target.number}"
    return getattr(target, "name", str(target))


@router.get("/due", response={200: PairingDueOut, **COVERAGE_ERRORS}, summary="我的本周待走访")
@api_errors
def get_due(request, filters: Query[PairingDueQuery]):
    user = request.user
    found = selectors.due_this_week(user, day=filters.day or timezone.localdate())
    if not found.pairs and not scope_of(user).paths(caps.VIEW):
        refuse(seen=False)
    return {"day": found.day, "done": found.done,
            "items": [{"pair": i.pair.pk, "kind": i.pair.kind, "target": _target(i.pair), "window": i.window.label,
                       "status": i.status, "due_on": i.due_on, "deadline": i.deadline} for i in found.items]}

# ---------------------------------------------------------------------- end of coverage
