"""Reads of the ledger: scores and balances as sums of entries, an entry's origin, verifying the chain."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, IntegerField, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractMonth, TruncMonth

from grassroots.access.scope import access_object, visible
from grassroots.areas.models import Area, Household, Person
from grassroots.catalogue.models import RuleKind
from grassroots.claims.models import Objection
from grassroots.ledger.models import (
    Account,
    EntryKind,
    HouseholdMonth,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerHead,
    chain_content,
)
from grassroots.points import capabilities as caps
from grassroots.rules.points import GENESIS, ChainLink


def entry_origin(user, pk: int) -> LedgerEntry:
    """One entry with everything it came from: rule version, recorder, each review, the notice, objections."""
    entry = access_object(
        user,
        LedgerEntry.objects.select_related(
            "household", "person", "rule_version", "rule_version__rule", "rule_version__adoption", "notice",
            "notice__grid", "claim", "claim__recorder", "reverses",
        ),
        pk=pk,
    )
    entry.decisions = list(entry.claim.decisions.select_related("reviewer")) if entry.claim_id else []
    entry.objections = (
        list(Objection.objects.filter(line__claim_id=entry.claim_id).select_related("decided_by"))
        if entry.claim_id else []
    )
    entry.reversal = LedgerEntry.objects.filter(reverses=entry).first()
    return entry


def household_entries(user, household, *, limit: int = 200) -> QuerySet[LedgerEntry]:
    return visible(user, LedgerEntry.objects.filter(household=household), caps.VIEW).select_related(
        "rule_version").order_by("-seq")[:limit]


def first_broken_entry(village_id: int, *, upto_seq: int | None = None) -> LedgerEntry | None:
    """Recompute a village's chain from the start; the first entry that does not hold, or None.

    Streams the entries, so memory stays flat however long the chain is.
    """
    expected_prev, expected_seq = GENESIS, 1
    entries = LedgerEntry.objects.filter(village_id=village_id).order_by("seq")
    if upto_seq is not None:
        entries = entries.filter(seq__lte=upto_seq)
    for entry in entries.iterator(chunk_size=5000):
        if (entry.seq != expected_seq or entry.prev_hash != expected_prev
                or ChainLink(entry.seq, entry.prev_hash, chain_content(entry)).digest() != entry.hash):
            return entry
        expected_prev, expected_seq = entry.hash, expected_seq + 1
    head = LedgerHead.objects.filter(village_id=village_id).first()
    if upto_seq is None and head is not None and (head.seq != expected_seq - 1 or head.hash != expected_prev):
        # Rows missing from the end: the head remembers a longer chain than the table holds.
        return LedgerEntry(village_id=village_id, seq=expected_seq, hash="")
    return None


@dataclass(frozen=True)
class LedgerProblem:
    """The first entry of a village's chain that is not as it was: ``missing`` (deleted, or never
    reached again after a rewind) or changed."""

    seq: int
    missing: bool
    against_checkpoint: bool = False

    @property
    def words(self) -> str:
        words = f"第 {self.seq} 条记录{'缺失' if self.missing else '被改动'}"
        if self.against_checkpoint and not self.missing:
            words += "（与公示或积分榜上印出的校验码不符，改动在这一条或之前）"
        return words


def ledger_problem(village_id: int) -> LedgerProblem | None:
    """Recompute a village's chain from the start and hold it against its head and against every
    checkpoint (each chain head shown on a notice or board): the first missing or changed entry, or None.

    Streams the entries; the checkpoints (a few per notice) are read into memory.
    """
    shown: dict[int, set[str]] = defaultdict(set)
    for seq, digest in LedgerCheckpoint.objects.filter(village_id=village_id).values_list("seq", "hash"):
        shown[seq].add(digest)
    problems: list[LedgerProblem] = []
    expected_prev, expected_seq = GENESIS, 1
    for entry in LedgerEntry.objects.filter(village_id=village_id).order_by("seq").iterator(chunk_size=5000):
        if entry.seq != expected_seq:
            problems.append(LedgerProblem(expected_seq, missing=True))
            break
        if (entry.prev_hash != expected_prev
                or ChainLink(entry.seq, entry.prev_hash, chain_content(entry)).digest() != entry.hash):
            problems.append(LedgerProblem(entry.seq, missing=False))
            break
        if entry.seq in shown and shown[entry.seq] != {entry.hash}:
            # The chain holds, but not the one villagers were shown: rewritten from here or earlier.
            problems.append(LedgerProblem(entry.seq, missing=False, against_checkpoint=True))
            break
        expected_prev, expected_seq = entry.hash, expected_seq + 1
    else:
        length = expected_seq - 1
        if shown and max(shown) > length:
            problems.append(LedgerProblem(length + 1, missing=True))
        head = LedgerHead.objects.filter(village_id=village_id).first()
        if head is not None and head.seq > length:
            problems.append(LedgerProblem(length + 1, missing=True))
        elif head is not None and (head.seq < length or head.hash != expected_prev):
            problems.append(LedgerProblem(min(head.seq + 1, length), missing=False))
    return min(problems, key=lambda p: p.seq) if problems else None


@dataclass(frozen=True)
class Balance:
    score: int = 0
    credit: int = 0


def balances(household_ids) -> dict[int, Balance]:
    """All-time score and redeemable balance of each household, from one GROUP BY."""
    rows = (LedgerEntry.objects.filter(household_id__in=list(household_ids)).values("household_id")
            .annotate(score=Sum(Case(When(account=Account.SCORE, then="points"), default=Value(0),
                                     output_field=IntegerField())),
                      credit=Sum(Case(When(account=Account.CREDIT, then="points"), default=Value(0),
                                      output_field=IntegerField())))
            .values_list("household_id", "score", "credit"))
    found = {hh: Balance(score, credit) for hh, score, credit in rows}
    return {hh: found.get(hh, Balance()) for hh in household_ids}


def balance(household) -> Balance:
    return balances([household.pk])[household.pk]


def score_between(household_ids, start: date, end: date) -> dict[int, int]:

    rows = (LedgerEntry.objects.filter(household_id__in=list(household_ids), account=Account.SCORE,
                                       occurred_on__range=(start, end))
            .values("household_id").annotate(total=Sum("points")).values_list("household_id", "total"))
    found = dict(rows)
    return {hh: found.get(hh, 0) for hh in household_ids}


def score_by_month(household_id: int, year: int) -> list[int]:
    """The household's score in each month of ``year`` (12 numbers, January first)."""
    rows = (LedgerEntry.objects.filter(household_id=household_id, account=Account.SCORE, occurred_on__year=year)
            .annotate(month=ExtractMonth("occurred_on")).values("month").annotate(total=Sum("points"))
            .values_list("month", "total"))
    months = [0] * 12
    for month, total in rows:
        months[month - 1] = total
    return months


