"""A register asked for an unreadable day shows today's answer and says so, on every party register's page."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/party/", "/party/development/", "/party/neworgs/registers/",
                                 "/party/meetings/compliance/"])
def test_an_unreadable_day_is_today_and_the_page_says_so(party_world, as_org_staff, url):
    response = as_org_staff.get(url, {"day": "2026-13-45"})
    assert response.status_code == 200
    assert "日期“2026-13-45”格式不正确，已按今天显示" in response.content.decode()
