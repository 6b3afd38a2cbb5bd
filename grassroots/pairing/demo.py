"""The demo county's pairs and visits (seed 004's 化德县 pattern, in 翁牛特旗): cadres of 乌丹镇 and 广德公镇 handed
the households of 赛沁塔拉嘎查 and 官井子村 (priority households first), a county unit paired with each village of
乌丹镇, county leaders paired with the two demo villages' secretaries and with an enterprise, an in-service member
paired with an elderly member, a party member paired with households, the mobile members' partners (the cloud
branch); and visits over the months up to today — monthly for most, some late, some missed, a few pairs never
visited — whose problems became routed demands, some solved. So coverage shows gaps.

Written through the services (pairs, visits, demands), dated relative to today so the demo always has a current
month to look at. Idempotent: a second run finds the pairs and changes nothing.
"""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from grassroots.access.models import User
from grassroots.access.services import create_account
from grassroots.areas.models import Area, Household, Level
from grassroots.audit.context import Actor
from grassroots.core.demo import COUNTY, DEMO_PASSWORD, GUANJING, SAIQIN, WUDAN
from grassroots.demands import services as demands
from grassroots.demands.models import Category, Demand, Unit
from grassroots.members.models import Member, Membership, Post
from grassroots.neworgs.models import NewOrganisation
from grassroots.pairing import services
from grassroots.pairing.demo_cloud import pair_mobile_members
from grassroots.pairing.models import Pair, VillageOption, Visit
from grassroots.rules import pairing as rules

# (username, display name): cadres of the townships (no role on any area: their pairs are all they see), and
# leaders of the county. ``baolian`` is the README's.
CADRES = {
    SAIQIN: [("baolian", "乌丹镇包联干部 于财"), ("wd-yuhai", "乌丹镇干部 于海"), ("wd-baiyulan", "乌丹镇干部 白玉兰")],
    GUANJING: [("gd-sunzhiqiang", "广德公镇干部 孙志强"), ("gd-gaowa", "广德公镇干部 高娃")],
}
LEADERS = [("ld-wangzhigang", "旗委副书记 王志刚"), ("ld-lihui", "副旗长 李慧"), ("kz-chenli", "旗委组织部科长 陈立")]
# The cadre README hands a newcomer: (username, what they are, where), like demo.load_demo's list.
PAIRING_ACCOUNTS = [("baolian", "包联干部（无区域角色）", "赛沁塔拉嘎查 10户")]
HOUSEHOLDS_PER_CADRE = 10
# County units paired with 乌丹镇's villages: the demo villages' first (the unit staff accounts of the README).
UNITS = ["agriculture_bureau", "supply_coop", "education_bureau", "water_bureau", "transport_bureau",
         "civil_affairs_bureau", "housing_bureau", "forestry_grassland_bureau"]
PROBLEMS = [
    ("家里两头牛最近不爱吃草，想请兽医站的人来看看", "livestock_health"),
    ("孩子今年毕业还没找到工作，想问问旗里有没有招工信息和技能培训", "employment"),
    ("院门口那段路一下雨就是泥坑，老人出门不方便", "roads"),
    ("今年的草原补奖还没到账，想问问什么时候发", "grassland"),
    ("自来水冬天经常冻住，想请人来看看管子", "water"),
    ("老伴腿脚不好，想问问能不能申请残疾证和护理补贴", "social_assistance"),
    ("春播要用的玉米种子和化肥想统一订购，价格能便宜些", "farm_inputs"),
    ("医保报销的手续不清楚，想有人讲一讲", "medical_insurance"),
]
NOTES = [
    "入户了解生产生活情况，家中牛羊过冬草料已备足。",
    "老人身体还好，叮嘱冬季注意防寒防滑，留了联系电话。",
    "宣讲了今年的惠民政策和草原补奖标准，户主表示清楚了。",
    "了解到家中有学生明年毕业，记下了就业意向。",
    "电话联系，户主在外放牧，约定下周入户。",
]
HELPS = [
    {"kind": "policy", "detail": "讲解医保缴费和报销政策", "amount": None},
    {"kind": "job", "detail": "推荐到旗里的合作社打工", "amount": None},
    {"kind": "errand", "detail": "代办养老保险资格认证", "amount": None},
    {"kind": "funds", "detail": "联系单位送去过冬煤", "amount": 600},
]


