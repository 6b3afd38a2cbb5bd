"""JSON API of the 两新 census, mounted under /api/party (docs/api.md, "Party registers"): the census (as of a
day), one organisation, registering one, its census returns, coverage by a party organisation, instructors
dispatched to it and closing it (as its page does), the four registers (each its own cursor list) and the
instructor pool (adding one, one leaving). Every create needs an ``Idempotency-Key``. Thin routes over
neworgs.selectors and neworgs.services; scoped like the pages (404 to a stranger and to a caller who sees no 两新
organisation, 403 to one who may only look); a state refusal (already closed, already covered, already ended,
already dispatched) is 409."""

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import StrictInt, StrictStr

from grassroots.access.scope import access_area, access_scoped, refuse, scope_of, visible
from grassroots.api.common import (
    Cursor,
    Limit,
    OptionalKey,
    Page,
    RequiredKey,
    area_ref,
    download,
    import_once,
    once,
    page,
    page_query,
    position_of,
)
from grassroots.api.errors import ErrorOut, StrictDate, StrictIn, api_errors
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.audit.context import Actor
from grassroots.neworgs import selectors, services, views
from grassroots.neworgs.models import Coverage, Dispatch, Instructor, NewOrganisation
from grassroots.party import capabilities as caps
from grassroots.party.api import PartyAreaRef

