"""The demo county's party organisations: 旗委, a 党委 in every township, a branch in every village and community
with a group per grid, 小区 branches in 乌丹镇's communities, a few unit and 两新 organisations, and the county's
cloud branch for mobile members. Idempotent: a second run finds the 旗委 and changes nothing."""

from datetime import date

from django.db import transaction

from grassroots.areas.models import Area, Level
from grassroots.audit.context import Actor
from grassroots.core.demo import COUNTY, WUDAN
from grassroots.party.models import Organisation
from grassroots.party.services import create_organisation

COUNTY_COMMITTEE_CODE = "WNT-0001"
CLOUD_BRANCH_CODE = "WNT-CLOUD"
Kind, Host = Organisation.Kind, Organisation.Host

# (code, name, kind, host, host name): organisations of the county's units and 两新 organisations, under the 旗委.
UNIT_ORGANISATIONS = [
    ("WNT-U01", "中共翁牛特旗人民医院总支部委员会", Kind.GENERAL_BRANCH, Host.UNIT, "翁牛特旗人民医院"),
    ("WNT-U02", "中共翁牛特旗教育局机关支部委员会", Kind.BRANCH, Host.UNIT, "翁牛特旗教育局"),
    ("WNT-U03", "中共翁牛特旗农牧局机关支部委员会", Kind.BRANCH, Host.UNIT, "翁牛特旗农牧局"),
    ("WNT-U04", "中共翁牛特旗市场监督管理局支部委员会", Kind.BRANCH, Host.UNIT, "翁牛特旗市场监督管理局"),
]
NEW_ORGANISATION_BRANCHES = [
    ("WNT-E01", "中共翁牛特旗玉龙沙产业有限公司支部委员会", Host.ENTERPRISE, "翁牛特旗玉龙沙产业有限公司", date(2016, 7, 1)),
    ("WNT-E02", "中共乌丹镇非公企业联合支部委员会", Host.ENTERPRISE, "乌丹镇非公企业（联合）", date(2019, 5, 20)),
    ("WNT-E03", "中共翁牛特旗蒙医药协会支部委员会", Host.SOCIAL, "翁牛特旗蒙医药协会", date(2021, 3, 12)),
    ("WNT-E04", "中共翁牛特旗物流快递行业联合支部委员会", Host.ENTERPRISE, "翁牛特旗快递物流企业（联合）",
     date(2026, 4, 18)),
]


def _village_founded(village: Area) -> date:
    n = int(village.code[-3:])
    return date(1959 + n % 12, 1 + n % 12, 1 + n % 27)


@transaction.atomic
def load_demo_party(*, actor: Actor) -> None:
    if Organisation.objects.filter(code=COUNTY_COMMITTEE_CODE).exists():
        return
    county = Area.objects.get(code=COUNTY)
    top = create_organisation(actor=actor, name="中共翁牛特旗委员会", kind=Kind.COMMITTEE, area=county,
                              founded_on=date(1947, 10, 1), code=COUNTY_COMMITTEE_CODE)
    create_organisation(actor=actor, name="翁牛特旗流动党员云支部", kind=Kind.BRANCH, area=county, parent=top,
                        founded_on=date(2020, 6, 1), code=CLOUD_BRANCH_CODE, is_cloud_branch=True)
    for code, name, kind, host, host_name in UNIT_ORGANISATIONS:
        create_organisation(actor=actor, name=name, kind=kind, area=county, parent=top, host=host,
                            host_name=host_name, founded_on=date(1985, 7, 1), code=code)
    wudan = Area.objects.get(code=WUDAN)
    for code, name, host, host_name, founded in NEW_ORGANISATION_BRANCHES:
        create_organisation(actor=actor, name=name, kind=Kind.BRANCH, area=wudan if "乌丹镇" in name else county,
                            parent=top, host=host, host_name=host_name, founded_on=founded, code=code)
    townships = Area.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code")
    for township in townships:
        committee = create_organisation(actor=actor, name=f"中共{township.name}委员会", kind=Kind.COMMITTEE,
                                        area=township, parent=top, founded_on=date(1958, 9, 1),
                                        code=f"WNT-{township.code}")
        for village in Area.objects.filter(parent=township, level=Level.VILLAGE).order_by("code"):
            _village_organisations(actor, village, committee)


def _village_organisations(actor: Actor, village: Area, committee: Organisation) -> None:
    community = village.name.endswith("社区")
    founded = _village_founded(village) if not community else date(2002, 7, 1)
    branch = create_organisation(
        actor=actor, name=f"中共{village.name}{'委员会' if community else '支部委员会'}",
        kind=Kind.COMMITTEE if community else Kind.BRANCH, area=village, parent=committee, founded_on=founded,
        code=f"WNT-{village.code}")
    for grid in Area.objects.filter(parent=village, level=Level.GRID).order_by("code"):
        if community:
            # 小区 branches: a community's grids are its 小区 (seed 001: 小区党支部 in 98.3 % of 小区).
            create_organisation(actor=actor, name=f"中共{village.name}{grid.name}小区支部委员会", kind=Kind.BRANCH,
                                area=grid, parent=branch, founded_on=date(2021, 7, 1), code=f"WNT-{grid.code}")
        else:
            create_organisation(actor=actor, name=f"{village.name}{grid.name}党小组", kind=Kind.GROUP, area=grid,
                                parent=branch, founded_on=date(2015, 3, 1), code=f"WNT-{grid.code}")
