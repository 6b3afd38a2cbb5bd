"""季评议·兑换 and 年总结 against hand-computed villages."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import Http404

from grassroots.access.services import create_account
from grassroots.areas import services as areas
from grassroots.audit.models import AuditEntry
from grassroots.boards import selectors as boards_selectors
from grassroots.demands.models import Unit, UnitMember
from grassroots.ledger import selectors as ledger_selectors
from grassroots.ledger import services as ledger_services
from grassroots.ledger.models import Account, EntryKind, LedgerEntry
from grassroots.points.testing import APRIL, actor, at, give, settle
from grassroots.rules.divisions import Division
from grassroots.settlement import selectors as settlement_selectors
from grassroots.settlement import services as settlement_services
from grassroots.settlement.models import Settlement, SettlementStatus, YearEnd
from grassroots.settlement.selectors import policy_for


def credit_of(home):
    return ledger_selectors.balance(home).credit


def test_seed_004_235_points_in_q1_redeem_47_yuan(village, homes, secretary):
    give(homes["SQ-0001"], 200, date(2026, 2, 1))
    give(homes["SQ-0001"], 35, date(2026, 3, 31))
    give(homes["SQ-0001"], 50, date(2026, 4, 1))  # Q2: not in this settlement
    settlement = settle(village, secretary)
    [line] = settlement_selectors.settlement_lines(settlement)
    assert (line.points, line.credit, line.fen) == (235, 235, 4700)
    assert credit_of(homes["SQ-0001"]) == 235
    assert settlement.households == 1 and settlement.credit_total == 235


def test_below_threshold_and_veto_households_get_nothing_and_a_reason(village, homes, secretary, rules):
    give(homes["SQ-0002"], 79, date(2026, 1, 5))
    give(homes["SQ-0003"], 300, date(2026, 1, 5))
    give(homes["SQ-0003"], -100, date(2026, 2, 5), rule=rules["V01"])
    give(homes["SQ-0004"], 80, date(2026, 3, 5))
    settlement = settle(village, secretary)
    lines = {line.household.number: line for line in settlement_selectors.settlement_lines(settlement)}
    assert set(lines) == {"SQ-0003", "SQ-0004"}
    assert lines["SQ-0003"].vetoed and not lines["SQ-0003"].eligible and credit_of(homes["SQ-0003"]) == 0
    assert lines["SQ-0004"].eligible and credit_of(homes["SQ-0004"]) == 80
    assert credit_of(homes["SQ-0002"]) == 0
    today = date(2026, 4, 10)
    assert settlement_selectors.redemption_standing(homes["SQ-0002"], today).reason == "2026年第一季度积分79分，未达到80分，不能兑换"
    assert "否决" in settlement_selectors.redemption_standing(homes["SQ-0003"], today).reason
    assert settlement_selectors.redemption_standing(homes["SQ-0004"], today).may_redeem


def test_a_reversed_veto_no_longer_bars(village, homes, secretary, rules):
    give(homes["SQ-0003"], 300, date(2026, 1, 5))
    veto = give(homes["SQ-0003"], -100, date(2026, 2, 5), rule=rules["V01"])
    ledger_services.reverse_entry(actor=actor(secretary), entry=veto, reason="经复核系误记", now=at(2026, 3, 1))
    settle(village, secretary)
    assert credit_of(homes["SQ-0003"]) == 300


def test_veto_scope_year_bars_the_later_quarters(village, homes, secretary, rules):
    settlement_services.update_policy(actor=actor(secretary), village=village, veto_scope="year")
    give(homes["SQ-0001"], -100, date(2026, 2, 5), rule=rules["V01"])
    give(homes["SQ-0001"], 200, date(2026, 5, 5))
    settle(village, secretary, quarter=2, now=at(2026, 7, 2))
    assert credit_of(homes["SQ-0001"]) == 0


def test_settling_twice_is_settling_once(village, homes, secretary, system_actor):
    give(homes["SQ-0001"], 235, date(2026, 2, 1))
    first = settlement_services.compute_settlements(actor=system_actor, year=2026, quarter=1, now=APRIL)
    again = settlement_services.compute_settlements(actor=system_actor, year=2026, quarter=1, now=APRIL)
    assert first["created"] == 1 and again == {"created": 0, "skipped": 1}
    draft = Settlement.objects.get()
    assert settlement_services.compute_settlement(actor=actor(secretary), village=village, year=2026, quarter=1,
                                       now=APRIL) == draft
    settlement_services.publish_settlement(actor=actor(secretary), settlement=draft, now=APRIL)
    with pytest.raises(ValidationError, match="已公布"):
        settlement_services.publish_settlement(actor=actor(secretary), settlement=draft, now=APRIL)
    assert credit_of(homes["SQ-0001"]) == 235
    assert LedgerEntry.objects.filter(account=Account.CREDIT).count() == 1


def test_an_unfinished_quarter_cannot_be_settled(village, secretary):
    with pytest.raises(ValidationError, match="尚未结束"):
        settlement_services.compute_settlement(actor=actor(secretary), village=village, year=2026, quarter=2, now=at(2026, 6, 30))


def test_correction_after_publication_reverses_never_edits(village, homes, secretary):
    wrong = give(homes["SQ-0001"], 100, date(2026, 2, 1))
    give(homes["SQ-0002"], 60, date(2026, 2, 1))
    published = settle(village, secretary)
    assert credit_of(homes["SQ-0001"]) == 100 and credit_of(homes["SQ-0002"]) == 0
    grant = LedgerEntry.objects.get(account=Account.CREDIT, household=homes["SQ-0001"])

    ledger_services.reverse_entry(actor=actor(secretary), entry=wrong, reason="重复记录", now=at(2026, 4, 5))
    give(homes["SQ-0002"], 40, date(2026, 3, 30))  # a late posting for Q1
    draft = settlement_services.correct_settlement(actor=actor(secretary), settlement=published, reason="复核发现重复记录")
    corrected = settlement_services.publish_settlement(actor=actor(secretary), settlement=draft, now=at(2026, 4, 6))

    published.refresh_from_db()
    assert published.status == SettlementStatus.SUPERSEDED and corrected.revision == 2
    assert credit_of(homes["SQ-0001"]) == 0 and credit_of(homes["SQ-0002"]) == 100
    reversal = LedgerEntry.objects.get(reverses=grant)
    assert reversal.points == -100 and reversal.kind == EntryKind.REVERSAL and reversal.settlement == corrected
    assert LedgerEntry.objects.filter(pk=grant.pk, points=100).exists()  # the grant itself is untouched
    assert ledger_selectors.first_broken_entry(village.pk) is None


def test_spending_never_lowers_the_score(village, homes, secretary):
    give(homes["SQ-0001"], 235, date(2026, 2, 1))
    settle(village, secretary)
    before = ledger_selectors.balance(homes["SQ-0001"])
    with transaction.atomic():
        ledger_services.append_entries(village=village, entries=[LedgerEntry(
            village=village, path=homes["SQ-0001"].path, household=homes["SQ-0001"], account=Account.CREDIT,
            kind=EntryKind.REDEMPTION, points=-50, occurred_on=date(2026, 4, 8), posted_at=at(2026, 4, 8),
            idempotency_key="spend:1")])
    after = ledger_selectors.balance(homes["SQ-0001"])
    assert (before.score, before.credit) == (235, 235)
    assert (after.score, after.credit) == (235, 185)


@pytest.mark.parametrize(("year_end", "left"), [(YearEnd.LAPSE, 0), (YearEnd.CARRY_OVER, 120)])
def test_year_end_lapses_or_carries_over(village, homes, secretary, year_end, left):
    settlement_services.update_policy(actor=actor(secretary), village=village, year_end=year_end)
    give(homes["SQ-0001"], 120, date(2026, 11, 1))
    with pytest.raises(ValidationError, match="尚未结束"):
        settlement_services.close_year(actor=actor(secretary), village=village, year=2026, now=at(2026, 12, 31))
    settle(village, secretary, quarter=4, now=at(2027, 1, 5))
    closed = settlement_services.close_year(actor=actor(secretary), village=village, year=2026, now=at(2027, 1, 20))
    again = settlement_services.close_year(actor=actor(secretary), village=village, year=2026, now=at(2027, 1, 21))
    assert again == closed
    assert credit_of(homes["SQ-0001"]) == left
    assert ledger_selectors.balance(homes["SQ-0001"]).score == 120
    assert LedgerEntry.objects.filter(kind=EntryKind.LAPSE).count() == (1 if year_end == YearEnd.LAPSE else 0)


def test_year_close_waits_for_the_fourth_quarter(village, homes, secretary):
    give(homes["SQ-0001"], 120, date(2026, 2, 1))
    settle(village, secretary)
    with pytest.raises(ValidationError, match="第四季度"):
        settlement_services.close_year(actor=actor(secretary), village=village, year=2026, now=at(2027, 1, 5))


def test_read_only_member_and_outsider_cannot_settle(village, homes, reader, outsider):
    with pytest.raises(PermissionDenied):
        settlement_services.compute_settlement(actor=actor(reader), village=village, year=2026, quarter=1, now=APRIL)
    with pytest.raises(Http404):
        settlement_services.compute_settlement(actor=actor(outsider), village=village, year=2026, quarter=1, now=APRIL)


def test_policy_errors_are_named_by_field(village, secretary):
    with pytest.raises(ValidationError) as caught:
        settlement_services.update_policy(actor=actor(secretary), village=village, threshold=0, points_per_yuan=0,
                               credit_bands=[{"band": "优秀", "min": 10}, {"band": "良好", "min": 20}])
    assert set(caught.value.message_dict) == {"threshold", "points_per_yuan", "credit_bands"}
    assert settlement_selectors.annual_row  # the policy is unchanged:
    assert policy_for(village).threshold == 80


# ---------------------------------------------------------------- 年总结


def test_annual_summary_on_a_hand_computed_village(village, homes, secretary, rules, region, system_actor):
    settlement_services.update_policy(actor=actor(secretary), village=village,
                           honours=[{"name": "最美家庭", "top": 1, "min": 200}],
                           credit_bands=[{"band": "优秀", "min": 300}, {"band": "良好", "min": 200},
                                         {"band": "一般", "min": 100}])
    give(homes["SQ-0001"], 250, date(2026, 3, 1))
    give(homes["SQ-0002"], 250, date(2026, 6, 1))
    give(homes["SQ-0003"], 450, date(2026, 6, 1))
    give(homes["SQ-0003"], -100, date(2026, 7, 1), rule=rules["V01"])  # 350 with a veto
    give(homes["SQ-0004"], 120, date(2026, 9, 1))
    give(homes["SQ-0005"], -10, date(2026, 9, 1))
    give(homes["SQ-0004"], 500, date(2025, 9, 1))  # last year: not counted
    # A household of another village of the same township outranks them all in the township.
    areas.load_divisions(actor=system_actor, divisions=[Division("150426100224", "邻村", "village", "150426100000")])
    other_village = village.parent.children.exclude(pk=village.pk).get()
    grid = areas.create_grid(actor=system_actor, village=other_village, name="第1网格", number=1)
    neighbour = areas.create_household(actor=system_actor, grid=grid, number="NB-1", address="邻村1号")
    give(neighbour, 600, date(2026, 5, 1))
    areas.create_household(actor=system_actor, grid=grid, number="NB-2", address="邻村2号")  # no entries: 0

    rows = settlement_selectors.annual_summary(village, 2026)
    table = [(r.household.number, r.score, r.village_rank, r.township_rank, r.tied, r.stars, r.honours,
              r.credit_band) for r in rows]
    assert table == [
        ("SQ-0003", 350, 1, 2, False, 0, [], "较差"),
        ("SQ-0001", 250, 2, 3, True, 3, ["最美家庭"], "良好"),
        ("SQ-0002", 250, 2, 3, True, 3, ["最美家庭"], "良好"),
        ("SQ-0004", 120, 4, 5, False, 1, [], "一般"),
        ("SQ-0005", -10, 5, 7, False, 0, [], "较差"),  # below the neighbour-village household with no entries
    ]
    order = [(r.household.number, r.village_rank) for r in settlement_selectors.recommendations(rows)]
    assert order == [("SQ-0001", 2), ("SQ-0002", 2), ("SQ-0004", 4), ("SQ-0005", 5)]


def test_credit_look_up_needs_the_households_consent(village, homes, secretary, system_actor):
    give(homes["SQ-0001"], 330, date(2026, 3, 1))
    county = village.parent.parent
    coop = Unit.objects.create(code="nxs", name="翁牛特旗农村信用合作联社", kind="other", area=county, path=county.path)
    other = Unit.objects.create(code="bank2", name="某银行", kind="other", area=county, path=county.path)
    officer = create_account(actor=system_actor, username="xinyong", password="Demo#2026x", display_name="信贷员",
                             roles=[])
    UnitMember.objects.create(unit=coop, user=officer)
    home = homes["SQ-0001"]
    with pytest.raises(PermissionDenied, match="未授权"):
        settlement_services.look_up_credit(actor=actor(officer), household=home, year=2026, today=date(2026, 11, 20))
    settlement_services.record_consent(actor=actor(secretary), household=home, institution=other, signed_by="乌云毕力格",
                            signed_on=date(2026, 11, 1), expires_on=date(2027, 11, 1))
    with pytest.raises(PermissionDenied):  # consent to another institution does not count
        settlement_services.look_up_credit(actor=actor(officer), household=home, year=2026, today=date(2026, 11, 20))
    consent = settlement_services.record_consent(actor=actor(secretary), household=home, institution=coop,
                                      signed_by="乌云毕力格", signed_on=date(2026, 11, 1),
                                      expires_on=date(2027, 11, 1))
    found = settlement_services.look_up_credit(actor=actor(officer), household=home, year=2026, today=date(2026, 11, 20))
    assert (found["score"], found["credit_band"]) == (330, "优秀")
    settlement_services.revoke_consent(actor=actor(secretary), consent=consent)
    with pytest.raises(PermissionDenied):
        settlement_services.look_up_credit(actor=actor(officer), household=home, year=2026, today=date(2026, 11, 20))
    assert AuditEntry.objects.filter(action="points.credit.refused").count() == 3
    assert AuditEntry.objects.filter(action="points.credit.look_up").count() == 1


def test_consent_signed_by_someone_outside_the_household_is_refused(homes, secretary, region):
    coop = Unit.objects.create(code="nxs", name="信用社", kind="other", area=region["翁牛特旗"],
                               path=region["翁牛特旗"].path)
    with pytest.raises(ValidationError) as caught:
        settlement_services.record_consent(actor=actor(secretary), household=homes["SQ-0001"], institution=coop,
                                signed_by="单国强", signed_on=date(2026, 11, 1), expires_on=date(2026, 10, 1))
    assert set(caught.value.message_dict) == {"signed_by", "expires_on"}


def test_monthly_statement_ranks_within_the_grid(village, homes, region):
    give(homes["SQ-0001"], 30, date(2026, 10, 3))
    give(homes["SQ-0001"], -10, date(2026, 10, 9))
    give(homes["SQ-0002"], 20, date(2026, 10, 12))
    give(homes["SQ-0003"], 50, date(2026, 9, 30))  # September
    rows = boards_selectors.monthly_statement(region["赛沁塔拉嘎查1"], 2026, 10)
    assert [(r.household.number, r.plus, r.minus, r.total, r.rank, r.tied, len(r.entries)) for r in rows] == [
        ("SQ-0001", 30, -10, 20, 1, True, 2), ("SQ-0002", 20, 0, 20, 1, True, 1), ("SQ-0003", 0, 0, 0, 3, False, 0)]
    months = ledger_selectors.score_by_month(homes["SQ-0001"].pk, 2026)
    assert months[9] == 20 and sum(months) == 20
    assert LedgerEntry.objects.filter(household=homes["SQ-0001"], account=Account.SCORE).aggregate(
        t=Sum("points"))["t"] == ledger_selectors.balance(homes["SQ-0001"]).score


def test_a_draft_publishes_what_the_committees_reviewed(village, homes, secretary):
    give(homes["SQ-0001"], 100, date(2026, 2, 1))
    draft = settlement_services.compute_settlement(actor=actor(secretary), village=village, year=2026, quarter=1, now=APRIL)
    give(homes["SQ-0001"], 50, date(2026, 3, 30))  # posted while the draft is under review
    assert [(line.points, line.credit) for line in settlement_selectors.settlement_lines(draft)] == [(100, 100)]
    published = settlement_services.publish_settlement(actor=actor(secretary), settlement=draft, now=APRIL)
    assert credit_of(homes["SQ-0001"]) == 100 and published.credit_total == 100
    correction = settlement_services.correct_settlement(actor=actor(secretary), settlement=published, reason="补记三月义务劳动")
    assert [(line.points, line.credit) for line in settlement_selectors.settlement_lines(correction)] == [(150, 150)]
    settlement_services.publish_settlement(actor=actor(secretary), settlement=correction, now=at(2026, 4, 8))
    assert credit_of(homes["SQ-0001"]) == 150


def test_recomputing_a_draft_reads_entries_posted_since(village, homes, secretary):
    give(homes["SQ-0001"], 60, date(2026, 2, 1))
    draft = settlement_services.compute_settlement(actor=actor(secretary), village=village, year=2026, quarter=1, now=APRIL)
    assert draft.households == 0 and settlement_selectors.settlement_lines(draft) == []
    give(homes["SQ-0001"], 40, date(2026, 3, 30))
    draft = settlement_services.recompute_settlement(actor=actor(secretary), settlement=draft, now=APRIL)
    assert (draft.households, draft.credit_total) == (1, 100)
