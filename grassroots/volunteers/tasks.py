"""The volunteer service's queued and scheduled jobs (core/tasks.py SCHEDULE)."""

from grassroots.audit.context import Actor
from grassroots.volunteers import services


def close_attendances() -> dict:
    """The automatic checkout and no-shows of ended activities. Safe to run twice or late."""
    return services.close_attendances(actor=Actor.system("tasks:volunteer-checkout"))


def propose_hours_claims(signup_ids: list[int] | None = None) -> dict:
    """Points claims for confirmed hours (the ones given, or every confirmed sign-up still without an outcome)."""
    return services.propose_hours_claims(actor=Actor.system("tasks:volunteer-hours"), signup_ids=signup_ids)
