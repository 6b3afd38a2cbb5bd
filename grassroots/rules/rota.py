"""Rotas for recurring volunteer service: every team serves once a week, in a group of ``group_min``..``group_max``
of its members who are free at that time, to a timetable of subjects. Pure Python: no Django.

The 乌审旗 example (seed 000): 15 teams share a school-gate service (校门口·微学堂) held on five weekday mornings,
so three teams serve each morning, each team once a week, two or three people at a time.

- **Weeks** run Monday to Sunday; week 1 is the week of the term's first day. A week's **occasions** are the term's
  days in it whose weekday has a service slot (``mon_am`` …, rules/volunteering.py SLOTS), less ``closed_days``.
- **Teams to occasions**, each week: every team exactly once, each occasion at most ``teams_per_occasion`` teams
  (by default the fewest that fit: 15 teams over 5 occasions is 3 a morning), and only where at least
  ``group_min`` of the team's members are free. A bipartite matching (augmenting paths) in a fixed order, so the
  same input gives the same rota and a full week repeats the previous one (a team keeps its morning).
- **Members to a turn**: as many free members as ``group_max`` allows, the least-loaded first (then the least
  recently served, then the team's order), never someone already serving elsewhere at the same time — so loads
  within a team differ by at most one where availability allows.
- **Subjects**: ``subjects`` cycled over the weeks (all of week *n* share subject *n*), or with ``by_team`` each team
  steps through them (team *i* in week *n* takes subject *i + n*).

An impossible request raises ``RotaImpossible`` whose message names what cannot be met.
"""

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from grassroots.rules.volunteering import SLOT_LABELS, SLOTS, WEEKDAYS

MAX_WEEKS = 60  # a term longer than this is a typing error


class RotaImpossible(ValueError):
    """The request cannot be met; ``str(exc)`` says what, in Chinese, for the user."""


@dataclass(frozen=True)
class Member:
    key: Hashable  # the volunteer's id
    name: str
    slots: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TeamIn:
    key: Hashable  # the team's id
    name: str
    members: tuple[Member, ...] = ()


@dataclass(frozen=True)
class Turn:
    week: int  # 1-based
    day: date
    slot: str
    team: Hashable
    subject: str
    members: tuple[Hashable, ...]

    @property
    def label(self) -> str:
        return f"第{self.week}周{day_label(self.day, self.slot)}"


@dataclass
class Rota:
    turns: list[Turn]
    summary: str
    weeks: int
    loads: dict[Hashable, int] = field(default_factory=dict)  # member key → turns served


def day_label(day: date, slot: str) -> str:
    """2026-12-08, "tue_am" → "12月8日周二上午"."""
    return f"{day.month}月{day.day}日{SLOT_LABELS[slot]}"


def week_of(first_day: date, day: date) -> int:
    """The 1-based week of ``day`` in a term starting ``first_day`` (weeks run Monday to Sunday)."""
    monday = first_day - timedelta(days=first_day.weekday())
    return (day - monday).days // 7 + 1


def occasions(first_day: date, last_day: date, slots: Iterable[str],
              closed_days: Iterable[date] = ()) -> list[tuple[int, date, str]]:
    """(week, day, slot) of every service occasion of the term, in time order."""
    closed = set(closed_days)
    by_weekday: dict[int, list[str]] = {}
    for slot in sorted(set(slots), key=SLOTS.index):
        by_weekday.setdefault(WEEKDAYS.index(slot.split("_")[0]), []).append(slot)
    found = []
    day = first_day
    while day <= last_day:
        if day not in closed:
            for slot in by_weekday.get(day.weekday(), ()):
                found.append((week_of(first_day, day), day, slot))
        day += timedelta(days=1)
    return found


