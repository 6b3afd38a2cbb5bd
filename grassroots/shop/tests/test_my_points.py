"""我的积分 by the household's card (boards/my_points.py): the QR's address (/shop/card/<token>/) sends anyone
who may not redeem for the household to /my/<token>/, the household's own page with no login; a cashier still
lands on the counter. Only that household, masked names, no phone, ID number, tag or party status; a revoked or
unknown token (or a household number, or an id) finds nothing; rate limited; private headers."""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from grassroots.areas.models import Person
from grassroots.ledger import services as ledger_services
from grassroots.ledger.models import LedgerEntry
from grassroots.points.testing import give
from grassroots.rules.idnumber import make_id_number
from grassroots.rules.masking import mask_id_number, mask_mobile
from grassroots.shop import services
from grassroots.shop.testing import actor

# 2026-04-15 10:00 in 乌丹 (Asia/Shanghai): the second quarter, after Q1 2026 was settled.
MID_APRIL = "2026-04-15 02:00:00"

PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


def my_url(token) -> str:
    return reverse("points-my-points", args=[token])


def scan_url(token) -> str:
    return reverse("shop-card-scan", args=[token])


def assert_private(response):
    for header, value in PRIVATE.items():
        assert response[header] == value, header
    assert "noindex" in response["X-Robots-Tag"]


@pytest.fixture
def card(credited, committee):
    """SQ-0001's (乌云毕力格's) card; every other household of the fixtures has entries of its own too."""
    give(credited["SQ-0001"], 12, date(2026, 4, 2))  # this quarter so far
    give(credited["SQ-0003"], 41, date(2026, 2, 11))
    give(credited["GJ-0001"], 57, date(2026, 3, 3))
    return services.issue_card(actor=actor(committee), household=credited["SQ-0001"])


def test_scanning_the_card_with_no_login_opens_the_households_own_page(card, credited):
    anonymous = Client()
    scanned = anonymous.get(scan_url(card.token))
    assert scanned.status_code == 302 and scanned["Location"] == my_url(card.token)
    assert_private(scanned)
    with freeze_time(MID_APRIL):
        response = anonymous.get(scanned["Location"])
    page = response.content.decode()
    assert response.status_code == 200
    assert_private(response)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert '<meta name="robots" content="noindex' in page
    assert "乌***格" in page and "SQ-0001" in page and "赛沁塔拉嘎查 第1网格" in page
    assert 'data-testid="year-score">247<' in page  # 200 + 35 + 12 in 2026
    assert 'data-testid="credit">235<' in page and "47元" in page  # Q1's grant, 5 points a yuan
    assert "现在可以到爱心超市兑换，可兑换 235 分" in page
    quarter = re.search(r'data-testid="quarter">(.*?)</div>', page, re.S).group(1)
    assert "2026年第二季度到今天：<strong>12</strong> 分" in quarter and "还差 <strong>68</strong> 分" in quarter
    assert "2026年3月" in page and "2026年2月" in page and "+200" in page and "+35" in page
    assert "2026年第一季度可兑换积分" in page and "2026年第一季度评议" in page
    # Nothing of another household: not their numbers, heads or entries.
    for other in ("SQ-0002", "SQ-0003", "GJ-0001", "王*国", "李*梅", "单*强", "+79", "+41", "+57"):
        assert other not in page, other


def test_the_page_shows_origins_and_masked_members_never_phones_ids_tags_or_party(anonymous, posted, secretary,
                                                                                 committee, households):
    head = Person.objects.get(name="乌云毕力格")
    id_number = make_id_number("150426", date(1968, 3, 5), 11)  # what the households fixture gave him
    assert head.mobile and head.id_number_masked == mask_id_number(id_number)
    assert head.party_status == "full" and {t.name for t in head.tags.all()} == {"牧户", "低保"}
    [first, second] = LedgerEntry.objects.filter(household=households["inside"]).order_by("seq")
    ledger_services.reverse_entry(actor=actor(secretary), entry=second, reason="重复记录，核实电话13912345678")
    card = services.issue_card(actor=actor(committee), household=households["inside"])
    page = anonymous.get(my_url(card.token)).content.decode()
    assert "乌***格" in page and "张*兰" in page  # the members each entry was for, masked
    assert page.count("起的公示后入账") == 2 and "人居环境整治义务劳动" in page
    assert "冲正" in page and f"撤销台账第 {second.seq} 条" in page and "已冲正" in page
    assert "核实电话139****5678" in page and "13912345678" not in page  # a number typed into a reason is masked
    for secret in ("乌云毕力格", "张秀兰", head.mobile, mask_mobile(head.mobile), id_number, head.id_number_masked,
                   id_number[-6:], "牧户", "低保", "党员", "一组1号"):
        assert secret not in page, secret
    # No way into the staff pages: the only links are the stylesheets, the only form the 长辈模式 switch.
    assert all(href.startswith("/static/") for href in re.findall(r'href="([^"]*)"', page))
    assert re.findall(r'<form[^>]*action="([^"]*)"', page) == [reverse("elder-mode")]


