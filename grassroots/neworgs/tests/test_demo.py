"""The demo census loads through the services, covers with the joint branches, leaves a gap, and loads once."""

from datetime import date

import pytest

from grassroots.neworgs.demo import CENSUS, load_demo_neworgs
from grassroots.neworgs.models import Instructor, NewOrganisation
from grassroots.neworgs.selectors import four_registers
from grassroots.party.demo import NEW_ORGANISATION_BRANCHES
from grassroots.party.models import Organisation
from grassroots.party.services import create_organisation

pytestmark = pytest.mark.django_db


def test_the_demo_census(region, system_actor, org_staff):
    for code, name, host, host_name, founded in NEW_ORGANISATION_BRANCHES:
        create_organisation(actor=system_actor, name=name, kind=Organisation.Kind.BRANCH, area=region["乌丹镇"],
                            host=host, host_name=host_name, founded_on=founded, code=code)
    load_demo_neworgs(actor=system_actor)
    load_demo_neworgs(actor=system_actor)  # a second run changes nothing
    assert NewOrganisation.objects.count() == len(CENSUS) + 1 and Instructor.objects.count() == 15
    four = four_registers(org_staff, area=region["翁牛特旗"], day=date(2026, 12, 1))
    f = four.figures
    assert f.in_census == len(CENSUS)  # the closed one is not counted
    assert f.covering_organisations == 4 and f.covered == 11  # E02 covers five, E04 four
    assert f.uncovered_qualifying > 0 and f.qualifying > f.uncovered_qualifying
    assert {o.covering_code for o in four.built if o.covering_count > 1} == {"WNT-E02", "WNT-E04"}
    assert four.dispatched.count() > 10
    assert [o.code for o in four.newly_built] == ["WNT-E04"]  # founded 2026-04-18
