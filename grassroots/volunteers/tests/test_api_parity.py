"""What the pages do that the volunteers API now does too (issue #18, parity): marking a no-show, a volunteer
changing their own details, leaving or removing a team member, managing sites and teams, and a leader answering
the wishes dispatched to the team. Each route: the three actors (insider 2xx, read-only 403, outsider 404), the
error body, the state refusals (409) and a replay equal to the first reply."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from grassroots.audit.context import Actor
from grassroots.catalogue import services as catalogue_services
from grassroots.core.testing import client_for
from grassroots.demands.models import Demand
from grassroots.volunteers import services
from grassroots.volunteers.models import (
    Dispatch,
    HoursRule,
    Rota,
    RotaTurn,
    SignUp,
    Site,
    Team,
    TeamMember,
    Volunteer,
)
from grassroots.volunteers.testing import local, rota_args
from grassroots.volunteers.tests.test_hours_points import TODAY as HOURS_TODAY
from grassroots.volunteers.tests.test_hours_points import propose, serve

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


def test_the_leader_marks_an_accepted_dispatch_done_and_the_wish_awaits_the_resident(
        dispatched, as_leader, as_reader, as_outsider):
    path = f"/dispatches/{dispatched.pk}/done/"
    early = error(send(as_leader, "post", path, {"note": "院门已修好"}), 409, "conflict")
    assert early["errors"] == {"dispatch_id": ["该派单尚未接单"]}  # the request's name, not the service's
    assert send(as_leader, "post", f"/dispatches/{dispatched.pk}/accept/").status_code == 200
    error(send(as_reader, "post", path, {"note": "院门已修好"}), 403, "forbidden")
    error(send(as_outsider, "post", path, {"note": "院门已修好"}), 404, "not_found")
    assert error(send(as_leader, "post", path, {"note": ""}), 422, "invalid")["errors"].keys() == {"note"}
    done = send(as_leader, "post", path, {"note": "院门已修好，换了合页"}, key="done-1")
    assert done.status_code == 200, done.content
    replay = send(as_leader, "post", path, {"note": "院门已修好，换了合页"}, key="done-1")
    assert replay.json() == done.json() and replay["Idempotent-Replayed"] == "true"
    wish = Demand.objects.get(pk=dispatched.demand_id)
    assert wish.status == "resolved" and wish.resolution == "院门已修好，换了合页"
    error(send(as_leader, "post", path, {"note": "再次完成"}, key="done-2"), 409, "conflict")


def test_anonymous_callers_get_401_with_the_body(w, dispatched, anonymous):
    for method, path in (("post", "/signups/1/no-show/"), ("patch", "/volunteers/me/"), ("post", "/sites/"),
                         ("patch", f"/sites/{w.station.pk}/"), ("post", "/teams/"), ("get", "/dispatches/"),
                         ("delete", f"/teams/{w.team.pk}/members/{w.volunteer.pk}/"),
                         ("post", f"/dispatches/{dispatched.pk}/accept/")):
        response = send(anonymous, method, path) if method != "get" else anonymous.get(API + path)
        error(response, 401, "unauthenticated")
    assert client_for(w.leader.user).get(f"{API}/dispatches/").status_code == 200


# ------------------------------------------------------------------------------------------------ generating a rota
# The page 新建排班 (rota_new) through the API: the same RotaForm, services.preview_rota and generate_rota.

TERM_BEFORE = local(2026, 9, 1, 12)


def rota_body(rw, **overrides) -> dict:
    w = rw["world"]
    body = {"title": "校门口·微学堂", "site_id": w.station.pk, "place": "赛沁塔拉嘎查小学校门口",
            "team_ids": [w.team.pk, rw["patrol"].pk], "slots": ["sat_am"], "term_start": "2026-09-07",
            "term_end": "2026-09-27", "start_time": "08:00", "end_time": "10:00", "group_min": 2, "group_max": 2,
            "subjects": ["理论宣讲", "政策宣传", "家校共育"]}
    body.update(overrides)
    return body


def plan_of(turns) -> list:
    return sorted((t["date"], t["slot"], t["team_id"], t["subject"], sorted(m["id"] for m in t["members"]))
                  for t in turns)


def test_a_rota_is_previewed_then_saved_once_as_the_preview_showed(rota_world, as_secretary):
    body = rota_body(rota_world)
    preview = send(as_secretary, "post", "/rotas/preview/", body)
    assert preview.status_code == 200, preview.content
    plan = preview.json()
    assert plan["summary"].startswith("2个服务队、每周1个服务时段：每个时段安排2个服务队")
    assert [w["week"] for w in plan["weeks"]] == [1, 2, 3] and all(len(w["turns"]) == 2 for w in plan["weeks"])
    first = plan["weeks"][0]["turns"][0]
    assert first["date"] == "2026-09-12" and first["slot_label"] == "周六上午" and len(first["members"]) == 2
    assert not Rota.objects.exists()  # a preview saves nothing

    keyless = error(send(as_secretary, "post", "/rotas/", body), 422, "invalid")
    assert "Idempotency-Key" in keyless["errors"]
    made = send(as_secretary, "post", "/rotas/", body, key="rota-1")
    assert made.status_code == 201, made.content
    rota = made.json()
    assert (rota["status"], rota["turn_count"], rota["team_count"], rota["title"]) == ("draft", 6, 2, "校门口·微学堂")
    assert rota["start_time"] == "08:00:00" and rota["area"]["name"] == "赛沁塔拉嘎查"
    assert plan_of(rota["turns"]) == plan_of([t for w in plan["weeks"] for t in w["turns"]])  # what was shown
    replay = send(as_secretary, "post", "/rotas/", body, key="rota-1")
    assert replay.status_code == 201 and replay.json() == rota and replay["Idempotent-Replayed"] == "true"
    assert Rota.objects.count() == 1 and RotaTurn.objects.count() == 6
    assert as_secretary.get(f"{API}/rotas/{rota['id']}/").json() == rota


def test_generating_a_rota_is_scoped_and_names_the_field_at_fault(rota_world, as_secretary, as_reader, as_outsider,
                                                                 as_insider, as_leader, anonymous):
    body = rota_body(rota_world)
    for path in ("/rotas/preview/", "/rotas/"):
        error(send(as_reader, "post", path, body, key="r"), 403, "forbidden")  # sees the village, manages nothing
        for stranger in (as_insider, as_leader):  # a grid worker; a team's leader managing no area
            error(send(stranger, "post", path, body, key="r"), 404, "not_found")
        error(send(anonymous, "post", path, body, key="r"), 401, "unauthenticated")
        elsewhere = error(send(as_outsider, "post", path, body, key="r"), 422, "invalid")  # another village's
        assert {"site_id", "team_ids"} <= set(elsewhere["errors"])  # not a site or team of theirs
    cases = [
        ("/rotas/preview/", {"start_time": "8点"}, "start_time", "应为时间（HH:MM，如 07:30）"),
        ("/rotas/preview/", {"term_start": "2026-9-7"}, "term_start", None),
        ("/rotas/preview/", {"slots": ["someday"]}, "slots", None),
        ("/rotas/preview/", {"team_ids": []}, "team_ids", None),
        ("/rotas/preview/", {"group_min": 3, "group_max": 2}, "group_max", "每组最多人数不能少于最少人数"),
        ("/rotas/preview/", {"term_end": "2026-09-01"}, "term_end", "结束日期须不早于开始日期"),
        ("/rotas/preview/", {"term_end": "2027-12-31"}, "term_end", "排班期最长 366 天"),
        ("/rotas/preview/", {"subjects": [" "]}, "subjects", "请填写服务主题，每行一个"),
        ("/rotas/preview/", {"title": " "}, "title", "排班名称：这个字段是必填项。"),
        ("/rotas/preview/", {"team_ids": [2**40]}, "team_ids", None),
        # the service's own check, when it saves: the times must fall in the chosen slots' part of the day
        ("/rotas/", {"start_time": "14:00", "end_time": "16:00"}, "start_time", "开始时间14:00与所选时段“周六上午”不符"),
    ]
    for path, change, field, message in cases:
        bad = error(send(as_secretary, "post", path, rota_body(rota_world, **change), key=f"bad-{field}"),
                    422, "invalid")
        assert field in bad["errors"], (change, bad)
        if message:
            assert bad["errors"][field] == [message], (change, bad)
    impossible = error(send(as_secretary, "post", "/rotas/preview/", rota_body(
        rota_world, team_ids=[rota_world["patrol"].pk], group_min=3, group_max=3)), 422, "invalid")
    assert impossible["errors"] == {"__all__": ["第1周9月12日周六上午：红马甲巡逻队只有2名队员有空，每组至少3人"]}
    assert not Rota.objects.exists()


# ------------------------------------------------------------------------------------------------ changing turns


def turns_by(rota) -> dict:
    return {(t.week, t.team.name): t for t in RotaTurn.objects.filter(rota=rota).select_related("team")}


def member_names(turn_out: dict) -> list[str]:
    return sorted(m["name"] for m in turn_out["members"])


@pytest.fixture
def two_days(rota_world, secretary, system_actor):
    """One week, two teams on two mornings (Saturday and Sunday), everyone free on both."""
    rw = rota_world
    for v in (rw["world"].leader, rw["world"].volunteer, rw["li"], rw["zhao"], rw["sun"]):
        services.update_volunteer(actor=system_actor, volunteer=v, availability=["sat_am", "sun_am"])
    return services.generate_rota(actor=as_user(secretary), **rota_args(
        rw, slots=["sat_am", "sun_am"], term_end=date(2026, 9, 13), group_min=1, group_max=2))


def test_two_turns_of_a_draft_trade_their_days_then_409_once_published(two_days, secretary, as_secretary, as_reader,
                                                                       as_outsider, as_insider, anonymous):
    sat, sun = sorted(RotaTurn.objects.filter(rota=two_days), key=lambda t: t.date)
    assert (sat.date, sun.date) == (date(2026, 9, 12), date(2026, 9, 13))
    path = f"/rotas/turns/{sat.pk}/swap/"
    body = {"other_turn_id": sun.pk}
    error(send(as_reader, "post", path, body), 403, "forbidden")
    for stranger in (as_outsider, as_insider):
        assert error(send(stranger, "post", path, body), 404, "not_found")["detail"] == "未找到"
    error(send(anonymous, "post", path, body), 401, "unauthenticated")
    same = error(send(as_secretary, "post", path, {"other_turn_id": sat.pk}), 422, "invalid")
    assert same["errors"] == {"other_turn_id": ["请选择另一个班次"]}
    assert "other_turn_id" in error(send(as_secretary, "post", path, {"other_turn_id": 2**40}), 422, "invalid")["errors"]
    assert "other_turn_id" in error(send(as_secretary, "post", path, {}), 422, "invalid")["errors"]

    done = send(as_secretary, "post", path, body, key="swap-1")
    assert done.status_code == 200, done.content
    assert (done.json()["turn"]["id"], done.json()["turn"]["date"], done.json()["turn"]["slot"]) == \
        (sat.pk, "2026-09-13", "sun_am")
    assert (done.json()["other_turn"]["id"], done.json()["other_turn"]["date"]) == (sun.pk, "2026-09-12")
    replay = send(as_secretary, "post", path, body, key="swap-1")
    assert replay.json() == done.json() and replay["Idempotent-Replayed"] == "true"
    assert RotaTurn.objects.get(pk=sat.pk).date == date(2026, 9, 13)  # swapped once, not back again

    services.publish_rota(actor=as_user(secretary), rota=two_days, now=TERM_BEFORE)
    published = error(send(as_secretary, "post", path, body, key="swap-2"), 409, "conflict")
    assert published["errors"] == {"other_turn_id": ["排班已发布，班次日期不能再调换；可以替换当班队员"]}


def test_two_members_trade_turns_and_a_started_turn_refuses(rota_world, draft, secretary, as_leader, as_reader,
                                                            as_outsider, as_insider, anonymous):
    w = rota_world["world"]
    turns = turns_by(draft)
    week1, week2 = turns[(1, w.team.name)], turns[(2, w.team.name)]
    path = f"/rotas/turns/{week1.pk}/swap-members/"
    body = {"volunteer_id": w.volunteer.pk, "other_turn_id": week2.pk, "other_volunteer_id": rota_world["li"].pk}
    error(send(as_reader, "post", path, body), 403, "forbidden")  # sees the rota, neither leads nor manages
    for stranger in (as_outsider, as_insider):
        error(send(stranger, "post", path, body), 404, "not_found")
    error(send(anonymous, "post", path, body), 401, "unauthenticated")
    twice = error(send(as_leader, "post", path, {**body, "other_volunteer_id": w.leader.pk}), 422, "invalid")
    assert twice["errors"] == {"other_volunteer_id": [f"王建国已在第1周9月12日周六上午{w.team.name}的班上"]}
    missing = error(send(as_leader, "post", path, {**body, "volunteer_id": 2**40}), 422, "invalid")
    assert list(missing["errors"]) == ["volunteer_id"]

    done = send(as_leader, "post", path, body, key="sm-1")  # the team's own leader
    assert done.status_code == 200, done.content
    assert member_names(done.json()["turn"]) == sorted(["王建国", "李桂芝"])
    assert member_names(done.json()["other_turn"]) == sorted(["王建国", "张秀兰"])
    replay = send(as_leader, "post", path, body, key="sm-1")
    assert replay.json() == done.json() and replay["Idempotent-Replayed"] == "true"

    services.publish_rota(actor=as_user(secretary), rota=draft, now=TERM_BEFORE)
    back = {"volunteer_id": rota_world["li"].pk, "other_turn_id": week2.pk, "other_volunteer_id": w.volunteer.pk}
    with freeze_time(local(2026, 9, 12, 8, 30)):  # week 1's turn began at 08:00
        started = error(send(client_for(w.leader.user), "post", path, back), 409, "conflict")
    assert started["errors"] == {"turn": ["第1周9月12日周六上午的班次已开始，不能再换人"]}
    assert sorted(v.name for v in RotaTurn.objects.get(pk=week1.pk).members.all()) == sorted(["王建国", "李桂芝"])


# ------------------------------------------------------------------------------------------------ 派单 of a wish


@pytest.fixture
def wish(w, make_demand):
    return make_demand("独居老人王奶奶希望有人帮忙修好院门", kind="wish", category=None, channel="grid_worker")


def test_a_wish_is_dispatched_to_a_team_once(w, wish, as_secretary, as_reader, as_outsider, as_insider, anonymous):
    teams = as_secretary.get(f"{API}/wishes/{wish.pk}/teams/")
    assert teams.status_code == 200 and teams.json()["next_cursor"] is None
    assert w.team.pk in [t["id"] for t in teams.json()["items"]]
    assert as_reader.get(f"{API}/wishes/{wish.pk}/teams/").status_code == 200  # the page shows them the form too
    for read in ("teams", "dispatches"):
        for stranger in (as_outsider, as_insider):  # another village's secretary; a grid worker (no volunteer role)
            error(stranger.get(f"{API}/wishes/{wish.pk}/{read}/"), 404, "not_found")
        error(anonymous.get(f"{API}/wishes/{wish.pk}/{read}/"), 401, "unauthenticated")
    assert as_secretary.get(f"{API}/wishes/{wish.pk}/dispatches/").json() == {"items": [], "next_cursor": None}

    path = f"/wishes/{wish.pk}/dispatch/"
    body = {"team_id": w.team.pk, "note": "请本周内上门"}
    error(send(as_reader, "post", path, body, key="d-1"), 403, "forbidden")
    for stranger in (as_outsider, as_insider):
        error(send(stranger, "post", path, body, key="d-1"), 404, "not_found")
    error(send(anonymous, "post", path, body, key="d-1"), 401, "unauthenticated")
    assert "Idempotency-Key" in error(send(as_secretary, "post", path, body), 422, "invalid")["errors"]
    wrong = error(send(as_secretary, "post", path, {"team_id": 2**40}, key="d-0"), 422, "invalid")
    assert list(wrong["errors"]) == ["team_id"]
    long = error(send(as_secretary, "post", path, {**body, "note": "修" * 201}, key="d-0"), 422, "invalid")
    assert list(long["errors"]) == ["note"]

    made = send(as_secretary, "post", path, body, key="d-1")
    assert made.status_code == 201, made.content
    out = made.json()
    assert (out["status"], out["team"]["id"], out["demand"]["id"], out["note"]) == \
        ("dispatched", w.team.pk, wish.pk, "请本周内上门")
    assert out["dispatched_at"].endswith("+08:00")
    replay = send(as_secretary, "post", path, body, key="d-1")
    assert replay.status_code == 201 and replay.json() == out and replay["Idempotent-Replayed"] == "true"
    again = error(send(as_secretary, "post", path, body, key="d-2"), 409, "conflict")
    assert again["errors"] == {"wish_id": [f"心愿 {wish.tracking_code} 已派给{w.team.name}，待其接单或婉拒"]}
    assert Dispatch.objects.filter(demand=wish).count() == 1
    assert [d["id"] for d in as_reader.get(f"{API}/wishes/{wish.pk}/dispatches/").json()["items"]] == [out["id"]]


def test_only_a_wish_can_be_dispatched(w, make_demand, as_secretary):
    demand = make_demand()  # a demand, not a wish
    error(send(as_secretary, "post", f"/wishes/{demand.pk}/dispatch/", {"team_id": w.team.pk}, key="x"), 404,
          "not_found")
    error(as_secretary.get(f"{API}/wishes/{demand.pk}/teams/"), 404, "not_found")


# ------------------------------------------------------------------------------------------------ hours → points rule


@pytest.fixture
def per_hour(w, catalogue, system_actor):
    """志愿服务 +5 分/小时，每月上限 40, in force from this year's first day (whatever today is)."""
    version = catalogue_services.add_rule(
        actor=system_actor, rule_set=catalogue, code="F01", title="志愿服务", kind="incentive",
        categories=["resident", "party_member"], points=5, unit="per_hour", cap=40, cap_period="month",
        effective_from=timezone.localdate().replace(month=1, day=1))
    return version.rule


