"""Reads of volunteer service: sites, teams, volunteers, activities with their places taken, a volunteer's own
sign-ups and hours, the verification queue, leaderboards and star levels, the public calendar and honour board,
rotas, and the hours → points outcomes.

Only confirmed hours count anywhere (``COUNTED``): a check-out's minutes wait for the leader. Every read that shows
volunteers goes through access/scope.py (``visible_teams``, ``access_team``, ``access_activity``) or through the
caller's own volunteer record (``volunteer_of``).
"""

from datetime import date
from decimal import Decimal

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import StartsWith
from django.utils import timezone

from grassroots.access.scope import led_teams_q, scope_of
from grassroots.catalogue.models import Rule, RuleVersion
from grassroots.catalogue.models import Unit as RuleUnit
from grassroots.demands.models import Demand
from grassroots.members.models import HomeReport, Membership
from grassroots.party.models import Organisation
from grassroots.rules import volunteering as rules
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers.models import Activity, Dispatch, HoursClaim, SignUp, Volunteer

# Sign-ups whose hours count: confirmed by the leader, for more than nothing.
COUNTED = Q(confirmed_minutes__gt=0)


def volunteer_of(user) -> Volunteer | None:
    """The caller's own volunteer record, if they registered (cached on the user for the request)."""
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, "_grassroots_volunteer"):
        user._grassroots_volunteer = Volunteer.objects.filter(user=user, is_active=True).first()
    return user._grassroots_volunteer


def visible_volunteers(user, queryset: QuerySet | None = None, capability: str = caps.VIEW) -> QuerySet:
    """Volunteers registered in the caller's subtree for ``capability`` (and the caller's own record)."""
    queryset = queryset if queryset is not None else Volunteer.objects.all()
    own = Q(user=user) if user is not None and user.is_authenticated else Q(pk__in=[])
    return queryset.filter(scope_of(user).q(capability, "path") | own)


def with_places(activities: QuerySet) -> QuerySet:
    """Activities annotated with ``signed`` (places taken) and ``waiting`` (on the waiting list): one query."""
    return activities.annotate(
        signed=Count("signups", filter=Q(signups__status=SignUp.Status.SIGNED)),
        waiting=Count("signups", filter=Q(signups__status=SignUp.Status.WAITING)),
    )


def confirmed_minutes(signups: QuerySet) -> int:
    """The confirmed minutes of ``signups`` (nothing unconfirmed counts)."""
    return signups.filter(COUNTED).aggregate(total=Sum("confirmed_minutes"))["total"] or 0


def star_counts(volunteers: QuerySet) -> list[int]:
    """How many of ``volunteers`` hold 0, 1, … 5 stars, by verified cumulative hours: one query."""
    bounds = [0, *(h * 60 for h in rules.STAR_HOURS)]
    aggregates = {}
    for level, low in enumerate(bounds):
        high = bounds[level + 1] if level + 1 < len(bounds) else None
        condition = Q(confirmed_minutes__gte=low) & (Q(confirmed_minutes__lt=high) if high is not None else Q())
        aggregates[f"s{level}"] = Count("pk", filter=condition)
    row = volunteers.aggregate(**aggregates)
    return [row[f"s{level}"] for level in range(len(bounds))]


def leaderboard(volunteers: QuerySet, *, limit: int = 20) -> list[Volunteer]:
    """The volunteers of ``volunteers`` with the most verified cumulative hours (ties by name)."""
    return list(volunteers.filter(is_active=True, confirmed_minutes__gt=0)
                .order_by("-confirmed_minutes", "name", "pk")[:limit])


def public_activities(queryset: QuerySet | None = None) -> QuerySet:
    """Activities anyone may see on the public calendar: public and not cancelled."""
    queryset = queryset if queryset is not None else Activity.objects.all()
    return queryset.filter(is_public=True, status=Activity.Status.OPEN)


# ================================================================================================ sites, teams, volunteers (section A)


# ================================================================================================ activities, sign-ups, hours (section B)


# ================================================================================================ rotas (section C)


# ================================================================================================ hours → points, 双报到, 点单 (section D)



def hours_outcomes(village, start: date, end: date) -> QuerySet:
    """What the confirmed hours of ``village``'s volunteers (residents by their Person, or registered there without
    one) served from ``start`` to ``end`` proposed: each sign-up's outcome, with its claim. One query."""
    lives_here = (Q(signup__volunteer__person__path__startswith=village.path)
                  | Q(signup__volunteer__person__isnull=True, signup__volunteer__path__startswith=village.path))
    return (HoursClaim.objects.filter(lives_here, signup__served_on__range=(start, end))
            .select_related("signup__activity", "signup__volunteer", "claim")
            .order_by("signup__served_on", "signup__volunteer__name", "pk"))



def hours_rules_choosable(village, today: date | None = None) -> list[Rule]:
    """The rules of ``village``'s own catalogue a village may claim hours under: per hour, in force today, worth
    points, no photo required (one query)."""
    day = today or timezone.localdate()
    versions = (RuleVersion.objects.filter(rule__rule_set__area=village, rule__rule_set__is_template=False,
                                           unit=RuleUnit.PER_HOUR, points__gt=0, evidence_required=False,
                                           effective_from__lte=day)
                .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day)).select_related("rule")
                .order_by("rule__code"))
    rules_ = []
    for version in versions:
        version.rule.current = version
        rules_.append(version.rule)
    return rules_


