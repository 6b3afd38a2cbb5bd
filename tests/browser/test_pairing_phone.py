"""Pairing's other pages on a 360 px phone, at the phone's text size and at 200 %: the township's 包联 home, the
registers, handing out households, the import, the village's public choice, coverage and figures, the cloud branch
and a meeting's relays; and the cadre's 我的包联. Nothing of a page's content runs off the side, no word is squeezed
to one character per line, and the buttons are at least 44 px high. (A pair, a visit and its form have their own:
test_pairing_visit.py.)"""

import pytest

from tests.browser.test_members_phone import SMALL_BUTTONS
from tests.browser.test_party_phone import first_link
from tests.browser.test_points import log_in
from tests.browser.test_points_phone import reads_on_the_phone

pytestmark = pytest.mark.browser

SAIQIN = "150426100223"  # 乌丹镇赛沁塔拉嘎查
TOWNSHIP_PAGES = ["/pairing/", "/pairing/pairs/", "/pairing/pairs/?kind=unit_area", "/pairing/pairs/new/",
                  f"/pairing/assign/?area={SAIQIN}", "/pairing/import/", "/pairing/coverage/",
                  f"/pairing/coverage/?area={SAIQIN}", "/pairing/figures/"]


def reads(phone, base: str, path: str) -> None:
    response = phone.goto(base + path)
    assert response.status == 200, path
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, path
    assert phone.evaluate(SMALL_BUTTONS) == [], path
    reads_on_the_phone(phone, "pairing-" + path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-"))


def test_the_township_pairing_pages_read_on_a_phone(live_app, phone):
    base = live_app
    log_in(phone, base, "wudan")
    for path in TOWNSHIP_PAGES:
        reads(phone, base, path)


def test_the_secretary_and_the_cadre_pages_read_on_a_phone(live_app, phone):
    base = live_app
    log_in(phone, base, "shuji")
    reads(phone, base, f"/pairing/options/{SAIQIN}/")
    log_in(phone, base, "zuzhibu")
    reads(phone, base, "/pairing/cloud/")
    reads(phone, base, first_link(phone, base, "/pairing/cloud/", r"^/pairing/cloud/meetings/\d+/"))
    log_in(phone, base, "baolian")
    reads(phone, base, "/pairing/my/")