router = Router(tags=["两新组织"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
# The services name the organisations and instructors they are given; the requests send their ids
# (``api_errors``: ``errors`` names the request's field).
FIELDS = {"organisation": "organisation_id", "instructor": "instructor_id"}


class NewOrganisationOut(Schema):
    id: int
    name: str
    credit_code: str | None
    kind: str
    kind_label: str
    industry: str
    area: PartyAreaRef
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
            "industry": o.industry, "area": area_ref(o.area),
            "registered_on": o.registered_on, "closed_on": o.closed_on, "counted_on": o.counted_on,
            "employees": o.employees, "full_members": o.full_members, "probationary_members": o.probationary_members,
            "qualifies": o.qualifies, "covering_organisation": o.covering_name,
            "instructors": instructors if instructors is not None else [d.instructor.name for d in o.dispatches_on]}


class CensusQuery(Schema):
    area_code: str = Field("", max_length=20, description="区划代码；默认为可见的全部")
    day: date | None = Field(None, description="截至日期，默认今天")
    limit: Limit = 50
    cursor: Cursor = None


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


@router.get("/new-organisations/", response={200: Page(NewOrganisationOut), **READ_ERRORS},
            summary="两新组织台账（截至某日，分页）")
@api_errors(fields=FIELDS)
def list_new_organisations(request, filters: Query[CensusQuery]):
    _seeing(request.user)
    day = filters.day or timezone.localdate()
    rows = selectors.census_list(request.user, day=day,
                                 area=_area_of(request.user, filters.area_code, required=False))
    limit, position = filters.limit, position_of(filters.cursor)
    return page([_organisation(o) for o in rows[position:position + limit + 1]], limit, position)


class CensusReturnOut(Schema):
    id: int
    counted_on: date
    employees: int
    full_members: int
    probationary_members: int


class CoverageOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    organisation_code: str | None
    started_on: date
    ended_on: date | None


class SecondmentOut(Schema):
    id: int
    instructor_id: int
    instructor: str
    employer: str
    started_on: date
    ended_on: date | None


class NewOrganisationDetail(NewOrganisationOut):
    returns: list[CensusReturnOut]
    coverages: list[CoverageOut]
    dispatches: list[SecondmentOut]


def _detail(user, pk: int, day: date) -> dict:
    found = selectors.new_organisation_detail(user, pk)
    [figures] = selectors.with_figures(NewOrganisation.objects.filter(pk=found.pk).select_related("area"), day)
    dispatches = list(found.dispatches.all())
    return {
        **_organisation(figures, [d.instructor.name for d in dispatches
                                  if d.started_on <= day and (d.ended_on is None or day < d.ended_on)]),
        "returns": [{"id": r.pk, "counted_on": r.counted_on, "employees": r.employees, "full_members": r.full_members,
                     "probationary_members": r.probationary_members} for r in found.returns.all()],
        "coverages": [_coverage(c) for c in found.coverages.all()],
        "dispatches": [_dispatch(d) for d in dispatches],
    }


def _coverage(c: Coverage) -> dict:
    return {"id": c.pk, "organisation_id": c.organisation_id, "organisation": c.organisation.name,
            "organisation_code": c.organisation.code, "started_on": c.started_on, "ended_on": c.ended_on}


def _dispatch(d: Dispatch) -> dict:
    return {"id": d.pk, "instructor_id": d.instructor_id, "instructor": d.instructor.name,
            "employer": d.instructor.employer, "started_on": d.started_on, "ended_on": d.ended_on}


class NewOrganisationDayQuery(Schema):
    day: date | None = Field(None, description="截至日期，默认今天")


@router.get("/new-organisations/{int:new_organisation_id}/", response={200: NewOrganisationDetail, **READ_ERRORS},
            summary="一个两新组织：普查数据、党组织覆盖、指导员选派")
@api_errors(fields=FIELDS)
def get_new_organisation(request, new_organisation_id: ObjectId, filters: Query[NewOrganisationDayQuery]):
    return _detail(request.user, new_organisation_id, filters.day or timezone.localdate())


class NewOrganisationIn(StrictIn):
    name: StrictStr = Field(min_length=1, max_length=200)
    kind: NewOrganisation.Kind
    area_code: StrictStr = Field(max_length=20, description="所在区域的区划代码")
    registered_on: StrictDate
    credit_code: StrictStr = Field("", max_length=18)
    industry: StrictStr = Field("", max_length=50)


@router.post("/new-organisations/", response={201: NewOrganisationDetail, **ERRORS},
             summary="纳入一个两新组织（幂等，须带 Idempotency-Key）")
@api_errors(fields=FIELDS)
def create_new_organisation(request, response: HttpResponse, payload: NewOrganisationIn,
                            idempotency_key: RequiredKey = None):
    user = request.user
    _seeing(user)
    area = access_area(user, code=payload.area_code, capability=caps.VIEW)
    actor = Actor.from_request(request)
    services.authorise_manage(actor, area.path)

    def work() -> dict:
        made = services.register_new_organisation(
            actor=actor, name=payload.name, kind=payload.kind.value, area=area, registered_on=payload.registered_on,
            credit_code=payload.credit_code, industry=payload.industry)
        return NewOrganisationDetail.model_validate(_detail(user, made.pk, timezone.localdate())).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="neworgs.organisation.register",
                body=payload.model_dump(), work=work)


class CensusReturnIn(StrictIn):
    counted_on: StrictDate
    employees: StrictInt = Field(ge=0, le=1_000_000)
    full_members: StrictInt = Field(ge=0, le=1_000_000)
    probationary_members: StrictInt = Field(0, ge=0, le=1_000_000)


@router.post("/new-organisations/{int:new_organisation_id}/census-returns/", response={201: CensusReturnOut, **ERRORS},
             summary="录入一次普查数据（幂等，须带 Idempotency-Key）")
@api_errors(fields=FIELDS)
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
            "probationary_members": row.probationary_members}).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="neworgs.census_return.record",
                body=payload.model_dump(), work=work)


class FiguresOut(Schema):
    in_census: int = Field(description="纳入台账的两新组织")
    qualifying: int = Field(description="有党员且符合组建条件的")
    covered: int = Field(description="已建立党组织的两新组织")
    covering_organisations: int = Field(description="覆盖它们的党组织（联合党组织计一次）")
    uncovered_qualifying: int = Field(description="符合条件而未建立党组织的")


