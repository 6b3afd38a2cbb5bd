"""A realistic synthetic population: households and people in the real villages of Inner Mongolia.

For demos, load tests and benchmarks. ``generate_population(actor=…, households=N)`` loads the
divisions it needs, makes grids, and writes N households with their members, fast enough for
N = 8,000,000 on PostgreSQL with memory flat in N:

- Rows are made in chunks (20,000 households by default) and each chunk is written in one
  transaction: COPY on PostgreSQL (ids reserved from the sequences first), ``executemany`` on SQLite.
- Only per-village and per-county state is kept between chunks (the next household number of
  each village, the ID-number sequences used in the current county) plus the name → pinyin cache,
  whose size is bounded by the name pools, not by N.
- Every village draws from its own ``random.Random(seed, village, first number)``, so the same seed
  gives the same people, and a second run continues the household numbers instead of clashing.

The rows are those the services would write (``person_values``): names with their pinyin keys,
ID numbers sealed, digested and masked (core.protect, rules.masking), valid mobiles. One audit
record describes the whole run; the divisions and default tags, when they are missing, are
created through their own services (with their own records).
"""

import logging
import queue
import random
import threading
import time
from bisect import bisect
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from itertools import accumulate

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from pypinyin.constants import PHRASES_DICT

from grassroots.areas import services
from grassroots.areas.models import Area, Household, Level, Person, Tag
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.protect import digest, seal
from grassroots.rules.divisions import read_divisions, subtree
from grassroots.rules.idnumber import make_id_number
from grassroots.rules.masking import mask_id_number
from grassroots.rules.person_names import FEMALE, MALE, NameGenerator
from grassroots.rules.pinyin import SURNAME_READINGS, pinyin_keys

logger = logging.getLogger(__name__)

CHUNK_HOUSEHOLDS = 20_000

HOUSEHOLD_COLUMNS = ("id", "grid_id", "village_id", "path", "number", "address", "is_active", "created_at",
                     "updated_at")
PERSON_COLUMNS = ("id", "household_id", "path", "name", "name_pinyin", "name_initials", "gender", "birth_date",
                  "relation", "ethnicity", "id_number_sealed", "id_number_digest", "id_number_masked", "mobile",
                  "party_status", "is_mobile_member", "is_active", "created_at", "updated_at")
PERSON_TAG_COLUMNS = ("person_id", "tag_id")

# Rough Mongolian shares of the population (census orders of magnitude, for synthetic data only).
MONGOLIAN_SHARE_BY_COUNTY = {
    "150426": 0.20,  # 翁牛特旗
    "150421": 0.30, "150422": 0.20, "150423": 0.35, "150428": 0.15, "150430": 0.05,
    "150521": 0.72, "150522": 0.75, "150524": 0.60, "150525": 0.40, "150526": 0.45,
    "150725": 0.50, "150726": 0.75, "150727": 0.80,
    "152221": 0.45, "152222": 0.85, "152223": 0.40,
    "152522": 0.50, "152523": 0.60, "152524": 0.40, "152525": 0.60, "152526": 0.60,
}
# Within a county: pastoral 嘎查 are far more Mongolian than farming 村.
_KIND_MONGOLIAN = {"gacha": 2.5, "village": 0.6, "community": 1.0}
# Relative size of a village by kind (社区 are big, 嘎查 small), before a per-village jitter.
_KIND_SIZE = {"gacha": 0.5, "village": 1.0, "community": 3.0, "virtual": 0.1}

# Household size 1–6 (rural Inner Mongolia averages about 2.6 people).
_SIZE_CUM = tuple(accumulate((0.17, 0.33, 0.24, 0.15, 0.08, 0.03)))
# China Mobile/Unicom/Telecom prefixes that phonenumbers accepts as mobile whatever follows.
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                   "153", "155", "156", "157", "158", "159", "180", "181", "182", "183", "184", "185",
                   "186", "187", "188", "189")
_CN_DIGITS = "零一二三四五六七八九十"

HEAD, SPOUSE, CHILD, PARENT, GRANDCHILD, OTHER = (Person.Relation.HEAD.value, Person.Relation.SPOUSE.value,
                                                   Person.Relation.CHILD.value, Person.Relation.PARENT.value,
                                                   Person.Relation.GRANDCHILD.value, Person.Relation.OTHER.value)
FULL, PROBATIONARY = Person.PartyStatus.FULL.value, Person.PartyStatus.PROBATIONARY.value
MONGOL, HAN = "蒙古族", "汉族"


def county_code(code: str) -> str:
    """'150426' or '150426000000' → '150426000000'; anything else raises ValidationError."""
    code = (code or "").strip()
    if len(code) == 6 and code.isdigit():
        code += "000000"
    if not (len(code) == 12 and code.isdigit() and code.endswith("000000")):
        raise ValidationError(f"旗县区代码 {code} 格式不正确（6位或12位）")
    return code


