"""The activities API (/api/volunteers, section B): activities scoped plus the public ones, a sign-up that a phone
retries with the same Idempotency-Key doing its work once, the waiting list moving up on a cancel, check-in and
check-out, my service, the hours queue and confirming hours; insider / read-only / outsider / leader / volunteer /
stranger / anonymous on every route."""

import json

import pytest
from freezegun import freeze_time

from grassroots.audit.context import Actor
from grassroots.core.testing import client_for
from grassroots.volunteers import services
from grassroots.volunteers.models import Activity, SignUp, Volunteer
from grassroots.volunteers.testing import local

BEFORE = local(2026, 6, 1, 12)
DURING = local(2026, 6, 10, 9, 5)
AFTER = local(2026, 6, 10, 12)
API = "/api/volunteers"


def post(client, path, body=None, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(API + path, json.dumps(body or {}), content_type="application/json", headers=headers)


def sign_up(client, activity, key="s1", **body):
    return post(client, f"/activities/{activity.pk}/signups/", body, key=key)


@pytest.fixture
def w(volunteer_world):
    return volunteer_world


@freeze_time(BEFORE)
def test_a_retried_sign_up_signs_up_once_and_answers_the_same(w, as_volunteer):
    first = sign_up(as_volunteer, w.activity, key="phone-1")
    again = sign_up(as_volunteer, w.activity, key="phone-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert first.json()["status"] == "signed" and first.json()["volunteer"]["name"] == "张秀兰"
    assert SignUp.objects.filter(volunteer=w.volunteer).count() == 1
    missing = sign_up(as_volunteer, w.activity, key=None)
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["errors"]
    second = sign_up(as_volunteer, w.activity, key="phone-2")  # a new tap: refused by the state, naming her
    assert second.status_code == 409 and second.json()["code"] == "conflict"
    assert "张秀兰已报名“走访独居老人”" in second.json()["detail"] and "volunteer" in second.json()["errors"]


@freeze_time(BEFORE)
def test_the_waiting_list_moves_up_when_a_place_is_given_up_through_the_api(w, as_volunteer, as_leader, as_stranger):
    mine = sign_up(as_volunteer, w.activity).json()
    sign_up(as_leader, w.activity)
    waiting = sign_up(as_stranger, w.activity).json()
    assert (waiting["status"], waiting["position"]) == ("waiting", 1)
    assert as_stranger.get(f"{API}/activities/{w.activity.pk}/").json()["places_left"] == 0

    cancelled = post(as_volunteer, f"/signups/{mine['id']}/cancel/", key="c1")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    replay = post(as_volunteer, f"/signups/{mine['id']}/cancel/", key="c1")
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == cancelled.json()
    twice = post(as_volunteer, f"/signups/{mine['id']}/cancel/", key="c2")
    assert twice.status_code == 409 and twice.json()["detail"] == "该报名已取消"

    theirs = as_stranger.get(f"{API}/activities/{w.activity.pk}/").json()["mine"]
    assert (theirs["status"], theirs["position"]) == ("signed", None)


@freeze_time(BEFORE)
def test_cancelling_is_one_route_and_keeps_the_sign_up(w, as_volunteer, as_stranger):
    mine = sign_up(as_volunteer, w.activity).json()
    assert post(as_stranger, f"/signups/{mine['id']}/cancel/").status_code == 404
    assert as_volunteer.delete(f"{API}/signups/{mine['id']}/").status_code == 404  # no DELETE: the sign-up stays
    assert post(as_volunteer, f"/signups/{mine['id']}/cancel/").json()["status"] == "cancelled"
    assert SignUp.objects.get(pk=mine["id"]).status == SignUp.Status.CANCELLED


@freeze_time(BEFORE)
def test_the_list_is_scoped_plus_public_and_names_show_only_on_the_roster(w, as_leader, as_reader, as_outsider,
                                                                          as_stranger, anonymous):
    services.sign_up(actor=services_actor(w.volunteer), activity=w.activity, volunteer=w.volunteer)
    private = services.create_activity(actor=services_actor(w.leader), team=w.team, title="内部培训", place="站里",
                                       starts_at=local(2026, 6, 12, 9), ends_at=local(2026, 6, 12, 10), slots=3,
                                       is_public=False)
    for client, titles in ((as_leader, ["走访独居老人", "内部培训"]), (as_reader, ["走访独居老人", "内部培训"]),
                           (as_outsider, ["走访独居老人"]), (as_stranger, ["走访独居老人"])):
        items = client.get(f"{API}/activities/").json()["items"]
        assert [i["title"] for i in items] == titles
        assert all(i["roster"] is None for i in items)
    assert anonymous.get(f"{API}/activities/").status_code == 401
    assert as_outsider.get(f"{API}/activities/{private.pk}/").status_code == 404
    assert as_outsider.get(f"{API}/activities/{w.activity.pk}/").json()["roster"] is None
    assert [r["volunteer"]["name"] for r in as_reader.get(f"{API}/activities/{w.activity.pk}/").json()["roster"]] == ["张秀兰"]
    assert as_stranger.get(f"{API}/activities/?when=past").json()["items"] == []


def services_actor(volunteer):
    return Actor(user=volunteer.user, name=volunteer.user.username)


def activity_body(team, **extra):
    return {"team_id": team.pk, "title": "清扫村道", "place": "村委会门口", "starts_at": "2026-06-20T08:00:00+08:00",
            "ends_at": "2026-06-20T10:00:00", "slots": 4, **extra}


@freeze_time(BEFORE)
def test_creating_an_activity_is_idempotent_and_for_the_leader_or_manage(w, as_leader, as_reader, as_outsider,
                                                                         as_volunteer, as_insider):
    first = post(as_leader, "/activities/", activity_body(w.team), key="a1")
    again = post(as_leader, "/activities/", activity_body(w.team), key="a1")
    assert first.status_code == 201 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert first.json()["ends_at"] == "2026-06-20T10:00:00.000+08:00"  # no zone: Beijing time
    assert post(as_reader, "/activities/", activity_body(w.team), key="a2").status_code == 403
    for client in (as_outsider, as_volunteer, as_insider):
        assert post(client, "/activities/", activity_body(w.team), key="a3").status_code == 404
    bad = post(as_leader, "/activities/", activity_body(w.team, ends_at="2026-06-20T07:00:00+08:00"), key="a4")
    assert bad.status_code == 422 and "结束时间须晚于开始时间" in bad.json()["errors"]["ends_at"][0]
    assert Activity.objects.filter(title="清扫村道").count() == 1


def test_check_in_and_out_through_the_api_then_the_leader_confirms(w):
    with freeze_time(BEFORE):
        mine = sign_up(client_for(w.volunteer.user), w.activity).json()
    with freeze_time(DURING):
        phone = client_for(w.volunteer.user)
        checked_in = post(phone, f"/signups/{mine['id']}/check-in/", key="in-1")
        assert checked_in.status_code == 200 and checked_in.json()["checked_in_at"] == "2026-06-10T09:05:00.000+08:00"
        retried = post(phone, f"/signups/{mine['id']}/check-in/", key="in-1")
        assert retried.status_code == 200 and retried["Idempotent-Replayed"] == "true"
        assert retried.json() == checked_in.json()
        keyless = post(phone, f"/signups/{mine['id']}/check-in/")
        assert keyless.status_code == 422 and "Idempotency-Key" in keyless.json()["errors"]
        again = post(phone, f"/signups/{mine['id']}/check-in/", key="in-2")  # a new tap: the state refuses it
        assert again.status_code == 409 and "张秀兰已于09:05签到" in again.json()["detail"]
        assert post(client_for(w.stranger.user), f"/signups/{mine['id']}/check-in/", key="in-3").status_code == 404
    with freeze_time(local(2026, 6, 10, 10, 35)):
        out = post(client_for(w.volunteer.user), f"/signups/{mine['id']}/check-out/", key="out-1")
        assert out.json()["minutes"] == 90 and out.json()["confirmed_minutes"] is None
    with freeze_time(AFTER):
        me = client_for(w.volunteer.user).get(f"{API}/signups/mine/").json()
        assert (me["confirmed_minutes"], me["pending_minutes"], me["stars"]) == (0, 90, 0)
        leader = client_for(w.leader.user)
        queue = leader.get(f"{API}/hours/pending/").json()
        assert queue["next_cursor"] is None
        assert [(g["volunteer"]["name"], [r["proposed_minutes"] for r in g["rows"]])
                for g in queue["items"]] == [("张秀兰", [90])]
        assert post(client_for(w.volunteer.user), "/hours/confirm/",
                    {"items": [{"signup_id": mine["id"], "minutes": 600}]}).status_code == 404
        done = post(leader, "/hours/confirm/", {"items": [{"signup_id": mine["id"], "minutes": 80}]}, key="h1")
        assert done.json() == {"signup_ids": [mine["id"]], "total_minutes": 80}
        replay = post(leader, "/hours/confirm/", {"items": [{"signup_id": mine["id"], "minutes": 80}]}, key="h1")
        assert replay["Idempotent-Replayed"] == "true" and replay.json() == done.json()
        twice = post(leader, "/hours/confirm/", {"items": [{"signup_id": mine["id"], "minutes": 80}]}, key="h2")
        assert twice.status_code == 409 and "已确认" in twice.json()["detail"]
        me = client_for(w.volunteer.user).get(f"{API}/signups/mine/").json()
    assert (me["confirmed_minutes"], me["pending_minutes"]) == (80, 0)
    assert Volunteer.objects.get(pk=w.volunteer.pk).confirmed_minutes == 80


def test_who_reaches_the_hours_routes(w, as_secretary, as_reader, as_insider, as_outsider, as_stranger, anonymous):
    signup = services.sign_up(actor=services_actor(w.volunteer), activity=w.activity, volunteer=w.volunteer, now=BEFORE)
    services.check_in(actor=services_actor(w.volunteer), signup=signup, now=DURING)
    with freeze_time(AFTER):
        assert [g["volunteer"]["name"] for g in as_secretary.get(f"{API}/hours/pending/").json()["items"]] == ["张秀兰"]
        assert as_reader.get(f"{API}/hours/pending/").status_code == 403
        assert as_insider.get(f"{API}/hours/pending/").status_code == 404  # a grid worker holds no volunteers.view
        assert as_outsider.get(f"{API}/hours/pending/").json()["items"] == []
        assert as_stranger.get(f"{API}/hours/pending/").status_code == 404
        assert anonymous.get(f"{API}/hours/pending/").status_code == 401
        body = {"items": [{"signup_id": signup.pk, "minutes": 60}]}
        assert post(as_reader, "/hours/confirm/", body).status_code == 403
        assert post(as_outsider, "/hours/confirm/", body).status_code == 404
        assert as_stranger.get(f"{API}/signups/mine/").json()["upcoming"] == []
        assert as_secretary.get(f"{API}/signups/mine/").status_code == 404  # not a volunteer
    assert SignUp.objects.get(pk=signup.pk).confirmed_minutes is None


@freeze_time(BEFORE)
def test_a_leader_cancels_an_activity_a_reader_may_not(w, as_leader, as_reader, as_outsider):
    assert post(as_reader, f"/activities/{w.activity.pk}/cancel/").status_code == 403
    assert post(as_outsider, f"/activities/{w.activity.pk}/cancel/").status_code == 404
    assert post(as_leader, f"/activities/{w.activity.pk}/cancel/").json()["status"] == "cancelled"
    again = post(as_leader, f"/activities/{w.activity.pk}/cancel/")
    assert again.status_code == 409 and again.json()["detail"] == "活动“走访独居老人”已取消"


@freeze_time(BEFORE)
def test_the_rest_of_the_callers_on_the_routes(w, as_insider, as_stranger, anonymous):
    assert [i["title"] for i in as_insider.get(f"{API}/activities/").json()["items"]] == ["走访独居老人"]  # public
    assert as_insider.get(f"{API}/activities/{w.activity.pk}/").json()["roster"] is None
    assert post(as_insider, f"/activities/{w.activity.pk}/cancel/").status_code == 404
    assert sign_up(as_insider, w.activity).status_code == 422  # not a volunteer: nothing to sign up
    for path in ("/activities/", f"/activities/{w.activity.pk}/signups/", "/hours/confirm/"):
        assert post(anonymous, path, {}, key="x").status_code == 401
    for path in (f"/activities/{w.activity.pk}/", "/signups/mine/", "/hours/pending/"):
        assert anonymous.get(API + path).status_code == 401
    assert post(as_stranger, "/activities/", activity_body(w.team), key="a").status_code == 404
    assert not SignUp.objects.exists()
