"""The points and shop figures of the dashboard (积分 · 爱心超市): after a day of changes made through the services —
claims recorded and reviewed, a notice posted and one of its entries reversed, an objection raised, a settlement left
in draft, a redemption and a voided one, donations — the refresh equals a recount, the tiles show the numbers for the
village, the township and the county, and each tile's list shows what the number counts, to the area's people only.

Households cannot be moved between grids or villages (areas.services has no such write), so no transfer is made here;
every figure is read by the row's own path, which a ledger entry keeps for good.

The clock is frozen (local time Asia/Shanghai): a week before "today" a batch goes on notice and the third quarter is
settled; "today" (Wednesday 2 December 2026) everything else happens. The refresh rebuilds today and yesterday, and
the comparison with a recount covers the month, so nothing is written on a day between.
"""

import io
import re
import zipfile
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from grassroots.claims import services as claims_services
from grassroots.core.testing import client_for, make_account
from grassroots.dashboards.testing import refresh, rollups_match_raw
from grassroots.ledger import services as ledger_services
from grassroots.ledger.models import LedgerEntry
from grassroots.points.api_testing import anonymous_actor, record_today
from grassroots.points.testing import actor, give
from grassroots.settlement import services as settlement_services
from grassroots.shop import services as shop_services

TZ = ZoneInfo("Asia/Shanghai")
WEEK_AGO = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
TODAY = datetime(2026, 12, 2, 9, 0, tzinfo=TZ)


def approve_all(claims, reader, committee, secretary):
    ids = [c.pk for c in claims]
    for reviewer in (reader, committee, secretary):
        result = claims_services.review_claims(actor=actor(reviewer), claim_ids=ids, approve=True)
    return result["notices"]


@pytest.fixture
def clock():
    with freeze_time(WEEK_AGO) as frozen:
        yield frozen


@pytest.fixture
def day(clock, region, homes, people, rules, insider, reader, committee, secretary, cashier, system_actor):
    """A week ago: SQ-0001 (100) and SQ-0004 (90) are settled for Q3 2026 and may redeem 190 points between them;
    乌云毕力格 and 张秀兰 go on notice; the village's shop gets its shelf, 官井子村's shop its own.
    Today: the notice is posted (+20) and 张秀兰's entry reversed (−10); four claims are recorded (王建国, 李春梅,
    赵德胜 stay in review, 王建国 one stage on; 孟和's goes on notice and gets an objection); Q2 is computed and left in
    draft; SQ-0001 redeems 2 抽纸 (50 points) and 1 香皂 (15), the second receipt voided; each shop is given something."""
    village, other = region["赛沁塔拉嘎查"], region["官井子村"]
    give(homes["SQ-0001"], 100, date(2026, 8, 5))
    give(homes["SQ-0004"], 90, date(2026, 8, 6))
    q3 = settlement_services.compute_settlement(actor=actor(secretary), village=village, year=2026, quarter=3)
    settlement_services.publish_settlement(actor=actor(secretary), settlement=q3)
    [notice] = approve_all(record_today(insider, rules, people, deed_date=WEEK_AGO.date()), reader, committee,
                           secretary)
    shop = shop_services.create_shop(actor=system_actor, area=village, name="赛沁塔拉嘎查爱心超市")
    shelf = {name: shop_services.add_product(actor=system_actor, shop=shop, name=name, unit=unit, price_fen=fen,
                                             low_stock=low)
             for name, unit, fen, low in [("抽纸", "提", 500, 5), ("香皂", "块", 300, 3), ("食用油", "桶", 2000, 2),
                                          ("旧毛巾", "条", 100, 5)]}
    shop_services.retire_product(actor=system_actor, product=shelf["旧毛巾"])  # empty, but off the shelf: not low
    shop_services.record_donation(actor=system_actor, shop=shop, donor="旗农牧局", donor_kind="pairing_unit",
                                  donated_on=WEEK_AGO.date(), value_fen=10000,
                                  items=[(shelf["抽纸"].pk, 6), (shelf["香皂"].pk, 10), (shelf["食用油"].pk, 3)])
    other_shop = shop_services.create_shop(actor=system_actor, area=other, name="官井子村爱心超市")
    flour = shop_services.add_product(actor=system_actor, shop=other_shop, name="面粉", unit="袋", price_fen=4000,
                                      low_stock=5)

    clock.move_to(TODAY)
    claims_services.post_due_notices(actor=actor(secretary))
    zhang = LedgerEntry.objects.get(notice=notice, person=people["张秀兰"])
    ledger_services.reverse_entry(actor=actor(secretary), entry=zhang, reason="记录有误，张秀兰当天不在村")
    waiting = [*record_today(insider, rules, people, names=("王建国", "李春梅")),
               *record_today(secretary, rules, people, names=("赵德胜",))]  # grid 2: not the grid worker's
    claims_services.review_claims(actor=actor(reader), claim_ids=[waiting[0].pk], approve=True)
    [objected] = approve_all(record_today(secretary, rules, people, names=("孟和",)), reader, committee, secretary)
    objection = claims_services.raise_objection(actor=anonymous_actor(), line=objected.lines.get(),
                                                reason="孟和那天在外地放牧", contact_name="王某",
                                                contact_phone="13900000000")
    settlement_services.compute_settlement(actor=actor(committee), village=village, year=2026, quarter=2)
    shop_services.redeem(actor=actor(cashier), shop=shop, household=homes["SQ-0001"],
                         items=[(shelf["抽纸"].pk, 2)], idempotency_key="day-1")
    oops = shop_services.redeem(actor=actor(cashier), shop=shop, household=homes["SQ-0001"],
                                items=[(shelf["香皂"].pk, 1)], idempotency_key="day-2")
    shop_services.void_redemption(actor=actor(committee), redemption=oops, reason="按错了商品")
    shop_services.record_donation(actor=system_actor, shop=shop, donor="乌丹镇商会", donor_kind="company",
                                  donated_on=date(2026, 11, 1), value_fen=600, items=[(shelf["香皂"].pk, 2)])
    shop_services.record_donation(actor=system_actor, shop=other_shop, donor="广德公镇供销社", donor_kind="company",
                                  donated_on=TODAY.date(), value_fen=12000, items=[(flour.pk, 3)])
    clock.move_to(TODAY + timedelta(hours=1))
    refresh()
    return {"village": village, "township": region["乌丹镇"], "county": region["翁牛特旗"], "other": other,
            "shop": shop, "other_shop": other_shop, "objection": objection, "clock": clock}


