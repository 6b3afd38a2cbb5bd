"""What the cloud branch tests share (not collected: no test_ prefix).

On top of ``party_world``: 赛沁塔拉嘎查流动党员云支部 (a cloud branch in 赛沁塔拉嘎查, so its village secretary
``secretary`` reaches it, its party group leader ``reader`` only looks, 官井子村's ``outsider`` does not), and four
members of 赛沁塔拉嘎查's branch living away, all studying in the cloud branch:

- 其其格 away since 2026-01-10, paired with 乌云毕力格 from 2026-01-10;
- 那日苏 away since 2026-02-01, paired with 巴特尔 from 2026-03-01;
- 额尔敦 away since 2026-02-01, with no pair;
- 图雅 away 2026-01-05 to 2026-04-01 (back before the meeting), paired with 乌云毕力格 until her return;
- 宝音 away since 2026-06-01 (after the meeting), paired with 巴特尔.

``meeting``: the home branch's (中共赛沁塔拉嘎查支部委员会) 主题党日 on 2026-05-10 (a cloud branch records no meetings
of its own: meetings.services counts its members' organisational life at home); its audience, the members away
that day, is 其其格, 那日苏 and 额尔敦. ``branch_secretary`` holds organisation_secretary on the cloud branch only.
"""

from dataclasses import dataclass
from datetime import date

from grassroots.access.services import create_account
from grassroots.core.testing import PASSWORD
from grassroots.meetings.models import Meeting
from grassroots.members import services as members
from grassroots.members.models import Member, MobileMember
from grassroots.pairing.models import Pair
from grassroots.pairing.services import create_pair
from grassroots.party.models import Organisation
from grassroots.party.services import create_organisation
from grassroots.rules.pairing import MEMBER_MOBILE

HELD_ON = date(2026, 5, 10)


@dataclass
class CloudWorld:
    branch: Organisation
    meeting: Meeting
    branch_secretary: object
    members: dict[str, Member]
    spells: dict[str, MobileMember]
    pairs: dict[str, Pair]  # by the mobile member's name


def add_mobile(actor, party_world, branch, name: str, since: date, *, partner: str | None = None,
               paired_from: date | None = None, returned_on: date | None = None) -> tuple[Member, MobileMember, Pair | None]:
    member = members.admit_member(actor=actor, organisation=party_world.saiqin, name=name, gender="F",
                                  joined_on=date(2012, 7, 1), full_on=date(2013, 7, 1), started_on=date(2012, 7, 1))
    spell = members.register_mobile(actor=actor, member=member, place="呼和浩特市", since=since,
                                    contact="13904760000", cloud_branch=branch)
    pair = None
    if partner is not None:
        pair = create_pair(actor=actor, kind=MEMBER_MOBILE, visitor=party_world.members[partner], target=member,
                           started_on=paired_from or since, ended_on=returned_on, organisation=branch)
    if returned_on is not None:
        spell = members.mobile_returned(actor=actor, mobile=spell, returned_on=returned_on)
    return member, spell, pair


def build_cloud_world(*, actor, region, party_world) -> CloudWorld:
    branch = create_organisation(actor=actor, name="赛沁塔拉嘎查流动党员云支部", kind=Organisation.Kind.BRANCH,
                                 area=region["赛沁塔拉嘎查"], parent=party_world.wudan, founded_on=date(2020, 7, 1),
                                 code="T-CLOUD", is_cloud_branch=True)
    made = {
        "其其格": add_mobile(actor, party_world, branch, "其其格", date(2026, 1, 10), partner="乌云毕力格"),
        "那日苏": add_mobile(actor, party_world, branch, "那日苏", date(2026, 2, 1), partner="巴特尔",
                          paired_from=date(2026, 3, 1)),
        "额尔敦": add_mobile(actor, party_world, branch, "额尔敦", date(2026, 2, 1)),
        "图雅": add_mobile(actor, party_world, branch, "图雅", date(2026, 1, 5), partner="乌云毕力格",
                         returned_on=date(2026, 4, 1)),
        "宝音": add_mobile(actor, party_world, branch, "宝音", date(2026, 6, 1), partner="巴特尔"),
    }
    # Written directly: the attendance of the whole branch is not what these tests are about.
    meeting = Meeting.objects.create(organisation=party_world.saiqin, kind="theme_day", held_on=HELD_ON,
                                     place="嘎查党群服务中心", topic="学习贯彻全会精神")
    secretary = create_account(actor=actor, username="cloudsecretary", password=PASSWORD,
                               display_name="云支部书记", roles=[("organisation_secretary", branch)])
    return CloudWorld(branch=branch, meeting=meeting, branch_secretary=secretary, members={n: m[0] for n, m in made.items()},
                      spells={n: m[1] for n, m in made.items()},
                      pairs={n: m[2] for n, m in made.items() if m[2] is not None})
