"""Section A of /api/volunteers: sites, teams (members' phones only for viewers and the leader), the register of
volunteers (paged, scoped), one's own record, self-registration (consent required, Idempotency-Key required,
run once) and adding members; 404 to outsiders, 403 to those who only look."""

import json

import pytest

from grassroots.access.services import create_account
from grassroots.core.testing import PASSWORD, client_for
from grassroots.volunteers import services
from grassroots.volunteers.models import TeamMember, Volunteer


def post(client, url, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def nobody(region, system_actor):
    user = create_account(actor=system_actor, username="nobody", password=PASSWORD, display_name="路人", roles=[])
    return client_for(user)


def test_sites_are_scoped(volunteer_world, as_reader, as_outsider, as_insider, as_volunteer, anonymous,
                          as_county_admin):
    w = volunteer_world
    body = as_reader.get("/api/volunteers/sites/").json()
    assert [s["name"] for s in body["items"]] == [w.station.name] and body["next_cursor"] is None
    assert body["items"][0]["parent_id"] == w.institute.pk and body["items"][0]["level"] == "station"
    paged = as_county_admin.get("/api/volunteers/sites/", {"limit": 2}).json()
    assert len(paged["items"]) == 2 and paged["next_cursor"]
    rest = as_county_admin.get("/api/volunteers/sites/", {"limit": 2, "cursor": paged["next_cursor"]}).json()
    assert {s["id"] for s in rest["items"]}.isdisjoint({s["id"] for s in paged["items"]})
    assert as_reader.get(f"/api/volunteers/sites/{w.station.pk}/").json()["opening_hours"] == "每天 8:00-18:00"
    assert as_outsider.get(f"/api/volunteers/sites/{w.station.pk}/").status_code == 404
    assert as_outsider.get("/api/volunteers/sites/").json()["items"] == []
    assert as_insider.get(f"/api/volunteers/sites/{w.station.pk}/").status_code == 404
    assert as_volunteer.get("/api/volunteers/sites/").status_code == 404
    assert anonymous.get("/api/volunteers/sites/").status_code == 401


def test_teams_show_phones_to_viewers_and_the_leader_only(volunteer_world, as_reader, as_leader, as_outsider,
                                                          as_stranger):
    w = volunteer_world
    url = f"/api/volunteers/teams/{w.team.pk}/"
    for client in (as_reader, as_leader):
        body = client.get(url).json()
        assert body["leader"]["mobile"] == "13904760002"
        assert [(m["volunteer"]["name"], m["volunteer"]["mobile"], m["is_leader"]) for m in body["members"]] == [
            ("王建国", "13904760002", True), ("张秀兰", "13904760001", False)]
    assert [t["id"] for t in as_leader.get("/api/volunteers/teams/").json()["items"]] == [w.team.pk]
    assert as_reader.get("/api/volunteers/teams/").json()["items"][0]["member_count"] == 2
    assert as_outsider.get(url).status_code == 404
    assert as_outsider.get("/api/volunteers/teams/").json()["items"] == []
    assert as_stranger.get(url).status_code == 404
    assert as_stranger.get("/api/volunteers/teams/").status_code == 404


def test_the_register_is_paged_and_scoped(volunteer_world, as_reader, as_outsider, as_leader, region):
    w = volunteer_world
    first = as_reader.get("/api/volunteers/volunteers/", {"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    rest = as_reader.get("/api/volunteers/volunteers/", {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert rest["next_cursor"] is None
    names = {v["name"] for v in first["items"] + rest["items"]}
    assert names == {"王建国", "张秀兰"}
    mine = next(v for v in first["items"] + rest["items"] if v["name"] == "张秀兰")
    assert mine["team_ids"] == [w.team.pk] and mine["availability"] == ["wed_am", "sat_am"]
    assert [v["name"] for v in as_outsider.get("/api/volunteers/volunteers/").json()["items"]] == ["单国强"]
    assert as_outsider.get("/api/volunteers/volunteers/", {"area_code": region["赛沁塔拉嘎查"].code}).status_code == 404
    assert as_outsider.get("/api/volunteers/volunteers/", {"team_id": w.team.pk}).status_code == 404
    assert as_leader.get("/api/volunteers/volunteers/").status_code == 404
    assert as_reader.get("/api/volunteers/volunteers/", {"stars": 9}).status_code == 422


def test_me(volunteer_world, as_volunteer, nobody):
    body = as_volunteer.get("/api/volunteers/volunteers/me/").json()
    assert body["name"] == "张秀兰" and body["team_ids"] == [volunteer_world.team.pk] and body["stars"] == 0
    missing = nobody.get("/api/volunteers/volunteers/me/")
    assert missing.status_code == 404
    assert missing.json() == {"code": "not_found", "detail": "您尚未注册为志愿者", "errors": {}}


def test_self_registration_needs_consent_and_a_key_and_runs_once(volunteer_world, nobody, region):
    body = {"name": "刘志远", "area_code": region["官井子村"].code, "consent": False, "mobile": "13904769999",
            "skills": ["理发"], "availability": ["sat_am"]}
    assert post(nobody, "/api/volunteers/volunteers/", {**body, "consent": True}).status_code == 422  # no key
    refused = post(nobody, "/api/volunteers/volunteers/", body, key="r-1")
    assert refused.status_code == 422 and "consent" in refused.json()["errors"]
    assert not Volunteer.objects.filter(name="刘志远").exists()
    made = post(nobody, "/api/volunteers/volunteers/", {**body, "consent": True}, key="r-2")
    assert made.status_code == 201 and made.json()["area"]["name"] == "官井子村"
    again = post(nobody, "/api/volunteers/volunteers/", {**body, "consent": True}, key="r-2")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == made.json()
    assert Volunteer.objects.filter(name="刘志远").count() == 1
    twice = post(nobody, "/api/volunteers/volunteers/", {**body, "consent": True}, key="r-3")
    assert twice.status_code == 409 and twice.json()["errors"] == {"user": ["该账号已注册为志愿者"]}
    grid = post(nobody, "/api/volunteers/volunteers/",
                {**body, "area_code": region["赛沁塔拉嘎查1"].code, "consent": True}, key="r-4")
    assert grid.status_code == 422


def test_adding_members(volunteer_world, people, system_actor, region, as_leader, as_reader, as_outsider,
                        as_stranger, as_volunteer):
    w = volunteer_world
    plum = services.register_volunteer(actor=system_actor, name="李春梅", area=region["赛沁塔拉嘎查"], consent=True,
                                       person=people["李春梅"])
    url = f"/api/volunteers/teams/{w.team.pk}/members/"
    assert post(as_reader, url, {"volunteer_id": plum.pk}, key="m1").status_code == 403
    assert post(as_outsider, url, {"volunteer_id": plum.pk}, key="m1").status_code == 404
    assert post(as_volunteer, url, {"volunteer_id": plum.pk}, key="m1").status_code == 404
    assert post(as_leader, url, {"volunteer_id": w.stranger.pk}, key="m0").status_code == 422  # registered elsewhere
    keyless = post(as_leader, url, {"volunteer_id": plum.pk})
    assert keyless.status_code == 422 and "Idempotency-Key" in keyless.json()["errors"]
    added = post(as_leader, url, {"volunteer_id": plum.pk}, key="m1")
    assert added.status_code == 201 and "李春梅" in [m["volunteer"]["name"] for m in added.json()["members"]]
    replay = post(as_leader, url, {"volunteer_id": plum.pk}, key="m1")
    assert replay.status_code == 201 and replay.json() == added.json() and replay["Idempotent-Replayed"] == "true"
    again = post(as_leader, url, {"volunteer_id": plum.pk}, key="m2")  # already a member
    assert again.status_code == 409 and again.json()["detail"] == f"李春梅已是{w.team.name}的队员"
    joined = post(as_stranger, url, {}, key="m3")
    assert joined.status_code == 201
    assert all(m["volunteer"]["mobile"] is None for m in joined.json()["members"])  # no phones for a member
    assert TeamMember.objects.filter(team=w.team, volunteer=w.stranger, left_on__isnull=True).exists()
