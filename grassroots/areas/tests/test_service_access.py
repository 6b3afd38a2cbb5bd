"""The register's services refuse on their own (the API and the admin check first, for a nicer answer): an
outsider gets 404, a member who may only look gets 403."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from grassroots.areas import services
from grassroots.areas.models import Household, Person
from grassroots.audit.context import Actor


def actor(user):
    return Actor(user=user, name=user.username, ip="127.0.0.1")


@pytest.mark.parametrize(("who", "error"), [("outsider", Http404), ("reader", PermissionDenied)])
def test_writes_of_the_register(request, who, error, region, households):
    caller = actor(request.getfixturevalue(who))
    inside = households["inside"]
    person = inside.members.get(name="乌云毕力格")
    with pytest.raises(error):
        services.create_grid(actor=caller, village=region["赛沁塔拉嘎查"], name="第3网格", number=3)
    with pytest.raises(error):
        services.create_household(actor=caller, grid=region["赛沁塔拉嘎查1"], number="SQ-0009", address="x")
    with pytest.raises(error):
        services.add_person(actor=caller, household=inside, name="王五", gender="M", relation="child")
    with pytest.raises(error):
        services.update_person(actor=caller, person=person, mobile="13904760000")
    assert not Household.objects.filter(number="SQ-0009").exists()
    assert not Person.objects.filter(name="王五").exists()
    person.refresh_from_db()
    assert person.mobile == "13904761234"


def test_an_insider_writes(region, households, insider):
    grid_worker = actor(insider)
    household = services.create_household(actor=grid_worker, grid=region["赛沁塔拉嘎查1"], number="SQ-0009",
                                          address="赛沁塔拉嘎查一组9号")
    person = services.add_person(actor=grid_worker, household=household, name="王五", gender="M", relation="head")
    services.update_person(actor=grid_worker, person=person, mobile="13904760000")
    assert Person.objects.get(name="王五").mobile == "13904760000"