def divisions_for(county_codes: list[str] | None):
    """Fixture rows for the counties (all of Inner Mongolia when None) and their ancestors, in code order."""
    divisions = read_divisions()
    if county_codes is None:
        return divisions
    by_code = {d.code: d for d in divisions}
    wanted: dict[str, object] = {}
    for raw in county_codes:
        code = county_code(raw)
        d = by_code.get(code)
        if d is None or d.level != "county":
            raise ValidationError(f"区划表中没有旗县区 {code}")
        parent = by_code.get(d.parent_code)
        while parent is not None:
            wanted[parent.code] = parent
            parent = by_code.get(parent.parent_code)
        for row in subtree(divisions, code):
            wanted[row.code] = row
    return sorted(wanted.values(), key=lambda d: d.code)


def village_kind(name: str) -> str:
    if "虚拟" in name:
        return "virtual"
    if name.endswith("社区") or name.endswith("生活区"):
        return "community"
    if name.endswith("嘎查"):
        return "gacha"
    return "village"


def county_mongolian_share(code6: str, name: str) -> float:
    if code6 in MONGOLIAN_SHARE_BY_COUNTY:
        return MONGOLIAN_SHARE_BY_COUNTY[code6]
    if name.endswith("旗"):
        return 0.30
    if name.endswith("区"):
        return 0.12
    return 0.07


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder, ties by position)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    short = total - sum(counts)
    for i in sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))[:short]:
        counts[i] += 1
    return counts


def _plain(text: str) -> str:
    """Text with no character that COPY's text format would need escaped."""
    return text.translate(_COPY_SPECIAL)


_COPY_SPECIAL = str.maketrans({"\\": " ", "\t": " ", "\n": " ", "\r": " "})


def _common_path(paths: list[str]) -> str:
    if not paths:
        return ""
    parts = [p.split("/")[:-1] for p in paths]
    common = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return "".join(c + "/" for c in common)


@dataclass
class _Village:
    id: int
    code: str
    name: str
    path: str
    county6: str
    kind: str
    households: int = 0
    next_number: int = 1
    mongolian_share: float = 0.2
    grids: list[tuple[int, str]] = field(default_factory=list)  # (id, path), grid number order


@dataclass
class _Stats:
    households: int = 0
    persons: int = 0
    tags: int = 0
    id_numbers: int = 0
    party_members: int = 0
    mongolian_names: int = 0
    generate_seconds: float = 0.0
    id_seconds: float = 0.0
    pinyin_seconds: float = 0.0
    write_seconds: float = 0.0
    format_seconds: float = 0.0
    dropped_ids: int = 0


class _Chunk:
    """Rows of up to one chunk, with positions standing in for ids until they are reserved."""

    __slots__ = ("households", "persons", "tags", "ids")

    def __init__(self):
        self.households: list[tuple] = []  # HOUSEHOLD_COLUMNS[1:]
        self.persons: list[tuple] = []  # (household position, *PERSON_COLUMNS[2:])
        self.tags: list[tuple[int, int]] = []  # (person position, tag id)
        self.ids: list[tuple[int, str, date, bool]] = []  # (person position, county6, birth, male)


class NamePinyin:
    """``pinyin_keys`` of generated names, without asking pypinyin about every new name.

    pypinyin costs ~30 µs a name and a big run meets a million distinct ones. A Han name's keys are
    its surname's keys followed by its given name's, unless pinyin_keys would read across the join:
    a two-character surname reading (单于), or a pypinyin phrase that starts in the surname and ends
    in the given name. Those few (about 0.5%) are read whole. Parts and exceptions are cached, so
    memory is bounded by the name pools. test_generate checks the result equals pinyin_keys(name).
    """

    def __init__(self, stats: "_Stats | None" = None):
        self._phrases = PHRASES_DICT
        self._readings = SURNAME_READINGS
        self._surnames: dict[str, tuple[str, str]] = {}
        self._given: dict[str, tuple[str, str]] = {}
        self._whole: dict[str, tuple[str, str]] = {}
        self._mongolian: dict[str, tuple[str, str]] = {}
        self._stats = stats

    def _keys(self, text: str, has_surname: bool) -> tuple[str, str]:
        t = time.perf_counter()
        keys = pinyin_keys(text, has_surname=has_surname)
        if self._stats is not None:
            self._stats.pinyin_seconds += time.perf_counter() - t
        return keys

    def _read_whole(self, surname: str, given: str) -> bool:
        readings = self._readings
        if len(surname) == 1 and surname + given[:1] in readings:
            return True
        if surname in readings:
            return False  # pinyin_keys splits such a surname off before pypinyin sees the name
        if surname[:1] in readings:
            return True
        phrases = self._phrases
        for start in {surname, surname[-1:]}:
            for k in range(1, len(given) + 1):
                if start + given[:k] in phrases:
                    return True
        return False

    def han(self, surname: str, given: str) -> tuple[str, str]:
        s = self._surnames.get(surname)
        if s is None:
            if surname in self._readings:
                syllables = self._readings[surname]
                s = "".join(syllables), "".join(x[0] for x in syllables)
            else:
                s = self._keys(surname, False)
            self._surnames[surname] = s
        g = self._given.get(given)
        if g is None:
            g = self._given[given] = self._keys(given, False)
        name = surname + given
        whole = self._whole.get(name)
        if whole is not None:
            return whole
        if self._read_whole(surname, given):
            whole = self._whole[name] = self._keys(name, True)
            return whole
        return s[0] + g[0], s[1] + g[1]

    def mongolian(self, name: str) -> tuple[str, str]:
        keys = self._mongolian.get(name)
        if keys is None:
            keys = self._mongolian[name] = self._keys(name, False)
        return keys


