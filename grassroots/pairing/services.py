"""Writes of pairing: pairs (set up, ended, handed out in bulk, imported), visits with what they found (each
problem filed as a routed demand), and the cloud branch's relays. Each public function: keyword-only, one
transaction, audited. Nothing is deleted: ending a pair writes its end date, so every register can be asked for
any past day.

Who may: ``MANAGE`` on the target's area sets pairs up and ends them; a visit is logged by the pair's own visitor
(the cadre, a member of the unit) or by ``RECORD`` on the target's area (a secretary on behalf of an elderly
member without a phone).
"""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from grassroots.access.scope import actor_scope, reaches_organisation, refuse, scope_of
from grassroots.areas.models import Area, Household, Level, Person
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.idempotency import run_once
from grassroots.core.photos import MAX_PHOTOS, CheckedPhoto, check_photos, stored_photo
from grassroots.core.refusals import Refusal
from grassroots.core.table_import import Rejected, read_upload
from grassroots.demands import services as demand_services
from grassroots.demands.models import Demand, Unit
from grassroots.meetings.models import Meeting
from grassroots.members.models import Member, Membership
from grassroots.neworgs.models import NewOrganisation
from grassroots.pairing import capabilities as caps
from grassroots.pairing import selectors
from grassroots.pairing import selectors as cloud_selectors
from grassroots.pairing.models import Help, Pair, Problem, Relay, VillageOption, Visit, VisitPhoto
from grassroots.party import capabilities as party_caps
from grassroots.party.models import Organisation
from grassroots.rules import pairing as rules
from grassroots.rules.tables import Column, RowError, a_date, choice, text

PAIR_CREATE = "pairing.pair.create"


def authorise_pairing(actor: Actor, capability: str, path: str) -> None:
    """403 to a caller who may look at ``path``'s pairs, 404 to anyone else; system actors pass."""
    if actor.is_system:
        return
    scope = scope_of(actor.user)
    if not scope.can(capability, path):
        refuse(seen=scope.can(caps.VIEW, path))


# ------------------------------------------------------------------------------------------------ the sides


def side_key(side) -> str:
    """"u12" for an account, "m5" for a member, "n3" for a unit; "h9" household, "a4" area, "e2" enterprise."""
    prefix = {Household: "h", Area: "a", Member: "m", NewOrganisation: "e", Unit: "n"}.get(type(side))
    if prefix is None and isinstance(side, get_user_model()):
        prefix = "u"
    if prefix is None:
        raise TypeError(f"not a side of a pair: {side!r}")
    return f"{prefix}{side.pk}"


def _visitor_fields(kind: rules.Kind, visitor) -> dict:
    expected = {rules.USER: get_user_model(), rules.MEMBER: Member, rules.UNIT: Unit}[kind.visitor]
    if not isinstance(visitor, expected):
        raise ValidationError({"visitor": f"“{kind.label}”的结对一方须为{kind.visitor_label}"})
    if kind.visitor == rules.USER:
        if not visitor.is_active:
            raise ValidationError({"visitor": f"{visitor}的账号已停用"})
        return {"visitor_user": visitor}
    if kind.visitor == rules.MEMBER:
        return {"visitor_member": visitor}
    if not visitor.is_active:
        raise ValidationError({"visitor": f"{visitor.name}已停用"})
    return {"visitor_unit": visitor}


def member_path(member: Member, day: date) -> str:
    """The area path of the organisation ``member`` belongs to on ``day``: where their pairs are scoped."""
    membership = (Membership.objects.filter(member=member, started_on__lte=day)
                  .exclude(ended_on__lte=day).select_related("organisation").first())
    if membership is None:
        raise ValidationError({"target": f"{member.name}在{day}不在党员名册中"})
    return membership.organisation.area_path


