"""The demo county's 两新 census: a few dozen non-public enterprises and social organisations of 翁牛特旗 (mostly in
乌丹镇), census returns counted on 2025-06-30 and 2026-06-30, coverage by the demo's 两新 branches (WNT-E01 and
WNT-E03 each cover their own; WNT-E02 and WNT-E04 are joint branches covering several), the county's pool of 15
instructors with their dispatches, and some qualifying organisations left uncovered: the gap the registers show.
Written through the services. Idempotent: a second run finds the census and changes nothing."""

from datetime import date

from django.db import transaction

from grassroots.areas.models import Area, Level
from grassroots.audit.context import Actor
from grassroots.core.demo import COUNTY, WUDAN
from grassroots.neworgs import services
from grassroots.neworgs.models import NewOrganisation
from grassroots.party.models import Organisation

E, S = NewOrganisation.Kind.ENTERPRISE, NewOrganisation.Kind.SOCIAL
RETURN_DAYS = (date(2025, 6, 30), date(2026, 6, 30))

# (name, kind, industry, where: "town" = 乌丹镇, "village" = one of its villages, "township" = another township,
#  employees, full members 2025, full members 2026, probationary, covered by (branch code) or "")
CENSUS = [
    ("翁牛特旗玉龙沙产业有限公司", E, "沙产业", "town", 180, 9, 11, 1, "WNT-E01"),
    ("翁牛特旗蒙医药协会", S, "医药卫生", "town", 45, 6, 7, 0, "WNT-E03"),
    ("乌丹镇鑫源建材有限公司", E, "建材", "town", 36, 2, 2, 1, "WNT-E02"),
    ("乌丹镇兴业商贸有限公司", E, "批发零售", "town", 28, 1, 2, 0, "WNT-E02"),
    ("乌丹镇草原情餐饮有限公司", E, "餐饮", "town", 22, 1, 1, 1, "WNT-E02"),
    ("乌丹镇恒通汽车修理厂", E, "汽车维修", "town", 15, 2, 1, 0, "WNT-E02"),
    ("翁牛特旗金穗农资有限公司", E, "农资", "village", 19, 1, 2, 0, "WNT-E02"),
    ("翁牛特旗顺达快递服务有限公司", E, "快递物流", "town", 40, 1, 2, 1, "WNT-E04"),
    ("翁牛特旗捷运物流有限公司", E, "快递物流", "town", 33, 2, 2, 0, "WNT-E04"),
    ("乌丹镇速通快递服务部", E, "快递物流", "town", 12, 0, 1, 0, "WNT-E04"),
    ("翁牛特旗货运物流园有限公司", E, "快递物流", "town", 55, 3, 4, 1, "WNT-E04"),
    ("翁牛特旗红山文化旅游有限公司", E, "文化旅游", "town", 60, 4, 5, 1, ""),
    ("翁牛特旗绿源牧业有限公司", E, "畜牧", "township", 85, 3, 4, 0, ""),
    ("翁牛特旗塞北电子商务有限公司", E, "电子商务", "town", 26, 3, 3, 1, ""),
    ("乌丹镇康泰医药连锁有限公司", E, "医药零售", "town", 30, 2, 3, 0, ""),
    ("翁牛特旗鑫达热力有限公司", E, "热力供应", "town", 70, 5, 5, 0, ""),
    ("翁牛特旗律师协会", S, "法律服务", "town", 48, 6, 6, 1, ""),
    ("翁牛特旗个体劳动者协会", S, "行业协会", "town", 8, 3, 3, 0, ""),
    ("翁牛特旗慈善总会", S, "慈善", "town", 10, 2, 3, 0, ""),
    ("乌丹镇阳光养老服务中心", S, "养老服务", "village", 24, 1, 1, 0, ""),
    ("翁牛特旗青少年体育俱乐部", S, "体育", "town", 9, 0, 0, 0, ""),
    ("翁牛特旗家庭教育促进会", S, "教育", "town", 6, 1, 1, 0, ""),
    ("翁牛特旗马铃薯产业协会", S, "农业", "township", 12, 2, 2, 0, ""),
    ("乌丹镇聚福源酒店有限公司", E, "住宿餐饮", "town", 42, 1, 1, 0, ""),
    ("翁牛特旗宏远建筑工程有限公司", E, "建筑", "town", 120, 4, 4, 2, ""),
    ("翁牛特旗草原明珠乳业有限公司", E, "食品加工", "township", 95, 2, 3, 1, ""),
    ("乌丹镇新时代物业服务有限公司", E, "物业管理", "village", 38, 0, 1, 0, ""),
    ("翁牛特旗沙地杏产业有限公司", E, "林果", "township", 27, 1, 1, 0, ""),
    ("翁牛特旗惠民小额贷款有限公司", E, "金融", "town", 14, 2, 2, 0, ""),
    ("乌丹镇益民粮油加工厂", E, "粮油加工", "village", 17, 0, 0, 0, ""),
    ("翁牛特旗新能源风电运维有限公司", E, "能源", "township", 44, 3, 3, 0, ""),
    ("翁牛特旗蒙古族刺绣协会", S, "文化", "village", 5, 1, 1, 0, ""),
    ("乌丹镇童乐幼儿园", S, "学前教育", "town", 21, 2, 2, 1, ""),
    ("翁牛特旗志愿者协会", S, "公益", "town", 7, 3, 4, 0, ""),
]

