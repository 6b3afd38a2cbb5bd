"""The pairs tests build on: two cadres of 乌丹镇 with no role on any area, each paired with one household of
赛沁塔拉嘎查 (于财 with SQ-0001, 乌云毕力格's; 于海 with SQ-0004), and 乌丹镇农业服务中心 paired with the village, with
one member of staff. All from 2026-01-01, monthly (households) and quarterly (the unit)."""

from dataclasses import dataclass
from datetime import date

from grassroots.access.services import create_account
from grassroots.core.testing import PASSWORD
from grassroots.demands import services as demands
from grassroots.pairing.models import Pair
from grassroots.pairing.services import create_pair
from grassroots.rules import pairing as rules

STARTED = date(2026, 1, 1)


@dataclass
class PairingWorld:
    cadre: object  # 于财: paired with SQ-0001
    other_cadre: object  # 于海: paired with SQ-0004
    unit: object  # 乌丹镇农业服务中心
    unit_staff: object
    pair: Pair
    other_pair: Pair
    unit_pair: Pair


def build_pairing_world(*, actor, region, homes, units) -> PairingWorld:
    cadre = create_account(actor=actor, username="yucai", password=PASSWORD, display_name="于财", roles=[])
    other = create_account(actor=actor, username="yuhai", password=PASSWORD, display_name="于海", roles=[])
    unit = units["wd-nyzx"]
    staff = create_account(actor=actor, username="wdnyzx", password=PASSWORD, display_name="农业服务中心 陈静",
                           roles=[])
    demands.add_unit_member(actor=actor, unit=unit, user=staff)
    pair = create_pair(actor=actor, kind=rules.CADRE_HOUSEHOLD, visitor=cadre, target=homes["SQ-0001"],
                       started_on=STARTED, purpose="帮扶就业、政策宣讲")
    other_pair = create_pair(actor=actor, kind=rules.CADRE_HOUSEHOLD, visitor=other, target=homes["SQ-0004"],
                             started_on=STARTED)
    unit_pair = create_pair(actor=actor, kind=rules.UNIT_AREA, visitor=unit, target=region["赛沁塔拉嘎查"],
                            started_on=STARTED, purpose="包联嘎查：农牧业技术服务")
    return PairingWorld(cadre=cadre, other_cadre=other, unit=unit, unit_staff=staff, pair=pair,
                        other_pair=other_pair, unit_pair=unit_pair)
