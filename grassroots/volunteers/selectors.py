"""Reads of volunteer service: sites, teams, volunteers, activities with their places taken, a volunteer's own
sign-ups and hours, the verification queue, leaderboards and star levels, the public calendar and honour board,
rotas, and the hours → points outcomes.

Only confirmed hours count anywhere (``COUNTED``): a check-out's minutes wait for the leader. Every read that shows
volunteers goes through access/scope.py (``visible_teams``, ``access_team``, ``access_activity``) or through the
caller's own volunteer record (``volunteer_of``).
"""

from django.db.models import Count, Q, QuerySet, Sum

from grassroots.access.scope import scope_of
from grassroots.rules import volunteering as rules
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers.models import Activity, SignUp, Volunteer

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
