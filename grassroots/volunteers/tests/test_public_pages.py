"""The public pages of an area (no login): the calendar of upcoming public activities with places left and the
teams — no names —, and the honour board by confirmed hours with masked names, never a phone."""

import pytest
from freezegun import freeze_time

from grassroots.audit.context import Actor
from grassroots.rules.masking import mask_name
from grassroots.volunteers import services
from grassroots.volunteers.testing import local

BEFORE = local(2026, 6, 1, 12)


def as_user(user):
    return Actor(user=user, name=user.username)


@pytest.fixture
def code(region):
    return region["赛沁塔拉嘎查"].code


@freeze_time("2026-06-01 04:00:00")
def test_the_calendar_shows_places_left_and_no_names(volunteer_world, anonymous, code, system_actor):
    w = volunteer_world
    services.sign_up(actor=as_user(w.volunteer.user), activity=w.activity, volunteer=w.volunteer, now=BEFORE)
    hidden = services.create_activity(actor=system_actor, team=w.team, title="内部培训", place="村委会",
                                      starts_at=local(2026, 6, 12, 9), ends_at=local(2026, 6, 12, 10), slots=5,
                                      is_public=False)
    cancelled = services.create_activity(actor=system_actor, team=w.team, title="取消的活动", place="村委会",
                                         starts_at=local(2026, 6, 13, 9), ends_at=local(2026, 6, 13, 10), slots=5)
    services.cancel_activity(actor=system_actor, activity=cancelled)
    page = anonymous.get(f"/board/volunteers/{code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "走访独居老人" in text and "赛沁塔拉嘎查一组" in text and "赛沁塔拉嘎查夕阳红服务队" in text
    assert "剩 <strong>1</strong> / 2" in text
    assert hidden.title not in text and cancelled.title not in text
    for secret in ("张秀兰", "王建国", "13904760001", "13904760002"):
        assert secret not in text
    services.sign_up(actor=as_user(w.leader.user), activity=w.activity, volunteer=w.leader, now=BEFORE)
    assert "已满" in anonymous.get(f"/board/volunteers/{code}/").content.decode()


@freeze_time("2026-07-01 04:00:00")
def test_an_ended_activity_leaves_the_calendar(volunteer_world, anonymous, code):
    assert "走访独居老人" not in anonymous.get(f"/board/volunteers/{code}/").content.decode()


def test_an_unknown_area_is_404(volunteer_world, anonymous, region):
    assert anonymous.get("/board/volunteers/999999999999/").status_code == 404
    assert anonymous.get(f"/board/volunteers/{region['赛沁塔拉嘎查1'].code}/honour/").status_code == 404  # a grid


def test_the_honour_board_counts_only_confirmed_hours_and_masks_names(volunteer_world, anonymous, code, region):
    w = volunteer_world
    signup = services.sign_up(actor=as_user(w.volunteer.user), activity=w.activity, volunteer=w.volunteer,
                              now=BEFORE)
    services.check_in(actor=as_user(w.volunteer.user), signup=signup, now=local(2026, 6, 10, 9))
    services.check_out(actor=as_user(w.volunteer.user), signup=signup, now=local(2026, 6, 10, 11))
    url = f"/board/volunteers/{code}/honour/"
    unconfirmed = anonymous.get(url)
    assert unconfirmed.status_code == 200 and unconfirmed.context["rows"] == []  # checked out, not confirmed

    services.confirm_hours(actor=as_user(w.leader.user), minutes_by_signup={signup.pk: 120},
                           now=local(2026, 6, 10, 12))
    page = anonymous.get(url)
    text = page.content.decode()
    assert page.context["rows"] == [{"name": mask_name("张秀兰"), "hours": "2", "stars": 0, "star_label": "未评星",
                                     "team": "赛沁塔拉嘎查夕阳红服务队"}]
    assert mask_name("张秀兰") in text and "张秀兰" not in text and "13904760001" not in text
    # The banner's board includes the village's volunteers; another village's does not.
    assert anonymous.get(f"/board/volunteers/{region['翁牛特旗'].code}/honour/").context["rows"][0]["hours"] == "2"
    assert anonymous.get(f"/board/volunteers/{region['官井子村'].code}/honour/").context["rows"] == []