# ---------------------------------------------------------------- 双报到: one sign-up, two places, counted once
# An in-service member's confirmed hours count for the work unit (the organisation of their membership on the day)
# and for the home community (their HomeReport's organisation, when served in its area within the report's dates).
# Every figure counts distinct sign-ups, so a level holding both (the county, the 旗委) counts each hour once.

def _same_member() -> Q:
    """Rows (memberships, home reports) of the member a sign-up's volunteer is: ``Volunteer.member``, or the member
    whose Person the volunteer is."""
    return Q(member_id=OuterRef("volunteer__member_id")) | Q(member__person_id=OuterRef("volunteer__person_id"))


def _on_served_day() -> Q:
    return (Q(started_on__lte=OuterRef("served_on"))
            & (Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef("served_on"))))


def _unit_service(organisations: Q) -> Exists:
    return Exists(Membership.objects.filter(_same_member(), _on_served_day()).filter(organisations))


def _home_service(organisations: Q) -> Exists:
    return Exists(HomeReport.objects.filter(_same_member(), _on_served_day()).filter(organisations)
                  .filter(StartsWith(OuterRef("path"), F("organisation__area_path"))))


def service_signups(target, start: date, end: date) -> QuerySet:
    """Confirmed sign-ups served from ``start`` to ``end`` that count for ``target``: an Organisation (its subtree:
    as a work unit's, or as a home community's) or an Area (served in it, or counted for an organisation of it).
    Each sign-up once, whichever ways it counts."""
    signups = SignUp.objects.filter(COUNTED, served_on__range=(start, end))
    if isinstance(target, Organisation):
        tree = Q(organisation__path__startswith=target.path)
        return signups.filter(_unit_service(tree) | _home_service(tree))
    within = Q(organisation__area_path__startswith=target.path)
    return signups.filter(Q(path__startswith=target.path) | _unit_service(within) | _home_service(within))


def service_hours(target, period: tuple[date, date]) -> Decimal:
    """The confirmed service hours that count for ``target`` (an Organisation or an Area) in ``period``
    (first day, last day), one decimal: distinct sign-ups, never twice at a level that holds both places."""
    minutes = service_signups(target, *period).aggregate(total=Sum("confirmed_minutes"))["total"] or 0
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


def with_service_hours(reports: QuerySet) -> QuerySet:
    """Home reports annotated with ``served_minutes``: the confirmed minutes of the reporting member's sign-ups
    served within the report's dates in the home organisation's area (one subquery, no query per row). The shown
    figure is ``HomeReport.hours`` (hours recorded by hand for service outside this platform) plus these."""
    rows = (SignUp.objects.filter(COUNTED, served_on__gte=OuterRef("started_on"),
                                  served_on__lte=Coalesce(OuterRef("ended_on"), Value(date.max)))
            .filter(Q(volunteer__member_id=OuterRef("member_id"))
                    | Q(volunteer__person_id=OuterRef("member__person_id")))
            .filter(StartsWith(F("path"), OuterRef("organisation__area_path")))
            .order_by().annotate(one=Value(1)).values("one").annotate(total=Sum("confirmed_minutes")).values("total"))
    return reports.annotate(served_minutes=Coalesce(Subquery(rows), 0))


def home_reports_with_hours(reports: QuerySet) -> list:
    """``reports`` (a HomeReport queryset) as a list, each with ``total_hours``: hours recorded by hand plus the
    confirmed hours of the dated sign-ups (``with_service_hours``), one decimal. One query."""
    rows = list(with_service_hours(reports))
    for report in rows:
        report.total_hours = (report.hours + Decimal(report.served_minutes) / 60).quantize(Decimal("0.1"))
    return rows


# ---------------------------------------------------------------- 点单—派单—接单—评单

def team_dispatches(user) -> QuerySet:
    """Wishes dispatched to the teams ``user`` leads (or their unit owns): waiting ones first, then the rest with the
    wish's state (claim, done, rating). One query."""
    return (Dispatch.objects.filter(led_teams_q(user, via="team__"))
            .select_related("team", "demand", "demand__area", "wish_claim")
            .order_by(Case(When(status=Dispatch.Status.DISPATCHED, then=0), default=1), "-dispatched_at", "-pk"))


def wishes_to_dispatch(user, *, limit: int = 50) -> QuerySet:
    """Open wishes (not claimed, not routed to a unit) where ``user`` holds MANAGE, none waiting on a team."""
    waiting = Dispatch.objects.filter(demand=OuterRef("pk"), status=Dispatch.Status.DISPATCHED)
    return (Demand.objects.filter(scope_of(user).q(caps.MANAGE, "path"), kind=Demand.Kind.WISH,
                                  status=Demand.Status.RECEIVED, lead_unit__isnull=True)
            .exclude(Exists(waiting)).select_related("area").order_by("created_at", "pk")[:limit])
