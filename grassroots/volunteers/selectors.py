"""Reads of volunteer service: sites, teams, volunteers, activities with their places taken, a volunteer's own
sign-ups and hours, the verification queue, leaderboards and star levels, the public calendar and honour board,
rotas, and the hours → points outcomes.

Only confirmed hours count anywhere (``COUNTED``): a check-out's minutes wait for the leader. Every read that shows
volunteers goes through access/scope.py (``visible_teams``, ``access_team``, ``access_activity``) or through the
caller's own volunteer record (``volunteer_of``).
"""

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from grassroots.access.scope import NOT_FOUND, led_teams_q, scope_of
from grassroots.rules import rota as rota_rules
from grassroots.rules import volunteering as rules
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers.models import Activity, Rota, RotaTurn, SignUp, Team, TeamMember, Volunteer

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



# ================================================================================================ hours → points, 双报到, 点单 (section D)
