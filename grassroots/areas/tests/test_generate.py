from collections import Counter
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, F, Q

from grassroots.areas import services
from grassroots.areas.generate import NamePinyin, divisions_for, generate_population
from grassroots.areas.models import Area, Household, Person, Tag
from grassroots.audit.models import AuditEntry
from grassroots.core.protect import digest, unseal
from grassroots.rules.idnumber import parse_id_number
from grassroots.rules.masking import mask_id_number
from grassroots.rules.mobile import normalise_mobile
from grassroots.rules.person_names import NameGenerator, _mongolian_table, _surname_table
from grassroots.rules.pinyin import pinyin_keys

COUNTY = "150426"  # 翁牛特旗
MONGOLIAN_MALE = frozenset(_mongolian_table("M")[0])
MONGOLIAN_FEMALE = frozenset(_mongolian_table("F")[0])
TODAY = date(2026, 3, 1)


def test_pinyin_of_generated_names_equals_pinyin_keys():
    """NamePinyin composes surname and given name; pypinyin reading the whole must agree."""
    keys = NamePinyin()
    gen = NameGenerator(17)
    surnames = _surname_table()[0]
    for i in range(30_000):
        surname = surnames[i % len(surnames)] if i % 3 == 0 else gen.surname()
        given = gen.given_name("M" if i % 2 else "F", birth_year=1950 + i % 70)
        assert keys.han(surname, given) == pinyin_keys(surname + given), surname + given
    for s, g in (("单", "于飞"), ("尉", "迟明"), ("曾", "国藩"), ("张", "长江"), ("欧阳", "明"), ("查", "干")):
        assert keys.han(s, g) == pinyin_keys(s + g)
    for _ in range(3000):
        name = gen.mongolian("M")
        assert keys.mongolian(name) == pinyin_keys(name, has_surname=False)


pytestmark = pytest.mark.django_db


def run(actor, households=300, **kw):
    kw.setdefault("county_codes", [COUNTY])
    kw.setdefault("today", TODAY)
    return generate_population(actor=actor, households=households, **kw)


def snapshot():
    """What a run produced, without database ids or the random nonce of sealed numbers."""
    households = list(Household.objects.order_by("village__code", "number")
                      .values_list("village__code", "number", "address", "grid__code", "path"))
    people = list(Person.objects.order_by("household__village__code", "household__number", "id").values_list(
        "household__number", "name", "name_pinyin", "gender", "birth_date", "relation", "ethnicity",
        "id_number_digest", "id_number_masked", "mobile", "party_status", "is_mobile_member"))
    tags = sorted(Person.tags.through.objects.values_list("person__household__number", "person__name", "tag__code"))
    return households, people, tags


def wipe():
    Person.tags.through.objects.all().delete()
    Person.objects.all().delete()
    Household.objects.all().delete()


@pytest.fixture
def generated(system_actor):
    return run(system_actor, seed=5)


def test_counts_match_the_database(generated):
    assert generated["households"] == 300 == Household.objects.count()
    assert generated["write_overlapped"] is False  # inside the test's transaction: written inline
    assert generated["persons"] == Person.objects.count()
    assert generated["person_tags"] == Person.tags.through.objects.count()
    assert generated["id_numbers"] == Person.objects.exclude(id_number_digest=None).count()
    assert generated["party_members"] == Person.objects.exclude(party_status="").count()
    assert 300 <= generated["persons"] <= 6 * 300
    assert 2.0 < generated["persons"] / 300 < 3.5
    sizes = Counter(Household.objects.annotate(n=Count("members")).values_list("n", flat=True))
    assert set(sizes) <= set(range(1, 7)) and len(sizes) >= 5


def test_only_the_county_and_its_ancestors_are_loaded(generated):
    assert set(Area.objects.filter(level="county").values_list("code", flat=True)) == {"150426000000"}
    assert Area.objects.filter(level="prefecture").count() == 1
    fixture_villages = [d for d in divisions_for([COUNTY]) if d.level == "village"]
    assert Area.objects.filter(level="village").count() == len(fixture_villages) > 200


def test_every_household_has_exactly_one_head_and_people_share_its_path(generated):
    heads = Household.objects.annotate(h=Count("members", filter=Q(members__relation="head")))
    assert set(heads.values_list("h", flat=True)) == {1}
    assert not Person.objects.exclude(path=F("household__path")).exists()
    assert not Household.objects.exclude(path=F("grid__path")).exists()
    assert not Household.objects.exclude(village=F("grid__parent")).exists()


