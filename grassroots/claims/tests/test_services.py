"""The points process end to end: recording, four-level review, notice, objections, the ledger."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from grassroots.access.services import create_account
from grassroots.areas import services as area_services
from grassroots.audit.models import AuditEntry
from grassroots.catalogue import selectors as catalogue_selectors
from grassroots.catalogue import services as catalogue_services
from grassroots.claims import selectors as claims_selectors
from grassroots.claims import services as claims_services
from grassroots.claims.models import Claim, ClaimStatus, Notice, NoticeStatus, ObjectionStatus
from grassroots.core.testing import PASSWORD
from grassroots.ledger import selectors as ledger_selectors
from grassroots.ledger import services as ledger_services
from grassroots.ledger.models import LedgerEntry
from grassroots.points.testing import TODAY, actor, approve_all_stages, on_notice, record, tiny_png


@pytest.fixture
def reviewers(reader, committee, secretary):
    return reader, committee, secretary


def test_rule_versions_keep_the_version_in_force_on_the_day(catalogue, rules, system_actor):
    rule = rules["A01"]
    v2 = catalogue_services.revise_rule(actor=system_actor, rule=rule, effective_from=date(2026, 7, 1), points=15)
    assert catalogue_selectors.version_in_force(rule, date(2026, 6, 30)).points == 10
    assert catalogue_selectors.version_in_force(rule, date(2026, 7, 1)) == v2
    assert catalogue.adoptions.get().votes_for == 41
    assert catalogue.copied_from.is_template


def test_claims_point_to_the_version_in_force_on_the_deed_date(insider, rules, people, system_actor):
    catalogue_services.revise_rule(actor=system_actor, rule=rules["A01"], effective_from=date(2026, 11, 1), points=15)
    [old] = record(insider, rules, people, deed_date=date(2026, 10, 30))
    [new] = record(insider, rules, people, deed_date=date(2026, 11, 2))
    assert (old.points, old.rule_version.version) == (10, 1)
    assert (new.points, new.rule_version.version) == (15, 2)


def test_seed_004_cartload_and_deduction(insider, rules, people):
    photo = _photo()
    [cart] = record(insider, rules, people, code="A02", quantity=2, photo=photo)
    [feast] = record(insider, rules, people, code="B01", names=("张秀兰",))
    assert cart.points == 100 and feast.points == -10


def test_batch_entry_records_one_claim_per_person_in_one_batch(insider, rules, people):
    claims = record(insider, rules, people, names=("乌云毕力格", "张秀兰"))
    assert len(claims) == 2 and len({c.batch for c in claims}) == 1
    assert all(c.status == ClaimStatus.IN_REVIEW and c.stage == 0 for c in claims)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"code": "D01", "names": ("张秀兰",)}, "person", "只适用于党员"),  # wrong category
        ({"code": "E01"}, "person", "只适用于网格员"),
        ({"deed_date": date(2025, 12, 31)}, "deed_date", "三个月内"),
        ({"code": "C03"}, "photo", "须附照片"),  # evidence required
        ({"quantity": 0}, "quantity", "1到1000"),
        ({"deed_date": TODAY + timedelta(days=1)}, "deed_date", "晚于今天"),
    ],
)
def test_bad_claims_are_refused_and_nothing_recorded(insider, rules, people, kwargs, field, message):
    with pytest.raises(ValidationError) as e:
        record(insider, rules, people, **kwargs)
    assert message in " ".join(e.value.message_dict[field])
    assert Claim.objects.count() == 0


def test_rule_not_in_force_on_that_date(insider, rules, people, system_actor):
    catalogue_services.revise_rule(actor=system_actor, rule=rules["C01"], effective_from=date(2026, 11, 1),
                         effective_to=date(2026, 11, 10))
    with pytest.raises(ValidationError) as e:
        record(insider, rules, people, code="C01", deed_date=date(2026, 11, 15))
    assert "不在有效期内" in str(e.value)


def test_cap_exceeded_counts_earlier_claims_and_the_batch_itself(insider, rules, people):
    record(insider, rules, people, code="A03", quantity=3)  # 15 of the 20 a month
    with pytest.raises(ValidationError) as e:
        record(insider, rules, people, code="A03", quantity=2)
    assert "每月本项最多20分" in str(e.value) and "超出5分" in str(e.value)
    assert Claim.objects.count() == 1


def test_person_outside_the_recorders_grid(insider, rules, people, region, system_actor):
    other = area_services.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number="SQ-0200",
                                           address="二组")
    person = area_services.add_person(actor=system_actor, household=other, name="宝音", gender="M",
                                      mongolian_name=True)
    with pytest.raises(ValidationError) as e:
        claims_services.record_claims(actor=actor(insider), person_ids=[people["乌云毕力格"].pk, person.pk],
                               rule=rules["A01"], quantity=1, deed_date=TODAY, today=TODAY)
    assert "不在您负责的网格内" in str(e.value)
    assert Claim.objects.count() == 0


def test_caller_checked_skips_only_the_record_scope(insider, rules, people, region, system_actor):
    """A calling service that vouches for the actor (volunteers: a leader's confirmed hours) records a claim in a
    grid the actor holds no role on; the actor is the recorder. The other checks still hold."""
    leader = create_account(actor=system_actor, username="noroles", password=PASSWORD, display_name="无角色",
                            roles=[])
    other = area_services.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number="SQ-0201",
                                           address="二组")
    person = area_services.add_person(actor=system_actor, household=other, name="宝音", gender="M",
                                      mongolian_name=True)
    with pytest.raises(ValidationError) as e:
        claims_services.record_claims(actor=actor(leader), person_ids=[person.pk], rule=rules["A01"], quantity=1,
                                      deed_date=TODAY, today=TODAY)
    assert "不在您负责的网格内" in str(e.value)
    [claim] = claims_services.record_claims(actor=actor(leader), person_ids=[person.pk], rule=rules["A01"],
                                            quantity=1, deed_date=TODAY, today=TODAY, caller_checked=True)
    assert claim.recorder == leader and claim.status == ClaimStatus.IN_REVIEW and claim.stage == 0
    with pytest.raises(ValidationError) as e:  # the window still holds
        claims_services.record_claims(actor=actor(leader), person_ids=[person.pk], rule=rules["A01"], quantity=1,
                                      deed_date=TODAY - timedelta(days=93), today=TODAY, caller_checked=True)
    assert "三个月内" in str(e.value)


def test_read_only_member_cannot_record(cashier, rules, people):
    with pytest.raises(ValidationError):
        claims_services.record_claims(actor=actor(cashier), person_ids=[people["乌云毕力格"].pk], rule=rules["A01"],
                               quantity=1, deed_date=TODAY, today=TODAY)


def test_review_path_end_to_end_into_the_ledger(insider, rules, people, reviewers):
    claims = record(insider, rules, people, names=("乌云毕力格", "张秀兰"))
    result = approve_all_stages(claims, *reviewers)
    [notice] = result["notices"]
    assert notice.lines.count() == 2
    assert (notice.closes_at - notice.opened_at) == timedelta(days=5)
    assert all(c.status == ClaimStatus.ON_NOTICE for c in Claim.objects.all())
    decisions = claims[0].decisions.order_by("stage")
    assert [d.stage_name for d in decisions] == ["党小组初审", "“两委”联席复审", "党员（村民代表）大会审议"]
    summary = claims_services.post_due_notices(actor=actor(reviewers[2]), now=notice.closes_at - timedelta(seconds=1))
    assert summary["posted"] == 0
    summary = claims_services.post_due_notices(actor=actor(reviewers[2]), now=notice.closes_at)
    assert summary["posted"] == 1
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.POSTED and notice.chain_seq == 2
    entries = list(LedgerEntry.objects.order_by("seq"))
    assert [e.points for e in entries] == [10, 10]
    assert entries[1].prev_hash == entries[0].hash and notice.chain_hash == entries[1].hash
    assert ledger_selectors.first_broken_entry(entries[0].village_id) is None
    assert claims_services.post_due_notices(actor=actor(reviewers[2]), now=notice.closes_at)["posted"] == 0


def test_each_stage_only_by_its_reviewers(insider, rules, people, reviewers, cashier):
    reader, committee, secretary = reviewers
    claims = record(insider, rules, people)
    for wrong in (committee, cashier, insider):
        with pytest.raises(ValidationError) as e:
            claims_services.review_claims(actor=actor(wrong), claim_ids=[claims[0].pk], approve=True)
        assert "不是该环节的审核人" in str(e.value)
    claims_services.review_claims(actor=actor(reader), claim_ids=[claims[0].pk], approve=True)
    with pytest.raises(ValidationError):
        claims_services.review_claims(actor=actor(reader), claim_ids=[claims[0].pk], approve=True)


@pytest.mark.parametrize("stage", [0, 1, 2])
def test_rejection_at_each_stage_goes_back_to_the_recorder_with_its_reason(insider, rules, people, reviewers, stage):
    [claim] = record(insider, rules, people)
    for reviewer in reviewers[:stage]:
        claims_services.review_claims(actor=actor(reviewer), claim_ids=[claim.pk], approve=True)
    with pytest.raises(ValidationError, match="理由"):
        claims_services.review_claims(actor=actor(reviewers[stage]), claim_ids=[claim.pk], approve=False)
    claims_services.review_claims(actor=actor(reviewers[stage]), claim_ids=[claim.pk], approve=False,
                           reasons={claim.pk: "当天未参加劳动"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    mine = list(claims_selectors.my_claims(insider))
    assert mine[0].pk == claim.pk and mine[0].decisions.all()[stage].reason == "当天未参加劳动"
    resubmitted = claims_services.resubmit_claim(actor=actor(insider), claim=claim, quantity=1, note="补充说明")
    assert resubmitted.status == ClaimStatus.IN_REVIEW and resubmitted.resubmits == claim




def test_upheld_objection_changes_the_outcome(insider, rules, people, reviewers, committee):
    notice = on_notice(insider, rules, people, reviewers)
    line = notice.lines.order_by("id")[1]
    objection = claims_services.raise_objection(actor=actor(insider), line=line, reason="她那天在外地，没有参加劳动",
                                         contact_name="王某", contact_phone="13900000000",
                                         now=notice.opened_at + timedelta(days=1))
    assert claims_services.post_due_notices(actor=actor(committee), now=notice.closes_at)["posted"] == 0
    claims_services.decide_objection(actor=actor(committee), objection=objection, uphold=True, reason="经核实情况属实")
    assert claims_services.post_due_notices(actor=actor(committee), now=notice.closes_at)["posted"] == 1
    assert list(LedgerEntry.objects.values_list("person__name", flat=True)) == ["乌云毕力格"]
    assert Claim.objects.get(pk=line.claim_id).status == ClaimStatus.WITHDRAWN


def test_dismissed_objection_keeps_the_line(insider, rules, people, reviewers, committee):
    notice = on_notice(insider, rules, people, reviewers)
    objection = claims_services.raise_objection(actor=actor(insider), line=notice.lines.first(), reason="我觉得分给多了",
                                         now=notice.opened_at)
    claims_services.decide_objection(actor=actor(committee), objection=objection, uphold=False, reason="有照片和签到表为证")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED
    claims_services.post_due_notices(actor=actor(committee), now=notice.closes_at)
    assert LedgerEntry.objects.count() == 2


def test_objection_after_the_period_closed_is_refused(insider, rules, people, reviewers):
    notice = on_notice(insider, rules, people, reviewers)
    with pytest.raises(ValidationError) as e:
        claims_services.raise_objection(actor=actor(insider), line=notice.lines.first(), reason="晚了也想提",
                                 now=notice.closes_at)
    assert "公示期已于" in str(e.value) and "结束" in str(e.value)


def test_reader_cannot_decide_objections(insider, rules, people, reviewers, cashier):
    notice = on_notice(insider, rules, people, reviewers)
    objection = claims_services.raise_objection(actor=actor(insider), line=notice.lines.first(), reason="有不同意见",
                                         now=notice.opened_at)
    with pytest.raises(PermissionDenied):
        claims_services.decide_objection(actor=actor(cashier), objection=objection, uphold=True, reason="x")


def _posted(insider, rules, people, reviewers):
    notice = on_notice(insider, rules, people, reviewers)
    claims_services.post_due_notices(actor=actor(reviewers[2]), now=notice.closes_at)
    return list(LedgerEntry.objects.order_by("seq"))


def test_ledger_rows_cannot_be_updated_or_deleted_at_the_database(insider, rules, people, reviewers):
    entry = _posted(insider, rules, people, reviewers)[0]
    for sql in (f"UPDATE points_ledgerentry SET points = 1000 WHERE id = {entry.pk}",
                f"DELETE FROM points_ledgerentry WHERE id = {entry.pk}"):
        with pytest.raises(Exception) as e, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        assert "append-only" in str(e.value)
    assert LedgerEntry.objects.get(pk=entry.pk).points == 10


def test_chain_check_finds_a_row_altered_by_hand(insider, rules, people, reviewers):
    entries = _posted(insider, rules, people, reviewers)
    with connection.cursor() as cursor:  # what someone with a SQL prompt would do: drop the trigger first
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER points_ledgerentry_no_update")
        else:
            cursor.execute("SET session_replication_role = replica")  # a superuser skipping triggers
        cursor.execute(f"UPDATE points_ledgerentry SET points = 1000 WHERE id = {entries[1].pk}")
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    broken = ledger_selectors.first_broken_entry(entries[0].village_id)
    assert broken is not None and broken.seq == 2


def test_reversing_entry_keeps_the_chain_valid(insider, rules, people, reviewers, secretary):
    entries = _posted(insider, rules, people, reviewers)
    reversal = ledger_services.reverse_entry(actor=actor(secretary), entry=entries[0], reason="重复记分")
    assert reversal.points == -10 and reversal.reverses == entries[0] and reversal.seq == 3
    assert reversal.prev_hash == entries[1].hash
    assert ledger_selectors.first_broken_entry(entries[0].village_id) is None
    with pytest.raises(ValidationError, match="已冲正"):
        ledger_services.reverse_entry(actor=actor(secretary), entry=entries[0], reason="再冲一次")


def test_verify_notice_for_the_public_check_page(insider, rules, people, reviewers):
    _posted(insider, rules, people, reviewers)
    result = claims_selectors.verify_notice(Notice.objects.get())
    assert result["ok"] and result["found"] == 2


def test_origin_of_an_entry(insider, rules, people, reviewers):
    entry = _posted(insider, rules, people, reviewers)[0]
    origin = ledger_selectors.entry_origin(reviewers[2], entry.pk)
    assert origin.claim.recorder == insider
    assert [d.reviewer.username for d in origin.decisions] == ["reader", "committee", "secretary"]
    assert origin.rule_version.adoption.meeting == "赛沁塔拉嘎查村民代表大会" and origin.notice is not None


def _photo():
    return SimpleUploadedFile("deed.png", tiny_png(), content_type="image/png")


def test_timezone_is_local(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai" and timezone.get_current_timezone_name() == "Asia/Shanghai"


# ---------------------------------------------------------------- the same deed twice (issue #10, item 5)


def test_the_same_person_rule_and_day_is_refused_naming_the_earlier_claim(insider, rules, people):
    [first] = record(insider, rules, people)
    with pytest.raises(claims_services.DuplicateClaims) as e:
        record(insider, rules, people)
    [message] = e.value.message_dict["duplicate"]
    assert message.startswith(f"乌云毕力格在{TODAY:%Y-%m-%d}已有「人居环境整治义务劳动」的申报（申报 {first.pk}，审核中，insider记录于")
    assert e.value.found == [first]
    assert Claim.objects.count() == 1


def test_a_confirmed_second_deed_is_recorded_and_the_confirmation_audited(insider, rules, people):
    [first] = record(insider, rules, people)
    [second] = record(insider, rules, people, allow_duplicate=True)
    assert Claim.objects.count() == 2
    audit = AuditEntry.objects.filter(action="points.claim.record").order_by("-id").first()
    assert audit.object_id == second.batch and audit.data["duplicates_confirmed"] == [first.pk]


def test_a_batch_with_one_duplicate_names_only_that_person_and_records_nobody(insider, rules, people):
    record(insider, rules, people, names=("张秀兰",))
    with pytest.raises(claims_services.DuplicateClaims) as e:
        record(insider, rules, people, names=("乌云毕力格", "张秀兰"))
    [message] = e.value.message_dict["duplicate"]
    assert message.startswith("张秀兰在") and "乌云毕力格" not in message
    assert Claim.objects.count() == 1


def test_another_day_another_rule_or_a_dead_claim_is_no_duplicate(insider, rules, people, reader):
    [first] = record(insider, rules, people)
    record(insider, rules, people, deed_date=TODAY - timedelta(days=1))
    record(insider, rules, people, code="A03")
    claims_services.review_claims(actor=actor(reader), claim_ids=[first.pk], approve=False, reasons={first.pk: "日期不对"})
    [again] = record(insider, rules, people)  # the rejected one no longer counts
    claims_services.withdraw_claim(actor=actor(insider), claim=again)
    record(insider, rules, people)  # nor does one its recorder withdrew
    assert Claim.objects.count() == 5


def test_a_resubmission_is_checked_for_the_same_deed_too(insider, rules, people, reader):
    [first] = record(insider, rules, people)
    claims_services.review_claims(actor=actor(reader), claim_ids=[first.pk], approve=False, reasons={first.pk: "缺签到"})
    [other] = record(insider, rules, people)  # recorded afresh meanwhile
    with pytest.raises(claims_services.DuplicateClaims) as e:
        claims_services.resubmit_claim(actor=actor(insider), claim=first)
    assert e.value.found == [other]
    new = claims_services.resubmit_claim(actor=actor(insider), claim=first, allow_duplicate=True)
    assert new.resubmits == first and new.status == ClaimStatus.IN_REVIEW


def test_reviewers_see_possible_duplicates_at_every_stage(insider, rules, people, reviewers):
    reader, committee, secretary = reviewers
    [a] = record(insider, rules, people)
    [b] = record(insider, rules, people, allow_duplicate=True)
    [other_day] = record(insider, rules, people, deed_date=TODAY - timedelta(days=2))
    found = claims_selectors.possible_duplicates(reader, claims_selectors.review_queue(reader))
    assert found == {a.pk: [b], b.pk: [a], other_day.pk: []}
    claims_services.review_claims(actor=actor(reader), claim_ids=[a.pk], approve=True)
    assert claims_selectors.possible_duplicates(committee, claims_selectors.review_queue(committee)) == {a.pk: [b]}
    claims_services.review_claims(actor=actor(committee), claim_ids=[a.pk], approve=True)
    claims_services.review_claims(actor=actor(secretary), claim_ids=[a.pk], approve=True)  # a is on the notice now
    assert claims_selectors.possible_duplicates(reader, [b])[b.pk] == [a]


# ---------------------------------------------------------------- withdrawal by the recorder


def test_the_recorder_withdraws_a_claim_in_review_and_it_never_reaches_a_notice(insider, rules, people, reviewers):
    reader, committee, secretary = reviewers
    [claim] = record(insider, rules, people)
    claims_services.review_claims(actor=actor(reader), claim_ids=[claim.pk], approve=True)  # past the first stage
    withdrawn = claims_services.withdraw_claim(actor=actor(insider), claim=claim)
    assert withdrawn.status == ClaimStatus.CANCELLED and withdrawn.get_status_display() == "记录人已撤回"
    assert claims_selectors.review_queue(committee) == []
    with pytest.raises(ValidationError) as e:
        claims_services.review_claims(actor=actor(committee), claim_ids=[claim.pk], approve=True)
    assert e.value.messages == ["乌云毕力格：该申报当前为「记录人已撤回」，无需审核"]
    assert not Notice.objects.exists()
    claims_services.withdraw_claim(actor=actor(insider), claim=claim)  # again: nothing changes, nothing recorded twice
    assert AuditEntry.objects.filter(action="points.claim.withdraw", object_id=str(claim.pk)).count() == 1


def test_withdrawal_only_by_the_recorder_and_only_while_in_review(insider, rules, people, reviewers, region,
                                                                   system_actor):
    reader, committee, secretary = reviewers
    colleague = create_account(actor=system_actor, username="colleague", password="Grass#2026",
                               display_name="colleague", roles=[("grid_worker", region["赛沁塔拉嘎查1"])])
    [claim] = record(insider, rules, people)
    for someone in (colleague, reader):
        with pytest.raises(PermissionDenied):
            claims_services.withdraw_claim(actor=actor(someone), claim=claim)
    approve_all_stages([claim], *reviewers)
    with pytest.raises(ValidationError) as e:
        claims_services.withdraw_claim(actor=actor(insider), claim=claim)
    assert "乌云毕力格的申报已审核通过、正在公示，不能撤回" in e.value.messages[0]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ON_NOTICE


def test_review_errors_name_the_person(insider, rules, people, reader, committee):
    claims = record(insider, rules, people, names=("乌云毕力格", "张秀兰"))
    with pytest.raises(claims_services.ClaimsRefused) as e:
        claims_services.review_claims(actor=actor(reader), claim_ids=[c.pk for c in claims], approve=False,
                               reasons={claims[1].pk: "不在场"})
    assert e.value.by_claim == {claims[0].pk: "乌云毕力格：请写明退回理由"}
    with pytest.raises(claims_services.ClaimsRefused) as e:
        claims_services.review_claims(actor=actor(committee), claim_ids=[claims[1].pk], approve=True)
    assert e.value.messages == ["张秀兰：该申报正在「党小组初审」环节，您不是该环节的审核人"]