def _target_fields(kind: rules.Kind, target, day: date) -> tuple[dict, str]:
    expected = {rules.HOUSEHOLD: Household, rules.AREA: Area, rules.MEMBER: Member,
                rules.ENTERPRISE: NewOrganisation}[kind.target]
    if not isinstance(target, expected):
        raise ValidationError({"target": f"“{kind.label}”的结对对象须为{kind.target_label}"})
    if kind.target == rules.HOUSEHOLD:
        if not target.is_active:
            raise ValidationError({"target": f"户{target.number}已不在册"})
        return {"household": target}, target.path
    if kind.target == rules.AREA:
        if target.level not in (Level.VILLAGE, Level.GRID):
            raise ValidationError({"target": f"{target.name}不是嘎查村社区或网格（小区）"})
        return {"area": target}, target.path
    if kind.target == rules.MEMBER:
        return {"member": target}, member_path(target, day)
    if target.closed_on is not None and target.closed_on <= day:
        raise ValidationError({"target": f"“{target.name}”已于{target.closed_on}注销"})
    return {"enterprise": target}, target.path


def _pair(*, kind: str, visitor, target, started_on: date, ended_on: date | None, purpose: str,
          organisation: Organisation | None, set_up_by) -> Pair:
    """Validate and build one pair (unsaved); the scoping check is the caller's."""
    rule = rules.KINDS.get(kind)
    if rule is None:
        raise ValidationError({"kind": "结对类型不正确"})
    if ended_on is not None and ended_on <= started_on:
        raise ValidationError({"ended_on": "结束日期须晚于开始日期"})
    fields = _visitor_fields(rule, visitor)
    target_fields, path = _target_fields(rule, target, started_on)
    if fields.get("visitor_member") is not None and fields["visitor_member"] == target_fields.get("member"):
        raise ValidationError({"target": f"{target.name}不能与本人结对"})
    return Pair(kind=kind, **fields, **target_fields, visitor_key=side_key(visitor), target_key=side_key(target),
                path=path, started_on=started_on, ended_on=ended_on, purpose=(purpose or "").strip()[:200],
                organisation=organisation, set_up_by=set_up_by)


@transaction.atomic
def create_pair(*, actor: Actor, kind: str, visitor, target, started_on: date, purpose: str = "",
                organisation: Organisation | None = None, ended_on: date | None = None) -> Pair:
    """Set up one pair of ``kind`` between ``visitor`` and ``target`` from ``started_on``. The same two sides of the
    same kind cannot be paired twice while the first pair is open."""
    pair = _pair(kind=kind, visitor=visitor, target=target, started_on=started_on, ended_on=ended_on,
                 purpose=purpose, organisation=organisation, set_up_by=actor.user)
    authorise_pairing(actor, caps.MANAGE, pair.path)
    try:
        with transaction.atomic():
            pair.save()
    except IntegrityError:
        raise Refusal({"target": f"{pair.visitor}与{pair.target}已有进行中的“{pair.rule.label}”结对"}) from None
    record(actor=actor, action=PAIR_CREATE, obj=pair, area_path=pair.path,
           data={"kind": kind, "visitor": pair.visitor_key, "target": pair.target_key,
                 "started_on": started_on.isoformat()})
    return pair


# ---------------------------------------------------------------------- pairs: end, bulk assignment, import

PAIR_END = "pairing.pair.end"
PAIR_ASSIGN = "pairing.pair.assign"
PAIR_IMPORT = "pairing.pair.import"
OPTION_SET = "pairing.option.set"
# A pair may be ended ahead of time (at the end of this month, say), but not further ahead than this.
END_AHEAD_DAYS = 31


@transaction.atomic
def end_pair(*, actor: Actor, pair: Pair, ended_on: date, reason: str, today: date | None = None) -> Pair:
    """End ``pair`` on ``ended_on`` (the first day it no longer holds). Nothing is deleted: the registers asked for
    an earlier day still show it. Locks the pair's row (docs/locking.md, "the row being acted on")."""
    authorise_pairing(actor, caps.MANAGE, pair.path)
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写结束原因"})
    if len(reason) > 100:
        raise ValidationError({"reason": "结束原因不能超过 100 个字"})
    pair = Pair.objects.select_for_update().get(pk=pair.pk)
    who = f"{pair.visitor_name}与{pair.target}的“{pair.rule.label}”结对"
    if pair.ended_on is not None:
        raise Refusal({"ended_on": f"{who}已于 {pair.ended_on} 结束"})
    if ended_on <= pair.started_on:
        raise ValidationError({"ended_on": f"{who}自 {pair.started_on} 起，结束日期须晚于该日"})
    if ended_on > today + timedelta(days=END_AHEAD_DAYS):
        raise ValidationError({"ended_on": f"结束日期不能晚于 {today + timedelta(days=END_AHEAD_DAYS)}"})
    last = pair.visits.filter(visited_on__gte=ended_on).order_by("-visited_on").values_list("visited_on",
                                                                                            flat=True).first()
    if last is not None:
        raise ValidationError({"ended_on": f"{who}在 {last} 还有走访记录，结束日期须晚于该日"})
    pair.ended_on, pair.end_reason = ended_on, reason
    pair.save(update_fields=["ended_on", "end_reason"])
    record(actor=actor, action=PAIR_END, obj=pair, area_path=pair.path,
           data={"ended_on": ended_on.isoformat(), "reason": reason})
    return pair


