"""What the 两新 tests share: a small census over party_world (party/testing.py), built through the services.

On 2026-07-01, in 翁牛特旗:
    甲公司 (乌丹镇): 5 full members, covered by 甲公司支部 (E1) since 2025-01-01, instructor 王志强 since 2026-02-01
    乙商贸 (乌丹镇): 2 full members in 2025, 3 from 2026-06-30; covered by the joint branch J since 2026-03-01
    丙物流 (赛沁塔拉嘎查): 1 full member; covered by J since 2026-03-01 (J covers two)
    丁餐饮 (乌丹镇): 4 full members from 2026-06-30; not covered (the gap); 王志强 served it 2026-05-01 → 06-01
    戊协会 (官井子村, social): 3 full members; covered by 戊协会支部 (S) since 2026-04-01
    己公司 (乌丹镇): 6 full members in 2025; closed 2026-05-01
    庚工作室 (乌丹镇): no census return
J was founded 2026-02-10 and S 2026-04-01 (newly built in 2026); E1 in 2020.
"""

from dataclasses import dataclass
from datetime import date

from grassroots.development.models import Development, Stage, Step
from grassroots.neworgs import services
from grassroots.neworgs.models import Instructor, NewOrganisation
from grassroots.party.models import Organisation
from grassroots.party.services import create_organisation

DAY = date(2026, 7, 1)
ENTERPRISE, SOCIAL = NewOrganisation.Kind.ENTERPRISE, NewOrganisation.Kind.SOCIAL


@dataclass
class Census:
    orgs: dict[str, NewOrganisation]
    e1: Organisation
    joint: Organisation
    social: Organisation
    instructor: Instructor
    actor: object


def _reserve(organisation, name, activist_on):
    development = Development.objects.create(name=name, gender="M", birth_date=date(1995, 1, 1),
                                             organisation=organisation, applied_on=date(2025, 3, 1),
                                             stage=Stage.ACTIVIST)
    Step.objects.create(development=development, stage=Stage.APPLICANT, decided_on=date(2025, 3, 1))
    Step.objects.create(development=development, stage=Stage.ACTIVIST, decided_on=activist_on, decided_by="支部委员会")
    return development


def build_census(*, actor, region, world) -> Census:
    wudan, county = region["乌丹镇"], region["翁牛特旗"]
    e1 = create_organisation(actor=actor, name="中共甲公司支部委员会", kind=Organisation.Kind.BRANCH, area=wudan,
                             parent=world.wudan, host=Organisation.Host.ENTERPRISE, host_name="甲公司",
                             founded_on=date(2020, 5, 1), code="T-E1")
    joint = create_organisation(actor=actor, name="中共乌丹镇非公企业联合支部委员会", kind=Organisation.Kind.BRANCH,
                                area=wudan, parent=world.wudan, host=Organisation.Host.ENTERPRISE,
                                host_name="乌丹镇非公企业（联合）", founded_on=date(2026, 2, 10), code="T-EJ")
    social = create_organisation(actor=actor, name="中共戊协会支部委员会", kind=Organisation.Kind.BRANCH,
                                 area=region["官井子村"], parent=world.guangde, host=Organisation.Host.SOCIAL,
                                 host_name="戊协会", founded_on=date(2026, 4, 1), code="T-ES")
    registered = date(2025, 1, 1)
    orgs = {}
    for key, name, kind, area, code in [
        ("甲", "甲公司", ENTERPRISE, wudan, "91150426000000001A"),
        ("乙", "乙商贸", ENTERPRISE, wudan, "91150426000000002B"),
        ("丙", "丙物流", ENTERPRISE, region["赛沁塔拉嘎查"], ""),
        ("丁", "丁餐饮", ENTERPRISE, wudan, ""),
        ("戊", "戊协会", SOCIAL, region["官井子村"], ""),
        ("己", "己公司", ENTERPRISE, wudan, ""),
        ("庚", "庚工作室", ENTERPRISE, wudan, ""),
    ]:
        orgs[key] = services.register_new_organisation(actor=actor, name=name, kind=kind, area=area,
                                                       registered_on=registered, credit_code=code, industry="商贸")
    for key, day, employees, full in [("甲", date(2025, 6, 30), 40, 5), ("乙", date(2025, 6, 30), 10, 2),
                                      ("乙", date(2026, 6, 30), 12, 3), ("丙", date(2025, 6, 30), 8, 1),
                                      ("丁", date(2026, 6, 30), 20, 4), ("戊", date(2026, 6, 30), 15, 3),
                                      ("己", date(2025, 6, 30), 30, 6)]:
        services.record_census_return(actor=actor, new_organisation=orgs[key], counted_on=day, employees=employees,
                                      full_members=full, probationary_members=1)
    services.cover(actor=actor, new_organisation=orgs["甲"], organisation=e1, started_on=registered)
    services.cover(actor=actor, new_organisation=orgs["乙"], organisation=joint, started_on=date(2026, 3, 1))
    services.cover(actor=actor, new_organisation=orgs["丙"], organisation=joint, started_on=date(2026, 3, 1))
    services.cover(actor=actor, new_organisation=orgs["戊"], organisation=social, started_on=date(2026, 4, 1))
    services.close_new_organisation(actor=actor, new_organisation=orgs["己"], closed_on=date(2026, 5, 1))
    instructor = services.add_instructor(actor=actor, area=county, name="王志强", employer="翁牛特旗市场监督管理局",
                                         title="副局长", mobile="13904760011", joined_on=date(2026, 1, 1))
    services.dispatch(actor=actor, instructor=instructor, new_organisation=orgs["甲"], started_on=date(2026, 2, 1))
    served = services.dispatch(actor=actor, instructor=instructor, new_organisation=orgs["丁"],
                               started_on=date(2026, 5, 1))
    services.end_dispatch(actor=actor, dispatch=served, ended_on=date(2026, 6, 1))
    _reserve(joint, "赵晓东", date(2026, 5, 1))
    _reserve(social, "孙丽", date(2026, 5, 10))
    _reserve(world.saiqin, "钱多", date(2026, 5, 1))  # a village's: never in the 两新 reserve
    return Census(orgs=orgs, e1=e1, joint=joint, social=social, instructor=instructor, actor=actor)
