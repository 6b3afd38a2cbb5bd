"""Every write to demands. Keyword-only arguments, one transaction, one audit record each.

The lifecycle (seed 001's 收集 → 协商 → 解决 → 反馈):

    received ──► consulting ──► in_progress ──► resolved ──► feedback ──► closed
        └────────────────────────►┘                 ▲            │ rating 1–2
                                                    └─ reopened ◄┘ (back to in_progress, a new clock)

Each step is a DemandEvent on the timeline the resident follows with the tracking code. A step the state of the
demand refuses (already resolved, already claimed, a claim already ended) raises ``core.refusals.Refusal``: the
pages show it like any ValidationError, the API answers it 409.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from grassroots.access.scope import authorise, refuse_without
from grassroots.areas.models import Area, Level, Person
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.idempotency import run_once
from grassroots.core.photos import MAX_PHOTOS, CheckedPhoto
from grassroots.core.refusals import Refusal
from grassroots.demands import permissions
from grassroots.demands.capabilities import CONFIGURE, DISPATCH, RECORD
from grassroots.demands.models import (
    Category,
    Demand,
    DemandEvent,
    DemandPhoto,
    Feedback,
    Notification,
    Responsibility,
    RouteChange,
    Unit,
    UnitMember,
    WishClaim,
)
from grassroots.demands.selectors import claimant_label, deadlines_for, find_route
from grassroots.rules import sla, tracking
from grassroots.rules.mobile import MobileError, normalise_mobile
from grassroots.rules.paths import path_prefixes

MAX_TEXT = 2000
# Open311 GeoReport v2: the description is optional, "free form text limited to 4,000 characters".
OPEN311_MAX_TEXT = 4000
MAX_NOTE = 1000
FEEDBACK_WINDOW_DAYS = 7  # a resolved demand nobody rates closes after this many days
OPEN = Demand.OPEN_STATUSES
Status = Demand.Status
EventKind = DemandEvent.Kind

# Audit actions. The pattern is ``app.noun.verb``; these values are stored and read by value (the audit
# search, the numbers, the tests), so the older ones that do not follow it keep their value: UNIT_MEMBER
# (noun.noun), DEMAND_CREATE, DEMAND_ROUTE, DEMAND_RATE, WISH_CLAIM, DEMAND_ESCALATE, DEMAND_CLOSE_UNRATED and
# DEMAND_HANDLE (``demands.<verb>``).
UNIT_CREATE = "demands.unit.create"
UNIT_MEMBER = "demands.unit.member"
CATEGORY_CREATE = "demands.category.create"
RESPONSIBILITY_SET = "demands.responsibility.set"
DEMAND_CREATE = "demands.create"
DEMAND_ROUTE = "demands.route"
DEMAND_RATE = "demands.rate"
WISH_CLAIM = "demands.claim"
CLAIM_RELEASE = "demands.claim.release"
CLAIM_FULFIL = "demands.claim.fulfil"
CLAIM_REMIND = "demands.claim.remind"
CLAIM_LAPSE = "demands.claim.lapse"
DEMAND_ESCALATE = "demands.escalate"
DEMAND_CLOSE_UNRATED = "demands.close_unrated"
DEMAND_HANDLE = "demands.{action}"  # demands.accept, demands.consult, demands.note, demands.resolve


# ---------------------------------------------------------------------------------------------------------
# Configuration: units, categories, the responsibility list, unit staff
# ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def create_unit(*, actor: Actor, code: str, name: str, area: Area, kind: str = Unit.Kind.DEPARTMENT) -> Unit:
    authorise(actor, CONFIGURE, area.path)
    unit = Unit.objects.create(code=code, name=name, area=area, path=area.path, kind=kind)
    record(actor=actor, action=UNIT_CREATE, obj=unit, data={"code": code, "name": name})
    return unit


@transaction.atomic
def add_unit_member(*, actor: Actor, unit: Unit, user, role: str = UnitMember.Role.HANDLER) -> UnitMember:
    authorise(actor, CONFIGURE, unit.path)
    member, _ = UnitMember.objects.get_or_create(unit=unit, user=user, defaults={"role": role})
    record(actor=actor, action=UNIT_MEMBER, obj=unit, data={"user": user.get_username(), "role": role})
    return member


@transaction.atomic
def create_category(*, actor: Actor, code: str, name: str, parent: Category | None = None,
                    respond_working_days: int | None = None, resolve_working_days: int | None = None,
                    sort_order: int = 0) -> Category:
    if not actor.is_system:
        refuse_without(actor.user, CONFIGURE)  # the category tree is the banner's, not one area's
    category = Category.objects.create(code=code, name=name, parent=parent, sort_order=sort_order,
                                       respond_working_days=respond_working_days,
                                       resolve_working_days=resolve_working_days)
    record(actor=actor, action=CATEGORY_CREATE, obj=category, data={"code": code, "name": name})
    return category


@transaction.atomic
def set_responsibility(*, actor: Actor, category: Category, area: Area, lead_unit: Unit,
                       supporting_units: Iterable[Unit] = (), item_number: str = "", duty: str = "") -> Responsibility:
    """Add or replace one line of the responsibility list."""
    authorise(actor, CONFIGURE, area.path)
    supporting = [u for u in supporting_units if u.pk != lead_unit.pk]
    line, _ = Responsibility.objects.update_or_create(
        category=category, area=area,
        defaults={"path": area.path, "lead_unit": lead_unit, "item_number": item_number, "duty": duty},
    )
    line.supporting_units.set(supporting)
    record(actor=actor, action=RESPONSIBILITY_SET, obj=line, area_path=area.path,
           data={"category": category.code, "lead": lead_unit.code, "supporting": [u.code for u in supporting]})
    return line


# ---------------------------------------------------------------------------------------------------------
# Routing and clocks
# ---------------------------------------------------------------------------------------------------------

def _start_clock(demand: Demand, received: datetime) -> None:
    clock = sla.clock(received, deadlines_for(demand.category))
    demand.respond_due, demand.resolve_due = clock.respond_due, clock.resolve_due
    demand.due_at = demand.resolve_due if demand.responded_at else demand.respond_due


def _upper_areas(area: Area) -> tuple[Area | None, Area | None]:
    codes = [p.rstrip("/").rsplit("/", 1)[-1] for p in path_prefixes(area.path)]
    found = {a.level: a for a in Area.objects.filter(code__in=codes, level__in=[Level.TOWNSHIP, Level.COUNTY])}
    return found.get(Level.TOWNSHIP), found.get(Level.COUNTY)


def _new_tracking_code() -> str:
    for _ in range(8):
        code = tracking.generate()
        if not Demand.objects.filter(tracking_code=code).exists():
            return code
    raise RuntimeError("could not draw a free tracking code")  # 32⁹ codes: practically unreachable


def _event(demand: Demand, kind: str, *, actor: Actor, at: datetime, note: str = "", public: bool = True,
           unit: Unit | None = None) -> DemandEvent:
    return DemandEvent.objects.create(demand=demand, kind=kind, status_after=demand.status, note=note, public=public,
                                      unit=unit, actor=actor.user, actor_name=actor.name[:150], at=at)


def _notify(demand: Demand, kind: str, message: str, *, at: datetime, user=None, unit: Unit | None = None,
            area: Area | None = None) -> Notification:
    return Notification.objects.create(demand=demand, kind=kind, message=message[:300], user=user, unit=unit,
                                       area=area, created_at=at)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _lock(demand: Demand) -> Demand:
    """Re-read the demand under a row lock: two clicks at once see each other's result."""
    return Demand.objects.select_for_update(of=("self",)).select_related("category", "lead_unit").get(pk=demand.pk)


