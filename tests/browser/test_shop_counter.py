"""爱心超市 at the counter on a tablet (768×1024): the cashier scans a household's card, adds an item,
checks the confirmation screen, confirms, sees the receipt and fetches the 58 mm receipt PDF; the same counter on a 360 px phone."""

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from grassroots.core.tests.pdftext import pdf_text
from tests.browser.test_points import log_in, snapshot

pytestmark = pytest.mark.browser

# The demo shop with grid 001's cards (idempotent), and a household of grid 001 that may redeem: SQ-0001
# (乌云毕力格) after the demo's published settlements. Should the demo not have given it credit, the
# script earns it the proper way: posted score entries in the last finished quarter, then that quarter
# settled (or its published settlement corrected) and published.
COUNTER_HOUSEHOLD = """
from grassroots.cli import _setup
_setup()
import json
from datetime import datetime, time, timedelta
from django.db import transaction
from django.utils import timezone
from grassroots.areas.models import Household
from grassroots.audit.context import Actor
from grassroots.ledger import services as ledger_services
from grassroots.ledger.models import Account, EntryKind, LedgerEntry
from grassroots.settlement import selectors as settlement_selectors, services as settlement_services
from grassroots.settlement.models import Settlement, SettlementStatus
from grassroots.rules.settlement import quarter_bounds, quarter_of
from grassroots.shop import services as shop_services
from grassroots.shop.demo import load_demo_shop
from grassroots.shop.models import HouseholdCard

actor = Actor.system("e2e")
shop = load_demo_shop(actor=actor)
home = Household.objects.get(village__code="150426100223", number="SQ-0001")
today = timezone.localdate()
if settlement_selectors.redemption_standing(home, today).credit < 100:
    year, quarter = quarter_of(today)
    year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    start, _ = quarter_bounds(year, quarter)
    posted = timezone.make_aware(datetime.combine(start + timedelta(days=2), time(18)))
    with transaction.atomic():
        ledger_services.append_entries(village=home.village, entries=[LedgerEntry(
            village=home.village, path=home.path, household=home, account=Account.SCORE, kind=EntryKind.AWARD,
            points=235, reason="e2e", occurred_on=start + timedelta(days=2), posted_at=posted,
            idempotency_key=f"e2e-shop-credit:{home.pk}:{year}:{quarter}")])
    published = Settlement.objects.filter(village=home.village, year=year, quarter=quarter,
                                          status=SettlementStatus.PUBLISHED).first()
    draft = (settlement_services.correct_settlement(actor=actor, settlement=published, reason="e2e")
             if published else settlement_services.compute_settlement(actor=actor, village=home.village, year=year,
                                                           quarter=quarter))
    settlement_services.publish_settlement(actor=actor, settlement=draft)
card = HouseholdCard.objects.filter(household=home, revoked_at__isnull=True).first()
if card is None:
    card = shop_services.issue_card(actor=actor, household=home)
print(json.dumps({"token": card.token, "number": home.number, "shop": shop.pk,
                  "credit": settlement_selectors.redemption_standing(home, today).credit}))
"""


