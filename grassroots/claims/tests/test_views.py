"""The claim pages: the hub, recording (one person and a batch), my claims and resubmission, review, the
notice and objection queues, the same deed twice and withdrawal — for an insider, a read-only member
(cashier), an outsider (secretary of 官井子村) and an anonymous visitor."""


from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.areas import services as area_services
from grassroots.catalogue import services as catalogue_services
from grassroots.claims import services as claims_services
from grassroots.claims.models import Claim, ClaimStatus, LineStatus, Notice, ObjectionStatus
from grassroots.points.api_testing import approve_all_notices, photo, post_claim, record_today, today
from grassroots.points.testing import actor

# ---------------------------------------------------------------- anonymous


STAFF_PAGES = ["/points/", "/points/record/", "/points/record/batch/", "/points/claims/mine/", "/points/review/",
               "/points/rules/", "/points/rules/templates/", "/points/notices/", "/points/objections/",
               "/points/entries/1/", "/points/households/1/", "/points/record/done/abc/"]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_pages_send_anonymous_visitors_to_log_in(anonymous, url, db):
    response = anonymous.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("url", ["/points/record/", "/points/review/", "/points/rules/new/",
                                 "/points/objections/1/decide/", "/points/entries/1/reverse/",
                                 "/points/claims/1/resubmit/", "/points/claims/1/withdraw/"])
def test_staff_posts_send_anonymous_visitors_to_log_in(anonymous, url, db):
    response = anonymous.post(url, {})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Claim.objects.count() == 0


# ---------------------------------------------------------------- the hub


def test_hub_shows_what_each_may_do(as_insider, as_reader, as_cashier):
    page = as_insider.get("/points/").content.decode()
    assert "批量记分" in page and "/points/review/" not in page
    assert "/points/review/" in as_reader.get("/points/").content.decode()
    page = as_cashier.get("/points/").content.decode()
    assert "/points/record/" not in page and "积分细则" in page


# ---------------------------------------------------------------- recording: three taps


def test_tap_1_lists_the_grid_people_and_searches_by_initials(as_insider, people):
    page = as_insider.get("/points/record/").content.decode()
    assert "乌云毕力格" in page and "张秀兰" in page and "单国强" not in page
    assert 'hx-get="/points/record/"' in page
    partial = as_insider.get("/points/record/", {"q": "wyblg"}, HTTP_HX_REQUEST="true").content.decode()
    assert "乌云毕力格" in partial and "张秀兰" not in partial and "<html" not in partial
    assert f"?person={people['乌云毕力格'].pk}" in partial


def test_tap_2_offers_only_the_rules_for_the_persons_category(as_insider, people, rules):
    resident = as_insider.get("/points/record/", {"person": people["张秀兰"].pk}).content.decode()
    assert "人居环境整治义务劳动" in resident and "+10" in resident
    assert "党员参加组织生活" not in resident and "网格员按时走访入户" not in resident
    member = as_insider.get("/points/record/", {"person": people["乌云毕力格"].pk}).content.decode()
    assert "党员参加组织生活" in member
    assert f"rule={rules['D01'].pk}" in member


def test_tap_3_is_a_confirm_form_with_key_camera_and_defaults(as_insider, people, rules):
    page = as_insider.get("/points/record/", {"person": people["张秀兰"].pk, "rule": rules["A02"].pk}).content.decode()
    assert 'name="idempotency_key"' in page and 'capture="environment"' in page and 'accept="image/*"' in page
    assert 'name="quantity"' in page and 'value="1"' in page and today().isoformat() in page
    assert "本项须附照片" in page


def test_recording_creates_a_claim_and_confirms_what_was_recorded(as_insider, people, rules, insider):
    response = post_claim(as_insider, people, rules, note="清理村道")
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/points/record/done/{claim.batch}/"
    assert (claim.person.name, claim.points, claim.recorder, claim.note) == ("张秀兰", 10, insider, "清理村道")
    page = as_insider.get(response["Location"]).content.decode()
    assert "已记录 1 人" in page and "张秀兰" in page and "人居环境整治义务劳动" in page and "+10" in page


