"""The party organisation tree through the JSON API, mounted at /api/party (docs/api.md, "Party registers").

Scoped like the pages (access.scope): an organisation the caller does not reach is 404, a write by one who may
only look is 403, anonymous is 401. Lists are the API's one envelope ``{"items", "next_cursor"}``; every
organisation is shown as of ``?day`` (default today): its status that day and the members its memberships counted
that day. Creating an organisation or opening a rectification needs an ``Idempotency-Key`` (``api.common.once``):
the same key again creates nothing and answers the first reply with ``Idempotent-Replayed: true``. State refusals
(already under rectification, already dissolved, members still on the roll) answer 409.
"""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import StrictBool, StrictInt, StrictStr
from pydantic import ValidationError as PydanticValidationError

from grassroots.access.scope import access_area, access_scoped, refuse, require_organisation, scope_of
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
    position_of,
    user_name,
)
from grassroots.api.errors import (
    ErrorOut,
    StrictDate,
    StrictIn,
    api_errors,
    field_errors_response,
    schema_errors,
)
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.audit.context import Actor
from grassroots.core.photos import check_photo
from grassroots.party import capabilities as caps
from grassroots.party import selectors, services, views
from grassroots.party.models import ModelBranchEvidence, ModelBranchItem, Organisation, Rectification
from grassroots.party.photos import evidence_photo_response

