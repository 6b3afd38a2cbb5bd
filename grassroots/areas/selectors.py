"""Reads of the area tree and the register. Every one takes the caller and scopes through access.scope."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from grassroots.access.scope import access_object, scope_of, visible
from grassroots.areas.models import Area, Household, Level, Person
from grassroots.rules.pinyin import normalise_query
from grassroots.rules.roles import VIEW_RESIDENTS


def root_areas(user) -> QuerySet[Area]:
    """The outermost areas the caller holds a role on."""
    paths = scope_of(user).paths(VIEW_RESIDENTS)
    if paths == [""]:
        return Area.objects.filter(parent__isnull=True)
    return Area.objects.filter(path__in=paths).order_by("path")


def area_for(user, code: str) -> Area:
    return access_object(user, Area.objects.all(), code=code)


def children_with_counts(user, area: Area) -> QuerySet[Area]:
    """Sub-areas of ``area`` (already checked visible); grids and villages with their household counts."""
    children = visible(user, area.children.all()).order_by("code")
    if area.level == Level.VILLAGE:
        return children.annotate(household_count=Count("households", filter=Q(households__is_active=True)))
    if area.level == Level.TOWNSHIP:
        return children.annotate(
            household_count=Count("village_households", filter=Q(village_households__is_active=True))
        )
    return children


def _person_match(q: str) -> Q:
    key = normalise_query(q)
    match = Q(name__startswith=q.strip())
    if key.isascii() and key:
        match |= Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key)
    return match


def search_households(user, q: str, *, within: Area | None = None, limit: int = 50) -> QuerySet[Household]:
    """Households whose number or a member's name (汉字, full pinyin, initials) matches ``q``."""
    households = visible(user, Household.objects.filter(is_active=True))
    if within is not None:
        households = households.filter(path__startswith=within.path)
    q = (q or "").strip()
    if q:
        people = visible(user, Person.objects.filter(_person_match(q), is_active=True))
        if within is not None:
            people = people.filter(path__startswith=within.path)
        households = households.filter(Q(number__startswith=q) | Q(pk__in=people.values("household_id")[:limit]))
    return (
        households.select_related("grid", "village")
        .prefetch_related(Prefetch("members", queryset=Person.objects.filter(is_active=True).order_by("id")))
        .order_by("path", "number")[:limit]
    )


def search_people(user, q: str, *, within: Area | None = None, limit: int = 50) -> QuerySet[Person]:
    people = visible(user, Person.objects.filter(is_active=True)).select_related("household")
    if within is not None:
        people = people.filter(path__startswith=within.path)
    q = (q or "").strip()
    if q:
        people = people.filter(_person_match(q))
    return people.order_by("name_pinyin", "id")[:limit]


def household_detail(user, pk: int) -> Household:
    household = access_object(
        user, Household.objects.select_related("grid", "village", "village__parent"), pk=pk
    )
    household.member_list = list(
        household.members.filter(is_active=True).prefetch_related("tags").order_by("relation", "id")
    )
    household.member_list.sort(key=lambda p: (p.relation != Person.Relation.HEAD, p.id))
    # Who visits it (包联干部, 党员联系户): the pairs in force today, through the reverse relation of pairing's Pair.
    today = timezone.localdate()
    household.pair_list = list(
        household.pairs.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today), started_on__lte=today)
        .select_related("visitor_user", "visitor_member", "visitor_unit").order_by("kind", "started_on")
    )
    return household


def person_detail(user, pk: int) -> Person:
    return access_object(user, Person.objects.select_related("household").prefetch_related("tags"), pk=pk)


def area_summary(user, area: Area) -> dict:
    """Headline numbers for the home page of ``area`` (already checked visible)."""
    households = visible(user, Household.objects.filter(path__startswith=area.path, is_active=True))
    people = visible(user, Person.objects.filter(path__startswith=area.path, is_active=True))
    return {
        "households": households.count(),
        "people": people.count(),
        "party_members": people.exclude(party_status="").count(),
    }


def grid_households(user, grid: Area, *, limit: int = 100) -> QuerySet[Household]:
    """A grid worker's round: the households of one grid, heads prefetched."""
    return (
        visible(user, Household.objects.filter(grid=grid, is_active=True))
        .prefetch_related(Prefetch("members", queryset=Person.objects.filter(relation=Person.Relation.HEAD)))
        .order_by("number")[:limit]
    )
