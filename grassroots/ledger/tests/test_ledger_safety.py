"""The ledger cannot be shortened or rewritten without verify-ledger saying where: TRUNCATE refused,
the head only moves forward, and every chain head shown to villagers is a checkpoint that
verify-ledger holds the chain against (issue #11, item 2)."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from grassroots.cli import main
from grassroots.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead, chain_content
from grassroots.points.testing import TODAY, approve_all_stages, record
from grassroots.rules.points import GENESIS, chain


def _posted(insider, rules, people, reviewers, names=("乌云毕力格", "张秀兰"), deed_date=TODAY):
    claims = record(insider, rules, people, names=names, deed_date=deed_date)
    [notice] = approve_all_stages(claims, *reviewers)["notices"]
    main(["post-notices", "--as-of", notice.closes_at.isoformat()])
    notice.refresh_from_db()
    return notice


@pytest.fixture
def reviewers(reader, committee, secretary):
    return reader, committee, secretary


def _without_triggers(cursor, *tables):
    """What someone with the database superuser's password can do: switch the triggers off."""
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's open transaction has deferred FK checks
    for table in tables:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            cursor.execute(f"SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '{table}'")
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER {name}")


def test_posting_a_notice_records_the_head_it_shows_as_a_checkpoint(insider, rules, people, reviewers):
    notice = _posted(insider, rules, people, reviewers)
    [checkpoint] = LedgerCheckpoint.objects.all()
    assert (checkpoint.village_id, checkpoint.seq, checkpoint.hash, checkpoint.place) == (
        notice.village_id, 2, notice.chain_hash, "notice")


def test_the_public_board_records_the_head_it_prints_once(insider, rules, people, reviewers, client, region):
    _posted(insider, rules, people, reviewers)
    for _ in range(2):
        assert client.get(f"/board/grids/{region['赛沁塔拉嘎查1'].code}/").status_code == 200
    assert sorted(LedgerCheckpoint.objects.values_list("seq", "place")) == [(2, "board"), (2, "notice")]


def test_the_head_cannot_be_rewound_or_pointed_off_the_chain_or_deleted(insider, rules, people, reviewers):
    notice = _posted(insider, rules, people, reviewers)
    first = LedgerEntry.objects.get(seq=1)
    for change in ({"seq": 1, "hash": first.hash}, {"seq": 2, "hash": "f" * 64}, {"seq": 3, "hash": notice.chain_hash}):
        with pytest.raises(DatabaseError), transaction.atomic():
            LedgerHead.objects.filter(village_id=notice.village_id).update(**change)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerHead.objects.filter(village_id=notice.village_id).delete()
    head = LedgerHead.objects.get(village_id=notice.village_id)
    assert (head.seq, head.hash) == (2, notice.chain_hash)


def test_checkpoints_are_append_only(insider, rules, people, reviewers):
    _posted(insider, rules, people, reviewers)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerCheckpoint.objects.update(seq=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerCheckpoint.objects.all().delete()


def test_deleting_the_last_entries_and_rewinding_the_head_is_found(insider, rules, people, reviewers, capsys):
    """With the triggers off, delete the last two entries and put the head back where it was before
    them: the chain that is left is consistent, but the notice printed the longer chain's head."""
    _posted(insider, rules, people, reviewers, names=("乌云毕力格",))
    _posted(insider, rules, people, reviewers, names=("张秀兰", "乌云毕力格"),
            deed_date=TODAY - timedelta(days=1))  # seq 2 and 3, head 3 on paper
    village_id = LedgerEntry.objects.get(seq=1).village_id
    main(["verify-ledger"])
    assert "0 个不一致" in capsys.readouterr().out
    first = LedgerEntry.objects.get(seq=1)
    with connection.cursor() as cursor:
        _without_triggers(cursor, "points_ledgerentry", "points_ledgerhead")
        cursor.execute("DELETE FROM points_ledgerentry WHERE seq >= 2")
        cursor.execute("UPDATE points_ledgerhead SET seq = 1, hash = %s WHERE village_id = %s", [first.hash, village_id])
    with pytest.raises(SystemExit) as exit_:
        main(["verify-ledger"])
    out = capsys.readouterr().out
    assert exit_.value.code == 1
    assert "✗ 赛沁塔拉嘎查（150426100223）第 2 条记录缺失" in out and "None" not in out


def test_a_rewritten_chain_that_holds_together_is_found_by_its_checkpoint(insider, rules, people, reviewers, capsys):
    """Rewrite entry 1 and recompute every hash after it (a consistent forgery): the checkpoint of the
    posted notice no longer matches the entry at its position."""
    _posted(insider, rules, people, reviewers)
    entries = list(LedgerEntry.objects.order_by("seq"))
    entries[0].reason = "改过"
    links = chain(GENESIS, 1, [chain_content(e) for e in entries])
    with connection.cursor() as cursor:
        _without_triggers(cursor, "points_ledgerentry", "points_ledgerhead")
        for entry, (_, prev, digest) in zip(entries, links, strict=True):
            cursor.execute("UPDATE points_ledgerentry SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
                           [entry.reason, prev, digest, entry.pk])
        cursor.execute("UPDATE points_ledgerhead SET hash = %s", [links[-1][2]])
    with pytest.raises(SystemExit):
        main(["verify-ledger"])
    assert "第 2 条记录被改动" in capsys.readouterr().out


APPEND_ONLY = ["points_ledgerentry", "points_reviewdecision", "points_ledgercheckpoint", "points_ledgerhead",
               "audit_auditentry", "shop_stockmovement"]


@pytest.mark.postgres
@pytest.mark.parametrize("table", APPEND_ONLY)
def test_truncate_is_refused_on_every_append_only_table(table, insider, rules, people, reviewers):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is refused by the row triggers")
    _posted(insider, rules, people, reviewers)
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert LedgerEntry.objects.count() == 2


@pytest.mark.postgres
def test_the_application_role_cannot_switch_off_triggers_or_truncate(insider, rules, people, reviewers):
    """The role docs/deploy.md creates for the running application: it owns no table, so it cannot
    disable a trigger, and it has no TRUNCATE grant nor the superuser's session_replication_role."""
    if connection.vendor != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    _posted(insider, rules, people, reviewers)
    role = f"grassroots_app_test_{connection.settings_dict['NAME'][-12:].replace('-', '_')}"
    with transaction.atomic(), connection.cursor() as cursor:  # the role is gone with the rollback
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute("SELECT count(*) FROM points_ledgerentry")
        assert cursor.fetchone() == (2,)
        for statement, refusal in (
                ("ALTER TABLE points_ledgerentry DISABLE TRIGGER USER", "must be owner"),
                ("TRUNCATE points_ledgerentry CASCADE", "permission denied"),
                ("SET session_replication_role = replica", "permission denied"),
                ("DELETE FROM points_ledgerentry", "append-only"),
                ("UPDATE points_ledgerhead SET seq = 0", "only moves forward")):
            with pytest.raises(DatabaseError, match=refusal), transaction.atomic():
                cursor.execute(statement)
        cursor.execute("RESET ROLE")
    assert LedgerEntry.objects.count() == 2