class _Maker:
    """Makes the rows of one village's households. Pure Python, no database."""

    def __init__(self, *, seed: int, id_share: float, tag_ids: dict[str, int], today: date, stats: _Stats,
                 chunk_size: int = CHUNK_HOUSEHOLDS):
        self.seed = seed
        self.chunk_size = max(1, chunk_size)
        self.id_share = id_share
        self.tag = tag_ids
        self.today = today.toordinal()
        self.year = today.year
        self.stats = stats
        self.pinyin = NamePinyin(stats)
        self.used_ids: set[int] = set()  # birth ordinal * 1000 + sequence, for the current county
        self.used_county = ""

    # -- helpers -------------------------------------------------------------------------------

    def id_number(self, rng: random.Random, county6: str, birth: date, male: bool) -> tuple[str, str, str] | None:
        """A valid number unused in this run for the county and birth date: (sealed, digest, masked).

        None when the 500 sequences of that day and gender seem used up.
        """
        if county6 != self.used_county:
            self.used_ids.clear()
            self.used_county = county6
        t = time.perf_counter()
        base = birth.toordinal() * 1000
        parity = 1 if male else 0  # the 17th digit is odd for men
        for _ in range(40):
            sequence = rng.randrange(500) * 2 + parity
            if base + sequence not in self.used_ids:
                self.used_ids.add(base + sequence)
                value = make_id_number(county6, birth, sequence)
                result = seal(value), digest(value), mask_id_number(value)
                self.stats.id_seconds += time.perf_counter() - t
                return result
        return None

    # -- one village --------------------------------------------------------------------------

    def village(self, v: _Village, count: int, chunk: _Chunk, now, emit: Callable[[], _Chunk]) -> _Chunk:
        """Append ``count`` households of village ``v`` to ``chunk``; ``emit`` flushes a full chunk."""
        rng = random.Random(f"{self.seed}:{v.code}:{v.next_number}")
        names = NameGenerator(rng=rng, mongolian_share=v.mongolian_share)
        grids = v.grids
        n_grids = len(grids)
        prefix = v.code[6:]
        code_tail = int(v.code[-3:])
        groups = 3 + code_tail % 6  # 村民小组 per village
        rural = v.kind in ("gacha", "village")
        for _ in range(count):
            number = v.next_number
            v.next_number += 1
            slot = number - 1
            if rural:
                group = slot % groups + 1
                grid_index = (group - 1) * n_grids // groups if groups >= n_grids else slot % n_grids
                group_name = _CN_DIGITS[group] if group <= 10 else f"{group}"
                address = f"{v.name}{group_name}组{slot // groups + 1}号"
            else:
                building, flat = divmod(slot, 36)  # 3 units × 6 floors × 2 flats
                unit, flat = divmod(flat, 12)
                floor, door = divmod(flat, 2)
                grid_index = building % n_grids
                address = f"{v.name}{building + 1}号楼{unit + 1}单元{floor + 1}0{door + 1}室"
            grid_id, path = grids[grid_index]
            chunk.households.append((grid_id, v.id, path, f"{prefix}{number:04d}", address, True, now, now))
            self._members(rng, names, v, len(chunk.households) - 1, path, chunk, now)
            self.stats.households += 1
            if len(chunk.households) >= self.chunk_size:
                chunk = emit()
        return chunk

    def _members(self, rng: random.Random, names: NameGenerator, v: _Village, hpos: int, path: str,
                 chunk: _Chunk, now) -> None:
        r = rng.random
        size = bisect(_SIZE_CUM, r() * _SIZE_CUM[-1]) + 1
        mongolian_home = r() < v.mongolian_share
        # (relation, gender, age, Mongolian name?)
        if size == 1:
            head_age = 22 + int(68 * r() ** 0.7)
            head_male = r() < 0.55
        else:
            head_age = 28 + int(50 * r() ** 1.1)
            head_male = r() < 0.82
        members: list[tuple[str, str, int, bool]] = [(HEAD, MALE if head_male else FEMALE, head_age, mongolian_home)]
        remaining = size - 1
        if remaining and r() < 0.85:
            spouse_age = max(20, head_age + (-rng.randint(0, 6) if head_male else rng.randint(0, 6)))
            spouse_mongolian = (r() < 0.8) if mongolian_home else (r() < v.mongolian_share * 0.3)
            members.append((SPOUSE, FEMALE if head_male else MALE, spouse_age, spouse_mongolian))
            remaining -= 1
        if remaining and head_age <= 62 and r() < 0.25:
            parents = 1 if remaining == 1 or r() < 0.55 else 2
            base = head_age + rng.randint(22, 34)
            if parents == 2:
                members.append((PARENT, MALE, min(base + rng.randint(0, 4), 96), mongolian_home))
                members.append((PARENT, FEMALE, min(base, 95), mongolian_home))
            else:
                members.append((PARENT, FEMALE if r() < 0.62 else MALE, min(base, 95), mongolian_home))
            remaining -= parents
        if remaining >= 3 and head_age >= 52 and r() < 0.5:
            child_age = max(22, head_age - rng.randint(22, 30))
            child_male = r() < 0.7
            members.append((CHILD, MALE if child_male else FEMALE, child_age, mongolian_home))
            members.append((OTHER, FEMALE if child_male else MALE, max(20, child_age + rng.randint(-4, 3)),
                            mongolian_home))
            for _ in range(remaining - 2):
                members.append((GRANDCHILD, MALE if r() < 0.51 else FEMALE, rng.randint(0, max(0, child_age - 21)),
                                mongolian_home))
        else:
            for _ in range(remaining):
                low = max(0, head_age - 42)
                high = max(low, head_age - 23)
                members.append((CHILD, MALE if r() < 0.51 else FEMALE, rng.randint(low, high), mongolian_home))

        # Children carry the father's surname; the head's father carries the head's.
        father_surname = names.surname()
        head_surname = father_surname if head_male else names.surname()
        tag = self.tag
        head_pos = 0
        for relation, gender, age, mongolian in members:
            if mongolian:
                name = names.mongolian(gender)
                full, initials = self.pinyin.mongolian(name)
            else:
                if relation == HEAD:
                    surname = head_surname
                elif relation in (CHILD, GRANDCHILD) or relation == SPOUSE and gender == MALE:
                    surname = father_surname
                elif relation == PARENT and gender == MALE:
                    surname = head_surname
                else:
                    surname = names.surname()
                given = names.given_name(gender, birth_year=self.year - age)
                name = surname + given
                full, initials = self.pinyin.han(surname, given)
            birth = date.fromordinal(self.today - age * 365 - rng.randrange(365))
            male = gender == MALE
            if mongolian or mongolian_home and relation not in (SPOUSE, OTHER):
                ethnicity = MONGOL  # Mongols with Han names too; a Han spouse married in stays 汉族
            else:
                e = r()
                ethnicity = HAN if e < 0.93 else "满族" if e < 0.975 else "回族" if e < 0.993 else "达斡尔族"
            # Party membership: adults, commoner with age; about 7% of everyone.
            party = ""
            mobile_member = False
            if age >= 18 and r() < (0.045 if age < 30 else 0.10 if age < 60 else 0.12):
                party = PROBATIONARY if r() < (0.25 if age < 35 else 0.03) else FULL
                mobile_member = age < 56 and r() < 0.08
            mobile = ""
            if 16 <= age and r() < (0.88 if age < 70 else 0.4):
                mobile = f"{MOBILE_PREFIXES[int(r() * 28)]}{int(r() * 100_000_000):08d}"
            sealed = digest_ = masked = ""
            if r() < self.id_share:
                got = self.id_number(rng, v.county6, birth, male)
                if got is not None:
                    sealed, digest_, masked = got
                    chunk.ids.append((len(chunk.persons), v.county6, birth, male))
            pos = len(chunk.persons)
            if relation == HEAD:
                head_pos = pos
            chunk.persons.append((hpos, path, name, full, initials, gender, birth, relation, ethnicity, sealed,
                                  digest_ or None, masked, mobile, party, mobile_member, True, now, now))
            self.stats.persons += 1
            self.stats.id_numbers += bool(sealed)
            self.stats.party_members += bool(party)
            self.stats.mongolian_names += mongolian
            # Person tags.
            if r() < 0.02:
                chunk.tags.append((pos, tag["disabled"]))
            if age >= 18 and r() < 0.012:
                chunk.tags.append((pos, tag["serious_illness"]))
            if 18 <= age <= 65 and r() < 0.04:
                chunk.tags.append((pos, tag["volunteer"]))
        # Household circumstances sit on the head.
        kind = v.kind
        if kind == "gacha":
            if r() < 0.7:
                chunk.tags.append((head_pos, tag["herder"]))
            if r() < 0.2:
                chunk.tags.append((head_pos, tag["breeder"]))
        elif kind == "village":
            if r() < 0.75:
                chunk.tags.append((head_pos, tag["farmer"]))
            if r() < 0.25:
                chunk.tags.append((head_pos, tag["breeder"]))
        else:
            if r() < 0.1:
                chunk.tags.append((head_pos, tag["self_employed"]))
            if head_age >= 25 and r() < 0.006:
                chunk.tags.append((head_pos, tag["building_leader"]))
        if r() < 0.04:
            chunk.tags.append((head_pos, tag["subsistence"]))
        if kind != "community" and r() < 0.06:
            chunk.tags.append((head_pos, tag["poverty_alleviated"]))
        if r() < 0.01:
            chunk.tags.append((head_pos, tag["military_family"]))
        if size == 1 and head_age >= 65 and r() < 0.7:
            chunk.tags.append((head_pos, tag["elderly_alone"]))