# ---------------------------------------------------------------------------------------------------------
# Intake
# ---------------------------------------------------------------------------------------------------------

def clean_text(text: str, *, label: str = "诉求内容", max_length: int = MAX_TEXT, required: bool = True) -> str:
    text = (text or "").strip()
    if not text and required:
        raise ValidationError(f"请填写{label}")
    if len(text) > max_length:
        raise ValidationError(f"{label}不能超过{max_length}字（现有{len(text)}字）")
    return text


def clean_contact_phone(raw: str) -> str:
    try:
        return normalise_mobile(raw)
    except MobileError as exc:
        raise ValidationError(f"联系电话：{exc}") from None


def create_demand(*, actor: Actor, kind: str, text: str, area: Area, channel: str, category: Category | None = None,
                  urgent: bool = False, address: str = "", latitude: Decimal | None = None,
                  longitude: Decimal | None = None, person: Person | None = None, contact_name: str = "",
                  contact_phone: str = "", photos: Sequence[CheckedPhoto] = (), idempotency_key: str = "",
                  now: datetime | None = None, caller_checked: bool = False) -> Demand:
    """File a demand from any channel and route it by the responsibility list.

    Staff file what they met in their own areas (``RECORD``); ``caller_checked`` says the calling service has
    already decided, by its own rule, that the actor may file it (pairing: the problems a cadre collected on a visit
    to a pair of theirs, whatever roles they hold). The actor is recorded as it is, in the timeline and the audit.

    The same ``idempotency_key`` twice (a phone retrying on a weak signal, a double tap) files it once, through
    core.idempotency.run_once: a signed-in user's keys are theirs; the public page's (and an Open311 client's,
    namespaced by the client) are held by the owner ``public``. (``Demand.intake_key``, the old per-demand key,
    is no longer written.)
    """
    key = (idempotency_key or "").strip()[:60]
    fields = dict(kind=kind, text=text, area=area, channel=channel, category=category, urgent=urgent,
                  address=address, latitude=latitude, longitude=longitude, person=person, contact_name=contact_name,
                  contact_phone=contact_phone, photos=photos, now=now, caller_checked=caller_checked)
    if not key:
        return _create_demand(actor=actor, intake_key=None, **fields)
    result, _ = run_once(user=actor.user, owner="" if actor.user is not None else "public", key=key,
                         action="demands.create",
                         work=lambda: {"id": _create_demand(actor=actor, intake_key=None, **fields).pk})
    return Demand.objects.get(pk=result["id"])


