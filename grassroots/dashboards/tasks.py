"""The dashboards' scheduled job (core/tasks.py SCHEDULE)."""

from grassroots.dashboards import services


def refresh_rollups() -> dict:
    """Today's and yesterday's figures again from the raw records. Safe to run twice or late."""
    run = services.refresh_rollups()
    return {"rows": run.rows, "first": run.first_day.isoformat(), "last": run.last_day.isoformat()}
