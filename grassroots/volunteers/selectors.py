"""Reads of volunteer service: sites, teams, volunteers, activities with their places taken, a volunteer's own
sign-ups and hours, the verification queue, leaderboards and star levels, the public calendar and honour board,
rotas, and the hours → points outcomes.

Only confirmed hours count anywhere (``COUNTED``): a check-out's minutes wait for the leader. Every read that shows
volunteers goes through access/scope.py (``visible_teams``, ``access_team``, ``access_activity``) or through the
caller's own volunteer record (``volunteer_of``).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.http import Http404

from grassroots.access.scope import NOT_FOUND, leads_team, led_teams_q, scope_of, visible_teams
from grassroots.areas.models import Area, Level
from grassroots.rules import volunteering as rules
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers.models import Activity, SignUp, Team, Volunteer

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

# An activity a caller reaches: a team they lead, or in their subtree for VIEW (access/scope.py).
LIVE = (SignUp.Status.SIGNED, SignUp.Status.WAITING)


def sees_activities(user) -> bool:
    """Whether the caller oversees activities: VIEW somewhere, or a team they lead (or their unit owns)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(scope_of(user).paths(caps.VIEW)) or Team.objects.filter(led_teams_q(user)).exists()


def scoped_activities(user, capability: str = caps.VIEW) -> QuerySet:
    """Activities of the teams the caller leads or reaches by area, with their places taken (one query)."""
    return visible_teams(user, with_places(Activity.objects.select_related("team", "area")), capability,
                         via="team__")


def activity_list(user, *, now: datetime, past: bool = False, area_path: str = "", team: Team | None = None) -> QuerySet:
    """The caller's activities, upcoming (not yet ended, soonest first) or past (latest first), by area or team."""
    return _narrowed(scoped_activities(user), now=now, past=past, area_path=area_path, team=team)


def _narrowed(rows: QuerySet, *, now: datetime, past: bool, area_path: str, team: Team | None) -> QuerySet:
    if area_path:
        rows = rows.filter(path__startswith=area_path)
    if team is not None:
        rows = rows.filter(team=team)
    if past:
        return rows.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
    return rows.filter(ends_at__gt=now).order_by("starts_at", "pk")


def filter_areas(user, *, limit: int = 300) -> list[Area]:
    """The areas the activity list may be narrowed to: the caller's own (VIEW) and the townships and villages in them."""
    query = scope_of(user).q(caps.VIEW, "path")
    return list(Area.objects.filter(query, level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE])
                .order_by("path")[:limit])


def runnable_teams(user) -> QuerySet:
    """Teams the caller may schedule activities for: their own, and those in their subtree for MANAGE."""
    return visible_teams(user, Team.objects.filter(is_active=True).select_related("area"), caps.MANAGE)


def _waiting_position() -> Subquery:
    """A waiting sign-up's place on its activity's waiting list (1 = next to move up)."""
    ahead = (SignUp.objects.filter(activity=OuterRef("activity"), status=SignUp.Status.WAITING)
             .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")))
             .order_by().values("activity").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(ahead), 0) + 1


def with_position(signups: QuerySet) -> QuerySet:
    return signups.annotate(position=_waiting_position())


@dataclass
class ActivityPage:
    activity: Activity  # with ``signed`` and ``waiting``
    places_left: int
    may_run: bool  # the team's leader or MANAGE: roster, no-shows, check-in for someone, cancel
    may_see_roster: bool  # VIEW on the area (read only) or may_run
    volunteer: Volunteer | None  # the caller's own registration
    mine: SignUp | None  # the caller's live (or attended) sign-up, with ``position`` when waiting
    roster: list[SignUp]
    started: bool
    ended: bool


def activity_page(user, pk: int, *, now: datetime) -> ActivityPage:
    """One activity for the caller. Anyone (anonymous too) sees a public open one's details and places left; a
    volunteer their own sign-up; the team's leader, MANAGE and VIEW on its area the roster. 404 otherwise."""
    base = with_places(Activity.objects.select_related("team", "area"))
    volunteer = volunteer_of(user)
    activity = visible_teams(user, base, caps.VIEW, via="team__").filter(pk=pk).first() if user.is_authenticated else None
    may_see_roster = activity is not None
    if activity is None:
        reach = public_activities(base).filter(pk=pk)
        if volunteer is not None:  # their team's private activities, and their own sign-ups (even cancelled)
            reach = base.filter(pk=pk).filter(
                Q(pk__in=public_activities().values("pk")) | Q(pk__in=_own_activity_ids(volunteer)))
        activity = reach.first()
    if activity is None:
        raise Http404(NOT_FOUND)
    may_run = may_see_roster and (scope_of(user).can(caps.MANAGE, activity.team.path) or leads_team(user, activity.team))
    mine = None
    if volunteer is not None:
        mine = (with_position(SignUp.objects.filter(activity=activity, volunteer=volunteer))
                .exclude(status=SignUp.Status.CANCELLED).first())
    roster = []
    if may_see_roster:
        roster = list(with_position(activity.signups.exclude(status=SignUp.Status.CANCELLED)
                                    .select_related("volunteer"))
                      .order_by(Case(When(status=SignUp.Status.SIGNED, then=0), default=1), "created_at", "pk"))
    return ActivityPage(activity=activity, places_left=max(0, activity.slots - activity.signed), may_run=may_run,
                        may_see_roster=may_see_roster, volunteer=volunteer, mine=mine, roster=roster,
                        started=now >= activity.starts_at, ended=now >= activity.ends_at)


