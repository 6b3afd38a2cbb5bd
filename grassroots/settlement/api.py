"""Settlements, the annual summary with its downloads, year close, the village's points policy, consents and the
credit look-up in the API (/api/points/results/…); a published settlement as the board shows it
(/api/points/public/settlements/{token}/)."""

from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import StrictInt, StrictStr

from grassroots.access.scope import (
    access_object,
    access_reachable,
    access_village,
    reachable,
    require,
    scope_of,
)
from grassroots.api.common import (
    Cursor,
    Limit,
    OptionalKey,
    Page,
    RequiredKey,
    area_ref,
    download,
    once,
    page,
    position_of,
    user_name,
)
from grassroots.api.errors import ErrorOut, StrictDate, StrictIn, ValidationErrorOut, api_errors
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.areas.models import Area, Level
from grassroots.audit.context import Actor
from grassroots.core.refusals import Refusal
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
)
from grassroots.points.api_common import village_for as _village_for
from grassroots.rules.masking import mask_name
from grassroots.rules.settlement import fen_for, quarter_label, yuan_text
from grassroots.settlement import documents, selectors, services
from grassroots.settlement.models import (
    CreditConsent,
    Settlement,
    SettlementStatus,
    VetoScope,
    YearClose,
    YearEnd,
)

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
    exchange_rate: int = Field(description="兑换比例：几分兑1元（计算时村的设置）")
    veto_scope: str
    households: int = Field(description="可兑换户数（全村）")
    granted_total: int = Field(description="记入可兑换积分的合计（全村）")
    granted_total_fen: int = Field(description="合计折合金额（分）")
    granted_total_text: str = Field(description="合计折合金额的显示文字，如 235元")
    note: str = Field(description="更正理由")
    supersedes_id: int | None
    token: str = Field(description="公开查看用的令牌")
    computed_at: datetime
    published_at: datetime | None
    published_by: str | None


class SettlementLineOut(Schema):
    household_id: int
    number: str
    head: str
    points: int = Field(description="本季度积分")
    vetoed: bool
    eligible: bool
    granted: int = Field(description="本季度记入的可兑换积分")
    granted_fen: int = Field(description="折合金额（分）")
    granted_text: str = Field(description="折合金额的显示文字，如 17.50元")


class SettlementDetailOut(SettlementOut):
    lines: list[SettlementLineOut] = Field(description="达到门槛或有否决项目的户；网格员只见本网格的户")


def _settlement_out(s: Settlement) -> dict:
    return {
        "id": s.pk, "village": area_ref(s.village), "year": s.year, "quarter": s.quarter,
        "label": quarter_label(s.year, s.quarter), "revision": s.revision, "status": s.status,
        "status_label": s.get_status_display(), "threshold": s.threshold, "exchange_rate": s.points_per_yuan,
        "veto_scope": s.veto_scope, "households": s.households, **_money("granted_total", s.credit_total, s),
        "note": s.note,
        "supersedes_id": s.supersedes_id, "token": s.token, "computed_at": s.computed_at,
        "published_at": s.published_at, "published_by": user_name(s.published_by) if s.published_by_id else None,
    }


def _money(name: str, points: int, s: Settlement) -> dict:
    fen = fen_for(points, s.points_per_yuan)
    return {name: points, f"{name}_fen": fen, f"{name}_text": yuan_text(fen)}


def _settlement_detail(s: Settlement, user) -> dict:
    scope = scope_of(user)
    lines = [{"household_id": line.household_id, "number": line.household.number, "head": head_name(line.head),
              "points": line.points, "vetoed": line.vetoed, "eligible": line.eligible,
              **_money("granted", line.credit, s)}
             for line in selectors.settlement_lines(s) if scope.can(caps.VIEW, line.path)]
    return {**_settlement_out(s), "lines": lines}


def _settlement_body(settlement_id: int, user) -> dict:
    """The detail as JSON, read afresh (a service returns the row without its village or publisher)."""
    s = Settlement.objects.select_related("village", "published_by").get(pk=settlement_id)
    return SettlementDetailOut.model_validate(_settlement_detail(s, user)).model_dump()


