"""Mobiles and ID numbers in a resident's free text are masked however they were spelt; nothing else is."""

import pytest

from grassroots.rules.masking import mask_numbers, public_summary

MOBILE = "139****5678"
ID18 = "1504**********1234"


@pytest.mark.parametrize("typed", [
    "13912345678",
    "139-1234-5678",
    "139 1234 5678",
    "139.1234.5678",
    "139 - 1234 - 5678",
    "139–1234—5678",  # en and em dashes
    "1391234 5678",
    "+86-139-1234-5678",
    "+86 139 1234 5678",
    "+8613912345678",
    "86 13912345678",
    "8613912345678",
    "0086 139 1234 5678",
    "008613912345678",
    "１３９１２３４５６７８",  # full-width digits
    "１３９－１２３４－５６７８",  # full-width hyphens
    "＋８６　１３９　１２３４　５６７８",  # full-width plus and ideographic spaces
    "139\n1234\n5678",
])
def test_every_spelling_of_a_mobile_is_masked(typed):
    assert mask_numbers(f"我家电话{typed}，请联系") == f"我家电话{MOBILE}，请联系"


@pytest.mark.parametrize(("typed", "masked"), [
    ("150426198001011234", ID18),
    ("15042619800101123X", "1504**********123X"),
    ("15042619800101123x", "1504**********123X"),
    ("150426 19800101 1234", ID18),
    ("150426-19800101-1234", ID18),
    ("1504 2619 8001 0112 34", ID18),
    ("１５０４２６１９８００１０１１２３４", ID18),
    ("150426800101123", "1504*******1123"),  # a 15-digit ID of before 1999
    ("150426 800101 123", "1504*******1123"),
])
def test_every_spelling_of_an_id_number_is_masked(typed, masked):
    assert mask_numbers(f"身份证号：{typed}。") == f"身份证号：{masked}。"


def test_fifteen_digit_old_id_keeps_region_and_last_four():
    assert mask_numbers("老身份证150426800101123") == "老身份证1504*******1123"


def test_the_issue_text_is_masked_throughout():
    text = ("联系139-1234-5678或139 1234 5678、+86-139-1234-5678、１３９１２３４５６７８，"
            "身份证150426 19800101 1234，旧证150426800101123")
    assert mask_numbers(text) == (f"联系{MOBILE}或{MOBILE}、{MOBILE}、{MOBILE}，"
                                  f"身份证{ID18}，旧证1504*******1123")


def test_several_numbers_side_by_side_are_each_masked():
    assert mask_numbers("13912345678 13812345678") == f"{MOBILE} 138****5678"
    assert mask_numbers("2026-12-05 13912345678") == f"2026-12-05 {MOBILE}"
    assert mask_numbers("13912345678/150426198001011234") == f"{MOBILE}/{ID18}"
    assert mask_numbers("户号SQ-0001，电话13912345678") == f"户号SQ-0001，电话{MOBILE}"


def test_an_id_followed_by_a_latin_word_is_still_masked():
    assert mask_numbers("150426198001011234Xu") == f"{ID18}Xu"


@pytest.mark.parametrize("text", [
    "2026-12-05",
    "2026.12.05 13:30",
    "2026年12月5日",
    "共1,500.00元",
    "补助 12345.67 元",
    "户号SQ-0001",
    "SQ-0001、SQ-0002、SQ-0003",
    "150426100001",  # a 12-digit division code names an area, not a person: left as typed
    "区划代码 150426 100001",
    "0476-8123456",  # a landline
    "12345678901",  # 11 digits, but not a mobile (12…)
    "1391234567",  # 10 digits
    "139123456789",  # 12 digits
    "101 102 103 104 105",  # room numbers: 15 digits together, but no birth date in them
    "第13、14、15号",
    "Xu 150426",
])
def test_no_false_positives(text):
    assert mask_numbers(text) == text


def test_empty_and_none():
    assert mask_numbers("") == "" and mask_numbers(None) == ""


def test_public_summary_masks_before_cutting():
    text = "请帮忙修一下路灯，已经坏了很久了，晚上出门很不方便，谢谢！我的电话是139-1234-5678"
    summary = public_summary(text)
    assert "1234" not in summary and summary.endswith("…") and len(summary) == 41
    assert public_summary("路灯坏了 电话 139 1234 5678") == f"路灯坏了 电话 {MOBILE}"
    assert public_summary("a\n\nb") == "a b"