@transaction.atomic
def _create_demand(*, actor: Actor, kind: str, text: str, area: Area, channel: str, category: Category | None,
                   urgent: bool, address: str, latitude, longitude, person: Person | None, contact_name: str,
                   contact_phone: str, photos: Sequence[CheckedPhoto], intake_key: str | None,
                   now: datetime | None, caller_checked: bool = False) -> Demand:
    if not caller_checked and channel not in (Demand.Channel.PUBLIC, Demand.Channel.OPEN311) and actor.user is not None:
        authorise(actor, RECORD, area.path)  # staff record what they met in their own areas
    now = _now(now)
    text = (clean_text(text, max_length=OPEN311_MAX_TEXT, required=False) if channel == Demand.Channel.OPEN311
            else clean_text(text))
    if kind not in Demand.Kind.values:
        raise ValidationError("类型不正确")
    if channel not in Demand.Channel.values:
        raise ValidationError("来源渠道不正确")
    if category is not None and not category.is_active:
        raise ValidationError("分类不存在或已停用")
    if area.level not in (Level.VILLAGE, Level.GRID):
        raise ValidationError("所在区域须为嘎查村（社区）或网格")
    if person is not None and not person.path.startswith(area.path) and not area.path.startswith(person.path):
        raise ValidationError("群众不在所选区域")
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(f"照片最多上传{MAX_PHOTOS}张")
    township, county = _upper_areas(area)
    demand = Demand(
        kind=kind, category=category, urgent=urgent, priority=0 if urgent else 1, text=text, area=area,
        path=area.path, township=township, county=county, address=(address or "").strip()[:200],
        latitude=latitude, longitude=longitude, person=person, contact_name=(contact_name or "").strip()[:50],
        contact_phone=clean_contact_phone(contact_phone), channel=channel, tracking_code=_new_tracking_code(),
        status=Status.RECEIVED, recorded_by=actor.user, intake_key=intake_key, created_at=now,
    )
    route = None
    if kind != Demand.Kind.WISH:
        # A micro-wish waits on the board for a claim; everything else is on the clock from receipt.
        _start_clock(demand, now)
        route = find_route(category=category, area=area)
        if route is not None:
            demand.lead_unit, demand.responsibility = route.lead_unit, route
    demand.save()
    for photo in photos:
        DemandPhoto.objects.create(demand=demand, image=ContentFile(photo.content, name=f"photo.{photo.extension}"),
                                   extension=photo.extension, content_type=photo.content_type, width=photo.width,
                                   height=photo.height, size=photo.size, sha256=photo.sha256)
    _event(demand, EventKind.RECEIVED, actor=actor, at=now, note=f"{demand.get_channel_display()}")
    if route is not None:
        supporting = list(route.supporting_units.all())
        demand.supporting_units.set(supporting)
        note = f"主办：{route.lead_unit.name}" + (f"；协办：{'、'.join(u.name for u in supporting)}" if supporting else "")
        _event(demand, EventKind.ROUTED, actor=actor, at=now, note=note, unit=route.lead_unit)
        _notify(demand, Notification.Kind.DISPATCHED, f"新派单：{demand.summary}", at=now, unit=route.lead_unit)
    record(actor=actor, action=DEMAND_CREATE, obj=demand,
           data={"tracking_code": demand.tracking_code, "kind": kind, "channel": channel,
                 "category": category.code if category else None, "urgent": urgent,
                 "lead_unit": route.lead_unit.code if route else None, "photos": len(photos)})
    return demand


