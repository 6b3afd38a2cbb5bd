"""Rotas (section C): generate a draft, publish it into activities with sign-ups, swap members and turns, and the
pages, export and API, scoped. The world: 赛沁塔拉嘎查's station with two teams serving Saturday mornings in pairs —
夕阳红服务队 (王建国, 张秀兰, 李桂芝, all free then) and 红马甲巡逻队 (赵刚, 孙丽 free; 周强 only on Monday)."""

import json
from datetime import date, time
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from freezegun import freeze_time
from openpyxl import load_workbook

from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry
from grassroots.volunteers import services
from grassroots.volunteers.demo_rota import build_demo_rota, term_around
from grassroots.volunteers.models import Activity, Rota, RotaTurn, SignUp
from grassroots.volunteers.testing import local, rota_args

BEFORE_TERM = local(2026, 9, 1, 12)


def as_user(user):
    return Actor(user=user, name=user.username)


def names(turn):
    return [v.name for v in turn.members.order_by("name")]


def turns_of(rota):
    return {(t.week, t.team.name): t for t in RotaTurn.objects.filter(rota=rota).select_related("team")}


# ------------------------------------------------------------------------------------------------ services


def test_generate_saves_a_draft_every_team_once_a_week_in_pairs_spread_evenly(rota_world, draft):
    assert draft.status == Rota.Status.DRAFT
    turns = turns_of(draft)
    assert len(turns) == 6
    elders = [sorted(names(turns[(week, "赛沁塔拉嘎查夕阳红服务队")])) for week in (1, 2, 3)]
    # Week 1 the first two who joined; week 2 李桂芝 (who rested) and 王建国; week 3 the two who served once.
    assert elders == [sorted(["王建国", "张秀兰"]), sorted(["王建国", "李桂芝"]), sorted(["张秀兰", "李桂芝"])]
    # 周强 is never free on Saturday: 赵刚 and 孙丽 every week.
    assert all(names(turns[(week, "红马甲巡逻队")]) == sorted(["赵刚", "孙丽"]) for week in (1, 2, 3))
    assert [turns[(w, "红马甲巡逻队")].subject for w in (1, 2, 3)] == ["理论宣讲", "政策宣传", "家校共育"]
    assert turns[(1, "红马甲巡逻队")].date == date(2026, 9, 12)
    assert AuditEntry.objects.filter(action="volunteers.rota.create", object_id=str(draft.pk)).exists()


def test_an_impossible_rota_says_what_and_saves_nothing(rota_world, secretary):
    with pytest.raises(ValidationError) as exc:
        services.generate_rota(actor=as_user(secretary), **rota_args(rota_world, group_min=3, group_max=3))
    assert exc.value.messages == ["第1周9月12日周六上午：红马甲巡逻队只有2名队员有空，每组至少3人"]
    assert not Rota.objects.exists()


def test_more_teams_than_places_says_so(rota_world, secretary):
    with pytest.raises(ValidationError) as exc:
        services.generate_rota(actor=as_user(secretary), **rota_args(rota_world, teams_per_slot=1))
    assert exc.value.messages == ["2个服务队每周各服务一次，但每周只有1个服务时段，每个时段最多安排1个服务队，最多只能排1个"]


def test_the_start_time_must_match_the_slots(rota_world, secretary):
    with pytest.raises(ValidationError) as exc:
        services.generate_rota(actor=as_user(secretary), **rota_args(rota_world, start_time=time(14, 0),
                                                                     end_time=time(16, 0)))
    assert exc.value.message_dict == {"start_time": ["开始时间14:00与所选时段“周六上午”不符"]}


def test_only_manage_on_the_area_generates(rota_world, reader, outsider):
    with pytest.raises(PermissionDenied):
        services.generate_rota(actor=as_user(reader), **rota_args(rota_world))
    with pytest.raises(Http404):
        services.generate_rota(actor=as_user(outsider), **rota_args(rota_world))
    assert not Rota.objects.exists()