class RegistersOut(Schema):
    area: PartyAreaRef
    day: date
    figures: FiguresOut


class RegistersQuery(Schema):
    area_code: str = Field("", max_length=20, description="区划代码；默认为可见的最上级区域")
    day: date | None = Field(None, description="截至日期，默认今天")


class RegisterPageQuery(RegistersQuery):
    limit: Limit = 50
    cursor: Cursor = None


def _four(user, filters):
    _seeing(user)
    area = _area_of(user, filters.area_code, required=True)
    return selectors.four_registers(user, area=area, day=filters.day or timezone.localdate())


@router.get("/registers/", response={200: RegistersOut, **READ_ERRORS},
            summary="两新组织党建统计（截至某日）；四本台账见 /registers/built/ 等")
@api_errors(fields=FIELDS)
def get_registers(request, filters: Query[RegistersQuery]):
    four = _four(request.user, filters)
    f = four.figures
    return {"area": area_ref(four.area), "day": four.day,
            "figures": {"in_census": f.in_census, "qualifying": f.qualifying, "covered": f.covered,
                        "covering_organisations": f.covering_organisations,
                        "uncovered_qualifying": f.uncovered_qualifying}}


def _register_page(queryset, filters, present) -> dict:
    limit, position = filters.limit, position_of(filters.cursor)
    return page([present(r) for r in queryset[position:position + limit + 1]], limit, position)


class BuiltOut(Schema):
    new_organisation_id: int
    name: str
    organisation: str
    organisation_code: str | None
    joint: bool = Field(description="联合组建：该党组织当日覆盖多个两新组织")
    covered_since: date
    full_members: int | None


@router.get("/registers/built/", response={200: Page(BuiltOut), **READ_ERRORS}, summary="已建立党组织名册")
@api_errors(fields=FIELDS)
def register_built(request, filters: Query[RegisterPageQuery]):
    return _register_page(_four(request.user, filters).built, filters, lambda o: {
        "new_organisation_id": o.pk, "name": o.name, "organisation": o.covering_name,
        "organisation_code": o.covering_code, "joint": o.covering_count > 1, "covered_since": o.covered_since,
        "full_members": o.full_members})


class RegisterReserveOut(Schema):
    development_id: int
    name: str
    organisation: str
    stage: str
    stage_since: date


@router.get("/registers/reserve/", response={200: Page(RegisterReserveOut), **READ_ERRORS},
            summary="发展党员人选储备名册（两新组织）")
@api_errors(fields=FIELDS)
def register_reserve(request, filters: Query[RegisterPageQuery]):
    return _register_page(_four(request.user, filters).reserve, filters, lambda d: {
        "development_id": d.pk, "name": d.name, "organisation": d.organisation.name, "stage": d.stage_on,
        "stage_since": d.stage_since})


class DispatchedOut(Schema):
    dispatch_id: int
    instructor_id: int
    instructor: str
    employer: str
    new_organisation_id: int
    new_organisation_name: str
    started_on: date


@router.get("/registers/dispatched/", response={200: Page(DispatchedOut), **READ_ERRORS},
            summary="党建工作指导员选派名册")
@api_errors(fields=FIELDS)
def register_dispatched(request, filters: Query[RegisterPageQuery]):
    return _register_page(_four(request.user, filters).dispatched, filters, lambda d: {
        "dispatch_id": d.pk, "instructor_id": d.instructor_id, "instructor": d.instructor.name,
        "employer": d.instructor.employer, "new_organisation_id": d.new_organisation_id,
        "new_organisation_name": d.new_organisation.name, "started_on": d.started_on})


class NewlyBuiltOut(Schema):
    organisation_id: int
    organisation: str
    code: str | None
    host_name: str
    founded_on: date


@router.get("/registers/newly-built/", response={200: Page(NewlyBuiltOut), **READ_ERRORS},
            summary="新建党组织名册（当年1月1日至所问日期）")