class SettlementsQuery(Schema):
    area_code: VillageCode = None
    year: Year | None = None
    quarter: Quarter | None = None
    status: SettlementStatus | None = None
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/settlements/", response={200: Page(SettlementOut), **READ_ERRORS}, summary="季度评议兑换列表")
@api_errors
def list_settlements(request, filters: Query[SettlementsQuery]):
    user = request.user
    settlements: QuerySet = reachable(user, Settlement.objects.select_related("village", "published_by"), caps.VIEW)
    if filters.area_code:
        settlements = settlements.filter(village=_village_for(user, filters.area_code))
    if filters.year is not None:
        settlements = settlements.filter(year=filters.year)
    if filters.quarter is not None:
        settlements = settlements.filter(quarter=filters.quarter)
    if filters.status is not None:
        settlements = settlements.filter(status=filters.status)
    limit, position = filters.limit, position_of(filters.cursor)
    found = list(settlements.order_by("-year", "-quarter", "village__code", "-revision", "-id")
                 [position:position + limit + 1])
    return page([_settlement_out(s) for s in found], limit, position)


@router.get("/settlements/{int:settlement_id}/", response={200: SettlementDetailOut, **READ_ERRORS},
            summary="季度评议兑换详情（含各户结果）")
@api_errors
def get_settlement(request, settlement_id: ObjectId):
    return _settlement_detail(_settlement(request.user, settlement_id), request.user)


class ComputeIn(StrictIn):
    area_code: StrictStr = Field(min_length=1, max_length=20, description="嘎查村社区（或其网格）的区划代码")
    year: StrictYear
    quarter: StrictQuarter


@router.post("/settlements/", response={200: SettlementDetailOut, 201: SettlementDetailOut, **ERRORS},
             summary="计算季度评议兑换草稿（已有则返回已有的，200）")
@api_errors
def compute_settlement(request, response: HttpResponse, payload: ComputeIn, idempotency_key: RequiredKey = None):
    """Computing twice changes nothing: the second call answers the existing settlement with 200. A quarter
    not yet over is refused with 409."""
    user = request.user
    village = _village_for(user, payload.area_code)
    require_reaching(user, caps.SETTLE, village.path, "您没有季度评议兑换的权限")
    exists = (Settlement.objects.filter(village=village, year=payload.year, quarter=payload.quarter)
              .exclude(status=SettlementStatus.SUPERSEDED).exists())

    def work() -> dict:
        settlement = services.compute_settlement(actor=Actor.from_request(request), village=village,
                                                 year=payload.year, quarter=payload.quarter)
        return _settlement_body(settlement.pk, user)

    return once(request, response, key=idempotency_key, required=True, action="points.settlement.compute",
                 body=payload.model_dump(mode="json"), work=work, status=200 if exists else 201)


@router.post("/settlements/{int:settlement_id}/publish/", response={200: SettlementDetailOut, **ERRORS},
             summary="公布季度评议结果：按结果记入可兑换积分")
@api_errors
def publish_settlement(request, response: HttpResponse, settlement_id: ObjectId, idempotency_key: OptionalKey = None):
    """200: publishing changes the state of the settlement (the thing answered); the credit it grants is
    ledger entries, read through the household routes. Publishing a published result again is refused (409)
    and grants nothing; with the same Idempotency-Key the first answer is given again."""
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
    household_id: int
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
    return {"household_id": row.household.pk, "number": row.household.number, "head": head_name(row.head),
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
    household_id: int
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
    return {"id": c.pk, "household_id": c.household_id, "number": c.household.number,
            "institution": {"id": c.institution_id, "name": c.institution.name}, "signed_by": c.signed_by,
            "signed_on": c.signed_on, "expires_on": c.expires_on, "recorded_by": user_name(c.recorded_by),
            "recorded_at": c.recorded_at, "revoked_at": c.revoked_at,
            "current": c.revoked_at is None and c.signed_on <= today <= c.expires_on}


def _consent_body(consent_id: int) -> dict:
    c = CreditConsent.objects.select_related("household", "institution", "recorded_by").get(pk=consent_id)
    return ConsentOut.model_validate(_consent(c)).model_dump()


class ConsentsQuery(Schema):
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/households/{int:household_id}/consents/", response={200: Page(ConsentOut), **READ_ERRORS},
            summary="户的信用查询授权")
