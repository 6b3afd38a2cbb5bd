"""积分: what was recorded, what waits in review, what was posted, what may be redeemed and what was redeemed.

Flows are grouped in SQL by the village a row lies in and its local day (``village_path``, ``TruncDate`` in the
site's time zone), so a year of a league's ledger folds in a few groups per village per day.
"""

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from grassroots.claims.models import Claim, ClaimStatus
from grassroots.dashboards.sections.base import FLOW, STATE, Section, Tile, village_path
from grassroots.ledger.models import Account, EntryKind, LedgerEntry
from grassroots.points import capabilities as caps

RECORDED, IN_REVIEW, POSTED, REDEEMABLE, REDEEMED = (
    "points.recorded", "points.in_review", "points.posted", "points.redeemable", "points.redeemed")


def flows(first, last):
    zone = timezone.get_current_timezone()
    claims = (Claim.objects.annotate(day=TruncDate("created_at", tzinfo=zone))
              .filter(day__range=(first, last)).values("day", where=village_path())
              .annotate(n=Count("id")))
    for row in claims:
        yield row["where"], row["day"], RECORDED, row["n"]
    entries = (LedgerEntry.objects.annotate(day=TruncDate("posted_at", tzinfo=zone))
               .filter(day__range=(first, last)).values("day", "account", "kind", where=village_path())
               .annotate(points=Sum("points")))
    for row in entries:
        if row["account"] == Account.SCORE:
            yield row["where"], row["day"], POSTED, row["points"]
        elif row["kind"] == EntryKind.REDEMPTION:
            yield row["where"], row["day"], REDEEMED, -row["points"]


def states(today):
    for row in (Claim.objects.filter(status=ClaimStatus.IN_REVIEW).values(where=village_path())
                .annotate(n=Count("id"))):
        yield row["where"], IN_REVIEW, row["n"]
    for row in (LedgerEntry.objects.filter(account=Account.CREDIT).values(where=village_path())
                .annotate(points=Sum("points"))):
        yield row["where"], REDEEMABLE, row["points"]


def _review(area, period):
    return f"{reverse('points-review')}?area={area.code}"


SECTION = Section(
    key="points", label="积分", capability=caps.VIEW,
    metrics={RECORDED: FLOW, IN_REVIEW: STATE, POSTED: FLOW, REDEEMABLE: STATE, REDEEMED: FLOW},
    tiles=(
        Tile(RECORDED, "记录申报", "条", list_url=_review),
        Tile(IN_REVIEW, "审核中", "条", kind=STATE, list_url=_review),
        Tile(POSTED, "已入账积分", "分"),
        Tile(REDEEMABLE, "可兑换积分", "分", kind=STATE),
        Tile(REDEEMED, "已兑换积分", "分"),
    ),
    flows=flows, states=states,
)
