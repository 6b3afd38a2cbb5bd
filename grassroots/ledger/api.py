"""The ledger in the API: entries, an entry's origin, reversals (/api/points/entries/); a household's balance,
months and entries (/api/points/results/households/…)."""

from datetime import date, datetime

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import StrictStr

from grassroots.access.scope import access_object, scope_of, visible
from grassroots.api.common import (
    Cursor,
    Limit,
    Page,
    RequiredKey,
    area_ref,
    once,
    page,
    position_of,
    user_name,
)
from grassroots.api.errors import (
    StrictIn,
    api_errors,
)
from grassroots.api.ids import ObjectId
from grassroots.areas.models import Household
from grassroots.audit.context import Actor
from grassroots.catalogue.api import VersionOut, version_out
from grassroots.claims.api import (
    ChainHead,
    DecisionOut,
    ObjectionOut,
    RuleVersionRef,
    chain_out,
    decision_out,
    objection_out,
    version_ref,
)
from grassroots.ledger import selectors, services
from grassroots.ledger.models import Account, LedgerEntry
from grassroots.points import capabilities as caps
from grassroots.points.api_common import (
    ERRORS,
    READ_ERRORS,
    AreaRef,
    Month,
    PersonRef,
    VillageCode,
    Year,
    head_name,
    household_for,
    points_per_yuan,
    village_for,
    with_areas,
)
from grassroots.points.api_common import with_areas as _with_areas
from grassroots.rules.points import period_bounds, short_hash
from grassroots.rules.settlement import fen_for, yuan_text
from grassroots.settlement import selectors as settlement_selectors

router = Router(tags=["积分制"])


class EntryOut(Schema):
    id: int
    village: AreaRef
    seq: int
    household_id: int
    household_number: str
    person: PersonRef | None
    account: str
    kind: str
    kind_label: str
    points: int
    rule: RuleVersionRef | None
    claim_id: int | None
    notice_id: int | None
    reverses_id: int | None
    reason: str
    occurred_on: date
    posted_at: datetime
    prev_hash: str
    hash: str
    short_hash: str


class OriginClaim(Schema):
    id: int
    recorder: str
    recorded_at: datetime
    quantity: int
    points: int
    deed_date: date
    note: str
    has_photo: bool
    batch: str


class OriginNotice(Schema):
    id: int
    token: str
    grid: AreaRef
    opened_at: datetime
    closes_at: datetime
    posted_at: datetime | None
    chain: ChainHead | None


class EntryOriginOut(Schema):
    entry: EntryOut
    rule_version: VersionOut | None
    claim: OriginClaim | None
    decisions: list[DecisionOut]
    notice: OriginNotice | None
    objections: list[ObjectionOut]
    reverses: EntryOut | None
    reversed_by: EntryOut | None


def _entry(e: LedgerEntry) -> dict:
    rule = None
    if e.rule_version_id:
        rule = version_ref(e.rule_version, e.rule_version.rule.code)
    return {
        "id": e.pk, "village": area_ref(e.village), "seq": e.seq, "household_id": e.household_id,
        "household_number": e.household.number,
        "person": {"id": e.person_id, "name": e.person.name} if e.person_id else None,
        "account": e.account, "kind": e.kind, "kind_label": e.get_kind_display(), "points": e.points, "rule": rule,
        "claim_id": e.claim_id, "notice_id": e.notice_id, "reverses_id": e.reverses_id, "reason": e.reason,
        "occurred_on": e.occurred_on, "posted_at": e.posted_at, "prev_hash": e.prev_hash, "hash": e.hash,
        "short_hash": short_hash(e.hash),
    }

# At most four tables per query: PostgreSQL spent ~37 ms planning the eight-table join of a claim with all
# its relations (1.5 ms for four); areas and recorders are few and come in one extra query each.
ENTRY_RELATED = ("household", "person", "rule_version__rule")


