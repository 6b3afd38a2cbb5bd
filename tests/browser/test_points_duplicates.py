"""The same deed twice, on a 360 px phone (issue #10, item 5 and the review wording of item 7): the grid
worker is warned and taken to the warning, confirms a second deed on purpose; the party group sees both
flagged as possible duplicates, is taken to the reason box it left empty, and the grid worker withdraws
the extra claim from 我的申报."""

import re
import subprocess
import sys
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_points import SEED_RULES, fits_the_phone, log_in, snapshot

pytestmark = pytest.mark.browser

HOUSEHOLD = "SQ-1009"  # recorded for A01 on yesterday's date by no other browser test


@pytest.fixture(scope="module")
def catalogue(live_env):
    subprocess.run([sys.executable, "-c", SEED_RULES], env=live_env, check=True, stdout=subprocess.DEVNULL)


def record_batch(phone, base, day: str | None = None) -> str:
    """Tick the household's people for A01 on the batch page; the day the form was left with."""
    phone.goto(base + "/points/record/batch/")
    phone.locator("a.rule-btn", has_text="A01 ·").click()
    phone.get_by_role("searchbox", name="筛选人员").fill(HOUSEHOLD)
    phone.get_by_label("全选（当前筛选）").check()
    deed_date = phone.get_by_label("日期")
    if day is None:
        day = (date.fromisoformat(deed_date.input_value()) - timedelta(days=1)).isoformat()
    deed_date.fill(day)
    phone.locator("#batch-submit").click()
    return day


def test_the_same_deed_twice_is_caught_flagged_and_withdrawn(live_app, catalogue, phone):
    log_in(phone, live_app, "wangge")
    day = record_batch(phone, live_app)
    expect(phone.get_by_role("status")).to_contain_text("已记录")

    # Again: refused, the warning names each person and the date, and the page is taken to it.
    record_batch(phone, live_app, day)
    warning = phone.locator("#duplicate-warning")
    expect(warning).to_contain_text(f"在{day}已有「人居环境整治义务劳动」的申报")
    box = phone.get_by_label("我已核实，这是另一件事，仍要记录")
    expect(box).to_be_focused()
    expect(warning).to_be_in_viewport()
    fits_the_phone(phone)
    snapshot(phone, "duplicate-warning")
    box.check()
    phone.locator("#batch-submit").click()
    expect(phone.get_by_role("status")).to_contain_text("已记录")

    # The party group sees the pairs flagged; rejecting without a reason names the person and goes there.
    log_in(phone, live_app, "xiaozu")
    phone.goto(live_app + "/points/review/")
    flagged = phone.get_by_test_id("possible-duplicate")
    expect(flagged.first).to_contain_text("可能重复")
    fits_the_phone(phone)
    row = flagged.last.locator("xpath=ancestor::div[contains(@class,'claim-row')]")
    name = row.locator("label strong").inner_text().strip()
    row.locator("input[name=claims]").check()
    phone.get_by_role("button", name="退回所选").click()
    expect(phone.get_by_text(f"{name}：请写明退回理由")).to_be_visible()
    reason = phone.locator("input.reason[aria-invalid=true]")
    expect(reason).to_be_focused()
    expect(reason).to_be_in_viewport()
    fits_the_phone(phone)
    snapshot(phone, "review-error")

    # The grid worker withdraws one of the pair from 我的申报.
    log_in(phone, live_app, "wangge")
    phone.goto(live_app + "/points/claims/mine/")
    phone.get_by_text("撤回", exact=True).first.click()
    fits_the_phone(phone)
    phone.get_by_role("button", name="确认撤回").first.click()
    expect(phone.locator(".messages")).to_contain_text(re.compile(r"已撤回：.+「人居环境整治义务劳动」"))
    expect(phone.get_by_text("记录人已撤回").first).to_be_visible()
