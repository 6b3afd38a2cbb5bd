"""Every page of volunteer service on a 360 px phone, as the demo's people open them: the secretary's overview,
sites, teams, the register, activities, the hours queue and the village's hours rule; 乌丹镇's school-gate rota with
its printable page; the team leader's dispatched wishes; the volunteer's own service; and the public calendar and
honour board a resident opens without logging in. On each: nothing wider than the phone (also at 200 % text), no
word one character per line, buttons at least 44 px high. (The sign-up, check-in/out and confirmation journey has
its own test: test_volunteer_phone.py.)"""

import pytest
from playwright.sync_api import expect

from tests.browser.test_members_phone import check
from tests.browser.test_points import log_in
from tests.browser.test_points_phone import reads_on_the_phone

pytestmark = pytest.mark.browser

SAIQIN = "150426100223"  # 乌丹镇赛沁塔拉嘎查
COUNTY = "150426000000"  # 翁牛特旗


def fits(phone, name: str) -> None:
    check(phone)
    reads_on_the_phone(phone, f"volunteer-pages-{name}")


def open_first(phone, base: str, list_path: str, selector: str) -> None:
    """Open the list, then the first link of ``selector`` on it (a real id from the demo)."""
    phone.goto(base + list_path)
    link = phone.locator(selector).first
    expect(link).to_be_visible()
    phone.goto(base + link.get_attribute("href"))


def test_the_secretary_s_volunteer_pages_fit_a_phone(live_app, phone):
    base = live_app
    log_in(phone, base, "shuji")
    for path, heading in [("/volunteers/", "志愿服务"), ("/volunteers/sites/", "实践阵地"),
                          ("/volunteers/teams/", "服务队"), ("/volunteers/people/", "志愿者"),
                          ("/volunteers/activities/", "活动"), ("/volunteers/hours/", "时长"),
                          (f"/volunteers/hours-rule/{SAIQIN}/", "积分"),
                          ("/volunteers/register/?resident=1", "志愿者")]:
        response = phone.goto(base + path)
        assert response.status == 200, path
        expect(phone.locator("main h1, main h2").first).to_contain_text(heading)
        fits(phone, path.strip("/").replace("/", "-").replace("?", "-") or "home")
    for list_path, selector, name in [("/volunteers/sites/", "main table a[href*='/volunteers/sites/']", "site"),
                                      ("/volunteers/teams/", "main table a[href*='/volunteers/teams/']", "team"),
                                      ("/volunteers/people/", "main table a[href*='/volunteers/people/']", "person"),
                                      ("/volunteers/activities/?when=past",
                                       "main table a[href*='/volunteers/activities/']", "activity")]:
        open_first(phone, base, list_path, selector)
        fits(phone, name)


def test_the_school_gate_rota_fits_a_phone_and_prints(live_app, phone):
    base = live_app
    log_in(phone, base, "qixian")  # (test_shell locks wudan on purpose)
    phone.goto(base + "/volunteers/rotas/")
    expect(phone.get_by_text("校门口·微学堂").first).to_be_visible()
    fits(phone, "rotas")
    open_first(phone, base, "/volunteers/rotas/", "main table a[href*='/volunteers/rotas/']")
    expect(phone.get_by_text("乌丹镇").first).to_be_visible()
    fits(phone, "rota")
    print_link = phone.locator("a[href$='/print/']").first
    phone.goto(base + print_link.get_attribute("href"))
    expect(phone.get_by_text("校门口·微学堂").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_leader_s_and_the_volunteer_s_pages_fit_a_phone(live_app, phone):
    base = live_app
    log_in(phone, base, "duizhang")
    for path in ("/volunteers/", "/volunteers/dispatches/", "/volunteers/hours/", "/volunteers/me/"):
        assert phone.goto(base + path).status == 200, path
        fits(phone, "leader" + path.strip("/").replace("/", "-"))
    log_in(phone, base, "zhiyuanzhe")
    for path in ("/volunteers/", "/volunteers/me/"):
        assert phone.goto(base + path).status == 200, path
        fits(phone, "volunteer" + path.strip("/").replace("/", "-"))


def test_the_public_calendar_and_honour_board_fit_a_phone(live_app, phone):
    base = live_app
    for code in (SAIQIN, COUNTY):
        for path in (f"/board/volunteers/{code}/", f"/board/volunteers/{code}/honour/"):
            assert phone.goto(base + path).status == 200, path
            body = phone.locator("body").inner_text()
            assert "1390476" not in body and "手机" not in body  # no phone numbers on a public page
            fits(phone, "public" + path.strip("/").replace("/", "-"))
