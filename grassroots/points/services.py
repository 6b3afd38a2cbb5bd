"""Writes of the points process. Each public function: keyword-only, one transaction, audited."""

import secrets
from collections import defaultdict
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from grassroots.access.scope import actor_scope, authorise
from grassroots.areas.models import Area, Household, Level, Person
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.photos import stored_photo
from grassroots.points import capabilities as caps
from grassroots.points import selectors
from grassroots.points.models import (
    CATEGORY_LABELS,
    LIVE_CLAIM_STATUSES,
    Account,
    Adoption,
    CapPeriod,
    CheckpointPlace,
    Claim,
    ClaimStatus,
    CreditConsent,
    EntryKind,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerHead,
    LineStatus,
    Notice,
    NoticeLine,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    PointsPolicy,
    ReviewDecision,
    Rule,
    RuleKind,
    RuleSet,
    RuleVersion,
    Settlement,
    SettlementLine,
    SettlementStatus,
    VetoScope,
    YearClose,
    YearEnd,
    chain_content,
)
from grassroots.rules.points import GENESIS, ChainLink, cap_left, chain, claim_points, period_bounds
from grassroots.rules.settlement import quarter_bounds, quarter_label

MAX_BATCH = 200


def policy_for(village: Area) -> PointsPolicy:
    policy, _ = PointsPolicy.objects.get_or_create(village=village)
    return policy


def village_of(area: Area) -> Area:
    if area.level == Level.VILLAGE:
        return area
    if area.level == Level.GRID:
        return area.parent
    raise ValidationError("积分制在嘎查村社区一级管理")


# ---------------------------------------------------------------- the rule catalogue


@transaction.atomic
def create_rule_set(*, actor: Actor, area: Area, name: str, is_template: bool = False) -> RuleSet:
    authorise(actor, caps.MANAGE_RULES, area.path)
    if not is_template and area.level != Level.VILLAGE:
        raise ValidationError({"area": "村的积分细则只能建在嘎查村社区"})
    if not is_template and RuleSet.objects.filter(area=area, is_template=False).exists():
        raise ValidationError({"area": f"{area.name}已有积分细则"})
    rule_set = RuleSet.objects.create(area=area, path=area.path, name=name.strip(), is_template=is_template)
    record(actor=actor, action="points.rule_set.create", obj=rule_set, data={"name": name, "template": is_template})
    return rule_set


@transaction.atomic
def record_adoption(*, actor: Actor, rule_set: RuleSet, meeting: str, held_on: date, votes_for: int,
                    votes_against: int = 0, votes_abstain: int = 0, note: str = "") -> Adoption:
    authorise(actor, caps.MANAGE_RULES, rule_set.path)
    if votes_for <= votes_against:
        raise ValidationError({"votes_for": "赞成票未过半，细则未获通过"})
    adoption = Adoption.objects.create(rule_set=rule_set, meeting=meeting.strip(), held_on=held_on,
                                       votes_for=votes_for, votes_against=votes_against,
                                       votes_abstain=votes_abstain, note=note, recorded_by=actor.user)
    record(actor=actor, action="points.adoption.create", obj=adoption, area_path=rule_set.path,
           data={"meeting": meeting, "held_on": held_on.isoformat(), "for": votes_for, "against": votes_against})
    return adoption


def _version_values(*, title: str, kind: str, categories: list[str], points: int, unit: str, cap: int | None,
                    cap_period: str, evidence_required: bool, effective_from: date, effective_to: date | None) -> dict:
    errors = {}
    if not title.strip():
        errors["title"] = "项目名称不能为空"
    if kind not in RuleKind.values:
        errors["kind"] = "项目类型无效"
    unknown = [c for c in categories if c not in CATEGORY_LABELS]
    if not categories or unknown:
        errors["categories"] = "适用人员须为 党员/群众/网格员 之一或多项"
    if points == 0:
        errors["points"] = "分值不能为0"
    if (cap is None) != (cap_period == CapPeriod.NONE):
        errors["cap"] = "封顶分值和封顶周期须同时填写"
    if effective_to is not None and effective_to < effective_from:
        errors["effective_to"] = "失效日期早于生效日期"
    if errors:
        raise ValidationError(errors)
    return dict(title=title.strip(), kind=kind, categories=sorted(set(categories)), points=points, unit=unit,
                cap=cap, cap_period=cap_period, evidence_required=evidence_required,
                effective_from=effective_from, effective_to=effective_to)


