"""Seeing the points: the household page, the grid board (staff and public), the monthly statement as a
page and as PDFs, the village ranking. Each page for an insider, a read-only member and an outsider."""

import json
import re
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grassroots.areas import services as areas
from grassroots.claims import services as claims_services
from grassroots.core.testing import client_for
from grassroots.core.tests.pdftext import pdf_text
from grassroots.ledger import services as ledger_services
from grassroots.ledger.models import Account, EntryKind, LedgerEntry
from grassroots.points.testing import actor, give
from grassroots.rules.settlement import quarter_bounds, quarter_label, quarter_of
from grassroots.settlement import services as settlement_services


def today():
    return timezone.localdate()


def last_quarter() -> tuple[int, int]:
    year, quarter = quarter_of(today())
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def in_last_quarter() -> date:
    return quarter_bounds(*last_quarter())[0] + timedelta(days=10)


def this_month_day() -> date:
    return today().replace(day=1)


def spend(home, points):
    """What the love supermarket's till writes: credit goes down, the score does not."""
    with transaction.atomic():
        ledger_services.append_entries(village=home.village, entries=[LedgerEntry(
            village=home.village, path=home.path, household=home, account=Account.CREDIT,
            kind=EntryKind.REDEMPTION, points=-points, reason="爱心超市兑换：洗衣粉", occurred_on=today(),
            posted_at=timezone.now(), idempotency_key=f"spend:{home.pk}:{LedgerEntry.objects.count()}")])


def settle(village, secretary):
    year, quarter = last_quarter()
    draft = settlement_services.compute_settlement(actor=actor(secretary), village=village, year=year, quarter=quarter,
                                        now=timezone.now())
    return settlement_services.publish_settlement(actor=actor(secretary), settlement=draft, now=timezone.now())


def add_home(grid, number, head, system_actor):
    home = areas.create_household(actor=system_actor, grid=grid, number=number, address=f"{grid.name}{number}")
    areas.add_person(actor=system_actor, household=home, name=head, relation="head", gender="M",
                     birth_date=date(1970, 1, 1))
    return home


@pytest.fixture
def homes(households, region, system_actor):
    """SQ-0001 (乌云毕力格, grid 1), SQ-0002 (王建国, grid 1), SQ-0003 (赵德胜, grid 2): fewer than the shared
    ``homes``, so that grid 2 holds a single household."""
    return {"SQ-0001": households["inside"],
            "SQ-0002": add_home(region["赛沁塔拉嘎查1"], "SQ-0002", "王建国", system_actor),
            "SQ-0003": add_home(region["赛沁塔拉嘎查2"], "SQ-0003", "赵德胜", system_actor)}


@pytest.fixture
def ledger(homes, rules, region, secretary):
    """SQ-0001: 235 in the last quarter (settled: 47 yuan), then this month −10 for B01 and +10 for A01.
    SQ-0002: +10 this month (ties with SQ-0001 this month). SQ-0003: 100 last quarter."""
    give(homes["SQ-0001"], 235, in_last_quarter())
    give(homes["SQ-0003"], 100, in_last_quarter())
    settle(region["赛沁塔拉嘎查"], secretary)
    deduction = give(homes["SQ-0001"], -10, this_month_day(), rule=rules["B01"])
    give(homes["SQ-0001"], 20, this_month_day(), rule=rules["A01"])
    give(homes["SQ-0002"], 10, this_month_day(), rule=rules["A01"])
    return {"deduction": deduction}


def grid_pk(region, n=1):
    return region[f"赛沁塔拉嘎查{n}"].pk


# ---------------------------------------------------------------- the household page


