"""JSON API of the 两新 census, mounted under /api/party: the census (as of a day), one organisation, registering
one and recording its census return (both with a required ``Idempotency-Key``), the four registers, the instructor
pool. Thin routes over neworgs.selectors and neworgs.services; scoped like the pages (404 to a stranger and to a
caller who sees no 两新 organisation, 403 to one who may only look)."""

from datetime import date

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import StrictInt, StrictStr

from grassroots.access.scope import access_area, refuse, scope_of
from grassroots.api.common import MAX_LIMIT, Limit, Offset, RequiredKey, once, page
from grassroots.api.errors import ErrorOut, StrictDate, StrictIn, ValidationErrorOut, api_errors
from grassroots.api.ids import ObjectId
from grassroots.audit.context import Actor
from grassroots.neworgs import selectors, services
from grassroots.neworgs.models import NewOrganisation
from grassroots.party import capabilities as caps

router = Router(tags=["两新组织"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class AreaRef(Schema):
    code: str
    name: str


class NewOrganisationOut(Schema):
    id: int
    name: str
    credit_code: str | None
    kind: str
    kind_label: str
    industry: str
    area: AreaRef
    registered_on: date
    closed_on: date | None
    counted_on: date | None = Field(description="最近一次普查的统计日期（截至所问日期）")
    employees: int | None
    full_members: int | None
    probationary_members: int | None
    qualifies: bool = Field(description="正式党员 3 人以上，符合单独组建党组织条件")
    covering_organisation: str | None = Field(description="当日覆盖它的党组织")
    instructors: list[str] = Field(description="当日选派到它的党建工作指导员")


def _organisation(o, instructors: list[str] | None = None) -> dict:
    return {"id": o.pk, "name": o.name, "credit_code": o.credit_code, "kind": o.kind, "kind_label": o.get_kind_display(),
            "industry": o.industry, "area": {"code": o.area.code, "name": o.area.name},
            "registered_on": o.registered_on, "closed_on": o.closed_on, "counted_on": o.counted_on,
            "employees": o.employees, "full_members": o.full_members, "probationary_members": o.probationary_members,
            "qualifies": o.qualifies, "covering_organisation": o.covering_name,
            "instructors": instructors if instructors is not None else [d.instructor.name for d in o.dispatches_on]}


class NewOrganisationList(Schema):
    items: list[NewOrganisationOut]
    next_offset: int | None


class CensusQuery(Schema):
    area: str = Field("", max_length=20, description="区划代码；默认为可见的全部")
    day: date | None = Field(None, description="截至日期，默认今天")
    limit: Limit = 50
    offset: Offset = 0


def _seeing(user) -> None:
    if not scope_of(user).paths(caps.VIEW):
        refuse(seen=False)


def _area_of(user, code: str, *, required: bool):
    if code.strip():
        return access_area(user, code=code, capability=caps.VIEW)
    if not required:
        return None
    area = selectors.default_area(user)
    if area is None:
        refuse(seen=False)
    return area


@router.get("/new-organisations", response={200: NewOrganisationList, **ERRORS},
            summary="两新组织台账（截至某日，分页）")
@api_errors
def list_new_organisations(request, filters: Query[CensusQuery]):
    _seeing(request.user)
    day = filters.day or timezone.localdate()
    rows = selectors.census_list(request.user, day=day, area=_area_of(request.user, filters.area, required=False))
    chunk = list(rows[filters.offset:filters.offset + filters.limit + 1])
    return page([_organisation(o) for o in chunk], filters.limit, filters.offset)


class CensusReturnOut(Schema):
    id: int
    counted_on: date
    employees: int
    full_members: int
    probationary_members: int


class CoverageOut(Schema):
    organisation: str
    organisation_code: str | None
    started_on: date
    ended_on: date | None


class DispatchOut(Schema):
    instructor: str
    employer: str
    started_on: date
    ended_on: date | None


class NewOrganisationDetail(NewOrganisationOut):
    returns: list[CensusReturnOut]
    coverages: list[CoverageOut]
    dispatches: list[DispatchOut]


def _detail(user, pk: int, day: date) -> dict:
    found = selectors.new_organisation_detail(user, pk)
    [figures] = selectors.with_figures(NewOrganisation.objects.filter(pk=found.pk).select_related("area"), day)
    dispatches = list(found.dispatches.all())
    return {
        **_organisation(figures, [d.instructor.name for d in dispatches
                                  if d.started_on <= day and (d.ended_on is None or day < d.ended_on)]),
        "returns": [{"id": r.pk, "counted_on": r.counted_on, "employees": r.employees, "full_members": r.full_members,
                     "probationary_members": r.probationary_members} for r in found.returns.all()],
        "coverages": [{"organisation": c.organisation.name, "organisation_code": c.organisation.code,
                       "started_on": c.started_on, "ended_on": c.ended_on} for c in found.coverages.all()],
        "dispatches": [{"instructor": d.instructor.name, "employer": d.instructor.employer, "started_on": d.started_on,
                        "ended_on": d.ended_on} for d in dispatches],
    }


class DayQuery(Schema):
    day: date | None = Field(None, description="截至日期，默认今天")


@router.get("/new-organisations/{int:new_organisation_id}", response={200: NewOrganisationDetail, **ERRORS},
            summary="一个两新组织：普查数据、党组织覆盖、指导员选派")
@api_errors
def get_new_organisation(request, new_organisation_id: ObjectId, filters: Query[DayQuery]):
    return _detail(request.user, new_organisation_id, filters.day or timezone.localdate())


class NewOrganisationIn(StrictIn):
    name: StrictStr = Field(min_length=1, max_length=200)
    kind: NewOrganisation.Kind
    area: StrictStr = Field(max_length=20, description="所在区域的区划代码")
    registered_on: StrictDate
    credit_code: StrictStr = Field("", max_length=18)
    industry: StrictStr = Field("", max_length=50)


@router.post("/new-organisations", response={201: NewOrganisationDetail, **ERRORS},
             summary="纳入一个两新组织（幂等，须带 Idempotency-Key）")
@api_errors
def create_new_organisation(request, response: HttpResponse, payload: NewOrganisationIn,
                            idempotency_key: RequiredKey = None):
    user = request.user
    _seeing(user)
    area = access_area(user, code=payload.area, capability=caps.VIEW)
    actor = Actor.from_request(request)
    services.authorise_manage(actor, area.path)

    def work() -> dict:
        made = services.register_new_organisation(
            actor=actor, name=payload.name, kind=payload.kind.value, area=area, registered_on=payload.registered_on,
            credit_code=payload.credit_code, industry=payload.industry)
        return NewOrganisationDetail.model_validate(_detail(user, made.pk, timezone.localdate())).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=True, action="neworgs.organisation.register",
                body=payload.model_dump(mode="json"), work=work)


class CensusReturnIn(StrictIn):
    counted_on: StrictDate
    employees: StrictInt = Field(ge=0, le=1_000_000)
    full_members: StrictInt = Field(ge=0, le=1_000_000)
    probationary_members: StrictInt = Field(0, ge=0, le=1_000_000)


@router.post("/new-organisations/{int:new_organisation_id}/census-returns", response={201: CensusReturnOut, **ERRORS},
             summary="录入一次普查数据（幂等，须带 Idempotency-Key）")
@api_errors
def create_census_return(request, response: HttpResponse, new_organisation_id: ObjectId, payload: CensusReturnIn,
                         idempotency_key: RequiredKey = None):
    found = selectors.new_organisation_detail(request.user, new_organisation_id)
    actor = Actor.from_request(request)
    services.authorise_manage(actor, found.path)

    def work() -> dict:
        row = services.record_census_return(actor=actor, new_organisation=found, counted_on=payload.counted_on,
                                            employees=payload.employees, full_members=payload.full_members,
                                            probationary_members=payload.probationary_members)
        return CensusReturnOut.model_validate({
            "id": row.pk, "counted_on": row.counted_on, "employees": row.employees, "full_members": row.full_members,
            "probationary_members": row.probationary_members}).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=True, action="neworgs.census_return.record",
                body=payload.model_dump(mode="json"), work=work)


