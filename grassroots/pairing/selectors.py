"""Reads of pairing: the registers of pairs, a pair with its windows and visits, a household's pairs, coverage
by area with drill-down, a visitor's "due this week", and the seed's figures (visits, problems collected, problems
solved) for any area and period — computed from the records, never typed in.

Every answer about due / overdue / missed comes from rules/pairing.py (``windows``, ``window_on``); nothing here
decides it again. Every read goes through access/scope.py (``visible_pairs``, ``access_pair``,
``access_paired_household``).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, QuerySet

from grassroots.access.scope import (
    access_pair,
    access_paired_household,
    access_scoped,
    scope_of,
    visible_pairs,
)
from grassroots.areas.models import Household, Person, Tag
from grassroots.demands import permissions as demand_permissions
from grassroots.demands.models import Demand
from grassroots.pairing import capabilities as caps
from grassroots.pairing.models import Pair, Problem, Visit, VisitPhoto
from grassroots.pairing.services import is_own_pair, pair_title
from grassroots.rules import pairing as rules
from grassroots.rules.roles import VIEW_SENSITIVE

# ---------------------------------------------------------------------- pairs: registers

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits: a pair, a visit, a household


@dataclass(frozen=True)
class WindowRow:
    window: rules.Window
    status: str
    label: str  # rules.STATUS_LABELS[status]


@dataclass(frozen=True)
class PairPage:
    pair: Pair
    title: str
    today: date
    windows: list[WindowRow]
    visits: list[Visit]  # newest first, each with .helps_list, .photo_count, .problems_list (demand loaded)
    can_record: bool  # own pair, or pairing.RECORD on its path
    openable: frozenset[int]  # the demands the caller may open (a link to the demand's page)


def _pairs_loaded(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("visitor_user", "visitor_member", "visitor_unit", "household", "household__grid",
                                   "area", "member", "enterprise")


def _visits_loaded(queryset: QuerySet) -> QuerySet:
    """Visits with what their pages show, in a fixed number of queries whatever their number."""
    return (queryset.select_related("recorded_by")
            .annotate(photo_count=Count("photos", distinct=True))
            .prefetch_related(Prefetch("helps", to_attr="helps_list"),
                              Prefetch("problems", queryset=Problem.objects.select_related("demand", "demand__lead_unit",
                                                                                           "demand__category"),
                                       to_attr="problems_list")))


def _openable(user, visits: list[Visit]) -> frozenset[int]:
    ids = [p.demand_id for v in visits for p in v.problems_list]
    if not ids:
        return frozenset()
    return frozenset(Demand.objects.filter(demand_permissions.demand_q(user), pk__in=ids).values_list("pk", flat=True))


def can_record_visit(user, pair: Pair) -> bool:
    return is_own_pair(user, pair) or scope_of(user).can(caps.RECORD, pair.path)


def year_windows(pair: Pair, visit_days, *, today: date) -> list[WindowRow]:
    """The pair's windows of ``today``'s year with their status on ``today`` (rules/pairing.py decides)."""
    found = rules.windows(frequency=pair.rule.frequency, started_on=pair.started_on, ended_on=pair.ended_on,
                          visits=visit_days, since=date(today.year, 1, 1), until=date(today.year, 12, 31))
    rows = []
    for w in found:
        status = w.status(today)
        rows.append(WindowRow(window=w, status=status, label=rules.STATUS_LABELS[status]))
    return rows


def pair_detail(user, pk: int, *, today: date) -> PairPage:
    """A pair the caller reaches: its windows of the year, its visits (newest first) with helps, photo count and
    problems with each demand's state."""
    pair = access_pair(user, pk=pk, queryset=_pairs_loaded(Pair.objects.all()))
    visits = list(_visits_loaded(pair.visits.all()))
    # The windows of the year count every visit from its first day to the last window's grace days.
    days = pair.visits.filter(visited_on__gte=date(today.year, 1, 1),
                              visited_on__lte=date(today.year + 1, 1, 31)).values_list("visited_on", flat=True)
    return PairPage(pair=pair, title=pair_title(pair), today=today, windows=year_windows(pair, list(days), today=today),
                    visits=visits, can_record=can_record_visit(user, pair), openable=_openable(user, visits))


@dataclass(frozen=True)
class VisitPage:
    visit: Visit  # with .helps_list, .photo_count, .problems_list
    pair: Pair
    title: str
    photos: list[VisitPhoto]
    openable: frozenset[int]


def visible_visits(user, queryset: QuerySet | None = None) -> QuerySet:
    """Visits of the pairs the caller reaches (their own as visitor, those in their areas with pairing.VIEW)."""
    return visible_pairs(user, queryset if queryset is not None else Visit.objects.all(), via="pair__")


