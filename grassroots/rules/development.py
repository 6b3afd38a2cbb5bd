"""The dates of 发展党员 (《中国共产党发展党员工作细则》) as pure rules: no Django here.

A development is seen as a ``Record``: the birth date, the steps reached so far (stage → the day it was decided),
the day the organisation talked with the applicant, and an extension of probation. From it the rules answer:

- ``next_step``: the next stage, the earliest day it may be decided and the day it is due;
- ``check_step``: whether a proposed step on a day is allowed, else a Chinese reason naming the rule;
- ``deadlines`` / ``overdue_on`` / ``due_within``: what is due and what is overdue on a day.

Periods are counted as the Civil Code counts them (民法典第二百零二条): a period of months or years ends on the
corresponding day of the last month; a month with no such day (a 29 February, a 31st) ends on its last day.
So one year from 2024-02-29 is 2025-02-28, one month from 2026-01-31 is 2026-02-28.
"""

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

APPLICANT, ACTIVIST, CANDIDATE, PROBATIONARY, FULL, STOPPED = (
    "applicant", "activist", "candidate", "probationary", "full", "stopped")
ORDER = (APPLICANT, ACTIVIST, CANDIDATE, PROBATIONARY, FULL)
LABELS = {APPLICANT: "入党申请人", ACTIVIST: "入党积极分子", CANDIDATE: "发展对象", PROBATIONARY: "预备党员",
          FULL: "正式党员", STOPPED: "终止培养"}

MIN_AGE = 18
TALK_MONTHS = 1
TRAINING_YEARS = 1
PROBATION_YEARS = 1
EXTENSION_MIN_MONTHS = 6
EXTENSION_MAX_MONTHS = 12
DUE_SOON_DAYS = 30

RULES = "《中国共产党发展党员工作细则》"
RULE_AGE = f"{RULES}规定：年满十八岁方可申请入党"
RULE_TALK = f"{RULES}规定：党组织收到入党申请书后，应当在一个月内派人同入党申请人谈话"
RULE_TRAINING = f"{RULES}规定：入党积极分子经过一年以上培养教育和考察，方可列为发展对象"
RULE_APPROVAL = f"{RULES}规定：发展对象经支部党员大会讨论通过、上级党委审批后，方为预备党员"
RULE_PROBATION = f"{RULES}规定：预备期为一年，预备期满党支部应当及时讨论其能否转为正式党员"
RULE_EXTENSION = f"{RULES}规定：预备期可以延长一次，延长时间不能少于半年，最长不超过一年"
RULE_ORDER = f"{RULES}规定：申请人→积极分子→发展对象→预备党员→正式党员，须逐步进行"


# ---------------------------------------------------------------- periods