# ---------------------------------------------------------------------------------------------------------
# Dispatch: route, reroute (改派) with a reason
# ---------------------------------------------------------------------------------------------------------

def reason_required(demand: Demand, lead_unit: Unit | None) -> bool:
    """改派理由 is asked for a change of lead unit only: not for the first dispatch of a demand (or the push
    of a wish) and not when the lead unit stays the same."""
    return demand.lead_unit_id is not None and (lead_unit is None or lead_unit.pk != demand.lead_unit_id)


@transaction.atomic  # joins the API's idempotency transaction (docs/conventions.md "Writes")
def change_route(*, actor: Actor, demand: Demand, lead_unit: Unit, supporting_units: Iterable[Unit] = (),
                 category: Category | None = None, reason: str, now: datetime | None = None) -> RouteChange:
    """Send a demand to another lead unit (改派, a reason required), or dispatch an unrouted one / push a
    wish to a unit (派单: nothing to explain, a note optional). Same lead unit again (other supporting
    units or category): a reason optional too."""
    permissions.authorise(actor, DISPATCH, demand)
    now = _now(now)
    demand = _lock(demand)
    if reason_required(demand, lead_unit):
        reason = clean_text(reason, label="改派理由", max_length=300)
    else:
        reason = (reason or "").strip()
        if len(reason) > 300:
            raise ValidationError(f"派单说明不能超过300字（现有{len(reason)}字）")
    if not demand.is_open:
        raise Refusal("状态：只有未办结的需求可以派单或改派")
    if not lead_unit.is_active:
        raise ValidationError("主办单位已停用")
    if demand.kind == Demand.Kind.WISH and demand.claims.filter(status=WishClaim.Status.HELD).exists():
        raise Refusal("该心愿已被认领，认领期内不能派单")
    supporting = [u for u in supporting_units if u.pk != lead_unit.pk]
    before_supporting = sorted(demand.supporting_units.values_list("pk", flat=True))
    change = RouteChange.objects.create(
        demand=demand, from_unit=demand.lead_unit, to_unit=lead_unit, from_category=demand.category,
        to_category=category or demand.category, from_supporting=before_supporting,
        to_supporting=sorted(u.pk for u in supporting), reason=reason, changed_by=actor.user, changed_at=now,
    )
    first_dispatch = demand.lead_unit_id is None
    category_changed = category is not None and category.pk != demand.category_id
    if category is not None:
        demand.category = category
    demand.lead_unit = lead_unit
    demand.responsibility = None
    if demand.due_at is None or category_changed:
        # A wish pushed to a unit starts its clock now; a new category brings its own deadlines.
        _start_clock(demand, demand.created_at if demand.due_at is not None else now)
    demand.save()
    demand.supporting_units.set(supporting)
    note = f"主办：{lead_unit.name}" + (f"；协办：{'、'.join(u.name for u in supporting)}" if supporting else "")
    kind = EventKind.ROUTED if first_dispatch else EventKind.REROUTED
    _event(demand, kind, actor=actor, at=now, note=note, unit=lead_unit)
    if reason:
        _event(demand, EventKind.NOTE, actor=actor, at=now, note=f"派单说明：{reason}", public=False, unit=lead_unit)
    _notify(demand, Notification.Kind.DISPATCHED, f"新派单：{demand.summary}", at=now, unit=lead_unit)
    record(actor=actor, action=DEMAND_ROUTE, obj=demand,
           data={"from": change.from_unit.code if change.from_unit else None, "to": lead_unit.code,
                 "supporting": [u.code for u in supporting], "category": demand.category.code if demand.category else None,
                 "reason": reason})
    return change