def _check_assignment(area: Area, kind: str, cadres: list, started_on: date) -> rules.Kind:
    rule = rules.KINDS.get(kind)
    if rule is None or rule.visitor != rules.USER or rule.target != rules.HOUSEHOLD:
        raise ValidationError({"kind": "批量分配只用于“干部包联户”一类的结对"})
    if area.level not in (Level.VILLAGE, Level.GRID):
        raise ValidationError({"area": f"{area.name}不是嘎查村社区或网格，请选择一个嘎查村或网格"})
    if not cadres:
        raise ValidationError({"cadres": "请选择至少一名包联干部"})
    if len({c.pk for c in cadres}) != len(cadres):
        raise ValidationError({"cadres": "包联干部重复"})
    for cadre in cadres:
        if not cadre.is_active:
            raise ValidationError({"cadres": f"{cadre.display_name or cadre.username}的账号已停用"})
    return rule


@transaction.atomic
def assign_households(*, actor: Actor, area: Area, cadres: list, per_cadre: int, started_on: date,
                      purpose: str = "", kind: str = rules.CADRE_HOUSEHOLD) -> dict:
    """Hand out the unpaired households of ``area`` (a village or grid) to ``cadres`` (rules.assign): each cadre
    gets up to ``per_cadre``, 低保 / 脱贫户 / 独居老人 / 残疾 households first. A household is unpaired when no pair
    of ``kind`` holds it on ``started_on`` or later. All pairs in one transaction, one audit entry. The area's
    households are locked in id order first (docs/locking.md), so two hand-outs at once cannot pair one household
    twice. Returns the summary the result page and the API show (JSON-ready)."""
    authorise_pairing(actor, caps.MANAGE, area.path)
    _check_assignment(area, kind, cadres, started_on)
    list(Household.objects.select_for_update().filter(path__startswith=area.path, is_active=True)
         .order_by("id").values_list("id", flat=True))
    candidates, households = selectors.assignment_candidates(area, kind=kind, day=started_on)
    try:
        plan = rules.assign([c.pk for c in cadres], candidates, per_cadre=per_cadre)
    except rules.AssignmentError as e:
        raise ValidationError({"per_cadre": str(e)}) from None
    made = []
    for cadre in cadres:
        for household_id in plan[cadre.pk]:
            made.append(_pair(kind=kind, visitor=cadre, target=households[household_id], started_on=started_on,
                              ended_on=None, purpose=purpose, organisation=None, set_up_by=actor.user))
    try:
        with transaction.atomic():
            Pair.objects.bulk_create(made)
    except IntegrityError:
        raise Refusal({"cadres": "所选干部与其中的户已有进行中的结对，请刷新后重试"}) from None
    given = {h for ids in plan.values() for h in ids}
    left = [c for c in candidates if c.household_id not in given]
    summary = {
        "area": area.code, "area_name": area.name, "kind": kind, "started_on": started_on.isoformat(),
        "made": len(made), "left": len(left), "priority_left": sum(1 for c in left if c.priority_tags),
        "cadres": [{"id": c.pk, "name": c.display_name or c.username,
                    "households": [{"id": h, "number": households[h].number} for h in plan[c.pk]]}
                   for c in cadres],
        "left_numbers": [c.number for c in left][:200],
    }
    record(actor=actor, action=PAIR_ASSIGN, object_type="pairing.pair", area_path=area.path,
           data={"area": area.code, "kind": kind, "started_on": started_on.isoformat(), "per_cadre": per_cadre,
                 "cadres": len(cadres), "made": summary["made"], "left": summary["left"],
                 "priority_left": summary["priority_left"]})
    return summary


