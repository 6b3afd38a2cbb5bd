"""The four registers and the census figures on the hand-built census of neworgs/testing.py."""

from datetime import date

import pytest

from grassroots.neworgs import services
from grassroots.neworgs.selectors import four_registers
from grassroots.neworgs.testing import DAY

pytestmark = pytest.mark.django_db


def snapshot(registers):
    return {
        "figures": registers.figures,
        "built": [(o.name, o.covering_name, o.covering_count) for o in registers.built],
        "reserve": [(d.name, d.organisation.code) for d in registers.reserve],
        "dispatched": [(d.instructor.name, d.new_organisation.name) for d in registers.dispatched],
        "newly_built": [o.code for o in registers.newly_built],
        "gap": [o.name for o in registers.gap],
    }


def test_the_figures_and_four_registers_of_the_county(census, org_staff, region):
    got = snapshot(four_registers(org_staff, area=region["翁牛特旗"], day=DAY))
    f = got["figures"]
    # 7 registered, 己公司 closed: 6 in the census; 甲 5, 乙 3, 丁 4, 戊 3 full members qualify; 甲 乙 丙 戊 covered
    assert (f.in_census, f.qualifying, f.covered, f.covering_organisations, f.uncovered_qualifying) == (6, 4, 4, 3, 1)
    assert got["built"] == [("甲公司", "中共甲公司支部委员会", 1), ("乙商贸", "中共乌丹镇非公企业联合支部委员会", 2),
                            ("丙物流", "中共乌丹镇非公企业联合支部委员会", 2), ("戊协会", "中共戊协会支部委员会", 1)]
    assert sorted(got["reserve"]) == [("孙丽", "T-ES"), ("赵晓东", "T-EJ")]
    assert got["dispatched"] == [("王志强", "甲公司")]  # 丁餐饮's dispatch ended 2026-06-01
    assert got["newly_built"] == ["T-EJ", "T-ES"]
    assert got["gap"] == ["丁餐饮"]


def test_a_joint_branch_is_one_organisation_covering_several(census, org_staff, region):
    figures = four_registers(org_staff, area=region["乌丹镇"], day=DAY).figures
    # 甲 (E1), 乙 and 丙 (both the joint branch J): three covered by two organisations
    assert (figures.covered, figures.covering_organisations) == (3, 2)


def test_a_past_day_answers_what_it_answered_then(census, org_staff, region):
    county = region["翁牛特旗"]
    last_year = snapshot(four_registers(org_staff, area=county, day=date(2025, 12, 31)))
    f = last_year["figures"]
    # 己公司 still open and qualifying; 乙 had 2 full members; only 甲 covered; nothing founded in 2025
    assert (f.in_census, f.qualifying, f.covered, f.covering_organisations) == (7, 2, 1, 1)
    assert last_year["gap"] == ["己公司"] and last_year["newly_built"] == [] and last_year["dispatched"] == []
    before = snapshot(four_registers(org_staff, area=county, day=DAY))

    services.end_coverage(actor=census.actor, coverage=census.orgs["乙"].coverages.get(), ended_on=date(2026, 8, 1))
    services.close_new_organisation(actor=census.actor, new_organisation=census.orgs["甲"], closed_on=date(2026, 9, 1))
    services.record_census_return(actor=census.actor, new_organisation=census.orgs["丙"], counted_on=date(2026, 10, 1),
                                  employees=9, full_members=4)
    services.cover(actor=census.actor, new_organisation=census.orgs["丁"], organisation=census.joint,
                   started_on=date(2026, 10, 1))
    services.dispatch(actor=census.actor, instructor=census.instructor, new_organisation=census.orgs["丁"],
                      started_on=date(2026, 10, 1))

    assert snapshot(four_registers(org_staff, area=county, day=DAY)) == before
    assert snapshot(four_registers(org_staff, area=county, day=date(2025, 12, 31))) == last_year
    later = four_registers(org_staff, area=county, day=date(2026, 10, 1))
    f = later.figures
    # 甲 closed; 乙 uncovered since 08-01; 丙 now qualifies; 丁 covered by the joint branch
    assert (f.in_census, f.qualifying, f.covered, f.covering_organisations) == (5, 4, 3, 2)
    assert [o.name for o in later.gap] == ["乙商贸"]


def test_township_staff_see_their_township_only(census, township_staff, region):
    got = snapshot(four_registers(township_staff, area=region["乌丹镇"], day=DAY))
    f = got["figures"]
    assert (f.in_census, f.qualifying, f.covered, f.covering_organisations) == (5, 3, 3, 2)  # not 戊协会 (广德公镇)
    assert got["reserve"] == [("赵晓东", "T-EJ")]
    assert got["newly_built"] == ["T-EJ"]
    assert [name for name, _, _ in got["built"]] == ["甲公司", "乙商贸", "丙物流"]
