"""Reads of pairing: the registers of pairs, a pair with its windows and visits, a household's pairs, coverage
by area with drill-down, a visitor's "due this week", and the seed's figures (visits, problems collected, problems
solved) for any area and period — computed from the records, never typed in.

Every answer about due / overdue / missed comes from rules/pairing.py (``windows``, ``window_on``); nothing here
decides it again. Every read goes through access/scope.py (``visible_pairs``, ``access_pair``,
``access_paired_household``).
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, lru_cache

from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractDay
from django.http import Http404
from django.utils import timezone

from grassroots.access.scope import (
    NOT_FOUND,
    access_area,
    access_pair,
    access_paired_household,
    access_path,
    access_scoped,
    own_pairs_q,
    reaches_organisation,
    scope_of,
    visible,
    visible_organisations,
    visible_pairs,
)
from grassroots.areas.models import Area, Household, Level, Person, Tag
from grassroots.demands import permissions as demand_permissions
from grassroots.demands.models import Demand, Unit
from grassroots.meetings.models import Meeting
from grassroots.members.models import Member, Membership, MobileMember
from grassroots.members.selectors import on_day
from grassroots.neworgs.models import NewOrganisation
from grassroots.pairing import capabilities as caps
from grassroots.pairing.models import Help, Pair, Problem, Relay, VillageOption, Visit, VisitPhoto
from grassroots.party import capabilities as party_caps
from grassroots.party.models import Organisation
from grassroots.rules import pairing as rules
from grassroots.rules.roles import EDIT_RESIDENTS, VIEW_SENSITIVE

# ---------------------------------------------------------------------- a pair's sides


def is_own_pair(user, pair: Pair) -> bool:
    """Whether ``user`` is the pair's visitor: the cadre, or staff of the unit."""
    if user is None or not user.is_authenticated:
        return False
    if pair.visitor_user_id is not None:
        return pair.visitor_user_id == user.pk
    if pair.visitor_unit_id is not None:
        return pair.visitor_unit.members.filter(user=user).exists()
    return False


def pair_title(pair: Pair) -> str:
    """"于财 — 户SQ-0001": who visits whom, for messages and headings."""
    target = pair.target
    if pair.household_id:
        name = f"户{target.number}"
    else:
        name = getattr(target, "name", str(target))
    return f"{pair.visitor_name} — {name}"

# ---------------------------------------------------------------------- pairs: registers


def in_force(day: date, *, via: str = "") -> Q:
    """Pairs (or rows of a pair, ``via="pair__"``) in force on ``day``: started, not yet ended."""
    return Q(**{f"{via}started_on__lte": day}) & (Q(**{f"{via}ended_on__isnull": True}) | Q(**{f"{via}ended_on__gt": day}))


def sees_registers(user) -> bool:
    """Whether the caller oversees pairs by area (pairing.VIEW somewhere); a cadre or unit staff with no such role
    sees only their own pairs (``pairing-my``)."""
    return bool(scope_of(user).paths(caps.VIEW))


def default_area(user, capability: str = caps.VIEW) -> Area | None:
    """The outermost area where the caller holds ``capability`` (the root for a superuser)."""
    paths = scope_of(user).paths(capability)
    if paths == [""]:
        return Area.objects.filter(parent__isnull=True).order_by("code").first()
    return Area.objects.filter(path__in=paths).order_by("path").first() if paths else None


def register_pairs(user, *, day: date, kind: str = "", area: Area | None = None) -> QuerySet[Pair]:
    """The pairs in force on ``day`` that the caller reaches (``visible_pairs``), of ``kind`` and in ``area`` when
    given, with both sides loaded."""
    pairs = visible_pairs(user, Pair.objects.filter(in_force(day)))
    if kind:
        pairs = pairs.filter(kind=kind)
    if area is not None:
        pairs = pairs.filter(path__startswith=area.path)
    return pairs.select_related("visitor_user", "visitor_member", "visitor_unit", "household__village",
                                "area__parent", "member", "enterprise").order_by("kind", "path", "id")


def kind_counts(user, *, day: date) -> list[dict]:
    """Each kind with the number of its pairs in force on ``day`` that the caller reaches (one query)."""
    counts = dict(visible_pairs(user, Pair.objects.filter(in_force(day))).order_by()
                  .values_list("kind").annotate(n=Count("id")))
    return [{"kind": k, "count": counts.get(k.code, 0)} for k in rules.KINDS.values()]


@dataclass
class RegisterRow:
    pair: Pair
    window: rules.Window | None
    status: str
    status_label: str
    target_name: str
    head_name: str = ""
    mobile: str = ""
    tags: list[str] = field(default_factory=list)  # sensitive: only for those who may see them


