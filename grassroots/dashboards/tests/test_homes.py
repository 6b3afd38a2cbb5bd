"""Task homes (工作台): each role lands on its own work — the grid worker's week and 记录积分, the review desk with
待审 per stage, the cashier's counter and low stock, unit staff's queue, the area's tiles from the roll-ups for
township and county staff — in a fixed number of queries, every link on it opens, and the phone's tab bar is made
from the header's menu."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grassroots.access.services import create_account
from grassroots.areas import services as areas
from grassroots.claims import services as claims_services
from grassroots.claims.models import Claim
from grassroots.core.testing import PASSWORD, client_for
from grassroots.dashboards.testing import refresh
from grassroots.demands import services as demands
from grassroots.points.api_testing import record_today
from grassroots.points.testing import APRIL, actor
from grassroots.settlement import services as settlement_services
from grassroots.shop import services as shop_services


def section(page: str, testid: str) -> str:
    """The HTML of the element with ``data-testid`` up to the end of its <section>."""
    match = re.search(rf'data-testid="{re.escape(testid)}"(.*?)</section>', page, re.S)
    assert match, f"no {testid} on the page"
    return match.group(1)


def stat(html: str, testid: str) -> int:
    return int(re.search(rf'data-testid="{re.escape(testid)}".*?<div class="stat"[^>]*>([\d,]+)<', html,
                         re.S).group(1).replace(",", ""))


def links(page: str) -> list[str]:
    """The same-site GET links of the page's <main> and its menus (the header's and the tab bar)."""
    parts = re.findall(r"<nav\b.*?</nav>|<main\b.*?</main>", page, re.S)
    return list(dict.fromkeys(unescape(h) for h in re.findall(r'<a\b[^>]*\bhref="(/[^"#]*)"', " ".join(parts))))


def tabs(page: str) -> list[tuple[str, str]]:
    bar = re.search(r'<nav class="tabbar[^"]*"[^>]*>(.*?)</nav>', page, re.S).group(1)
    return re.findall(r'<a href="([^"]+)" data-tab="([^"]+)"', bar)


def all_links_open(client, page: str, who: str) -> None:
    for url in links(page):
        status = client.get(url).status_code
        assert status < 400, f"{who}: {url} → {status}"


@pytest.fixture
def grid_worker_week(insider, reader, rules, people, homes, make_demand, units, system_actor):
    """This week in grid 1: 乌云毕力格's household recorded, 张秀兰's claim (same household) sent back, a demand
    solved and waiting for the callback; SQ-0002 and SQ-0003 still to do; grid 2's SQ-0004 is not the insider's."""
    record_today(insider, rules, people, names=("乌云毕力格",))
    [back] = record_today(insider, rules, people, names=("张秀兰",))
    claims_services.review_claims(actor=actor(reader), claim_ids=[back.pk], approve=False,
                                  reasons={back.pk: "照片看不清"})
    solved = make_demand()
    demands.handle(actor=system_actor, demand=solved, action="resolve", note="已送到")
    make_demand("另一件还在办的事")  # open: not the grid worker's to do yet
    return homes


def test_the_grid_worker_sees_the_week_and_records_in_one_tap(as_insider, grid_worker_week, region):
    response = as_insider.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    week = section(page, "recording")
    assert stat(week, "todo-count") == 2 and "已记 1 户，共 3 户" in week
    assert stat(week, "sent-back") == 1
    assert stat(week, "waiting-demands") == 1
    todo = section(page, "area").split('data-testid="todo"', 1)[1].split("</ul>", 1)[0]
    assert "SQ-0002" in todo and "SQ-0003" in todo and "SQ-0001" not in todo and "SQ-0004" not in todo
    grid = region["赛沁塔拉嘎查1"]
    button = re.search(rf'<a class="btn home-go" href="([^"]+)" data-testid="record-{grid.code}">记录积分</a>', page)
    assert button, "one 记录积分 link to the grid's recording page"
    recording = as_insider.get(button.group(1)).content.decode()
    assert "第1网格" in recording and "乌云毕力格" in recording
    # The callback list the card opens holds the solved demand.
    waiting = re.search(r'href="([^"]+)" data-testid="waiting-demands"', page).group(1)
    listed = as_insider.get(unescape(waiting)).content.decode()
    assert "牧民需要玉米种子" in listed and "另一件还在办的事" not in listed
    assert "data-testid=\"reviewing\"" not in page and 'data-testid="glance"' not in page  # not a reviewer's desk
    all_links_open(as_insider, page, "insider")


def test_a_grid_worker_of_two_grids_goes_to_the_other_grids_recording_in_one_tap(region, homes, system_actor):
    worker = create_account(actor=system_actor, username="two-grids", password=PASSWORD,
                            roles=[("grid_worker", region["赛沁塔拉嘎查1"]), ("grid_worker", region["赛沁塔拉嘎查2"])])
    client = client_for(worker)
    page = client.get("/").content.decode()
    second = region["赛沁塔拉嘎查2"]
    assert "记录积分 · 第1网格" in page and "记录积分 · 第2网格" in page
    assert stat(section(page, "recording"), "todo-count") == 5  # both grids' households
    response = client.post("/area/", {"code": second.code, "next": "/points/record/"})
    assert response.status_code == 302 and response.url == "/points/record/"
    recording = client.get("/points/record/").content.decode()
    assert "第2网格" in recording and "赵德胜" in recording and "乌云毕力格" not in recording
    # The switch goes on only to a page of this site.
    assert client.post("/area/", {"code": second.code, "next": "https://evil.example/"}).url == "/"


def test_the_review_desk_counts_each_stage_for_the_roles_that_review_it(
        insider, reader, rules, people, homes, as_reader, as_committee, as_secretary, as_outsider, objection,
        village, secretary):
    claims = record_today(insider, rules, people, names=("乌云毕力格", "张秀兰"))
    Claim.objects.filter(pk=claims[0].pk).update(updated_at=timezone.now() - timedelta(days=3, hours=1))
    desk = section(as_reader.get("/").content.decode(), "reviewing")
    assert "党小组初审 待审" in desk and stat(desk, "stage") == 2 and "最久等了 3 天" in desk
    assert 'data-testid="objections"' not in desk  # a party group leader does not decide objections
    committee_desk = section(as_committee.get("/").content.decode(), "reviewing")
    assert "党小组初审" not in committee_desk and stat(committee_desk, "objections") == 1
    claims_services.review_claims(actor=actor(reader), claim_ids=[c.pk for c in claims], approve=True)
    committee_desk = section(as_committee.get("/").content.decode(), "reviewing")
    assert "“两委”联席复审 待审" in committee_desk and stat(committee_desk, "stage") == 2
    settlement_services.compute_settlement(actor=actor(secretary), village=village, year=2026, quarter=1, now=APRIL)
    secretary_desk = section(as_secretary.get("/").content.decode(), "reviewing")
    assert stat(secretary_desk, "settlements") == 1 and stat(secretary_desk, "objections") == 1
    # 官井子村's secretary: the same desk, nothing of 赛沁塔拉嘎查's on it.
    other = section(as_outsider.get("/").content.decode(), "reviewing")
    assert stat(other, "stage") == 0 and stat(other, "objections") == 0 and stat(other, "settlements") == 0


def test_the_village_at_a_glance_and_the_staffs_dashboard_tiles_come_from_the_roll_ups(
        posted, region, as_secretary, as_county_staff, township_staff):
    before = as_secretary.get("/").content.decode()
    assert stat(section(before, "glance"), "tile-points.recorded") == 0  # nothing built yet: the roll-ups say 0
    refresh()
    village, county = region["赛沁塔拉嘎查"], region["翁牛特旗"]
    page = as_secretary.get("/").content.decode()
    glance = section(page, "glance")
    assert "赛沁塔拉嘎查一览" in page and stat(glance, "tile-points.recorded") == 2
    assert f'href="/dashboard/{village.code}/" data-testid="dashboard-link"' in page
    county_page = as_county_staff.get("/").content.decode()
    assert "翁牛特旗一览" in county_page and stat(section(county_page, "glance"), "tile-points.recorded") == 2
    assert f'href="/dashboard/{county.code}/"' in county_page
    assert 'data-testid="reviewing"' not in county_page and 'data-testid="recording"' not in county_page
    township_page = client_for(township_staff).get("/").content.decode()
    assert "乌丹镇一览" in township_page and stat(section(township_page, "glance"), "tile-points.recorded") == 2


def test_the_cashier_opens_the_counter_and_sees_what_runs_low(cashier, as_cashier, village, system_actor, secretary):
    shop = shop_services.create_shop(actor=system_actor, area=village, name="赛沁塔拉嘎查爱心超市")
    low = shop_services.add_product(actor=system_actor, shop=shop, name="洗衣粉", unit="袋", price_fen=1200,
                                    low_stock=5)
    full = shop_services.add_product(actor=system_actor, shop=shop, name="食用油", unit="桶", price_fen=6800,
                                     low_stock=2)
    shop_services.record_purchase(actor=actor(secretary), shop=shop, receipt_number="R-1",
                                  items=[(low.pk, 3), (full.pk, 10)])
    page = as_cashier.get("/").content.decode()
    desk = section(page, "shop")
    assert f'href="/shop/{shop.pk}/counter/" data-testid="counter"' in desk
    shelf = desk.split('data-testid="low-stock"', 1)[1]
    assert "洗衣粉" in shelf and "余 3（预警 5）" in shelf and "食用油" not in shelf
    assert 'data-testid="glance"' not in page and 'data-testid="reviewing"' not in page
    all_links_open(as_cashier, page, "cashier")


@pytest.mark.parametrize("who, cards", [
    ("insider", ["recording"]),
    ("reader", ["reviewing", "glance"]),
    ("committee", ["reviewing", "glance"]),
    ("secretary", ["reviewing", "glance"]),
    ("cashier", ["shop"]),
    ("handler", ["unit-wnt-nmj"]),
    ("township_staff", ["glance"]),
    ("county_staff", ["glance"]),
])
def test_each_roles_home_has_its_cards_and_every_link_on_it_opens(request, who, cards, posted, homes, handler,
                                                                  make_demand):
    make_demand()
    refresh()
    client = client_for(request.getfixturevalue(who))
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    for card in cards:
        assert f'data-testid="{card}"' in page, f"{who}: no {card}"
    all_links_open(client, page, who)


def test_the_tab_bar_is_the_menus_everyday_links_five_at_most(as_insider, as_county_admin, households):
    page = as_insider.get("/").content.decode()
    bar = tabs(page)
    assert bar[0] == ("/", "home") and 'data-tab="home" class="on" aria-current="page"' in page
    menu = re.findall(r'<a href="([^"]+)" data-nav="([^"]+)"', page)
    assert bar[1:] == menu[:4]
    admin = as_county_admin.get("/points/").content.decode()
    bar = tabs(admin)
    assert len(bar) == 5 and not {"import", "audit"} & {key for _url, key in bar}
    assert 'data-tab="points" class="on"' in admin
    for url, _key in bar:
        assert as_county_admin.get(url).status_code < 400


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["insider", "secretary", "county_staff"])
def test_a_home_reads_a_fixed_number_of_queries(request, who, insider, reader, rules, people, homes, region,
                                                system_actor, django_assert_max_num_queries):
    client = client_for(request.getfixturevalue(who))
    record_today(insider, rules, people, names=("乌云毕力格",))
    first = _queries(client)
    grid = region["赛沁塔拉嘎查1"]
    for n in range(12):
        home = areas.create_household(actor=system_actor, grid=grid, number=f"SQ-1{n:03d}", address="新户")
        person = areas.add_person(actor=system_actor, household=home, name=f"新户主{n}", relation="head",
                                  gender="M", birth_date=timezone.localdate().replace(year=1980))
        people[person.name] = person
    more = record_today(insider, rules, people, names=[f"新户主{n}" for n in range(6)])
    claims_services.review_claims(actor=actor(reader), claim_ids=[c.pk for c in more[:3]], approve=False,
                                  reasons={c.pk: "重报" for c in more[:3]})
    refresh()
    with django_assert_max_num_queries(first):
        assert client.get("/").status_code == 200
