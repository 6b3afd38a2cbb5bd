"""Section A's pages: the overview, practice sites, teams and their members, registering volunteers (consent
required), the register and its export, a volunteer's page and profile, the 志愿 link. Each with the village's
secretary (MANAGE), a reader who only looks (403 on writes), an outsider (404), the team's leader, a member,
a stranger and the anonymous."""

import pytest
from freezegun import freeze_time

from grassroots.access.services import create_account
from grassroots.audit.context import Actor
from grassroots.core.testing import PASSWORD, client_for
from grassroots.volunteers import services
from grassroots.volunteers.models import Site, Team, TeamMember, Volunteer
from grassroots.volunteers.testing import local

BEFORE = local(2026, 6, 1, 12)


def confirm(world, volunteer, minutes):
    """``volunteer`` serves on the world's activity and the leader confirms ``minutes``."""
    actor = Actor(user=volunteer.user, name="v") if volunteer.user else Actor.system("test")
    signup = services.sign_up(actor=actor, activity=world.activity, volunteer=volunteer, now=BEFORE)
    services.confirm_hours(actor=Actor(user=world.leader.user, name="leader"), minutes_by_signup={signup.pk: minutes},
                           now=local(2026, 6, 10, 12))
    return signup


@pytest.fixture
def nobody(region, system_actor):
    """A logged-in account with no role, not a volunteer."""
    user = create_account(actor=system_actor, username="nobody", password=PASSWORD, display_name="路人", roles=[])
    return client_for(user)


@pytest.fixture
def plum(volunteer_world, people, system_actor, region):
    """李春梅 of SQ-0003, registered in 赛沁塔拉嘎查, in no team."""
    return services.register_volunteer(actor=system_actor, name="李春梅", area=region["赛沁塔拉嘎查"], consent=True,
                                       mobile="13904760003", person=people["李春梅"])


# ---------------------------------------------------------------------- the home page


def test_the_overview_counts_an_area_and_only_confirmed_hours(volunteer_world, as_secretary, region):
    w = volunteer_world
    signup = services.sign_up(actor=Actor(user=w.volunteer.user, name="v"), activity=w.activity,
                              volunteer=w.volunteer, now=BEFORE)
    services.check_in(actor=Actor(user=w.volunteer.user, name="v"), signup=signup, now=local(2026, 6, 10, 9))
    services.check_out(actor=Actor(user=w.volunteer.user, name="v"), signup=signup, now=local(2026, 6, 10, 11))
    page = as_secretary.get("/volunteers/")
    assert page.status_code == 200
    overview = page.context["overview"]
    assert (overview.total.sites, overview.total.teams, overview.total.volunteers) == (1, 1, 2)
    assert overview.total.minutes == 0 and overview.top == []  # checked out, not confirmed: nothing counts

    services.confirm_hours(actor=Actor(user=w.leader.user, name="l"), minutes_by_signup={signup.pk: 150},
                           now=local(2026, 6, 10, 12))
    page = as_secretary.get("/volunteers/")
    assert page.context["overview"].total.hours == "2.5"
    assert [v.name for v in page.context["overview"].top] == ["张秀兰"]
    assert page.context["overview"].stars == [2, 0, 0, 0, 0, 0]


def test_the_county_overview_drills_down_to_its_townships(volunteer_world, as_county_admin, region):
    page = as_county_admin.get("/volunteers/")
    rows = {r.area.name: r for r in page.context["overview"].children}
    assert rows["乌丹镇"].sites == 2 and rows["乌丹镇"].volunteers == 2
    assert page.context["overview"].total.volunteers == 3  # 单国强 in 官井子村 too
    down = as_county_admin.get("/volunteers/", {"area": region["乌丹镇"].code})
    assert down.context["area"].name == "乌丹镇"