# ------------------------------------------------------------------------------- writing


def _reserve_ids(cursor, table: str, n: int) -> list[int]:
    """``n`` ids for ``table``: from its sequence on PostgreSQL, above the current maximum on SQLite.

    On SQLite this must run inside the write transaction (which holds the only write lock).
    """
    if n == 0:
        return []
    if connection.vendor == "postgresql":
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s) ORDER BY 1",
                       [table, n])
        return [row[0] for row in cursor.fetchall()]
    cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
    start = cursor.fetchone()[0] + 1
    return list(range(start, start + n))


def _existing_digests(cursor, digests: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(digests), 5000):
        batch = digests[i:i + 5000]
        if connection.vendor == "postgresql":
            cursor.execute("SELECT id_number_digest FROM areas_person WHERE id_number_digest = ANY(%s)", [batch])
        else:
            marks = ",".join(["%s"] * len(batch))
            cursor.execute(f"SELECT id_number_digest FROM areas_person WHERE id_number_digest IN ({marks})", batch)
        found.update(row[0] for row in cursor.fetchall())
    return found


_DIGEST = PERSON_COLUMNS.index("id_number_digest") - 1  # chunk person rows start at household_id


def _resolve_clashes(cursor, chunk: _Chunk, maker: _Maker, in_flight: list[set[str]]) -> int:
    """Give new numbers to people whose ID number is already registered (runs only over existing data).

    A replacement must be free in the database, in this chunk and in the chunks still being written
    (``in_flight``); it is checked again until none clashes, and the run's county set learns it.
    Someone left with no free number keeps no ID number. Returns how many were left without.
    """
    in_chunk = {chunk.persons[pos][_DIGEST] for pos, *_ in chunk.ids}
    pending = chunk.ids
    dropped = 0
    rng = random.Random(f"clash:{maker.seed}:{len(chunk.persons)}:{len(in_chunk)}")

    def taken(d: str) -> bool:
        return d in in_chunk or any(d in s for s in in_flight)

    for _ in range(20):
        by_digest = {chunk.persons[pos][_DIGEST]: (pos, county6, birth, male) for pos, county6, birth, male in pending}
        clashes = _existing_digests(cursor, list(by_digest))
        if not clashes:
            return dropped
        pending = []
        for d in sorted(clashes):
            pos, county6, birth, male = by_digest[d]
            got = None
            for _ in range(100):
                sequence = rng.randrange(500) * 2 + (1 if male else 0)
                key = birth.toordinal() * 1000 + sequence
                if county6 == maker.used_county and key in maker.used_ids:
                    continue
                value = make_id_number(county6, birth, sequence)
                if not taken(digest(value)):
                    got = seal(value), digest(value), mask_id_number(value)
                    if county6 == maker.used_county:
                        maker.used_ids.add(key)
                    break
            row = list(chunk.persons[pos])
            row[_DIGEST - 1:_DIGEST + 2] = got if got else ("", None, "")
            chunk.persons[pos] = tuple(row)
            dropped += not got
            if got:
                in_chunk.add(got[1])
                pending.append((pos, county6, birth, male))
    raise RuntimeError("no free ID numbers found")


