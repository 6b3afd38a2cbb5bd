"""The volunteer world tests build on: 翁牛特旗's practice centre, 乌丹镇's institute and 赛沁塔拉嘎查's station; the
station's 夕阳红服务队 led by 王建国 (SQ-0002's head, account ``leader``, no role on any area) with 张秀兰 (SQ-0001,
account ``volunteer``) as a member; 单国强 of 官井子村 (account ``stranger``) registered in his own village; and one
activity of the team on 2026-06-10 09:00–11:00 with two places."""

from dataclasses import dataclass
from datetime import date, datetime, time
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


def build_rota_world(*, actor, world: VolunteerWorld, village) -> dict:
    """Two teams of 赛沁塔拉嘎查's station serving Saturday mornings: 夕阳红服务队 (王建国, 张秀兰 and 李桂芝, all free
    then) and 红马甲巡逻队 (赵刚, 孙丽 free; 周强 only on Monday)."""

    def volunteer(name, slots):
        return services.register_volunteer(actor=actor, name=name, area=village, consent=True, availability=slots)

    li = volunteer("李桂芝", ["sat_am"])
    services.join_team(actor=actor, team=world.team, volunteer=li)
    patrol = services.create_team(actor=actor, name="红马甲巡逻队", site=world.station, specialty=Team.Specialty.PATROL)
    members = [volunteer("赵刚", ["sat_am"]), volunteer("孙丽", ["sat_am", "sun_am"]), volunteer("周强", ["mon_am"])]
    for v in members:
        services.join_team(actor=actor, team=patrol, volunteer=v)
    return {"world": world, "village": village, "li": li, "patrol": patrol, "zhao": members[0], "sun": members[1],
            "zhou": members[2]}


def rota_args(rw, **overrides) -> dict:
    """``services.generate_rota``'s arguments for the rota world's term of three Saturdays from 2026-09-07."""
    args = dict(title="校门口·微学堂", area=rw["village"], place="赛沁塔拉嘎查小学校门口",
                teams=[rw["world"].team, rw["patrol"]], term_start=date(2026, 9, 7), term_end=date(2026, 9, 27),
                slots=["sat_am"], start_time=time(8, 0), end_time=time(10, 0), group_min=2, group_max=2,
                subjects=["理论宣讲", "政策宣传", "家校共育"], site=rw["world"].station)
    args.update(overrides)
    return args
