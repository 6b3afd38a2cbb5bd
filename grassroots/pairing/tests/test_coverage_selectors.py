"""Coverage, due this week and the figures, counted on a hand-built case (tests/coverage_world.py)."""

from datetime import date, datetime

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grassroots.areas import services as areas
from grassroots.demands import services as demands
from grassroots.demands.models import Category, Demand
from grassroots.pairing import selectors
from grassroots.pairing.models import Help, Problem
from grassroots.pairing.services import create_pair
from grassroots.pairing.tests.coverage_world import DAY, build_coverage_world, visit
from grassroots.rules import pairing as rules


@pytest.fixture
def case(pairing_world, homes, system_actor):
    return build_coverage_world(world=pairing_world, homes=homes, system_actor=system_actor)


def test_coverage_of_the_village_counts_each_status_once(case, pairing_world, region, secretary):
    found = selectors.coverage(secretary, area=region["赛沁塔拉嘎查"], day=DAY)
    t = found.total
    assert t.pairs == 4  # the ended pair is not in force
    assert t.by_kind == {rules.CADRE_HOUSEHOLD: 3, rules.UNIT_AREA: 1}
    assert (t.done, t.current[rules.DUE], t.current[rules.OVERDUE], t.current[rules.OPEN]) == (1, 1, 1, 1)
    assert t.missed == 1  # SQ-0002's March; the ended pair owed nothing, May is still in its grace days
    assert (t.households, t.unpaired) == (5, 2)  # SQ-0003 (its pair ended) and SQ-0005
    assert t.unpaired_priority == 1 and t.unpaired_by_tag["subsistence"] == 1 and found.show_tags
    assert t.units_not_visited == [("乌丹镇农业服务中心", "赛沁塔拉嘎查", "待走访")]
    grid1, grid2 = found.children
    assert (grid1.area, grid2.area) == (region["赛沁塔拉嘎查1"], region["赛沁塔拉嘎查2"])
    assert (grid1.pairs, grid1.done, grid1.current[rules.OPEN], grid1.missed, grid1.unpaired) == (2, 1, 1, 1, 1)
    assert (grid2.pairs, grid2.current[rules.OVERDUE], grid2.missed, grid2.unpaired) == (1, 1, 0, 1)
    assert (grid1.unpaired_priority, grid2.unpaired_priority) == (0, 1)
    assert grid1.units_not_visited == grid2.units_not_visited == []  # the unit's pair is on the village itself


def test_a_month_later_the_overdue_window_is_missed_and_the_visited_one_is_not(case, region, secretary):
    found = selectors.coverage(secretary, area=region["赛沁塔拉嘎查"], day=date(2026, 6, 10))
    # May of SQ-0004 ended its grace days on 06-07 unvisited: missed now, beside SQ-0002's March.
    assert found.total.missed == 2 and found.total.current[rules.OVERDUE] == 0


def test_a_visit_in_the_grace_days_saves_the_window(case, pairing_world, region, secretary):
    visit(pairing_world.other_pair, date(2026, 6, 5))
    found = selectors.coverage(secretary, area=region["赛沁塔拉嘎查"], day=date(2026, 6, 10))
    assert found.total.missed == 1


def test_the_reader_sees_the_priority_households_as_one_number_without_tags(case, region, reader):
    found = selectors.coverage(reader, area=region["赛沁塔拉嘎查"], day=DAY)
    assert not found.show_tags
    assert found.total.unpaired_priority == 1
    assert sum(found.total.unpaired_by_tag.values()) == 0  # not even counted for them


def test_the_township_sees_the_village_as_a_child_and_outsiders_and_cadres_get_404(case, region, township,
                                                                                    outsider, pairing_world):
    found = selectors.coverage(township, area=region["乌丹镇"], day=DAY)
    [village] = found.children
    assert village.area == region["赛沁塔拉嘎查"] and village.pairs == 4 and village.missed == 1
    assert village.units_not_visited == [("乌丹镇农业服务中心", "赛沁塔拉嘎查", "待走访")]
    for stranger in (outsider, pairing_world.cadre):
        with pytest.raises(Http404):
            selectors.coverage(stranger, area=region["赛沁塔拉嘎查"], day=DAY)


def test_coverage_asks_the_same_number_of_statements_whatever_the_number_of_children(case, region, secretary,
                                                                                     system_actor, pairing_world):
    village = region["赛沁塔拉嘎查"]

    def statements() -> int:
        secretary.__dict__.pop("_grassroots_scope", None)  # as in a request: the scope's statement counts
        with CaptureQueriesContext(connection) as queries:
            selectors.coverage(secretary, area=village, day=DAY)
        return len(queries)

    before = statements()
    for n in (3, 4, 5):
        grid = areas.create_grid(actor=system_actor, village=village, name=f"第{n}网格", number=n)
        home = areas.create_household(actor=system_actor, grid=grid, number=f"SQ-01{n}", address="x")
        pair = create_pair(actor=system_actor, kind=rules.CADRE_HOUSEHOLD, visitor=pairing_world.other_cadre,
                           target=home, started_on=date(2026, 1, 1))
        visit(pair, date(2026, 2, 1), date(2026, 5, 1))
    after = statements()
    assert after == before <= 10
    assert len(selectors.coverage(secretary, area=village, day=DAY).children) == 5


