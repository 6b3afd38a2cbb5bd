"""The love supermarket pages: each page and POST for an insider (the village's cashier, or the committee
member where the page manages the shop), a read-only member (party group leader: shop.view only → 403 on
any action), an outsider (官井子村's secretary → 404); the counter's idempotency and refusals; the
printouts (receipts, the card sheet, the exchange-day report) and the public donations board."""

import io
import json
import re
from datetime import date

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from grassroots.core.models import IdempotencyKey
from grassroots.core.tests.pdftext import pdf_text
from grassroots.ledger.models import LedgerEntry
from grassroots.rules.settlement import quarter_bounds, quarter_of
from grassroots.shop import selectors, services
from grassroots.shop.models import Donation, HouseholdCard, Product, Redemption, StockMovement
from grassroots.shop.testing import actor


@pytest.fixture
def counter_url(shop):
    return reverse("shop-counter", args=[shop.pk])


def redeem_post(client, shop, home, items, key="key-1", confirmed=True):
    """What the check screen's 确定兑换 sends (``confirmed=False``: the counter's 确认兑换, which only checks)."""
    data = {"household": home.pk, "idempotency_key": key}
    data.update({f"qty_{product.pk}": quantity for product, quantity in items})
    if confirmed:
        data["confirmed"] = "1"
    return client.post(reverse("shop-counter", args=[shop.pk]), data)


@pytest.fixture
def receipt(shop, stocked, credited, cashier):
    """SQ-0001 took 2 提 抽纸 (2×75 points) and 1 袋 洗衣粉 (63 points)."""
    return services.redeem(actor=actor(cashier), shop=shop, household=credited["SQ-0001"],
                           items=[(stocked["抽纸"].pk, 2), (stocked["洗衣粉"].pk, 1)], idempotency_key="fixture")


def counts():
    return Redemption.objects.count(), LedgerEntry.objects.count(), StockMovement.objects.count()


# ---------------------------------------------------------------- who may see and do what


def test_shop_home_and_page_show_products_points_and_low_stock(as_cashier, shop, stocked, system_actor):
    # 食用油 at 69.90 yuan costs 350 points at 5 points a yuan (349.5 rounded up); 3 桶 left is low.
    oil = stocked["食用油"]
    services.record_stocktake(actor=system_actor, shop=shop, counts={oil.pk: 3}, reason="清点更正")
    response = as_cashier.get("/shop/")
    assert response.status_code == 302 and response["Location"] == reverse("shop-detail", args=[shop.pk])
    page = as_cashier.get(response["Location"]).content.decode()
    assert "食用油" in page and "350 分" in page and "69.90元" in page
    low = re.search(r'data-testid="low-stock">(.*?)</div>', page, re.S).group(1)
    assert "「食用油」剩3桶" in low and "抽纸" not in low
    assert "收银台 · 兑换" in page and "上架新商品" not in page  # the cashier redeems, does not manage


def test_read_only_member_sees_the_shop_but_may_not_act(as_reader, shop, stocked, credited, receipt):
    assert as_reader.get(reverse("shop-detail", args=[shop.pk])).status_code == 200
    assert as_reader.get(reverse("shop-redemption", args=[receipt.pk])).status_code == 200
    assert as_reader.get(reverse("shop-exchange-day", args=[shop.pk])).status_code == 200
    assert as_reader.get(reverse("shop-cards", args=[shop.pk])).status_code == 200
    assert as_reader.get(reverse("shop-counter", args=[shop.pk])).status_code == 403
    before = counts()
    assert redeem_post(as_reader, shop, credited["SQ-0001"], [(stocked["香皂"], 1)]).status_code == 403
    for name in ("shop-product-add", "shop-donation-add", "shop-purchase-add", "shop-stocktake"):
        assert as_reader.get(reverse(name, args=[shop.pk])).status_code == 403, name
        assert as_reader.post(reverse(name, args=[shop.pk]), {}).status_code == 403, name
    assert as_reader.post(reverse("shop-product-retire", args=[stocked["香皂"].pk])).status_code == 403
    assert as_reader.post(reverse("shop-card-issue", args=[shop.pk]),
                          {"household": credited["SQ-0001"].pk}).status_code == 403
    assert as_reader.get(reverse("shop-card-sheet", args=[shop.pk])).status_code == 403
    assert as_reader.post(reverse("shop-redemption-void", args=[receipt.pk]), {"reason": "错拿"}).status_code == 403
    assert counts() == before and not HouseholdCard.objects.exists()
    assert not Product.objects.get(pk=stocked["香皂"].pk).is_retired