def target_name(pair: Pair) -> str:
    if pair.household_id:
        return f"{pair.household.village.name} {pair.household.number}"
    if pair.area_id:
        parent = pair.area.parent.name if pair.area.parent_id and pair.area.level == Level.GRID else ""
        return f"{parent}{pair.area.name}"
    return str(pair.target)


def pair_rows(user, pairs: list[Pair], *, day: date) -> list[RegisterRow]:
    """Rows of a register page: each pair with its window on ``day`` (rules.window_on) from ONE query of visits,
    the household head, their mobile (whole for editors, masked otherwise) and, for callers who may see sensitive
    tags on the pair's area, the household's priority tags (低保 …). Four queries whatever the number of rows."""
    scope = scope_of(user)
    if not pairs:
        return []
    since = min(rules.visits_from(frequency=f, today=day) for f in {rules.frequency_of(p.kind) for p in pairs})
    days: dict[int, list[date]] = defaultdict(list)
    for pair_id, visited_on in Visit.objects.filter(pair_id__in=[p.pk for p in pairs], visited_on__gte=since,
                                                    visited_on__lte=day).values_list("pair_id", "visited_on"):
        days[pair_id].append(visited_on)
    household_ids = {p.household_id for p in pairs if p.household_id}
    people: dict[int, list[Person]] = defaultdict(list)
    if household_ids:
        for person in (Person.objects.filter(household_id__in=household_ids, is_active=True)
                       .prefetch_related(Prefetch("tags", queryset=Tag.objects.filter(code__in=rules.PRIORITY_TAGS)))
                       .order_by("id")):
            people[person.household_id].append(person)
    rows = []
    for pair in pairs:
        window = rules.window_on(frequency=rules.frequency_of(pair.kind), started_on=pair.started_on,
                                 ended_on=pair.ended_on, visits=days.get(pair.pk, ()), today=day)
        status = window.status(day) if window is not None else rules.NOT_OWED
        row = RegisterRow(pair=pair, window=window, status=status, status_label=rules.STATUS_LABELS[status],
                          target_name=target_name(pair))
        if pair.household_id:
            members = people.get(pair.household_id, [])
            head = next((p for p in members if p.relation == Person.Relation.HEAD), members[0] if members else None)
            if head is not None:
                row.head_name = head.name
                if head.mobile:
                    row.mobile = head.mobile if scope.can(EDIT_RESIDENTS, pair.path) else head.masked_mobile
            if scope.can(VIEW_SENSITIVE, pair.path):
                codes = {t.code: t.name for p in members for t in p.tags.all()}
                row.tags = [codes[c] for c in rules.PRIORITY_TAGS if c in codes]
        rows.append(row)
    return rows


def pair_with_sides(user, pk: int, capability: str = caps.VIEW) -> Pair:
    """One pair the caller reaches, both sides loaded; 404 otherwise."""
    return access_pair(user, pk=pk, capability=capability, queryset=Pair.objects.select_related(
        "visitor_user", "visitor_member", "visitor_unit", "household__village", "area__parent", "member",
        "enterprise"))


# ---- bulk assignment


def assignment_candidates(area: Area, *, kind: str, day: date) -> tuple[list[rules.Candidate], dict[int, Household]]:
    """The households of ``area`` that a hand-out may pair: active, and with no pair of ``kind`` holding them on
    ``day`` or later (one set up ahead counts too). Each with its priority tags, read from its people's tags."""
    taken = Pair.objects.filter(kind=kind, household__isnull=False).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day)).values("household_id")
    households = {h.pk: h for h in Household.objects.filter(path__startswith=area.path, is_active=True)
                  .exclude(pk__in=taken).order_by("number", "id")}
    tags: dict[int, set[str]] = defaultdict(set)
    for household_id, code in (Person.tags.through.objects.filter(
            person__household_id__in=list(households), person__is_active=True, tag__code__in=rules.PRIORITY_TAGS)
            .values_list("person__household_id", "tag__code")):
        tags[household_id].add(code)
    candidates = [rules.Candidate(household_id=h.pk, number=h.number, priority_tags=frozenset(tags[h.pk]))
                  for h in households.values()]
    return candidates, households


def assign_areas(user) -> QuerySet[Area]:
    """Villages and grids where the caller may hand out households."""
    return visible(user, Area.objects.filter(level__in=[Level.VILLAGE, Level.GRID]), caps.MANAGE).order_by("path")