def household_heads(household_ids) -> dict[int, Person]:
    """The head of each household, for their name on boards, rankings, statements and settlements: only the
    fields those read (a board of 350 households read every column of every head, sealed ID numbers
    included, for the names); any other field is still there, fetched when first read."""
    return {p.household_id: p for p in Person.objects.filter(household_id__in=list(household_ids),
                                                              relation=Person.Relation.HEAD)
            .only("id", "household_id", "path", "name", "relation")}


def head_seq(village_id: int) -> int:
    return LedgerHead.objects.filter(village_id=village_id).values_list("seq", flat=True).first() or 0


def villages_with_ledgers() -> QuerySet[Area]:
    """Every village with a head, an entry or a checkpoint, by code: deleting a village's head row (or all its
    entries) must not take it out of the check."""
    ids = (set(LedgerHead.objects.values_list("village_id", flat=True))
           | set(LedgerCheckpoint.objects.values_list("village_id", flat=True).distinct())
           | set(LedgerEntry.objects.values_list("village_id", flat=True).distinct()))
    return Area.objects.filter(pk__in=ids).order_by("code")


# ---------------------------------------------------------------- the household-month roll-up against the entries

MONTH_FIELDS = ("path", "score_plus", "score_minus", "score", "score_entries", "vetoes", "credit", "credit_entries")


@dataclass(frozen=True)
class MonthDifference:
    """A household month whose roll-up row (``stored``) is not the sum of its entries (``counted``); either is
    None when that side has no row. Values in ``MONTH_FIELDS`` order."""

    household_id: int
    number: str
    month: date
    stored: tuple | None
    counted: tuple | None

    @property
    def words(self) -> str:
        def said(values):
            if values is None:
                return "无"
            v = dict(zip(MONTH_FIELDS, values, strict=True))
            return (f"加分 {v['score_plus']:+d}、扣分 {v['score_minus']:+d}、合计 {v['score']:+d}"
                    f"（{v['score_entries']} 条，否决 {v['vetoes']}），可兑换 {v['credit']:+d}（{v['credit_entries']} 条）")
        return (f"户 {self.number} {self.month.year}年{self.month.month}月的积分汇总与台账不符："
                f"汇总为 {said(self.stored)}；台账合计为 {said(self.counted)}")


def household_month_differences(village_id: int) -> list[MonthDifference]:
    """Recount a village's household months from its entries (one GROUP BY, the ORM's, independent of the SQL
    that writes them) and hold them against ``HouseholdMonth``: every difference, by household and month."""
    score, credit = Q(account=Account.SCORE), Q(account=Account.CREDIT)
    veto = Q(score, rule_version__kind=RuleKind.VETO)
    zero = Value(0)

    def points_when(condition):
        return Sum(Case(When(condition, then="points"), default=zero, output_field=IntegerField()))

    counted = {
        (hh, month): (path, plus, minus, total, n, vetoes, credit_sum, credit_n)
        for hh, month, path, plus, minus, total, n, vetoes, credit_sum, credit_n in (
            LedgerEntry.objects.filter(village_id=village_id).annotate(month=TruncMonth("occurred_on"))
            .values("household_id", "month")
            .annotate(p=Min("path"), plus=points_when(score & Q(points__gt=0)),
                      minus=points_when(score & Q(points__lt=0)), total=points_when(score),
                      n=Count("id", filter=score),
                      vetoes=Sum(Case(When(veto & Q(kind=EntryKind.REVERSAL), then=Value(-1)), When(veto, then=Value(1)),
                                      default=zero, output_field=IntegerField())),
                      credit_sum=points_when(credit), credit_n=Count("id", filter=credit))
            .values_list("household_id", "month", "p", "plus", "minus", "total", "n", "vetoes", "credit_sum",
                         "credit_n"))}
    stored = {(hh, month): tuple(rest) for hh, month, *rest in
              HouseholdMonth.objects.filter(village_id=village_id).values_list("household_id", "month", *MONTH_FIELDS)}
    keys = sorted(key for key in counted.keys() | stored.keys() if counted.get(key) != stored.get(key))
    numbers = dict(Household.objects.filter(pk__in={hh for hh, _ in keys}).values_list("pk", "number"))
    return [MonthDifference(hh, numbers.get(hh, str(hh)), month, stored.get((hh, month)), counted.get((hh, month)))
            for hh, month in keys]
