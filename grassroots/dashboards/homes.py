"""Task homes (工作台): what each role opens the day with, read for the home page (``areas.views.home``).

It lives beside the dashboard because a home is a small dashboard of one person's work: it reads the claims, the
settlements, the shop, the demands, pairing and volunteers (every app ``areas`` sits under, so ``areas`` may not
import them) and the roll-ups of the area's tiles (``dashboards.selectors.dashboard``). Per-person items (my grids'
households done this week, my claims sent back, the review stages waiting for my roles) read the raw tables with
scoped queries on indexed columns; the figures of an area come from the roll-ups. Each card is a fixed number of
queries, whatever the size of the village or the county.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q
from django.utils import timezone

from grassroots.access.context_processors import credit_institution, pairing_visitor, volunteer_member
from grassroots.access.scope import scope_of, visible
from grassroots.areas.models import Area, Household, Level, Person
from grassroots.claims.models import Claim, ClaimStatus, Objection, ObjectionStatus
from grassroots.dashboards import capabilities as dash_caps
from grassroots.dashboards.selectors import Dashboard, dashboard
from grassroots.demands import permissions as demand_permissions
from grassroots.demands import selectors as demand_selectors
from grassroots.demands.capabilities import VIEW as DEMANDS_VIEW
from grassroots.demands.models import Demand
from grassroots.pairing import capabilities as pairing_caps
from grassroots.pairing import selectors as pairing_selectors
from grassroots.points import capabilities as point_caps
from grassroots.rules.figures import period_for
from grassroots.rules.roles import Role
from grassroots.settlement.models import PointsPolicy, Settlement, SettlementStatus, default_stages
from grassroots.shop import capabilities as shop_caps
from grassroots.shop.models import Product
from grassroots.shop.selectors import shops_for, stock_of
from grassroots.volunteers import capabilities as volunteer_caps
from grassroots.volunteers import selectors as volunteer_selectors

# The roles whose home is the village's review desk (待审, objections, settlements, the village at a glance).
REVIEWING_ROLES = {Role.PARTY_GROUP_LEADER, Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY}
TODO_SHOWN = 60  # households still to do listed on the home (the count says how many there are)


@dataclass
class Recording:
    """A grid worker's week: households of their grids with a claim recorded this week, the rest to do."""

    grids: list[Area]
    households: int
    done: int
    todo: list[Household]
    sent_back: int
    waiting_demands: int
    demands_area: Area | None

    @property
    def to_do(self) -> int:
        return self.households - self.done


@dataclass
class Stage:
    name: str
    waiting: int
    oldest_days: int


@dataclass
class Reviewing:
    stages: list[Stage]
    objections: int | None
    settlements: int | None


@dataclass
class ShopDesk:
    shops: list
    low: list[Product]


@dataclass
class Home:
    recording: Recording | None = None
    reviewing: Reviewing | None = None
    shop: ShopDesk | None = None
    units: dict | None = None
    credit_lookup: bool = False
    pairing: dict | None = None
    volunteering: dict | None = None
    board: Dashboard | None = None


def week_start(today: date) -> datetime:
    """The first moment of this week (Monday 00:00 in the site's zone), the week of the dashboard's tiles."""
    return timezone.make_aware(datetime.combine(period_for("week", today).start, time.min))


def _roles(scope) -> set[str]:
    return {role for role, _path in scope.assignments}


def my_grids(user) -> list[Area]:
    """The grids of the caller's grid-worker roles (a role held on a village covers its grids)."""
    paths = [path for role, path in scope_of(user).assignments if role == Role.GRID_WORKER and path]
    if not paths:
        return []
    within = Q()
    for path in paths:
        within |= Q(path__startswith=path)
    return list(Area.objects.filter(within, level=Level.GRID).order_by("path"))


def recording(user, grids: list[Area], *, today: date) -> Recording:
    """This week's round in ``grids``: four queries (counts, the to-do list and its heads, my claims sent back,
    the demands waiting for me)."""
    since = week_start(today)
    grid_ids = [g.pk for g in grids]
    recorded = Exists(Claim.objects.filter(household=OuterRef("pk"), created_at__gte=since)
                      .exclude(status=ClaimStatus.CANCELLED))
    households = visible(user, Household.objects.filter(grid_id__in=grid_ids, is_active=True))
    counts = households.aggregate(total=Count("pk"), done=Count("pk", filter=Q(recorded)))
    todo = list(households.filter(~recorded).prefetch_related(
        Prefetch("members", queryset=Person.objects.filter(relation=Person.Relation.HEAD)))
        .order_by("number")[:TODO_SHOWN])
    # Sent back to me and not resubmitted yet (the recorder index; the reviewer's reason is on 我的申报).
    sent_back = Claim.objects.filter(recorder=user, status=ClaimStatus.REJECTED,
                                     resubmitted_as__isnull=True).count()
    # What the demands app leaves to a grid worker: a demand solved in my grids waits for the callback (回访),
    # which only ``demands.record`` on its area may enter (demands.services.rate).
    within = Q()
    for grid in grids:
        within |= Q(path__startswith=grid.path)
    waiting = visible(user, Demand.objects.filter(within, status=Demand.Status.RESOLVED), DEMANDS_VIEW).count()
    return Recording(grids=grids, households=counts["total"], done=counts["done"], todo=todo, sent_back=sent_back,
                     waiting_demands=waiting, demands_area=grids[0] if len(grids) == 1 else None)