def test_the_same_idempotency_key_twice_records_once(as_insider, people, rules):
    first = post_claim(as_insider, people, rules, key="retry-on-weak-signal")
    second = post_claim(as_insider, people, rules, key="retry-on-weak-signal")
    assert Claim.objects.count() == 1
    assert second.status_code == 302 and second["Location"].startswith(first["Location"])
    assert "没有重复记录" in as_insider.get(second["Location"]).content.decode()


def test_a_photo_is_kept_and_shown_only_in_scope(as_insider, as_outsider, people, rules):
    post_claim(as_insider, people, rules, code="A02", photo=photo())
    claim = Claim.objects.get()
    assert claim.photo and claim.rule_version.evidence_required
    response = as_insider.get(f"/points/claims/{claim.pk}/photo/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert as_outsider.get(f"/points/claims/{claim.pk}/photo/").status_code == 404


def test_a_file_that_is_not_an_image_is_refused(as_insider, people, rules):
    bad = SimpleUploadedFile("deed.png", b"not an image", content_type="image/png")
    response = post_claim(as_insider, people, rules, code="A02", photo=bad)
    assert response.status_code == 400 and "照片：请上传图片" in response.content.decode()
    assert Claim.objects.count() == 0


@pytest.fixture
def grid_2_person(region, system_actor):
    household = area_services.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number="SQ-0200",
                                               address="二组")
    return area_services.add_person(actor=system_actor, household=household, name="宝音", gender="M",
                                    mongolian_name=True)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong_category", "只适用于党员，张秀兰不适用"),
        ("not_in_force", "不在有效期内"),
        ("cap_exceeded", "每月本项最多20分"),
        ("outside_grid", "不在您负责的网格内"),
        ("missing_evidence", "「人居环境整治义务劳动（出车）」须附照片"),
        ("quantity_zero", "数量须为1到1000之间的整数"),
        ("future_date", "日期不能晚于今天"),
        ("bad_date", "日期格式应为 年-月-日"),
        ("no_person", "请选择人员"),
    ],
)
def test_each_bad_input_shows_its_message_and_records_nothing(as_insider, people, rules, system_actor,
                                                              grid_2_person, case, message):
    data, names, code = {}, ("张秀兰",), "A01"
    if case == "wrong_category":
        code = "D01"
    elif case == "not_in_force":
        catalogue_services.revise_rule(actor=system_actor, rule=rules["C01"], effective_from=today() - timedelta(days=10),
                             effective_to=today() - timedelta(days=5))
        code = "C01"
    elif case == "cap_exceeded":
        code, data = "A03", {"quantity": 5}
    elif case == "missing_evidence":
        code = "A02"
    elif case == "quantity_zero":
        data = {"quantity": 0}
    elif case == "future_date":
        data = {"deed_date": (today() + timedelta(days=1)).isoformat()}
    elif case == "bad_date":
        data = {"deed_date": "2026-13-45"}
    elif case == "no_person":
        names = ()
    if case == "outside_grid":
        response = as_insider.post("/points/record/batch/", {
            "people": [people["张秀兰"].pk, grid_2_person.pk], "rule": rules["A01"].pk, "quantity": 1,
            "deed_date": today().isoformat(), "idempotency_key": "k"})
    elif case == "no_person":
        response = as_insider.post("/points/record/batch/", {"rule": rules["A01"].pk, "quantity": 1,
                                                              "deed_date": today().isoformat()})
    else:
        response = post_claim(as_insider, people, rules, names=names, code=code, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Claim.objects.count() == 0


def test_after_an_error_the_form_keeps_its_key_so_a_fixed_retry_records_once(as_insider, people, rules):
    response = post_claim(as_insider, people, rules, key="same", quantity=0)
    assert 'value="same"' in response.content.decode()
    assert post_claim(as_insider, people, rules, key="same").status_code == 302
    assert Claim.objects.count() == 1


def test_batch_entry_picks_a_rule_then_ticks_people(as_insider, people, rules):
    page = as_insider.get("/points/record/batch/").content.decode()
    assert f"?rule={rules['A01'].pk}" in page
    page = as_insider.get("/points/record/batch/", {"rule": rules["A01"].pk}).content.decode()
    assert "全选" in page and "乌云毕力格" in page and "张秀兰" in page and 'name="idempotency_key"' in page
    party_only = as_insider.get("/points/record/batch/", {"rule": rules["D01"].pk}).content.decode()
    assert "另有 1 人不属于本项目的适用人员" in party_only
    response = as_insider.post("/points/record/batch/", {
        "people": [people["乌云毕力格"].pk, people["张秀兰"].pk], "rule": rules["A01"].pk, "quantity": 2,
        "deed_date": today().isoformat(), "note": "春季环境整治", "idempotency_key": "batch-1"})
    claims = list(Claim.objects.all())
    assert response.status_code == 302 and len(claims) == 2 and len({c.batch for c in claims}) == 1
    assert all(c.points == 20 for c in claims)
    assert "已记录 2 人" in as_insider.get(response["Location"]).content.decode()


def test_read_only_member_may_not_record(as_cashier, as_reader, people, rules):
    for client in (as_cashier, as_reader):
        assert client.get("/points/record/").status_code == 403
        assert client.get("/points/record/batch/").status_code == 403
        assert post_claim(client, people, rules).status_code == 403
    assert Claim.objects.count() == 0


def test_outsider_cannot_reach_another_villages_people_or_rules(as_outsider, people, rules):
    assert as_outsider.get("/points/record/").status_code == 200  # their own village's recording page
    assert "乌云毕力格" not in as_outsider.get("/points/record/").content.decode()
    assert as_outsider.get("/points/record/", {"person": people["张秀兰"].pk}).status_code == 404
    assert as_outsider.get("/points/record/batch/", {"rule": rules["A01"].pk}).status_code == 404
    assert post_claim(as_outsider, people, rules).status_code == 404
    assert Claim.objects.count() == 0


def test_someone_elses_batch_confirmation_is_not_found(as_insider, as_secretary, people, rules):
    location = post_claim(as_insider, people, rules)["Location"]
    assert as_secretary.get(location).status_code == 404


# ---------------------------------------------------------------- my claims and resubmission


def test_my_claims_puts_rejections_first_with_stage_and_reason(as_insider, insider, reader, people, rules):
    [kept] = record_today(insider, rules, people, names=("乌云毕力格",))
    [bad] = record_today(insider, rules, people, code="B02", names=("张秀兰",))
    claims_services.review_claims(actor=actor(reader), claim_ids=[bad.pk], approve=False, reasons={bad.pk: "没有签到表"})
    page = as_insider.get("/points/claims/mine/").content.decode()
    assert page.index("被退回，待修改") < page.index("全部申报")
    assert "党小组初审" in page and "没有签到表" in page and "修改后重新提交" in page
    assert page.index("移风易俗：红白事简办") < page.index("人居环境整治义务劳动")
    assert kept.pk


@pytest.fixture
def rejected(insider, reader, people, rules):
    [claim] = record_today(insider, rules, people, names=("张秀兰",))
    claims_services.review_claims(actor=actor(reader), claim_ids=[claim.pk], approve=False, reasons={claim.pk: "数量不对"})
    return claim


def test_resubmit_sends_a_corrected_claim_back_into_review(as_insider, rejected):
    data = {"quantity": 2, "note": "补了签到表", "idempotency_key": "resub-1"}
    response = as_insider.post(f"/points/claims/{rejected.pk}/resubmit/", data)
    assert response.status_code == 302
    new = Claim.objects.get(resubmits=rejected)
    assert (new.status, new.quantity, new.points, new.note) == (ClaimStatus.IN_REVIEW, 2, 20, "补了签到表")
    as_insider.post(f"/points/claims/{rejected.pk}/resubmit/", data)  # the same key again
    assert Claim.objects.filter(resubmits=rejected).count() == 1
    response = as_insider.post(f"/points/claims/{rejected.pk}/resubmit/", {**data, "idempotency_key": "resub-2"})
    assert response.status_code == 400 and "该申报已重新提交过" in response.content.decode()
    assert "已重新提交" in as_insider.get("/points/claims/mine/").content.decode()


def test_resubmit_checks_the_quantity_and_the_caller(as_insider, as_cashier, as_outsider, rejected):
    response = as_insider.post(f"/points/claims/{rejected.pk}/resubmit/", {"quantity": 0})
    assert response.status_code == 400 and "数量须为1到1000之间的整数" in response.content.decode()
    assert as_cashier.post(f"/points/claims/{rejected.pk}/resubmit/", {"quantity": 1}).status_code == 403
    assert as_outsider.post(f"/points/claims/{rejected.pk}/resubmit/", {"quantity": 1}).status_code == 404
    assert Claim.objects.count() == 1


def test_my_claims_for_read_only_and_outsider_is_empty(as_cashier, as_outsider, insider, people, rules):
    record_today(insider, rules, people)
    for client in (as_cashier, as_outsider):
        response = client.get("/points/claims/mine/")
        assert response.status_code == 200 and "张秀兰" not in response.content.decode()


# ---------------------------------------------------------------- review


def test_review_queue_shows_the_claims_at_the_callers_stage(as_reader, as_committee, insider, people, rules):
    post = record_today(insider, rules, people, code="A02", names=("张秀兰",), photo=photo())
    page = as_reader.get("/points/review/").content.decode()
    assert "张秀兰" in page and "党小组初审" in page and "第1网格" in page and post[0].batch in page
    assert f"/points/claims/{post[0].pk}/photo/" in page and "insider" in page and "+50" in page
    assert "没有等待您审核的申报" in as_committee.get("/points/review/").content.decode()


def test_the_three_stages_approve_in_batches_and_open_the_notice(as_reader, as_committee, as_secretary, insider,
                                                                 people, rules):
    claims = record_today(insider, rules, people)
    ids = [c.pk for c in claims]
    for client, key in ((as_reader, "r1"), (as_committee, "r2")):
        response = client.post("/points/review/", {"claims": ids, "action": "approve", "idempotency_key": key})
        assert response.status_code == 302
    page = as_secretary.get("/points/review/").content.decode()
    assert "“两委”联席复审：通过" in page and "党小组初审：通过" in page and "reader" in page
    response = as_secretary.post("/points/review/", {"claims": ids, "action": "approve", "idempotency_key": "r3"})
    notice = Notice.objects.get()
    assert response.status_code == 302 and f"published={notice.token}" in response["Location"]
    page = as_secretary.get(response["Location"]).content.decode()
    assert f"/board/notices/{notice.token}/" in page and "已通过 2 条申报" in page
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.ON_NOTICE}


