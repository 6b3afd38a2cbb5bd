from grassroots.rules.storable_text import first_unstorable, unstorable_reason


def test_ordinary_text_of_any_script_is_storable():
    assert unstorable_reason("赛音朝克图 ᠰᠠᠶᠢᠨ 😀 tab\tnewline\n") is None


def test_a_nul_character_is_refused_in_chinese():
    assert "空字符" in unstorable_reason("张\x00明")


def test_a_lone_surrogate_is_refused_but_a_real_emoji_is_not():
    assert "代理码点" in unstorable_reason("a\ud800b")
    assert unstorable_reason("\U0001F600") is None


def test_nested_values_and_keys_are_searched():
    assert first_unstorable({"items": [{"note": "ok"}, {"note": "x\x00"}]})
    assert first_unstorable({"k\x00": 1})
    assert first_unstorable([1, None, True, {"a": ["b"]}]) is None
