"""The rota generator (rules/rota.py), on small inputs checked by hand. 2026-09-07 is a Monday."""

from collections import Counter
from datetime import date

import pytest

from grassroots.rules.rota import Member, RotaImpossible, TeamIn, make_rota, plan_summary

MON_TUE = ("mon_am", "tue_am")


def team(key, name, members, slots=MON_TUE):
    return TeamIn(key=key, name=name, members=tuple(Member(key=m, name=m, slots=frozenset(slots)) for m in members))


def four_teams():
    return [team("A", "A队", ["a1", "a2", "a3"]), team("B", "B队", ["b1", "b2"]),
            team("C", "C队", ["c1", "c2", "c3", "c4"]), team("D", "D队", ["d1", "d2", "d3"])]


def test_two_weeks_by_hand():
    """4 teams over Monday and Tuesday mornings: two a morning; groups of 2–3; week 2 gives c4 (who rested) a turn."""
    rota = make_rota(first_day=date(2026, 9, 7), last_day=date(2026, 9, 20), slots=MON_TUE, teams=four_teams(),
                     group_min=2, group_max=3, subjects=["理论宣讲", "政策宣传"])
    got = [(t.week, t.day, t.slot, t.team, t.subject, t.members) for t in rota.turns]
    assert got == [
        (1, date(2026, 9, 7), "mon_am", "A", "理论宣讲", ("a1", "a2", "a3")),
        (1, date(2026, 9, 7), "mon_am", "B", "理论宣讲", ("b1", "b2")),
        (1, date(2026, 9, 8), "tue_am", "C", "理论宣讲", ("c1", "c2", "c3")),
        (1, date(2026, 9, 8), "tue_am", "D", "理论宣讲", ("d1", "d2", "d3")),
        (2, date(2026, 9, 14), "mon_am", "A", "政策宣传", ("a1", "a2", "a3")),
        (2, date(2026, 9, 14), "mon_am", "B", "政策宣传", ("b1", "b2")),
        (2, date(2026, 9, 15), "tue_am", "C", "政策宣传", ("c1", "c2", "c4")),
        (2, date(2026, 9, 15), "tue_am", "D", "政策宣传", ("d1", "d2", "d3")),
    ]
    assert rota.weeks == 2
    assert rota.loads["c4"] == 1 and rota.loads["c3"] == 1 and rota.loads["c1"] == 2
    assert rota.turns[0].label == "第1周9月7日周一上午"


def test_every_team_once_a_week_and_the_summary_says_three_a_morning():
    teams = [team(i, f"第{i}队", [f"{i}-{k}" for k in range(3)], slots=("mon_am", "tue_am", "wed_am", "thu_am", "fri_am"))
             for i in range(15)]
    rota = make_rota(first_day=date(2026, 9, 7), last_day=date(2026, 12, 27), teams=teams, group_min=2, group_max=3,
                     slots=("mon_am", "tue_am", "wed_am", "thu_am", "fri_am"), subjects=["理论宣讲", "政策宣传", "家校共育", "法在身边"])
    assert rota.summary == "15个服务队、每周5个服务时段：每个时段安排3个服务队，每个服务队每周服务一次。"
    assert rota.weeks == 16
    per_week = Counter((t.week, t.team) for t in rota.turns)
    assert set(per_week.values()) == {1} and len(per_week) == 15 * 16
    per_day = Counter(t.day for t in rota.turns)
    assert set(per_day.values()) == {3} and len(per_day) == 5 * 16
    assert all(2 <= len(t.members) <= 3 for t in rota.turns)
    # A team keeps its morning from week to week.
    days = {}
    for t in rota.turns:
        days.setdefault(t.team, set()).add(t.slot)
    assert all(len(s) == 1 for s in days.values())
    # Subjects cycle over the weeks.
    assert [next(t.subject for t in rota.turns if t.week == w) for w in (1, 4, 5)] == ["理论宣讲", "法在身边", "理论宣讲"]


