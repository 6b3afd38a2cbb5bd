"""The party organisation tree through the JSON API, mounted at /api/party.

Scoped like the pages (access.scope): an organisation the caller does not reach is 404, a write by one who may
only look is 403, anonymous is 401. Lists are ``{"items", "next_offset"}``; every organisation is shown as of
``?day`` (default today): its status that day and the members its memberships counted that day. Creating an
organisation needs an ``Idempotency-Key`` (``api.common.once``): the same key again creates nothing and answers
the first reply with ``Idempotent-Replayed: true``. Opening a rectification honours the header when sent.
"""

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import StrictBool, StrictStr

from grassroots.access.scope import access_area, require_organisation, scope_of
from grassroots.api.common import MAX_LIMIT, Limit, Offset, OptionalKey, RequiredKey, area_ref, once, page
from grassroots.api.errors import (
    ErrorOut,
    StrictDate,
    StrictIn,
    ValidationErrorOut,
    api_errors,
    error_response,
)
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.audit.context import Actor
from grassroots.party import capabilities as caps
from grassroots.party import selectors, services
from grassroots.party.models import Organisation

router = Router(tags=["党组织"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class AreaRef(Schema):
    code: str
    name: str


class OrganisationRef(Schema):
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
    area: AreaRef
    parent: OrganisationRef | None
    founded_on: date
    dissolved_on: date | None
    is_cloud_branch: bool
    day: date = Field(description="以下状态和人数所依据的日期")
    status: str = Field(description="该日的状态：normal 正常 / weak 软弱涣散 / dissolved 已撤销")
    status_label: str
    member_count: int = Field(description="该日组织关系在本组织的党员数")


class OrganisationListOut(Schema):
    items: list[OrganisationOut]
    next_offset: int | None


def _out(o: Organisation, day: date) -> dict:
    """``o`` as selectors.dressed gives it."""
    return {"id": o.pk, "code": o.code, "name": o.name, "kind": o.kind, "kind_label": o.get_kind_display(),
            "host": o.host, "host_label": o.get_host_display(), "host_name": o.host_name, "area": area_ref(o.area),
            "parent": {"id": o.parent.pk, "code": o.parent.code, "name": o.parent.name} if o.parent else None,
            "founded_on": o.founded_on, "dissolved_on": o.dissolved_on, "is_cloud_branch": o.is_cloud_branch,
            "day": day, "status": o.status_that_day, "status_label": o.status_that_day_label,
            "member_count": o.member_count}


def _one(user, pk: int, day: date | None = None) -> dict:
    day = day or timezone.localdate()
    return OrganisationOut.model_validate(_out(selectors.organisation_on(user, pk, day=day), day)).model_dump(mode="json")


class ListQuery(Schema):
    day: date | None = Field(None, description="按此日期（YYYY-MM-DD）查询，默认今天")
    q: str = Field("", max_length=50, description="名称包含")
    limit: Limit = MAX_LIMIT
    offset: Offset = 0


class DayQuery(Schema):
    day: date | None = Field(None, description="按此日期（YYYY-MM-DD）查询，默认今天")


@router.get("/organisations", response={200: OrganisationListOut, **READ_ERRORS}, summary="我能看到的党组织（组织树顺序）")
@api_errors
def list_organisations(request, filters: Query[ListQuery]):
    if not scope_of(request.user).paths(caps.VIEW):
        raise Http404  # to a grid worker or a cashier the party registers do not exist, as on the pages
    day = filters.day or timezone.localdate()
    limit, offset = filters.limit, filters.offset
    rows = selectors.dressed(selectors.tree_rows(request.user, day=day, q=filters.q.strip())[offset:offset + limit + 1],
                             day)
    return page([_out(o, day) for o in rows], limit, offset)


@router.get("/organisations/{int:organisation_id}", response={200: OrganisationOut, **READ_ERRORS},
            summary="一个党组织")
@api_errors
def get_organisation(request, organisation_id: ObjectId, filters: Query[DayQuery]):
    return _one(request.user, organisation_id, filters.day)


class OrganisationIn(StrictIn):
    name: StrictStr = Field(min_length=1, max_length=100)
    kind: StrictStr = Field(description="committee / general_branch / branch / group")
    area: StrictStr = Field(min_length=1, max_length=20, description="所在区域代码")
    parent: StrictObjectId | None = Field(None, description="上级党组织编号；不填则为该区域的最上级")
    founded_on: StrictDate = Field(description="成立日期（YYYY-MM-DD）")
    host: StrictStr = Field(Organisation.Host.AREA, description="area / unit / enterprise / social")
    host_name: StrictStr = Field("", max_length=100)
    code: StrictStr | None = Field(None, max_length=40, description="组织代码")
    is_cloud_branch: StrictBool = False


@router.post("/organisations", response={201: OrganisationOut, **ERRORS}, summary="新建党组织（幂等）")
@api_errors
def create_organisation(request, response: HttpResponse, payload: OrganisationIn, idempotency_key: RequiredKey = None):
    parent = selectors.organisation_for(request.user, payload.parent) if payload.parent else None
    if parent is not None:
        require_organisation(request.user, caps.MANAGE, parent, seen_with=caps.VIEW)

    def work() -> dict:
        try:
            area = access_area(request.user, code=payload.area, capability=caps.MANAGE)
        except Http404:  # unknown or outside the caller's reach, alike
            raise DjangoValidationError({"area": f"所在区域代码“{payload.area}”不存在或不在您管理的范围内"}) from None
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
    parent: StrictObjectId | None = Field(None, description="调整到此上级党组织之下（连同全部下级）")


@router.patch("/organisations/{int:organisation_id}", response={200: OrganisationOut, **ERRORS},
              summary="修改党组织，或调整隶属关系")
@api_errors
def update_organisation(request, organisation_id: ObjectId, payload: OrganisationPatch):
    organisation = selectors.organisation_for(request.user, organisation_id)
    require_organisation(request.user, caps.MANAGE, organisation, seen_with=caps.VIEW)
    actor = Actor.from_request(request)
    fields = {k: getattr(payload, k) for k in ("name", "code", "host_name", "is_cloud_branch")
              if k in payload.model_fields_set and getattr(payload, k) is not None}
    with transaction.atomic():  # an edit and a move together, or neither
        if fields:
            organisation = services.update_organisation(actor=actor, organisation=organisation, **fields)
        if payload.parent is not None:
            parent = selectors.organisation_for(request.user, payload.parent)
            services.move_organisation(actor=actor, organisation=organisation, parent=parent)
    return _one(request.user, organisation_id)


class RectificationIn(StrictIn):
    identified_on: StrictDate = Field(description="认定日期（YYYY-MM-DD）")
    reasons: StrictStr = Field(min_length=1, max_length=2000, description="主要问题")
    measures: StrictStr = Field("", max_length=2000, description="整顿措施")
    responsible: StrictStr = Field("", max_length=50, description="包联责任人")
    due_on: StrictDate | None = Field(None, description="整顿时限")


class RectificationOut(Schema):
    id: int
    organisation: OrganisationRef
    identified_on: date
    reasons: str
    measures: str
    responsible: str
    due_on: date | None
    completed_on: date | None
    result: str


@router.post("/organisations/{int:organisation_id}/rectifications", response={201: RectificationOut, **ERRORS},
             summary="列为软弱涣散党组织，开始整顿")
@api_errors
def open_rectification(request, response: HttpResponse, organisation_id: ObjectId, payload: RectificationIn,
                       idempotency_key: OptionalKey = None):
    organisation = selectors.organisation_for(request.user, organisation_id)
    require_organisation(request.user, caps.MANAGE, organisation, seen_with=caps.VIEW)

    def work() -> dict:
        r = services.open_rectification(
            actor=Actor.from_request(request), organisation=organisation, identified_on=payload.identified_on,
            reasons=payload.reasons, measures=payload.measures, responsible=payload.responsible, due_on=payload.due_on)
        return RectificationOut.model_validate({
            "id": r.pk, "organisation": {"id": organisation.pk, "code": organisation.code, "name": organisation.name},
            "identified_on": r.identified_on, "reasons": r.reasons, "measures": r.measures,
            "responsible": r.responsible, "due_on": r.due_on, "completed_on": r.completed_on, "result": r.result,
        }).model_dump(mode="json")

    try:
        return once(request, response, key=idempotency_key, required=False, action="party.rectification.open",
                    body=payload.model_dump(mode="json"), work=work)
    except DjangoValidationError:
        if organisation.rectifications.filter(completed_on__isnull=True).exists():
            # 409: well formed, but the organisation is already under rectification
            return error_response(409, f"“{organisation}”已在整顿中，请先验收上一次整顿")
        raise