@api_errors(fields=FIELDS)
def register_newly_built(request, filters: Query[RegisterPageQuery]):
    return _register_page(_four(request.user, filters).newly_built, filters, lambda o: {
        "organisation_id": o.pk, "organisation": o.name, "code": o.code, "host_name": o.host_name,
        "founded_on": o.founded_on})


class GapOut(Schema):
    new_organisation_id: int
    name: str
    full_members: int


@router.get("/registers/gap/", response={200: Page(GapOut), **READ_ERRORS},
            summary="符合条件而未建立党组织的两新组织")
@api_errors(fields=FIELDS)
def register_gap(request, filters: Query[RegisterPageQuery]):
    return _register_page(_four(request.user, filters).gap, filters, lambda o: {
        "new_organisation_id": o.pk, "name": o.name, "full_members": o.full_members})


class InstructorOut(Schema):
    id: int
    name: str
    employer: str
    title: str
    mobile: str
    joined_on: date
    left_on: date | None
    dispatched_to: list[str] = Field(description="当日选派到的两新组织")


def _instructor(i: Instructor, dispatched_to: list[str] | None = None) -> dict:
    return {"id": i.pk, "name": i.name, "employer": i.employer, "title": i.title, "mobile": i.mobile,
            "joined_on": i.joined_on, "left_on": i.left_on,
            "dispatched_to": dispatched_to if dispatched_to is not None
            else [d.new_organisation.name for d in i.dispatches_on]}


@router.get("/instructors/", response={200: Page(InstructorOut), **READ_ERRORS},
            summary="党建工作指导员人才库（截至某日，分页）")
@api_errors(fields=FIELDS)
def list_instructors(request, filters: Query[CensusQuery]):
    _seeing(request.user)
    day = filters.day or timezone.localdate()
    pool = selectors.instructor_pool(request.user, day=day,
                                     area=_area_of(request.user, filters.area_code, required=False))
    limit, position = filters.limit, position_of(filters.cursor)
    return page([_instructor(i) for i in pool[position:position + limit + 1]], limit, position)


# ------------------------------------------------------------------- what the pages do besides (issue #18)


def _managed(request, new_organisation_id: int) -> tuple[NewOrganisation, Actor]:
    """The organisation as its page's forms take it: 404 unseen, 403 to one who may only look."""
    found = selectors.new_organisation_detail(request.user, new_organisation_id)
    actor = Actor.from_request(request)
    services.authorise_manage(actor, found.path)
    return found, actor


class ClosedIn(StrictIn):
    closed_on: StrictDate = Field(description="注销日期；当日起覆盖与选派一并结束")


@router.post("/new-organisations/{int:new_organisation_id}/close/", response={200: NewOrganisationDetail, **ERRORS},
             summary="注销两新组织（已注销 409）")
@api_errors(fields=FIELDS)
def close_new_organisation(request, response: HttpResponse, new_organisation_id: ObjectId, payload: ClosedIn,
                           idempotency_key: OptionalKey = None):
    found, actor = _managed(request, new_organisation_id)

    def work() -> dict:
        services.close_new_organisation(actor=actor, new_organisation=found, closed_on=payload.closed_on)
        return NewOrganisationDetail.model_validate(
            _detail(request.user, found.pk, timezone.localdate())).model_dump()

    return once(request, response, key=idempotency_key, required=False, action="neworgs.organisation.close",
                body=payload.model_dump(mode="json"), work=work, status=200)


class CoverIn(StrictIn):
    organisation_id: StrictObjectId = Field(description="覆盖它的党组织编号（建在非公企业或社会组织的）")
    started_on: StrictDate = Field(description="起始日期")


@router.post("/new-organisations/{int:new_organisation_id}/coverages/", response={201: CoverageOut, **ERRORS},
             summary="登记党组织覆盖（幂等；已有覆盖 409）")