class EntriesQuery(Schema):
    household_id: ObjectId | None = None
    area_code: VillageCode = None
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/entries/", response={200: Page(EntryOut), **READ_ERRORS}, summary="积分台账（按户或按村）")
@api_errors
def list_entries(request, filters: Query[EntriesQuery]):
    user = request.user
    household_id, area_code, limit = filters.household_id, filters.area_code, filters.limit
    position = position_of(filters.cursor)
    entries = visible(user, LedgerEntry.objects.select_related(*ENTRY_RELATED), caps.VIEW)
    if household_id is not None:
        household = access_object(user, Household.objects.all(), pk=household_id)
        entries = entries.filter(household=household)
    if area_code:
        entries = entries.filter(path__startswith=village_for(user, area_code).path)
    entries = with_areas(list(entries.order_by("-id")[position:position + limit + 1]))
    return page([_entry(e) for e in entries], limit, position)


@router.get("/entries/{int:entry_id}/origin/", response={200: EntryOriginOut, **READ_ERRORS},
            summary="台账记录的来龙去脉：项目版本、记录人、各级审核、公示、异议")
@api_errors
def entry_origin(request, entry_id: ObjectId):
    user = request.user
    entry = selectors.entry_origin(user, entry_id)
    with_areas([entry])
    notice = entry.notice
    may_decide = bool(notice) and scope_of(user).can(caps.DECIDE_OBJECTIONS, notice.path)
    claim = entry.claim
    reversal = entry.reversal
    linked = {e.pk: e for e in with_areas(list(LedgerEntry.objects.select_related(*ENTRY_RELATED).filter(
        pk__in=[pk for pk in (entry.reverses_id, reversal.pk if reversal else None) if pk])))}
    return {
        "entry": _entry(entry),
        "rule_version": version_out(entry.rule_version) if entry.rule_version_id else None,
        "claim": {"id": claim.pk, "recorder": user_name(claim.recorder), "recorded_at": claim.created_at,
                  "quantity": claim.quantity, "points": claim.points, "deed_date": claim.deed_date, "note": claim.note,
                  "has_photo": bool(claim.photo), "batch": claim.batch} if claim else None,
        "decisions": [decision_out(d) for d in entry.decisions],
        "notice": {"id": notice.pk, "token": notice.token, "grid": area_ref(notice.grid), "opened_at": notice.opened_at,
                   "closes_at": notice.closes_at, "posted_at": notice.posted_at, "chain": chain_out(notice)}
        if notice else None,
        "objections": [objection_out(o, notice.pk, may_decide) for o in entry.objections] if notice else [],
        "reverses": _entry(linked[entry.reverses_id]) if entry.reverses_id else None,
        "reversed_by": _entry(linked[reversal.pk]) if reversal else None,
    }


class ReversalIn(StrictIn):
    reason: StrictStr = Field(min_length=1, max_length=200, description="冲正理由")


@router.post("/entries/{int:entry_id}/reversal/", response={201: EntryOut, **ERRORS},
             summary="冲正：记一条相反分值的记录，写明所冲正的记录和理由")
@api_errors
def reverse_entry(request, response: HttpResponse, entry_id: ObjectId, payload: ReversalIn,
                  idempotency_key: RequiredKey = None):
    """An entry already reversed, or a reversal itself, is refused with 409."""
    user = request.user
    entry = access_object(user, LedgerEntry.objects.all(), pk=entry_id)

    def work() -> dict:
        reversal = services.reverse_entry(actor=Actor.from_request(request), entry=entry, reason=payload.reason)
        [reversal] = with_areas([LedgerEntry.objects.select_related(*ENTRY_RELATED).get(pk=reversal.pk)])
        return EntryOut.model_validate(_entry(reversal)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="points.entry.reverse",
                 body=payload.model_dump(mode="json"), work=work)

results_router = Router(tags=["积分结果"])  # mounted under /points/results, as before the split


class BalanceOut(Schema):
    household_id: int
    number: str
    head: str
    score: int = Field(description="累计积分（历年合计，兑换不减少积分）")
    year: int
    year_score: int = Field(description="本年度积分")
    balance: int = Field(description="可兑换积分")
    balance_fen: int = Field(description="可兑换积分折合金额（分）")
    balance_text: str = Field(description="可兑换金额的显示文字，如 47元、17.50元")
    exchange_rate: int = Field(description="兑换比例：几分兑1元（村的积分兑换设置）")
    may_redeem: bool
    reason: str = Field(description="不能兑换时的原因；能兑换时为空")