def cadre_choices(area: Area, *, day: date) -> QuerySet:
    """Accounts a hand-out in ``area`` offers: active ones holding a role in its township (or above it, in the
    county), or already visiting a pair there on ``day``."""
    ancestors = list(area.ancestors())
    township = next((a for a in ancestors if a.level == Level.TOWNSHIP), area)
    above = [a.pk for a in ancestors if a.level == Level.COUNTY or a.path == township.path]
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(
        Q(assignments__area__path__startswith=township.path) | Q(assignments__area_id__in=above)
        | Q(pk__in=Pair.objects.filter(in_force(day), path__startswith=township.path,
                                       visitor_user__isnull=False).values("visitor_user_id"))
    ).distinct().order_by("display_name", "username")


def assignment_preview(area: Area, *, kind: str, cadres: list, per_cadre: int, day: date) -> dict:
    """What ``services.assign_households`` would do now, without writing: who gets which households, and what
    is left (rules.assign)."""
    candidates, households = assignment_candidates(area, kind=kind, day=day)
    plan = rules.assign([c.pk for c in cadres], candidates, per_cadre=per_cadre)
    by_id = {c.household_id: c for c in candidates}
    given = {h for ids in plan.values() for h in ids}
    left = [c for c in candidates if c.household_id not in given]
    return {
        "cadres": [{"id": c.pk, "name": c.display_name or c.username,
                    "households": [{"id": h, "number": households[h].number,
                                    "priority": bool(by_id[h].priority_tags)} for h in plan[c.pk]]}
                   for c in cadres],
        "made": len(given), "left": len(left), "priority_left": sum(1 for c in left if c.priority_tags),
        "candidates": len(candidates),
    }


# ---- naming the sides (the import and the new-pair form): what people type → the side, or why not


_SEPARATORS = re.compile(r"\s*[/／]\s*|\s+")


class Sides:
    """Finds the sides of pairs named as text, within ``within`` (docs/pairing.md, "Import"): an account's
    username; a party member's name, or 姓名/手机号 when two share the name; a unit's code (or its name); a household
    as 嘎查村/户号, or the 户号 alone when it is unique in ``within``; an area's code (or its name when unique); an
    enterprise's 统一社会信用代码 or name. Each answer is (side, None) or (None, the reason in Chinese)."""

    def __init__(self, within: Area):
        self.within = within
        self._cache: dict = {}

    def visitor(self, rule: rules.Kind, typed: str, *, day: date):
        return self._cached(("v", rule.visitor, typed), lambda: self._visitor(rule, typed.strip()))

    def target(self, rule: rules.Kind, typed: str):
        return self._cached(("t", rule.target, typed), lambda: self._target(rule, typed.strip()))

    def _cached(self, key, find):
        if key not in self._cache:
            self._cache[key] = find()
        return self._cache[key]

    def _visitor(self, rule: rules.Kind, typed: str):
        if rule.visitor == rules.USER:
            user = get_user_model().objects.filter(username=typed).first()
            return (user, None) if user else (None, f"账号“{typed}”不存在（请填写包联干部的登录账号）")
        if rule.visitor == rules.UNIT:
            unit = Unit.objects.filter(code=typed).first()
            if unit is None:
                found = list(Unit.objects.filter(name=typed)[:2])
                unit = found[0] if len(found) == 1 else None
            return (unit, None) if unit else (None, f"单位“{typed}”不存在（请填写单位代码或全称）")
        return self._member(typed)

    def _member(self, typed: str):
        parts = _SEPARATORS.split(typed, maxsplit=1)
        name, mobile = parts[0], (parts[1] if len(parts) > 1 else "")
        members = Member.objects.filter(name=name, left_on__isnull=True)
        if mobile:
            members = members.filter(mobile=mobile)
        found = list(members.order_by("id")[:2])
        if not found:
            return None, f"党员“{typed}”不在党员名册中" + ("" if mobile else "（同名时请写成 姓名/手机号）")
        if len(found) > 1:
            return None, f"有不止一名党员叫“{name}”，请写成 姓名/手机号"
        return found[0], None

    def _target(self, rule: rules.Kind, typed: str):
        inside = self.within.path
        if rule.target == rules.HOUSEHOLD:
            parts = _SEPARATORS.split(typed, maxsplit=1)
            homes = Household.objects.filter(path__startswith=inside, is_active=True)
            if len(parts) > 1:
                homes = homes.filter(village__name=parts[0], number=parts[1])
            else:
                homes = homes.filter(number=typed)
            found = list(homes.select_related("village")[:2])
            if not found:
                return None, f"户“{typed}”不在{self.within.name}的在册户中（请写成 嘎查村/户号）"
            if len(found) > 1:
                return None, f"户号“{typed}”在几个嘎查村都有，请写成 嘎查村/户号"
            return found[0], None
        if rule.target == rules.AREA:
            areas = Area.objects.filter(path__startswith=inside, level__in=[Level.VILLAGE, Level.GRID])
            area = areas.filter(code=typed).first()
            if area is None:
                found = list(areas.filter(name=typed)[:2])
                area = found[0] if len(found) == 1 else None
            return (area, None) if area else (None, f"区域“{typed}”不在{self.within.name}（请填写嘎查村社区或网格的区划代码）")
        if rule.target == rules.MEMBER:
            return self._member(typed)
        organisations = NewOrganisation.objects.filter(path__startswith=inside)
        found = list(organisations.filter(credit_code=typed.upper())[:1]) or list(organisations.filter(name=typed)[:2])
        if len(found) != 1:
            return None, f"企业“{typed}”不在{self.within.name}的两新组织台账中（请填写统一社会信用代码或全称）"
        return found[0], None