def add_months(day: date, months: int) -> date:
    """The corresponding day ``months`` later; the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def age_on(birth_date: date, day: date) -> int:
    """Full years of age on ``day`` (one born on 29 February is a year older on 28 February of a common year)."""
    years = day.year - birth_date.year
    return years if add_years(birth_date, years) <= day else years - 1


# ---------------------------------------------------------------- a development as the rules see it


@dataclass(frozen=True)
class Record:
    birth_date: date
    steps: Mapping[str, date]  # stage → the day it was decided; APPLICANT is the day of application
    talked_on: date | None = None
    extension_months: int = 0  # an extension of probation decided (0: none)
    extended_on: date | None = None

    def as_of(self, day: date) -> "Record":
        """The record as it stood at the end of ``day``: later steps, talks and extensions not yet taken."""
        extended = self.extended_on is not None and self.extended_on <= day
        return Record(birth_date=self.birth_date, steps={s: d for s, d in self.steps.items() if d <= day},
                      talked_on=self.talked_on if self.talked_on and self.talked_on <= day else None,
                      extension_months=self.extension_months if extended else 0,
                      extended_on=self.extended_on if extended else None)

    @property
    def stage(self) -> str | None:
        """The stage reached (STOPPED once stopped), None before the application."""
        if STOPPED in self.steps:
            return STOPPED
        reached = [s for s in ORDER if s in self.steps]
        return reached[-1] if reached else None

    @property
    def last_day(self) -> date | None:
        return max(self.steps.values()) if self.steps else None

    def probation_due(self) -> date | None:
        """The day probation ends and is due to be discussed (extended when an extension was decided)."""
        started = self.steps.get(PROBATIONARY)
        if started is None:
            return None
        return add_months(add_years(started, PROBATION_YEARS), self.extension_months)


@dataclass(frozen=True)
class Next:
    stage: str
    earliest: date | None  # the first day it may be decided
    due: date | None  # the day by which something must be done
    rule: str
    label: str = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "label", LABELS[self.stage])


def talk_due(record: Record) -> date | None:
    applied = record.steps.get(APPLICANT)
    return add_months(applied, TALK_MONTHS) if applied else None


def next_step(record: Record) -> Next | None:
    """The next stage with its earliest and due days; None when full or stopped."""
    stage = record.stage
    if stage in (None, FULL, STOPPED):
        return None
    following = ORDER[ORDER.index(stage) + 1]
    last = record.last_day
    if following == ACTIVIST:
        return Next(ACTIVIST, last, None, RULE_ORDER)
    if following == CANDIDATE:
        return Next(CANDIDATE, add_years(record.steps[ACTIVIST], TRAINING_YEARS), None, RULE_TRAINING)
    if following == PROBATIONARY:
        return Next(PROBATIONARY, last, None, RULE_APPROVAL)
    due = record.probation_due()
    return Next(FULL, due, due, RULE_PROBATION)


def check_application(birth_date: date, applied_on: date) -> str | None:
    if age_on(birth_date, applied_on) < MIN_AGE:
        return (f"{RULE_AGE}；出生于 {birth_date}，{applied_on} 时未满十八岁"
                f"（{add_years(birth_date, MIN_AGE)} 起方可申请）")
    return None


def step_refusal(record: Record, stage: str) -> str | None:
    """Why the development's state refuses ``stage`` whatever the day (out of order, already there, stopped,
    already full): a refusal, not a wrong date (the API answers it 409). None when the state allows it, or
    when ``stage`` is no stage at all (check_step names that)."""
    if stage not in LABELS or stage == APPLICANT:
        return None
    current = record.stage
    if current is None:
        return "尚未递交入党申请"
    if current == STOPPED:
        return f"已于 {record.steps[STOPPED]} 终止培养，不能再推进"
    if current == FULL:
        return "已是正式党员"
    if stage == STOPPED:
        return "预备党员不能终止培养：应讨论转正、延长预备期或取消预备党员资格" if current == PROBATIONARY else None
    if ORDER.index(stage) < ORDER.index(current):
        return f"当前已是{LABELS[current]}，不能退回{LABELS[stage]}"
    if stage in record.steps:
        return f"已于 {record.steps[stage]} 成为{LABELS[stage]}"
    following = ORDER[ORDER.index(current) + 1]
    if stage != following:
        return f"{RULE_ORDER}；当前是{LABELS[current]}，下一步应为{LABELS[following]}，不能直接成为{LABELS[stage]}"
    return None


def check_step(record: Record, stage: str, on: date, *, meeting_on: date | None = None) -> str | None:
    """None when ``stage`` may be decided on ``on``; else why not (naming the rule)."""
    if stage not in LABELS or stage == APPLICANT:
        return f"“{stage}”不是可以推进的阶段"
    refusal = step_refusal(record, stage)
    if refusal:
        return refusal
    current = record.stage
    last = record.last_day
    if on < last:
        return f"日期 {on} 早于上一步（{LABELS[current]}，{last}）：各步骤日期不能倒退"
    if meeting_on is not None and meeting_on > on:
        return f"决定会议的日期 {meeting_on} 晚于步骤日期 {on}"
    if stage == STOPPED:
        return None
    nxt = next_step(record)
    if nxt.earliest is not None and on < nxt.earliest:
        if stage == CANDIDATE:
            return (f"{RULE_TRAINING}；{record.steps[ACTIVIST]} 确定为入党积极分子，"
                    f"最早 {nxt.earliest} 方可列为发展对象")
        if stage == FULL:
            return (f"{RULE_PROBATION}；预备期至 {nxt.earliest} 期满，不能在 {on} 转为正式党员")
        return f"日期 {on} 早于 {nxt.earliest}"
    return None


def extension_refusal(record: Record) -> str | None:
    """Why the development's state refuses an extension of probation (not a probationary member, or
    extended once already); None when it allows one."""
    if record.stage != PROBATIONARY:
        return "只有预备党员可以延长预备期"
    if record.extension_months:
        return f"{RULE_EXTENSION}；预备期已于 {record.extended_on} 延长过一次"
    return None


def check_extension(record: Record, months: int, on: date) -> str | None:
    """None when probation may be extended by ``months`` decided on ``on``."""
    refusal = extension_refusal(record)
    if refusal:
        return refusal
    if not EXTENSION_MIN_MONTHS <= months <= EXTENSION_MAX_MONTHS:
        return f"{RULE_EXTENSION}；不能延长 {months} 个月"
    if on < record.steps[PROBATIONARY]:
        return f"日期 {on} 早于成为预备党员的日期 {record.steps[PROBATIONARY]}"
    due = record.probation_due()
    if on < due:
        return f"{RULE_PROBATION}；预备期至 {due} 期满，期满时方可讨论延长"
    return None


# Which meeting may decide each step: the branch committee (or, without one, the branch assembly) names
# activists and candidates; only the branch assembly votes on admission and on full membership.
BRANCH_COMMITTEE, BRANCH_ASSEMBLY = "branch_committee", "branch_assembly"
DECIDING_MEETINGS = {ACTIVIST: (BRANCH_COMMITTEE, BRANCH_ASSEMBLY), CANDIDATE: (BRANCH_COMMITTEE, BRANCH_ASSEMBLY),
                     PROBATIONARY: (BRANCH_ASSEMBLY,), FULL: (BRANCH_ASSEMBLY,)}
MEETING_LABELS = {BRANCH_COMMITTEE: "支部委员会", BRANCH_ASSEMBLY: "支部党员大会"}


def check_meeting(stage: str, kind: str) -> str | None:
    """None when a meeting of ``kind`` may decide ``stage``."""
    allowed = DECIDING_MEETINGS.get(stage, ())
    if kind in allowed:
        return None
    names = "或".join(MEETING_LABELS[k] for k in allowed)
    return f"{RULES}规定：{LABELS[stage]}须由{names}讨论决定，所选会议不是{names}"


# ---------------------------------------------------------------- what is due


@dataclass(frozen=True)
class Deadline:
    kind: str  # "talk" or "probation"
    label: str
    due: date
    rule: str


def deadlines(record: Record) -> list[Deadline]:
    """What must still be done by a day: the talk with an applicant not yet talked with, the discussion of a
    probationary member whose probation is ending."""
    out = []
    stage = record.stage
    if stage == APPLICANT and record.talked_on is None:
        out.append(Deadline("talk", "入党谈话", talk_due(record), RULE_TALK))
    if stage == PROBATIONARY:
        label = "延长预备期满讨论转正" if record.extension_months else "预备期满讨论转正"
        out.append(Deadline("probation", label, record.probation_due(), RULE_PROBATION))
    return out


def overdue_on(record: Record, day: date) -> list[Deadline]:
    """Deadlines passed by ``day`` (the record as it stood that day): due before ``day`` and not done."""
    return [d for d in deadlines(record.as_of(day)) if d.due < day]


def due_within(record: Record, day: date, days: int = DUE_SOON_DAYS) -> list[Deadline]:
    """Deadlines falling on ``day`` or in the ``days`` after it (not yet overdue)."""
    end = day + timedelta(days=days)
    return [d for d in deadlines(record.as_of(day)) if day <= d.due <= end]
