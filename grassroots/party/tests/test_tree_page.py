"""/party/ (party-home): each caller sees their own part of the tree, with member counts and status as of ?day; a
grid worker, a cashier and anonymous see nothing; the page's query count does not grow with the tree."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grassroots.party.models import Organisation
from grassroots.party.services import create_organisation, open_rectification

pytestmark = pytest.mark.django_db
URL = reverse("party-home")
WEAK_BADGE, NORMAL_BADGE = '<span class="tag weak">软弱涣散</span>', '<span class="tag normal">正常</span>'


def shown(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_village_secretary_sees_their_branch_and_group_with_member_counts(party_world, as_secretary):
    page = shown(as_secretary.get(URL, {"day": "2026-12-01"}))
    assert "中共赛沁塔拉嘎查支部委员会" in page and "赛沁塔拉嘎查第1网格党小组" in page
    assert "2 名党员" in page
    assert "官井子村" not in page and "乌丹镇委员会" not in page


def test_a_looker_sees_and_an_outsider_sees_only_their_own(party_world, as_reader, as_outsider):
    assert "中共赛沁塔拉嘎查支部委员会" in shown(as_reader.get(URL))
    page = shown(as_outsider.get(URL))
    assert "中共官井子村支部委员会" in page and "赛沁塔拉嘎查" not in page


def test_grid_workers_cashiers_and_strangers_get_nothing(party_world, as_insider, as_cashier, anonymous):
    assert as_insider.get(URL).status_code == 404
    assert as_cashier.get(URL).status_code == 404
    assert anonymous.get(URL).status_code == 302


def test_township_staff_see_their_subtree_and_an_organisation_secretary_theirs(
        party_world, as_township_staff, as_unit_secretary, as_wudan_secretary):
    page = shown(as_township_staff.get(URL))
    assert "中共乌丹镇委员会" in page and "赛沁塔拉嘎查第1网格党小组" in page
    assert "广德公镇" not in page and "教育局" not in page
    page = shown(as_unit_secretary.get(URL))
    assert "教育局机关支部" in page and "赛沁塔拉嘎查" not in page and "乌丹镇" not in page
    page = shown(as_wudan_secretary.get(URL))
    assert "中共乌丹镇委员会" in page and "赛沁塔拉嘎查第1网格党小组" in page and "官井子村" not in page


def test_a_past_day_shows_that_days_members_and_status(party_world, as_org_staff, org_staff, system_actor):
    open_rectification(actor=system_actor, organisation=party_world.saiqin, identified_on=date(2026, 5, 1),
                       reasons="组织生活不正常")
    before = shown(as_org_staff.get(URL, {"day": "2026-02-01", "q": "赛沁塔拉嘎查支部"}))
    assert "1 名党员" in before and WEAK_BADGE not in before and NORMAL_BADGE in before
    after = shown(as_org_staff.get(URL, {"day": "2026-06-01", "q": "赛沁塔拉嘎查支部"}))
    assert "2 名党员" in after and WEAK_BADGE in after
    assert "官井子村" not in after  # the search keeps matching names only


def test_a_bad_day_is_said_and_today_is_shown(party_world, as_secretary):
    page = shown(as_secretary.get(URL, {"day": "2026-13-40"}))
    assert "格式不正确" in page and "中共赛沁塔拉嘎查支部委员会" in page


def test_the_tree_page_does_not_query_per_row(party_world, as_org_staff, system_actor, region,
                                              django_assert_max_num_queries):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert as_org_staff.get(URL).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(6):
        create_organisation(actor=system_actor, name=f"测试支部{n}", kind=Organisation.Kind.BRANCH,
                            area=region["官井子村"], parent=party_world.guangde, founded_on=date(2000, 1, 1))
    with django_assert_max_num_queries(few):
        page = shown(as_org_staff.get(URL))
    assert "测试支部5" in page
