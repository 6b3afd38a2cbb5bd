"""包联 · 结对 · 走访: the kinds of pair, the visit rhythm of each, and the ONE definition of due / overdue / missed.

No Django here. Every page, count, reminder, export and API answer about whether a pair's visit is due asks
``windows`` (or ``window_on``); nothing else decides it.

The rule, as the county applies it:

- Each kind of pair has a rhythm: monthly or quarterly, on the calendar (months; quarters from January).
  Each period is one **window** of a pair: it opens on the period's first day (``opens``, the earliest a visit
  counts for it), becomes **due** ``LEAD_DAYS`` before its last day (``due_from``; it shows on "due this week"
  lists from then), ends on the period's last day (``ends``), and after that is **overdue** for ``GRACE_DAYS``
  (``grace_until``): a visit in the grace days still counts for it, as late. After the grace it is **missed**.
- A window is **owed** only when the pair was in force for all of its due part: started on or before
  ``due_from`` and not ended on or before ``ends`` (``ended_on`` is the first day the pair no longer holds). So
  a pair set up in the last days of a month owes nothing that month, and a pair that ended mid-window owes
  nothing for it: "missed" is never said of a visit nobody expected.
- Visits count by the day of the visit, not the day they were logged: a visit logged a week late with the
  right date counts for the window it was made in.
- A visit in a window's grace days makes up for that window (late) when it had none, and counts for the window
  its day falls in as well. So a window's status depends only on the visits between its first day and the end
  of its grace days: a list, a count and a reminder need no pair's whole history to agree.

Status of an owed window on a day: done · done_late · upcoming (not open yet) · open (open, not due yet) ·
due · overdue (in the grace days, not visited) · missed. A window not owed is ``not_owed`` whatever happens.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from grassroots.rules.meetings import MONTH, QUARTER, Period, period, period_number

# ------------------------------------------------------------------------------------------------------------
# Kinds
# ------------------------------------------------------------------------------------------------------------

# Who visits: an account (a cadre, a leader, a section chief), a party member, or a unit.
USER = "user"
MEMBER = "member"
UNIT = "unit"
# Who is visited: a household, an area (village, community, grid / 小区), a party member, a 两新 organisation.
HOUSEHOLD = "household"
AREA = "area"
ENTERPRISE = "enterprise"

CADRE_HOUSEHOLD = "cadre_household"
UNIT_AREA = "unit_area"
LEADER_SECRETARY = "leader_secretary"
CHIEF_COMMITTEE = "chief_committee"
LEADER_ENTERPRISE = "leader_enterprise"
MEMBER_MOBILE = "member_mobile"
INSERVICE_HARDSHIP = "inservice_hardship"
MEMBER_HOUSEHOLD = "member_household"


@dataclass(frozen=True, slots=True)
class Kind:
    code: str
    label: str
    visitor: str  # USER, MEMBER or UNIT
    target: str  # HOUSEHOLD, AREA, MEMBER or ENTERPRISE
    frequency: str  # MONTH or QUARTER
    visitor_label: str
    target_label: str


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind(CADRE_HOUSEHOLD, "干部包联户", USER, HOUSEHOLD, MONTH, "包联干部", "联系户"),
    Kind(UNIT_AREA, "单位包联村（社区、小区）", UNIT, AREA, QUARTER, "包联单位", "嘎查村社区/网格"),
    Kind(LEADER_SECRETARY, "旗县领导联系村书记", USER, MEMBER, QUARTER, "旗县领导", "村党组织书记"),
    Kind(CHIEF_COMMITTEE, "科级干部联系村两委委员", USER, MEMBER, QUARTER, "科级干部", "村两委委员"),
    Kind(LEADER_ENTERPRISE, "领导联系非公企业（村企结对）", USER, ENTERPRISE, QUARTER, "联系领导", "企业"),
    Kind(MEMBER_MOBILE, "农村党员结对流动党员（云支部）", MEMBER, MEMBER, MONTH, "结对党员", "流动党员"),
    Kind(INSERVICE_HARDSHIP, "在职党员结对困难党员", MEMBER, MEMBER, MONTH, "在职党员", "困难党员"),
    Kind(MEMBER_HOUSEHOLD, "党员联系户", MEMBER, HOUSEHOLD, MONTH, "党员", "联系户"),
)}
KIND_CHOICES = [(k.code, k.label) for k in KINDS.values()]

# How many days before a window ends it becomes due, and how many days after it still counts (late).
LEAD_DAYS = {MONTH: 10, QUARTER: 30}
GRACE_DAYS = {MONTH: 7, QUARTER: 15}

# Households that come first when a township hands out households to cadres (and whose lack of a pair the
# coverage page counts apart). Their tags are sensitive: used for the order, shown only to those who may see them.
PRIORITY_TAGS = ("subsistence", "poverty_alleviated", "elderly_alone", "disabled")

# ------------------------------------------------------------------------------------------------------------
# Windows
# ------------------------------------------------------------------------------------------------------------

DONE = "done"
DONE_LATE = "done_late"
UPCOMING = "upcoming"
OPEN = "open"
DUE = "due"
OVERDUE = "overdue"
MISSED = "missed"
NOT_OWED = "not_owed"
STATUS_LABELS = {DONE: "已走访", DONE_LATE: "补访", UPCOMING: "未开始", OPEN: "可走访", DUE: "待走访",
                 OVERDUE: "已逾期", MISSED: "漏访", NOT_OWED: "不需走访"}
VISITED = (DONE, DONE_LATE)
# Owed and not (yet) visited: what lists of work to do show, most pressing last.
PENDING = (OPEN, DUE, OVERDUE)


@dataclass(frozen=True, slots=True)
class Window:
    period: Period
    opens: date
    due_from: date
    ends: date
    grace_until: date
    owed: bool
    visited_on: date | None = None  # the day of the visit that satisfied it

    @property
    def key(self) -> str:
        return self.period.key

    @property
    def label(self) -> str:
        return f"{self.period.year}年{self.period.label}"

    def status(self, today: date) -> str:
        """The one answer to "is this visit due?" on ``today``."""
        if not self.owed:
            return NOT_OWED
        if self.visited_on is not None and self.visited_on <= today:
            return DONE if self.visited_on <= self.ends else DONE_LATE
        if today < self.opens:
            return UPCOMING
        if today < self.due_from:
            return OPEN
        if today <= self.ends:
            return DUE
        if today <= self.grace_until:
            return OVERDUE
        return MISSED


def frequency_of(kind: str) -> str:
    return KINDS[kind].frequency


def period_of(day: date, frequency: str) -> Period:
    return period(day.year, frequency, period_number(day.month, frequency))


def _next_period(p: Period) -> Period:
    return period_of(p.end + timedelta(days=1), p.frequency)


def _window(p: Period, *, started_on: date, ended_on: date | None) -> Window:
    due_from = p.end - timedelta(days=LEAD_DAYS[p.frequency] - 1)
    owed = started_on <= due_from and (ended_on is None or ended_on > p.end)
    return Window(period=p, opens=p.start, due_from=due_from, ends=p.end,
                  grace_until=p.end + timedelta(days=GRACE_DAYS[p.frequency]), owed=owed)


def windows(*, frequency: str, started_on: date, ended_on: date | None, visits: Iterable[date],
            since: date, until: date) -> list[Window]:
    """A pair's windows whose periods overlap [``since``, ``until``] and the pair's time (from ``started_on``,
    up to ``ended_on`` exclusive), each with the visit that satisfied it. ``visits`` are the days of the pair's
    visits; only those from the first window's opening to the last one's grace days matter."""
    first_day = max(since, started_on)
    last_day = until if ended_on is None else min(until, ended_on - timedelta(days=1))
    if last_day < first_day:
        return []
    days = sorted(set(visits))
    found: list[Window] = []
    cursor = period_of(first_day, frequency)
    while cursor.start <= last_day:
        w = _window(cursor, started_on=started_on, ended_on=ended_on)
        on_time = next((d for d in days if w.opens <= d <= w.ends), None)
        late = next((d for d in days if w.ends < d <= w.grace_until), None)
        found.append(replace(w, visited_on=on_time or late))
        cursor = _next_period(cursor)
    return found


def window_on(*, frequency: str, started_on: date, ended_on: date | None, visits: Iterable[date],
              today: date) -> Window | None:
    """The window that matters on ``today``: the previous one while it is still in its grace days and not
    visited (it is the overdue one), else the current one. None when the pair is not in force on ``today``."""
    if today < started_on or (ended_on is not None and today >= ended_on):
        return None
    current = period_of(today, frequency)
    found = windows(frequency=frequency, started_on=started_on, ended_on=ended_on, visits=visits,
                    since=max(started_on, current.start - timedelta(days=1)), until=today)
    for w in found:
        if w.ends < today and w.status(today) == OVERDUE:
            return w
    return found[-1] if found else None


def visits_from(*, frequency: str, today: date) -> date:
    """The first day whose visits can change ``window_on(today)``: the previous period's start."""
    current = period_of(today, frequency)
    return period_of(current.start - timedelta(days=1), frequency).start


