"""The demands' JSON API (mounted at /api/demands): what each role does on the demands pages, through the same
selectors, permissions and services (docs/api.md "Demands").

- reads: units, categories, the responsibility list, the demands (a unit's queue, an area's list), one demand
  with its timeline, claims, ratings and what the caller may do with it, the wish claims of the caller, the
  numbers of an area;
- writes (each puts an event on the demand's timeline, so each answers 201 and requires Idempotency-Key):
  intake by staff, route / reroute, accept, consult, progress, resolve, callback (回访: the resident's rating
  taken by staff), claim a wish, fulfil or release the claim.

Scoping is the pages': a demand is seen in one's areas (demands.view), through one's unit, or as its claimant;
outside that 404; seen but not one's to act on 403. A step the state refuses (already resolved, already
claimed) is a ``core.refusals.Refusal`` in the service: 409.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import StrictBool, StrictStr

from grassroots.access.scope import access_object, access_scoped, refuse, require, scope_of
from grassroots.api.common import AreaRef, Cursor, Limit, Page, RequiredKey, area_ref, once, page, position_of
from grassroots.api.errors import ErrorOut, StrictIn, api_errors, error_response
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.areas.models import Area, Level, Person
from grassroots.audit.context import Actor, client_ip
from grassroots.core import ratelimit
from grassroots.demands import permissions, selectors, services
from grassroots.demands.capabilities import CLAIM, DISPATCH, RECORD, VIEW
from grassroots.demands.models import Category, Demand, DemandEvent, Feedback, Unit, WishClaim
from grassroots.rules import masking
from grassroots.rules.masking import mask_name

router = Router(tags=["需求清单"])

READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

Status = Demand.Status
EventKind = DemandEvent.Kind
StatusFilter = Literal["open", "received", "consulting", "in_progress", "resolved", "feedback", "closed"]
KindValue = Literal["demand", "wish", "complaint", "suggestion"]
StaffChannel = Literal["grid_worker", "pairing_cadre", "hotline", "meeting"]
ClaimStatus = Literal["held", "fulfilled", "released", "lapsed"]
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # the numbers' period: a day past it overflows
AreaCode = Annotated[str, Field(min_length=1, max_length=20, description="区划代码")]


# ================================================================================================ schemas


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    area: AreaRef
    is_member: bool = Field(description="调用者是否为该单位工作人员（可办理其派单）")


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None
    depth: int = Field(description="层级：0 为一级分类")
    respond_working_days: int | None
    resolve_working_days: int | None


class ResponsibilityOut(Schema):
    id: int
    item_number: str
    duty: str
    category_id: int
    category_name: str
    area: AreaRef
    lead_unit_id: int
    lead_unit_name: str
    supporting_unit_ids: list[int]


class DemandOut(Schema):
    id: int
    tracking_code: str = Field(description="受理编号：群众凭此查询进度")
    kind: str
    kind_label: str
    status: str
    status_label: str
    urgent: bool = Field(description="急难愁盼")
    summary: str
    category_id: int | None
    category_name: str
    area: AreaRef
    lead_unit_id: int | None
    lead_unit_name: str
    channel: str
    channel_label: str
    created_at: datetime
    due_at: datetime | None = Field(description="当前时限：未响应时为响应时限，之后为办结时限")
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    overdue: bool = Field(description="未办结且已超过当前时限")
    escalation_level: int = Field(description="督办层级：0 无，1 苏木乡镇，2 旗县")
    reopen_count: int
    rating: int | None = Field(description="最近一次满意度（1–5）")


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    status_after: str
    status_after_label: str
    note: str
    public: bool = Field(description="群众凭受理编号可见")
    unit_id: int | None
    unit_name: str
    actor_name: str
    at: datetime


class WishClaimOut(Schema):
    id: int
    demand_id: int
    status: str
    status_label: str
    claimant_name: str
    unit_id: int | None
    claimed_at: datetime
    expires_at: datetime
    ended_at: datetime | None


class FeedbackOut(Schema):
    id: int
    demand_id: int
    rating: int
    comment: str
    source: str = Field(description="resident（群众自评）或 callback（回访记录）")
    source_label: str
    created_at: datetime


class DemandDetailOut(DemandOut):
    text: str
    address: str
    latitude: float | None
    longitude: float | None
    person_id: int | None
    contact_name: str = Field(description="联系人：可登记或办理此需求者看全名，其余为脱敏姓名")
    contact_phone: str = Field(description="联系电话：仅可登记或办理此需求者可见，其余为空")
    resolution: str
    supporting_unit_ids: list[int]
    respond_due: datetime | None
    resolve_due: datetime | None
    events: list[EventOut]
    claims: list[WishClaimOut]
    feedbacks: list[FeedbackOut]
    allowed_actions: list[str] = Field(
        description="调用者此刻可做的操作：route、accept、consult、progress、resolve、callback、claim、fulfil、release")


class DemandStepOut(EventOut):
    """A step on a demand's timeline (201): the event it wrote and the demand as it now is."""

    demand: DemandOut


