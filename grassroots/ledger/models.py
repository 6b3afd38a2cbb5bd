"""The points ledger: hash-chained, append-only entries per village, their head and checkpoints (docs/ledger.md)."""


from django.db import models

from grassroots.areas.models import Area, Household, Person
from grassroots.catalogue.models import RuleVersion
from grassroots.claims.models import Claim, Notice


class Account(models.TextChoices):
    SCORE = "score", "积分"
    CREDIT = "credit", "可兑换额度"


class EntryKind(models.TextChoices):
    AWARD = "award", "加分"
    DEDUCTION = "deduction", "扣分"
    REVERSAL = "reversal", "冲正"
    SETTLEMENT = "settlement", "季度兑换额度"
    REDEMPTION = "redemption", "爱心超市兑换"
    LAPSE = "lapse", "年终清零"


class LedgerHead(models.Model):
    """The current end of a village's chain. Locked to append, so appends in a village are serial."""

    village = models.OneToOneField(Area, on_delete=models.PROTECT, related_name="ledger_head")
    seq = models.PositiveIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        db_table = "points_ledgerhead"  # made by the points app before the split

    def __str__(self) -> str:
        return f"{self.village_id} #{self.seq}"


class CheckpointPlace(models.TextChoices):
    NOTICE = "notice", "积分公示"
    BOARD = "board", "网格积分榜"
    CHECK = "check", "核验页"


class LedgerCheckpoint(models.Model):
    """A chain head as it was shown to villagers (on a posted notice, a board): a copy held outside the
    database. Append-only; one row per village, length and place, the first time it was shown.
    ``grassroots verify-ledger`` checks that the entry at ``seq`` still exists with this ``hash``."""

    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)
    place = models.CharField(max_length=8, choices=CheckpointPlace.choices)
    shown_at = models.DateTimeField()

    class Meta:
        db_table = "points_ledgercheckpoint"  # made by the points app before the split
        verbose_name = "台账校验点"
        verbose_name_plural = "台账校验点"
        ordering = ["village_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["village", "seq", "place"], name="checkpoint_once_per_place")]

    def __str__(self) -> str:
        return f"{self.village_id} #{self.seq} {self.hash[:12]}"


class LedgerEntry(models.Model):
    """积分台账: append-only (database triggers refuse UPDATE and DELETE) and hash-chained per village.

    ``hash`` covers the previous entry's hash and this entry's content (see ``chain_content``).
    A correction is a new entry of kind REVERSAL that names what it reverses and why.
    """

    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    path = models.CharField(max_length=255)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="ledger_entries")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    account = models.CharField(max_length=8, choices=Account.choices, default=Account.SCORE)
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    points = models.IntegerField()
    rule_version = models.ForeignKey(RuleVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    claim = models.OneToOneField(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="entry")
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    settlement = models.ForeignKey("settlement.Settlement", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="entries", help_text="the settlement that granted this credit")
    reason = models.CharField(max_length=200, blank=True)
    occurred_on = models.DateField()
    posted_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64, unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "points_ledgerentry"  # made by the points app before the split
        verbose_name = "积分台账"
        verbose_name_plural = "积分台账"
        ordering = ["village_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["village", "seq"], name="ledger_seq_unique_in_village")]
        indexes = [
            models.Index(fields=["household", "occurred_on"], name="ledger_household_idx"),
            models.Index(fields=["path"], name="ledger_path_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.points:+d}"

    def chain_content(self) -> dict:
        return chain_content(self)


def chain_content(row) -> dict:
    """What an entry's hash covers. Ids, not names, so that renaming a person leaves the chain valid."""
    return entry_content(village=row.village_id, household=row.household_id, person=row.person_id, account=row.account,
                         kind=row.kind, points=row.points, rule_version=row.rule_version_id, claim=row.claim_id,
                         notice=row.notice_id, reverses=row.reverses_id, reason=row.reason,
                         occurred_on=row.occurred_on, key=row.idempotency_key)


def entry_content(*, village: int, household: int, person: int | None, account: str, kind: str, points: int,
                  rule_version: int | None, claim: int | None, notice: int | None, reverses: int | None, reason: str,
                  occurred_on, key: str) -> dict:
    """The one definition of the hashed content, for callers that hold values rather than a row (posting a
    notice writes entries with one executemany). ``verify-ledger`` recomputes it through ``chain_content``."""
    return {
        "village": village,
        "household": household,
        "person": person,
        "account": account,
        "kind": kind,
        "points": points,
        "rule_version": rule_version,
        "claim": claim,
        "notice": notice,
        "reverses": reverses,
        "reason": reason,
        "occurred_on": occurred_on.isoformat(),
        "key": key,
    }


class HouseholdMonth(models.Model):
    """A household's ledger in one month (the month of the entries' ``occurred_on``, as statements and the year
    count it): the sums the grid board and the village ranking read instead of the entries (docs/ledger.md,
    "The household-month roll-up").

    Not a queue roll-up: ``ledger.services.append_entries`` (and notice posting) add each entry here in the
    same transaction, under the village's head lock, so it is exact the moment the entry is written and can
    never disagree with the ledger; ``grassroots verify-ledger`` recounts it from the entries. Not append-only
    (its rows change as entries arrive): the entries are the record, this is their sum.
    """

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255, help_text="the entries' path (the household's grid)")
    month = models.DateField(help_text="the first day of the month")
    score_plus = models.IntegerField(default=0, help_text="sum of the month's positive score entries")
    score_minus = models.IntegerField(default=0, help_text="sum of the month's negative score entries (≤ 0)")
    score = models.IntegerField(default=0, help_text="score_plus + score_minus")
    score_entries = models.IntegerField(default=0, help_text="how many score entries")
    vetoes = models.IntegerField(default=0, help_text="veto entries less their reversals")
    credit = models.IntegerField(default=0, help_text="sum of the month's credit entries")
    credit_entries = models.IntegerField(default=0, help_text="how many credit entries")

    class Meta:
        db_table = "ledger_householdmonth"
        verbose_name = "户月积分汇总"
        verbose_name_plural = "户月积分汇总"
        constraints = [
            models.UniqueConstraint(fields=["household", "month"], name="household_month_once"),
            models.CheckConstraint(condition=models.Q(score=models.F("score_plus") + models.F("score_minus")),
                                   name="household_month_score_is_plus_and_minus"),
        ]
        indexes = [models.Index(fields=["path", "month"], name="household_month_path_idx",
                                opclasses=["varchar_pattern_ops", "date_ops"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.month:%Y-%m} {self.score:+d}"
