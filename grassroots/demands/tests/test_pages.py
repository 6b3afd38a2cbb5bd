"""Pages that must stay fast: constant queries whatever the number of rows; keyset pages; the numbers."""

from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from grassroots.core.testing import client_for, make_account
from grassroots.demands import selectors, services
from grassroots.demands.models import Demand
from grassroots.demands.testing import at


def queries(client, url, data=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, data or {})
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries), response


def fill(make_demand, n, **kwargs):
    for i in range(n):
        make_demand(f"第{i}号：牧民需要玉米种子和化肥", urgent=i % 7 == 0, **kwargs)


@pytest.mark.parametrize("page", ["queue", "overdue", "list", "wishes"])
def test_queries_per_page_do_not_grow_with_rows(page, region, make_demand, handler, township, system_actor):
    client = client_for(handler if page == "queue" else township)
    url, data = {
        "queue": ("/demands/units/wnt-nmj/", {}),
        "overdue": ("/demands/overdue/", {"area": region["乌丹镇"].code}),
        "list": ("/demands/", {"area": region["乌丹镇"].code}),
        "wishes": ("/demands/wishes/", {"area": region["乌丹镇"].code}),
    }[page]
    kind = {"wishes": "wish"}.get(page, "demand")
    category = "wish-life" if kind == "wish" else "seeds"
    fill(make_demand, 3, now=at(2026, 1, 5), kind=kind, category=category)
    few, _ = queries(client, url, data)
    fill(make_demand, 60, now=at(2026, 1, 6), kind=kind, category=category)
    many, response = queries(client, url, data)
    assert many == few, f"{page}: {few} queries with 3 rows, {many} with 63"


def test_the_queue_pages_by_keyset_urgent_first_then_deadline(region, make_demand, handler):
    for i in range(5):
        make_demand(f"普通{i}", now=at(2026, 3, 2 + i))
    make_demand("急：羊群缺饲草", urgent=True, now=at(2026, 3, 20))
    client = client_for(handler)
    seen = []
    after = None
    for _ in range(10):
        page = selectors.unit_queue(handler, Demand.objects.first().lead_unit, after=after, limit=2)
        seen += [d.text for d in page.items]
        after = page.next_cursor
        if not after:
            break
    assert seen == ["急：羊群缺饲草", "普通0", "普通1", "普通2", "普通3", "普通4"]
    body = client.get("/demands/units/wnt-nmj/").content.decode()
    assert body.index("急：羊群缺饲草") < body.index("普通0")
    # A forged cursor is ignored rather than an error.
    assert client.get("/demands/units/wnt-nmj/", {"after": "x.y.z"}).status_code == 200


def test_overdue_pages_by_keyset(region, make_demand, township):
    for i in range(5):
        make_demand(f"超期{i}", now=at(2026, 2, 2 + i))
    seen, after = [], None
    while True:
        page = selectors.overdue(township, region["乌丹镇"], after=after, limit=2)
        seen += [d.text for d in page.items]
        after = page.next_cursor
        if not after:
            break
    assert seen == [f"超期{i}" for i in range(5)]
    # The county sees the same items; the other township none of them.
    assert len(selectors.overdue(township, region["乌丹镇"], limit=50).items) == 5

    other = make_account("gdg", "township_staff", region["广德公镇"], services.Actor.system("t"))
    assert selectors.overdue(other, region["广德公镇"]).items == []


def test_numbers_by_unit_category_and_area(region, make_demand, system_actor, as_secretary, county_admin):
    on_time = make_demand("按时办结的", now=at(2026, 3, 2, 9))
    services.handle(actor=system_actor, demand=on_time, action="resolve", note="好了", now=at(2026, 3, 3, 9))
    services.rate(actor=system_actor, demand=on_time, rating=5, now=at(2026, 3, 3, 10))
    late = make_demand("超期办结的", category="jobs", now=at(2026, 3, 2, 9))
    services.handle(actor=system_actor, demand=late, action="resolve", note="迟了", now=at(2026, 3, 30, 9))
    services.rate(actor=system_actor, demand=late, rating=3, now=at(2026, 3, 30, 10))
    make_demand("还在办的", area="赛沁塔拉嘎查2", now=at(2026, 3, 5, 9))
    make_demand("期间之外的", now=at(2025, 12, 30, 9))
    make_demand("别的镇的", area="官井子村1", category="jobs", now=at(2026, 3, 5, 9))


    figures = selectors.numbers(county_admin, region["乌丹镇"], selectors.Period(at(2026, 1, 1).date(),
                                                                                  at(2026, 12, 31).date()))
    total = figures["total"]
    assert (total["collected"], total["resolved"], total["on_time"], total["on_time_rate"]) == (3, 2, 1, 50.0)
    assert total["satisfaction"] == 4.0
    by_unit = {r["key"]: r["collected"] for r in figures["by_unit"]}
    assert by_unit == {"旗农牧局": 2, "旗就业服务中心": 1}
    assert {r["key"]: r["collected"] for r in figures["by_category"]} == {"种子化肥": 2, "就业创业": 1}
    assert {r["key"]: r["collected"] for r in figures["by_area"]} == {"赛沁塔拉嘎查": 3}

    page = as_secretary.get("/demands/numbers/", {"area": region["赛沁塔拉嘎查"].code, "start": "2026-01-01",
                                                  "end": "2026-12-31"})
    body = page.content.decode()
    assert page.status_code == 200 and "50.0%" in body and "第1网格" in body and "第2网格" in body
    bad = as_secretary.get("/demands/numbers/", {"area": region["赛沁塔拉嘎查"].code, "start": "2026-12-31",
                                                 "end": "2026-01-01"})
    assert bad.status_code == 400 and "开始日期不能晚于结束日期" in bad.content.decode()
    export = as_secretary.get("/demands/numbers/", {"area": region["赛沁塔拉嘎查"].code, "start": "2026-01-01",
                                                    "end": "2026-12-31", "format": "xlsx"})


    book = load_workbook(BytesIO(b"".join(export.streaming_content)))
    assert book.sheetnames == ["合计", "按单位", "按分类", "按区域"]
    assert [c.value for c in book["合计"][2]][:3] == ["赛沁塔拉嘎查", 3, 2]
