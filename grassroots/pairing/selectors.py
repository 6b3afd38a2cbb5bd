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
from functools import lru_cache

from django.db.models import Count, Exists, FilteredRelation, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404

from grassroots.access.scope import NOT_FOUND, access_area, access_path, own_pairs_q, scope_of
from grassroots.areas.models import Area, Household
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
# 1. the pairs in force on the day in the area (one row each: kind, path, dates, unit and area names);
# 2. per pair and month, the first visit since ``visits_from`` (the rule's own horizon for ``window_on``): the first
#    visit of each month is all ``windows`` needs of a pair's visits, since a window counts the first visit in its
#    days and the first in its grace days, and both are first visits of a month (monthly and quarterly windows
#    open on a month's first day, and grace days run from a month's first day);
# 3. for the year so far, per group of pairs with the same path, kind and dates, how many pairs had a visit in
#    each window's days (``opens`` … ``grace_until``, the days the rule says decide a window): the rule says which
#    of the group's windows were owed and ended missed when unvisited, so the missed count is an arithmetic over
#    groups (windows are computed once per distinct (rhythm, start, end), not once per pair);
# 4. active households with no household pair in force, by path; 5. the same for households with a priority tag
#    (total and, for a caller who may see sensitive tags, by tag).
#
# window_on is asked once per distinct (rhythm, start, end, first visits) and remembered for the call: many pairs
# share them (a township hands out its households on one day), so a county's 20,000 pairs ask it a few thousand
# times.

HOUSEHOLD_KINDS = tuple(code for code, kind in rules.KINDS.items() if kind.target == rules.HOUSEHOLD)
MONTHLY_KINDS = tuple(code for code, kind in rules.KINDS.items() if kind.frequency == rules.MONTH)
QUARTERLY_KINDS = tuple(code for code, kind in rules.KINDS.items() if kind.frequency == rules.QUARTER)
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


def _first_visits_by_month(pairs_q: Q, path: str, *, since_month: date, since_quarter: date, day: date) -> dict:
    """pair id → the first visit day of each month since the rule's ``visits_from`` (by the pair's rhythm)."""
    rows = (Visit.objects.filter(path__startswith=path, visited_on__lte=day)
            .filter(Q(pair__kind__in=MONTHLY_KINDS, visited_on__gte=since_month)
                    | Q(pair__kind__in=QUARTERLY_KINDS, visited_on__gte=since_quarter))
            .filter(pairs_q)
            .annotate(month=TruncMonth("visited_on")).values_list("pair_id", "month")
            .annotate(first=Min("visited_on")).order_by())
    found: dict[int, list[date]] = defaultdict(list)
    for pair_id, _month, first in rows:
        found[pair_id].append(first)
    return found


def _windows_now():
    """window_on, remembered for the length of one call (the same rhythm, dates and visits give the same window)."""
    @lru_cache(maxsize=None)
    def window(frequency: str, started_on: date, ended_on: date | None, visits: tuple, today: date):
        return rules.window_on(frequency=frequency, started_on=started_on, ended_on=ended_on, visits=visits,
                               today=today)
    return window


def _child_code(base: str, path: str) -> str:
    """The code of ``base``'s child that ``path`` lies in ("" for ``base`` itself)."""
    return path[len(base):].split("/", 1)[0]


def coverage(user, *, area: Area, day: date) -> Coverage:
    """Pairing coverage of ``area`` (and each child area) on ``day``; see the section's comment for the statements.
    404 unless the caller holds pairing.VIEW on ``area`` or above."""
    access_path(user, path=area.path, capability=caps.VIEW)
    base = area.path
    children = list(Area.objects.filter(parent=area).order_by("code"))
    total = CoverageRow(area=area)
    rows = {c.code: CoverageRow(area=c) for c in children}

    def rows_for(path: str) -> list[CoverageRow]:
        child = rows.get(_child_code(base, path))
        return [total, child] if child is not None else [total]

    # 1–2: pairs in force and their current window.
    pairs = list(Pair.objects.filter(in_force_q(day), path__startswith=base).order_by()
                 .values_list("id", "kind", "path", "started_on", "ended_on", "visitor_unit__name", "area__name"))
    month_from = rules.visits_from(frequency=rules.MONTH, today=day)
    quarter_from = rules.visits_from(frequency=rules.QUARTER, today=day)
    firsts = _first_visits_by_month(in_force_q(day, "pair__"), base, since_month=month_from,
                                    since_quarter=quarter_from, day=day) if pairs else {}
    window = _windows_now()
    for pk, kind, path, started_on, ended_on, unit_name, area_name in pairs:
        frequency = rules.KINDS[kind].frequency
        found = window(frequency, started_on, ended_on, tuple(sorted(firsts.get(pk, ()))), day)
        status = found.status(day) if found is not None else rules.NOT_OWED
        for row in rows_for(path):
            row.pairs += 1
            row.by_kind[kind] = row.by_kind.get(kind, 0) + 1
            row.current[status] += 1
            if kind == rules.UNIT_AREA and status not in rules.VISITED:
                row.units_not_visited.append((unit_name, area_name, rules.STATUS_LABELS[status]))

    # 3: windows of the year so far that ended missed.
    since = date(day.year, 1, 1)
    for path, missed in _missed_since(base, since=since, day=day).items():
        for row in rows_for(path):
            row.missed += missed

    # 4–5: households, unpaired households, unpaired priority households.
    show_tags = scope_of(user).can(VIEW_SENSITIVE, base)
    for path, count, unpaired in _households(base, day):
        for row in rows_for(path):
            row.households += count
            row.unpaired += unpaired
    for path, count in _unpaired_priority(base, day):
        for row in rows_for(path):
            row.unpaired_priority += count
    if show_tags:
        for path, tag, count in _unpaired_priority(base, day, by_tag=True):
            for row in rows_for(path):
                row.unpaired_by_tag[tag] += count
    for row in (total, *rows.values()):
        row.units_not_visited.sort()
    return Coverage(area=area, day=day, since=since, total=total, children=[rows[c.code] for c in children],
                    show_tags=show_tags, trail=list(area.ancestors()))


