"""Reads of pairing: the registers of pairs, a pair with its windows and visits, a household's pairs, coverage
by area with drill-down, a visitor's "due this week", and the seed's figures (visits, problems collected, problems
solved) for any area and period — computed from the records, never typed in.

Every answer about due / overdue / missed comes from rules/pairing.py (``windows``, ``window_on``); nothing here
decides it again. Every read goes through access/scope.py (``visible_pairs``, ``access_pair``,
``access_paired_household``).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core import signing
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from grassroots.access.scope import NOT_FOUND, reaches_organisation, visible_organisations
from grassroots.meetings.models import Meeting
from grassroots.members.models import Membership, MobileMember
from grassroots.members.selectors import on_day
from grassroots.pairing.models import Pair, Relay
from grassroots.party import capabilities as party_caps
from grassroots.party.models import Organisation
from grassroots.rules import pairing as rules

# ---------------------------------------------------------------------- pairs: registers

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits: a pair, a visit, a household

# ---------------------------------------------------------------------- end of visits


# ---------------------------------------------------------------------- coverage, due this week, figures

# ---------------------------------------------------------------------- end of coverage


# ---------------------------------------------------------------------- cloud branch
#
# 云支部: a meeting of a cloud branch (or of the mobile members' home organisation) is relayed by each mobile
# member's paired village member (a Pair of kind member_mobile in force on the meeting's day); the mobile member
# confirms reading it through a signed link. Every list here costs the same number of queries for any number of
# rows: the spells, pairs and relays are fetched once and joined in Python.

RELAY_SALT = "grassroots.pairing.relay"
RELAY_LINK_MAX_AGE = timedelta(days=60)  # from the relay's time: the link stops working after this
NOT_RELAYED, RELAYED, CONFIRMED = "not_relayed", "relayed", "confirmed"
RELAY_STATES = {NOT_RELAYED: "未传达", RELAYED: "已传达未确认", CONFIRMED: "已确认"}
LAST_MEETINGS = 3  # meetings shown per branch on the cloud page
MEETINGS_WITHIN = timedelta(days=365)


def _spells_on(day: date, *, prefix: str = "") -> Q:
    """Mobile spells (members.MobileMember) in force on ``day``: left on or before it, not back by then."""
    return (Q(**{f"{prefix}since__lte": day})
            & (Q(**{f"{prefix}returned_on__isnull": True}) | Q(**{f"{prefix}returned_on__gt": day})))


def audience_of(meeting: Meeting) -> QuerySet[MobileMember]:
    """The mobile members a meeting is relayed to: the members of the meeting's organisation (and of its groups)
    away on the meeting's day, whichever cloud branch they study in. (A cloud branch records no meetings of its
    own: meetings.services counts its members' organisational life at home; should one hold a meeting anyway, its
    audience is its members away that day.)"""
    day, organisation = meeting.held_on, meeting.organisation
    spells = MobileMember.objects.filter(_spells_on(day))
    if organisation.is_cloud_branch:
        return spells.filter(cloud_branch=organisation)
    homes = Membership.objects.filter(on_day(day), member=OuterRef("member"),
                                      organisation__path__startswith=organisation.path)
    return spells.filter(Exists(homes))


def _pairs_on(day: date, member_ids) -> dict[int, Pair]:
    """The member_mobile pair of each mobile member in ``member_ids`` in force on ``day`` (the latest started)."""
    pairs = (Pair.objects.filter(on_day(day), kind=rules.MEMBER_MOBILE, member_id__in=list(member_ids))
             .select_related("visitor_member").order_by("started_on", "id"))
    return {pair.member_id: pair for pair in pairs}


def relay_state(relay: Relay | None) -> str:
    if relay is None:
        return NOT_RELAYED
    return CONFIRMED if relay.confirmed_at is not None else RELAYED


@dataclass
class AudienceRow:
    spell: MobileMember
    pair: Pair | None  # the pair in force on the meeting's day; None: nobody is paired with them
    relay: Relay | None

    @property
    def member(self):
        return self.spell.member

    @property
    def state(self) -> str:
        return relay_state(self.relay)

    @property
    def state_label(self) -> str:
        return RELAY_STATES[self.state]


def meeting_audience(meeting: Meeting) -> list[AudienceRow]:
    """Every mobile member the meeting is relayed to, by name, with their cloud branch, their pair on the meeting's
    day and the relay (if any): 未传达 / 已传达未确认 / 已确认. Three queries, whatever the number of rows."""
    spells = list(audience_of(meeting).select_related("member", "cloud_branch").order_by("member__name", "id"))
    pairs = _pairs_on(meeting.held_on, {s.member_id for s in spells})
    relays: dict[int, Relay] = {}
    for relay in Relay.objects.filter(meeting=meeting).select_related("pair").order_by("relayed_at", "id"):
        relays.setdefault(relay.pair.member_id, relay)
    rows = []
    for spell in spells:
        pair = pairs.get(spell.member_id)
        rows.append(AudienceRow(spell=spell, pair=pair, relay=relays.get(spell.member_id)))
    return rows


def reached_cloud_branches(user, capability: str = party_caps.VIEW) -> set[int]:
    """The ids of the cloud branches the caller reaches for ``capability``."""
    return set(visible_organisations(user, Organisation.objects.filter(is_cloud_branch=True), capability)
               .values_list("pk", flat=True))


def cloud_meeting_for(user, pk: int) -> tuple[Meeting, list[AudienceRow]]:
    """A meeting and the rows of its audience the caller may see: all of them to one who reaches the meeting's
    organisation (party VIEW); to a cloud branch's secretary, the branch's own mobile members; to a paired village
    member's own account (its person is the pair's visitor member's), the members paired with them; 404 to anyone
    else, and when none of those rows is in the audience."""
    meeting = Meeting.objects.select_related("organisation").filter(pk=pk).first()
    if meeting is None:
        raise Http404(NOT_FOUND)
    rows = meeting_audience(meeting)
    if not reaches_organisation(user, party_caps.VIEW, meeting.organisation):
        branches = reached_cloud_branches(user)
        person = getattr(user, "person_id", None)
        rows = [r for r in rows if r.spell.cloud_branch_id in branches
                or (person is not None and r.pair is not None and r.pair.visitor_member.person_id == person)]
        if not rows:
            raise Http404(NOT_FOUND)
    return meeting, rows


@dataclass
class MeetingTally:
    meeting: Meeting
    audience: int = 0  # the branch's mobile members away that day whose organisation held the meeting
    relayed: int = 0  # relayed, confirmed or not
    confirmed: int = 0

    @property
    def not_relayed(self) -> int:
        return self.audience - self.relayed

    @property
    def unconfirmed(self) -> int:
        return self.relayed - self.confirmed


@dataclass
class CloudBranch:
    organisation: Organisation
    mobiles: list[MobileMember] = field(default_factory=list)  # in force on the day, each with ``pair``
    meetings: list[MeetingTally] = field(default_factory=list)  # the last few, newest first


def _home_on(memberships: list[Membership], day: date) -> Membership | None:
    return next((m for m in memberships if m.started_on <= day and (m.ended_on is None or m.ended_on > day)), None)


def _away_on(spell: MobileMember, day: date) -> bool:
    return spell.since <= day and (spell.returned_on is None or spell.returned_on > day)


def cloud_branches(user, *, day: date, last: int = LAST_MEETINGS) -> list[CloudBranch]:
    """The cloud branches the caller reaches (party VIEW), as of ``day``: each with its mobile members away that
    day and their paired member, and the last ``last`` meetings (within a year up to ``day``) of its members' home
    organisations (a branch or group, and the branches above a group) with how many of the branch's members away on
    the meeting's day were relayed to and confirmed. Six queries, whatever the number of rows."""
    branches = {o.pk: CloudBranch(organisation=o) for o in visible_organisations(
        user, Organisation.objects.filter(is_cloud_branch=True), party_caps.VIEW).order_by("path")}
    if not branches:
        return []
    since = day - MEETINGS_WITHIN
    spells = list(MobileMember.objects.filter(cloud_branch_id__in=list(branches), since__lte=day)
                  .filter(Q(returned_on__isnull=True) | Q(returned_on__gt=since))
                  .select_related("member").order_by("member__name", "id"))
    memberships: dict[int, list[Membership]] = {}
    for m in (Membership.objects.filter(member_id__in={s.member_id for s in spells})
              .select_related("organisation").order_by("started_on", "id")):
        memberships.setdefault(m.member_id, []).append(m)
    # The organisations whose meetings concern the branch: its members' homes and the branches above a group.
    prefixes = set()
    for m in (m for ms in memberships.values() for m in ms):
        parts = m.organisation.path.rstrip("/").split("/")
        prefixes.update("/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1))
    meetings = list(Meeting.objects.filter(organisation__path__in=prefixes, held_on__lte=day, held_on__gt=since)
                    .exclude(organisation__kind=Organisation.Kind.COMMITTEE)
                    .select_related("organisation").order_by("-held_on", "-id"))
    tallies: list[tuple[MeetingTally, set[int]]] = []
    for branch_id, branch in branches.items():
        own = [s for s in spells if s.cloud_branch_id == branch_id]
        for meeting in meetings:
            if len(branch.meetings) >= last:
                break
            audience = set()
            for spell in own:
                home = _home_on(memberships.get(spell.member_id, []), meeting.held_on)
                if (_away_on(spell, meeting.held_on) and home is not None
                        and home.organisation.path.startswith(meeting.organisation.path)):
                    audience.add(spell.member_id)
            if audience:
                tally = MeetingTally(meeting=meeting, audience=len(audience))
                branch.meetings.append(tally)
                tallies.append((tally, audience))
        current = [s for s in own if _away_on(s, day)]
        branch.mobiles = current
    pairs = _pairs_on(day, {s.member_id for b in branches.values() for s in b.mobiles})
    for spell in (s for b in branches.values() for s in b.mobiles):
        spell.pair = pairs.get(spell.member_id)
    relayed: dict[int, dict[int, Relay]] = {}
    for relay in Relay.objects.filter(meeting__in={t.meeting.pk for t, _ in tallies}).select_related("pair"):
        relayed.setdefault(relay.meeting_id, {}).setdefault(relay.pair.member_id, relay)
    for tally, audience in tallies:
        done = relayed.get(tally.meeting.pk, {})
        tally.relayed = sum(1 for m in audience if m in done)
        tally.confirmed = sum(1 for m in audience if m in done and done[m].confirmed_at is not None)
    return list(branches.values())


def relay_token(relay: Relay) -> str:
    """The signed token of a relay's confirmation link (/pairing/r/<token>/): the relay's id, signed with the
    project's key and this salt; it works for RELAY_LINK_MAX_AGE from the relay's time."""
    return signing.Signer(salt=RELAY_SALT).sign(str(relay.pk))


def relay_for_token(token: str, *, now=None) -> Relay | None:
    """The relay a link's token names, or None when the token is forged, malformed or expired."""
    try:
        pk = int(signing.Signer(salt=RELAY_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    relay = Relay.objects.select_related("meeting", "pair__member").filter(pk=pk).first()
    if relay is None or (now or timezone.now()) - relay.relayed_at > RELAY_LINK_MAX_AGE:
        return None
    return relay


# ---------------------------------------------------------------------- end of cloud branch
