"""The coverage pages, the API routes and the 包联 link and home card, for every kind of caller: the village
secretary (insider), the party group leader (read-only), 官井子村's secretary (outsider: 404), the cadre with no area
role, 乌丹镇's staff, and a grid worker without pairs."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grassroots.access.context_processors import pairing_visitor
from grassroots.core.testing import client_for
from grassroots.pairing import selectors
from grassroots.pairing.services import create_pair
from grassroots.pairing.tests.coverage_world import DAY, build_coverage_world
from grassroots.rules import pairing as rules

SQ = "150426100223"  # 赛沁塔拉嘎查
WUDAN = "150426100000"  # 乌丹镇


@pytest.fixture
def case(pairing_world, homes, system_actor):
    return build_coverage_world(world=pairing_world, homes=homes, system_actor=system_actor)


def menu(page: str) -> dict[str, str]:
    nav = re.search(r'<nav class="menu">(.*?)</nav>', page, re.S).group(1)
    return {key: href for href, key in re.findall(r'<a href="([^"]+)" data-nav="([^"]+)"', nav)}


def test_the_secretary_sees_coverage_with_the_tags_and_drills_down(case, as_secretary):
    response = as_secretary.get(f"/pairing/coverage/?area={SQ}&day={DAY}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "包联走访覆盖 · 赛沁塔拉嘎查" in page and 'class="table cards"' in page
    assert "低保 1" in page and "重点户" not in page.split('data-testid="total"', 1)[1].split("</div>\n</div>")[0]
    assert f'href="?area={SQ}001&amp;day={DAY}"' in page  # drill-down to grid 1
    assert "乌丹镇农业服务中心" in page.split('data-testid="units"', 1)[1]
    assert reverse("pairing-coverage-xlsx") in page


def test_the_reader_sees_priority_households_as_one_number_and_may_not_export(case, as_reader):
    page = as_reader.get(f"/pairing/coverage/?area={SQ}&day={DAY}").content.decode()
    assert "重点户 1" in page and "低保" not in page
    assert reverse("pairing-coverage-xlsx") not in page
    assert as_reader.get(f"/pairing/coverage.xlsx?area={SQ}&day={DAY}").status_code == 403


def test_the_default_area_is_the_callers_own(case, as_secretary, as_township):
    assert "包联走访覆盖 · 赛沁塔拉嘎查" in as_secretary.get("/pairing/coverage/").content.decode()
    page = as_township.get(f"/pairing/coverage/?day={DAY}").content.decode()
    assert "包联走访覆盖 · 乌丹镇" in page and f'href="?area={SQ}&amp;day={DAY}"' in page


@pytest.fixture
def as_township(township):
    return client_for(township)


@pytest.mark.parametrize("url", ["/pairing/coverage/?area={sq}", "/pairing/coverage.xlsx?area={sq}",
                                 "/pairing/figures/?area={sq}", "/api/pairing/coverage/?area_code={sq}",
                                 "/api/pairing/figures/?area_code={sq}"])
def test_outsiders_cadres_and_grid_workers_get_404_everywhere(case, url, as_outsider, as_cadre, as_insider):
    for client in (as_outsider, as_cadre, as_insider):
        assert client.get(url.format(sq=SQ)).status_code == 404


@pytest.mark.parametrize("url", ["/pairing/coverage/?area={sq}&day={day}", "/pairing/figures/?area={sq}",
                                 "/api/pairing/coverage/?area_code={sq}&day={day}", "/api/pairing/figures/?area_code={sq}"])
def test_the_village_and_the_township_see_every_coverage_page(case, url, as_secretary, as_reader, as_township):
    for client in (as_secretary, as_reader, as_township):
        assert client.get(url.format(sq=SQ, day=DAY)).status_code == 200


def test_the_coverage_workbook(case, as_secretary, as_township):
    response = as_secretary.get(f"/pairing/coverage.xlsx?area={SQ}&day={DAY}")
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    assert as_township.get(f"/pairing/coverage.xlsx?area={WUDAN}&day={DAY}").status_code == 200


def test_the_coverage_page_asks_a_constant_number_of_statements(case, as_township, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        assert as_township.get(f"/pairing/coverage/?area={SQ}&day={DAY}").status_code == 200


def test_the_api_answers_coverage_with_tags_only_for_the_secretary(case, as_secretary, as_reader):
    body = as_secretary.get(f"/api/pairing/coverage/?area_code={SQ}&day={DAY}").json()
    assert body["total"]["pairs"] == 4 and body["total"]["missed"] == 1
    assert body["total"]["current"]["overdue"] == 1 and body["total"]["unpaired_by_tag"]["subsistence"] == 1
    assert [c["area"]["code"] for c in body["children"]] == [f"{SQ}001", f"{SQ}002"]
    assert body["total"]["units_not_visited"] == ["乌丹镇农业服务中心→赛沁塔拉嘎查"]
    read = as_reader.get(f"/api/pairing/coverage/?area_code={SQ}&day={DAY}").json()
    assert read["total"]["unpaired_by_tag"] is None and read["total"]["unpaired_priority"] == 1


def test_the_api_figures(case, as_secretary):
    body = as_secretary.get(f"/api/pairing/figures/?area_code={SQ}&since=2026-01-01&until={DAY}").json()
    assert body["visits"] == 15 and body["households_visited"] == 3 and body["problems"] == 0
    assert as_secretary.get(f"/api/pairing/figures/?area_code={SQ}&since=2026-06-01&until=2026-01-01").status_code == 422


def test_the_cadres_page_and_due_list(case, as_cadre, pairing_world):
    other = client_for(pairing_world.other_cadre)
    page = other.get(f"/pairing/my/?day={DAY}").content.decode()
    due = page.split('data-testid="due"', 1)[1].split("</section>", 1)[0]
    assert "SQ-0004" in due and "已逾期" in due
    assert reverse("pairing-visit-new", args=[pairing_world.other_pair.pk]) in due
    assert reverse("pairing-pair", args=[pairing_world.other_pair.pk]) in page
    mine = as_cadre.get(f"/pairing/my/?day={DAY}").content.decode()
    assert "本周没有到期的走访" in mine and "SQ-0001" in mine and "SQ-0004" not in mine
    body = other.get(f"/api/pairing/due/?day={DAY}").json()
    assert [(i["target"], i["status"], i["deadline"]) for i in body["due"]] == [("户SQ-0004", "overdue", "2026-06-07")]
    assert as_cadre.get(f"/api/pairing/due/?day={DAY}").json() == {"day": str(DAY), "done": 1, "due": []}


def test_my_pairs_is_404_for_a_grid_worker_without_pairs_and_open_to_a_secretary(case, as_insider, as_secretary,
                                                                                 as_outsider):
    assert as_insider.get("/pairing/my/").status_code == 404
    assert as_insider.get("/api/pairing/due/").status_code == 404
    assert as_secretary.get("/pairing/my/").status_code == 200
    assert as_outsider.get("/pairing/my/").status_code == 200  # a secretary elsewhere: their own (empty) list


def test_unit_staff_see_the_units_pair_on_their_page(case, as_unit_staff):
    page = as_unit_staff.get(f"/pairing/my/?day={DAY}").content.decode()
    assert "赛沁塔拉嘎查" in page.split('data-testid="due"', 1)[1] and "乌丹镇农业服务中心" in page


def test_the_cadre_with_no_role_gets_the_link_and_the_home_card(case, as_cadre, pairing_world):
    response = as_cadre.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert menu(page) == {"pairing": reverse("pairing-my")}
    card = page.split('data-testid="pairing"', 1)[1].split("</section>", 1)[0]
    assert reverse("pairing-my") in card and "本周待走访" in card
    assert "还没有分配区域或单位" not in page
    assert as_cadre.get(reverse("pairing-my")).status_code == 200


def test_the_home_card_counts_what_is_due_this_week(case, pairing_world):
    # 于海's May is overdue on DAY; on the real today it may be anything, so count what the page would list.
    expected = len(selectors.due_this_week(pairing_world.other_cadre, day=timezone.localdate()).items)
    page = client_for(pairing_world.other_cadre).get("/").content.decode()
    card = page.split('data-testid="pairing"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'本周待走访</div><div class="stat">(\d+)<', card).group(1) == str(expected)


def test_the_link_goes_to_the_register_for_viewers_and_nowhere_for_a_grid_worker(case, as_secretary, as_insider,
                                                                                 as_township):
    assert menu(as_secretary.get("/").content.decode())["pairing"] == reverse("pairing-home")
    assert menu(as_township.get("/").content.decode())["pairing"] == reverse("pairing-home")
    page = as_insider.get("/").content.decode()
    assert "pairing" not in menu(page) and 'data-testid="pairing"' not in page


def test_the_link_costs_one_statement_per_request(case, pairing_world):
    cadre = pairing_world.cadre
    assert pairing_visitor(cadre) is True
    with CaptureQueriesContext(connection) as queries:
        assert pairing_visitor(cadre) is True
    assert len(queries) == 0


def test_my_page_asks_the_same_number_of_statements_for_one_pair_or_four(case, pairing_world, homes, system_actor):
    client = client_for(pairing_world.other_cadre)

    def statements() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/pairing/my/?day={DAY}").status_code == 200
        return len(queries)

    before = statements()
    for number in ("SQ-0003", "SQ-0005", "GJ-0001"):
        create_pair(actor=system_actor, kind=rules.CADRE_HOUSEHOLD, visitor=pairing_world.other_cadre,
                    target=homes[number], started_on=date(2026, 1, 1))
    after = statements()
    assert after == before
    assert client.get(f"/pairing/my/?day={DAY}").content.decode().count("记走访</a>") == 4
