"""Building the roll-ups (``AreaDay``) from the raw records, and checking them against the raw records.

A build asks every section's sources for the flows of a span of days (and, when the span holds today, for the
states that stand now), adds each group to its area and every area above it (villages and up; a grid's rows count
for its village), and replaces the day rows of the span and the month rows of the months it touches in one
transaction: a reader sees the old figures or the new ones, never half. A past day keeps the state figures it was
built with (what stood then cannot be read back from the raw tables); its flows are rebuilt.
"""

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from grassroots.areas.models import Area, Level
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.dashboards.models import AreaDay, RollupRun
from grassroots.dashboards.sections import SECTIONS, is_state
from grassroots.rules.figures import month_starts
from grassroots.rules.paths import path_prefixes

# A scheduled refresh rebuilds today and yesterday (late postings, the last build before midnight).
REFRESH_DAYS = 2
BATCH = 2000


def _area_ids() -> dict[str, int]:
    """path → id of every area a figure is kept for: villages and every level above."""
    return dict(Area.objects.exclude(level=Level.GRID).values_list("path", "id"))


def compute(first: date, last: date, *, today: date) -> dict[tuple[int, date], Counter]:
    """The figures of every area on every day from ``first`` to ``last``, from the raw records: flows of each day,
    and for ``today`` (when in the span) the states that stand now. Nothing is written."""
    areas = _area_ids()
    totals: dict[tuple[int, date], Counter] = defaultdict(Counter)

    def add(path: str, day: date, metric: str, value: int) -> None:
        if not value:
            return
        for prefix in path_prefixes(path):
            area_id = areas.get(prefix)
            if area_id is not None:
                totals[(area_id, day)][metric] += value

    for section in SECTIONS:
        for path, day, metric, value in section.flows(first, last):
            add(path, day, metric, value)
        if first <= today <= last:
            for path, metric, value in section.states(today):
                add(path, today, metric, value)
    return totals


def _build(first: date, last: date, *, now: datetime, kind: str) -> RollupRun:
    today = timezone.localdate(now)
    run = RollupRun.objects.create(kind=kind, first_day=first, last_day=last, started_at=now)
    fresh = compute(first, last, today=today)
    paths = dict(Area.objects.exclude(level=Level.GRID).values_list("id", "path"))
    # What a past day stood at stays: a rebuild replaces only its flows.
    kept = {(area_id, day): {k: v for k, v in figures.items() if is_state(k)}
            for area_id, day, figures in AreaDay.objects.filter(day__range=(first, last), span=AreaDay.Span.DAY)
            .exclude(day=today).values_list("area_id", "day", "figures")}
    for key, states in kept.items():
        fresh[key].update(states)  # sources give no state for a past day, so nothing of the rebuild is overwritten
    built_at = timezone.now()
    AreaDay.objects.filter(day__range=(first, last), span=AreaDay.Span.DAY).delete()
    rows = [AreaDay(area_id=area_id, path=paths[area_id], span=AreaDay.Span.DAY, day=day,
                    figures=dict(figures), built_at=built_at)
            for (area_id, day), figures in fresh.items() if any(figures.values())]
    AreaDay.objects.bulk_create(rows, batch_size=BATCH)
    months = _rebuild_months(month_starts(first, last), paths=paths, built_at=built_at)
    run.finished_at = timezone.now()
    run.rows = len(rows) + months
    run.save(update_fields=["finished_at", "rows"])
    return run


def _rebuild_months(months: list[date], *, paths: dict[int, str], built_at: datetime) -> int:
    """The month rows of ``months`` from their day rows: flows summed, states of the month's last built day."""
    written = 0
    for first in months:
        end = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        sums: dict[int, Counter] = defaultdict(Counter)
        latest_states: dict[int, tuple[date, dict]] = {}
        for area_id, day, figures in (AreaDay.objects.filter(span=AreaDay.Span.DAY, day__range=(first, end))
                                      .values_list("area_id", "day", "figures").iterator(chunk_size=BATCH)):
            flows = {k: v for k, v in figures.items() if not is_state(k)}
            sums[area_id].update(flows)
            states = {k: v for k, v in figures.items() if is_state(k)}
            if states and (area_id not in latest_states or latest_states[area_id][0] < day):
                latest_states[area_id] = (day, states)
        for area_id, (_, states) in latest_states.items():
            sums[area_id].update(states)
        AreaDay.objects.filter(span=AreaDay.Span.MONTH, day=first).delete()
        rows = [AreaDay(area_id=area_id, path=paths[area_id], span=AreaDay.Span.MONTH, day=first,
                        figures=dict(figures), built_at=built_at)
                for area_id, figures in sums.items() if any(figures.values()) and area_id in paths]
        AreaDay.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
    return written


@transaction.atomic(durable=True)
def refresh_rollups(*, now: datetime | None = None) -> RollupRun:
    """The scheduled refresh: today and yesterday, from the raw records. A derived copy rebuilt every few minutes,
    so it writes no audit record (the run row says when and what)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return _build(today - timedelta(days=REFRESH_DAYS - 1), today, now=now, kind=RollupRun.Kind.REFRESH)


@transaction.atomic(durable=True)
def rebuild_rollups(*, actor: Actor, first: date, last: date, now: datetime | None = None) -> RollupRun:
    """Every day from ``first`` to ``last`` (and the months they touch) again from the raw records."""
    now = now or timezone.now()
    if last < first:
        raise ValueError("last before first")
    run = _build(first, last, now=now, kind=RollupRun.Kind.REBUILD)
    record(actor=actor, action="dashboards.rollup.rebuild", obj=run, area_path="",
           data={"first": first.isoformat(), "last": last.isoformat(), "rows": run.rows})
    return run
