"""包联走访: pairs in force, households with a cadre (coverage), visits written, problems collected and solved, and
the pairs whose visit is due or overdue now.

A pair, its visits and its problems count for the area of the pair's target (their ``path``). Flows are grouped in
SQL by that village and the local day a record was written: a visit by its ``created_at`` (not ``visited_on``,
which a cadre may set in the past), a problem by its demand's ``created_at`` (the problem is filed as a demand when
the visit is logged), a problem solved by its demand's resolution on the timeline (as the demands section counts
solved). States are what stands now: pairs and household pairs in force (grouped in SQL), and each pair's window on
today as rules/pairing.py says (``pairing.selectors.window_statuses``, the reads and the rule of the coverage page).
"""

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from grassroots.areas.models import Household
from grassroots.dashboards.sections.base import FLOW, STATE, Section, Tile, village_path
from grassroots.dashboards.sections.common import area_list, local_days
from grassroots.dashboards.sections.demands import solving_events
from grassroots.pairing import capabilities as caps
from grassroots.pairing.models import Pair, Problem, Visit
from grassroots.pairing.selectors import HOUSEHOLD_KINDS, in_force_q, window_statuses
from grassroots.rules import pairing as rules

PAIRS, HOUSEHOLDS, PAIRED, VISITS, PROBLEMS, SOLVED, DUE, OVERDUE = (
    "pairing.pairs", "pairing.households", "pairing.paired", "pairing.visits", "pairing.problems",
    "pairing.problems_solved", "pairing.due", "pairing.overdue")


def flows(first, last):
    zone = timezone.get_current_timezone()
    visits = (Visit.objects.filter(local_days("created_at", first, last))
              .values(day=TruncDate("created_at", tzinfo=zone), where=village_path()).annotate(n=Count("id"))
              .order_by())
    for row in visits:
        yield row["where"], row["day"], VISITS, row["n"]
    problems = (Problem.objects.filter(local_days("demand__created_at", first, last))
                .values(day=TruncDate("demand__created_at", tzinfo=zone), where=village_path())
                .annotate(n=Count("id")).order_by())
    for row in problems:
        yield row["where"], row["day"], PROBLEMS, row["n"]
    solved = (solving_events().filter(local_days("at", first, last), demand__visit_problem__isnull=False)
              .values(day=TruncDate("at", tzinfo=zone), where=village_path("demand__visit_problem__path"))
              .annotate(n=Count("id")).order_by())
    for row in solved:
        yield row["where"], row["day"], SOLVED, row["n"]


def states(today):
    for row in Pair.objects.filter(in_force_q(today)).values(where=village_path()).annotate(n=Count("id")).order_by():
        yield row["where"], PAIRS, row["n"]
    households = (Household.objects.filter(is_active=True).values(where=village_path())
                  .annotate(n=Count("id")).order_by())
    for row in households:
        yield row["where"], HOUSEHOLDS, row["n"]
    # Households with a household pair in force (a cadre's or a member's), each once.
    paired = (Household.objects.filter(is_active=True).filter(
        pk__in=Pair.objects.filter(in_force_q(today), kind__in=HOUSEHOLD_KINDS).values("household_id"))
        .values(where=village_path()).annotate(n=Count("id")).order_by())
    for row in paired:
        yield row["where"], PAIRED, row["n"]
    for (path, status), n in window_statuses(day=today).items():
        if status == rules.DUE:
            yield path, DUE, n
        elif status == rules.OVERDUE:
            yield path, OVERDUE, n


_coverage = area_list("pairing-coverage")
_figures = area_list("pairing-figures", dates=("from", "to"))


SECTION = Section(
    key="pairing", label="包联走访", capability=caps.VIEW,
    metrics={PAIRS: STATE, HOUSEHOLDS: STATE, PAIRED: STATE, VISITS: FLOW, PROBLEMS: FLOW, SOLVED: FLOW,
             DUE: STATE, OVERDUE: STATE},
    tiles=(
        Tile(PAIRS, "在结对", "对", kind=STATE, list_url=area_list("pairing-register")),
        Tile(PAIRED, "已包联户", "户", kind=STATE, list_url=_coverage),
        Tile("pairing.coverage", "包联覆盖率", kind="ratio", metric=PAIRED, denominator=HOUSEHOLDS,
             list_url=_coverage),
        Tile(VISITS, "走访", "次", list_url=_figures),
        Tile(PROBLEMS, "收集问题", "个", list_url=_figures),
        Tile(SOLVED, "解决问题", "个", list_url=_figures),
        Tile(DUE, "待走访", "对", kind=STATE, list_url=_coverage),
        Tile(OVERDUE, "逾期未走访", "对", kind=STATE, list_url=_coverage, alarm=True),
    ),
    flows=flows, states=states,
)
