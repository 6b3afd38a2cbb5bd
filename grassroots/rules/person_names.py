"""Realistic personal names for demo and synthetic data: Han names and Mongolian names in Han characters.

Pure Python, no Django. Seeded (``random.Random``) and fast: every pool is built once, on first
use, and a name is then a few table look-ups (well over 200,000 names a second).

- Han names: surnames weighted by their real frequency (Faker zh_CN's table, nudged towards the
  north: 赵 孙 高 郭 于 韩 白 … are commoner in Inner Mongolia than 陈 黄 林 郑 …), then a given name
  of one or two characters, appropriate to the gender and to the generation (秀兰 and 建国 for those
  born before 1975, 欣怡 and 浩然 after).
- Mongolian names have no surname: two or three name parts joined into 3–6 characters, the last
  part deciding the gender (…其其格, …高娃, …托娅 are women; …巴特尔, …毕力格, …特木尔 are men),
  e.g. 乌云毕力格, 敖云代来, 萨仁高娃, 宝音图.

``NameGenerator(seed, mongolian_share=0.2).person()`` returns ``PersonName(name, gender, is_mongolian)``.
"""

import random
from bisect import bisect
from collections.abc import Iterator
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

MALE = "M"
FEMALE = "F"

# ---------------------------------------------------------------- Han names

# Multipliers applied to Faker's national surname frequencies: northern surnames up, southern down.
NORTHERN_BOOST = {
    "王": 1.3, "李": 1.2, "张": 1.3, "刘": 1.3, "赵": 1.8, "杨": 1.2, "高": 1.8, "孙": 1.8, "马": 1.6,
    "郭": 1.8, "于": 2.5, "徐": 1.0, "韩": 2.0, "白": 3.0, "宋": 1.6, "邢": 2.0, "闫": 3.0, "贾": 1.8,
    "任": 1.6, "曹": 1.5, "董": 1.8, "吕": 1.8, "崔": 2.0, "冯": 1.5, "武": 2.2, "石": 1.8, "乔": 2.2,
    "苏": 1.5, "田": 1.6, "康": 2.0, "侯": 2.0, "牛": 2.5, "郝": 2.5, "秦": 1.5, "尹": 1.5, "孟": 2.0,
    "薛": 1.8, "常": 2.2, "包": 4.0, "鲍": 2.0, "那": 3.0, "关": 2.0, "佟": 3.0, "付": 1.5, "齐": 2.0,
    "梁": 1.0, "陈": 0.5, "黄": 0.35, "吴": 0.6, "周": 0.7, "林": 0.35, "郑": 0.5, "罗": 0.4, "何": 0.5,
    "谢": 0.4, "唐": 0.5, "许": 0.7, "邓": 0.4, "曾": 0.3, "彭": 0.4, "蔡": 0.4, "潘": 0.5,
    "钟": 0.3, "廖": 0.2, "赖": 0.2, "欧阳": 0.3, "叶": 0.5, "卢": 0.6, "蒋": 0.5, "余": 0.5,
}

# Given-name characters by gender and generation: (first characters, second characters).
_GIVEN_PARTS = {
    (MALE, "old"): (
        "建国志永玉宝金树振庆长福德文学春海俊忠立殿万占广世成连来明风云兴全德英有凤",
        "国华军民强刚明林山生平祥成忠福贵财海江才武文峰东义仁全发春良清彬喜荣田河",
    ),
    (FEMALE, "old"): (
        "秀桂玉凤淑春美丽素翠金兰彩爱月冬红艳晓丽海亚雪小",
        "兰英珍芝芬梅琴霞华荣莲花云萍香娥清凤枝荣杰君敏霞",
    ),
    (MALE, "new"): (
        "浩子宇俊博文志建明晨泽一天思嘉佳鹏海伟晓彦家振宏国金永瑞",
        "轩然涛宇阳杰辰鑫浩博睿豪航鹏磊凯伟楠恒龙飞斌超亮强东波勇",
    ),
    (FEMALE, "new"): (
        "欣雨佳思梓诗晓婉子可紫梦静雅丽春海文美慧艳秀玉",
        "怡涵萱琪彤妍婷悦雯琳洁颖璐瑶娜丹薇然宁月茹倩敏",
    ),
}
# Single-character given names (张伟, 李娜): commonest among those born 1960–1995.
_SINGLE = {
    MALE: "伟强磊洋勇军杰涛超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林峰亮斌东海成红军",
    FEMALE: "芳娜敏静丽艳娟霞燕玲丹萍红玉兰英梅琳莉婷雪慧颖琴倩晶洁",
}
_SINGLE_SHARE = {"old": 0.28, "new": 0.18}
_OLD_FASHIONED = set("秀桂淑凤翠兰英珍芬娥芝莲素")  # kept out of the younger generation's names
OLD_BEFORE = 1975  # birth year before which the older given-name pool is used


