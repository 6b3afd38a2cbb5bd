"""Reads of demands. Every one takes the caller and scopes through access.scope (via permissions.py),
except the public ones, which take the board's area and return only what a public page may show.

Lists that can grow to millions (a unit's queue, an overdue list) are keyset-paginated on the columns of a
partial index and fetch a fixed number of queries per page whatever the page:

* a unit's queue: ``lead_unit = ? AND status IN open ORDER BY priority, due_at, id`` on demand_unit_queue_idx;
* an overdue list: ``township = ? (or county = ?) AND status IN open AND due_at < now ORDER BY due_at, id`` on
  demand_township_due_idx / demand_county_due_idx; a village or grid uses its path prefix (small subtrees).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.functions import Substr
from django.utils import timezone

from grassroots.access.scope import access_area, access_path, access_scoped, refuse, scope_of, visible
from grassroots.areas.models import Area, Level
from grassroots.demands import permissions
from grassroots.demands.capabilities import DISPATCH, RECORD, VIEW
from grassroots.demands.models import (
    Category,
    Demand,
    DemandEvent,
    Notification,
    Responsibility,
    Unit,
    WishClaim,
)
from grassroots.rules import sla, tracking
from grassroots.rules.masking import mask_name
from grassroots.rules.paths import path_prefixes
from grassroots.rules.sla import LOCAL

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
OPEN = list(Demand.OPEN_STATUSES)
OPEN_FILTER = "open"  # ?status=open on the list: every open status (已受理, 协商中, 办理中)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------------------
# Keyset cursors: "priority.microseconds.id" / "microseconds.id", opaque to the page
# ---------------------------------------------------------------------------------------------------------

def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def _parse_cursor(raw: str | None, parts: int) -> tuple[int, ...] | None:
    if not raw:
        return None
    try:
        values = tuple(int(p) for p in raw.split("."))
    except ValueError:
        return None
    return values if len(values) == parts else None


@dataclass
class Page:
    items: list
    next_cursor: str | None = None
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------
# Routing and clocks: which line of the responsibility list answers a demand, and its deadlines
# ---------------------------------------------------------------------------------------------------------

def category_chain(category: Category | None) -> list[Category]:
    """The category and its parents, most specific first."""
    chain: list[Category] = []
    seen: set[int] = set()
    while category is not None and category.pk not in seen:
        chain.append(category)
        seen.add(category.pk)
        category = category.parent
    return chain


def find_route(*, category: Category | None, area: Area) -> Responsibility | None:
    """The line of the responsibility list that answers ``category`` in ``area``: the most specific
    category first (a line for 种子化肥 beats one for 农牧业生产), then the nearest area (the village's own
    line beats the banner's)."""
    chain = category_chain(category)
    if not chain:
        return None
    rank = {c.pk: i for i, c in enumerate(chain)}
    lines = list(Responsibility.objects.filter(category__in=[c.pk for c in chain], path__in=path_prefixes(area.path))
                 .select_related("lead_unit").prefetch_related("supporting_units"))
    lines = [line for line in lines if line.lead_unit.is_active]
    if not lines:
        return None
    return min(lines, key=lambda line: (rank[line.category_id], -len(line.path)))


def deadlines_for(category: Category | None) -> sla.Deadlines:
    return sla.effective_days((c.respond_working_days, c.resolve_working_days) for c in category_chain(category))


# ---------------------------------------------------------------------------------------------------------
# Areas and units the caller works in
# ---------------------------------------------------------------------------------------------------------

def area_with(user, code: str, capability: str = VIEW) -> Area:
    """An area the caller holds ``capability`` on (404 otherwise, missing or not theirs alike)."""
    return access_area(user, code=code, capability=capability)


def default_area(user, current: Area | None) -> Area | None:
    """The area a list opens on: the current area when the caller sees demands there, else their outermost."""
    scope = scope_of(user)
    if current is not None and scope.can(VIEW, current.path):
        return current
    paths = scope.paths(VIEW)
    if not paths:
        return None
    if paths == [""]:
        return Area.objects.filter(parent__isnull=True).order_by("code").first()
    return Area.objects.filter(path__in=paths).order_by("path").first()


def recording_areas(user) -> QuerySet[Area]:
    """Villages and grids where the caller may record a demand."""
    return visible(user, Area.objects.filter(level__in=[Level.VILLAGE, Level.GRID]), RECORD).order_by("path")


def my_units(user) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=permissions.unit_ids(user)).order_by("name")