def test_rejection_needs_a_reason_for_each_claim(as_reader, insider, people, rules):
    claims = record_today(insider, rules, people)
    ids = [c.pk for c in claims]
    response = as_reader.post("/points/review/", {"claims": ids, "action": "reject", f"reason_{ids[0]}": "不在场",
                                                  "idempotency_key": "x1"})
    page = response.content.decode()
    # The message names the person (not "退回申报 28"), sits under that claim's reason box, and the box
    # is the first thing to fix (claims.js scrolls to it and focuses it).
    assert response.status_code == 400 and "张秀兰：请写明退回理由" in page and "须写明理由" not in page
    box = page[page.index(f'name="reason_{ids[1]}"'):]
    box = box[:box.index(">")]
    assert 'aria-invalid="true"' in box and "data-first-error" in box
    assert page.index(f'name="reason_{ids[1]}"') < page.index("张秀兰：请写明退回理由")
    assert page.count("data-first-error") == 1 and "points/claims.js" in page
    assert 'value="不在场"' in page
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.IN_REVIEW}
    response = as_reader.post("/points/review/", {"claims": ids, "action": "reject", f"reason_{ids[0]}": "不在场",
                                                  f"reason_{ids[1]}": "重复申报", "idempotency_key": "x2"})
    assert response.status_code == 302
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.REJECTED}
    assert Claim.objects.get(pk=ids[1]).decisions.get().reason == "重复申报"


