"""The staff and volunteer pages of activities (section B): the activity page for everyone (details and places;
names only to the team's leader and to those who oversee the area), signing up and the waiting list, check-in and
check-out on the day, the activity list, a new activity, 我的志愿服务 and the hours queue."""

import re

import pytest
from django.urls import resolve, reverse
from freezegun import freeze_time

from grassroots.audit.context import Actor
from grassroots.core.testing import client_for
from grassroots.volunteers import services
from grassroots.volunteers.models import Activity, SignUp, Volunteer
from grassroots.volunteers.testing import local

BEFORE = local(2026, 6, 1, 12)
DURING = local(2026, 6, 10, 9, 5)
AFTER = local(2026, 6, 10, 12)


def page(client, activity):
    return client.get(reverse("volunteers-activity", args=[activity.pk]))


def press(client, activity, do, signup=None, key="k1"):
    data = {"do": do, "idempotency_key": key}
    if signup is not None:
        data["signup"] = signup.pk
    return client.post(reverse("volunteers-activity", args=[activity.pk]), data, follow=True)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def visible(response) -> str:
    """What a person reads: the text without the tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def actor(volunteer):
    return Actor(user=volunteer.user, name=volunteer.user.username)


@pytest.fixture
def w(volunteer_world):
    return volunteer_world


# ---------------------------------------------------------------- who sees what on the activity page


@freeze_time(BEFORE)
def test_anyone_sees_a_public_activitys_details_and_places_but_no_names(w, anonymous, as_stranger):
    services.sign_up(actor=actor(w.volunteer), activity=w.activity, volunteer=w.volunteer)
    for client in (anonymous, as_stranger):
        response = page(client, w.activity)
        assert response.status_code == 200
        body = text(response)
        assert "走访独居老人" in body and "赛沁塔拉嘎查一组" in body and "带上扫帚和手套" in body
        assert "剩余1个（共2个）" in body
        assert "张秀兰" not in body and "报名名单" not in body
    assert "登录后报名" in text(page(anonymous, w.activity))
    assert ">报名</button>" in text(page(as_stranger, w.activity))


@freeze_time(BEFORE)
def test_an_anonymous_tap_on_a_button_asks_to_log_in_and_changes_nothing(w, anonymous):
    response = anonymous.post(reverse("volunteers-activity", args=[w.activity.pk]), {"do": "signup"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not SignUp.objects.exists()


@freeze_time(BEFORE)
def test_a_private_activity_is_missing_for_outsiders_and_strangers(w, anonymous, as_stranger, as_outsider,
                                                                    as_volunteer, as_reader):
    Activity.objects.filter(pk=w.activity.pk).update(is_public=False)
    for client in (anonymous, as_stranger, as_outsider):
        assert page(client, w.activity).status_code == 404
    assert page(as_volunteer, w.activity).status_code == 200  # a member of the team
    assert page(as_reader, w.activity).status_code == 200


@freeze_time(BEFORE)
def test_the_roster_shows_names_to_the_leader_and_the_area_read_only(w, as_leader, as_secretary, as_reader,
                                                                     as_insider, as_outsider):
    services.sign_up(actor=actor(w.volunteer), activity=w.activity, volunteer=w.volunteer)
    for client in (as_leader, as_secretary, as_reader):
        body = text(page(client, w.activity))
        assert "报名名单（已报1/2）" in body and "张秀兰" in body
    assert "取消活动" in text(page(as_leader, w.activity))
    assert "取消活动" not in text(page(as_reader, w.activity))
    # A grid worker's role sits on a grid: the village's team is not in their subtree (access/scope.py), so they
    # see what the public sees; an outsider too.
    for client in (as_insider, as_outsider):
        body = text(page(client, w.activity))
        assert "张秀兰" not in body and "报名名单" not in body


@freeze_time(DURING)
def test_a_reader_may_not_act_on_the_roster_and_an_outsider_finds_nothing(w, as_reader, as_outsider):
    signup = services.sign_up(actor=actor(w.volunteer), activity=w.activity, volunteer=w.volunteer, now=BEFORE)
    assert press(as_reader, w.activity, "no_show", signup).status_code == 403
    assert press(as_outsider, w.activity, "no_show", signup).status_code == 404
    assert press(as_reader, w.activity, "cancel_activity").status_code == 403
    signup.refresh_from_db()
    assert not signup.no_show
    assert Activity.objects.get(pk=w.activity.pk).status == "open"


# ---------------------------------------------------------------- signing up, the waiting list, check-in and out


@freeze_time(BEFORE)
def test_signing_up_on_the_page_then_the_waiting_list_moves_up_on_a_cancel(w, as_volunteer, as_leader, as_stranger):
    body = text(press(as_volunteer, w.activity, "signup"))
    assert "报名成功" in body and "已报名" in body and "取消报名" in body
    press(as_leader, w.activity, "signup", key="k2")
    body = text(press(as_stranger, w.activity, "signup", key="k3"))
    assert "已进入候补第1位" in body and "候补第1位" in body
    assert "名额 已满（共2个），候补1人" in text(page(as_stranger, w.activity)).replace("</dt><dd class=\"vol-places\" data-testid=\"places\">", " ")

    mine = SignUp.objects.get(volunteer=w.volunteer)
    assert "已取消报名" in text(press(as_volunteer, w.activity, "cancel", mine, key="k4"))

    assert SignUp.objects.get(volunteer=w.stranger).status == "signed"
    assert "已报名" in text(page(as_stranger, w.activity)) and "候补第" not in text(page(as_stranger, w.activity))
    assert ">报名</button>" not in text(page(as_volunteer, w.activity))  # full again: 报名候补 only
    assert "报名候补" in text(page(as_volunteer, w.activity))


@freeze_time(BEFORE)
def test_a_sign_up_tapped_twice_on_a_weak_signal_signs_up_once(w, as_volunteer):
    first = press(as_volunteer, w.activity, "signup", key="same")
    second = press(as_volunteer, w.activity, "signup", key="same")
    assert "报名成功" in text(first) and "报名成功" in text(second)  # the first reply again, not "已报名"
    assert SignUp.objects.filter(volunteer=w.volunteer).count() == 1


@freeze_time(BEFORE)
def test_one_volunteer_cannot_cancel_anothers_place(w, as_volunteer, as_stranger):
    services.sign_up(actor=actor(w.volunteer), activity=w.activity, volunteer=w.volunteer)
    mine = SignUp.objects.get(volunteer=w.volunteer)
    assert press(as_stranger, w.activity, "cancel", mine).status_code == 404
    assert SignUp.objects.get(pk=mine.pk).status == "signed"


def test_check_in_and_out_on_the_day_and_the_hours_wait_for_the_leader(w):
    # A session left idle for days is signed out (core's idle timeout): each day signs in again.
    with freeze_time(BEFORE):
        services.sign_up(actor=actor(w.volunteer), activity=w.activity, volunteer=w.volunteer)
        assert ">签到</button>" not in text(page(client_for(w.volunteer.user), w.activity))  # not yet the day
    signup = SignUp.objects.get(volunteer=w.volunteer)
    with freeze_time(DURING):
        phone = client_for(w.volunteer.user)
        assert ">签到</button>" in text(page(phone, w.activity))
        body = text(press(phone, w.activity, "check_in", signup))
        assert "已签到（09:05）" in body and ">签退</button>" in body and "取消报名" not in body
    with freeze_time(local(2026, 6, 10, 11, 0)):
        body = visible(press(client_for(w.volunteer.user), w.activity, "check_out", signup, key="k2"))
        assert "已签退" in body and "签到时长 1.9 小时，待队长确认" in body
    signup.refresh_from_db()
    assert signup.minutes == 115 and signup.confirmed_minutes is None
    assert Volunteer.objects.get(pk=w.volunteer.pk).confirmed_minutes == 0


def test_the_leader_checks_someone_in_and_marks_a_no_show(w, as_leader):
    with freeze_time(BEFORE):
        came = services.sign_up(actor=actor(w.volunteer), activity=w.activity, volunteer=w.volunteer)
        absent = services.sign_up(actor=actor(w.leader), activity=w.activity, volunteer=w.leader)
    with freeze_time(DURING):
        assert "代签到" in text(page(as_leader, w.activity))
        press(as_leader, w.activity, "check_in", came)
        body = text(press(as_leader, w.activity, "no_show", absent, key="k2"))
        assert "已记为未到" in body and "未到" in body
    came.refresh_from_db()
    absent.refresh_from_db()
    assert came.checked_in_at == DURING and absent.no_show


@freeze_time(BEFORE)
def test_the_leader_cancels_the_activity_and_volunteers_see_it(w, as_leader, as_volunteer):
    services.sign_up(actor=actor(w.volunteer), activity=w.activity, volunteer=w.volunteer)
    assert "活动已取消" in text(press(as_leader, w.activity, "cancel_activity"))
    assert "该活动已取消" in text(page(as_volunteer, w.activity))
    me = text(as_volunteer.get(reverse("volunteers-me")))
    assert "活动已取消" in me


# ---------------------------------------------------------------- the activity list and a new activity


@freeze_time(BEFORE)
def test_the_activity_list_is_scoped(w, as_leader, as_secretary, as_reader, as_outsider, as_volunteer, anonymous):
    url = reverse("volunteers-activities")
    for client in (as_leader, as_secretary, as_reader):
        response = client.get(url)
        assert response.status_code == 200 and "走访独居老人" in text(response)
    assert "走访独居老人" not in text(client.get(url + "?when=past"))
    outsider = as_outsider.get(url)
    assert outsider.status_code == 200 and "走访独居老人" not in text(outsider)
    assert as_volunteer.get(url).status_code == 404
    assert anonymous.get(url).status_code == 302
    assert as_outsider.get(url + f"?team={w.team.pk}").status_code == 404


def new_activity(client, team, key="n1", **extra):
    data = {"idempotency_key": key, "title": "清扫村道", "day": "2026-06-20", "starts": "08:00", "ends": "10:30",
            "place": "村委会门口", "slots": "5", "needs": "", "description": "", "auto_checkout_minutes": "60",
            "is_public": "on", **extra}
    return client.post(reverse("volunteers-activity-new", args=[team.pk]), data)


@freeze_time(BEFORE)
def test_a_leader_schedules_an_activity_once_however_often_the_form_is_sent(w, as_leader):
    assert as_leader.get(reverse("volunteers-activity-new", args=[w.team.pk])).status_code == 200
    first = new_activity(as_leader, w.team)
    again = new_activity(as_leader, w.team)
    made = Activity.objects.get(title="清扫村道")
    assert first["Location"] == again["Location"] == reverse("volunteers-activity", args=[made.pk])
    assert (made.starts_at, made.ends_at, made.slots, made.auto_checkout_minutes) == (
        local(2026, 6, 20, 8), local(2026, 6, 20, 10, 30), 5, 60)


@freeze_time(BEFORE)
def test_a_new_activity_with_bad_times_names_the_field(w, as_leader):
    response = new_activity(as_leader, w.team, ends="07:00")
    assert response.status_code == 400 and "结束时间须晚于开始时间" in text(response)
    assert not Activity.objects.filter(title="清扫村道").exists()


@freeze_time(BEFORE)
def test_only_the_leader_and_manage_schedule_activities(w, as_secretary, as_reader, as_outsider, as_volunteer,
                                                        as_insider):
    assert new_activity(as_secretary, w.team).status_code == 302
    assert new_activity(as_reader, w.team, key="n2").status_code == 403
    for client in (as_outsider, as_volunteer, as_insider):
        assert new_activity(client, w.team, key="n3").status_code == 404
    assert Activity.objects.filter(title="清扫村道").count() == 1


# ---------------------------------------------------------------- 我的志愿服务 and the hours queue


def attended(w, volunteer, minutes_in=(9, 0), minutes_out=(11, 0), activity=None):
    activity = activity or w.activity
    signup = services.sign_up(actor=actor(volunteer), activity=activity, volunteer=volunteer, now=BEFORE)
    day = activity.starts_at.astimezone(local(2026, 1, 1).tzinfo)
    services.check_in(actor=actor(volunteer), signup=signup,
                      now=day.replace(hour=minutes_in[0], minute=minutes_in[1]))
    services.check_out(actor=actor(volunteer), signup=signup,
                       now=day.replace(hour=minutes_out[0], minute=minutes_out[1]))
    return signup


def test_my_service_never_counts_pending_hours(w, as_volunteer, as_stranger):
    attended(w, w.volunteer, (9, 0), (10, 30))
    with freeze_time(AFTER):
        body = text(as_volunteer.get(reverse("volunteers-me")))
    assert 'data-testid="confirmed-total">0 小时' in body
    assert 'data-testid="pending-total">1.5 小时' in body
    assert "待确认" in body and "再服务 100 小时达到1星" in body
    assert 'data-testid="pending-total">0 小时' in text(as_stranger.get(reverse("volunteers-me")))  # only her own


def test_my_service_for_an_account_that_never_registered(as_secretary):
    response = as_secretary.get(reverse("volunteers-me"))
    assert response.status_code == 200 and "您还没有注册为志愿者" in text(response)


def test_the_queue_groups_by_volunteer_and_never_counts_unconfirmed_hours(w, as_leader):
    signup = attended(w, w.volunteer, (9, 0), (10, 30))
    absent = services.sign_up(actor=actor(w.leader), activity=w.activity, volunteer=w.leader, now=BEFORE)
    with freeze_time(AFTER):
        response = as_leader.get(reverse("volunteers-hours"))
    body = text(response)
    assert "张秀兰 1条，共1.5小时" in visible(response)
    assert f'name="hours_{signup.pk}" value="1.5"' in body
    assert "未到（未签到）" in body and f'name="hours_{absent.pk}" value="0"' in body
    assert Volunteer.objects.get(pk=w.volunteer.pk).confirmed_minutes == 0


def test_confirming_on_the_page_changes_the_volunteers_total_and_stars(w, as_leader, as_volunteer):
    Volunteer.objects.filter(pk=w.volunteer.pk).update(confirmed_minutes=99 * 60)
    signup = attended(w, w.volunteer, (9, 0), (10, 30))
    with freeze_time(AFTER):
        before = text(as_volunteer.get(reverse("volunteers-me")))
        assert 'data-testid="confirmed-total">99 小时' in before and "再服务 1 小时达到1星" in before
        response = as_leader.post(reverse("volunteers-hours"), {
            "idempotency_key": "c1", "volunteer": str(w.volunteer.pk), f"hours_{signup.pk}": "1.5"}, follow=True)
        assert "已确认1条服务记录，共1.5小时" in text(response)
        assert "张秀兰 1条" not in visible(response)
        after = text(as_volunteer.get(reverse("volunteers-me")))
    assert 'data-testid="confirmed-total">100.5 小时' in after and 'aria-label="1星"' in after
    assert "已确认</span> 1.5 小时" in after
    assert SignUp.objects.get(pk=signup.pk).confirmed_minutes == 90


def test_the_leader_edits_the_hours_and_a_bad_figure_is_shown_beside_its_row(w, as_leader, as_stranger):
    mine = attended(w, w.volunteer, (9, 0), (10, 30))
    theirs = attended(w, w.stranger, (9, 0), (11, 0))
    with freeze_time(AFTER):
        bad = as_leader.post(reverse("volunteers-hours"), {
            "idempotency_key": "c1", "signups": [str(mine.pk), str(theirs.pk)], f"hours_{mine.pk}": "1.25",
            f"hours_{theirs.pk}": "2"})
        assert bad.status_code == 400 and "时长最多保留一位小数" in text(bad)
        assert SignUp.objects.filter(confirmed_minutes__isnull=False).count() == 0  # all or nothing
        good = as_leader.post(reverse("volunteers-hours"), {
            "idempotency_key": "c2", "signups": [str(mine.pk), str(theirs.pk)], f"hours_{mine.pk}": "1",
            f"hours_{theirs.pk}": "2"})
    assert good.status_code == 302
    assert dict(SignUp.objects.values_list("volunteer__name", "confirmed_minutes")) == {"张秀兰": 60, "单国强": 120}


def test_a_refusal_of_the_service_is_shown_beside_the_volunteer(w, as_leader):
    signup = attended(w, w.volunteer, (9, 0), (10, 30))
    with freeze_time(AFTER):
        page_before = as_leader.get(reverse("volunteers-hours"))
        assert page_before.status_code == 200
        services.confirm_hours(actor=actor(w.leader), minutes_by_signup={signup.pk: 90})  # confirmed elsewhere
        response = as_leader.post(reverse("volunteers-hours"), {
            "idempotency_key": "c1", "signups": [str(signup.pk)], f"hours_{signup.pk}": "1.5"})
    assert response.status_code == 400 and "已确认或不在待确认列表中" in text(response)
    assert Volunteer.objects.get(pk=w.volunteer.pk).confirmed_minutes == 90  # not twice


def test_who_reaches_the_hours_queue(w, as_leader, as_secretary, as_reader, as_insider, as_outsider, as_volunteer,
                                     anonymous):
    attended(w, w.volunteer)
    url = reverse("volunteers-hours")
    with freeze_time(AFTER):
        for client in (as_leader, as_secretary):
            assert "张秀兰" in text(client.get(url))
        assert as_reader.get(url).status_code == 403
        assert as_insider.get(url).status_code == 404  # a grid worker holds no volunteers.view
        outsider = as_outsider.get(url)
        assert outsider.status_code == 200 and "张秀兰" not in text(outsider)
        assert as_volunteer.get(url).status_code == 404
        assert anonymous.get(url).status_code == 302
        signup = SignUp.objects.get(volunteer=w.volunteer)
        refused = as_outsider.post(url, {"idempotency_key": "x", "signups": [str(signup.pk)],
                                         f"hours_{signup.pk}": "2"})
    assert refused.status_code == 400
    assert SignUp.objects.get(pk=signup.pk).confirmed_minutes is None


# ---------------------------------------------------------------- a constant number of queries


def more_volunteers(w, n, system_actor):
    made = []
    for i in range(n):
        v = services.register_volunteer(actor=system_actor, name=f"队员{i}", area=w.team.area, consent=True)
        made.append(v)
    return made


def test_the_roster_and_the_queue_take_a_constant_number_of_queries(w, as_leader, system_actor,
                                                                    django_assert_max_num_queries):
    activity = services.create_activity(actor=system_actor, team=w.team, title="植树", place="南山",
                                        starts_at=local(2026, 6, 10, 9), ends_at=local(2026, 6, 10, 11), slots=4)
    team_mates = more_volunteers(w, 6, system_actor)
    for i, v in enumerate(team_mates):
        s = services.sign_up(actor=system_actor, activity=activity, volunteer=v, now=BEFORE)
        if i < 3:
            services.check_in(actor=system_actor, signup=s, now=local(2026, 6, 10, 9))
            services.check_out(actor=system_actor, signup=s, now=local(2026, 6, 10, 11))
        s2 = services.sign_up(actor=system_actor, activity=w.activity, volunteer=v, now=BEFORE)
        if s2.status == "signed":
            services.check_in(actor=system_actor, signup=s2, now=local(2026, 6, 10, 9))
    with freeze_time(DURING):
        with django_assert_max_num_queries(16):
            response = page(as_leader, activity)
        assert text(response).count('data-testid="roster-row"') == 6
    with freeze_time(AFTER):
        as_leader = client_for(w.leader.user)  # signed in again: the session was idle since the morning
        with django_assert_max_num_queries(14):
            response = as_leader.get(reverse("volunteers-hours"))
        assert text(response).count('data-testid="queue-row"') == 5
        with django_assert_max_num_queries(14):
            response = as_leader.get(reverse("volunteers-activities") + "?when=past")
        assert text(response).count('data-testid="activity-row"') == 2



@pytest.mark.parametrize("path", ["/volunteers/activities/1/", "/volunteers/me/", "/volunteers/hours/",
                                  "/volunteers/activities/", "/volunteers/teams/1/activities/new/"])
def test_the_activity_pages_read_the_primary(path):
    """Each is opened right after a write (a tap, a confirmation) and must show it (core/tests/test_db_router.py's
    NOT_ROUTED, kept here so the sections merge cleanly)."""
    assert not getattr(resolve(path).func, "reads_from_replica", False)


@freeze_time(BEFORE)
def test_the_rest_of_the_callers_on_the_list_the_form_and_my_service(w, as_insider, as_stranger, anonymous):
    assert as_insider.get(reverse("volunteers-activities")).status_code == 404  # a grid worker: no volunteers.view
    assert as_stranger.get(reverse("volunteers-activities")).status_code == 404
    assert new_activity(as_stranger, w.team).status_code == 404
    assert new_activity(anonymous, w.team).status_code == 302
    assert anonymous.get(reverse("volunteers-me")).status_code == 302
    assert as_stranger.get(reverse("volunteers-hours")).status_code == 404
    assert not Activity.objects.filter(title="清扫村道").exists()


@freeze_time(BEFORE)
def test_the_list_narrows_to_an_area(w, as_county_admin, region):
    url = reverse("volunteers-activities")
    body = text(as_county_admin.get(url))
    assert "走访独居老人" in body and f'<option value="{region["官井子村"].code}">官井子村</option>' in body
    assert "走访独居老人" not in text(as_county_admin.get(url + f"?area={region['官井子村'].code}"))
    assert "走访独居老人" in text(as_county_admin.get(url + f"?area={region['赛沁塔拉嘎查'].code}"))
