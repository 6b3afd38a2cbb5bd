"""The visits API (/api/pairing): logging a visit with a required Idempotency-Key (a retried upload files no second
visit nor demand), the lists and one visit, the problems with their demands' states — scoped like the pages."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from grassroots.audit.context import Actor
from grassroots.core.testing import client_for
from grassroots.demands import services as demands
from grassroots.demands.models import Category, Demand
from grassroots.pairing.models import Problem, Visit
from grassroots.pairing.services import log_visit


def post(client, body, key="api-visit-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/pairing/visits/", json.dumps(body), content_type="application/json", headers=headers)


def body(pair, **extra) -> dict:
    return {"pair_id": pair.pk, "kind": "phone", "visited_at": (timezone.localtime() - timedelta(hours=1)).isoformat(),
            "notes": "电话询问春播准备", "helps": [{"kind": "policy", "detail": "讲解种粮补贴", "amount_fen": 0}],
            "problems": [{"text": "缺玉米种子", "category_code": "seeds", "urgent": True}], **extra}


def test_a_visit_logged_twice_with_one_key_files_once(pairing_world, as_cadre):
    sent = body(pairing_world.pair)
    first = post(as_cadre, sent)
    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["kind_label"] == "电话联系" and answer["helps"][0]["detail"] == "讲解种粮补贴"
    [problem] = answer["problems"]
    assert problem["demand"]["lead_unit_name"] == "旗农牧局" and problem["demand"]["status_label"] == "已受理"
    again = post(as_cadre, sent)  # the phone retried: the same key, the same body
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == answer
    assert Visit.objects.count() == 1 and Demand.objects.count() == 1
    assert Demand.objects.get().channel == Demand.Channel.PAIRING_CADRE
    other = post(as_cadre, {**sent, "notes": "另一次"})  # same key, another body
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["errors"]
    missing = post(as_cadre, sent, key="")
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["errors"]
    assert Visit.objects.count() == 1 and Demand.objects.count() == 1


def test_bad_input_names_the_field_and_saves_nothing(pairing_world, as_cadre):
    bad = post(as_cadre, body(pairing_world.pair, problems=[{"text": "缺种子", "category_code": "nope"}]), key="b1")
    assert bad.status_code == 422 and "第1个问题：分类代码“nope”不存在" in bad.json()["detail"]
    early = post(as_cadre, body(pairing_world.pair, visited_at="2025-12-31T10:00:00+08:00"), key="b2")
    assert early.status_code == 422 and "visited_at" in early.json()["errors"]
    garbled = post(as_cadre, body(pairing_world.pair, visited_at="昨天"), key="b3")
    assert garbled.status_code == 422 and "走访时间格式不正确" in garbled.json()["detail"]
    assert not Visit.objects.exists() and not Demand.objects.exists()


def test_who_may_log_through_the_api(pairing_world, secretary, reader, outsider, insider):
    pair, unit_pair = pairing_world.pair, pairing_world.unit_pair
    cases = [(pairing_world.cadre, pair, 201), (pairing_world.cadre, pairing_world.other_pair, 404),
             (pairing_world.unit_staff, unit_pair, 201), (pairing_world.unit_staff, pair, 404),
             (secretary, pair, 201), (reader, pair, 403), (outsider, pair, 404), (insider, pair, 404)]
    for n, (user, target, status) in enumerate(cases):
        response = post(client_for(user), body(target, problems=[]), key=f"who-{n}")
        assert response.status_code == status, (user.username, response.content)
        assert ("id" if status == 201 else "detail") in response.json()
    assert Client().post("/api/pairing/visits/", json.dumps(body(pair)), content_type="application/json",
                         headers={"Idempotency-Key": "anon"}).status_code == 401
    assert Visit.objects.count() == 3


@pytest.fixture
def visits(pairing_world, handler):
    cadre = Actor(user=pairing_world.cadre, name="yucai")
    seeds = Category.objects.get(code="seeds")
    mine = log_visit(actor=cadre, pair=pairing_world.pair, visited_at=timezone.now() - timedelta(days=3),
                     problems=[{"text": "缺玉米种子", "category": seeds}])
    newer = log_visit(actor=cadre, pair=pairing_world.pair, visited_at=timezone.now() - timedelta(days=1),
                      problems=[{"text": "缺化肥", "category": seeds}])
    theirs = log_visit(actor=Actor(user=pairing_world.other_cadre, name="yuhai"), pair=pairing_world.other_pair,
                       visited_at=timezone.now() - timedelta(days=2))
    demands.handle(actor=Actor(user=handler, name="nmj"), demand=mine.problems.get().demand,
                   action=demands.Action.RESOLVE, note="已送到")
    return {"mine": mine, "newer": newer, "theirs": theirs}


def test_lists_are_scoped(pairing_world, visits, as_cadre, secretary, reader, outsider, insider):
    ids = [v["id"] for v in as_cadre.get("/api/pairing/visits/").json()["items"]]
    assert ids == [visits["newer"].pk, visits["mine"].pk]  # newest first, not 于海's
    for overseer in (secretary, reader):  # the village's leaders read every visit of the village
        client = client_for(overseer)
        assert len(client.get("/api/pairing/visits/").json()["items"]) == 3
        assert client.get(f"/api/pairing/visits/{visits['mine'].pk}/").status_code == 200
        assert len(client.get("/api/pairing/problems/").json()["items"]) == 2
    unit = client_for(pairing_world.unit_staff)
    unit_visit = log_visit(actor=Actor(user=pairing_world.unit_staff, name="wdnyzx"), pair=pairing_world.unit_pair,
                           visited_at=timezone.now() - timedelta(hours=5))
    assert [v["id"] for v in unit.get("/api/pairing/visits/").json()["items"]] == [unit_visit.pk]
    assert unit.get(f"/api/pairing/visits/{unit_visit.pk}/").status_code == 200
    assert unit.get(f"/api/pairing/visits/{visits['mine'].pk}/").status_code == 404
    assert unit.get("/api/pairing/problems/").json()["items"] == []
    for stranger in (outsider, insider):
        assert client_for(stranger).get("/api/pairing/visits/").json()["items"] == []
        assert client_for(stranger).get(f"/api/pairing/visits/{visits['mine'].pk}/").status_code == 404
        assert client_for(stranger).get("/api/pairing/problems/").json()["items"] == []
    assert as_cadre.get(f"/api/pairing/visits/{visits['theirs'].pk}/").status_code == 404
    one = as_cadre.get(f"/api/pairing/visits/{visits['mine'].pk}/").json()
    assert one["problems"][0]["demand"]["status_label"] == "已办结待评价"
    since = (timezone.localdate() - timedelta(days=2)).isoformat()
    assert [v["id"] for v in as_cadre.get(f"/api/pairing/visits/?since={since}").json()["items"]] == [visits["newer"].pk]
    assert as_cadre.get(f"/api/pairing/visits/?pair_id={pairing_world.other_pair.pk}").json()["items"] == []


def test_problems_with_their_demands_state(pairing_world, visits, as_cadre, secretary):
    problems = as_cadre.get("/api/pairing/problems/").json()["items"]
    assert [p["text"] for p in problems] == ["缺化肥", "缺玉米种子"]
    assert all(p["demand"]["tracking_code"] for p in problems)
    solved = as_cadre.get("/api/pairing/problems/?status=resolved").json()["items"]
    assert [p["demand"]["status_label"] for p in solved] == ["已办结待评价"]
    assert Problem.objects.count() == 2
    assert len(client_for(secretary).get("/api/pairing/problems/?area_code=150426100223").json()["items"]) == 2
    assert as_cadre.get("/api/pairing/problems/?area_code=nowhere").status_code == 404