def _missed_since(base: str, *, since: date, day: date) -> dict[str, int]:
    """path → windows between ``since`` and ``day`` that the rule says were owed and ended missed."""
    # The windows of each rhythm over the span, with no visit: their days (opens … grace_until) are where a visit
    # would have saved them.
    spans = {frequency: rules.windows(frequency=frequency, started_on=since, ended_on=None, visits=(), since=since,
                                      until=day)
             for frequency in (rules.MONTH, rules.QUARTER)}
    counts = {}
    for frequency, found in spans.items():
        for i, w in enumerate(found):
            if w.status(day) != rules.MISSED:  # still open, due or in its grace days: not missed (yet)
                continue
            counts[f"{frequency}{i}"] = Count("id", distinct=True, filter=Q(
                frequency_visits__visited_on__gte=w.opens, frequency_visits__visited_on__lte=w.grace_until))
    if not counts:
        return {}
    groups = (Pair.objects.filter(path__startswith=base, started_on__lte=day)
              .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=since))
              .alias(frequency_visits=FilteredRelation("visits", condition=Q(visits__visited_on__gte=since,
                                                                              visits__visited_on__lte=day)))
              .values_list("path", "kind", "started_on", "ended_on")
              .annotate(pairs=Count("id", distinct=True), **counts).order_by())
    names = list(counts)

    @lru_cache(maxsize=None)
    def owed(frequency: str, started_on: date, ended_on: date | None) -> frozenset:
        """Which of the span's windows (by their opening day) this pair's dates make owed."""
        return frozenset(w.opens for w in rules.windows(frequency=frequency, started_on=started_on,
                                                          ended_on=ended_on, visits=(), since=since, until=day)
                         if w.owed)

    missed: dict[str, int] = defaultdict(int)
    for path, kind, started_on, ended_on, pairs, *visited in groups:
        frequency = rules.KINDS[kind].frequency
        owing = owed(frequency, started_on, ended_on)
        for name, saved in zip(names, visited, strict=True):
            if not name.startswith(frequency):
                continue
            w = spans[frequency][int(name[len(frequency):])]
            if w.opens in owing:
                missed[path] += pairs - saved
    return missed


def _households(base: str, day: date):
    """(path, active households, of them with no household pair in force on ``day``) per grid path."""
    paired = Pair.objects.filter(in_force_q(day), household_id=OuterRef("pk"), kind__in=HOUSEHOLD_KINDS)
    return (Household.objects.filter(is_active=True, path__startswith=base).order_by().values_list("path")
            .annotate(count=Count("id"), unpaired=Count("id", filter=~Exists(paired))))


def _unpaired_priority(base: str, day: date, *, by_tag: bool = False):
    """(path, households) — or (path, tag, households) — of active households with no household pair in force
    whose active members carry a priority tag."""
    paired = Pair.objects.filter(in_force_q(day), household_id=OuterRef("pk"), kind__in=HOUSEHOLD_KINDS)
    households = (Household.objects.filter(is_active=True, path__startswith=base)
                  .filter(~Exists(paired), members__is_active=True, members__tags__code__in=rules.PRIORITY_TAGS)
                  .order_by())
    if by_tag:
        return households.values_list("path", "members__tags__code").annotate(count=Count("id", distinct=True))
    return households.values_list("path").annotate(count=Count("id", distinct=True))


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
        days = visits.get(pair.pk, [])
        current = rules.window_on(frequency=frequency, started_on=pair.started_on, ended_on=pair.ended_on,
                                  visits=days, today=day)
        status = current.status(day) if current is not None else rules.NOT_OWED
        now.append(PairNow(pair=pair, window=current, status=status))
        if status in rules.VISITED:
            done += 1
        for offset in range(WEEK):
            on = day + timedelta(days=offset)
            w = rules.window_on(frequency=frequency, started_on=pair.started_on, ended_on=pair.ended_on,
                                visits=days, today=on)
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
    totals = visits.aggregate(count=Count("id"), households=Count("pair__household_id", distinct=True))
    by_kind = dict(visits.order_by().values_list("kind").annotate(n=Count("id")))
    problems = Problem.objects.filter(path__startswith=area.path, visited_on__gte=since, visited_on__lte=until)
    counted = problems.aggregate(count=Count("id"), solved=Count("id", filter=solved_q(until)))
    helps = (Help.objects.filter(visit__path__startswith=area.path, visit__visited_on__gte=since,
                                 visit__visited_on__lte=until).order_by().values_list("kind")
             .annotate(n=Count("id"), amount=Sum("amount")))
    help_counts = {kind: (n, amount) for kind, n, amount in helps}
    return Figures(
        area=area, since=since, until=until, visits=totals["count"], households_visited=totals["households"],
        visits_by_kind=[(label, by_kind.get(value, 0)) for value, label in Visit.Kind.choices],
        problems=counted["count"], solved=counted["solved"],
        helps=[(label, help_counts.get(value, (0, None))[0]) for value, label in Help.Kind.choices],
        help_amount=sum((a for _n, a in help_counts.values() if a is not None), Decimal(0)))

# ---------------------------------------------------------------------- end of coverage


# ---------------------------------------------------------------------- cloud branch

# ---------------------------------------------------------------------- end of cloud branch
