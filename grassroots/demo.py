"""The demo region: 翁牛特旗 (Ongniud Banner, seed 004) with its real townships and villages,
split into grids, a synthetic population, and one account per role."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from grassroots.access.models import User
from grassroots.access.services import create_account
from grassroots.areas import services as area_services
from grassroots.areas.generate import generate_population
from grassroots.areas.models import Area, Household, Person
from grassroots.audit.context import Actor
from grassroots.claims import services as claims_services
from grassroots.core.demo import COUNTY, DEMO_PASSWORD, GUANJING, SAIQIN
from grassroots.dashboards.services import rebuild_rollups
from grassroots.demands import services as demands
from grassroots.demands.demo import load_demo_demands
from grassroots.demands.models import Unit
from grassroots.development.demo import load_demo_development
from grassroots.meetings.demo import load_demo_meetings
from grassroots.members.demo import load_demo_members
from grassroots.neworgs.demo import load_demo_neworgs
from grassroots.pairing.demo import PAIRING_ACCOUNTS, load_demo_pairing
from grassroots.party.demo import load_demo_party
from grassroots.party.models import Organisation
from grassroots.points.demo import load_history, load_seed_rules
from grassroots.rules.divisions import read_divisions
from grassroots.rules.idnumber import make_id_number
from grassroots.rules.person_names import NameGenerator
from grassroots.rules.roles import ROLE_LABELS, Role
from grassroots.settlement import services as settlement_services
from grassroots.shop.demo import load_demo_shop
from grassroots.volunteers.demo import VOLUNTEER_ACCOUNTS, load_demo_volunteers

__all__ = ["COUNTY", "DEMO_ACCOUNTS", "DEMO_PASSWORD", "GUANJING", "SAIQIN", "load_demo"]


# (username, role, area code — or, for an organisation secretary, the organisation's code — display name)
DEMO_ACCOUNTS = [
    ("wangge", Role.GRID_WORKER, f"{SAIQIN}001", "网格员 其其格"),
    ("xiaozu", Role.PARTY_GROUP_LEADER, SAIQIN, "党小组长 巴特尔"),
    ("weiyuan", Role.VILLAGE_COMMITTEE_MEMBER, SAIQIN, "两委委员 李春梅"),
    ("shuji", Role.VILLAGE_SECRETARY, SAIQIN, "书记 敖云代来"),
    ("shouyin", Role.CASHIER, SAIQIN, "收银员 王丽"),
    ("guanjingzi", Role.VILLAGE_SECRETARY, GUANJING, "书记 刘建国"),
    ("wudan", Role.TOWNSHIP_STAFF, "150426100000", "乌丹镇干部 张明"),
    ("qixian", Role.COUNTY_STAFF, COUNTY, "旗政府干部 赵磊"),
    ("zuzhibu", Role.ORGANISATION_STAFF, COUNTY, "旗委组织部 孙丽"),
    ("jiaoyuju", Role.ORGANISATION_SECRETARY, "WNT-U02", "教育局机关党支部书记 白音"),
    ("admin", Role.SYSTEM_ADMIN, COUNTY, "系统管理员"),
]


def load_demo(*, households: int = 6000, progress=print) -> list[tuple[str, str, str]]:
    """Load the demo once; a second run changes nothing and just lists the accounts."""
    actor = Actor.system("demo")
    if not User.objects.filter(username="admin").exists():
        progress("载入内蒙古自治区行政区划 …")
        area_services.load_divisions(actor=actor, divisions=read_divisions())
        area_services.ensure_default_tags(actor=actor)
        progress(f"生成翁牛特旗演示人口（约 {households} 户）…")
        generate_population(actor=actor, households=households, county_codes=[COUNTY], grids_per_village=2,
                            seed=2026, progress=lambda done, total: progress(f"  {done}/{total} 户"))
        _named_households(actor)
        _accounts(actor)
        progress("载入积分细则与演示积分 …")
        _points(actor)
    unit_accounts = load_demo_demands(actor=actor, progress=progress)
    unit_accounts += _credit_coop(actor)
    progress("载入爱心超市 …")
    load_demo_shop(actor=actor)
    progress("载入党组织与党员 …")
    load_demo_party(actor=actor)
    load_demo_members(actor=actor)
    _organisation_accounts(actor)
    load_demo_meetings(actor=actor)
    load_demo_development(actor=actor)
    load_demo_neworgs(actor=actor)
    progress("载入包联结对与走访 …")
    load_demo_pairing(actor=actor)
    progress("载入志愿服务 …")
    load_demo_volunteers(actor=actor)
    progress("汇总数据看板 …")
    today = timezone.localdate()
    rebuild_rollups(actor=actor, first=today.replace(year=today.year - 1, month=1, day=1), last=today)
    areas = {a.code: a.name for a in Area.objects.filter(code__in=[code for _, _, code, _ in DEMO_ACCOUNTS])}
    areas |= {o.code: o.name for o in Organisation.objects.filter(code__in=[code for _, _, code, _ in DEMO_ACCOUNTS])}
    return ([(u, ROLE_LABELS[r], areas.get(code, code)) for u, r, code, _ in DEMO_ACCOUNTS] + unit_accounts
            + PAIRING_ACCOUNTS + VOLUNTEER_ACCOUNTS)


@transaction.atomic
def _named_households(actor: Actor) -> None:
    """The households the README and the seeds talk about, so a visitor can find them by name; and
    ten more in each of 赛沁塔拉嘎查's first two grids, so that the points demo has a full grid."""
    for village_code in (SAIQIN, GUANJING):
        village = Area.objects.get(code=village_code)
        for number in (1, 2):
            if not Area.objects.filter(code=f"{village_code}{number:03d}").exists():
                area_services.create_grid(actor=actor, village=village, name=f"第{number}网格", number=number)
    grid = Area.objects.get(code=f"{SAIQIN}001")
    if Household.objects.filter(village=grid.parent, number="SQ-0001").exists():
        return
    _grid_households(actor)
    household = area_services.create_household(actor=actor, grid=grid, number="SQ-0001",
                                               address="赛沁塔拉嘎查一组1号")
    area_services.add_person(actor=actor, household=household, name="乌云毕力格", relation="head",
                             id_number=make_id_number("150426", date(1968, 3, 5), 11), mobile="13904761234",
                             ethnicity="蒙古族", party_status="full", tag_codes=["herder"], mongolian_name=True)
    area_services.add_person(actor=actor, household=household, name="其其格", gender="F", relation="spouse",
                             birth_date=date(1971, 9, 12), ethnicity="蒙古族", mongolian_name=True)
    area_services.add_person(actor=actor, household=household, name="单宝音", gender="M", relation="child",
                             birth_date=date(1996, 4, 2), ethnicity="蒙古族", tag_codes=["volunteer"])