@api_errors(fields=FIELDS)
def create_coverage(request, response: HttpResponse, new_organisation_id: ObjectId, payload: CoverIn,
                    idempotency_key: RequiredKey = None):
    found, actor = _managed(request, new_organisation_id)
    organisation = selectors.covering_organisations(request.user).filter(pk=payload.organisation_id).first()
    if organisation is None:
        raise DjangoValidationError({"organisation_id": f"党组织 {payload.organisation_id} 不存在或不在您的范围内"})

    def work() -> dict:
        row = services.cover(actor=actor, new_organisation=found, organisation=organisation,
                             started_on=payload.started_on)
        return CoverageOut.model_validate(_coverage(row)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="neworgs.coverage.start",
                body=payload.model_dump(mode="json"), work=work)


class SpanEndIn(StrictIn):
    ended_on: StrictDate = Field(description="结束日期")


@router.post("/new-organisations/{int:new_organisation_id}/coverages/{int:coverage_id}/end/",
             response={200: CoverageOut, **ERRORS}, summary="结束覆盖（已结束 409）")
@api_errors(fields=FIELDS)
def end_coverage(request, response: HttpResponse, new_organisation_id: ObjectId, coverage_id: ObjectId,
                 payload: SpanEndIn, idempotency_key: OptionalKey = None):
    found, actor = _managed(request, new_organisation_id)
    row = access_scoped(Coverage.objects.filter(new_organisation=found).select_related("organisation"),
                        pk=coverage_id)

    def work() -> dict:
        done = services.end_coverage(actor=actor, coverage=row, ended_on=payload.ended_on)
        return CoverageOut.model_validate(_coverage(done)).model_dump()

    return once(request, response, key=idempotency_key, required=False, action="neworgs.coverage.end",
                body=payload.model_dump(mode="json"), work=work, status=200)


class DispatchIn(StrictIn):
    instructor_id: StrictObjectId = Field(description="人才库中的指导员编号")
    started_on: StrictDate = Field(description="选派日期")


@router.post("/new-organisations/{int:new_organisation_id}/dispatches/", response={201: SecondmentOut, **ERRORS},
             summary="选派党建工作指导员（幂等；已选派 409）")
@api_errors(fields=FIELDS)
def create_dispatch(request, response: HttpResponse, new_organisation_id: ObjectId, payload: DispatchIn,
                    idempotency_key: RequiredKey = None):
    found, actor = _managed(request, new_organisation_id)
    instructor = visible(request.user, Instructor.objects.filter(left_on__isnull=True), caps.MANAGE).filter(
        pk=payload.instructor_id).first()
    if instructor is None:
        raise DjangoValidationError({"instructor_id": f"指导员 {payload.instructor_id} 不在您管理的人才库中"})

    def work() -> dict:
        row = services.dispatch(actor=actor, instructor=instructor, new_organisation=found,
                                started_on=payload.started_on)
        return SecondmentOut.model_validate(_dispatch(row)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="neworgs.dispatch.start",
                body=payload.model_dump(mode="json"), work=work)


@router.post("/new-organisations/{int:new_organisation_id}/dispatches/{int:dispatch_id}/end/",
             response={200: SecondmentOut, **ERRORS}, summary="结束选派（已结束 409）")
@api_errors(fields=FIELDS)
def end_dispatch(request, response: HttpResponse, new_organisation_id: ObjectId, dispatch_id: ObjectId,
                 payload: SpanEndIn, idempotency_key: OptionalKey = None):
    found, actor = _managed(request, new_organisation_id)
    row = access_scoped(Dispatch.objects.filter(new_organisation=found).select_related("instructor"), pk=dispatch_id)

    def work() -> dict:
        done = services.end_dispatch(actor=actor, dispatch=row, ended_on=payload.ended_on)
        return SecondmentOut.model_validate(_dispatch(done)).model_dump()

    return once(request, response, key=idempotency_key, required=False, action="neworgs.dispatch.end",
                body=payload.model_dump(mode="json"), work=work, status=200)