def test_household_page_score_balance_standing_chart_and_entries(as_insider, as_cashier, as_outsider, homes, ledger):
    home = homes["SQ-0001"]
    url = f"/points/households/{home.pk}/"
    response = as_insider.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    stats = re.findall(r'<div class="muted">([^<]+)</div><div class="stat">(-?\d+)</div>', page)
    year_score = (235 if last_quarter()[0] == today().year else 0) + 10
    assert dict(stats) == {"本年积分": str(year_score), "累计积分": "245", "可兑换积分": "235"}
    assert "折合 47元" in page and "5分=1元" in page and "现在可以到爱心超市兑换" in page
    chart = json.loads(re.search(r'<script id="score-chart-data" type="application/json">(.*?)</script>',
                                 page, re.S).group(1))
    assert chart["monthly"][today().month - 1] == 10 and sum(chart["monthly"]) == year_score
    assert chart["cumulative"][-1] == year_score
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert "/static/vendor/echarts/echarts.min.js" in scripts and all(s.startswith("/static/") for s in scripts)
    # The deduction: its own row, marked, the whole row one link to its origin.
    row = re.search(r'<li class="deduction"><a href="/points/entries/(\d+)/">(.*?)</a></li>', page, re.S)
    assert row and int(row.group(1)) == ledger["deduction"].pk
    assert "扣分" in row.group(2) and "移风易俗：婚丧嫁娶大操大办" in row.group(2) and "-10" in row.group(2)
    assert f"{quarter_label(*last_quarter())}可兑换积分" in page  # the settlement's credit entry, by its reason
    assert as_cashier.get(url).status_code == 200
    assert as_outsider.get(url).status_code == 404


def test_spending_lowers_the_balance_never_the_score(as_secretary, homes, ledger):
    home = homes["SQ-0001"]
    spend(home, 50)
    page = as_secretary.get(f"/points/households/{home.pk}/").content.decode()
    stats = dict(re.findall(r'<div class="muted">([^<]+)</div><div class="stat">(-?\d+)</div>', page))
    assert stats["累计积分"] == "245" and stats["可兑换积分"] == "185"
    assert "折合 37元" in page and "爱心超市兑换：洗衣粉" in page
    spend(home, 185)
    page = as_secretary.get(f"/points/households/{home.pk}/").content.decode()
    assert "现在不能兑换：可兑换积分已用完" in page
    assert dict(re.findall(r'<div class="muted">([^<]+)</div><div class="stat">(-?\d+)</div>', page))["累计积分"] == "245"


def test_household_below_the_threshold_is_told_why(as_insider, homes, ledger):
    page = as_insider.get(f"/points/households/{homes['SQ-0002'].pk}/").content.decode()
    assert f"现在不能兑换：{quarter_label(*last_quarter())}积分0分，未达到80分，不能兑换" in page


# ---------------------------------------------------------------- the grid board


@pytest.fixture
def posted_notice(insider, rules, people, reader, committee, secretary):
    claims = claims_services.record_claims(actor=actor(insider), person_ids=[people["张秀兰"].pk], rule=rules["A01"],
                                    quantity=1, deed_date=today())
    for reviewer in (reader, committee, secretary):
        result = claims_services.review_claims(actor=actor(reviewer), claim_ids=[c.pk for c in claims], approve=True)
    [notice] = result["notices"]
    claims_services.post_due_notices(actor=actor(secretary), now=notice.closes_at)
    notice.refresh_from_db()
    return notice


def test_grid_board_for_staff(as_insider, as_secretary, as_cashier, as_reader, as_outsider, region, homes, ledger,
                              posted_notice):
    url = f"/points/grids/{grid_pk(region)}/board/"
    page = as_insider.get(url).content.decode()
    assert "赛沁塔拉嘎查第1网格积分公示栏" in page
    assert f"/board/notices/{posted_notice.token}/" in page  # this week's notice, its public page
    # This month: SQ-0001 +30/−10 (with the notice's +10) first, SQ-0002 +10 second; names masked as on the wall.
    statement = page.split('id="b-month"')[1].split("</section>")[0]
    assert "乌云毕力格" not in page and "王建国" not in page
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", statement, re.S)]
    assert cells == ["1", "乌***格", "SQ-0001", "+30 / -10", "20", "2", "王*国", "SQ-0002", "+10 / 0", "10"]
    # The settlement: grid 1's line only (SQ-0003 is in grid 2).
    quarter = page.split('id="b-quarter"')[1].split("</section>")[0]
    assert "235 分 · 47元" in quarter and "赵*胜" not in quarter
    chain = page.split('id="b-chain"')[1].split("</section>")[0]
    head = LedgerEntry.objects.filter(village=region["赛沁塔拉嘎查"]).order_by("-seq").first()
    assert f"<strong>{head.seq}</strong>" in chain and head.hash[:12] in chain
    assert f"/board/notices/{posted_notice.token}/check/" in chain and "<svg" in chain
    for client in (as_secretary, as_cashier, as_reader):
        assert client.get(url).status_code == 200
    assert as_outsider.get(url).status_code == 404
    assert as_insider.get(f"/points/grids/{grid_pk(region, 2)}/board/").status_code == 404  # not their grid
    assert as_secretary.get(f"/points/grids/{region['赛沁塔拉嘎查'].pk}/board/").status_code == 404  # not a grid


