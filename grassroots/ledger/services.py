"""Writes of the ledger: append entries under the village's head lock, reversals, checkpoints (docs/ledger.md,
docs/locking.md)."""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from grassroots.access.scope import authorise
from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.ledger.models import (
    Account,
    EntryKind,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerHead,
    chain_content,
)
from grassroots.points import capabilities as caps
from grassroots.rules.points import GENESIS, chain

# Audit actions (app.noun.verb). The values are stored: never rename one.
ENTRY_REVERSE = "points.entry.reverse"


def append_entries(*, village: Area, entries: list[LedgerEntry], head: LedgerHead | None = None) -> list[LedgerEntry]:
    """Chain ``entries`` onto the village's ledger. Call inside a transaction.

    The village's head row is locked first, so appends in one village are serial while
    different villages append in parallel. A caller that took the head already (``lock_head``, in the
    same transaction, because it reads balances under it) passes it as ``head``: not locked twice.
    """
    if not entries:
        return []
    if head is None:
        head = lock_head(village.pk)
    elif head.village_id != village.pk:
        raise ValueError("append_entries: the head passed is another village's")
    links = chain(head.hash, head.seq + 1, [chain_content(e) for e in entries])
    for entry, (seq, prev_hash, digest) in zip(entries, links, strict=True):
        entry.seq, entry.prev_hash, entry.hash = seq, prev_hash, digest
    LedgerEntry.objects.bulk_create(entries, batch_size=1000)
    head.seq, head.hash = links[-1][0], links[-1][2]
    with connection.cursor() as cursor:  # what head.save(update_fields=…) sends, without the ORM's compile
        cursor.execute(f"UPDATE {LedgerHead._meta.db_table} SET seq = %s, hash = %s WHERE id = %s",
                       [head.seq, head.hash, head.pk])
    return entries

ENTRY_COLUMNS = ("village_id", "seq", "path", "household_id", "person_id", "account", "kind", "points",
                  "rule_version_id", "claim_id", "notice_id", "reverses_id", "reason", "occurred_on", "posted_at",
                  "idempotency_key", "prev_hash", "hash")


def record_checkpoint(*, village_id: int, seq: int, digest: str, place: str, now=None) -> None:
    """Remember a chain head shown to villagers (posted notice, board): ``verify-ledger`` checks later that
    the entry at ``seq`` is still there with this hash. Idempotent: the first showing per place is kept."""
    if seq and not LedgerCheckpoint.objects.filter(village_id=village_id, seq=seq, place=place).exists():
        # Looked up first: a board is viewed far more often than its head moves, and a read takes no write lock.
        LedgerCheckpoint.objects.bulk_create(
            [LedgerCheckpoint(village_id=village_id, seq=seq, hash=digest, place=place, shown_at=now or timezone.now())],
            ignore_conflicts=True)


def lock_head(village_id: int) -> LedgerHead:
    """The village's chain head, locked (created at the genesis hash the first time). Call inside a transaction."""
    head = _locked_head(village_id)
    if head is None:
        LedgerHead.objects.bulk_create([LedgerHead(village_id=village_id, seq=0, hash=GENESIS)], ignore_conflicts=True)
        head = _locked_head(village_id)
    return head


def _locked_head(village_id: int) -> LedgerHead | None:
    """``LedgerHead.objects.select_for_update().filter(village_id=…).first()`` as one plain statement: every
    write to the ledger runs it, and the ORM's compile of it cost more than the round trip."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("lock_head must run inside the transaction of the write")
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, seq, hash FROM {LedgerHead._meta.db_table} WHERE village_id = %s{lock}",
                       [village_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return LedgerHead.from_db(connection.alias, ["id", "village_id", "seq", "hash"], [row[0], village_id, *row[1:]])


@transaction.atomic
def reverse_entry(*, actor: Actor, entry: LedgerEntry, reason: str, now=None) -> LedgerEntry:
    """A correction: a new entry with the opposite points that names what it reverses and why."""
    authorise(actor, caps.REVERSE, entry.path)
    if not (reason or "").strip():
        raise ValidationError({"reason": "冲正须写明理由"})
    if entry.kind == EntryKind.REVERSAL:
        raise ValidationError({"entry": "冲正记录不能再冲正，请另行记录"})
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError({"entry": "该记录已冲正"})
    now = now or timezone.now()
    # A score reversal keeps the deed's date, so it corrects the month and quarter the deed counted in
    # (a published settlement then needs a correction, which shows up as a difference).
    occurred_on = entry.occurred_on if entry.account == Account.SCORE else timezone.localdate(now)
    reversal = LedgerEntry(village_id=entry.village_id, path=entry.path, household_id=entry.household_id,
                           person_id=entry.person_id, account=entry.account, kind=EntryKind.REVERSAL,
                           points=-entry.points, rule_version_id=entry.rule_version_id, reverses=entry,
                           reason=reason.strip()[:200], occurred_on=occurred_on, posted_at=now,
                           idempotency_key=f"reverse:{entry.pk}")
    append_entries(village=Area.objects.get(pk=entry.village_id), entries=[reversal])
    record(actor=actor, action=ENTRY_REVERSE, obj=reversal, data={"reverses": entry.pk, "reason": reason})
    return reversal
