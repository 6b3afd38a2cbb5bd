"""三会一课 on a 360 px phone: 赛沁塔拉嘎查's village secretary records a 支部党员大会 with attendance, tapping
large choices; then 乌丹镇's staff opens the compliance view, drills down to the village and sees the quarter's
支部党员大会 held. (The demo leaves the fourth quarter's 支部党员大会 for December, so before this it is due.)"""

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.test_points import log_in
from tests.browser.test_points_phone import reads_on_the_phone

pytestmark = pytest.mark.browser

WIDTH = 360
SAIQIN_NAME = "赛沁塔拉嘎查"


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, f"{page.url} is wider than the phone"


def tappable(locator) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"off the screen: {box}"
    assert box["width"] >= 44 and box["height"] >= 44, f"smaller than 44 × 44 px: {box}"


def assembly_cell(page, day: date):
    key = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    branch = page.locator("section[data-organisation]").filter(has_text="支部委员会").first
    return branch.locator(f'[data-kind="branch_assembly"] [data-period="{key}"]')


def test_a_secretary_records_a_branch_assembly_and_the_township_sees_it_held(live_app, phone):
    page = phone
    log_in(page, live_app, "shuji")
    page.goto(live_app + "/party/meetings/compliance/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(SAIQIN_NAME)
    fits_the_phone(page)

    page.locator("section[data-organisation] h2 a").filter(has_text="支部委员会").first.click()
    record = page.get_by_role("link", name="登记会议")
    tappable(record)
    record.click()
    expect(page.get_by_role("heading", name="登记会议")).to_be_visible()
    fits_the_phone(page)
    held_on = date.fromisoformat(page.get_by_label("日期").input_value())  # the server's today
    reads_on_the_phone(page, "meetings-record")
    page.go_back()
    page.go_back()
    expect(assembly_cell(page, held_on)).not_to_have_attribute("data-status", "held")
    page.go_forward()
    page.go_forward()

    kind = page.locator(".seg label").filter(has_text="支部党员大会")
    tappable(kind)
    kind.click()
    page.get_by_label("地点", exact=True).fill("嘎查党群服务中心")
    page.get_by_label("主题", exact=True).fill("第四季度支部党员大会：民主评议党员")
    members = page.locator("ul.att > li")
    count = members.count()
    excused = ""
    if count:
        first = members.first
        excused = first.locator(".who").inner_text().split()[0]
        leave = first.locator("label").filter(has_text="请假")
        tappable(leave)
        leave.click()
        expect(leave.locator("input")).to_be_checked()
    page.get_by_label("会议记录", exact=True).fill("书记主持，应到党员全部登记。")
    page.get_by_role("button", name="保存").click()

    expect(page.locator(".msg")).to_contain_text("会议已登记")
    expect(page.get_by_role("heading", level=1)).to_contain_text("支部党员大会")
    if excused:
        expect(page.get_by_role("radiogroup", name=excused).first.locator("input[value=excused]")).to_be_checked()
    fits_the_phone(page)

    # 乌丹镇's staff: the township's villages, then the village's organisations by quarter.
    log_in(page, live_app, "wudan")
    page.goto(live_app + "/party/meetings/compliance/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("乌丹镇")
    fits_the_phone(page)
    village = page.get_by_role("link", name=SAIQIN_NAME, exact=True)
    box = village.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    village.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SAIQIN_NAME)
    cell = assembly_cell(page, held_on)
    expect(cell).to_have_attribute("data-status", "held")
    expect(cell).to_contain_text("已开")
    reads_on_the_phone(page, "meetings-compliance-village")
    page.go_back()
    reads_on_the_phone(page, "meetings-compliance-township")
