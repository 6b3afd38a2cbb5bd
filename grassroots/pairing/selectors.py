"""Reads of pairing: the registers of pairs, a pair with its windows and visits, a household's pairs, coverage
by area with drill-down, a visitor's "due this week", and the seed's figures (visits, problems collected, problems
solved) for any area and period — computed from the records, never typed in.

Every answer about due / overdue / missed comes from rules/pairing.py (``windows``, ``window_on``); nothing here
decides it again. Every read goes through access/scope.py (``visible_pairs``, ``access_pair``,
``access_paired_household``).
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet

from grassroots.access.scope import access_pair, scope_of, visible, visible_pairs
from grassroots.areas.models import Area, Household, Level, Person, Tag
from grassroots.demands.models import Unit
from grassroots.members.models import Member
from grassroots.neworgs.models import NewOrganisation
from grassroots.pairing import capabilities as caps
from grassroots.pairing.models import Pair, VillageOption, Visit
from grassroots.rules import pairing as rules
from grassroots.rules.roles import EDIT_RESIDENTS, VIEW_SENSITIVE

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


def pair_detail(user, pk: int, capability: str = caps.VIEW) -> Pair:
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

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits: a pair, a visit, a household

# ---------------------------------------------------------------------- end of visits


# ---------------------------------------------------------------------- coverage, due this week, figures

# ---------------------------------------------------------------------- end of coverage


# ---------------------------------------------------------------------- cloud branch

# ---------------------------------------------------------------------- end of cloud branch