def visible_units(user) -> QuerySet[Unit]:
    """Units whose queues the caller may open: their own, and those of the areas they oversee."""
    query = scope_of(user).q(VIEW) | Q(pk__in=permissions.unit_ids(user))
    return Unit.objects.filter(query, is_active=True).select_related("area").order_by("path", "name")


def dispatch_units(user, demand: Demand) -> QuerySet[Unit]:
    """Units a dispatcher may route to: active units of the demand's own areas (the village, its township,
    its banner …), nearest first in the page."""
    return Unit.objects.filter(is_active=True, path__in=path_prefixes(demand.path)).order_by("-path", "name")


def unit_for(user, code: str) -> Unit:
    unit = access_scoped(Unit.objects.select_related("area"), code=code)
    if not permissions.can_see_unit(user, unit):
        refuse(seen=False)
    return unit


def categories() -> list[Category]:
    """The active category tree, parents before children (a small table)."""
    rows = list(Category.objects.filter(is_active=True).order_by("sort_order", "code"))
    children: dict[int | None, list[Category]] = {}
    for c in rows:
        children.setdefault(c.parent_id, []).append(c)
    ordered: list[Category] = []

    def walk(parent_id, depth):
        for c in children.get(parent_id, []):
            c.depth = depth
            ordered.append(c)
            walk(c.pk, depth + 1)

    walk(None, 0)
    return ordered


# ---------------------------------------------------------------------------------------------------------
# Demands
# ---------------------------------------------------------------------------------------------------------

def demands_for(user) -> QuerySet[Demand]:
    return Demand.objects.filter(permissions.demand_q(user))


def demand_detail(user, pk: int) -> Demand:
    return access_scoped(
        demands_for(user)
        .select_related("category", "category__parent", "area", "lead_unit", "person", "township", "county")
        .prefetch_related("supporting_units", "photos",
                          Prefetch("events", queryset=DemandEvent.objects.select_related("unit")),
                          Prefetch("claims", queryset=WishClaim.objects.select_related("unit")),
                          "feedbacks", "route_changes__from_unit", "route_changes__to_unit"),
        pk=pk)


