"""The compliance view's figures on a hand-built case, its scoping, and its constant number of queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grassroots.access.scope import scope_of
from grassroots.meetings import selectors
from grassroots.meetings.services import Line
from grassroots.meetings.testing import PRESENT, record
from grassroots.party.models import Organisation
from grassroots.party.services import create_organisation

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 10)


@pytest.fixture
def held(party_world, system_actor):
    """赛沁塔拉嘎查's branch: 支委会 in January and March, 支部党员大会 in February, 主题党日 in April; its group: a
    党小组会 in May. Nothing elsewhere."""
    world = party_world
    wuyun = [Line(world.members["乌云毕力格"].pk, PRESENT)]  # 巴特尔 joined on 2026-03-01
    for kind, day, lines in [("branch_committee", date(2026, 1, 15), wuyun),
                             ("branch_committee", date(2026, 3, 5), None),
                             ("branch_committee", date(2026, 3, 25), None),  # twice in March: still one month
                             ("branch_assembly", date(2026, 2, 20), wuyun),
                             ("theme_day", date(2026, 4, 1), None)]:
        record(system_actor, world, kind=kind, held_on=day, lines=lines, today=TODAY)
    record(system_actor, world, organisation=world.saiqin_group, kind="group_meeting", held_on=date(2026, 5, 8),
           today=TODAY)
    return world


def statuses(report, code):
    row = next(r for r in report.organisations if r.organisation.code == code)
    return {k.kind: [c.status for c in k.cells] for k in row.kinds}, row.totals


def test_the_figures_of_a_hand_built_case(held, org_staff, region):
    report = selectors.compliance(org_staff, area=region["翁牛特旗"], year=2026, today=TODAY)
    kinds, totals = statuses(report, "T-SQ")
    up = ["upcoming"] * 7
    assert kinds == {
        "branch_assembly": ["held", "due", "upcoming", "upcoming"],
        "branch_committee": ["held", "overdue", "held", "overdue", "due", *up],
        "party_lecture": ["overdue", "due", "upcoming", "upcoming"],
        "theme_day": ["overdue", "overdue", "overdue", "held", "due", *up],
    }
    assert totals == {"held": 4, "due": 4, "overdue": 6}
    kinds, totals = statuses(report, "T-SQ1")
    assert kinds == {"group_meeting": ["overdue", "overdue", "overdue", "overdue", "held", *up]}
    assert totals == {"held": 1, "due": 0, "overdue": 4}
    assert statuses(report, "T-GJ")[1] == {"held": 0, "due": 4, "overdue": 10}
    # Committees without members of their own owe nothing and are not listed.
    assert {r.organisation.code for r in report.organisations} == {"T-SQ", "T-SQ1", "T-GJ", "T-JY"}
    by_area = {a.area.name: (a.own_level, a.totals) for a in report.areas}
    assert by_area == {"翁牛特旗": (True, {"held": 0, "due": 4, "overdue": 10}),
                       "乌丹镇": (False, {"held": 5, "due": 4, "overdue": 10}),
                       "广德公镇": (False, {"held": 0, "due": 4, "overdue": 10})}
    assert report.totals == {"held": 5, "due": 12, "overdue": 30}


def test_a_township_rolls_up_to_its_villages_and_sees_only_its_own(held, township_staff, region):
    report = selectors.compliance(township_staff, area=region["乌丹镇"], year=2026, today=TODAY)
    assert [(a.area.name, a.totals) for a in report.areas] == [
        ("赛沁塔拉嘎查", {"held": 5, "due": 4, "overdue": 10})]
    wider = selectors.compliance(township_staff, area=region["翁牛特旗"], year=2026, today=TODAY)
    assert {r.organisation.code for r in wider.organisations} == {"T-SQ", "T-SQ1"}


def test_the_view_as_of_a_day_and_of_a_past_year(held, org_staff, region):
    # As of 2026-02-10: January's 主题党日 was missed, and the 支部党员大会 of 2026-02-20 was still to come.
    early = selectors.compliance(org_staff, area=region["乌丹镇"], year=2026, today=date(2026, 2, 10))
    kinds, _ = statuses(early, "T-SQ")
    assert kinds["theme_day"][:3] == ["overdue", "due", "upcoming"]
    assert kinds["branch_committee"][:2] == ["held", "due"]
    assert kinds["branch_assembly"][0] == "due"
    past = selectors.compliance(org_staff, area=region["乌丹镇"], year=2025, today=TODAY)
    assert statuses(past, "T-SQ")[1] == {"held": 0, "due": 0, "overdue": 32}  # 12 + 12 months, 4 + 4 quarters
    # The group was founded on 2015-03-01: in 2014 it owed nothing and is not listed.
    assert "T-SQ1" not in {r.organisation.code for r in
                           selectors.compliance(org_staff, area=region["乌丹镇"], year=2014, today=TODAY).organisations}


def test_a_grid_worker_and_a_stranger_see_nothing(held, insider, outsider, region):
    assert selectors.compliance(insider, area=region["翁牛特旗"], year=2026, today=TODAY).organisations == []
    seen = selectors.compliance(outsider, area=region["翁牛特旗"], year=2026, today=TODAY)
    assert {r.organisation.code for r in seen.organisations} == {"T-GJ"}


def _more_branches(world, region, system_actor, n):
    for i in range(n):
        branch = create_organisation(actor=system_actor, name=f"测试第{i}支部", kind=Organisation.Kind.BRANCH,
                                     area=region["赛沁塔拉嘎查"], parent=world.wudan, founded_on=date(2000, 1, 1),
                                     code=f"T-X{i}")
        record(system_actor, world, organisation=branch, kind="theme_day", held_on=date(2026, 1 + i % 4, 9),
               lines=[], today=TODAY)


def test_the_compliance_page_runs_a_constant_number_of_queries(held, as_org_staff, region, system_actor):
    def count():
        with CaptureQueriesContext(connection) as queries:
            response = as_org_staff.get("/party/meetings/compliance/", {"area": region["翁牛特旗"].code,
                                                                         "year": 2026, "day": "2026-05-10",
                                                                         "detail": "1"})
        assert response.status_code == 200
        return len(queries), response

    few, _ = count()
    _more_branches(held, region, system_actor, 25)
    many, response = count()
    assert many == few
    assert response.content.decode().count('data-organisation="T-X') == 25


def test_the_selector_reads_children_organisations_and_held_set_in_three_queries(
        held, org_staff, region, system_actor, django_assert_num_queries):
    _more_branches(held, region, system_actor, 10)
    org_staff = type(org_staff).objects.get(pk=org_staff.pk)
    org_staff._grassroots_scope = None
    scope_of(org_staff)  # the caller's roles are read once per request, before the report
    with django_assert_num_queries(3):
        report = selectors.compliance(org_staff, area=region["翁牛特旗"], year=2026, today=TODAY)
    assert len(report.organisations) == 14


def test_cloud_branches_owe_nothing_and_a_dissolved_branch_owes_nothing_from_its_dissolution(
        held, org_staff, region, system_actor):
    create_organisation(actor=system_actor, name="流动党员云支部", kind=Organisation.Kind.BRANCH,
                        area=region["翁牛特旗"], parent=held.county, founded_on=date(2020, 1, 1), code="T-CLOUD",
                        is_cloud_branch=True)
    Organisation.objects.filter(code="T-GJ").update(status=Organisation.Status.DISSOLVED,
                                                    dissolved_on=date(2026, 3, 15))
    report = selectors.compliance(org_staff, area=region["翁牛特旗"], year=2026, today=TODAY)
    assert "T-CLOUD" not in {r.organisation.code for r in report.organisations}
    kinds, totals = statuses(report, "T-GJ")
    assert kinds["branch_committee"][:4] == ["overdue", "overdue", "not_owed", "not_owed"]
    assert kinds["branch_assembly"] == ["not_owed"] * 4  # dissolved before the first quarter ended
    assert totals == {"held": 0, "due": 0, "overdue": 4}
    # Dissolved in an earlier year: not listed at all.
    Organisation.objects.filter(code="T-GJ").update(dissolved_on=date(2025, 12, 1))
    report = selectors.compliance(org_staff, area=region["翁牛特旗"], year=2026, today=TODAY)
    assert "T-GJ" not in {r.organisation.code for r in report.organisations}
