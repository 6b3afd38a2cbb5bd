"""JSON API of pairing, mounted under /api/pairing: pairs, visits (created with a required ``Idempotency-Key``: a
phone on a weak signal retries), the problems visits collected, and coverage. Thin routes over pairing.selectors
and pairing.services; scoped like the pages."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import StrictBool, StrictFloat, StrictInt, StrictStr

from grassroots.access.scope import access_pair, refuse
from grassroots.api.common import Limit, Offset, RequiredKey, once, page
from grassroots.api.errors import ErrorOut, StrictIn, ValidationErrorOut, api_errors
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.demands.models import Category, Demand
from grassroots.pairing import selectors, services
from grassroots.pairing.models import Help, Visit

router = Router(tags=["包联结对"])

# ---------------------------------------------------------------------- pairs

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits and problems
# Photos are sent through the web form (pairing-visit-new, multipart); the JSON API logs the rest of a visit.

VISIT_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class HelpIn(StrictIn):
    kind: Help.Kind
    detail: StrictStr = Field(min_length=1, max_length=200)
    amount: StrictFloat | StrictInt | None = Field(None, ge=0, le=99_999_999, description="金额（元），可不填")


class ProblemIn(StrictIn):
    text: StrictStr = Field(min_length=1, max_length=2000)
    category: StrictStr = Field("", max_length=40, description="诉求分类代码（demands.Category.code），可不填")
    urgent: StrictBool = False


class VisitIn(StrictIn):
    pair: StrictObjectId
    kind: Visit.Kind = Visit.Kind.HOME
    visited_at: StrictStr = Field(max_length=40, description="走访时间，ISO 8601（如 2026-03-09T15:00:00+08:00；"
                                                          "不带时区按北京时间）")
    notes: StrictStr = Field("", max_length=2000)
    address: StrictStr = Field("", max_length=200)
    latitude: StrictFloat | StrictInt | None = Field(None, ge=-90, le=90)
    longitude: StrictFloat | StrictInt | None = Field(None, ge=-180, le=180)
    helps: list[HelpIn] = Field(default_factory=list, max_length=10)
    problems: list[ProblemIn] = Field(default_factory=list, max_length=10)


class HelpOut(Schema):
    kind: str
    kind_label: str
    detail: str
    amount: float | None


class DemandRef(Schema):
    id: int
    tracking_code: str
    status: str
    status_label: str = Field(description="诉求自身的状态：已受理、办理中、已办结待评价、已评价 …")
    lead_unit: str | None


class ProblemOut(Schema):
    id: int
    visit: int
    visited_on: date
    text: str
    category: str | None
    urgent: bool
    demand: DemandRef


class VisitOut(Schema):
    id: int
    pair: int
    kind: str
    kind_label: str
    visited_at: datetime
    visited_on: date
    address: str
    latitude: float | None
    longitude: float | None
    notes: str
    photos: int
    helps: list[HelpOut]
    problems: list[ProblemOut]


class VisitList(Schema):
    items: list[VisitOut]
    next_offset: int | None


class ProblemList(Schema):
    items: list[ProblemOut]
    next_offset: int | None


def _problem(p) -> dict:
    d = p.demand
    return {"id": p.pk, "visit": p.visit_id, "visited_on": p.visited_on, "text": d.text,
            "category": d.category.code if d.category_id else None, "urgent": d.urgent,
            "demand": {"id": d.pk, "tracking_code": d.tracking_code, "status": d.status,
                       "status_label": d.get_status_display(), "lead_unit": d.lead_unit.name if d.lead_unit_id else None}}


def _visit(v) -> dict:
    return {"id": v.pk, "pair": v.pair_id, "kind": v.kind, "kind_label": v.get_kind_display(), "visited_at": v.visited_at,
            "visited_on": v.visited_on, "address": v.address,
            "latitude": float(v.latitude) if v.latitude is not None else None,
            "longitude": float(v.longitude) if v.longitude is not None else None, "notes": v.notes,
            "photos": v.photo_count, "helps": [{"kind": h.kind, "kind_label": h.get_kind_display(), "detail": h.detail,
                                                "amount": float(h.amount) if h.amount is not None else None}
                                               for h in v.helps_list],
            "problems": [_problem(p) for p in v.problems_list]}


def _visited_at(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError({"visited_at": "走访时间格式不正确（如 2026-03-09T15:00:00+08:00）"}) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _categories(problems: list[ProblemIn]) -> list:
    codes = {p.category for p in problems if p.category}
    found = {c.code: c for c in Category.objects.filter(code__in=codes, is_active=True)}
    rows = []
    for n, p in enumerate(problems, start=1):
        if p.category and p.category not in found:
            raise ValidationError({"problems": f"第{n}个问题：分类代码“{p.category}”不存在或已停用"})
        rows.append({"text": p.text, "category": found.get(p.category), "urgent": p.urgent})
    return rows


@router.post("/visits", response={201: VisitOut, **VISIT_ERRORS}, summary="记录一次走访（幂等，须带 Idempotency-Key；照片请用网页表单上传）")
@api_errors
def create_visit(request, response: HttpResponse, payload: VisitIn, idempotency_key: RequiredKey = None):
    user = request.user
    pair = access_pair(user, pk=payload.pair)
    actor = Actor.from_request(request)
    services.authorise_visit(actor, pair)
    visited_at = _visited_at(payload.visited_at)
    problems = _categories(payload.problems)

    def work() -> dict:
        made = services.log_visit(
            actor=actor, pair=pair, visited_at=visited_at, kind=payload.kind.value, notes=payload.notes,
            address=payload.address, latitude=payload.latitude, longitude=payload.longitude,
            helps=[{"kind": h.kind.value, "detail": h.detail, "amount": h.amount} for h in payload.helps],
            problems=problems)
        visit = selectors.visit_detail(user, made.pk).visit
        return VisitOut.model_validate(_visit(visit)).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=True, action=services.VISIT_CREATE,
                body=payload.model_dump(mode="json"), work=work)


class VisitsQuery(Schema):
    pair: ObjectId | None = None
    since: date | None = Field(None, description="走访日期起（含）")
    until: date | None = Field(None, description="走访日期止（含）")
    limit: Limit = 50
    offset: Offset = 0


@router.get("/visits", response={200: VisitList, **VISIT_ERRORS}, summary="走访记录：本人结对的和所辖区域的（分页）")
@api_errors
def list_visits(request, filters: Query[VisitsQuery]):
    rows = selectors.visits_list(request.user, pair=filters.pair, since=filters.since, until=filters.until)
    chunk = list(rows[filters.offset:filters.offset + filters.limit + 1])
    return page([_visit(v) for v in chunk], filters.limit, filters.offset)


@router.get("/visits/{int:visit_id}", response={200: VisitOut, **VISIT_ERRORS}, summary="一次走访：帮扶、照片数、问题及诉求状态")
@api_errors
def get_visit(request, visit_id: ObjectId):
    return _visit(selectors.visit_detail(request.user, visit_id).visit)


class ProblemsQuery(Schema):
    area: str = Field("", max_length=20, description="区划代码；默认为可见的全部")
    since: date | None = Field(None, description="走访日期起（含）")
    until: date | None = Field(None, description="走访日期止（含）")
    state: Demand.Status | None = Field(None, description="诉求状态")
    limit: Limit = 50
    offset: Offset = 0


@router.get("/problems", response={200: ProblemList, **VISIT_ERRORS},
            summary="走访收集的问题：受理编号与诉求状态（分页）")
@api_errors
def list_problems(request, filters: Query[ProblemsQuery]):
    path = ""
    if filters.area.strip():
        area = Area.objects.filter(code=filters.area.strip()).first()
        if area is None:
            refuse(seen=False)
        path = area.path
    rows = selectors.problems_list(request.user, area=path, since=filters.since, until=filters.until,
                                   state=filters.state.value if filters.state else "")
    chunk = list(rows[filters.offset:filters.offset + filters.limit + 1])
    return page([_problem(p) for p in chunk], filters.limit, filters.offset)

# ---------------------------------------------------------------------- end of visits


# ---------------------------------------------------------------------- coverage

# ---------------------------------------------------------------------- end of coverage