# The Excel import of existing pair lists. 结对一方 and 结对对象 name the sides as the kind says (docs/pairing.md):
# an account's username; a party member's name (name/mobile when two share it); a unit's code; a household as
# 嘎查村/户号 (or the 户号 alone when it is unique in the area imported into); an area's code; an enterprise's
# 统一社会信用代码 or name.
KIND_LABELS = {k.label: k.code for k in rules.KINDS.values()}
IMPORT_MAX_ROWS = 5000
PAIR_COLUMNS = [
    Column("结对类型", "kind", choice(KIND_LABELS), required=True),
    Column("结对一方", "visitor", text(100), required=True),
    Column("结对对象", "target", text(100), required=True),
    Column("开始日期", "started_on", a_date, required=True),
    Column("结束日期", "ended_on", a_date, default=None),
    Column("包联内容", "purpose", text(200)),
]
PAIR_EXAMPLE = ["干部包联户", "yucai", "赛沁塔拉嘎查/SQ-0001", "2026-01-01", "", "帮扶就业、政策宣讲"]
_COLUMN_OF = {"kind": "结对类型", "visitor": "结对一方", "target": "结对对象", "started_on": "开始日期",
              "ended_on": "结束日期", "purpose": "包联内容"}


def _errors_of(number: int, exc: ValidationError) -> list[RowError]:
    messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    return [RowError(number, _COLUMN_OF.get(field, "结对对象"), m) for field, items in messages.items() for m in items]


@transaction.atomic
def import_pairs(*, actor: Actor, upload, within: Area) -> dict:
    """Existing pair lists typed in Excel (PAIR_COLUMNS), into ``within`` and the areas under it: every row is
    checked first, each problem named by its row and column; one bad row and nothing is written
    (core/table_import.py). A row that repeats an open pair already on record is skipped, so the same file
    imported twice changes nothing."""
    authorise_pairing(actor, caps.MANAGE, within.path)
    table = read_upload(upload, PAIR_COLUMNS, max_rows=IMPORT_MAX_ROWS)
    errors = list(table.errors)
    sides = selectors.Sides(within)
    scope = actor_scope(actor)
    plan, seen = [], {}
    for row in table.rows:
        number, rule = row["_row"], rules.KINDS.get(row["kind"])
        if rule is None:
            continue  # the cell's error is already in table.errors
        visitor, problem = sides.visitor(rule, row["visitor"], day=row["started_on"] or timezone.localdate())
        if problem:
            errors.append(RowError(number, "结对一方", problem))
        target, problem = sides.target(rule, row["target"])
        if problem:
            errors.append(RowError(number, "结对对象", problem))
        if visitor is None or target is None or not row["started_on"]:
            continue
        try:
            pair = _pair(kind=rule.code, visitor=visitor, target=target, started_on=row["started_on"],
                         ended_on=row["ended_on"], purpose=row["purpose"], organisation=None, set_up_by=actor.user)
        except ValidationError as e:
            errors += _errors_of(number, e)
            continue
        if not pair.path.startswith(within.path) or not scope.can(caps.MANAGE, pair.path):
            errors.append(RowError(number, "结对对象", f"“{row['target']}”不在{within.name}"))
            continue
        key = (pair.kind, pair.visitor_key, pair.target_key)
        if key in seen:
            errors.append(RowError(number, "结对对象", f"与第{seen[key]}行重复"))
            continue
        seen[key] = number
        plan.append((number, pair))
    open_now = set(Pair.objects.filter(ended_on__isnull=True, visitor_key__in={p.visitor_key for _, p in plan})
                   .values_list("kind", "visitor_key", "target_key", "started_on"))
    keys = {(k, v, t) for k, v, t, _ in open_now}
    writes, skipped = [], 0
    for number, pair in plan:
        key = (pair.kind, pair.visitor_key, pair.target_key)
        if (*key, pair.started_on) in open_now and pair.ended_on is None:
            skipped += 1  # the very pair is on record already
        elif key in keys and pair.ended_on is None:
            errors.append(RowError(number, "结对对象", f"{pair.visitor_name}与{pair.target}已有进行中的"
                                                      f"“{pair.rule.label}”结对"))
        else:
            writes.append(pair)
    if errors:
        raise Rejected(sorted(errors, key=lambda e: (e.row, list(_COLUMN_OF.values()).index(e.column)
                                                     if e.column in _COLUMN_OF.values() else 9)))
    try:
        with transaction.atomic():
            Pair.objects.bulk_create(writes)
    except IntegrityError:
        raise Rejected([RowError(0, "", "其中有结对刚由他人录入，请重新上传")]) from None
    summary = {"pairs": len(writes), "skipped": skipped}
    record(actor=actor, action=PAIR_IMPORT, object_type="pairing.pair", area_path=within.path, data=summary)
    return summary


