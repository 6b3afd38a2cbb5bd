"""Reads of the member registers. Every register can be asked "as of" a day and answers what it would have
answered that day (members/models.py: memberships are half-open spans of days)."""

from datetime import date

from django.db.models import Q, QuerySet

from grassroots.access.scope import visible_organisations
from grassroots.members.models import Membership
from grassroots.party import capabilities as caps


def on_day(day: date, *, prefix: str = "") -> Q:
    """Rows (memberships, or anything with started_on / ended_on) that cover ``day``."""
    return Q(**{f"{prefix}started_on__lte": day}) & (Q(**{f"{prefix}ended_on__isnull": True})
                                                    | Q(**{f"{prefix}ended_on__gt": day}))


def memberships_on(user, day: date, *, capability: str = caps.VIEW) -> QuerySet[Membership]:
    """The memberships the caller may see that cover ``day``: one row per member counted on that day."""
    return visible_organisations(user, Membership.objects.filter(on_day(day)), capability, via="organisation__")