def test_subjects_by_team_step_through_the_list():
    rota = make_rota(first_day=date(2026, 9, 7), last_day=date(2026, 9, 20), slots=MON_TUE, teams=four_teams(),
                     group_min=2, group_max=3, subjects=["甲", "乙", "丙"], by_team=True)
    got = {(t.week, t.team): t.subject for t in rota.turns}
    assert got[(1, "A")] == "甲" and got[(1, "B")] == "乙" and got[(1, "C")] == "丙" and got[(1, "D")] == "甲"
    assert got[(2, "A")] == "乙" and got[(2, "D")] == "乙"


def test_even_load_counts_differ_by_at_most_one():
    members = [f"m{k}" for k in range(7)]
    rota = make_rota(first_day=date(2026, 9, 7), last_day=date(2026, 11, 8), slots=("mon_am",),
                     teams=[team("T", "T队", members)], group_min=2, group_max=3, subjects=["宣讲"])
    counts = [rota.loads[m] for m in members]
    assert rota.weeks == 9 and sum(counts) == 27
    assert max(counts) - min(counts) <= 1, counts


def test_availability_respected_and_load_even_among_those_free():
    """e3 is never free on Monday: never chosen; the other four share the turns evenly."""
    members = (Member("e1", "e1", frozenset({"mon_am"})), Member("e2", "e2", frozenset({"mon_am"})),
               Member("e3", "e3", frozenset({"tue_am"})), Member("e4", "e4", frozenset({"mon_am"})),
               Member("e5", "e5", frozenset({"mon_am", "sat_am"})))
    rota = make_rota(first_day=date(2026, 9, 7), last_day=date(2026, 10, 4), slots=("mon_am",),
                     teams=[TeamIn("E", "E队", members)], group_min=2, group_max=2, subjects=["宣讲"])
    assert all("e3" not in t.members for t in rota.turns)
    assert [rota.loads[k] for k in ("e1", "e2", "e4", "e5")] == [2, 2, 2, 2]
    assert rota.loads["e3"] == 0


def test_a_team_goes_where_it_can_field_a_group():
    """Team X's members are only free on Tuesday: it serves Tuesdays even though its place would be Monday."""
    teams = [team("X", "X队", ["x1", "x2"], slots=("tue_am",)), team("Y", "Y队", ["y1", "y2"])]
    rota = make_rota(first_day=date(2026, 9, 7), last_day=date(2026, 9, 13), slots=MON_TUE, teams=teams,
                     group_min=2, group_max=3, subjects=["宣讲"])
    assert {(t.team, t.slot) for t in rota.turns} == {("X", "tue_am"), ("Y", "mon_am")}


def test_someone_in_two_teams_is_not_booked_twice_at_once():
    both = Member("z", "z", frozenset(MON_TUE))
    a = TeamIn("A", "A队", (both, Member("a1", "a1", frozenset(MON_TUE)), Member("a2", "a2", frozenset(MON_TUE))))
    b = TeamIn("B", "B队", (both, Member("b1", "b1", frozenset(MON_TUE)), Member("b2", "b2", frozenset(MON_TUE))))
    rota = make_rota(first_day=date(2026, 9, 7), last_day=date(2026, 9, 27), slots=("mon_am",), teams=[a, b],
                     group_min=2, group_max=3, subjects=["宣讲"])
    for week in (1, 2, 3):
        turns = [t for t in rota.turns if t.week == week]
        assert sum("z" in t.members for t in turns) <= 1


def test_same_input_same_rota():
    kwargs = dict(first_day=date(2026, 9, 7), last_day=date(2026, 10, 31), slots=MON_TUE, group_min=2, group_max=3,
                  subjects=["理论宣讲", "政策宣传", "家校共育"])
    assert make_rota(teams=four_teams(), **kwargs).turns == make_rota(teams=four_teams(), **kwargs).turns


def test_closed_days_are_skipped():
    rota = make_rota(first_day=date(2026, 9, 7), last_day=date(2026, 9, 13), slots=MON_TUE, teams=four_teams()[:2],
                     group_min=2, group_max=3, subjects=["宣讲"], closed_days=[date(2026, 9, 7)], teams_per_occasion=2)
    assert {t.day for t in rota.turns} == {date(2026, 9, 8)}


# ------------------------------------------------------------------------------------------------ impossible