# ---- the public grid board


def public_cadres(grid: Area, *, day: date) -> list[dict]:
    """For a grid's PUBLIC board, when its village chose to show them (VillageOption): each household with a cadre
    pair in force on ``day``, its number and its cadres' masked names ("于*"). Nothing else: no visit, no tag."""
    if not VillageOption.objects.filter(village_id=grid.parent_id, show_cadre_publicly=True).exists():
        return []
    names: dict[str, list[str]] = defaultdict(list)
    for pair in (Pair.objects.filter(in_force(day), kind=rules.CADRE_HOUSEHOLD, household__grid=grid,
                                     household__is_active=True, visitor_user__isnull=False)
                 .select_related("visitor_user", "household").order_by("household__number", "id")):
        names[pair.household.number].append(pair.masked_visitor_name)
    return [{"number": number, "cadres": "、".join(masked)} for number, masked in names.items()]


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


# ---------------------------------------------------------------------- coverage, due this week, figures
#
# Coverage of an area on a day, in a constant number of statements whatever the number of children (bench:
# bench/bench_pairing.py, docs/pairing.md "Coverage and figures"):
#
# 1. one pass over the area's visits since the earlier of 1 January and the rule's ``visits_from``, grouped by pair:
#    a bit mask of the year's windows that are over (``missable``: a window without a visit would be missed on the
#    day, as ``Window.status`` says) that had a visit in their days (``opens`` … ``grace_until``, the days the rule
#    counts for a window), and the first visit day of each month since ``visits_from``: the first visit of each month
#    is all ``windows`` needs of a pair's visits, since a window counts the first visit in its days and the first
#    in its grace days, and both are first visits of a month (windows open on a month's first day, and grace days
#    run from a month's first day);
# 2. the pairs of the area in force at some time this year: for each, the rule says which of the missable windows
#    it owed (``windows`` with its dates, asked once per distinct rhythm and dates) and ``window_on`` gives the
#    window of the day from its first visits; the missed count is the owed windows with no visit;
# 3. active households by path, less those in a household pair in force (from 2); 4. the active members' priority
#    tags of the area's households, less the paired households (counted by tag only for a caller who may see
#    sensitive tags).
#
# window_on is asked once per distinct (rhythm, start, end, first visits) and remembered for the process
# (``window_now``): many pairs share them (a township hands out its households on one day), so a county's 20,000
# pairs ask it a few thousand times on a first look, and only for the pairs whose visits changed afterwards.

HOUSEHOLD_KINDS = tuple(code for code, kind in rules.KINDS.items() if kind.target == rules.HOUSEHOLD)
FREQUENCY = {code: kind.frequency for code, kind in rules.KINDS.items()}
# The current window's columns on the coverage page, in order (done counts on time and late alike).
CURRENT_COLUMNS = (("done", "已走访"), (rules.DUE, "待走访"), (rules.OVERDUE, "已逾期"), (rules.OPEN, "可走访"),
                   (rules.NOT_OWED, "本期不需走访"))
PRIORITY_LABELS = {"subsistence": "低保", "poverty_alleviated": "脱贫户", "elderly_alone": "独居老人", "disabled": "残疾"}


def rule_note() -> str:
    """The rule in one sentence for the pages, from rules/pairing.py's numbers."""
    lead, grace = rules.LEAD_DAYS, rules.GRACE_DAYS
    return (f"“待走访”：每月最后{lead[rules.MONTH]}天（每季度最后{lead[rules.QUARTER]}天）；“已逾期”：期末后"
            f"{grace[rules.MONTH]}天（季度{grace[rules.QUARTER]}天）内补访仍计入本期；此后仍未走访计为“漏访”。"
            "结对开始晚于本期应走访时段或在本期结束前结束的，本期不需走访。")