@transaction.atomic
def set_village_option(*, actor: Actor, village: Area, show_cadre_publicly: bool):
    """A village chooses whether its public grid boards show each household's pairing cadre, masked (于*)."""
    if village.level != Level.VILLAGE:
        raise ValidationError({"village": f"{village.name}不是嘎查村社区"})
    authorise_pairing(actor, caps.MANAGE, village.path)
    option, _ = VillageOption.objects.select_for_update().get_or_create(village=village)
    if option.show_cadre_publicly != show_cadre_publicly:
        option.show_cadre_publicly = show_cadre_publicly
        option.save(update_fields=["show_cadre_publicly"])
        record(actor=actor, action=OPTION_SET, obj=option, area_path=village.path,
               data={"show_cadre_publicly": show_cadre_publicly})
    return option


# ---------------------------------------------------------------------- visits: log_visit, problems → demands

VISIT_CREATE = "pairing.visit.create"
MAX_NOTES = 2000
MAX_BACK_DAYS = 60  # how far back a visit may be logged (a cadre catching up after a busy month)
FUTURE_SLACK = timedelta(minutes=10)  # a phone's clock a little ahead is not a visit in the future
MAX_HELPS = 10
MAX_PROBLEMS = 10
MAX_AMOUNT = Decimal("99999999.99")


def authorise_visit(actor: Actor, pair: Pair) -> None:
    """Log a visit on ``pair``: its own visitor, or ``RECORD`` on its path (403 to one who may only look at it,
    404 to anyone else); system actors pass."""
    if actor.is_system or selectors.is_own_pair(actor.user, pair):
        return
    authorise_pairing(actor, caps.RECORD, pair.path)


def _visit_day(pair: Pair, visited_at: datetime, now: datetime) -> date:
    if not isinstance(visited_at, datetime):
        raise ValidationError({"visited_at": "请填写走访时间"})
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    day = timezone.localtime(visited_at).date()
    today = timezone.localdate(now)
    if visited_at > now + FUTURE_SLACK:
        raise ValidationError({"visited_at": "走访时间不能晚于现在"})
    if day < today - timedelta(days=MAX_BACK_DAYS):
        raise ValidationError({"visited_at": f"只能补录{MAX_BACK_DAYS}天内的走访（{today - timedelta(days=MAX_BACK_DAYS)}"
                                             f"以后），更早的走访请联系村（社区）书记"})
    if not pair.in_force_on(day):
        until = f"至{pair.ended_on - timedelta(days=1)}" if pair.ended_on else "起"
        raise ValidationError({"visited_at": f"{day}不在“{selectors.pair_title(pair)}”的结对期内（{pair.started_on}{until}）"})
    return day


def _coordinate(value, *, field: str, label: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"{label}须为数字"}) from None
    if not number.is_finite() or abs(number) > limit:
        raise ValidationError({field: f"{label}须在-{limit}到{limit}之间"})
    return number


def _helps(helps) -> list[Help]:
    rows = list(helps or [])
    if len(rows) > MAX_HELPS:
        raise ValidationError({"helps": f"帮扶最多填写{MAX_HELPS}条"})
    found = []
    for n, row in enumerate(rows, start=1):
        kind = row.get("kind") or ""
        detail = (row.get("detail") or "").strip()
        if kind not in Help.Kind.values:
            raise ValidationError({"helps": f"第{n}条帮扶：请选择帮扶类型"})
        if not detail:
            raise ValidationError({"helps": f"第{n}条帮扶：内容不能为空"})
        if len(detail) > 200:
            raise ValidationError({"helps": f"第{n}条帮扶：内容不能超过200字（现有{len(detail)}字）"})
        amount = row.get("amount")
        if amount in ("", None):
            amount = None
        else:
            try:
                amount = Decimal(str(amount)).quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                raise ValidationError({"helps": f"第{n}条帮扶：金额须为数字"}) from None
            if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
                raise ValidationError({"helps": f"第{n}条帮扶：金额须为0到{MAX_AMOUNT}元"})
        found.append(Help(kind=kind, detail=detail, amount=amount))
    return found