def test_a_volunteer_sees_their_own_card_and_a_stranger_to_it_the_way_to_register(volunteer_world, as_volunteer,
                                                                                  nobody, anonymous, as_outsider,
                                                                                  region):
    confirm(volunteer_world, volunteer_world.volunteer, 90)
    page = as_volunteer.get("/volunteers/")
    assert page.status_code == 200 and "overview" not in page.context
    text = page.content.decode()
    assert "1.5 小时" in text and "98.5 小时" in text and "赛沁塔拉嘎查夕阳红服务队" in text
    assert 'href="/volunteers/me/"' in text and f"/board/volunteers/{region['赛沁塔拉嘎查'].code}/" in text
    assert "注册志愿者" not in text

    other = nobody.get("/volunteers/")
    assert other.status_code == 200 and 'href="/volunteers/register/"' in other.content.decode()
    assert anonymous.get("/volunteers/").status_code == 302
    assert as_outsider.get("/volunteers/", {"area": region["赛沁塔拉嘎查"].code}).status_code == 404


def test_the_nav_shows_志愿_to_volunteers_leaders_and_viewers_only(volunteer_world, as_volunteer, as_leader,
                                                                  as_reader, nobody):
    for client in (as_volunteer, as_leader, as_reader):
        page = client.get("/").content.decode()
        assert 'href="/volunteers/"' in page and 'data-testid="volunteering"' in page  # the link and the home card
    assert 'href="/volunteers/"' not in nobody.get("/").content.decode()
    card = as_volunteer.get("/").content.decode().split('data-testid="volunteering"', 1)[1].split("</section>", 1)[0]
    assert "我的志愿服务" in card and "已确认服务时长" in card


# ---------------------------------------------------------------------- sites


def test_sites_are_listed_and_shown_within_the_callers_areas(volunteer_world, as_reader, as_outsider, as_insider,
                                                             anonymous, as_stranger):
    w = volunteer_world
    listed = as_reader.get("/volunteers/sites/")
    assert [s.name for s in listed.context["sites"]] == [w.station.name]
    page = as_reader.get(f"/volunteers/sites/{w.station.pk}/")
    text = page.content.decode()
    assert "每天 8:00-18:00" in text and "赛沁塔拉嘎查夕阳红服务队" in text and w.institute.name in text
    institute = as_reader.get(f"/volunteers/sites/{w.institute.pk}/")
    assert institute.status_code == 404  # above the village
    assert as_outsider.get(f"/volunteers/sites/{w.station.pk}/").status_code == 404
    assert as_outsider.get("/volunteers/sites/").context["sites"] == []
    assert as_insider.get(f"/volunteers/sites/{w.station.pk}/").status_code == 404  # a grid holds no site
    assert as_stranger.get("/volunteers/sites/").status_code == 404
    assert anonymous.get("/volunteers/sites/").status_code == 302


def test_managing_sites(volunteer_world, as_secretary, as_reader, as_outsider, region):
    w = volunteer_world
    url = f"/volunteers/sites/{w.station.pk}/edit/"
    assert as_reader.get(url).status_code == 403
    assert as_reader.post(url, {"name": "改名"}).status_code == 403
    assert as_outsider.post(url, {"name": "改名"}).status_code == 404
    saved = as_secretary.post(url, {"name": "赛沁塔拉嘎查新时代文明实践站", "address": "村委会", "opening_hours": "周一至周日 8:00-20:00",
                                    "offers": "理论宣讲", "is_active": "on"})
    assert saved.status_code == 302
    w.station.refresh_from_db()
    assert w.station.opening_hours == "周一至周日 8:00-20:00" and w.station.is_active
    assert as_secretary.post(url, {"name": " "}).status_code == 400

    assert as_reader.get("/volunteers/sites/new/").status_code == 403
    form = as_secretary.get("/volunteers/sites/new/")
    key = form.context["form"].initial["idempotency_key"]
    body = {"idempotency_key": key, "area": region["赛沁塔拉嘎查"].code, "level": "point", "name": "红色教育基地"}
    assert as_secretary.post("/volunteers/sites/new/", body).status_code == 302
    assert as_secretary.post("/volunteers/sites/new/", body).status_code == 302  # sent twice: made once
    point = Site.objects.get(name="红色教育基地")
    assert point.parent == w.station and Site.objects.filter(name="红色教育基地").count() == 1
    twice = as_secretary.post("/volunteers/sites/new/", {"idempotency_key": "other", "area": region["赛沁塔拉嘎查"].code,
                                                        "name": "第二个站"})
    assert twice.status_code == 400 and "赛沁塔拉嘎查已有新时代文明实践站" in twice.content.decode()
    elsewhere = as_outsider.post("/volunteers/sites/new/", {"idempotency_key": "k", "area": region["赛沁塔拉嘎查"].code,
                                                           "level": "point", "name": "越界"})
    assert elsewhere.status_code == 404 and not Site.objects.filter(name="越界").exists()


