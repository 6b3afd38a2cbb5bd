"""The points API's access rules: anonymous callers get 401 on every staff route; insider, read-only member and
outsider on each read and write."""

import json
from datetime import timedelta

import pytest

from grassroots.claims.models import (
    Claim,
    Objection,
    ObjectionStatus,
    ReviewDecision,
)
from grassroots.core.models import IdempotencyKey
from grassroots.ledger import selectors as ledger_selectors
from grassroots.ledger.models import LedgerEntry
from grassroots.points.api_testing import BASE, VILLAGE, claim_body, key, photo, post, today

NOT_FOUND = {"code": "not_found", "detail": "未找到", "errors": {}}

# --- anonymous: 401 on every staff route ----------------------------------------------------------

STAFF_ROUTES = [
    ("get", "/rules/"),
    ("get", "/rules/{rule}/"),
    ("get", "/villages/{village}/catalogue/"),
    ("post", "/claims/"),
    ("post", "/claims/with-photo/"),
    ("get", "/claims/"),
    ("get", "/claims/{claim}/"),
    ("post", "/reviews/"),
    ("get", "/notices/"),
    ("get", "/notices/{notice}/"),
    ("get", "/objections/"),
    ("post", "/objections/{objection}/decision/"),
    ("get", "/objections/"),
    ("get", "/entries/"),
    ("get", "/entries/{entry}/origin/"),
    ("post", "/entries/{entry}/reversal/"),
    ("post", "/claims/{claim}/withdraw/"),
    ("post", "/claims/{claim}/resubmit/"),
]


def _url(template, points_world):
    return BASE + template.format(rule=points_world["rule"].pk, claim=points_world["claim"].pk, notice=points_world["open_notice"].pk,
                                  objection=points_world["objection"].pk, entry=points_world["entry"].pk,
                                  household=points_world["household"].pk, village=VILLAGE)


@pytest.mark.parametrize(("method", "url"), STAFF_ROUTES)
def test_anonymous_gets_401_on_every_staff_route(client, points_world, method, url):
    kwargs = {"content_type": "application/json", "data": "{}", "headers": {"Idempotency-Key": "k"}} \
        if method == "post" else {}
    response = getattr(client, method)(_url(url, points_world), **kwargs)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated" and response.json()["detail"]
    assert response.json()["errors"] == {} and response["WWW-Authenticate"].startswith("Bearer")


# --- reads: insider and read-only member see, the outsider gets 404 ----------------------------------

READS = [
    "/rules/?area_code={village}",
    "/rules/{rule}/",
    "/villages/{village}/catalogue/",
    "/claims/{claim}/",
    "/notices/{notice}/",
    "/entries/?household_id={household}",
    "/entries/?area_code={village}",
    "/entries/{entry}/origin/",
    "/claims/?area_code={village}",
    "/notices/?area_code={village}",
]


@pytest.mark.parametrize("url", READS)
def test_reads_insider_and_read_only_see_outsider_gets_404(points_world, as_insider, as_cashier, as_outsider, url):
    url = _url(url, points_world)
    assert as_insider.get(url).status_code == 200, as_insider.get(url).content
    assert as_cashier.get(url).status_code == 200
    outside = as_outsider.get(url)
    assert outside.status_code == 404
    assert outside.json() == NOT_FOUND


@pytest.mark.parametrize("url", ["/claims/", "/notices/", "/objections/", "/entries/"])
def test_lists_hold_only_what_the_caller_may_see(points_world, as_insider, as_cashier, as_outsider, url):
    assert as_insider.get(BASE + url).json()["items"]
    assert as_cashier.get(BASE + url).json()["items"]
    outside = as_outsider.get(BASE + url)
    assert outside.status_code == 200 and outside.json() == {"items": [], "next_cursor": None}


def test_missing_and_foreign_look_the_same(points_world, as_outsider):
    assert as_outsider.get(f"{BASE}/claims/{points_world['claim'].pk}/").json() == \
        as_outsider.get(f"{BASE}/claims/999999/").json()


# --- writes: insider writes, read-only member 403, outsider 404, nothing written ---------------------