def test_a_revoked_card_finds_nothing_and_its_replacement_works(anonymous, card, committee, credited):
    unknown = anonymous.get(my_url("A" * 22))
    services.revoke_card(actor=actor(committee), card=card, reason="遗失")
    revoked = anonymous.get(my_url(card.token))
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.content == unknown.content  # the same page for both: nothing told
    assert "没有找到这张户卡的积分" in revoked.content.decode() and "SQ-0001" not in revoked.content.decode()
    assert_private(revoked)
    assert anonymous.get(scan_url(card.token), follow=True).status_code == 404
    new = services.issue_card(actor=actor(committee), household=credited["SQ-0001"])
    assert anonymous.get(my_url(new.token)).status_code == 200
    replaced = services.issue_card(actor=actor(committee), household=credited["SQ-0001"])  # 补办 again
    assert anonymous.get(my_url(new.token)).content == unknown.content
    assert "乌***格" in anonymous.get(my_url(replaced.token)).content.decode()


def test_a_household_number_or_id_never_opens_anything(anonymous, card, credited, as_cashier, as_insider):
    home = credited["SQ-0001"]
    for guess in (home.number, str(home.pk), f"{home.pk:022d}", card.token[:-1], card.token.upper()):
        assert anonymous.get(my_url(guess)).status_code == 404, guess
        assert anonymous.get(scan_url(guess), follow=True).status_code == 404, guess
        for client in (as_cashier, as_insider):  # signed in: not the counter, not the page
            response = client.get(scan_url(guess))
            assert response.status_code == 302 and response["Location"] == my_url(guess), guess


def test_a_cashier_still_lands_on_the_counter_and_other_accounts_get_the_residents_page(
        card, shop, credited, as_cashier, as_insider, as_reader, as_outside_cashier):
    counter = f"{reverse('shop-counter', args=[shop.pk])}?household={credited['SQ-0001'].pk}"
    assert as_cashier.get(scan_url(card.token))["Location"] == counter
    # A grid worker, a read-only member and another village's cashier may not redeem for SQ-0001.
    for client in (as_insider, as_reader, as_outside_cashier):
        response = client.get(scan_url(card.token))
        assert response["Location"] == my_url(card.token)
        page = client.get(response["Location"]).content.decode()
        assert "乌***格" in page and "乌云毕力格" not in page and "退出" not in page  # no staff menu either


def test_the_page_is_rate_limited_per_address_before_the_token_is_looked_up(anonymous, card, settings):
    settings.RATE_LIMITS = {"points:my-points": (3, 600)}
    with freeze_time(MID_APRIL):
        statuses = [anonymous.get(my_url(token), REMOTE_ADDR="10.1.2.3").status_code
                    for token in ("guess-1-xxxxxxxxxxxxxx", "guess-2-xxxxxxxxxxxxxx", card.token, card.token)]
        limited = anonymous.get(my_url(card.token), REMOTE_ADDR="10.1.2.3")
        other = anonymous.get(my_url(card.token), REMOTE_ADDR="10.9.9.9")
    assert statuses == [404, 404, 200, 429]
    page = limited.content.decode()
    assert limited.status_code == 429 and "查询过于频繁" in page and "分钟后再扫码" in page
    assert "SQ-0001" not in page and int(limited["Retry-After"]) > 0
    assert_private(limited)
    assert other.status_code == 200


def test_the_page_reads_a_constant_number_of_queries(anonymous, card, credited, django_assert_max_num_queries):
    home = credited["SQ-0001"]
    for month in range(1, 13):
        for day in (3, 13, 23):
            give(home, month + day, date(2025, month, day))
    with freeze_time(MID_APRIL), django_assert_max_num_queries(12):
        page = anonymous.get(my_url(card.token)).content.decode()
    assert "2025年12月" in page and "2025年1月" in page


def test_the_cards_page_links_each_active_card_to_its_residents_page(as_committee, committee, shop, card, region):
    """Staff can show a household its page (the card's own address would take a cashier to the counter)."""
    page = as_committee.get(reverse("shop-cards", args=[shop.pk]), {"grid": region["赛沁塔拉嘎查1"].pk}).content.decode()
    assert f'href="{my_url(card.token)}"' in page
    services.revoke_card(actor=actor(committee), card=card, reason="遗失")
    page = as_committee.get(reverse("shop-cards", args=[shop.pk]), {"grid": region["赛沁塔拉嘎查1"].pk}).content.decode()
    assert card.token not in page