# ---------------------------------------------------------------------------------------------------------
# Handling by the lead unit
# ---------------------------------------------------------------------------------------------------------

class Action:
    ACCEPT = "accept"
    CONSULT = "consult"
    NOTE = "note"
    RESOLVE = "resolve"
    ALL = (ACCEPT, CONSULT, NOTE, RESOLVE)


@transaction.atomic
def handle(*, actor: Actor, demand: Demand, action: str, note: str = "", now: datetime | None = None) -> Demand:
    """The lead unit moves a demand on: accept (办理中), consult (协商中), note (进展), resolve (办结)."""
    permissions.authorise_handler(actor, demand, supporting_ok=action == Action.NOTE)
    now = _now(now)
    demand = _lock(demand)
    if action not in Action.ALL:
        raise ValidationError("操作不正确")
    if not demand.is_open:
        raise Refusal("状态：该需求已办结，不能再操作")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError(f"说明不能超过{MAX_NOTE}字")
    unit = demand.lead_unit
    if action in (Action.ACCEPT, Action.CONSULT):
        target = Status.IN_PROGRESS if action == Action.ACCEPT else Status.CONSULTING
        if demand.status == target:
            raise Refusal(f"状态：已是“{Status(target).label}”")
        demand.status = target
        if demand.responded_at is None:
            demand.responded_at = now
        demand.due_at = demand.resolve_due
        demand.save()
        kind = EventKind.ACCEPTED if action == Action.ACCEPT else EventKind.CONSULTING
        _event(demand, kind, actor=actor, at=now, note=note, unit=unit)
    elif action == Action.NOTE:
        if not note:
            raise ValidationError("请填写办理进展")
        _event(demand, EventKind.NOTE, actor=actor, at=now, note=note, unit=unit)
    else:
        resolution = clean_text(note, label="办理结果", max_length=MAX_NOTE)
        demand.status = Status.RESOLVED
        demand.resolution = resolution
        demand.resolved_at = now
        demand.responded_at = demand.responded_at or now
        demand.save()
        _event(demand, EventKind.RESOLVED, actor=actor, at=now, note=resolution, unit=unit)
    record(actor=actor, action=DEMAND_HANDLE.format(action=action), obj=demand, data={"status": demand.status, "note": note[:200]})
    return demand


# ---------------------------------------------------------------------------------------------------------
# Feedback: 满意度 1–5; 1 or 2 reopens
# ---------------------------------------------------------------------------------------------------------

DISSATISFIED = (1, 2)


