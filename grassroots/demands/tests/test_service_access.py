"""The services refuse on their own, whatever page or route calls them: an outsider gets 404 (the demand does
not exist for them), a member who may see it but not act on it gets 403. The pages' own checks (test_access.py)
only come first, for a nicer answer."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from grassroots.audit.context import Actor
from grassroots.demands import services
from grassroots.demands.models import Demand, WishClaim


def actor(user):
    return Actor(user=user, name=user.username, ip="127.0.0.1")


@pytest.fixture
def demand(make_demand):
    return make_demand(category="seeds")


@pytest.fixture
def wish(make_demand):
    return make_demand("想要一副老花镜", kind="wish", category="wish-life")


def refused(call, **kwargs) -> int:
    try:
        call(**kwargs)
    except Http404:
        return 404
    except PermissionDenied:
        return 403
    return 200


def test_route(demand, units, outsider, reader, secretary):
    route = dict(demand=demand, lead_unit=units["jyzx"], reason="转就业服务中心")
    assert refused(services.change_route, actor=actor(outsider), **route) == 404
    assert refused(services.change_route, actor=actor(reader), **route) == 403
    assert refused(services.change_route, actor=actor(secretary), **route) == 200


def test_handle(demand, outsider, reader, handler, other_handler, stranger_handler):
    assert refused(services.handle, actor=actor(outsider), demand=demand, action="accept") == 404
    assert refused(services.handle, actor=actor(stranger_handler), demand=demand, action="accept") == 404
    assert refused(services.handle, actor=actor(reader), demand=demand, action="accept") == 403
    assert refused(services.handle, actor=actor(other_handler), demand=demand, action="accept") == 403
    assert refused(services.handle, actor=actor(other_handler), demand=demand, action="note", note="已备货") == 200
    assert refused(services.handle, actor=actor(handler), demand=demand, action="accept") == 200


def test_callback_rating(demand, system_actor, outsider, reader, insider):
    services.handle(actor=system_actor, demand=demand, action="resolve", note="已送达")
    for who, expected in ((outsider, 404), (reader, 403)):
        assert refused(services.rate, actor=actor(who), demand=demand, rating=5, source="callback") == expected
    assert refused(services.rate, actor=actor(insider), demand=demand, rating=5, source="callback") == 200
    assert demand.feedbacks.get().source == "callback"


def test_a_residents_own_rating_needs_no_role(demand, system_actor):
    services.handle(actor=system_actor, demand=demand, action="resolve", note="已送达")
    anonymous = Actor(user=None, name="匿名")
    assert refused(services.rate, actor=anonymous, demand=demand, rating=4) == 200


def test_claim(wish, units, outsider, county_admin, cashier, handler, insider):
    assert refused(services.claim_wish, actor=actor(outsider), demand=wish) == 404
    assert refused(services.claim_wish, actor=actor(cashier), demand=wish) == 404  # sees no demands
    assert refused(services.claim_wish, actor=actor(county_admin), demand=wish) == 403  # sees it, claims nothing
    assert refused(services.claim_wish, actor=actor(handler), demand=wish, unit=units["gxs"]) == 404  # not theirs
    assert refused(services.claim_wish, actor=actor(insider), demand=wish) == 200
    assert WishClaim.objects.get().user == insider


def test_release_and_fulfil(wish, insider, outsider, reader):
    claim = services.claim_wish(actor=actor(insider), demand=wish)
    for call, extra in ((services.release_claim, {}), (services.fulfil_claim, {"note": "送到了"})):
        assert refused(call, actor=actor(outsider), claim=claim, **extra) == 404
        assert refused(call, actor=actor(reader), claim=claim, **extra) == 403
    assert refused(services.fulfil_claim, actor=actor(insider), claim=claim, note="送到了") == 200


def test_recording_a_demand(region, categories, responsibilities, outsider, reader, insider):
    filing = dict(kind="demand", text="牧民需要玉米种子", area=region["赛沁塔拉嘎查1"], channel="grid_worker")
    assert refused(services.create_demand, actor=actor(outsider), **filing) == 404
    assert refused(services.create_demand, actor=actor(reader), **filing) == 403
    assert refused(services.create_demand, actor=actor(insider), **filing) == 200
    public = {**filing, "channel": "public"}
    assert refused(services.create_demand, actor=Actor(user=None, name="匿名"), **public) == 200
    assert Demand.objects.count() == 2


def test_configuration(region, units, categories, outsider, reader, county_admin):
    unit = dict(code="sq-hzs", name="赛沁塔拉合作社", area=region["赛沁塔拉嘎查"])
    assert refused(services.create_unit, actor=actor(outsider), **unit) == 404
    assert refused(services.create_unit, actor=actor(reader), **unit) == 403
    line = dict(category=categories["roads"], area=region["赛沁塔拉嘎查"], lead_unit=units["jtj"])
    assert refused(services.set_responsibility, actor=actor(outsider), **line) == 404
    assert refused(services.set_responsibility, actor=actor(reader), **line) == 403
    member = dict(unit=units["nmj"], user=reader)  # a banner bureau: above the village, not in the reader's areas
    assert refused(services.add_unit_member, actor=actor(reader), **member) == 404
    assert refused(services.create_category, actor=actor(reader), code="c", name="新分类") == 403
    assert refused(services.create_unit, actor=actor(county_admin), **unit) == 200