@pytest.fixture(scope="module")
def household(live_env):
    done = subprocess.run([sys.executable, "-c", COUNTER_HOUSEHOLD], env=live_env, check=True, capture_output=True,
                          text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def tablet(browser):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_scan_redeem_and_print_on_a_tablet(live_app, household, tablet):
    log_in(tablet, live_app, "shouyin")
    tablet.goto(live_app + "/shop/")
    tablet.get_by_role("link", name="收银台 · 兑换").click()
    search = tablet.get_by_role("searchbox", name="找户")
    expect(search).to_be_focused()
    # A USB scanner types the card's URL fast and presses Enter.
    search.press_sequentially(f"{live_app}/shop/card/{household['token']}/", delay=5)
    search.press("Enter")
    card = tablet.get_by_test_id("household")
    expect(card).to_contain_text("乌云毕力格")
    expect(card).to_contain_text(household["number"])
    expect(card).to_contain_text("本季度可以兑换")
    expect(tablet.get_by_test_id("credit")).to_have_text(str(household["credit"]))
    fits(tablet, 768)
    snapshot(tablet, "shop-counter-tablet")

    # Nothing chosen yet: 确认兑换 is disabled, says so, and looks it.
    confirm = tablet.get_by_role("button", name="确认兑换")
    expect(confirm).to_be_disabled()
    expect(confirm).to_have_attribute("aria-disabled", "true")
    expect(confirm).to_have_css("cursor", "not-allowed")
    expect(confirm).to_have_css("background-color", "rgb(223, 225, 229)")

    # The product button is named by what it shows (axe label-content-name-mismatch).
    tablet.get_by_role("button", name=re.compile(r"^添加\s*抽纸\s*75")).click()
    expect(tablet.get_by_role("spinbutton", name="「抽纸」数量")).to_have_value("1")
    expect(tablet.locator("[data-total]")).to_have_text("75")
    expect(confirm).to_be_enabled()
    expect(confirm).not_to_have_attribute("aria-disabled", "true")
    confirm.click()

    # A check screen before anything is spent: household, items, total, balance after.
    expect(tablet.get_by_role("heading", level=1)).to_contain_text("请核对兑换")
    review = tablet.get_by_role("region", name="核对兑换")
    expect(review).to_contain_text("乌云毕力格")
    expect(review).to_contain_text(household["number"])
    expect(review).to_contain_text("抽纸")
    expect(tablet.get_by_test_id("review-total")).to_have_text("75")
    expect(tablet.get_by_test_id("review-balance")).to_have_text(str(household["credit"] - 75))
    fits(tablet, 768)
    snapshot(tablet, "shop-confirm-tablet")
    spend = tablet.get_by_role("button", name="确定兑换（扣75分）")
    spend.dblclick()  # a double tap spends once

    expect(tablet.get_by_role("status").first).to_contain_text("兑换成功")
    receipt = tablet.get_by_role("article", name="兑换小票")
    expect(receipt).to_contain_text("抽纸")
    expect(receipt).to_contain_text("合计 75 积分")
    expect(tablet.get_by_test_id("balance-after")).to_have_text(str(household["credit"] - 75))
    expect(receipt).to_contain_text("领取人签字")
    expect(receipt).to_contain_text("收银员签字")
    number = tablet.get_by_test_id("receipt-number").inner_text()
    assert re.fullmatch(rf"DH-{household['shop']}-\d{{8}}-\d{{4}}", number)
    fits(tablet, 768)
    snapshot(tablet, "shop-receipt-tablet")

    href = tablet.get_by_role("link", name="58mm PDF").get_attribute("href")
    pdf = tablet.request.get(live_app + href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    assert "抽纸" in text and number in text
    assert f"兑换后余额{household['credit'] - 75}积分" in text.replace(" ", "") and "领取人签字" in text

    # The next scan of the same card shows the balance less what was taken, once.
    tablet.get_by_role("link", name="下一户").click()
    tablet.get_by_role("searchbox", name="找户").fill(household["token"])
    tablet.get_by_role("searchbox", name="找户").press("Enter")
    expect(tablet.get_by_test_id("credit")).to_have_text(str(household["credit"] - 75))


def test_counter_fits_a_phone(live_app, household, phone):
    log_in(phone, live_app, "shouyin")
    phone.goto(f"{live_app}/shop/{household['shop']}/counter/?q={household['number']}")
    expect(phone.get_by_test_id("household")).to_contain_text(household["number"])
    expect(phone.get_by_role("button", name=re.compile(r"^添加\s*抽纸"))).to_be_visible()
    expect(phone.get_by_role("button", name="确认兑换")).to_be_visible()
    fits(phone, 360)
    snapshot(phone, "shop-counter-phone")


def test_shop_pages_fit_a_phone(live_app, household, phone):
    log_in(phone, live_app, "shuji")  # the secretary: every tab, the managing buttons too
    shop = household["shop"]
    for name, path, heading in [("detail", f"/shop/{shop}/", "赛沁塔拉嘎查爱心超市"),
                                ("donation", f"/shop/{shop}/donations/new/", "捐赠入库"),
                                ("stocktake", f"/shop/{shop}/stocktake/", "盘点"),
                                ("cards", f"/shop/{shop}/cards/", "户卡"),
                                ("exchange-day", f"/shop/{shop}/exchange-day/", "季度兑换会"),
                                ("board", f"/board/shops/{shop}/donations/", "爱心捐赠公示")]:
        phone.goto(live_app + path)
        expect(phone.get_by_role("heading", level=1)).to_contain_text(heading)
        fits(phone, 360)
        snapshot(phone, f"shop-{name}-phone")
    expect(phone.get_by_text("旗农牧局")).to_be_visible()  # seed 003's 暖心 gifts on the public board
