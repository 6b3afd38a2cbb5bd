from datetime import date, datetime, timedelta

import pytest

from grassroots.rules.idnumber import IdNumberError, make_id_number, parse_id_number
from grassroots.rules.lockout import locked_until
from grassroots.rules.masking import mask_id_number, mask_mobile, mask_name
from grassroots.rules.mobile import MobileError, normalise_mobile
from grassroots.rules.passwords import password_problems
from grassroots.rules.pinyin import pinyin_keys
from grassroots.rules.roles import (
    EDIT_RESIDENTS,
    GRANTS,
    VIEW_RESIDENTS,
    Role,
    capabilities_by_role,
    holds,
    paths_with,
)

RESIDENTS = capabilities_by_role(GRANTS)


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("张小明", "张*明"), ("乌云毕力格", "乌***格"), ("王", "王"), ("", "")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_id_number_and_mobile_hide_the_middle():
    assert mask_id_number("150426199001011234") == "1504**********1234"
    assert mask_mobile("13812345678") == "138****5678"


def test_id_number_valid_gives_birth_date_and_gender():
    number = make_id_number("150426", date(1990, 1, 1), 123)
    parsed = parse_id_number(number.lower())
    assert parsed.birth_date == date(1990, 1, 1)
    assert parsed.gender == "M"  # 3 is odd


def test_id_number_wrong_check_digit_is_refused():
    good = make_id_number("150426", date(1985, 6, 30), 42)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(IdNumberError, match="校验位"):
        parse_id_number(bad)


@pytest.mark.parametrize("raw", ["15042619900101123", "150426199013011234", "abc"])
def test_id_number_malformed_is_refused(raw):
    with pytest.raises(IdNumberError):
        parse_id_number(raw)


def test_id_number_born_in_the_future_is_refused():
    number = make_id_number("150426", date(2030, 1, 1), 1)
    with pytest.raises(IdNumberError, match="晚于今天"):
        parse_id_number(number, today=date(2026, 11, 22))


def test_mobile_normalised():
    assert normalise_mobile("+86 138-1234-5678") == "13812345678"
    assert normalise_mobile("") == ""
    for bad in ("12345", "0476-8888888", "+1 650 253 0000"):
        with pytest.raises(MobileError):
            normalise_mobile(bad)


@pytest.mark.parametrize(
    ("name", "initials", "full"),
    [
        ("乌云毕力格", "wyblg", "wuyunbilige"),
        ("单雄信", "sxx", "shanxiongxin"),
        ("曾国藩", "zgf", "zengguofan"),
        ("解缙", "xj", "xiejin"),
        ("尉迟恭", "ycg", "yuchigong"),
        ("敖云代来", "aydl", "aoyundailai"),
    ],
)
def test_pinyin_keys(name, initials, full):
    assert pinyin_keys(name) == (full, initials)


def test_password_strength():
    assert password_problems("Abcdef12") == []
    assert password_problems("Abcdefgh") != []  # upper + lower only: two classes
    assert password_problems("abc") != []


def test_password_two_classes_refused():
    assert "三类" in "".join(password_problems("abcdefgh12"))
    assert password_problems("abcdef1!") == []


def test_lockout_after_five_failures_for_fifteen_minutes():
    t0 = datetime(2026, 11, 22, 9, 0)
    failures = [t0 + timedelta(seconds=i) for i in range(5)]
    until = locked_until(failures, now=t0 + timedelta(minutes=1), last_success=None)
    assert until == failures[-1] + timedelta(minutes=15)
    assert locked_until(failures[:4], now=t0 + timedelta(minutes=1), last_success=None) is None
    assert locked_until(failures, now=until + timedelta(seconds=1), last_success=None) is None


def test_lockout_counts_from_last_success():
    t0 = datetime(2026, 11, 22, 9, 0)
    failures = [t0 + timedelta(seconds=i) for i in range(5)]
    assert locked_until(failures, now=t0 + timedelta(minutes=1), last_success=t0 + timedelta(seconds=2)) is None


def test_roles_reach_subtrees_and_read_only_roles_cannot_edit():
    held = [("party_group_leader", "15/1504/"), ("grid_worker", "15/1504/150426/g1/")]
    assert paths_with(held, VIEW_RESIDENTS, RESIDENTS) == ["15/1504/"]
    assert holds(held, VIEW_RESIDENTS, "15/1504/150426/g2/", RESIDENTS)
    assert not holds(held, EDIT_RESIDENTS, "15/1504/150426/g2/", RESIDENTS)
    assert holds(held, EDIT_RESIDENTS, "15/1504/150426/g1/", RESIDENTS)
    assert not holds(held, VIEW_RESIDENTS, "15/1505/", RESIDENTS)


def test_capability_tables_are_read_as_each_roles_capabilities():
    shop = {"shop.redeem": ["cashier", "village_secretary"], "shop.void": ["village_secretary"]}
    by_role = capabilities_by_role(GRANTS, shop)
    assert by_role[Role.CASHIER] == {VIEW_RESIDENTS, "shop.redeem"}
    assert by_role[Role.VILLAGE_SECRETARY] >= {EDIT_RESIDENTS, "shop.redeem", "shop.void"}
    assert "shop.redeem" not in by_role[Role.PARTY_GROUP_LEADER]