@api_errors
def list_consents(request, household_id: ObjectId, filters: Query[ConsentsQuery]):
    household = household_for(request.user, household_id)
    position = position_of(filters.cursor)
    consents = CreditConsent.objects.select_related("household", "institution", "recorded_by").filter(
        household=household).order_by("-signed_on", "-id")[position:position + filters.limit + 1]
    return page([_consent(c) for c in consents], filters.limit, position)


class ConsentIn(StrictIn):
    institution_id: StrictObjectId = Field(description="获授权查询的单位（如农村信用社）的编号")
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
    institution = Unit.objects.filter(pk=payload.institution_id, is_active=True).first()
    if institution is None:
        raise DjangoValidationError({"institution_id": "未找到该单位（institution_id）"})

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
    area_code: StrictStr = Field(max_length=20, description="嘎查村社区的区划代码")
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
    village = Area.objects.filter(code=payload.area_code.strip(), level=Level.VILLAGE).first()
    found = services.look_up_credit_by_number(actor=Actor.from_request(request), village=village,
                                              number=payload.household_number, year=payload.year)
    household = found["household"]
    return {"village": area_ref(household.village), "household_number": household.number, "year": payload.year,
            "score": found["score"], "vetoed": found["vetoed"], "stars": found["stars"],
            "credit_band": found["credit_band"], "institution": found["consent"].institution.name,
            "consent_expires_on": found["consent"].expires_on}


# --- what the pages did alone until issue #18 -------------------------------------------------------


@router.post("/settlements/{int:settlement_id}/recompute/", response={200: SettlementDetailOut, **ERRORS},
             summary="按台账重新计算待公布的评议结果（公布后不能重新计算：409，请提出更正）")
@api_errors
def recompute_settlement(request, response: HttpResponse, settlement_id: ObjectId,
                         idempotency_key: OptionalKey = None):
    """The draft read again from the ledger (entries posted since it was computed); the page's 重新计算."""
    user = request.user
    settlement = _settlement(user, settlement_id)
    require_reaching(user, caps.SETTLE, settlement.path, "您没有季度评议兑换的权限")

    def work() -> dict:
        services.recompute_settlement(actor=Actor.from_request(request), settlement=settlement)
        return _settlement_body(settlement.pk, user)

    return once(request, response, key=idempotency_key, required=False, action="points.settlement.recompute",
                body={}, work=work, status=200)


@router.get("/settlements/{int:settlement_id}/xlsx/", response=READ_ERRORS,
            openapi_extra=download("评议结果的 Excel 表（.xlsx）：各户本季度积分、可兑换积分和折合金额"),
            summary="导出季度评议结果（Excel）")
@api_errors
def settlement_xlsx(request, settlement_id: ObjectId):
    return documents.settlement_workbook(_settlement(request.user, settlement_id))


def _annual_village(user, code: str) -> Area:
    """The village of an annual route: as on the pages, the caller sees the village as a whole."""
    return access_village(user, code=code)


class AnnualYearQuery(Schema):
    year: Year | None = Field(None, description="年度，默认今年")


def _year_of(filters) -> int:
    year = filters.year or timezone.localdate().year
    if year > timezone.localdate().year:
        raise DjangoValidationError({"year": f"年度（year）不能晚于今年（{timezone.localdate().year}）"})
    return year


@router.get("/villages/{code}/annual/xlsx/", response=READ_ERRORS,
            openapi_extra=download("年度积分总结的 Excel 表：各户排名、星级、荣誉、信用等级；第二张表为优先推荐"),
            summary="导出年度积分总结（Excel）")
@api_errors
def annual_xlsx(request, code: AreaCode, filters: Query[AnnualYearQuery]):
    return documents.annual_workbook(_annual_village(request.user, code), _year_of(filters))


@router.get("/villages/{code}/annual/pdf/", response=READ_ERRORS,
            openapi_extra=download("年度积分总结的打印版（PDF）", "application/pdf"),
            summary="打印年度积分总结（PDF）")
@api_errors
def annual_pdf(request, code: AreaCode, filters: Query[AnnualYearQuery]):
    return documents.annual_document(_annual_village(request.user, code), _year_of(filters))


