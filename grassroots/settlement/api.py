"""Settlements, the annual summary, consents and the credit look-up in the API (/api/points/results/…)."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import StrictStr

from grassroots.access.scope import access_object, access_reachable, reachable, scope_of
from grassroots.api.common import (
    Limit,
    Offset,
    OptionalKey,
    RequiredKey,
    area_ref,
    once,
    page,
    user_name,
)
from grassroots.api.errors import ErrorOut, StrictDate, StrictIn, ValidationErrorOut, api_errors
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.areas.models import Area, Level
from grassroots.audit.context import Actor
from grassroots.demands.models import Unit
from grassroots.ledger.api import YearQuery
from grassroots.points import capabilities as caps
from grassroots.points.api_common import (
    ERRORS,
    READ_ERRORS,
    AreaCode,
    AreaRef,
    Quarter,
    StrictQuarter,
    StrictYear,
    VillageCode,
    Year,
    head_name,
    household_for,
    require_reaching,
    village_by_code,
    yuan,
)
from grassroots.points.api_common import village_for as _village_for
from grassroots.rules.settlement import quarter_label
from grassroots.settlement import selectors, services
from grassroots.settlement.models import CreditConsent, Settlement, SettlementStatus

router = Router(tags=["积分结果"])


def _settlement(user, settlement_id: int) -> Settlement:
    return access_reachable(user, Settlement.objects.select_related("village", "published_by"), capability=caps.VIEW,
                            pk=settlement_id)


class SettlementOut(Schema):
    id: int
    village: AreaRef
    year: int
    quarter: int
    label: str = Field(description="如 2026年第一季度")
    revision: int
    status: str
    status_label: str
    threshold: int = Field(description="兑换门槛（分）")
    points_per_yuan: int
    veto_scope: str
    households: int = Field(description="可兑换户数（全村）")
    credit_total: int = Field(description="可兑换积分合计（全村）")
    credit_total_yuan: str
    note: str = Field(description="更正理由")
    supersedes_id: int | None
    token: str = Field(description="公开查看用的令牌")
    computed_at: datetime
    published_at: datetime | None
    published_by: str | None


class SettlementLineOut(Schema):
    household: int
    number: str
    head: str
    points: int = Field(description="本季度积分")
    vetoed: bool
    eligible: bool
    credit: int = Field(description="可兑换积分")
    credit_yuan: str


class SettlementDetailOut(SettlementOut):
    lines: list[SettlementLineOut] = Field(description="达到门槛或有否决项目的户；网格员只见本网格的户")


class SettlementListOut(Schema):
    items: list[SettlementOut]
    next_offset: int | None


def _settlement_out(s: Settlement) -> dict:
    return {
        "id": s.pk, "village": area_ref(s.village), "year": s.year, "quarter": s.quarter,
        "label": quarter_label(s.year, s.quarter), "revision": s.revision, "status": s.status,
        "status_label": s.get_status_display(), "threshold": s.threshold, "points_per_yuan": s.points_per_yuan,
        "veto_scope": s.veto_scope, "households": s.households, "credit_total": s.credit_total,
        "credit_total_yuan": yuan(s.credit_total, s.points_per_yuan), "note": s.note,
        "supersedes_id": s.supersedes_id, "token": s.token, "computed_at": s.computed_at,
        "published_at": s.published_at, "published_by": user_name(s.published_by) if s.published_by_id else None,
    }


def _settlement_detail(s: Settlement, user) -> dict:
    scope = scope_of(user)
    lines = [{"household": line.household_id, "number": line.household.number, "head": head_name(line.head),
              "points": line.points, "vetoed": line.vetoed, "eligible": line.eligible, "credit": line.credit,
              "credit_yuan": yuan(line.credit, s.points_per_yuan)}
             for line in selectors.settlement_lines(s) if scope.can(caps.VIEW, line.path)]
    return {**_settlement_out(s), "lines": lines}


def _settlement_body(settlement_id: int, user) -> dict:
    """The detail as JSON, read afresh (a service returns the row without its village or publisher)."""
    s = Settlement.objects.select_related("village", "published_by").get(pk=settlement_id)
    return SettlementDetailOut.model_validate(_settlement_detail(s, user)).model_dump(mode="json")


class SettlementsQuery(Schema):
    village: VillageCode = None
    year: Year | None = None
    quarter: Quarter | None = None
    status: SettlementStatus | None = None
    limit: Limit = 50
    offset: Offset = 0


@router.get("/settlements/", response={200: SettlementListOut, **READ_ERRORS}, summary="季度评议兑换列表")
@api_errors
def list_settlements(request, filters: Query[SettlementsQuery]):
    user = request.user
    settlements: QuerySet = reachable(user, Settlement.objects.select_related("village", "published_by"), caps.VIEW)
    if filters.village:
        settlements = settlements.filter(village=_village_for(user, filters.village))
    if filters.year is not None:
        settlements = settlements.filter(year=filters.year)
    if filters.quarter is not None:
        settlements = settlements.filter(quarter=filters.quarter)
    if filters.status is not None:
        settlements = settlements.filter(status=filters.status)
    limit, offset = filters.limit, filters.offset
    found = list(settlements.order_by("-year", "-quarter", "village__code", "-revision")[offset:offset + limit + 1])
    return page([_settlement_out(s) for s in found], limit, offset)


@router.get("/settlements/{int:settlement_id}/", response={200: SettlementDetailOut, **READ_ERRORS},
            summary="季度评议兑换详情（含各户结果）")
@api_errors
def get_settlement(request, settlement_id: ObjectId):
    return _settlement_detail(_settlement(request.user, settlement_id), request.user)


class ComputeIn(StrictIn):
    village: StrictStr = Field(min_length=1, max_length=20, description="嘎查村社区（或其网格）的区划代码")
    year: StrictYear
    quarter: StrictQuarter


@router.post("/settlements/", response={200: SettlementDetailOut, 201: SettlementDetailOut, **ERRORS},
             summary="计算季度评议兑换草稿（已有则返回已有的，200）")
@api_errors
def compute_settlement(request, response: HttpResponse, payload: ComputeIn, idempotency_key: OptionalKey = None):
    """Computing twice changes nothing: the second call answers the existing settlement with 200."""
    user = request.user
    village = _village_for(user, payload.village)
    require_reaching(user, caps.SETTLE, village.path, "您没有季度评议兑换的权限")
    exists = (Settlement.objects.filter(village=village, year=payload.year, quarter=payload.quarter)
              .exclude(status=SettlementStatus.SUPERSEDED).exists())

    def work() -> dict:
        settlement = services.compute_settlement(actor=Actor.from_request(request), village=village,
                                                 year=payload.year, quarter=payload.quarter)
        return _settlement_body(settlement.pk, user)

    return once(request, response, key=idempotency_key, required=False, action="points.settlement.compute",
                 body=payload.model_dump(mode="json"), work=work, status=200 if exists else 201)


@router.post("/settlements/{int:settlement_id}/publish/", response={200: SettlementDetailOut, **ERRORS},
             summary="公布季度评议结果：按结果记入可兑换积分")
@api_errors
def publish_settlement(request, response: HttpResponse, settlement_id: ObjectId, idempotency_key: OptionalKey = None):
    """Publishing a published result again is refused (422) and grants nothing; with the same
    Idempotency-Key the first answer is given again."""
    user = request.user
    settlement = _settlement(user, settlement_id)
    require_reaching(user, caps.SETTLE, settlement.path, "您没有公布评议结果的权限")

    def work() -> dict:
        services.publish_settlement(actor=Actor.from_request(request), settlement=settlement)
        return _settlement_body(settlement.pk, user)

    return once(request, response, key=idempotency_key, required=False, action="points.settlement.publish",
                 body={}, work=work, status=200)


class CorrectIn(StrictIn):
    reason: StrictStr = Field(max_length=500, description="更正理由，至少4个字")


@router.post("/settlements/{int:settlement_id}/correct/", response={201: SettlementDetailOut, **ERRORS},
             summary="更正已公布的评议结果：按台账现状计算新版本草稿（幂等）")
@api_errors
def correct_settlement(request, response: HttpResponse, settlement_id: ObjectId, payload: CorrectIn,
                       idempotency_key: RequiredKey = None):
    user = request.user
    settlement = _settlement(user, settlement_id)
    require_reaching(user, caps.SETTLE, settlement.path, "您没有更正评议结果的权限")

    def work() -> dict:
        draft = services.correct_settlement(actor=Actor.from_request(request), settlement=settlement,
                                            reason=payload.reason)
        return _settlement_body(draft.pk, user)

    return once(request, response, key=idempotency_key, required=True, action="points.settlement.correct",
                 body=payload.model_dump(mode="json"), work=work)


class AnnualRowOut(Schema):
    household: int
    number: str
    head: str
    score: int
    vetoed: bool = Field(description="本年度有否决项目")
    village_rank: int
    township_rank: int
    tied: bool = Field(description="与本村他户同分并列")
    stars: int = Field(description="星级文明户星级，0为无")
    honours: list[str]
    credit_band: str = Field(description="信用等级：优秀、良好、一般、较差")


class AnnualOut(Schema):
    village: AreaRef
    year: int
    rows: list[AnnualRowOut]
    recommendations: list[AnnualRowOut] = Field(description="同等条件下优先推荐：无否决项目的户，按积分排名")


def _annual_row(row: selectors.AnnualRow) -> dict:
    return {"household": row.household.pk, "number": row.household.number, "head": head_name(row.head),
            "score": row.score, "vetoed": row.vetoed, "village_rank": row.village_rank,
            "township_rank": row.township_rank, "tied": row.tied, "stars": row.stars, "honours": row.honours,
            "credit_band": row.credit_band}


@router.get("/villages/{code}/annual/", response={200: AnnualOut, **READ_ERRORS},
            summary="年总结：各户年度积分、村内与苏木乡镇排名、星级、荣誉、信用等级")
@api_errors
def village_annual(request, code: AreaCode, filters: Query[YearQuery]):
    village = village_by_code(request.user, code)
    year = filters.year or timezone.localdate().year
    scope = scope_of(request.user)
    rows = [row for row in selectors.annual_summary(village, year) if scope.can(caps.VIEW, row.household.path)]
    return {"village": area_ref(village), "year": year, "rows": [_annual_row(r) for r in rows],
            "recommendations": [_annual_row(r) for r in selectors.recommendations(rows)]}


class UnitRef(Schema):
    id: int
    name: str


class ConsentOut(Schema):
    id: int
    household: int
    number: str
    institution: UnitRef
    signed_by: str
    signed_on: date
    expires_on: date
    recorded_by: str
    recorded_at: datetime
    revoked_at: datetime | None
    current: bool = Field(description="今天有效：未撤回且在有效期内")


def _consent(c: CreditConsent) -> dict:
    today = timezone.localdate()
    return {"id": c.pk, "household": c.household_id, "number": c.household.number,
            "institution": {"id": c.institution_id, "name": c.institution.name}, "signed_by": c.signed_by,
            "signed_on": c.signed_on, "expires_on": c.expires_on, "recorded_by": user_name(c.recorded_by),
            "recorded_at": c.recorded_at, "revoked_at": c.revoked_at,
            "current": c.revoked_at is None and c.signed_on <= today <= c.expires_on}


def _consent_body(consent_id: int) -> dict:
    c = CreditConsent.objects.select_related("household", "institution", "recorded_by").get(pk=consent_id)
    return ConsentOut.model_validate(_consent(c)).model_dump(mode="json")


class ConsentListOut(Schema):
    items: list[ConsentOut]
    next_offset: int | None


class ConsentsQuery(Schema):
    limit: Limit = 50
    offset: Offset = 0


@router.get("/households/{int:household_id}/consents/", response={200: ConsentListOut, **READ_ERRORS},
            summary="户的信用查询授权")
@api_errors
def list_consents(request, household_id: ObjectId, filters: Query[ConsentsQuery]):
    household = household_for(request.user, household_id)
    consents = CreditConsent.objects.select_related("household", "institution", "recorded_by").filter(
        household=household).order_by("-signed_on", "-id")[filters.offset:filters.offset + filters.limit + 1]
    return page([_consent(c) for c in consents], filters.limit, filters.offset)


class ConsentIn(StrictIn):
    institution: StrictObjectId = Field(description="获授权查询的单位（如农村信用社）的编号")
    signed_by: StrictStr = Field(max_length=50, description="签字人：本户在册成员")
    signed_on: StrictDate = Field(description="签字日期（YYYY-MM-DD）")
    expires_on: StrictDate = Field(description="有效期至（YYYY-MM-DD），最长三年")


@router.post("/households/{int:household_id}/consents/", response={201: ConsentOut, **ERRORS},
             summary="登记户的信用查询授权（幂等）")
@api_errors
def record_consent(request, response: HttpResponse, household_id: ObjectId, payload: ConsentIn,
                   idempotency_key: RequiredKey = None):
    user = request.user
    household = household_for(user, household_id)
    require_reaching(user, caps.RECORD_CONSENT, household.path, "您没有登记信用查询授权的权限")
    institution = Unit.objects.filter(pk=payload.institution, is_active=True).first()
    if institution is None:
        raise DjangoValidationError({"institution": "未找到该单位"})

    def work() -> dict:
        consent = services.record_consent(actor=Actor.from_request(request), household=household,
                                          institution=institution, signed_by=payload.signed_by,
                                          signed_on=payload.signed_on, expires_on=payload.expires_on)
        return _consent_body(consent.pk)

    return once(request, response, key=idempotency_key, required=True, action="points.consent.record",
                 body=payload.model_dump(mode="json"), work=work)


@router.post("/consents/{int:consent_id}/revoke/", response={200: ConsentOut, **ERRORS},
             summary="撤回信用查询授权（重复撤回不变）")
@api_errors
def revoke_consent(request, response: HttpResponse, consent_id: ObjectId, idempotency_key: OptionalKey = None):
    user = request.user
    consent = access_object(user, CreditConsent.objects.all(), capability=caps.VIEW, pk=consent_id)
    require_reaching(user, caps.RECORD_CONSENT, consent.path, "您没有撤回信用查询授权的权限")

    def work() -> dict:
        services.revoke_consent(actor=Actor.from_request(request), consent=consent)
        return _consent_body(consent.pk)

    return once(request, response, key=idempotency_key, required=False, action="points.consent.revoke",
                 body={}, work=work, status=200)


class LookupIn(StrictIn):
    village_code: StrictStr = Field(max_length=20, description="嘎查村社区的区划代码")
    household_number: StrictStr = Field(max_length=40, description="户号")
    year: StrictYear


class RatingOut(Schema):
    village: AreaRef
    household_number: str
    year: int
    score: int
    vetoed: bool
    stars: int
    credit_band: str = Field(description="信用等级：优秀、良好、一般、较差")
    institution: str = Field(description="获授权的单位")
    consent_expires_on: date


@router.post("/credit/lookup/", response={200: RatingOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut},
             summary="信用等级查询（金融机构，须有该户的有效授权；每次查询留痕）")
@api_errors
def credit_lookup(request, payload: LookupIn):
    """Only a unit's staff may ask, and only under the household's current consent to their unit. An
    unknown village or household is refused with the same words as a missing consent."""
    user = request.user
    if not user.unit_memberships.exists():
        raise PermissionDenied("只有获授权单位（如农村信用社）的工作人员可以查询信用等级")
    village = Area.objects.filter(code=payload.village_code.strip(), level=Level.VILLAGE).first()
    found = services.look_up_credit_by_number(actor=Actor.from_request(request), village=village,
                                              number=payload.household_number, year=payload.year)
    household = found["household"]
    return {"village": area_ref(household.village), "household_number": household.number, "year": payload.year,
            "score": found["score"], "vetoed": found["vetoed"], "stars": found["stars"],
            "credit_band": found["credit_band"], "institution": found["consent"].institution.name,
            "consent_expires_on": found["consent"].expires_on}