def in_force_q(day: date, prefix: str = "") -> Q:
    """Pairs (or rows through ``prefix``) in force on ``day``: started on or before it, not ended on or before it."""
    return Q(**{f"{prefix}started_on__lte": day}) & (Q(**{f"{prefix}ended_on__isnull": True})
                                                      | Q(**{f"{prefix}ended_on__gt": day}))


def coverage_area(user, code: str = "") -> Area:
    """The area a coverage page opens on: the one asked for (the caller must hold pairing.VIEW on it or above:
    404 otherwise), else the outermost area where the caller holds it (404 to a caller who holds it nowhere)."""
    if code.strip():
        return access_area(user, code=code, capability=caps.VIEW)
    paths = scope_of(user).paths(caps.VIEW)
    if paths == [""]:
        area = Area.objects.filter(parent__isnull=True).order_by("code").first()
    else:
        area = Area.objects.filter(path__in=paths).order_by("path").first() if paths else None
    if area is None:
        raise Http404(NOT_FOUND)
    return area


@dataclass
class CoverageRow:
    """One line of the coverage table: an area (the one asked for, or one of its children)."""

    area: Area
    pairs: int = 0
    by_kind: dict = field(default_factory=dict)  # kind code → pairs in force
    current: dict = field(default_factory=lambda: rules.tally(()))  # status of window_on(day) → pairs
    missed: int = 0  # windows of the year so far that ended missed (owed, never visited)
    households: int = 0  # active households
    unpaired: int = 0  # active households with no household pair in force
    unpaired_priority: int = 0  # … of them with a priority tag
    unpaired_by_tag: dict = field(default_factory=lambda: dict.fromkeys(rules.PRIORITY_TAGS, 0))
    units_not_visited: list = field(default_factory=list)  # (unit name, area name, status label)

    @property
    def done(self) -> int:
        return sum(self.current[s] for s in rules.VISITED)

    def column(self, key: str) -> int:
        return self.done if key == "done" else self.current[key]

    @property
    def columns(self) -> list[int]:
        return [self.column(key) for key, _label in CURRENT_COLUMNS]

    @property
    def labelled_columns(self) -> list[tuple[str, int]]:
        return [(label, self.column(key)) for key, label in CURRENT_COLUMNS]

    @property
    def by_kind_list(self) -> list[tuple[str, int]]:
        return [(rules.KINDS[k].label, n) for k, n in sorted(self.by_kind.items())]


@dataclass
class Coverage:
    area: Area
    day: date
    since: date  # the first day of the "missed so far" count (1 January of the day's year)
    total: CoverageRow
    children: list[CoverageRow]
    show_tags: bool  # the caller may see sensitive tags here: unpaired households by priority tag
    trail: list

    @property
    def tag_labels(self) -> list[tuple[str, str]]:
        return [(code, PRIORITY_LABELS[code]) for code in rules.PRIORITY_TAGS]


@lru_cache(maxsize=65_536)
def window_now(frequency: str, started_on: date, ended_on: date | None, visits: tuple, today: date):
    """``rules.window_on``, remembered for the process: a pure function of its arguments (Window is frozen), and
    the pairs of a county share a few thousand sets of them, so a second look at a coverage page on the same day
    asks the rule again only for the pairs whose visits changed."""
    return rules.window_on(frequency=frequency, started_on=started_on, ended_on=ended_on, visits=visits, today=today)


def _child_code(base: str, path: str) -> str:
    """The code of ``base``'s child that ``path`` lies in ("" for ``base`` itself)."""
    return path[len(base):].split("/", 1)[0]


def _months(since: date, day: date) -> list:
    """The calendar months from the one holding ``since`` to the one holding ``day``."""
    found = [rules.period_of(since, rules.MONTH)]
    while found[-1].end < day:
        found.append(rules.period_of(found[-1].end + timedelta(days=1), rules.MONTH))
    return found


def _visits_by_pair(base: str, *, since: date, day: date, missable: list, months: list) -> dict:
    """pair id → (bit mask of the ``missable`` windows that had a visit in their days, the first visit day of each of
    ``months`` or None): one pass over the area's visits from ``since`` to ``day``, grouped by pair. The first
    visits come back as days of the month (integers convert faster than dates: 20,000 pairs in a county)."""
    mask = None
    for bit, w in enumerate(missable):
        seen = Max(Case(When(visited_on__gte=w.opens, visited_on__lte=w.grace_until, then=Value(1 << bit)),
                        default=Value(0), output_field=IntegerField()))
        mask = seen if mask is None else mask + seen
    firsts = {f"m{i}": Min(Case(When(visited_on__gte=m.start, visited_on__lte=m.end, then=ExtractDay("visited_on")),
                                default=None, output_field=IntegerField()))
              for i, m in enumerate(months)}
    rows = (Visit.objects.filter(path__startswith=base, visited_on__gte=since, visited_on__lte=day)
            .values_list("pair_id").annotate(mask=mask if mask is not None else Value(0), **firsts).order_by())
    return {pair_id: (seen, found) for pair_id, seen, *found in rows}


