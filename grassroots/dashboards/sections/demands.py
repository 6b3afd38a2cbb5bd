"""需求清单: demands received, solved (and solved on time), residents' ratings, open and overdue demands, and the
overdue demands by lead unit.

A demand counts for the area it was raised in (its ``path``). Flows are grouped in SQL by that village and the local
day of a record that is written once and never changed:

* received — the demand's ``created_at``;
* solved — each resolution on the timeline (``DemandEvent`` 已办结 / 心愿已实现, by its ``at``): a demand solved,
  rejected by the resident (1–2 points reopen it) and solved again counts on both days. An event stays where it
  was written, so a later reopening does not change a day the refresh no longer rebuilds;
* solved on time — of the resolutions that stand (the demand's ``resolved_at``, on the day it was solved) with a
  resolve deadline (``timed``), those no later than it: the numbers page's 按时办结 and its rate (on time / timed).
  A reopening clears ``resolved_at``, so it takes that resolution out of both on the day it was solved (see
  docs/dashboards.md for what that means for a past day);
* rated / satisfied — each rating (``Feedback``, by its ``created_at``); satisfied is any rating that does not
  reopen the demand (not in ``demands.services.DISSATISFIED``).

Open and overdue are states (now), and so is the table of overdue demands by lead unit: the build keeps, in each
area's figures, the overdue count of every lead unit that has one there (``demands.overdue_unit.<id>``, 0 for not
yet routed) and how many of them are more than 30 days overdue (``demands.overdue_long.<id>``) — counts, so they add
up the tree like every figure. The page reads them from the area's latest roll-up row (one indexed query and one for
the units' names): reading the overdue demands themselves grouped by unit took 133 ms at a league of a million
demands (bench/README.md), more than the whole rest of the page.
"""

from datetime import timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from grassroots.dashboards.models import AreaDay
from grassroots.dashboards.sections.base import FLOW, STATE, Section, Table, Tile, village_path
from grassroots.dashboards.sections.common import area_list, local_days
from grassroots.demands import capabilities as caps
from grassroots.demands import selectors
from grassroots.demands.models import Demand, DemandEvent, Feedback, Unit
from grassroots.demands.services import DISSATISFIED

RECEIVED, SOLVED, TIMED, ON_TIME, RATED, SATISFIED, OPEN, OVERDUE = (
    "demands.received", "demands.solved", "demands.timed", "demands.on_time", "demands.rated", "demands.satisfied",
    "demands.open", "demands.overdue")

# The timeline steps that solve a demand: the lead unit's 办结, and a micro-wish fulfilled by its claimant.
SOLVING = (DemandEvent.Kind.RESOLVED, DemandEvent.Kind.FULFILLED)
OVERDUE_TABLE = "overdue_units"
OVERDUE_UNIT, OVERDUE_LONG = "demands.overdue_unit.", "demands.overdue_long."
LONG_OVERDUE = timedelta(days=30)


def solving_events():
    """Every resolution on the timeline (shared with the pairing section's problems solved)."""
    return DemandEvent.objects.filter(kind__in=SOLVING)


def flows(first, last):
    zone = timezone.get_current_timezone()
    received = (Demand.objects.filter(local_days("created_at", first, last))
                .values(day=TruncDate("created_at", tzinfo=zone), where=village_path()).annotate(n=Count("id"))
                .order_by())
    for row in received:
        yield row["where"], row["day"], RECEIVED, row["n"]
    solved = (solving_events().filter(local_days("at", first, last))
              .values(day=TruncDate("at", tzinfo=zone), where=village_path("demand__path"))
              .annotate(n=Count("id")).order_by())
    for row in solved:
        yield row["where"], row["day"], SOLVED, row["n"]
    # The numbers page's 按时办结 of the resolutions that stand: resolved no later than the resolve deadline, among
    # those with one (a micro-wish fulfilled off the clock has none).
    standing = (Demand.objects.filter(local_days("resolved_at", first, last), resolve_due__isnull=False)
                .values(day=TruncDate("resolved_at", tzinfo=zone), where=village_path())
                .annotate(n=Count("id"), on_time=Count("id", filter=Q(resolved_at__lte=F("resolve_due")))).order_by())
    for row in standing:
        yield row["where"], row["day"], TIMED, row["n"]
        yield row["where"], row["day"], ON_TIME, row["on_time"]
    ratings = (Feedback.objects.filter(local_days("created_at", first, last))
               .values(day=TruncDate("created_at", tzinfo=zone), where=village_path("demand__path"))
               .annotate(n=Count("id"), satisfied=Count("id", filter=~Q(rating__in=DISSATISFIED))).order_by())
    for row in ratings:
        yield row["where"], row["day"], RATED, row["n"]
        yield row["where"], row["day"], SATISFIED, row["satisfied"]


