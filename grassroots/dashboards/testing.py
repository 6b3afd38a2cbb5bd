"""Test helpers of the dashboards: the roll-ups built as the worker builds them, and compared with the raw records
(the accounts at each level are fixtures in grassroots/conftest.py)."""

from django.utils import timezone

from grassroots.dashboards import selectors, services


def refresh(now=None):
    """The scheduled refresh, as the worker runs it."""
    return services.refresh_rollups(now=now)


def rollups_match_raw(first=None, last=None) -> list[str]:
    """Where the stored roll-ups differ from the raw records (empty: they agree)."""
    today = timezone.localdate()
    return selectors.rollup_differences(first or today.replace(day=1), last or today, today=today)