def access_visit(user, pk: int) -> Visit:
    return access_scoped(visible_visits(user, Visit.objects.select_related("pair")), pk=pk)


def visit_detail(user, pk: int) -> VisitPage:
    visit = access_scoped(_visits_loaded(visible_visits(user)).select_related(
        "pair", "pair__visitor_user", "pair__visitor_member", "pair__visitor_unit", "pair__household",
        "pair__area", "pair__member", "pair__enterprise"), pk=pk)
    return VisitPage(visit=visit, pair=visit.pair, title=pair_title(visit.pair), photos=list(visit.photos.all()),
                     openable=_openable(user, [visit]))


def visit_photo(user, pk: int, photo: int) -> VisitPhoto:
    """A photo of a visit the caller reaches; 404 otherwise."""
    return access_scoped(VisitPhoto.objects.filter(visit__in=visible_visits(user).values("pk")), visit_id=pk, pk=photo)


def visits_list(user, *, pair: int | None = None, since: date | None = None, until: date | None = None) -> QuerySet:
    """The caller's visits (their own pairs' and those in their areas), newest first, for the API."""
    visits = _visits_loaded(visible_visits(user)).select_related("pair")
    if pair is not None:
        visits = visits.filter(pair_id=pair)
    if since is not None:
        visits = visits.filter(visited_on__gte=since)
    if until is not None:
        visits = visits.filter(visited_on__lte=until)
    return visits.order_by("-visited_at", "-id")


def problems_list(user, *, area: str = "", since: date | None = None, until: date | None = None,
                  state: str = "") -> QuerySet:
    """Problems collected on the caller's visits (and in their areas), newest first, with their demands."""
    problems = visible_pairs(user, Problem.objects.all(), via="visit__pair__").select_related(
        "visit", "demand", "demand__lead_unit", "demand__category")
    if area:
        problems = problems.filter(path__startswith=area)
    if since is not None:
        problems = problems.filter(visited_on__gte=since)
    if until is not None:
        problems = problems.filter(visited_on__lte=until)
    if state:
        problems = problems.filter(demand__status=state)
    return problems.order_by("-visited_on", "-id")


@dataclass(frozen=True)
class HouseholdPairing:
    household: Household
    members: list[Person]  # name, relation; no ID numbers ever
    show_sensitive: bool  # sensitive tags (低保 …) only with residents.view_sensitive on the household
    pairs: list[tuple[Pair, WindowRow | None]]  # the pair and its window that matters on ``day`` (None: not in force)
    visits: list[Visit]
    openable: frozenset[int]
    day: date


def household_pairing(user, pk: int, *, day: date) -> HouseholdPairing:
    """A household as its pairing cadre (and the village's leaders) see it: names and address, its pairs with the
    window that matters on ``day``, their visits and the problems with their states. Through
    ``access_paired_household`` with pairing.VIEW: a grid worker who is not its visitor gets 404 (visit notes are
    not theirs to read)."""
    household = access_paired_household(user, pk=pk, day=day, capability=caps.VIEW,
                                        queryset=Household.objects.select_related("grid", "village"))
    show_sensitive = scope_of(user).can(VIEW_SENSITIVE, household.path)
    tags = Tag.objects.all() if show_sensitive else Tag.objects.filter(sensitive=False)
    members = list(household.members.filter(is_active=True).prefetch_related(Prefetch("tags", queryset=tags))
                   .order_by("id"))
    pairs = list(_pairs_loaded(visible_pairs(user, Pair.objects.filter(household=household)))
                 .order_by("-started_on", "id"))
    pair_ids = [p.pk for p in pairs]
    days: dict[int, list[date]] = {}
    for pair_id, visited_on in Visit.objects.filter(pair_id__in=pair_ids).values_list("pair_id", "visited_on"):
        days.setdefault(pair_id, []).append(visited_on)
    rows = []
    for pair in pairs:
        window = rules.window_on(frequency=pair.rule.frequency, started_on=pair.started_on, ended_on=pair.ended_on,
                                 visits=days.get(pair.pk, []), today=day)
        rows.append((pair, None if window is None else WindowRow(window, window.status(day),
                                                                 rules.STATUS_LABELS[window.status(day)])))
    visits = list(_visits_loaded(Visit.objects.filter(pair_id__in=pair_ids)).select_related("pair", "pair__visitor_user",
                                                                                             "pair__visitor_unit")
                  .order_by("-visited_at", "-id"))
    return HouseholdPairing(household=household, members=members, show_sensitive=show_sensitive, pairs=rows,
                            visits=visits, openable=_openable(user, visits), day=day)

# ---------------------------------------------------------------------- end of visits


# ---------------------------------------------------------------------- coverage, due this week, figures

# ---------------------------------------------------------------------- end of coverage


# ---------------------------------------------------------------------- cloud branch

# ---------------------------------------------------------------------- end of cloud branch