def _may_manage(user) -> None:
    _seeing(user)
    if not scope_of(user).paths(caps.MANAGE):
        refuse(seen=True)


class InstructorIn(StrictIn):
    name: StrictStr = Field(min_length=1, max_length=50)
    employer: StrictStr = Field(min_length=1, max_length=100, description="工作单位")
    title: StrictStr = Field("", max_length=50, description="职务")
    mobile: StrictStr = Field("", max_length=20)
    joined_on: StrictDate = Field(description="入库日期")


@router.post("/instructors/", response={201: InstructorOut, **ERRORS},
             summary="指导员入库（幂等；入我管理的最上级区域的人才库）")
@api_errors(fields=FIELDS)
def add_instructor(request, response: HttpResponse, payload: InstructorIn, idempotency_key: RequiredKey = None):
    _may_manage(request.user)
    area = selectors.default_area(request.user, caps.MANAGE)
    if area is None:
        refuse(seen=True)

    def work() -> dict:
        made = services.add_instructor(actor=Actor.from_request(request), area=area, name=payload.name,
                                       employer=payload.employer, title=payload.title, mobile=payload.mobile,
                                       joined_on=payload.joined_on)
        return InstructorOut.model_validate(_instructor(made, [])).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="neworgs.instructor.add",
                body=payload.model_dump(mode="json"), work=work)


class LeaveIn(StrictIn):
    left_on: StrictDate = Field(description="退出日期；当日起其选派一并结束")


@router.post("/instructors/{int:instructor_id}/leave/", response={200: InstructorOut, **ERRORS},
             summary="指导员退出人才库（已退出 409）")
@api_errors(fields=FIELDS)
def instructor_leaves(request, response: HttpResponse, instructor_id: ObjectId, payload: LeaveIn,
                      idempotency_key: OptionalKey = None):
    _seeing(request.user)
    instructor = access_scoped(visible(request.user, Instructor.objects.all(), caps.VIEW), pk=instructor_id)

    def work() -> dict:
        done = services.instructor_leaves(actor=Actor.from_request(request), instructor=instructor,
                                          left_on=payload.left_on)
        return InstructorOut.model_validate(_instructor(done, [])).model_dump()

    return once(request, response, key=idempotency_key, required=False, action="neworgs.instructor.leave",
                body=payload.model_dump(mode="json"), work=work, status=200)


# ---------------------------------------------------------------------------------------------
# Spreadsheets (docs/api.md "Imports and exports"): the pages' own workbooks and imports, through the pages' views
# and the one import service of each.
# ---------------------------------------------------------------------------------------------

FILE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class NeworgsXlsxQuery(Schema):
    day: StrictDate | None = Field(None, description="截至哪一天（YYYY-MM-DD），默认今天")
    area_code: str = Field("", max_length=20, description="区域代码；默认调用者最外层的区域")


@router.get("/new-organisations/xlsx/", response=FILE_ERRORS,
            openapi_extra=download("两新组织台账（.xlsx），与网页导出的相同"), summary="导出两新组织台账（Excel）")
@api_errors
def census_xlsx(request, filters: Query[NeworgsXlsxQuery]):
    page_query(request, day=filters.day, area=filters.area_code)
    return views.census_xlsx(request)


@router.get("/registers/xlsx/", response=FILE_ERRORS,
            openapi_extra=download("两新组织四本台账（.xlsx，每本一张表），与网页导出的相同"),
            summary="导出两新组织四本台账（Excel）")
@api_errors
def registers_xlsx(request, filters: Query[NeworgsXlsxQuery]):
    page_query(request, day=filters.day, area=filters.area_code)
    return views.registers_xlsx(request)


class NeworgsImportQuery(Schema):
    area_code: str = Field("", max_length=20, description="导入到哪个区域；默认调用者可管理的最外层区域")