@transaction.atomic
def rate(*, actor: Actor, demand: Demand, rating: int, comment: str = "", source: str = Feedback.Source.RESIDENT,
         now: datetime | None = None) -> Feedback:
    """The resident's rating (from the public tracking page) or a grid worker's record of a callback (回访:
    ``demands.record`` on the demand's area)."""
    if source == Feedback.Source.CALLBACK:
        permissions.authorise(actor, RECORD, demand)
    now = _now(now)
    demand = _lock(demand)
    if demand.status != Status.RESOLVED:
        raise Refusal("状态：只有已办结待评价的需求可以评价")
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if rating not in range(1, 6):
        raise ValidationError("满意度须为1到5分")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationError("评价不能超过500字")
    feedback = Feedback.objects.create(demand=demand, rating=rating, comment=comment, source=source,
                                       recorded_by=actor.user, created_at=now)
    demand.rating = rating
    demand.status = Status.FEEDBACK
    demand.save()
    _event(demand, EventKind.FEEDBACK, actor=actor, at=now, note=f"满意度 {rating} 分" + (f"：{comment}" if comment else ""))
    if rating in DISSATISFIED:
        demand.reopen_count += 1
        demand.resolved_at = None
        demand.escalation_level = Demand.Escalation.NONE
        demand.escalated_at = None
        if demand.kind == Demand.Kind.WISH and demand.lead_unit_id is None:
            demand.status = Status.RECEIVED  # back on the board for a new claim
        else:
            demand.status = Status.IN_PROGRESS
            demand.responded_at = demand.responded_at or now
            _start_clock(demand, now)  # a new resolve clock from the reopening
        demand.save()
        _event(demand, EventKind.REOPENED, actor=actor, at=now, unit=demand.lead_unit)
        if demand.lead_unit_id:
            _notify(demand, Notification.Kind.REOPENED, f"群众不满意，需重新办理：{demand.summary}", at=now,
                    unit=demand.lead_unit)
    else:
        demand.status = Status.CLOSED
        demand.closed_at = now
        demand.save()
        _event(demand, EventKind.CLOSED, actor=actor, at=now)
    record(actor=actor, action=DEMAND_RATE, obj=demand, data={"rating": rating, "source": source,
                                                                 "reopened": rating in DISSATISFIED})
    return feedback


# ---------------------------------------------------------------------------------------------------------
# Micro-wishes: claim, release, fulfil, lapse
# ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def claim_wish(*, actor: Actor, demand: Demand, unit: Unit | None = None, hold_days: int = sla.CLAIM_HOLD_DAYS,
               now: datetime | None = None) -> WishClaim:
    permissions.authorise_claim(actor, demand, unit=unit)
    now = _now(now)
    demand = _lock(demand)
    if demand.kind != Demand.Kind.WISH:
        raise Refusal("只有微心愿可以认领")
    if demand.status != Status.RECEIVED or demand.lead_unit_id is not None:
        raise Refusal("该心愿已被认领或已派单")
    if demand.claims.filter(status=WishClaim.Status.HELD).exists():
        raise Refusal("该心愿已被认领")
    user = actor.user
    name = unit.name if unit else (getattr(user, "display_name", "") or user.get_username())
    claim = WishClaim.objects.create(demand=demand, user=user, unit=unit, claimant_name=name[:100],
                                     status=WishClaim.Status.HELD, claimed_at=now,
                                     expires_at=sla.claim_expiry(now, hold_days))
    demand.status = Status.IN_PROGRESS
    demand.responded_at = demand.responded_at or now
    demand.save()
    _event(demand, EventKind.CLAIMED, actor=actor, at=now, unit=unit,
           note=f"认领人：{claimant_label(claim)}，请于{timezone.localtime(claim.expires_at):%m月%d日 %H:%M}前完成")
    record(actor=actor, action=WISH_CLAIM, obj=demand,
           data={"claim": claim.pk, "unit": unit.code if unit else None, "expires_at": claim.expires_at.isoformat()})
    return claim