@router.get("/villages/{code}/annual/certificates/", response={409: ErrorOut, **READ_ERRORS},
            openapi_extra=download("荣誉证书（PDF），每户一页：获得荣誉或星级文明户的户", "application/pdf"),
            summary="打印年度荣誉证书（PDF；该年度没有获得荣誉或星级的户时 409）")
@api_errors
def annual_certificates(request, code: AreaCode, filters: Query[AnnualYearQuery]):
    village = _annual_village(request.user, code)
    year = _year_of(filters)
    found = documents.certificates(village, year)
    if found is None:
        raise Refusal({"year": f"{year}年度没有获得荣誉或星级的户，没有可打印的证书"})
    return found


class YearCloseIn(StrictIn):
    year: StrictYear


class YearCloseOut(Schema):
    id: int
    village: AreaRef
    year: int
    year_end: str = Field(description="lapse 年终清零 / carry_over 结转下年")
    year_end_label: str
    households: int = Field(description="清零的户数（结转时为0）")
    points: int = Field(description="清零的可兑换积分合计（结转时为0）")
    closed_at: datetime
    closed_by: str | None


def _year_close_body(closed: YearClose) -> dict:
    closed = YearClose.objects.select_related("village", "closed_by").get(pk=closed.pk)
    return YearCloseOut.model_validate({
        "id": closed.pk, "village": area_ref(closed.village), "year": closed.year, "year_end": closed.year_end,
        "year_end_label": closed.get_year_end_display(), "households": closed.households, "points": closed.points,
        "closed_at": closed.closed_at, "closed_by": user_name(closed.closed_by) if closed.closed_by_id else None,
    }).model_dump()


@router.post("/villages/{code}/year-close/", response={200: YearCloseOut, 201: YearCloseOut, **ERRORS},
             summary="年末结转：按村的设置将未兑换的可兑换积分清零或结转下年（已办理则返回已办理的，200）")
@api_errors
def close_year(request, response: HttpResponse, code: AreaCode, payload: YearCloseIn,
               idempotency_key: RequiredKey = None):
    """Refused with 409 before the year is over, while a settlement of the year is unpublished, or when the
    year was settled without its fourth quarter."""
    user = request.user
    village = _annual_village(user, code)
    require(user, caps.SETTLE, village.path)
    exists = YearClose.objects.filter(village=village, year=payload.year).exists()

    def work() -> dict:
        return _year_close_body(services.close_year(actor=Actor.from_request(request), village=village,
                                                    year=payload.year))

    return once(request, response, key=idempotency_key, required=True, action="points.year.close",
                body=payload.model_dump(mode="json"), work=work, status=200 if exists else 201)


class StarBand(Schema):
    stars: int = Field(ge=1, le=5)
    min: int = Field(ge=0, description="最低年度积分")


class Honour(Schema):
    name: str = Field(min_length=1, max_length=30)
    top: int | None = Field(None, ge=1, description="名额；不限为 null")
    min: int = Field(0, ge=0, description="最低年度积分")


class CreditBand(Schema):
    band: str = Field(description="优秀、良好、一般")
    min: int = Field(ge=0)


class PolicyOut(Schema):
    village: AreaRef
    threshold: int = Field(description="季度兑换门槛（分）")
    exchange_rate: int = Field(description="兑换比例：几分兑1元")
    year_end: str
    year_end_label: str
    veto_scope: str
    veto_scope_label: str
    star_bands: list[StarBand]
    honours: list[Honour]
    credit_bands: list[CreditBand]
    notice_days: int = Field(description="公示天数")
    may_change: bool = Field(description="调用者可以修改这些设置")


class PolicyIn(StrictIn):
    """Only the rules sent change; the lists replace the village's lists whole."""

    threshold: StrictInt | None = Field(None, description="季度兑换门槛（分），1–100000")
    exchange_rate: StrictInt | None = Field(None, description="兑换比例：几分兑1元，1–1000")
    year_end: YearEnd | None = None
    veto_scope: VetoScope | None = None
    star_bands: list[StarBand] | None = None
    honours: list[Honour] | None = None
    credit_bands: list[CreditBand] | None = None