@transaction.atomic
def add_rule(*, actor: Actor, rule_set: RuleSet, code: str, title: str, kind: str, categories: list[str],
             points: int, unit: str = "per_time", cap: int | None = None, cap_period: str = "",
             evidence_required: bool = False, effective_from: date, effective_to: date | None = None,
             adoption: Adoption | None = None) -> RuleVersion:
    authorise(actor, caps.MANAGE_RULES, rule_set.path)
    values = _version_values(title=title, kind=kind, categories=categories, points=points, unit=unit, cap=cap,
                             cap_period=cap_period, evidence_required=evidence_required,
                             effective_from=effective_from, effective_to=effective_to)
    code = code.strip()
    if not code:
        raise ValidationError({"code": "编号不能为空"})
    if Rule.objects.filter(rule_set=rule_set, code=code).exists():
        raise ValidationError({"code": f"编号 {code} 已存在"})
    rule = Rule.objects.create(rule_set=rule_set, code=code)
    version = RuleVersion.objects.create(rule=rule, version=1, adoption=adoption, **values)
    record(actor=actor, action="points.rule.create", obj=version, area_path=rule_set.path,
           data={"code": code, "title": title, "points": points})
    return version


@transaction.atomic
def revise_rule(*, actor: Actor, rule: Rule, effective_from: date, adoption: Adoption | None = None,
                **changes) -> RuleVersion:
    """A new version from ``effective_from``; the version in force before it ends the day before.

    Claims already recorded keep pointing at the version in force on the day of their deed.
    """
    authorise(actor, caps.MANAGE_RULES, rule.rule_set.path)
    current = rule.versions.select_for_update().order_by("-version").first()
    if effective_from <= current.effective_from:
        raise ValidationError({"effective_from": f"新版本须晚于现行版本的生效日期 {current.effective_from}"})
    fields = {f: getattr(current, f) for f in ("title", "kind", "categories", "points", "unit", "cap", "cap_period",
                                               "evidence_required")}
    fields.update(changes)
    values = _version_values(effective_from=effective_from, effective_to=changes.get("effective_to"), **{
        k: v for k, v in fields.items() if k != "effective_to"})
    if current.effective_to is None or current.effective_to >= effective_from:
        current.effective_to = effective_from - timedelta(days=1)
        current.save(update_fields=["effective_to"])
    version = RuleVersion.objects.create(rule=rule, version=current.version + 1, adoption=adoption, **values)
    record(actor=actor, action="points.rule.revise", obj=version, area_path=rule.rule_set.path,
           data={"code": rule.code, "version": version.version, "changes": {k: str(v) for k, v in changes.items()}})
    return version


@transaction.atomic
def copy_rule_set(*, actor: Actor, template: RuleSet, village: Area, effective_from: date,
                  name: str = "") -> RuleSet:
    """A village adopts a township or county template as the start of its own catalogue."""
    if not template.is_template:
        raise ValidationError({"template": "只能复制模板"})
    if not village.path.startswith(template.path):
        raise ValidationError({"template": "只能使用本村所属苏木乡镇或旗县发布的模板"})
    rule_set = create_rule_set(actor=actor, area=village, name=name or f"{village.name}积分细则")
    rule_set.copied_from = template
    rule_set.save(update_fields=["copied_from"])
    for rule in template.rules.prefetch_related("versions"):
        current = max(rule.versions.all(), key=lambda v: v.version)
        if current.effective_to is not None and current.effective_to < effective_from:
            continue
        new_rule = Rule.objects.create(rule_set=rule_set, code=rule.code)
        RuleVersion.objects.create(
            rule=new_rule, version=1, title=current.title, kind=current.kind, categories=current.categories,
            points=current.points, unit=current.unit, cap=current.cap, cap_period=current.cap_period,
            evidence_required=current.evidence_required, effective_from=effective_from,
            effective_to=current.effective_to)
    record(actor=actor, action="points.rule_set.copy", obj=rule_set, data={"template": template.pk})
    return rule_set