def _copy_payload(cursor, chunk: _Chunk) -> list[tuple[str, bytes]]:
    """COPY statements and their text-format data for one chunk, with ids reserved from the sequences.

    Formatting here (not row by row inside COPY) lets a writing thread send a chunk in a few calls.
    No value needs COPY escaping: names come from fixed pools, addresses from escaped village names,
    the rest are codes, digits, base64 and hex.
    """
    hids = _reserve_ids(cursor, Household._meta.db_table, len(chunk.households))
    pids = _reserve_ids(cursor, Person._meta.db_table, len(chunk.persons))
    now = chunk.households[0][-1].isoformat()
    null = "\\N"
    households = "".join([
        f"{hid}\t{grid}\t{village}\t{path}\t{number}\t{address}\tt\t{now}\t{now}\n"
        for hid, (grid, village, path, number, address, *_) in zip(hids, chunk.households, strict=True)])
    persons = "".join([
        f"{pid}\t{hids[h]}\t{path}\t{name}\t{full}\t{initials}\t{gender}\t{birth}\t{relation}\t{ethnicity}"
        f"\t{sealed}\t{dg or null}\t{masked}\t{mobile}\t{party}\t{'t' if mm else 'f'}\tt\t{now}\t{now}\n"
        for pid, (h, path, name, full, initials, gender, birth, relation, ethnicity, sealed, dg, masked, mobile,
                  party, mm, *_) in zip(pids, chunk.persons, strict=True)])
    tags = "".join([f"{pids[pos]}\t{tag}\n" for pos, tag in chunk.tags])
    through = Person.tags.through._meta.db_table
    return [
        (f"COPY {Household._meta.db_table} ({', '.join(HOUSEHOLD_COLUMNS)}) FROM STDIN", households.encode()),
        (f"COPY {Person._meta.db_table} ({', '.join(PERSON_COLUMNS)}) FROM STDIN", persons.encode()),
        (f"COPY {through} ({', '.join(PERSON_TAG_COLUMNS)}) FROM STDIN", tags.encode()),
    ]


