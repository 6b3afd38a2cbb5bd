"""Writes of claims and their review, notices and objections: recording, withdrawing and resubmitting a claim,
review at each stage, opening and posting notices into the ledger, objections and their decision."""

import secrets
from collections import defaultdict
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from grassroots.access.scope import actor_scope, authorise
from grassroots.areas.models import Person
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.catalogue.models import (
    CapPeriod,
    Rule,
    RuleKind,
    RuleVersion,
)
from grassroots.catalogue.selectors import version_in_force
from grassroots.claims import selectors
from grassroots.claims.models import (
    LIVE_CLAIM_STATUSES,
    Claim,
    ClaimStatus,
    LineStatus,
    Notice,
    NoticeLine,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    ReviewDecision,
    objection_reference,
)
from grassroots.core.photos import stored_photo
from grassroots.core.refusals import Refusal
from grassroots.ledger.models import (
    Account,
    CheckpointPlace,
    EntryKind,
    LedgerEntry,
    LedgerHead,
    entry_content,
)
from grassroots.ledger.services import ENTRY_COLUMNS, add_to_household_months, lock_head, record_checkpoint
from grassroots.points import capabilities as caps
from grassroots.rules.paths import common_path
from grassroots.rules.points import ChainLink, cap_left, claim_points, period_bounds
from grassroots.settlement.selectors import policy_for

# Audit actions (app.noun.verb). The values are stored: never rename one.
CLAIM_APPROVE = "points.claim.approve"
CLAIM_RECORD = "points.claim.record"
CLAIM_REJECT = "points.claim.reject"
CLAIM_WITHDRAW = "points.claim.withdraw"
NOTICE_POST = "points.notice.post"
OBJECTION_DECIDE = "points.objection.decide"
OBJECTION_RAISE = "points.objection.raise"

MAX_BATCH = 200


def cap_problem(version: RuleVersion, person: Person, deed_date: date, adding: int, pending: int) -> str | None:
    """Why ``adding`` points under ``version`` would take ``person`` past the rule's cap in the period of
    ``deed_date`` (``pending``: points of the same batch not yet saved), or None. The one cap check: recording and
    the claims proposed from volunteer hours both ask it."""
    if version.cap is None:
        return None
    start, end = period_bounds(deed_date, version.cap_period)
    already = (
        Claim.objects.filter(person=person, rule_version__rule_id=version.rule_id, deed_date__range=(start, end))
        .filter(status__in=LIVE_CLAIM_STATUSES)
        .aggregate(total=Sum("points"))["total"]
        or 0
    )
    over = cap_left(version.cap, already + pending, adding)
    if over is None:
        return None
    label = CapPeriod(version.cap_period).label
    return f"{person.name}{label}本项最多{version.cap}分，已记{abs(already + pending)}分，本次超出{over}分"


def duplicate_message(claim: Claim) -> str:
    """What the grid worker reads about a live claim of the same person, rule and day."""
    recorder = (claim.recorder.display_name or claim.recorder.username) if claim.recorder_id else ""
    return (f"{claim.person.name}在{claim.deed_date:%Y-%m-%d}已有「{claim.rule_version.title}」的申报"
            f"（申报 {claim.pk}，{claim.get_status_display()}，{recorder}记录于"
            f"{timezone.localtime(claim.created_at):%m-%d %H:%M}），可能是同一件事")


class DuplicateClaims(Refusal):
    """Refused (409 on the API): a live claim of the same person, rule and deed date exists. ``found`` holds
    them; recording again with ``allow_duplicate=True`` says the grid worker checked it is another deed."""

    def __init__(self, found: list[Claim]):
        self.found = found
        super().__init__({"duplicate": [duplicate_message(c) for c in found]})


class ClaimsRefused(ValidationError):
    """Refused claims of a batch, each message naming the person; ``by_claim`` maps claim id → message
    so that a page can put each message beside its claim. As such: what was sent is wrong (a rejection
    without its reason, 422 on the API)."""

    def __init__(self, by_claim: dict[int, str]):
        self.by_claim = by_claim
        super().__init__({"claims": list(by_claim.values())})