class FiguresOut(Schema):
    in_census: int = Field(description="纳入台账的两新组织")
    qualifying: int = Field(description="有党员且符合组建条件的")
    covered: int = Field(description="已建立党组织的两新组织")
    covering_organisations: int = Field(description="覆盖它们的党组织（联合党组织计一次）")
    uncovered_qualifying: int = Field(description="符合条件而未建立党组织的")


class BuiltOut(Schema):
    new_organisation: int
    name: str
    organisation: str
    organisation_code: str | None
    joint: bool = Field(description="联合组建：该党组织当日覆盖多个两新组织")
    covered_since: date
    full_members: int | None


class ReserveOut(Schema):
    name: str
    organisation: str
    stage: str
    stage_since: date


class DispatchedOut(Schema):
    instructor: str
    employer: str
    new_organisation: int
    new_organisation_name: str
    started_on: date


class NewlyBuiltOut(Schema):
    organisation: str
    code: str | None
    host_name: str
    founded_on: date


class GapOut(Schema):
    new_organisation: int
    name: str
    full_members: int


class BuiltList(Schema):
    count: int
    items: list[BuiltOut]


class ReserveList(Schema):
    count: int
    items: list[ReserveOut]


class DispatchedList(Schema):
    count: int
    items: list[DispatchedOut]