INSTRUCTORS = [
    ("张志强", "翁牛特旗市场监督管理局", "副局长"), ("李红梅", "中共翁牛特旗委组织部", "非公党建办主任"),
    ("王海军", "翁牛特旗工商业联合会", "副主席"), ("刘晓燕", "翁牛特旗民政局", "社会组织管理股股长"),
    ("赵宏伟", "翁牛特旗交通运输局", "副局长"), ("孙丽娜", "翁牛特旗邮政管理局", "科员"),
    ("周建国", "乌丹镇人民政府", "党委委员"), ("吴敏", "翁牛特旗人力资源和社会保障局", "副局长"),
    ("郑春雷", "翁牛特旗税务局", "党建工作负责人"), ("陈永刚", "翁牛特旗农牧局", "副局长"),
    ("宝音", "翁牛特旗文化旅游体育局", "副局长"), ("其其格", "翁牛特旗卫生健康委员会", "办公室主任"),
    ("马文斌", "翁牛特旗住房和城乡建设局", "副局长"), ("高翔", "翁牛特旗司法局", "律师工作股股长"),
    ("乌日娜", "翁牛特旗妇女联合会", "副主席"),
]


@transaction.atomic
def load_demo_neworgs(*, actor: Actor) -> None:
    county = Area.objects.get(code=COUNTY)
    if NewOrganisation.objects.filter(path__startswith=county.path).exists():
        return
    wudan = Area.objects.get(code=WUDAN)
    villages = list(Area.objects.filter(parent=wudan, level=Level.VILLAGE).order_by("code")[:6]) or [wudan]
    townships = list(Area.objects.filter(parent=county, level=Level.TOWNSHIP).exclude(pk=wudan.pk)
                     .order_by("code")[:4]) or [wudan]
    branches = {o.code: o for o in Organisation.objects.filter(code__in=["WNT-E01", "WNT-E02", "WNT-E03", "WNT-E04"])}
    made = []
    for n, (name, kind, industry, where, employees, full_2025, full_2026, probationary, branch) in enumerate(CENSUS):
        area = {"town": wudan, "village": villages[n % len(villages)], "township": townships[n % len(townships)]}[where]
        registered = date(2024 + n % 2, 1 + n % 6, 1 + n % 27)
        organisation = services.register_new_organisation(
            actor=actor, name=name, kind=kind, area=area, registered_on=registered, industry=industry,
            credit_code=f"{9 if kind == E else 5}1150426M{n:08d}X")
        for day, full, staff in ((RETURN_DAYS[0], full_2025, employees - n % 5), (RETURN_DAYS[1], full_2026, employees)):
            services.record_census_return(actor=actor, new_organisation=organisation, counted_on=day,
                                          employees=max(staff, full + probationary), full_members=full,
                                          probationary_members=probationary)
        covering = branches.get(branch)
        if covering is not None:
            services.cover(actor=actor, new_organisation=organisation, organisation=covering,
                           started_on=max(registered, covering.founded_on))
        made.append(organisation)
    # One that closed in 2026: in the 2025 registers, not in today's.
    closed = services.register_new_organisation(actor=actor, name="乌丹镇旺达商贸有限公司", kind=E, area=wudan,
                                                registered_on=date(2024, 3, 1), industry="批发零售")
    services.record_census_return(actor=actor, new_organisation=closed, counted_on=RETURN_DAYS[0], employees=18,
                                  full_members=3)
    services.close_new_organisation(actor=actor, new_organisation=closed, closed_on=date(2026, 3, 31))
    pool = [services.add_instructor(actor=actor, area=county, name=name, employer=employer, title=title,
                                    mobile=f"139047{6100 + n:05d}", joined_on=date(2025, 3 + n % 6, 1))
            for n, (name, employer, title) in enumerate(INSTRUCTORS)]
    # Dispatches: one instructor per covered organisation and to most of the qualifying uncovered ones; a few ended.
    for n, organisation in enumerate(made[:24]):
        instructor = pool[n % len(pool)]
        started = max(organisation.registered_on, instructor.joined_on, date(2025, 7, 1))
        row = services.dispatch(actor=actor, instructor=instructor, new_organisation=organisation, started_on=started)
        if n % 7 == 6:
            services.end_dispatch(actor=actor, dispatch=row, ended_on=date(2026, 6, 30))
    services.instructor_leaves(actor=actor, instructor=pool[-1], left_on=date(2026, 9, 1))