def tally(statuses: Iterable[str]) -> dict[str, int]:
    counts = {status: 0 for status in STATUS_LABELS}
    for status in statuses:
        counts[status] += 1
    return counts


# ------------------------------------------------------------------------------------------------------------
# Bulk assignment
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    household_id: int
    number: str
    priority_tags: frozenset[str]  # of PRIORITY_TAGS


def priority_rank(tags: frozenset[str]) -> tuple[int, int]:
    """Households with more priority tags first; among equals, by the first tag's place in PRIORITY_TAGS."""
    places = [PRIORITY_TAGS.index(t) for t in tags if t in PRIORITY_TAGS]
    return (-len(places), min(places) if places else len(PRIORITY_TAGS))


class AssignmentError(ValueError):
    pass


def assign(cadres: Sequence[int], candidates: Iterable[Candidate], *, per_cadre: int) -> dict[int, list[int]]:
    """Hand out unpaired households: each cadre gets up to ``per_cadre``, priority households first (see
    ``priority_rank``), dealt round-robin so every cadre gets a fair share of them. Households left over stay
    unpaired; the caller reports how many."""
    if not cadres:
        raise AssignmentError("请选择至少一名包联干部")
    if per_cadre < 1 or per_cadre > 100:
        raise AssignmentError("每人包联户数须在1到100之间")
    ordered = sorted(candidates, key=lambda c: (*priority_rank(c.priority_tags), c.number, c.household_id))
    plan: dict[int, list[int]] = {cadre: [] for cadre in cadres}
    turn = 0
    for candidate in ordered[:per_cadre * len(cadres)]:
        plan[cadres[turn % len(cadres)]].append(candidate.household_id)
        turn += 1
    return plan


__all__ = ["KINDS", "Kind", "Window", "windows", "window_on", "assign", "Candidate", "STATUS_LABELS", "QUARTER"]