router = Router(tags=["党组织"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
# The services name the organisations and items they are given; the requests send their ids (``api_errors``).
FIELDS = {"parent": "parent_id", "organisation": "organisation_id", "item": "item_id"}


class PartyAreaRef(Schema):
    code: str
    name: str


class PartyOrganisationRef(Schema):
    id: int
    code: str | None
    name: str


class OrganisationOut(Schema):
    id: int
    code: str | None = Field(description="组织代码")
    name: str
    kind: str = Field(description="committee 党委 / general_branch 党总支 / branch 党支部 / group 党小组")
    kind_label: str
    host: str = Field(description="area 地域 / unit 机关事业单位 / enterprise 非公企业 / social 社会组织")
    host_label: str
    host_name: str
    area: PartyAreaRef
    parent: PartyOrganisationRef | None
    founded_on: date
    dissolved_on: date | None
    is_cloud_branch: bool
    day: date = Field(description="以下状态和人数所依据的日期")
    status: str = Field(description="该日的状态：normal 正常 / weak 软弱涣散 / dissolved 已撤销")
    status_label: str
    member_count: int = Field(description="该日组织关系在本组织的党员数")


def _ref(o: Organisation) -> dict:
    return {"id": o.pk, "code": o.code, "name": o.name}


def _out(o: Organisation, day: date) -> dict:
    """``o`` as selectors.dressed gives it."""
    return {"id": o.pk, "code": o.code, "name": o.name, "kind": o.kind, "kind_label": o.get_kind_display(),
            "host": o.host, "host_label": o.get_host_display(), "host_name": o.host_name, "area": area_ref(o.area),
            "parent": _ref(o.parent) if o.parent else None,
            "founded_on": o.founded_on, "dissolved_on": o.dissolved_on, "is_cloud_branch": o.is_cloud_branch,
            "day": day, "status": o.status_that_day, "status_label": o.status_that_day_label,
            "member_count": o.member_count}


def _one(user, pk: int, day: date | None = None) -> dict:
    day = day or timezone.localdate()
    return OrganisationOut.model_validate(_out(selectors.organisation_on(user, pk, day=day), day)).model_dump()


def _sees_party(user) -> None:
    if not scope_of(user).paths(caps.VIEW):
        raise Http404  # to a grid worker or a cashier the party registers do not exist, as on the pages


class ListQuery(Schema):
    day: date | None = Field(None, description="按此日期（YYYY-MM-DD）查询，默认今天")
    q: str = Field("", max_length=50, description="名称包含")
    limit: Limit = MAX_LIMIT
    cursor: Cursor = None


class OrganisationDayQuery(Schema):
    day: date | None = Field(None, description="按此日期（YYYY-MM-DD）查询，默认今天")


@router.get("/organisations/", response={200: Page(OrganisationOut), **READ_ERRORS},
            summary="我能看到的党组织（组织树顺序）")
@api_errors(fields=FIELDS)
def list_organisations(request, filters: Query[ListQuery]):
    _sees_party(request.user)
    day = filters.day or timezone.localdate()
    limit, position = filters.limit, position_of(filters.cursor)
    rows = selectors.dressed(
        selectors.tree_rows(request.user, day=day, q=filters.q.strip())[position:position + limit + 1], day)
    return page([_out(o, day) for o in rows], limit, position)


@router.get("/organisations/{int:organisation_id}/", response={200: OrganisationOut, **READ_ERRORS},
            summary="一个党组织")
@api_errors(fields=FIELDS)
def get_organisation(request, organisation_id: ObjectId, filters: Query[OrganisationDayQuery]):
    return _one(request.user, organisation_id, filters.day)


class OrganisationIn(StrictIn):
    name: StrictStr = Field(min_length=1, max_length=100)
    kind: StrictStr = Field(description="committee / general_branch / branch / group")
    area_code: StrictStr = Field(min_length=1, max_length=20, description="所在区域代码")
    parent_id: StrictObjectId | None = Field(None, description="上级党组织编号；不填则为该区域的最上级")
    founded_on: StrictDate = Field(description="成立日期（YYYY-MM-DD）")
    host: StrictStr = Field(Organisation.Host.AREA, description="area / unit / enterprise / social")
    host_name: StrictStr = Field("", max_length=100)
    code: StrictStr | None = Field(None, max_length=40, description="组织代码")
    is_cloud_branch: StrictBool = False


@router.post("/organisations/", response={201: OrganisationOut, **ERRORS}, summary="新建党组织（幂等）")
@api_errors(fields=FIELDS)
def create_organisation(request, response: HttpResponse, payload: OrganisationIn, idempotency_key: RequiredKey = None):
    parent = selectors.organisation_for(request.user, payload.parent_id) if payload.parent_id else None
    if parent is not None:
        require_organisation(request.user, caps.MANAGE, parent, seen_with=caps.VIEW)

    def work() -> dict:
        try:
            area = access_area(request.user, code=payload.area_code, capability=caps.MANAGE)
        except Http404:  # unknown or outside the caller's reach, alike
            raise DjangoValidationError(
                {"area_code": f"所在区域代码“{payload.area_code}”不存在或不在您管理的范围内"}) from None
        made = services.create_organisation(
            actor=Actor.from_request(request), name=payload.name, kind=payload.kind, area=area,
            founded_on=payload.founded_on, parent=parent, host=payload.host, host_name=payload.host_name,
            code=payload.code, is_cloud_branch=payload.is_cloud_branch)
        return _one(request.user, made.pk)

    return once(request, response, key=idempotency_key, required=True, action="party.organisation.create",
                body=payload.model_dump(mode="json"), work=work)


class OrganisationPatch(StrictIn):
    name: StrictStr | None = Field(None, min_length=1, max_length=100)
    code: StrictStr | None = Field(None, max_length=40, description="组织代码；空字符串清除")
    host_name: StrictStr | None = Field(None, max_length=100)
    is_cloud_branch: StrictBool | None = None
    parent_id: StrictObjectId | None = Field(None, description="调整到此上级党组织之下（连同全部下级）")


@router.patch("/organisations/{int:organisation_id}/", response={200: OrganisationOut, **ERRORS},
              summary="修改党组织，或调整隶属关系")
@api_errors(fields=FIELDS)
def update_organisation(request, organisation_id: ObjectId, payload: OrganisationPatch):
    organisation = selectors.organisation_for(request.user, organisation_id)
    require_organisation(request.user, caps.MANAGE, organisation, seen_with=caps.VIEW)
    actor = Actor.from_request(request)
    fields = {k: getattr(payload, k) for k in ("name", "code", "host_name", "is_cloud_branch")
              if k in payload.model_fields_set and getattr(payload, k) is not None}
    with transaction.atomic():  # an edit and a move together, or neither
        if fields:
            organisation = services.update_organisation(actor=actor, organisation=organisation, **fields)
        if payload.parent_id is not None:
            parent = selectors.organisation_for(request.user, payload.parent_id)
            services.move_organisation(actor=actor, organisation=organisation, parent=parent)
    return _one(request.user, organisation_id)


class DissolveIn(StrictIn):
    dissolved_on: StrictDate = Field(description="撤销日期（YYYY-MM-DD）")


@router.post("/organisations/{int:organisation_id}/dissolve/", response={200: OrganisationOut, **ERRORS},
             summary="撤销党组织（党员须已转出、下级须已撤销或调整）")
@api_errors(fields=FIELDS)
def dissolve_organisation(request, response: HttpResponse, organisation_id: ObjectId, payload: DissolveIn,
                          idempotency_key: OptionalKey = None):
    organisation = selectors.organisation_for(request.user, organisation_id)
    require_organisation(request.user, caps.MANAGE, organisation, seen_with=caps.VIEW)

    def work() -> dict:
        services.dissolve_organisation(actor=Actor.from_request(request), organisation=organisation,
                                       dissolved_on=payload.dissolved_on)
        return _one(request.user, organisation_id)

    return once(request, response, key=idempotency_key, required=False, action="party.organisation.dissolve",
                body=payload.model_dump(mode="json"), work=work, status=200)


# ---------------------------------------------------------------- rectification


class RectificationIn(StrictIn):
    identified_on: StrictDate = Field(description="认定日期（YYYY-MM-DD）")
    reasons: StrictStr = Field(min_length=1, max_length=2000, description="主要问题")
    measures: StrictStr = Field("", max_length=2000, description="整顿措施")
    responsible: StrictStr = Field("", max_length=50, description="包联责任人")
    due_on: StrictDate | None = Field(None, description="整顿时限")


class RectificationOut(Schema):
    id: int
    organisation: PartyOrganisationRef
    identified_on: date
    reasons: str
    measures: str
    responsible: str
    due_on: date | None
    completed_on: date | None = Field(description="验收日期；null 为整顿中")
    result: str
    status: str = Field(description="open 整顿中 / completed 已验收")
    status_label: str


def _rectification(r: Rectification) -> dict:
    done = r.completed_on is not None
    return RectificationOut.model_validate({
        "id": r.pk, "organisation": _ref(r.organisation), "identified_on": r.identified_on, "reasons": r.reasons,
        "measures": r.measures, "responsible": r.responsible, "due_on": r.due_on, "completed_on": r.completed_on,
        "result": r.result, "status": "completed" if done else "open", "status_label": "已验收" if done else "整顿中",
    }).model_dump()


class RectificationsQuery(Schema):
    day: date | None = Field(None, description="只列该日软弱涣散（整顿覆盖该日）的；不填则列全部")
    status: str | None = Field(None, description="open 整顿中 / completed 已验收")
    area_code: str | None = Field(None, max_length=20, description="区域代码：该区域内的党组织")
    organisation_id: ObjectId | None = Field(None, description="只列这个党组织的")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/rectifications/", response={200: Page(RectificationOut), **READ_ERRORS},
            summary="软弱涣散党组织整顿台账")
@api_errors(fields=FIELDS)
def list_rectifications(request, filters: Query[RectificationsQuery]):
    _sees_party(request.user)
    if filters.status not in (None, "open", "completed"):
        raise DjangoValidationError({"status": "状态应为 open（整顿中）或 completed（已验收）"})
    area = access_area(request.user, code=filters.area_code, capability=caps.VIEW) if filters.area_code else None
    rows = selectors.rectifications(request.user, day=filters.day, area=area, open_only=filters.status == "open")
    if filters.status == "completed":
        rows = rows.filter(completed_on__isnull=False)
    if filters.organisation_id is not None:
        rows = rows.filter(organisation=selectors.organisation_for(request.user, filters.organisation_id))
    limit, position = filters.limit, position_of(filters.cursor)
    return page([_rectification(r) for r in rows.order_by("organisation__path", "-identified_on", "-id")
                 [position:position + limit + 1]], limit, position)


@router.get("/rectifications/{int:rectification_id}/", response={200: RectificationOut, **READ_ERRORS},
            summary="一次整顿")
@api_errors(fields=FIELDS)
def get_rectification(request, rectification_id: ObjectId):
    return _rectification(selectors.rectification_for(request.user, rectification_id))


@router.post("/organisations/{int:organisation_id}/rectifications/", response={201: RectificationOut, **ERRORS},
             summary="列为软弱涣散党组织，开始整顿（幂等；已在整顿中 409）")
@api_errors(fields=FIELDS)
def open_rectification(request, response: HttpResponse, organisation_id: ObjectId, payload: RectificationIn,
                       idempotency_key: RequiredKey = None):
    organisation = selectors.organisation_for(request.user, organisation_id)
    require_organisation(request.user, caps.MANAGE, organisation, seen_with=caps.VIEW)

    def work() -> dict:
        made = services.open_rectification(
            actor=Actor.from_request(request), organisation=organisation, identified_on=payload.identified_on,
            reasons=payload.reasons, measures=payload.measures, responsible=payload.responsible, due_on=payload.due_on)
        return _rectification(made)

    return once(request, response, key=idempotency_key, required=True, action="party.rectification.open",
                body=payload.model_dump(mode="json"), work=work)


class CompleteIn(StrictIn):
    completed_on: StrictDate = Field(description="验收日期（YYYY-MM-DD）")
    result: StrictStr = Field("", max_length=2000, description="整顿成效")


@router.post("/rectifications/{int:rectification_id}/complete/", response={200: RectificationOut, **ERRORS},
             summary="整顿验收（该组织自验收日起恢复正常；已验收 409）")
@api_errors(fields=FIELDS)
def complete_rectification(request, response: HttpResponse, rectification_id: ObjectId, payload: CompleteIn,
                           idempotency_key: OptionalKey = None):
    rectification = selectors.rectification_for(request.user, rectification_id)
    require_organisation(request.user, caps.MANAGE, rectification.organisation, seen_with=caps.VIEW)

    def work() -> dict:
        done = services.complete_rectification(actor=Actor.from_request(request), rectification=rectification,
                                               completed_on=payload.completed_on, result=payload.result)
        return _rectification(done)

    return once(request, response, key=idempotency_key, required=False, action="party.rectification.complete",
                body=payload.model_dump(mode="json"), work=work, status=200)


# ---------------------------------------------------------------- 最强党支部 (model branch)
# The county's checklist of a year, every branch's progress on it, a branch's evidence by item (with a photo kept
# privately), the organisation department's decision. The same selectors and services as the pages
# (views.model_branch, evidence, evidence_submit, evidence_decide, evidence_photo, model_branch_publish).


class ModelBranchYearQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度，默认今年")
    limit: Limit = 50
    cursor: Cursor = None


def _year(filters) -> int:
    return filters.year or timezone.localdate().year


class ModelBranchItemOut(Schema):
    id: int
    year: int
    number: int = Field(description="序号")
    text: str = Field(description="标准")


def _item(i: ModelBranchItem) -> dict:
    return {"id": i.pk, "year": i.year, "number": i.number, "text": i.text}


@router.get("/model-branch/items/", response={200: Page(ModelBranchItemOut), **READ_ERRORS},
            summary="最强党支部创建标准（该年度的清单）")
@api_errors(fields=FIELDS)
def list_model_branch_items(request, filters: Query[ModelBranchYearQuery]):
    _sees_party(request.user)
    limit, position = filters.limit, position_of(filters.cursor)
    return page([_item(i) for i in selectors.checklist(_year(filters))[position:position + limit + 1]],
                limit, position)


class ModelItemsIn(StrictIn):
    year: StrictInt = Field(ge=2000, le=2100, description="年度")
    texts: list[StrictStr] = Field(min_length=1, max_length=50,
                                   description="标准，每条一项（最多 300 字）；重新发布替换该年度的全部标准")


class ModelBranchChecklistOut(Schema):
    year: int
    items: list[ModelBranchItemOut]


@router.post("/model-branch/items/", response={201: ModelBranchChecklistOut, **ERRORS},
             summary="发布该年度最强党支部创建标准（幂等；已有党支部提交佐证后 409）")
@api_errors(fields=FIELDS)
def publish_model_branch_items(request, response: HttpResponse, payload: ModelItemsIn,
                               idempotency_key: RequiredKey = None):
    def work() -> dict:
        made = services.publish_model_items(actor=Actor.from_request(request), year=payload.year, texts=payload.texts)
        return ModelBranchChecklistOut.model_validate(
            {"year": payload.year, "items": [_item(i) for i in made]}).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="party.model_item.publish",
                body=payload.model_dump(mode="json"), work=work)


