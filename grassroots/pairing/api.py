"""JSON API of pairing, mounted under /api/pairing: pairs, visits (created with a required ``Idempotency-Key``: a
phone on a weak signal retries), the problems visits collected, and coverage. Thin routes over pairing.selectors
and pairing.services; scoped like the pages."""

from datetime import date

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import StrictStr

from grassroots.access.scope import access_area, refuse, scope_of
from grassroots.api.common import Limit, Offset, RequiredKey, once, page
from grassroots.api.errors import ErrorOut, StrictDate, StrictIn, ValidationErrorOut, api_errors
from grassroots.api.ids import ObjectId
from grassroots.audit.context import Actor
from grassroots.pairing import capabilities as caps
from grassroots.pairing import selectors, services
from grassroots.rules import pairing as rules

router = Router(tags=["包联结对"])

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


class PairList(Schema):
    items: list[PairOut]
    next_offset: int | None


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
    area: str = Field("", max_length=20, description="区划代码；默认为可见的全部")
    day: date | None = Field(None, description="截至日期，默认今天")
    limit: Limit = 50
    offset: Offset = 0


@router.get("/pairs", response={200: PairList, **PAIR_ERRORS}, summary="结对台账（截至某日有效的结对，分页，附当期走访情况）")
@api_errors
def list_pairs(request, filters: Query[PairQuery]):
    user = request.user
    if not selectors.sees_registers(user):
        refuse(seen=False)
    if filters.kind and filters.kind not in rules.KINDS:
        raise ValidationError({"kind": f"结对类型“{filters.kind}”不存在"})
    day = filters.day or timezone.localdate()
    area = access_area(user, code=filters.area, capability=caps.VIEW) if filters.area.strip() else None
    pairs = selectors.register_pairs(user, day=day, kind=filters.kind, area=area)
    chunk = list(pairs[filters.offset:filters.offset + filters.limit + 1])
    return page([_pair_out(r) for r in selectors.pair_rows(user, chunk, day=day)], filters.limit, filters.offset)


class PairDayQuery(Schema):
    day: date | None = Field(None, description="按哪一天计算走访情况，默认今天")


def _one(user, pk: int, day: date) -> dict:
    pair = selectors.pair_detail(user, pk)
    return _pair_out(selectors.pair_rows(user, [pair], day=day)[0])


@router.get("/pairs/{int:pair_id}", response={200: PairOut, **PAIR_ERRORS}, summary="一对结对及其当期走访情况")
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


@router.post("/pairs", response={201: PairOut, **PAIR_ERRORS}, summary="建立一对结对（幂等，须带 Idempotency-Key）")
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
        return PairOut.model_validate(_one(user, made.pk, timezone.localdate())).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=True, action=services.PAIR_CREATE,
                body=payload.model_dump(mode="json"), work=work)


class EndIn(StrictIn):
    ended_on: StrictDate
    reason: StrictStr = Field(min_length=1, max_length=100)


@router.post("/pairs/{int:pair_id}/end", response={200: PairOut, **PAIR_ERRORS}, summary="结束一对结对")
@api_errors
def end_pair(request, pair_id: ObjectId, payload: EndIn):
    user = request.user
    pair = selectors.pair_detail(user, pair_id)
    services.end_pair(actor=Actor.from_request(request), pair=pair, ended_on=payload.ended_on, reason=payload.reason)
    return 200, _one(user, pair.pk, timezone.localdate())

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits and problems

# ---------------------------------------------------------------------- end of visits


# ---------------------------------------------------------------------- coverage

# ---------------------------------------------------------------------- end of coverage
