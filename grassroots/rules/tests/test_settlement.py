from datetime import date

import pytest

from grassroots.rules.settlement import (
    DEFAULT_CREDIT_BANDS,
    DEFAULT_STAR_BANDS,
    Ranked,
    check_bands,
    competition_ranks,
    credit_band,
    fen_for,
    honours,
    points_for_fen,
    quarter_bounds,
    quarter_of,
    settle,
    stars_for,
    yuan_text,
)


def test_seed_004_example_235_points_redeem_47_yuan():
    line = settle(235, vetoed=False, threshold=80)
    assert line.eligible and line.credit == 235
    assert fen_for(line.credit, 5) == 4700
    assert yuan_text(fen_for(235, 5)) == "47元"


def test_below_threshold_and_veto_are_refused_with_reasons():
    assert settle(79, vetoed=False, threshold=80).reason == "本季度79分，未达到80分"
    assert settle(80, vetoed=False, threshold=80).eligible
    vetoed = settle(500, vetoed=True, threshold=80)
    assert not vetoed.eligible and vetoed.credit == 0 and "否决" in vetoed.reason


def test_money_rounds_down_and_prices_round_up():
    assert fen_for(233, 5) == 4660 and yuan_text(4660) == "46.60元"
    assert fen_for(1, 3) == 33
    assert points_for_fen(1250, 5) == 63  # 12.50 yuan is 62.5 points: the shop asks 63
    assert points_for_fen(1000, 5) == 50


def test_quarters():
    assert quarter_bounds(2026, 1) == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_bounds(2024, 1)[1] == date(2024, 3, 31)
    assert quarter_bounds(2026, 4) == (date(2026, 10, 1), date(2026, 12, 31))
    assert quarter_of(date(2026, 9, 30)) == (2026, 3)
    with pytest.raises(ValueError):
        quarter_bounds(2026, 5)


def test_ties_share_a_rank_and_the_next_rank_skips():
    assert competition_ranks([300, 250, 250, 200, 200, 200, 10]) == [1, 2, 2, 4, 4, 4, 7]
    assert competition_ranks([]) == []


def test_stars_and_credit_bands():
    assert stars_for(400, DEFAULT_STAR_BANDS) == 5
    assert stars_for(399, DEFAULT_STAR_BANDS) == 4
    assert stars_for(79, DEFAULT_STAR_BANDS) == 0
    assert credit_band(320, vetoed=False, bands=DEFAULT_CREDIT_BANDS) == "优秀"
    assert credit_band(319, vetoed=False, bands=DEFAULT_CREDIT_BANDS) == "良好"
    assert credit_band(119, vetoed=False, bands=DEFAULT_CREDIT_BANDS) == "较差"
    assert credit_band(900, vetoed=True, bands=DEFAULT_CREDIT_BANDS) == "较差"


def test_honours_take_everyone_tied_at_the_cut_and_skip_vetoed():
    ranked = [Ranked("a", 500, True), Ranked("b", 300, False), Ranked("c", 280, False),
              Ranked("d", 280, False), Ranked("e", 250, False), Ranked("f", 100, False)]
    won = honours(ranked, [{"name": "最美家庭", "top": 2, "min": 240}, {"name": "进步户", "min": 250}])
    assert won == {"b": ["最美家庭", "进步户"], "c": ["最美家庭", "进步户"], "d": ["最美家庭", "进步户"],
                   "e": ["进步户"]}


def test_configuration_problems_are_named():
    assert check_bands(DEFAULT_STAR_BANDS, DEFAULT_CREDIT_BANDS, [{"name": "最美家庭", "top": 3}]) == {}
    errors = check_bands([{"stars": 6, "min": 1}], [{"band": "优秀", "min": 100}, {"band": "良好", "min": 200}],
                         [{"name": "", "top": 0}])
    assert set(errors) == {"star_bands", "credit_bands", "honours"}
    assert check_bands([], [{"band": "很好", "min": 1}], [])["credit_bands"].startswith("信用等级只能是")
