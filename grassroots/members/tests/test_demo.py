"""The demo loader on the test region: flagged residents and unit members on the register, transfers that keep
everyone counted once, a secretary in every branch with members, and a second run that changes nothing."""

import pytest

from grassroots.members.demo import load_demo_members
from grassroots.members.models import HomeReport, Member, Membership, MobileContact, Post, Transfer
from grassroots.party.demo import load_demo_party
from grassroots.rules.membership import chain_problems

pytestmark = pytest.mark.django_db


def counts():
    return [m.objects.count() for m in (Member, Membership, Transfer, Post, MobileContact, HomeReport)]


def test_the_demo_register_is_consistent_and_loads_once(households, system_actor):
    load_demo_party(actor=system_actor)
    assert load_demo_members(actor=system_actor) > 40
    first = counts()
    assert Membership.objects.filter(ended_on__isnull=True, organisation__code__in=[
        "WNT-U01", "WNT-U02", "WNT-U03", "WNT-U04"]).count() >= 40
    assert Transfer.objects.exclude(to_outside="").get().status == "received"
    arrived = Transfer.objects.exclude(from_outside="").get()
    assert arrived.member.memberships.get().transfer_id == arrived.pk
    for member in Member.objects.prefetch_related("memberships"):
        assert chain_problems([(m.started_on, m.ended_on) for m in member.memberships.all()]) == [], member.name
    with_members = set(Membership.objects.filter(ended_on__isnull=True, organisation__kind="branch")
                       .values_list("organisation_id", flat=True))
    with_secretary = set(Post.objects.filter(title="secretary", ended_on__isnull=True)
                         .values_list("organisation_id", flat=True))
    assert with_members and with_members == with_secretary
    assert load_demo_members(actor=system_actor) == 0
    assert counts() == first