def review_stages(user, *, now: datetime) -> list[Stage]:
    """待审 per review stage the caller's roles review, with the oldest claim's wait in days (since it last moved:
    recorded, resubmitted or passed on by the stage before). Two queries: the grouped claims and the policies."""
    scope = scope_of(user)
    rows = list(visible(user, Claim.objects.filter(status=ClaimStatus.IN_REVIEW), point_caps.VIEW)
                .values("village_id", "village__path", "stage").annotate(n=Count("id"), oldest=Min("updated_at"))
                .order_by("stage"))
    policies = dict(PointsPolicy.objects.filter(village_id__in={r["village_id"] for r in rows})
                    .values_list("village_id", "stages"))
    found: dict[str, Stage] = {}
    for row in rows:
        stages = policies.get(row["village_id"]) or default_stages()
        if row["stage"] >= len(stages) or not scope.has_role(stages[row["stage"]]["roles"], row["village__path"]):
            continue
        name = stages[row["stage"]]["name"]
        days = max(0, (now - row["oldest"]).days)
        stage = found.setdefault(name, Stage(name, 0, 0))
        stage.waiting += row["n"]
        stage.oldest_days = max(stage.oldest_days, days)
    return list(found.values())


def reviewing(user, *, now: datetime) -> Reviewing:
    caps = scope_of(user).capabilities()
    objections = (visible(user, Objection.objects.filter(status=ObjectionStatus.OPEN), point_caps.DECIDE_OBJECTIONS,
                          field="line__notice__path").count()
                  if point_caps.DECIDE_OBJECTIONS in caps else None)
    settlements = (visible(user, Settlement.objects.filter(status=SettlementStatus.DRAFT), point_caps.SETTLE).count()
                   if point_caps.SETTLE in caps else None)
    return Reviewing(stages=review_stages(user, now=now), objections=objections, settlements=settlements)


def shop_desk(user) -> ShopDesk:
    """The counters of the caller's shops and what is low on their shelves: three queries for any number of shops."""
    shops = list(shops_for(user, shop_caps.REDEEM))
    products = list(Product.objects.filter(shop__in=shops, is_retired=False).select_related("shop")
                    .order_by("shop_id", "name", "pk"))
    stock = stock_of(p.pk for p in products)
    low = []
    for product in products:
        product.stock = stock[product.pk]
        if product.stock <= product.low_stock:
            low.append(product)
    low.sort(key=lambda p: (p.stock, p.name))
    return ShopDesk(shops=shops, low=low)


def pairing_card(user, *, today: date) -> dict | None:
    """包联走访: what is due this week for a visitor of pairs in force; the coverage link for pairing.VIEW."""
    mine = pairing_visitor(user)
    may_view = bool(scope_of(user).paths(pairing_caps.VIEW))
    if not mine and not may_view:
        return None
    due = pairing_selectors.due_this_week(user, day=today) if mine else None
    return {"due": len(due.items) if due else None, "done": due.done if due else None, "may_view": may_view}


def volunteer_card(user) -> dict | None:
    """志愿服务: a volunteer's own verified hours and stars; the overview link for volunteers.VIEW."""
    may_view = bool(scope_of(user).paths(volunteer_caps.VIEW))
    if not may_view and not volunteer_member(user):
        return None
    mine = volunteer_selectors.volunteer_of(user)
    return {"hours": mine.hours_text if mine else None, "stars": mine.stars if mine else None, "may_view": may_view}


def glance_area(user, area: Area | None) -> Area | None:
    """The area whose tiles the home shows: the current area (a grid's village), when the caller may open its
    dashboard. Grid workers and cashiers hold no dashboards.view: their homes are their own work."""
    if area is None:
        return None
    if area.level == Level.GRID:
        area = area.parent
    if area is None or not scope_of(user).can(dash_caps.VIEW, area.path):
        return None
    return area


def home_for(user, area: Area | None, *, now: datetime | None = None) -> Home:
    """Every card of the caller's home: the cards of each role they hold, in the order of a working day."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    scope = scope_of(user)
    roles = _roles(scope)
    home = Home()
    grids = my_grids(user) if Role.GRID_WORKER in roles else []
    if grids:
        home.recording = recording(user, grids, today=today)
    if roles & REVIEWING_ROLES or scope.everything:
        home.reviewing = reviewing(user, now=now)
    if Role.CASHIER in roles:
        home.shop = shop_desk(user)
    if demand_permissions.unit_ids(user):
        home.units = demand_selectors.unit_overview(user, now=now)
        home.credit_lookup = credit_institution(user)
    home.pairing = pairing_card(user, today=today)
    home.volunteering = volunteer_card(user)
    glance = glance_area(user, area)
    if glance is not None:
        home.board = dashboard(user, glance, period_for("week", today), now=now)
    return home
