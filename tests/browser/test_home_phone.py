"""The grid worker's 工作台 on a 360 px phone: it fits (no sideways scrolling at 100 % and 200 % text, buttons at
least 44 px), the bottom tab bar stays on the screen with 44 px tabs, also in 长辈模式, and one tap on 记录积分 lands
on the recording page of 赛沁塔拉嘎查 第1网格. The county's staff find the dashboard tiles on their home."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_members_phone import check
from tests.browser.test_points import log_in
from tests.browser.test_points_phone import WIDTH, on_screen_and_tappable, reads_on_the_phone

pytestmark = pytest.mark.browser


def tab_bar_fits(page, min_target: int = 44) -> None:
    """Every tab of the bar on the screen, side by side at the bottom, at least ``min_target`` px each way."""
    tabs = page.locator("nav.tabbar a")
    count = tabs.count()
    assert 1 <= count <= 5
    height = page.viewport_size["height"]
    for i in range(count):
        box = tabs.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + 0.5, f"tab off the screen: {box}"
        assert box["width"] >= min_target - 0.5 and box["height"] >= min_target - 0.5, f"tab too small: {box}"
        assert box["y"] + box["height"] <= height + 0.5 and box["y"] > height / 2, f"not at the bottom: {box}"


def test_the_grid_workers_home_fits_a_phone_and_records_in_one_tap(live_app, phone):
    log_in(phone, live_app, "wangge")
    expect(phone.get_by_role("heading", name="本周记分")).to_be_visible()
    check(phone)
    tab_bar_fits(phone)
    expect(phone.locator("nav.tabbar a[aria-current=page]")).to_have_text("工作台")
    # The list of households still to do is one tap away.
    phone.get_by_test_id("todo-count").click()
    expect(phone.get_by_test_id("todo")).to_be_in_viewport()
    reads_on_the_phone(phone, "home-wangge")
    record = phone.get_by_role("link", name="记录积分")
    on_screen_and_tappable(record)
    record.click()
    expect(phone).to_have_url(re.compile(r"/points/record/$"))
    expect(phone.get_by_role("heading", name=re.compile("记分"))).to_contain_text("第1网格")
    expect(phone.locator(".area-chip")).to_contain_text("第1网格")
    # 第1网格 of 赛沁塔拉嘎查: its people (乌云毕力格 of SQ-0001) are the ones offered.
    expect(phone.get_by_text("乌云毕力格").first).to_be_visible()


def test_the_tab_bar_in_elder_mode(live_app, phone):
    log_in(phone, live_app, "wangge")  # (it clears the cookies: 长辈模式's is set after)
    phone.context.add_cookies([{"name": "elder", "value": "1", "url": live_app}])
    phone.reload()
    expect(phone.get_by_role("heading", name="本周记分")).to_be_visible()
    assert phone.evaluate("document.documentElement.classList.contains('elder')")
    assert phone.evaluate("document.documentElement.scrollWidth") <= WIDTH
    tab_bar_fits(phone, 56)
    # The last of the page is not hidden behind the bar.
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    foot = phone.locator("footer.foot").bounding_box()
    bar = phone.locator("nav.tabbar").bounding_box()
    assert foot["y"] + foot["height"] <= bar["y"] + 1


def test_the_county_staffs_home_shows_the_dashboard_tiles(live_app, phone):
    log_in(phone, live_app, "qixian")
    glance = phone.get_by_test_id("glance")
    expect(glance.get_by_role("heading", name="翁牛特旗一览")).to_be_visible()
    expect(glance.locator(".dash-tile").first).to_be_visible()
    assert glance.locator(".dash-tile").count() >= 3
    check(phone)
    tab_bar_fits(phone)
    phone.get_by_role("link", name="打开完整数据看板").click()
    expect(phone.get_by_role("heading", name="翁牛特旗数据看板")).to_be_visible()