class ClaimsNotReviewable(ClaimsRefused, Refusal):
    """Refused claims of a batch whose state refuses the review (409 on the API): already decided, or waiting
    at a stage the reviewer does not hold."""


@transaction.atomic
def record_claims(*, actor: Actor, person_ids: list[int], rule: Rule, quantity: int, deed_date: date,
                  note: str = "", photo=None, today: date | None = None, allow_duplicate: bool = False,
                  caller_checked: bool = False) -> list[Claim]:
    """Record one deed for one or many people (30 villagers at a clean-up → 30 claims). All or nothing.

    A live claim of the same person under the same rule on the same day (in review, on notice or
    posted) refuses the batch with ``DuplicateClaims`` unless ``allow_duplicate``: the same deed
    recorded twice is the usual mistake, two deeds of a kind on one day the rare case. Each claim returned
    carries ``same_deed``: the live claims of its person, rule and day found before it was recorded
    (unscoped; ``selectors.recorded_duplicates`` narrows them to what a caller sees).

    ``caller_checked`` says the calling service has already decided, by its own rule, that the actor may record
    these claims (volunteers: the hours a team leader confirmed propose a claim recorded by that leader, who holds
    no ``RECORD`` on the village); the actor is recorded as it is, as the recorder and in the audit."""
    user = actor.user
    today = today or timezone.localdate()
    person_ids = list(dict.fromkeys(person_ids))
    if not person_ids:
        raise ValidationError({"person": "请选择人员"})
    if len(person_ids) > MAX_BATCH:
        raise ValidationError({"person": f"一次最多记录{MAX_BATCH}人"})
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1 or quantity > 1000:
        raise ValidationError({"quantity": "数量须为1到1000之间的整数"})
    if deed_date > today:
        raise ValidationError({"deed_date": "日期不能晚于今天"})
    if deed_date < today - timedelta(days=92):
        raise ValidationError({"deed_date": "只能记录三个月内的事项"})
    village = rule.rule_set.area
    version = version_in_force(rule, deed_date)
    if version is None:
        raise ValidationError({"rule": f"项目 {rule.code} 在 {deed_date} 不在有效期内"})
    if version.evidence_required and not photo:
        raise ValidationError({"photo": f"「{version.title}」须附照片"})
    photo = stored_photo(photo, stem="deed")  # re-encoded: the phone's GPS position and camera tags dropped
    scope = actor_scope(actor)
    # The people's rows are locked (in id order) as they are read, so that two grid workers recording the
    # same deed at the same moment are serial: the second sees the first's claim (duplicate and cap checks).
    # An inactive person's row is locked too and left out here (refused below as not in the caller's grids).
    people = {p.pk: p for p in Person.objects.select_for_update(of=("self",)).filter(pk__in=person_ids)
              .select_related("household", "household__grid").prefetch_related("tags").order_by("pk")
              if p.is_active}
    errors = []
    pending: dict[int, int] = defaultdict(int)
    points = claim_points(version.points, quantity)
    for pk in person_ids:
        person = people.get(pk)
        if person is None or person.household is None or not (caller_checked or scope.can(caps.RECORD, person.path)):
            errors.append(f"人员 {pk} 不在您负责的网格内")
            continue
        if not person.path.startswith(village.path):
            errors.append(f"{person.name}不是{village.name}的村民")
            continue
        if not person.category_codes() & set(version.categories):
            errors.append(f"「{version.title}」只适用于{'、'.join(version.category_labels)}，{person.name}不适用")
            continue
        problem = cap_problem(version, person, deed_date, points, pending[pk])
        if problem:
            errors.append(problem)
        pending[pk] += points
    if errors:
        raise ValidationError({"person": errors})
    same = selectors.same_deed_claims(person_ids=person_ids, rule_id=rule.pk, deed_date=deed_date)
    if same and not allow_duplicate:
        raise DuplicateClaims(same)
    batch = secrets.token_hex(8)
    claims = [
        Claim(village=village, grid=people[pk].household.grid, path=people[pk].path, household=people[pk].household,
              person=people[pk], rule_version=version, quantity=quantity, points=points, deed_date=deed_date,
              note=note.strip()[:200], recorder=user, batch=batch)
        for pk in person_ids
    ]
    if photo:
        # One photo serves the batch: the first claim stores the file, the others share its name.
        claims[0].photo = photo
        claims[0].save()
        for claim in claims[1:]:
            claim.photo = claims[0].photo.name
        Claim.objects.bulk_create(claims[1:])
    else:
        Claim.objects.bulk_create(claims)
    for claim in claims:  # the live claims found above, per person: the caller shows them without a query
        claim.same_deed = [c for c in same if c.person_id == claim.person_id]
    record(actor=actor, action=CLAIM_RECORD, object_type="points.claim", object_id=batch,
           area_path=village.path, data={"rule": rule.code, "version": version.version, "people": len(claims),
                                          "points": points, "deed_date": deed_date.isoformat(),
                                          **({"duplicates_confirmed": [c.pk for c in same]} if same else {})})
    return claims


