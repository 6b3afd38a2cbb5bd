"""Reads of volunteer service: sites, teams, volunteers, activities with their places taken, a volunteer's own
sign-ups and hours, the verification queue, leaderboards and star levels, the public calendar and honour board,
rotas, and the hours → points outcomes.

Only confirmed hours count anywhere (``COUNTED``): a check-out's minutes wait for the leader. Every read that shows
volunteers goes through access/scope.py (``visible_teams``, ``access_team``, ``access_activity``) or through the
caller's own volunteer record (``volunteer_of``).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import StartsWith
from django.http import Http404
from django.utils import timezone

from grassroots.access.scope import NOT_FOUND, access_area, leads_team, led_teams_q, scope_of, visible_teams
from grassroots.areas.models import Area, Level, Person
from grassroots.catalogue.models import Rule, RuleVersion
from grassroots.catalogue.models import Unit as RuleUnit
from grassroots.demands.models import Demand
from grassroots.members.models import HomeReport, Membership
from grassroots.party.models import Organisation
from grassroots.rules import rota as rota_rules
from grassroots.rules import volunteering as rules
from grassroots.rules.paths import path_prefixes
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers.models import (
    Activity,
    Dispatch,
    HoursClaim,
    Rota,
    RotaTurn,
    SignUp,
    Site,
    Team,
    TeamMember,
    Volunteer,
)

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


# ================================================================================================ sites, teams, volunteers


# The register's pages hold this many volunteers.
PEOPLE_PAGE_SIZE = 50


def current_memberships() -> Prefetch:
    """Prefetch of a volunteer's open team memberships with their teams (``volunteer.current``)."""
    return Prefetch("team_memberships", queryset=TeamMember.objects.filter(left_on__isnull=True)
                    .select_related("team").order_by("joined_on", "pk"), to_attr="current")


def sees_volunteers(user) -> bool:
    """Whether the caller oversees volunteer service somewhere (``VIEW`` on an area)."""
    return bool(scope_of(user).paths(caps.VIEW))


def leads_any_team(user) -> bool:
    """Whether the caller leads a team (or works for a unit owning one): the nav shows them 志愿."""
    return Team.objects.filter(led_teams_q(user), is_active=True).exists()


def default_area(user, capability: str = caps.VIEW) -> Area | None:
    """The outermost area where the caller holds ``capability`` (the root for a superuser)."""
    paths = scope_of(user).paths(capability)
    if paths == [""]:
        return Area.objects.filter(parent__isnull=True).order_by("code").first()
    return Area.objects.filter(path__in=paths).order_by("path").first() if paths else None


def overview_area(user, code: str = "") -> Area:
    """The area the overview opens on: the one asked for (``VIEW`` on it or above; 404 otherwise), else the
    caller's outermost one."""
    if code.strip():
        return access_area(user, code=code, capability=caps.VIEW)
    area = default_area(user)
    if area is None:
        raise Http404(NOT_FOUND)
    return area


@dataclass
class OverviewRow:
    area: Area
    sites: int = 0
    teams: int = 0
    volunteers: int = 0
    minutes: int = 0

    @property
    def hours(self) -> str:
        return rules.hours_text(self.minutes)


@dataclass
class Overview:
    total: OverviewRow
    children: list[OverviewRow]
    stars: list[int]
    top: list[Volunteer]


def overview(area: Area, *, top: int = 10) -> Overview:
    """An area's sites, teams, registered volunteers and verified hours, with a row per child area, the star
    counts and the top volunteers: a fixed number of queries (rows grouped by path, folded onto the children)."""
    children = list(Area.objects.filter(parent=area).order_by("code"))
    total = OverviewRow(area)
    rows = {child.path: OverviewRow(child) for child in children}

    def fold(path: str) -> OverviewRow | None:
        return next((row for prefix, row in rows.items() if path.startswith(prefix)), None)

    within = {"path__startswith": area.path, "is_active": True}
    for path, n in Site.objects.filter(**within).values_list("path").annotate(n=Count("pk")).order_by():
        total.sites += n
        if (row := fold(path)) is not None:
            row.sites += n
    for path, n in Team.objects.filter(**within).values_list("path").annotate(n=Count("pk")).order_by():
        total.teams += n
        if (row := fold(path)) is not None:
            row.teams += n
    volunteers = Volunteer.objects.filter(**within)
    for path, n, minutes in volunteers.values_list("path").annotate(n=Count("pk"), m=Sum("confirmed_minutes")).order_by():
        total.volunteers += n
        total.minutes += minutes or 0
        if (row := fold(path)) is not None:
            row.volunteers += n
            row.minutes += minutes or 0
    board = leaderboard(volunteers.prefetch_related(current_memberships()), limit=top)
    return Overview(total=total, children=list(rows.values()), stars=star_counts(volunteers), top=board)


