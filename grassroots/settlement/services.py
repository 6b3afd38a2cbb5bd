"""Writes of settlement: quarterly drafts, recompute, publish and correct, year close, the village's policy,
credit consent and look-ups."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from grassroots.access.scope import authorise
from grassroots.areas.models import Area, Household
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.catalogue.selectors import village_of
from grassroots.core.refusals import Refusal
from grassroots.ledger.models import (
    Account,
    EntryKind,
    LedgerEntry,
    LedgerHead,
)
from grassroots.ledger.selectors import head_seq
from grassroots.ledger.services import append_entries
from grassroots.points import capabilities as caps
from grassroots.rules.paths import common_path
from grassroots.rules.settlement import check_bands, quarter_bounds, quarter_label
from grassroots.settlement.models import (
    CreditConsent,
    PointsPolicy,
    Settlement,
    SettlementLine,
    SettlementStatus,
    VetoScope,
    YearClose,
    YearEnd,
)
from grassroots.settlement.selectors import annual_row, draft_lines, lines_sql, policy_for, unspent_credit

# Audit actions (app.noun.verb). The values are stored: never rename one.
CONSENT_RECORD = "points.consent.record"
CONSENT_REVOKE = "points.consent.revoke"
CREDIT_LOOK_UP = "points.credit.look_up"
CREDIT_LOOK_UP_REFUSED = "points.credit.refused"
POLICY_UPDATE = "points.policy.update"
SETTLEMENT_COMPUTE = "points.settlement.compute"
SETTLEMENT_CORRECT = "points.settlement.correct"
SETTLEMENT_PUBLISH = "points.settlement.publish"
SETTLEMENT_RECOMPUTE = "points.settlement.recompute"
YEAR_CLOSE = "points.year.close"


def _set_totals(*, year: int, quarter: int, settlements: list[Settlement], village_id: int | None = None) -> None:
    """Each draft's households that may redeem and its credit total, from the lines' SELECT."""
    if not settlements:
        return
    sql, params = lines_sql(year=year, quarter=quarter, settlement_ids=[s.pk for s in settlements],
                             year_window=any(s.veto_scope == VetoScope.YEAR for s in settlements),
                             village_id=village_id)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A nightly one-off query: compiling it (JIT) costs more than it saves.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"SELECT l.sid, SUM(CASE WHEN l.eligible THEN 1 ELSE 0 END), SUM(l.credit) "
                       f"FROM ({sql}) l GROUP BY l.sid", params)
        # int(): PostgreSQL sums a bigint sum as numeric.
        totals = {sid: (int(households), int(credit)) for sid, households, credit in cursor.fetchall()}
        rows = [(s.pk, *totals.get(s.pk, (0, 0))) for s in settlements]
        # One UPDATE … FROM (VALUES …) per thousand drafts: bulk_update's CASE per row is slower by 20×.
        for i in range(0, len(rows), 1000):
            batch = rows[i:i + 1000]
            values = ", ".join(["(%s, %s, %s)"] * len(batch))
            cursor.execute(f"UPDATE {Settlement._meta.db_table} SET households = t.column2, credit_total = t.column3 "
                           f"FROM (VALUES {values}) AS t WHERE {Settlement._meta.db_table}.id = t.column1",
                           [value for row in batch for value in row])
    for settlement in settlements:
        settlement.households, settlement.credit_total = totals.get(settlement.pk, (0, 0))


def _check_quarter_over(year: int, quarter: int, today: date) -> None:
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": "季度须为1到4"})
    end = quarter_bounds(year, quarter)[1]
    if today <= end:
        raise Refusal({"quarter": f"{quarter_label(year, quarter)}尚未结束（{end:%Y-%m-%d}结束），不能评议"})


@transaction.atomic(durable=True)  # a scheduled job's unit of work commits on its own
def compute_settlements(*, actor: Actor, year: int, quarter: int, now=None) -> dict:
    """The scheduled job after a quarter ends: a draft settlement for every village that keeps a ledger
    and has none for the quarter yet, each reading its ledger up to the chain's current length. One
    aggregate over the quarter for all villages; memory grows with villages, not households. Running it
    again changes nothing."""
    now = now or timezone.now()
    _check_quarter_over(year, quarter, timezone.localdate(now))
    done = set(Settlement.objects.filter(year=year, quarter=quarter).values_list("village_id", flat=True))
    heads = {v: seq for v, seq in LedgerHead.objects.values_list("village_id", "seq") if v not in done}
    policies = {p.village_id: p for p in PointsPolicy.objects.filter(village_id__in=list(heads))}
    paths = dict(Area.objects.filter(pk__in=list(heads)).values_list("pk", "path"))
    default = PointsPolicy()
    drafts = []
    for village_id in sorted(heads):
        policy = policies.get(village_id, default)
        drafts.append(Settlement(village_id=village_id, path=paths[village_id], year=year, quarter=quarter,
                                 threshold=policy.threshold, points_per_yuan=policy.points_per_yuan,
                                 veto_scope=policy.veto_scope, ledger_seq=heads[village_id], computed_at=now))
    Settlement.objects.bulk_create(drafts, batch_size=1000)
    _set_totals(year=year, quarter=quarter, settlements=drafts)
    record(actor=actor, action=SETTLEMENT_COMPUTE, object_type="points.settlement",
           object_id=f"{year}Q{quarter}", area_path=common_path(list(paths.values())),
           data={"year": year, "quarter": quarter, "villages": len(drafts)})
    return {"created": len(drafts), "skipped": len(done)}


@transaction.atomic
def compute_settlement(*, actor: Actor, village: Area, year: int, quarter: int, now=None) -> Settlement:
    """One village's draft for a quarter (the committees' button). Returns the existing draft or
    published result when there is one: computing twice changes nothing."""
    authorise(actor, caps.SETTLE, village.path)
    now = now or timezone.now()
    _check_quarter_over(year, quarter, timezone.localdate(now))
    village = village_of(village)
    existing = (Settlement.objects.filter(village=village, year=year, quarter=quarter)
                .exclude(status=SettlementStatus.SUPERSEDED).order_by("-revision").first())
    if existing is not None:
        return existing
    policy = policy_for(village)
    settlement = Settlement.objects.create(village=village, path=village.path, year=year, quarter=quarter,
                                           threshold=policy.threshold, points_per_yuan=policy.points_per_yuan,
                                           veto_scope=policy.veto_scope, ledger_seq=head_seq(village.pk),
                                           computed_at=now)
    _set_totals(year=year, quarter=quarter, settlements=[settlement], village_id=village.pk)
    record(actor=actor, action=SETTLEMENT_COMPUTE, obj=settlement,
           data={"year": year, "quarter": quarter, "households": settlement.households,
                 "credit": settlement.credit_total})
    return settlement


@transaction.atomic
def recompute_settlement(*, actor: Actor, settlement: Settlement, now=None) -> Settlement:
    """A draft read again from the ledger (entries posted since it was computed)."""
    authorise(actor, caps.SETTLE, settlement.path)
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.status != SettlementStatus.DRAFT:
        raise Refusal({"settlement": "已公布的评议结果不能重新计算，请提出更正"})
    settlement.computed_at = now or timezone.now()
    settlement.ledger_seq = head_seq(settlement.village_id)
    settlement.save(update_fields=["computed_at", "ledger_seq"])
    _set_totals(year=settlement.year, quarter=settlement.quarter, settlements=[settlement],
                village_id=settlement.village_id)
    record(actor=actor, action=SETTLEMENT_RECOMPUTE, obj=settlement,
           data={"households": settlement.households, "credit": settlement.credit_total})
    return settlement


@transaction.atomic
def correct_settlement(*, actor: Actor, settlement: Settlement, reason: str, now=None) -> Settlement:
    """After publication: a new draft revision, read from the ledger as it is now. Publishing it reverses
    the grants that changed; the published revision is never edited."""
    authorise(actor, caps.SETTLE, settlement.path)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": "请写明更正理由（至少4个字）"})
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.status != SettlementStatus.PUBLISHED:
        raise Refusal({"settlement": "只能更正已公布的评议结果"})
    if Settlement.objects.filter(supersedes=settlement).exists():
        raise Refusal({"settlement": "已有待公布的更正"})
    draft = Settlement.objects.create(
        village_id=settlement.village_id, path=settlement.path, year=settlement.year, quarter=settlement.quarter,
        revision=settlement.revision + 1, threshold=settlement.threshold, points_per_yuan=settlement.points_per_yuan,
        veto_scope=settlement.veto_scope, supersedes=settlement, note=reason[:500],
        ledger_seq=head_seq(settlement.village_id), computed_at=now or timezone.now())
    _set_totals(year=draft.year, quarter=draft.quarter, settlements=[draft], village_id=draft.village_id)
    record(actor=actor, action=SETTLEMENT_CORRECT, obj=draft,
           data={"supersedes": settlement.pk, "reason": reason})
    return draft


@transaction.atomic
def publish_settlement(*, actor: Actor, settlement: Settlement, now=None) -> Settlement:
    """The committees publish a reviewed draft: the credit is granted as ledger entries (account
    credit). For a correction, each household whose credit changed has its grant reversed and, if it
    still may redeem, granted anew."""
    authorise(actor, caps.SETTLE, settlement.path)
    now = now or timezone.now()
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.status != SettlementStatus.DRAFT:
        raise Refusal({"settlement": f"该评议结果{settlement.get_status_display()}，不能再公布"})
    label = quarter_label(settlement.year, settlement.quarter)
    standing = {e.household_id: e for e in LedgerEntry.objects.filter(
        settlement__village_id=settlement.village_id, settlement__year=settlement.year,
        settlement__quarter=settlement.quarter, kind=EntryKind.SETTLEMENT, reversed_by__isnull=True)}
    lines = [SettlementLine(settlement=settlement, household_id=hh, path=path, points=points, vetoed=vetoed,
                            eligible=eligible, credit=credit)
             for hh, path, points, vetoed, eligible, credit in draft_lines(settlement)]
    SettlementLine.objects.bulk_create(lines, batch_size=1000)
    new = {line.household_id: (line.path, line.credit) for line in lines if line.eligible}
    today = timezone.localdate(now)
    entries = []
    for household_id in sorted(set(standing) | set(new)):
        old = standing.get(household_id)
        path, credit = new.get(household_id, (old.path if old else "", 0))
        if old is not None and old.points == credit:
            continue
        if old is not None:
            entries.append(LedgerEntry(
                village_id=settlement.village_id, path=old.path, household_id=household_id, account=Account.CREDIT,
                kind=EntryKind.REVERSAL, points=-old.points, reverses=old, settlement=settlement,
                reason=f"{label}评议更正：{settlement.note}"[:200], occurred_on=today, posted_at=now,
                idempotency_key=f"reverse:{old.pk}"))
        if credit > 0:
            entries.append(LedgerEntry(
                village_id=settlement.village_id, path=path, household_id=household_id, account=Account.CREDIT,
                kind=EntryKind.SETTLEMENT, points=credit, settlement=settlement, reason=f"{label}可兑换积分",
                occurred_on=today, posted_at=now, idempotency_key=f"settle:{settlement.pk}:{household_id}"))
    if settlement.supersedes_id:
        Settlement.objects.filter(pk=settlement.supersedes_id).update(status=SettlementStatus.SUPERSEDED)
    append_entries(village=settlement.village, entries=entries)
    settlement.status = SettlementStatus.PUBLISHED
    settlement.published_at, settlement.published_by = now, actor.user
    settlement.save(update_fields=["status", "published_at", "published_by"])
    record(actor=actor, action=SETTLEMENT_PUBLISH, obj=settlement,
           data={"revision": settlement.revision, "households": settlement.households,
                 "credit": settlement.credit_total, "entries": len(entries)})
    return settlement


@transaction.atomic
def close_year(*, actor: Actor, village: Area, year: int, now=None) -> YearClose:
    """年末: by the village's policy, unspent credit lapses (an entry per household) or carries over.

    Done once the year's last settlement is published (its exchange day holds the last spending);
    a second call returns the first result.
    """
    authorise(actor, caps.SETTLE, village.path)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if today <= date(year, 12, 31):
        raise Refusal({"year": f"{year}年尚未结束"})
    existing = YearClose.objects.filter(village=village, year=year).first()
    if existing is not None:
        return existing
    if Settlement.objects.filter(village=village, year=year, status=SettlementStatus.DRAFT).exists():
        raise Refusal({"year": f"{year}年还有未公布的评议结果，请先公布"})
    year_settled = Settlement.objects.filter(village=village, year=year, status=SettlementStatus.PUBLISHED)
    if year_settled.exists() and not year_settled.filter(quarter=4).exists():
        raise Refusal({"year": f"请先公布{year}年第四季度评议结果并办完兑换，再办理年末结转"})
    policy = policy_for(village)
    entries = []
    if policy.year_end == YearEnd.LAPSE:
        balances = unspent_credit(village).items()
        paths = dict(Household.objects.filter(village=village).values_list("pk", "path"))
        entries = [LedgerEntry(village_id=village.pk, path=paths[hh], household_id=hh, account=Account.CREDIT,
                               kind=EntryKind.LAPSE, points=-balance, reason=f"{year}年未兑换积分年终清零",
                               occurred_on=today, posted_at=now, idempotency_key=f"lapse:{village.pk}:{year}:{hh}")
                   for hh, balance in sorted(balances)]
        append_entries(village=village, entries=entries)
    closed = YearClose.objects.create(village=village, year=year, year_end=policy.year_end,
                                      households=len(entries), points=-sum(e.points for e in entries),
                                      closed_at=now, closed_by=actor.user)
    record(actor=actor, action=YEAR_CLOSE, obj=closed, area_path=village.path,
           data={"year": year, "year_end": policy.year_end, "households": len(entries), "points": closed.points})
    return closed


@transaction.atomic
def update_policy(*, actor: Actor, village: Area, threshold: int | None = None, points_per_yuan: int | None = None,
                  year_end: str | None = None, veto_scope: str | None = None, star_bands: list | None = None,
                  honours: list | None = None, credit_bands: list | None = None,
                  notice_days: int | None = None) -> PointsPolicy:
    """The assembly's settlement and honour rules (threshold, rate, year end, veto, bands). None leaves a rule as
    it is."""
    authorise(actor, caps.MANAGE_RULES, village.path)
    PointsPolicy.objects.get_or_create(village=village)  # the first change saves the defaults beside it
    policy = PointsPolicy.objects.select_for_update().get(village=village)
    changes = {field: value for field, value in (
        ("threshold", threshold), ("points_per_yuan", points_per_yuan), ("year_end", year_end),
        ("veto_scope", veto_scope), ("star_bands", star_bands), ("honours", honours),
        ("credit_bands", credit_bands), ("notice_days", notice_days)) if value is not None}
    for field, value in changes.items():
        setattr(policy, field, value)
    errors = check_bands(policy.star_bands, policy.credit_bands, policy.honours)
    if not isinstance(policy.threshold, int) or policy.threshold < 1 or policy.threshold > 100000:
        errors["threshold"] = "兑换门槛须为1到100000之间的整数"
    if not isinstance(policy.points_per_yuan, int) or not 1 <= policy.points_per_yuan <= 1000:
        errors["points_per_yuan"] = "兑换比例须为1到1000之间的整数（几分兑换1元）"
    if policy.year_end not in YearEnd.values:
        errors["year_end"] = "年末处理方式无效"
    if policy.veto_scope not in VetoScope.values:
        errors["veto_scope"] = "否决项目影响范围无效"
    if errors:
        raise ValidationError(errors)
    policy.save()
    record(actor=actor, action=POLICY_UPDATE, obj=policy, area_path=village.path,
           data={k: v for k, v in changes.items()})
    return policy


@transaction.atomic
def record_consent(*, actor: Actor, household: Household, institution, signed_by: str, signed_on: date,
                   expires_on: date) -> CreditConsent:
    """The household's signed consent that ``institution`` may look up its credit rating."""
    authorise(actor, caps.RECORD_CONSENT, household.path)
    signed_by = (signed_by or "").strip()
    errors = {}
    if not household.members.filter(name=signed_by, is_active=True).exists():
        errors["signed_by"] = "签字人须为本户在册成员"
    if signed_on > timezone.localdate():
        errors["signed_on"] = "签字日期不能晚于今天"
    if expires_on <= signed_on:
        errors["expires_on"] = "有效期须晚于签字日期"
    elif (expires_on - signed_on).days > 366 * 3:
        errors["expires_on"] = "授权有效期最长三年"
    if errors:
        raise ValidationError(errors)
    consent = CreditConsent.objects.create(household=household, path=household.path, institution=institution,
                                           signed_by=signed_by, signed_on=signed_on, expires_on=expires_on,
                                           recorded_by=actor.user)
    record(actor=actor, action=CONSENT_RECORD, obj=consent, area_path=household.path,
           data={"institution": institution.pk, "expires_on": expires_on.isoformat()})
    return consent


