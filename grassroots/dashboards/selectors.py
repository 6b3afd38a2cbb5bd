"""Reading the roll-ups: an area's dashboard (its figures and its children's), trends, freshness; and the
comparison of the roll-ups with the raw records (``rollup_differences``)."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from math import ceil, sqrt

from django.db.models import Min
from django.utils import timezone

from grassroots.access.scope import scope_of
from grassroots.areas.models import Area, Level
from grassroots.dashboards import capabilities as caps
from grassroots.dashboards.models import AreaDay, RollupRun
from grassroots.dashboards.sections import SECTIONS, is_state
from grassroots.dashboards.sections.base import Section, Table, Tile
from grassroots.dashboards.services import compute
from grassroots.rules.charts import shade_levels
from grassroots.rules.figures import (
    Period,
    change_text,
    freshness_text,
    hours_text,
    month_period,
    month_starts,
    ratio_percent,
    yuan_text,
)


@dataclass
class Figures:
    """An area's figures over a period (flows summed, states at its last build) and over the period before."""

    now: Counter = field(default_factory=Counter)
    before: Counter = field(default_factory=Counter)


@dataclass
class TileValue:
    tile: Tile
    value: int | None
    text: str
    change: str
    href: str | None


@dataclass
class SectionView:
    section: Section
    tiles: list[TileValue]
    tables: list[Table]


@dataclass
class Dashboard:
    area: Area
    period: Period
    trail: list[Area]
    children: list[Area]
    sections: list[SectionView]
    child_figures: dict[int, Counter]
    built_at: datetime | None
    freshness: str
    may_export: bool


def _uses_months(period: Period) -> bool:
    return period.key in ("month", "year")


def figures_of(area_ids: list[int], period: Period) -> dict[int, Figures]:
    """Each area's ``Figures``: one query over day rows (a week) or month rows (a month, a year)."""
    result: dict[int, Figures] = {area_id: Figures() for area_id in area_ids}
    if _uses_months(period):
        rows = AreaDay.objects.filter(area_id__in=area_ids, span=AreaDay.Span.MONTH,
                                      day__in=period.months + period.previous_months)
        current = set(period.months)
    else:
        rows = AreaDay.objects.filter(area_id__in=area_ids, span=AreaDay.Span.DAY,
                                      day__range=(period.previous_start, period.end))
        current = None
    latest: dict[tuple[int, bool], date] = {}
    for area_id, day, figures in rows.values_list("area_id", "day", "figures"):
        is_now = day in current if current is not None else day >= period.start
        target = result[area_id].now if is_now else result[area_id].before
        for key, value in figures.items():
            if not is_state(key):
                target[key] += value
        states = {k: v for k, v in figures.items() if is_state(k)}
        if states and latest.get((area_id, is_now), date.min) < day:
            latest[(area_id, is_now)] = day
            for key in [k for k in target if is_state(k)]:
                target.pop(key, None)
            target.update(states)
    return result