class WishClaimOut(WishClaimOut):
    demand: DemandOut


class CallbackOut(FeedbackOut):
    demand: DemandOut


class DemandNumbersOut(Schema):
    name: str = Field(description="合计、单位、分类或下级区域的名称")
    received: int = Field(description="收集（期间受理的需求数）")
    resolved: int = Field(description="办结")
    on_time: int = Field(description="按时办结")
    on_time_rate: float | None = Field(description="按时办结率（%），无时限的不计")
    rated: int = Field(description="已评价")
    satisfaction: float | None = Field(description="平均满意度（1–5）")
    urgent: int = Field(description="急难愁盼")
    open: int = Field(description="仍未办结")
    overdue: int = Field(description="未办结且已超期")


class NumbersOut(Schema):
    area: AreaRef
    since: date
    until: date
    total: DemandNumbersOut | None
    by_unit: list[DemandNumbersOut]
    by_category: list[DemandNumbersOut]
    by_area: list[DemandNumbersOut]


# ================================================================================================ presenters


def _unit_out(unit: Unit, mine: frozenset[int]) -> dict:
    return {"id": unit.pk, "code": unit.code, "name": unit.name, "kind": unit.kind, "kind_label": unit.get_kind_display(),
            "area": area_ref(unit.area), "is_member": unit.pk in mine}


def _demand_out(d: Demand, now: datetime) -> dict:
    return {
        "id": d.pk, "tracking_code": d.tracking_code, "kind": d.kind, "kind_label": d.get_kind_display(),
        "status": d.status, "status_label": d.get_status_display(), "urgent": d.urgent, "summary": d.summary,
        "category_id": d.category_id, "category_name": d.category.name if d.category_id else "",
        "area": area_ref(d.area), "lead_unit_id": d.lead_unit_id, "lead_unit_name": d.lead_unit.name if d.lead_unit_id else "",
        "channel": d.channel, "channel_label": d.get_channel_display(), "created_at": d.created_at, "due_at": d.due_at,
        "responded_at": d.responded_at, "resolved_at": d.resolved_at, "closed_at": d.closed_at,
        "overdue": d.is_open and d.due_at is not None and d.due_at < now,
        "escalation_level": d.escalation_level, "reopen_count": d.reopen_count, "rating": d.rating,
    }


def _event_out(e: DemandEvent) -> dict:
    return {"id": e.pk, "kind": e.kind, "kind_label": e.get_kind_display(), "status_after": e.status_after,
            "status_after_label": e.get_status_after_display(), "note": e.note, "public": e.public,
            "unit_id": e.unit_id, "unit_name": e.unit.name if e.unit_id and e.unit else "", "actor_name": e.actor_name,
            "at": e.at}


def _claim_out(c: WishClaim) -> dict:
    return {"id": c.pk, "demand_id": c.demand_id, "status": c.status, "status_label": c.get_status_display(),
            "claimant_name": c.claimant_name, "unit_id": c.unit_id, "claimed_at": c.claimed_at,
            "expires_at": c.expires_at, "ended_at": c.ended_at}


def _feedback_out(f: Feedback) -> dict:
    return {"id": f.pk, "demand_id": f.demand_id, "rating": f.rating, "comment": f.comment, "source": f.source,
            "source_label": f.get_source_display(), "created_at": f.created_at}


def _allowed_actions(user, demand: Demand) -> list[str]:
    """What the detail page offers the caller (views._detail_context), as action names."""
    scope = scope_of(user)
    units = permissions.unit_ids(user)
    handler = demand.lead_unit_id is not None and demand.lead_unit_id in units
    routed = handler or any(u.pk in units for u in demand.supporting_units.all())
    actions = []
    if demand.is_open and scope.can(DISPATCH, demand.path):
        actions.append("route")
    if demand.is_open and handler:
        actions += ["accept", "consult"]
    if demand.is_open and routed:
        actions.append("progress")
    if demand.is_open and handler:
        actions.append("resolve")
    if scope.can(RECORD, demand.path) and demand.status == Status.RESOLVED:
        actions.append("callback")
    claim_units = [u for u in selectors.my_units(user) if demand.path.startswith(u.path)]
    if (demand.kind == Demand.Kind.WISH and demand.status == Status.RECEIVED and demand.lead_unit_id is None
            and (scope.can(CLAIM, demand.path) or claim_units)):
        actions.append("claim")
    held = next((c for c in demand.claims.all() if c.status == WishClaim.Status.HELD), None)
    if held is not None and permissions.is_claimant(user, held):
        actions += ["fulfil", "release"]
    return actions