def test_outsider_finds_nothing(as_outsider, shop, stocked, credited, receipt):
    assert "还没有开设爱心超市" in as_outsider.get("/shop/").content.decode()
    for url in [reverse("shop-detail", args=[shop.pk]), reverse("shop-counter", args=[shop.pk]),
                reverse("shop-product", args=[stocked["抽纸"].pk]), reverse("shop-product-add", args=[shop.pk]),
                reverse("shop-donation-add", args=[shop.pk]), reverse("shop-stocktake", args=[shop.pk]),
                reverse("shop-cards", args=[shop.pk]), reverse("shop-card-sheet", args=[shop.pk]),
                reverse("shop-redemption", args=[receipt.pk]), reverse("shop-receipt-58", args=[receipt.pk]),
                reverse("shop-redemption-void", args=[receipt.pk]), reverse("shop-exchange-day", args=[shop.pk]),
                reverse("shop-exchange-day-xlsx", args=[shop.pk])]:
        assert as_outsider.get(url).status_code == 404, url
    before = counts()
    assert redeem_post(as_outsider, shop, credited["SQ-0001"], [(stocked["香皂"], 1)]).status_code == 404
    assert as_outsider.post(reverse("shop-redemption-void", args=[receipt.pk]), {"reason": "错拿"}).status_code == 404
    assert counts() == before


def test_cashier_never_finds_another_villages_household(as_cashier, shop, stocked, credited, counter_url):
    outside = credited["GJ-0001"]
    assert as_cashier.get(f"{counter_url}?household={outside.pk}").status_code == 404
    page = as_cashier.get(counter_url, {"q": "GJ-0001"}).content.decode()
    assert "没有找到与「GJ-0001」相符的户" in page and "单国强" not in page
    before = counts()
    assert redeem_post(as_cashier, shop, outside, [(stocked["香皂"], 1)]).status_code == 404
    assert counts() == before


def test_anonymous_is_sent_to_log_in(shop, counter_url):
    response = Client().get(counter_url)
    assert response.status_code == 302 and "/login/" in response["Location"]


# ---------------------------------------------------------------- the counter


@pytest.mark.parametrize("typed", ["SQ-0001", "wyblg", "乌云毕力格"])
def test_the_search_box_finds_by_number_and_initials(as_cashier, shop, credited, counter_url, typed):
    response = as_cashier.get(counter_url, {"q": typed})
    assert response.status_code == 302
    assert response["Location"] == f"{counter_url}?household={credited['SQ-0001'].pk}"
    live = as_cashier.get(counter_url, {"q": typed}, HTTP_HX_REQUEST="true")  # typing: the list, not a jump
    assert live.status_code == 200 and f"?household={credited['SQ-0001'].pk}" in live.content.decode()
    assert "<html" not in live.content.decode()


def test_a_scanned_card_token_or_its_url_opens_the_household(as_cashier, shop, credited, counter_url, committee):
    card = services.issue_card(actor=actor(committee), household=credited["SQ-0001"])
    expected = f"{counter_url}?household={credited['SQ-0001'].pk}"
    assert as_cashier.get(counter_url, {"q": card.token})["Location"] == expected
    assert as_cashier.get(counter_url, {"q": f"http://testserver/shop/card/{card.token}/"})["Location"] == expected
    assert as_cashier.get(reverse("shop-card-scan", args=[card.token]))["Location"] == expected
    services.revoke_card(actor=actor(committee), card=card, reason="遗失")
    page = as_cashier.get(counter_url, {"q": card.token}).content.decode()
    assert "该卡无效、已挂失" in page


