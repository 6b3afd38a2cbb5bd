"""The demo region: 翁牛特旗 (Ongniud Banner, seed 004) with its real townships and villages,
split into grids, a synthetic population, and one account per role."""

from datetime import date

from django.db import transaction

from grassroots.access.models import User
from grassroots.access.services import create_account
from grassroots.areas import services as area_services
from grassroots.areas.models import Area, Household
from grassroots.audit.context import Actor
from grassroots.rules.divisions import read_divisions
from grassroots.rules.idnumber import make_id_number
from grassroots.rules.roles import ROLE_LABELS, Role

DEMO_PASSWORD = "Demo#2026"
COUNTY = "150426000000"  # 翁牛特旗
SAIQIN = "150426100223"  # 乌丹镇赛沁塔拉嘎查
GUANJING = "150426104204"  # 广德公镇官井子村

# (username, role, area code, display name)
DEMO_ACCOUNTS = [
    ("wangge", Role.GRID_WORKER, f"{SAIQIN}001", "网格员 其其格"),
    ("xiaozu", Role.PARTY_GROUP_LEADER, SAIQIN, "党小组长 巴特尔"),
    ("weiyuan", Role.VILLAGE_COMMITTEE_MEMBER, SAIQIN, "两委委员 李春梅"),
    ("shuji", Role.VILLAGE_SECRETARY, SAIQIN, "书记 敖云代来"),
    ("shouyin", Role.CASHIER, SAIQIN, "收银员 王丽"),
    ("guanjingzi", Role.VILLAGE_SECRETARY, GUANJING, "书记 刘建国"),
    ("wudan", Role.TOWNSHIP_STAFF, "150426100000", "乌丹镇干部 张明"),
    ("qixian", Role.COUNTY_STAFF, COUNTY, "旗委组织部 赵磊"),
    ("admin", Role.SYSTEM_ADMIN, COUNTY, "系统管理员"),
]


def load_demo(*, households: int = 6000, progress=print) -> list[tuple[str, str, str]]:
    """Load the demo once; a second run changes nothing and just lists the accounts."""
    from grassroots.areas.generate import generate_population

    actor = Actor.system("demo")
    if not User.objects.filter(username="admin").exists():
        progress("载入内蒙古自治区行政区划 …")
        area_services.load_divisions(actor=actor, divisions=read_divisions())
        area_services.ensure_default_tags(actor=actor)
        progress(f"生成翁牛特旗演示人口（约 {households} 户）…")
        generate_population(actor=actor, households=households, county_codes=[COUNTY], grids_per_village=2,
                            seed=2026, progress=progress)
        _named_households(actor)
        _accounts(actor)
    areas = {a.code: a.name for a in Area.objects.filter(code__in=[code for _, _, code, _ in DEMO_ACCOUNTS])}
    return [(u, ROLE_LABELS[r], areas.get(code, code)) for u, r, code, _ in DEMO_ACCOUNTS]


@transaction.atomic
def _named_households(actor: Actor) -> None:
    """The households the README and the seeds talk about, so a visitor can find them by name."""
    grid = Area.objects.get(code=f"{SAIQIN}001")
    if Household.objects.filter(village=grid.parent, number="SQ-0001").exists():
        return
    household = area_services.create_household(actor=actor, grid=grid, number="SQ-0001",
                                               address="赛沁塔拉嘎查一组1号")
    area_services.add_person(actor=actor, household=household, name="乌云毕力格", relation="head",
                             id_number=make_id_number("150426", date(1968, 3, 5), 11), mobile="13904761234",
                             ethnicity="蒙古族", party_status="full", tag_codes=["herder"], mongolian_name=True)
    area_services.add_person(actor=actor, household=household, name="其其格", gender="F", relation="spouse",
                             birth_date=date(1971, 9, 12), ethnicity="蒙古族", mongolian_name=True)
    area_services.add_person(actor=actor, household=household, name="单宝音", gender="M", relation="child",
                             birth_date=date(1996, 4, 2), ethnicity="蒙古族", tag_codes=["volunteer"])


def _accounts(actor: Actor) -> None:
    areas = {a.code: a for a in Area.objects.filter(code__in=[code for _, _, code, _ in DEMO_ACCOUNTS])}
    for username, role, code, name in DEMO_ACCOUNTS:
        user = create_account(actor=actor, username=username, password=DEMO_PASSWORD, display_name=name,
                              roles=[(role, areas[code])])
        if role == Role.SYSTEM_ADMIN:
            User.objects.filter(pk=user.pk).update(is_staff=True)
