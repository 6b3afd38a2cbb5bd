"""The party registers' other pages on a 360 px phone, at the phone's text size and at 200 %: the organisation tree
and an organisation, the weak organisations and 最强党支部, the development pipeline, a person's steps and the
reserve register, the 两新 census, its four registers and the instructor pool. Nothing of a page's content runs
off the side, no word is squeezed to one character per line, and the buttons are at least 44 px high. (The
member pages and the meeting pages have their own: test_members_phone.py, test_party_meetings.py.)"""

import pytest

from tests.browser.test_members_phone import SMALL_BUTTONS
from tests.browser.test_points import log_in
from tests.browser.test_points_phone import reads_on_the_phone

pytestmark = pytest.mark.browser

PAGES = ["/party/", "/party/rectifications/", "/party/model-branch/", "/party/development/",
         "/party/development/reserve/", "/party/neworgs/", "/party/neworgs/registers/", "/party/neworgs/instructors/"]


def first_link(phone, base: str, page: str, pattern: str) -> str:
    """The first link on ``page`` whose path matches ``pattern`` (one organisation, one person …)."""
    phone.goto(base + page)
    href = phone.evaluate("""pattern => [...document.querySelectorAll('main a')].map(a => a.getAttribute('href'))
                                 .find(h => new RegExp(pattern).test(h || ''))""", pattern)
    assert href, f"no link matching {pattern} on {page}"
    return href


def test_the_party_pages_read_on_a_phone(live_app, phone):
    base = live_app
    log_in(phone, base, "zuzhibu")
    pages = [*PAGES, first_link(phone, base, "/party/", r"^/party/organisations/\d+/"),
             first_link(phone, base, "/party/development/", r"^/party/development/\d+/"),
             first_link(phone, base, "/party/neworgs/", r"^/party/neworgs/\d+/")]
    for path in dict.fromkeys(pages):
        response = phone.goto(base + path)
        assert response.status == 200, path
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, path
        assert phone.evaluate(SMALL_BUTTONS) == [], path
        reads_on_the_phone(phone, path.strip("/").replace("/", "-"))
