"""The home page and the header's menu for every kind of account (issue #10 item 1): unit staff (no area
role) get their unit's queue instead of "Server Error (500)", a credit officer the credit look-up, an account
with no role a Chinese word; and the menu offers only pages that open for the caller."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from grassroots.access.services import create_account
from grassroots.audit.context import Actor
from grassroots.core.testing import PASSWORD, client_for
from grassroots.demands import services as demands
from grassroots.settlement import services as settlement_services


def menu(page: str) -> dict[str, str]:
    """The header's links: {data-nav key: href}."""
    nav = re.search(r'<nav class="menu">(.*?)</nav>', page, re.S).group(1)
    return {key: href for href, key in re.findall(r'<a href="([^"]+)" data-nav="([^"]+)"', nav)}


def stat(section: str, label: str) -> int:
    return int(re.search(label + r'</div><div class="stat"[^>]*>(\d+)<', section).group(1))


def test_unit_staff_home_shows_their_queue_with_urgent_and_overdue_counts(handler, make_demand):
    make_demand()
    make_demand("化肥不够用，急需补充", urgent=True)
    make_demand("去年报的种子一直没送到", now=timezone.now() - timedelta(days=60))  # long past its deadline
    client = client_for(handler)
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    section = re.search(r'data-testid="unit-wnt-nmj">(.*?)</section>', page, re.S).group(1)
    assert "旗农牧局" in section and 'href="/demands/units/wnt-nmj/"' in section
    assert (stat(section, "待办需求"), stat(section, "急难愁盼"), stat(section, "已超期")) == (3, 1, 1)
    assert "单位工作人员" in page and "没有认领中的微心愿" in page
    assert menu(page) == {"demands": "/demands/units/"}  # no 查户, 积分 or 超市: those answer 404 for them
    assert "area-chip" not in page and "未分配区域" not in page
    for url in menu(page).values():
        assert client.get(url).status_code == 200


def test_a_credit_officer_is_offered_the_look_up_and_other_units_are_not(handler, units, homes, secretary,
                                                                         system_actor):
    officer = create_account(actor=system_actor, username="xinyong", password=PASSWORD, roles=[])
    coop = demands.create_unit(actor=system_actor, code="coop", name="农村信用合作联社", area=units["nmj"].area,
                               kind="other")
    demands.add_unit_member(actor=system_actor, unit=coop, user=officer)
    settlement_services.record_consent(actor=Actor.system("test", user=secretary), household=homes["SQ-0001"], institution=coop, signed_by="乌云毕力格",
                          signed_on=date.today(), expires_on=date.today() + timedelta(days=365))
    page = client_for(officer).get("/").content.decode()
    assert menu(page) == {"demands": "/demands/units/", "credit": "/points/credit/"}
    assert 'href="/points/credit/"' in page.split("<main", 1)[1]  # on the home page too
    assert "credit" not in menu(client_for(handler).get("/").content.decode())


def test_an_account_with_no_role_gets_a_chinese_page_and_an_empty_menu(db, system_actor):
    nobody = create_account(actor=system_actor, username="newcomer", password=PASSWORD, roles=[])
    response = client_for(nobody).get("/")
    page = response.content.decode()
    assert response.status_code == 200 and "还没有分配区域或单位" in page and "请联系上级管理员" in page
    assert menu(page) == {}


@pytest.mark.parametrize("who, expected", [
    ("insider", {"households", "points", "shop", "demands"}),  # grid worker
    ("reader", {"households", "dashboard", "points", "shop", "demands", "party", "pairing", "volunteers"}),
    ("cashier", {"households", "points", "shop"}),  # no 需求: demands.view is not the cashier's
    ("secretary", {"households", "dashboard", "points", "shop", "demands", "import", "party", "pairing",
                   "volunteers"}),
    ("county_admin", {"households", "dashboard", "points", "shop", "demands", "import", "audit", "party", "pairing",
                      "volunteers"}),
    # A secretary whose role is held on a party organisation (a unit's branch): the party registers, no households.
    ("unit_secretary", {"party"}),
    ("org_staff", {"households", "dashboard", "party", "pairing", "volunteers"}),
])
def test_each_role_is_offered_only_pages_that_open(request, who, expected):
    client = client_for(request.getfixturevalue(who))
    links = menu(client.get("/").content.decode())
    assert set(links) == expected
    for key, url in links.items():
        status = client.get(url).status_code
        assert status in (200, 302), f"{who}: {key} {url} → {status}"


def test_a_secretary_of_a_units_branch_lands_on_the_party_registers_not_on_an_empty_home(unit_secretary):
    """Their role is held on a party organisation, not an area: the home offers the registers they keep."""
    page = client_for(unit_secretary).get("/").content.decode()
    assert "还没有分配区域或单位" not in page
    party = page.split('data-testid="party"', 1)[1].split("</section>", 1)[0]
    assert 'href="/party/members/"' in party and 'href="/party/meetings/compliance/"' in party
    assert "/party/neworgs/" not in party  # the 两新 census is kept by area
