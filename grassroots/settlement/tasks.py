"""The settlements' scheduled job (core/tasks.py SCHEDULE)."""

from django.utils import timezone

from grassroots.audit.context import Actor
from grassroots.rules.settlement import quarter_of
from grassroots.settlement.services import compute_settlements


def draft_last_quarter() -> dict:
    """A draft settlement for every village that has none for the quarter that ended last. Running it again
    (every hour) changes nothing once the drafts exist."""
    year, quarter = quarter_of(timezone.localdate())
    year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    result = compute_settlements(actor=Actor.system("tasks:settle"), year=year, quarter=quarter)
    return {"year": year, "quarter": quarter, **result}
