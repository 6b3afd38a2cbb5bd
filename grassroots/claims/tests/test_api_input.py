"""Strict types, idempotent creates and each bad-input case of recording claims through the API."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.areas import services as area_services
from grassroots.audit.models import AuditEntry
from grassroots.catalogue import services as catalogue_services
from grassroots.claims.models import (
    Claim,
    Objection,
    ObjectionStatus,
    ReviewDecision,
)
from grassroots.core.models import IdempotencyKey
from grassroots.points.api_testing import BASE, claim_body, field_named, key, messages, photo, post, today

# --- strict types ------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "field"), [
    ({"quantity": True}, "quantity"),
    ({"quantity": "3"}, "quantity"),
    ({"quantity": 1.5}, "quantity"),
    ({"person_ids": ["1"]}, "person_ids"),
    ({"person_ids": [True]}, "person_ids"),
    ({"person_ids": []}, "person_ids"),
    ({"person_ids": list(range(1, 202))}, "person_ids"),
    ({"rule_id": "1"}, "rule_id"),
    ({"deed_date": 20261120}, "deed_date"),
    ({"deed_date": "20th November"}, "deed_date"),
    ({"note": 5}, "note"),
    ({"note": "长" * 201}, "note"),
    ({"points": 100}, "points"),  # unknown fields are refused: points come from the rule
])
def test_claim_input_types_are_strict(as_insider, rules, people, change, field):
    response = post(as_insider, f"{BASE}/claims/", claim_body(rules, people, **change), key=key())
    assert response.status_code == 422, response.content
    assert field_named(response, field)
    assert Claim.objects.count() == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"approve": 1}, "approve"),
    ({"approve": "true"}, "approve"),
    ({"approve": None}, "approve"),
    ({"claim_ids": [True]}, "claim_ids"),
    ({"reasons": {"1": 5}}, "reasons"),
])
def test_review_input_types_are_strict(points_world, as_reader, change, field):
    body = {"claim_ids": [points_world["claim"].pk], "approve": True, **change}
    response = post(as_reader, f"{BASE}/reviews/", body, key=key())
    assert response.status_code == 422 and field_named(response, field)
    assert Claim.objects.get(pk=points_world["claim"].pk).stage == 0


@pytest.mark.parametrize("body", [{"uphold": 1, "reason": "x"}, {"uphold": "false", "reason": "x"},
                                  {"uphold": True, "reason": 3}])
def test_decision_input_types_are_strict(points_world, as_committee, body):
    response = post(as_committee, f"{BASE}/objections/{points_world['objection'].pk}/decision/", body, key=key())
    assert response.status_code == 422
    assert Objection.objects.get().status == ObjectionStatus.OPEN


def test_list_limit_is_bounded(as_insider):
    assert as_insider.get(f"{BASE}/claims/", {"limit": 201}).status_code == 422
    assert as_insider.get(f"{BASE}/claims/", {"limit": 0}).status_code == 422
    assert as_insider.get(f"{BASE}/entries/", {"cursor": "not-a-cursor"}).status_code == 422
    assert as_insider.get(f"{BASE}/claims/", {"limit": 200}).status_code == 200


# --- idempotency ------------------------------------------------------------------------------


def test_same_key_twice_records_one_batch_with_the_same_response(as_insider, rules, people):
    body = claim_body(rules, people, names=("乌云毕力格", "张秀兰"))
    k = key()
    first = post(as_insider, f"{BASE}/claims/", body, key=k)
    second = post(as_insider, f"{BASE}/claims/", body, key=k)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert Claim.objects.count() == 2 and len(set(Claim.objects.values_list("batch", flat=True))) == 1
    assert AuditEntry.objects.filter(action="points.claim.record").count() == 1
    assert len(first.json()["claims"]) == 2 and first.json()["points"] == 20


def test_create_without_idempotency_key_is_refused_clearly(as_insider, rules, people):
    response = post(as_insider, f"{BASE}/claims/", claim_body(rules, people))
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"]
    assert "缺少 Idempotency-Key 请求头" in response.json()["detail"]
    assert Claim.objects.count() == 0
    blank = post(as_insider, f"{BASE}/claims/", claim_body(rules, people), key="  ")
    assert blank.status_code == 422 and Claim.objects.count() == 0


def test_review_needs_a_key_and_runs_once_per_key(points_world, as_reader):
    body = {"claim_ids": [points_world["claim"].pk], "approve": True}
    assert post(as_reader, f"{BASE}/reviews/", body).status_code == 422
    k = key()
    first, second = post(as_reader, f"{BASE}/reviews/", body, key=k), post(as_reader, f"{BASE}/reviews/", body, key=k)
    assert first.status_code == second.status_code == 201 and first.content == second.content
    assert second["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert ReviewDecision.objects.filter(claim=points_world["claim"]).count() == 1


def test_key_reused_for_another_request_is_refused(as_insider, rules, people):
    k = key()
    assert post(as_insider, f"{BASE}/claims/", claim_body(rules, people), key=k).status_code == 201
    response = post(as_insider, f"{BASE}/claims/", claim_body(rules, people, quantity=2), key=k)
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["errors"]
    assert Claim.objects.count() == 1


def test_failed_create_leaves_no_key_so_the_retry_may_succeed(as_insider, rules, people):
    k = key()
    assert post(as_insider, f"{BASE}/claims/", claim_body(rules, people, quantity=0), key=k).status_code == 422
    assert not IdempotencyKey.objects.exists()
    assert post(as_insider, f"{BASE}/claims/", claim_body(rules, people), key=k).status_code == 201


def test_photo_route_is_idempotent_too(as_insider, rules, people):
    data = json.dumps(claim_body(rules, people, code="C03"))
    k = key()
    first = as_insider.post(f"{BASE}/claims/with-photo/", {"data": data, "photo": photo()}, headers={"Idempotency-Key": k})
    second = as_insider.post(f"{BASE}/claims/with-photo/", {"data": data, "photo": photo()}, headers={"Idempotency-Key": k})
    assert first.status_code == second.status_code == 201 and first.content == second.content
    assert Claim.objects.count() == 1


# --- each bad-input case of recording (issue 3, point 2): a clear error, nothing recorded ---------


def _refused(response, field, text):
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert text in messages(response), messages(response)
    assert Claim.objects.count() == 0
    assert not IdempotencyKey.objects.exists()
    assert not AuditEntry.objects.filter(action="points.claim.record").exists()


def test_wrong_category(as_insider, rules, people):
    response = post(as_insider, f"{BASE}/claims/", claim_body(rules, people, code="D01", names=("张秀兰",)), key=key())
    _refused(response, "person", "只适用于党员")


def test_wrong_category_in_a_batch_refuses_the_whole_batch(as_insider, rules, people):
    body = claim_body(rules, people, code="D01", names=("乌云毕力格", "张秀兰"))
    _refused(post(as_insider, f"{BASE}/claims/", body, key=key()), "person", "张秀兰不适用")


def test_rule_not_in_force_on_that_date(as_insider, rules, people, system_actor):
    start = today() - timedelta(days=20)
    catalogue_services.revise_rule(actor=system_actor, rule=rules["C01"], effective_from=start,
                         effective_to=start + timedelta(days=10))
    body = claim_body(rules, people, code="C01", deed_date=(today() - timedelta(days=2)).isoformat())
    _refused(post(as_insider, f"{BASE}/claims/", body, key=key()), "rule", "不在有效期内")


def test_cap_exceeded(as_insider, rules, people):
    assert post(as_insider, f"{BASE}/claims/", claim_body(rules, people, code="A03", quantity=3),
                key=key()).status_code == 201  # 15 of the 20 a month
    response = post(as_insider, f"{BASE}/claims/", claim_body(rules, people, code="A03", quantity=2), key=key())
    assert response.status_code == 422
    assert "每月本项最多20分" in response.json()["detail"] and "超出5分" in response.json()["detail"]
    assert Claim.objects.count() == 1


def test_person_outside_the_recorders_grid(as_insider, rules, people, region, system_actor):
    other = area_services.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number="SQ-0200",
                                           address="二组")
    neighbour = area_services.add_person(actor=system_actor, household=other, name="宝音", gender="M",
                                         mongolian_name=True)
    body = claim_body(rules, people)
    body["person_ids"] = [people["乌云毕力格"].pk, neighbour.pk]
    _refused(post(as_insider, f"{BASE}/claims/", body, key=key()), "person", "不在您负责的网格内")


def test_person_of_another_village(as_insider, rules, people):
    body = claim_body(rules, people, names=("单国强",))
    _refused(post(as_insider, f"{BASE}/claims/", body, key=key()), "person", "不在您负责的网格内")


def test_missing_required_evidence_says_where_to_send_the_photo(as_insider, rules, people):
    response = post(as_insider, f"{BASE}/claims/", claim_body(rules, people, code="C03"), key=key())
    _refused(response, "photo", "须附照片")
    assert "/api/points/claims/with-photo/" in response.json()["detail"]


def test_photo_route_refuses_what_is_not_an_image(as_insider, rules, people):
    data = json.dumps(claim_body(rules, people, code="C03"))
    fake = SimpleUploadedFile("deed.png", b"not an image at all", content_type="image/png")
    response = as_insider.post(f"{BASE}/claims/with-photo/", {"data": data, "photo": fake},
                               headers={"Idempotency-Key": key()})
    _refused(response, "photo", "不是有效的图片")


def test_photo_route_parses_its_data_strictly(as_insider, rules, people):
    url = f"{BASE}/claims/with-photo/"
    bad = as_insider.post(url, {"data": json.dumps(claim_body(rules, people, code="C03", quantity="2")),
                                "photo": photo()}, headers={"Idempotency-Key": key()})
    assert bad.status_code == 422 and field_named(bad, "quantity")
    not_json = as_insider.post(url, {"data": "{", "photo": photo()}, headers={"Idempotency-Key": key()})
    assert not_json.status_code == 422
    no_photo = as_insider.post(url, {"data": json.dumps(claim_body(rules, people, code="C03"))},
                               headers={"Idempotency-Key": key()})
    assert no_photo.status_code == 422
    assert Claim.objects.count() == 0


@pytest.mark.parametrize(("change", "field", "text"), [
    ({"quantity": 0}, "quantity", "1到1000"),
    ({"quantity": 1001}, "quantity", "1到1000"),
    ({"deed_date": "2099-01-01"}, "deed_date", "晚于今天"),
    ({"deed_date": "2025-01-01"}, "deed_date", "三个月内"),
])
def test_quantity_and_date_out_of_range(as_insider, rules, people, change, field, text):
    _refused(post(as_insider, f"{BASE}/claims/", claim_body(rules, people, **change), key=key()), field, text)


def test_unknown_rule_and_template_rule(as_insider, rules, people, catalogue):
    assert post(as_insider, f"{BASE}/claims/", claim_body(rules, people, rule_id=999999), key=key()).status_code == 404
    template_rule = catalogue.copied_from.rules.get(code="A01")
    response = post(as_insider, f"{BASE}/claims/", claim_body(rules, people, rule_id=template_rule.pk), key=key())
    _refused(response, "rule_id", "模板中的项目不能直接记分")