class NewlyBuiltList(Schema):
    count: int
    items: list[NewlyBuiltOut]


class GapList(Schema):
    count: int
    items: list[GapOut]


class RegistersOut(Schema):
    area: AreaRef
    day: date
    figures: FiguresOut
    built: BuiltList = Field(description=f"已建立党组织名册（最多 {MAX_LIMIT} 条，count 为总数）")
    reserve: ReserveList = Field(description="发展党员人选储备名册")
    dispatched: DispatchedList = Field(description="党建工作指导员选派名册")
    newly_built: NewlyBuiltList = Field(description="新建党组织名册（当年1月1日至所问日期）")
    gap: GapList = Field(description="符合条件而未建立党组织的两新组织")


class RegistersQuery(Schema):
    area: str = Field("", max_length=20, description="区划代码；默认为可见的最上级区域")
    day: date | None = Field(None, description="截至日期，默认今天")


def _capped(queryset, present) -> dict:
    rows = list(queryset[:MAX_LIMIT + 1])
    count = len(rows) if len(rows) <= MAX_LIMIT else queryset.count()
    return {"count": count, "items": [present(r) for r in rows[:MAX_LIMIT]]}


@router.get("/registers", response={200: RegistersOut, **ERRORS},
            summary="四本台账与统计（截至某日；每本最多 200 条，附总数）")
@api_errors
def get_registers(request, filters: Query[RegistersQuery]):
    user = request.user
    _seeing(user)
    area = _area_of(user, filters.area, required=True)
    day = filters.day or timezone.localdate()
    four = selectors.four_registers(user, area=area, day=day)
    f = four.figures
    return {
        "area": {"code": area.code, "name": area.name}, "day": day,
        "figures": {"in_census": f.in_census, "qualifying": f.qualifying, "covered": f.covered,
                    "covering_organisations": f.covering_organisations,
                    "uncovered_qualifying": f.uncovered_qualifying},
        "built": _capped(four.built, lambda o: {
            "new_organisation": o.pk, "name": o.name, "organisation": o.covering_name,
            "organisation_code": o.covering_code, "joint": o.covering_count > 1, "covered_since": o.covered_since,
            "full_members": o.full_members}),
        "reserve": _capped(four.reserve, lambda d: {"name": d.name, "organisation": d.organisation.name,
                                                    "stage": d.stage_on, "stage_since": d.stage_since}),
        "dispatched": _capped(four.dispatched, lambda d: {
            "instructor": d.instructor.name, "employer": d.instructor.employer,
            "new_organisation": d.new_organisation_id, "new_organisation_name": d.new_organisation.name,
            "started_on": d.started_on}),
        "newly_built": _capped(four.newly_built, lambda o: {"organisation": o.name, "code": o.code,
                                                            "host_name": o.host_name, "founded_on": o.founded_on}),
        "gap": _capped(four.gap, lambda o: {"new_organisation": o.pk, "name": o.name, "full_members": o.full_members}),
    }


class InstructorOut(Schema):
    id: int
    name: str
    employer: str
    title: str
    mobile: str
    joined_on: date
    dispatched_to: list[str] = Field(description="当日选派到的两新组织")


class InstructorList(Schema):
    items: list[InstructorOut]
    next_offset: int | None


@router.get("/instructors", response={200: InstructorList, **ERRORS}, summary="党建工作指导员人才库（截至某日，分页）")
@api_errors
def list_instructors(request, filters: Query[CensusQuery]):
    _seeing(request.user)
    day = filters.day or timezone.localdate()
    pool = selectors.instructor_pool(request.user, day=day,
                                     area=_area_of(request.user, filters.area, required=False))
    chunk = list(pool[filters.offset:filters.offset + filters.limit + 1])
    return page([{"id": i.pk, "name": i.name, "employer": i.employer, "title": i.title, "mobile": i.mobile,
                  "joined_on": i.joined_on, "dispatched_to": [d.new_organisation.name for d in i.dispatches_on]}
                 for i in chunk], filters.limit, filters.offset)
