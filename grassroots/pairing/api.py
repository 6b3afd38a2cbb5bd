"""JSON API of pairing, mounted under /api/pairing/: pairs, visits (created with a required ``Idempotency-Key``: a
phone on a weak signal retries), the problems visits collected, and coverage. Thin routes over pairing.selectors
and pairing.services; scoped like the pages. Conventions: docs/api.md (the "Pairing and volunteers" section lists
what is particular here)."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import StrictBool, StrictFloat, StrictInt, StrictStr
from pydantic import ValidationError as PydanticValidationError

from grassroots.access.scope import access_area, access_pair, refuse, scope_of
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
    photo_download,
    photo_response,
    position_of,
)
from grassroots.api.errors import (
    ErrorOut,
    StrictDate,
    StrictIn,
    ValidationErrorOut,
    api_errors,
    field_errors_response,
    schema_errors,
)
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.areas.models import Area, Level
from grassroots.audit.context import Actor
from grassroots.core.photos import checked_uploads
from grassroots.demands.models import Category, Demand
from grassroots.pairing import capabilities as caps
from grassroots.pairing import selectors, services, views
from grassroots.pairing.models import Help, Visit, VisitPhoto
from grassroots.rules import pairing as rules
from grassroots.rules.settlement import yuan_text

router = Router(tags=["包联结对"])


class PairingAreaRef(Schema):
    code: str
    name: str

COVERAGE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

# ---------------------------------------------------------------------- pairs

PAIR_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class SideOut(Schema):
    type: str = Field(description="user / member / unit / household / area / enterprise")
    id: int
    name: str


class WindowOut(Schema):
    label: str = Field(description="期次，如 2026年3月")
    opens: date
    due_from: date
    ends: date
    grace_until: date
    visited_on: date | None


class PairOut(Schema):
    id: int
    kind: str
    kind_label: str
    visitor: SideOut
    target: SideOut
    path: str
    started_on: date
    ended_on: date | None
    end_reason: str
    purpose: str
    status: str = Field(description="当日的走访情况（rules/pairing.py）：done / done_late / upcoming / open / due / "
                                    "overdue / missed / not_owed")
    status_label: str
    window: WindowOut | None = Field(description="当日起作用的走访期（逾期未访时为上期）")


def _side(obj, type_: str, name: str) -> dict:
    return {"type": type_, "id": obj.pk, "name": name}


def _pair_out(row) -> dict:
    p = row.pair
    if p.visitor_user_id:
        visitor = _side(p.visitor_user, rules.USER, p.visitor_name)
    elif p.visitor_member_id:
        visitor = _side(p.visitor_member, rules.MEMBER, p.visitor_member.name)
    else:
        visitor = _side(p.visitor_unit, rules.UNIT, p.visitor_unit.name)
    target = _side(p.target, p.rule.target, row.target_name)
    w = row.window
    return {"id": p.pk, "kind": p.kind, "kind_label": p.rule.label, "visitor": visitor, "target": target,
            "path": p.path, "started_on": p.started_on, "ended_on": p.ended_on, "end_reason": p.end_reason,
            "purpose": p.purpose, "status": row.status, "status_label": row.status_label,
            "window": None if w is None else {"label": w.label, "opens": w.opens, "due_from": w.due_from,
                                              "ends": w.ends, "grace_until": w.grace_until,
                                              "visited_on": w.visited_on}}


class PairQuery(Schema):
    kind: str = Field("", max_length=24, description="结对类型代码；默认全部")
    area_code: str = Field("", max_length=20, description="区划代码；默认为可见的全部")
    day: date | None = Field(None, description="截至日期，默认今天")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/pairs/", response={200: Page(PairOut), **PAIR_ERRORS},
            summary="结对台账（截至某日有效的结对，分页，附当期走访情况）")
@api_errors
def list_pairs(request, filters: Query[PairQuery]):
    user = request.user
    if not selectors.sees_registers(user):
        refuse(seen=False)
    if filters.kind and filters.kind not in rules.KINDS:
        raise ValidationError({"kind": f"结对类型“{filters.kind}”不存在"})
    day = filters.day or timezone.localdate()
    area = access_area(user, code=filters.area_code, capability=caps.VIEW) if filters.area_code.strip() else None
    pairs = selectors.register_pairs(user, day=day, kind=filters.kind, area=area)
    position = position_of(filters.cursor)
    chunk = list(pairs[position:position + filters.limit + 1])
    return page([_pair_out(r) for r in selectors.pair_rows(user, chunk, day=day)], filters.limit, position)


class PairDayQuery(Schema):
    day: date | None = Field(None, description="按哪一天计算走访情况，默认今天")


def _one(user, pk: int, day: date) -> dict:
    pair = selectors.pair_with_sides(user, pk)
    return _pair_out(selectors.pair_rows(user, [pair], day=day)[0])


@router.get("/pairs/{int:pair_id}/", response={200: PairOut, **PAIR_ERRORS}, summary="一对结对及其当期走访情况")
@api_errors
def get_pair(request, pair_id: ObjectId, filters: Query[PairDayQuery]):
    return _one(request.user, pair_id, filters.day or timezone.localdate())


class PairIn(StrictIn):
    kind: StrictStr = Field(max_length=24, description="结对类型代码（cadre_household 等）")
    visitor: StrictStr = Field(min_length=1, max_length=100,
                               description="结对一方：账号 / 党员姓名（同名时 姓名/手机号）/ 单位代码")
    target: StrictStr = Field(min_length=1, max_length=100,
                              description="结对对象：嘎查村/户号 / 区划代码 / 党员姓名 / 统一社会信用代码或企业名称")
    started_on: StrictDate
    purpose: StrictStr = Field("", max_length=200)


@router.post("/pairs/", response={201: PairOut, **PAIR_ERRORS}, summary="建立一对结对（幂等，须带 Idempotency-Key）")
@api_errors
def create_pair(request, response: HttpResponse, payload: PairIn, idempotency_key: RequiredKey = None):
    user = request.user
    scope = scope_of(user)
    if not scope.paths(caps.MANAGE):
        refuse(seen=bool(scope.paths(caps.VIEW)))
    rule = rules.KINDS.get(payload.kind)
    if rule is None:
        raise ValidationError({"kind": f"结对类型“{payload.kind}”不存在"})
    actor = Actor.from_request(request)
    sides = selectors.Sides(selectors.default_area(user, caps.MANAGE))

    def work() -> dict:
        visitor, problem = sides.visitor(rule, payload.visitor, day=payload.started_on)
        if problem:
            raise ValidationError({"visitor": problem})
        target, problem = sides.target(rule, payload.target)
        if problem:
            raise ValidationError({"target": problem})
        made = services.create_pair(actor=actor, kind=rule.code, visitor=visitor, target=target,
                                    started_on=payload.started_on, purpose=payload.purpose)
        return PairOut.model_validate(_one(user, made.pk, timezone.localdate())).model_dump()

    return once(request, response, key=idempotency_key, required=True, action=services.PAIR_CREATE,
                body=payload.model_dump(mode="json"), work=work)


class EndIn(StrictIn):
    ended_on: StrictDate
    reason: StrictStr = Field(min_length=1, max_length=100)


@router.post("/pairs/{int:pair_id}/end/", response={200: PairOut, **PAIR_ERRORS},
             summary="结束一对结对（已结束的答 409；带 Idempotency-Key 时重试返回同样的结果）")
@api_errors
def end_pair(request, response: HttpResponse, pair_id: ObjectId, payload: EndIn, idempotency_key: OptionalKey = None):
    user = request.user
    pair = selectors.pair_with_sides(user, pair_id)
    actor = Actor.from_request(request)

    def work() -> dict:
        services.end_pair(actor=actor, pair=pair, ended_on=payload.ended_on, reason=payload.reason)
        return PairOut.model_validate(_one(user, pair.pk, timezone.localdate())).model_dump()

    return once(request, response, key=idempotency_key, required=False, action=services.PAIR_END,
                body=payload.model_dump(mode="json"), work=work, status=200)


# ---------------------------------------------------------------------- handing out households (the page 批量分配)


class AssignIn(StrictIn):
    area_code: StrictStr = Field(min_length=1, max_length=20, description="嘎查村（社区）或网格的区划代码")
    cadre_ids: list[StrictObjectId] = Field(min_length=1, max_length=50, description="包联干部的账号编号")
    per_cadre: StrictInt = Field(ge=1, le=100, description="每人包联户数")
    started_on: StrictDate
    purpose: StrictStr = Field("", max_length=200)


class AssignedHouseholdOut(Schema):
    id: int
    number: str


class AssignedCadreOut(Schema):
    id: int
    name: str
    households: list[AssignedHouseholdOut]


class AssignmentOut(Schema):
    area: PairingAreaRef
    kind: str
    started_on: date
    made: int = Field(description="新建的结对数")
    left: int = Field(description="仍未结对的在册户")
    priority_left: int = Field(description="其中的重点户")
    cadres: list[AssignedCadreOut]
    left_numbers: list[str] = Field(description="仍未结对的户号（最多200个）")


@router.post("/assignments/", response={201: AssignmentOut, **PAIR_ERRORS},
             summary="把一个嘎查村或网格未结对的户分给包联干部（重点户优先；同一批全部成功或全部不变；"
                     "幂等，须带 Idempotency-Key）")
@api_errors
def assign_households(request, response: HttpResponse, payload: AssignIn, idempotency_key: RequiredKey = None):
    user = request.user
    area = access_area(user, code=payload.area_code.strip(), capability=caps.VIEW)
    if area.level not in (Level.VILLAGE, Level.GRID):
        raise ValidationError({"area_code": f"{area.name}不是嘎查村社区或网格，请选择一个嘎查村或网格"})
    actor = Actor.from_request(request)
    services.authorise_pairing(actor, caps.MANAGE, area.path)
    offered = {u.pk: u for u in selectors.cadre_choices(area, day=timezone.localdate()).filter(pk__in=payload.cadre_ids)}
    missing = [pk for pk in payload.cadre_ids if pk not in offered]
    if missing:
        raise ValidationError({"cadre_ids": f"账号 {missing[0]} 不在{area.name}可选的包联干部中"})
    cadres = sorted({offered[pk] for pk in payload.cadre_ids}, key=lambda u: (u.display_name or u.username, u.pk))

    def work() -> dict:
        done = services.assign_households(actor=actor, area=area, cadres=cadres, per_cadre=payload.per_cadre,
                                          started_on=payload.started_on, purpose=payload.purpose)
        return AssignmentOut.model_validate({**done, "area": area_ref(area)}).model_dump()

    return once(request, response, key=idempotency_key, required=True, action=services.PAIR_ASSIGN,
                body=payload.model_dump(mode="json"), work=work)


# ---------------------------------------------------------------------- visits and problems
# A visit with photos is POST visits/with-photos/ (multipart: the JSON of VisitIn in ``data``, the files in
# ``photos``), as the page's form takes them; each photo is read at visits/{visit_id}/photos/{photo_id}/.

VISIT_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class HelpIn(StrictIn):
    kind: Help.Kind
    detail: StrictStr = Field(min_length=1, max_length=200)
    amount_fen: StrictInt = Field(0, ge=0, le=9_999_999_999, description="金额（分，整数）；0 或不填为不涉及金额")


class ProblemIn(StrictIn):
    text: StrictStr = Field(min_length=1, max_length=2000)
    category_code: StrictStr = Field("", max_length=40, description="诉求分类代码（demands.Category.code），可不填")
    urgent: StrictBool = False


class VisitIn(StrictIn):
    pair_id: StrictObjectId
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
    amount_fen: int = Field(description="金额（分）；未填金额的为 0（amount_text 为 null）")
    amount_text: str | None = Field(description="金额的显示，如“200元”；未填金额的为 null")


class DemandRef(Schema):
    id: int
    tracking_code: str
    status: str
    status_label: str = Field(description="诉求自身的状态：已受理、办理中、已办结待评价、已评价 …")
    lead_unit_name: str | None = Field(description="牵头办理单位的名称")


class ProblemOut(Schema):
    id: int
    visit_id: int
    visited_on: date
    text: str
    category_code: str | None
    urgent: bool
    demand: DemandRef


class VisitOut(Schema):
    id: int
    pair_id: int
    kind: str
    kind_label: str
    visited_at: datetime
    visited_on: date
    address: str
    latitude: float | None
    longitude: float | None
    notes: str
    photo_count: int = Field(description="照片张数")
    photo_ids: list[int] = Field(description="各张照片的编号：GET visits/{visit_id}/photos/{photo_id}/ 读取图片")
    helps: list[HelpOut]
    problems: list[ProblemOut]


def _problem(p) -> dict:
    d = p.demand
    return {"id": p.pk, "visit_id": p.visit_id, "visited_on": p.visited_on, "text": d.text,
            "category_code": d.category.code if d.category_id else None, "urgent": d.urgent,
            "demand": {"id": d.pk, "tracking_code": d.tracking_code, "status": d.status,
                       "status_label": d.get_status_display(),
                       "lead_unit_name": d.lead_unit.name if d.lead_unit_id else None}}


def _fen(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())


def _help(h) -> dict:
    fen = _fen(h.amount)
    return {"kind": h.kind, "kind_label": h.get_kind_display(), "detail": h.detail, "amount_fen": fen or 0,
            "amount_text": None if fen is None else yuan_text(fen)}


def _photo_ids(visits) -> dict[int, list[int]]:
    """The ids of the visits' photos, by visit, in one query."""
    found: dict[int, list[int]] = {}
    for visit_id, pk in VisitPhoto.objects.filter(visit__in=[v.pk for v in visits]).values_list("visit_id", "pk"):
        found.setdefault(visit_id, []).append(pk)
    return found