class ModelBranchOut(Schema):
    organisation: PartyOrganisationRef
    parent: PartyOrganisationRef | None
    year: int
    items: int = Field(description="该年度标准条数")
    submitted: int = Field(description="已提交佐证的条数")
    accepted: int = Field(description="已认定的条数")
    is_model_branch: bool = Field(description="全部标准均已认定：该年度最强党支部")


@router.get("/model-branch/branches/", response={200: Page(ModelBranchOut), **READ_ERRORS},
            summary="我能看到的党支部的最强党支部创建进度")
@api_errors(fields=FIELDS)
def list_model_branches(request, filters: Query[ModelBranchYearQuery]):
    _sees_party(request.user)
    year = _year(filters)
    limit, position = filters.limit, position_of(filters.cursor)
    rows = selectors.branches(request.user, year=year)[position:position + limit + 1]
    return page([{"organisation": _ref(o), "parent": _ref(o.parent) if o.parent else None, "year": year,
                  "items": p.items, "submitted": p.submitted, "accepted": p.accepted,
                  "is_model_branch": p.is_model_branch} for o, p in rows], limit, position)


class EvidenceOut(Schema):
    id: int
    organisation: PartyOrganisationRef
    item: ModelBranchItemOut
    note: str = Field(description="佐证说明")
    has_photo: bool = Field(description="有照片：GET /api/party/evidence/{evidence_id}/photo/")
    status: str = Field(description="pending 待审核 / accepted 已认定 / returned 退回补充")
    status_label: str
    decision_note: str = Field(description="审核意见（退回时写明需补充的内容）")
    submitted_by: str
    submitted_at: datetime
    decided_at: datetime | None


