"""Writes of pairing: pairs (set up, ended, handed out in bulk, imported), visits with what they found (each
problem filed as a routed demand), and the cloud branch's relays. Each public function: keyword-only, one
transaction, audited. Nothing is deleted: ending a pair writes its end date, so every register can be asked for
any past day.

Who may: ``MANAGE`` on the target's area sets pairs up and ends them; a visit is logged by the pair's own visitor
(the cadre, a member of the unit) or by ``RECORD`` on the target's area (a secretary on behalf of an elderly
member without a phone).
"""

import uuid
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from grassroots.access.scope import reaches_organisation, refuse, scope_of
from grassroots.areas.models import Area, Household, Level
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.photos import stored_photo
from grassroots.demands.models import Unit
from grassroots.meetings.models import Meeting
from grassroots.members.models import Member, Membership
from grassroots.neworgs.models import NewOrganisation
from grassroots.pairing import capabilities as caps
from grassroots.pairing import selectors as cloud_selectors
from grassroots.pairing.models import Pair, Relay
from grassroots.party import capabilities as party_caps
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

# ---------------------------------------------------------------------- end of cloud branch