def test_the_village_chooses_its_hours_rule(w, region, per_hour, as_secretary, as_reader, as_outsider, as_insider,
                                            anonymous):
    code = region["赛沁塔拉嘎查"].code
    path = f"/villages/{code}/hours-rule/"
    seen = as_secretary.get(API + path)
    assert seen.status_code == 200, seen.content
    assert seen.json()["rule"] is None and seen.json()["may_change"] is True
    assert seen.json()["village"] == {"code": code, "name": "赛沁塔拉嘎查"}
    choices = {c["code"]: (c["id"], c["title"], c["points"], c["cap"], c["cap_period"]) for c in seen.json()["choices"]}
    assert choices["F01"] == (per_hour.pk, "志愿服务", 5, 40, "month")
    looked = as_reader.get(API + path)
    assert looked.status_code == 200 and looked.json()["may_change"] is False
    error(as_outsider.get(API + path), 404, "not_found")
    error(as_insider.get(API + path), 404, "not_found")  # a grid worker holds no volunteer role: as on the page
    error(as_secretary.get(f"{API}/villages/{region['乌丹镇'].code}/hours-rule/"), 404, "not_found")  # not a village
    error(anonymous.get(API + path), 401, "unauthenticated")

    body = {"rule_id": per_hour.pk}
    error(send(as_reader, "put", path, body), 403, "forbidden")
    for stranger in (as_outsider, as_insider):
        error(send(stranger, "put", path, body), 404, "not_found")
    error(send(anonymous, "put", path, body), 401, "unauthenticated")
    assert list(error(send(as_secretary, "put", path, {"rule_id": 2**40}), 422, "invalid")["errors"]) == ["rule_id"]
    assert list(error(send(as_secretary, "put", path, {}), 422, "invalid")["errors"]) == ["rule_id"]

    chosen = send(as_secretary, "put", path, body, key="hr-1")
    assert chosen.status_code == 200, chosen.content
    assert (chosen.json()["rule"]["code"], chosen.json()["rule"]["title"]) == ("F01", "志愿服务")
    assert chosen.json()["set_at"].endswith("+08:00")
    replay = send(as_secretary, "put", path, body, key="hr-1")
    assert replay.json() == chosen.json() and replay["Idempotent-Replayed"] == "true"
    assert HoursRule.objects.get(village=region["赛沁塔拉嘎查"]).rule == per_hour
    assert as_reader.get(API + path).json()["rule"]["id"] == per_hour.pk

    cleared = send(as_secretary, "put", path, {"rule_id": None})
    assert cleared.status_code == 200 and cleared.json()["rule"] is None and cleared.json()["set_at"] is None
    assert not HoursRule.objects.exists()