def catalogue_of(village: Area) -> RuleSet | None:
    return RuleSet.objects.filter(area=village, is_template=False).first()


def version_in_force(rule: Rule, day: date) -> RuleVersion | None:
    return rule.versions.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day),
                                effective_from__lte=day).first()


# ---------------------------------------------------------------- recording (周采分)


def _cap_problem(version: RuleVersion, person: Person, deed_date: date, adding: int, pending: int) -> str | None:
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


class DuplicateClaims(ValidationError):
    """Refused: a live claim of the same person, rule and deed date exists. ``found`` holds them;
    recording again with ``allow_duplicate=True`` says the grid worker checked it is another deed."""

    def __init__(self, found: list[Claim]):
        self.found = found
        super().__init__({"duplicate": [duplicate_message(c) for c in found]})


class ClaimsRefused(ValidationError):
    """Refused claims of a batch, each message naming the person; ``by_claim`` maps claim id → message
    so that a page can put each message beside its claim."""

    def __init__(self, by_claim: dict[int, str]):
        self.by_claim = by_claim
        super().__init__({"claims": list(by_claim.values())})


@transaction.atomic
def record_claims(*, actor: Actor, person_ids: list[int], rule: Rule, quantity: int, deed_date: date,
                  note: str = "", photo=None, today: date | None = None, allow_duplicate: bool = False) -> list[Claim]:
    """Record one deed for one or many people (30 villagers at a clean-up → 30 claims). All or nothing.

    A live claim of the same person under the same rule on the same day (in review, on notice or
    posted) refuses the batch with ``DuplicateClaims`` unless ``allow_duplicate``: the same deed
    recorded twice is the usual mistake, two deeds of a kind on one day the rare case."""
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
    # The people's rows are locked (in id order) so that two grid workers recording the same deed at
    # the same moment are serial: the second sees the first's claim (duplicate and cap checks).
    list(Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk").values_list("pk", flat=True))
    people = {p.pk: p for p in Person.objects.filter(pk__in=person_ids, is_active=True)
              .select_related("household", "household__grid").prefetch_related("tags")}
    errors = []
    pending: dict[int, int] = defaultdict(int)
    points = claim_points(version.points, quantity)
    for pk in person_ids:
        person = people.get(pk)
        if person is None or person.household is None or not scope.can(caps.RECORD, person.path):
            errors.append(f"人员 {pk} 不在您负责的网格内")
            continue
        if not person.path.startswith(village.path):
            errors.append(f"{person.name}不是{village.name}的村民")
            continue
        if not person.category_codes() & set(version.categories):
            errors.append(f"「{version.title}」只适用于{'、'.join(version.category_labels)}，{person.name}不适用")
            continue
        problem = _cap_problem(version, person, deed_date, points, pending[pk])
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
    record(actor=actor, action="points.claim.record", object_type="points.claim", object_id=batch,
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
        raise ValidationError({"claim": f"{claim.person.name}的申报当前为「{claim.get_status_display()}」，"
                                        "只有被退回的申报可以重新提交"})
    if Claim.objects.filter(resubmits=claim).exists():
        raise ValidationError({"claim": "该申报已重新提交过"})
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
        raise ValidationError({"claim": f"{claim.person.name}的申报已审核通过、正在公示，不能撤回；"
                                        "如有错误，请在公示期内提出异议"})
    if claim.status != ClaimStatus.IN_REVIEW:
        raise ValidationError({"claim": f"{claim.person.name}的申报当前为「{claim.get_status_display()}」，"
                                        "只有审核中的申报可以撤回"})
    was_stage = claim.stage
    claim.status = ClaimStatus.CANCELLED
    claim.updated_at = now or timezone.now()
    claim.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="points.claim.withdraw", object_type="points.claim", object_id=str(claim.pk),
           area_path=claim.path, data={"person": claim.person.name, "rule_version": claim.rule_version_id,
                                       "deed_date": claim.deed_date.isoformat(), "stage": was_stage})
    return claim


# ---------------------------------------------------------------- four-level review


def stage_name(claim: Claim) -> str:
    stages = policy_for(claim.village).stages
    return stages[claim.stage]["name"] if claim.stage < len(stages) else ""


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
    for claim in claims:
        stages = policies[claim.village_id].stages
        name = claim.person.name
        if claim.status != ClaimStatus.IN_REVIEW:
            errors[claim.pk] = f"{name}：该申报当前为「{claim.get_status_display()}」，无需审核"
        elif not scope.has_role(stages[claim.stage]["roles"], claim.path):
            errors[claim.pk] = f"{name}：该申报正在「{stages[claim.stage]['name']}」环节，您不是该环节的审核人"
        elif not approve and not (reasons.get(claim.pk) or "").strip():
            errors[claim.pk] = f"{name}：请写明退回理由"
    if errors:
        raise ClaimsRefused(errors)
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
    record(actor=actor, action="points.claim.approve" if approve else "points.claim.reject",
           object_type="points.claim", object_id=batch, area_path=_common_path([c.path for c in claims]),
           data={"claims": [c.pk for c in claims], "notices": [n.pk for n in notices],
                 "reasons": {str(k): v for k, v in reasons.items()}})
    return {"batch": batch, "reviewed": len(claims), "notices": notices}


def _common_path(paths: list[str]) -> str:
    if not paths:
        return ""
    first, last = min(paths), max(paths)
    common = first[: next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first))]
    return common[: common.rfind("/") + 1]


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