# ---------------------------------------------------------------------- teams


@freeze_time("2026-06-01 04:00:00")  # before the activity: it is upcoming
def test_the_team_page_shows_phones_only_to_viewers_and_the_leader(volunteer_world, as_reader, as_leader,
                                                                   as_volunteer, as_stranger, as_outsider,
                                                                   as_insider, anonymous):
    w = volunteer_world
    url = f"/volunteers/teams/{w.team.pk}/"
    for client in (as_reader, as_leader):
        text = client.get(url).content.decode()
        assert "13904760001" in text and "张秀兰" in text and "王建国" in text
        assert f"/volunteers/activities/{w.activity.pk}/" in text
    member = as_volunteer.get(url)
    assert member.status_code == 200
    text = member.content.decode()
    assert "张秀兰" in text and "13904760001" not in text and "13904760002" not in text
    assert [m.volunteer.name for m in member.context["members"]] == ["王建国", "张秀兰"]  # the leader first
    for client in (as_stranger, as_outsider, as_insider):
        assert client.get(url).status_code == 404
    assert anonymous.get(url).status_code == 302


def test_the_team_list_is_scoped(volunteer_world, as_reader, as_leader, as_outsider, as_volunteer):
    w = volunteer_world
    assert [t.name for t in as_reader.get("/volunteers/teams/").context["teams"]] == [w.team.name]
    assert [t.name for t in as_leader.get("/volunteers/teams/").context["teams"]] == [w.team.name]  # leads it
    assert as_outsider.get("/volunteers/teams/").context["teams"] == []
    assert as_volunteer.get("/volunteers/teams/").status_code == 404


def test_a_new_team_needs_manage_and_a_registered_leader(volunteer_world, plum, as_secretary, as_reader,
                                                         as_outsider):
    w = volunteer_world
    assert as_reader.get("/volunteers/teams/new/").status_code == 403
    form = as_secretary.get("/volunteers/teams/new/")
    assert form.status_code == 200
    key = form.context["form"].initial["idempotency_key"]
    body = {"idempotency_key": key, "name": "治安巡逻队", "site": w.station.pk, "specialty": "patrol",
            "leader": plum.pk}
    made = as_secretary.post("/volunteers/teams/new/", body)
    assert made.status_code == 302
    assert as_secretary.post("/volunteers/teams/new/", body).status_code == 302
    team = Team.objects.get(name="治安巡逻队")
    assert team.leader == plum and Team.objects.filter(name="治安巡逻队").count() == 1
    assert TeamMember.objects.filter(team=team, volunteer=plum).exists()
    missing = as_secretary.post("/volunteers/teams/new/", {"idempotency_key": "x", "name": "无主队", "specialty": "other"})
    assert missing.status_code == 400 and "服务队须属于一个实践阵地或一个单位" in missing.content.decode()
    # The outsider's choices hold no site of 赛沁塔拉嘎查: choosing one is refused, nothing made.
    stolen = as_outsider.post("/volunteers/teams/new/", {"idempotency_key": "y", "name": "越界队",
                                                        "site": w.station.pk, "specialty": "other"})
    assert stolen.status_code == 400 and not Team.objects.filter(name="越界队").exists()