def test_public_board_masks_names_and_links_nothing_behind_the_login(region, homes, ledger, posted_notice):
    anonymous = Client()
    response = anonymous.get(f"/board/grids/{region['赛沁塔拉嘎查1'].code}/")
    page = response.content.decode()
    assert response.status_code == 200 and "赛沁塔拉嘎查第1网格积分公示栏" in page
    assert "乌***格" in page and "王*国" in page and "235 分 · 47元" in page
    for secret in ("乌云毕力格", "王建国", "张秀兰", "13904761234", "19680305", "1504**", "低保"):
        assert secret not in page, secret
    hrefs = re.findall(r'<a [^>]*href="([^"]+)"', page)
    assert hrefs and not [h for h in hrefs if h.startswith(("/points/", "/households/"))], hrefs
    assert f"/board/notices/{posted_notice.token}/check/" in page
    assert anonymous.get(f"/board/grids/{region['赛沁塔拉嘎查'].code}/").status_code == 404
    assert anonymous.get("/board/grids/nope/").status_code == 404


def test_print_font_is_served_long_cached_and_named_last_in_the_print_css(region, db):
    anonymous = Client()
    response = anonymous.get("/fonts/noto-sans-sc.otf")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Type"] == "font/otf" and body[:4] == b"OTTO"
    assert "max-age=31536000" in response["Cache-Control"]
    page = anonymous.get(f"/board/grids/{region['赛沁塔拉嘎查1'].code}/").content.decode()
    face = page.split("@font-face")[1].split("}")[0]
    assert face.index('local("Noto Sans CJK SC Regular")') < face.index('url("/fonts/noto-sans-sc.otf")')
    assert "points/board.css" in page


def test_anonymous_visitors_are_sent_to_log_in(region, homes):
    anonymous = Client()
    pk = grid_pk(region)
    for url in (f"/points/grids/{pk}/board/", f"/points/grids/{pk}/statement/2026/5/",
                f"/points/grids/{pk}/statement/2026/5.pdf", f"/points/households/{homes['SQ-0001'].pk}/statement/2026/5.pdf",
                f"/points/villages/{region['赛沁塔拉嘎查'].pk}/ranking/"):
        response = anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


# ---------------------------------------------------------------- the monthly statement


def test_monthly_statement_page(as_insider, as_cashier, as_outsider, region, homes, ledger):
    month = this_month_day()
    url = f"/points/grids/{grid_pk(region)}/statement/{month.year}/{month.month}/"
    page = as_insider.get(url).content.decode()
    assert f"{month.year}年{month.month}月计分" in page
    assert "乌云毕力格" in page and "扣分：移风易俗：婚丧嫁娶大操大办 -10" in page
    assert "并列" in page and f"/points/households/{homes['SQ-0001'].pk}/" in page
    assert as_cashier.get(url).status_code == 200
    assert as_outsider.get(url).status_code == 404
    assert as_insider.get(f"/points/grids/{grid_pk(region)}/statement/{month.year}/13/").status_code == 404


def test_monthly_statement_pdf_has_the_chinese_text(as_secretary, as_cashier, as_outsider, region, homes, ledger):
    month = this_month_day()
    url = f"/points/grids/{grid_pk(region)}/statement/{month.year}/{month.month}.pdf"
    response = as_secretary.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert f"赛沁塔拉嘎查第1网格{month.year}年{month.month}月积分统计（月计分）" in text
    assert "名次" in text and "户主" in text and "乌云毕力格" in text and "王建国" in text
    assert "1（并列）SQ-0001乌云毕力格2+20-1010" in text
    assert as_cashier.get(url).status_code == 200
    assert as_outsider.get(url).status_code == 404