def _detail_out(user, demand: Demand) -> dict:
    show_contact = scope_of(user).can(RECORD, demand.path) or permissions.is_handler(user, demand)
    name = demand.person.name if demand.person_id and demand.person else demand.contact_name
    return {
        **_demand_out(demand, timezone.now()),
        "text": demand.text, "address": demand.address,
        "latitude": float(demand.latitude) if demand.latitude is not None else None,
        "longitude": float(demand.longitude) if demand.longitude is not None else None,
        "person_id": demand.person_id if show_contact else None,
        "contact_name": name if show_contact else mask_name(name),
        "contact_phone": demand.contact_phone if show_contact else "",
        "resolution": demand.resolution, "supporting_unit_ids": sorted(u.pk for u in demand.supporting_units.all()),
        "respond_due": demand.respond_due, "resolve_due": demand.resolve_due,
        "events": [_event_out(e) for e in demand.events.all()],
        "claims": [_claim_out(c) for c in demand.claims.all()],
        "feedbacks": [_feedback_out(f) for f in demand.feedbacks.all()],
        "allowed_actions": _allowed_actions(user, demand),
    }


def _demand_now(pk: int) -> dict:
    demand = Demand.objects.select_related("category", "area", "lead_unit").get(pk=pk)
    return _demand_out(demand, timezone.now())


def _step(demand_pk: int, kinds: list[str]) -> dict:
    """The body of a step: the event it wrote, with the demand as it now is."""
    demand = Demand.objects.get(pk=demand_pk)
    body = {**_event_out(selectors.latest_event(demand, kinds)), "demand": _demand_now(demand_pk)}
    return DemandStepOut.model_validate(body).model_dump()


def _area_of(user, code: str | None, capability: str = VIEW) -> Area:
    """The area a read is about: the one named (which the caller sees demands in; 404 otherwise), or the
    caller's outermost, as the pages open (views._area_from_request)."""
    if code:
        return selectors.area_with(user, code, capability)
    area = selectors.default_area(user, None)
    if area is None:
        permissions.refuse_without(user, capability)
        refuse(seen=False)
    return area


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


# ================================================================================================ reads


@router.get("/units/", response={200: Page(UnitOut), **READ_ERRORS}, summary="责任单位（本人所在单位及所辖区域的单位）")
@api_errors
def list_units(request, limit: Limit = 50, cursor: Cursor = None):
    position = position_of(cursor)
    user = request.user
    rows = list(selectors.visible_units(user).order_by("path", "name", "id")[position:position + limit + 1])
    if not rows and position == 0:
        permissions.refuse_without(user, VIEW)  # 404 to whoever has no part in demands at all
    mine = permissions.unit_ids(user)
    return page([_unit_out(u, mine) for u in rows], limit, position)


@router.get("/categories/", response={200: Page(CategoryOut), **READ_ERRORS}, summary="需求分类（树，父级在前）")
@api_errors
def list_categories(request, limit: Limit = 200, cursor: Cursor = None):
    user = request.user
    if not permissions.unit_ids(user):
        permissions.refuse_without(user, VIEW)
    position = position_of(cursor)
    rows = selectors.categories()[position:position + limit + 1]
    return page([{"id": c.pk, "code": c.code, "name": c.name, "parent_id": c.parent_id, "depth": c.depth,
                  "respond_working_days": c.respond_working_days, "resolve_working_days": c.resolve_working_days}
                 for c in rows], limit, position)


@router.get("/responsibilities/", response={200: Page(ResponsibilityOut), **READ_ERRORS},
            summary="责任清单（该区域适用的各条：上级区域的与下级区域的）")
@api_errors
def list_responsibilities(request, area_code: AreaCode | None = None, limit: Limit = 50, cursor: Cursor = None):
    area = _area_of(request.user, area_code)
    position = position_of(cursor)
    lines = selectors.responsibilities(request.user, area).order_by("item_number", "category__sort_order", "path", "id")
    rows = list(lines[position:position + limit + 1])
    return page([{"id": r.pk, "item_number": r.item_number, "duty": r.duty, "category_id": r.category_id,
                  "category_name": r.category.name, "area": area_ref(r.area), "lead_unit_id": r.lead_unit_id,
                  "lead_unit_name": r.lead_unit.name, "supporting_unit_ids": sorted(u.pk for u in r.supporting_units.all())}
                 for r in rows], limit, position)