def _check(first_day, last_day, slots, teams, group_min, group_max, subjects, teams_per_occasion) -> None:
    if last_day < first_day:
        raise RotaImpossible("结束日期须不早于开始日期")
    if week_of(first_day, last_day) > MAX_WEEKS:
        raise RotaImpossible(f"一个排班表最长{MAX_WEEKS}周，请分学期排班")
    if not slots:
        raise RotaImpossible("请至少选择一个服务时段")
    unknown = [s for s in slots if s not in SLOTS]
    if unknown:
        raise RotaImpossible(f"服务时段“{unknown[0]}”不存在")
    if not teams:
        raise RotaImpossible("请至少选择一个服务队")
    if len({t.key for t in teams}) != len(teams):
        raise RotaImpossible("同一个服务队选了两次")
    if not 1 <= group_min <= group_max:
        raise RotaImpossible("每组人数：最少须至少1人，且不多于最多人数")
    if not subjects or not all(s.strip() for s in subjects):
        raise RotaImpossible("请填写服务主题，每行一个")
    if teams_per_occasion is not None and teams_per_occasion < 1:
        raise RotaImpossible("每个时段最多安排的服务队数须至少为1")
    for team in teams:
        if len(team.members) < group_min:
            raise RotaImpossible(f"{team.name}只有{len(team.members)}名队员，每组至少{group_min}人")


def plan_summary(n_teams: int, n_weekly: int, per_occasion: int) -> str:
    """What the plan comes to, said plainly: "15个服务队、每周5个服务时段：每个时段安排3个服务队…"."""
    if n_weekly == 0:
        return f"{n_teams}个服务队，但排班期内没有服务时段"
    low = n_teams // n_weekly
    spread = (f"每个时段安排{low}个服务队" if n_teams % n_weekly == 0 and low <= per_occasion
              else f"每个时段安排{low}到{per_occasion}个服务队")
    if low == 0:
        spread = f"每个时段最多安排{per_occasion}个服务队，有的时段空着"
    return f"{n_teams}个服务队、每周{n_weekly}个服务时段：{spread}，每个服务队每周服务一次。"