def _horizon(day: date) -> dict[str, date]:
    """Per rhythm, the first day whose visits can change a pair's window on ``day`` (the rule's ``visits_from``)."""
    return {frequency: rules.visits_from(frequency=frequency, today=day) for frequency in (rules.MONTH, rules.QUARTER)}


def _recent_months(horizon: dict[str, date], months: list) -> dict[str, list[tuple[int, date]]]:
    """Per rhythm, the (index, first day) of the ``months`` whose first visits its window_on can use."""
    return {frequency: [(i, m.start) for i, m in enumerate(months) if m.start >= start]
            for frequency, start in horizon.items()}


def _status_now(frequency: str, started_on: date, ended_on: date | None, days: list, recent: list, day: date) -> str:
    """The status of a pair's window on ``day`` (rules.window_on through ``window_now``), from the first visit day of
    each recent month (``_visits_by_pair``)."""
    firsts = tuple(start.replace(day=days[i]) for i, start in recent if days[i] is not None)
    found = window_now(frequency, started_on, ended_on, firsts, day)
    return found.status(day) if found is not None else rules.NOT_OWED


def window_statuses(*, day: date) -> Counter:
    """(pair path, status of its window on ``day``) → pairs in force on ``day``, everywhere: what the dashboard's
    roll-up job counts as visits due and overdue. The same reads and the same rule as ``coverage`` (one grouped
    query of the recent visits by pair, one of the pairs); no caller's scope (a system job's figures)."""
    horizon = _horizon(day)
    months = _months(min(horizon.values()), day)
    visits = _visits_by_pair("", since=min(horizon.values()), day=day, missable=[], months=months)
    recent = _recent_months(horizon, months)
    nothing = (0, [None] * len(months))
    found: Counter = Counter()
    for pk, kind, path, started_on, ended_on in (Pair.objects.filter(in_force_q(day)).order_by()
                                                 .values_list("id", "kind", "path", "started_on", "ended_on")
                                                 .iterator(chunk_size=5000)):
        frequency = FREQUENCY[kind]
        found[(path, _status_now(frequency, started_on, ended_on, visits.get(pk, nothing)[1], recent[frequency],
                                 day))] += 1
    return found