def test_review_needs_a_selection(as_reader, insider, people, rules):
    record_today(insider, rules, people)
    response = as_reader.post("/points/review/", {"action": "approve"})
    assert response.status_code == 400 and "请选择申报" in response.content.decode()


def test_review_by_read_only_insider_or_outsider(as_cashier, as_insider, as_outsider, as_committee, insider, people,
                                                 rules):
    claims = record_today(insider, rules, people)
    data = {"claims": [c.pk for c in claims], "action": "approve"}
    assert as_cashier.get("/points/review/").status_code == 200
    assert "张秀兰" not in as_cashier.get("/points/review/").content.decode()
    assert as_cashier.post("/points/review/", data).status_code == 403
    assert as_insider.post("/points/review/", data).status_code == 403
    assert "张秀兰" not in as_outsider.get("/points/review/").content.decode()
    assert as_outsider.post("/points/review/", data).status_code == 404
    response = as_committee.post("/points/review/", data)  # the wrong stage: a clear message
    assert response.status_code == 400 and "您不是该环节的审核人" in response.content.decode()
    assert not Claim.objects.filter(stage__gt=0).exists()


# ---------------------------------------------------------------- notices and objections (staff)


def test_notice_list(as_reader, as_cashier, as_outsider, notice):
    for client in (as_reader, as_cashier):
        page = client.get("/points/notices/").content.decode()
        assert f"/board/notices/{notice.token}/" in page and "2 条" in page
    assert notice.token not in as_outsider.get("/points/notices/").content.decode()




