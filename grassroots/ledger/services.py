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
from grassroots.catalogue.models import RuleKind, RuleVersion
from grassroots.core.refusals import Refusal
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
from grassroots.rules.points import GENESIS, chain

# Audit actions (app.noun.verb). The values are stored: never rename one.
ENTRY_REVERSE = "points.entry.reverse"
HOUSEHOLD_MONTHS_REBUILD = "points.household_month.rebuild"


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
    rule_ids = {e.rule_version_id for e in entries if e.rule_version_id and e.account == Account.SCORE}
    vetoes = set(RuleVersion.objects.filter(pk__in=rule_ids, kind=RuleKind.VETO).values_list("pk", flat=True)
                 ) if rule_ids else set()
    add_to_household_months([(e.household_id, e.village_id, e.path, e.occurred_on, e.account, e.kind, e.points,
                               e.rule_version_id in vetoes) for e in entries])
    return entries


MONTH_COLUMNS = ("household_id", "village_id", "path", "month", "score_plus", "score_minus", "score",
                 "score_entries", "vetoes", "credit", "credit_entries")
_MONTH_SUMS = MONTH_COLUMNS[4:]


def add_to_household_months(rows) -> None:
    """Add entries just written to their households' months (``HouseholdMonth``), in the caller's transaction,
    which holds the village's head: every writer of a household's month holds its village's head first, so
    these rows are written one transaction at a time and the roll-up moves with the ledger, never apart.

    ``rows``: (household_id, village_id, path, occurred_on, account, kind, points, is_veto_rule) per entry. One
    upsert per 500 household-months (``INSERT … ON CONFLICT … DO UPDATE`` adding to what is there), in
    household and month order.
    """
    sums: dict[tuple, list] = {}
    for household_id, village_id, path, occurred_on, account, kind, points, veto_rule in rows:
        key = (household_id, occurred_on.replace(day=1))
        found = sums.get(key)
        if found is None:
            found = sums[key] = [village_id, path, 0, 0, 0, 0, 0, 0]
        if account == Account.SCORE:
            if points > 0:
                found[2] += points
            elif points < 0:
                found[3] += points
            found[4] += 1
            if veto_rule:
                found[5] += -1 if kind == EntryKind.REVERSAL else 1
        else:
            found[6] += points
            found[7] += 1
    if not sums:
        return
    ops = connection.ops
    values = [(household_id, village_id, path, ops.adapt_datefield_value(month), plus, minus, plus + minus,
               score_entries, vetoes, credit, credit_entries)
              for (household_id, month), (village_id, path, plus, minus, score_entries, vetoes, credit,
                                          credit_entries) in sorted(sums.items())]
    table = HouseholdMonth._meta.db_table
    row = f"({', '.join(['%s'] * len(MONTH_COLUMNS))})"
    add = ", ".join(f"{column} = {table}.{column} + excluded.{column}" for column in _MONTH_SUMS)
    with connection.cursor() as cursor:
        for i in range(0, len(values), 500):
            chunk = values[i:i + 500]
            cursor.execute(f"INSERT INTO {table} ({', '.join(MONTH_COLUMNS)}) VALUES {', '.join([row] * len(chunk))} "
                           f"ON CONFLICT (household_id, month) DO UPDATE SET {add}",
                           [value for one in chunk for value in one])


def recount_months_sql(vendor: str, where: str = "") -> str:
    """The household months recounted from the entries, as one ``SELECT`` of ``MONTH_COLUMNS`` (SQLite and
    PostgreSQL); ``where`` narrows the entries (alias ``e``). What the migration's backfill runs too."""
    month = ("CAST(date_trunc('month', e.occurred_on) AS date)" if vendor == "postgresql"
             else "date(e.occurred_on, 'start of month')")
    score = "e.account = 'score'"
    return f"""
        SELECT e.household_id, MIN(e.village_id), MIN(e.path), {month},
               SUM(CASE WHEN {score} AND e.points > 0 THEN e.points ELSE 0 END),
               SUM(CASE WHEN {score} AND e.points < 0 THEN e.points ELSE 0 END),
               SUM(CASE WHEN {score} THEN e.points ELSE 0 END),
               SUM(CASE WHEN {score} THEN 1 ELSE 0 END),
               SUM(CASE WHEN {score} AND v.kind = 'veto' THEN (CASE WHEN e.kind = 'reversal' THEN -1 ELSE 1 END)
                        ELSE 0 END),
               SUM(CASE WHEN e.account = 'credit' THEN e.points ELSE 0 END),
               SUM(CASE WHEN e.account = 'credit' THEN 1 ELSE 0 END)
        FROM points_ledgerentry e LEFT JOIN points_ruleversion v ON v.id = e.rule_version_id
        {where}
        GROUP BY e.household_id, {month}"""


@transaction.atomic
def rebuild_household_months(*, actor: Actor, village_ids: list[int]) -> int:
    """Recount the household months of ``village_ids`` from their entries (after a bulk load that wrote the
    ledger without ``append_entries``, or to repair what ``verify-ledger`` named). Takes each village's head,
    in id order, as every ledger write does. Returns the rows written."""
    if not actor.is_system:
        raise ValidationError({"actor": "只能由系统任务重算户月积分汇总"})
    ids = sorted(set(village_ids))
    for village_id in ids:
        lock_head(village_id)
    written = 0
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        HouseholdMonth.objects.filter(village_id__in=chunk).delete()
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {HouseholdMonth._meta.db_table} ({', '.join(MONTH_COLUMNS)}) "
                           + recount_months_sql(connection.vendor,
                                                f"WHERE e.village_id IN ({', '.join(['%s'] * len(chunk))})"), chunk)
            written += cursor.rowcount
    record(actor=actor, action=HOUSEHOLD_MONTHS_REBUILD, object_type="ledger.householdmonth",
           object_id=",".join(map(str, ids))[:80], data={"villages": len(ids), "rows": written})
    return written

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
        raise Refusal({"entry": "冲正记录不能再冲正，请另行记录"})
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise Refusal({"entry": "该记录已冲正"})
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