def coverage(user, *, area: Area, day: date) -> Coverage:
    """Pairing coverage of ``area`` (and each child area) on ``day``; see the section's comment for the statements.
    404 unless the caller holds pairing.VIEW on ``area`` or above."""
    access_path(user, path=area.path, capability=caps.VIEW)
    base = area.path
    children = list(Area.objects.filter(parent=area).order_by("code"))
    total = CoverageRow(area=area)
    rows = {c.code: CoverageRow(area=c) for c in children}

    row_lists: dict[str, list[CoverageRow]] = {}

    def rows_for(path: str) -> list[CoverageRow]:
        found = row_lists.get(path)
        if found is None:
            child = rows.get(_child_code(base, path))
            found = row_lists[path] = [total, child] if child is not None else [total]
        return found

    # The windows of the year so far that are over (a visit-less one is missed on ``day``), by rhythm, and the
    # first day whose visits can change each rhythm's window on ``day`` (the rule's ``visits_from``).
    since = date(day.year, 1, 1)
    missable = [w for frequency in (rules.MONTH, rules.QUARTER)
                for w in rules.windows(frequency=frequency, started_on=since, ended_on=None, visits=(), since=since,
                                       until=day)
                if w.status(day) == rules.MISSED]
    horizon = _horizon(day)
    first_day = min(since, *horizon.values())
    months = _months(min(horizon.values()), day)
    visits = _visits_by_pair(base, since=first_day, day=day, missable=missable, months=months)

    @cache
    def owed_bits(frequency: str, started_on: date, ended_on: date | None) -> int:
        """The bits of ``missable`` that the rule says this pair owed (its own windows, by their opening day)."""
        owed = {w.opens for w in rules.windows(frequency=frequency, started_on=started_on, ended_on=ended_on,
                                               visits=(), since=since, until=day) if w.owed}
        return sum(1 << bit for bit, w in enumerate(missable) if w.period.frequency == frequency and w.opens in owed)

    pairs = (Pair.objects.filter(path__startswith=base, started_on__lte=day)
             .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=since)).order_by()
             .values_list("id", "kind", "path", "started_on", "ended_on", "visitor_unit__name", "area__name",
                          "household_id"))
    paired: set[tuple[str, int]] = set()
    nothing = (0, [None] * len(months))
    # The months whose first visits each rhythm's window_on can use (from its ``visits_from``).
    recent = _recent_months(horizon, months)
    for pk, kind, path, started_on, ended_on, unit_name, area_name, household_id in pairs:
        frequency = FREQUENCY[kind]
        seen, days = visits.get(pk, nothing)
        missed = (owed_bits(frequency, started_on, ended_on) & ~seen).bit_count()
        in_force = ended_on is None or ended_on > day
        targets = rows_for(path)
        if missed:
            for row in targets:
                row.missed += missed
        if not in_force:
            continue
        if household_id is not None and kind in HOUSEHOLD_KINDS:
            paired.add((path, household_id))  # a household pair's path is its household's
        status = _status_now(frequency, started_on, ended_on, days, recent[frequency], day)
        for row in targets:
            row.pairs += 1
            row.by_kind[kind] = row.by_kind.get(kind, 0) + 1
            row.current[status] += 1
            if kind == rules.UNIT_AREA and status not in rules.VISITED:
                row.units_not_visited.append((unit_name, area_name, rules.STATUS_LABELS[status]))

    # Households: active ones by path, less those in a household pair in force; the priority ones likewise.
    paired_ids = {household_id for _path, household_id in paired}
    for path, count in (Household.objects.filter(is_active=True, path__startswith=base).order_by()
                        .values_list("path").annotate(count=Count("id"))):
        for row in rows_for(path):
            row.households += count
            row.unpaired += count
    for path, _household_id in paired:
        for row in rows_for(path):
            row.unpaired -= 1
    show_tags = scope_of(user).can(VIEW_SENSITIVE, base)
    priority: dict[int, tuple[str, set]] = {}
    tags = dict(Tag.objects.filter(code__in=rules.PRIORITY_TAGS).values_list("id", "code"))
    for household_id, path, tag_id in (Person.tags.through.objects
                                       .filter(tag_id__in=list(tags), person__path__startswith=base,
                                               person__is_active=True, person__household__is_active=True)
                                       .order_by().values_list("person__household_id", "person__path", "tag_id")):
        tag = tags[tag_id]
        if household_id not in paired_ids:
            priority.setdefault(household_id, (path, set()))[1].add(tag)
    for path, codes in priority.values():
        for row in rows_for(path):
            row.unpaired_priority += 1
            if show_tags:
                for tag in codes:
                    row.unpaired_by_tag[tag] += 1
    for row in (total, *rows.values()):
        row.units_not_visited.sort()
    return Coverage(area=area, day=day, since=since, total=total, children=[rows[c.code] for c in children],
                    show_tags=show_tags, trail=list(area.ancestors()))


# Due this week.


@dataclass
class DueItem:
    pair: Pair
    window: rules.Window
    status: str  # on ``day``: due or overdue, or open (it becomes due later in the week)
    due_on: date  # the first day of the week it is due or overdue

    @property
    def label(self) -> str:
        return rules.STATUS_LABELS[self.status]

    @property
    def deadline(self) -> date:
        """The last day a visit counts for it: the window's end, or its last grace day once overdue."""
        return self.window.grace_until if self.status == rules.OVERDUE else self.window.ends


@dataclass
class PairNow:
    pair: Pair
    window: rules.Window | None
    status: str

    @property
    def label(self) -> str:
        return rules.STATUS_LABELS[self.status]


@dataclass
class DueThisWeek:
    day: date
    items: list[DueItem]  # most pressing first
    done: int  # pairs whose current window is already visited
    pairs: list[PairNow]  # every pair in force, with its window on ``day``


WEEK = 7