# ---------------------------------------------------------------- objections (异议)


@transaction.atomic
def raise_objection(*, actor: Actor, line: NoticeLine, reason: str, contact_name: str = "",
                    contact_phone: str = "", now=None) -> Objection:
    """Anyone may object to a line while its notice is open; the contact is kept private."""
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().get(pk=line.notice_id)
    if notice.status != NoticeStatus.OPEN or now >= notice.closes_at:
        raise ValidationError({"notice": f"公示期已于{timezone.localtime(notice.closes_at):%Y-%m-%d %H:%M}结束，不能再提出异议"})
    if line.status != LineStatus.STANDING:
        raise ValidationError({"line": "该条目已撤销"})
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": "请写明异议理由（至少4个字）"})
    if len(reason) > 500:
        raise ValidationError({"reason": "异议理由最多500字"})
    objection = Objection.objects.create(line=line, reason=reason, contact_name=contact_name.strip()[:50],
                                         contact_phone=contact_phone.strip()[:20], ip=actor.ip)
    record(actor=actor, action="points.objection.raise", obj=objection, area_path=notice.path,
           data={"line": line.pk, "notice": notice.pk})
    return objection


@transaction.atomic
def decide_objection(*, actor: Actor, objection: Objection, uphold: bool, reason: str, now=None) -> Objection:
    """The committees decide: upheld withdraws the line (its claim never reaches the ledger)."""
    line = objection.line
    authorise(actor, caps.DECIDE_OBJECTIONS, line.notice.path)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.status != ObjectionStatus.OPEN:
        raise ValidationError({"objection": "该异议已有复议结论"})
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
    record(actor=actor, action="points.objection.decide", obj=objection, area_path=line.notice.path,
           data={"upheld": uphold, "reason": reason})
    return objection


# ---------------------------------------------------------------- the ledger