def load_demo_pairing(*, actor: Actor) -> None:
    """Idempotent: a second run finds the pairs and changes nothing."""
    if Pair.objects.exists():
        return
    today = timezone.localdate()
    start = date(today.year, 1, 1) if today.month > 3 else date(today.year - 1, 10, 1)
    cadres = _households(actor, start)
    units = _units(actor, start)
    leaders = _leaders(actor, start)
    _members(actor, start)
    pair_mobile_members(actor=actor)
    village = Area.objects.filter(code=SAIQIN).first()
    if village is not None:
        VillageOption.objects.update_or_create(village=village, defaults={"show_cadre_publicly": True})
    _visits(actor, today=today, since=start, visitors=cadres | units | leaders)


def _account(actor: Actor, username: str, name: str) -> User:
    return User.objects.filter(username=username).first() or create_account(
        actor=actor, username=username, password=DEMO_PASSWORD, display_name=name)


def _households(actor: Actor, start: date) -> dict[int, Actor]:
    """Each village's households handed out to its township's cadres, priority households first; SQ-0001
    (乌云毕力格's, the README's household) to 于财 by name."""
    acting: dict[int, Actor] = {}
    for village_code, cadres in CADRES.items():
        village = Area.objects.filter(code=village_code).first()
        if village is None:
            continue
        accounts = [_account(actor, username, name) for username, name in cadres]
        acting |= {user.pk: Actor.system("demo", user=user) for user in accounts}
        named = Household.objects.filter(village=village, number="SQ-0001").first()
        if named is not None:
            services.create_pair(actor=actor, kind=rules.CADRE_HOUSEHOLD, visitor=accounts[0], target=named,
                                 started_on=start, purpose="帮扶就业、政策宣讲")
        services.assign_households(actor=actor, area=village, cadres=accounts, per_cadre=HOUSEHOLDS_PER_CADRE,
                                   started_on=start, purpose="包联户：走访慰问、政策宣讲、收集诉求")
    return acting


def _units(actor: Actor, start: date) -> dict[int, Actor]:
    """A county unit with each village of 乌丹镇 (and 官井子村 with the supply co-operative)."""
    units = [u for u in (Unit.objects.filter(code=code, is_active=True).first() for code in UNITS) if u]
    villages = list(Area.objects.filter(parent__code=WUDAN, level=Level.VILLAGE).order_by("code"))
    saiqin = next((v for v in villages if v.code == SAIQIN), None)
    if saiqin is not None:  # the demo village first
        villages = [saiqin, *[v for v in villages if v.code != SAIQIN]]
    guanjing = Area.objects.filter(code=GUANJING).first()
    pairs = list(zip(villages, [u for u in units if u.code != "supply_coop"], strict=False))
    supply = next((u for u in units if u.code == "supply_coop"), None)
    if guanjing is not None and supply is not None:
        pairs.append((guanjing, supply))
    acting = {}
    for village, unit in pairs:
        services.create_pair(actor=actor, kind=rules.UNIT_AREA, visitor=unit, target=village, started_on=start,
                             purpose="单位包联：每季度到村走访，帮办实事")
        staff = unit.members.select_related("user").first()
        acting[unit.pk] = Actor.system("demo", user=staff.user if staff else None)
    return acting


def _secretary_of(village_code: str) -> Member | None:
    post = (Post.objects.filter(title=Post.Title.SECRETARY, ended_on__isnull=True,
                                organisation__area__code=village_code).select_related("member").first())
    return post.member if post else None


def _leaders(actor: Actor, start: date) -> dict[int, Actor]:
    """County leaders with the demo villages' secretaries (县级领导联系村书记), a section chief with a committee
    member, a leader with an enterprise (村企结对)."""
    leaders = [_account(actor, username, name) for username, name in LEADERS]
    for leader, village_code in zip(leaders, (SAIQIN, GUANJING), strict=False):
        secretary = _secretary_of(village_code)
        if secretary is not None:
            services.create_pair(actor=actor, kind=rules.LEADER_SECRETARY, visitor=leader, target=secretary,
                                 started_on=start, purpose="县级领导联系村党组织书记")
    secretary = _secretary_of(SAIQIN)
    other = (Membership.objects.filter(ended_on__isnull=True, organisation__area__code=SAIQIN,
                                       organisation__kind="branch")
             .exclude(member=secretary).select_related("member").order_by("member__joined_on").first())
    if other is not None:
        services.create_pair(actor=actor, kind=rules.CHIEF_COMMITTEE, visitor=leaders[2], target=other.member,
                             started_on=start, purpose="科级干部联系村两委委员")
    enterprise = NewOrganisation.objects.filter(closed_on__isnull=True, kind=NewOrganisation.Kind.ENTERPRISE,
                                                path__startswith=_path(COUNTY)).order_by("pk").first()
    if enterprise is not None:
        services.create_pair(actor=actor, kind=rules.LEADER_ENTERPRISE, visitor=leaders[0], target=enterprise,
                             started_on=start, purpose="村企结对：帮助解决用工和融资难题")
    return {leader.pk: Actor.system("demo", user=leader) for leader in leaders}