def _evidence(e: ModelBranchEvidence) -> dict:
    return EvidenceOut.model_validate({
        "id": e.pk, "organisation": _ref(e.organisation), "item": _item(e.item), "note": e.note,
        "has_photo": bool(e.photo), "status": e.verdict, "status_label": e.get_verdict_display(),
        "decision_note": e.verdict_note, "submitted_by": user_name(e.submitted_by), "submitted_at": e.submitted_at,
        "decided_at": e.decided_at}).model_dump()


class EvidenceRowOut(Schema):
    item: ModelBranchItemOut
    evidence: EvidenceOut | None = Field(description="该条的佐证；null 为尚未提交")


def _branch(user, organisation_id: int) -> Organisation:
    organisation = selectors.organisation_for(user, organisation_id)
    if organisation.kind != Organisation.Kind.BRANCH:
        raise Http404("只有党支部参加最强党支部创建")
    return organisation


@router.get("/organisations/{int:organisation_id}/model-branch/items/",
            response={200: Page(EvidenceRowOut), **READ_ERRORS},
            summary="一个党支部该年度每条标准及其佐证（不是党支部 404）")
@api_errors(fields=FIELDS)
def list_branch_evidence(request, organisation_id: ObjectId, filters: Query[ModelBranchYearQuery]):
    organisation = _branch(request.user, organisation_id)
    year = _year(filters)
    limit, position = filters.limit, position_of(filters.cursor)
    found = selectors.evidence_of(organisation, year)
    rows = selectors.checklist(year)[position:position + limit + 1]
    for e in found.values():
        e.organisation = organisation
    return page([{"item": _item(i), "evidence": _evidence(found[i.pk]) if i.pk in found else None} for i in rows],
                limit, position)


