"""Charts, the big screen (数据大屏, its JSON refresh) and the monthly briefing (工作简报): scoped like the dashboard,
and showing the figures the roll-ups hold."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from grassroots.core.tests.pdftext import pdf_text
from grassroots.dashboards.models import AreaDay, RollupRun
from grassroots.dashboards.testing import refresh

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 15, 10, 0, tzinfo=ZONE)  # a Wednesday morning in 乌丹


def _month(area, first, figures):
    AreaDay.objects.create(area=area, path=area.path, span=AreaDay.Span.MONTH, day=first, figures=figures,
                           built_at=NOW)


@pytest.fixture
def months(region):
    """Month roll-ups as the builder leaves them: March 2026 and February 2026 for the banner and its townships."""
    county, wudan, guangde = region["翁牛特旗"], region["乌丹镇"], region["广德公镇"]
    _month(county, date(2026, 3, 1), {"points.recorded": 1234, "points.posted": 5678, "points.in_review": 17})
    _month(county, date(2026, 2, 1), {"points.recorded": 1000, "points.posted": 5000, "points.in_review": 20})
    _month(wudan, date(2026, 3, 1), {"points.recorded": 1200, "points.posted": 5600})
    _month(guangde, date(2026, 3, 1), {"points.recorded": 34, "points.posted": 78})
    RollupRun.objects.create(kind=RollupRun.Kind.REBUILD, first_day=date(2026, 2, 1), last_day=date(2026, 4, 15),
                             started_at=NOW, finished_at=NOW)
    return region


# ------------------------------------------------------------------------------------------------- the big screen


def test_the_big_screen_shows_the_dashboards_figures_without_the_site_chrome(posted, region, as_secretary):
    refresh()
    village = region["赛沁塔拉嘎查"]
    page = as_secretary.get(f"/dashboard/{village.code}/screen/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "赛沁塔拉嘎查数据大屏" in html
    assert 'class="topbar"' not in html  # its own page, not base.html's top bar
    assert 'id="screen-data"' in html and "vendor/echarts/echarts.min.js" in html
    assert "<script>" not in html and " onclick=" not in html
    data = as_secretary.get(f"/dashboard/{village.code}/screen.json").json()
    recorded = next(t for s in data["sections"] for t in s["tiles"] if t["key"] == "points.recorded")
    assert recorded["text"] == "2"  # the two claims the fixture recorded today
    assert 'data-testid="tile-points.recorded"' in html and '<div class="value">2</div>' in html
    assert data["freshness"] == "刚刚更新"
    trend = next(s for s in data["charts"]["series"] if s["key"] == "points.recorded")
    assert trend["trend"][-1] == 2 and len(trend["trend"]) == len(data["charts"]["labels"])


def test_the_big_screen_and_its_data_are_scoped_like_the_dashboard(region, as_secretary, as_reader, as_outsider,
                                                                   as_insider, as_township_staff):
    village, county = region["赛沁塔拉嘎查"], region["翁牛特旗"]
    for path in ("screen/", "screen.json"):
        assert as_secretary.get(f"/dashboard/{village.code}/{path}").status_code == 200
        assert as_reader.get(f"/dashboard/{village.code}/{path}").status_code == 200  # read-only member: may look
        assert as_outsider.get(f"/dashboard/{village.code}/{path}").status_code == 404
        assert as_insider.get(f"/dashboard/{village.code}/{path}").status_code == 404  # grid worker: own home
        assert as_township_staff.get(f"/dashboard/{county.code}/{path}").status_code == 404  # above one's area


def test_the_screen_data_refuses_an_unknown_period_in_chinese(region, as_secretary):
    answer = as_secretary.get(f"/dashboard/{region['赛沁塔拉嘎查'].code}/screen.json?period=decade")
    assert answer.status_code == 400
    assert "统计周期（period）" in answer.json()["detail"]


def test_the_screen_data_children_are_the_dashboards_children_with_their_month_figures(months, as_county_staff):
    with freeze_time(NOW):
        data = as_county_staff.get(f"/dashboard/{months['翁牛特旗'].code}/screen.json?period=year").json()
    assert [c["name"] for c in data["charts"]["children"]] == ["乌丹镇", "广德公镇"]
    recorded = next(s for s in data["charts"]["series"] if s["key"] == "points.recorded")
    assert recorded["children"] == [1200, 34]
    assert len(data["charts"]["labels"]) == 12  # the last 12 months of month roll-ups, April 2026 last
    assert recorded["trend"][-3:] == [1000, 1234, 0]


def test_the_screen_data_reads_a_constant_number_of_queries(months, as_county_staff, django_assert_max_num_queries):
    with freeze_time(NOW), django_assert_max_num_queries(14):
        assert as_county_staff.get(f"/dashboard/{months['翁牛特旗'].code}/screen.json").status_code == 200


# ------------------------------------------------------------------------------------------------ the dashboard


def test_the_dashboard_passes_its_charts_as_json_and_shades_each_child_by_the_chosen_figure(months,
                                                                                           as_county_staff):
    with freeze_time(NOW):
        page = as_county_staff.get(f"/dashboard/{months['翁牛特旗'].code}/?period=year&map=points.posted")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="dash-charts-data"' in html and "dashboards/charts.js" in html
    wudan, guangde = months["乌丹镇"].code, months["广德公镇"].code
    # 乌丹镇 has the most points posted: the darkest shade; 广德公镇 a little: the lightest shade but one.
    assert f'class="tile-map-cell shade-4" href="/dashboard/{wudan}/?period=year" data-testid="map-{wudan}"' in html
    assert f'class="tile-map-cell shade-1" href="/dashboard/{guangde}/?period=year" data-testid="map-{guangde}"' in html
    assert "下级区域：已入账积分" in html


# -------------------------------------------------------------------------------------------------- the briefing


def test_the_briefing_holds_the_banners_name_the_month_and_its_figures_beside_last_months(months,
                                                                                           as_county_staff):
    with freeze_time(NOW):
        answer = as_county_staff.get(f"/dashboard/{months['翁牛特旗'].code}/briefing/2026-3.pdf")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    text = pdf_text(answer.content)
    assert "翁牛特旗2026年3月工作简报" in text
    assert "1,234" in text and "1,000" in text and "+234" in text  # recorded: this month, last month, change
    assert "5,678" in text and "+678" in text                      # posted
    assert "17" in text and "−3" in text                           # in review at the month's end
    assert "下级区域比较" in text and "乌丹镇" in text and "1,200" in text and "广德公镇" in text


def test_a_month_to_come_or_before_the_platforms_data_is_refused_in_chinese(months, as_county_staff):
    code = months["翁牛特旗"].code
    with freeze_time(NOW):
        future = as_county_staff.get(f"/dashboard/{code}/briefing/2026-5.pdf")
        early = as_county_staff.get(f"/dashboard/{code}/briefing/2026-1.pdf")
        bad = as_county_staff.get(f"/dashboard/{code}/briefing/2026-13.pdf")
        this_month = as_county_staff.get(f"/dashboard/{code}/briefing/2026-4.pdf")
    assert future.status_code == 400 and "月份（month）2026年5月还没有到" in future.content.decode()
    assert early.status_code == 400 and "早于平台的数据" in early.content.decode()
    assert bad.status_code == 400 and "月份（month）应在1到12之间" in bad.content.decode()
    assert this_month.status_code == 200  # the month so far


def test_the_month_picker_sends_the_pdf_or_names_the_field(months, as_county_staff):
    code = months["翁牛特旗"].code
    with freeze_time(NOW):
        page = as_county_staff.get(f"/dashboard/{code}/briefing/")
        assert page.status_code == 200 and 'name="month"' in page.content.decode()
        assert 'min="2026-02"' in page.content.decode() and 'max="2026-04"' in page.content.decode()
        sent = as_county_staff.get(f"/dashboard/{code}/briefing/?month=2026-03")
        assert sent.status_code == 302 and sent["Location"] == f"/dashboard/{code}/briefing/2026-3.pdf"
        for raw, words in (("2026-07", "还没有到"), ("三月", "格式应为"), ("2025-12", "早于平台的数据")):
            refused = as_county_staff.get(f"/dashboard/{code}/briefing/?month={raw}")
            assert refused.status_code == 400
            assert "月份（month）" in refused.content.decode() and words in refused.content.decode()


def test_the_briefing_is_scoped_and_only_for_a_banner_or_a_township(months, as_county_staff, as_township_staff,
                                                                      as_reader, as_outsider, as_secretary):
    county, wudan, village = months["翁牛特旗"], months["乌丹镇"], months["赛沁塔拉嘎查"]
    with freeze_time(NOW):
        for path in ("briefing/", "briefing/2026-3.pdf"):
            assert as_county_staff.get(f"/dashboard/{wudan.code}/{path}").status_code == 200
            assert as_township_staff.get(f"/dashboard/{wudan.code}/{path}").status_code == 200
            assert as_township_staff.get(f"/dashboard/{county.code}/{path}").status_code == 404
            assert as_reader.get(f"/dashboard/{wudan.code}/{path}").status_code == 404
            assert as_outsider.get(f"/dashboard/{wudan.code}/{path}").status_code == 404
            assert as_secretary.get(f"/dashboard/{village.code}/{path}").status_code == 404  # a village has none
