"""What the members tests share (plain helpers; fixtures are in grassroots/conftest.py)."""

from datetime import date, timedelta

from grassroots.audit.context import Actor
from grassroots.members.models import Membership
from grassroots.members.selectors import on_day


def actor_for(user) -> Actor:
    return Actor(user=user, name=user.get_username())


def days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def counted_in(member, day: date) -> list[str]:
    """The codes of the organisations that count ``member`` on ``day`` (exactly one when the register is right)."""
    return list(Membership.objects.filter(on_day(day), member=member).values_list("organisation__code", flat=True))