class DemandFilters(Schema):
    area_code: AreaCode | None = Field(None, description="区域：该区域（含下级）的需求；须在调用者的辖区内")
    unit_id: ObjectId | None = Field(None, description="单位的待办（主办）：默认只列未办结的，紧急在前、时限近的在前")
    status: StatusFilter | None = Field(None, description="状态；open 为全部未办结（已受理、协商中、办理中）")
    kind: KindValue | None = Field(None, description="类型：demand 需求、wish 微心愿、complaint 投诉、suggestion 建议")
    urgent: bool | None = Field(None, description="只列急难愁盼（true）或只列非急难愁盼（false）")


@router.get("/", response={200: Page(DemandOut), **READ_ERRORS},
            summary="需求列表：单位待办（unit_id）、区域列表（area_code），或调用者可见的全部")
@api_errors
def list_demands(request, filters: Query[DemandFilters], limit: Limit = 50, cursor: Cursor = None):
    """With ``unit_id``: the unit's queue (the demands it leads, open ones unless ``status`` says otherwise,
    urgent first, then the nearest deadline). With ``area_code`` alone: the area's demands, newest first.
    With neither: every demand the caller sees (their areas, their units', the wishes they claimed), newest
    first."""
    user = request.user
    position = position_of(cursor)
    unit = selectors.unit_by_id(user, filters.unit_id) if filters.unit_id else None
    area = selectors.area_with(user, filters.area_code) if filters.area_code else None
    qs = selectors.listed_demands(user, area=area, unit=unit, status=filters.status or "", kind=filters.kind or "",
                                  urgent=filters.urgent)
    rows = list(qs[position:position + limit + 1])
    now = timezone.now()
    return page([_demand_out(d, now) for d in rows], limit, position)


@router.get("/{int:demand_id}/", response={200: DemandDetailOut, **READ_ERRORS},
            summary="需求详情（含办理记录、认领、评价与调用者可做的操作）")
@api_errors
def get_demand(request, demand_id: ObjectId):
    return _detail_out(request.user, selectors.demand_detail(request.user, demand_id))


@router.get("/claims/", response={200: Page(WishClaimOut), **READ_ERRORS}, summary="我的微心愿认领（本人或本单位的）")
@api_errors
def list_claims(request, status: ClaimStatus | None = None, limit: Limit = 50, cursor: Cursor = None):
    position = position_of(cursor)
    rows = list(selectors.claims_of(request.user, status=status or "")[position:position + limit + 1])
    now = timezone.now()
    demands = {d.pk: d for d in Demand.objects.filter(pk__in=[c.demand_id for c in rows])
               .select_related("category", "area", "lead_unit")}
    return page([{**_claim_out(c), "demand": _demand_out(demands[c.demand_id], now)} for c in rows], limit, position)


class NumbersQuery(Schema):
    area_code: AreaCode | None = Field(None, description="区域；默认为调用者辖区的最上级")
    since: date | None = Field(None, description="受理日期起（含，YYYY-MM-DD），默认当年 1 月 1 日")
    until: date | None = Field(None, description="受理日期止（含，YYYY-MM-DD），默认今天")


@router.get("/numbers/", response={200: NumbersOut, **READ_ERRORS},
            summary="需求统计：收集、办结、按时办结、满意度、未办结、超期（合计，按单位、分类、下级区域）")
@api_errors
def get_numbers(request, filters: Query[NumbersQuery]):
    area = _area_of(request.user, filters.area_code)
    today = timezone.localdate()
    since = filters.since or date(today.year, 1, 1)
    until = filters.until or today
    for name, day in (("since", since), ("until", until)):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise _invalid(name, f"日期应在 {FIRST_DAY} 到 {LAST_DAY} 之间")
    if since > until:
        raise _invalid("since", "起始日期不能晚于截止日期")
    figures = selectors.numbers(request.user, area, selectors.Period(start=since, end=until))

    def row(r: dict, name: str | None = None) -> dict:
        return {"name": name if name is not None else str(r["key"]), "received": r["collected"],
                "resolved": r["resolved"], "on_time": r["on_time"], "on_time_rate": r["on_time_rate"],
                "rated": r["rated"], "satisfaction": r["satisfaction"], "urgent": r["urgent"], "open": r["open"],
                "overdue": r["overdue"]}

    return {"area": area_ref(area), "since": since, "until": until,
            "total": row(figures["total"], area.name) if figures["total"] else None,
            "by_unit": [row(r) for r in figures["by_unit"]], "by_category": [row(r) for r in figures["by_category"]],
            "by_area": [row(r) for r in figures["by_area"]]}