@dataclass
class OwnCard:
    volunteer: Volunteer
    next_star_hours: str | None
    teams: list

    @property
    def stars_text(self) -> str:
        return "★" * self.volunteer.stars


def own_card(volunteer: Volunteer) -> OwnCard:
    """A volunteer's own card: stars, verified hours, the hours to the next star, their teams."""
    to_next = rules.minutes_to_next_star(volunteer.confirmed_minutes)
    teams = [m.team for m in TeamMember.objects.filter(volunteer=volunteer, left_on__isnull=True)
             .select_related("team")]
    return OwnCard(volunteer=volunteer, next_star_hours=None if to_next is None else rules.hours_text(to_next),
                   teams=teams)


def visible_sites(user, capability: str = caps.VIEW) -> QuerySet:
    """Practice sites in the caller's subtree for ``capability`` (with their area and parent loaded)."""
    return (Site.objects.filter(scope_of(user).q(capability, "path"))
            .select_related("area", "parent").order_by("path", "level", "name"))


def access_site(user, pk: int, capability: str = caps.VIEW) -> Site:
    site = visible_sites(user, capability).filter(pk=pk).first()
    if site is None:
        raise Http404(NOT_FOUND)
    return site


def team_list(user, *, area: Area | None = None) -> QuerySet:
    """The teams the caller reaches (by area, or as their leader), with their owner, leader and member count."""
    teams = visible_teams(user, Team.objects.all())
    if area is not None:
        teams = teams.filter(path__startswith=area.path)
    return (teams.select_related("site", "unit", "area", "leader")
            .annotate(member_count=Count("members", filter=Q(members__left_on__isnull=True)))
            .order_by("path", "name"))


def team_members(team: Team) -> list[TeamMember]:
    """A team's current members (joined dates), the leader first."""
    members = list(TeamMember.objects.filter(team=team, left_on__isnull=True).select_related("volunteer")
                   .order_by("joined_on", "pk"))
    return sorted(members, key=lambda m: m.volunteer_id != team.leader_id)


def upcoming_activities(team: Team, *, now: datetime) -> list[Activity]:
    """A team's activities that have not ended, with their places taken."""
    return list(with_places(team.activities.filter(ends_at__gte=now, status=Activity.Status.OPEN))
                .order_by("starts_at", "pk")[:20])


def people(user, *, area: Area | None = None, team: Team | None = None, stars: int | None = None) -> QuerySet:
    """The register of volunteers the caller sees (``VIEW`` by area), filtered, with their current teams."""
    volunteers = Volunteer.objects.filter(scope_of(user).q(caps.VIEW, "path"), is_active=True)
    if area is not None:
        volunteers = volunteers.filter(path__startswith=area.path)
    if team is not None:
        volunteers = volunteers.filter(team_memberships__team=team, team_memberships__left_on__isnull=True)
    if stars is not None:
        bounds = [0, *(h * 60 for h in rules.STAR_HOURS)]
        volunteers = volunteers.filter(confirmed_minutes__gte=bounds[stars])
        if stars + 1 < len(bounds):
            volunteers = volunteers.filter(confirmed_minutes__lt=bounds[stars + 1])
    return volunteers.select_related("area").prefetch_related(current_memberships()).order_by("path", "name", "pk")


def access_volunteer(user, pk: int) -> Volunteer:
    """A volunteer the caller sees: ``VIEW`` on their area, their own record, or a member of a team the caller
    leads; 404 otherwise."""
    led = TeamMember.objects.filter(led_teams_q(user, via="team__"), left_on__isnull=True).values("volunteer_id")
    found = (visible_volunteers(user, Volunteer.objects.filter(pk=pk)) | Volunteer.objects.filter(pk=pk, pk__in=led))
    volunteer = found.select_related("area", "person", "user").first()
    if volunteer is None:
        raise Http404(NOT_FOUND)
    return volunteer


def resident(user, *, household: str, name: str) -> Person | None:
    """The resident named ``name`` in the household numbered ``household``, within the caller's ``MANAGE``
    subtree; None when there is no such one person (no guessing)."""
    found = list(Person.objects.filter(scope_of(user).q(caps.MANAGE, "path"), household__number=household.strip(),
                                       household__is_active=True, name=name.strip(), is_active=True)
                 .select_related("household__village")[:2])
    return found[0] if len(found) == 1 else None


def registrable_areas() -> QuerySet:
    """The villages and communities a volunteer registers in."""
    return Area.objects.filter(level=Level.VILLAGE).select_related("parent").order_by("path")


def public_area(code: str) -> Area:
    """The area a public page is about (any level above a grid); 404 when there is none."""
    area = Area.objects.filter(code=(code or "").strip()).exclude(level=Level.GRID).first()
    if area is None:
        raise Http404(NOT_FOUND)
    return area


