"""The demands and pairing figures of the dashboard: a day of changes made through the services (demands received,
routed, rerouted, solved late and on time, rated — one reopened —, escalated; a visit logged with a problem that
becomes a demand and is solved) is added up by the refresh as a recount adds it up, shown on the tiles of the
village, the township and the county, and each tile opens its scoped list."""

import io
import re
from datetime import datetime

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from grassroots.audit.context import Actor
from grassroots.dashboards.testing import refresh, rollups_match_raw
from grassroots.demands import services as demands
from grassroots.demands.models import Category, Demand
from grassroots.pairing.selectors import coverage
from grassroots.pairing.services import log_visit
from grassroots.rules import pairing as rules
from grassroots.rules.sla import LOCAL

# Thursday 5 March 2026, 10:00 in 乌丹 (02:00 UTC). On this day 于财's February window is overdue until he visits
# (he does, today: late, so his March window is the one that stands, open); 于海's is overdue (he does not); the
# unit's first quarter is due (its last 30 days began on 2 March).
TODAY = datetime(2026, 3, 5, 10, 0, tzinfo=LOCAL)
LONG_AGO = datetime(2026, 1, 20, 10, 0, tzinfo=LOCAL)  # filed in January: overdue long before today


def _stat(html: str, key: str) -> str:
    found = re.search(rf'data-testid="tile-{re.escape(key)}".*?<div class="stat">([^<]*)</div>', html, re.S)
    assert found, key
    return found.group(1).strip()


def _tile(html: str, key: str) -> str:
    return re.search(rf'<[^>]*data-testid="tile-{re.escape(key)}"[^>]*>', html).group(0)


def _href(html: str, key: str) -> str:
    return re.search(r'href="([^"]+)"', _tile(html, key)).group(1).replace("&amp;", "&")


@pytest.fixture
def day_of_changes(pairing_world, make_demand, handler, region, system_actor):
    """What happened by TODAY; returns the demands by letter."""
    handler_actor = Actor(user=handler, name="nmj-staff")
    unit_actor = Actor(user=pairing_world.unit_staff, name="wdnyzx")
    with freeze_time(LONG_AGO):
        late = make_demand("玉米种子还没送到")  # 旗农牧局: solved today, late
        waiting = make_demand("孩子想找工作", category="jobs")  # 旗就业服务中心: still open, overdue
        elsewhere = make_demand("化肥不够", area="官井子村1")  # 广德公镇's village: open, overdue
    with freeze_time(TODAY):
        demands.handle(actor=handler_actor, demand=late, action=demands.Action.RESOLVE, note="种子已送到")
        on_time = make_demand("需要化肥")  # 旗农牧局: solved today, on time, rated 5
        demands.handle(actor=handler_actor, demand=on_time, action=demands.Action.ACCEPT)
        demands.handle(actor=handler_actor, demand=on_time, action=demands.Action.RESOLVE, note="化肥已送到")
        demands.rate(actor=system_actor, demand=on_time, rating=5)
        reopened = make_demand("草场围栏坏了", category="agri", area="赛沁塔拉嘎查2")  # 乌丹镇农业服务中心
        demands.handle(actor=unit_actor, demand=reopened, action=demands.Action.RESOLVE, note="已修好")
        demands.rate(actor=system_actor, demand=reopened, rating=2)  # not satisfied: open again, a new clock
        rerouted = make_demand("村道坑洼", category="roads")
        demands.change_route(actor=system_actor, demand=rerouted, lead_unit=pairing_world.unit, reason="属镇里管")
        demands.escalate_overdue(actor=system_actor)
        visit = log_visit(actor=Actor(user=pairing_world.cadre, name="yucai"), pair=pairing_world.pair,
                          visited_at=TODAY, notes="家里缺种子",
                          problems=[{"text": "春播缺玉米种子", "category": Category.objects.get(code="seeds")}])
        problem = visit.problems.get().demand
        demands.handle(actor=handler_actor, demand=problem, action=demands.Action.RESOLVE, note="种子已送到")
        refresh()
    return {"late": late, "waiting": waiting, "elsewhere": elsewhere, "on_time": on_time, "reopened": reopened,
            "rerouted": rerouted, "problem": problem}


@pytest.mark.django_db
def test_a_day_of_demands_and_visits_adds_up_in_the_rollups_as_in_a_recount(day_of_changes, region, county_staff):
    with freeze_time(TODAY):
        assert rollups_match_raw() == []
    # Due and overdue are the coverage page's own count (the one rule), not a second reckoning.
    found = coverage(county_staff, area=region["赛沁塔拉嘎查"], day=TODAY.date()).total.current
    assert (found[rules.DUE], found[rules.OVERDUE]) == (1, 1)
    assert Demand.objects.get(pk=day_of_changes["reopened"].pk).status == Demand.Status.IN_PROGRESS
    assert Demand.objects.get(pk=day_of_changes["waiting"].pk).escalation_level == Demand.Escalation.COUNTY