def test_publish_makes_each_turn_an_activity_with_its_members_signed_up(rota_world, draft, secretary):
    services.publish_rota(actor=as_user(secretary), rota=draft, now=BEFORE_TERM)
    draft.refresh_from_db()
    assert draft.status == Rota.Status.PUBLISHED
    turns = turns_of(draft)
    first = turns[(1, "红马甲巡逻队")]
    activity = first.activity
    assert activity.team == rota_world["patrol"] and activity.slots == 2
    assert (activity.starts_at, activity.ends_at) == (local(2026, 9, 12, 8), local(2026, 9, 12, 10))
    assert activity.title == "校门口·微学堂·理论宣讲" and activity.place == "赛沁塔拉嘎查小学校门口"
    signed = sorted(SignUp.objects.filter(activity=activity, status="signed").values_list("volunteer__name", flat=True))
    assert signed == sorted(["赵刚", "孙丽"])
    assert Activity.objects.filter(rota_turn__rota=draft).count() == 6
    with pytest.raises(ValidationError, match="已发布"):
        services.publish_rota(actor=as_user(secretary), rota=draft, now=BEFORE_TERM)


def test_publish_skips_turns_already_past(rota_world, draft, secretary):
    services.publish_rota(actor=as_user(secretary), rota=draft, now=local(2026, 9, 14, 12))
    turns = turns_of(draft)
    assert turns[(1, "红马甲巡逻队")].activity is None
    assert turns[(2, "红马甲巡逻队")].activity is not None
    assert Activity.objects.filter(rota_turn__rota=draft).count() == 4


def test_publish_needs_manage(rota_world, draft, reader):
    with pytest.raises(PermissionDenied):
        services.publish_rota(actor=as_user(reader), rota=draft, now=BEFORE_TERM)


def test_replace_a_member_with_a_free_teammate(rota_world, draft, secretary):
    turn = turns_of(draft)[(1, "赛沁塔拉嘎查夕阳红服务队")]
    w = rota_world["world"]
    services.replace_rota_member(actor=as_user(secretary), turn=turn, out=w.volunteer, into=rota_world["li"])
    assert names(turn) == sorted(["王建国", "李桂芝"])
    assert AuditEntry.objects.filter(action="volunteers.rota.replace", object_id=str(turn.pk)).exists()


def test_replace_refused_when_the_newcomer_is_not_free_or_not_in_the_team(rota_world, draft, secretary):
    turn = turns_of(draft)[(1, "红马甲巡逻队")]
    with pytest.raises(ValidationError) as exc:
        services.replace_rota_member(actor=as_user(secretary), turn=turn, out=rota_world["zhao"],
                                     into=rota_world["zhou"])
    assert exc.value.message_dict == {"into": ["周强周六上午没空（可服务时间未含此时段），不能排在第1周9月12日周六上午"]}
    with pytest.raises(ValidationError) as exc:
        services.replace_rota_member(actor=as_user(secretary), turn=turn, out=rota_world["zhao"],
                                     into=rota_world["li"])
    assert exc.value.message_dict == {"into": ["李桂芝不是红马甲巡逻队的队员"]}
    assert names(turn) == sorted(["赵刚", "孙丽"])


def test_the_team_leader_may_replace_in_his_own_team_only(rota_world, draft):
    w = rota_world["world"]
    leader = as_user(w.leader.user)
    turns = turns_of(draft)
    services.replace_rota_member(actor=leader, turn=turns[(1, "赛沁塔拉嘎查夕阳红服务队")], out=w.volunteer,
                                 into=rota_world["li"])
    with pytest.raises((PermissionDenied, Http404)):
        services.replace_rota_member(actor=leader, turn=turns[(1, "红马甲巡逻队")], out=rota_world["zhao"],
                                     into=rota_world["zhou"])


def test_replace_on_a_published_rota_moves_the_sign_up(rota_world, draft, secretary):
    services.publish_rota(actor=as_user(secretary), rota=draft, now=BEFORE_TERM)
    turn = turns_of(draft)[(1, "赛沁塔拉嘎查夕阳红服务队")]
    w = rota_world["world"]
    services.replace_rota_member(actor=as_user(secretary), turn=turn, out=w.volunteer, into=rota_world["li"],
                                 now=BEFORE_TERM)
    live = sorted(SignUp.objects.filter(activity=turn.activity, status="signed").values_list("volunteer__name",
                                                                                              flat=True))
    assert live == sorted(["王建国", "李桂芝"])
    assert SignUp.objects.get(activity=turn.activity, volunteer=w.volunteer).status == "cancelled"
    with pytest.raises(ValidationError, match="班次已开始"):
        services.replace_rota_member(actor=as_user(secretary), turn=turn, out=rota_world["li"], into=w.volunteer,
                                     now=local(2026, 9, 12, 8, 30))