def states(today):
    now = timezone.now()
    rows = (Demand.objects.filter(status__in=Demand.OPEN_STATUSES).values(where=village_path())
            .annotate(n=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now))).order_by())
    for row in rows:
        yield row["where"], OPEN, row["n"]
        yield row["where"], OVERDUE, row["overdue"]
    by_unit = (Demand.objects.filter(status__in=Demand.OPEN_STATUSES, due_at__lt=now)
               .values("lead_unit_id", where=village_path())
               .annotate(n=Count("id"), long=Count("id", filter=Q(due_at__lt=now - LONG_OVERDUE))).order_by())
    for row in by_unit:
        unit = row["lead_unit_id"] or 0
        yield row["where"], f"{OVERDUE_UNIT}{unit}", row["n"]
        yield row["where"], f"{OVERDUE_LONG}{unit}", row["long"]


def tables(user, area, period):
    """超期需求（按责任单位）: what stood at the area's latest build, whatever the period."""
    latest = (AreaDay.objects.filter(area=area, span=AreaDay.Span.DAY, day__lte=period.end)
              .order_by("-day").values_list("figures", flat=True).first()) or {}
    counts = {int(k[len(OVERDUE_UNIT):]): v for k, v in latest.items() if k.startswith(OVERDUE_UNIT) and v}
    names = dict(Unit.objects.filter(pk__in=counts).values_list("pk", "name"))
    rows = sorted(([names.get(unit, "（未派单）"), n, latest.get(f"{OVERDUE_LONG}{unit}", 0)]
                   for unit, n in counts.items()), key=lambda r: (-r[1], -r[2], r[0]))
    return [Table(key=OVERDUE_TABLE, title="超期需求（按责任单位）", headers=["责任单位", "超期件数", "其中超期30天以上"],
                  rows=rows)]


_numbers = area_list("demands-numbers", dates=("start", "end"))  # received, solved, on time, satisfaction


SECTION = Section(
    key="demands", label="需求清单", capability=caps.VIEW,
    metrics={RECEIVED: FLOW, SOLVED: FLOW, TIMED: FLOW, ON_TIME: FLOW, RATED: FLOW, SATISFIED: FLOW,
             OPEN: STATE, OVERDUE: STATE},
    tiles=(
        Tile(RECEIVED, "收到需求", "件", list_url=area_list("demands-list")),
        Tile(SOLVED, "办结需求", "件", list_url=_numbers),
        Tile("demands.on_time_rate", "按时办结率", kind="ratio", metric=ON_TIME, denominator=TIMED,
             list_url=_numbers),
        Tile("demands.satisfaction", "群众满意率", kind="ratio", metric=SATISFIED, denominator=RATED,
             list_url=_numbers),
        Tile(OPEN, "未办结", "件", kind=STATE, list_url=area_list("demands-list", status=selectors.OPEN_FILTER)),
        Tile(OVERDUE, "超期未办结", "件", kind=STATE, list_url=area_list("demands-overdue"), alarm=True),
    ),
    flows=flows, states=states, tables=tables, state_prefixes=(OVERDUE_UNIT, OVERDUE_LONG),
)
