import pytest

from grassroots.rules.divisions import LEVEL_LABELS, LEVELS, Division, read_divisions, subtree, validate

REGION = "150000000000"
WENGNIUTE = "150426000000"  # 翁牛特旗
WUDAN = "150426100000"  # 乌丹镇
GUANGDEGONG = "150426104000"  # 广德公镇


@pytest.fixture(scope="module")
def divisions():
    return read_divisions()


def by_name(divs, name):
    return [d for d in divs if d.name == name]


def test_levels_and_labels():
    assert LEVELS == ("region", "prefecture", "county", "township", "village", "grid")
    assert set(LEVEL_LABELS) == set(LEVELS)
    assert LEVEL_LABELS["village"] == "嘎查村社区"


def test_fixture_validates_clean(divisions):
    assert validate(divisions) == []
    assert [d.code for d in divisions] == sorted(d.code for d in divisions)
    assert divisions[0] == Division(REGION, "内蒙古自治区", "region", "")


def test_twelve_prefecture_level_units(divisions):
    prefectures = [d for d in divisions if d.level == "prefecture"]
    assert len(prefectures) == 12
    assert all(d.parent_code == REGION for d in prefectures)
    assert sum(d.name.endswith("市") for d in prefectures) == 9
    assert sorted(d.name for d in prefectures if d.name.endswith("盟")) == [
        "兴安盟",
        "锡林郭勒盟",
        "阿拉善盟",
    ]


def test_wengniute_subtree_contains_wudan(divisions):
    tree = subtree(divisions, WENGNIUTE)
    assert tree[0] == Division(WENGNIUTE, "翁牛特旗", "county", "150400000000")
    assert Division(WUDAN, "乌丹镇", "township", WENGNIUTE) in tree
    assert [d.code for d in tree] == sorted(d.code for d in tree)
    assert all(d.code.startswith("150426") for d in tree)


def test_villages_under_their_townships(divisions):
    [saiqin] = by_name(subtree(divisions, WUDAN), "赛沁塔拉嘎查")
    assert saiqin.level == "village" and saiqin.parent_code == WUDAN
    [guanjingzi] = by_name(subtree(divisions, GUANGDEGONG), "官井子村")
    assert guanjingzi.level == "village" and guanjingzi.parent_code == GUANGDEGONG


def test_no_committee_suffixes_left(divisions):
    villages = [d for d in divisions if d.level == "village"]
    assert villages
    assert not [d for d in villages if d.name.endswith(("委员会", "委会"))]


def test_subtree_unknown_code_is_empty(divisions):
    assert subtree(divisions, "159999999999") == []


def test_read_divisions_from_path(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("code,name,level,parent_code\n150000000000,内蒙古自治区,region,\n", encoding="utf-8")
    assert read_divisions(p) == [Division("150000000000", "内蒙古自治区", "region", "")]


SMALL = [
    Division("150000000000", "内蒙古自治区", "region", ""),
    Division("150400000000", "赤峰市", "prefecture", "150000000000"),
    Division("150426000000", "翁牛特旗", "county", "150400000000"),
]


def test_validate_small_clean():
    assert validate(SMALL) == []


def test_validate_duplicate_code():
    problems = validate(SMALL + [Division("150426000000", "翁牛特旗", "county", "150400000000")])
    assert len(problems) == 1 and "150426000000" in problems[0] and "重复" in problems[0]


def test_validate_unknown_parent():
    problems = validate(SMALL + [Division("150426100000", "乌丹镇", "township", "150499000000")])
    assert len(problems) == 1 and "150426100000" in problems[0] and "150499000000" in problems[0]
    assert "不存在" in problems[0]


def test_validate_level_not_one_below_parent():
    problems = validate(SMALL + [Division("150426100223", "赛沁塔拉嘎查", "village", "150426000000")])
    assert len(problems) == 1 and "150426100223" in problems[0] and "下一级" in problems[0]


def test_validate_code_not_12_digits():
    problems = validate(SMALL + [Division("150426100", "乌丹镇", "township", "150426000000")])
    assert len(problems) == 1 and "150426100" in problems[0] and "12 位" in problems[0]
    problems = validate(SMALL + [Division("15042610000A", "乌丹镇", "township", "150426000000")])
    assert len(problems) == 1 and "15042610000A" in problems[0]
