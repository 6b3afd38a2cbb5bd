"""The household-month roll-up (``HouseholdMonth``): kept with every ledger write, equal to a recount of the
entries after every kind of write, read by the grid board and the village ranking with a constant number of
queries, and checked by ``grassroots verify-ledger``."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from grassroots.areas import services as areas
from grassroots.claims import services as claims_services
from grassroots.cli import main
from grassroots.core.testing import client_for
from grassroots.ledger import selectors as ledger_selectors
from grassroots.ledger import services as ledger_services
from grassroots.ledger.models import Account, EntryKind, HouseholdMonth, LedgerEntry
from grassroots.points.testing import actor, at, give, on_notice, settle
from grassroots.settlement import selectors as settlement_selectors
from grassroots.settlement import services as settlement_services
from grassroots.shop import services as shop_services

EXCHANGE_DAY = at(2026, 4, 10)


def months_of(home) -> dict:
    """{month: (plus, minus, score, score entries, vetoes, credit, credit entries)} of a household's roll-up."""
    return {m.month: (m.score_plus, m.score_minus, m.score, m.score_entries, m.vetoes, m.credit, m.credit_entries)
            for m in HouseholdMonth.objects.filter(household=home)}


def year_from_entries(home, year) -> tuple[int, int]:
    """The year's score and net vetoes straight from the entries: what the ranking read before the roll-up."""
    score = (LedgerEntry.objects.filter(household=home, account=Account.SCORE, occurred_on__year=year)
             .aggregate(s=Sum("points"))["s"] or 0)
    vetoes = sum(-1 if e.kind == EntryKind.REVERSAL else 1
                 for e in LedgerEntry.objects.filter(household=home, account=Account.SCORE, occurred_on__year=year,
                                                     rule_version__rule__code="V01"))
    return score, vetoes


@pytest.fixture
def shelf(village, system_actor):
    shop = shop_services.create_shop(actor=system_actor, area=village, name="赛沁塔拉嘎查爱心超市")
    soap = shop_services.add_product(actor=system_actor, shop=shop, name="香皂", unit="块", price_fen=500)
    shop_services.record_donation(actor=system_actor, shop=shop, donor="旗农牧局", donor_kind="pairing_unit",
                                  donated_on=date(2026, 3, 20), items=[(soap.pk, 10)], value_fen=5000)
    return shop, soap


def test_the_roll_up_equals_the_ledger_after_every_kind_of_write(village, homes, rules, people, insider, reader,
                                                                 committee, secretary, cashier, shelf):
    a, b = homes["SQ-0001"], homes["SQ-0002"]
    # Awards either side of a month boundary, a deduction, a veto and its reversal (the reversal keeps the
    # deed's date, so it lands in February beside the veto).
    give(a, 200, date(2026, 1, 31), rule=rules["A01"])
    give(a, 35, date(2026, 2, 1), rule=rules["A01"])
    give(a, -10, date(2026, 2, 1), rule=rules["B01"])
    veto = give(a, -100, date(2026, 2, 1), rule=rules["V01"])
    ledger_services.reverse_entry(actor=actor(secretary), entry=veto, reason="认定有误", now=at(2026, 2, 3))
    give(b, 90, date(2026, 3, 5), rule=rules["A01"])
    give(b, -100, date(2026, 3, 6), rule=rules["V01"])  # stands: B is vetoed this year
    # A notice posted by the job's path (one executemany, not append_entries).
    notice = on_notice(insider, rules, people, (reader, committee, secretary))
    claims_services.post_notice(actor=actor(secretary), notice=notice, now=notice.closes_at)
    # Q1 settled (credit), a redemption and its void on the exchange day.
    settle(village, secretary)
    shop, soap = shelf
    receipt = shop_services.redeem(actor=actor(cashier), shop=shop, household=a, items=[(soap.pk, 2)],
                                   idempotency_key="k-1", now=EXCHANGE_DAY)
    shop_services.redeem(actor=actor(cashier), shop=shop, household=a, items=[(soap.pk, 1)],
                         idempotency_key="k-2", now=EXCHANGE_DAY)
    shop_services.void_redemption(actor=actor(committee), redemption=receipt, reason="顾客退货", now=EXCHANGE_DAY)
    # Year end: Q4 published, the unspent credit lapses in January 2027.
    settle(village, secretary, quarter=4, now=at(2027, 1, 5))
    settlement_services.close_year(actor=actor(secretary), village=village, year=2026, now=at(2027, 1, 20))
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert kinds == {"award", "deduction", "reversal", "settlement", "redemption", "lapse"}

    assert ledger_selectors.household_month_differences(village.pk) == []
    # Each at 5 points a yuan: 2 soaps = 10 yuan = 50 points (voided), 1 soap = 25 points.
    nov = date(2026, 11, 1)  # the notice's deed date (points.testing.TODAY)
    posted = LedgerEntry.objects.filter(household=a, notice=notice).aggregate(s=Sum("points"))["s"]
    assert months_of(a) == {
        date(2026, 1, 1): (200, 0, 200, 1, 0, 0, 0),
        date(2026, 2, 1): (35 + 100, -10 - 100, 25, 4, 0, 0, 0),
        date(2026, 4, 1): (0, 0, 0, 0, 0, 225 - 50 - 25 + 50, 4),
        date(2027, 1, 1): (0, 0, 0, 0, 0, -(225 - 25), 1),
        nov: (posted, 0, posted, 2, 0, 0, 0),
    }
    assert months_of(b) == {date(2026, 3, 1): (90, -100, -10, 2, 1, 0, 0)}
    # The ranking's year (score, vetoed) is what the entries say, for every household of the township.
    for home in (a, b):
        score, vetoes = year_from_entries(home, 2026)
        row = settlement_selectors.annual_row(home, 2026)
        assert (row["score"], row["vetoed"]) == (score, vetoes > 0)
    assert settlement_selectors.annual_row(b, 2026)["vetoed"] is True
    assert settlement_selectors.annual_row(a, 2026)["vetoed"] is False


