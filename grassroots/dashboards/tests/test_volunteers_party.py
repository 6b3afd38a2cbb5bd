"""The volunteer and party figures: after a day of changes made through the services the refresh's roll-ups equal a
recount; the dashboard shows them at the village, the township and the county; each tile opens its register's page
for the area (insider 200 with the right rows, read-only member 200, outsider 404); a grid worker and a cashier never
see the party section.

The clock stands still (freezegun): Monday 2026-06-08 07:00 in Inner Mongolia while the worlds are built and an
activity is held, the queue's refresh runs that evening, and the day of changes is Wednesday 2026-06-10 at 14:00."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from grassroots.dashboards.models import AreaDay
from grassroots.dashboards.sections import party, volunteers
from grassroots.dashboards.selectors import visible_sections
from grassroots.dashboards.testing import refresh, rollups_match_raw
from grassroots.development import services as development
from grassroots.meetings import selectors as meeting_selectors
from grassroots.meetings import services as meetings
from grassroots.meetings.services import Line
from grassroots.members import services as members
from grassroots.neworgs import services as neworgs
from grassroots.party import services as organisations
from grassroots.party.models import Organisation
from grassroots.rules.figures import period_for, ratio_percent
from grassroots.volunteers import services as service
from grassroots.volunteers.models import SignUp

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 6, 8, 7, tzinfo=LOCAL)
NOW = datetime(2026, 6, 10, 14, tzinfo=LOCAL)  # a Wednesday: this week is Monday 8 – Wednesday 10
TODAY = NOW.date()


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL)


@pytest.fixture(autouse=True)
def clock():
    with freeze_time(MONDAY) as frozen:
        yield frozen


@pytest.fixture
def day(clock, region, volunteer_world, party_world, units, system_actor):
    """Monday: an activity of the station's team held (two signed up) and one cancelled; the refresh runs that
    evening. Wednesday: the world's activity held (two signed up), hours confirmed for 张秀兰 on both days (Monday's
    two days late), 王建国's left unconfirmed today and confirmed as nothing for Monday, one more activity cancelled
    after it ended; a unit's team made; a member admitted, one transferred between villages (sent and received), a
    meeting recorded, 官井子村's branch found weak, an applicant registered, two 两新 organisations taken into the
    census and one covered by a new enterprise branch."""
    actor, w, pw = system_actor, volunteer_world, party_world
    monday = service.create_activity(actor=actor, team=w.team, title="清扫村道", place="村委会",
                                     starts_at=local(2026, 6, 8, 9), ends_at=local(2026, 6, 8, 11), slots=5)
    early = {v.name: service.sign_up(actor=actor, activity=monday, volunteer=v) for v in (w.volunteer, w.leader)}
    called_off = service.create_activity(actor=actor, team=w.team, title="雨天取消的义诊", place="村委会",
                                         starts_at=local(2026, 6, 8, 14), ends_at=local(2026, 6, 8, 16), slots=5)
    service.cancel_activity(actor=actor, activity=called_off, reason="下雨")
    clock.move_to(local(2026, 6, 8, 20))
    refresh()

    clock.move_to(local(2026, 6, 10, 8))
    today = {v.name: service.sign_up(actor=actor, activity=w.activity, volunteer=v) for v in (w.volunteer, w.leader)}
    late = service.create_activity(actor=actor, team=w.team, title="临时取消的宣讲", place="村委会",
                                   starts_at=local(2026, 6, 10, 9), ends_at=local(2026, 6, 10, 10), slots=5)
    clock.move_to(NOW)
    service.cancel_activity(actor=actor, activity=late, reason="讲师未到")
    service.confirm_hours(actor=actor, minutes_by_signup={early["张秀兰"].pk: 120, today["张秀兰"].pk: 90,
                                                          early["王建国"].pk: 0})
    assert SignUp.objects.get(pk=today["王建国"].pk).confirmed_minutes is None  # left for the leader
    service.create_team(actor=actor, name="乌丹镇农业服务中心志愿服务队", unit=units["wd-nyzx"])

    members.admit_member(actor=actor, organisation=pw.saiqin, name="其木格", gender="F", birth_date=date(1990, 3, 3),
                         joined_on=TODAY)
    moving = members.send_transfer(actor=actor, member=pw.members["刘建国"], sent_on=TODAY, to_organisation=pw.saiqin)
    members.receive_transfer(actor=actor, transfer=moving, received_on=TODAY)
    meetings.record_meeting(actor=actor, organisation=pw.saiqin, kind="branch_committee", held_on=TODAY,
                            place="嘎查党群服务中心", topic="研究发展党员工作",
                            attendance=[Line(m.pk, "present") for m in meetings.members_on(pw.saiqin, TODAY)])
    organisations.open_rectification(actor=actor, organisation=pw.guanjing, identified_on=TODAY, reasons="组织生活不正常")
    development.register_applicant(actor=actor, organisation=pw.saiqin, applied_on=TODAY, name="包海龙", gender="M",
                                   birth_date=date(2000, 1, 1))
    branch = organisations.create_organisation(
        actor=actor, name="中共乌丹镇蒙源乳业有限公司支部委员会", kind=Organisation.Kind.BRANCH, area=region["乌丹镇"],
        parent=pw.wudan, host=Organisation.Host.ENTERPRISE, host_name="蒙源乳业", founded_on=date(2020, 7, 1))
    dairy = neworgs.register_new_organisation(actor=actor, name="蒙源乳业有限公司", kind="enterprise",
                                              area=region["乌丹镇"], registered_on=TODAY)
    neworgs.register_new_organisation(actor=actor, name="赛沁塔拉嘎查牧民专业合作社", kind="enterprise",
                                      area=region["赛沁塔拉嘎查"], registered_on=TODAY)
    neworgs.cover(actor=actor, new_organisation=dairy, organisation=branch, started_on=TODAY)
    refresh()
    return w, pw


def figures(area) -> dict:
    row = AreaDay.objects.filter(area=area, span=AreaDay.Span.DAY, day=TODAY).first()
    return row.figures if row else {}


def tiles(client, area) -> dict[str, str]:
    """What each tile of the area's dashboard shows, by tile key."""
    page = client.get(f"/dashboard/{area.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    found = re.findall(r'data-testid="tile-([\w.]+)".*?<div class="stat">([^<]*)</div>', html, re.S)
    return dict(found)


def test_a_day_of_changes_rolls_up_as_a_recount_and_only_confirmed_hours_count(day, region):
    assert rollups_match_raw() == []
    village, township, county, other = (region[n] for n in ("赛沁塔拉嘎查", "乌丹镇", "翁牛特旗", "官井子村"))
    # 张秀兰's 120 + 90 minutes confirmed today; 王建国's unconfirmed place and his "nothing" do not count.
    for area in (village, township, county):
        assert figures(area)[volunteers.MINUTES] == 210
        assert figures(area)[volunteers.SERVED] == 2
        assert figures(area)[volunteers.HELD] == 1  # the world's activity; the one cancelled today never counts
    monday = AreaDay.objects.get(area=village, span=AreaDay.Span.DAY, day=date(2026, 6, 8)).figures
    assert monday[volunteers.HELD] == 1 and volunteers.MINUTES not in monday  # held Monday, confirmed Wednesday
    # A unit's team counts in its unit's area (乌丹镇), not in the village below it.
    assert [figures(a)[volunteers.TEAMS] for a in (village, township, county)] == [1, 2, 2]
    assert [figures(a)[volunteers.REGISTERED] for a in (village, township, county)] == [2, 2, 3]
    # Members on the day: 刘建国 received into 赛沁塔拉嘎查 today counts there and no longer in 官井子村.
    assert [figures(a).get(party.MEMBERS, 0) for a in (village, other, township, county)] == [4, 0, 4, 5]
    assert [figures(a)[party.ORGANISATIONS] for a in (village, township, county)] == [2, 4, 8]
    assert party.WEAK not in figures(township) and figures(other)[party.WEAK] == figures(county)[party.WEAK] == 1
    assert figures(village)[party.STAGES["applicant"]] == figures(county)[party.STAGES["applicant"]] == 1
    assert [figures(a).get(party.NEWORGS, 0) for a in (village, township, county)] == [1, 2, 2]
    assert [figures(a).get(party.NEWORGS_COVERED, 0) for a in (village, township, county)] == [0, 1, 1]
    assert figures(village)[party.MEETINGS_HELD] >= 1  # today's 支委会 (the next test checks the whole figure)


def test_the_meetings_figure_is_the_compliance_views_and_its_tile_a_ratio(day, region, county_staff, as_county_staff):
    county = region["翁牛特旗"]
    report = meeting_selectors.compliance(county_staff, area=county, year=2026, today=TODAY)
    held, overdue = report.totals["held"], report.totals["overdue"]
    assert held >= 1  # today's 支委会
    assert figures(county)[party.MEETINGS_HELD] == held
    assert figures(county)[party.MEETINGS_REQUIRED] == held + overdue
    assert tiles(as_county_staff, county)["party.meetings"] == f"{ratio_percent(held, held + overdue)}%"


def test_the_dashboard_shows_the_figures_at_the_village_the_township_and_the_county(
        day, region, as_secretary, as_township_staff, as_county_staff):
    village = tiles(as_secretary, region["赛沁塔拉嘎查"])
    township = tiles(as_township_staff, region["乌丹镇"])
    county = tiles(as_county_staff, region["翁牛特旗"])
    # This week: Monday's and today's activities held, 3.5 hours confirmed today by one volunteer twice.
    for shown in (village, township, county):
        assert shown[volunteers.MINUTES] == "3.5"
        assert shown[volunteers.HELD] == "2"
        assert shown[volunteers.SERVED] == "2"
    assert [s[volunteers.TEAMS] for s in (village, township, county)] == ["1", "2", "2"]
    assert [s[volunteers.REGISTERED] for s in (village, township, county)] == ["2", "2", "3"]
    assert [s[party.MEMBERS] for s in (village, township, county)] == ["4", "4", "5"]
    assert [s[party.ORGANISATIONS] for s in (village, township, county)] == ["2", "4", "8"]
    assert [s[party.WEAK] for s in (village, township, county)] == ["0", "0", "1"]
    assert [s[party.STAGES["applicant"]] for s in (village, township, county)] == ["1", "1", "1"]
    assert [s[party.NEWORGS_COVERED] for s in (village, township, county)] == ["0", "1", "1"]


def test_a_grid_worker_and_a_cashier_never_see_the_party_section(day, region, insider, cashier, reader, as_insider,
                                                                 as_cashier, as_reader):
    village = region["赛沁塔拉嘎查"]
    for user in (insider, cashier):
        assert "party" not in [s.key for s in visible_sections(user, village)]
    assert as_insider.get(f"/dashboard/{village.code}/").status_code == 404
    assert as_cashier.get(f"/dashboard/{village.code}/").status_code == 404
    assert {"party", "volunteers"} <= {s.key for s in visible_sections(reader, village)}
    assert 'data-testid="section-party"' in as_reader.get(f"/dashboard/{village.code}/").content.decode()


def _lists(section, area):
    period = period_for("week", TODAY)
    return {t.key: t.list_url(area, period) for t in section.tiles if t.list_url}


# What each list of 赛沁塔拉嘎查 shows and must not show (from 官井子村, the outsider's village, or another level).
ROWS = {
    volunteers.MINUTES: ("清扫村道", None),
    volunteers.REGISTERED: ("张秀兰", "单国强"),
    volunteers.TEAMS: ("夕阳红服务队", "乌丹镇农业服务中心志愿服务队"),
    party.ORGANISATIONS: ("中共赛沁塔拉嘎查支部委员会", "中共官井子村支部委员会"),
    party.MEMBERS: ("其木格", "高志远"),
    party.STAGES["applicant"]: ("包海龙", "中共官井子村支部委员会"),
    party.NEWORGS: ("赛沁塔拉嘎查牧民专业合作社", "蒙源乳业有限公司"),
}


@pytest.mark.parametrize("section", [volunteers.SECTION, party.SECTION], ids=["volunteers", "party"])
def test_every_tile_list_opens_for_the_village_its_read_only_member_and_not_for_an_outsider(
        day, region, section, as_secretary, as_reader, as_outsider):
    village = region["赛沁塔拉嘎查"]
    lists = _lists(section, village)
    assert len(lists) == len(section.tiles)  # every tile has its list
    for key, url in lists.items():
        page = as_secretary.get(url)
        assert page.status_code == 200, url
        if key in ROWS:
            shown, hidden = ROWS[key]
            html = page.content.decode()
            assert shown in html, (url, shown)
            assert hidden is None or hidden not in html, (url, hidden)
        assert as_reader.get(url).status_code == 200, url
        assert as_outsider.get(url).status_code == 404, url


def test_the_party_lists_keep_to_the_area_asked_for(day, region, as_county_staff, as_outsider):
    other, township = region["官井子村"], region["乌丹镇"]
    weak = as_county_staff.get(_lists(party.SECTION, other)[party.WEAK]).content.decode()
    assert "中共官井子村支部委员会" in weak
    assert "中共官井子村支部委员会" not in as_county_staff.get(
        _lists(party.SECTION, township)[party.WEAK]).content.decode()
    assert as_outsider.get(_lists(party.SECTION, other)[party.WEAK]).status_code == 200  # their own village
    tree = as_county_staff.get(_lists(party.SECTION, township)[party.ORGANISATIONS]).content.decode()
    assert "中共赛沁塔拉嘎查支部委员会" in tree and "中共官井子村支部委员会" not in tree
    register = as_county_staff.get(_lists(party.SECTION, township)[party.MEMBERS]).content.decode()
    assert "刘建国" in register and "高志远" not in register  # received into 赛沁塔拉嘎查; the unit sits in the county
    covered = as_county_staff.get(_lists(party.SECTION, township)[party.NEWORGS_COVERED]).content.decode()
    assert "蒙源乳业有限公司" in covered and "赛沁塔拉嘎查牧民专业合作社" not in covered
