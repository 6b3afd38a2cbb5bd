import pytest

from grassroots.audit.context import Actor
from grassroots.conftest import _account, client_for


@pytest.fixture
def catalogue(region, system_actor):
    from grassroots.points.demo import load_seed_rules

    return load_seed_rules(actor=system_actor, village=region["赛沁塔拉嘎查"], county=region["翁牛特旗"])


@pytest.fixture
def rules(catalogue):
    return {r.code: r for r in catalogue.rules.all()}


@pytest.fixture
def people(households):
    from grassroots.areas.models import Person

    return {p.name: p for p in Person.objects.all()}


@pytest.fixture
def committee(region, system_actor):
    return _account("committee", "village_committee_member", region["赛沁塔拉嘎查"], system_actor)


@pytest.fixture
def cashier(region, system_actor):
    """Sees the village's points, may change nothing: the read-only member for points."""
    return _account("cashier", "cashier", region["赛沁塔拉嘎查"], system_actor)


@pytest.fixture
def as_committee(committee):
    return client_for(committee)


@pytest.fixture
def as_cashier(cashier):
    return client_for(cashier)


def actor(user):
    return Actor(user=user, name=user.username, ip="127.0.0.1")
