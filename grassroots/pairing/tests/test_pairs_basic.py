"""Setting up a pair: the sides the kind asks for, its scope, once while open."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from grassroots.access.scope import access_pair, access_paired_household, visible_pairs
from grassroots.pairing.models import Pair
from grassroots.pairing.services import create_pair
from grassroots.rules import pairing as rules


def test_the_world_pairs_each_cadre_with_one_household_and_the_unit_with_the_village(pairing_world, homes):
    assert pairing_world.pair.household == homes["SQ-0001"]
    assert pairing_world.pair.path == homes["SQ-0001"].path
    assert pairing_world.unit_pair.path.endswith("/")


def test_the_same_sides_cannot_be_paired_twice_while_open(pairing_world, homes, system_actor):
    with pytest.raises(ValidationError, match="已有进行中"):
        create_pair(actor=system_actor, kind=rules.CADRE_HOUSEHOLD, visitor=pairing_world.cadre,
                    target=homes["SQ-0001"], started_on=date(2026, 3, 1))


def test_a_kind_refuses_the_wrong_sides(pairing_world, region, system_actor):
    with pytest.raises(ValidationError, match="联系户"):
        create_pair(actor=system_actor, kind=rules.CADRE_HOUSEHOLD, visitor=pairing_world.cadre,
                    target=region["赛沁塔拉嘎查"], started_on=date(2026, 3, 1))


def test_a_cadre_reaches_their_own_pair_and_household_and_nothing_else(pairing_world, homes, secretary, outsider):
    cadre = pairing_world.cadre
    assert set(visible_pairs(cadre, Pair.objects.all())) == {pairing_world.pair}
    assert access_pair(cadre, pk=pairing_world.pair.pk) == pairing_world.pair
    assert access_paired_household(cadre, pk=homes["SQ-0001"].pk, day=date(2026, 6, 1)) == homes["SQ-0001"]
    with pytest.raises(Http404):
        access_pair(cadre, pk=pairing_world.other_pair.pk)
    with pytest.raises(Http404):
        access_paired_household(cadre, pk=homes["SQ-0004"].pk, day=date(2026, 6, 1))
    with pytest.raises(Http404):  # not before the pair began
        access_paired_household(cadre, pk=homes["SQ-0001"].pk, day=date(2025, 12, 31))
    assert set(visible_pairs(secretary, Pair.objects.all())) == {pairing_world.pair, pairing_world.other_pair,
                                                                 pairing_world.unit_pair}
    assert not visible_pairs(outsider, Pair.objects.all()).exists()
    assert set(visible_pairs(pairing_world.unit_staff, Pair.objects.all())) == {pairing_world.unit_pair}
