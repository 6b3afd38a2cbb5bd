"""The member register pages on a 360 px phone: the register (with an organisation's posts), a member's history,
transfers, mobile members and home reports. Nothing of the page's content runs off the side, and the buttons a
secretary taps are at least 44 px high."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_points import log_in
from tests.browser.test_points_phone import STICKING_OUT

pytestmark = pytest.mark.browser

SMALL_BUTTONS = """() => [...document.querySelectorAll('main.page .btn, main.page button')]
  .filter(el => el.getClientRects().length && el.getBoundingClientRect().height < 43.5)
  .slice(0, 5).map(el => el.textContent.trim())"""


def check(phone):
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.evaluate(STICKING_OUT) == []
    assert phone.evaluate(SMALL_BUTTONS) == []


def test_the_member_pages_fit_a_phone(live_app, phone):
    base = live_app
    log_in(phone, base, "admin")
    phone.goto(f"{base}/party/members/")
    expect(phone.get_by_role("heading", name=re.compile("截至"))).to_be_visible()
    check(phone)
    phone.get_by_label("党组织", exact=True).select_option(label="中共赛沁塔拉嘎查支部委员会")
    phone.get_by_role("button", name="查看").click()
    expect(phone.get_by_role("heading", name="班子成员")).to_be_visible()
    check(phone)
    phone.locator("table.cards a").first.click()
    expect(phone.get_by_role("heading", name="组织关系", exact=True)).to_be_visible()
    check(phone)
    for path, heading in [("transfers/", "组织关系转接"), ("mobile/", re.compile("流动党员")),
                          ("home-reports/", re.compile("在职党员双报到"))]:
        phone.goto(f"{base}/party/members/{path}")
        expect(phone.get_by_role("heading", name=heading).first).to_be_visible()
        check(phone)
