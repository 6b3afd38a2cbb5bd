"""Reads of pairing: the registers of pairs, a pair with its windows and visits, a household's pairs, coverage
by area with drill-down, a visitor's "due this week", and the seed's figures (visits, problems collected, problems
solved) for any area and period — computed from the records, never typed in.

Every answer about due / overdue / missed comes from rules/pairing.py (``windows``, ``window_on``); nothing here
decides it again. Every read goes through access/scope.py (``visible_pairs``, ``access_pair``,
``access_paired_household``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, lru_cache

from django.db.models import Case, Count, Exists, IntegerField, Max, Min, OuterRef, Q, Sum, Value, When
from django.db.models.functions import ExtractDay
from django.http import Http404

from grassroots.access.scope import NOT_FOUND, access_area, access_path, own_pairs_q, scope_of
from grassroots.areas.models import Area, Household, Person, Tag
from grassroots.pairing import capabilities as caps
from grassroots.pairing.models import Help, Pair, Problem, Visit
from grassroots.rules import pairing as rules
from grassroots.rules.roles import VIEW_SENSITIVE

# ---------------------------------------------------------------------- pairs: registers

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits: a pair, a visit, a household

# ---------------------------------------------------------------------- end of visits


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
    horizon = {frequency: rules.visits_from(frequency=frequency, today=day) for frequency in (rules.MONTH, rules.QUARTER)}
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
    recent = {frequency: [(i, m.start) for i, m in enumerate(months) if m.start >= start]
              for frequency, start in horizon.items()}
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
        firsts = tuple(start.replace(day=days[i]) for i, start in recent[frequency] if days[i] is not None)
        found = window_now(frequency, started_on, ended_on, firsts, day)
        status = found.status(day) if found is not None else rules.NOT_OWED
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

# ---------------------------------------------------------------------- end of coverage


# ---------------------------------------------------------------------- cloud branch

# ---------------------------------------------------------------------- end of cloud branch
