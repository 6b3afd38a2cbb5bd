"""The pairs routes of /api/pairing: the register (paged, as of a day, each pair with its window's status), one
pair, setting one up (Idempotency-Key required) and ending one; 404 to strangers, 403 to those who only look."""

import json
from datetime import UTC, date, datetime

from grassroots.pairing.models import Pair, Visit
from grassroots.rules import pairing as rules

VILLAGE = "150426100223"


def post(client, url, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def test_the_register_is_paged_scoped_and_says_each_window(pairing_world, as_secretary, as_reader, as_outsider,
                                                           as_cadre, as_insider):
    Visit.objects.create(pair=pairing_world.pair, visited_at=datetime(2026, 6, 3, 2, tzinfo=UTC),
                         visited_on=date(2026, 6, 3), path=pairing_world.pair.path)
    first = as_secretary.get("/api/pairing/pairs/", {"day": "2026-06-25", "limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = as_secretary.get("/api/pairing/pairs/", {"day": "2026-06-25", "limit": 2,
                                                    "cursor": first["next_cursor"]}).json()
    assert rest["next_cursor"] is None
    by_id = {p["id"]: p for p in first["items"] + rest["items"]}
    assert set(by_id) == {pairing_world.pair.pk, pairing_world.other_pair.pk, pairing_world.unit_pair.pk}
    mine = by_id[pairing_world.pair.pk]
    assert mine["status"] == rules.DONE and mine["window"]["visited_on"] == "2026-06-03"
    assert mine["visitor"] == {"type": "user", "id": pairing_world.cadre.pk, "name": "于财"}
    assert by_id[pairing_world.other_pair.pk]["status"] == rules.DUE
    kind = as_reader.get("/api/pairing/pairs/", {"kind": rules.UNIT_AREA, "day": "2026-06-25"}).json()["items"]
    assert [p["id"] for p in kind] == [pairing_world.unit_pair.pk]
    assert as_secretary.get("/api/pairing/pairs/", {"day": "2025-12-31"}).json()["items"] == []
    assert as_secretary.get("/api/pairing/pairs/", {"kind": "nonsense"}).status_code == 422
    assert as_outsider.get("/api/pairing/pairs/", {"area_code": VILLAGE}).status_code == 404
    assert as_outsider.get("/api/pairing/pairs/").json()["items"] == []
    assert as_cadre.get("/api/pairing/pairs/").status_code == 404
    assert as_insider.get("/api/pairing/pairs/").status_code == 404


def test_one_pair(pairing_world, as_secretary, as_reader, as_outsider, as_cadre):
    url = f"/api/pairing/pairs/{pairing_world.pair.pk}/"
    body = as_secretary.get(url, {"day": "2026-06-15"}).json()
    assert body["kind_label"] == "干部包联户" and body["target"]["name"].endswith("SQ-0001")
    assert body["status"] == rules.OPEN and body["window"]["label"] == "2026年6月"
    assert as_reader.get(url).status_code == 200
    assert as_cadre.get(url).status_code == 200  # their own pair
    assert as_cadre.get(f"/api/pairing/pairs/{pairing_world.other_pair.pk}/").status_code == 404
    assert as_outsider.get(url).status_code == 404


def test_setting_up_takes_a_key_and_runs_once(pairing_world, as_secretary, as_reader, as_outsider, homes):
    body = {"kind": rules.CADRE_HOUSEHOLD, "visitor": "yucai", "target": "赛沁塔拉嘎查/SQ-0002",
            "started_on": "2026-03-01", "purpose": "政策宣讲"}
    assert post(as_secretary, "/api/pairing/pairs/", body).status_code == 422  # no key
    made = post(as_secretary, "/api/pairing/pairs/", body, key="k-1")
    assert made.status_code == 201 and made.json()["purpose"] == "政策宣讲"
    again = post(as_secretary, "/api/pairing/pairs/", body, key="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Pair.objects.filter(household=homes["SQ-0002"]).count() == 1
    bad = post(as_secretary, "/api/pairing/pairs/", {**body, "visitor": "nobody"}, key="k-2")
    assert bad.status_code == 422 and "nobody" in bad.content.decode()
    assert post(as_reader, "/api/pairing/pairs/", {**body, "target": "SQ-0003"}, key="k-3").status_code == 403
    refused = post(as_outsider, "/api/pairing/pairs/", {**body, "target": "SQ-0003"}, key="k-4")
    assert refused.status_code == 422  # SQ-0003 is not in their village: not found there
    assert not Pair.objects.filter(household=homes["SQ-0003"]).exists()


def test_ending_a_pair(pairing_world, as_secretary, as_reader, as_outsider, as_cadre):
    url = f"/api/pairing/pairs/{pairing_world.pair.pk}/end/"
    body = {"ended_on": "2026-06-01", "reason": "干部调动"}
    assert post(as_reader, url, body).status_code == 403
    assert post(as_outsider, url, body).status_code == 404
    assert post(as_cadre, url, body).status_code == 404
    assert post(as_secretary, url, {**body, "ended_on": "2025-06-01"}).status_code == 422
    ended = post(as_secretary, url, body)
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2026-06-01"
    again = post(as_secretary, url, body)  # already ended: the state refuses it
    assert again.status_code == 409 and again.json()["code"] == "conflict" and "已于 2026-06-01 结束" in again.json()["detail"]