# ================================================================================================ intake


class IntakeIn(StrictIn):
    kind: KindValue = Field("demand", description="demand 需求、wish 微心愿、complaint 投诉、suggestion 建议")
    text: Annotated[StrictStr, Field(max_length=services.MAX_TEXT)] = Field(description="诉求内容")
    area_code: Annotated[StrictStr, Field(max_length=20)] = Field(description="所在嘎查村（社区）或网格的区划代码")
    channel: StaffChannel = Field("grid_worker", description="来源渠道：grid_worker、pairing_cadre、hotline、meeting")
    category_id: StrictObjectId | None = None
    urgent: StrictBool = Field(False, description="急难愁盼")
    address: Annotated[StrictStr, Field(max_length=200)] = ""
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    person_id: StrictObjectId | None = Field(None, description="群众（须在调用者的辖区内）")
    contact_name: Annotated[StrictStr, Field(max_length=50)] = ""
    contact_phone: Annotated[StrictStr, Field(max_length=20)] = ""


def _coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 6)))


@router.post("/", response={201: DemandDetailOut, **WRITE_ERRORS}, summary="代群众登记需求（工作人员，幂等）")
@api_errors
def create_demand(request, response: HttpResponse, payload: IntakeIn, idempotency_key: RequiredKey = None):
    """Staff record what a resident asked for (``demands.record`` on the area: grid workers, village cadres,
    township and county staff). Routed at once by the responsibility list when its category has a line.
    Photos are added on the page."""
    user = request.user
    if not payload.text.strip():
        raise _invalid("text", "请填写诉求内容")
    area = Area.objects.filter(code=payload.area_code.strip()).first()
    if area is None:
        raise _invalid("area_code", "区域不存在")
    require(user, RECORD, area.path)
    if area.level not in (Level.VILLAGE, Level.GRID):
        raise _invalid("area_code", "所在区域须为嘎查村（社区）或网格")
    try:
        services.clean_contact_phone(payload.contact_phone)
    except ValidationError as exc:
        raise _invalid("contact_phone", exc.messages[0]) from None
    category = None
    if payload.category_id is not None:
        category = Category.objects.filter(pk=payload.category_id, is_active=True).first()
        if category is None:
            raise _invalid("category_id", "分类不存在或已停用")
    person = None
    if payload.person_id is not None:
        try:
            person = access_object(user, Person.objects.all(), pk=payload.person_id)
        except Http404:  # missing or not the caller's, told alike
            raise _invalid("person_id", "群众不存在或不在您的辖区") from None

    def work() -> dict:
        demand = services.create_demand(
            actor=Actor.from_request(request), kind=payload.kind, text=payload.text, area=area,
            channel=payload.channel, category=category, urgent=payload.urgent, address=payload.address,
            latitude=_coordinate(payload.latitude), longitude=_coordinate(payload.longitude), person=person,
            contact_name=payload.contact_name, contact_phone=payload.contact_phone)
        return DemandDetailOut.model_validate(_detail_out(user, selectors.demand_detail(user, demand.pk))).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="demands.api.create",
                body=payload.model_dump(mode="json"), work=work)


# ================================================================================================ steps


class RouteIn(StrictIn):
    lead_unit_id: StrictObjectId = Field(description="主办单位：该需求所在区域（本级及上级）的在用单位")
    supporting_unit_ids: Annotated[list[StrictObjectId], Field(max_length=20)] = Field(
        default_factory=list, description="协办单位")
    category_id: StrictObjectId | None = Field(None, description="改分类（不填则不变）")
    reason: Annotated[StrictStr, Field(max_length=300)] = Field(
        "", description="改派理由：改换主办单位时必填；首次派单时为可选的派单说明")


class NoteIn(StrictIn):
    note: Annotated[StrictStr, Field(max_length=services.MAX_NOTE)] = Field(
        "", description="说明（progress 必填：办理进展；resolve 必填：办理结果）")


class CallbackIn(StrictIn):
    rating: Annotated[int, Field(ge=1, le=5, strict=True)] = Field(description="满意度 1–5；1 或 2 分重新办理")
    comment: Annotated[StrictStr, Field(max_length=500)] = ""