def _write_copy(payload: list[tuple[str, bytes]]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, data in payload:
            if data:
                with cursor.copy(sql) as cp:
                    cp.write(data)


def _write_executemany(chunk: _Chunk) -> None:
    """SQLite: ids above the current maximum, taken inside the transaction that holds the write lock."""
    with transaction.atomic(), connection.cursor() as cursor:
        hids = _reserve_ids(cursor, Household._meta.db_table, len(chunk.households))
        pids = _reserve_ids(cursor, Person._meta.db_table, len(chunk.persons))
        now = connection.ops.adapt_datetimefield_value(chunk.households[0][-1])
        marks = ", ".join(["%s"] * len(HOUSEHOLD_COLUMNS))
        cursor.executemany(
            f"INSERT INTO {Household._meta.db_table} ({', '.join(HOUSEHOLD_COLUMNS)}) VALUES ({marks})",
            [(hid, *row[:-2], now, now) for hid, row in zip(hids, chunk.households, strict=True)])
        marks = ", ".join(["%s"] * len(PERSON_COLUMNS))
        cursor.executemany(
            f"INSERT INTO {Person._meta.db_table} ({', '.join(PERSON_COLUMNS)}) VALUES ({marks})",
            [(pid, hids[row[0]], *row[1:-2], now, now) for pid, row in zip(pids, chunk.persons, strict=True)])
        cursor.executemany(
            f"INSERT INTO {Person.tags.through._meta.db_table} ({', '.join(PERSON_TAG_COLUMNS)}) VALUES (%s, %s)",
            [(pids[pos], tag_id) for pos, tag_id in chunk.tags])


class _Writer:
    """Writes chunks in order, each in its own transaction.

    On PostgreSQL, outside any transaction, a background thread with its own connection runs the
    COPYs while the caller makes the next chunk: the server's parsing and index work overlaps
    Python's row making (two cores, nearly half the time). At most two chunks wait, so memory stays
    flat. Inside a transaction (tests) and on SQLite, chunks are written inline.
    """

    def __init__(self, *, progress, total: int):
        self.progress = progress
        self.total = total
        self.done = 0  # households committed
        self.seconds = 0.0  # time spent writing (overlaps the making when threaded)
        self.waited = 0.0  # time the maker waited for the writer
        self.error: BaseException | None = None
        self.threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        if self.threaded:
            self.queue: queue.Queue[tuple[Callable[[], None], int] | None] = queue.Queue(maxsize=1)
            self.thread = threading.Thread(target=self._run, name="generate-writer", daemon=True)
            self.thread.start()

    def _write(self, job: Callable[[], None], households: int) -> None:
        t = time.perf_counter()
        job()
        self.seconds += time.perf_counter() - t
        self.done += households
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _run(self) -> None:
        try:
            while (item := self.queue.get()) is not None:
                self._write(*item)
        except BaseException as e:  # handed to the caller by put() or close()
            self.error = e
        finally:
            connection.close()

    def put(self, job: Callable[[], None], households: int) -> None:
        if not self.threaded:
            self._write(job, households)
            return
        t = time.perf_counter()
        while True:
            if self.error is not None or not self.thread.is_alive():
                self.close()
                raise RuntimeError("the writing thread stopped")
            try:
                self.queue.put((job, households), timeout=0.2)
                break
            except queue.Full:
                continue
        self.waited += time.perf_counter() - t

    def close(self) -> None:
        """Wait until everything is written; re-raise the writer's error."""
        if self.threaded and self.thread.is_alive():
            t = time.perf_counter()
            while self.thread.is_alive():
                try:
                    self.queue.put(None, timeout=0.2)
                    break
                except queue.Full:
                    continue
            self.thread.join()
            self.waited += time.perf_counter() - t
        if self.error is not None:
            error, self.error = self.error, None
            raise error


# ------------------------------------------------------------------------------- set-up


def _villages(county_paths: list[tuple[str, str, str]], *, households: int, seed: int) -> list[_Village]:
    """Villages of the counties in code order, each with its share of the households."""
    villages: list[_Village] = []
    for code, name, path in county_paths:
        rows = (Area.objects.filter(level=Level.VILLAGE, path__startswith=path)
                .order_by("code").values_list("id", "code", "name", "path"))
        share = county_mongolian_share(code[:6], name)
        # A village name goes into addresses, which are sent to COPY unescaped: keep it plain.
        county_villages = [_Village(id=i, code=c, name=_plain(n), path=p, county6=code[:6], kind=village_kind(n),
                                    mongolian_share=share) for i, c, n, p in rows]
        villages.extend(county_villages)
    rng = random.Random(f"allocate:{seed}")
    weights = [_KIND_SIZE[v.kind] * rng.lognormvariate(0, 0.35) for v in villages]
    for v, n in zip(villages, _allocate(households, weights), strict=True):
        v.households = n
    # Calibrate each county's mix so that its households average the county's share.
    by_county: dict[str, list[_Village]] = {}
    for v in villages:
        by_county.setdefault(v.county6, []).append(v)
    for vs in by_county.values():
        total = sum(v.households for v in vs) or 1
        mean = sum(_KIND_MONGOLIAN.get(v.kind, 1.0) * v.households for v in vs) / total or 1.0
        for v in vs:
            v.mongolian_share = min(0.95, v.mongolian_share * _KIND_MONGOLIAN.get(v.kind, 1.0) / mean)
    return villages


def _ensure_grids(villages: list[_Village], grids_per_village: int) -> int:
    """Grids 001…grids_per_village under every village that gets households; reuse those that exist."""
    wanted = [v for v in villages if v.households]
    by_code: dict[str, tuple[int, str]] = {}
    for i in range(0, len(wanted), 500):
        codes = [f"{v.code}{n:03d}" for v in wanted[i:i + 500] for n in range(1, grids_per_village + 1)]
        by_code.update((c, (i_, p)) for i_, c, p in Area.objects.filter(code__in=codes).values_list("id", "code", "path"))
    new = []
    for v in wanted:
        for n in range(1, grids_per_village + 1):
            code = f"{v.code}{n:03d}"
            if code not in by_code:
                new.append(Area(code=code, name=f"第{n}网格", level=Level.GRID, parent_id=v.id,
                                path=f"{v.path}{code}/"))
    if new:
        with transaction.atomic():
            for area in Area.objects.bulk_create(new, batch_size=2000):
                by_code[area.code] = (area.id, area.path)
    for v in wanted:
        v.grids = [by_code[f"{v.code}{n:03d}"] for n in range(1, grids_per_village + 1)]
    return len(new)


def _next_numbers(villages: list[_Village], county_paths: list[tuple[str, str, str]]) -> None:
    """Continue each village's household numbers after the highest one of ours already there."""
    by_id = {v.id: v for v in villages}
    for _, _, path in county_paths:
        rows = Household.objects.filter(path__startswith=path).values_list("village_id", "number")
        for village_id, number in rows.iterator(chunk_size=20_000):
            v = by_id.get(village_id)
            if v is None:
                continue
            prefix = v.code[6:]
            tail = number[len(prefix):]
            if number.startswith(prefix) and tail.isdigit() and len(tail) >= 4:
                v.next_number = max(v.next_number, int(tail) + 1)


# ------------------------------------------------------------------------------- the entry point


def generate_population(*, actor: Actor, households: int, county_codes: list[str] | None = None,
                        grids_per_village: int = 3, seed: int = 1, id_share: float = 0.6,
                        progress: Callable[[int, int], None] | None = None,
                        chunk_size: int = CHUNK_HOUSEHOLDS, today: date | None = None) -> dict:
    """Write ``households`` synthetic households (with 1–6 members each) into the given counties.

    county_codes: 6- or 12-digit codes of 旗县区 (default: all of Inner Mongolia); their divisions are
    loaded from the fixture when missing. progress(done, total) is called after each chunk.
    Returns counts and seconds. Safe to run again: household numbers and ID numbers continue.
    """
    if households < 0:
        raise ValidationError("户数不能为负")
    if not 1 <= grids_per_village <= 999:
        raise ValidationError("每村网格数应在 1–999 之间")
    if not 0.0 <= id_share <= 1.0:
        raise ValidationError("身份证号比例应在 0–1 之间")
    started = time.perf_counter()
    stats = _Stats()

    services.load_divisions(actor=actor, divisions=divisions_for(county_codes))
    services.ensure_default_tags(actor=actor)
    counties = Area.objects.filter(level=Level.COUNTY)
    if county_codes is not None:
        counties = counties.filter(code__in=[county_code(c) for c in county_codes])
    county_paths = list(counties.order_by("code").values_list("code", "name", "path"))
    villages = _villages(county_paths, households=households, seed=seed)
    if households and not any(v.households for v in villages):
        raise ValidationError("所选旗县区没有嘎查村社区")
    grids_created = _ensure_grids(villages, grids_per_village)
    _next_numbers(villages, county_paths)
    check_digests = Person.objects.filter(id_number_digest__isnull=False).exists()
    tag_ids = dict(Tag.objects.values_list("code", "id"))
    setup_seconds = time.perf_counter() - started

    maker = _Maker(seed=seed, id_share=id_share, tag_ids=tag_ids, today=today or timezone.localdate(), stats=stats,
                   chunk_size=chunk_size)
    now = timezone.now()
    writer = _Writer(progress=progress, total=households)
    state = {"chunk": _Chunk()}
    in_flight: deque[set[str]] = deque(maxlen=3)  # ID digests of the chunks the writer may not have committed
    postgresql = connection.vendor == "postgresql"

    def emit() -> _Chunk:
        chunk = state["chunk"]
        if chunk.households:
            t = time.perf_counter()
            if check_digests and chunk.ids:
                with connection.cursor() as cursor:
                    stats.dropped_ids += _resolve_clashes(cursor, chunk, maker, list(in_flight))
                in_flight.append({chunk.persons[pos][_DIGEST] for pos, *_ in chunk.ids})
            stats.tags += len(chunk.tags)
            if postgresql:
                with connection.cursor() as cursor:
                    payload = _copy_payload(cursor, chunk)
                stats.format_seconds += time.perf_counter() - t
                writer.put(partial(_write_copy, payload), len(chunk.households))
            else:
                writer.put(partial(_write_executemany, chunk), len(chunk.households))
        state["chunk"] = _Chunk()
        return state["chunk"]

    loop_started = time.perf_counter()
    try:
        try:
            for v in villages:
                if v.households:
                    state["chunk"] = maker.village(v, v.households, state["chunk"], now, emit)
            emit()
        finally:
            writer.close()
    except Exception:
        # What was committed stays (one transaction per chunk): say so in the audit log.
        with transaction.atomic():
            record(actor=actor, action="areas.generate_population", object_type="areas.household",
                   area_path=_common_path([p for _, _, p in county_paths]),
                   data={"failed": True, "households_written": writer.done, "seed": seed})
        raise
    loop_seconds = time.perf_counter() - loop_started
    stats.id_numbers -= stats.dropped_ids
    stats.write_seconds = writer.seconds
    stats.generate_seconds = loop_seconds - writer.waited - (0 if writer.threaded else writer.seconds)

    seconds = time.perf_counter() - started
    result = {
        "households": stats.households,
        "persons": stats.persons,
        "person_tags": stats.tags,
        "id_numbers": stats.id_numbers,
        "party_members": stats.party_members,
        "mongolian_names": stats.mongolian_names,
        "villages": sum(1 for v in villages if v.households),
        "grids_created": grids_created,
        "seed": seed,
        "seconds": round(seconds, 3),
        "setup_seconds": round(setup_seconds, 3),
        "generate_seconds": round(stats.generate_seconds, 3),
        "id_seconds": round(stats.id_seconds, 3),
        "pinyin_seconds": round(stats.pinyin_seconds, 3),
        "format_seconds": round(stats.format_seconds, 3),
        "write_seconds": round(stats.write_seconds, 3),
        "write_overlapped": writer.threaded,
        "waited_for_writer_seconds": round(writer.waited, 3),
    }
    with transaction.atomic():
        record(actor=actor, action="areas.generate_population", object_type="areas.household",
               area_path=_common_path([p for _, _, p in county_paths]),
               data={**result, "county_codes": [c for c, _, _ in county_paths] if county_codes is not None else "all",
                     "id_share": id_share, "grids_per_village": grids_per_village})
    logger.info("generated %s households, %s people in %.1f s", stats.households, stats.persons, seconds)
    return result