def _visit(v, photo_ids: dict[int, list[int]] | None = None) -> dict:
    if photo_ids is None:
        photo_ids = _photo_ids([v])
    return {"photo_ids": photo_ids.get(v.pk, []), "id": v.pk, "pair_id": v.pair_id, "kind": v.kind, "kind_label": v.get_kind_display(),
            "visited_at": v.visited_at, "visited_on": v.visited_on, "address": v.address,
            "latitude": float(v.latitude) if v.latitude is not None else None,
            "longitude": float(v.longitude) if v.longitude is not None else None, "notes": v.notes,
            "photo_count": v.photo_count, "helps": [_help(h) for h in v.helps_list],
            "problems": [_problem(p) for p in v.problems_list]}


def _visited_at(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError({"visited_at": "走访时间格式不正确（如 2026-03-09T15:00:00+08:00）"}) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _categories(problems: list[ProblemIn]) -> list:
    codes = {p.category_code for p in problems if p.category_code}
    found = {c.code: c for c in Category.objects.filter(code__in=codes, is_active=True)}
    rows = []
    for n, p in enumerate(problems, start=1):
        if p.category_code and p.category_code not in found:
            raise ValidationError({"problems": f"第{n}个问题：分类代码“{p.category_code}”不存在或已停用"})
        rows.append({"text": p.text, "category": found.get(p.category_code), "urgent": p.urgent})
    return rows


@router.post("/visits/", response={201: VisitOut, **VISIT_ERRORS}, summary="记录一次走访（幂等，须带 Idempotency-Key；带照片的请用 visits/with-photos/）")
@api_errors
def create_visit(request, response: HttpResponse, payload: VisitIn, idempotency_key: RequiredKey = None):
    return _log_visit(request, response, payload, uploads=[], key=idempotency_key)


def _log_visit(request, response: HttpResponse, payload: VisitIn, *, uploads: list, key: str | None):
    """Check the pair and the caller's right to visit it, then its photos (422 naming ``photos``, at most
    MAX_PHOTOS), then log the visit once."""
    user = request.user
    pair = access_pair(user, pk=payload.pair_id)
    actor = Actor.from_request(request)
    services.authorise_visit(actor, pair)
    photos = checked_uploads(uploads, field="photos")
    visited_at = _visited_at(payload.visited_at)
    problems = _categories(payload.problems)

    def work() -> dict:
        made = services.log_visit(
            actor=actor, pair=pair, visited_at=visited_at, kind=payload.kind.value, notes=payload.notes,
            address=payload.address, latitude=payload.latitude, longitude=payload.longitude, photos=photos,
            helps=[{"kind": h.kind.value, "detail": h.detail,
                    "amount": Decimal(h.amount_fen) / 100 if h.amount_fen else None} for h in payload.helps],
            problems=problems)
        visit = selectors.visit_detail(user, made.pk).visit
        return VisitOut.model_validate(_visit(visit)).model_dump()

    body = payload.model_dump(mode="json")
    if photos:
        body["photos"] = [p.sha256 for p in photos]
    return once(request, response, key=key, required=True, action=services.VISIT_CREATE, body=body, work=work)


@router.post("/visits/with-photos/", response={201: VisitOut, **VISIT_ERRORS},
             summary="记录一次走访并附照片（multipart，幂等，须带 Idempotency-Key）")
@api_errors
def create_visit_with_photos(request, response: HttpResponse, data: Form[str],
                             photos: File[list[UploadedFile]], idempotency_key: RequiredKey = None):
    """The same body as ``POST visits/``, as the JSON text of the form field ``data``, with 1–3
    photos in the file field ``photos`` (as the page's form takes them). Each photo is checked to be an
    image (at most 4 MB) and re-encoded (EXIF and its GPS position dropped) before it is stored privately;
    a file that is not an image is 422 naming ``photos``."""
    try:
        payload = VisitIn.model_validate_json(data)
    except PydanticValidationError as exc:
        return field_errors_response(schema_errors(exc.errors()))
    return _log_visit(request, response, payload, uploads=photos, key=idempotency_key)


class VisitsQuery(Schema):
    pair_id: ObjectId | None = None
    since: date | None = Field(None, description="走访日期起（含）")
    until: date | None = Field(None, description="走访日期止（含）")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/visits/", response={200: Page(VisitOut), **VISIT_ERRORS}, summary="走访记录：本人结对的和所辖区域的（分页）")
@api_errors
def list_visits(request, filters: Query[VisitsQuery]):
    rows = selectors.visits_list(request.user, pair=filters.pair_id, since=filters.since, until=filters.until)
    position = position_of(filters.cursor)
    chunk = list(rows[position:position + filters.limit + 1])
    photo_ids = _photo_ids(chunk)
    return page([_visit(v, photo_ids) for v in chunk], filters.limit, position)


@router.get("/visits/{int:visit_id}/", response={200: VisitOut, **VISIT_ERRORS}, summary="一次走访：帮扶、照片数、问题及诉求状态")
@api_errors
def get_visit(request, visit_id: ObjectId):
    return _visit(selectors.visit_detail(request.user, visit_id).visit)


@router.get("/visits/{int:visit_id}/photos/{int:photo_id}/", response={401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
            openapi_extra=photo_download("走访照片（JPEG 或 PNG）"), summary="走访照片（图片本身）")
@api_errors
def visit_photo(request, visit_id: ObjectId, photo_id: ObjectId):
    """A photo of a visit the caller reaches (their own pair's, or one in their areas), as the page's photo
    view serves it; any other is 404. Photos are private: they have no public URL."""
    found = selectors.visit_photo(request.user, visit_id, photo_id)
    return photo_response(found.image, found.content_type)


class ProblemsQuery(Schema):
    area_code: str = Field("", max_length=20, description="区划代码；默认为可见的全部")
    since: date | None = Field(None, description="走访日期起（含）")
    until: date | None = Field(None, description="走访日期止（含）")
    status: Demand.Status | None = Field(None, description="诉求状态")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/problems/", response={200: Page(ProblemOut), **VISIT_ERRORS},
            summary="走访收集的问题：受理编号与诉求状态（分页）")
@api_errors
def list_problems(request, filters: Query[ProblemsQuery]):
    path = ""
    if filters.area_code.strip():
        area = Area.objects.filter(code=filters.area_code.strip()).first()
        if area is None:
            refuse(seen=False)
        path = area.path
    rows = selectors.problems_list(request.user, area=path, since=filters.since, until=filters.until,
                                   state=filters.status.value if filters.status else "")
    position = position_of(filters.cursor)
    chunk = list(rows[position:position + filters.limit + 1])
    return page([_problem(p) for p in chunk], filters.limit, position)


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
    return {"area": area_ref(row.area), "pairs": row.pairs, "by_kind": row.by_kind,
            "current": row.current, "missed": row.missed, "households": row.households, "unpaired": row.unpaired,
            "unpaired_priority": row.unpaired_priority,
            "unpaired_by_tag": dict(row.unpaired_by_tag) if show_tags else None,
            "units_not_visited": [f"{unit}→{place}" for unit, place, _label in row.units_not_visited]}


def _seeing_coverage(user, code: str):
    if not scope_of(user).paths(caps.VIEW):
        refuse(seen=False)
    return selectors.coverage_area(user, code)


class PairingCoverageQuery(Schema):
    area_code: str = Field("", max_length=20, description="区划代码；默认为可见的最上级区域")
    day: date | None = Field(None, description="日期，默认今天")


@router.get("/coverage/", response={200: PairingCoverageOut, **COVERAGE_ERRORS}, summary="包联走访覆盖（区域及各下级区域）")
@api_errors
def get_coverage(request, filters: Query[PairingCoverageQuery]):
    area = _seeing_coverage(request.user, filters.area_code)
    found = selectors.coverage(request.user, area=area, day=filters.day or timezone.localdate())
    return {"day": found.day, "since": found.since, "total": _coverage_row(found.total, found.show_tags),
            "children": [_coverage_row(row, found.show_tags) for row in found.children]}


class PairingFiguresQuery(Schema):
    area_code: str = Field("", max_length=20, description="区划代码；默认为可见的最上级区域")
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
    help_amount_fen: int = Field(description="帮扶金额合计（分）")
    help_amount_text: str = Field(description="帮扶金额合计的显示，如“1200元”")


@router.get("/figures/", response={200: PairingFiguresOut, **COVERAGE_ERRORS}, summary="走访成效（按区域和时段，由记录统计）")
@api_errors
def get_figures(request, filters: Query[PairingFiguresQuery]):
    area = _seeing_coverage(request.user, filters.area_code)
    until = filters.until or timezone.localdate()
    since = filters.since or date(until.year, 1, 1)
    if since > until:
        raise ValidationError({"since": "开始日期不能晚于结束日期"})
    found = selectors.figures(request.user, area=area, since=since, until=until)
    fen = _fen(Decimal(found.help_amount)) or 0
    return {"area": area_ref(area), "since": since, "until": until, "visits": found.visits,
            "households_visited": found.households_visited, "visits_by_kind": dict(found.visits_by_kind),
            "problems": found.problems, "solved": found.solved, "helps": dict(found.helps),
            "help_amount_fen": fen, "help_amount_text": yuan_text(fen)}


class PairingDueItemOut(Schema):
    pair_id: int
    kind: str
    target: str
    window: str = Field(description="本期，如“2026年3月”")
    status: str = Field(description="今天的状态：overdue、due，或 open（本周内到期）")
    due_on: date = Field(description="本周内开始待走访（或已逾期）的第一天")
    deadline: date = Field(description="走访仍计入本期的最后一天")


class PairingDueOut(Schema):
    """Not a paged list: one caller's pairs due this week (a handful), with the period's count beside them."""

    day: date
    done: int = Field(description="本期已走访的结对数")
    due: list[PairingDueItemOut] = Field(description="本周待走访的结对，最紧迫的在前")


class PairingDueQuery(Schema):
    day: date | None = Field(None, description="日期，默认今天")
    area_code: str = Field("", max_length=20, description="区划代码：该区域的待走访结对（须可查看该区域的结对）；"
                                                          "默认为本人的结对")


def _target(pair) -> str:
    target = pair.target
    if pair.household_id:
        return f"户{target.number}"
    return getattr(target, "name", str(target))


@router.get("/due/", response={200: PairingDueOut, **COVERAGE_ERRORS}, summary="我的本周待走访（或某区域的）")
@api_errors
def get_due(request, filters: Query[PairingDueQuery]):
    user = request.user
    area = access_area(user, code=filters.area_code, capability=caps.VIEW) if filters.area_code.strip() else None
    found = selectors.due_this_week(user, day=filters.day or timezone.localdate(), area=area)
    if area is None and not found.pairs and not scope_of(user).paths(caps.VIEW):
        refuse(seen=False)
    return {"day": found.day, "done": found.done,
            "due": [{"pair_id": i.pair.pk, "kind": i.pair.kind, "target": _target(i.pair), "window": i.window.label,
                       "status": i.status, "due_on": i.due_on, "deadline": i.deadline} for i in found.items]}


# ---------------------------------------------------------------------------------------------
# Spreadsheets (docs/api.md "Imports and exports"): the pages' own workbooks and import, through the pages' views
# and the one import service.
# ---------------------------------------------------------------------------------------------

FILE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class PairsXlsxQuery(Schema):
    day: StrictDate | None = Field(None, description="截至日期（YYYY-MM-DD），默认今天")
    kind: str = Field("", max_length=24, description="结对类型代码；默认全部")
    area_code: str = Field("", max_length=20, description="区划代码；默认调用者最外层的区域")


@router.get("/pairs/xlsx/", response=FILE_ERRORS,
            openapi_extra=download("结对台账（.xlsx），与网页导出的相同：区域内的结对及当期走访情况"),
            summary="导出结对台账（Excel）")
@api_errors
def pairs_xlsx(request, filters: Query[PairsXlsxQuery]):
    page_query(request, day=filters.day, kind=filters.kind, area=filters.area_code)
    return views.register_xlsx(request)


class CoverageXlsxQuery(Schema):
    day: StrictDate | None = Field(None, description="按哪一天计算走访情况（YYYY-MM-DD），默认今天")
    area_code: str = Field("", max_length=20, description="区划代码；默认调用者最外层的区域")


@router.get("/coverage/xlsx/", response=FILE_ERRORS,
            openapi_extra=download("包联走访覆盖（.xlsx），与网页导出的相同：该区域合计及各下级区域"),
            summary="导出包联走访覆盖（Excel）")
@api_errors
def coverage_xlsx(request, filters: Query[CoverageXlsxQuery]):
    page_query(request, day=filters.day, area=filters.area_code)
    return views.coverage_xlsx(request)


class PairsImportQuery(Schema):
    area_code: str = Field("", max_length=20, description="导入到哪个区域及其下级；默认调用者可管理的最外层区域")


@router.get("/pairs/import/template/", response=FILE_ERRORS,
            openapi_extra=download("结对名单导入模板（.xlsx）：表头与一行示例"), summary="结对名单导入模板（Excel）")
@api_errors
def pairs_import_template(request, filters: Query[PairsImportQuery]):
    page_query(request, template="1", area=filters.area_code)
    return views.pairs_import(request)


class PairsImportedOut(Schema):
    pairs: int = Field(description="新写入的结对数")
    skipped: int = Field(description="已在册、未重复写入的行数")
    message: str = Field(description="与网页的提示相同")


@router.post("/pairs/import/", response={201: PairsImportedOut, **FILE_ERRORS},
             summary="导入结对名单（Excel，multipart 字段 file，可带 area_code；全部成功或全部不导入，幂等）")
@api_errors
def pairs_import(request, response: HttpResponse, file: File[UploadedFile], area_code: Form[str] = "",
                 idempotency_key: RequiredKey = None):
    """The page's import into ``area_code`` (default: the caller's outermost area they manage) and the areas under
    it: every row is checked before any is written; any problem answers 422 with ``errors`` keyed
    ``"第N行 列名"``. A row repeating an open pair already on record is skipped (``skipped``)."""
    user = request.user
    scope = scope_of(user)
    if not scope.paths(caps.MANAGE):
        refuse(seen=bool(scope.paths(caps.VIEW)))
    code = area_code.strip()[:20]
    area = access_area(user, code=code, capability=caps.MANAGE) if code else selectors.default_area(user, caps.MANAGE)
    actor = Actor.from_request(request)
    services.authorise_pairing(actor, caps.MANAGE, area.path)

    def done(summary: dict) -> dict:
        return {**summary, "message": f"已导入 {summary['pairs']} 对结对（已在册的 {summary['skipped']} 行未重复写入）"}

    return import_once(request, response, upload=file, key=idempotency_key, action="pairing.pairs.import",
                       run=lambda upload: services.import_pairs(actor=actor, upload=upload, within=area), done=done)