def tiles(client, area) -> dict[str, str]:
    """The number each tile of the area's dashboard shows (this week), by metric."""
    page = client.get(f"/dashboard/{area.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    return dict(re.findall(r'data-testid="tile-([\w.]+)">.*?<div class="stat">([^<]*)</div>', html, re.S))


def test_after_a_day_of_changes_the_refresh_equals_a_recount(day):
    assert rollups_match_raw() == []


VILLAGE_POINTS = {
    "points.recorded": "4",             # 王建国, 李春梅, 赵德胜, 孟和 today (the batch of a week ago is not this week)
    "points.in_review": "3",            # 孟和's went on notice
    "points.objections_open": "1",
    "points.settlements_draft": "1",    # Q2; Q3 is published
    "points.posted": "10",              # +10 +10 posted, −10 reversed
    "points.redeemable": "140",         # 100 + 90 granted, 50 redeemed (the voided 15 came back)
    "points.redeemed": "50",            # 50 + 15 − 15: net of the void
}


def test_the_tiles_show_the_points_and_shop_figures_of_the_village_the_township_and_the_county(
        day, secretary, township_staff, county_staff):
    village = tiles(client_for(secretary), day["village"])
    township = tiles(client_for(township_staff), day["township"])
    county = tiles(client_for(county_staff), day["county"])
    for shown in (village, township, county):
        assert {k: shown[k] for k in VILLAGE_POINTS} == VILLAGE_POINTS  # 官井子村 has no points this week
        assert shown["shop.redemptions"] == "1"  # the voided receipt is not counted
    # Donations and stock count for the area of the shop that keeps them: 官井子村's is in the county, not in 乌丹镇.
    assert (village["shop.donations"], township["shop.donations"], county["shop.donations"]) == ("1", "1", "2")
    # Low: 抽纸 4 ≤ 5; not 食用油 3 > 2, 香皂 12 > 3 nor the retired 旧毛巾; 官井子村's 面粉 3 ≤ 5.
    assert (village["shop.low_stock"], township["shop.low_stock"], county["shop.low_stock"]) == ("1", "1", "2")
    assert "shop.redeemed" not in county  # the points the counters took are shown once, as points.redeemed


def test_the_low_stock_table_lists_the_areas_products_at_or_under_their_line_and_exports(day, secretary,
                                                                                          county_staff, system_actor):
    oil = day["shop"].products.get(name="食用油")
    shop_services.record_stocktake(actor=system_actor, shop=day["shop"], counts={oil.pk: 2}, reason="盘点少了一桶")
    day["clock"].move_to(TODAY + timedelta(hours=2))
    refresh()
    assert rollups_match_raw() == []
    assert tiles(client_for(secretary), day["village"])["shop.low_stock"] == "2"  # 食用油 now 2 ≤ 2: at the line
    page = client_for(county_staff).get(f"/dashboard/{day['county'].code}/").content.decode()
    table = page[page.index('data-testid="table-low_stock"'):]
    table = table[:table.index("</table>")]
    assert "抽纸（提）" in table and "食用油（桶）" in table and "面粉（袋）" in table
    assert "香皂" not in table and "旧毛巾" not in table
    village_page = client_for(secretary).get(f"/dashboard/{day['village'].code}/").content.decode()
    assert "面粉" not in village_page  # 官井子村's shelf is not 赛沁塔拉嘎查's
    export = client_for(county_staff).get(f"/dashboard/{day['county'].code}/export.xlsx?table=low_stock")
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content))) as book:
        text = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    assert "抽纸（提）" in text and "面粉（袋）" in text and "预警线" in text


