"""The core writes every part builds on: a place or the waiting list, moving up on a cancel, check-in and
check-out, the automatic checkout, and confirmed hours as the only ones that count."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from grassroots.audit.context import Actor
from grassroots.volunteers import selectors, services
from grassroots.volunteers.models import SignUp, Volunteer
from grassroots.volunteers.testing import local

BEFORE = local(2026, 6, 1, 12)


def as_user(user):
    return Actor(user=user, name=user.username)


@pytest.fixture
def actors(volunteer_world):
    w = volunteer_world
    return {"leader": as_user(w.leader.user), "volunteer": as_user(w.volunteer.user),
            "stranger": as_user(w.stranger.user)}


def test_the_waiting_list_moves_up_when_a_place_is_given_up(volunteer_world, actors, system_actor):
    w = volunteer_world
    first = services.sign_up(actor=actors["volunteer"], activity=w.activity, volunteer=w.volunteer, now=BEFORE)
    second = services.sign_up(actor=actors["leader"], activity=w.activity, volunteer=w.leader, now=BEFORE)
    third = services.sign_up(actor=actors["stranger"], activity=w.activity, volunteer=w.stranger, now=BEFORE)
    assert [first.status, second.status, third.status] == ["signed", "signed", "waiting"]
    with pytest.raises(ValidationError, match="张秀兰已报名“走访独居老人”"):
        services.sign_up(actor=actors["volunteer"], activity=w.activity, volunteer=w.volunteer, now=BEFORE)

    services.cancel_sign_up(actor=actors["volunteer"], signup=first, now=BEFORE)

    third.refresh_from_db()
    assert third.status == SignUp.Status.SIGNED
    assert selectors.with_places(type(w.activity).objects.filter(pk=w.activity.pk)).get().signed == 2


def test_one_volunteer_cannot_sign_up_another(volunteer_world, actors):
    w = volunteer_world
    with pytest.raises((PermissionDenied, Http404)):
        services.sign_up(actor=actors["stranger"], activity=w.activity, volunteer=w.volunteer, now=BEFORE)


def test_hours_count_only_once_the_leader_confirms_them(volunteer_world, actors):
    w = volunteer_world
    signup = services.sign_up(actor=actors["volunteer"], activity=w.activity, volunteer=w.volunteer, now=BEFORE)
    services.check_in(actor=actors["volunteer"], signup=signup, now=local(2026, 6, 10, 8, 55))
    signup = services.check_out(actor=actors["volunteer"], signup=signup, now=local(2026, 6, 10, 11, 5))
    assert signup.minutes == 130
    assert selectors.confirmed_minutes(SignUp.objects.all()) == 0
    assert Volunteer.objects.get(pk=w.volunteer.pk).confirmed_minutes == 0

    with pytest.raises((PermissionDenied, Http404)):
        services.confirm_hours(actor=actors["volunteer"], minutes_by_signup={signup.pk: 600},
                               now=local(2026, 6, 10, 12))
    services.confirm_hours(actor=actors["leader"], minutes_by_signup={signup.pk: 120}, now=local(2026, 6, 10, 12))

    assert selectors.confirmed_minutes(SignUp.objects.all()) == 120
    assert Volunteer.objects.get(pk=w.volunteer.pk).confirmed_minutes == 120
    with pytest.raises(ValidationError, match="已确认"):
        services.confirm_hours(actor=actors["leader"], minutes_by_signup={signup.pk: 120}, now=local(2026, 6, 10, 12))


def test_a_forgotten_check_out_is_closed_at_the_end_and_flagged(volunteer_world, actors, system_actor):
    w = volunteer_world
    came = services.sign_up(actor=actors["volunteer"], activity=w.activity, volunteer=w.volunteer, now=BEFORE)
    absent = services.sign_up(actor=actors["leader"], activity=w.activity, volunteer=w.leader, now=BEFORE)
    services.check_in(actor=actors["volunteer"], signup=came, now=local(2026, 6, 10, 9, 30))

    assert services.close_attendances(actor=system_actor, now=local(2026, 6, 10, 12)) == {"closed": 0, "no_shows": 0}
    assert services.close_attendances(actor=system_actor, now=local(2026, 6, 10, 13, 1)) == {"closed": 1, "no_shows": 1}

    came.refresh_from_db()
    absent.refresh_from_db()
    assert (came.minutes, came.auto_checkout) == (90, True)
    assert absent.no_show
    assert services.close_attendances(actor=system_actor, now=local(2026, 6, 10, 14)) == {"closed": 0, "no_shows": 0}