def append_entries(*, village: Area, entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Chain ``entries`` onto the village's ledger. Call inside a transaction.

    The village's head row is locked first, so appends in one village are serial while
    different villages append in parallel.
    """
    if not entries:
        return []
    head = _lock_head(village.pk)
    links = chain(head.hash, head.seq + 1, [chain_content(e) for e in entries])
    for entry, (seq, prev_hash, digest) in zip(entries, links, strict=True):
        entry.seq, entry.prev_hash, entry.hash = seq, prev_hash, digest
    LedgerEntry.objects.bulk_create(entries, batch_size=1000)
    head.seq, head.hash = links[-1][0], links[-1][2]
    head.save(update_fields=["seq", "hash"])
    return entries


@transaction.atomic
def post_notice(*, actor: Actor, notice: Notice, now=None) -> Notice:
    """Turn a closed notice's standing lines into ledger entries."""
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != NoticeStatus.OPEN:
        raise ValidationError({"notice": "该公示已入账"})
    if now < notice.closes_at:
        raise ValidationError({"notice": "公示期未满"})
    if Objection.objects.filter(line__notice=notice, status=ObjectionStatus.OPEN).exists():
        raise ValidationError({"notice": "有待复议的异议，暂不能入账"})
    _post_notices(actor=actor, village_id=notice.village_id, notices=[(notice.pk, notice.path)], now=now)
    notice.refresh_from_db()
    return notice


@transaction.atomic
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


_ENTRY_COLUMNS = ("village_id", "seq", "path", "household_id", "person_id", "account", "kind", "points",
                  "rule_version_id", "claim_id", "notice_id", "reverses_id", "reason", "occurred_on", "posted_at",
                  "idempotency_key", "prev_hash", "hash")


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
                                          "claim__deed_date")):
        lines[notice_id].append(rest)
    head = _lock_head(village_id)
    seq, prev = head.seq, head.hash
    ops = connection.ops
    posted_at = ops.adapt_datetimefield_value(now)
    rows, heads, claim_ids = [], [], []
    for notice_id, _ in notices:
        for claim_id, path, household_id, person_id, points, rule_version_id, deed_date in lines[notice_id]:
            seq += 1
            kind = EntryKind.AWARD.value if points > 0 else EntryKind.DEDUCTION.value
            key = f"claim:{claim_id}"
            content = {"village": village_id, "household": household_id, "person": person_id,
                       "account": Account.SCORE.value, "kind": kind, "points": points,
                       "rule_version": rule_version_id, "claim": claim_id, "notice": notice_id, "reverses": None,
                       "reason": "", "occurred_on": deed_date.isoformat(), "key": key}
            digest = ChainLink(seq, prev, content).digest()
            rows.append((village_id, seq, path, household_id, person_id, Account.SCORE.value, kind, points,
                         rule_version_id, claim_id, notice_id, None, "", ops.adapt_datefield_value(deed_date),
                         posted_at, key, prev, digest))
            prev = digest
            claim_ids.append(claim_id)
        heads.append(Notice(pk=notice_id, status=NoticeStatus.POSTED, posted_at=now, chain_seq=seq or None,
                            chain_hash=prev if seq else ""))
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {LedgerEntry._meta.db_table} ({', '.join(_ENTRY_COLUMNS)}) "
                f"VALUES ({', '.join(['%s'] * len(_ENTRY_COLUMNS))})", rows)
        Claim.objects.filter(pk__in=claim_ids).update(status=ClaimStatus.POSTED, updated_at=now)
        LedgerHead.objects.filter(pk=head.pk).update(seq=seq, hash=prev)
    Notice.objects.bulk_update(heads, ["status", "posted_at", "chain_seq", "chain_hash"])
    if rows:
        record_checkpoint(village_id=village_id, seq=seq, digest=prev, place=CheckpointPlace.NOTICE, now=now)
    for (notice_id, path), posted in zip(notices, heads, strict=True):
        record(actor=actor, action="points.notice.post", object_type="points.notice", object_id=str(notice_id),
               area_path=path, data={"entries": len(lines[notice_id]), "chain_seq": posted.chain_seq,
                                     "chain_hash": posted.chain_hash})


def record_checkpoint(*, village_id: int, seq: int, digest: str, place: str, now=None) -> None:
    """Remember a chain head shown to villagers (posted notice, board): ``verify-ledger`` checks later that
    the entry at ``seq`` is still there with this hash. Idempotent: the first showing per place is kept."""
    if seq and not LedgerCheckpoint.objects.filter(village_id=village_id, seq=seq, place=place).exists():
        # Looked up first: a board is viewed far more often than its head moves, and a read takes no write lock.
        LedgerCheckpoint.objects.bulk_create(
            [LedgerCheckpoint(village_id=village_id, seq=seq, hash=digest, place=place, shown_at=now or timezone.now())],
            ignore_conflicts=True)


def _lock_head(village_id: int) -> LedgerHead:
    """The village's chain head, locked (created at the genesis hash the first time)."""
    head = LedgerHead.objects.select_for_update().filter(village_id=village_id).first()
    if head is None:
        LedgerHead.objects.bulk_create([LedgerHead(village_id=village_id, seq=0, hash=GENESIS)], ignore_conflicts=True)
        head = LedgerHead.objects.select_for_update().get(village_id=village_id)
    return head


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


