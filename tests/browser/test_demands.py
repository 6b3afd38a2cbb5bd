"""A resident files a demand from the public page on a 360 px phone, the unit resolves it, the resident
rates it with the tracking code."""

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from grassroots.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

SAIQIN = "150426100223"  # 乌丹镇赛沁塔拉嘎查


@pytest.fixture(scope="session")
def demo_demands(live_app, live_env):
    """The demo's demands (units, categories, responsibility list, unit staff). ``grassroots demo`` loads them
    once grassroots/demo.py calls load_demo_demands; until then (and harmlessly after: it runs once) here."""
    code = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'grassroots.settings'); "
            "django.setup(); from grassroots.audit.context import Actor; "
            "from grassroots.demands.demo import load_demo_demands; "
            "load_demo_demands(actor=Actor.system('demo'), count=40, progress=lambda m: None)")
    subprocess.run([sys.executable, "-c", code], env=live_env, check=True)
    return live_app


def log_in(page, base, username, password=DEMO_PASSWORD):
    page.goto(base + "/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_resident_files_unit_resolves_resident_rates(demo_demands, phone):
    base = demo_demands
    text = "春播快到了，我家缺玉米种子和二铵化肥，希望供销社能送到嘎查"

    # 1. The resident scans the QR code on the board: no account.
    phone.goto(f"{base}/d/{SAIQIN}/")
    expect(phone.get_by_role("heading", name=re.compile("有事您说"))).to_be_visible()
    phone.get_by_label("诉求内容").fill(text)
    phone.get_by_label("分类").select_option(label="生产发展 · 种子化肥与饲草料")
    phone.get_by_label("联系人").fill("张桂兰")
    phone.get_by_label("联系电话").fill("13904769876")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_role("heading", name="办理进度")).to_be_visible()
    code = phone.get_by_test_id("tracking-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}", code)
    expect(phone.get_by_text("旗农牧局", exact=True)).to_be_visible()
    expect(phone.get_by_text("张*兰")).to_be_visible()
    assert "13904769876" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # 2. The bureau's staff find it in their queue and resolve it.
    phone.context.clear_cookies()
    log_in(phone, base, "nongmuju")
    phone.goto(f"{base}/demands/units/agriculture_bureau/")
    expect(phone.get_by_role("heading", name=re.compile("旗农牧局"))).to_be_visible()
    phone.get_by_role("link", name=re.compile("春播快到了")).first.click()
    expect(phone.get_by_text("13904769876")).to_be_visible()  # the handler may call the resident
    phone.get_by_role("button", name="开始办理").click()
    expect(phone.get_by_text("已保存")).to_be_visible()
    phone.get_by_label("说明 / 办理结果").fill("已协调供销社，种子化肥送到家")
    phone.get_by_role("button", name="办结", exact=True).click()
    expect(phone.get_by_text("已办结待评价").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # 3. The resident looks the code up, sees it resolved and rates it.
    phone.context.clear_cookies()
    phone.goto(f"{base}/d/{SAIQIN}/t/")
    phone.get_by_role("searchbox", name="受理编号").fill(code.lower())
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_text("已协调供销社，种子化肥送到家").first).to_be_visible()
    phone.get_by_label("5分").check()
    phone.get_by_label("评价（可不填）").fill("很及时，谢谢")
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.get_by_text("已关闭").first).to_be_visible()
    expect(phone.get_by_text("您的评价：★★★★★ 5分")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_another_villages_board_does_not_know_the_code(demo_demands, phone):
    base = demo_demands
    phone.goto(f"{base}/d/{SAIQIN}/t/ABCDEFGHJK/")
    expect(phone.get_by_role("heading", name="未找到该受理编号")).to_be_visible()