def test_due_this_week_lists_what_is_due_or_overdue_and_counts_what_is_done(case, pairing_world):
    # 于财 visited on 06-02: nothing due, one done.
    mine = selectors.due_this_week(pairing_world.cadre, day=DAY)
    assert mine.items == [] and mine.done == 1 and len(mine.pairs) == 1
    # 于海: May is overdue until 06-07.
    [item] = selectors.due_this_week(pairing_world.other_cadre, day=DAY).items
    assert item.pair == pairing_world.other_pair and item.status == rules.OVERDUE
    assert item.deadline == date(2026, 6, 7) and item.window.key == "2026-05"
    # 于林's June window is due from 06-21: not this week on 06-03, this week on 06-16.
    assert selectors.due_this_week(case.third_cadre, day=DAY).items == []
    [later] = selectors.due_this_week(case.third_cadre, day=date(2026, 6, 16)).items
    assert later.status == rules.OPEN and later.due_on == date(2026, 6, 21) and later.deadline == date(2026, 6, 30)


def test_due_this_week_puts_the_overdue_first(case, pairing_world, homes, system_actor):
    # The unit's staff member is also a cadre of SQ-0005, never visited: May overdue on 06-03, beside the unit's
    # second quarter, due since 06-01.
    staff = pairing_world.unit_staff
    own = create_pair(actor=system_actor, kind=rules.CADRE_HOUSEHOLD, visitor=staff, target=homes["SQ-0005"],
                      started_on=date(2026, 1, 1))
    items = selectors.due_this_week(staff, day=DAY).items
    assert [(i.pair, i.status) for i in items] == [(own, rules.OVERDUE), (pairing_world.unit_pair, rules.DUE)]
    # A visit on 06-05 makes May up (late) and counts for June as well: only the unit's quarter is left.
    visit(own, date(2026, 6, 5))
    found = selectors.due_this_week(staff, day=date(2026, 6, 5))
    assert [i.pair for i in found.items] == [pairing_world.unit_pair] and found.done == 1
    assert {p.pair: p.status for p in found.pairs}[own] == rules.DONE


def test_unit_staff_see_their_units_pair_due(case, pairing_world):
    [item] = selectors.due_this_week(pairing_world.unit_staff, day=DAY).items
    assert item.pair == pairing_world.unit_pair and item.status == rules.DUE


def test_a_secretary_can_ask_what_is_due_in_the_village(case, region, secretary, outsider):
    found = selectors.due_this_week(secretary, day=DAY, area=region["赛沁塔拉嘎查"])
    assert {i.status for i in found.items} == {rules.OVERDUE, rules.DUE}
    with pytest.raises(Http404):
        selectors.due_this_week(outsider, day=DAY, area=region["赛沁塔拉嘎查"])


def test_figures_count_visits_households_problems_solved_and_helps(case, pairing_world, region, secretary,
                                                                   system_actor, responsibilities):
    [v] = visit(pairing_world.pair, date(2026, 6, 1))
    Help.objects.create(visit=v, kind=Help.Kind.JOB, detail="推荐到旗里的乳品厂")
    seeds = Category.objects.get(code="seeds")
    solved, open_ = (demands.create_demand(actor=system_actor, kind="demand", text=text, area=region["赛沁塔拉嘎查1"],
                                           channel=Demand.Channel.PAIRING_CADRE, category=seeds)
                     for text in ("缺玉米种子", "想学养殖技术"))
    for demand in (solved, open_):
        Problem.objects.create(visit=v, demand=demand, path=v.path, visited_on=v.visited_on)
    resolved_at = timezone.make_aware(datetime(2026, 6, 20, 9))
    Demand.objects.filter(pk=solved.pk).update(status=Demand.Status.RESOLVED, resolved_at=resolved_at)
    # Counted as solved for a period that ends after it was resolved, not before.
    assert selectors.figures(secretary, area=region["赛沁塔拉嘎查"], since=date(2026, 1, 1), until=DAY).solved == 0
    found = selectors.figures(secretary, area=region["赛沁塔拉嘎查"], since=date(2026, 1, 1),
                              until=date(2026, 6, 30))
    # 6 + 1 of SQ-0001, 4 of SQ-0004, 4 of SQ-0002, 1 of the unit.
    assert found.visits == 16 and found.households_visited == 3
    assert (found.problems, found.solved) == (2, 1)
    assert dict(found.helps)["就业推荐"] == 1 and found.helps_total == 1
    spring = selectors.figures(secretary, area=region["赛沁塔拉嘎查"], since=date(2026, 3, 1), until=date(2026, 3, 31))
    assert (spring.visits, spring.problems) == (2, 0)  # SQ-0001's and SQ-0004's March visits
    # Reopened, the demand is no longer solved.
    Demand.objects.filter(pk=solved.pk).update(status=Demand.Status.IN_PROGRESS)
    assert selectors.figures(secretary, area=region["赛沁塔拉嘎查"], since=date(2026, 1, 1),
                             until=date(2026, 6, 30)).solved == 0
