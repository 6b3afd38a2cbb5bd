"""The points JSON API: every route with its insider, read-only member (cashier), outsider and anonymous
caller; strict types; idempotent creates; each bad-input case of recording; objections after the period."""

import json
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grassroots.audit.models import AuditEntry
from grassroots.catalogue import services as catalogue_services
from grassroots.claims import selectors as claims_selectors
from grassroots.claims import services as claims_services
from grassroots.claims.models import (
    Claim,
    ClaimStatus,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    ReviewDecision,
)
from grassroots.conftest import client_for
from grassroots.core.models import IdempotencyKey
from grassroots.ledger import selectors as ledger_selectors
from grassroots.ledger import services as ledger_services
from grassroots.ledger.models import LedgerEntry
from grassroots.points.testing import actor, tiny_png

VILLAGE = "150426100223"  # 赛沁塔拉嘎查
GRID1 = "150426100223001"
OTHER_VILLAGE = "150426104204"  # 官井子村
BASE = "/api/points"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # uploaded photos land here, not in var/media


def today():
    return timezone.localdate()


def key() -> str:
    return uuid.uuid4().hex


def post(client, url, body, key=None, environ=None, **headers):
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers, **(environ or {}))


def claim_body(rules, people, code="A01", names=("乌云毕力格",), **kw):
    body = {"person_ids": [people[n].pk for n in names], "rule_id": rules[code].pk, "quantity": 1,
            "deed_date": today().isoformat(), "note": ""}
    body.update(kw)
    return body


def field_named(response, field) -> bool:
    """The 422 names ``field``, whether in our {"errors": {...}} shape or Ninja's list of errors."""
    body = response.json()
    if "errors" in body:
        return any(name == field or name.startswith(field + ".") for name in body["errors"])
    return any(field in [str(p) for p in e.get("loc", ())] for e in body["detail"])


