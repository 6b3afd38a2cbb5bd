"""The household page staff already use names who visits the household; the link to its visits only for those who
may open them."""

from django.urls import reverse

from grassroots.core.testing import client_for
from grassroots.pairing.services import end_pair


def test_the_household_page_names_its_cadre_and_links_to_the_visits_for_those_who_may(pairing_world, homes,
                                                                                      secretary, insider):
    url = reverse("household-detail", args=[homes["SQ-0001"].pk])
    visits = reverse("pairing-household", args=[homes["SQ-0001"].pk])
    page = client_for(secretary).get(url).content.decode()
    assert "包联干部" in page and "于财" in page and visits in page
    assert client_for(secretary).get(visits).status_code == 200
    # A grid worker sees who the cadre is, but has no pairing pages to open.
    page = client_for(insider).get(url).content.decode()
    assert "于财" in page and visits not in page


def test_a_household_with_no_pair_in_force_names_nobody(pairing_world, homes, secretary, system_actor):
    end_pair(actor=system_actor, pair=pairing_world.pair, ended_on=pairing_world.pair.started_on.replace(month=2),
             reason="干部调整")
    page = client_for(secretary).get(reverse("household-detail", args=[homes["SQ-0001"].pk])).content.decode()
    assert "于财" not in page