def test_grids_are_numbered_under_their_village(generated):
    grids = Area.objects.filter(level="grid").select_related("parent")
    assert grids.exists()
    for grid in grids:
        assert grid.code[:12] == grid.parent.code and len(grid.code) == 15
        assert grid.name == f"第{int(grid.code[12:])}网格"
        assert grid.path == f"{grid.parent.path}{grid.code}/"
    per_village = Counter(g.parent_id for g in grids)
    assert set(per_village.values()) == {3}


def test_household_numbers_are_unique_per_village_and_addresses_realistic(generated):
    pairs = list(Household.objects.values_list("village_id", "number"))
    assert len(pairs) == len(set(pairs))
    for h in Household.objects.select_related("village")[:100]:
        assert h.address.startswith(h.village.name)
        assert h.address.endswith("号") or h.address.endswith("室")
        assert h.number.startswith(h.village.code[6:])


def test_id_numbers_unseal_to_valid_numbers_matching_the_person(generated):
    people = Person.objects.exclude(id_number_digest=None)
    share = people.count() / Person.objects.count()
    assert 0.5 < share < 0.7
    for p in people:
        value = unseal(p.id_number_sealed)
        parsed = parse_id_number(value, today=TODAY)
        assert value.startswith(COUNTY)
        assert parsed.birth_date == p.birth_date and parsed.gender == p.gender
        assert p.id_number_digest == digest(value)
        assert p.id_number_masked == mask_id_number(value)
    assert not Person.objects.filter(id_number_digest=None).exclude(id_number_sealed="", id_number_masked="").exists()


def test_people_look_like_people(generated):
    people = list(Person.objects.select_related("household"))
    by_household: dict[int, list[Person]] = {}
    for p in people:
        by_household.setdefault(p.household_id, []).append(p)
        assert p.name and p.gender in ("M", "F") and p.birth_date <= TODAY
        if p.name in MONGOLIAN_MALE or p.name in MONGOLIAN_FEMALE:
            assert p.ethnicity == "蒙古族"
            assert p.gender == ("M" if p.name in MONGOLIAN_MALE else "F"), p.name
            assert (p.name_pinyin, p.name_initials) == pinyin_keys(p.name, has_surname=False)
        else:
            assert (p.name_pinyin, p.name_initials) == pinyin_keys(p.name), p.name
        if p.mobile:
            assert normalise_mobile(p.mobile) == p.mobile and p.mobile[:2] in ("13", "15", "18")
        if p.is_mobile_member:
            assert p.party_status
        if p.party_status:
            assert (TODAY - p.birth_date).days >= 18 * 365
    for members in by_household.values():
        head = next(m for m in members if m.relation == "head")
        for m in members:
            if m.relation == "spouse":
                assert m.gender != head.gender
            if m.relation == "child":
                assert m.birth_date > head.birth_date
            if m.relation == "parent":
                assert m.birth_date < head.birth_date
    party = sum(bool(p.party_status) for p in people) / len(people)
    assert 0.03 < party < 0.12
    assert any(p.party_status == "probationary" for p in people)
    mongolian = sum(p.ethnicity == "蒙古族" for p in people) / len(people)
    assert 0.1 < mongolian < 0.35
    assert 0.1 < sum(p.name in MONGOLIAN_MALE or p.name in MONGOLIAN_FEMALE for p in people) / len(people) < 0.35
    assert Counter(p.ethnicity for p in people).most_common(1)[0][0] == "汉族"
    assert 0.3 < sum(bool(p.mobile) for p in people) / len(people) < 0.95


def test_tags_include_circumstances_and_a_few_sensitive_ones(generated):
    used = Counter(Person.tags.through.objects.values_list("tag__code", flat=True))
    assert {"herder", "farmer"} <= set(used)
    sensitive = set(Tag.objects.filter(sensitive=True).values_list("code", flat=True))
    assert 0 < sum(n for code, n in used.items() if code in sensitive) < 0.15 * Person.objects.count()
    assert set(used) <= {code for code, *_ in services.DEFAULT_TAGS}


