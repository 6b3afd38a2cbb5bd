from datetime import date

import pytest

from grassroots.rules.points import GENESIS, cap_left, chain, claim_points, first_break, period_bounds


@pytest.mark.parametrize(
    ("day", "period", "bounds"),
    [
        (date(2026, 11, 22), "week", (date(2026, 11, 16), date(2026, 11, 22))),
        (date(2026, 2, 10), "month", (date(2026, 2, 1), date(2026, 2, 28))),
        (date(2026, 12, 31), "month", (date(2026, 12, 1), date(2026, 12, 31))),
        (date(2026, 5, 5), "quarter", (date(2026, 4, 1), date(2026, 6, 30))),
        (date(2026, 11, 1), "quarter", (date(2026, 10, 1), date(2026, 12, 31))),
    ],
)
def test_period_bounds(day, period, bounds):
    assert period_bounds(day, period) == bounds


def test_seed_004_examples():
    assert claim_points(10, 1) == 10  # 义务劳动 出一次加10分
    assert claim_points(50, 2) == 100  # 出一车次加50分
    assert claim_points(-10, 1) == -10  # 大操大办 违反一次扣10分
    with pytest.raises(ValueError):
        claim_points(10, 0)


def test_caps():
    assert cap_left(None, 500, 10) is None
    assert cap_left(30, 20, 10) is None
    assert cap_left(30, 20, 20) == 10
    assert cap_left(20, -10, -20) == 10  # deductions are capped by size too


def _contents(n):
    return [{"household": i, "points": 10} for i in range(n)]


def test_chain_links_each_entry_to_the_previous():
    links = chain(GENESIS, 1, _contents(3))
    assert [seq for seq, _, _ in links] == [1, 2, 3]
    assert links[0][1] == GENESIS and links[1][1] == links[0][2] and links[2][1] == links[1][2]
    continued = chain(links[1][2], 3, _contents(3)[2:])
    assert continued[0] == links[2]


def test_first_break_finds_an_altered_entry():
    contents = _contents(4)
    rows = [(seq, prev, digest, content) for (seq, prev, digest), content in zip(chain(GENESIS, 1, contents), contents, strict=True)]
    assert first_break(rows) is None
    tampered = [list(r) for r in rows]
    tampered[2][3] = {"household": 2, "points": 100}
    assert first_break([tuple(r) for r in tampered]) == 3
    assert first_break(rows[:1] + rows[2:]) == 3  # a deleted entry breaks the next one