def messages(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


def photo():
    return SimpleUploadedFile("deed.png", tiny_png(), content_type="image/png")


def record(insider, rules, people, code="A01", names=("乌云毕力格", "张秀兰"), **kw):
    """Record as the grid worker. Fixtures record the same people under A01 today more than once (as
    separate deeds), so the duplicate check is told so; the tests of that check pass False."""
    kw.setdefault("allow_duplicate", True)
    return claims_services.record_claims(actor=actor(insider), person_ids=[people[n].pk for n in names], rule=rules[code],
                                  quantity=kw.pop("quantity", 1), deed_date=kw.pop("deed_date", today()), **kw)


def approve_all(claims, reader, committee, secretary, now=None):
    ids = [c.pk for c in claims]
    claims_services.review_claims(actor=actor(reader), claim_ids=ids, approve=True, now=now)
    claims_services.review_claims(actor=actor(committee), claim_ids=ids, approve=True, now=now)
    return claims_services.review_claims(actor=actor(secretary), claim_ids=ids, approve=True, now=now)["notices"][0]


@pytest.fixture
def world(insider, reader, committee, secretary, rules, people, system_actor):
    """One of everything: a claim in review, an open notice with an open objection, a posted notice."""
    [in_review] = record(insider, rules, people, names=("乌云毕力格",))
    open_notice = approve_all(record(insider, rules, people), reader, committee, secretary)
    objection = claims_services.raise_objection(actor=system_actor, line=open_notice.lines.order_by("id").first(),
                                         reason="那天他不在村里", contact_name="王某", contact_phone="13900000000")
    posted = approve_all(record(insider, rules, people), reader, committee, secretary)
    claims_services.post_notice(actor=system_actor, notice=posted, now=posted.closes_at)
    entry = LedgerEntry.objects.filter(notice=posted).order_by("seq").first()
    return {"claim": in_review, "open_notice": open_notice, "objection": objection, "posted": posted,
            "entry": entry, "household": people["乌云毕力格"].household, "rule": rules["A01"]}


# --- anonymous: 401 on every staff route ----------------------------------------------------------

STAFF_ROUTES = [
    ("get", "/rules/"),
    ("get", "/rules/{rule}/"),
    ("post", "/claims/"),
    ("post", "/claims/with-photo/"),
    ("get", "/claims/"),
    ("get", "/claims/{claim}/"),
    ("post", "/reviews/"),
    ("get", "/notices/"),
    ("get", "/notices/{notice}/"),
    ("get", "/objections/"),
    ("post", "/objections/{objection}/decision/"),
    ("get", "/entries/"),
    ("get", "/entries/{entry}/origin/"),
    ("post", "/entries/{entry}/reversal/"),
    ("post", "/claims/{claim}/withdraw/"),
    ("post", "/claims/{claim}/resubmit/"),
]


def _url(template, world):
    return BASE + template.format(rule=world["rule"].pk, claim=world["claim"].pk, notice=world["open_notice"].pk,
                                  objection=world["objection"].pk, entry=world["entry"].pk,
                                  household=world["household"].pk, village=VILLAGE)


@pytest.mark.parametrize(("method", "url"), STAFF_ROUTES)
def test_anonymous_gets_401_on_every_staff_route(client, world, method, url):
    kwargs = {"content_type": "application/json", "data": "{}", "headers": {"Idempotency-Key": "k"}} \
        if method == "post" else {}
    response = getattr(client, method)(_url(url, world), **kwargs)
    assert response.status_code == 401
    assert "detail" in response.json()


# --- reads: insider and read-only member see, the outsider gets 404 ----------------------------------

READS = [
    "/rules/?village={village}",
    "/rules/{rule}/",
    "/claims/{claim}/",
    "/notices/{notice}/",
    "/entries/?household_id={household}",
    "/entries/?village={village}",
    "/entries/{entry}/origin/",
    "/claims/?village={village}",
    "/notices/?village={village}",
]


@pytest.mark.parametrize("url", READS)
def test_reads_insider_and_read_only_see_outsider_gets_404(world, as_insider, as_cashier, as_outsider, url):
    url = _url(url, world)
    assert as_insider.get(url).status_code == 200, as_insider.get(url).content
    assert as_cashier.get(url).status_code == 200
    outside = as_outsider.get(url)
    assert outside.status_code == 404
    assert outside.json() == {"detail": "未找到"}


@pytest.mark.parametrize("url", ["/claims/", "/notices/", "/objections/", "/entries/"])
def test_lists_hold_only_what_the_caller_may_see(world, as_insider, as_cashier, as_outsider, url):
    assert as_insider.get(BASE + url).json()["items"]
    assert as_cashier.get(BASE + url).json()["items"]
    outside = as_outsider.get(BASE + url)
    assert outside.status_code == 200 and outside.json() == {"items": [], "next_offset": None}


def test_missing_and_foreign_look_the_same(world, as_outsider):
    assert as_outsider.get(f"{BASE}/claims/{world['claim'].pk}/").json() == \
        as_outsider.get(f"{BASE}/claims/999999/").json()


# --- writes: insider writes, read-only member 403, outsider 404, nothing written ---------------------


def test_record_claims_insider_cashier_outsider(world, as_insider, as_cashier, as_outsider, rules, people):
    before = Claim.objects.count()
    body = claim_body(rules, people, deed_date=(today() - timedelta(days=1)).isoformat())  # world has today's
    assert post(as_cashier, f"{BASE}/claims/", body, key=key()).status_code == 403
    assert post(as_outsider, f"{BASE}/claims/", body, key=key()).status_code == 404
    assert Claim.objects.count() == before and not IdempotencyKey.objects.exists()
    response = post(as_insider, f"{BASE}/claims/", body, key=key())
    assert response.status_code == 201, response.content
    assert Claim.objects.count() == before + 1


def test_record_with_photo_insider_cashier_outsider(world, as_insider, as_cashier, as_outsider, rules, people):
    before = Claim.objects.count()
    data = json.dumps(claim_body(rules, people, code="C03"))
    url = f"{BASE}/claims/with-photo/"
    assert as_cashier.post(url, {"data": data, "photo": photo()}, headers={"Idempotency-Key": key()}).status_code == 403
    assert as_outsider.post(url, {"data": data, "photo": photo()}, headers={"Idempotency-Key": key()}).status_code == 404
    assert Claim.objects.count() == before
    response = as_insider.post(url, {"data": data, "photo": photo()}, headers={"Idempotency-Key": key()})
    assert response.status_code == 201, response.content
    [claim] = response.json()["claims"]
    assert claim["has_photo"] and claim["rule"]["code"] == "C03" and claim["points"] == 20
    stored = Claim.objects.get(pk=claim["id"])
    assert stored.photo.name.endswith(".png")


def test_reviews_reviewer_cashier_outsider_grid_worker(world, as_reader, as_cashier, as_outsider, as_insider):
    body = {"claim_ids": [world["claim"].pk], "approve": True}
    decisions = ReviewDecision.objects.count()
    assert post(as_cashier, f"{BASE}/reviews/", body, key=key()).status_code == 403
    assert post(as_insider, f"{BASE}/reviews/", body, key=key()).status_code == 403  # a recorder, not a reviewer
    assert post(as_outsider, f"{BASE}/reviews/", body, key=key()).status_code == 404
    assert ReviewDecision.objects.count() == decisions
    response = post(as_reader, f"{BASE}/reviews/", body, key=key())
    assert response.status_code == 200, response.content
    assert response.json()["claims"] == [{"id": world["claim"].pk, "status": "in_review", "status_label": "审核中",
                                          "stage": 1, "stage_name": "“两委”联席复审"}]


def test_decision_committee_cashier_outsider(world, as_committee, as_cashier, as_outsider):
    url = f"{BASE}/objections/{world['objection'].pk}/decision/"
    body = {"uphold": False, "reason": "有签到表为证"}
    assert post(as_cashier, url, body).status_code == 403
    assert post(as_outsider, url, body).status_code == 404
    assert Objection.objects.get().status == ObjectionStatus.OPEN
    response = post(as_committee, url, body)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "dismissed" and response.json()["decided_by"] == "committee"
    again = post(as_committee, url, body)
    assert again.status_code == 422 and "已有复议结论" in again.json()["detail"]


def test_reversal_secretary_cashier_outsider(world, as_secretary, as_cashier, as_outsider):
    url = f"{BASE}/entries/{world['entry'].pk}/reversal/"
    count = LedgerEntry.objects.count()
    assert post(as_cashier, url, {"reason": "重复记分"}).status_code == 403
    assert post(as_outsider, url, {"reason": "重复记分"}).status_code == 404
    assert LedgerEntry.objects.count() == count
    response = post(as_secretary, url, {"reason": "重复记分"}, key=key())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "reversal" and body["points"] == -10 and body["reverses_id"] == world["entry"].pk
    assert body["prev_hash"] == LedgerEntry.objects.get(seq=body["seq"] - 1, village=world["entry"].village).hash
    assert ledger_selectors.first_broken_entry(world["entry"].village_id) is None
    again = post(as_secretary, url, {"reason": "重复记分"})
    assert again.status_code == 422 and "已冲正" in again.json()["detail"]


def test_reversal_with_the_same_key_answers_the_first_result(world, as_secretary):
    url = f"{BASE}/entries/{world['entry'].pk}/reversal/"
    k = key()
    first, second = post(as_secretary, url, {"reason": "重复记分"}, key=k), post(as_secretary, url, {"reason": "重复记分"}, key=k)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert LedgerEntry.objects.filter(reverses=world["entry"]).count() == 1


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
def test_review_input_types_are_strict(world, as_reader, change, field):
    body = {"claim_ids": [world["claim"].pk], "approve": True, **change}
    response = post(as_reader, f"{BASE}/reviews/", body, key=key())
    assert response.status_code == 422 and field_named(response, field)
    assert Claim.objects.get(pk=world["claim"].pk).stage == 0


@pytest.mark.parametrize("body", [{"uphold": 1, "reason": "x"}, {"uphold": "false", "reason": "x"},
                                  {"uphold": True, "reason": 3}])
def test_decision_input_types_are_strict(world, as_committee, body):
    response = post(as_committee, f"{BASE}/objections/{world['objection'].pk}/decision/", body)
    assert response.status_code == 422
    assert Objection.objects.get().status == ObjectionStatus.OPEN


def test_list_limit_is_bounded(as_insider):
    assert as_insider.get(f"{BASE}/claims/", {"limit": 201}).status_code == 422
    assert as_insider.get(f"{BASE}/claims/", {"limit": 0}).status_code == 422
    assert as_insider.get(f"{BASE}/entries/", {"offset": -1}).status_code == 422
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
    assert first.json()["count"] == 2 and first.json()["points"] == 20


def test_create_without_idempotency_key_is_refused_clearly(as_insider, rules, people):
    response = post(as_insider, f"{BASE}/claims/", claim_body(rules, people))
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"]
    assert "缺少 Idempotency-Key 请求头" in response.json()["detail"]
    assert Claim.objects.count() == 0
    blank = post(as_insider, f"{BASE}/claims/", claim_body(rules, people), key="  ")
    assert blank.status_code == 422 and Claim.objects.count() == 0


def test_review_needs_a_key_and_runs_once_per_key(world, as_reader):
    body = {"claim_ids": [world["claim"].pk], "approve": True}
    assert post(as_reader, f"{BASE}/reviews/", body).status_code == 422
    k = key()
    first, second = post(as_reader, f"{BASE}/reviews/", body, key=k), post(as_reader, f"{BASE}/reviews/", body, key=k)
    assert first.status_code == second.status_code == 200 and first.json() == second.json()
    assert ReviewDecision.objects.filter(claim=world["claim"]).count() == 1


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
    from grassroots.areas import services as area_services

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


# --- the rule catalogue -----------------------------------------------------------------------


def test_grid_worker_sees_the_catalogue_of_the_grids_village(as_insider, rules, system_actor):
    v2 = catalogue_services.revise_rule(actor=system_actor, rule=rules["A01"], effective_from=today() - timedelta(days=10),
                              points=15)
    response = as_insider.get(f"{BASE}/rules/")
    assert response.status_code == 200
    body = response.json()
    assert body["village"] == {"code": VILLAGE, "name": "赛沁塔拉嘎查"}
    assert body["catalogue"]["adoptions"][0]["votes_for"] == 41
    a01 = next(r for r in body["items"] if r["code"] == "A01")
    assert a01["in_force"]["id"] == v2.pk and a01["in_force"]["points"] == 15
    assert [v["version"] for v in a01["versions"]] == [2, 1]
    earlier = as_insider.get(f"{BASE}/rules/", {"date": (today() - timedelta(days=11)).isoformat()}).json()
    assert next(r for r in earlier["items"] if r["code"] == "A01")["in_force"]["points"] == 10
    detail = as_insider.get(f"{BASE}/rules/{rules['A01'].pk}/").json()
    assert detail["in_force"]["version"] == 2 and detail["catalogue"]["copied_from"] == "翁牛特旗积分细则模板"


def test_rules_paging_and_village_by_grid_code(as_cashier, rules):
    first = as_cashier.get(f"{BASE}/rules/", {"limit": 5}).json()
    assert len(first["items"]) == 5 and first["next_offset"] == 5
    rest = as_cashier.get(f"{BASE}/rules/", {"limit": 200, "offset": 5, "village": GRID1}).json()
    assert len(rest["items"]) == len(rules) - 5 and rest["next_offset"] is None


def test_rules_of_a_village_without_catalogue(as_outsider):
    body = as_outsider.get(f"{BASE}/rules/").json()
    assert body["village"]["code"] == OTHER_VILLAGE and body["catalogue"] is None and body["items"] == []


def test_caller_above_village_level_must_name_the_village(as_county_admin, rules):
    response = as_county_admin.get(f"{BASE}/rules/")
    assert response.status_code == 422 and "village" in response.json()["errors"]
    assert as_county_admin.get(f"{BASE}/rules/", {"village": VILLAGE}).json()["items"]


# --- claims lists and detail -----------------------------------------------------------------


def test_claims_mine_by_status_and_to_review(world, as_insider, as_reader, as_committee):
    mine = as_insider.get(f"{BASE}/claims/", {"mine": "true", "status": "in_review"}).json()["items"]
    assert [c["id"] for c in mine] == [world["claim"].pk]
    assert mine[0]["stage_name"] == "党小组初审" and mine[0]["person"]["name"] == "乌云毕力格"
    on_notice = as_insider.get(f"{BASE}/claims/", {"status": "on_notice"}).json()["items"]
    assert len(on_notice) == 2
    assert [c["id"] for c in as_reader.get(f"{BASE}/claims/", {"to_review": "true"}).json()["items"]] == \
        [world["claim"].pk]
    assert as_committee.get(f"{BASE}/claims/", {"to_review": "true"}).json()["items"] == []
    assert as_insider.get(f"{BASE}/claims/", {"status": "nonsense"}).status_code == 422


def test_claims_paging(world, as_insider):
    page = as_insider.get(f"{BASE}/claims/", {"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_offset"] == 2
    rest = as_insider.get(f"{BASE}/claims/", {"limit": 2, "offset": 4}).json()
    assert len(rest["items"]) == 1 and rest["next_offset"] is None


def test_claim_detail_shows_each_review_and_the_notice(world, as_cashier):
    claim = world["open_notice"].lines.order_by("id").first().claim
    body = as_cashier.get(f"{BASE}/claims/{claim.pk}/").json()
    assert [(d["stage_name"], d["reviewer"], d["approved"]) for d in body["decisions"]] == [
        ("党小组初审", "reader", True), ("“两委”联席复审", "committee", True),
        ("党员（村民代表）大会审议", "secretary", True)]
    assert body["notice"]["token"] == world["open_notice"].token and body["line_status"] == "standing"
    assert body["status"] == "on_notice" and body["stage_name"] == "" and body["entry_id"] is None


# --- reviews through the API --------------------------------------------------------------------


def test_rejection_needs_a_reason_for_each_claim_and_goes_back_to_the_recorder(world, as_reader, as_insider):
    pk = world["claim"].pk
    response = post(as_reader, f"{BASE}/reviews/", {"claim_ids": [pk], "approve": False}, key=key())
    assert response.status_code == 422 and response.json()["detail"] == "乌云毕力格：请写明退回理由"
    stray = post(as_reader, f"{BASE}/reviews/", {"claim_ids": [pk], "approve": False, "reasons": {"12345": "x"}},
                 key=key())
    assert stray.status_code == 422 and "reasons" in stray.json()["errors"]
    done = post(as_reader, f"{BASE}/reviews/", {"claim_ids": [pk], "approve": False,
                                                 "reasons": {str(pk): "当天未参加劳动"}}, key=key())
    assert done.status_code == 200 and done.json()["claims"][0]["status"] == "rejected"
    mine = as_insider.get(f"{BASE}/claims/{pk}/").json()
    assert mine["status"] == "rejected" and mine["decisions"][0]["reason"] == "当天未参加劳动"


def test_wrong_stage_is_422_naming_the_stage(world, as_committee):
    response = post(as_committee, f"{BASE}/reviews/", {"claim_ids": [world["claim"].pk], "approve": True}, key=key())
    assert response.status_code == 422 and "党小组初审" in response.json()["detail"]


def test_review_of_an_unknown_claim_is_404(world, as_reader):
    body = {"claim_ids": [world["claim"].pk, 999999], "approve": True}
    assert post(as_reader, f"{BASE}/reviews/", body, key=key()).status_code == 404
    assert Claim.objects.get(pk=world["claim"].pk).stage == 0


# --- notices, the public board and objections ------------------------------------------------------


def test_staff_notice_shows_full_names_and_contacts_only_to_deciders(world, as_committee, as_cashier):
    url = f"{BASE}/notices/{world['open_notice'].pk}/"
    staff = as_committee.get(url).json()
    assert {line["person"]["name"] for line in staff["lines"]} == {"乌云毕力格", "张秀兰"}
    assert staff["open_objections"] == 1 and staff["open_for_objections"] is True
    objection = staff["lines"][0]["objections"][0]
    assert objection["contact_phone"] == "13900000000"
    reader_view = as_cashier.get(url).json()
    assert reader_view["lines"][0]["objections"][0]["contact_phone"] is None
    assert "13900000000" not in as_cashier.get(url).content.decode()
    listed = as_cashier.get(f"{BASE}/notices/", {"status": "posted"}).json()["items"]
    assert [n["id"] for n in listed] == [world["posted"].pk] and listed[0]["chain"]["short"]


def test_public_notice_masks_names_and_needs_no_login(client, world):
    response = client.get(f"{BASE}/public/notices/{world['open_notice'].token}/")
    assert response.status_code == 200
    body = response.json()
    assert {line["name"] for line in body["lines"]} == {"乌***格", "张*兰"}
    assert body["lines"][0]["rule_code"] == "A01" and body["lines"][0]["under_review"] is True
    assert body["total_points"] == 20 and body["open_for_objections"] is True and body["chain"] is None
    text = response.content.decode()
    for secret in ("乌云毕力格", "张秀兰", "SQ-0001", "13900000000", "王某", "那天他不在村里", "13904761234"):
        assert secret not in text
    posted = client.get(f"{BASE}/public/notices/{world['posted'].token}/").json()
    assert posted["chain"]["hash"] == Notice.objects.get(pk=world["posted"].pk).chain_hash
    assert client.get(f"{BASE}/public/notices/nosuchtoken/").status_code == 404


def test_public_objection_then_committee_upholds_it_and_the_line_never_reaches_the_ledger(
        client, as_committee, insider, reader, committee, secretary, rules, people, system_actor):
    notice = approve_all(record(insider, rules, people), reader, committee, secretary)
    line = notice.lines.order_by("id").last()
    response = post(client, f"{BASE}/public/notices/{notice.token}/objections/",
                    {"line_id": line.pk, "reason": "她那天在外地，没有参加劳动", "contact_phone": "13900000001"})
    assert response.status_code == 201, response.content
    assert "13900000001" not in response.content.decode()
    objection = Objection.objects.get(pk=response.json()["id"])
    assert objection.contact_phone == "13900000001" and objection.ip == "127.0.0.1"
    assert claims_services.post_due_notices(actor=system_actor, now=notice.closes_at)["posted"] == 0
    decided = post(as_committee, f"{BASE}/objections/{objection.pk}/decision/",
                   {"uphold": True, "reason": "经核实情况属实"})
    assert decided.status_code == 200 and decided.json()["status"] == "upheld"
    assert claims_services.post_due_notices(actor=system_actor, now=notice.closes_at)["posted"] == 1
    assert list(LedgerEntry.objects.values_list("person__name", flat=True)) == ["乌云毕力格"]
    public = client.get(f"{BASE}/public/notices/{notice.token}/").json()
    assert [line["status"] for line in public["lines"]] == ["standing", "withdrawn"]


def test_objection_after_the_period_is_refused_clearly(client, insider, reader, committee, secretary, rules, people):
    notice = approve_all(record(insider, rules, people), reader, committee, secretary,
                         now=timezone.now() - timedelta(days=6))
    assert notice.closes_at < timezone.now()
    response = post(client, f"{BASE}/public/notices/{notice.token}/objections/",
                    {"line_id": notice.lines.first().pk, "reason": "晚了也想提异议"})
    assert response.status_code == 422
    assert "公示期已于" in response.json()["detail"] and "不能再提出异议" in response.json()["detail"]
    assert not Objection.objects.exists()
    assert client.get(f"{BASE}/public/notices/{notice.token}/").json()["open_for_objections"] is False


def test_objection_checks_its_line_and_reason(client, world):
    url = f"{BASE}/public/notices/{world['open_notice'].token}/objections/"
    other_line = world["posted"].lines.first().pk
    assert post(client, url, {"line_id": other_line, "reason": "不是这张公示的"}).status_code == 422
    short = post(client, url, {"line_id": world["open_notice"].lines.first().pk, "reason": "不对"})
    assert short.status_code == 422 and "至少4个字" in short.json()["detail"]
    assert post(client, url, {"line_id": "1", "reason": "类型不对的编号"}).status_code == 422
    assert Objection.objects.count() == 1


def test_objections_are_rate_limited_per_address(client, world, settings):
    settings.RATE_LIMITS = {"points:api:objection": (2, 600)}
    url = f"{BASE}/public/notices/{world['open_notice'].token}/objections/"
    line = world["open_notice"].lines.order_by("id").last().pk
    assert post(client, url, {"line_id": line, "reason": "第一次提出异议"}).status_code == 201
    assert post(client, url, {"line_id": line, "reason": "第二次提出异议"}).status_code == 201
    refused = post(client, url, {"line_id": line, "reason": "第三次提出异议"})
    assert refused.status_code == 429 and "提交过于频繁" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0
    other = post(client, url, {"line_id": line, "reason": "换一个地址再提"}, environ={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 201


def test_public_today_needs_no_login(client):
    body = client.get(f"{BASE}/public/today/").json()
    assert body["today"] == today().isoformat() and body["timezone"] == "Asia/Shanghai"


# --- the ledger -----------------------------------------------------------------------------


def test_entries_by_household_and_village(world, as_insider, as_outsider, people):
    by_household = as_insider.get(f"{BASE}/entries/", {"household_id": world["household"].pk}).json()["items"]
    assert len(by_household) == 2 and {e["household_number"] for e in by_household} == {"SQ-0001"}
    by_village = as_insider.get(f"{BASE}/entries/", {"village": VILLAGE}).json()["items"]
    assert [e["seq"] for e in by_village] == [2, 1]
    assert by_village[1]["prev_hash"] == "0" * 64 and by_village[0]["prev_hash"] == by_village[1]["hash"]
    outside_household = people["单国强"].household
    assert as_insider.get(f"{BASE}/entries/", {"household_id": outside_household.pk}).status_code == 404
    assert as_outsider.get(f"{BASE}/entries/", {"household_id": outside_household.pk}).json()["items"] == []


def test_entry_origin_shows_rule_version_recorder_reviewers_notice_and_objections(world, as_cashier):
    body = as_cashier.get(f"{BASE}/entries/{world['entry'].pk}/origin/").json()
    assert body["entry"]["id"] == world["entry"].pk and body["entry"]["kind_label"] == "加分"
    assert body["rule_version"]["title"] == "人居环境整治义务劳动" and body["rule_version"]["version"] == 1
    assert body["claim"]["recorder"] == "insider"
    assert [d["reviewer"] for d in body["decisions"]] == ["reader", "committee", "secretary"]
    assert body["notice"]["token"] == world["posted"].token and body["notice"]["chain"]["seq"] == 2
    assert body["objections"] == [] and body["reverses"] is None and body["reversed_by"] is None


def test_origin_of_a_reversal_and_of_what_it_reversed(world, secretary, as_secretary):
    reversal = ledger_services.reverse_entry(actor=actor(secretary), entry=world["entry"], reason="重复记分")
    original = as_secretary.get(f"{BASE}/entries/{world['entry'].pk}/origin/").json()
    assert original["reversed_by"]["id"] == reversal.pk
    body = as_secretary.get(f"{BASE}/entries/{reversal.pk}/origin/").json()
    assert body["entry"]["reason"] == "重复记分" and body["reverses"]["id"] == world["entry"].pk
    assert body["claim"] is None and body["notice"] is None and body["decisions"] == []


# --- the whole path through the API ---------------------------------------------------------------


def test_record_review_notice_post_and_check_end_to_end(client, insider, reader, committee, secretary, rules, people,
                                                       system_actor):
    as_insider, as_reader = client_for(insider), client_for(reader)
    as_committee, as_secretary = client_for(committee), client_for(secretary)
    recorded = post(as_insider, f"{BASE}/claims/", claim_body(rules, people, names=("乌云毕力格", "张秀兰"),
                                                              note="清理村道垃圾"), key=key())
    assert recorded.status_code == 201
    ids = [c["id"] for c in recorded.json()["claims"]]
    for who in (as_reader, as_committee):
        assert post(who, f"{BASE}/reviews/", {"claim_ids": ids, "approve": True}, key=key()).status_code == 200
    last = post(as_secretary, f"{BASE}/reviews/", {"claim_ids": ids, "approve": True}, key=key())
    [notice_ref] = last.json()["notices"]
    assert {c["status"] for c in last.json()["claims"]} == {"on_notice"}
    public = client.get(f"{BASE}/public/notices/{notice_ref['token']}/").json()
    assert len(public["lines"]) == 2 and public["status"] == "open"
    notice = Notice.objects.get(pk=notice_ref["id"])
    assert claims_services.post_due_notices(actor=system_actor, now=notice.closes_at)["posted"] == 1
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.POSTED
    assert Claim.objects.filter(pk__in=ids, status=ClaimStatus.POSTED).count() == 2
    entries = as_insider.get(f"{BASE}/entries/", {"village": VILLAGE}).json()["items"]
    assert sorted(e["claim_id"] for e in entries) == sorted(ids)
    public = client.get(f"{BASE}/public/notices/{notice.token}/").json()
    assert public["chain"]["hash"] == entries[0]["hash"] and public["chain"]["seq"] == 2
    assert claims_selectors.verify_notice(notice)["ok"]


# --- lists cost a fixed number of queries, whatever their length -----------------------------------


@pytest.mark.parametrize("url", ["/claims/", "/notices/", "/objections/", "/entries/", "/rules/",
                                 "/claims/?to_review=true"])
def test_lists_do_not_query_per_row(world, insider, reader, committee, secretary, rules, people, system_actor, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    as_reader = client_for(reader)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_reader.get(BASE + url).status_code == 200
        return len(captured)

    few = queries()
    objected = approve_all(record(insider, rules, people), reader, committee, secretary)
    claims_services.raise_objection(actor=system_actor, line=objected.lines.first(), reason="再提一条异议")
    posted = approve_all(record(insider, rules, people), reader, committee, secretary)
    claims_services.post_notice(actor=system_actor, notice=posted, now=posted.closes_at)
    record(insider, rules, people, names=("乌云毕力格", "张秀兰"))
    assert queries() == few


# --- the same deed twice; withdrawal and resubmission (issue #10, item 5) ---------------------------------


def test_recording_the_same_deed_again_is_409_naming_the_person_unless_allowed(world, as_insider, rules, people):
    before = Claim.objects.count()
    existing = world["claim"]  # 乌云毕力格, A01, today, in review
    body = claim_body(rules, people)
    response = post(as_insider, f"{BASE}/claims/", body, key="dup-1")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith("乌云毕力格：同一天同一项目已有申报") and '"allow_duplicate": true' in detail
    assert f"（申报 {existing.pk}，审核中" in detail
    found = {d["id"]: d for d in response.json()["duplicates"]}
    assert existing.pk in found and found[existing.pk]["person"]["name"] == "乌云毕力格"
    assert found[existing.pk]["rule_code"] == "A01" and found[existing.pk]["deed_date"] == today().isoformat()
    assert Claim.objects.count() == before and not IdempotencyKey.objects.filter(key="dup-1").exists()
    response = post(as_insider, f"{BASE}/claims/", {**body, "allow_duplicate": True}, key="dup-1")
    assert response.status_code == 201 and Claim.objects.count() == before + 1
    [claim] = response.json()["claims"]
    assert existing.pk in [d["id"] for d in claim["possible_duplicates"]]
    strict = post(as_insider, f"{BASE}/claims/", {**body, "allow_duplicate": "yes"}, key=key())
    assert strict.status_code == 422 and field_named(strict, "allow_duplicate")


def test_the_reviewers_list_flags_possible_duplicates(world, as_insider, as_reader, rules, people):
    body = {**claim_body(rules, people), "allow_duplicate": True}
    new_id = post(as_insider, f"{BASE}/claims/", body, key=key()).json()["claims"][0]["id"]
    items = {c["id"]: c for c in as_reader.get(f"{BASE}/claims/", {"to_review": "true"}).json()["items"]}
    assert world["claim"].pk in [d["id"] for d in items[new_id]["possible_duplicates"]]
    assert new_id in [d["id"] for d in items[world["claim"].pk]["possible_duplicates"]]
    detail = as_reader.get(f"{BASE}/claims/{new_id}/").json()
    assert world["claim"].pk in [d["id"] for d in detail["possible_duplicates"]]


def test_withdraw_recorder_read_only_outsider_and_again(world, as_insider, as_cashier, as_reader, as_outsider):
    from grassroots.audit.models import AuditEntry

    pk = world["claim"].pk
    url = f"{BASE}/claims/{pk}/withdraw/"
    assert post(as_cashier, url, {}).status_code == 403
    assert post(as_reader, url, {}).status_code == 403
    assert post(as_outsider, url, {}).json() == {"detail": "未找到"}
    assert post(as_outsider, url, {}).status_code == 404
    assert Claim.objects.get(pk=pk).status == ClaimStatus.IN_REVIEW
    response = post(as_insider, url, {})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert response.json()["status_label"] == "记录人已撤回"
    again = post(as_insider, url, {})
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    assert AuditEntry.objects.filter(action="points.claim.withdraw", object_id=str(pk)).count() == 1
    queue = as_reader.get(f"{BASE}/claims/", {"to_review": "true"}).json()["items"]
    assert pk not in [c["id"] for c in queue]


def test_withdraw_refuses_a_claim_on_its_notice(world, as_insider):
    claim = world["open_notice"].lines.order_by("id").first().claim
    response = post(as_insider, f"{BASE}/claims/{claim.pk}/withdraw/", {})
    assert response.status_code == 422 and f"{claim.person.name}的申报已审核通过、正在公示，不能撤回" in response.json()["detail"]


@pytest.fixture
def sent_back(world, reader):
    claim = world["claim"]
    claims_services.review_claims(actor=actor(reader), claim_ids=[claim.pk], approve=False, reasons={claim.pk: "数量不对"})
    return claim


def test_resubmit_recorder_read_only_outsider_and_once(sent_back, as_insider, as_cashier, as_reader, as_outsider):
    url = f"{BASE}/claims/{sent_back.pk}/resubmit/"
    body = {"quantity": 2, "note": "补了签到表", "allow_duplicate": True}  # world has other A01 claims today
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
    assert replay.status_code == 201 and replay.json()["id"] == new["id"]
    assert replay["Idempotent-Replayed"] == "true"
    twice = post(as_insider, url, body, key=key())
    assert twice.status_code == 422 and "该申报已重新提交过" in twice.json()["detail"]
    assert Claim.objects.filter(resubmits=sent_back).count() == 1


def test_resubmit_of_a_deed_recorded_again_is_409_unless_allowed(sent_back, as_insider):
    url = f"{BASE}/claims/{sent_back.pk}/resubmit/"
    response = post(as_insider, url, {}, key=key())  # world recorded 乌云毕力格's A01 today again since
    assert response.status_code == 409 and response.json()["detail"].startswith("乌云毕力格：")
    assert not Claim.objects.filter(resubmits=sent_back).exists()
    assert post(as_insider, url, {"quantity": 0}, key=key()).status_code == 422


def test_the_schema_documents_allow_duplicate_withdraw_and_resubmit(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "/api/points/claims/{claim_id}/withdraw/" in paths and "/api/points/claims/{claim_id}/resubmit/" in paths
    assert "409" in paths["/api/points/claims/"]["post"]["responses"]
    claim_in = schema["components"]["schemas"]["ClaimIn"]["properties"]["allow_duplicate"]
    assert "409" in claim_in["description"] and claim_in["default"] is False
