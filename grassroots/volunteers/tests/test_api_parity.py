"""What the pages do that the volunteers API now does too (issue #18, parity): marking a no-show, a volunteer
changing their own details, leaving or removing a team member, managing sites and teams, and a leader answering
the wishes dispatched to the team. Each route: the three actors (insider 2xx, read-only 403, outsider 404), the
error body, the state refusals (409) and a replay equal to the first reply."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from grassroots.audit.context import Actor
from grassroots.core.testing import client_for
from grassroots.volunteers import services
from grassroots.volunteers.models import Dispatch, SignUp, Site, Team, TeamMember, Volunteer
from grassroots.volunteers.testing import local

API = "/api/volunteers"
BEFORE = local(2026, 6, 1, 12)
STARTED = local(2026, 6, 10, 9, 30)


def send(client, method, path, body=None, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return getattr(client, method)(API + path, json.dumps(body or {}), content_type="application/json",
                                   headers=headers)


def error(response, status, code):
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code and body["detail"] and set(body) == {"code", "detail", "errors"}
    return body


def as_user(user):
    return Actor(user=user, name=user.username)


@pytest.fixture
def w(volunteer_world):
    return volunteer_world


@pytest.fixture
def signed(w):
    return services.sign_up(actor=as_user(w.volunteer.user), activity=w.activity, volunteer=w.volunteer, now=BEFORE)


# ------------------------------------------------------------------------------------------------ no-shows


def test_the_leader_marks_a_no_show_once_after_the_start(w, signed, as_leader, as_secretary, as_reader, as_outsider,
                                                         as_insider, as_volunteer):
    path = f"/signups/{signed.pk}/no-show/"
    with freeze_time(BEFORE):
        early = error(send(as_leader, "post", path), 409, "conflict")
        assert early["errors"] == {"signup": ["活动开始后才能记为未到"]}
    with freeze_time(STARTED):
        as_leader = client_for(w.leader.user)  # a session idle since June 1 has expired: sign in again
        error(send(as_reader, "post", path), 403, "forbidden")
        for stranger in (as_outsider, as_insider):
            assert error(send(stranger, "post", path), 404, "not_found")["detail"] == "未找到"
        error(send(as_volunteer, "post", path), 404, "not_found")  # her own sign-up, but not her team to run
        first = send(as_leader, "post", path, key="ns-1")
        assert first.status_code == 200 and first.json()["no_show"] is True and first.json()["activity_id"] == w.activity.pk
        replay = send(as_leader, "post", path, key="ns-1")
        assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
        assert send(as_secretary, "post", path).status_code == 200  # MANAGE on the village: no check-in, still no-show
    assert SignUp.objects.get(pk=signed.pk).no_show


def test_a_checked_in_volunteer_is_not_a_no_show(w, signed, as_leader):
    services.check_in(actor=as_user(w.volunteer.user), signup=signed, now=local(2026, 6, 10, 9))
    with freeze_time(STARTED):
        body = error(send(as_leader, "post", f"/signups/{signed.pk}/no-show/"), 409, "conflict")
    assert "张秀兰已签到或不在名单上" in body["detail"]


# ------------------------------------------------------------------------------------------------ my details


def test_a_volunteer_changes_only_what_she_sends(w, as_volunteer, as_secretary):
    changed = send(as_volunteer, "patch", "/volunteers/me/", {"availability": ["sun_pm"], "mobile": "13904769876"})
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["availability"], body["mobile"], body["skills"]) == (["sun_pm"], "13904769876", ["照护老人"])
    assert body["consent_at"].endswith("+08:00")
    bad = error(send(as_volunteer, "patch", "/volunteers/me/", {"availability": ["someday"]}), 422, "invalid")
    assert bad["errors"] == {"availability": ["可服务时间“someday”无法识别"]}
    wrong = error(send(as_volunteer, "patch", "/volunteers/me/", {"mobile": "12345"}), 422, "invalid")
    assert "mobile" in wrong["errors"]
    unknown = error(send(as_volunteer, "patch", "/volunteers/me/", {"name": "改名"}), 422, "invalid")
    assert "name" in unknown["errors"]
    assert error(send(as_secretary, "patch", "/volunteers/me/", {"skills": []}), 404, "not_found")["detail"] == \
        "您尚未注册为志愿者"
    assert Volunteer.objects.get(pk=w.volunteer.pk).availability == ["sun_pm"]


# ------------------------------------------------------------------------------------------------ team members


def test_leaving_and_removing_team_members(w, as_leader, as_reader, as_outsider, as_insider, as_volunteer,
                                           as_secretary):
    me = f"/teams/{w.team.pk}/members/{w.volunteer.pk}/"
    error(send(as_reader, "delete", me), 403, "forbidden")
    for stranger in (as_outsider, as_insider):
        error(send(stranger, "delete", me), 404, "not_found")
    leader = error(send(as_secretary, "delete", f"/teams/{w.team.pk}/members/{w.leader.pk}/"), 409, "conflict")
    assert leader["errors"] == {"volunteer_id": [f"王建国是{w.team.name}的队长，请先更换队长"]}
    left = as_volunteer.delete(API + me)  # she leaves by herself
    assert left.status_code == 204 and left.content == b""
    assert error(send(as_volunteer, "delete", me), 404, "not_found")
    assert not TeamMember.objects.filter(team=w.team, volunteer=w.volunteer, left_on__isnull=True).exists()
    services.join_team(actor=as_user(w.volunteer.user), team=w.team, volunteer=w.volunteer)
    assert as_leader.delete(API + me).status_code == 204  # the leader removes her
    assert TeamMember.objects.filter(team=w.team, volunteer=w.volunteer).count() == 2  # both memberships kept


# ------------------------------------------------------------------------------------------------ sites and teams


def test_managing_sites(w, region, as_secretary, as_reader, as_outsider, as_insider):
    body = {"area_code": region["赛沁塔拉嘎查"].code, "level": "point", "name": "一组文化广场实践点",
            "opening_hours": "每天 7:00-21:00"}
    error(send(as_reader, "post", "/sites/", body, key="s1"), 403, "forbidden")
    error(send(as_insider, "post", "/sites/", body, key="s1"), 404, "not_found")
    error(send(as_outsider, "post", "/sites/", body, key="s1"), 404, "not_found")  # another village's secretary
    keyless = error(send(as_secretary, "post", "/sites/", body), 422, "invalid")
    assert "Idempotency-Key" in keyless["errors"]
    made = send(as_secretary, "post", "/sites/", body, key="s1")
    assert made.status_code == 201 and made.json()["level"] == "point" and made.json()["parent_id"] == w.station.pk
    replay = send(as_secretary, "post", "/sites/", body, key="s1")
    assert replay.status_code == 201 and replay.json() == made.json() and replay["Idempotent-Replayed"] == "true"
    second = error(send(as_secretary, "post", "/sites/", {**body, "level": None, "name": "第二个站"}, key="s2"),
                   409, "conflict")
    assert second["errors"] == {"level": ["赛沁塔拉嘎查已有新时代文明实践站"]}
    assert Site.objects.filter(name="一组文化广场实践点").count() == 1

    url = f"/sites/{made.json()['id']}/"
    error(send(as_reader, "patch", url, {"is_active": False}), 403, "forbidden")
    error(send(as_outsider, "patch", url, {"is_active": False}), 404, "not_found")
    changed = send(as_secretary, "patch", url, {"is_active": False, "phone": "04764321234"})
    assert changed.status_code == 200
    assert (changed.json()["is_active"], changed.json()["phone"], changed.json()["opening_hours"]) == \
        (False, "04764321234", "每天 7:00-21:00")
    error(send(as_secretary, "patch", url, {"name": ""}), 422, "invalid")


def test_managing_teams(w, as_secretary, as_reader, as_outsider, as_insider, as_leader):
    body = {"name": "赛沁塔拉嘎查理论宣讲队", "site_id": w.station.pk, "specialty": "other", "leader_id": w.volunteer.pk}
    error(send(as_reader, "post", "/teams/", body, key="t1"), 403, "forbidden")
    error(send(as_insider, "post", "/teams/", body, key="t1"), 404, "not_found")
    error(send(as_leader, "post", "/teams/", body, key="t1"), 404, "not_found")  # leads a team, manages no area
    elsewhere = error(send(as_outsider, "post", "/teams/", body, key="t1"), 422, "invalid")
    assert "site_id" in elsewhere["errors"]  # not a site of theirs
    made = send(as_secretary, "post", "/teams/", body, key="t1")
    assert made.status_code == 201, made.content
    assert made.json()["leader"]["name"] == "张秀兰" and made.json()["site_id"] == w.station.pk
    assert [m["volunteer"]["name"] for m in made.json()["members"]] == ["张秀兰"]
    replay = send(as_secretary, "post", "/teams/", body, key="t1")
    assert replay.json() == made.json() and replay["Idempotent-Replayed"] == "true"
    assert Team.objects.filter(name="赛沁塔拉嘎查理论宣讲队").count() == 1
    neither = error(send(as_secretary, "post", "/teams/", {"name": "无主队"}, key="t2"), 422, "invalid")
    assert neither["errors"] == {"site_id": ["服务队须属于一个实践阵地或一个单位"]}


# ------------------------------------------------------------------------------------------------ 派单 → 接单


@pytest.fixture
def dispatched(w, make_demand, secretary):
    wish = make_demand("独居老人王奶奶希望有人帮忙修好院门", kind="wish", category=None, channel="grid_worker")
    return services.dispatch_wish(actor=as_user(secretary), demand=wish, team=w.team)


def test_the_leader_sees_and_accepts_a_dispatch_once(w, dispatched, as_leader, as_reader, as_outsider, as_insider,
                                                     as_volunteer):
    listed = as_leader.get(f"{API}/dispatches/").json()
    assert [d["id"] for d in listed["items"]] == [dispatched.pk] and listed["next_cursor"] is None
    assert listed["items"][0]["status"] == "dispatched" and listed["items"][0]["demand"]["tracking_code"]
    assert as_reader.get(f"{API}/dispatches/").json()["items"] == []  # leads no team: nothing dispatched to them
    error(as_insider.get(f"{API}/dispatches/"), 404, "not_found")
    error(as_volunteer.get(f"{API}/dispatches/"), 404, "not_found")
    path = f"/dispatches/{dispatched.pk}/accept/"
    error(send(as_reader, "post", path), 403, "forbidden")  # sees the team by area, is not its leader
    for stranger in (as_outsider, as_insider, as_volunteer):
        error(send(stranger, "post", path), 404, "not_found")
    day = timezone.localdate() + timedelta(days=14)  # an activity in the future, whatever today is
    activity = {"place": "王奶奶家", "starts_at": f"{day}T09:00:00", "ends_at": f"{day}T11:00:00+08:00", "slots": 2}
    bad = error(send(as_leader, "post", path, {"activity": {**activity, "starts_at": "下周"}}), 422, "invalid")
    assert "starts_at" in bad["errors"]
    first = send(as_leader, "post", path, {"activity": activity}, key="acc-1")
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "accepted" and first.json()["wish_claim_id"]
    assert first.json()["decided_at"].endswith("+08:00")
    replay = send(as_leader, "post", path, {"activity": activity}, key="acc-1")
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    again = error(send(as_leader, "post", path, key="acc-2"), 409, "conflict")
    assert again["detail"] == "该派单已接单，不能再接单"
    assert w.team.activities.filter(place="王奶奶家").count() == 1


def test_the_leader_declines_with_a_reason(dispatched, as_leader, as_reader):
    path = f"/dispatches/{dispatched.pk}/decline/"
    error(send(as_reader, "post", path, {"reason": "人手不够"}), 403, "forbidden")
    assert error(send(as_leader, "post", path, {}), 422, "invalid")["errors"] == {"reason": ["此项必填"]}
    declined = send(as_leader, "post", path, {"reason": "本周人手不够"})
    assert declined.status_code == 200 and declined.json()["decline_reason"] == "本周人手不够"
    error(send(as_leader, "post", path, {"reason": "再婉拒"}), 409, "conflict")
    assert Dispatch.objects.get(pk=dispatched.pk).status == Dispatch.Status.DECLINED


def test_anonymous_callers_get_401_with_the_body(w, dispatched, anonymous):
    for method, path in (("post", "/signups/1/no-show/"), ("patch", "/volunteers/me/"), ("post", "/sites/"),
                         ("patch", f"/sites/{w.station.pk}/"), ("post", "/teams/"), ("get", "/dispatches/"),
                         ("delete", f"/teams/{w.team.pk}/members/{w.volunteer.pk}/"),
                         ("post", f"/dispatches/{dispatched.pk}/accept/")):
        response = send(anonymous, method, path) if method != "get" else anonymous.get(API + path)
        error(response, 401, "unauthenticated")
    assert client_for(w.leader.user).get(f"{API}/dispatches/").status_code == 200
