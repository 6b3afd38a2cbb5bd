"""The demo's school-gate rota (校门口·微学堂, after 乌审旗's in seed 000): ten small teams of 乌丹镇's institute serve
at the 乌丹镇第一小学 gate on weekday mornings, two teams a morning, each team once a week in pairs or threes, to a
timetable of 理论宣讲, 政策宣传, 家校共育, 法在身边 and 平安护学.

The lead's demo calls ``build_demo_rota``; it goes through the services like any caller, so the rota is audited.
Run twice, it returns the rota it made the first time.
"""

from datetime import date, datetime, time, timedelta

from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.volunteers import services
from grassroots.volunteers.models import Rota, Site, Team, TeamMember, Volunteer

TITLE = "校门口·微学堂"
PLACE = "乌丹镇第一小学校门口"
SUBJECTS = ["理论宣讲", "政策宣传", "家校共育", "法在身边", "平安护学"]
MORNINGS = ["mon_am", "tue_am", "wed_am", "thu_am", "fri_am"]

# (team, specialty, members); each member is free on every weekday morning but the one named after them (if any).
TEAMS = [
    ("乌丹镇微学堂宣讲队", Team.Specialty.THEORY, [("包海龙", ""), ("刘淑芬", "mon_am"), ("陈志强", "")]),
    ("乌丹镇政策宣传队", Team.Specialty.POLICY, [("王丽华", ""), ("白音仓", "tue_am"), ("高建军", ""), ("孟凡荣", "")]),
    ("乌丹镇家校共育服务队", Team.Specialty.EDUCATION, [("李春梅", ""), ("张立新", "wed_am"), ("乌兰", "")]),
    ("乌丹镇法律明白人服务队", Team.Specialty.LAW, [("赵文博", ""), ("其木格", ""), ("孙国庆", "thu_am")]),
    ("乌丹镇巾帼志愿服务队", Team.Specialty.EDUCATION, [("吴秀英", ""), ("萨仁", "fri_am"), ("郑桂兰", ""), ("马晓燕", "")]),
    ("乌丹镇青年志愿服务队", Team.Specialty.OTHER, [("韩宇", ""), ("宝音", ""), ("冯佳琪", "mon_am")]),
    ("乌丹镇老干部宣讲团", Team.Specialty.THEORY, [("杜德明", ""), ("苏和", "tue_am"), ("魏振华", "")]),
    ("乌丹镇平安护学队", Team.Specialty.PATROL, [("石磊", ""), ("阿拉坦", ""), ("罗继红", "wed_am"), ("田野", "")]),
    ("乌丹镇医疗健身服务队", Team.Specialty.HEALTH, [("许静", ""), ("敖登", "thu_am"), ("程亮", "")]),
    ("乌丹镇科技科普服务队", Team.Specialty.SCIENCE, [("蒋涛", ""), ("那仁", ""), ("邓雪梅", "fri_am")]),
]


def term_around(today: date) -> tuple[date, date]:
    """The school term ``today`` falls in (or the next one, in a holiday), from its first Monday to its last
    Sunday: autumn from September to mid-January, spring from March to mid-July."""
    year = today.year
    if today <= date(year, 1, 18):
        start, end = date(year - 1, 9, 1), date(year, 1, 18)
    elif today <= date(year, 7, 12):  # the spring term (or, in the winter holiday, the one to come)
        start, end = date(year, 3, 1), date(year, 7, 12)
    else:  # the autumn term (or, in the summer holiday, the one to come)
        start, end = date(year, 9, 1), date(year + 1, 1, 18)
    start += timedelta(days=(7 - start.weekday()) % 7)  # the first Monday
    end -= timedelta(days=(end.weekday() + 1) % 7)  # the last Sunday
    return start, end


def build_demo_rota(*, actor: Actor, township: Area, institute: Site, today: date, publish: bool = False,
                    teams: int = len(TEAMS), now: datetime | None = None) -> Rota:
    """乌丹镇's school-gate rota for the term around ``today``: ``teams`` of the teams above (made with their
    registered volunteers and availability if missing), saved as a draft, and published when ``publish`` (turns
    already past stay without an activity)."""
    existing = Rota.objects.filter(area=township, title=TITLE).first()
    if existing is not None:
        return existing
    made = []
    for name, specialty, members in TEAMS[:teams]:
        team = Team.objects.filter(site=institute, name=name).first()
        if team is None:
            volunteers = []
            for person, busy in members:
                volunteer = Volunteer.objects.filter(area=township, name=person).first()
                if volunteer is None:
                    volunteer = services.register_volunteer(
                        actor=actor, name=person, area=township, consent=True, skills=[specialty.label],
                        availability=[s for s in MORNINGS if s != busy] + ["sat_am"])
                volunteers.append(volunteer)
            team = services.create_team(actor=actor, name=name, site=institute, specialty=specialty,
                                        description=f"{TITLE}：每周到校门口服务一次", leader=volunteers[0])
            for volunteer in volunteers:
                if not TeamMember.objects.filter(team=team, volunteer=volunteer, left_on__isnull=True).exists():
                    services.join_team(actor=actor, team=team, volunteer=volunteer, day=today)
        made.append(team)
    start, end = term_around(today)
    rota = services.generate_rota(actor=actor, title=TITLE, area=township, site=institute, place=PLACE, teams=made,
                                  term_start=start, term_end=end, slots=MORNINGS, start_time=time(7, 30),
                                  end_time=time(8, 10), group_min=2, group_max=3, subjects=SUBJECTS)
    if publish:
        rota = services.publish_rota(actor=actor, rota=rota, now=now)
    return rota
