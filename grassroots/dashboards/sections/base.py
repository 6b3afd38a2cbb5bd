"""The shapes every dashboard section is made of (``sections/__init__.py`` lists the sections).

What a dashboard shows, section by section: the metrics each app's raw tables give (as flows per day and as the
state that stands now), and the tiles that show them with the list behind each number.

Each section module (``points``, ``demands``, ``shop``, ``pairing``, ``volunteers``, ``party``) defines ``SECTION``.
A source groups its raw rows by the area they belong to with ``village_path(field)``: rows deeper than a village
(a grid's households) count for their village, rows of a township or county for that area; the builder
(``dashboards.services``) adds each group to its area and to every area above it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models.functions import Substr

from grassroots.areas.models import Area
from grassroots.rules.figures import Period

FLOW = "flow"    # what happened on a day; a period's figure is the sum of its days
STATE = "state"  # what stood at the day's last build (open demands, redeemable points); a period shows its last day

# A village's path is five codes of 12 digits, each followed by "/": the first 65 characters of any path inside it.
VILLAGE_PATH_LENGTH = 5 * len("150000000000/")

# (path, day, metric, value): a flow of one area (or anything deeper) on one day.
FlowRow = tuple[str, date, str, int]
# (path, metric, value): a state of one area (or anything deeper) now.
StateRow = tuple[str, str, int]


def village_path(field_name: str = "path"):
    """The path of the village a row lies in (or the row's own path when it belongs to a township or above): what a
    source groups by, so that a year of a league's rows folds in a few thousand groups per day."""
    return Substr(field_name, 1, VILLAGE_PATH_LENGTH)


@dataclass(frozen=True)
class Tile:
    """One number on the dashboard.

    ``kind``: FLOW sums ``metric`` over the period; STATE reads it at the period's last build; "ratio" is
    ``metric`` / ``denominator`` as a percent over the period. ``scale``: "hours" shows minutes as hours, "yuan"
    fen as yuan. ``list_url(area, period)`` is the scoped page that lists what the number counts (None: no list).
    ``alarm``: a positive figure is drawn as needing action (overdue, low stock)."""

    key: str
    label: str
    unit: str = ""
    kind: str = FLOW
    metric: str = ""
    denominator: str = ""
    scale: str = ""
    list_url: Callable[[Area, Period], str | None] | None = None
    alarm: bool = False

    @property
    def source(self) -> str:
        return self.metric or self.key


@dataclass(frozen=True)
class Table:
    """A table a section adds under its tiles (e.g. overdue demands by unit); each exports to Excel."""

    key: str
    title: str
    headers: list[str]
    rows: list[list]

    @property
    def labelled_rows(self) -> list[list[tuple[str, object]]]:
        """Each row's cells with their column's header (a phone shows a row as a card of labelled values)."""
        return [list(zip(self.headers, row, strict=False)) for row in self.rows]


@dataclass(frozen=True)
class Section:
    """One app's part of the dashboard. ``capability``: the section shows to a caller holding it on the area.
    ``metrics``: every metric key the section's sources give → FLOW or STATE. ``flows(first, last)`` and
    ``states(today)`` read the raw tables; ``tables(user, area, period)`` gives extra tables (optional)."""

    key: str
    label: str
    capability: str
    metrics: dict[str, str]
    tiles: tuple[Tile, ...]
    flows: Callable[[date, date], Iterable[FlowRow]] = lambda first, last: ()
    states: Callable[[date], Iterable[StateRow]] = lambda today: ()
    tables: Callable[..., list[Table]] | None = None
    # Keys made at build time (one per unit …) that are states: every key starting with one of these.
    state_prefixes: tuple[str, ...] = ()