def test_the_leader_adds_and_removes_members_and_others_may_not(volunteer_world, plum, as_leader, as_reader,
                                                                as_outsider, as_volunteer):
    w = volunteer_world
    add = f"/volunteers/teams/{w.team.pk}/members/"
    assert as_reader.post(add, {"volunteer": plum.pk}).status_code == 403
    assert as_outsider.post(add, {"volunteer": plum.pk}).status_code == 404
    assert as_volunteer.post(add, {"volunteer": plum.pk}).status_code == 404
    assert not TeamMember.objects.filter(team=w.team, volunteer=plum).exists()
    assert as_leader.post(add, {"volunteer": plum.pk}).status_code == 302
    assert TeamMember.objects.filter(team=w.team, volunteer=plum, left_on__isnull=True).exists()
    # 单国强 is registered in 官井子村, outside the team's area: not among the choices.
    as_leader.post(add, {"volunteer": w.stranger.pk})
    assert not TeamMember.objects.filter(team=w.team, volunteer=w.stranger).exists()

    remove = f"/volunteers/teams/{w.team.pk}/members/{plum.pk}/remove/"
    assert as_reader.post(remove).status_code == 403
    assert as_leader.post(remove).status_code == 302
    assert not TeamMember.objects.filter(team=w.team, volunteer=plum, left_on__isnull=True).exists()
    as_leader.post(f"/volunteers/teams/{w.team.pk}/members/{w.leader.pk}/remove/")
    assert TeamMember.objects.filter(team=w.team, volunteer=w.leader, left_on__isnull=True).exists()


def test_a_volunteer_joins_a_team_themselves(volunteer_world, as_stranger, nobody):
    w = volunteer_world
    assert as_stranger.post(f"/volunteers/teams/{w.team.pk}/join/").status_code == 302
    assert TeamMember.objects.filter(team=w.team, volunteer=w.stranger, left_on__isnull=True).exists()
    assert as_stranger.get(f"/volunteers/teams/{w.team.pk}/").status_code == 200  # now a member
    again = as_stranger.post(f"/volunteers/teams/{w.team.pk}/join/", follow=True)
    assert "单国强已是赛沁塔拉嘎查夕阳红服务队的队员" in again.content.decode()
    assert nobody.post(f"/volunteers/teams/{w.team.pk}/join/")["Location"] == "/volunteers/register/"


# ---------------------------------------------------------------------- registering


def test_self_registration_needs_consent_and_runs_once(volunteer_world, nobody, region):
    form = nobody.get("/volunteers/register/")
    text = form.content.decode()
    assert services.CONSENT_TEXT in text and 'value="mon_am"' in text
    key = form.context["form"].initial["idempotency_key"]
    body = {"idempotency_key": key, "name": "刘志远", "mobile": "13904769999", "area": region["官井子村"].pk,
            "skills": "理发、维修", "availability": ["sat_am", "sun_pm"]}
    refused = nobody.post("/volunteers/register/", body)
    assert refused.status_code == 400 and "须阅读并同意志愿者注册须知" in refused.content.decode()
    assert not Volunteer.objects.filter(name="刘志远").exists()
    assert nobody.post("/volunteers/register/", {**body, "consent": "on"}).status_code == 302
    assert nobody.post("/volunteers/register/", {**body, "consent": "on"}).status_code == 302
    made = Volunteer.objects.get(name="刘志远")
    assert made.user.username == "nobody" and made.area == region["官井子村"] and made.person is None
    assert made.skills == ["理发", "维修"] and made.availability == ["sat_am", "sun_pm"]
    assert made.consent_version == services.CONSENT_VERSION
    assert nobody.get("/volunteers/register/")["Location"] == "/volunteers/"


def test_manage_registers_a_resident_who_consented_on_paper(volunteer_world, as_secretary, as_reader, as_outsider,
                                                            people):
    url = "/volunteers/register/?resident=1"
    assert as_reader.get(url).status_code == 403
    form = as_secretary.get(url)
    assert "纸质" in form.content.decode()
    key = form.context["form"].initial["idempotency_key"]
    body = {"idempotency_key": key, "household": "SQ-0003", "name": "李春梅", "consent": "on"}
    wrong = as_secretary.post(url, {**body, "name": "李春"})
    assert wrong.status_code == 400 and "户号“SQ-0003”下没有名为“李春”的居民" in wrong.content.decode()
    assert as_secretary.post(url, {**body, "consent": ""}).status_code == 400
    assert as_secretary.post(url, body).status_code == 302
    made = Volunteer.objects.get(name="李春梅")
    assert made.person == people["李春梅"] and made.user is None and made.area.name == "赛沁塔拉嘎查"
    outside = as_outsider.post(url, {"idempotency_key": "z", "household": "SQ-0004", "name": "赵德胜",
                                     "consent": "on"})
    assert outside.status_code == 400 and not Volunteer.objects.filter(name="赵德胜").exists()