def test_objection_queue_and_decision(as_committee, objection):
    page = as_committee.get("/points/objections/").content.decode()
    assert "她那天不在村里" in page and "13900000000" in page and "张秀兰" in page
    url = f"/points/objections/{objection.pk}/decide/"
    response = as_committee.post(url, {"decision": "uphold", "reason": ""})
    assert response.status_code == 400 and "须写明复议意见" in response.content.decode()
    assert as_committee.post(url, {"decision": "uphold", "reason": "经核实情况属实"}).status_code == 302
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD and objection.line.status == LineStatus.WITHDRAWN
    response = as_committee.post(url, {"decision": "dismiss", "reason": "再议"})
    assert response.status_code == 400 and "该异议已有复议结论" in response.content.decode()


def test_objections_for_read_only_and_outsider(as_cashier, as_outsider, as_reader, objection):
    for client in (as_cashier, as_outsider):
        response = client.get("/points/objections/")
        assert response.status_code == 200 and "她那天不在村里" not in response.content.decode()
    url = f"/points/objections/{objection.pk}/decide/"
    assert as_cashier.post(url, {"decision": "uphold", "reason": "x"}).status_code == 403
    assert as_reader.post(url, {"decision": "uphold", "reason": "x"}).status_code == 403
    assert as_outsider.post(url, {"decision": "uphold", "reason": "x"}).status_code == 404
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN


# ---------------------------------------------------------------- the same deed twice; withdrawal (issue #10, item 5)


def test_recording_the_same_deed_twice_warns_and_records_only_when_confirmed(as_insider, people, rules):
    assert post_claim(as_insider, people, rules, key="d-1").status_code == 302
    first = Claim.objects.get()
    response = post_claim(as_insider, people, rules, key="d-2")
    page = response.content.decode()
    assert response.status_code == 400 and Claim.objects.count() == 1
    assert (f"张秀兰在{today():%Y-%m-%d}已有「人居环境整治义务劳动」的申报（申报 {first.pk}，审核中，insider记录于"
            in page)
    warning = page[page.index('id="duplicate-warning"') - 60:]
    assert "data-first-error" in warning[:200] and "我已核实，这是另一件事，仍要记录" in warning
    assert 'name="allow_duplicate"' in page and "points/claims.js" in page
    response = post_claim(as_insider, people, rules, key="d-2", allow_duplicate="on")  # ticked: recorded
    assert response.status_code == 302 and Claim.objects.count() == 2


def test_batch_recording_names_the_person_already_recorded_that_day(as_insider, people, rules):
    post_claim(as_insider, people, rules, key="b-1")
    response = as_insider.post("/points/record/batch/", {
        "people": [people["乌云毕力格"].pk, people["张秀兰"].pk], "rule": rules["A01"].pk, "quantity": 1,
        "deed_date": today().isoformat(), "idempotency_key": "b-2"})
    page = response.content.decode()
    assert response.status_code == 400 and f"张秀兰在{today():%Y-%m-%d}已有「人居环境整治义务劳动」的申报" in page
    assert "乌云毕力格在" not in page and Claim.objects.count() == 1