def _grid_households(actor: Actor) -> None:
    names = NameGenerator(seed="赛沁塔拉", mongolian_share=0.4)
    for grid_number in (1, 2):
        grid = Area.objects.get(code=f"{SAIQIN}{grid_number:03d}")
        for n in range(1, 11):
            number = f"SQ-{grid_number}{n:03d}"
            household = area_services.create_household(actor=actor, grid=grid, number=number,
                                                       address=f"赛沁塔拉嘎查{'一二'[grid_number - 1]}组{n + 1}号")
            head = names.person("M")
            spouse = names.person("F", mongolian=head.is_mongolian)
            child = names.person(mongolian=head.is_mongolian,
                                 surname=None if head.is_mongolian else head.name[0])
            for who, relation, born in ((head, "head", 1960 + 2 * n), (spouse, "spouse", 1962 + 2 * n),
                                        (child, "child", 1988 + n)):
                area_services.add_person(actor=actor, household=household, name=who.name, gender=who.gender,
                                         relation=relation, birth_date=date(born, 1 + n % 12, 1 + n),
                                         ethnicity="蒙古族" if who.is_mongolian else "汉族",
                                         party_status="full" if relation == "head" and n % 4 == 0 else "",
                                         mongolian_name=who.is_mongolian)


def _accounts(actor: Actor) -> None:
    areas = {a.code: a for a in Area.objects.filter(code__in=[code for _, _, code, _ in DEMO_ACCOUNTS])}
    for username, role, code, name in DEMO_ACCOUNTS:
        if role == Role.ORGANISATION_SECRETARY:
            continue  # held on an organisation: made once the organisations exist (_organisation_accounts)
        create_account(actor=actor, username=username, password=DEMO_PASSWORD, display_name=name,
                       roles=[(role, areas[code])], is_staff=role == Role.SYSTEM_ADMIN)