def _own_activity_ids(volunteer: Volunteer) -> QuerySet:
    """Activities a volunteer may open although not public: their teams' and the ones they signed up for."""
    return Activity.objects.filter(
        Q(signups__volunteer=volunteer)
        | Q(team__members__volunteer=volunteer, team__members__left_on__isnull=True)).values("pk")


def listed_activities(user, *, now: datetime, past: bool = False, area_path: str = "",
                      team: Team | None = None) -> QuerySet:
    """The API's list: the caller's activities (``activity_list``) and every public open one besides."""
    scoped = visible_teams(user, Activity.objects.all(), caps.VIEW, via="team__").values("pk")
    rows = with_places(Activity.objects.select_related("team", "area")).filter(
        Q(pk__in=scoped) | Q(pk__in=public_activities().values("pk")))
    return _narrowed(rows, now=now, past=past, area_path=area_path, team=team)


def my_signups_on(user, activity_ids: list[int]) -> dict[int, SignUp]:
    """The caller's own live (not cancelled) sign-ups on ``activity_ids``, by activity: one query."""
    volunteer = volunteer_of(user)
    if volunteer is None or not activity_ids:
        return {}
    rows = with_position(SignUp.objects.filter(volunteer=volunteer, activity_id__in=activity_ids)
                         .exclude(status=SignUp.Status.CANCELLED))
    return {s.activity_id: s for s in rows}


def signup_for(user, pk: int, *, capability: str = caps.VIEW) -> SignUp:
    """A sign-up the caller may act on: their own, or one of an activity they reach; 404 otherwise."""
    rows = SignUp.objects.select_related("activity__team", "volunteer")
    own = Q(volunteer__user=user) if user.is_authenticated else Q(pk__in=[])
    found = rows.filter(Q(pk__in=visible_teams(user, SignUp.objects.all(), capability, via="activity__team__")
                          .values("pk")) | own, pk=pk).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


@dataclass
class MyService:
    volunteer: Volunteer
    upcoming: list[SignUp]  # live sign-ups of activities not yet ended, cancelled ones too (``position`` when waiting)
    past: list[SignUp]  # places of ended activities, newest first
    pending_minutes: int  # checked out, awaiting the leader: never in the total
    confirmed_minutes: int
    stars: int
    to_next_star: int | None


def my_service(volunteer: Volunteer, *, now: datetime, past_limit: int = 50) -> MyService:
    """A volunteer's own sign-ups and hours: only confirmed minutes count (the running total on the volunteer)."""
    mine = SignUp.objects.filter(volunteer=volunteer).select_related("activity__team")
    upcoming = list(with_position(mine.filter(status__in=LIVE, activity__ends_at__gt=now))
                    .order_by("activity__starts_at", "pk"))
    past = list(mine.filter(status=SignUp.Status.SIGNED, activity__ends_at__lte=now,
                            activity__status=Activity.Status.OPEN)
                .order_by("-activity__starts_at", "-pk")[:past_limit])
    pending = (mine.filter(status=SignUp.Status.SIGNED, confirmed_minutes__isnull=True, minutes__isnull=False)
               .aggregate(total=Sum("minutes"))["total"] or 0)
    total = Volunteer.objects.filter(pk=volunteer.pk).values_list("confirmed_minutes", flat=True).first() or 0
    return MyService(volunteer=volunteer, upcoming=upcoming, past=past, pending_minutes=pending,
                     confirmed_minutes=total, stars=rules.star_level(total),
                     to_next_star=rules.minutes_to_next_star(total))


@dataclass
class QueueRow:
    signup: SignUp
    proposed: int  # minutes: the check-out's, or from check-in to the end while the checkout is still open


@dataclass
class QueueGroup:
    volunteer: Volunteer
    rows: list[QueueRow]
    no_shows: list[SignUp]

    @property
    def proposed(self) -> int:
        return sum(r.proposed for r in self.rows)


def _proposed(signup: SignUp) -> int:
    if signup.minutes is not None:
        return signup.minutes
    if signup.checked_in_at is None:
        return 0
    ends = max(signup.activity.ends_at, signup.checked_in_at)
    return min(rules.MAX_MINUTES, int((ends - signup.checked_in_at).total_seconds() // 60))


def hours_queue(user, *, now: datetime) -> list[QueueGroup]:
    """The verification queue: places of ended activities of the teams the caller runs (leader or MANAGE) whose
    hours are not confirmed, grouped by volunteer (by name); those who never checked in are the no-shows. One
    query, whatever the number of rows."""
    signups = (visible_teams(user, SignUp.objects.all(), caps.MANAGE, via="activity__team__")
               .filter(status=SignUp.Status.SIGNED, confirmed_minutes__isnull=True, activity__ends_at__lte=now)
               .select_related("volunteer", "activity__team")
               .order_by("volunteer__name", "volunteer_id", "activity__starts_at", "pk"))
    groups: dict[int, QueueGroup] = {}
    for signup in signups:
        group = groups.setdefault(signup.volunteer_id, QueueGroup(volunteer=signup.volunteer, rows=[], no_shows=[]))
        if signup.checked_in_at is None:
            group.no_shows.append(signup)
        else:
            group.rows.append(QueueRow(signup=signup, proposed=_proposed(signup)))
    return list(groups.values())


def runs_any_team(user) -> bool:
    """Whether the caller confirms hours anywhere: MANAGE somewhere, or a team they lead."""
    if user is None or not user.is_authenticated:
        return False
    return bool(scope_of(user).paths(caps.MANAGE)) or Team.objects.filter(led_teams_q(user)).exists()


# ================================================================================================ rotas (section C)


# ================================================================================================ hours → points, 双报到, 点单 (section D)
