"""No membership on any public page: the pages anyone may open without an account (the grid's points board, the
demands QR pages and wish board, Open311) never show who is a party member, their standing, their organisation,
their mobile status or their home report."""

from datetime import date

import pytest
from django.urls import reverse

from grassroots.members import services
from grassroots.members.testing import actor_for

pytestmark = pytest.mark.django_db
PARTY_WORDS = ("正式党员", "预备党员", "流动党员", "党员身份", "政治面貌", "双报到", "支部委员会", "中共", "党小组")


@pytest.fixture
def standing(party_world, secretary, unit_secretary):
    head = party_world.members["乌云毕力格"]
    services.register_mobile(actor=actor_for(secretary), member=head, place="呼和浩特市", since=date(2025, 1, 1))
    services.start_home_report(actor=actor_for(unit_secretary), member=party_world.members["高志远"],
                               organisation=party_world.saiqin, started_on=date(2026, 3, 1), service="政策宣讲")
    return party_world


def public_urls(region):
    village, grid = region["赛沁塔拉嘎查"], region["赛沁塔拉嘎查1"]
    return [
        reverse("points-public-grid-board", args=[grid.code]),
        reverse("demands-public-intake", args=[village.code]),
        reverse("demands-public-lookup", args=[village.code]),
        reverse("demands-public-wishes", args=[village.code]),
        "/open311/v2/services.json",
        "/open311/v2/requests.json",
        "/open311/v2/discovery.json",
    ]


def test_no_public_page_shows_party_standing(standing, region, client):
    shown = 0
    for url in public_urls(region):
        response = client.get(url)
        if response.status_code != 200:
            continue
        shown += 1
        body = response.content.decode()
        for word in PARTY_WORDS:
            assert word not in body, (url, word)
        for name in ("高志远", "中共赛沁塔拉嘎查支部委员会", "呼和浩特市", "政策宣讲"):
            assert name not in body, (url, name)
    assert shown >= 4  # the pages exist and were really looked at


def test_no_public_url_is_under_the_members_pages(standing, client):
    for name in ("members-register", "members-transfers", "members-mobile", "members-home-reports"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "login" in response["Location"]
    assert client.get("/api/party/members/").status_code == 401