def test_the_board_reads_the_month_it_was_posted_in_at_once(as_secretary, region, homes):
    """Written and read back with nothing in between: no queue, no refresh."""
    today = timezone.localdate()
    give(homes["SQ-0001"], 17, today)
    board = as_secretary.get(f"/points/grids/{region['赛沁塔拉嘎查1'].pk}/board/").content.decode()
    assert "+17" in board and "本月还没有积分记录" not in board


def test_the_migration_backfill_and_the_rebuild_recount_the_same_rows(village, homes, rules, system_actor):
    give(homes["SQ-0001"], 20, date(2026, 5, 31), rule=rules["A01"])
    give(homes["SQ-0001"], -100, date(2026, 6, 1), rule=rules["V01"])
    give(homes["SQ-0002"], 5, date(2026, 6, 2))
    kept = {hh: months_of(hh) for hh in (homes["SQ-0001"], homes["SQ-0002"])}
    written = ledger_services.rebuild_household_months(actor=system_actor, village_ids=[village.pk])
    assert written == 3
    assert {hh: months_of(hh) for hh in kept} == kept
    assert ledger_selectors.household_month_differences(village.pk) == []


def _tamper(sql: str) -> None:
    with connection.cursor() as cursor:  # the roll-up has no append-only trigger: it changes with every write
        cursor.execute(sql)


def test_verify_ledger_names_a_tampered_or_missing_roll_up_row(village, homes, capsys):
    give(homes["SQ-0001"], 30, date(2026, 6, 10))
    give(homes["SQ-0002"], 12, date(2026, 7, 1))
    main(["verify-ledger"])
    assert "1 个村的积分台账，0 个不一致" in capsys.readouterr().out
    row = HouseholdMonth.objects.get(household=homes["SQ-0001"])
    _tamper(f"UPDATE ledger_householdmonth SET score_plus = 300, score = 300 WHERE id = {row.pk}")
    _tamper(f"DELETE FROM ledger_householdmonth WHERE household_id = {homes['SQ-0002'].pk}")
    with pytest.raises(SystemExit) as exit_:
        main(["verify-ledger"])
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert ("✗ 赛沁塔拉嘎查（150426100223）户 SQ-0001 2026年6月的积分汇总与台账不符：汇总为 加分 +300、扣分 +0、"
            "合计 +300（1 条，否决 0），可兑换 +0（0 条）；台账合计为 加分 +30、扣分 +0、合计 +30") in out
    assert "户 SQ-0002 2026年7月的积分汇总与台账不符：汇总为 无；台账合计为 加分 +12" in out
    assert "1 个村的积分台账，1 个不一致" in out


def test_the_roll_up_refuses_a_total_that_is_not_plus_and_minus(homes):
    give(homes["SQ-0001"], 30, date(2026, 6, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        _tamper("UPDATE ledger_householdmonth SET score = 31")


def test_board_and_ranking_take_a_constant_number_of_queries(region, households, secretary, system_actor,
                                                             django_assert_max_num_queries):
    """25 households on the board and in the ranking: the same bound as the pages of one household had."""
    today = timezone.localdate()
    grid = region["赛沁塔拉嘎查2"]
    for n in range(25):
        home = areas.create_household(actor=system_actor, grid=grid, number=f"SQ-02{n:02d}", address=f"二组{n}号")
        areas.add_person(actor=system_actor, household=home, name="李春梅", relation="head", gender="F",
                         birth_date=date(1970, 1, 1))
        give(home, 5 + n % 4, today)
        give(home, 80 + n % 3, today.replace(day=1))
    client = client_for(secretary)
    board, ranking = f"/points/grids/{grid.pk}/board/", f"/points/villages/{region['赛沁塔拉嘎查'].pk}/ranking/?year={today.year}"
    client.get(board), client.get(ranking)  # warm: a first visit may create the village's policy
    with django_assert_max_num_queries(18):
        assert client.get(board).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(ranking).status_code == 200