def make_rota(*, first_day: date, last_day: date, slots: Sequence[str], teams: Sequence[TeamIn], group_min: int,
              group_max: int, subjects: Sequence[str], by_team: bool = False, teams_per_occasion: int | None = None,
              closed_days: Iterable[date] = ()) -> Rota:
    """The rota of the term, or ``RotaImpossible`` naming what cannot be met (see the module's docstring)."""
    _check(first_day, last_day, slots, teams, group_min, group_max, subjects, teams_per_occasion)
    all_occasions = occasions(first_day, last_day, slots, closed_days)
    weeks: dict[int, list[tuple[date, str]]] = {}
    for week in range(1, week_of(first_day, last_day) + 1):
        weeks[week] = []
    for week, day, slot in all_occasions:
        weeks[week].append((day, slot))
    n = len(teams)
    weekly = len(set(slots))
    cap = teams_per_occasion if teams_per_occasion is not None else -(-n // weekly)
    if n > weekly * cap:
        raise RotaImpossible(f"{n}个服务队每周各服务一次，但每周只有{weekly}个服务时段，每个时段最多安排{cap}个服务队，"
                             f"最多只能排{weekly * cap}个")
    team_index = {t.key: i for i, t in enumerate(teams)}
    loads: Counter = Counter()
    last_served: dict[Hashable, int] = {}
    turns: list[Turn] = []
    for week, week_occasions in weeks.items():
        placed = _place_teams(week, week_occasions, teams, group_min, group_max, cap)
        busy: dict[tuple[date, str], set] = {}
        for (day, slot), team in placed:
            free = [m for m in team.members if slot in m.slots and m.key not in busy.get((day, slot), set())]
            if len(free) < group_min:  # only when someone is already serving with another team at that time
                raise RotaImpossible(f"第{week}周{day_label(day, slot)}：{team.name}只有{len(free)}名队员有空"
                                     f"（其余在别的服务队当班），每组至少{group_min}人")
            order = {m.key: i for i, m in enumerate(team.members)}
            free.sort(key=lambda m: (loads[m.key], last_served.get(m.key, 0), order[m.key]))
            chosen = free[:group_max]
            chosen.sort(key=lambda m: order[m.key])
            for m in chosen:
                loads[m.key] += 1
                last_served[m.key] = week
                busy.setdefault((day, slot), set()).add(m.key)
            step = (team_index[team.key] if by_team else 0) + week - 1
            turns.append(Turn(week=week, day=day, slot=slot, team=team.key, subject=subjects[step % len(subjects)].strip(),
                              members=tuple(m.key for m in chosen)))
    turns.sort(key=lambda t: (t.day, SLOTS.index(t.slot), team_index[t.team]))
    return Rota(turns=turns, summary=plan_summary(n, weekly, cap), weeks=len(weeks),
                loads={m.key: loads[m.key] for t in teams for m in t.members})


def _free_count(team: TeamIn, slot: str) -> int:
    return sum(1 for m in team.members if slot in m.slots)


def _place_teams(week: int, week_occasions: list[tuple[date, str]], teams: Sequence[TeamIn], group_min: int,
                 group_max: int, cap: int) -> list[tuple[tuple[date, str], TeamIn]]:
    """Each team on one occasion of the week (at most ``cap`` a occasion, ``group_min`` free members), in a fixed
    order; ``RotaImpossible`` naming the team that cannot be placed."""
    if not week_occasions:
        raise RotaImpossible(f"第{week}周没有服务时段（排班期内的日子都不在所选时段或已设为停止服务），"
                             f"每个服务队每周须服务一次；请调整起止日期")
    if len(teams) > len(week_occasions) * cap:
        where = "、".join(day_label(d, s) for d, s in week_occasions)
        raise RotaImpossible(f"第{week}周只有{len(week_occasions)}个服务时段（{where}），每个时段最多安排{cap}个服务队，"
                             f"{len(teams)}个服务队每周各服务一次排不下；请调整起止日期或每个时段的服务队数")
    n_occ = len(week_occasions)
    holders: list[list[int]] = [[] for _ in week_occasions]  # occasion → team indexes
    options: list[list[int]] = []
    for i, team in enumerate(teams):
        home = i * n_occ // len(teams)
        fits = [o for o in range(n_occ) if _free_count(team, week_occasions[o][1]) >= group_min]
        if not fits:
            if n_occ == 1:
                day, slot = week_occasions[0]
                raise RotaImpossible(f"第{week}周{day_label(day, slot)}：{team.name}只有{_free_count(team, slot)}名"
                                     f"队员有空，每组至少{group_min}人")
            detail = "、".join(f"{day_label(d, s)}只有{_free_count(team, s)}名队员有空" for d, s in week_occasions)
            raise RotaImpossible(f"第{week}周：{team.name}在{detail}，每组至少{group_min}人")
        # Full groups first, then the team's own place in the week (so teams spread out and keep their day).
        fits.sort(key=lambda o: (-min(_free_count(team, week_occasions[o][1]), group_max), (o - home) % n_occ))
        options.append(fits)

    def augment(i: int, seen: set[int]) -> bool:
        for o in options[i]:
            if o in seen:
                continue
            seen.add(o)
            if len(holders[o]) < cap:
                holders[o].append(i)
                return True
            for j in list(holders[o]):
                if augment(j, seen):
                    holders[o].remove(j)
                    holders[o].append(i)
                    return True
        return False

    for i, team in enumerate(teams):
        if not augment(i, set()):
            where = "、".join(day_label(*week_occasions[o]) for o in options[i])
            raise RotaImpossible(f"第{week}周排不下{team.name}：它人手够的时段（{where}）都已排满"
                                 f"{cap}个服务队（每个时段最多{cap}个）")
    return [(week_occasions[o], teams[i]) for o in range(n_occ) for i in sorted(holders[o])]