class EvidenceSubmitIn(StrictIn):
    note: StrictStr = Field(min_length=1, max_length=2000, description="佐证说明")


def _submit(request, organisation_id: int, item_id: int, note: str, photo=None) -> dict:
    organisation = selectors.organisation_for(request.user, organisation_id)
    require_organisation(request.user, caps.RECORD, organisation, seen_with=caps.VIEW)
    item = access_scoped(ModelBranchItem.objects.all(), pk=item_id)
    made = services.submit_evidence(actor=Actor.from_request(request), organisation=organisation, item=item,
                                    note=note, photo=photo)
    return _evidence(selectors.evidence_for(request.user, made.pk))


@router.post("/organisations/{int:organisation_id}/model-branch/items/{int:item_id}/evidence/",
             response={201: EvidenceOut, **ERRORS},
             summary="提交一条标准的佐证（幂等；退回的可再提交；已认定 409）")
@api_errors(fields=FIELDS)
def submit_evidence(request, response: HttpResponse, organisation_id: ObjectId, item_id: ObjectId,
                    payload: EvidenceSubmitIn, idempotency_key: RequiredKey = None):
    return once(request, response, key=idempotency_key, required=True, action="party.evidence.submit",
                body=payload.model_dump(mode="json"),
                work=lambda: _submit(request, organisation_id, item_id, payload.note))