@transaction.atomic
def resubmit_claim(*, actor: Actor, claim: Claim, quantity: int | None = None, note: str | None = None,
                   photo=None, allow_duplicate: bool = False) -> Claim:
    """The recorder corrects a rejected claim and sends it into review again, as a new claim
    (checked like a new recording, the duplicate check included)."""
    authorise(actor, caps.RECORD, claim.path)
    if not actor.is_system and claim.recorder_id != actor.user.pk:
        raise PermissionDenied("只有记录人可以修改并重新提交")
    claim = (Claim.objects.select_for_update(of=("self",)).select_related("person", "rule_version__rule")
             .get(pk=claim.pk))
    if claim.status != ClaimStatus.REJECTED:
        raise Refusal({"claim": f"{claim.person.name}的申报当前为「{claim.get_status_display()}」，"
                                "只有被退回的申报可以重新提交"})
    if Claim.objects.filter(resubmits=claim).exists():
        raise Refusal({"claim": "该申报已重新提交过"})
    [new] = record_claims(actor=actor, person_ids=[claim.person_id], rule=claim.rule_version.rule,
                          quantity=quantity or claim.quantity, deed_date=claim.deed_date,
                          note=claim.note if note is None else note, photo=photo or claim.photo or None,
                          allow_duplicate=allow_duplicate)
    new.resubmits = claim
    new.save(update_fields=["resubmits"])
    return new


@transaction.atomic
def withdraw_claim(*, actor: Actor, claim: Claim, now=None) -> Claim:
    """The recorder takes back a claim still in review (at any stage): it leaves every review queue
    and never reaches a notice. Once approved at the last stage it is on the public notice, where
    only an objection can take it off. Withdrawing a claim already withdrawn changes nothing."""
    authorise(actor, caps.RECORD, claim.path)
    if not actor.is_system and claim.recorder_id != actor.user.pk:
        raise PermissionDenied("只有记录人可以撤回申报")
    claim = Claim.objects.select_for_update(of=("self",)).select_related("person", "rule_version").get(pk=claim.pk)
    if claim.status == ClaimStatus.CANCELLED:
        return claim
    if claim.status == ClaimStatus.ON_NOTICE:
        raise Refusal({"claim": f"{claim.person.name}的申报已审核通过、正在公示，不能撤回；"
                                "如有错误，请在公示期内提出异议"})
    if claim.status != ClaimStatus.IN_REVIEW:
        raise Refusal({"claim": f"{claim.person.name}的申报当前为「{claim.get_status_display()}」，"
                                "只有审核中的申报可以撤回"})
    was_stage = claim.stage
    claim.status = ClaimStatus.CANCELLED
    claim.updated_at = now or timezone.now()
    claim.save(update_fields=["status", "updated_at"])
    record(actor=actor, action=CLAIM_WITHDRAW, object_type="points.claim", object_id=str(claim.pk),
           area_path=claim.path, data={"person": claim.person.name, "rule_version": claim.rule_version_id,
                                       "deed_date": claim.deed_date.isoformat(), "stage": was_stage})
    return claim