def _import_area(user, code: str):
    """The area an import writes into, as the import pages choose it: ``area_code`` (404 outside the caller's
    reach) or the outermost area they manage; 403 to one who only looks, 404 to one who sees no 两新 register."""
    if not scope_of(user).paths(caps.VIEW):
        refuse(seen=False)
    code = code.strip()[:20]
    area = access_area(user, code=code, capability=caps.MANAGE) if code else selectors.default_area(user, caps.MANAGE)
    if area is None:
        refuse(seen=True)
    return area


@router.get("/new-organisations/import/template/", response=FILE_ERRORS,
            openapi_extra=download("两新组织普查导入模板（.xlsx）：表头与一行示例"), summary="两新组织普查导入模板（Excel）")
@api_errors
def census_import_template(request, filters: Query[NeworgsImportQuery]):
    page_query(request, template="1", area=filters.area_code)
    return views.census_import(request)


class CensusImportedOut(Schema):
    organisations: int = Field(description="新纳入的组织数")
    returns: int = Field(description="写入的普查数据条数")
    skipped: int = Field(description="已录入而相同、未重复写入的行数")
    message: str = Field(description="与网页的提示相同")


@router.post("/new-organisations/import/", response={201: CensusImportedOut, **FILE_ERRORS},
             summary="导入两新组织普查数据（Excel，multipart 字段 file，可带 area_code；全部成功或全部不导入，幂等）")
@api_errors
def census_import(request, response: HttpResponse, file: File[UploadedFile], area_code: Form[str] = "",
                  idempotency_key: RequiredKey = None):
    """The page's import: every row is checked before any is written; any problem answers 422 with ``errors``
    keyed ``"第N行 列名"`` and nothing is written."""
    area = _import_area(request.user, area_code)
    actor = Actor.from_request(request)
    services.authorise_manage(actor, area.path)

    def done(s: dict) -> dict:
        return {**s, "message": f"已导入：新纳入 {s['organisations']} 个组织，普查数据 {s['returns']} 条"
                                f"（已录入而相同的 {s['skipped']} 行未重复写入）"}

    return import_once(request, response, upload=file, key=idempotency_key, action="neworgs.census.import",
                       run=lambda upload: services.import_census(actor=actor, upload=upload, within=area), done=done)


@router.get("/instructors/import/template/", response=FILE_ERRORS,
            openapi_extra=download("党建工作指导员导入模板（.xlsx）：表头与一行示例"), summary="指导员导入模板（Excel）")
@api_errors
def instructors_import_template(request, filters: Query[NeworgsImportQuery]):
    page_query(request, template="1", area=filters.area_code)
    return views.instructors_import(request)


class InstructorsImportedOut(Schema):
    instructors: int = Field(description="入库的指导员数")
    skipped: int = Field(description="已在库、未重复写入的人数")
    message: str = Field(description="与网页的提示相同")


@router.post("/instructors/import/", response={201: InstructorsImportedOut, **FILE_ERRORS},
             summary="导入党建工作指导员（Excel，multipart 字段 file，可带 area_code；全部成功或全部不导入，幂等）")
@api_errors
def instructors_import(request, response: HttpResponse, file: File[UploadedFile], area_code: Form[str] = "",
                       idempotency_key: RequiredKey = None):
    """The page's import into the instructor pool of ``area_code``: every row is checked before any is written;
    any problem answers 422 with ``errors`` keyed ``"第N行 列名"`` and nothing is written."""
    area = _import_area(request.user, area_code)
    actor = Actor.from_request(request)
    services.authorise_manage(actor, area.path)

    def done(s: dict) -> dict:
        return {**s, "message": f"已入库 {s['instructors']} 名指导员（已在库的 {s['skipped']} 名未重复写入）"}

    return import_once(request, response, upload=file, key=idempotency_key, action="neworgs.instructors.import",
                       run=lambda upload: services.import_instructors(actor=actor, upload=upload, area=area),
                       done=done)