@router.post("/organisations/{int:organisation_id}/model-branch/items/{int:item_id}/evidence/with-photo/",
             response={201: EvidenceOut, **ERRORS},
             summary="提交佐证并附照片（multipart，幂等）")
@api_errors(fields=FIELDS)
def submit_evidence_with_photo(request, response: HttpResponse, organisation_id: ObjectId, item_id: ObjectId,
                               data: Form[str], photo: File[UploadedFile], idempotency_key: RequiredKey = None):
    """The body of ``POST …/evidence/`` as the JSON text of the form field ``data``, the photo in the file field
    ``photo``: checked to be an image and re-encoded (EXIF and its GPS position dropped) before it is stored."""
    try:
        payload = EvidenceSubmitIn.model_validate_json(data)
    except PydanticValidationError as exc:
        return field_errors_response(schema_errors(exc.errors()))
    try:
        checked = check_photo(photo)
    except DjangoValidationError as exc:
        raise DjangoValidationError({"photo": exc.messages}) from None
    return once(request, response, key=idempotency_key, required=True, action="party.evidence.submit",
                body={**payload.model_dump(mode="json"), "photo": checked.sha256},
                work=lambda: _submit(request, organisation_id, item_id, payload.note, photo=checked))


@router.get("/evidence/{int:evidence_id}/", response={200: EvidenceOut, **READ_ERRORS}, summary="一条佐证")
@api_errors(fields=FIELDS)
def get_evidence(request, evidence_id: ObjectId):
    return _evidence(selectors.evidence_for(request.user, evidence_id))


class EvidenceDecideIn(StrictIn):
    verdict: Literal["accepted", "returned"] = Field(description="accepted 认定 / returned 退回补充")
    note: StrictStr = Field("", max_length=300, description="审核意见；退回时必填")


@router.post("/evidence/{int:evidence_id}/decide/", response={200: EvidenceOut, **ERRORS},
             summary="审核佐证：认定或退回补充（组织部门；已审核 409）")