@transaction.atomic
def reverse_entry(*, actor: Actor, entry: LedgerEntry, reason: str, now=None) -> LedgerEntry:
    """A correction: a new entry with the opposite points that names what it reverses and why."""
    authorise(actor, caps.REVERSE, entry.path)
    if not (reason or "").strip():
        raise ValidationError({"reason": "冲正须写明理由"})
    if entry.kind == EntryKind.REVERSAL:
        raise ValidationError({"entry": "冲正记录不能再冲正，请另行记录"})
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError({"entry": "该记录已冲正"})
    now = now or timezone.now()
    # A score reversal keeps the deed's date, so it corrects the month and quarter the deed counted in
    # (a published settlement then needs a correction, which shows up as a difference).
    occurred_on = entry.occurred_on if entry.account == Account.SCORE else timezone.localdate(now)
    reversal = LedgerEntry(village_id=entry.village_id, path=entry.path, household_id=entry.household_id,
                           person_id=entry.person_id, account=entry.account, kind=EntryKind.REVERSAL,
                           points=-entry.points, rule_version_id=entry.rule_version_id, reverses=entry,
                           reason=reason.strip()[:200], occurred_on=occurred_on, posted_at=now,
                           idempotency_key=f"reverse:{entry.pk}")
    append_entries(village=Area.objects.get(pk=entry.village_id), entries=[reversal])
    record(actor=actor, action="points.entry.reverse", obj=reversal, data={"reverses": entry.pk, "reason": reason})
    return reversal


# ---------------------------------------------------------------- 季评议·兑换 (quarterly settlement)


def _lines_sql(*, year: int, quarter: int, settlement_ids: list[int], year_window: bool,
               village_id: int | None = None) -> tuple[str, list]:
    """The SELECT of settlement lines straight from the ledger: (settlement, household, path, points,
    vetoed, eligible, credit) for each household that reached the settlement's threshold or has a veto
    item that counts (net of reversals) in its veto window.

    A settlement reads its village's entries up to ``ledger_seq``, the chain's length when it was
    computed: the draft the committees review is what publication writes, whatever is posted meanwhile.
    One GROUP BY in the database; nothing passes through Python.
    """
    quarter_start, quarter_end = quarter_bounds(year, quarter)
    window_start = date(year, 1, 1) if year_window else quarter_start
    ops = connection.ops
    q_start = ops.adapt_datefield_value(quarter_start)
    marks = ", ".join(["%s"] * len(settlement_ids))
    params: list = [q_start, q_start, *settlement_ids, ops.adapt_datefield_value(window_start),
                    ops.adapt_datefield_value(quarter_end)]
    village_filter = ""
    if village_id is not None:  # one village: its slice of the chain by index, not a scan of all villages
        village_filter, params = "AND e.village_id = %s", [*params, village_id]
    vetoes = "(CASE WHEN s.veto_scope = 'year' THEN agg.year_vetoes ELSE agg.quarter_vetoes END)"
    eligible = f"(agg.quarter_points >= s.threshold AND {vetoes} <= 0)"
    sql = f"""
        SELECT s.id AS sid, agg.household_id AS household_id, agg.path AS path, agg.quarter_points AS points,
               {vetoes} > 0 AS vetoed, {eligible} AS eligible,
               CASE WHEN {eligible} THEN agg.quarter_points ELSE 0 END AS credit
        FROM (
            SELECT e.village_id, e.household_id, MAX(e.path) AS path,
                   SUM(CASE WHEN e.occurred_on >= %s THEN e.points ELSE 0 END) AS quarter_points,
                   SUM(CASE WHEN rv.kind = 'veto' AND e.occurred_on >= %s
                            THEN (CASE WHEN e.kind = 'reversal' THEN -1 ELSE 1 END) ELSE 0 END) AS quarter_vetoes,
                   SUM(CASE WHEN rv.kind = 'veto'
                            THEN (CASE WHEN e.kind = 'reversal' THEN -1 ELSE 1 END) ELSE 0 END) AS year_vetoes
            FROM {LedgerEntry._meta.db_table} e
            JOIN {Settlement._meta.db_table} w ON w.village_id = e.village_id AND w.id IN ({marks})
                 AND e.seq <= w.ledger_seq
            LEFT JOIN {RuleVersion._meta.db_table} rv ON rv.id = e.rule_version_id
            WHERE e.account = 'score' AND e.occurred_on BETWEEN %s AND %s {village_filter}
            GROUP BY e.village_id, e.household_id
        ) agg
        JOIN {Settlement._meta.db_table} s ON s.village_id = agg.village_id
        WHERE s.id IN ({marks}) AND (agg.quarter_points >= s.threshold OR {vetoes} > 0)
    """
    return sql, [*params, *settlement_ids]