class WishClaimIn(StrictIn):
    unit_id: StrictObjectId | None = Field(None, description="代本单位认领（须为调用者所在、覆盖该心愿区域的单位）；不填则以个人认领")


class FulfilIn(StrictIn):
    note: Annotated[StrictStr, Field(max_length=services.MAX_NOTE)] = Field(description="实现情况")


def _dispatch_unit(user, demand: Demand, pk: int, field: str) -> Unit:
    unit = selectors.dispatch_units(user, demand).filter(pk=pk).first()
    if unit is None:
        raise _invalid(field, "单位不存在、已停用或不在该需求所在区域")
    return unit


@router.post("/{int:demand_id}/route/", response={201: DemandStepOut, **WRITE_ERRORS},
             summary="派单或改派（改换主办单位须写理由，幂等）")
@api_errors
def route_demand(request, response: HttpResponse, demand_id: ObjectId, payload: RouteIn,
                 idempotency_key: RequiredKey = None):
    """``demands.dispatch`` on the demand's area (village secretaries, township and county staff)."""
    user = request.user
    actor = Actor.from_request(request)
    demand = selectors.demand_detail(user, demand_id)
    permissions.authorise(actor, DISPATCH, demand)
    lead = _dispatch_unit(user, demand, payload.lead_unit_id, "lead_unit_id")
    supporting = [_dispatch_unit(user, demand, pk, "supporting_unit_ids") for pk in dict.fromkeys(payload.supporting_unit_ids)]
    category = None
    if payload.category_id is not None:
        category = Category.objects.filter(pk=payload.category_id, is_active=True).first()
        if category is None:
            raise _invalid("category_id", "分类不存在或已停用")

    def work() -> dict:
        services.change_route(actor=actor, demand=demand, lead_unit=lead, supporting_units=supporting,
                              category=category, reason=payload.reason)
        return _step(demand.pk, [EventKind.ROUTED, EventKind.REROUTED])

    return once(request, response, key=idempotency_key, required=True, action="demands.api.route",
                body=payload.model_dump(mode="json"), work=work)


_STEP_KINDS = {
    services.Action.ACCEPT: [EventKind.ACCEPTED],
    services.Action.CONSULT: [EventKind.CONSULTING],
    services.Action.NOTE: [EventKind.NOTE],
    services.Action.RESOLVE: [EventKind.RESOLVED],
}


def _handle(request, response, demand_id: int, payload: NoteIn, key: str | None, action: str) -> object:
    """A step of the lead unit (a supporting unit may add progress): services.handle."""
    demand = selectors.demand_detail(request.user, demand_id)
    actor = Actor.from_request(request)
    permissions.authorise_handler(actor, demand, supporting_ok=action == services.Action.NOTE)

    def work() -> dict:
        services.handle(actor=actor, demand=demand, action=action, note=payload.note)
        return _step(demand.pk, _STEP_KINDS[action])

    return once(request, response, key=key, required=True, action=f"demands.api.{action}",
                body=payload.model_dump(mode="json"), work=work)


@router.post("/{int:demand_id}/accept/", response={201: DemandStepOut, **WRITE_ERRORS},
             summary="接单：开始办理（主办单位，幂等）")
@api_errors
def accept_demand(request, response: HttpResponse, demand_id: ObjectId, payload: NoteIn,
                  idempotency_key: RequiredKey = None):
    return _handle(request, response, demand_id, payload, idempotency_key, services.Action.ACCEPT)


@router.post("/{int:demand_id}/consult/", response={201: DemandStepOut, **WRITE_ERRORS},
             summary="转入协商（主办单位，幂等）")
@api_errors
def consult_demand(request, response: HttpResponse, demand_id: ObjectId, payload: NoteIn,
                   idempotency_key: RequiredKey = None):
    return _handle(request, response, demand_id, payload, idempotency_key, services.Action.CONSULT)


@router.post("/{int:demand_id}/progress/", response={201: DemandStepOut, **WRITE_ERRORS},
             summary="记录办理进展（主办或协办单位，幂等）")
@api_errors
def note_progress(request, response: HttpResponse, demand_id: ObjectId, payload: NoteIn,
                  idempotency_key: RequiredKey = None):
    return _handle(request, response, demand_id, payload, idempotency_key, services.Action.NOTE)


@router.post("/{int:demand_id}/resolve/", response={201: DemandStepOut, **WRITE_ERRORS},
             summary="办结（主办单位写明办理结果，幂等）")
@api_errors
def resolve_demand(request, response: HttpResponse, demand_id: ObjectId, payload: NoteIn,
                   idempotency_key: RequiredKey = None):
    return _handle(request, response, demand_id, payload, idempotency_key, services.Action.RESOLVE)


