"""Accessibility of the key pages, checked in a real Chromium on a 360 px phone.

- axe-core (vendored from npm under tests/browser/vendor/axe-core/, used by the tests only, never served)
  finds no serious and no critical violation on any key page, in the normal look and in 长辈模式; in 长辈模式
  text contrast is checked at AAA (axe's color-contrast-enhanced, 7:1) as well.
- 长辈模式 is a switch in the page's footer, kept in a cookie: the page comes back with larger text, and so
  does the next visit.
- Every key page fits a 360 px phone at 100 % and at 200 % text size (the browser's font-size setting): no
  sideways scrolling, no text squeezed to one character per line, every button and input at least
  44 × 44 px (56 × 56 px in 长辈模式)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from grassroots.demo import DEMO_PASSWORD
from tests.browser.test_points import snapshot
from tests.browser.test_shop_counter import household  # noqa: F401 - the counter's household, a fixture

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SAIQIN = "150426100223"  # 乌丹镇赛沁塔拉嘎查, the demo village

# The demo's open notice of 第1网格 and one demand of the village (for the public tracking page).
PUBLIC_THINGS = f"""
from grassroots.cli import _setup
_setup()
import json
from grassroots.demands.models import Demand
from grassroots.areas.models import Area
from grassroots.claims.models import Notice
village = Area.objects.get(code="{SAIQIN}")
notice = Notice.objects.filter(grid__code="{SAIQIN}001").order_by("-opened_at").first()
demand = Demand.objects.filter(path__startswith=village.path).order_by("id").first()
print(json.dumps({{"notice": notice.token, "track": demand.tracking_code}}))
"""


@pytest.fixture(scope="module")
def public_things(live_env):
    done = subprocess.run([sys.executable, "-c", PUBLIC_THINGS], env=live_env, check=True, capture_output=True,
                          text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# (name, who signs in or None for the public, path; {notice}, {track}, {shop}, {number} filled in)
PAGES = [
    ("登录", None, "/login/"),
    ("书记首页", "shuji", "/"),
    ("查户", "wangge", "/households/?q=SQ-0001"),
    ("积分记录", "wangge", "/points/record/"),
    ("积分审核", "xiaozu", "/points/review/"),
    ("网格积分公示栏", None, f"/board/grids/{SAIQIN}001/"),
    ("积分公示", None, "/board/notices/{notice}/"),
    ("提需求", None, f"/d/{SAIQIN}/"),
    ("查进度", None, f"/d/{SAIQIN}/t/{{track}}/"),
    ("收银台", "shouyin", "/shop/{shop}/counter/?q={number}"),
    ("志愿服务概况", "shuji", "/volunteers/"),
    ("我的志愿服务", "zhiyuanzhe", "/volunteers/me/"),
    ("志愿时长确认", "duizhang", "/volunteers/hours/"),
    ("志愿活动日历", None, f"/board/volunteers/{SAIQIN}/"),
    ("数据看板", "qixian", "/dashboard/150426000000/"),  # 翁牛特旗: charts, the townships' tile grid and table
]


def sign_in(page, base, username):
    """Sign in without clearing cookies (the 长辈模式 cookie stays)."""
    page.goto(base + "/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def open_page(page, base, who, path, public_things, household):  # noqa: F811 - household is the fixture's value
    page.context.add_cookies([{"name": "elder", "value": "1", "url": base}] if page.elder else [])
    if who:
        sign_in(page, base, who)
    url = base + path.format(notice=public_things["notice"], track=public_things["track"],
                             shop=household["shop"], number=household["number"])
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.classList.contains('elder')") == page.elder


@pytest.fixture(params=[False, True], ids=["normal", "elder"])
def screen(request, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.elder = request.param
    yield page
    context.close()


def axe_violations(page, *, elder: bool) -> list[str]:
    page.evaluate(AXE.read_text() + "\n;0")  # through the devtools protocol: an inline <script> tag is refused by the CSP
    options = {"resultTypes": ["violations"]}
    if elder:
        options["rules"] = {"color-contrast-enhanced": {"enabled": True}}
    result = page.evaluate("options => axe.run(document, options)", options)
    found = []
    for v in result["violations"]:
        if v["impact"] in ("serious", "critical") or v["id"] == "color-contrast-enhanced":
            for node in v["nodes"]:
                found.append(f"{v['id']} ({v['impact']}) {node['target']}: {node['failureSummary']}")
    return found


@pytest.mark.parametrize(("name", "who", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_axe_finds_no_serious_violation(live_app, screen, public_things, household, name, who, path):  # noqa: F811
    open_page(screen, live_app, who, path, public_things, household)
    found = axe_violations(screen, elder=screen.elder)
    assert not found, f"{name} {path}:\n" + "\n".join(found)


# Runs in the page: what a reader of a 360 px phone would notice.
LAYOUT_PROBLEMS = """minTarget => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth) problems.push(`page scrolls sideways: ${doc.scrollWidth} px wide`);
  const label = el => `<${el.tagName.toLowerCase()}${el.className ? ' class="' + el.className + '"' : ''}>`;
  const clipped = el => {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const r = e.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) return true;  // visually hidden (screen-reader text, a honeypot)
    }
    return false;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const chars = [...node.textContent.replace(/\\s+/g, '')];
    if (chars.length < 2 || !node.parentElement || clipped(node.parentElement)) continue;
    range.selectNodeContents(node);
    const lines = new Set([...range.getClientRects()].filter(r => r.width > 0 && r.height > 0)
                          .map(r => Math.round(r.top)));
    if (lines.size >= 2 && lines.size >= chars.length) {
      problems.push(`one character per line: "${chars.join('')}" in ${label(node.parentElement)}`);
    }
  }
  const targets = 'button, input[type=submit], input[type=button], input[type=reset], a.btn, [role=button], ' +
    'select, textarea, input[type=text], input[type=search], input[type=password], input[type=number], ' +
    'input[type=tel], input[type=date], input[type=email], .topbar a, .foot a';
  for (const el of document.querySelectorAll(targets)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden' || clipped(el)) continue;
    if (r.width < minTarget - 0.5 || r.height < minTarget - 0.5) {
      const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 20);
      problems.push(`tap target ${Math.round(r.width)}×${Math.round(r.height)} px: ${label(el)} "${text}"`);
    }
  }
  return problems;
}"""


# (长辈模式?, the browser's default font size): 100 % and 200 % text, and 长辈模式 (itself the larger text).
LOOKS = [(False, 16), (False, 32), (True, 16)]


@pytest.mark.parametrize(("elder", "text_size"), LOOKS, ids=["text-100", "text-200", "elder"])
@pytest.mark.parametrize(("name", "who", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_fits_a_phone_at_any_text_size(live_app, browser, public_things, household,  # noqa: F811
                                            name, who, path, elder, text_size):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.elder = elder
    # The browser's own text-size setting (Chromium's default font size), as a reader who needs it sets it.
    context.new_cdp_session(page).send(
        "Page.setFontSizes", {"fontSizes": {"standard": text_size, "fixed": round(text_size * 13 / 16)}})
    open_page(page, live_app, who, path, public_things, household)
    # The page follows the reader's text size (and 长辈模式 makes it a quarter larger still).
    body_text = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_text == text_size * (1.25 if elder else 1)
    problems = page.evaluate(LAYOUT_PROBLEMS, 56 if elder else 44)
    snapshot(page, f"a11y-{'elder' if elder else 'normal'}-{text_size}-{name}")  # a screenshot resets the font size
    context.close()
    assert not problems, f"{name} {path} at {text_size} px text:\n" + "\n".join(problems)


def test_elder_mode_switch_is_kept_across_visits(live_app, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_app}/d/{SAIQIN}/")
    size = "parseFloat(getComputedStyle(document.body).fontSize)"
    assert page.evaluate(size) == 16
    # The switch posts and comes back to the same address: wait for that new page, not the old one.
    with page.expect_navigation(url=f"{live_app}/d/{SAIQIN}/", wait_until="load"):
        page.get_by_role("button", name="长辈模式").click()
    # Back on the same page, larger, and with the way back out.
    expect(page.get_by_role("button", name="关闭长辈模式")).to_be_visible()
    assert page.evaluate(size) >= 20
    # The next visit (another page, a new tab) is in 长辈模式 from the first paint: the server sends it so.
    second = context.new_page()
    response = second.goto(live_app + "/login/")
    assert 'class="elder"' in response.text()
    assert second.evaluate(size) >= 20
    with second.expect_navigation(url=live_app + "/login/", wait_until="load"):
        second.get_by_role("button", name="关闭长辈模式").click()
    expect(second.get_by_role("button", name="长辈模式")).to_be_visible()
    assert second.evaluate(size) == 16
    context.close()