def test_swap_two_members_between_weeks(rota_world, draft, secretary):
    turns = turns_of(draft)
    w = rota_world["world"]
    week1, week2 = turns[(1, "赛沁塔拉嘎查夕阳红服务队")], turns[(2, "赛沁塔拉嘎查夕阳红服务队")]
    services.swap_rota_members(actor=as_user(secretary), turn=week1, volunteer=w.volunteer, other_turn=week2,
                               other_volunteer=rota_world["li"])
    assert names(week1) == sorted(["王建国", "李桂芝"]) and names(week2) == sorted(["王建国", "张秀兰"])


def test_swap_refused_when_someone_would_serve_twice_in_one_turn(rota_world, draft, secretary):
    turns = turns_of(draft)
    w = rota_world["world"]
    week1, week2 = turns[(1, "赛沁塔拉嘎查夕阳红服务队")], turns[(2, "赛沁塔拉嘎查夕阳红服务队")]
    with pytest.raises(ValidationError) as exc:
        services.swap_rota_members(actor=as_user(secretary), turn=week1, volunteer=w.volunteer, other_turn=week2,
                                   other_volunteer=w.leader)
    assert "王建国已在第1周9月12日周六上午赛沁塔拉嘎查夕阳红服务队的班上" in exc.value.messages
    assert names(week1) == sorted(["王建国", "张秀兰"])


def test_swap_turns_refused_across_weeks_and_once_published(rota_world, draft, secretary):
    turns = turns_of(draft)
    with pytest.raises(ValidationError) as exc:
        services.swap_rota_turns(actor=as_user(secretary), turn=turns[(1, "赛沁塔拉嘎查夕阳红服务队")],
                                 other_turn=turns[(2, "红马甲巡逻队")])
    assert exc.value.messages == ["赛沁塔拉嘎查夕阳红服务队第2周已有班次，每个服务队每周只服务一次"]
    services.publish_rota(actor=as_user(secretary), rota=draft, now=BEFORE_TERM)
    with pytest.raises(ValidationError, match="排班已发布"):
        services.swap_rota_turns(actor=as_user(secretary), turn=turns[(1, "赛沁塔拉嘎查夕阳红服务队")],
                                 other_turn=turns[(1, "红马甲巡逻队")])


def test_swap_turns_refused_when_a_member_is_not_free_at_the_new_slot(rota_world, secretary, system_actor):
    """Two slots: 夕阳红 on Saturday, 红马甲 (孙丽 and 赵刚) could only go Sunday if 赵刚 were free then."""
    w = rota_world["world"]
    services.update_volunteer(actor=system_actor, volunteer=w.leader, availability=["sat_am", "sun_am"])
    services.update_volunteer(actor=system_actor, volunteer=rota_world["zhao"], availability=["sat_am", "sun_am"])
    rota = services.generate_rota(actor=as_user(secretary), **rota_args(
        rota_world, slots=["sat_am", "sun_am"], term_end=date(2026, 9, 13), group_min=1, group_max=2))
    turns = turns_of(rota)
    sat = next(t for t in turns.values() if t.slot == "sat_am")
    sun = next(t for t in turns.values() if t.slot == "sun_am")
    assert sat.team.name == "赛沁塔拉嘎查夕阳红服务队" and sun.team.name == "红马甲巡逻队"
    with pytest.raises(ValidationError) as exc:
        services.swap_rota_turns(actor=as_user(secretary), turn=sat, other_turn=sun)
    assert exc.value.messages[0].endswith("周日上午没空，赛沁塔拉嘎查夕阳红服务队不能改到9月13日周日上午")


# ------------------------------------------------------------------------------------------------ pages