def _set_totals(*, year: int, quarter: int, settlements: list[Settlement], village_id: int | None = None) -> None:
    """Each draft's households that may redeem and its credit total, from the lines' SELECT."""
    if not settlements:
        return
    sql, params = _lines_sql(year=year, quarter=quarter, settlement_ids=[s.pk for s in settlements],
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


def draft_lines(settlement: Settlement) -> list[tuple]:
    """A draft's lines as the ledger up to its ``ledger_seq`` gives them (nothing is stored until publication)."""
    sql, params = _lines_sql(year=settlement.year, quarter=settlement.quarter, settlement_ids=[settlement.pk],
                             year_window=settlement.veto_scope == VetoScope.YEAR, village_id=settlement.village_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(hh, path, int(points), bool(vetoed), bool(eligible), int(credit))
                for _, hh, path, points, vetoed, eligible, credit in cursor.fetchall()]


def _check_quarter_over(year: int, quarter: int, today: date) -> None:
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": "季度须为1到4"})
    end = quarter_bounds(year, quarter)[1]
    if today <= end:
        raise ValidationError({"quarter": f"{quarter_label(year, quarter)}尚未结束（{end:%Y-%m-%d}结束），不能评议"})


@transaction.atomic
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
    record(actor=actor, action="points.settlement.compute", object_type="points.settlement",
           object_id=f"{year}Q{quarter}", area_path=_common_path(list(paths.values())),
           data={"year": year, "quarter": quarter, "villages": len(drafts)})
    return {"created": len(drafts), "skipped": len(done)}


def _head_seq(village_id: int) -> int:
    return LedgerHead.objects.filter(village_id=village_id).values_list("seq", flat=True).first() or 0


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
                                           veto_scope=policy.veto_scope, ledger_seq=_head_seq(village.pk),
                                           computed_at=now)
    _set_totals(year=year, quarter=quarter, settlements=[settlement], village_id=village.pk)
    record(actor=actor, action="points.settlement.compute", obj=settlement,
           data={"year": year, "quarter": quarter, "households": settlement.households,
                 "credit": settlement.credit_total})
    return settlement


