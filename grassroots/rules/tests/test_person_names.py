import random

import pytest

from grassroots.rules.person_names import (
    FEMALE,
    FEMALE_ENDINGS,
    MALE,
    MALE_ENDINGS,
    MONGOLIAN_MAX_LENGTH,
    MONGOLIAN_MIN_LENGTH,
    NameGenerator,
    PersonName,
    _mongolian_table,
    _surname_table,
    generate_names,
    random_name,
)


def test_same_seed_same_names_other_seed_other_names():
    assert generate_names(2000, seed=7) == generate_names(2000, seed=7)
    assert generate_names(2000, seed=7) != generate_names(2000, seed=8)


def test_random_name_uses_the_callers_rng():
    a = [random_name(random.Random(5)) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    assert isinstance(a[0], PersonName)


def test_no_empty_names_and_genders_are_m_or_f():
    for p in generate_names(20_000, seed=1, mongolian_share=0.3):
        assert p.name and p.name.strip() == p.name
        assert p.gender in (MALE, FEMALE)


def test_mix_is_near_the_requested_share():
    for share in (0.0, 0.2, 0.7, 1.0):
        names = generate_names(20_000, seed=3, mongolian_share=share)
        got = sum(p.is_mongolian for p in names) / len(names)
        assert abs(got - share) < 0.015, (share, got)
        assert abs(sum(p.gender == MALE for p in names) / len(names) - 0.5) < 0.015


def test_mongolian_names_end_as_their_gender_and_have_3_to_6_characters():
    gen = NameGenerator(11)
    for gender, own, other in ((MALE, MALE_ENDINGS, FEMALE_ENDINGS), (FEMALE, FEMALE_ENDINGS, MALE_ENDINGS)):
        for _ in range(5000):
            p = gen.person(gender, mongolian=True)
            assert p.is_mongolian and p.gender == gender
            assert MONGOLIAN_MIN_LENGTH <= len(p.name) <= MONGOLIAN_MAX_LENGTH, p.name
            assert p.name.endswith(own), p.name
            assert not p.name.endswith(other), p.name


@pytest.mark.parametrize("gender", [MALE, FEMALE])
def test_every_name_in_the_mongolian_pool_is_well_formed(gender):
    names, _ = _mongolian_table(gender)
    own, other = (MALE_ENDINGS, FEMALE_ENDINGS) if gender == MALE else (FEMALE_ENDINGS, MALE_ENDINGS)
    assert len(names) > 500
    for name in names:
        assert MONGOLIAN_MIN_LENGTH <= len(name) <= MONGOLIAN_MAX_LENGTH
        assert name.endswith(own) and not name.endswith(other)


def test_known_examples_are_in_the_pools():
    assert "乌云毕力格" in _mongolian_table(MALE)[0]
    assert "敖云代来" in _mongolian_table(MALE)[0]
    assert "萨仁高娃" in _mongolian_table(FEMALE)[0]


def test_han_names_have_a_surname_and_one_or_two_given_characters():
    surnames = set(_surname_table()[0])
    gen = NameGenerator(2)
    lengths = set()
    for _ in range(5000):
        for year in (1950, 2005):
            p = gen.person(mongolian=False, birth_year=year)
            surname = p.name[:2] if p.name[:2] in surnames else p.name[:1]
            assert surname in surnames
            assert 1 <= len(p.name) - len(surname) <= 2
            lengths.add(len(p.name) - len(surname))
    assert lengths == {1, 2}


def test_surnames_follow_frequency_with_northern_ones_common():
    gen = NameGenerator(4)
    counts = {}
    for _ in range(50_000):
        s = gen.surname()
        counts[s] = counts.get(s, 0) + 1
    top = sorted(counts, key=counts.get, reverse=True)[:10]
    assert {"王", "李", "张", "刘"} <= set(top)
    assert counts["赵"] > counts["黄"] and counts["高"] > counts["林"]


def test_given_names_suit_gender_and_generation():
    gen = NameGenerator(9)
    old_women = {gen.given_name(FEMALE, birth_year=1950) for _ in range(3000)}
    young_women = {gen.given_name(FEMALE, birth_year=2010) for _ in range(3000)}
    men = {gen.given_name(MALE, birth_year=1980) for _ in range(3000)}
    assert {"秀兰", "桂英"} & old_women
    assert not {"秀兰", "桂英"} & young_women
    assert not {"秀兰", "桂英", "娜", "婷婷"} & men


def test_children_can_carry_a_surname():
    gen = NameGenerator(1)
    assert all(gen.person(MALE, mongolian=False, surname="白").name.startswith("白") for _ in range(100))


def test_share_out_of_range_is_refused():
    with pytest.raises(ValueError):
        NameGenerator(1, mongolian_share=1.5)