def test_rota_list_scoped(draft, as_secretary, as_reader, as_outsider, as_leader, anonymous):
    link = f'href="/volunteers/rotas/{draft.pk}/"'
    for client in (as_secretary, as_reader, as_leader):
        page = client.get("/volunteers/rotas/")
        assert page.status_code == 200 and link in page.content.decode()
    assert link not in as_outsider.get("/volunteers/rotas/").content.decode()
    assert anonymous.get("/volunteers/rotas/").status_code == 302


def test_rota_list_queries_do_not_grow_with_rows(rota_world, secretary, as_secretary,
                                                 django_assert_max_num_queries):
    for n in range(4):
        services.generate_rota(actor=as_user(secretary), **rota_args(rota_world, title=f"排班{n}"))
    with django_assert_max_num_queries(12):
        page = as_secretary.get("/volunteers/rotas/")
    assert page.content.decode().count("排班3") == 1


def test_rota_page_scoped(draft, as_secretary, as_reader, as_outsider, as_insider, anonymous):
    url = f"/volunteers/rotas/{draft.pk}/"
    page = as_secretary.get(url).content.decode()
    assert "第3周" in page and ("赵刚、孙丽" in page or "孙丽、赵刚" in page)
    assert "发布排班" in page and 'class="table cards rota-table"' in page
    reader_page = as_reader.get(url)
    assert reader_page.status_code == 200 and "发布排班" not in reader_page.content.decode()
    assert as_outsider.get(url).status_code == 404
    # A grid worker oversees grid 1, not the village's rota.
    assert as_insider.get(url).status_code == 404
    assert anonymous.get(url).status_code == 302