@api_errors(fields=FIELDS)
def decide_evidence(request, response: HttpResponse, evidence_id: ObjectId, payload: EvidenceDecideIn,
                    idempotency_key: OptionalKey = None):
    found = selectors.evidence_for(request.user, evidence_id)
    require_organisation(request.user, caps.MANAGE, found.organisation, seen_with=caps.VIEW)

    def work() -> dict:
        services.decide_evidence(actor=Actor.from_request(request), evidence=found, verdict=payload.verdict,
                                 note=payload.note)
        return _evidence(selectors.evidence_for(request.user, evidence_id))

    return once(request, response, key=idempotency_key, required=False, action="party.evidence.decide",
                body=payload.model_dump(mode="json"), work=work, status=200)


PHOTO = {"responses": {200: {"description": "佐证照片（image/jpeg 或 image/png）",
                             "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}}}}


@router.get("/evidence/{int:evidence_id}/photo/", response=READ_ERRORS, openapi_extra=PHOTO,
            summary="佐证照片（没有照片 404）")
@api_errors(fields=FIELDS)
def evidence_photo(request, evidence_id: ObjectId):
    """The photo from private storage, to whoever sees the branch (as the page serves it); no public URL."""
    return evidence_photo_response(selectors.evidence_for(request.user, evidence_id))
# ---------------------------------------------------------------------------------------------
# Spreadsheets (docs/api.md "Imports and exports"): the pages' own workbooks and import, through the pages' views
# and the one import service.
# ---------------------------------------------------------------------------------------------

FILE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def require_party(user, capability: str) -> None:
    """For a register route with no object yet: 404 to a caller holding no party role (a grid worker, a
    cashier), 403 to one who sees the registers but lacks ``capability`` (as the pages' ``_sees_party``)."""
    scope = scope_of(user)
    if not scope.paths(capability):
        refuse(seen=bool(scope.paths(caps.VIEW)))


class OrganisationsXlsxQuery(Schema):
    day: StrictDate | None = Field(None, description="截至哪一天（YYYY-MM-DD），默认今天")


@router.get("/organisations/xlsx/", response=FILE_ERRORS,
            openapi_extra=download("党组织名册（.xlsx），与网页导出的相同：调用者可导出的党组织，各自在该日的状态和党员数"),
            summary="导出党组织名册（Excel）")
@api_errors
def organisations_xlsx(request, filters: Query[OrganisationsXlsxQuery]):
    page_query(request, day=filters.day)
    return views.organisations_xlsx(request)


@router.get("/organisations/import/template/", response=FILE_ERRORS,
            openapi_extra=download("党组织导入模板（.xlsx）：表头与一行示例"), summary="党组织导入模板（Excel）")
@api_errors
def organisations_import_template(request):
    page_query(request)
    return views.import_template(request)


class OrganisationsImportedOut(Schema):
    organisations: int = Field(description="导入的党组织数")
    organisation_ids: list[int]
    message: str = Field(description="与网页的提示相同，如“已导入 3 个党组织”")


@router.post("/organisations/import/", response={201: OrganisationsImportedOut, **FILE_ERRORS},
             summary="导入党组织（Excel，multipart 字段 file；全部成功或全部不导入，幂等）")
@api_errors
def organisations_import(request, response: HttpResponse, file: File[UploadedFile],
                         idempotency_key: RequiredKey = None):
    """The page's import: every row is checked before any is written; any problem answers 422 with ``errors``
    keyed ``"第N行 列名"`` and nothing is written."""
    require_party(request.user, caps.MANAGE)

    def done(made: list[Organisation]) -> dict:
        return {"organisations": len(made), "organisation_ids": [o.pk for o in made],
                "message": f"已导入 {len(made)} 个党组织"}

    return import_once(request, response, upload=file, key=idempotency_key, action="party.organisations.import",
                       run=lambda upload: services.import_organisations(actor=Actor.from_request(request),
                                                                        upload=upload), done=done)
