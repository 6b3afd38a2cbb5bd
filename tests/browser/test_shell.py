import re

import pytest
from playwright.sync_api import expect

from grassroots.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, base, username, password=DEMO_PASSWORD):
    page.goto(base + "/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_grid_worker_finds_household_by_pinyin_initials_on_a_phone(live_app, phone):
    log_in(phone, live_app, "wangge")
    expect(phone.get_by_role("heading", name="第1网格")).to_be_visible()
    search = phone.get_by_role("searchbox", name="查户")
    search.fill("wyblg")
    search.press("Enter")
    result = phone.get_by_role("link", name=re.compile("乌云毕力格"))
    expect(result).to_be_visible()
    result.click()
    expect(phone.get_by_role("heading", name="户号 SQ-0001")).to_be_visible()
    expect(phone.get_by_text("乌云毕力格", exact=True)).to_be_visible()
    expect(phone.get_by_text("其其格", exact=True)).to_be_visible()
    # Nothing overflows sideways on a 360 px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_live_search_updates_as_you_type(live_app, phone):
    log_in(phone, live_app, "wangge")
    phone.goto(live_app + "/households/")
    phone.get_by_role("searchbox", name="查户").press_sequentially("wyb", delay=50)
    expect(phone.get_by_role("link", name=re.compile("乌云毕力格"))).to_be_visible()


def test_five_wrong_passwords_lock_the_account(live_app, phone):
    for _ in range(5):
        log_in(phone, live_app, "wudan", "Wrong#pass1")
        expect(phone.get_by_role("alert")).to_contain_text("用户名或密码不正确")
    log_in(phone, live_app, "wudan")  # an account no other browser test uses
    expect(phone.get_by_role("alert")).to_contain_text("已锁定")
    expect(phone).to_have_url(re.compile("/login/"))


def test_outsider_cannot_open_another_villages_household(live_app, phone):
    log_in(phone, live_app, "wangge")
    phone.goto(live_app + "/households/?q=SQ-0001")
    phone.get_by_role("link", name=re.compile("乌云毕力格")).click()
    url = phone.url
    phone.context.clear_cookies()
    log_in(phone, live_app, "guanjingzi")
    response = phone.goto(url)
    assert response.status == 404