def test_household_statement_pdf(as_insider, as_cashier, as_outsider, homes, ledger):
    month = this_month_day()
    url = f"/points/households/{homes['SQ-0001'].pk}/statement/{month.year}/{month.month}.pdf"
    response = as_insider.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert f"户SQ-0001{month.year}年{month.month}月积分明细" in text and "户主：乌云毕力格" in text
    assert "移风易俗：婚丧嫁娶大操大办-10" in text and "人居环境整治义务劳动+20" in text
    assert "网格排名：第1（并列）名/共2户" in text
    assert as_cashier.get(url).status_code == 200
    assert as_outsider.get(url).status_code == 404


# ---------------------------------------------------------------- the village ranking


def test_village_ranking(as_secretary, as_insider, as_cashier, as_outsider, region, homes, ledger):
    url = f"/points/villages/{region['赛沁塔拉嘎查'].pk}/ranking/"
    year = today().year
    page = as_secretary.get(url, {"year": year}).content.decode()
    assert f"赛沁塔拉嘎查 {year}年积分排名" in page
    numbers = re.findall(r'<a href="/points/households/\d+/">(SQ-\d+)</a>', page)
    if last_quarter()[0] == year:  # 245, 100, 10
        assert numbers == ["SQ-0001", "SQ-0003", "SQ-0002"] and "★" in page
    else:  # 10, 10, 0 last quarter was last year's
        assert numbers == ["SQ-0001", "SQ-0002", "SQ-0003"] and "并列" in page
    own = as_insider.get(url).content.decode()  # the grid worker: their grid's households, village ranks
    assert re.findall(r'<a href="/points/households/\d+/">(SQ-\d+)</a>', own) == [
        n for n in numbers if n != "SQ-0003"]
    assert "全村 3 户参与排名" in own
    assert as_cashier.get(url).status_code == 200
    assert as_outsider.get(url).status_code == 404
    bad = as_secretary.get(url, {"year": "二〇二六"})
    assert bad.status_code == 400 and "年份（year）须为" in bad.content.decode()


def test_ranking_shows_ties(as_secretary, region, homes):
    page = as_secretary.get(f"/points/villages/{region['赛沁塔拉嘎查'].pk}/ranking/").content.decode()
    assert page.count("并列") >= 3  # nobody has points yet: all three share first place


# ---------------------------------------------------------------- queries do not grow with the rows


def _queries(client, url) -> int:
    client.get(url)  # warm: a first visit may create the village's policy
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_board_and_ranking_queries_are_constant_in_the_rows(region, households, secretary, county_admin,
                                                            system_actor):
    saiqin, guanjing = region["赛沁塔拉嘎查"], region["官井子村"]
    small, large = region["赛沁塔拉嘎查1"], region["赛沁塔拉嘎查2"]
    homes = [households["inside"]] + [add_home(small, f"SQ-01{n:02d}", "王建国", system_actor) for n in range(2)]
    homes += [add_home(large, f"SQ-02{n:02d}", "李春梅", system_actor) for n in range(15)]
    for n in range(2):
        add_home(region["官井子村1"], f"GJ-01{n:02d}", "单国强", system_actor)
    for i, home in enumerate(homes):
        give(home, 80 + i, in_last_quarter())
        give(home, 5 + i % 3, this_month_day())
    settle(saiqin, secretary)
    client = client_for(secretary)
    assert _queries(client, f"/points/grids/{small.pk}/board/") == _queries(client, f"/points/grids/{large.pk}/board/")
    anonymous = Client()
    assert _queries(anonymous, f"/board/grids/{small.code}/") == _queries(anonymous, f"/board/grids/{large.code}/")
    admin = client_for(county_admin)
    assert (_queries(admin, f"/points/villages/{guanjing.pk}/ranking/")
            == _queries(admin, f"/points/villages/{saiqin.pk}/ranking/"))


# ---------------------------------------------------------------- any month, an empty month, entries by month


def test_statement_months_back_to_the_village_start_and_the_picker(as_insider, as_outsider, region, ledger):
    pick = f"/points/grids/{grid_pk(region)}/statement/"
    month, start = this_month_day(), in_last_quarter().replace(day=1)
    latest = as_insider.get(pick)  # this month has entries: it is the latest
    assert latest.status_code == 302 and latest["Location"] == f"{pick}{month.year}/{month.month}/"
    page = as_insider.get(latest["Location"]).content.decode()
    months = re.findall(r'<option value="(\d{4}-\d{2})"', page)
    assert months[0] == f"{month:%Y-%m}" and months[-1] == f"{start:%Y-%m}"  # back to the first entry
    assert len(months) == (month.year - start.year) * 12 + month.month - start.month + 1
    chosen = as_insider.get(pick, {"month": f"{start:%Y-%m}"})
    assert chosen.status_code == 302 and chosen["Location"] == f"{pick}{start.year}/{start.month}/"
    bad = as_insider.get(pick, {"month": "2026年13月"})
    assert bad.status_code == 400
    assert f"月份（month）须为 {start.year}年{start.month}月 到 {month.year}年{month.month}月 之间" in bad.content.decode()
    assert as_insider.get(pick, {"month": f"{start.year - 1}-01"}).status_code == 400  # before the village began
    assert as_outsider.get(pick).status_code == 404