def test_a_month_of_what_confirmed_hours_proposed(w, region, catalogue, system_actor, as_secretary, as_reader,
                                                  as_outsider, anonymous):
    version = catalogue_services.add_rule(
        actor=system_actor, rule_set=catalogue, code="F01", title="志愿服务", kind="incentive",
        categories=["resident", "party_member"], points=5, unit="per_hour", cap=40, cap_period="month",
        effective_from=date(2026, 1, 1))
    services.set_hours_rule(actor=system_actor, village=region["赛沁塔拉嘎查"], rule=version.rule)
    signup = serve(w, w.volunteer, (2026, 6, 10), 120)
    assert propose(signup_ids=[signup.pk], today=HOURS_TODAY)["proposed"] == 1
    path = f"{API}/villages/{region['赛沁塔拉嘎查'].code}/hours-rule/outcomes/"
    june = as_secretary.get(path, {"month": "2026-06"})
    assert june.status_code == 200, june.content
    [row] = june.json()["items"]
    assert (row["signup_id"], row["served_on"], row["volunteer"]["name"], row["confirmed_minutes"]) == \
        (signup.pk, "2026-06-10", "张秀兰", 120)
    assert (row["outcome"], row["hours"], row["claim"]["points"], row["claim"]["status"]) == \
        ("proposed", 2, 10, "in_review")
    assert as_reader.get(path, {"month": "2026-06"}).json()["items"] == june.json()["items"]
    assert as_secretary.get(path, {"month": "2026-07"}).json() == {"items": [], "next_cursor": None}
    for bad in ("2026-13", "六月", "9999-12"):
        assert list(error(as_secretary.get(path, {"month": bad}), 422, "invalid")["errors"]) == ["month"]
    error(as_outsider.get(path), 404, "not_found")
    error(anonymous.get(path), 401, "unauthenticated")
