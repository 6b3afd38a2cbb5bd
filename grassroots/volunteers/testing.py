"""The volunteer world tests build on: 翁牛特旗's practice centre, 乌丹镇's institute and 赛沁塔拉嘎查's station; the
station's 夕阳红服务队 led by 王建国 (SQ-0002's head, account ``leader``, no role on any area) with 张秀兰 (SQ-0001,
account ``volunteer``) as a member; 单国强 of 官井子村 (account ``stranger``) registered in his own village; and one
activity of the team on 2026-06-10 09:00–11:00 with two places."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from grassroots.access.services import create_account
from grassroots.areas.models import Person
from grassroots.core.testing import PASSWORD
from grassroots.volunteers import services
from grassroots.volunteers.models import Activity, Site, Team, Volunteer

LOCAL = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    """An aware local time: local(2026, 6, 10, 9) is 09:00 in Inner Mongolia."""
    return datetime(*args, tzinfo=LOCAL)


@dataclass
class VolunteerWorld:
    centre: Site
    institute: Site
    station: Site
    team: Team
    leader: Volunteer  # 王建国; leader.user is the account
    volunteer: Volunteer  # 张秀兰
    stranger: Volunteer  # 单国强 of 官井子村
    activity: Activity  # 2026-06-10 09:00–11:00, two places


def build_volunteer_world(*, actor, region, homes) -> VolunteerWorld:
    people = {p.name: p for p in Person.objects.filter(name__in=["王建国", "张秀兰", "单国强"])}
    village = region["赛沁塔拉嘎查"]
    centre = services.create_site(actor=actor, area=region["翁牛特旗"], name="翁牛特旗新时代文明实践中心",
                                  address="乌丹镇全宁街", opening_hours="周一至周五 8:30-17:30", offers="理论宣讲、志愿服务调度")
    institute = services.create_site(actor=actor, area=region["乌丹镇"], name="乌丹镇新时代文明实践所")
    station = services.create_site(actor=actor, area=village, name="赛沁塔拉嘎查新时代文明实践站",
                                   address="赛沁塔拉嘎查党群服务中心", opening_hours="每天 8:00-18:00",
                                   offers="政策宣讲、助老服务、农牧技术培训")
    accounts = {}
    for username, name in (("leader", "王建国"), ("volunteer", "张秀兰"), ("stranger", "单国强")):
        accounts[name] = create_account(actor=actor, username=username, password=PASSWORD, display_name=name, roles=[])
    leader = services.register_volunteer(actor=actor, name="王建国", area=village, consent=True, mobile="13904760002",
                                         person=people["王建国"], user=accounts["王建国"], skills=["组织协调"],
                                         availability=["sat_am", "sun_am"])
    volunteer = services.register_volunteer(actor=actor, name="张秀兰", area=village, consent=True,
                                            mobile="13904760001", person=people["张秀兰"], user=accounts["张秀兰"],
                                            skills=["照护老人"], availability=["wed_am", "sat_am"])
    stranger = services.register_volunteer(actor=actor, name="单国强", area=region["官井子村"], consent=True,
                                           person=people["单国强"], user=accounts["单国强"])
    team = services.create_team(actor=actor, name="赛沁塔拉嘎查夕阳红服务队", site=station,
                                specialty=Team.Specialty.ELDERLY, description="走访独居老人，帮忙打扫、代购",
                                leader=leader)
    services.join_team(actor=actor, team=team, volunteer=volunteer)
    activity = services.create_activity(actor=actor, team=team, title="走访独居老人", place="赛沁塔拉嘎查一组",
                                        starts_at=local(2026, 6, 10, 9), ends_at=local(2026, 6, 10, 11), slots=2,
                                        needs="带上扫帚和手套")
    return VolunteerWorld(centre=centre, institute=institute, station=station, team=team, leader=leader,
                          volunteer=volunteer, stranger=stranger, activity=activity)