def test_one_audit_record_per_run_with_counts(generated, system_actor):
    entries = AuditEntry.objects.filter(action="areas.generate_population")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.data["households"] == 300 and entry.data["persons"] == generated["persons"]
    assert entry.area_path == Area.objects.get(code="150426000000").path
    run(system_actor, households=10, seed=5)
    assert entries.count() == 2


def test_same_seed_gives_the_same_population_whatever_the_chunk_size(system_actor):
    run(system_actor, seed=9)
    first = snapshot()
    wipe()
    result = run(system_actor, seed=9, chunk_size=37)
    assert result["grids_created"] == 0
    assert snapshot() == first
    wipe()
    run(system_actor, seed=10)
    assert snapshot()[1] != first[1]


def test_a_second_run_adds_households_without_clashes(system_actor):
    first = run(system_actor, seed=3)
    numbers_before = set(Household.objects.values_list("village_id", "number"))
    second = run(system_actor, households=200, seed=3)
    assert second["grids_created"] == 0
    assert Household.objects.count() == 500
    assert Person.objects.count() == first["persons"] + second["persons"]
    pairs = list(Household.objects.values_list("village_id", "number"))
    assert len(pairs) == len(set(pairs)) and numbers_before <= set(pairs)
    digests = list(Person.objects.exclude(id_number_digest=None).values_list("id_number_digest", flat=True))
    assert len(digests) == len(set(digests))


def test_an_id_number_already_registered_is_not_reused(system_actor):
    run(system_actor, households=40, seed=4)
    taken = list(Person.objects.exclude(id_number_digest=None).order_by("id")[:5])
    values = [(unseal(p.id_number_sealed), p.birth_date, p.gender) for p in taken]
    owners = [(p.household.number, p.name, p.birth_date) for p in taken]
    wipe()
    # The same five numbers, registered by hand before the generator runs again.
    grid = Area.objects.filter(level="grid").first()
    household = services.create_household(actor=system_actor, grid=grid, number="HAND-1", address="手工录入")
    for i, (value, _, _) in enumerate(values):
        services.add_person(actor=system_actor, household=household, name=f"张{'一二三四五'[i]}", id_number=value)
    result = run(system_actor, households=40, seed=4)
    digests = list(Person.objects.exclude(id_number_digest=None).values_list("id_number_digest", flat=True))
    assert len(digests) == len(set(digests))
    assert result["id_numbers"] == Person.objects.exclude(id_number_digest=None).count() - 5
    for p in Person.objects.exclude(household=household).exclude(id_number_digest=None):
        parsed = parse_id_number(unseal(p.id_number_sealed), today=TODAY)
        assert parsed.birth_date == p.birth_date and parsed.gender == p.gender
    # The same seed drew the same people, who got other numbers than the registered ones.
    for (number, name, birth), (value, _, _) in zip(owners, values, strict=True):
        again = Person.objects.get(household__number=number, name=name, birth_date=birth)
        assert again.id_number_digest and again.id_number_digest != digest(value)


def test_progress_is_reported_per_chunk(system_actor):
    calls = []
    run(system_actor, households=120, seed=2, chunk_size=50, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(50, 120), (100, 120), (120, 120)]


def test_id_share_zero_writes_no_id_numbers(system_actor):
    result = run(system_actor, households=30, id_share=0.0)
    assert result["id_numbers"] == 0
    assert not Person.objects.exclude(id_number_digest=None).exists()


def test_bad_arguments_are_refused(system_actor):
    with pytest.raises(ValidationError):
        run(system_actor, county_codes=["159999"])
    with pytest.raises(ValidationError):
        run(system_actor, county_codes=["15042"])
    with pytest.raises(ValidationError):
        run(system_actor, households=-1)
    with pytest.raises(ValidationError):
        run(system_actor, id_share=1.5)
    assert not Household.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_writing_thread_overlaps_the_making(system_actor):
    if connection.vendor != "postgresql":
        pytest.skip("the background writer runs on PostgreSQL only (SQLite writes inline)")
    calls = []
    result = run(system_actor, households=120, seed=6, chunk_size=50, progress=lambda d, t: calls.append(d))
    assert result["write_overlapped"] is True
    assert calls == [50, 100, 120]
    assert Household.objects.count() == 120 and Person.objects.count() == result["persons"]
    heads = Household.objects.annotate(h=Count("members", filter=Q(members__relation="head")))
    assert set(heads.values_list("h", flat=True)) == {1}
    assert AuditEntry.objects.filter(action="areas.generate_population").count() == 1