def test_household_card_shows_balance_and_standing(as_cashier, shop, stocked, credited, counter_url):
    page = as_cashier.get(f"{counter_url}?household={credited['SQ-0001'].pk}").content.decode()
    assert "乌云毕力格" in page and "SQ-0001" in page  # staff see the full name
    assert 'data-testid="credit">235<' in page and "47元" in page and "本季度可以兑换" in page
    assert "确认兑换" in page and 'name="idempotency_key"' in page
    assert re.search(r"抽纸</span>\s*<span class=\"pts\">75<small> 分/提", page)
    below = as_cashier.get(f"{counter_url}?household={credited['SQ-0002'].pk}").content.decode()
    assert "不能兑换：2026年第一季度积分79分，未达到80分，不能兑换" in below and "确认兑换" not in below


def test_redeeming_twice_with_one_key_gives_one_receipt(as_cashier, shop, stocked, credited):
    home, tissue = credited["SQ-0001"], stocked["抽纸"]
    first = redeem_post(as_cashier, shop, home, [(tissue, 2)], key="double-click")
    assert first.status_code == 302
    [redemption] = Redemption.objects.all()
    assert first["Location"] == reverse("shop-redemption", args=[redemption.pk]) + "?done=1"
    second = redeem_post(as_cashier, shop, home, [(tissue, 2)], key="double-click")
    assert second["Location"] == reverse("shop-redemption", args=[redemption.pk]) + "?again=1"
    assert Redemption.objects.count() == 1
    assert StockMovement.objects.filter(redemption=redemption).count() == 1
    assert LedgerEntry.objects.filter(kind="redemption").count() == 1
    assert selectors.stock_of([tissue.pk])[tissue.pk] == 8
    page = as_cashier.get(second["Location"]).content.decode()
    assert "这次提交此前已处理，没有重复兑换" in page and redemption.number in page and "抽纸" in page
    standing = as_cashier.get(f"{reverse('shop-counter', args=[shop.pk])}?household={home.pk}").content.decode()
    assert 'data-testid="credit">85<' in standing  # 235 − 2 × 75, taken once


def test_the_first_tap_shows_a_check_screen_and_spends_nothing(as_cashier, shop, stocked, credited):
    home, tissue, soap = credited["SQ-0001"], stocked["抽纸"], stocked["洗衣粉"]
    before = counts()
    response = redeem_post(as_cashier, shop, home, [(tissue, 2), (soap, 1)], key="look-first", confirmed=False)
    assert response.status_code == 200 and counts() == before
    page = response.content.decode()
    assert "请核对兑换" in page and "乌云毕力格" in page and "SQ-0001" in page
    assert "抽纸" in page and "2提×75" in page and "洗衣粉" in page
    assert 'data-testid="review-total">213<' in page  # 2 × 75 + 63
    assert 'data-testid="review-balance">22<' in page  # 235 − 213
    assert "确定兑换（扣213分）" in page and "返回修改" in page
    # The check screen's form carries the same key, the quantities and the confirmation, nothing else to type.
    confirm_form = page[page.index('aria-label="确定兑换"'):page.index("</form>", page.index('aria-label="确定兑换"'))]
    assert 'value="look-first"' in confirm_form and f'name="qty_{tissue.pk}" value="2"' in confirm_form
    assert 'name="confirmed" value="1"' in confirm_form


def test_the_check_screen_sent_twice_spends_once(as_cashier, shop, stocked, credited):
    home, tissue = credited["SQ-0001"], stocked["抽纸"]
    redeem_post(as_cashier, shop, home, [(tissue, 1)], key="twice", confirmed=False)
    first = redeem_post(as_cashier, shop, home, [(tissue, 1)], key="twice")
    second = redeem_post(as_cashier, shop, home, [(tissue, 1)], key="twice")  # a double tap, or a resend
    assert first["Location"].endswith("?done=1") and second["Location"].endswith("?again=1")
    assert Redemption.objects.count() == 1 and Redemption.objects.get().points == 75


