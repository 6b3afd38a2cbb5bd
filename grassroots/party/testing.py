"""What the party registers' tests share: a small organisation tree over the test region (conftest ``region``)
with members, built through the services. The ``party_world`` fixture (grassroots/conftest.py) returns it."""

from dataclasses import dataclass
from datetime import date

from grassroots.areas.models import Person
from grassroots.members.models import Member
from grassroots.members.services import admit_member
from grassroots.party.models import Organisation
from grassroots.party.services import create_organisation

Kind, Host = Organisation.Kind, Organisation.Host


@dataclass
class PartyWorld:
    county: Organisation  # 中共翁牛特旗委员会
    wudan: Organisation  # 中共乌丹镇委员会
    guangde: Organisation  # 中共广德公镇委员会
    saiqin: Organisation  # 赛沁塔拉嘎查党支部 (the insiders' village)
    saiqin_group: Organisation  # its 第1网格党小组
    guanjing: Organisation  # 官井子村党支部 (the outsider's village)
    unit: Organisation  # 旗教育局机关党支部, a unit's branch under the 旗委
    members: dict[str, Member]  # by name


def build_party_world(*, actor, region, households) -> PartyWorld:
    """The tree and four members: 乌云毕力格 (a resident of 赛沁塔拉嘎查, full member since 1995) and 巴特尔 (probationary
    since 2026-03-01) in 赛沁塔拉嘎查's branch; 刘建国 in 官井子村's; 高志远 (no resident record: lives in the
    county town) in the unit's branch."""
    county = create_organisation(actor=actor, name="中共翁牛特旗委员会", kind=Kind.COMMITTEE, area=region["翁牛特旗"],
                                 founded_on=date(1947, 10, 1), code="T-0001")
    wudan = create_organisation(actor=actor, name="中共乌丹镇委员会", kind=Kind.COMMITTEE, area=region["乌丹镇"],
                                parent=county, founded_on=date(1958, 9, 1), code="T-WD")
    guangde = create_organisation(actor=actor, name="中共广德公镇委员会", kind=Kind.COMMITTEE,
                                  area=region["广德公镇"], parent=county, founded_on=date(1958, 9, 1), code="T-GD")
    saiqin = create_organisation(actor=actor, name="中共赛沁塔拉嘎查支部委员会", kind=Kind.BRANCH,
                                 area=region["赛沁塔拉嘎查"], parent=wudan, founded_on=date(1962, 5, 1), code="T-SQ")
    group = create_organisation(actor=actor, name="赛沁塔拉嘎查第1网格党小组", kind=Kind.GROUP,
                                area=region["赛沁塔拉嘎查1"], parent=saiqin, founded_on=date(2015, 3, 1), code="T-SQ1")
    guanjing = create_organisation(actor=actor, name="中共官井子村支部委员会", kind=Kind.BRANCH, area=region["官井子村"],
                                   parent=guangde, founded_on=date(1960, 4, 1), code="T-GJ")
    unit = create_organisation(actor=actor, name="中共翁牛特旗教育局机关支部委员会", kind=Kind.BRANCH,
                               area=region["翁牛特旗"], parent=county, host=Host.UNIT, host_name="翁牛特旗教育局",
                               founded_on=date(1985, 7, 1), code="T-JY")
    head = Person.objects.get(name="乌云毕力格")
    members = {
        "乌云毕力格": admit_member(actor=actor, organisation=saiqin, person=head, name=head.name, gender=head.gender,
                              joined_on=date(1994, 7, 1), full_on=date(1995, 7, 1), started_on=date(2010, 1, 1)),
        "巴特尔": admit_member(actor=actor, organisation=saiqin, name="巴特尔", gender="M", birth_date=date(1998, 2, 3),
                            joined_on=date(2026, 3, 1)),
        "刘建国": admit_member(actor=actor, organisation=guanjing, name="刘建国", gender="M",
                            birth_date=date(1972, 6, 1), joined_on=date(2001, 7, 1), full_on=date(2002, 7, 1)),
        "高志远": admit_member(actor=actor, organisation=unit, name="高志远", gender="M", birth_date=date(1985, 9, 9),
                            joined_on=date(2008, 6, 1), full_on=date(2009, 6, 1), mobile="13904760001"),
    }
    return PartyWorld(county=county, wudan=wudan, guangde=guangde, saiqin=saiqin, saiqin_group=group,
                      guanjing=guanjing, unit=unit, members=members)