def test_too_few_members_free_names_week_day_team_and_minimum():
    members = (Member("w", "王建国", frozenset({"tue_am"})), Member("z", "张秀兰", frozenset({"sat_am"})))
    with pytest.raises(RotaImpossible) as exc:
        make_rota(first_day=date(2026, 9, 7), last_day=date(2026, 9, 27), slots=("tue_am",),
                  teams=[TeamIn("T", "夕阳红服务队", members)], group_min=2, group_max=3, subjects=["宣讲"])
    assert str(exc.value) == "第1周9月8日周二上午：夕阳红服务队只有1名队员有空，每组至少2人"


def test_too_few_members_free_on_any_of_several_slots():
    members = (Member("w", "王建国", frozenset({"tue_am"})), Member("z", "张秀兰", frozenset({"mon_am"})))
    with pytest.raises(RotaImpossible) as exc:
        make_rota(first_day=date(2026, 9, 7), last_day=date(2026, 9, 13), slots=MON_TUE,
                  teams=[TeamIn("T", "夕阳红服务队", members)], group_min=2, group_max=3, subjects=["宣讲"])
    assert str(exc.value) == ("第1周：夕阳红服务队在9月7日周一上午只有1名队员有空、9月8日周二上午只有1名队员有空，"
                              "每组至少2人")


def test_more_teams_than_weekly_places():
    teams = [team(i, f"第{i}队", ["p", "q"]) for i in range(15)]
    with pytest.raises(RotaImpossible) as exc:
        make_rota(first_day=date(2026, 9, 7), last_day=date(2026, 9, 13), slots=MON_TUE, teams=teams,
                  group_min=2, group_max=3, subjects=["宣讲"], teams_per_occasion=3)
    assert str(exc.value) == "15个服务队每周各服务一次，但每周只有2个服务时段，每个时段最多安排3个服务队，最多只能排6个"


def test_a_short_first_week_cannot_hold_every_team():
    """The term starts on a Tuesday: week 1 has one morning for four teams at two a morning."""
    with pytest.raises(RotaImpossible) as exc:
        make_rota(first_day=date(2026, 9, 8), last_day=date(2026, 9, 20), slots=MON_TUE, teams=four_teams(),
                  group_min=2, group_max=3, subjects=["宣讲"])
    assert str(exc.value) == ("第1周只有1个服务时段（9月8日周二上午），每个时段最多安排2个服务队，4个服务队每周各服务一次排不下；"
                              "请调整起止日期或每个时段的服务队数")


def test_availability_crowds_a_team_out():
    teams = [team(k, f"{k}队", [f"{k}1", f"{k}2"], slots=("mon_am",)) for k in "ABC"]
    with pytest.raises(RotaImpossible) as exc:
        make_rota(first_day=date(2026, 9, 7), last_day=date(2026, 9, 13), slots=MON_TUE, teams=teams,
                  group_min=2, group_max=3, subjects=["宣讲"])
    assert str(exc.value) == "第1周排不下C队：它人手够的时段（9月7日周一上午）都已排满2个服务队（每个时段最多2个）"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"last_day": date(2026, 9, 1)}, "结束日期须不早于开始日期"),
    ({"slots": ()}, "请至少选择一个服务时段"),
    ({"slots": ("mon_noon",)}, "服务时段“mon_noon”不存在"),
    ({"teams": []}, "请至少选择一个服务队"),
    ({"group_min": 3, "group_max": 2}, "每组人数：最少须至少1人，且不多于最多人数"),
    ({"subjects": []}, "请填写服务主题，每行一个"),
    ({"group_min": 4, "group_max": 4}, "A队只有3名队员，每组至少4人"),
])
def test_bad_requests(kwargs, message):
    base = dict(first_day=date(2026, 9, 7), last_day=date(2026, 9, 20), slots=MON_TUE, teams=four_teams(),
                group_min=2, group_max=3, subjects=["宣讲"])
    with pytest.raises(RotaImpossible) as exc:
        make_rota(**{**base, **kwargs})
    assert str(exc.value) == message


def test_plan_summary_uneven():
    assert plan_summary(7, 3, 3) == "7个服务队、每周3个服务时段：每个时段安排2到3个服务队，每个服务队每周服务一次。"