def _organisation_accounts(actor: Actor) -> None:
    for username, role, code, name in DEMO_ACCOUNTS:
        if role == Role.ORGANISATION_SECRETARY and not User.objects.filter(username=username).exists():
            create_account(actor=actor, username=username, password=DEMO_PASSWORD, display_name=name,
                           roles=[(role, Organisation.objects.get(code=code))])


def _points(actor: Actor) -> None:
    """Seed 004's catalogue for both demo villages, and claims at every step of the process in 第1网格:
    a posted notice (in the ledger), an open notice, a batch waiting for the party group, a rejection."""
    county = Area.objects.get(code=COUNTY)
    saiqin = Area.objects.get(code=SAIQIN)
    catalogue = load_seed_rules(actor=actor, village=saiqin, county=county)
    load_seed_rules(actor=actor, village=Area.objects.get(code=GUANJING), county=county)
    rules = {r.code: r for r in catalogue.rules.all()}
    users = {u.username: u for u in User.objects.filter(username__in=["wangge", "xiaozu", "weiyuan", "shuji"])}
    as_user = {name: Actor.system("demo", user=user) for name, user in users.items()}
    people = list(Person.objects.filter(path__startswith=f"{saiqin.path}{SAIQIN}001/", is_active=True)
                  .order_by("household__number", "id")[:24])
    today = timezone.localdate()
    now = timezone.now()

    def batch(code, chosen, days_ago, quantity=1):
        return claims_services.record_claims(actor=as_user["wangge"], person_ids=[p.pk for p in chosen], rule=rules[code],
                                    quantity=quantity, deed_date=today - timedelta(days=days_ago),
                                    note="演示数据")

    def approve(claims, when):
        ids = [c.pk for c in claims]
        for reviewer in ("xiaozu", "weiyuan", "shuji"):
            claims_services.review_claims(actor=as_user[reviewer], claim_ids=ids, approve=True, now=when)

    # Three weeks ago: a clean-up by the whole grid, reviewed, published and posted.
    approve(batch("A01", people[:12], 21), now - timedelta(days=14))
    approve(batch("C02", people[12:18], 20), now - timedelta(days=14))
    approve(batch("B01", people[18:19], 19), now - timedelta(days=14))
    claims_services.post_due_notices(actor=actor, now=now)
    # Last week: on the board now, open for objections.
    approve(batch("A03", people[:8], 6, quantity=2), now - timedelta(days=2))
    # This week: waiting for the party group's first review; and one rejected back to the grid worker.
    batch("A01", people[8:16], 2)
    [rejected] = batch("C01", people[16:17], 3, quantity=3)
    claims_services.review_claims(actor=as_user["xiaozu"], claim_ids=[rejected.pk], approve=False,
                         reasons={rejected.pk: "值守记录只有两天，请核实天数"})
    # The year so far from the paper ledger, and the quarters that have ended settled and published.
    load_history(actor=actor, village=saiqin, today=today)


def _credit_coop(actor: Actor) -> list[tuple[str, str, str]]:
    """The banner's rural credit co-operative, one loan officer, and 乌云毕力格's signed consent that it may
    look up his household's credit rating (the other households have not consented)."""
    unit = Unit.objects.filter(code="rural_credit_coop").first()
    if unit is None:
        unit = demands.create_unit(actor=actor, code="rural_credit_coop", name="翁牛特旗农村信用合作联社",
                                   area=Area.objects.get(code=COUNTY), kind=Unit.Kind.OTHER)
        user = create_account(actor=actor, username="xinyong", password=DEMO_PASSWORD,
                              display_name="信用联社信贷员 高峰")
        demands.add_unit_member(actor=actor, unit=unit, user=user)
        household = Household.objects.get(village__code=SAIQIN, number="SQ-0001")
        secretary = User.objects.get(username="shuji")
        today = timezone.localdate()
        settlement_services.record_consent(actor=Actor.system("demo", user=secretary), household=household, institution=unit,
                              signed_by="乌云毕力格", signed_on=today, expires_on=today.replace(year=today.year + 1))
    return [("xinyong", "信用社（信用等级查询）", unit.name)]