class PersonName(NamedTuple):
    name: str
    gender: str  # "M" or "F"
    is_mongolian: bool


def _zipf_weights(n: int, s: float = 0.8) -> list[float]:
    return [1.0 / (rank + 1) ** s for rank in range(n)]


def _weighted(items: list[str], weights: list[float]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    return tuple(items), tuple(accumulate(weights))


@lru_cache(maxsize=1)
def _faker_names() -> tuple[dict[str, float], list[str], list[str]]:
    """Faker zh_CN's surname frequencies and given names, read once; small built-ins if Faker is absent."""
    try:
        from faker.providers.person.zh_CN import Provider  # noqa: PLC0415 - optional: built-in names if Faker is absent
    except ImportError:  # pragma: no cover - Faker is a declared dependency
        surnames = dict.fromkeys("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗", 1.0)
        return surnames, [], []
    return dict(Provider.last_names), list(Provider.first_names_male), list(Provider.first_names_female)


@lru_cache(maxsize=1)
def _surname_table() -> tuple[tuple[str, ...], tuple[float, ...]]:
    faker_surnames, _, _ = _faker_names()
    weighted = {s: w * NORTHERN_BOOST.get(s, 1.0) for s, w in faker_surnames.items() if w > 0}
    for s in ("包", "那", "佟", "闫"):  # common in Inner Mongolia, rare or missing nationally
        weighted.setdefault(s, 0.3 * NORTHERN_BOOST.get(s, 1.0))
    items = sorted(weighted, key=lambda s: (-weighted[s], s))
    return _weighted(items, [weighted[s] for s in items])


@lru_cache(maxsize=4)
def _given_table(gender: str, era: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Two-character given names for one gender and generation, Zipf-weighted in a fixed shuffled order."""
    _, faker_male, faker_female = _faker_names()
    firsts, seconds = _GIVEN_PARTS[(gender, era)]
    names = {a + b for a in dict.fromkeys(firsts) for b in dict.fromkeys(seconds) if a != b}
    faker = (n for n in (faker_male if gender == MALE else faker_female) if len(n) == 2)
    names.update(n for n in faker if era == "old" or not set(n) & _OLD_FASHIONED)
    if gender == FEMALE and era == "new":
        names.update(("婷婷", "丹丹", "佳佳", "欣欣", "琪琪"))
    ordered = sorted(names)
    random.Random(f"given:{gender}:{era}").shuffle(ordered)
    return _weighted(ordered, _zipf_weights(len(ordered), 0.7))


@lru_cache(maxsize=2)
def _single_table(gender: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    _, faker_male, faker_female = _faker_names()
    chars = dict.fromkeys(_SINGLE[gender])
    chars.update(dict.fromkeys(n for n in (faker_male if gender == MALE else faker_female) if len(n) == 1))
    ordered = list(chars)
    return _weighted(ordered, _zipf_weights(len(ordered), 0.6))


# ---------------------------------------------------------------- Mongolian names

# Leading parts, usable for either gender.
MONGOLIAN_PREFIXES = (
    "乌云", "额尔敦", "苏和", "朝鲁", "斯琴", "那仁", "格日勒", "宝音", "呼和", "阿拉坦", "孟和", "敖日格勒",
    "白音", "乌力吉", "额尔德尼", "查干", "敖云", "哈斯", "图门", "满都拉", "巴雅尔", "吉日嘎拉", "那顺",
    "乌兰", "德力格尔", "布仁", "宝力高", "阿木尔", "额日很", "其达", "达古拉", "希日", "胡日查", "包",
)
MALE_PREFIXES = ("巴特", "巴图", "特木尔", "毕力格", "布和", "朝格", "达来", "扎那", "苏米亚")
FEMALE_PREFIXES = ("萨仁", "娜仁", "其木格", "斯日古楞", "格根", "乌日娜", "其其格", "托娅", "萨如拉")

# The last part decides the gender. No ending of one list is a suffix of any ending of the other.
MALE_ENDINGS = (
    "巴特尔", "毕力格", "特木尔", "布和", "巴雅尔", "朝鲁", "苏和", "代来", "巴图", "宝力道", "吉日嘎拉",
    "额尔敦", "那顺", "道尔吉", "扎布", "乌力吉", "孟和", "满都拉", "图门", "仓", "图", "夫", "达赖",
    "阿木古郎", "额尔德木图", "锡林", "宝音",
)
FEMALE_ENDINGS = (
    "其其格", "高娃", "托娅", "图雅", "其木格", "娜仁", "花", "格日乐", "萨仁", "塔娜", "珠拉", "乌日娜",
    "萨日娜", "琪琪格", "斯琴", "朝克图娅", "娜", "哈斯", "苏布达", "格格",
)
# Three-part names: two leading parts and a one-character ending (乌云 + 宝音 + 图, 哈斯 + 斯琴 + 花).
_THREE_PART_ENDINGS = {MALE: ("图", "夫", "仓"), FEMALE: ("花", "娜")}
_THREE_PART_SHARE = 0.08
MONGOLIAN_MIN_LENGTH = 3
MONGOLIAN_MAX_LENGTH = 6


@lru_cache(maxsize=2)
def _mongolian_table(gender: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Every valid Mongolian name of one gender, weighted: two-part names common, three-part rarer."""
    prefixes = MONGOLIAN_PREFIXES + (MALE_PREFIXES if gender == MALE else FEMALE_PREFIXES)
    endings = MALE_ENDINGS if gender == MALE else FEMALE_ENDINGS
    weights: dict[str, float] = {}
    for p in prefixes:
        for e in endings:
            name = p + e
            if p != e and not p.endswith(e) and MONGOLIAN_MIN_LENGTH <= len(name) <= MONGOLIAN_MAX_LENGTH:
                weights.setdefault(name, 1.0)
    two_part = len(weights)
    two_char = [p for p in MONGOLIAN_PREFIXES if len(p) == 2]
    three = [p + q + e for p in two_char for q in two_char for e in _THREE_PART_ENDINGS[gender]
             if p != q and p + q + e not in weights]
    for name in three:  # together about _THREE_PART_SHARE of the draws
        weights[name] = _THREE_PART_SHARE / (1 - _THREE_PART_SHARE) * two_part / len(three)
    ordered = sorted(weights)
    random.Random(f"mongolian:{gender}").shuffle(ordered)
    zipf = _zipf_weights(len(ordered), 0.5)
    return _weighted(ordered, [weights[n] * z for n, z in zip(ordered, zipf, strict=True)])


# ---------------------------------------------------------------- the generator


class NameGenerator:
    """Seeded source of names. Not thread-safe (one ``random.Random``), cheap to create.

    ``mongolian_share`` is the chance that ``person()`` gives a Mongolian name when not told which.
    """

    def __init__(self, seed: int | str = 1, *, mongolian_share: float = 0.2, rng: random.Random | None = None):
        if not 0.0 <= mongolian_share <= 1.0:
            raise ValueError("mongolian_share must be between 0 and 1")
        self.rng = rng if rng is not None else random.Random(seed)
        self.mongolian_share = mongolian_share
        self._surnames = _surname_table()
        self._given = {(g, era): _given_table(g, era) for g in (MALE, FEMALE) for era in ("old", "new")}
        self._single = {g: _single_table(g) for g in (MALE, FEMALE)}
        self._mongolian = {g: _mongolian_table(g) for g in (MALE, FEMALE)}

    @staticmethod
    def _pick(table: tuple[tuple[str, ...], tuple[float, ...]], r: float) -> str:
        items, cum = table
        return items[bisect(cum, r * cum[-1])]

    def surname(self) -> str:
        return self._pick(self._surnames, self.rng.random())

    def given_name(self, gender: str, *, birth_year: int | None = None) -> str:
        era = "old" if birth_year is not None and birth_year < OLD_BEFORE else "new"
        random_ = self.rng.random
        if random_() < _SINGLE_SHARE[era]:
            return self._pick(self._single[gender], random_())
        return self._pick(self._given[(gender, era)], random_())

    def han(self, gender: str, *, surname: str | None = None, birth_year: int | None = None) -> str:
        return (surname or self.surname()) + self.given_name(gender, birth_year=birth_year)

    def mongolian(self, gender: str) -> str:
        return self._pick(self._mongolian[gender], self.rng.random())

    def gender(self) -> str:
        return MALE if self.rng.random() < 0.5 else FEMALE

    def person(self, gender: str | None = None, *, mongolian: bool | None = None, surname: str | None = None,
               birth_year: int | None = None) -> PersonName:
        """One name. ``surname`` (for Han names) lets children carry their father's."""
        random_ = self.rng.random
        if gender is None:
            gender = MALE if random_() < 0.5 else FEMALE
        if mongolian is None:
            mongolian = random_() < self.mongolian_share
        if mongolian:
            return PersonName(self._pick(self._mongolian[gender], random_()), gender, True)
        return PersonName(self.han(gender, surname=surname, birth_year=birth_year), gender, False)

    def people(self, n: int) -> Iterator[PersonName]:
        for _ in range(n):
            yield self.person()


def random_name(rng: random.Random, *, gender: str | None = None, mongolian_share: float = 0.2,
                mongolian: bool | None = None, birth_year: int | None = None) -> PersonName:
    """One name from the caller's ``random.Random``: ``(name, gender, is_mongolian)``."""
    return NameGenerator(rng=rng, mongolian_share=mongolian_share).person(
        gender, mongolian=mongolian, birth_year=birth_year)


def generate_names(n: int, *, seed: int | str = 1, mongolian_share: float = 0.2) -> list[PersonName]:
    """``n`` names, the same list for the same seed."""
    return list(NameGenerator(seed, mongolian_share=mongolian_share).people(n))

