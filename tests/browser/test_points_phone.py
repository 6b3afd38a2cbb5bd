"""The points pages the village secretary reads on a 360 px phone: the settlement list, a settlement, the
annual summary, the grid board, a monthly statement, the village ranking and a household's page. Each is
read at the phone's own text size and again with every text doubled (Android's text scaling at 200 %):
nothing of the page's content runs off the side, no word stands one character per line, and the things a
secretary taps are on the screen and at least 44 × 44 px. (The shell's top bar and footer are base.html's
and checked elsewhere.)"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_points import log_in, snapshot

pytestmark = pytest.mark.browser

WIDTH = 360

# Every text node with two or more characters: on how many lines it stands and how wide its widest line is.
# A node that takes two lines or more while no line is as wide as two of its characters stands one
# character per line. Text inside a horizontally scrolling strip (the tab bar) is left out.
CHAR_PER_LINE = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.querySelector('main.page'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\\s+/g, '');
    if ([...text].length < 2) continue;
    const el = node.parentElement;
    if (!el || el.closest('.pt-tabs') || !el.getClientRects().length) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    const lines = new Set(rects.map(r => Math.round(r.top)));
    if (lines.size < 2) continue;
    const fontSize = parseFloat(getComputedStyle(el).fontSize);
    const widest = Math.max(...rects.map(r => r.width));
    if (widest < 1.8 * fontSize) found.push(text.slice(0, 20) + ' (' + lines.size + ' 行)');
  }
  return found;
}"""

# The page's own content (the shell's top bar and footer are base.html's) that reaches past the phone's
# right edge, cut off or to be scrolled to: the innermost such elements. The tab strip scrolls by design.
STICKING_OUT = """() => {
  const right = document.documentElement.clientWidth + 0.5;
  const out = el => el.getBoundingClientRect().right > right || el.getBoundingClientRect().left < -0.5;
  return [...document.querySelectorAll('main.page *')]
    .filter(el => !el.closest('.pt-tabs, .visually-hidden, thead') && el.getClientRects().length && out(el)
                  && ![...el.children].some(out))
    .slice(0, 5).map(el => el.tagName + '.' + el.className + ': ' + el.textContent.trim().slice(0, 20));
}"""

# Android's text scaling: every font size twice what the page set (layout widths stay as they were).
DOUBLE_TEXT = """() => {
  const all = [...document.querySelectorAll('*')];
  const sizes = all.map(el => parseFloat(getComputedStyle(el).fontSize));
  all.forEach((el, i) => { el.style.fontSize = (2 * sizes[i]) + 'px'; });
}"""


def reads_on_the_phone(page, name: str) -> None:
    """At 100 % and at 200 % text: no horizontal scrolling and no word one character per line."""
    for scale in (1, 2):
        if scale == 2:
            page.evaluate(DOUBLE_TEXT)
        snapshot(page, f"phone-{name}-{scale * 100}")
        sticking_out = page.evaluate(STICKING_OUT)
        assert sticking_out == [], f"{name} at {scale * 100}% text is wider than the phone: {sticking_out}"
        assert page.evaluate(CHAR_PER_LINE) == [], f"{name} at {scale * 100}% text: one character per line"
    page.reload()


def on_screen_and_tappable(locator) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"off the screen: {box}"
    assert box["width"] >= 44 and box["height"] >= 44, f"smaller than 44 × 44 px: {box}"


def test_settlements_board_and_statements_read_on_a_360px_phone(live_app, phone):
    log_in(phone, live_app, "shuji")

    # The settlement list: 已公布 on one line, 查看 on the screen and opens the settlement.
    phone.goto(live_app + "/points/settlements/")
    published = phone.locator("tbody tr", has=phone.locator(".tag", has_text="已公布")).first
    status = published.locator(".tag", has_text="已公布")
    expect(status).to_be_visible()
    line_height = status.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || el.offsetHeight")
    assert status.bounding_box()["height"] < 1.5 * line_height + 4, "已公布 wraps"
    reads_on_the_phone(phone, "settlements")
    look = phone.locator("tbody tr", has=phone.locator(".tag", has_text="已公布")).first.get_by_role(
        "link", name=re.compile("查看"))
    on_screen_and_tappable(look)
    look.click()

    # The settlement: every column of the list is there, within the phone's width.
    expect(phone.get_by_role("heading", name=re.compile("季度评议"))).to_be_visible()
    first_line = phone.get_by_role("table", name="评议名单").locator("tbody tr").first
    for label in ("本季度积分", "可兑换积分", "折合"):
        cell = first_line.locator(f"td[data-label='{label}']")
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    reads_on_the_phone(phone, "settlement")

    # The annual summary: the credit rating (the last column) is on the screen.
    phone.goto(live_app + "/points/settlements/")
    phone.get_by_role("link", name=re.compile(r"^\d{4}年度总结$")).first.click()
    expect(phone.get_by_role("heading", name=re.compile("年度积分总结"))).to_be_visible()
    rating = phone.get_by_role("table", name="年度排名").locator("tbody tr").first.locator(
        "td[data-label='信用等级']")
    expect(rating).to_be_visible()
    assert rating.bounding_box()["x"] + rating.bounding_box()["width"] <= WIDTH
    reads_on_the_phone(phone, "annual")

    # The village ranking, from the points home page: every column on the screen.
    phone.goto(live_app + "/points/")
    phone.get_by_role("link", name=re.compile("全村积分排名")).click()
    expect(phone.get_by_role("heading", name=re.compile("积分排名"))).to_be_visible()
    honours = phone.locator("td[data-label='荣誉 · 信用']").first
    expect(honours).to_be_visible()
    assert honours.bounding_box()["x"] + honours.bounding_box()["width"] <= WIDTH
    reads_on_the_phone(phone, "ranking")

    # A household (its number is a tap target), and from it its grid's board.
    household = phone.locator("td[data-label='户号'] a").first
    on_screen_and_tappable(household)
    household.click()
    expect(phone.get_by_role("heading", name=re.compile("的积分"))).to_be_visible()
    reads_on_the_phone(phone, "household")
    phone.locator(".breadcrumb").get_by_role("link", name=re.compile("网格积分公示栏")).click()

    # The grid board: 合计 and 可兑换 are on the screen.
    expect(phone.get_by_role("heading", name=re.compile("积分公示栏"))).to_be_visible()
    for label in ("合计", "可兑换"):
        cell = phone.locator(f"td[data-label='{label}']").first
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"{label} is cut off: {box}"
    reads_on_the_phone(phone, "board")

    # Last month's statement.
    phone.get_by_role("link", name=re.compile(r"^\d+月计分表$")).last.click()
    expect(phone.get_by_role("heading", name=re.compile(r"月计分$"))).to_be_visible()
    total = phone.locator("td[data-label='合计']").first
    expect(total).to_be_visible()
    assert total.bounding_box()["x"] + total.bounding_box()["width"] <= WIDTH
    reads_on_the_phone(phone, "statement")
