"""The household register as villages keep it in Excel: one row per person, the household's columns
repeated on each member's row, the first row of a household giving its address.

No Django here. The caller passes what the database knows as plain mappings and callables, feeds
the rows one at a time (so it can show progress), and gets back the parsed register together with
every problem found, each tied to an Excel row and column, so the village can fix them all in one go.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from grassroots.rules import tables
from grassroots.rules.idnumber import IdNumberError, parse_id_number
from grassroots.rules.mobile import MobileError, normalise_mobile

HEADERS = ("户号", "网格编码", "住址", "姓名", "性别", "出生日期", "与户主关系", "民族", "身份证号", "手机号",
           "政治面貌", "流动党员", "标签")

# Values as the areas models store them (checked against Person's choices in the tests).
GENDERS = {"男": "M", "女": "F"}
PARTY_STATUSES = {"群众": "", "正式党员": "full", "中共党员": "full", "预备党员": "probationary"}
YES_NO = {"是": True, "否": False}
HEAD = "户主"
MAX_LENGTHS = {"户号": 40, "住址": 200, "姓名": 50, "民族": 20}
TAG_SEPARATORS = re.compile(r"[、，,；;]")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")

# Every column of the register is required; the headers are checked the way every register's are.
_COLUMNS = [tables.Column(header, header, required=True) for header in HEADERS]
RowError, cell_text = tables.RowError, tables.cell_text

# The same words whether the grid is missing or outside the importer's areas: an outsider must
# not learn from an import that a grid exists.
UNKNOWN_GRID = "网格编码不存在"


@dataclass(slots=True)
class HouseholdRow:
    row: int  # the household's first row
    number: str
    grid_code: str
    address: str
    head_row: int | None = None


@dataclass(slots=True)
class PersonRow:
    row: int
    household: str
    name: str
    gender: str
    birth_date: date | None
    relation: str
    ethnicity: str
    id_number: str  # normalised, or ""
    mobile: str  # normalised, or ""
    party_status: str
    is_mobile_member: bool
    tags: tuple = ()


@dataclass(frozen=True)
class Lookups:
    grids: Mapping[str, object]  # grid code → anything; only the grids the importer may fill
    tags: Mapping[str, object]  # tag name → tag id
    relations: Mapping[str, str]  # label → stored value: 户主 → head
    existing_households: Callable[[set[str]], set[str]]  # of these 户号, those the village has already
    registered_ids: Callable[[set[str]], set[str]]  # of these ID numbers, those already registered
    today: date = field(default_factory=date.today)


@dataclass
class Register:
    households: dict[str, HouseholdRow]
    people: list[PersonRow]
    errors: list[RowError]


def check_headers(cells: Sequence) -> tuple[dict[str, int], list[RowError]]:
    """Map each header to its column index; report missing, unknown and repeated headers."""
    return tables.check_headers(_COLUMNS, cells)


class RegisterReader:
    """Reads data rows one by one, then ``finish`` runs the checks that need the whole file."""

    def __init__(self, columns: Mapping[str, int], lookups: Lookups):
        self.columns = columns
        self.lookups = lookups
        self.households: dict[str, HouseholdRow] = {}
        self.people: list[PersonRow] = []
        self.errors: list[RowError] = []
        self._id_rows: dict[str, int] = {}

    def feed(self, row: int, cells: Sequence) -> None:
        """One data row. Blank rows are skipped."""
        values = {h: cells[i] if i < len(cells) else None for h, i in self.columns.items()}
        if all(cell_text(v) == "" for v in values.values()):
            return
        errors: list[RowError] = []

        def error(column: str, message: str) -> None:
            # One problem per cell: the first found is the one to fix.
            if all(e.column != column for e in errors):
                errors.append(RowError(row, column, message))

        text = {h: cell_text(v) for h, v in values.items()}
        for column, limit in MAX_LENGTHS.items():
            if len(text[column]) > limit:
                error(column, f"{column}不能超过{limit}个字")

        number = text["户号"]
        if not number:
            error("户号", "户号不能为空")
        grid_code = text["网格编码"]
        if not grid_code:
            error("网格编码", "网格编码不能为空")
        elif grid_code not in self.lookups.grids:
            error("网格编码", UNKNOWN_GRID)
        name = text["姓名"]
        if not name:
            error("姓名", "姓名不能为空")

        id_number, born, sex = "", None, ""
        if not isinstance(values["身份证号"], str | None):
            # Excel keeps 15 significant digits: an ID number typed as a number has lost its last ones.
            error("身份证号", "身份证号须以文本格式填写（数字格式会丢失末尾几位）")
        elif text["身份证号"]:
            try:
                parsed = parse_id_number(text["身份证号"], today=self.lookups.today)
            except IdNumberError as e:
                error("身份证号", str(e))
            else:
                id_number, born, sex = parsed.value, parsed.birth_date, parsed.gender
                first = self._id_rows.setdefault(id_number, row)
                if first != row:
                    error("身份证号", f"身份证号与第{first}行重复")

        gender = GENDERS.get(text["性别"], "")
        if text["性别"] and not gender:
            error("性别", "性别应填“男”或“女”")
        elif not gender and not id_number and not text["身份证号"]:
            error("性别", "性别不能为空（或填写身份证号）")
        elif gender and sex and gender != sex:
            error("性别", "性别与身份证号不一致")

        birth_date = None
        if text["出生日期"]:
            birth_date = _date(values["出生日期"])
            if birth_date is None:
                error("出生日期", "出生日期应为日期，或按“1980-01-31”填写")
            elif birth_date > self.lookups.today:
                error("出生日期", "出生日期晚于今天")
            elif born and birth_date != born:
                error("出生日期", "出生日期与身份证号不一致")

        relation = self.lookups.relations.get(text["与户主关系"], "")
        if not text["与户主关系"]:
            error("与户主关系", "与户主关系不能为空")
        elif not relation:
            error("与户主关系", f"与户主关系应为：{'、'.join(self.lookups.relations)}")

        mobile = ""
        try:
            mobile = normalise_mobile(text["手机号"])
        except MobileError as e:
            error("手机号", str(e))

        party_status = PARTY_STATUSES.get(text["政治面貌"] or "群众")
        if party_status is None:
            party_status = ""
            error("政治面貌", "政治面貌应为：群众、正式党员、预备党员")
        is_mobile_member = YES_NO.get(text["流动党员"] or "否")
        if is_mobile_member is None:
            is_mobile_member = False
            error("流动党员", "流动党员应填“是”或“否”")
        elif is_mobile_member and not party_status:
            error("流动党员", "只有党员才能是流动党员")

        tags = []
        unknown = []
        for tag_name in filter(None, (t.strip() for t in TAG_SEPARATORS.split(text["标签"]))):
            if tag_name not in self.lookups.tags:
                unknown.append(tag_name)
            elif self.lookups.tags[tag_name] not in tags:
                tags.append(self.lookups.tags[tag_name])
        if unknown:
            error("标签", f"未知的标签：{'、'.join(unknown)}")

        if number:
            household = self.households.get(number)
            if household is None:
                household = self.households[number] = HouseholdRow(row, number, grid_code, text["住址"])
            else:
                if grid_code in self.lookups.grids and grid_code != household.grid_code:
                    error("网格编码", f"同一户号的网格编码与第{household.row}行不一致")
                # A blank address on a member's row just means "as above".
                if text["住址"] and text["住址"] != household.address:
                    error("住址", f"同一户号的住址与第{household.row}行不一致")
            if text["与户主关系"] == HEAD:
                if household.head_row is None:
                    household.head_row = row
                else:
                    error("与户主关系", f"该户已有户主（第{household.head_row}行）")

        self.errors += errors
        self.people.append(PersonRow(row, number, name, gender, birth_date, relation, text["民族"], id_number,
                                     mobile, party_status, is_mobile_member, tuple(tags)))

    def finish(self) -> Register:
        """The checks that need every row: heads of household, and what the database already holds."""
        for household in self.households.values():
            if household.head_row is None:
                self.errors.append(RowError(household.row, "与户主关系", f"户号 {household.number} 没有户主"))
        if self.households:
            for number in self.lookups.existing_households(set(self.households)):
                self.errors.append(RowError(self.households[number].row, "户号", f"户号 {number} 在本村已存在"))
        if self._id_rows:
            for id_number in self.lookups.registered_ids(set(self._id_rows)):
                self.errors.append(RowError(self._id_rows[id_number], "身份证号", "该身份证号已登记"))
        order = {h: i for i, h in enumerate(HEADERS)}
        self.errors.sort(key=lambda e: (e.row, order.get(e.column, -1)))
        return Register(self.households, self.people, self.errors)


def read_register(header: Sequence, rows: Iterable[tuple[int, Sequence]], lookups: Lookups) -> Register:
    """The whole file in one call, for callers that need no progress."""
    columns, errors = check_headers(header)
    if errors:
        return Register({}, [], errors)
    reader = RegisterReader(columns, lookups)
    for row, cells in rows:
        reader.feed(row, cells)
    return reader.finish()


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for fmt in DATE_FORMATS:
            try:
                return datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    return None