def area_demands(user, area: Area, *, status: str = "", kind: str = "", urgent: bool = False,
                 unrouted: bool = False, before: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """The demands of an area (newest first), keyset on (created_at, id)."""
    qs = visible(user, Demand.objects.filter(path__startswith=area.path), VIEW)
    if status == OPEN_FILTER:
        qs = qs.filter(status__in=OPEN)
    elif status in Demand.Status.values:
        qs = qs.filter(status=status)
    if kind in Demand.Kind.values:
        qs = qs.filter(kind=kind)
    if urgent:
        qs = qs.filter(urgent=True)
    if unrouted:
        qs = qs.filter(lead_unit__isnull=True, status__in=OPEN).exclude(kind=Demand.Kind.WISH)
    cursor = _parse_cursor(before, 2)
    if cursor:
        qs = qs.filter(TupleLessThan(Tuple(F("created_at"), F("id")), (_from_micros(cursor[0]), cursor[1])))
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    items = list(qs.select_related("category", "lead_unit", "area").order_by("-created_at", "-id")[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = f"{_micros(last.created_at)}.{last.pk}"
    return Page(items=items, next_cursor=next_cursor)


def unit_queue(user, unit: Unit, *, after: str | None = None, urgent_only: bool = False,
               limit: int = PAGE_SIZE) -> Page:
    """A unit's open demands, urgent first, nearest deadline first. The unit was checked visible."""
    if not permissions.can_see_unit(user, unit):
        refuse(seen=False)
    qs = Demand.objects.filter(lead_unit=unit, status__in=OPEN)
    if urgent_only:
        qs = qs.filter(priority=0)
    cursor = _parse_cursor(after, 3)
    if cursor:
        qs = qs.filter(TupleGreaterThan(Tuple(F("priority"), F("due_at"), F("id")),
                                        (cursor[0], _from_micros(cursor[1]), cursor[2])))
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    items = list(qs.select_related("category", "area").order_by("priority", "due_at", "id")[: limit + 1])
    next_cursor = None
    if len(items) > limit and items[limit - 1].due_at is not None:
        items = items[:limit]
        last = items[-1]
        next_cursor = f"{last.priority}.{_micros(last.due_at)}.{last.pk}"
    items = items[:limit]
    return Page(items=items, next_cursor=next_cursor)


def _overdue_in(area: Area, now: datetime) -> QuerySet[Demand]:
    """Open demands below ``area`` whose clock ran out before ``now``: one range of demand_township_due_idx /
    demand_county_due_idx for a township or county, the path prefix for a village or grid."""
    qs = Demand.objects.filter(status__in=OPEN, due_at__lt=now)
    if area.level == Level.TOWNSHIP:
        return qs.filter(township=area)
    if area.level == Level.COUNTY:
        return qs.filter(county=area)
    return qs.filter(path__startswith=area.path)


def overdue(user, area: Area, *, now: datetime | None = None, after: str | None = None,
            limit: int = PAGE_SIZE) -> Page:
    """Every overdue open demand below ``area`` (which the caller sees), most overdue first."""
    access_path(user, path=area.path, capability=VIEW)
    qs = _overdue_in(area, now or timezone.now())
    cursor = _parse_cursor(after, 2)
    if cursor:
        qs = qs.filter(TupleGreaterThan(Tuple(F("due_at"), F("id")), (_from_micros(cursor[0]), cursor[1])))
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    items = list(qs.select_related("category", "area", "lead_unit").order_by("due_at", "id")[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = f"{_micros(last.due_at)}.{last.pk}"  # due_at < now: never null here
    return Page(items=items, next_cursor=next_cursor)


def notifications_for_unit(unit: Unit, *, limit: int = 10) -> list[Notification]:
    return list(Notification.objects.filter(unit=unit).order_by("-created_at", "-id")[:limit])


def notifications_for_area(area: Area, *, limit: int = 10) -> list[Notification]:
    return list(Notification.objects.filter(area=area).order_by("-created_at", "-id")[:limit])


def can_dispatch(user, demand: Demand) -> bool:
    return scope_of(user).can(DISPATCH, demand.path)


def responsibilities(user, area: Area) -> QuerySet[Responsibility]:
    """The responsibility list that applies in ``area``: lines of its ancestors and of its subtree."""
    access_path(user, path=area.path, capability=VIEW)
    return (Responsibility.objects.filter(Q(path__in=path_prefixes(area.path)) | Q(path__startswith=area.path))
            .select_related("category", "category__parent", "area", "lead_unit")
            .prefetch_related("supporting_units").order_by("item_number", "category__sort_order", "path"))


# ---------------------------------------------------------------------------------------------------------
# The JSON API's lists (grassroots/demands/api.py): querysets in a fixed order, paged by the API's cursor
# ---------------------------------------------------------------------------------------------------------

def unit_by_id(user, pk: int) -> Unit:
    """A unit whose queue the caller may open (their own, or one of the areas they oversee); 404 otherwise."""
    return access_scoped(visible_units(user), pk=pk)


def listed_demands(user, *, area: Area | None = None, unit: Unit | None = None, status: str = "", kind: str = "",
                   urgent: bool | None = None) -> QuerySet[Demand]:
    """The demands the API lists: a unit's queue (``unit``: the demands it leads, open ones unless ``status``
    says otherwise, urgent first then nearest deadline — the queue page), an area's list (``area``, which the
    caller sees demands in: newest first — the list page), or, with neither, every demand the caller may see
    (their areas, their units' demands, the wishes they claimed: newest first). The unit and area were
    checked visible by the caller (``unit_by_id``, ``area_with``)."""
    if unit is not None:
        qs = Demand.objects.filter(lead_unit=unit)
        status = status or OPEN_FILTER
        if area is not None:
            qs = qs.filter(path__startswith=area.path)
        order = ("priority", "due_at", "id")
    elif area is not None:
        qs = visible(user, Demand.objects.filter(path__startswith=area.path), VIEW)
        order = ("-created_at", "-id")
    else:
        qs = demands_for(user)
        order = ("-created_at", "-id")
    if status == OPEN_FILTER:
        qs = qs.filter(status__in=OPEN)
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if urgent is not None:
        qs = qs.filter(urgent=urgent)
    return qs.select_related("category", "area", "lead_unit").order_by(*order)


def claims_of(user, *, status: str = "") -> QuerySet[WishClaim]:
    """The wish claims the caller made, or made for one of their units (held ones first to expire)."""
    qs = WishClaim.objects.filter(Q(user=user) | Q(unit_id__in=permissions.unit_ids(user)))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("demand", "unit").order_by("expires_at", "id")


def latest_event(demand: Demand, kinds: list[str]) -> DemandEvent:
    """The last event of one of ``kinds`` on the demand's timeline (the one a step just wrote)."""
    return demand.events.filter(kind__in=kinds).select_related("unit").order_by("-at", "-id").first()


# ---------------------------------------------------------------------------------------------------------
# Micro-wishes
# ---------------------------------------------------------------------------------------------------------

def wish_board(area: Area, *, limit: int = 60) -> dict[str, list[Demand]]:
    """Wishes of an area: open for a claim, claimed (held) and recently fulfilled. Public-safe fields only."""
    base = Demand.objects.filter(kind=Demand.Kind.WISH, path__startswith=area.path).select_related("category", "area")
    held = Prefetch("claims", queryset=WishClaim.objects.filter(status=WishClaim.Status.HELD).select_related("unit"),
                    to_attr="held_claims")
    return {
        "open": list(base.filter(status=Demand.Status.RECEIVED, lead_unit__isnull=True)
                     .order_by("-urgent", "created_at", "id")[:limit]),
        "claimed": list(base.filter(status=Demand.Status.IN_PROGRESS, lead_unit__isnull=True)
                        .prefetch_related(held).order_by("-created_at", "-id")[:limit]),
        "done": list(base.filter(status__in=[Demand.Status.RESOLVED, Demand.Status.FEEDBACK, Demand.Status.CLOSED])
                     .order_by("-resolved_at", "-id")[:limit // 2]),
    }


def my_claims(user, *, limit: int = 20) -> list[WishClaim]:
    return list(WishClaim.objects.filter(user=user, status=WishClaim.Status.HELD)
                .select_related("demand", "unit").order_by("expires_at")[:limit])


# ---------------------------------------------------------------------------------------------------------
# Public pages (no account): the board of a village or grid
# ---------------------------------------------------------------------------------------------------------

def claimant_label(claim: WishClaim) -> str:
    """What the public board shows: a unit's name, or a party member's masked name."""
    return claim.unit.name if claim.unit_id else mask_name(claim.claimant_name)


def public_area(code: str) -> Area:
    """The area of a public board: a village (嘎查村/社区) or a grid. Anything else does not exist."""
    return access_scoped(Area.objects.all(), code=code, level__in=[Level.VILLAGE, Level.GRID])


def public_demand(area: Area, raw_code: str) -> Demand | None:
    """The demand with this tracking code if it belongs to this board's area; None for a malformed code,
    a missing one and one of another area alike (one indexed query in the last two cases)."""
    code = tracking.normalize(raw_code)
    if not tracking.is_well_formed(code):
        return None
    demand = (Demand.objects.filter(tracking_code=code)
              .select_related("category", "area", "lead_unit").first())
    if not tracking.public_answer(demand.path if demand else None, area.path):
        return None
    return demand


def public_timeline(demand: Demand) -> list[DemandEvent]:
    return list(demand.events.filter(public=True).select_related("unit").order_by("at", "id"))


# ---------------------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Period:
    start: date
    end: date  # inclusive

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=LOCAL)

    @property
    def end_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=LOCAL)


def _figures(qs: QuerySet, key: str, now: datetime) -> list[dict]:
    rows = (qs.values(key).annotate(
        collected=Count("id"),
        resolved=Count("id", filter=Q(resolved_at__isnull=False)),
        timed=Count("id", filter=Q(resolved_at__isnull=False, resolve_due__isnull=False)),
        on_time=Count("id", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("resolve_due"))),
        rated=Count("rating"),
        satisfaction=Avg("rating"),
        urgent=Count("id", filter=Q(urgent=True)),
        open=Count("id", filter=Q(status__in=OPEN)),
        overdue=Count("id", filter=Q(status__in=OPEN, due_at__lt=now)),
    ).order_by("-collected"))
    result = []
    for row in rows:
        row = dict(row)
        row["key"] = row.pop(key)
        row["on_time_rate"] = round(100 * row["on_time"] / row["timed"], 1) if row["timed"] else None
        row["satisfaction"] = round(row["satisfaction"], 2) if row["satisfaction"] is not None else None
        result.append(row)
    return result


def numbers(user, area: Area, period: Period, *, now: datetime | None = None) -> dict:
    """Collected, resolved, on-time rate and satisfaction of the demands filed in ``period`` below ``area``,
    in total and by unit, category and sub-area, with those still open and overdue (at ``now``) among them.
    Set-based: four aggregate queries whatever the volume."""
    access_path(user, path=area.path, capability=VIEW)
    now = now or timezone.now()
    qs = Demand.objects.filter(path__startswith=area.path, created_at__gte=period.start_at,
                               created_at__lt=period.end_before)
    total = _figures(qs.annotate(all=Value(1)), "all", now)
    by_unit = _figures(qs, "lead_unit__name", now)
    by_category = _figures(qs, "category__name", now)
    children = {c.path: c.name for c in Area.objects.filter(parent=area).only("path", "name")}
    by_area: list[dict] = []
    if children:
        width = len(next(iter(children)))
        rows = _figures(qs.annotate(child=Substr("path", 1, width)), "child", now)
        by_area = [{**row, "key": children.get(row["key"], "（本级）")} for row in rows]
    for row in by_unit:
        row["key"] = row["key"] or "（未派单）"
    for row in by_category:
        row["key"] = row["key"] or "（未分类）"
    return {"total": total[0] if total else None, "by_unit": by_unit, "by_category": by_category,
            "by_area": by_area}


# ---------------------------------------------------------------------------------------------------------
# The home page of unit staff
# ---------------------------------------------------------------------------------------------------------

def unit_overview(user, *, now: datetime | None = None) -> dict:
    """What a unit's staff open the day with: per unit they work for, the open demands it leads (urgent and
    overdue among them), and the micro-wishes held by them or for their unit. Two queries and the claims."""
    now = now or timezone.now()
    units = list(my_units(user).select_related("area"))
    counts = {row["lead_unit_id"]: row for row in
              Demand.objects.filter(lead_unit__in=units, status__in=OPEN).values("lead_unit_id").annotate(
                  open=Count("id"), urgent=Count("id", filter=Q(priority=0)),
                  overdue=Count("id", filter=Q(due_at__lt=now)))}
    for unit in units:
        row = counts.get(unit.pk, {})
        unit.open_count, unit.urgent_count, unit.overdue_count = (row.get("open", 0), row.get("urgent", 0),
                                                                  row.get("overdue", 0))
    claims = list(WishClaim.objects.filter(Q(user=user) | Q(unit__in=units), status=WishClaim.Status.HELD)
                  .select_related("demand", "unit").order_by("expires_at", "id")[:20])
    return {"units": units, "claims": claims}
