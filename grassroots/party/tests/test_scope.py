"""Who reaches which organisation: area roles through the area an organisation sits in, an organisation secretary
through the organisation tree; refusals are 404 to strangers and 403 to those who may only look."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from grassroots.access.scope import access_organisation, require_organisation, visible_organisations
from grassroots.members.models import Membership
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation

pytestmark = pytest.mark.django_db


def names(user, capability=caps.VIEW):
    return set(visible_organisations(user, Organisation.objects.all(), capability).values_list("code", flat=True))


def test_a_village_secretary_sees_their_villages_branch_and_its_group(party_world, secretary):
    assert names(secretary) == {"T-SQ", "T-SQ1"}


def test_township_staff_see_the_township_and_county_staff_everything(party_world, township_staff, org_staff):
    assert names(township_staff) == {"T-WD", "T-SQ", "T-SQ1"}
    assert names(org_staff) == {"T-0001", "T-WD", "T-GD", "T-SQ", "T-SQ1", "T-GJ", "T-JY"}


def test_an_organisation_secretary_sees_their_organisation_and_nothing_of_the_area(party_world, unit_secretary):
    assert names(unit_secretary) == {"T-JY"}
    members = visible_organisations(unit_secretary, Membership.objects.all(), caps.VIEW, via="organisation__")
    assert {m.member.name for m in members} == {"高志远"}


def test_strangers_get_404_and_lookers_403(party_world, outsider, reader, secretary, grid_worker_of_saiqin):
    with pytest.raises(Http404):
        access_organisation(outsider, pk=party_world.saiqin.pk, capability=caps.VIEW)
    with pytest.raises(Http404):
        access_organisation(grid_worker_of_saiqin, pk=party_world.saiqin.pk, capability=caps.VIEW)
    assert access_organisation(reader, pk=party_world.saiqin.pk, capability=caps.VIEW) == party_world.saiqin
    with pytest.raises(PermissionDenied):
        require_organisation(reader, caps.RECORD, party_world.saiqin, seen_with=caps.VIEW)
    require_organisation(secretary, caps.RECORD, party_world.saiqin, seen_with=caps.VIEW)


@pytest.fixture
def grid_worker_of_saiqin(insider):
    """Grid workers keep the resident register but never see party membership."""
    return insider
