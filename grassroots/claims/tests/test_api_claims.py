"""Claims and reviews in the API: lists, detail, reviews at each stage, the same deed twice, withdrawal and
resubmission."""


import pytest

from grassroots.audit.models import AuditEntry
from grassroots.claims import services as claims_services
from grassroots.claims.models import (
    Claim,
    ClaimStatus,
)
from grassroots.core.models import IdempotencyKey
from grassroots.points.api_testing import BASE, claim_body, field_named, key, post, today
from grassroots.points.testing import actor

# --- claims lists and detail -----------------------------------------------------------------


def test_claims_mine_by_status_and_to_review(points_world, as_insider, as_reader, as_committee):
    mine = as_insider.get(f"{BASE}/claims/", {"mine": "true", "status": "in_review"}).json()["items"]
    assert [c["id"] for c in mine] == [points_world["claim"].pk]
    assert mine[0]["stage_name"] == "党小组初审" and mine[0]["person"]["name"] == "乌云毕力格"
    on_notice = as_insider.get(f"{BASE}/claims/", {"status": "on_notice"}).json()["items"]
    assert len(on_notice) == 2
    assert [c["id"] for c in as_reader.get(f"{BASE}/claims/", {"to_review": "true"}).json()["items"]] == \
        [points_world["claim"].pk]
    assert as_committee.get(f"{BASE}/claims/", {"to_review": "true"}).json()["items"] == []
    assert as_insider.get(f"{BASE}/claims/", {"status": "nonsense"}).status_code == 422