@transaction.atomic
def review_claims(*, actor: Actor, claim_ids: list[int], approve: bool, reasons: dict[int, str] | None = None,
                  now=None) -> dict:
    """Approve or reject a batch at the reviewer's stage. A rejection needs its reason and goes back
    to the recorder; approval at the last stage puts the claims on their grid's notice."""
    user = actor.user
    reasons = reasons or {}
    now = now or timezone.now()
    # Locked in primary-key order, so two reviewers' overlapping batches cannot deadlock.
    claims = list(Claim.objects.select_for_update(of=("self", "village", "grid")).filter(pk__in=claim_ids)
                  .select_related("village", "grid", "person").order_by("pk"))
    policies = {c.village_id: policy_for(c.village) for c in claims}
    scope = actor_scope(actor)
    found = {c.pk for c in claims if scope.can(caps.VIEW, c.path)}
    missing = [pk for pk in claim_ids if pk not in found]
    if missing:
        raise ValidationError({"claims": [f"申报 {pk} 不存在" for pk in missing]})
    errors: dict[int, str] = {}
    refused = False  # a claim's state refuses the review (not only a reason missing)
    for claim in claims:
        stages = policies[claim.village_id].stages
        name = claim.person.name
        if claim.status != ClaimStatus.IN_REVIEW:
            errors[claim.pk] = f"{name}：该申报当前为「{claim.get_status_display()}」，无需审核"
            refused = True
        elif not scope.has_role(stages[claim.stage]["roles"], claim.path):
            errors[claim.pk] = f"{name}：该申报正在「{stages[claim.stage]['name']}」环节，您不是该环节的审核人"
            refused = True
        elif not approve and not (reasons.get(claim.pk) or "").strip():
            errors[claim.pk] = f"{name}：请写明退回理由"
    if errors:
        raise (ClaimsNotReviewable if refused else ClaimsRefused)(errors)
    batch = secrets.token_hex(8)
    finished = []
    for claim in claims:
        stages = policies[claim.village_id].stages
        ReviewDecision.objects.create(claim=claim, stage=claim.stage, stage_name=stages[claim.stage]["name"],
                                      approved=approve, reason=(reasons.get(claim.pk) or "").strip()[:200],
                                      reviewer=user, batch=batch)
        if not approve:
            claim.status = ClaimStatus.REJECTED
        elif claim.stage + 1 >= len(stages):
            claim.status = ClaimStatus.ON_NOTICE
            finished.append(claim)
        else:
            claim.stage += 1
        claim.save(update_fields=["status", "stage", "updated_at"])
    notices = _open_notices(finished, now)
    record(actor=actor, action=CLAIM_APPROVE if approve else CLAIM_REJECT,
           object_type="points.claim", object_id=batch, area_path=common_path([c.path for c in claims]),
           data={"claims": [c.pk for c in claims], "notices": [n.pk for n in notices],
                 "reasons": {str(k): v for k, v in reasons.items()}})
    return {"batch": batch, "reviewed": len(claims), "notices": notices}


