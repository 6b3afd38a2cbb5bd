"""积分: what was recorded, what waits in review, for a decision on an objection or for its settlement to be published,
what was posted, what may be redeemed and what was redeemed.

Flows are grouped in SQL by the village a row lies in and its local day (``village_path``, ``TruncDate`` in the
site's time zone), so a year of a league's ledger folds in a few groups per village per day. Every ledger figure is
read by the entry's own ``path`` and ``posted_at`` (append-only, never edited): what a household did stays where it
was done.
"""

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from grassroots.claims.models import Claim, ClaimStatus, Objection, ObjectionStatus
from grassroots.dashboards.sections.base import FLOW, STATE, Section, Tile, village_path
from grassroots.dashboards.sections.common import local_days
from grassroots.ledger.models import Account, EntryKind, LedgerEntry
from grassroots.points import capabilities as caps
from grassroots.settlement.models import Settlement, SettlementStatus

RECORDED, IN_REVIEW, POSTED, REDEEMABLE, REDEEMED = (
    "points.recorded", "points.in_review", "points.posted", "points.redeemable", "points.redeemed")
OBJECTIONS, DRAFTS = "points.objections_open", "points.settlements_draft"


def flows(first, last):
    zone = timezone.get_current_timezone()
    claims = (Claim.objects.filter(local_days("created_at", first, last))
              .values(day=TruncDate("created_at", tzinfo=zone), where=village_path())
              .annotate(n=Count("id")))
    for row in claims:
        yield row["where"], row["day"], RECORDED, row["n"]
    entries = (LedgerEntry.objects.filter(local_days("posted_at", first, last))
               .values("account", "kind", day=TruncDate("posted_at", tzinfo=zone), where=village_path())
               .annotate(points=Sum("points")))
    for row in entries:
        # Score: awards, deductions and their reversals, net. Credit: what the counters took.
        if row["account"] == Account.SCORE:
            yield row["where"], row["day"], POSTED, row["points"]
        elif row["kind"] == EntryKind.REDEMPTION:
            yield row["where"], row["day"], REDEEMED, -row["points"]
    # A voided redemption (shop.services.void_redemption) or a redemption's entry reversed by a correction is a
    # credit REVERSAL naming the redemption's entry: it gives the points back on the day it was written, so
    # "redeemed" is net. Reversals of a settlement's grant are not redemptions and stay out. Only reversal rows
    # join their entry.
    voids = (LedgerEntry.objects.filter(account=Account.CREDIT, kind=EntryKind.REVERSAL,
                                        reverses__kind=EntryKind.REDEMPTION)
             .filter(local_days("posted_at", first, last))
             .values(day=TruncDate("posted_at", tzinfo=zone), where=village_path())
             .annotate(points=Sum("points")))
    for row in voids:
        yield row["where"], row["day"], REDEEMED, -row["points"]


def states(today):
    for row in (Claim.objects.filter(status=ClaimStatus.IN_REVIEW).values(where=village_path())
                .annotate(n=Count("id"))):
        yield row["where"], IN_REVIEW, row["n"]
    for row in (Objection.objects.filter(status=ObjectionStatus.OPEN)
                .values(where=village_path("line__notice__path")).annotate(n=Count("id"))):
        yield row["where"], OBJECTIONS, row["n"]
    for row in (Settlement.objects.filter(status=SettlementStatus.DRAFT).values(where=village_path())
                .annotate(n=Count("id"))):
        yield row["where"], DRAFTS, row["n"]
    for row in (LedgerEntry.objects.filter(account=Account.CREDIT).values(where=village_path())
                .annotate(points=Sum("points"))):
        yield row["where"], REDEEMABLE, row["points"]


def _review(area, period):
    return f"{reverse('points-review')}?area={area.code}"


def _objections(area, period):
    return f"{reverse('points-objections')}?area={area.code}"


def _drafts(area, period):
    return f"{reverse('points-settlements')}?area={area.code}&status={SettlementStatus.DRAFT}"


SECTION = Section(
    key="points", label="积分", capability=caps.VIEW,
    metrics={RECORDED: FLOW, IN_REVIEW: STATE, OBJECTIONS: STATE, DRAFTS: STATE, POSTED: FLOW, REDEEMABLE: STATE,
             REDEEMED: FLOW},
    tiles=(
        Tile(RECORDED, "记录申报", "条"),  # no page lists every claim recorded in a period
        Tile(IN_REVIEW, "审核中", "条", kind=STATE, list_url=_review),
        Tile(OBJECTIONS, "待复议的异议", "条", kind=STATE, list_url=_objections, alarm=True),
        Tile(DRAFTS, "待公布的季度评议", "个", kind=STATE, list_url=_drafts, alarm=True),
        Tile(POSTED, "已入账积分", "分"),
        Tile(REDEEMABLE, "可兑换积分", "分", kind=STATE),
        Tile(REDEEMED, "已兑换积分", "分"),
    ),
    flows=flows, states=states,
)
