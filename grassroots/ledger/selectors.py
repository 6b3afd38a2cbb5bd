"""Reads of the ledger: scores and balances as sums of entries, an entry's origin, verifying the chain."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Case, IntegerField, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractMonth

from grassroots.access.scope import access_object, visible
from grassroots.areas.models import Area, Person
from grassroots.claims.models import Objection
from grassroots.ledger.models import Account, LedgerCheckpoint, LedgerEntry, LedgerHead, chain_content
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
    return {p.household_id: p for p in Person.objects.filter(household_id__in=list(household_ids),
                                                              relation=Person.Relation.HEAD)}


def head_seq(village_id: int) -> int:
    return LedgerHead.objects.filter(village_id=village_id).values_list("seq", flat=True).first() or 0


def villages_with_ledgers() -> QuerySet[Area]:
    """Every village with a head, an entry or a checkpoint, by code: deleting a village's head row (or all its
    entries) must not take it out of the check."""
    ids = (set(LedgerHead.objects.values_list("village_id", flat=True))
           | set(LedgerCheckpoint.objects.values_list("village_id", flat=True).distinct())
           | set(LedgerEntry.objects.values_list("village_id", flat=True).distinct()))
    return Area.objects.filter(pk__in=ids).order_by("code")