@results_router.get("/households/{int:household_id}/balance/", response={200: BalanceOut, **READ_ERRORS},
            summary="户的积分与可兑换额度")
@api_errors
def household_balance(request, household_id: ObjectId):
    household = household_for(request.user, household_id)
    today = timezone.localdate()
    balance = selectors.balance(household)
    year_score = selectors.score_between([household.pk], date(today.year, 1, 1), date(today.year, 12, 31))
    standing = settlement_selectors.redemption_standing(household, today)
    rate = points_per_yuan(household.village_id)
    fen = fen_for(max(balance.credit, 0), rate)
    return {"household_id": household.pk, "number": household.number, "head": head_name(household.head),
            "score": balance.score, "year": today.year, "year_score": year_score[household.pk],
            "balance": balance.credit, "balance_fen": fen, "balance_text": yuan_text(fen), "exchange_rate": rate,
            "may_redeem": standing.may_redeem, "reason": standing.reason}


class YearQuery(Schema):
    year: Year | None = Field(None, description="年度，默认今年")


class MonthsOut(Schema):
    household_id: int
    number: str
    year: int
    months: list[int] = Field(description="1月至12月各月积分")
    total: int


@results_router.get("/households/{int:household_id}/months/", response={200: MonthsOut, **READ_ERRORS},
            summary="户的逐月积分（一年12个月）")
@api_errors
def household_months(request, household_id: ObjectId, filters: Query[YearQuery]):
    household = household_for(request.user, household_id)
    year = filters.year or timezone.localdate().year
    months = selectors.score_by_month(household.pk, year)
    return {"household_id": household.pk, "number": household.number, "year": year, "months": months,
            "total": sum(months)}


class HouseholdEntriesQuery(Schema):
    year: Year | None = Field(None, description="年度，默认今年")
    month: Month | None = Field(None, description="月份；不填为全年")
    account: Account | None = Field(None, description="score 积分 / credit 可兑换额度；不填为两者")
    limit: Limit = 50
    cursor: Cursor = None


class HouseholdEntryOut(EntryOut):
    account_label: str
    rule_title: str = Field(description="积分项目名称；季度兑换、爱心超市兑换、年终清零等无项目时为空，见 reason")
    settlement_id: int | None
    origin_url: str = Field(description="来龙去脉（API）")
    page_url: str = Field(description="来龙去脉（网页）")


def _household_entry(e: LedgerEntry) -> dict:
    return {**_entry(e), "account_label": e.get_account_display(),
            "rule_title": e.rule_version.title if e.rule_version_id else "", "settlement_id": e.settlement_id,
            "origin_url": reverse("api:entry_origin", kwargs={"entry_id": e.pk}),
            "page_url": reverse("points-entry", args=[e.pk])}


@results_router.get("/households/{int:household_id}/entries/", response={200: Page(HouseholdEntryOut), **READ_ERRORS},
            summary="户的积分明细（按年、月；新的在前）")
@api_errors
def household_entries(request, household_id: ObjectId, filters: Query[HouseholdEntriesQuery]):
    household = household_for(request.user, household_id)
    year = filters.year or timezone.localdate().year
    if filters.month is None:
        start, end = date(year, 1, 1), date(year, 12, 31)
    else:
        start, end = period_bounds(date(year, filters.month, 1), "month")
    entries = visible(request.user, LedgerEntry.objects.select_related(*ENTRY_RELATED), caps.VIEW).filter(
        household=household, occurred_on__range=(start, end))
    if filters.account is not None:
        entries = entries.filter(account=filters.account)
    limit, position = filters.limit, position_of(filters.cursor)
    entries = _with_areas(list(entries.order_by("-occurred_on", "-seq")[position:position + limit + 1]))
    return page([_household_entry(e) for e in entries], limit, position)