@router.post("/{int:demand_id}/callback/", response={201: CallbackOut, **WRITE_ERRORS},
             summary="回访：记录群众的满意度（1–2 分重新办理，3–5 分关闭；幂等）")
@api_errors
def record_callback(request, response: HttpResponse, demand_id: ObjectId, payload: CallbackIn,
                    idempotency_key: RequiredKey = None):
    """``demands.record`` on the demand's area, on a resolved demand waiting for its rating."""
    demand = selectors.demand_detail(request.user, demand_id)
    actor = Actor.from_request(request)
    permissions.authorise(actor, RECORD, demand)

    def work() -> dict:
        feedback = services.rate(actor=actor, demand=demand, rating=payload.rating, comment=payload.comment,
                                 source=Feedback.Source.CALLBACK)
        body = {**_feedback_out(feedback), "demand": _demand_now(demand.pk)}
        return CallbackOut.model_validate(body).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="demands.api.callback",
                body=payload.model_dump(mode="json"), work=work)


# ================================================================================================ wishes


@router.post("/{int:demand_id}/claim/", response={201: WishClaimOut, **WRITE_ERRORS},
             summary="认领微心愿（个人或代本单位，幂等）")
@api_errors
def claim_wish(request, response: HttpResponse, demand_id: ObjectId, payload: WishClaimIn,
               idempotency_key: RequiredKey = None):
    """As a party member (``demands.claim`` on the wish's area) or for one's unit (a unit of the caller's
    covering the wish's area), like the wish's page."""
    user = request.user
    actor = Actor.from_request(request)
    demand = access_scoped(Demand.objects.all(), pk=demand_id)
    unit = None
    if payload.unit_id is not None:
        unit = selectors.my_units(user).filter(pk=payload.unit_id).first()
        if unit is None:
            refuse(seen=permissions.can_see(user, demand))
    permissions.authorise_claim(actor, demand, unit=unit)

    def work() -> dict:
        claim = services.claim_wish(actor=actor, demand=demand, unit=unit)
        body = {**_claim_out(claim), "demand": _demand_now(demand.pk)}
        return WishClaimOut.model_validate(body).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="demands.api.claim",
                body=payload.model_dump(mode="json"), work=work)


def _own_claim(request, claim_id: int) -> WishClaim:
    claim = access_scoped(WishClaim.objects.select_related("demand", "unit"), pk=claim_id)
    permissions.authorise_claimant(Actor.from_request(request), claim)
    return claim


@router.post("/claims/{int:claim_id}/fulfil/", response={201: DemandStepOut, **WRITE_ERRORS},
             summary="心愿已实现（认领人，幂等）")
@api_errors
def fulfil_claim(request, response: HttpResponse, claim_id: ObjectId, payload: FulfilIn,
                 idempotency_key: RequiredKey = None):
    claim = _own_claim(request, claim_id)

    def work() -> dict:
        services.fulfil_claim(actor=Actor.from_request(request), claim=claim, note=payload.note)
        return _step(claim.demand_id, [EventKind.FULFILLED])

    return once(request, response, key=idempotency_key, required=True, action="demands.api.fulfil",
                body=payload.model_dump(mode="json"), work=work)


class ReleaseIn(StrictIn):
    pass


@router.post("/claims/{int:claim_id}/release/", response={201: DemandStepOut, **WRITE_ERRORS},
             summary="放弃认领，心愿重新开放（认领人，幂等）")
@api_errors
def release_claim(request, response: HttpResponse, claim_id: ObjectId, payload: ReleaseIn,
                  idempotency_key: RequiredKey = None):
    claim = _own_claim(request, claim_id)

    def work() -> dict:
        services.release_claim(actor=Actor.from_request(request), claim=claim)
        return _step(claim.demand_id, [EventKind.CLAIM_RELEASED])

    return once(request, response, key=idempotency_key, required=True, action="demands.api.release",
                body=payload.model_dump(mode="json"), work=work)


# ================================================================================================ public (no account)
# What the QR code on a village's or grid's board opens (demands/public.py): a demand by its tracking code and the
# resident's own rating. Masked names only; no phone, no address of a person, no internal note; rate-limited per
# address by the pages' own limits; a tracking code missing, malformed or of another area answers the same 404.


class PublicEventOut(Schema):
    kind: str
    kind_label: str
    unit_name: str
    note: str = Field(description="说明（其中的身份证号、手机号已脱敏）")
    at: datetime


