"""The JSON API of 发展党员, under /api/party (docs/api.md, "Party registers"): the pipeline as of a day, one
person's steps, registering an applicant and recording a step (both with a required Idempotency-Key), the talk,
extending probation and stopping (as the person's page does), and the reserve register as of a day.

Scoped like the pages: another organisation's development is 404; a grid worker sees nothing (404); a member who
may only look gets 403 on writes. A step the development's state refuses (out of order, already taken, stopped,
already full) answers 409; a date the rules refuse (too early, in the future) 422 naming the rule.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import StrictInt, StrictStr

from grassroots.access.scope import access_organisation, access_person, require_organisation
from grassroots.api.common import (
    Cursor,
    Limit,
    OptionalKey,
    Page,
    RequiredKey,
    download,
    import_once,
    once,
    page,
    page_query,
    position_of,
)
from grassroots.api.errors import ErrorOut, StrictDate, StrictIn, api_errors
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.development import selectors, services, views
from grassroots.development.models import Development, Stage
from grassroots.meetings.models import Meeting
from grassroots.party import capabilities as caps
from grassroots.party.api import FILE_ERRORS, require_party
from grassroots.rules import development as rules

router = Router(tags=["发展党员"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
# The services name the organisation, person and meeting they are given; the requests send their ids
# (``api_errors``: ``errors`` names the request's field).
FIELDS = {"organisation": "organisation_id", "person": "person_id", "meeting": "meeting_id"}


class StepOut(Schema):
    stage: str
    stage_label: str
    decided_on: date
    meeting_id: int | None
    decided_by: str
    note: str


class DeadlineOut(Schema):
    kind: str
    label: str
    due: date
    overdue: bool


class NextOut(Schema):
    stage: str
    label: str
    earliest: date | None
    due: date | None
    rule: str


class ReserveItemOut(Schema):
    """One person and the stage they held on the day asked for."""
    id: int
    name: str
    gender: str
    birth_date: date
    organisation_id: int
    organisation_name: str
    day: date = Field(description="以下阶段所依据的日期")
    stage: str = Field(description="当日所处阶段")
    stage_label: str
    since: date = Field(description="进入该阶段的日期")


class DevelopmentOut(ReserveItemOut):
    applied_on: date
    member_id: int | None = Field(description="成为预备党员后的党员编号")
    next: NextOut | None
    deadlines: list[DeadlineOut]


class DevelopmentDetailOut(DevelopmentOut):
    steps: list[StepOut]
    talked_on: date | None
    extension_months: int


def _require_view(user) -> None:
    if not selectors.sees_any(user):
        raise Http404("未找到")


def _row(row: selectors.Row, day: date) -> dict:
    d = row.development
    overdue = set(row.overdue)
    return {
        "id": d.pk, "name": d.name, "gender": d.gender, "birth_date": d.birth_date,
        "organisation_id": d.organisation_id, "organisation_name": d.organisation.name, "day": day,
        "stage": row.stage, "stage_label": rules.LABELS[row.stage], "since": row.since, "applied_on": d.applied_on,
        "member_id": d.member_id if row.stage in (Stage.PROBATIONARY, Stage.FULL) else None,
        "next": ({"stage": row.next.stage, "label": row.next.label, "earliest": row.next.earliest,
                  "due": row.next.due, "rule": row.next.rule} if row.next else None),
        "deadlines": [{"kind": x.kind, "label": x.label, "due": x.due, "overdue": x in overdue}
                      for x in row.deadlines],
    }


def _detail(development: Development, day: date) -> dict:
    row = selectors.row_of(development, day)
    return {**_row(row, day), "talked_on": development.talked_on,
            "extension_months": development.extension_months,
            "steps": [{"stage": s.stage, "stage_label": s.get_stage_display(), "decided_on": s.decided_on,
                       "meeting_id": s.meeting_id, "decided_by": s.decided_by, "note": s.note}
                      for s in development.steps.all() if s.decided_on <= day]}


class DevelopmentsQuery(Schema):
    organisation_id: ObjectId | None = Field(None, description="党组织编号（含下级）")
    stage: str | None = Field(None, description="当日阶段：applicant / activist / candidate / probationary / full / stopped")
    day: date | None = Field(None, description="截至日期（YYYY-MM-DD），默认今天")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/developments/", response={200: Page(DevelopmentOut), **READ_ERRORS}, summary="发展党员（截至某日）")
@api_errors(fields=FIELDS)
def list_developments(request, filters: Query[DevelopmentsQuery]):
    _require_view(request.user)
    day = filters.day or timezone.localdate()
    if filters.stage is not None and filters.stage not in Stage.values:
        raise ValidationError({"stage": f"阶段应为 {'、'.join(Stage.values)} 之一"})
    organisations = None
    if filters.organisation_id is not None:
        organisation = access_organisation(request.user, pk=filters.organisation_id, capability=caps.VIEW)
        organisations = selectors.organisations_in(request.user, organisation=organisation)
    developments = selectors.pipeline_developments(request.user, day=day, organisations=organisations,
                                                   stage=filters.stage)
    limit, position = filters.limit, position_of(filters.cursor)
    chunk = developments[position:position + limit + 1]
    return page([_row(selectors.row_of(d, day), day) for d in chunk], limit, position)


@router.get("/developments/{int:development_id}/", response={200: DevelopmentDetailOut, **READ_ERRORS},
            summary="一人的发展步骤及下一步")
@api_errors(fields=FIELDS)
def get_development(request, development_id: ObjectId):
    development = selectors.development_for(request.user, development_id)
    return _detail(development, timezone.localdate())


class DevelopmentIn(StrictIn):
    organisation_id: StrictObjectId = Field(description="培养党组织编号")
    applied_on: StrictDate = Field(description="递交申请日期")
    person_id: StrictObjectId | None = Field(None, description="本区域居民的人员编号（给出时姓名等取自居民档案）")
    name: StrictStr = Field("", max_length=50)
    gender: StrictStr = Field("", max_length=1, description="M 或 F")
    birth_date: StrictDate | None = None


@router.post("/developments/", response={201: DevelopmentDetailOut, **ERRORS}, summary="登记入党申请人（幂等）")
@api_errors(fields=FIELDS)
def create_development(request, response: HttpResponse, payload: DevelopmentIn, idempotency_key: RequiredKey = None):
    organisation = access_organisation(request.user, pk=payload.organisation_id, capability=caps.VIEW)
    require_organisation(request.user, caps.RECORD, organisation, seen_with=caps.VIEW)
    person = access_person(request.user, pk=payload.person_id) if payload.person_id else None

    def work() -> dict:
        development = services.register_applicant(
            actor=Actor.from_request(request), organisation=organisation, applied_on=payload.applied_on,
            person=person, name=payload.name, gender=payload.gender, birth_date=payload.birth_date)
        fresh = selectors.development_for(request.user, development.pk)
        return DevelopmentDetailOut.model_validate(_detail(fresh, timezone.localdate())).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="development.applicant.register",
                body=payload.model_dump(), work=work)


class StepIn(StrictIn):
    stage: StrictStr = Field(description="activist / candidate / probationary / full")
    decided_on: StrictDate = Field(description="日期；接收预备党员为上级党委审批日期")
    meeting_id: StrictObjectId | None = Field(None, description="决定会议（本党组织的会议）编号")
    decided_by: StrictStr = Field("", max_length=100, description="无会议记录时的决定机关")
    note: StrictStr = Field("", max_length=300)


@router.post("/developments/{int:development_id}/steps/", response={201: DevelopmentDetailOut, **ERRORS},
             summary="记录下一步（幂等）；不符合《发展党员工作细则》的日期以 422 说明规定，次序不对等 409")
@api_errors(fields=FIELDS)
def add_step(request, response: HttpResponse, development_id: ObjectId, payload: StepIn,
             idempotency_key: RequiredKey = None):
    development = selectors.development_for(request.user, development_id)
    require_organisation(request.user, caps.RECORD, development.organisation, seen_with=caps.VIEW)
    meeting = None
    if payload.meeting_id is not None:
        meeting = Meeting.objects.filter(pk=payload.meeting_id, organisation=development.organisation).first()
        if meeting is None:
            raise ValidationError(
                {"meeting_id": f"会议 {payload.meeting_id} 不是“{development.organisation}”的会议"})

    def work() -> dict:
        services.advance(actor=Actor.from_request(request), development=development, stage=payload.stage,
                         decided_on=payload.decided_on, meeting=meeting, decided_by=payload.decided_by,
                         note=payload.note)
        fresh = selectors.development_for(request.user, development.pk)
        return DevelopmentDetailOut.model_validate(_detail(fresh, timezone.localdate())).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="development.step.record",
                body={"development": development.pk, **payload.model_dump()}, work=work)


class ReserveQuery(Schema):
    area_code: StrictStr | None = Field(None, description="区域代码（含下级）")
    day: date | None = Field(None, description="截至日期（YYYY-MM-DD），默认今天")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/reserve/", response={200: Page(ReserveItemOut), **READ_ERRORS},
            summary="发展党员人选储备名册（截至某日）")
@api_errors(fields=FIELDS)
def reserve(request, filters: Query[ReserveQuery]):
    _require_view(request.user)
    day = filters.day or timezone.localdate()
    organisations = None
    if filters.area_code:
        area = Area.objects.filter(code=filters.area_code).first()
        organisations = selectors.organisations_in(request.user, area=area) if area else None
        if organisations is None or not organisations.exists():
            raise Http404("未找到")
    limit, position = filters.limit, position_of(filters.cursor)
    rows = selectors.reserve_register(request.user, day=day, organisations=organisations)
    return page([
        {"id": d.pk, "name": d.name, "gender": d.gender, "birth_date": d.birth_date,
         "organisation_id": d.organisation_id, "organisation_name": d.organisation.name, "day": day,
         "stage": d.stage_on, "stage_label": rules.LABELS[d.stage_on], "since": d.stage_since}
        for d in rows[position:position + limit + 1]], limit, position)


# ---------------------------------------------------------------- the person's page's other actions


def _editable(user, development_id: int) -> Development:
    _require_view(user)
    development = selectors.development_for(user, development_id)
    require_organisation(user, caps.RECORD, development.organisation, seen_with=caps.VIEW)
    return development


def _fresh(user, pk: int) -> dict:
    return DevelopmentDetailOut.model_validate(
        _detail(selectors.development_for(user, pk), timezone.localdate())).model_dump()


class TalkIn(StrictIn):
    talked_on: StrictDate = Field(description="谈话日期")
    talked_by: StrictStr = Field(min_length=1, max_length=50, description="谈话人")


@router.post("/developments/{int:development_id}/talk/", response={200: DevelopmentDetailOut, **ERRORS},
             summary="记录入党谈话（已谈话 409）")
@api_errors(fields=FIELDS)
def record_talk(request, response: HttpResponse, development_id: ObjectId, payload: TalkIn,
                idempotency_key: OptionalKey = None):
    development = _editable(request.user, development_id)

    def work() -> dict:
        services.record_talk(actor=Actor.from_request(request), development=development,
                             talked_on=payload.talked_on, talked_by=payload.talked_by)
        return _fresh(request.user, development.pk)

    return once(request, response, key=idempotency_key, required=False, action="development.talk.record",
                body=payload.model_dump(mode="json"), work=work, status=200)


class ExtendIn(StrictIn):
    months: StrictInt = Field(ge=6, le=12, description="延长的月数（6 到 12）")
    decided_on: StrictDate = Field(description="决定日期（预备期满时）")
    decided_by: StrictStr = Field(min_length=1, max_length=100, description="决定机关（如 支部党员大会）")


@router.post("/developments/{int:development_id}/extend/", response={200: DevelopmentDetailOut, **ERRORS},
             summary="延长预备期（只一次；不是预备党员或已延长过 409）")
@api_errors(fields=FIELDS)
def extend_probation(request, response: HttpResponse, development_id: ObjectId, payload: ExtendIn,
                     idempotency_key: OptionalKey = None):
    development = _editable(request.user, development_id)

    def work() -> dict:
        services.extend_probation(actor=Actor.from_request(request), development=development, months=payload.months,
                                  decided_on=payload.decided_on, decided_by=payload.decided_by)
        return _fresh(request.user, development.pk)

    return once(request, response, key=idempotency_key, required=False, action="development.probation.extend",
                body=payload.model_dump(mode="json"), work=work, status=200)


class StopIn(StrictIn):
    decided_on: StrictDate = Field(description="决定日期")
    decided_by: StrictStr = Field(min_length=1, max_length=100, description="决定机关（如 支部委员会）")
    reason: StrictStr = Field(min_length=1, max_length=300, description="终止培养的原因")


@router.post("/developments/{int:development_id}/stop/", response={200: DevelopmentDetailOut, **ERRORS},
             summary="终止培养（已终止、已是正式党员或预备党员 409）")
@api_errors(fields=FIELDS)
def stop(request, response: HttpResponse, development_id: ObjectId, payload: StopIn,
         idempotency_key: OptionalKey = None):
    development = _editable(request.user, development_id)

    def work() -> dict:
        services.stop(actor=Actor.from_request(request), development=development, decided_on=payload.decided_on,
                      reason=payload.reason, decided_by=payload.decided_by)
        return _fresh(request.user, development.pk)

    return once(request, response, key=idempotency_key, required=False, action="development.development.stop",
                body=payload.model_dump(mode="json"), work=work, status=200)


# ---------------------------------------------------------------------------------------------
# Spreadsheets (docs/api.md "Imports and exports"): the pages' own workbooks and import, through the pages' views
# and the one import service.
# ---------------------------------------------------------------------------------------------


class DevelopmentXlsxQuery(Schema):
    day: StrictDate | None = Field(None, description="截至哪一天（YYYY-MM-DD），默认今天")
    organisation_id: ObjectId | None = Field(None, description="只导出该党组织（及其下级）")
    area_code: str = Field("", max_length=32, description="只导出该区域的党组织")


@router.get("/developments/xlsx/", response=FILE_ERRORS,
            openapi_extra=download("发展党员名册（.xlsx），与网页导出的相同：各人当日阶段、各步日期、下一步与逾期事项"),
            summary="导出发展党员名册（Excel）")
@api_errors
def developments_xlsx(request, filters: Query[DevelopmentXlsxQuery]):
    page_query(request, day=filters.day, organisation=filters.organisation_id, area=filters.area_code)
    return views.pipeline_export(request)


@router.get("/reserve/xlsx/", response=FILE_ERRORS,
            openapi_extra=download("发展党员人选储备名册（.xlsx），与网页导出的相同"), summary="导出人选储备名册（Excel）")
@api_errors
def reserve_xlsx(request, filters: Query[DevelopmentXlsxQuery]):
    page_query(request, day=filters.day, organisation=filters.organisation_id, area=filters.area_code)
    return views.reserve_export(request)


@router.get("/developments/import/template/", response=FILE_ERRORS,
            openapi_extra=download("发展党员导入模板（.xlsx）：表头与一行示例"), summary="发展党员导入模板（Excel）")
@api_errors
def developments_import_template(request):
    page_query(request)
    return views.import_template(request)


class DevelopmentsImportedOut(Schema):
    rows: int = Field(description="导入的行数")
    message: str = Field(description="与网页的提示相同，如“已导入 3 行”")


@router.post("/developments/import/", response={201: DevelopmentsImportedOut, **FILE_ERRORS},
             summary="导入发展党员（Excel，multipart 字段 file；全部成功或全部不导入，幂等）")
@api_errors
def developments_import(request, response: HttpResponse, file: File[UploadedFile],
                        idempotency_key: RequiredKey = None):
    """The page's import: every row is checked before any is written; any problem answers 422 with ``errors``
    keyed ``"第N行 列名"`` and nothing is written."""
    if not selectors.sees_any(request.user):
        raise Http404("未找到")
    require_party(request.user, caps.RECORD)
    return import_once(request, response, upload=file, key=idempotency_key, action="development.import",
                       run=lambda upload: services.import_developments(actor=Actor.from_request(request),
                                                                       upload=upload),
                       done=lambda rows: {"rows": rows, "message": f"已导入 {rows} 行"})
