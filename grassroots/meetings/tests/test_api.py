"""/api/party meetings routes: scoped lists and detail, the idempotent create with attendance (a stranger refused
by name, nothing written), and the compliance figures."""

import json
from datetime import date

import pytest

from grassroots.meetings.models import Meeting
from grassroots.meetings.testing import record

pytestmark = pytest.mark.django_db

BASE = "/api/party"


def post(client, body, key="key-1"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(f"{BASE}/meetings/", json.dumps(body), content_type="application/json", headers=headers)


def body(world, **extra):
    return {"organisation_id": world.saiqin.pk, "kind": "theme_day", "held_on": "2026-04-10", "place": "嘎查党群服务中心",
            "topic": "重温入党誓词",
            "attendance": [{"member_id": world.members["乌云毕力格"].pk, "status": "present"},
                           {"member_id": world.members["巴特尔"].pk, "status": "absent"}], **extra}


@pytest.fixture
def meeting(party_world, system_actor):
    return record(system_actor, party_world, held_on=date(2026, 4, 10), today=date(2026, 4, 10))


def test_create_once_per_key_with_attendance(party_world, as_secretary):
    first = post(as_secretary, body(party_world))
    assert first.status_code == 201, first.content
    again = post(as_secretary, body(party_world))
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Meeting.objects.count() == 1
    answer = first.json()
    assert {(a["name"], a["status"]) for a in answer["attendance"]} == {("乌云毕力格", "present"), ("巴特尔", "absent")}
    assert answer["present"] == 1 and answer["absent"] == 1
    missing = post(as_secretary, body(party_world, held_on="2026-04-11"), key=None)
    assert missing.status_code == 422 and Meeting.objects.count() == 1


def test_a_stranger_in_the_attendance_is_named_and_nothing_written(party_world, as_secretary):
    stranger = {"member_id": party_world.members["高志远"].pk, "status": "present"}
    response = post(as_secretary, body(party_world, attendance=[*body(party_world)["attendance"], stranger]))
    assert response.status_code == 422
    assert "高志远" in json.dumps(response.json(), ensure_ascii=False)
    assert not Meeting.objects.exists()


def test_who_may_create(party_world, as_reader, as_outsider, as_insider, client):
    assert post(as_reader, body(party_world)).status_code == 403
    assert post(as_outsider, body(party_world)).status_code == 404
    assert post(as_insider, body(party_world)).status_code == 404
    assert post(client, body(party_world)).status_code == 401
    assert not Meeting.objects.exists()


def test_list_and_detail_are_scoped(meeting, as_secretary, as_reader, as_outsider, as_insider, client):
    for c in (as_secretary, as_reader):
        listed = c.get(f"{BASE}/meetings/", {"organisation_id": meeting.organisation_id}).json()
        assert [m["id"] for m in listed["items"]] == [meeting.pk] and listed["next_cursor"] is None
        assert len(c.get(f"{BASE}/meetings/{meeting.pk}/").json()["attendance"]) == 2
    assert as_outsider.get(f"{BASE}/meetings/").json()["items"] == []
    assert as_outsider.get(f"{BASE}/meetings/", {"organisation_id": meeting.organisation_id}).status_code == 404
    assert as_outsider.get(f"{BASE}/meetings/{meeting.pk}/").status_code == 404
    assert as_insider.get(f"{BASE}/meetings/{meeting.pk}/").status_code == 404
    assert as_insider.get(f"{BASE}/meetings/").json()["items"] == []
    assert client.get(f"{BASE}/meetings/{meeting.pk}/").status_code == 401


def test_list_pages(party_world, system_actor, as_secretary):
    for day in range(1, 4):
        record(system_actor, party_world, held_on=date(2026, 4, day), today=date(2026, 4, 10))
    first = as_secretary.get(f"{BASE}/meetings/", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = as_secretary.get(f"{BASE}/meetings/", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert as_secretary.get(f"{BASE}/meetings/", {"cursor": "!!"}).json()["errors"].keys() == {"cursor"}


def test_compliance(meeting, region, as_township_staff, as_insider, as_outsider):
    answer = as_township_staff.get(f"{BASE}/compliance/", {"area_code": region["乌丹镇"].code, "year": 2026,
                                                          "day": "2026-04-20"}).json()
    assert [(a["area"]["name"], a["held"]) for a in answer["areas"]] == [("赛沁塔拉嘎查", 1)]
    assert answer["area"] == {"code": region["乌丹镇"].code, "name": "乌丹镇"}
    branch = next(o for o in answer["organisations"] if o["organisation"]["code"] == "T-SQ")
    assembly = next(k for k in branch["kinds"] if k["kind"] == "branch_assembly")
    assert [p["status"] for p in assembly["periods"]] == ["overdue", "held", "upcoming", "upcoming"]
    assert as_township_staff.get(f"{BASE}/compliance/", {"area_code": region["广德公镇"].code}).status_code == 404
    assert as_insider.get(f"{BASE}/compliance/", {"area_code": region["乌丹镇"].code}).status_code == 404
    assert as_outsider.get(f"{BASE}/compliance/", {"area_code": region["乌丹镇"].code}).status_code == 404


def correct(client, url, payload, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(url, json.dumps(payload), content_type="application/json", headers=headers)


def test_minutes_are_added_below_what_is_there(meeting, as_secretary, as_reader, as_outsider, as_insider):
    url = f"{BASE}/meetings/{meeting.pk}/minutes/"
    assert correct(as_reader, url, {"minutes": "补记"}).json()["code"] == "forbidden"
    assert correct(as_outsider, url, {"minutes": "补记"}).json()["code"] == "not_found"
    assert correct(as_insider, url, {"minutes": "补记"}).status_code == 404
    empty = correct(as_secretary, url, {"minutes": ""})
    assert empty.status_code == 422 and "minutes" in empty.json()["errors"]
    before = Meeting.objects.get(pk=meeting.pk).minutes
    first = correct(as_secretary, url, {"minutes": "会后补记：全体党员观看警示教育片"}, key="m1")
    again = correct(as_secretary, url, {"minutes": "会后补记：全体党员观看警示教育片"}, key="m1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["minutes"].endswith("会后补记：全体党员观看警示教育片")
    assert first.json()["minutes"].startswith(before)
    assert Meeting.objects.get(pk=meeting.pk).minutes.count("会后补记") == 1


def test_attendance_is_corrected_and_strangers_refused(meeting, party_world, as_secretary, as_reader, as_outsider):
    url = f"{BASE}/meetings/{meeting.pk}/attendance/"
    batu = party_world.members["巴特尔"].pk
    change = {"attendance": [{"member_id": batu, "status": "excused"}]}
    assert correct(as_reader, url, change).status_code == 403
    assert correct(as_outsider, url, change).status_code == 404
    assert correct(as_secretary, url, {"attendance": []}).status_code == 422
    stranger = correct(as_secretary, url, {"attendance": [{"member_id": party_world.members["高志远"].pk,
                                                           "status": "present"}]})
    assert stranger.status_code == 422 and "高志远" in stranger.json()["detail"]
    first = correct(as_secretary, url, change, key="a1")
    assert first.status_code == 200, first.content
    assert {a["name"]: a["status"] for a in first.json()["attendance"]}["巴特尔"] == "excused"
    assert correct(as_secretary, url, change, key="a1").json() == first.json()