def demand_area(pair: Pair) -> tuple[Area | None, Person | None]:
    """Where a problem collected on ``pair`` is filed (create_demand needs a village or a grid) and for whom: a
    household's grid and its head; an area pair's village or grid; a member's organisation's area (or, when that
    is above a village, the member's own household's grid); an enterprise's area. (None, None) when none of
    these is a village or grid."""
    if pair.household_id:
        household = pair.household
        return household.grid, household.head
    if pair.area_id:
        return pair.area, None
    area = Area.objects.filter(path=pair.path).first()
    if area is not None and area.level in (Level.VILLAGE, Level.GRID):
        return area, None
    person = pair.member.person if pair.member_id else None
    if person is not None and person.household_id:
        return person.household.grid, person
    return None, None


def _problems(problems) -> list[dict]:
    rows = list(problems or [])
    if len(rows) > MAX_PROBLEMS:
        raise ValidationError({"problems": f"问题最多填写{MAX_PROBLEMS}个"})
    found = []
    for n, row in enumerate(rows, start=1):
        text = (row.get("text") or "").strip()
        if not text:
            raise ValidationError({"problems": f"第{n}个问题：内容不能为空"})
        if len(text) > demand_services.MAX_TEXT:
            raise ValidationError({"problems": f"第{n}个问题：内容不能超过{demand_services.MAX_TEXT}字（现有{len(text)}字）"})
        category = row.get("category")
        if category is not None and not category.is_active:
            raise ValidationError({"problems": f"第{n}个问题：分类“{category.name}”已停用"})
        found.append({"text": text, "category": category, "urgent": bool(row.get("urgent"))})
    return found


def _photos(photos) -> list[CheckedPhoto]:
    photos = list(photos or [])
    try:
        if all(isinstance(p, CheckedPhoto) for p in photos):
            if len(photos) > MAX_PHOTOS:
                raise ValidationError(f"照片最多上传{MAX_PHOTOS}张")
            return photos
        return check_photos(photos, label="照片")
    except ValidationError as exc:
        raise ValidationError({"photos": exc.messages}) from None


def log_visit(*, actor: Actor, pair: Pair, visited_at, kind: str = "home", notes: str = "", address: str = "",
              latitude=None, longitude=None, photos=(), helps=(), problems=(), idempotency_key: str = "",
              now: datetime | None = None):
    """Log one visit. ``helps``: dicts of kind, detail, amount; ``problems``: dicts of text, category (a
    demands.Category or None), urgent. Each problem is filed as a demand routed by the responsibility list.
    The same ``idempotency_key`` again logs nothing new and returns the first visit.

    A page or the API that runs its own ``run_once`` (``run_form_once``, ``api.common.once``) with action
    ``pairing.visit.create`` calls this without a key: the visit, its photos, helps, problems and their demands
    are all written inside that one transaction, so a retry files nothing twice."""
    def work() -> dict:
        return {"id": _log_visit(actor=actor, pair=pair, visited_at=visited_at, kind=kind, notes=notes,
                                 address=address, latitude=latitude, longitude=longitude, photos=photos, helps=helps,
                                 problems=problems, now=now).pk}

    key = (idempotency_key or "").strip()[:64]
    if not key:
        return _log_visit(actor=actor, pair=pair, visited_at=visited_at, kind=kind, notes=notes, address=address,
                          latitude=latitude, longitude=longitude, photos=photos, helps=helps, problems=problems,
                          now=now)
    result, _ = run_once(user=actor.user, owner="" if actor.user is not None else f"system:{actor.name}", key=key,
                         action=VISIT_CREATE, work=work)
    return Visit.objects.get(pk=result["id"])


