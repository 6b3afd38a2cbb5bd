"""The demo county's party organisations: 旗委, a 党委 in every township, a branch in every village and community
with a group per grid, 小区 branches in 乌丹镇's communities, a few unit and 两新 organisations, and the county's
cloud branch for mobile members; then (load_demo_rectifications) two village branches found weak in 2026, one of
them rectified, and the 2026 最强党支部 checklist with evidence from two branches, 赛沁塔拉嘎查's all accepted.
Idempotent: a second run finds the 旗委 (and the checklist) and changes nothing."""

from datetime import date

from django.db import transaction

from grassroots.areas.models import Area, Level
from grassroots.audit.context import Actor
from grassroots.core.demo import COUNTY, GUANJING, SAIQIN, WUDAN
from grassroots.party.models import ModelBranchItem, Organisation
from grassroots.party.services import (
    complete_rectification,
    create_organisation,
    decide_evidence,
    open_rectification,
    publish_model_items,
    submit_evidence,
)

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
    if not Organisation.objects.filter(code=COUNTY_COMMITTEE_CODE).exists():
        _load_tree(actor)
    load_demo_rectifications(actor=actor)


def _load_tree(actor: Actor) -> None:
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


MODEL_YEAR = 2026
# What 赛沁塔拉嘎查's branch showed for each item of the checklist (rules/party_tree.SEED_CHECKLIST, in order).
SAIQIN_EVIDENCE = [
    "全年召开支部党员大会4次、支委会12次、党小组会24次，书记讲党课2次，会议记录齐全",
    "落实“每月一次支部学”，党员学习积分线上线下同步记录",
    "嘎查党群服务中心改造完成，设党员活动室、便民服务站、文化活动室",
    "“党建+合作社”带动入股牧户86户，嘎查集体经济收入较上年增长",
    "党员中心户联系群众，党员带头参与防火、防汛和人居环境整治",
]


@transaction.atomic
def load_demo_rectifications(*, actor: Actor) -> None:
    """软弱涣散 and 最强党支部 in 2026: 官井子村's branch found weak in March and still under rectification; another
    village branch of 广德公镇 found weak in April and accepted in September; the checklist published; 赛沁塔拉嘎查's
    branch with every item accepted (the 2026 最强党支部) and a second 乌丹镇 branch half way (two accepted, one
    waiting, one returned)."""
    if ModelBranchItem.objects.filter(year=MODEL_YEAR).exists():
        return
    guanjing = Organisation.objects.get(code=f"WNT-{GUANJING}")
    open_rectification(actor=actor, organisation=guanjing, identified_on=date(2026, 3, 15),
                       reasons="班子不团结，“三会一课”不正常，集体经济空壳", measures="旗委组织部选派第一书记，镇党委班子成员包联",
                       responsible="广德公镇党委副书记", due_on=date(2027, 3, 15))
    other = (Organisation.objects.filter(parent__code=f"WNT-{guanjing.area.parent.code}", kind=Kind.BRANCH)
             .exclude(pk=guanjing.pk).order_by("code").first())
    if other is not None:
        rectification = open_rectification(actor=actor, organisation=other, identified_on=date(2026, 4, 10),
                                           reasons="党员长期外出，组织生活难以开展", measures="建立流动党员联系制度，补选支部委员",
                                           responsible="广德公镇组织委员", due_on=date(2026, 10, 10))
        complete_rectification(actor=actor, rectification=rectification, completed_on=date(2026, 9, 20),
                               result="支委补齐，组织生活恢复正常，验收合格")
    items = publish_model_items(actor=actor, year=MODEL_YEAR)
    saiqin = Organisation.objects.get(code=f"WNT-{SAIQIN}")
    for item, note in zip(items, SAIQIN_EVIDENCE, strict=True):
        evidence = submit_evidence(actor=actor, organisation=saiqin, item=item, note=note)
        decide_evidence(actor=actor, evidence=evidence, verdict="accepted")
    second = (Organisation.objects.filter(parent__code=f"WNT-{WUDAN}", kind=Kind.BRANCH, area__level=Level.VILLAGE)
              .exclude(pk=saiqin.pk).order_by("code").first())
    if second is not None:
        notes = ["按时召开支部党员大会和支委会", "组织党员集中学习", "党员活动室正在改造", "成立养殖合作社"]
        for item, note in zip(items, notes, strict=False):
            evidence = submit_evidence(actor=actor, organisation=second, item=item, note=note)
            if item.number <= 2:
                decide_evidence(actor=actor, evidence=evidence, verdict="accepted")
            elif item.number == 4:
                decide_evidence(actor=actor, evidence=evidence, verdict="returned", note="请补充合作社章程和分红记录")
