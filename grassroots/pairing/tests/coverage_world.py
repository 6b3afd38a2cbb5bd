"""The hand-built case the coverage tests share (赛沁塔拉嘎查 on DAY = 2026-06-03), on top of ``pairing_world``:

- ``pair`` (于财 → SQ-0001, grid 1, monthly): visited every month, and on 06-02 → current window done;
- ``other_pair`` (于海 → SQ-0004, grid 2): visited January … April, not in May → May is overdue (in its grace days);
- ``third`` (于林 → SQ-0002, grid 1): visited January, February, April, May, not in March nor in April's first days →
  March ended missed (the year's one missed window); June open, not yet due (due from 06-21);
- ``ended`` (于林 → SQ-0003, grid 1): 03-01 … 03-25, never visited: it ended before March's window was over, so
  nothing was owed and nothing is missed;
- ``unit_pair`` (乌丹镇农业服务中心 → the village, quarterly): visited in February, not in the second quarter → due;
  the unit has not visited this quarter;
- SQ-0005 (grid 2) has a 低保 member and no pair: the one unpaired priority household; SQ-0003 is unpaired too.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from grassroots.access.services import create_account
from grassroots.areas.models import Person, Tag
from grassroots.core.testing import PASSWORD
from grassroots.pairing.models import Pair, Visit
from grassroots.pairing.services import create_pair
from grassroots.rules import pairing as rules

DAY = date(2026, 6, 3)


def visit(pair: Pair, *days: date) -> list[Visit]:
    return [Visit.objects.create(pair=pair, visited_at=timezone.make_aware(datetime.combine(d, time(10))),
                                 visited_on=d, path=pair.path) for d in days]


@dataclass
class CoverageWorld:
    third_cadre: object
    third: Pair
    ended: Pair


def build_coverage_world(*, world, homes, system_actor) -> CoverageWorld:
    visit(world.pair, *(date(2026, m, 15) for m in range(1, 6)), date(2026, 6, 2))
    visit(world.other_pair, *(date(2026, m, 15) for m in range(1, 5)))
    third_cadre = create_account(actor=system_actor, username="yulin", password=PASSWORD, display_name="于林", roles=[])
    third = create_pair(actor=system_actor, kind=rules.CADRE_HOUSEHOLD, visitor=third_cadre, target=homes["SQ-0002"],
                        started_on=date(2026, 1, 1))
    visit(third, date(2026, 1, 10), date(2026, 2, 10), date(2026, 4, 10), date(2026, 5, 20))
    ended = create_pair(actor=system_actor, kind=rules.CADRE_HOUSEHOLD, visitor=third_cadre, target=homes["SQ-0003"],
                        started_on=date(2026, 3, 1), ended_on=date(2026, 3, 25))
    visit(world.unit_pair, date(2026, 2, 10))
    needy = Person.objects.filter(household=homes["SQ-0005"]).first()
    needy.tags.add(Tag.objects.get(code="subsistence"))
    return CoverageWorld(third_cadre=third_cadre, third=third, ended=ended)
