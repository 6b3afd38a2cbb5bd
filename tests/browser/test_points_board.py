"""Seeing the points on a phone: a household page draws its score chart with the vendored ECharts, a
deduction is one tap from its origin, and the grid board prints to an A4 PDF whose text is Chinese.

Written against the demo's B01 deduction (移风易俗：婚丧嫁娶大操大办 −10, recorded 19 days before the
demo was loaded, in 赛沁塔拉嘎查 第1网格), so it holds with or without the demo's year of history."""

import re
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from fontTools.ttLib import TTFont
from playwright.sync_api import expect

from grassroots.core.pdf import font_path
from grassroots.core.tests.pdftext import pdf_text
from grassroots.rules.masking import mask_name
from tests.browser.test_points import fits_the_phone, log_in, snapshot

pytestmark = pytest.mark.browser

DEDUCTION = "移风易俗：婚丧嫁娶大操大办"


@cache
def _radicals() -> dict[int, str]:
    """Noto's CJK fonts draw 网 and the Kangxi radical ⽹ (户 and ⼾ …) with one glyph, and Chromium's PDF
    names such a glyph by the radical's code point. The font's own cmap says which ideograph shares it."""
    cmap = TTFont(str(font_path()), lazy=True).getBestCmap()
    ideographs: dict[str, str] = {}
    for code, glyph in sorted(cmap.items()):
        if 0x4E00 <= code <= 0x9FFF:
            ideographs.setdefault(glyph, chr(code))
    return {code: ideographs[glyph] for code, glyph in cmap.items()
            if 0x2E80 <= code <= 0x2FDF and glyph in ideographs}


def test_household_chart_deduction_origin_and_printed_board(live_app, phone):
    log_in(phone, live_app, "wangge")
    phone.goto(live_app + "/points/")
    phone.get_by_role("link", name=re.compile("网格积分公示栏")).click()
    expect(phone.get_by_role("heading", name="赛沁塔拉嘎查第1网格积分公示栏")).to_be_visible()
    fits_the_phone(phone)
    snapshot(phone, "board-1-grid")
    board_url = phone.url

    # The deduction's month is this month or the last: the board links both statements.
    deed = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=19)
    phone.get_by_role("link", name=f"{deed.month}月计分表", exact=True).click()
    expect(phone.get_by_role("heading", name=re.compile(f"{deed.year}年{deed.month}月计分"))).to_be_visible()
    row = phone.locator("tr", has_text=f"扣分：{DEDUCTION}").first
    head = row.locator("td").nth(2).evaluate("td => td.firstChild.textContent.trim()")
    row.locator("td").nth(1).get_by_role("link").click()

    # The household page: the chart is ECharts', drawn on a canvas that has a size.
    expect(phone.get_by_role("heading", name=re.compile("的积分"))).to_be_visible()
    phone.wait_for_function("""() => {
        const box = document.getElementById('score-chart');
        const canvas = box && box.querySelector('canvas');
        return window.echarts && window.echarts.getInstanceByDom(box) && canvas && canvas.width > 0
            && canvas.height > 0;
    }""")
    size = phone.locator("#score-chart").bounding_box()
    assert size["width"] > 200 and size["height"] > 100
    fits_the_phone(phone)
    snapshot(phone, "board-2-household")

    # One tap on the deduction: its origin, with the rule it was recorded under.
    phone.locator("li.deduction", has_text=DEDUCTION).first.click()
    expect(phone.get_by_role("heading", name=re.compile(r"台账第 \d+ 条 -10"))).to_be_visible()
    expect(phone.locator("ol.origin")).to_contain_text(f"B01 {DEDUCTION}")
    fits_the_phone(phone)
    snapshot(phone, "board-3-origin")

    # The board on A4: the text of the PDF, not only that there is one.
    phone.goto(board_url)
    phone.emulate_media(media="print")
    phone.evaluate("document.fonts.ready")
    pdf = phone.pdf(format="A4", print_background=True)
    text = pdf_text(pdf).translate(_radicals())
    assert "赛沁塔拉嘎查第1网格积分公示栏" in text
    assert mask_name(head) in text and head not in text
    assert "本周公示" in text and "积分台账" in text and "户主" in text