@transaction.atomic
def revoke_consent(*, actor: Actor, consent: CreditConsent, now=None) -> CreditConsent:
    authorise(actor, caps.RECORD_CONSENT, consent.path)
    consent = CreditConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_at is None:
        consent.revoked_at = now or timezone.now()
        consent.save(update_fields=["revoked_at"])
        record(actor=actor, action=CONSENT_REVOKE, obj=consent, area_path=consent.path, data={})
    return consent

CREDIT_REFUSED = "该户未授权贵单位查询信用等级，或授权已过期、已撤回"


def look_up_credit_by_number(*, actor: Actor, village: Area | None, number: str, year: int,
                             today: date | None = None) -> dict:
    """The look-up as an institution asks it: a village and a household number. A household (or village)
    that does not exist is refused exactly like a household without consent: the same words, the same
    audit entry, so the answer never tells whether a household lives there."""
    number = (number or "").strip()
    household = (Household.objects.filter(village=village, number=number, is_active=True).first()
                 if village is not None else None)
    if household is None:
        with transaction.atomic():
            record(actor=actor, action=CREDIT_LOOK_UP_REFUSED, object_type="areas.household", object_id="",
                   area_path=village.path if village is not None else "",
                   data={"year": year, "village": village.code if village is not None else "", "number": number[:40]})
        raise PermissionDenied(CREDIT_REFUSED)
    return look_up_credit(actor=actor, household=household, year=year, today=today)


def look_up_credit(*, actor: Actor, household: Household, year: int, today: date | None = None) -> dict:
    """A credit co-operative's look-up of one household's rating, allowed only under that household's
    current consent to one of the caller's institutions. Every look-up, allowed or refused, is audited."""
    today = today or timezone.localdate()
    institution_ids = set(actor.user.unit_memberships.values_list("unit_id", flat=True)) if actor.user else set()
    consent = (CreditConsent.objects.filter(household=household, institution_id__in=institution_ids,
                                            revoked_at__isnull=True, signed_on__lte=today, expires_on__gte=today)
               .select_related("institution").order_by("-expires_on").first())
    if consent is None:
        with transaction.atomic():
            record(actor=actor, action=CREDIT_LOOK_UP_REFUSED, object_type="areas.household",
                   object_id=str(household.pk), area_path=household.path, data={"year": year})
        raise PermissionDenied(CREDIT_REFUSED)
    row = annual_row(household, year)
    with transaction.atomic():
        record(actor=actor, action=CREDIT_LOOK_UP, object_type="areas.household",
               object_id=str(household.pk), area_path=household.path,
               data={"year": year, "consent": consent.pk, "band": row["credit_band"]})
    return {**row, "consent": consent}