def _end_claim(claim: WishClaim, status: str, *, at: datetime) -> Demand:
    claim.status = status
    claim.ended_at = at
    claim.save()
    demand = claim.demand
    if status != WishClaim.Status.FULFILLED:
        demand.status = Status.RECEIVED  # back on the board
        demand.save()
    return demand


def _locked_claim(claim: WishClaim) -> WishClaim:
    _lock(claim.demand)
    return WishClaim.objects.select_for_update(of=("self",)).select_related("demand", "unit").get(pk=claim.pk)


@transaction.atomic
def release_claim(*, actor: Actor, claim: WishClaim, now: datetime | None = None) -> WishClaim:
    permissions.authorise_claimant(actor, claim)
    now = _now(now)
    claim = _locked_claim(claim)
    if claim.status != WishClaim.Status.HELD:
        raise Refusal("该认领已结束")
    demand = _end_claim(claim, WishClaim.Status.RELEASED, at=now)
    _event(demand, EventKind.CLAIM_RELEASED, actor=actor, at=now, note="心愿重新开放认领")
    record(actor=actor, action=CLAIM_RELEASE, obj=demand, data={"claim": claim.pk})
    return claim


@transaction.atomic
def fulfil_claim(*, actor: Actor, claim: WishClaim, note: str, now: datetime | None = None) -> WishClaim:
    permissions.authorise_claimant(actor, claim)
    now = _now(now)
    note = clean_text(note, label="实现情况", max_length=MAX_NOTE)
    claim = _locked_claim(claim)
    if claim.status != WishClaim.Status.HELD:
        raise Refusal("该认领已结束或已过期")
    demand = _end_claim(claim, WishClaim.Status.FULFILLED, at=now)
    demand.status = Status.RESOLVED
    demand.resolution = note
    demand.resolved_at = now
    demand.save()
    _event(demand, EventKind.FULFILLED, actor=actor, at=now, note=note, unit=claim.unit)
    record(actor=actor, action=CLAIM_FULFIL, obj=demand, data={"claim": claim.pk})
    return claim


# ---------------------------------------------------------------------------------------------------------
# The scheduled tick: lapse claims, remind, escalate, close unrated
# ---------------------------------------------------------------------------------------------------------

TICK_BATCH = 500


def remind_claims(*, actor: Actor, now: datetime | None = None) -> int:
    """A reminder to each claimant whose claim lapses within a day (once per claim)."""
    now = _now(now)
    due = WishClaim.objects.filter(status=WishClaim.Status.HELD, reminded_at__isnull=True,
                                   expires_at__lte=now + sla.CLAIM_REMIND_BEFORE, expires_at__gt=now)
    count = 0
    for pk in list(due.values_list("pk", flat=True)[:TICK_BATCH]):
        with transaction.atomic():
            claim = WishClaim.objects.select_for_update(of=("self",)).select_related("demand").get(pk=pk)
            if claim.status != WishClaim.Status.HELD or claim.reminded_at is not None:
                continue
            claim.reminded_at = now
            claim.save()
            when = timezone.localtime(claim.expires_at)
            _notify(claim.demand, Notification.Kind.CLAIM_REMINDER,
                    f"您认领的微心愿将于{when:%m月%d日 %H:%M}到期：{claim.demand.summary}", at=now, user=claim.user,
                    unit=claim.unit)
            _event(claim.demand, EventKind.CLAIM_REMINDER, actor=actor, at=now, public=False,
                   note=f"已提醒{claim.claimant_name}")
            record(actor=actor, action=CLAIM_REMIND, obj=claim.demand, data={"claim": claim.pk})
            count += 1
    return count


