"""The demo county's volunteer service (seeds 000, 001, 003): 翁牛特旗's 新时代文明实践中心, an institute in each of its
townships, a station in each village and community, two practice points; teams of the station of 赛沁塔拉嘎查 (夕阳红
服务队, 治安巡逻队), of 乌丹镇's institute (理论宣讲队) and of a county unit (旗教育局); volunteers registered from the
village's residents and party members; and activities from about three months before today to two weeks after,
with sign-ups, check-ins and check-outs, an automatic checkout and no-shows, hours confirmed by the leaders (the
last week's still waiting), and the points claims the confirmed hours propose in 赛沁塔拉嘎查 (its catalogue's
"志愿服务" rule, +5 分/小时).

Written through the services (sites, teams, registrations, sign-ups, attendance, confirmed hours), dated relative
to today so the demo always has a current week to look at. Idempotent: a second run finds the centre and changes
nothing.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from grassroots.access.models import User
from grassroots.access.services import create_account
from grassroots.areas.models import Area, Level, Person
from grassroots.audit.context import Actor
from grassroots.catalogue import services as catalogue_services
from grassroots.catalogue.models import RuleSet
from grassroots.core.demo import COUNTY, DEMO_PASSWORD, SAIQIN, WUDAN
from grassroots.demands.models import Unit
from grassroots.members.models import Member, Membership
from grassroots.volunteers import services
from grassroots.volunteers.demo_rota import build_demo_rota
from grassroots.volunteers.models import SignUp, Site, Team, Volunteer

# The accounts README hands a newcomer: (username, what they are, where), like demo.load_demo's list. Neither holds
# a role on any area: a volunteer sees their own service, a leader runs their team.
VOLUNTEER_ACCOUNTS = [
    ("zhiyuanzhe", "志愿者（无区域角色）", "赛沁塔拉嘎查夕阳红服务队"),
    ("duizhang", "服务队队长（无区域角色）", "赛沁塔拉嘎查夕阳红服务队"),
]
# The rule of 赛沁塔拉嘎查's catalogue that confirmed hours are claimed under (added when the catalogue has none).
HOURS_RULE = {"code": "F01", "title": "志愿服务（按服务时长）", "kind": "incentive",
              "categories": ["party_member", "resident"], "points": 5, "unit": "per_hour", "cap": 40,
              "cap_period": "month"}
# Hours of a week or more ago are confirmed; the last week's wait for the leader (pending).
CONFIRMED_AFTER = timedelta(days=7)


def load_demo_volunteers(*, actor: Actor, today: date | None = None) -> None:
    """Idempotent: a second run finds the centre and changes nothing."""
    county = Area.objects.filter(code=COUNTY).first()
    if county is None or Site.objects.filter(area=county, level=Site.Level.CENTRE).exists():
        return
    now = timezone.now() if today is None else _at(today, 12)  # a given day is the demo's today, at noon
    today = today or timezone.localdate()
    sites = _sites(actor, county)
    teams = _teams(actor, sites)
    if not teams:
        return
    _hours_rule(actor, today)
    _activities(actor, teams, today=today, now=now)
    wudan = Area.objects.filter(code=WUDAN).first()
    if wudan is not None and WUDAN in sites:  # 乌丹镇's 校门口·微学堂: the term's rota, published from today on
        build_demo_rota(actor=actor, township=wudan, institute=sites[WUDAN], today=today, publish=True, now=now)
    # Points proposed from the confirmed hours into 赛沁塔拉嘎查's review.
    services.propose_hours_claims(actor=actor, today=today)


def _sites(actor: Actor, county: Area) -> dict[str, Site]:
    """The centre, an institute per township, a station per village or community, and two points."""
    made = {"centre": services.create_site(
        actor=actor, area=county, name="翁牛特旗新时代文明实践中心", address="乌丹镇全宁街旗融媒体中心一楼",
        opening_hours="周一至周五 8:30-17:30", phone="04764322000",
        offers="理论宣讲、志愿服务调度、文明实践活动策划")}
    for township in Area.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code"):
        made[township.code] = services.create_site(actor=actor, area=township, name=f"{township.name}新时代文明实践所",
                                                   opening_hours="周一至周五 8:30-17:30", offers="理论宣讲、政策宣传")
        for village in Area.objects.filter(parent=township, level=Level.VILLAGE).order_by("code"):
            made[village.code] = services.create_site(
                actor=actor, area=village, name=f"{village.name}新时代文明实践站",
                address=f"{village.name}党群服务中心", opening_hours="每天 8:00-18:00",
                offers="政策宣讲、助老服务、农牧技术培训")
    wudan = Area.objects.filter(code=WUDAN).first()
    if wudan is not None:
        made["point-wudan"] = services.create_site(
            actor=actor, area=wudan, level=Site.Level.POINT, name="乌丹镇爱国主义教育基地",
            address="乌丹镇全宁街革命烈士纪念馆", opening_hours="周二至周日 9:00-16:30", offers="红色教育、义务讲解")
    saiqin = Area.objects.filter(code=SAIQIN).first()
    if saiqin is not None:
        made["point-saiqin"] = services.create_site(
            actor=actor, area=saiqin, level=Site.Level.POINT, name="赛沁塔拉嘎查牧民书屋",
            address="赛沁塔拉嘎查党群服务中心二楼", opening_hours="每天 9:00-17:00", offers="读书分享、蒙汉双语读物借阅")
    return made


def _account(actor: Actor, username: str, name: str) -> User:
    return User.objects.filter(username=username).first() or create_account(
        actor=actor, username=username, password=DEMO_PASSWORD, display_name=name)


def _register(actor: Actor, *, area: Area, person: Person | None = None, member: Member | None = None, user=None,
              name: str = "", skills=(), availability=()) -> Volunteer:
    person = person or (member.person if member is not None else None)
    if member is None and person is not None:
        member = Member.objects.filter(person=person).first()
    return services.register_volunteer(
        actor=actor, name=name or (person.name if person else member.name), area=area, consent=True,
        mobile=(person.mobile if person else "") or "", person=person, member=member, user=user, skills=list(skills),
        availability=list(availability))


def _team(actor: Actor, crew: list[Volunteer], **fields) -> Team:
    """A team led by the first of ``crew``, the others its members."""
    team = services.create_team(actor=actor, leader=crew[0], **fields)
    for volunteer in crew[1:]:
        services.join_team(actor=actor, team=team, volunteer=volunteer)
    return team


def _teams(actor: Actor, sites: dict[str, Site]) -> dict[str, tuple[Team, list[Volunteer], Actor]]:
    """The teams, each with its volunteers and the actor who confirms its hours (the leader's account, or the
    system's for a leader without one)."""
    saiqin = Area.objects.filter(code=SAIQIN).first()
    if saiqin is None or SAIQIN not in sites:
        return {}
    station = sites[SAIQIN]
    residents = list(Person.objects.filter(path__startswith=saiqin.path, is_active=True, party_member__isnull=True)
                     .order_by("household__number", "id")[:40])
    members = list(Member.objects.filter(
        pk__in=Membership.objects.filter(ended_on__isnull=True, organisation__area__code=SAIQIN).values("member"))
        .select_related("person").order_by("joined_on", "id")[:6])
    used = {m.person_id for m in members if m.person_id}
    residents = [p for p in residents if p.pk not in used]
    # 单宝音 (SQ-0001, tagged volunteer) is the README's volunteer when the demo has him; else the first resident.
    keen = next((p for p in residents if p.name == "单宝音"), residents[0] if residents else None)
    rest = [p for p in residents if p != keen]
    elder = next((p for p in rest if p.birth_date and p.birth_date.year <= 1975), rest[0] if rest else None)
    rest = [p for p in rest if p != elder]

    leader_user = _account(actor, "duizhang", f"夕阳红服务队队长 {elder.name if elder else '王桂兰'}")
    volunteer_user = _account(actor, "zhiyuanzhe", f"志愿者 {keen.name if keen else '单宝音'}")
    leader = _register(actor, area=saiqin, person=elder, user=leader_user, name="" if elder else "王桂兰",
                       skills=["组织协调", "照护老人"], availability=["wed_am", "sat_am", "sun_am"])
    keen_volunteer = _register(actor, area=saiqin, person=keen, user=volunteer_user, name="" if keen else "单宝音",
                               skills=["驾驶", "蒙汉双语"], availability=["wed_am", "sat_am", "fri_pm"])
    residents_v = [_register(actor, area=saiqin, person=p, skills=["照护老人"] if i % 2 else ["打扫卫生"],
                             availability=["wed_am", "sat_am"]) for i, p in enumerate(rest[:10])]
    members_v = [_register(actor, area=saiqin, member=m, skills=["政策宣讲"], availability=["fri_pm", "sat_am"])
                 for m in members]
    as_leader = Actor.system("demo", user=leader_user)
    teams = {}

    crew = [leader, keen_volunteer, *residents_v[:6], *members_v[:1]]
    sunset = _team(actor, crew, name="赛沁塔拉嘎查夕阳红服务队", site=station, specialty=Team.Specialty.ELDERLY,
                   description="走访独居老人，帮忙打扫、代购、陪诊")
    teams["sunset"] = (sunset, crew, as_leader)

    patrollers = [*members_v[1:3], *residents_v[6:10], keen_volunteer]
    if patrollers:
        patrol = _team(actor, patrollers, name="赛沁塔拉嘎查治安巡逻队", site=station, specialty=Team.Specialty.PATROL,
                       description="夜间巡逻、防火防盗、矛盾纠纷排查")
        teams["patrol"] = (patrol, patrollers, actor)

    wudan_site = sites.get(WUDAN)
    if wudan_site is not None:  # the village's members and in-service members of the banner's organs (WNT-U01)
        organs = Member.objects.filter(
            pk__in=Membership.objects.filter(ended_on__isnull=True, organisation__code="WNT-U01").values("member"),
            volunteer__isnull=True).select_related("person").order_by("id")[:3]
        speakers = [*members_v[3:], *[_register(actor, area=wudan_site.area, member=m, skills=["理论宣讲"],
                                                availability=["fri_pm"]) for m in organs], *members_v[:1]]
    if wudan_site is not None and speakers:
        theory = _team(actor, speakers, name="乌丹镇理论宣讲队", site=wudan_site, specialty=Team.Specialty.THEORY,
                       description="用群众听得懂的话宣讲党的创新理论")
        teams["theory"] = (theory, speakers, actor)

    bureau = Unit.objects.filter(code="education_bureau", is_active=True).first()
    in_service = list(Member.objects.filter(
        pk__in=Membership.objects.filter(ended_on__isnull=True, organisation__code="WNT-U02").values("member"),
        volunteer__isnull=True).select_related("person").order_by("id")[:5])
    if bureau is not None and in_service:
        unit_volunteers = [_register(actor, area=bureau.area, member=m, skills=["课业辅导"],
                                     availability=["sat_pm", "sun_pm"]) for m in in_service]
        school = _team(actor, unit_volunteers, name=f"{bureau.name}志愿服务队", unit=bureau, area=saiqin,
                       specialty=Team.Specialty.EDUCATION, description="周末为留守儿童辅导功课")
        teams["school"] = (school, unit_volunteers, actor)
    return teams


def _hours_rule(actor: Actor, today: date) -> None:
    """赛沁塔拉嘎查's hours rule: its catalogue's per-hour 志愿服务 rule for residents and party members, added (and
    adopted by the village assembly) when the catalogue has none. D02 党员志愿服务 is for party members only."""
    saiqin = Area.objects.filter(code=SAIQIN).first()
    rule_set = RuleSet.objects.filter(area=saiqin, is_template=False).first() if saiqin else None
    if rule_set is None:
        return
    rule = next((r for r in rule_set.rules.prefetch_related("versions")
                 if any(v.unit == "per_hour" and {"party_member", "resident"} <= set(v.categories)
                        for v in r.versions.all())), None)
    if rule is None:
        since = date(today.year - 1, 1, 1)  # in force on every deed of the demo (three months back)
        version = catalogue_services.add_rule(actor=actor, rule_set=rule_set, effective_from=since, **HOURS_RULE)
        catalogue_services.record_adoption(actor=actor, rule_set=rule_set, meeting=f"{saiqin.name}村民代表大会",
                                           held_on=since, votes_for=38, votes_against=1, votes_abstain=2,
                                           note="增设志愿服务按时长计分项目", adopts_drafts=True)
        rule = version.rule
    services.set_hours_rule(actor=actor, village=saiqin, rule=rule)


# (team key, title, place, weekday, hour, hours, every n weeks, places, what to bring)
PLANS = [
    ("sunset", "走访独居老人", "赛沁塔拉嘎查一组、二组", 2, 9, 2, 1, 5, "带上扫帚、手套"),
    ("patrol", "夜间治安巡逻", "嘎查主干道及牧户集中居住区", 4, 19, 2, 2, 4, "穿反光背心，带手电"),
    ("theory", "党的创新理论进牧户宣讲", "赛沁塔拉嘎查党群服务中心", 5, 14, 2, 3, 6, ""),
    ("school", "留守儿童周末课业辅导", "赛沁塔拉嘎查牧民书屋", 6, 14, 3, 3, 4, "带上五六年级数学练习册"),
]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _activities(actor: Actor, teams: dict, *, today: date, now: datetime) -> None:
    """From thirteen weeks before today to two weeks after: sign-ups (one activity ahead full, with a waiting
    list), check-ins and check-outs, one check-out forgotten (closed by the automatic checkout), no-shows; hours
    of a week or more ago confirmed by the leader, the last week's pending."""
    first_monday = today - timedelta(days=today.weekday() + 13 * 7)
    ended = []  # sign-ups of ended activities, with the actor who confirms them
    forgot_checkout = missed = 0
    for key, title, place, weekday, hour, hours, every, slots, needs in PLANS:
        if key not in teams:
            continue
        team, crew, confirmer = teams[key]
        for week in range(0, 16, every):
            day = first_monday + timedelta(days=week * 7 + weekday)
            starts, ends = _at(day, hour), _at(day, hour + hours)
            if starts <= now + timedelta(hours=1) and ends + timedelta(hours=3) >= now:
                continue  # under way or just over: nothing to show yet
            if day > today + timedelta(days=14):
                break
            full = starts > now and week % 2 == 0 and len(crew) > 1  # every place taken and one on the waiting list
            places = min(slots, len(crew) - 1) if full else slots
            activity = services.create_activity(actor=actor, team=team, title=title, place=place, starts_at=starts,
                                                ends_at=ends, slots=places, needs=needs,
                                                description=f"{team.name}的例行服务")
            size = places + 1 if full else min(slots, len(crew) - week % 2)
            chosen = [crew[(week + i) % len(crew)] for i in range(min(size, len(crew)))]
            for i, volunteer in enumerate(chosen):
                signed = services.sign_up(actor=actor, activity=activity, volunteer=volunteer,
                                          now=min(now, starts - timedelta(days=3, hours=-i)))
                if starts > now or signed.status != SignUp.Status.SIGNED:
                    continue
                if i == 2 and week % 4 == 1:  # did not come: the automatic checkout marks the no-show
                    missed += 1
                    continue
                services.check_in(actor=actor, signup=signed, now=starts + timedelta(minutes=5 * (i % 3)))
                if i == 1 and not forgot_checkout and key == "sunset":
                    forgot_checkout += 1  # forgot to check out: closed at the end by the automatic checkout
                    continue
                services.check_out(actor=actor, signup=signed, now=ends - timedelta(minutes=10 * (i % 2)))
            if ends < now:
                ended.append((activity, confirmer))
    # The queue's automatic checkout, run as it would have run (durable: outside any transaction).
    services.close_attendances(actor=actor, now=now)
    for activity, confirmer in ended:
        if activity.ends_at > now - CONFIRMED_AFTER:
            continue  # the last week's hours wait for the leader
        minutes = {s.pk: s.minutes for s in SignUp.objects.filter(activity=activity, status=SignUp.Status.SIGNED,
                                                                    minutes__isnull=False)}
        if minutes:
            services.confirm_hours(actor=confirmer, minutes_by_signup=minutes,
                                   now=activity.ends_at + timedelta(days=1, hours=2))