def tile_value(tile: Tile, figures: Figures) -> tuple[int | None, str, str]:
    """The tile's number, as text, and its change against the period before."""
    if tile.kind == "ratio":
        now = ratio_percent(figures.now[tile.source], figures.now[tile.denominator])
        before = ratio_percent(figures.before[tile.source], figures.before[tile.denominator])
        return now, ("—" if now is None else f"{now}%"), change_text(now, before, unit="个百分点")
    now, before = figures.now[tile.source], figures.before[tile.source]
    if tile.scale == "hours":
        return now, hours_text(now), change_text(int(hours_text(now).split(".")[0]),
                                                  int(hours_text(before).split(".")[0]))
    if tile.scale == "yuan":
        return now, yuan_text(now), change_text(now // 100, before // 100)
    return now, f"{now:,}", change_text(now, before)


def last_built(day: date) -> datetime | None:
    """When the roll-ups holding ``day`` were last built."""
    run = (RollupRun.objects.filter(first_day__lte=day, last_day__gte=day, finished_at__isnull=False)
           .order_by("-finished_at").values_list("finished_at", flat=True).first())
    return run


def visible_sections(user, area: Area) -> list[Section]:
    scope = scope_of(user)
    return [s for s in SECTIONS if scope.can(s.capability, area.path)]


def visible_children(user, area: Area) -> list[Area]:
    """The children a drill-down offers: villages and up, only those the caller may open."""
    scope = scope_of(user)
    if area.level == Level.VILLAGE:
        return []
    return [c for c in Area.objects.filter(parent=area).exclude(level=Level.GRID).order_by("code")
            if scope.can(caps.VIEW, c.path)]


def visible_trail(user, area: Area) -> list[Area]:
    """The areas above ``area`` the caller may open (the way back up), root first."""
    scope = scope_of(user)
    return [a for a in area.ancestors() if a.pk != area.pk and scope.can(caps.VIEW, a.path)]


def dashboard(user, area: Area, period: Period, *, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard page shows of ``area`` (which the caller may view: ``access_area``)."""
    now = now or timezone.now()
    children = visible_children(user, area)
    figures = figures_of([area.pk, *(c.pk for c in children)], period)
    sections = []
    for section in visible_sections(user, area):
        tiles = []
        for tile in section.tiles:
            value, text, change = tile_value(tile, figures[area.pk])
            tiles.append(TileValue(tile, value, text, change, tile.list_url(area, period) if tile.list_url else None))
        tables = section.tables(user, area, period) if section.tables else []
        sections.append(SectionView(section, tiles, tables))
    built_at = last_built(period.end)
    return Dashboard(area=area, period=period, trail=visible_trail(user, area), children=children,
                     sections=sections, child_figures={c.pk: figures[c.pk].now for c in children},
                     built_at=built_at, freshness=freshness_text(built_at, now),
                     may_export=scope_of(user).can(caps.EXPORT, area.path))


def child_table(board: Dashboard) -> Table:
    """The children with every tile's figure over the period (the drill-down table; it exports as it shows)."""
    tiles = [t for s in board.sections for t in s.section.tiles]
    headers = ["区域", *(f"{t.label}" + (f"（{t.unit}）" if t.unit else "") for t in tiles)]
    rows = []
    for child in board.children:
        fig = Figures(now=board.child_figures[child.pk])
        rows.append([child.name, *(tile_value(t, fig)[1] for t in tiles)])
    return Table(key="children", title=f"{board.area.name}下级区域（{board.period.label}）", headers=headers, rows=rows)


# ---------------------------------------------------------------------------------------------- roll-ups vs raw


def rollup_differences(first: date, last: date, *, today: date | None = None) -> list[str]:
    """Where the stored day rows differ from the raw records, in words (empty: they agree). Flows are compared on
    every day; states on today only, and only when today's rows were built after the last change."""
    today = today or timezone.localdate()
    fresh = compute(first, last, today=today)
    stored: dict[tuple[int, date], dict] = {
        (a, d): f for a, d, f in AreaDay.objects.filter(span=AreaDay.Span.DAY, day__range=(first, last))
        .values_list("area_id", "day", "figures")}
    names = dict(Area.objects.exclude(level=Level.GRID).values_list("id", "name"))
    problems = []
    for key in sorted(set(fresh) | set(stored), key=lambda k: (k[1], k[0])):
        area_id, day = key
        want, have = fresh.get(key, Counter()), stored.get(key, {})
        for metric in sorted(set(want) | set(have)):
            if is_state(metric) and day != today:
                continue
            if want.get(metric, 0) != have.get(metric, 0):
                problems.append(f"{names.get(area_id, area_id)} {day} {metric}：汇总 {have.get(metric, 0)}，"
                                f"原始记录 {want.get(metric, 0)}")
    return problems


# ---------------------------------------------------------------------------------------------- charts, big screen
# and briefing: reads of AreaDay only, a constant number of queries whatever the area's size.


def chart_number(tile: Tile, value: int | None) -> float | int | None:
    """A tile's figure as a chart draws it: hours for minutes, yuan for fen, the percent of a ratio."""
    if value is None:
        return None
    if tile.scale == "hours":
        return round(value / 60, 1)
    if tile.scale == "yuan":
        return round(value / 100, 2)
    return value


def chart_tiles(board: Dashboard) -> list[Tile]:
    return [t.tile for s in board.sections for t in s.tiles]


def trend(area: Area, period: Period) -> list[tuple[str, Counter]]:
    """The area's figures along time, oldest first, in one query: the period's days for a week, the last 12 months
    (month roll-ups, up to the period's month) for a month or a year. Each point: (label, figures), states as built
    on that day or the month's last built day, flows of that day or month."""
    if _uses_months(period):
        months = month_starts(_months_back(period.end.replace(day=1), 11), period.end)
        rows = dict(AreaDay.objects.filter(area=area, span=AreaDay.Span.MONTH, day__in=months)
                    .values_list("day", "figures"))
        return [(f"{m.year % 100:02d}年{m.month}月" if m.month == 1 or i == 0 else f"{m.month}月",
                 Counter(rows.get(m, {}))) for i, m in enumerate(months)]
    days = [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)]
    rows = dict(AreaDay.objects.filter(area=area, span=AreaDay.Span.DAY, day__range=(period.start, period.end))
                .values_list("day", "figures"))
    return [(f"{d.month}/{d.day}", Counter(rows.get(d, {}))) for d in days]


def _months_back(first: date, n: int) -> date:
    year, month = divmod(first.year * 12 + first.month - 1 - n, 12)
    return date(year, month + 1, 1)


def charts(board: Dashboard, *, map_key: str | None = None) -> dict:
    """What the charts draw, as JSON-ready data: the area's trend per tile, the children compared per tile, and the
    tile grid of the children coloured by ``map_key`` (a tile's key; the first tile when absent or unknown).
    One query (the trend) beyond what ``dashboard`` read."""
    tiles = chart_tiles(board)
    points = trend(board.area, board.period)
    series = []
    for tile in tiles:
        series.append({"key": tile.key, "name": tile.label + (f"（{_chart_unit(tile)}）" if _chart_unit(tile) else ""),
                       "trend": [chart_number(tile, tile_value(tile, Figures(now=f))[0]) for _, f in points],
                       "children": [chart_number(tile, tile_value(tile, Figures(now=board.child_figures[c.pk]))[0])
                                    for c in board.children]})
    return {"labels": [label for label, _ in points],
            "trend_title": "每日" if not _uses_months(board.period) else "近12个月",
            "children": [{"code": c.code, "name": c.name} for c in board.children],
            "series": series, "map": tile_grid(board, tiles, map_key)}


def _chart_unit(tile: Tile) -> str:
    if tile.kind == "ratio":
        return "%"
    return {"hours": "小时", "yuan": "元"}.get(tile.scale, tile.unit)


def tile_grid(board: Dashboard, tiles: list[Tile], map_key: str | None) -> dict:
    """The children as a grid of tiles (no boundary file covers a banner's townships or villages; docs/dashboards.md),
    each shaded by its figure of the chosen tile: a near-square grid in the order of the division codes."""
    tile = next((t for t in tiles if t.key == map_key), tiles[0] if tiles else None)
    if tile is None or not board.children:
        return {"key": "", "label": "", "columns": 0, "cells": []}
    values = [tile_value(tile, Figures(now=board.child_figures[c.pk])) for c in board.children]
    levels = shade_levels([v for v, _, _ in values])
    columns = max(1, ceil(sqrt(len(board.children))))
    return {"key": tile.key, "label": tile.label, "unit": _chart_unit(tile), "columns": columns,
            "cells": [{"code": c.code, "name": c.name, "text": text, "level": level}
                      for c, (_, text, _), level in zip(board.children, values, levels, strict=True)]}


def screen_figures(board: Dashboard, *, map_key: str | None = None) -> dict:
    """The big screen's figures as JSON (its refresh): the same sections and tiles as the dashboard, the charts and
    how fresh they are."""
    return {
        "area": {"code": board.area.code, "name": board.area.name},
        "period": {"key": board.period.key, "label": board.period.label,
                   "previous": board.period.previous_label,
                   "start": board.period.start.isoformat(), "end": board.period.end.isoformat()},
        "built_at": board.built_at.isoformat() if board.built_at else None,
        "freshness": board.freshness,
        "sections": [{"key": s.section.key, "label": s.section.label,
                      "tiles": [{"key": t.tile.key, "label": t.tile.label, "unit": t.tile.unit, "text": t.text,
                                 "change": t.change, "alarm": bool(t.tile.alarm and t.value)} for t in s.tiles]}
                     for s in board.sections],
        "charts": charts(board, map_key=map_key),
    }


@dataclass
class BriefingLine:
    tile: Tile
    now: str
    before: str
    change: str


@dataclass
class Briefing:
    board: Dashboard
    lines: dict[str, list[BriefingLine]]  # section key → its tiles: this month, last month, the change
    bars: list[tuple[Tile, list[tuple[str, float]]]]  # each section's main tile, the children's figures


def briefing(user, area: Area, first: date, *, now: datetime | None = None) -> Briefing:
    """The monthly briefing of ``area`` for the month starting ``first``: the dashboard of that whole month (month
    roll-ups) with last month's figures beside it, and the children compared on each section's main figure."""
    board = dashboard(user, area, month_period(first), now=now)
    figures = figures_of([area.pk], board.period)[area.pk]
    lines = {}
    for s in board.sections:
        lines[s.section.key] = [
            BriefingLine(t.tile, t.text, tile_value(t.tile, Figures(now=figures.before))[1], t.change)
            for t in s.tiles]
    bars = []
    for s in board.sections:
        if s.tiles and board.children:
            tile = s.tiles[0].tile
            bars.append((tile, [(c.name, chart_number(tile, tile_value(tile, Figures(now=board.child_figures[c.pk]))[0])
                                 or 0) for c in board.children]))
    return Briefing(board=board, lines=lines, bars=bars)


def first_data_month() -> date | None:
    """The first month the platform holds figures for (the earliest month roll-up), None before any."""
    return AreaDay.objects.filter(span=AreaDay.Span.MONTH).aggregate(first=Min("day"))["first"]
