"""我的积分 on a resident's 360 px phone: scanning a demo household's card with no account lands on its own page
(masked head name, household number, figures), which fits the phone at 100 % and 200 % text and in 长辈模式, and
axe finds no serious violation on it."""

import json
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import LAYOUT_PROBLEMS, axe_violations
from tests.browser.test_points import snapshot

pytestmark = pytest.mark.browser

# A demo household of 赛沁塔拉嘎查 with ledger entries, outside grid 001 (whose cards the counter and card-sheet
# tests use), given a card through the service (or its card of an earlier run kept).
CARD = """
from grassroots.cli import _setup
_setup()
import json
from grassroots.areas.models import Household, Person
from grassroots.audit.context import Actor
from grassroots.rules.masking import mask_name
from grassroots.shop import services as shop_services
from grassroots.shop.models import HouseholdCard

homes = (Household.objects.filter(village__code="150426100223", is_active=True, ledger_entries__isnull=False)
         .exclude(grid__code="150426100223001").distinct().order_by("number"))
home = homes.filter(members__relation="head", members__is_active=True).first()
card = HouseholdCard.objects.filter(household=home, revoked_at__isnull=True).first()
if card is None:
    card = shop_services.issue_card(actor=Actor.system("e2e"), household=home)
head = Person.objects.get(household=home, relation="head", is_active=True)
print(json.dumps({"token": card.token, "number": home.number, "head": head.name, "masked": mask_name(head.name),
                  "mobile": head.mobile}))
"""


@pytest.fixture(scope="module")
def card(live_env):
    done = subprocess.run([sys.executable, "-c", CARD], env=live_env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def resident_phone(browser, *, elder: bool, text_size: int):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    context.new_cdp_session(page).send(
        "Page.setFontSizes", {"fontSizes": {"standard": text_size, "fixed": round(text_size * 13 / 16)}})
    return context, page


@pytest.mark.parametrize(("elder", "text_size"), [(False, 16), (False, 32), (True, 16)],
                         ids=["text-100", "text-200", "elder"])
def test_a_scanned_card_opens_my_points_that_fits_a_phone(live_app, browser, card, elder, text_size):
    context, page = resident_phone(browser, elder=elder, text_size=text_size)
    page.goto(f"{live_app}/shop/card/{card['token']}/")  # what the card's QR code holds
    assert page.url == f"{live_app}/my/{card['token']}/"
    expect(page.get_by_role("heading", name="我的积分")).to_be_visible()
    expect(page.get_by_test_id("who")).to_contain_text(card["masked"])
    expect(page.get_by_test_id("who")).to_contain_text(card["number"])
    text = page.locator("body").inner_text()
    assert card["head"] not in text and (not card["mobile"] or card["mobile"] not in text)
    if elder:  # the footer's switch, as a resident would tap it: the same page comes back in 长辈模式
        with page.expect_navigation(url=f"{live_app}/my/{card['token']}/", wait_until="load"):
            page.get_by_role("button", name="长辈模式（大字）").click()
        expect(page.get_by_role("button", name="关闭长辈模式")).to_be_visible()
        assert page.evaluate("document.documentElement.classList.contains('elder')")
    problems = page.evaluate(LAYOUT_PROBLEMS, 56 if elder else 44)
    found = axe_violations(page, elder=elder) if text_size == 16 else []
    snapshot(page, f"my-points-{'elder' if elder else 'normal'}-{text_size}")
    context.close()
    assert not problems, "\n".join(problems)
    assert not found, "\n".join(found)