def lapse_claims(*, actor: Actor, now: datetime | None = None) -> int:
    """Claims past their hold end; the wish goes back on the board."""
    now = _now(now)
    count = 0
    for pk in list(WishClaim.objects.filter(status=WishClaim.Status.HELD, expires_at__lte=now)
                   .values_list("pk", flat=True)[:TICK_BATCH]):
        with transaction.atomic():
            claim = _locked_claim(WishClaim.objects.select_related("demand").get(pk=pk))
            if claim.status != WishClaim.Status.HELD or claim.expires_at > now:
                continue
            demand = _end_claim(claim, WishClaim.Status.LAPSED, at=now)
            _event(demand, EventKind.CLAIM_LAPSED, actor=actor, at=now, note="认领已过期，心愿重新开放认领")
            _notify(demand, Notification.Kind.CLAIM_LAPSED, f"您认领的微心愿已过期：{demand.summary}", at=now,
                    user=claim.user, unit=claim.unit)
            record(actor=actor, action=CLAIM_LAPSE, obj=demand, data={"claim": claim.pk})
            count += 1
    return count


def escalate_overdue(*, actor: Actor, now: datetime | None = None) -> int:
    """Raise the escalation level of open demands whose clock has run out (township, then county)."""
    now = _now(now)
    count = 0
    last_id = 0
    while True:
        batch = list(Demand.objects.filter(status__in=OPEN, due_at__lt=now, escalation_level__lt=2, pk__gt=last_id)
                     .order_by("pk").values_list("pk", "due_at", "escalation_level")[:TICK_BATCH])
        if not batch:
            return count
        last_id = batch[-1][0]
        for pk, due_at, level in batch:
            if sla.escalation_level(due_at, now) > level:
                count += _escalate_one(actor=actor, pk=pk, now=now)


@transaction.atomic
def _escalate_one(*, actor: Actor, pk: int, now: datetime) -> int:
    demand = Demand.objects.select_for_update(of=("self",)).select_related("township", "county").get(pk=pk)
    if demand.status not in OPEN:
        return 0
    level = int(sla.escalation_level(demand.due_at, now))
    if level <= demand.escalation_level:
        return 0
    demand.escalation_level = level
    demand.escalated_at = now
    demand.save(update_fields=["escalation_level", "escalated_at", "updated_at"])
    overseer = demand.township if level == Demand.Escalation.TOWNSHIP else demand.county
    which = "响应" if demand.responded_at is None else "办结"
    label = f"{overseer.name}督办" if overseer else Demand.Escalation(level).label
    _event(demand, EventKind.ESCALATED, actor=actor, at=now, note=f"超过{which}时限，{label}")
    _notify(demand, Notification.Kind.ESCALATED, f"超期{which}，{label}：{demand.summary}", at=now, area=overseer,
            unit=demand.lead_unit)
    record(actor=actor, action=DEMAND_ESCALATE, obj=demand, data={"level": level, "due_at": demand.due_at.isoformat()})
    return 1


def close_unrated(*, actor: Actor, now: datetime | None = None) -> int:
    """A resolved demand nobody rated within FEEDBACK_WINDOW_DAYS closes without a rating."""
    now = _now(now)
    cutoff = now - timedelta(days=FEEDBACK_WINDOW_DAYS)
    count = 0
    for pk in list(Demand.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff)
                   .values_list("pk", flat=True)[:TICK_BATCH]):
        with transaction.atomic():
            demand = Demand.objects.select_for_update().get(pk=pk)
            if demand.status != Status.RESOLVED:
                continue
            demand.status = Status.CLOSED
            demand.closed_at = now
            demand.save()
            _event(demand, EventKind.CLOSED, actor=actor, at=now, note=f"{FEEDBACK_WINDOW_DAYS}日内未评价，自动关闭")
            record(actor=actor, action=DEMAND_CLOSE_UNRATED, obj=demand)
            count += 1
    return count


def tick(*, actor: Actor, now: datetime | None = None) -> dict[str, int]:
    now = _now(now)
    return {
        "reminded": remind_claims(actor=actor, now=now),
        "lapsed": lapse_claims(actor=actor, now=now),
        "escalated": escalate_overdue(actor=actor, now=now),
        "closed": close_unrated(actor=actor, now=now),
    }