def test_reviewers_see_the_possible_duplicate_and_the_other_claim(as_reader, as_committee, insider, reader, people,
                                                                 rules):
    [a] = record_today(insider, rules, people, names=("乌云毕力格",))
    [b] = record_today(insider, rules, people, names=("乌云毕力格",))  # confirmed as another deed by the grid worker
    [lone] = record_today(insider, rules, people, names=("张秀兰",), code="A03")
    page = as_reader.get("/points/review/").content.decode()
    assert page.count('data-testid="possible-duplicate"') == 2
    row_a = page[page.index(f'id="row-{a.pk}"'):page.index(f'id="row-{b.pk}"')]
    assert "可能重复" in row_a and f'<a href="#row-{b.pk}">申报 {b.pk}</a>' in row_a
    row_lone = page[page.index(f'id="row-{lone.pk}"'):]
    assert "可能重复" not in row_lone[:row_lone.index("</section>")]
    claims_services.review_claims(actor=actor(reader), claim_ids=[a.pk], approve=True)
    page = as_committee.get("/points/review/").content.decode()  # the next stage sees it too
    assert "可能重复" in page and f"申报 {b.pk}（审核中" in page


def test_the_recorder_withdraws_a_pending_claim_from_my_claims(as_insider, as_reader, insider, reader, people,
                                                               rules):
    [claim] = record_today(insider, rules, people, names=("乌云毕力格",))
    page = as_insider.get("/points/claims/mine/").content.decode()
    assert f'action="/points/claims/{claim.pk}/withdraw/"' in page and "确认撤回" in page
    response = as_insider.post(f"/points/claims/{claim.pk}/withdraw/")
    assert response.status_code == 302 and response["Location"] == "/points/claims/mine/"
    page = as_insider.get("/points/claims/mine/").content.decode()
    assert "已撤回：乌云毕力格「人居环境整治义务劳动」" in page and "记录人已撤回" in page
    assert f'/points/claims/{claim.pk}/withdraw/' not in page
    assert as_insider.post(f"/points/claims/{claim.pk}/withdraw/").status_code == 302  # again: harmless
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CANCELLED
    assert "乌云毕力格" not in as_reader.get("/points/review/").content.decode()


def test_withdrawal_read_only_outsider_and_a_claim_on_its_notice(as_insider, as_cashier, as_reader, as_outsider,
                                                                 insider, reader, committee, secretary, people,
                                                                 rules):
    [claim] = record_today(insider, rules, people, names=("乌云毕力格",))
    assert as_cashier.post(f"/points/claims/{claim.pk}/withdraw/").status_code == 403
    assert as_reader.post(f"/points/claims/{claim.pk}/withdraw/").status_code == 403
    assert as_outsider.post(f"/points/claims/{claim.pk}/withdraw/").status_code == 404
    assert as_insider.get(f"/points/claims/{claim.pk}/withdraw/").status_code == 405
    approve_all_notices([claim], reader, committee, secretary)
    response = as_insider.post(f"/points/claims/{claim.pk}/withdraw/")
    assert response.status_code == 400 and "乌云毕力格的申报已审核通过、正在公示，不能撤回" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ON_NOTICE


def test_resubmitting_when_the_deed_was_recorded_again_asks_for_confirmation(as_insider, insider, rejected, people,
                                                                             rules):
    record_today(insider, rules, people, names=("张秀兰",))  # recorded afresh after the rejection
    data = {"quantity": 1, "note": "", "idempotency_key": "rs-1"}
    response = as_insider.post(f"/points/claims/{rejected.pk}/resubmit/", data)
    page = response.content.decode()
    assert response.status_code == 400 and f"张秀兰在{today():%Y-%m-%d}已有「人居环境整治义务劳动」的申报" in page
    assert "我已核实，这是另一件事，仍要重新提交" in page and not Claim.objects.filter(resubmits=rejected).exists()
    response = as_insider.post(f"/points/claims/{rejected.pk}/resubmit/", {**data, "allow_duplicate": "on"})
    assert response.status_code == 302 and Claim.objects.filter(resubmits=rejected).exists()