# ---------------------------------------------------------------------- the register of volunteers


def test_the_register_is_scoped_and_filtered(volunteer_world, as_reader, as_outsider, as_leader, as_insider,
                                             region):
    w = volunteer_world
    Volunteer.objects.filter(pk=w.volunteer.pk).update(confirmed_minutes=100 * 60)  # a year of confirmed service
    names = [v.name for v in as_reader.get("/volunteers/people/").context["page"].object_list]
    assert sorted(names) == ["张秀兰", "王建国"]
    starred = as_reader.get("/volunteers/people/", {"stars": "1"}).context["page"].object_list
    assert [v.name for v in starred] == ["张秀兰"]
    in_team = as_reader.get("/volunteers/people/", {"team": w.team.pk}).context["page"].object_list
    assert sorted(v.name for v in in_team) == ["张秀兰", "王建国"]
    assert [v.name for v in as_outsider.get("/volunteers/people/").context["page"].object_list] == ["单国强"]
    assert as_outsider.get("/volunteers/people/", {"area": region["赛沁塔拉嘎查"].code}).status_code == 404
    assert as_leader.get("/volunteers/people/").status_code == 404
    assert as_insider.get("/volunteers/people/").status_code == 404  # a grid worker holds no volunteers.view


def test_the_register_reads_a_constant_number_of_queries(volunteer_world, as_reader, region, system_actor,
                                                         django_assert_max_num_queries):
    w = volunteer_world
    for n in range(12):
        v = services.register_volunteer(actor=system_actor, name=f"志愿者{n:02d}", area=region["赛沁塔拉嘎查"],
                                        consent=True, mobile=f"139047610{n:02d}")
        services.join_team(actor=system_actor, team=w.team, volunteer=v)
    with django_assert_max_num_queries(14):
        page = as_reader.get("/volunteers/people/")
    assert len(page.context["page"].object_list) == 14
    with django_assert_max_num_queries(14):
        assert as_reader.get(f"/volunteers/teams/{w.team.pk}/").status_code == 200
    with django_assert_max_num_queries(14):
        assert len(as_reader.get("/volunteers/teams/").context["teams"]) == 1


def test_the_export_needs_export(volunteer_world, as_secretary, as_reader, as_outsider, region):
    got = as_secretary.get("/volunteers/people.xlsx")
    assert got.status_code == 200 and got["Content-Type"].startswith("application/vnd.openxmlformats")
    assert as_reader.get("/volunteers/people.xlsx").status_code == 403
    assert as_outsider.get("/volunteers/people.xlsx", {"area": region["赛沁塔拉嘎查"].code}).status_code == 404


def test_a_volunteers_page_and_profile(volunteer_world, as_volunteer, as_reader, as_leader, as_outsider,
                                       as_stranger, as_secretary):
    w = volunteer_world
    url = f"/volunteers/people/{w.volunteer.pk}/"
    for client in (as_volunteer, as_reader, as_leader):
        page = client.get(url)
        assert page.status_code == 200 and "13904760001" in page.content.decode()
    assert "周三上午" in as_volunteer.get(url).content.decode()
    for client in (as_outsider, as_stranger):
        assert client.get(url).status_code == 404

    profile = f"/volunteers/people/{w.volunteer.pk}/profile/"
    saved = as_volunteer.post(profile, {"mobile": "13904760001", "skills": "照护老人 理发", "availability": ["fri_eve"]})
    assert saved.status_code == 302
    w.volunteer.refresh_from_db()
    assert w.volunteer.availability == ["fri_eve"] and w.volunteer.skills == ["照护老人", "理发"]
    assert as_reader.post(profile, {"availability": ["mon_am"]}).status_code == 403
    assert as_leader.post(profile, {"availability": ["mon_am"]}).status_code == 403
    assert as_outsider.post(profile, {"availability": ["mon_am"]}).status_code == 404
    assert as_secretary.post(profile, {"mobile": "123", "availability": []}).status_code == 400
    w.volunteer.refresh_from_db()
    assert w.volunteer.availability == ["fri_eve"]