def test_record_claims_insider_cashier_outsider(points_world, as_insider, as_cashier, as_outsider, rules, people):
    before = Claim.objects.count()
    body = claim_body(rules, people, deed_date=(today() - timedelta(days=1)).isoformat())  # points_world has today's
    assert post(as_cashier, f"{BASE}/claims/", body, key=key()).status_code == 403
    assert post(as_outsider, f"{BASE}/claims/", body, key=key()).status_code == 404
    assert Claim.objects.count() == before and not IdempotencyKey.objects.exists()
    response = post(as_insider, f"{BASE}/claims/", body, key=key())
    assert response.status_code == 201, response.content
    assert Claim.objects.count() == before + 1


def test_record_with_photo_insider_cashier_outsider(points_world, as_insider, as_cashier, as_outsider, rules, people):
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


def test_reviews_reviewer_cashier_outsider_grid_worker(points_world, as_reader, as_cashier, as_outsider, as_insider):
    body = {"claim_ids": [points_world["claim"].pk], "approve": True}
    decisions = ReviewDecision.objects.count()
    assert post(as_cashier, f"{BASE}/reviews/", body, key=key()).status_code == 403
    assert post(as_insider, f"{BASE}/reviews/", body, key=key()).status_code == 403  # a recorder, not a reviewer
    assert post(as_outsider, f"{BASE}/reviews/", body, key=key()).status_code == 404
    assert ReviewDecision.objects.count() == decisions
    response = post(as_reader, f"{BASE}/reviews/", body, key=key())
    assert response.status_code == 201, response.content
    assert response.json()["claims"] == [{"id": points_world["claim"].pk, "status": "in_review", "status_label": "审核中",
                                          "stage": 1, "stage_name": "“两委”联席复审"}]


def test_decision_committee_cashier_outsider(points_world, as_committee, as_cashier, as_outsider):
    url = f"{BASE}/objections/{points_world['objection'].pk}/decision/"
    body = {"uphold": False, "reason": "有签到表为证"}
    refused = post(as_cashier, url, body, key=key())
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert post(as_outsider, url, body, key=key()).json() == NOT_FOUND
    assert post(as_committee, url, body).status_code == 422  # no Idempotency-Key
    assert Objection.objects.get().status == ObjectionStatus.OPEN
    first_key = key()
    response = post(as_committee, url, body, key=first_key)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "dismissed" and response.json()["decided_by"] == "committee"
    replay = post(as_committee, url, body, key=first_key)
    assert (replay.status_code, replay.content, replay["Idempotent-Replayed"]) == (201, response.content, "true")
    again = post(as_committee, url, body, key=key())
    assert again.status_code == 409 and again.json() == {
        "code": "conflict", "detail": "该异议已有复议结论", "errors": {"objection": ["该异议已有复议结论"]}}


def test_reversal_secretary_cashier_outsider(points_world, as_secretary, as_cashier, as_outsider):
    url = f"{BASE}/entries/{points_world['entry'].pk}/reversal/"
    count = LedgerEntry.objects.count()
    assert post(as_cashier, url, {"reason": "重复记分"}, key=key()).status_code == 403
    assert post(as_outsider, url, {"reason": "重复记分"}, key=key()).status_code == 404
    assert LedgerEntry.objects.count() == count
    response = post(as_secretary, url, {"reason": "重复记分"}, key=key())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "reversal" and body["points"] == -10 and body["reverses_id"] == points_world["entry"].pk
    assert body["prev_hash"] == LedgerEntry.objects.get(seq=body["seq"] - 1, village=points_world["entry"].village).hash
    assert ledger_selectors.first_broken_entry(points_world["entry"].village_id) is None
    again = post(as_secretary, url, {"reason": "重复记分"}, key=key())  # a new request, not a retry: refused
    assert again.status_code == 409 and again.json()["code"] == "conflict" and "已冲正" in again.json()["detail"]


def test_reversal_with_the_same_key_answers_the_first_result(points_world, as_secretary):
    url = f"{BASE}/entries/{points_world['entry'].pk}/reversal/"
    k = key()
    first, second = post(as_secretary, url, {"reason": "重复记分"}, key=k), post(as_secretary, url, {"reason": "重复记分"}, key=k)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert LedgerEntry.objects.filter(reverses=points_world["entry"]).count() == 1
