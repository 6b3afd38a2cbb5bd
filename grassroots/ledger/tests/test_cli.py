"""`grassroots post-notices` and `grassroots verify-ledger`, run in-process."""

import os
from datetime import date, timedelta

import pytest
from django.db import connection

from grassroots import cli
from grassroots.cli import main
from grassroots.ledger.models import LedgerEntry
from grassroots.points.testing import give, on_notice
from grassroots.settlement.models import Settlement


def test_post_notices_posts_only_after_the_period(insider, rules, people, reader, committee, secretary, capsys):
    notice = on_notice(insider, rules, people, (reader, committee, secretary))
    main(["post-notices", "--as-of", (notice.closes_at - timedelta(minutes=1)).isoformat()])
    assert LedgerEntry.objects.count() == 0
    main(["post-notices", "--as-of", notice.closes_at.isoformat()])
    assert LedgerEntry.objects.count() == 2
    assert "入账公示 1 个" in capsys.readouterr().out


def test_verify_ledger_names_the_first_broken_entry(insider, rules, people, reader, committee, secretary, capsys):
    notice = on_notice(insider, rules, people, (reader, committee, secretary))
    main(["post-notices", "--as-of", notice.closes_at.isoformat()])
    main(["verify-ledger"])
    assert "1 个村的积分台账，0 个不一致" in capsys.readouterr().out
    first = LedgerEntry.objects.order_by("seq").first()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER points_ledgerentry_no_update")
        else:
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(f"UPDATE points_ledgerentry SET reason = 'edited' WHERE id = {first.pk}")
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    with pytest.raises(SystemExit) as exit_:
        main(["verify-ledger"])
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "✗ 赛沁塔拉嘎查（150426100223）第 1 条记录被改动" in out and "记录编号" not in out


def test_settle_drafts_the_last_quarter_once_and_refuses_an_unfinished_one(households, capsys):
    give(households["inside"], 235, date(2026, 8, 1))
    main(["settle", "--as-of", "2026-10-02T09:00:00"])
    main(["settle", "--as-of", "2026-10-03T09:00:00"])
    out = capsys.readouterr().out
    assert "2026年第三季度：新生成待公布评议 1 个村" in out and "新生成待公布评议 0 个村，已有 1 个村" in out
    [draft] = Settlement.objects.all()
    assert (draft.quarter, draft.status, draft.credit_total) == (3, "draft", 235)
    with pytest.raises(SystemExit, match="尚未结束"):
        main(["settle", "--quarter", "2026Q4", "--as-of", "2026-11-22T09:00:00"])


def test_migrate_connects_as_the_owner_and_everything_else_as_the_application(monkeypatch):
    """docs/deploy.md: MIGRATE_DATABASE_URL (the schema's owner) is used by `grassroots migrate` only."""
    monkeypatch.setenv("DATABASE_URL", "postgres://grassroots_app@db/grassroots")
    monkeypatch.setenv("MIGRATE_DATABASE_URL", "postgres://grassroots_owner@db/grassroots")
    seen = {}
    monkeypatch.setattr(cli, "_setup", lambda: None)
    monkeypatch.setattr(cli, "cmd_migrate", lambda args: seen.setdefault("migrate", os.environ["DATABASE_URL"]))
    monkeypatch.setattr(cli, "cmd_verify_ledger", lambda args: seen.setdefault("verify", os.environ["DATABASE_URL"]))
    main(["verify-ledger"])
    main(["migrate"])
    assert seen == {"verify": "postgres://grassroots_app@db/grassroots",
                    "migrate": "postgres://grassroots_owner@db/grassroots"}