class PublicDemandOut(Schema):
    tracking_code: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    urgent: bool
    summary: str = Field(description="内容摘要（号码已脱敏）")
    category_name: str
    area: AreaRef
    lead_unit_name: str
    escalation_level: int
    created_at: datetime
    resolved_at: datetime | None
    resident: str = Field(description="提交人（脱敏姓名）")
    claimant: str = Field(description="微心愿的认领人：单位名称或脱敏姓名")
    can_rate: bool = Field(description="已办结待评价：可以评价")
    events: list[PublicEventOut]


class PublicRatingIn(StrictIn):
    rating: Annotated[int, Field(ge=1, le=5, strict=True)] = Field(description="满意度 1–5；1 或 2 分将重新办理")
    comment: Annotated[StrictStr, Field(max_length=500)] = ""


class PublicRatingOut(Schema):
    id: int
    rating: int
    comment: str
    created_at: datetime
    demand: PublicDemandOut


PUBLIC_ERRORS = {404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def _limited(request, scope: str):
    """429 with Retry-After once this address has used up ``scope`` (core/ratelimit.py), else None."""
    decision = ratelimit.check(request, scope)
    if decision.allowed:
        return None
    answer = error_response(429, f"操作过于频繁，请{max(1, decision.retry_after // 60)}分钟后再试")
    answer["Retry-After"] = str(decision.retry_after)
    return answer


def _public_demand(area_code: str, tracking_code: str) -> Demand:
    demand = selectors.public_demand(selectors.public_area(area_code), tracking_code)
    if demand is None:
        raise Http404
    return demand


def _public_out(demand: Demand) -> dict:
    held = demand.claims.filter(status=WishClaim.Status.HELD).select_related("unit").first() \
        if demand.kind == Demand.Kind.WISH else None
    return {
        "tracking_code": demand.tracking_code, "kind": demand.kind, "kind_label": demand.get_kind_display(),
        "status": demand.status, "status_label": demand.get_status_display(), "urgent": demand.urgent,
        "summary": masking.public_summary(demand.text), "category_name": demand.category.name if demand.category_id else "",
        "area": area_ref(demand.area), "lead_unit_name": demand.lead_unit.name if demand.lead_unit_id else "",
        "escalation_level": demand.escalation_level, "created_at": demand.created_at, "resolved_at": demand.resolved_at,
        "resident": mask_name(demand.contact_name), "claimant": selectors.claimant_label(held) if held else "",
        "can_rate": demand.status == Status.RESOLVED,
        "events": [{"kind": e.kind, "kind_label": e.get_kind_display(), "unit_name": e.unit.name if e.unit_id else "",
                    "note": "" if e.kind == EventKind.RECEIVED else masking.mask_numbers(e.note), "at": e.at}
                   for e in selectors.public_timeline(demand)],
    }


@router.get("/public/{area_code}/tracking/{tracking_code}/", auth=None, response={200: PublicDemandOut, **PUBLIC_ERRORS},
            summary="凭受理编号查询办理进度（公开，按来源地址限频）")
@api_errors
def public_track(request, area_code: str, tracking_code: str):
    limited = _limited(request, "demands:track")
    if limited is not None:
        return limited
    return _public_out(_public_demand(area_code, tracking_code))


@router.post("/public/{area_code}/tracking/{tracking_code}/rating/", auth=None,
             response={201: PublicRatingOut, 409: ErrorOut, **PUBLIC_ERRORS},
             summary="群众评价已办结的需求（公开，幂等，按来源地址限频）")
@api_errors
def public_rate(request, response: HttpResponse, area_code: str, tracking_code: str, payload: PublicRatingIn,
                idempotency_key: RequiredKey = None):
    """The resident's own rating (满意度) of a resolved demand; 1 or 2 sends it back to the lead unit. The
    Idempotency-Key is kept per address."""
    limited = _limited(request, "demands:rate")
    if limited is not None:
        return limited
    demand = _public_demand(area_code, tracking_code)

    def work() -> dict:
        feedback = services.rate(actor=Actor.from_request(request), demand=demand, rating=payload.rating,
                                 comment=payload.comment, source=Feedback.Source.RESIDENT)
        fresh = Demand.objects.select_related("category", "area", "lead_unit").get(pk=demand.pk)
        body = {"id": feedback.pk, "rating": feedback.rating, "comment": feedback.comment,
                "created_at": feedback.created_at, "demand": _public_out(fresh)}
        return PublicRatingOut.model_validate(body).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="demands.api.public_rate",
                body=payload.model_dump(mode="json"), work=work, owner=f"public:{client_ip(request) or 'unknown'}")