def due_this_week(user, *, day: date, area: Area | None = None) -> DueThisWeek:
    """The caller's own pairs (as visitor) in force on ``day`` whose window is due or overdue on some day of
    [``day``, ``day`` + 6] and not visited, most pressing first (overdue, then by the last day a visit counts),
    and how many are done this period. With ``area`` (pairing.VIEW on it or above, else 404): the pairs of the
    area instead (a village secretary's "due in my village")."""
    if area is not None:
        access_path(user, path=area.path, capability=caps.VIEW)
        mine = Q(path__startswith=area.path)
    else:
        mine = own_pairs_q(user)
    pairs = list(Pair.objects.filter(mine, in_force_q(day))
                 .select_related("visitor_user", "visitor_unit", "visitor_member", "household", "area", "member",
                                 "enterprise")
                 .order_by("kind", "path", "id"))
    since = min(rules.visits_from(frequency=rules.MONTH, today=day),
                rules.visits_from(frequency=rules.QUARTER, today=day))
    visits: dict[int, list[date]] = defaultdict(list)
    if pairs:
        for pair_id, visited_on in (Visit.objects.filter(pair__in=[p.pk for p in pairs], visited_on__gte=since,
                                                         visited_on__lte=day)
                                    .values_list("pair_id", "visited_on").order_by()):
            visits[pair_id].append(visited_on)
    items, now, done = [], [], 0
    for pair in pairs:
        frequency = pair.rule.frequency
        days = tuple(sorted(visits.get(pair.pk, ())))
        current = window_now(frequency, pair.started_on, pair.ended_on, days, day)
        status = current.status(day) if current is not None else rules.NOT_OWED
        now.append(PairNow(pair=pair, window=current, status=status))
        if status in rules.VISITED:
            done += 1
        for offset in range(WEEK):
            on = day + timedelta(days=offset)
            w = window_now(frequency, pair.started_on, pair.ended_on, days, on)
            if w is not None and w.status(on) in (rules.DUE, rules.OVERDUE):
                items.append(DueItem(pair=pair, window=w, status=w.status(day), due_on=on))
                break
    order = {rules.OVERDUE: 0, rules.DUE: 1}
    items.sort(key=lambda i: (order.get(i.status, 2), i.deadline, i.due_on, i.pair.pk))
    return DueThisWeek(day=day, items=items, done=done, pairs=now)


def has_own_pairs(user, day: date) -> bool:
    return Pair.objects.filter(own_pairs_q(user), in_force_q(day)).exists()


# Figures.

# A problem a visit collected is **solved** when its demand was resolved (``resolved_at`` set, on or before the
# period's last day) and has not been reopened since: its status is 已办结待评价 (resolved), 已评价 (feedback) or
# 已关闭 (closed) with a resolution time. A demand closed without being resolved (withdrawn, a duplicate) is not.
SOLVED_STATUSES = ("resolved", "feedback", "closed")


def solved_q(until: date, prefix: str = "demand__") -> Q:
    return (Q(**{f"{prefix}status__in": SOLVED_STATUSES}) & Q(**{f"{prefix}resolved_at__isnull": False})
            & Q(**{f"{prefix}resolved_at__date__lte": until}))


@dataclass
class Figures:
    area: Area
    since: date
    until: date
    visits: int
    households_visited: int
    visits_by_kind: list  # (label, count)
    problems: int
    solved: int
    helps: list  # (label, count)
    help_amount: object  # yuan raised (sum of amounts)

    @property
    def helps_total(self) -> int:
        return sum(n for _label, n in self.helps)


def figures(user, *, area: Area, since: date, until: date) -> Figures:
    """The seed's figures for ``area`` over [``since``, ``until``] (by the visit's day), counted from the records:
    visits, households visited, problems collected, problems solved (``solved_q``), helps by kind. 404 unless the
    caller holds pairing.VIEW on ``area`` or above."""
    access_path(user, path=area.path, capability=caps.VIEW)
    visits = Visit.objects.filter(path__startswith=area.path, visited_on__gte=since, visited_on__lte=until)
    by_kind = dict(visits.order_by().values_list("kind").annotate(n=Count("id")))
    # Households visited: the household pairs of the area with a visit in the period (a probe per pair on
    # visit_pair_day_idx costs less than joining every visit to its pair).
    visited = Visit.objects.filter(pair=OuterRef("pk"), visited_on__gte=since, visited_on__lte=until)
    households = (Pair.objects.filter(path__startswith=area.path, household__isnull=False).filter(Exists(visited))
                  .aggregate(n=Count("household_id", distinct=True))["n"])
    problems = Problem.objects.filter(path__startswith=area.path, visited_on__gte=since, visited_on__lte=until)
    counted = problems.aggregate(count=Count("id"), solved=Count("id", filter=solved_q(until)))
    helps = (Help.objects.filter(visit__path__startswith=area.path, visit__visited_on__gte=since,
                                 visit__visited_on__lte=until).order_by().values_list("kind")
             .annotate(n=Count("id"), amount=Sum("amount")))
    help_counts = {kind: (n, amount) for kind, n, amount in helps}
    return Figures(
        area=area, since=since, until=until, visits=sum(by_kind.values()), households_visited=households,
        visits_by_kind=[(label, by_kind.get(value, 0)) for value, label in Visit.Kind.choices],
        problems=counted["count"], solved=counted["solved"],
        helps=[(label, help_counts.get(value, (0, None))[0]) for value, label in Help.Kind.choices],
        help_amount=sum((a for _n, a in help_counts.values() if a is not None), Decimal(0)))


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
