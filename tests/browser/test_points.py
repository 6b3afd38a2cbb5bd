"""积分制 on a phone: the grid worker records a batch, three reviewers approve, the public notice shows
masked lines, the scheduled job posts it after the period, and the check page confirms the ledger."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from grassroots.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

# Seed 004's catalogue for 赛沁塔拉嘎查 (the county template, copied and adopted). Idempotent: a demo that
# already carries the catalogue is left as it is.
SEED_RULES = """
from grassroots.cli import _setup
_setup()
from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.points.demo import load_seed_rules
load_seed_rules(actor=Actor.system("e2e"), village=Area.objects.get(code="150426100223"),
                county=Area.objects.get(code="150426000000"))
"""


def log_in(page, base, username, password=DEMO_PASSWORD):
    page.context.clear_cookies()
    page.goto(base + "/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def snapshot(page, name: str) -> None:
    """Keep a screenshot when POINTS_SCREENSHOTS names a folder (to look at the pages by eye)."""
    folder = os.environ.get("POINTS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def catalogue(live_env):
    subprocess.run([sys.executable, "-c", SEED_RULES], env=live_env, check=True, stdout=subprocess.DEVNULL)


def test_one_claim_in_three_taps(live_app, catalogue, phone):
    log_in(phone, live_app, "wangge")
    phone.goto(live_app + "/points/record/")
    search = phone.get_by_role("searchbox", name="找人")
    search.press_sequentially("wyb", delay=40)  # live search by pinyin initials
    snapshot(phone, "record-1-person")
    phone.locator("#people").get_by_role("link", name=re.compile("乌云毕力格")).first.click()  # tap 1
    expect(phone.get_by_role("heading", name="选择积分项目")).to_be_visible()
    fits_the_phone(phone)
    snapshot(phone, "record-2-rule")
    phone.locator("a.rule-btn", has_text="C02 ·").click()  # tap 2: 民族团结进步活动
    expect(phone.get_by_role("button", name="确认记分")).to_be_visible()
    fits_the_phone(phone)
    snapshot(phone, "record-3-confirm")
    phone.get_by_role("button", name="确认记分").click()  # tap 3
    expect(phone.get_by_role("status")).to_contain_text("已记录 1 人")
    expect(phone.get_by_text("民族团结进步活动")).to_be_visible()
    fits_the_phone(phone)
    snapshot(phone, "record-4-done")


def test_batch_review_notice_ledger_and_check(live_app, live_env, catalogue, phone):
    # The grid worker records one clean-up for the three people of household SQ-0001.
    log_in(phone, live_app, "wangge")
    phone.goto(live_app + "/points/record/batch/")
    phone.locator("a.rule-btn", has_text="A01 ·").click()
    phone.get_by_role("searchbox", name="筛选人员").fill("SQ-0001")
    phone.get_by_label("全选（当前筛选）").check()
    expect(phone.locator("#tick-count")).to_have_text("3")
    phone.get_by_label("说明（选填）").fill("春季人居环境整治")
    fits_the_phone(phone)
    snapshot(phone, "batch")
    phone.get_by_role("button", name="为所选 3 人记分").click()
    expect(phone.get_by_role("status")).to_contain_text("已记录 3 人")
    batch = phone.get_by_test_id("batch").inner_text().strip()

    # Party group → the committees → the assembly, each approving the batch.
    for username, stage in (("xiaozu", "党小组初审"), ("weiyuan", "“两委”联席复审"), ("shuji", "党员（村民代表）大会审议")):
        log_in(phone, live_app, username)
        phone.goto(live_app + "/points/review/")
        group = phone.locator(f"section[data-batch='{batch}']")
        expect(group).to_contain_text(stage)
        expect(group.locator("input[name=claims]")).to_have_count(3)
        group.get_by_label(f"全选本批 {batch}").check()
        fits_the_phone(phone)
        snapshot(phone, f"review-{username}")
        phone.get_by_role("button", name="通过所选").click()
        expect(phone.locator(".messages")).to_contain_text("已通过 3 条申报")
    notice_url = phone.get_by_test_id("published-notice").get_attribute("href")

    # The public notice, read without an account: masked names, the rule and the points.
    phone.context.clear_cookies()
    phone.goto(live_app + notice_url)
    expect(phone.get_by_role("heading", name="第1网格 积分公示")).to_be_visible()
    lines = phone.get_by_role("list", name="公示名单")
    for masked in ("乌***格", "其*格", "单*音"):
        expect(lines).to_contain_text(masked)
    expect(lines).to_contain_text("人居环境整治义务劳动")
    expect(phone.get_by_test_id("days-left")).to_contain_text("还剩 5 天")
    content = phone.content()
    for secret in ("乌云毕力格", "其其格", "单宝音", "13904761234"):
        assert secret not in content
    fits_the_phone(phone)
    snapshot(phone, "notice-open")

    # Five days later the scheduled job posts the notice into the ledger.
    later = (datetime.now(UTC) + timedelta(days=5, hours=1)).isoformat()
    job = subprocess.run([sys.executable, "-m", "grassroots.cli", "post-notices", "--as-of", later], env=live_env,
                         check=True, capture_output=True, text=True)
    assert "入账公示" in job.stdout

    phone.reload()
    expect(phone.get_by_text("公示期满，已入账")).to_be_visible()
    expect(phone.get_by_test_id("chain-head")).to_have_text(re.compile(r"^[0-9a-f]{12}$"))
    expect(phone.locator("svg.qr")).to_be_visible()
    expect(phone.get_by_role("button", name="提交异议")).to_have_count(0)
    head = phone.get_by_test_id("chain-head").inner_text()
    fits_the_phone(phone)
    snapshot(phone, "notice-posted")

    # The check page recomputes the chain and finds every line in it.
    phone.get_by_role("link", name=re.compile("核验")).click()
    expect(phone.get_by_test_id("verdict")).to_have_text("✓ 本次公示的3条记录都已记入积分账本，没有被改动过")
    phone.get_by_label("公示单上的校验码").fill(head)
    phone.get_by_role("button", name="核对").click()
    expect(phone.get_by_text("✓ 与账本一致")).to_be_visible()
    fits_the_phone(phone)
    snapshot(phone, "check")

    # The secretary opens one ledger entry's whole origin from the household's points.
    log_in(phone, live_app, "shuji")
    phone.goto(live_app + "/households/?q=SQ-0001")
    phone.get_by_role("link", name=re.compile("乌云毕力格")).click()
    household_id = re.search(r"/households/(\d+)/", phone.url).group(1)
    phone.goto(f"{live_app}/points/households/{household_id}/")
    phone.get_by_role("link", name=re.compile("人居环境整治义务劳动")).first.click()
    origin = phone.locator("ol.origin")
    for step in ("网格员打分", "党小组初审", "“两委”联席复审", "党员（村民代表）大会审议", "张榜公示", "入账"):
        expect(origin).to_contain_text(step)
    fits_the_phone(phone)
    snapshot(phone, "entry-origin")
    phone.goto(live_app + "/points/rules/")
    expect(phone.get_by_text("赛沁塔拉嘎查村民代表大会").first).to_be_visible()
    fits_the_phone(phone)
    snapshot(phone, "rules")