# ---------------------------------------------------------------------------------------------- the lists behind


def tile_href(client, area, metric) -> str:
    html = client.get(f"/dashboard/{area.code}/").content.decode()
    return re.search(rf'href="([^"]+)" data-testid="tile-{re.escape(metric)}"', html).group(1).replace("&amp;", "&")


def test_the_in_review_tile_opens_every_claim_in_review_in_the_area_at_any_stage(
        day, secretary, cashier, outsider, township_staff):
    href = tile_href(client_for(secretary), day["village"], "points.in_review")
    assert href == f"/points/review/?area={day['village'].code}"
    page = client_for(secretary).get(href).content.decode()
    assert all(n in page for n in ("王建国", "李春梅", "赵德胜")) and "孟和" not in page
    assert "待审 3 条" in page
    assert page.count('name="claims"') == 1  # only 王建国 waits at the secretary's stage; the others wait elsewhere
    assert "等待党小组初审" in page
    own = client_for(secretary).get("/points/review/").content.decode()
    assert "王建国" in own and "李春梅" not in own  # without ?area= the queue is the caller's, as before
    looker = client_for(cashier).get(href)
    assert looker.status_code == 200 and "赵德胜" in looker.content.decode()
    assert 'name="claims"' not in looker.content.decode() and "通过所选" not in looker.content.decode()
    above = client_for(township_staff).get(f"/points/review/?area={day['township'].code}").content.decode()
    assert "待审 3 条" in above
    assert client_for(outsider).get(href).status_code == 404
    assert client_for(secretary).get(f"/points/review/?area={day['other'].code}").status_code == 404


def test_the_objections_tile_opens_the_areas_open_objections(day, secretary, cashier, outsider, county_staff):
    href = tile_href(client_for(secretary), day["village"], "points.objections_open")
    assert href == f"/points/objections/?area={day['village'].code}"
    page = client_for(secretary).get(href).content.decode()
    assert "孟和那天在外地放牧" in page and "13900000000" in page  # the secretary decides it: form and contact
    assert f'action="/points/objections/{day["objection"].pk}/decide/"' in page
    looker = client_for(cashier).get(href)
    assert looker.status_code == 200
    html = looker.content.decode()
    assert "孟和那天在外地放牧" in html and "13900000000" not in html and "/decide/" not in html
    county = client_for(county_staff).get(f"/points/objections/?area={day['county'].code}").content.decode()
    assert "孟和那天在外地放牧" in county
    assert client_for(outsider).get(href).status_code == 404


def test_the_drafts_tile_opens_the_areas_settlements_waiting_to_be_published(day, secretary, cashier, outsider):
    href = tile_href(client_for(secretary), day["village"], "points.settlements_draft")
    assert href == f"/points/settlements/?area={day['village'].code}&status=draft"
    for client in (client_for(secretary), client_for(cashier)):
        page = client.get(href)
        assert page.status_code == 200
        html = page.content.decode()
        assert "2026年第2季度" in html and "2026年第3季度" not in html
    everything = client_for(secretary).get("/points/settlements/").content.decode()
    assert "2026年第3季度" in everything
    assert client_for(outsider).get(href).status_code == 404
    wrong = client_for(secretary).get(f"/points/settlements/?area={day['village'].code}&status=open")
    assert wrong.status_code == 400 and "状态（status）" in wrong.content.decode()


def test_the_low_stock_tile_opens_the_areas_shops_with_what_is_low(day, secretary, cashier, reader, outsider,
                                                                   county_staff, django_assert_max_num_queries):
    href = tile_href(client_for(secretary), day["village"], "shop.low_stock")
    assert href == f"/shop/?area={day['village'].code}"
    for client in (client_for(cashier), client_for(reader)):
        page = client.get(href)
        assert page.status_code == 200  # one shop, listed rather than opened
        html = page.content.decode()
        assert "赛沁塔拉嘎查爱心超市" in html and "「抽纸」剩4提" in html and "香皂" not in html
        assert "官井子村爱心超市" not in html
    staff = client_for(county_staff)
    staff.get(f"/shop/?area={day['county'].code}")
    with django_assert_max_num_queries(8):
        county = staff.get(f"/shop/?area={day['county'].code}").content.decode()
    assert "「抽纸」剩4提" in county and "「面粉」剩3袋" in county
    assert client_for(outsider).get(href).status_code == 404
    assert client_for(cashier).get(f"/shop/?area={day['county'].code}").status_code == 404


def test_the_sections_show_only_to_holders_of_their_apps_capability(day, region, system_actor):
    """The county's organisation staff may open the dashboard but holds neither points.view nor shop.view."""
    staff = make_account("orgonly", "organisation_staff", region["翁牛特旗"], system_actor)
    shown = tiles(client_for(staff), day["county"])
    assert not any(k.startswith(("points.", "shop.")) for k in shown)