def _policy_out(village: Area, user) -> dict:
    policy = selectors.policy_for(village)
    return {"village": area_ref(village), "threshold": policy.threshold, "exchange_rate": policy.points_per_yuan,
            "year_end": policy.year_end, "year_end_label": YearEnd(policy.year_end).label,
            "veto_scope": policy.veto_scope, "veto_scope_label": VetoScope(policy.veto_scope).label,
            "star_bands": policy.star_bands, "honours": policy.honours, "credit_bands": policy.credit_bands,
            "notice_days": policy.notice_days, "may_change": scope_of(user).can(caps.MANAGE_RULES, village.path)}


@router.get("/villages/{code}/policy/", response={200: PolicyOut, **READ_ERRORS},
            summary="村的积分兑换与评选设置（门槛、兑换比例、年末处理、否决项目、星级、荣誉、信用等级）")
@api_errors
def get_policy(request, code: AreaCode):
    return _policy_out(_annual_village(request.user, code), request.user)


@router.patch("/villages/{code}/policy/", response={200: PolicyOut, **ERRORS},
              summary="修改村的积分兑换与评选设置（村党组织书记）")
@api_errors
def change_policy(request, response: HttpResponse, code: AreaCode, payload: PolicyIn,
                  idempotency_key: OptionalKey = None):
    user = request.user
    village = _annual_village(user, code)
    require(user, caps.MANAGE_RULES, village.path)
    sent = payload.model_dump(exclude_none=True)
    if not sent:
        raise DjangoValidationError({"__all__": "请至少给出一项要修改的设置"})

    def work() -> dict:
        try:
            services.update_policy(
                actor=Actor.from_request(request), village=village, threshold=sent.get("threshold"),
                points_per_yuan=sent.get("exchange_rate"), year_end=sent.get("year_end"),
                veto_scope=sent.get("veto_scope"), star_bands=sent.get("star_bands"),
                honours=[{k: v for k, v in h.items() if k != "top" or v is not None} for h in sent["honours"]]
                if "honours" in sent else None, credit_bands=sent.get("credit_bands"))
        except DjangoValidationError as exc:
            raise DjangoValidationError({"exchange_rate" if field == "points_per_yuan" else field: messages
                                         for field, messages in exc.message_dict.items()}) from exc
        return PolicyOut.model_validate(_policy_out(village, user)).model_dump()

    return once(request, response, key=idempotency_key, required=False, action="points.policy.update",
                body=payload.model_dump(mode="json"), work=work, status=200)


# --- the public board (no account) -----------------------------------------------------------------

public_router = Router(tags=["公开"], auth=None)  # mounted under /points/public


class PublicSettlementLineOut(Schema):
    name: str = Field(description="户主姓名（隐去部分字）")
    number: str = Field(description="户号")
    granted: int = Field(description="可兑换积分")
    granted_fen: int
    granted_text: str


class PublicSettlementOut(Schema):
    village: AreaRef
    year: int
    quarter: int
    label: str
    revision: int
    status: str = Field(description="published 已公布 / superseded 已更正")
    status_label: str
    published_at: datetime | None
    threshold: int
    exchange_rate: int
    households: int
    granted_total: int
    granted_total_fen: int
    granted_total_text: str
    newer_token: str | None = Field(description="已更正时：新版本的公开令牌")
    lines: list[PublicSettlementLineOut] = Field(description="可兑换的户，积分高的在前")


@public_router.get("/settlements/{token}/", response={200: PublicSettlementOut, 404: ErrorOut, 422: ErrorOut},
                   summary="公开的季度评议兑换结果（公示栏二维码；姓名隐去部分字）")
@api_errors
def public_settlement(request, token: Annotated[str, Field(max_length=40)]):
    found = selectors.public_settlement(token)
    newer = Settlement.objects.filter(supersedes=found).values_list("token", flat=True).first() \
        if found.status == SettlementStatus.SUPERSEDED else None
    return {
        "village": area_ref(found.village), "year": found.year, "quarter": found.quarter,
        "label": quarter_label(found.year, found.quarter), "revision": found.revision, "status": found.status,
        "status_label": found.get_status_display(), "published_at": found.published_at,
        "threshold": found.threshold, "exchange_rate": found.points_per_yuan, "households": found.households,
        **_money("granted_total", found.credit_total, found), "newer_token": newer,
        "lines": [{"name": mask_name(line.head.name) if line.head else "—", "number": line.household.number,
                   **_money("granted", line.credit, found)}
                  for line in selectors.settlement_lines(found) if line.eligible],
    }