def test_rota_page_queries_are_constant(draft, as_secretary, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        as_secretary.get(f"/volunteers/rotas/{draft.pk}/")


def test_publish_page_reader_refused_secretary_publishes(draft, as_secretary, as_reader, as_outsider):
    url = f"/volunteers/rotas/{draft.pk}/publish/"
    assert as_reader.post(url).status_code == 403
    assert as_outsider.post(url).status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"
    with freeze_time("2026-09-01 04:00:00"):
        assert as_secretary.post(url).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    assert Activity.objects.filter(rota_turn__rota=draft).count() == 6


def test_print_page_is_standalone_a4(draft, as_secretary, as_outsider):
    page = as_secretary.get(f"/volunteers/rotas/{draft.pk}/print/").content.decode()
    assert 'class="topbar"' not in page and "volunteers/rota.css" in page and "李桂芝" in page
    assert as_outsider.get(f"/volunteers/rotas/{draft.pk}/print/").status_code == 404


def test_print_css_has_a4_rules():
    css = (Path(__file__).resolve().parents[2] / "static" / "volunteers" / "rota.css").read_text()
    assert "@media print" in css and "size:A4" in css


def test_export_rows(draft, as_secretary, as_reader, as_outsider):
    response = as_secretary.get(f"/volunteers/rotas/{draft.pk}/rota.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0] == ("周次", "日期", "时段", "服务队", "主题", "当班队员", "地点", "活动")
    assert len(rows) == 7
    patrol = [r for r in rows[1:] if r[3] == "红马甲巡逻队"]
    assert [r[0] for r in patrol] == [1, 2, 3]
    assert patrol[0][2] == "周六上午" and patrol[0][4] == "理论宣讲" and set(patrol[0][5].split("、")) == {"赵刚", "孙丽"}
    assert as_reader.get(f"/volunteers/rotas/{draft.pk}/rota.xlsx").status_code == 403
    assert as_outsider.get(f"/volunteers/rotas/{draft.pk}/rota.xlsx").status_code == 404


def test_new_rota_preview_then_save_once(rota_world, as_secretary):
    w = rota_world["world"]
    form = {"title": "校门口·微学堂", "site": w.station.pk, "place": "小学校门口",
            "teams": [w.team.pk, rota_world["patrol"].pk], "slots": ["sat_am"], "term_start": "2026-09-07",
            "term_end": "2026-09-27", "start_time": "08:00", "end_time": "10:00", "group_min": 2, "group_max": 2,
            "subjects": "理论宣讲\n政策宣传", "idempotency_key": "k-rota-1", "preview": "1"}
    page = as_secretary.post("/volunteers/rotas/new/", form)
    body = page.content.decode()
    assert page.status_code == 200 and "2个服务队、每周1个服务时段：每个时段安排2个服务队" in body and "保存为草稿" in body
    assert not Rota.objects.exists()
    form.pop("preview")
    form["save"] = "1"
    first = as_secretary.post("/volunteers/rotas/new/", form)
    again = as_secretary.post("/volunteers/rotas/new/", form)
    assert first.status_code == again.status_code == 302
    assert Rota.objects.count() == 1 and RotaTurn.objects.count() == 6


def test_new_rota_impossible_shows_the_reason(rota_world, as_secretary):
    w = rota_world["world"]
    page = as_secretary.post("/volunteers/rotas/new/", {
        "title": "校门口·微学堂", "site": w.station.pk, "place": "小学校门口", "teams": [rota_world["patrol"].pk],
        "slots": ["sat_am"], "term_start": "2026-09-07", "term_end": "2026-09-27", "start_time": "08:00",
        "end_time": "10:00", "group_min": 3, "group_max": 3, "subjects": "理论宣讲", "preview": "1"})
    assert page.status_code == 400
    assert "红马甲巡逻队只有2名队员有空，每组至少3人" in page.content.decode()


def test_new_rota_page_scoped(rota_world, as_secretary, as_reader, as_outsider, as_volunteer):
    assert "红马甲巡逻队" in as_secretary.get("/volunteers/rotas/new/").content.decode()
    assert as_reader.get("/volunteers/rotas/new/").status_code == 403
    assert "红马甲巡逻队" not in as_outsider.get("/volunteers/rotas/new/").content.decode()
    assert as_volunteer.get("/volunteers/rotas/new/").status_code == 404


def test_turn_page_replace_and_refusals(rota_world, draft, as_leader, as_reader, as_secretary):
    turn = turns_of(draft)[(1, "红马甲巡逻队")]
    url = f"/volunteers/rotas/turns/{turn.pk}/"
    page = as_secretary.get(url).content.decode()
    assert "周强（此时段没空）" in page
    refused = as_secretary.post(url, {"action": "replace", "out": rota_world["zhao"].pk,
                                      "into": f"v:{rota_world['zhou'].pk}"})
    assert refused.status_code == 400 and "周强周六上午没空" in refused.content.decode()
    assert as_reader.post(url, {"action": "replace", "out": rota_world["zhao"].pk,
                                "into": f"v:{rota_world['zhou'].pk}"}).status_code == 403
    # 王建国 leads 夕阳红, not 红马甲: he sees the village's rota through his team but may not change this turn.
    assert as_leader.post(url, {"action": "replace", "out": rota_world["zhao"].pk,
                                "into": f"v:{rota_world['zhou'].pk}"}).status_code in (403, 404)
    own = turns_of(draft)[(1, "赛沁塔拉嘎查夕阳红服务队")]
    done = as_leader.post(f"/volunteers/rotas/turns/{own.pk}/", {
        "action": "replace", "out": rota_world["world"].volunteer.pk, "into": f"v:{rota_world['li'].pk}"})
    assert done.status_code == 302
    assert names(own) == sorted(["王建国", "李桂芝"])


# ------------------------------------------------------------------------------------------------ API


def test_api_rotas_scoped(draft, as_secretary, as_outsider, as_reader):
    listed = as_secretary.get("/api/volunteers/rotas/").json()
    assert [r["title"] for r in listed["items"]] == ["校门口·微学堂"] and listed["items"][0]["turn_count"] == 6
    assert as_outsider.get("/api/volunteers/rotas/").json()["items"] == []
    one = as_reader.get(f"/api/volunteers/rotas/{draft.pk}/").json()
    assert len(one["turns"]) == 6 and one["turn_count"] == 6
    first = one["turns"][0]
    assert first["date"] == "2026-09-12" and first["slot_label"] == "周六上午" and len(first["members"]) == 2
    missing = as_outsider.get(f"/api/volunteers/rotas/{draft.pk}/")
    assert missing.status_code == 404 and "detail" in missing.json()


# ------------------------------------------------------------------------------------------------ the demo


def test_term_around_today():
    assert term_around(date(2026, 12, 6)) == (date(2026, 9, 7), date(2027, 1, 17))
    assert term_around(date(2027, 1, 10)) == (date(2026, 9, 7), date(2027, 1, 17))
    assert term_around(date(2026, 4, 20)) == (date(2026, 3, 2), date(2026, 7, 12))
    assert term_around(date(2026, 8, 1)) == (date(2026, 9, 7), date(2027, 1, 17))


def test_demo_rota_of_wudan(volunteer_world, region, system_actor):
    rota = build_demo_rota(actor=system_actor, township=region["乌丹镇"], institute=volunteer_world.institute,
                           today=date(2026, 12, 6), publish=True, now=local(2026, 12, 6, 12))
    assert rota.status == "published" and rota.teams.count() == 10
    turns = list(RotaTurn.objects.filter(rota=rota))
    weeks = {t.week for t in turns}
    assert len(weeks) == 19 and len(turns) == 10 * 19
    assert {len([t for t in turns if t.week == w]) for w in weeks} == {10}
    assert all(2 <= t.members.count() <= 3 for t in turns[:20])
    future = [t for t in turns if t.date > date(2026, 12, 6)]
    assert future and all(t.activity_id for t in future)
    assert all(t.activity_id is None for t in turns if t.date < date(2026, 12, 6))
    # Run again, the same rota comes back.
    assert build_demo_rota(actor=system_actor, township=region["乌丹镇"], institute=volunteer_world.institute,
                           today=date(2026, 12, 6)) == rota


@freeze_time(BEFORE_TERM)
def test_api_publish_a_rota_once_then_409(draft, as_secretary, as_reader, as_outsider, as_insider):
    url = f"/api/volunteers/rotas/{draft.pk}/publish/"
    refused = as_reader.post(url, "{}", content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden" and refused.json()["detail"]
    for stranger in (as_outsider, as_insider):
        missing = stranger.post(url, "{}", content_type="application/json")
        assert missing.status_code == 404 and missing.json() == {"code": "not_found", "detail": "未找到", "errors": {}}
    done = as_secretary.post(url, "{}", content_type="application/json", headers={"Idempotency-Key": "pub-1"})
    assert done.status_code == 200 and done.json()["status"] == "published"
    assert all(t["activity_id"] for t in done.json()["turns"])
    replay = as_secretary.post(url, "{}", content_type="application/json", headers={"Idempotency-Key": "pub-1"})
    assert replay.json() == done.json() and replay["Idempotent-Replayed"] == "true"
    again = as_secretary.post(url, "{}", content_type="application/json")
    assert again.status_code == 409 and again.json()["errors"] == {"rota": ["“校门口·微学堂”已发布"]}
    assert Activity.objects.filter(title__startswith="校门口·微学堂").count() == 6


def test_api_the_leader_replaces_a_member_of_a_turn(rota_world, draft, as_leader, as_reader, as_outsider, as_insider):
    w = rota_world["world"]
    turn = turns_of(draft)[(1, "赛沁塔拉嘎查夕阳红服务队")]
    url = f"/api/volunteers/rotas/turns/{turn.pk}/replace/"
    body = json.dumps({"out_id": w.volunteer.pk, "into_id": rota_world["li"].pk})
    refused = as_reader.post(url, body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    for stranger in (as_outsider, as_insider):
        assert stranger.post(url, body, content_type="application/json").json()["code"] == "not_found"
    done = as_leader.post(url, body, content_type="application/json", headers={"Idempotency-Key": "r-1"})
    assert done.status_code == 200 and sorted(m["name"] for m in done.json()["members"]) == sorted(["王建国", "李桂芝"])
    replay = as_leader.post(url, body, content_type="application/json", headers={"Idempotency-Key": "r-1"})
    assert replay.json() == done.json() and replay["Idempotent-Replayed"] == "true"
    again = as_leader.post(url, body, content_type="application/json")  # she is no longer on the turn
    assert again.status_code == 422 and list(again.json()["errors"]) == ["out"]
    assert names(turns_of(draft)[(1, "赛沁塔拉嘎查夕阳红服务队")]) == sorted(["王建国", "李桂芝"])