@transaction.atomic
def _log_visit(*, actor: Actor, pair: Pair, visited_at, kind: str, notes: str, address: str, latitude, longitude,
               photos, helps, problems, now: datetime | None) -> Visit:
    authorise_visit(actor, pair)
    now = now or timezone.now()
    if kind not in Visit.Kind.values:
        raise ValidationError({"kind": "请选择走访方式"})
    day = _visit_day(pair, visited_at, now)
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise ValidationError({"notes": f"民情日记不能超过{MAX_NOTES}字（现有{len(notes)}字）"})
    address = (address or "").strip()
    if len(address) > 200:
        raise ValidationError({"address": f"地点不能超过200字（现有{len(address)}字）"})
    latitude = _coordinate(latitude, field="latitude", label="纬度", limit=90)
    longitude = _coordinate(longitude, field="longitude", label="经度", limit=180)
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": "位置：纬度和经度须同时填写"})
    checked = _photos(photos)
    help_rows = _helps(helps)
    problem_rows = _problems(problems)
    area, person = demand_area(pair) if problem_rows else (None, None)
    if problem_rows and area is None:
        raise ValidationError({"problems": f"“{selectors.pair_title(pair)}”的结对对象不在嘎查村（社区）或网格，"
                                           "问题无法转为诉求：请在“登记需求”中选择区域登记"})

    visit = Visit.objects.create(pair=pair, kind=kind, visited_at=visited_at, visited_on=day, path=pair.path,
                                 address=address, latitude=latitude, longitude=longitude, notes=notes,
                                 recorded_by=actor.user)
    for photo in checked:
        VisitPhoto.objects.create(visit=visit, image=ContentFile(photo.content, name=f"photo.{photo.extension}"),
                                  content_type=photo.content_type)
    for row in help_rows:
        row.visit = visit
    Help.objects.bulk_create(help_rows)
    # The visit's check (own pair, or pairing.RECORD on its path) is the demands' too: a cadre holds no role on
    # any area, and the problems they collected must still be filed (``caller_checked``).
    codes = []
    for row in problem_rows:
        demand = demand_services.create_demand(
            actor=actor, kind=Demand.Kind.DEMAND, text=row["text"], area=area, channel=Demand.Channel.PAIRING_CADRE,
            category=row["category"], urgent=row["urgent"], person=person, address=address, latitude=latitude,
            longitude=longitude, now=now, caller_checked=True)
        Problem.objects.create(visit=visit, demand=demand, path=visit.path, visited_on=day)
        codes.append(demand.tracking_code)
    record(actor=actor, action=VISIT_CREATE, obj=visit, area_path=visit.path,
           data={"pair": pair.pk, "kind": kind, "visited_on": day.isoformat(), "photos": len(checked),
                 "helps": len(help_rows), "problems": codes})
    return visit


# ---------------------------------------------------------------------- cloud branch: relays and confirmations


RELAY_CREATE = "pairing.relay.create"
RELAY_CONFIRM = "pairing.relay.confirm"
RELAY_NOTE_MAX = 2000
_LINK = URLValidator(schemes=["http", "https"])


def _cloud_branch_of(meeting: Meeting, pair: Pair) -> Organisation | None:
    spell = cloud_selectors.audience_of(meeting).filter(member_id=pair.member_id).select_related("cloud_branch").first()
    return spell.cloud_branch if spell is not None else None


def may_relay(user, meeting: Meeting, pair: Pair, *, cloud_branch: Organisation | None = None) -> bool:
    """Who relays a meeting to a mobile member: the paired village member themself (an account of the same
    person); on their behalf, the record keepers (party RECORD) of the meeting's organisation or of the member's
    cloud branch (``cloud_branch``), or pairing RECORD on the pair's area (the home village's secretary)."""
    if user is None or not user.is_authenticated:
        return False
    visitor = pair.visitor_member
    if visitor is not None and visitor.person_id is not None and user.person_id == visitor.person_id:
        return True
    return (reaches_organisation(user, party_caps.RECORD, meeting.organisation)
            or (cloud_branch is not None and reaches_organisation(user, party_caps.RECORD, cloud_branch))
            or scope_of(user).can(caps.RECORD, pair.path))


