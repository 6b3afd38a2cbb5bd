"""Every spelling of a mobile or ID number a resident (or a unit) types is masked on the public pages:
the tracking page (summary, result, progress notes) and the public wish board (issue #11 item 4)."""

import pytest
from django.test import Client

from grassroots.demands import services
from grassroots.demands.templatetags.demands_tags import public_summary, public_text
from grassroots.rules.masking import mask_numbers

# The spellings the issue found shown verbatim, and what each must become.
SPELLINGS = [
    ("139-1234-5678", "139****5678"),
    ("139 1234 5678", "139****5678"),
    ("+86-139-1234-5678", "139****5678"),
    ("１３９１２３４５６７８", "139****5678"),
    ("150426800101123", "1504*******1123"),
    ("150426 19800101 1234", "1504**********1234"),
    ("13912345678", "139****5678"),
    ("150426198001011234", "1504**********1234"),
]
LEAKS = ["1234-5678", "1234 5678", "１２３４５６７８", "12345678", "800101", "19800101"]


def _readable(body: str) -> bool:
    return any(leak in body for leak in LEAKS)


@pytest.fixture
def tracking_page(region):
    return lambda demand: Client().get(f"/d/{region['赛沁塔拉嘎查'].code}/t/{demand.tracking_code}/").content.decode()


@pytest.mark.parametrize(("typed", "masked"), SPELLINGS)
def test_tracking_page_masks_the_summary(make_demand, tracking_page, typed, masked):
    demand = make_demand(f"电话{typed}，低保卡丢了", category="jobs")
    body = tracking_page(demand)
    assert f"电话{masked}，低保卡丢了" in body and not _readable(body)


def test_tracking_page_masks_a_number_the_summary_cut_would_have_split(make_demand, tracking_page):
    # 34 characters, then the number: the 40-character summary used to cut it to "139-12", unmasked.
    demand = make_demand("请帮忙修一下路灯，已经坏了很久了，晚上出门很不方便，谢谢了。我的电话139-1234-5678",
                         category="jobs")
    body = tracking_page(demand)
    assert "139-12" not in body and "我的电话139***…" in body


@pytest.mark.parametrize(("typed", "masked"), SPELLINGS)
def test_tracking_page_masks_the_result_and_progress_notes(make_demand, tracking_page, system_actor, typed,
                                                            masked):
    demand = make_demand("路灯坏了", category="jobs")
    services.handle(actor=system_actor, demand=demand, action="note", note=f"已联系本人{typed}，明天上门")
    services.handle(actor=system_actor, demand=demand, action="resolve", note=f"已办结，回访电话{typed}")
    body = tracking_page(demand)
    assert f"已联系本人{masked}，明天上门" in body and f"已办结，回访电话{masked}" in body
    assert not _readable(body)


@pytest.mark.parametrize(("typed", "masked"), SPELLINGS)
def test_public_wish_board_masks_every_spelling(region, make_demand, typed, masked):
    make_demand(f"想要一台收音机，联系{typed}", kind="wish", category="wish-life", contact_name="单国强")
    body = Client().get(f"/d/{region['赛沁塔拉嘎查'].code}/wishes/").content.decode()
    assert f"想要一台收音机，联系{masked}" in body and not _readable(body)


def test_dates_and_household_numbers_stay_readable_on_the_tracking_page(make_demand, tracking_page):
    demand = make_demand("SQ-0001户2026-12-05申请的补助1,500.00元还没到", category="jobs")
    assert "SQ-0001户2026-12-05申请的补助1,500.00元还没到" in tracking_page(demand)


def test_the_filter_is_the_rule():
    text = "联系 +86 139 1234 5678 或 150426 19800101 1234"
    assert public_text(text) == mask_numbers(text) == "联系 139****5678 或 1504**********1234"
    assert public_summary(text) == "联系 139****5678 或 1504**********1234"