def test_a_key_the_api_used_is_refused_at_the_counter_not_a_crash(as_cashier, shop, stocked, credited):
    """The same caller sends one key through the API and then the counter page: the page refuses it with a
    message (no second sale, no server error)."""
    home, tissue = credited["SQ-0001"], stocked["抽纸"]
    body = {"household_id": home.pk, "items": [{"product_id": tissue.pk, "quantity": 1}]}
    api = as_cashier.post(f"/api/shop/shops/{shop.pk}/redemptions/", json.dumps(body), content_type="application/json",
                          headers={"Idempotency-Key": "shared-key"})
    assert api.status_code == 201
    before = counts()
    response = redeem_post(as_cashier, shop, home, [(tissue, 1)], key="shared-key")
    assert response.status_code == 400 and "幂等键已用于其他操作" in response.content.decode()
    assert counts() == before and Redemption.objects.count() == 1


def test_a_confirmation_without_a_key_is_refused_and_spends_nothing(as_cashier, shop, stocked, credited):
    before = counts()
    response = redeem_post(as_cashier, shop, credited["SQ-0001"], [(stocked["抽纸"], 1)], key="")
    assert response.status_code == 400 and "缺少幂等键" in response.content.decode()
    assert counts() == before


def test_back_from_the_check_screen_keeps_what_was_chosen(as_cashier, shop, stocked, credited):
    home, tissue = credited["SQ-0001"], stocked["抽纸"]
    response = as_cashier.post(reverse("shop-counter", args=[shop.pk]), {
        "household": home.pk, "idempotency_key": "back", f"qty_{tissue.pk}": "3", "back": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and Redemption.objects.count() == 0
    assert f'name="qty_{tissue.pk}" value="3"' in page and 'data-total>225<' in page


def test_the_check_screen_refuses_what_the_counter_would(as_cashier, shop, stocked, credited):
    before = counts()
    over = redeem_post(as_cashier, shop, credited["SQ-0004"], [(stocked["大米"], 1)], key="o", confirmed=False)
    assert over.status_code == 400 and "本次需275分，可兑换积分只有80分" in over.content.decode()
    assert "请核对兑换" not in over.content.decode()
    shelf = redeem_post(as_cashier, shop, credited["SQ-0001"], [(stocked["香皂"], 11)], key="s", confirmed=False)
    assert shelf.status_code == 400 and "「香皂」库存只剩10块" in shelf.content.decode()
    below = redeem_post(as_cashier, shop, credited["SQ-0002"], [(stocked["香皂"], 1)], key="b", confirmed=False)
    assert below.status_code == 400 and "未达到80分，不能兑换" in below.content.decode()
    assert counts() == before


def test_product_buttons_are_named_by_their_visible_text(as_cashier, shop, stocked, credited, counter_url):
    """axe label-content-name-mismatch: no aria-label that hides the visible name; the name is the text."""
    page = as_cashier.get(f"{counter_url}?household={credited['SQ-0001'].pk}").content.decode()
    button = re.search(r'<button type="button" class="good-add"[^>]*>(.*?)</button>', page, re.S)
    assert button and "aria-label" not in button.group(0)
    assert '<span class="title"><span class="sr-only">添加</span>抽纸</span>' in page


def test_the_confirm_button_looks_disabled_when_it_is():
    css = open(finders.find("shop/shop.css"), encoding="utf-8").read()
    js = open(finders.find("shop/shop.js"), encoding="utf-8").read()
    assert re.search(r'button\.btn:disabled, button\.btn\[aria-disabled="true"\][^{]*\{[^}]*cursor:not-allowed', css)
    assert 'setAttribute("aria-disabled", "true")' in js


def test_a_refused_redemption_says_why_and_writes_nothing(as_cashier, shop, stocked, credited):
    before = counts()
    response = redeem_post(as_cashier, shop, credited["SQ-0002"], [(stocked["香皂"], 1)], key="below")
    assert response.status_code == 400
    assert "2026年第一季度积分79分，未达到80分，不能兑换" in response.content.decode()
    assert counts() == before


def test_over_the_balance_and_over_the_shelf_are_refused(as_cashier, shop, stocked, credited):
    before = counts()
    over = redeem_post(as_cashier, shop, credited["SQ-0004"], [(stocked["大米"], 1)], key="over")
    assert over.status_code == 400 and "本次需275分，可兑换积分只有80分" in over.content.decode()
    shelf = redeem_post(as_cashier, shop, credited["SQ-0001"], [(stocked["香皂"], 11)], key="shelf")
    assert shelf.status_code == 400 and "「香皂」库存只剩10块" in shelf.content.decode()
    nothing = redeem_post(as_cashier, shop, credited["SQ-0001"], [], key="none")
    assert nothing.status_code == 400 and "请先选择要兑换的商品" in nothing.content.decode()
    assert counts() == before


def test_receipt_page_and_pdfs(as_cashier, receipt):
    page = as_cashier.get(reverse("shop-redemption", args=[receipt.pk])).content.decode()
    assert receipt.number in page and "213" in page and "乌***格" in page and "乌云毕力格" not in page
    assert "receipt-58mm.pdf" in page and "receipt-a4.pdf" in page and 'media="print"' in page
    for name in ("shop-receipt-58", "shop-receipt-a4"):
        response = as_cashier.get(reverse(name, args=[receipt.pk]))
        assert response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        assert "抽纸" in text and "洗衣粉" in text and receipt.number in text and "213积分" in text
        assert "乌云毕力格" not in text


def test_receipts_show_the_balance_left_and_a_signature_line(as_cashier, receipt, credited, stocked, cashier):
    # 235 − 213 = 22 left after the fixture's redemption.
    page = as_cashier.get(reverse("shop-redemption", args=[receipt.pk])).content.decode()
    assert 'data-testid="balance-after">22<' in page
    assert "领取人签字" in page and "收银员签字" in page
    for name in ("shop-receipt-58", "shop-receipt-a4"):
        text = pdf_text(as_cashier.get(reverse(name, args=[receipt.pk])).content)
        assert "兑换后余额22积分" in text.replace(" ", "") and "领取人签字" in text and "收银员签字" in text, name
    # A later redemption does not change what an earlier receipt says; the later one says what is left then.
    home = credited["SQ-0004"]  # 80 points
    first = services.redeem(actor=actor(cashier), shop=receipt.shop, household=home,
                            items=[(stocked["香皂"].pk, 1)], idempotency_key="first")  # 23 points
    later = services.redeem(actor=actor(cashier), shop=receipt.shop, household=home,
                            items=[(stocked["香皂"].pk, 2)], idempotency_key="later")  # 46 points
    assert 'data-testid="balance-after">57<' in as_cashier.get(
        reverse("shop-redemption", args=[first.pk])).content.decode()
    assert 'data-testid="balance-after">11<' in as_cashier.get(
        reverse("shop-redemption", args=[later.pk])).content.decode()


def test_the_58mm_receipt_is_58mm_wide(as_cashier, receipt):
    reader = PdfReader(io.BytesIO(as_cashier.get(reverse("shop-receipt-58", args=[receipt.pk])).content))
    width_mm = float(reader.pages[0].mediabox.width) / 72 * 25.4
    assert round(width_mm) == 58 and len(reader.pages) == 1


def test_void_same_day_with_confirmation(as_committee, as_cashier, receipt, credited):
    url = reverse("shop-redemption-void", args=[receipt.pk])
    assert as_cashier.get(url).status_code == 403  # the cashier is not the supervisor
    page = as_committee.get(url).content.decode()
    assert "213 积分退回该户" in page and "确认作废" in page
    missing = as_committee.post(url, {"reason": ""})
    assert missing.status_code == 400 and "请填写原因" in missing.content.decode()
    assert Redemption.objects.get(pk=receipt.pk).voided_at is None
    done = as_committee.post(url, {"reason": "拿错了商品"})
    assert done.status_code == 302
    receipt.refresh_from_db()
    assert receipt.voided_at is not None and receipt.void_reason == "拿错了商品"
    shown = as_committee.get(done["Location"]).content.decode()
    assert "已作废：拿错了商品" in shown
    again = as_committee.post(url, {"reason": "再作废一次"})
    assert again.status_code == 400 and "已作废" in again.content.decode()


# ---------------------------------------------------------------- products and stock in


def test_committee_adds_edits_and_retires_a_product(as_committee, shop, stocked):
    add = reverse("shop-product-add", args=[shop.pk])
    bad = as_committee.post(add, {"name": "红糖", "unit": "袋", "price": "0", "low_stock": "5"})
    assert bad.status_code == 400 and "价格（元）须大于0" in bad.content.decode()
    assert as_committee.post(add, {"name": "红糖", "unit": "袋", "price": "6.5", "low_stock": "5"}).status_code == 302
    sugar = Product.objects.get(name="红糖")
    assert sugar.price_fen == 650
    edit = as_committee.post(reverse("shop-product-edit", args=[sugar.pk]),
                             {"name": "红糖", "unit": "袋", "price": "7", "low_stock": "3"})
    assert edit.status_code == 302
    assert Product.objects.get(pk=sugar.pk).price_fen == 700
    assert as_committee.post(reverse("shop-product-retire", args=[sugar.pk])).status_code == 302
    sugar.refresh_from_db()
    assert sugar.is_retired
    page = as_committee.get(reverse("shop-detail", args=[shop.pk])).content.decode()
    assert "已停用的商品（1）" in page


def test_cashier_may_not_manage_products(as_cashier, shop, stocked):
    assert as_cashier.get(reverse("shop-product-add", args=[shop.pk])).status_code == 403
    assert as_cashier.post(reverse("shop-product-retire", args=[stocked["抽纸"].pk])).status_code == 403


def flashed(response) -> list[str]:
    """The messages of the page a followed redirect lands on."""
    return re.findall(r'<li class="msg [^"]*">([^<]*)</li>', response.content.decode())


def test_donation_form_records_items_once(as_committee, shop, stocked):
    url = reverse("shop-donation-add", args=[shop.pk])
    data = {"donor": "赤峰某乳业公司", "donor_kind": "company", "donated_on": "2026-01-05", "value": "300",
            "note": "", "is_public": "on", "idempotency_key": "don-1",
            "product": [stocked["毛巾"].pk, stocked["牙膏"].pk, ""], "quantity": ["6", "", ""]}
    bad = as_committee.post(url, data)
    assert bad.status_code == 400 and "第2行：数量须为正整数" in bad.content.decode()
    data["quantity"] = ["6", "4", ""]
    first = as_committee.post(url, data, follow=True)
    again = as_committee.post(url, data, follow=True)  # the retry: the same page, nothing recorded again
    assert first.redirect_chain == again.redirect_chain == [(reverse("shop-detail", args=[shop.pk]), 302)]
    assert flashed(first) == flashed(again) == ["已登记「赤峰某乳业公司」的捐赠，2 种商品已入库"]
    assert Donation.objects.filter(donor="赤峰某乳业公司").count() == 1
    moved = StockMovement.objects.filter(donation__donor="赤峰某乳业公司")
    assert sorted(moved.values_list("quantity", flat=True)) == [4, 6]
    product = as_committee.get(reverse("shop-product", args=[stocked["毛巾"].pk])).content.decode()
    assert 'data-testid="stock"><strong>16</strong>' in product and "捐赠方：赤峰某乳业公司" in product


def test_purchase_and_stocktake(as_committee, shop, stocked):
    purchase = reverse("shop-purchase-add", args=[shop.pk])
    missing = as_committee.post(purchase, {"receipt_number": "", "product": [stocked["大米"].pk], "quantity": ["5"]})
    assert missing.status_code == 400 and "请填写票据号" in missing.content.decode()
    bought = {"receipt_number": "CG-01", "product": [stocked["大米"].pk], "quantity": ["5"], "idempotency_key": "p-1"}
    first = as_committee.post(purchase, bought, follow=True)
    again = as_committee.post(purchase, bought, follow=True)  # the retry
    assert first.redirect_chain == again.redirect_chain == [(reverse("shop-detail", args=[shop.pk]), 302)]
    assert flashed(first) == flashed(again) == ["已登记采购（票据号 CG-01），1 种商品已入库"]
    assert StockMovement.objects.filter(kind="purchase", receipt_number="CG-01").count() == 1
    assert selectors.stock_of([stocked["大米"].pk])[stocked["大米"].pk] == 15
    url = reverse("shop-stocktake", args=[shop.pk])
    data = {"reason": "过期报损", "idempotency_key": "st-1", f"count_{stocked['大米'].pk}": "14",
            f"count_{stocked['香皂'].pk}": "10"}
    preview = as_committee.post(url, data)
    page = preview.content.decode()
    assert preview.status_code == 200 and "将记录以下差异" in page and "-1 袋" in page and "确认记录 1 条差异" in page
    assert not StockMovement.objects.filter(kind="stocktake").exists()
    first = as_committee.post(url, {**data, "confirm": "1"}, follow=True)
    again = as_committee.post(url, {**data, "confirm": "1"}, follow=True)  # a double tap on 确认
    assert first.redirect_chain == again.redirect_chain == [(reverse("shop-detail", args=[shop.pk]), 302)]
    assert flashed(first) == flashed(again) == ["已记录盘点差异 1 条"]
    [diff] = StockMovement.objects.filter(kind="stocktake")
    assert (diff.product_id, diff.quantity, diff.reason) == (stocked["大米"].pk, -1, "过期报损")
    # A new count that finds nothing to record is refused, and nothing is kept under its key.
    same = as_committee.post(url, {**data, "idempotency_key": "st-2", "confirm": "1"})
    assert same.status_code == 400 and "实盘数量与账面库存一致，没有差异需要记录" in same.content.decode()
    assert not IdempotencyKey.objects.filter(key="st-2").exists()


def test_a_stock_in_key_is_not_taken_for_another_form_or_shop(as_committee, shop, stocked, village, system_actor):
    """A key already used by a donation neither records a purchase nor a donation of another shop."""
    donation = {"donor": "旗农牧局", "donor_kind": "pairing_unit", "donated_on": "2026-01-05", "value": "0",
                "idempotency_key": "k-1", "product": [stocked["毛巾"].pk], "quantity": ["2"]}
    assert as_committee.post(reverse("shop-donation-add", args=[shop.pk]), donation).status_code == 302
    before = (Donation.objects.count(), StockMovement.objects.count())
    purchase = as_committee.post(reverse("shop-purchase-add", args=[shop.pk]), {
        "receipt_number": "CG-02", "product": [stocked["大米"].pk], "quantity": ["5"], "idempotency_key": "k-1"})
    assert purchase.status_code == 400 and "幂等键已用于其他操作" in purchase.content.decode()
    other = services.create_shop(actor=system_actor, area=village, name="赛沁塔拉嘎查第二爱心超市")
    towel = services.add_product(actor=system_actor, shop=other, name="毛巾", unit="条", price_fen=1000)
    elsewhere = as_committee.post(reverse("shop-donation-add", args=[other.pk]),
                                  {**donation, "product": [towel.pk]})
    assert elsewhere.status_code == 400 and "该幂等键已用于其他超市" in elsewhere.content.decode()
    assert (Donation.objects.count(), StockMovement.objects.count()) == before


# ---------------------------------------------------------------- cards


def test_cards_issue_revoke_reissue_and_the_sheet(as_committee, shop, credited, region):
    grid = region["赛沁塔拉嘎查1"]
    cards_url = reverse("shop-cards", args=[shop.pk])
    assert as_committee.post(reverse("shop-card-issue", args=[shop.pk]), {"grid": grid.pk}).status_code == 302
    carded = HouseholdCard.objects.filter(household__grid=grid, revoked_at__isnull=True)
    assert sorted(c.household.number for c in carded) == ["SQ-0001", "SQ-0002", "SQ-0003"]
    first = carded.get(household=credited["SQ-0001"])
    revoke = reverse("shop-card-revoke", args=[shop.pk, first.pk])
    as_committee.post(revoke, {"reason": ""})
    assert HouseholdCard.objects.get(pk=first.pk).revoked_at is None  # a reason is required
    as_committee.post(revoke, {"reason": "遗失"})
    assert HouseholdCard.objects.get(pk=first.pk).revoke_reason == "遗失"
    as_committee.post(reverse("shop-card-issue", args=[shop.pk]), {"household": credited["SQ-0001"].pk})
    new = HouseholdCard.objects.get(household=credited["SQ-0001"], revoked_at__isnull=True)
    assert new.token != first.token
    page = as_committee.get(cards_url, {"grid": grid.pk}).content.decode()
    assert "SQ-0003" in page and "SQ-0004" not in page  # grid 2's household is on grid 2's tab

    sheet = as_committee.get(reverse("shop-card-sheet", args=[shop.pk]), {"grid": grid.pk})
    assert sheet["Content-Type"] == "application/pdf"
    text = pdf_text(sheet.content)
    for number, masked, full in [("SQ-0001", "乌***格", "乌云毕力格"), ("SQ-0002", "王*国", "王建国"),
                                 ("SQ-0003", "李*梅", "李春梅")]:
        assert number in text and masked in text and full not in text
    assert new.token not in text and first.token not in text  # the token is only inside the QR image


# ---------------------------------------------------------------- exchange day


def test_exchange_day_page_excel_and_pdf(as_cashier, shop, receipt, stocked):
    url = reverse("shop-exchange-day", args=[shop.pk])
    period = {"start": "2020-01-01", "end": "2030-12-31"}
    page = as_cashier.get(url, period).content.decode()
    assert 'data-testid="households">1<' in page and 'data-testid="points">213<' in page
    assert receipt.number in page and "旗农牧局" in page
    assert as_cashier.get(url, {"start": "2026-05-01", "end": "2026-04-01"}).status_code == 400
    start, end = quarter_bounds(*quarter_of(timezone.localdate()))
    default = as_cashier.get(url).content.decode()
    assert f"（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}）" in default

    response = as_cashier.get(reverse("shop-exchange-day-xlsx", args=[shop.pk]), period)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["兑换户数"] == 1 and summary["消耗积分"] == 213
    [line] = list(book["兑换明细"].iter_rows(min_row=2, values_only=True))
    assert line[0] == receipt.number and line[2] == "SQ-0001" and line[4] == 213
    given = {row[0]: row[2] for row in book["发放商品"].iter_rows(min_row=2, values_only=True)}
    assert given == {"抽纸": 2, "洗衣粉": 1}
    stock = {row[0]: row[2] for row in book["现有库存"].iter_rows(min_row=2, values_only=True)}
    assert stock["抽纸"] == 8 and stock["香皂"] == 10

    pdf = pdf_text(as_cashier.get(reverse("shop-exchange-day-pdf", args=[shop.pk]), period).content).replace("\n", "")
    assert receipt.number in pdf and "旗农牧局" in pdf


# ---------------------------------------------------------------- the public board


def test_public_donations_board(shop, stocked, system_actor):
    services.record_donation(actor=system_actor, shop=shop, donor="某个人", donor_kind="individual",
                             donated_on=date(2026, 3, 1), items=[(stocked["大米"].pk, 2)], value_fen=11000,
                             note="联系电话13904761234", is_public=False)
    response = Client().get(reverse("shop-public-donations", args=[shop.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "旗农牧局" in page and "抽纸 10提" in page and "2026年3月20日" in page
    assert "某个人" not in page and "13904761234" not in page
    assert Client().get(reverse("shop-public-donations", args=[shop.pk + 99])).status_code == 404
