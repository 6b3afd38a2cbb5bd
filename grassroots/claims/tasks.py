"""The claims' scheduled job (core/tasks.py SCHEDULE)."""

from grassroots.audit.context import Actor
from grassroots.claims.services import post_due_notices as post_due


def post_due_notices() -> dict:
    """Post every notice whose period ended with no open objection. Safe to run twice or late."""
    return post_due(actor=Actor.system("tasks:post-notices"))