def test_an_empty_month_ranks_nobody(as_secretary, region, homes, secretary):
    """Entries only last quarter: this month's statement, its PDF and the board say there are none
    instead of placing every household 第1（并列）; the picker opens the last month with entries."""
    give(homes["SQ-0001"], 235, in_last_quarter())
    month, earlier = this_month_day(), in_last_quarter().replace(day=1)
    grid = grid_pk(region)
    page = as_secretary.get(f"/points/grids/{grid}/statement/{month.year}/{month.month}/").content.decode()
    assert f"{month.year}年{month.month}月本网格没有积分记录，不排名次" in page and "并列" not in page
    assert f'<a href="/points/grids/{grid}/statement/{earlier.year}/{earlier.month}/">' in page
    pdf = pdf_text(as_secretary.get(f"/points/grids/{grid}/statement/{month.year}/{month.month}.pdf").content)
    assert "没有积分记录，不排名次" in pdf and "并列" not in pdf
    household = pdf_text(as_secretary.get(
        f"/points/households/{homes['SQ-0002'].pk}/statement/{month.year}/{month.month}.pdf").content)
    assert "本月没有积分记录" in household and "网格排名" not in household
    board = as_secretary.get(f"/points/grids/{grid}/board/").content.decode()
    assert "本月还没有积分记录，不排名次" in board and "并列" not in board
    assert as_secretary.get(f"/points/grids/{grid}/statement/")["Location"].endswith(
        f"/statement/{earlier.year}/{earlier.month}/")
    last = as_secretary.get(f"/points/grids/{grid}/statement/{earlier.year}/{earlier.month}/").content.decode()
    assert "乌云毕力格" in last and "+235" in last


def test_household_entries_grouped_by_month_with_subtotals(as_insider, homes, ledger):
    home = homes["SQ-0001"]
    page = as_insider.get(f"/points/households/{home.pk}/").content.decode()
    month, earlier = this_month_day(), in_last_quarter().replace(day=1)
    groups = re.findall(r'<h3 id="score-(\d{4}-\d{2})"><span>\d+年\d+月</span>\s*'
                        r'<span class="sum [^"]*">小计 ([+-]?\d+) 分</span>', page)
    assert groups == [(f"{month:%Y-%m}", "+10"), (f"{earlier:%Y-%m}", "+235")]  # newest first: −10 + 20
    this_group = page[page.index(f'id="score-{month:%Y-%m}"'):page.index(f'id="score-{earlier:%Y-%m}"')]
    assert "移风易俗：婚丧嫁娶大操大办" in this_group and "人居环境整治义务劳动" in this_group
    assert f"/points/households/{home.pk}/statement/{earlier.year}/{earlier.month}.pdf" in page
    credit = re.findall(r'<h3 id="credit-(\d{4}-\d{2})"><span>\d+年\d+月</span>\s*'
                        r'<span class="sum [^"]*">小计 ([+-]?\d+) 分</span>', page)
    assert [total for _, total in credit] == ["+235"]


def test_board_shows_last_month_while_this_month_is_empty(as_secretary, region, homes):
    last_month = this_month_day() - timedelta(days=1)
    give(homes["SQ-0001"], 20, last_month)
    board = as_secretary.get(f"/points/grids/{grid_pk(region)}/board/").content.decode()
    assert f"{last_month.year}年{last_month.month}月计分" in board and "本月还没有积分记录，先公示上月" in board
    assert re.search(r'<td data-label="名次" class="rank">1</td><td data-label="户主" class="masked">乌\*\*\*格</td>', board)
    assert re.search(r'<td data-label="名次" class="rank">2</td><td data-label="户主" class="masked">王\*国</td>', board)
