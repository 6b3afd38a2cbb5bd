"""三会一课 and 主题党日: the rhythm each party organisation must keep, and the status of every period of a year.

No Django here. The rule used (the 《中国共产党支部工作条例（试行）》 rhythm, as the county applies it):

- A 党支部 (not a cloud branch) owes: 支部党员大会 once a quarter, 支委会 once a month, 党课 once a quarter,
  主题党日 once a month.
- A 党委 or 党总支 owes the same, but only when it keeps members of its own (a community 党委 whose members are
  on its own register); a township 党委 whose members all sit in its branches owes nothing itself.
- A 党小组 owes a 党小组会 once a month.
- A cloud branch (云支部) owes nothing: its members' meetings are their home organisation's.
- A period is owed only when the organisation existed for the whole of it: founded on or before its first day
  and not dissolved on or before its last day. So the month an organisation was founded or dissolved in, and
  every period after its dissolution, are "not owed" (a dissolved organisation owes nothing from then on); a
  meeting held in such a period still shows as held.

Status of a period, given the days meetings of the kind were held and today:
held (a meeting of the kind was held in it) · due (the current period, not held yet) · overdue (a past period
not held) · upcoming (a period not begun yet) · not owed (see above).
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

MONTH = "month"
QUARTER = "quarter"

BRANCH_ASSEMBLY = "branch_assembly"
BRANCH_COMMITTEE = "branch_committee"
GROUP_MEETING = "group_meeting"
PARTY_LECTURE = "party_lecture"
THEME_DAY = "theme_day"

KIND_LABELS = {BRANCH_ASSEMBLY: "支部党员大会", BRANCH_COMMITTEE: "支委会", GROUP_MEETING: "党小组会",
               PARTY_LECTURE: "党课", THEME_DAY: "主题党日"}

# (meeting kind, how often), in the order a register lists them.
BRANCH_RHYTHM: tuple[tuple[str, str], ...] = (
    (BRANCH_ASSEMBLY, QUARTER), (BRANCH_COMMITTEE, MONTH), (PARTY_LECTURE, QUARTER), (THEME_DAY, MONTH))
GROUP_RHYTHM: tuple[tuple[str, str], ...] = ((GROUP_MEETING, MONTH),)

HELD = "held"
DUE = "due"
OVERDUE = "overdue"
UPCOMING = "upcoming"
NOT_OWED = "not_owed"
STATUS_LABELS = {HELD: "已开", DUE: "待开", OVERDUE: "逾期未开", UPCOMING: "未到期", NOT_OWED: "不需开"}
COUNTED = (HELD, DUE, OVERDUE)  # what the totals report


def rhythm(organisation_kind: str, *, is_cloud_branch: bool = False,
           has_own_members: bool = False) -> tuple[tuple[str, str], ...]:
    """The (meeting kind, frequency) pairs an organisation of ``organisation_kind`` owes (see the module)."""
    if is_cloud_branch:
        return ()
    if organisation_kind == "branch":
        return BRANCH_RHYTHM
    if organisation_kind == "group":
        return GROUP_RHYTHM
    if organisation_kind in ("committee", "general_branch") and has_own_members:
        return BRANCH_RHYTHM
    return ()


@dataclass(frozen=True, slots=True)
class Period:
    frequency: str
    year: int
    number: int  # month 1–12, or quarter 1–4
    start: date
    end: date  # the last day

    @property
    def label(self) -> str:
        return f"{self.number}月" if self.frequency == MONTH else f"{'一二三四'[self.number - 1]}季度"

    @property
    def key(self) -> str:
        return f"{self.year}-{self.number:02d}" if self.frequency == MONTH else f"{self.year}-Q{self.number}"


def _month_end(year: int, month: int) -> date:
    return (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)


def period(year: int, frequency: str, number: int) -> Period:
    if frequency == MONTH:
        if not 1 <= number <= 12:
            raise ValueError("月份须为1到12")
        return Period(MONTH, year, number, date(year, number, 1), _month_end(year, number))
    if frequency == QUARTER:
        if not 1 <= number <= 4:
            raise ValueError("季度须为1到4")
        return Period(QUARTER, year, number, date(year, 3 * number - 2, 1), _month_end(year, 3 * number))
    raise ValueError(f"unknown frequency {frequency!r}")


@lru_cache(maxsize=32)
def periods(year: int, frequency: str) -> tuple[Period, ...]:
    """The months (12) or quarters (4) of ``year`` (kept: a county's compliance asks for them per organisation)."""
    return tuple(period(year, frequency, n) for n in range(1, (12 if frequency == MONTH else 4) + 1))


def period_number(month: int, frequency: str) -> int:
    """The period of ``frequency`` a month (1–12) falls in."""
    return month if frequency == MONTH else (month - 1) // 3 + 1


def is_owed(p: Period, *, founded_on: date, dissolved_on: date | None) -> bool:
    return founded_on <= p.start and (dissolved_on is None or dissolved_on > p.end)


def status_of(p: Period, *, held: bool, founded_on: date, dissolved_on: date | None, today: date) -> str:
    if held:
        return HELD
    if not is_owed(p, founded_on=founded_on, dissolved_on=dissolved_on):
        return NOT_OWED
    if p.start > today:
        return UPCOMING
    if p.end >= today:
        return DUE
    return OVERDUE


def statuses(*, year: int, frequency: str, held_months: Iterable[int], founded_on: date,
             dissolved_on: date | None, today: date) -> list[tuple[Period, str]]:
    """Each period of ``year`` with its status, given the months (1–12) of ``year`` a meeting was held in."""
    held = {period_number(m, frequency) for m in held_months}
    return [(p, status_of(p, held=p.number in held, founded_on=founded_on, dissolved_on=dissolved_on, today=today))
            for p in periods(year, frequency)]


def tally(found: Iterable[str]) -> dict[str, int]:
    """Counts of held / due / overdue (the statuses the totals report)."""
    counts = Counter(found)
    return {s: counts.get(s, 0) for s in COUNTED}
