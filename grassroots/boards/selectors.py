"""Reads of the boards: a grid's monthly statement and what its board shows."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Min

from grassroots.areas.models import Area, Household, Person
from grassroots.claims.models import (
    Notice,
    NoticeStatus,
)
from grassroots.ledger.models import (
    Account,
    HouseholdMonth,
    LedgerEntry,
    LedgerHead,
)
from grassroots.ledger.selectors import household_heads
from grassroots.rules.points import period_bounds
from grassroots.rules.settlement import (
    competition_ranks,
)
from grassroots.settlement.models import Settlement, SettlementStatus
from grassroots.settlement.selectors import settlement_lines


@dataclass
class StatementRow:
    household: Household
    head: Person | None
    plus: int
    minus: int
    total: int
    rank: int
    tied: bool
    entries: list


def monthly_statement(grid: Area, year: int, month: int) -> list[StatementRow]:
    """月计分: every household of the grid with its month's entries, totals and rank in the grid.

    Three queries whatever the grid's size: households, heads, and the month's entries.
    """
    start, end = period_bounds(date(year, month, 1), "month")
    households = list(Household.objects.filter(grid=grid, is_active=True).order_by("number"))
    heads = household_heads([h.pk for h in households])
    entries: dict[int, list] = defaultdict(list)
    for entry in (LedgerEntry.objects.filter(path__startswith=grid.path, account=Account.SCORE,
                                             occurred_on__range=(start, end))
                  .select_related("rule_version", "person").order_by("occurred_on", "seq")):
        entries[entry.household_id].append(entry)
    rows = []
    for household in households:
        own = entries.get(household.pk, [])
        plus = sum(e.points for e in own if e.points > 0)
        minus = sum(e.points for e in own if e.points < 0)
        rows.append(StatementRow(household, heads.get(household.pk), plus, minus, plus + minus, 0, False, own))
    rows.sort(key=lambda r: (-r.total, r.household.number))
    ranks = competition_ranks([r.total for r in rows])
    counts = Counter(ranks)
    for row, rank in zip(rows, ranks, strict=True):
        row.rank, row.tied = rank, counts[rank] > 1
    return rows


@dataclass
class MonthTotals:
    """A household's month on the grid board: its totals from the household-month roll-up, not its entries."""

    household: Household
    head: Person | None
    plus: int
    minus: int
    total: int
    rank: int
    tied: bool
    entries: int  # how many score entries (the statement page lists them; the board only needs to know)


def monthly_totals(grid: Area, year: int, month: int) -> list[MonthTotals]:
    """The board's 月计分: every household of the grid with its month's totals and its rank in the grid, as
    ``monthly_statement`` ranks them, read from ``HouseholdMonth`` (one row per household that has entries)
    instead of the entries. Three queries whatever the grid's size."""
    return board_totals(grid, date(year, month, 1))[1]


def board_totals(grid: Area, month: date, earlier: date | None = None) -> tuple[date, list[MonthTotals]]:
    """``month``'s totals (``monthly_totals``), or ``earlier``'s while ``month`` has no score entries in the grid
    (early in a month the board shows last month): the month shown and its rows. Three queries for both months."""
    households = list(Household.objects.filter(grid=grid, is_active=True).order_by("number"))
    heads = household_heads([h.pk for h in households])
    sums: dict[date, dict[int, tuple]] = defaultdict(dict)
    for household_id, shown, plus, minus, n in (
            HouseholdMonth.objects.filter(path__startswith=grid.path, month__in=[m for m in (month, earlier) if m],
                                          score_entries__gt=0)
            .values_list("household_id", "month", "score_plus", "score_minus", "score_entries")):
        sums[shown][household_id] = (plus, minus, n)
    shown = month if sums.get(month) or earlier is None else earlier
    rows = []
    for household in households:
        plus, minus, n = sums[shown].get(household.pk, (0, 0, 0))
        rows.append(MonthTotals(household, heads.get(household.pk), plus, minus, plus + minus, 0, False, n))
    rows.sort(key=lambda r: (-r.total, r.household.number))
    ranks = competition_ranks([r.total for r in rows])
    counts = Counter(ranks)
    for row, rank in zip(rows, ranks, strict=True):
        row.rank, row.tied = rank, counts[rank] > 1
    return shown, rows


def grid_board(grid: Area, today: date) -> dict:
    """What a grid's board shows: this week's notices, this month's totals (last month's while this one has no
    entries: ``board_totals``), the latest published
    settlement of the grid's village, the village chain's head, and the grid's latest posted notice
    (whose check page the board's QR code opens)."""
    week_start, _ = period_bounds(today, "week")
    notices = list(Notice.objects.filter(grid=grid, opened_at__date__gte=week_start - timedelta(days=7))
                   .order_by("-opened_at")[:5])
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    shown_month, statement = board_totals(grid, this_month, last_month)
    settlement = (Settlement.objects.filter(village_id=grid.parent_id, status=SettlementStatus.PUBLISHED)
                  .order_by("-year", "-quarter").first())
    lines = [line for line in settlement_lines(settlement) if line.path.startswith(grid.path)] if settlement else []
    head = LedgerHead.objects.filter(village_id=grid.parent_id).first()
    latest_posted = (Notice.objects.filter(grid=grid, status=NoticeStatus.POSTED).exclude(chain_hash="")
                     .order_by("-posted_at", "-id").first())
    return {"grid": grid, "today": today, "notices": notices, "statement": statement, "shown_month": shown_month,
            "settlement": settlement,
            "settlement_lines": lines, "head": head, "latest_posted": latest_posted}


def statement_span(grid: Area, today: date) -> tuple[date, date]:
    """The months a grid's statement (月计分) can be asked for: from the month of the village's first
    score entry (the scheme's start there) to this month, and the latest month with score entries in the
    grid (this month when there are none). Both as the first day of the month; two aggregate queries."""
    this_month = today.replace(day=1)
    first = (LedgerEntry.objects.filter(village_id=grid.parent_id, account=Account.SCORE)
             .aggregate(day=Min("occurred_on"))["day"])
    latest = (LedgerEntry.objects.filter(path__startswith=grid.path, account=Account.SCORE, occurred_on__lte=today)
              .aggregate(day=Max("occurred_on"))["day"])
    start = min(first.replace(day=1), this_month) if first else this_month
    return start, latest.replace(day=1) if latest else this_month


# ---------------------------------------------------------------- 我的积分 (the household's own page, by its card)


def card_entries(household: Household, *, limit: int = 200) -> tuple[list[LedgerEntry], set[int]]:
    """The household's own ledger entries, newest first, each with what it came from (the rule, the notice
    it was posted from, the settlement that granted it, the entry a reversal undoes, the member it was for),
    and the ids of its entries that a later reversal undid.

    Not scoped by an account: the caller has shown the household's card (``shop.selectors.card_household``).
    It reads that one household's rows only, through the ledger's household index; two queries.
    """
    entries = list(LedgerEntry.objects.filter(household=household)
                   .select_related("rule_version", "person", "notice", "settlement", "reverses",
                                   "reverses__rule_version")
                   .order_by("-seq")[:limit])
    undone = set(LedgerEntry.objects.filter(household=household, reverses__isnull=False)
                 .values_list("reverses_id", flat=True))
    return entries, undone