def test_claims_paging(points_world, as_insider):
    page = as_insider.get(f"{BASE}/claims/", {"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    second = as_insider.get(f"{BASE}/claims/", {"limit": 2, "cursor": page["next_cursor"]}).json()
    assert len(second["items"]) == 2 and second["next_cursor"]
    rest = as_insider.get(f"{BASE}/claims/", {"limit": 2, "cursor": second["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    seen = [c["id"] for c in page["items"] + second["items"] + rest["items"]]
    assert len(set(seen)) == 5
    bad = as_insider.get(f"{BASE}/claims/", {"cursor": "nonsense"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid" and "cursor" in bad.json()["errors"]


def test_claim_detail_shows_each_review_and_the_notice(points_world, as_cashier):
    claim = points_world["open_notice"].lines.order_by("id").first().claim
    body = as_cashier.get(f"{BASE}/claims/{claim.pk}/").json()
    assert [(d["stage_name"], d["reviewer"], d["approved"]) for d in body["decisions"]] == [
        ("党小组初审", "reader", True), ("“两委”联席复审", "committee", True),
        ("党员（村民代表）大会审议", "secretary", True)]
    assert body["notice"]["token"] == points_world["open_notice"].token and body["line_status"] == "standing"
    assert body["status"] == "on_notice" and body["stage_name"] == "" and body["entry_id"] is None


# --- reviews through the API --------------------------------------------------------------------


def test_rejection_needs_a_reason_for_each_claim_and_goes_back_to_the_recorder(points_world, as_reader, as_insider):
    pk = points_world["claim"].pk
    response = post(as_reader, f"{BASE}/reviews/", {"claim_ids": [pk], "approve": False}, key=key())
    assert response.status_code == 422 and response.json()["detail"] == "乌云毕力格：请写明退回理由"
    stray = post(as_reader, f"{BASE}/reviews/", {"claim_ids": [pk], "approve": False, "reasons": {"12345": "x"}},
                 key=key())
    assert stray.status_code == 422 and "reasons" in stray.json()["errors"]
    done = post(as_reader, f"{BASE}/reviews/", {"claim_ids": [pk], "approve": False,
                                                 "reasons": {str(pk): "当天未参加劳动"}}, key=key())
    assert done.status_code == 201 and done.json()["claims"][0]["status"] == "rejected"
    mine = as_insider.get(f"{BASE}/claims/{pk}/").json()
    assert mine["status"] == "rejected" and mine["decisions"][0]["reason"] == "当天未参加劳动"


def test_wrong_stage_is_409_naming_the_stage(points_world, as_committee):
    response = post(as_committee, f"{BASE}/reviews/", {"claim_ids": [points_world["claim"].pk], "approve": True}, key=key())
    message = "乌云毕力格：该申报正在「党小组初审」环节，您不是该环节的审核人"
    assert response.status_code == 409 and response.json() == {"code": "conflict", "detail": message,
                                                                "errors": {"claims": [message]}}


def test_reviewing_a_claim_already_decided_is_409(points_world, as_secretary):
    on_notice = points_world["open_notice"].lines.order_by("id").first().claim
    response = post(as_secretary, f"{BASE}/reviews/", {"claim_ids": [on_notice.pk], "approve": True}, key=key())
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert response.json()["detail"] == f"{on_notice.person.name}：该申报当前为「公示中」，无需审核"


def test_review_of_an_unknown_claim_is_404(points_world, as_reader):
    body = {"claim_ids": [points_world["claim"].pk, 999999], "approve": True}
    assert post(as_reader, f"{BASE}/reviews/", body, key=key()).status_code == 404
    assert Claim.objects.get(pk=points_world["claim"].pk).stage == 0


# --- the same deed twice; withdrawal and resubmission (issue #10, item 5) ---------------------------------


def test_recording_the_same_deed_again_is_409_naming_the_person_unless_allowed(points_world, as_insider, rules, people):
    before = Claim.objects.count()
    existing = points_world["claim"]  # 乌云毕力格, A01, today, in review
    body = claim_body(rules, people)
    response = post(as_insider, f"{BASE}/claims/", body, key="dup-1")
    assert response.status_code == 409
    refused = response.json()
    assert set(refused) == {"code", "detail", "errors"} and refused["code"] == "conflict"
    detail = refused["detail"]
    assert detail.startswith("乌云毕力格：同一天同一项目已有申报") and '"allow_duplicate": true' in detail
    assert f"（申报 {existing.pk}，审核中" in detail
    # The duplicates found, in the one error body: their ids, and each described (who, rule, day, status).
    assert str(existing.pk) in refused["errors"]["duplicate_claim_ids"]
    [described] = [m for m in refused["errors"]["duplicate"] if f"申报 {existing.pk}，" in m]
    assert described.startswith(f"乌云毕力格在{today():%Y-%m-%d}已有「") and "审核中" in described
    assert Claim.objects.count() == before and not IdempotencyKey.objects.filter(key="dup-1").exists()
    response = post(as_insider, f"{BASE}/claims/", {**body, "allow_duplicate": True}, key="dup-1")
    assert response.status_code == 201 and Claim.objects.count() == before + 1
    [claim] = response.json()["claims"]
    assert existing.pk in [d["id"] for d in claim["possible_duplicates"]]
    strict = post(as_insider, f"{BASE}/claims/", {**body, "allow_duplicate": "yes"}, key=key())
    assert strict.status_code == 422 and field_named(strict, "allow_duplicate")


def test_the_reviewers_list_flags_possible_duplicates(points_world, as_insider, as_reader, rules, people):
    body = {**claim_body(rules, people), "allow_duplicate": True}
    new_id = post(as_insider, f"{BASE}/claims/", body, key=key()).json()["claims"][0]["id"]
    items = {c["id"]: c for c in as_reader.get(f"{BASE}/claims/", {"to_review": "true"}).json()["items"]}
    assert points_world["claim"].pk in [d["id"] for d in items[new_id]["possible_duplicates"]]
    assert new_id in [d["id"] for d in items[points_world["claim"].pk]["possible_duplicates"]]
    detail = as_reader.get(f"{BASE}/claims/{new_id}/").json()
    assert points_world["claim"].pk in [d["id"] for d in detail["possible_duplicates"]]


def test_withdraw_recorder_read_only_outsider_and_again(points_world, as_insider, as_cashier, as_reader, as_outsider):

    pk = points_world["claim"].pk
    url = f"{BASE}/claims/{pk}/withdraw/"
    assert post(as_cashier, url, {}).status_code == 403
    assert post(as_reader, url, {}).status_code == 403
    assert post(as_outsider, url, {}).json() == {"code": "not_found", "detail": "未找到", "errors": {}}
    assert post(as_outsider, url, {}).status_code == 404
    assert Claim.objects.get(pk=pk).status == ClaimStatus.IN_REVIEW
    response = post(as_insider, url, {}, key="wd-1")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    replay = post(as_insider, url, {}, key="wd-1")
    assert (replay.status_code, replay.content, replay["Idempotent-Replayed"]) == (200, response.content, "true")
    assert response.json()["status_label"] == "记录人已撤回"
    again = post(as_insider, url, {})
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    assert AuditEntry.objects.filter(action="points.claim.withdraw", object_id=str(pk)).count() == 1
    queue = as_reader.get(f"{BASE}/claims/", {"to_review": "true"}).json()["items"]
    assert pk not in [c["id"] for c in queue]


def test_withdraw_refuses_a_claim_on_its_notice(points_world, as_insider):
    claim = points_world["open_notice"].lines.order_by("id").first().claim
    response = post(as_insider, f"{BASE}/claims/{claim.pk}/withdraw/", {})
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert f"{claim.person.name}的申报已审核通过、正在公示，不能撤回" in response.json()["detail"]
    assert "claim" in response.json()["errors"]


@pytest.fixture
def sent_back(points_world, reader):
    claim = points_world["claim"]
    claims_services.review_claims(actor=actor(reader), claim_ids=[claim.pk], approve=False, reasons={claim.pk: "数量不对"})
    return claim


def test_resubmit_recorder_read_only_outsider_and_once(sent_back, as_insider, as_cashier, as_reader, as_outsider):
    url = f"{BASE}/claims/{sent_back.pk}/resubmit/"
    body = {"quantity": 2, "note": "补了签到表", "allow_duplicate": True}  # points_world has other A01 claims today
    assert post(as_cashier, url, body, key=key()).status_code == 403
    assert post(as_reader, url, body, key=key()).status_code == 403
    assert post(as_outsider, url, body, key=key()).status_code == 404
    assert post(as_insider, url, body).status_code == 422  # no Idempotency-Key
    assert not Claim.objects.filter(resubmits=sent_back).exists()
    first = post(as_insider, url, body, key="rs-1")
    assert first.status_code == 201, first.content
    new = first.json()
    assert (new["resubmits_id"], new["quantity"], new["points"], new["note"], new["status"]) == (
        sent_back.pk, 2, 20, "补了签到表", "in_review")
    replay = post(as_insider, url, body, key="rs-1")
    assert (replay.status_code, replay.content) == (201, first.content)
    assert replay["Idempotent-Replayed"] == "true"
    twice = post(as_insider, url, body, key=key())
    assert twice.status_code == 409 and twice.json() == {"code": "conflict", "detail": "该申报已重新提交过",
                                                         "errors": {"claim": ["该申报已重新提交过"]}}
    assert Claim.objects.filter(resubmits=sent_back).count() == 1


def test_resubmit_of_a_deed_recorded_again_is_409_unless_allowed(sent_back, as_insider):
    url = f"{BASE}/claims/{sent_back.pk}/resubmit/"
    response = post(as_insider, url, {}, key=key())  # points_world recorded 乌云毕力格's A01 today again since
    assert response.status_code == 409 and response.json()["detail"].startswith("乌云毕力格：")
    assert not Claim.objects.filter(resubmits=sent_back).exists()
    assert post(as_insider, url, {"quantity": 0}, key=key()).status_code == 422


def test_the_schema_documents_allow_duplicate_withdraw_and_resubmit(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "/api/points/claims/{claim_id}/withdraw/" in paths and "/api/points/claims/{claim_id}/resubmit/" in paths
    assert "409" in paths["/api/points/claims/"]["post"]["responses"]
    refused = paths["/api/points/claims/"]["post"]["responses"]["409"]["content"]["application/json"]["schema"]
    assert refused["$ref"].endswith("/ErrorOut")
    claim_in = schema["components"]["schemas"]["ClaimIn"]["properties"]["allow_duplicate"]
    assert "409" in claim_in["description"] and claim_in["default"] is False