def authorise_relay(actor: Actor, meeting: Meeting, pair: Pair) -> None:
    """403 to a caller who may look at the meeting, the member's cloud branch or the pair (party VIEW / pairing
    VIEW), 404 to anyone else."""
    if actor.is_system:
        return
    branch = _cloud_branch_of(meeting, pair)
    if may_relay(actor.user, meeting, pair, cloud_branch=branch):
        return
    user = actor.user
    refuse(seen=user is not None and (reaches_organisation(user, party_caps.VIEW, meeting.organisation)
                                      or (branch is not None and reaches_organisation(user, party_caps.VIEW, branch))
                                      or scope_of(user).can(caps.VIEW, pair.path)))


@transaction.atomic
def relay_meeting(*, actor: Actor, meeting, pair: Pair, note: str, link: str = "", photo=None,
                  relayed_at=None) -> Relay:
    """The paired village member (or the secretary on their behalf) passes ``meeting`` on to the mobile member of
    ``pair``: a note, a link, a photo. Once per meeting and pair: a retry, or a second relay, answers the first."""
    meeting = Meeting.objects.select_related("organisation").get(pk=meeting.pk)
    pair = Pair.objects.select_related("visitor_member", "member").get(pk=pair.pk)
    authorise_relay(actor, meeting, pair)
    first = Relay.objects.filter(meeting=meeting, pair=pair).first()
    if first is not None:
        return first
    if pair.kind != rules.MEMBER_MOBILE:
        raise ValidationError({"pair": "只有“农村党员结对流动党员”的结对才能传达会议"})
    name = pair.member.name
    if not pair.in_force_on(meeting.held_on):
        raise ValidationError({"pair": f"{meeting.held_on}开会时{pair.visitor_member.name}与{name}不在结对期内"})
    if not cloud_selectors.audience_of(meeting).filter(member=pair.member).exists():
        raise ValidationError({"pair": f"{name}在{meeting.held_on}不是{meeting.organisation.name}的流动党员"})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": f"请填写向{name}传达的会议内容"})
    if len(note) > RELAY_NOTE_MAX:
        raise ValidationError({"note": f"传达内容不能超过{RELAY_NOTE_MAX}字（现{len(note)}字）"})
    link = (link or "").strip()
    if link:
        try:
            _LINK(link)
        except ValidationError:
            raise ValidationError({"link": "链接格式不正确，请以 http:// 或 https:// 开头"}) from None
    relayed_at = relayed_at or timezone.now()
    if timezone.localtime(relayed_at).date() < meeting.held_on:
        raise ValidationError({"relayed_at": f"传达时间早于会议日期{meeting.held_on}"})
    stored = stored_photo(photo, stem=f"relay-{meeting.pk}-{pair.pk}-{uuid.uuid4().hex[:12]}")
    relay = Relay(meeting=meeting, pair=pair, note=note, link=link, relayed_at=relayed_at, relayed_by=actor.user)
    if stored is not None:
        relay.photo = stored
    try:
        with transaction.atomic():
            relay.save()
    except IntegrityError:  # a concurrent relay of the same meeting and pair committed first
        return Relay.objects.get(meeting=meeting, pair=pair)
    record(actor=actor, action=RELAY_CREATE, obj=relay, area_path=pair.path,
           data={"meeting": meeting.pk, "pair": pair.pk, "member": pair.member_id,
                 "relayed_at": relayed_at.isoformat(), "photo": bool(relay.photo)})
    return relay


@transaction.atomic
def confirm_relay(*, token: str, now=None, actor: Actor | None = None) -> Relay:
    """The mobile member confirms reading a relay through its signed link, with no account. A second
    confirmation is harmless (the first time stands); a bad or expired token is a 404."""
    now = now or timezone.now()
    relay = cloud_selectors.relay_for_token(token, now=now)
    if relay is None:
        raise Http404("链接无效或已过期")
    relay = Relay.objects.select_for_update().get(pk=relay.pk)
    if relay.confirmed_at is not None:
        return relay
    relay.confirmed_at = now
    relay.save(update_fields=["confirmed_at"])
    record(actor=actor or Actor(user=None, name="匿名（传达确认链接）"), action=RELAY_CONFIRM, obj=relay,
           area_path=Pair.objects.values_list("path", flat=True).get(pk=relay.pair_id),
           data={"meeting": relay.meeting_id, "pair": relay.pair_id, "confirmed_at": now.isoformat()})
    return relay
