"""Reading a register typed into a spreadsheet: the columns a register expects and how each cell is read.

No Django here. Every party register's Excel import (organisations, members, the 两新 census, instructors,
meetings …) declares its columns once; ``read_table`` gives the rows as dicts keyed by column, with every problem
found tied to its Excel row and column so the office can fix them all in one go. The caller then checks what
needs the database and writes all rows or none (core/table_import.py).
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from grassroots.rules.mobile import MobileError, normalise_mobile

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as Excel numbers it: the header is row 1
    column: str
    message: str


class CellError(ValueError):
    """A cell that cannot be read; the message is for the user and names neither row nor column."""


def cell_text(value) -> str:
    """A cell as the text a person would read in it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# Readers: raw cell value → stored value, or CellError. An empty cell never reaches a reader (see Column).

def text(max_length: int) -> Callable:
    def read(value):
        value = cell_text(value)
        if len(value) > max_length:
            raise CellError(f"不能超过 {max_length} 个字")
        return value
    return read


def a_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    shown = cell_text(value)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(shown, fmt).date()
        except ValueError:
            continue
    raise CellError(f"“{shown}”不是日期，请写成 2026-03-01")


def whole_number(value) -> int:
    shown = cell_text(value)
    if not re.fullmatch(r"\d{1,9}", shown):
        raise CellError(f"“{shown}”不是非负整数")
    return int(shown)


def decimal(value) -> Decimal:
    shown = cell_text(value)
    try:
        number = Decimal(shown)
    except InvalidOperation:
        raise CellError(f"“{shown}”不是数字") from None
    if not number.is_finite() or number < 0:
        raise CellError(f"“{shown}”不是非负数")
    return number


def choice(labels: Mapping[str, str]) -> Callable:
    """A cell holding one of ``labels`` (what people type → what is stored)."""
    def read(value):
        shown = cell_text(value)
        if shown not in labels:
            raise CellError(f"“{shown}”应为{'、'.join(labels)}之一")
        return labels[shown]
    return read


YES_NO = {"是": True, "否": False}


def mobile(value) -> str:
    try:
        return normalise_mobile(cell_text(value))
    except MobileError as e:
        raise CellError(str(e)) from None


@dataclass(frozen=True)
class Column:
    header: str  # as written in the template's first row
    key: str  # the key of the row dict
    read: Callable = text(200)
    required: bool = False
    default: object = ""  # for an empty optional cell


@dataclass
class Table:
    rows: list[dict] = field(default_factory=list)  # each with "_row": its Excel row number
    errors: list[RowError] = field(default_factory=list)


def check_headers(columns: Sequence[Column], cells: Sequence) -> tuple[dict[str, int], list[RowError]]:
    """Map each header to its column index; report missing, unknown and repeated headers."""
    expected = {c.header for c in columns}
    found: dict[str, int] = {}
    errors = []
    for index, cell in enumerate(cells):
        title = cell_text(cell)
        if not title:
            continue
        if title not in expected:
            errors.append(RowError(1, title, f"未知的列“{title}”，请使用导入模板的列名"))
        elif title in found:
            errors.append(RowError(1, title, f"列“{title}”重复"))
        else:
            found[title] = index
    errors += [RowError(1, c.header, f"缺少列“{c.header}”") for c in columns if c.required and c.header not in found]
    return found, errors


def read_table(columns: Sequence[Column], header: Sequence, rows: Iterable[tuple[int, Sequence]], *,
               max_rows: int) -> Table:
    """Read every data row (blank rows are skipped); stop reading at ``max_rows`` with one error."""
    found, errors = check_headers(columns, header)
    table = Table(errors=errors)
    if errors:
        return table
    for number, cells in rows:
        if not any(cell_text(c) for c in cells):
            continue
        if len(table.rows) == max_rows:
            table.errors.append(RowError(number, "", f"一次最多导入 {max_rows} 行，请分成几个文件"))
            break
        row = {"_row": number}
        for column in columns:
            index = found.get(column.header)
            value = cells[index] if index is not None and index < len(cells) else None
            if not cell_text(value):
                if column.required:
                    table.errors.append(RowError(number, column.header, f"“{column.header}”不能为空"))
                row[column.key] = column.default
                continue
            try:
                row[column.key] = column.read(value)
            except CellError as e:
                table.errors.append(RowError(number, column.header, f"“{column.header}”{e}"))
                row[column.key] = column.default
        table.rows.append(row)
    return table