@transaction.atomic
def recompute_settlement(*, actor: Actor, settlement: Settlement, now=None) -> Settlement:
    """A draft read again from the ledger (entries posted since it was computed)."""
    authorise(actor, caps.SETTLE, settlement.path)
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if settlement.status != SettlementStatus.DRAFT:
        raise ValidationError({"settlement": "已公布的评议结果不能重新计算，请提出更正"})
    settlement.computed_at = now or timezone.now()
    settlement.ledger_seq = _head_seq(settlement.village_id)
    settlement.save(update_fields=["computed_at", "ledger_seq"])
    _set_totals(year=settlement.year, quarter=settlement.quarter, settlements=[settlement],
                village_id=settlement.village_id)
    record(actor=actor, action="points.settlement.recompute", obj=settlement,
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
        raise ValidationError({"settlement": "只能更正已公布的评议结果"})
    if Settlement.objects.filter(supersedes=settlement).exists():
        raise ValidationError({"settlement": "已有待公布的更正"})
    draft = Settlement.objects.create(
        village_id=settlement.village_id, path=settlement.path, year=settlement.year, quarter=settlement.quarter,
        revision=settlement.revision + 1, threshold=settlement.threshold, points_per_yuan=settlement.points_per_yuan,
        veto_scope=settlement.veto_scope, supersedes=settlement, note=reason[:500],
        ledger_seq=_head_seq(settlement.village_id), computed_at=now or timezone.now())
    _set_totals(year=draft.year, quarter=draft.quarter, settlements=[draft], village_id=draft.village_id)
    record(actor=actor, action="points.settlement.correct", obj=draft,
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
        raise ValidationError({"settlement": f"该评议结果{settlement.get_status_display()}，不能再公布"})
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
    record(actor=actor, action="points.settlement.publish", obj=settlement,
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
        raise ValidationError({"year": f"{year}年尚未结束"})
    existing = YearClose.objects.filter(village=village, year=year).first()
    if existing is not None:
        return existing
    if Settlement.objects.filter(village=village, year=year, status=SettlementStatus.DRAFT).exists():
        raise ValidationError({"year": f"{year}年还有未公布的评议结果，请先公布"})
    year_settled = Settlement.objects.filter(village=village, year=year, status=SettlementStatus.PUBLISHED)
    if year_settled.exists() and not year_settled.filter(quarter=4).exists():
        raise ValidationError({"year": f"请先公布{year}年第四季度评议结果并办完兑换，再办理年末结转"})
    policy = policy_for(village)
    entries = []
    if policy.year_end == YearEnd.LAPSE:
        from grassroots.points.selectors import unspent_credit

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
    record(actor=actor, action="points.year.close", obj=closed, area_path=village.path,
           data={"year": year, "year_end": policy.year_end, "households": len(entries), "points": closed.points})
    return closed


# ---------------------------------------------------------------- the village's policy and credit consent


@transaction.atomic
def update_policy(*, actor: Actor, village: Area, **changes) -> PointsPolicy:
    """The assembly's settlement and honour rules (threshold, rate, year end, veto, bands)."""
    from grassroots.rules.settlement import check_bands

    authorise(actor, caps.MANAGE_RULES, village.path)
    policy = PointsPolicy.objects.select_for_update().get(pk=policy_for(village).pk)
    allowed = {"threshold", "points_per_yuan", "year_end", "veto_scope", "star_bands", "honours", "credit_bands",
               "notice_days"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({f: "不能修改此项" for f in unknown})
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
    record(actor=actor, action="points.policy.update", obj=policy, area_path=village.path,
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
    record(actor=actor, action="points.consent.record", obj=consent, area_path=household.path,
           data={"institution": institution.pk, "expires_on": expires_on.isoformat()})
    return consent


@transaction.atomic
def revoke_consent(*, actor: Actor, consent: CreditConsent, now=None) -> CreditConsent:
    authorise(actor, caps.RECORD_CONSENT, consent.path)
    consent = CreditConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_at is None:
        consent.revoked_at = now or timezone.now()
        consent.save(update_fields=["revoked_at"])
        record(actor=actor, action="points.consent.revoke", obj=consent, area_path=consent.path, data={})
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
            record(actor=actor, action="points.credit.refused", object_type="areas.household", object_id="",
                   area_path=village.path if village is not None else "",
                   data={"year": year, "village": village.code if village is not None else "", "number": number[:40]})
        raise PermissionDenied(CREDIT_REFUSED)
    return look_up_credit(actor=actor, household=household, year=year, today=today)


def look_up_credit(*, actor: Actor, household: Household, year: int, today: date | None = None) -> dict:
    """A credit co-operative's look-up of one household's rating, allowed only under that household's
    current consent to one of the caller's institutions. Every look-up, allowed or refused, is audited."""
    from grassroots.points.selectors import annual_row

    today = today or timezone.localdate()
    institution_ids = set(actor.user.unit_memberships.values_list("unit_id", flat=True)) if actor.user else set()
    consent = (CreditConsent.objects.filter(household=household, institution_id__in=institution_ids,
                                            revoked_at__isnull=True, signed_on__lte=today, expires_on__gte=today)
               .select_related("institution").order_by("-expires_on").first())
    if consent is None:
        with transaction.atomic():
            record(actor=actor, action="points.credit.refused", object_type="areas.household",
                   object_id=str(household.pk), area_path=household.path, data={"year": year})
        raise PermissionDenied(CREDIT_REFUSED)
    row = annual_row(household, year)
    with transaction.atomic():
        record(actor=actor, action="points.credit.look_up", object_type="areas.household",
               object_id=str(household.pk), area_path=household.path,
               data={"year": year, "consent": consent.pk, "band": row["credit_band"]})
    return {**row, "consent": consent}