def _path(code: str) -> str:
    area = Area.objects.filter(code=code).first()
    return area.path if area else "-"


def _members(actor: Actor, start: date) -> None:
    """An in-service member of a unit branch with an elderly member of 赛沁塔拉嘎查 (结对帮扶), and a party member of
    the village with two households (党员联系户)."""
    village_members = list(Membership.objects.filter(ended_on__isnull=True, organisation__area__code=SAIQIN)
                           .select_related("member").order_by("member__birth_date", "member_id")[:2])
    in_service = (Membership.objects.filter(ended_on__isnull=True, organisation__code="WNT-U02")
                  .select_related("member").order_by("member_id").first())
    if in_service is not None and village_members:
        services.create_pair(actor=actor, kind=rules.INSERVICE_HARDSHIP, visitor=in_service.member,
                             target=village_members[0].member, started_on=start, purpose="在职党员结对帮扶困难党员")
    if len(village_members) > 1:
        paired = Pair.objects.filter(household__isnull=False, ended_on__isnull=True).values("household_id")
        for household in (Household.objects.filter(village__code=SAIQIN, is_active=True)
                          .exclude(pk__in=paired).order_by("number")[:2]):
            services.create_pair(actor=actor, kind=rules.MEMBER_HOUSEHOLD, visitor=village_members[1].member,
                                 target=household, started_on=start, purpose="党员联系户")


def _visits(actor: Actor, *, today: date, since: date, visitors: dict[int, Actor]) -> None:
    """Visits from ``since`` (or the pair's start) to today: most windows visited, one in six late, one in eight missed, and one
    pair in seven not visited at all since it began (the gaps coverage shows). A visit in five found a problem,
    filed as a routed demand; most of those older than a fortnight were solved by their unit."""
    pick = random.Random(2026)
    categories = {c.code: c for c in Category.objects.filter(code__in=[code for _, code in PROBLEMS])}
    for pair in Pair.objects.order_by("pk").select_related("visitor_user", "visitor_unit", "household"):
        visitor = (visitors.get(pair.visitor_user_id) or visitors.get(pair.visitor_unit_id)
                   if pair.visitor_member_id is None else None) or actor
        if pair.pk % 7 == 3:
            continue
        for window in rules.windows(frequency=rules.frequency_of(pair.kind), started_on=pair.started_on,
                                    ended_on=pair.ended_on, visits=(), since=max(since, pair.started_on),
                                    until=today):
            roll = pick.random()
            if roll < 0.12 or window.opens > today:
                continue
            if roll < 0.28:  # late: in the grace days
                day = window.ends + timedelta(days=pick.randint(1, 5))
            else:
                day = window.opens + timedelta(days=pick.randint(0, (window.ends - window.opens).days))
            if day > today or day < pair.started_on:
                continue
            visited_at = timezone.make_aware(datetime.combine(day, time(9 + pick.randint(0, 8), pick.choice((0, 30)))))
            problems = []
            if pick.random() < 0.2 and (pair.household_id or pair.area_id):
                text, code = pick.choice(PROBLEMS)
                problems = [{"text": text, "category": categories.get(code), "urgent": False}]
            visit = services.log_visit(
                actor=visitor, pair=pair, visited_at=visited_at, now=visited_at,
                kind=pick.choice([Visit.Kind.HOME, Visit.Kind.HOME, Visit.Kind.PHONE, Visit.Kind.VIDEO]),
                notes=pick.choice(NOTES), helps=[pick.choice(HELPS)] if pick.random() < 0.3 else [],
                problems=problems)
            for problem in visit.problems.select_related("demand"):
                _maybe_solve(actor, problem.demand, visited_at=visited_at, today=today, pick=pick)


def _maybe_solve(actor: Actor, demand: Demand, *, visited_at: datetime, today: date, pick: random.Random) -> None:
    if demand.lead_unit_id is None or (today - visited_at.date()).days < 14 or pick.random() < 0.25:
        return
    accepted = visited_at + timedelta(days=1)
    demands.handle(actor=actor, demand=demand, action=demands.Action.ACCEPT, now=accepted)
    demands.handle(actor=actor, demand=demand, action=demands.Action.RESOLVE, note="已协调解决，回访群众满意",
                   now=accepted + timedelta(days=pick.randint(2, 9)))