VILLAGE_TILES = {
    "demands.received": "4",  # on time, reopened, rerouted, the visit's problem
    "demands.solved": "4",  # late, on time, reopened (its first resolution), the problem
    "demands.on_time_rate": "67%",  # of the 3 resolutions that stand: on time and the problem
    "demands.satisfaction": "50%",  # 5 and 2
    "demands.open": "3",  # waiting, reopened, rerouted
    "demands.overdue": "1",  # waiting
    "pairing.pairs": "3",
    "pairing.paired": "2",
    "pairing.coverage": "40%",  # SQ-0001 and SQ-0004 of the village's five households
    "pairing.visits": "1",
    "pairing.problems": "1",
    "pairing.problems_solved": "1",
    "pairing.due": "1",  # the unit's quarter
    "pairing.overdue": "1",  # 于海's February
}


@pytest.mark.django_db
def test_the_tiles_show_the_day_for_the_village_the_township_and_the_county(
        day_of_changes, region, as_secretary, as_township_staff, as_county_staff):
    with freeze_time(TODAY):
        village = as_secretary.get(f"/dashboard/{region['赛沁塔拉嘎查'].code}/").content.decode()
        township = as_township_staff.get(f"/dashboard/{region['乌丹镇'].code}/").content.decode()
        county = as_county_staff.get(f"/dashboard/{region['翁牛特旗'].code}/").content.decode()
    for html in (village, township):
        assert {key: _stat(html, key) for key in VILLAGE_TILES} == VILLAGE_TILES
    county_tiles = {**VILLAGE_TILES, "demands.open": "4", "demands.overdue": "2", "pairing.coverage": "33%"}
    assert {key: _stat(county, key) for key in VILLAGE_TILES} == county_tiles
    assert "alarm" in _tile(county, "demands.overdue") and "alarm" in _tile(county, "pairing.overdue")
    # The overdue demands by lead unit: what stands now.
    table = re.search(r'data-testid="table-overdue_units".*?</table>', county, re.S).group(0)
    assert "旗就业服务中心" in table and "旗农牧局" in table
    village_table = re.search(r'data-testid="table-overdue_units".*?</table>', village, re.S).group(0)
    assert "旗就业服务中心" in village_table and "旗农牧局" not in village_table


@pytest.mark.django_db
def test_each_tile_opens_its_scoped_list_for_the_area(day_of_changes, region, as_secretary, as_reader, as_outsider):
    village = region["赛沁塔拉嘎查"]
    with freeze_time(TODAY):
        html = as_secretary.get(f"/dashboard/{village.code}/").content.decode()
        hrefs = {key: _href(html, key) for key in VILLAGE_TILES}
        assert all(f"area={village.code}" in href for href in hrefs.values())
        for key, href in hrefs.items():
            assert as_secretary.get(href).status_code == 200, key
            assert as_reader.get(href).status_code == 200, key
            assert as_outsider.get(href).status_code == 404, key
        opened = as_secretary.get(hrefs["demands.open"]).content.decode()
        overdue = as_secretary.get(hrefs["demands.overdue"]).content.decode()
    codes = {k: f'href="/demands/{d.pk}/"' for k, d in day_of_changes.items()}
    assert all(codes[k] in opened for k in ("waiting", "reopened", "rerouted"))
    assert not any(codes[k] in opened for k in ("late", "on_time", "problem", "elsewhere"))
    assert codes["waiting"] in overdue and codes["reopened"] not in overdue and codes["elsewhere"] not in overdue


@pytest.mark.django_db
def test_the_overdue_table_exports_to_whoever_may_export_the_area(day_of_changes, region, as_secretary, as_reader,
                                                                  as_outsider, as_county_staff):
    village, county = region["赛沁塔拉嘎查"], region["翁牛特旗"]
    url = "/dashboard/{}/export.xlsx?table=overdue_units"
    with freeze_time(TODAY):
        mine = as_secretary.get(url.format(village.code))
        theirs = as_county_staff.get(url.format(county.code))
        assert as_reader.get(url.format(village.code)).status_code == 403  # may look, not export
        assert as_outsider.get(url.format(village.code)).status_code == 404
    rows = list(load_workbook(io.BytesIO(b"".join(mine.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0] == ("责任单位", "超期件数", "其中超期30天以上") and rows[1:] == [("旗就业服务中心", 1, 1)]
    rows = list(load_workbook(io.BytesIO(b"".join(theirs.streaming_content))).active.iter_rows(values_only=True))
    assert sorted(r[:2] for r in rows[1:]) == [("旗农牧局", 1), ("旗就业服务中心", 1)]


@pytest.mark.django_db
def test_the_open_filter_of_the_demands_list_is_scoped(make_demand, region, as_insider, as_outsider):
    grid = region["赛沁塔拉嘎查1"]
    done = make_demand("已办完的")
    Demand.objects.filter(pk=done.pk).update(status=Demand.Status.CLOSED)
    waiting = make_demand("还在办的")
    page = as_insider.get(f"/demands/?area={grid.code}&status=open").content.decode()
    assert f'href="/demands/{waiting.pk}/"' in page and f'href="/demands/{done.pk}/"' not in page
    assert as_outsider.get(f"/demands/?area={grid.code}&status=open").status_code == 404
