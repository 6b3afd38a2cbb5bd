"""Reads of the member registers. Every register can be asked "as of" a day and answers what it would have
answered that day (members/models.py: memberships are half-open spans of days)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from grassroots.access.scope import access_scoped, visible_organisations
from grassroots.areas.models import Area
from grassroots.members.models import (
    HomeReport,
    Member,
    Membership,
    MobileContact,
    MobileMember,
    Post,
    Transfer,
)
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation
from grassroots.rules.membership import months_before
from grassroots.rules.pairing import MEMBER_MOBILE
from grassroots.volunteers.selectors import home_reports_with_hours


def on_day(day: date, *, prefix: str = "") -> Q:
    """Rows (memberships, or anything with started_on / ended_on) that cover ``day``."""
    return Q(**{f"{prefix}started_on__lte": day}) & (Q(**{f"{prefix}ended_on__isnull": True})
                                                    | Q(**{f"{prefix}ended_on__gt": day}))


def memberships_on(user, day: date, *, capability: str = caps.VIEW) -> QuerySet[Membership]:
    """The memberships the caller may see that cover ``day``: one row per member counted on that day."""
    return visible_organisations(user, Membership.objects.filter(on_day(day)), capability, via="organisation__")


def register_on(user, *, day: date, area: Area | None = None,
                organisation: Organisation | None = None) -> QuerySet[Membership]:
    """The register as of ``day``: the memberships covering it that the caller may see, within ``area`` (by the
    organisation's area_path) or ``organisation`` and its subtree, by organisation then member name."""
    return _register(user, day=day, area=area, organisation=organisation, capability=caps.VIEW)


def export_register(user, *, day: date, area: Area | None = None,
                    organisation: Organisation | None = None) -> QuerySet[Membership]:
    """``register_on`` for the Excel download: only where the caller holds EXPORT."""
    return _register(user, day=day, area=area, organisation=organisation, capability=caps.EXPORT)


def _register(user, *, day: date, area: Area | None, organisation: Organisation | None,
              capability: str) -> QuerySet[Membership]:
    rows = memberships_on(user, day, capability=capability)
    if area is not None:
        rows = rows.filter(organisation__area_path__startswith=area.path)
    if organisation is not None:
        rows = rows.filter(organisation__path__startswith=organisation.path)
    return rows.select_related("member", "organisation").order_by("organisation__path", "member__name", "member_id")


def members_seen(user, capability: str = caps.VIEW) -> QuerySet[Member]:
    """Members the caller may look up: those with a membership, past or present, in an organisation the caller
    reaches (a transfer keeps the member in both histories)."""
    visible = visible_organisations(user, Membership.objects.all(), capability, via="organisation__")
    return Member.objects.filter(pk__in=visible.values("member_id"))


def member_for(user, pk: int) -> Member:
    return access_scoped(members_seen(user), pk=pk)


def current_membership(member: Member) -> Membership | None:
    return (Membership.objects.select_related("organisation")
            .filter(member=member, ended_on__isnull=True).first())


@dataclass
class History:
    memberships: list[Membership]
    transfers: list[Transfer]
    posts: list[Post]
    mobile_spells: list[MobileMember]
    home_reports: list[HomeReport]


def history(member: Member) -> History:
    """Every membership in every organisation, every transfer, post, mobile spell (with its contacts) and home
    report of ``member``, oldest first."""
    contacts = Prefetch("contacts", queryset=MobileContact.objects.order_by("-contacted_on", "-id"))
    return History(
        memberships=list(member.memberships.select_related("organisation", "transfer").order_by("started_on")),
        transfers=list(member.transfers.select_related("from_organisation", "to_organisation")
                       .order_by("sent_on", "id")),
        posts=list(member.posts.select_related("organisation").order_by("started_on", "id")),
        mobile_spells=_with_partners(member, list(member.mobile_spells.select_related("cloud_branch")
                                                  .prefetch_related(contacts).order_by("since", "id"))),
        home_reports=home_reports_with_hours(member.home_reports.select_related("organisation")
                                             .order_by("started_on", "id")),
    )


# The village member paired with a mobile member is a pairing.Pair of kind member_mobile (visitor_member: the
# village member; member: the mobile member). members does not import pairing: these reads go through the pairs'
# reverse relations on Member (``pairs_as_visitor``, ``pairs_as_target``).


def partners_on(day: date, *, member=None) -> QuerySet[Member]:
    """The village members paired (member_mobile) with ``member`` (an OuterRef by default) on ``day``, the latest
    pair first: ``.values("name")[:1]`` in a Subquery gives a list's "结对党员" without a query per row."""
    member = OuterRef("member") if member is None else member
    in_force = (Q(pairs_as_visitor__kind=MEMBER_MOBILE, pairs_as_visitor__member=member)
                & on_day(day, prefix="pairs_as_visitor__"))
    return Member.objects.filter(in_force).order_by("-pairs_as_visitor__started_on", "-pairs_as_visitor__id")


def _with_partners(member: Member, spells: list[MobileMember], *, day: date | None = None) -> list[MobileMember]:
    """Each spell with ``partner``: the village member paired with ``member`` on the spell's last day (``day``,
    today by default, while the spell is open), or None."""
    day = day or timezone.localdate()
    pairs = list(member.pairs_as_target.filter(kind=MEMBER_MOBILE).select_related("visitor_member")
                 .order_by("started_on", "id"))
    for spell in spells:
        last = day if spell.returned_on is None else min(day, spell.returned_on - timedelta(days=1))
        in_force = [p for p in pairs if p.started_on <= last and (p.ended_on is None or p.ended_on > last)]
        spell.partner = in_force[-1].visitor_member if in_force else None
    return spells


def organisations_for(user, capability: str = caps.VIEW) -> QuerySet[Organisation]:
    """Organisations the caller reaches (for pickers), in tree order."""
    return visible_organisations(user, Organisation.objects.all(), capability).order_by("path")


def posts_on(organisation: Organisation, day: date) -> QuerySet[Post]:
    return (Post.objects.filter(on_day(day), organisation=organisation).select_related("member")
            .order_by("title", "started_on"))


@dataclass
class PendingTransfers:
    incoming: list[Transfer]
    outgoing: list[Transfer]


def pending_transfers(user) -> PendingTransfers:
    """Transfers sent and not yet received: into the caller's organisations, and out of them (out of the county
    too, waiting for the receipt)."""
    pending = (Transfer.objects.filter(status=Transfer.Status.SENT)
               .select_related("member", "from_organisation", "to_organisation").order_by("sent_on", "id"))
    return PendingTransfers(
        incoming=list(visible_organisations(user, pending, caps.VIEW, via="to_organisation__")),
        outgoing=list(visible_organisations(user, pending, caps.VIEW, via="from_organisation__")),
    )


def transfer_for(user, pk: int) -> Transfer:
    """A transfer either end of which the caller reaches; 404 otherwise."""
    transfers = Transfer.objects.select_related("member", "from_organisation", "to_organisation")
    seen = (visible_organisations(user, transfers, caps.VIEW, via="to_organisation__")
            | visible_organisations(user, transfers, caps.VIEW, via="from_organisation__"))
    return access_scoped(seen, pk=pk)


def _home_memberships(user, capability: str = caps.VIEW) -> QuerySet[Membership]:
    return visible_organisations(user, Membership.objects.filter(ended_on__isnull=True, member=OuterRef("member")),
                                 capability, via="organisation__")


def mobile_members(user, *, day: date, months: int | None = None,
                   organisation: Organisation | None = None) -> QuerySet[MobileMember]:
    """Mobile members away on ``day`` whose home organisation (their membership that day) the caller reaches,
    each with ``last_contact`` (the last contact up to ``day``) and ``home`` (the organisation's name); with
    ``months``, only those not reached for more than that many months."""
    homes = visible_organisations(user, Membership.objects.filter(on_day(day), member=OuterRef("member")),
                                  caps.VIEW, via="organisation__")
    if organisation is not None:
        homes = homes.filter(organisation__path__startswith=organisation.path)
    rows = (MobileMember.objects.filter(since__lte=day).filter(Q(returned_on__isnull=True) | Q(returned_on__gt=day))
            .filter(Exists(homes))
            .annotate(last_contact=Max("contacts__contacted_on", filter=Q(contacts__contacted_on__lte=day)),
                      home_name=Subquery(homes.values("organisation__name")[:1]),
                      home_path=Subquery(homes.values("organisation__path")[:1]),
                      home_area_path=Subquery(homes.values("organisation__area_path")[:1]),
                      home_id=Subquery(homes.values("organisation_id")[:1]),
                      partner_name=Subquery(partners_on(day).values("name")[:1]))
            .select_related("member", "cloud_branch"))
    if months is not None:
        cutoff = months_before(day, months)
        rows = rows.filter(Q(last_contact__lt=cutoff) | Q(last_contact__isnull=True, since__lt=cutoff))
    return rows.order_by("home_path", "member__name", "id")


NOT_REACHED_MONTHS = 3


def not_reached(user, *, day: date, months: int = NOT_REACHED_MONTHS,
                organisation: Organisation | None = None) -> QuerySet[MobileMember]:
    """Mobile members not reached for more than ``months`` months (default 3) on ``day``."""
    return mobile_members(user, day=day, months=months, organisation=organisation)


def mobile_for(user, pk: int) -> MobileMember:
    return access_scoped(MobileMember.objects.filter(Exists(_home_memberships(user))).select_related("member"), pk=pk)


def home_reports(user, *, day: date) -> QuerySet[HomeReport]:
    """Home reports running on ``day`` that the caller reaches, through the community reported to or the member's
    own organisation; each with ``unit_name`` (the member's organisation that day). Ordered by community."""
    units = Membership.objects.filter(on_day(day), member=OuterRef("member"))
    seen = visible_organisations(user, HomeReport.objects.all(), caps.VIEW, via="organisation__").values("pk")
    mine = visible_organisations(user, units, caps.VIEW, via="organisation__")
    return (HomeReport.objects.filter(on_day(day)).filter(Q(pk__in=seen) | Q(Exists(mine)))
            .annotate(unit_name=Subquery(units.values("organisation__name")[:1]),
                      unit_path=Subquery(units.values("organisation__path")[:1]))
            .select_related("member", "organisation").order_by("organisation__path", "member__name", "id"))
