"""The pairing demo on the test region: cadres handed households, priority first; units with the villages; leaders
with secretaries; visits up to today with gaps; problems filed as routed demands, some solved; a second run changes
nothing."""

import pytest
from django.utils import timezone

from grassroots.demands.demo import load_demo_demands
from grassroots.demands.models import Demand
from grassroots.members.demo import load_demo_members
from grassroots.pairing.demo import load_demo_pairing
from grassroots.pairing.models import Pair, Problem, Visit
from grassroots.party.demo import load_demo_party
from grassroots.rules import pairing as rules

pytestmark = pytest.mark.django_db


def counts():
    return [Pair.objects.count(), Visit.objects.count(), Problem.objects.count(), Demand.objects.count()]


def test_the_demo_pairs_and_visits_load_once_with_gaps_to_show(homes, system_actor):
    load_demo_demands(actor=system_actor, count=0, progress=lambda *args: None)
    load_demo_party(actor=system_actor)
    load_demo_members(actor=system_actor)
    load_demo_pairing(actor=system_actor)
    first = counts()
    baolian = Pair.objects.filter(visitor_user__username="baolian", ended_on__isnull=True)
    assert baolian.filter(household__number="SQ-0001").exists()
    # Every household of the test village is handed out (five households, three cadres with room for ten each).
    assert Pair.objects.filter(kind=rules.CADRE_HOUSEHOLD, path__startswith=homes["SQ-0001"].village.path).count() == 5
    assert Pair.objects.filter(kind=rules.UNIT_AREA, area__code=homes["SQ-0001"].village.code).exists()
    assert Visit.objects.exists()
    assert not Visit.objects.filter(visited_on__gt=timezone.localdate()).exists()
    assert set(Demand.objects.filter(visit_problem__isnull=False).values_list("channel", flat=True)) <= {
        Demand.Channel.PAIRING_CADRE}
    load_demo_pairing(actor=system_actor)
    assert counts() == first
