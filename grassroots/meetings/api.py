"""三会一课 through the JSON API, mounted at /api/party (docs/api.md, "Party registers").

- GET /meetings/ (?organisation_id=, the cursor envelope), GET /meetings/{meeting_id}/: scoped like the pages (an
  organisation or meeting the caller does not reach is 404; a grid worker reaches none).
- POST /meetings/: records a meeting with its attendance; needs ``Idempotency-Key`` (api.common.once): the same
  key answers the first reply. A member not in the organisation on the day is refused (422) by name; a meeting
  of a dissolved organisation 409.
- POST /meetings/{meeting_id}/minutes/ (补记: appended, never overwriting) and /attendance/ (更正出席情况), as
  the meeting page does.
- GET /compliance/?area_code=&year=[&day=]: the compliance view's figures.
- POST /meetings/{meeting_id}/photos/ (multipart, files ``photos``; 201, key required) and
  GET /meetings/{meeting_id}/photos/{photo_id}/ (the image): the meeting page's photos, kept privately.
"""

from datetime import date

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import StrictBool, StrictStr

from grassroots.access.scope import access_area, access_organisation, access_scoped, require_organisation
from grassroots.api.common import (
    MAX_LIMIT,
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
    photo_download,
    photo_response,
    position_of,
)
from grassroots.api.errors import ErrorOut, StrictDate, StrictIn, api_errors
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.audit.context import Actor
from grassroots.core.photos import checked_uploads
from grassroots.meetings import selectors, services, views
from grassroots.meetings.models import Meeting, MeetingPhoto
from grassroots.party import capabilities as caps
from grassroots.party.api import FILE_ERRORS, PartyAreaRef, PartyOrganisationRef, require_party