def _open_notices(claims: list[Claim], now) -> list[Notice]:
    by_grid: dict[int, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_grid[claim.grid_id].append(claim)
    notices = []
    for grid_claims in by_grid.values():
        grid, village = grid_claims[0].grid, grid_claims[0].village
        days = policy_for(village).notice_days  # one query per grid of the batch
        notice = Notice.objects.create(village=village, grid=grid, path=grid.path, opened_at=now,
                                       closes_at=now + timedelta(days=days))
        NoticeLine.objects.bulk_create([NoticeLine(notice=notice, claim=c) for c in grid_claims])
        notices.append(notice)
    return notices


@transaction.atomic
def raise_objection(*, actor: Actor, line: NoticeLine, reason: str, contact_name: str = "",
                    contact_phone: str = "", now=None) -> Objection:
    """Anyone may object to a line while its notice is open; the contact is kept private."""
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().get(pk=line.notice_id)
    if notice.status != NoticeStatus.OPEN or now >= notice.closes_at:
        raise Refusal({"notice": f"公示期已于{timezone.localtime(notice.closes_at):%Y-%m-%d %H:%M}结束，不能再提出异议"})
    if line.status != LineStatus.STANDING:
        raise Refusal({"line": "该条目已撤销"})
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": "请写明异议理由（至少4个字）"})
    if len(reason) > 500:
        raise ValidationError({"reason": "异议理由最多500字"})
    objection = Objection.objects.create(line=line, reason=reason, contact_name=contact_name.strip()[:50],
                                         contact_phone=contact_phone.strip()[:20], ip=actor.ip,
                                         reference=_new_reference())
    record(actor=actor, action=OBJECTION_RAISE, obj=objection, area_path=notice.path,
           data={"line": line.pk, "notice": notice.pk})
    return objection


def _new_reference() -> str:
    """An objection reference no objection holds yet (a clash is one in ~10⁹ a year: a few tries suffice)."""
    for _ in range(5):
        reference = objection_reference()
        if not Objection.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("no free objection reference")  # pragma: no cover - the alphabet would have to run out


@transaction.atomic
def decide_objection(*, actor: Actor, objection: Objection, uphold: bool, reason: str, now=None) -> Objection:
    """The committees decide: upheld withdraws the line (its claim never reaches the ledger)."""
    line = objection.line
    authorise(actor, caps.DECIDE_OBJECTIONS, line.notice.path)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.status != ObjectionStatus.OPEN:
        raise Refusal({"objection": "该异议已有复议结论"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "须写明复议意见"})
    objection.status = ObjectionStatus.UPHELD if uphold else ObjectionStatus.DISMISSED
    objection.decision_reason = reason.strip()[:500]
    objection.decided_by = actor.user
    objection.decided_at = now or timezone.now()
    objection.save()
    if uphold:
        line.status = LineStatus.WITHDRAWN
        line.save(update_fields=["status"])
        Claim.objects.filter(pk=line.claim_id).update(status=ClaimStatus.WITHDRAWN, updated_at=objection.decided_at)
    record(actor=actor, action=OBJECTION_DECIDE, obj=objection, area_path=line.notice.path,
           data={"upheld": uphold, "reason": reason})
    return objection


@transaction.atomic
def post_notice(*, actor: Actor, notice: Notice, now=None) -> Notice:
    """Turn a closed notice's standing lines into ledger entries."""
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != NoticeStatus.OPEN:
        raise Refusal({"notice": "该公示已入账"})
    if now < notice.closes_at:
        raise Refusal({"notice": "公示期未满"})
    if Objection.objects.filter(line__notice=notice, status=ObjectionStatus.OPEN).exists():
        raise Refusal({"notice": "有待复议的异议，暂不能入账"})
    _post_notices(actor=actor, village_id=notice.village_id, notices=[(notice.pk, notice.path)], now=now)
    notice.refresh_from_db()
    return notice


@transaction.atomic(durable=True)  # a scheduled job's unit of work commits on its own
def post_village_notices(*, actor: Actor, village_id: int, notice_ids: list[int], now=None) -> list[int]:
    """Post those of ``notice_ids`` (one village's) that are due and have no open objection, in one
    transaction; the ids posted. The rest are skipped: an objection arrived, or another run posted them."""
    now = now or timezone.now()
    notices = list(Notice.objects.select_for_update().filter(
        pk__in=notice_ids, village_id=village_id, status=NoticeStatus.OPEN, closes_at__lte=now)
        .order_by("pk").values_list("pk", "path"))
    held = set(Objection.objects.filter(line__notice_id__in=[pk for pk, _ in notices], status=ObjectionStatus.OPEN)
               .values_list("line__notice_id", flat=True))
    notices = [(pk, path) for pk, path in notices if pk not in held]
    if notices:
        _post_notices(actor=actor, village_id=village_id, notices=notices, now=now)
    return [pk for pk, _ in notices]


def _post_notices(*, actor: Actor, village_id: int, notices: list[tuple[int, str]], now) -> None:
    """Chain the standing lines of ``notices`` (locked, due, in id order) onto the village's ledger.

    One head lock, one query for the lines (values, not instances), the chain computed from tuples,
    one executemany for the entries (nobody reads their ids), one UPDATE each for claims and notices.
    The entries, their hashes and the audit records are those of posting the notices one by one.
    """
    lines: dict[int, list[tuple]] = defaultdict(list)
    for notice_id, *rest in (NoticeLine.objects.filter(notice_id__in=[pk for pk, _ in notices],
                                                       status=LineStatus.STANDING)
                             .order_by("notice_id", "id")
                             .values_list("notice_id", "claim_id", "claim__path", "claim__household_id",
                                          "claim__person_id", "claim__points", "claim__rule_version_id",
                                          "claim__deed_date", "claim__rule_version__kind")):
        lines[notice_id].append(rest)
    head = lock_head(village_id)
    seq, prev = head.seq, head.hash
    ops = connection.ops
    posted_at = ops.adapt_datetimefield_value(now)
    rows, heads, claim_ids, months = [], [], [], []
    for notice_id, _ in notices:
        for claim_id, path, household_id, person_id, points, rule_version_id, deed_date, rule_kind in lines[notice_id]:
            seq += 1
            kind = EntryKind.AWARD.value if points > 0 else EntryKind.DEDUCTION.value
            key = f"claim:{claim_id}"
            content = entry_content(village=village_id, household=household_id, person=person_id,
                                    account=Account.SCORE.value, kind=kind, points=points,
                                    rule_version=rule_version_id, claim=claim_id, notice=notice_id, reverses=None,
                                    reason="", occurred_on=deed_date, key=key)
            digest = ChainLink(seq, prev, content).digest()
            rows.append((village_id, seq, path, household_id, person_id, Account.SCORE.value, kind, points,
                         rule_version_id, claim_id, notice_id, None, "", ops.adapt_datefield_value(deed_date),
                         posted_at, key, prev, digest))
            prev = digest
            claim_ids.append(claim_id)
            months.append((household_id, village_id, path, deed_date, Account.SCORE.value, kind, points,
                           rule_kind == RuleKind.VETO))
        heads.append(Notice(pk=notice_id, status=NoticeStatus.POSTED, posted_at=now, chain_seq=seq or None,
                            chain_hash=prev if seq else ""))
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {LedgerEntry._meta.db_table} ({', '.join(ENTRY_COLUMNS)}) "
                f"VALUES ({', '.join(['%s'] * len(ENTRY_COLUMNS))})", rows)
        add_to_household_months(months)  # the board's roll-up, in this transaction (docs/ledger.md)
        Claim.objects.filter(pk__in=claim_ids).update(status=ClaimStatus.POSTED, updated_at=now)
        LedgerHead.objects.filter(pk=head.pk).update(seq=seq, hash=prev)
    Notice.objects.bulk_update(heads, ["status", "posted_at", "chain_seq", "chain_hash"])
    if rows:
        record_checkpoint(village_id=village_id, seq=seq, digest=prev, place=CheckpointPlace.NOTICE, now=now)
    for (notice_id, path), posted in zip(notices, heads, strict=True):
        record(actor=actor, action=NOTICE_POST, object_type="points.notice", object_id=str(notice_id),
               area_path=path, data={"entries": len(lines[notice_id]), "chain_seq": posted.chain_seq,
                                     "chain_hash": posted.chain_hash})


def post_due_notices(*, actor: Actor, now=None, per_transaction: int = 50) -> dict:
    """The scheduled job: post every notice whose period has ended with no open objection, village by
    village, up to ``per_transaction`` notices of a village in one transaction."""
    now = now or timezone.now()
    due = (Notice.objects.filter(status=NoticeStatus.OPEN, closes_at__lte=now)
           .exclude(lines__objections__status=ObjectionStatus.OPEN)
           .order_by("village_id", "pk").values_list("village_id", "pk").distinct())
    by_village: dict[int, list[int]] = defaultdict(list)
    for village_id, pk in due:
        by_village[village_id].append(pk)
    posted = found = 0
    for village_id, ids in by_village.items():
        found += len(ids)
        for i in range(0, len(ids), per_transaction):
            posted += len(post_village_notices(actor=actor, village_id=village_id, notice_ids=ids[i:i + per_transaction],
                                               now=now))
    waiting = Notice.objects.filter(status=NoticeStatus.OPEN, closes_at__lte=now).count()
    return {"posted": posted, "held": found - posted, "waiting_on_objections": waiting}