def public_calendar(area: Area, *, now: datetime) -> list[Activity]:
    """Public, open activities of ``area`` that have not ended, with places taken: no names of anyone."""
    activities = public_activities(Activity.objects.filter(path__startswith=area.path, ends_at__gte=now))
    return list(with_places(activities).select_related("team").order_by("starts_at", "pk")[:100])


def public_teams(area: Area) -> list[Team]:
    return list(Team.objects.filter(path__startswith=area.path, is_active=True).select_related("site", "unit")
                .annotate(member_count=Count("members", filter=Q(members__left_on__isnull=True)))
                .order_by("path", "name")[:200])


def honour_board(area: Area, *, limit: int = 50) -> list[Volunteer]:
    """The top volunteers of ``area`` by verified (confirmed) hours: the page shows their masked names only."""
    return leaderboard(Volunteer.objects.filter(path__startswith=area.path).prefetch_related(current_memberships()),
                       limit=limit)


# ================================================================================================ activities, sign-ups, hours

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


# ================================================================================================ rotas


def rota_teams(teams) -> list[rota_rules.TeamIn]:
    """``teams`` as the rota generator takes them: each with its current active members (in the order they joined)
    and their weekly availability. Two queries."""
    current = (TeamMember.objects.filter(left_on__isnull=True, volunteer__is_active=True)
               .select_related("volunteer").order_by("joined_on", "id"))
    loaded = {t.pk: t for t in Team.objects.filter(pk__in=[t.pk for t in teams]).prefetch_related(
        Prefetch("members", queryset=current, to_attr="current"))}
    return [rota_rules.TeamIn(key=t.pk, name=t.name, members=tuple(
        rota_rules.Member(key=m.volunteer_id, name=m.volunteer.name, slots=frozenset(m.volunteer.availability or ()))
        for m in t.current)) for t in (loaded[team.pk] for team in teams)]


def visible_rotas(user, capability: str = caps.VIEW) -> QuerySet:
    """Rotas in the caller's subtree for ``capability``, and (to look at) those with a team the caller leads."""
    mine = Q(pk__in=[])
    if capability == caps.VIEW:
        mine = Q(pk__in=Rota.objects.filter(teams__in=Team.objects.filter(led_teams_q(user))).values("pk"))
    return Rota.objects.filter(scope_of(user).q(capability, "path") | mine)


def access_rota(user, *, pk: int, capability: str = caps.VIEW) -> Rota:
    """A rota the caller may look at; 404 otherwise (403 for changes is the service's to say)."""
    rota = visible_rotas(user, capability).select_related("area", "site").filter(pk=pk).first()
    if rota is None:
        raise Http404(NOT_FOUND)
    return rota


def rota_list(user) -> QuerySet:
    """The caller's rotas with their teams and turns counted: one query."""
    return (visible_rotas(user).select_related("area")
            .annotate(team_count=Count("teams", distinct=True), turn_count=Count("turns", distinct=True))
            .order_by("-term_start", "-id"))


def rota_turns(rota: Rota) -> list[RotaTurn]:
    """The rota's turns in time order with their team, activity and members: three queries."""
    turns = list(RotaTurn.objects.filter(rota=rota).select_related("team__leader", "activity")
                 .prefetch_related(Prefetch("members", queryset=Volunteer.objects.order_by("name", "id"))))
    turns.sort(key=lambda t: (t.date, rules.SLOTS.index(t.slot) if t.slot in rules.SLOTS else 99, t.team.name, t.pk))
    return turns


def rota_weeks(turns: list[RotaTurn]) -> list[tuple[int, list[RotaTurn]]]:
    """``turns`` grouped by week, in order."""
    weeks: dict[int, list[RotaTurn]] = {}
    for turn in turns:
        weeks.setdefault(turn.week, []).append(turn)
    return sorted(weeks.items())



# ================================================================================================ hours → points, 双报到, 点单



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


def visible_wish(user, pk: int) -> Demand:
    """A 微心愿 (a demand of kind "wish") on an area where ``user`` sees volunteer service; 404 otherwise."""
    demand = Demand.objects.filter(pk=pk, kind=Demand.Kind.WISH).select_related("area").first()
    if demand is None or not scope_of(user).can(caps.VIEW, demand.path):
        raise Http404(NOT_FOUND)
    return demand


def wish_teams(demand: Demand) -> QuerySet:
    """The active teams a wish may be dispatched to: those of its area or above, and units' teams serving it."""
    above = path_prefixes(demand.path)
    return (Team.objects.filter(is_active=True)
            .filter(Q(path__in=above) | Q(unit__isnull=False, unit__path__in=above)).order_by("path", "name"))