router = Router(tags=["三会一课"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class MeetingSummary(Schema):
    id: int
    organisation: PartyOrganisationRef
    kind: str
    kind_label: str
    held_on: date
    place: str
    topic: str
    present: int
    excused: int
    absent: int
    remote: int
    photos: int


class AttendanceOut(Schema):
    member_id: int
    name: str
    status: str
    status_label: str
    remote: bool


class MeetingOut(MeetingSummary):
    minutes: str
    attendance: list[AttendanceOut]
    photo_ids: list[int] = Field(description="各张照片的编号：GET meetings/{meeting_id}/photos/{photo_id}/ 读取图片")


def _org(o) -> dict:
    return {"id": o.pk, "code": o.code, "name": o.name}


def _summary(m) -> dict:
    return {"id": m.pk, "organisation": _org(m.organisation), "kind": m.kind, "kind_label": m.get_kind_display(),
            "held_on": m.held_on, "place": m.place, "topic": m.topic, "present": m.present, "excused": m.excused,
            "absent": m.absent, "remote": m.remote, "photos": m.photo_count}


def _one(user, pk: int) -> dict:
    m = selectors.meetings(user).filter(pk=pk).first()
    full = selectors.meeting(user, pk)
    return MeetingOut.model_validate({
        **_summary(m), "minutes": full.minutes,
        "attendance": [{"member_id": a.member_id, "name": a.member.name, "status": a.status,
                        "status_label": a.get_status_display(), "remote": a.remote} for a in full.attendance.all()],
        "photo_ids": [p.pk for p in full.photos.all()],
    }).model_dump()


class MeetingsQuery(Schema):
    organisation_id: ObjectId | None = Field(None, description="党组织编号；不填则为我能看到的全部")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/meetings/", response={200: Page(MeetingSummary), **READ_ERRORS},
            summary="组织生活（三会一课、主题党日）")
@api_errors
def list_meetings(request, filters: Query[MeetingsQuery]):
    organisation = None
    if filters.organisation_id is not None:
        organisation = access_organisation(request.user, pk=filters.organisation_id, capability=caps.VIEW)
    limit, position = min(filters.limit, MAX_LIMIT), position_of(filters.cursor)
    rows = list(selectors.meetings(request.user, organisation=organisation)[position:position + limit + 1])
    return page([_summary(m) for m in rows], limit, position)


@router.get("/meetings/{int:meeting_id}/", response={200: MeetingOut, **READ_ERRORS}, summary="一次会议及出席情况")
@api_errors
def get_meeting(request, meeting_id: ObjectId):
    return _one(request.user, meeting_id)


class AttendanceIn(StrictIn):
    member_id: StrictObjectId
    status: StrictStr = Field(description="present（出席）/ excused（请假）/ absent（缺席）")
    remote: StrictBool = Field(False, description="流动党员线上参加（须为出席）")


class MeetingIn(StrictIn):
    organisation_id: StrictObjectId
    kind: StrictStr = Field(description="branch_assembly / branch_committee / group_meeting / party_lecture / theme_day")
    held_on: StrictDate
    place: StrictStr = Field(max_length=100)
    topic: StrictStr = Field(max_length=200)
    minutes: StrictStr = Field("", max_length=services.MAX_MINUTES)
    attendance: list[AttendanceIn] = Field(max_length=2000, description="会议当天每位在册党员的出席情况")


@router.post("/meetings/", response={201: MeetingOut, **ERRORS}, summary="登记会议及出席情况（幂等）")
@api_errors
def create_meeting(request, response: HttpResponse, payload: MeetingIn, idempotency_key: RequiredKey = None):
    organisation = access_organisation(request.user, pk=payload.organisation_id, capability=caps.VIEW)
    require_organisation(request.user, caps.RECORD, organisation, seen_with=caps.VIEW)

    def work() -> dict:
        meeting: Meeting = services.record_meeting(
            actor=Actor.from_request(request), organisation=organisation, kind=payload.kind,
            held_on=payload.held_on, place=payload.place, topic=payload.topic, minutes=payload.minutes,
            attendance=[services.Line(a.member_id, a.status, a.remote) for a in payload.attendance])
        return _one(request.user, meeting.pk)

    return once(request, response, key=idempotency_key, required=True, action="meetings.meeting.record",
                body=payload.model_dump(mode="json"), work=work)


class ComplianceQuery(Schema):
    area_code: str = Field(max_length=20, description="区域代码")
    year: int | None = Field(None, ge=2000, le=2100)
    day: date | None = Field(None, description="按此日期计算（默认今天）")


class PeriodOut(Schema):
    period: str
    label: str
    status: str


class KindOut(Schema):
    kind: str
    label: str
    frequency: str
    periods: list[PeriodOut]
    held: int
    due: int
    overdue: int


class OrganisationComplianceOut(Schema):
    organisation: PartyOrganisationRef
    area: PartyAreaRef
    kinds: list[KindOut]
    held: int
    due: int
    overdue: int


class AreaComplianceOut(Schema):
    area: PartyAreaRef
    own_level: bool
    organisations: int
    held: int
    due: int
    overdue: int


class ComplianceOut(Schema):
    area: PartyAreaRef
    year: int
    day: date
    held: int
    due: int
    overdue: int
    areas: list[AreaComplianceOut]
    organisations: list[OrganisationComplianceOut]


@router.get("/compliance/", response={200: ComplianceOut, **READ_ERRORS}, summary="三会一课落实情况")
@api_errors
def compliance(request, filters: Query[ComplianceQuery]):
    area = access_area(request.user, code=filters.area_code, capability=caps.VIEW, from_inside=True)
    today = filters.day or timezone.localdate()
    report = selectors.compliance(request.user, area=area, year=filters.year or today.year, today=today)
    area_of = {id(row): area_ref(a.area) for a in report.areas for row in a.organisations}
    return {
        "area": area_ref(area), "year": report.year, "day": today, **report.totals,
        "areas": [{"area": area_ref(a.area), "own_level": a.own_level,
                   "organisations": len(a.organisations), **a.totals} for a in report.areas],
        "organisations": [{
            "organisation": _org(row.organisation), "area": area_of[id(row)], **row.totals,
            "kinds": [{"kind": k.kind, "label": k.label, "frequency": k.frequency, **k.totals,
                       "periods": [{"period": c.period.key, "label": c.period.label, "status": c.status}
                                   for c in k.cells]} for k in row.kinds],
        } for row in report.organisations],
    }



class MinutesIn(StrictIn):
    minutes: StrictStr = Field(min_length=1, max_length=services.MAX_MINUTES,
                               description="补记的会议记录（接在已有记录之后，不覆盖）")


def _meeting_to_record(user, meeting_id: int) -> Meeting:
    meeting = selectors.meeting(user, meeting_id)
    require_organisation(user, caps.RECORD, meeting.organisation, seen_with=caps.VIEW)
    return meeting


@router.post("/meetings/{int:meeting_id}/minutes/", response={200: MeetingOut, **ERRORS},
             summary="补记会议记录（接在已有记录之后）")
@api_errors
def add_minutes(request, response: HttpResponse, meeting_id: ObjectId, payload: MinutesIn,
                idempotency_key: OptionalKey = None):
    meeting = _meeting_to_record(request.user, meeting_id)

    def work() -> dict:
        services.add_minutes(actor=Actor.from_request(request), meeting=meeting, minutes=payload.minutes)
        return _one(request.user, meeting.pk)

    return once(request, response, key=idempotency_key, required=False, action="meetings.minutes.add",
                body=payload.model_dump(mode="json"), work=work, status=200)


class CorrectionIn(StrictIn):
    attendance: list[AttendanceIn] = Field(min_length=1, max_length=2000,
                                           description="要更正（或补登）的党员及其出席情况")


@router.post("/meetings/{int:meeting_id}/attendance/", response={200: MeetingOut, **ERRORS},
             summary="更正出席情况（可补登当日在册而漏登的党员）")
@api_errors
def correct_attendance(request, response: HttpResponse, meeting_id: ObjectId, payload: CorrectionIn,
                       idempotency_key: OptionalKey = None):
    meeting = _meeting_to_record(request.user, meeting_id)

    def work() -> dict:
        services.correct_attendance(actor=Actor.from_request(request), meeting=meeting, attendance=[
            services.Line(a.member_id, a.status, a.remote) for a in payload.attendance])
        return _one(request.user, meeting.pk)

    return once(request, response, key=idempotency_key, required=False, action="meetings.attendance.correct",
                body=payload.model_dump(mode="json"), work=work, status=200)


@router.post("/meetings/{int:meeting_id}/photos/", response={201: MeetingOut, **ERRORS},
             summary="上传会议照片（multipart，幂等，须带 Idempotency-Key）")
@api_errors
def add_photos(request, response: HttpResponse, meeting_id: ObjectId, photos: File[list[UploadedFile]],
               idempotency_key: RequiredKey = None):
    """Add 1–3 photos to a meeting (the file field ``photos``), as the meeting page's 补记 form does: at most
    three photos per meeting in all. Each is checked to be an image (at most 4 MB) and re-encoded (EXIF and
    its GPS position dropped) before it is stored privately; a file that is not an image, or a fourth photo,
    is 422 naming ``photos``. 201 with the meeting as it now is (``photo_ids``)."""
    meeting = _meeting_to_record(request.user, meeting_id)
    checked = checked_uploads(photos, field="photos")

    def work() -> dict:
        services.add_minutes(actor=Actor.from_request(request), meeting=meeting, photos=checked)
        return _one(request.user, meeting.pk)

    return once(request, response, key=idempotency_key, required=True, action="meetings.photos.add",
                body={"photos": [p.sha256 for p in checked]}, work=work)


@router.get("/meetings/{int:meeting_id}/photos/{int:photo_id}/", response=READ_ERRORS,
            openapi_extra=photo_download("会议照片（JPEG 或 PNG）"), summary="会议照片（图片本身）")
@api_errors
def meeting_photo(request, meeting_id: ObjectId, photo_id: ObjectId):
    """A photo of a meeting the caller sees, as the meeting page's photo view serves it; any other is 404.
    Photos are private: they have no public URL."""
    meeting = selectors.meeting(request.user, meeting_id)
    photo = access_scoped(MeetingPhoto.objects.all(), meeting=meeting, pk=photo_id)
    return photo_response(photo.image)
# ---------------------------------------------------------------------------------------------
# Spreadsheets (docs/api.md "Imports and exports"): the pages' own workbooks and import, through the pages' views
# and the one import service.
# ---------------------------------------------------------------------------------------------


class ComplianceXlsxQuery(Schema):
    area_code: str = Field("", max_length=20, description="区域代码；默认调用者查看党建台账的最外层区域")
    year: int | None = Field(None, ge=2000, le=2100, description="年度，默认今年")
    day: StrictDate | None = Field(None, description="按此日期计算（YYYY-MM-DD），默认今天")


@router.get("/compliance/xlsx/", response=FILE_ERRORS,
            openapi_extra=download("三会一课落实情况（.xlsx），与网页导出的相同：各党组织各类会议逐月情况"),
            summary="导出三会一课落实情况（Excel）")
@api_errors
def compliance_xlsx(request, filters: Query[ComplianceXlsxQuery]):
    page_query(request, area=filters.area_code, year=filters.year, day=filters.day)
    return views.compliance_xlsx(request)


class OrganisationMeetingsXlsxQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度，默认今年")


@router.get("/organisations/{int:organisation_id}/meetings/xlsx/", response=FILE_ERRORS,
            openapi_extra=download("一个党组织一年的组织生活（.xlsx），与网页导出的相同（导入模板的列 + 会议记录）"),
            summary="导出一个党组织的组织生活（Excel）")
@api_errors
def organisation_meetings_xlsx(request, organisation_id: ObjectId, filters: Query[OrganisationMeetingsXlsxQuery]):
    page_query(request, year=filters.year)
    return views.export_xlsx(request, organisation_id)


@router.get("/meetings/import/template/", response=FILE_ERRORS,
            openapi_extra=download("组织生活导入模板（.xlsx）：表头与一行示例"), summary="组织生活导入模板（Excel）")
@api_errors
def meetings_import_template(request):
    page_query(request, template="1")
    return views.import_meetings(request)


class MeetingsImportedOut(Schema):
    meetings: int = Field(description="导入的会议数")
    message: str = Field(description="与网页的提示相同，如“已导入 3 次会议”")


@router.post("/meetings/import/", response={201: MeetingsImportedOut, **FILE_ERRORS},
             summary="导入组织生活（Excel，multipart 字段 file；全部成功或全部不导入，幂等）")
@api_errors
def meetings_import(request, response: HttpResponse, file: File[UploadedFile], idempotency_key: RequiredKey = None):
    """The page's import: every row is checked before any is written; any problem answers 422 with ``errors``
    keyed ``"第N行 列名"`` and nothing is written."""
    require_party(request.user, caps.RECORD)
    return import_once(request, response, upload=file, key=idempotency_key, action="meetings.import",
                       run=lambda upload: services.import_meetings(actor=Actor.from_request(request), upload=upload),
                       done=lambda count: {"meetings": count, "message": f"已导入 {count} 次会议"})
