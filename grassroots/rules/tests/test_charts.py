from grassroots.rules.charts import SHADES, bar_lengths, shade_levels


def test_shades_run_from_nothing_to_the_largest_figure():
    assert shade_levels([0, None, 100, 50, 1, -3]) == [0, 0, SHADES, 2, 1, 0]
    assert shade_levels([26, 25, 24]) == [4, 4, 4]
    assert shade_levels([]) == []
    assert shade_levels([0, None]) == [0, 0]


def test_bars_are_in_proportion_to_the_largest_value():
    assert bar_lengths([10, 5, 0, -2], 100) == [100.0, 50.0, 0.0, 0.0]
    assert bar_lengths([0, 0], 50) == [0.0, 0.0]
