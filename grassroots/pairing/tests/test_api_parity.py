"""The pairing API beside the pages (issue #18): handing out a village's households to cadres, the area's due
list, ending a pair with a key, and a help's money in fen. Each: the three actors (insider 2xx, read-only 403,
outsider 404), the one error body, the state refusals (409) and a replay equal to the first reply."""

import json
from datetime import timedelta

from django.utils import timezone

from grassroots.pairing.models import Help, Pair

API = "/api/pairing"
VILLAGE = "150426100223"


def post(client, path, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(API + path, json.dumps(body), content_type="application/json", headers=headers)


def error(response, status, code):
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code and body["detail"] and set(body) == {"code", "detail", "errors"}
    return body


def test_handing_out_households(pairing_world, as_secretary, as_reader, as_outsider, as_cadre, as_insider):
    body = {"area_code": VILLAGE, "cadre_ids": [pairing_world.cadre.pk], "per_cadre": 2, "started_on": "2026-03-01"}
    error(post(as_reader, "/assignments/", body, key="a1"), 403, "forbidden")
    for stranger in (as_outsider, as_cadre, as_insider):
        error(post(stranger, "/assignments/", body, key="a1"), 404, "not_found")
    keyless = error(post(as_secretary, "/assignments/", body), 422, "invalid")
    assert "Idempotency-Key" in keyless["errors"]
    nobody = error(post(as_secretary, "/assignments/", {**body, "cadre_ids": [999999]}, key="a0"), 422, "invalid")
    assert nobody["errors"] == {"cadre_ids": ["账号 999999 不在赛沁塔拉嘎查可选的包联干部中"]}
    made = post(as_secretary, "/assignments/", body, key="a1")
    assert made.status_code == 201, made.content
    answer = made.json()
    assert answer["made"] == 2 and answer["left"] == 1 and answer["area"] == {"code": VILLAGE, "name": "赛沁塔拉嘎查"}
    assert [h["number"] for h in answer["cadres"][0]["households"]] == ["SQ-0002", "SQ-0003"]
    replay = post(as_secretary, "/assignments/", body, key="a1")
    assert replay.status_code == 201 and replay.json() == answer and replay["Idempotent-Replayed"] == "true"
    assert Pair.objects.filter(visitor_user=pairing_world.cadre).count() == 3
    township = error(post(as_secretary, "/assignments/", {**body, "area_code": "150426100000"}, key="a2"), 404,
                     "not_found")  # 乌丹镇 is above the secretary's village
    assert township["errors"] == {}


def test_the_due_list_of_an_area(pairing_world, as_secretary, as_reader, as_outsider, as_cadre):
    day = "2026-06-25"
    mine = as_cadre.get(f"{API}/due/", {"day": day}).json()
    assert [d["pair_id"] for d in mine["due"]] == [pairing_world.pair.pk]
    village = as_secretary.get(f"{API}/due/", {"day": day, "area_code": VILLAGE}).json()
    assert {d["pair_id"] for d in village["due"]} >= {pairing_world.pair.pk, pairing_world.other_pair.pk}
    assert as_reader.get(f"{API}/due/", {"day": day, "area_code": VILLAGE}).status_code == 200
    error(as_outsider.get(f"{API}/due/", {"day": day, "area_code": VILLAGE}), 404, "not_found")
    error(as_cadre.get(f"{API}/due/", {"day": day, "area_code": VILLAGE}), 404, "not_found")


def test_ending_a_pair_replays_with_its_key_and_refuses_a_second_end(pairing_world, as_secretary):
    path = f"/pairs/{pairing_world.pair.pk}/end/"
    body = {"ended_on": "2026-06-01", "reason": "干部调动"}
    first = post(as_secretary, path, body, key="end-1")
    assert first.status_code == 200 and first.json()["end_reason"] == "干部调动"
    replay = post(as_secretary, path, body, key="end-1")
    assert replay.status_code == 200 and replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    again = error(post(as_secretary, path, body, key="end-2"), 409, "conflict")
    assert list(again["errors"]) == ["ended_on"]
    reused = error(post(as_secretary, path, {**body, "reason": "另一个原因"}, key="end-1"), 422, "invalid")
    assert "Idempotency-Key" in reused["errors"]


def test_a_help_is_sent_and_answered_in_fen(pairing_world, as_cadre):
    sent = {"pair_id": pairing_world.pair.pk, "kind": "home",
            "visited_at": (timezone.localtime() - timedelta(hours=2)).isoformat(),
            "helps": [{"kind": "funds", "detail": "慰问金", "amount_fen": 50050},
                      {"kind": "policy", "detail": "讲解医保政策"}]}
    made = post(as_cadre, "/visits/", sent, key="fen-1")
    assert made.status_code == 201, made.content
    assert [(h["amount_fen"], h["amount_text"]) for h in made.json()["helps"]] == [(50050, "500.50元"), (0, None)]
    assert str(Help.objects.get(detail="慰问金").amount) == "500.50"
    assert made.json()["visited_at"].endswith("+08:00")
    fractional = error(post(as_cadre, "/visits/", {**sent, "helps": [{"kind": "funds", "detail": "慰问金",
                                                                        "amount_fen": 12.5}]}, key="fen-2"),
                       422, "invalid")
    assert "helps" in fractional["errors"]
