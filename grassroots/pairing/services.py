"""Writes of pairing: pairs (set up, ended, handed out in bulk, imported), visits with what they found (each
problem filed as a routed demand), and the cloud branch's relays. Each public function: keyword-only, one
transaction, audited. Nothing is deleted: ending a pair writes its end date, so every register can be asked for
any past day.

Who may: ``MANAGE`` on the target's area sets pairs up and ends them; a visit is logged by the pair's own visitor
(the cadre, a member of the unit) or by ``RECORD`` on the target's area (a secretary on behalf of an elderly
member without a phone).
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from grassroots.access.scope import refuse, scope_of
from grassroots.areas.models import Area, Household, Level
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.demands.models import Unit
from grassroots.members.models import Member, Membership
from grassroots.neworgs.models import NewOrganisation
from grassroots.pairing import capabilities as caps
from grassroots.pairing.models import Pair
from grassroots.party.models import Organisation
from grassroots.rules import pairing as rules

PAIR_CREATE = "pairing.pair.create"


def authorise_pairing(actor: Actor, capability: str, path: str) -> None:
    """403 to a caller who may look at ``path``'s pairs, 404 to anyone else; system actors pass."""
    if actor.is_system:
        return
    scope = scope_of(actor.user)
    if not scope.can(capability, path):
        refuse(seen=scope.can(caps.VIEW, path))


def is_own_pair(user, pair: Pair) -> bool:
    """Whether ``user`` is the pair's visitor: the cadre, or staff of the unit."""
    if user is None or not user.is_authenticated:
        return False
    if pair.visitor_user_id is not None:
        return pair.visitor_user_id == user.pk
    if pair.visitor_unit_id is not None:
        return pair.visitor_unit.members.filter(user=user).exists()
    return False


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
        raise ValidationError({"target": f"{pair.visitor}与{pair.target}已有进行中的“{pair.rule.label}”结对"}) from None
    record(actor=actor, action=PAIR_CREATE, obj=pair, area_path=pair.path,
           data={"kind": kind, "visitor": pair.visitor_key, "target": pair.target_key,
                 "started_on": started_on.isoformat()})
    return pair


# ---------------------------------------------------------------------- pairs: end, bulk assignment, import


def end_pair(*, actor: Actor, pair: Pair, ended_on: date, reason: str) -> Pair:
    raise NotImplementedError  # pairs helper


def assign_households(*, actor: Actor, area: Area, cadres: list, per_cadre: int, started_on: date,
                      purpose: str = "", kind: str = rules.CADRE_HOUSEHOLD) -> dict:
    """Hand out the unpaired households of ``area`` (a village or grid) to ``cadres`` (rules.assign)."""
    raise NotImplementedError  # pairs helper

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits: log_visit, problems → demands


def log_visit(*, actor: Actor, pair: Pair, visited_at, kind: str = "home", notes: str = "", address: str = "",
              latitude=None, longitude=None, photos=(), helps=(), problems=(), idempotency_key: str = ""):
    """Log one visit. ``helps``: dicts of kind, detail, amount; ``problems``: dicts of text, category (a
    demands.Category or None), urgent. Each problem is filed as a demand routed by the responsibility list.
    The same ``idempotency_key`` again logs nothing new and returns the first visit."""
    raise NotImplementedError  # visits helper

# ---------------------------------------------------------------------- end of visits


# ---------------------------------------------------------------------- cloud branch: relays and confirmations


def relay_meeting(*, actor: Actor, meeting, pair: Pair, note: str, link: str = "", photo=None, relayed_at=None):
    raise NotImplementedError  # cloud branch helper

# ---------------------------------------------------------------------- end of cloud branch
