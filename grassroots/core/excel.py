"""Excel (.xlsx) in and out.

Writing: exports hold names and addresses typed by villagers, so a cell must never be something
a spreadsheet would run. openpyxl turns any str that starts with "=" into a formula cell and
"#N/A" and the like into error cells; here every str is forced back to a plain string cell. Cells
that start with a character Excel or WPS would read as the start of a formula once someone edits
them (= + - @ tab CR LF) also get the quote prefix, the same as typing a leading apostrophe. Line
breaks are written as LF: XML reads a raw CR back as LF anyway, so that is the text a reader gets.

Workbooks are written write-only into a temporary file: rows go to disk as they come, so an export
of a whole county does not sit in memory, and the response streams the file from disk.

Reading: the uploaded file is checked for what it really is before it is opened, rows are read one
at a time straight from the sheet's XML (see SheetReader), and every way a bad file can fail
becomes one ``NotXlsx`` with a message for the user.
"""

import posixpath
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import IO, Any
from urllib.parse import quote
from xml.etree import ElementTree
from xml.etree.ElementTree import ParseError, iterparse

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELL_CHARS = 32767
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\n")  # CR is already LF here

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003) and other OLE files


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    column_widths: Sequence[int] = field(default_factory=tuple)


def _string_cell(ws, value: str, *, always: bool = False):
    # XML turns a raw CR into LF when the file is read back, so write what will be read.
    value = ILLEGAL_CHARACTERS_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))[:MAX_CELL_CHARS]
    risky = value.startswith(FORMULA_STARTS) or value in ERROR_CODES
    if not (risky or always):
        return value  # openpyxl writes an ordinary str as a string cell already
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # set after the value: openpyxl has just made "=…" a formula
    if risky:
        cell.quotePrefix = True
    return cell


def _cell(ws, value: Any):
    if isinstance(value, str):
        return _string_cell(ws, value)
    if isinstance(value, datetime) and timezone.is_aware(value):
        # Excel has no time zones; show the local time people expect.
        return timezone.localtime(value).replace(tzinfo=None)
    if value is None or isinstance(value, bool | int | float | Decimal | date | time):
        return value
    return _string_cell(ws, str(value))


def write_xlsx(target: IO[bytes], *sheets: Sheet) -> None:
    """Write ``sheets`` into ``target`` as one workbook. Rows are consumed lazily."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = wb.create_sheet(title=sheet.title[:31])
        for index, width in enumerate(sheet.column_widths):
            ws.column_dimensions[get_column_letter(index + 1)].width = width
        header = []
        for title in sheet.headers:
            cell = _string_cell(ws, "" if title is None else str(title), always=True)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            ws.append([_cell(ws, value) for value in row])
    wb.save(target)


def xlsx_file(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1",
              more: Sequence[Sheet] = ()) -> IO[bytes]:
    """A temporary file holding the workbook, positioned at its start; it is deleted when closed."""
    target = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        write_xlsx(target, Sheet(title, headers, rows), *more)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1") -> bytes:
    with xlsx_file(headers, rows, title=title) as f:
        return f.read()


def content_disposition(filename: str) -> str:
    """``attachment`` with the UTF-8 name (RFC 6266) and a plain ASCII fallback for old clients."""
    fallback = "".join(ch for ch in filename if ch.isascii() and (ch.isalnum() or ch in "._-")).strip("._-")
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else "xlsx"
    if not fallback or fallback.lower() == suffix.lower():
        fallback = f"download.{suffix}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(file: IO[bytes], filename: str, content_type: str = XLSX_CONTENT_TYPE) -> FileResponse:
    response = FileResponse(file, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    return response


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
                  title: str = "Sheet1", more: Sequence[Sheet] = ()) -> FileResponse:
    """A download of the workbook. The file is built on disk first, then streamed in chunks."""
    return file_response(xlsx_file(headers, rows, title=title, more=more), filename)


class NotXlsx(ValueError):
    """The upload is not a readable .xlsx workbook; the message is for the user."""


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW, _CELL, _VALUE, _INLINE, _TEXT, _RUN = (_MAIN + t for t in ("row", "c", "v", "is", "t", "r"))
# Built-in number formats that are dates: the international ones, and those Chinese, Japanese
# and Korean Excel use (27-36, 50-58), which openpyxl does not know.
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_MAX_PART_BYTES = 256 * 1024 * 1024  # what one part may unpack to: a zip bomb stops here
_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, ParseError, KeyError, ValueError, IndexError,
                StopIteration, EOFError, OSError, NotImplementedError, RuntimeError)


class SheetReader:
    """The first worksheet of a workbook, read row by row without loading it whole.

    openpyxl's read-only mode builds an object per cell and, for files without a size record (its
    own write-only output among them), reads the whole sheet once more just to measure it: a
    100,000-row register took several times longer than the parsing itself. Cells here are read
    straight from the sheet's XML, with openpyxl's helpers for what a date format is and when.
    Values are what the cell shows: the result Excel saved for a formula, never the formula.
    """

    def __init__(self, archive: zipfile.ZipFile):
        self._zip = archive
        workbook_path = self._relations("", "_rels/.rels")["officeDocument"][0][1]
        relations = self._relations(workbook_path, _rels_path(workbook_path))
        workbook = ElementTree.fromstring(self._bytes(workbook_path))
        first = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
        if first is None:
            raise NotXlsx("文件中没有工作表")
        by_id = {rid: path for targets in relations.values() for rid, path in targets}
        self._sheet_path = by_id[first.get(f"{_REL}id")]
        properties = workbook.find(f"{_MAIN}workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        self._epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self._strings = self._shared_strings(relations.get("sharedStrings"))
        self._date_styles = self._dates(relations.get("styles"))

    def _open(self, path: str) -> IO[bytes]:
        info = self._zip.getinfo(path)
        if info.file_size > _MAX_PART_BYTES:
            raise NotXlsx("文件内容过大，无法读取")
        return self._zip.open(info)

    def _bytes(self, path: str) -> bytes:
        with self._open(path) as source:
            return source.read()

    def _relations(self, source: str, rels_path: str) -> dict[str, list[tuple[str, str]]]:
        """Relationship type (its last word: styles, sharedStrings …) → [(id, part path)]."""
        found: dict[str, list[tuple[str, str]]] = {}
        for rel in ElementTree.fromstring(self._bytes(rels_path)).iter(f"{_PKG}Relationship"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(posixpath.dirname(source), target))
            found.setdefault(rel.get("Type", "").rsplit("/", 1)[-1], []).append((rel.get("Id", ""), path))
        return found

    def _shared_strings(self, targets) -> list[str]:
        if not targets:
            return []
        strings = []
        with self._open(targets[0][1]) as source:
            for _, element in iterparse(source):
                if element.tag == _MAIN + "si":
                    strings.append(_text_of(element))
                    element.clear()
        return strings

    def _dates(self, targets) -> frozenset[int]:
        if not targets:
            return frozenset()
        with self._open(targets[0][1]) as source:
            styles = ElementTree.parse(source).getroot()
        custom = {int(f.get("numFmtId")): f.get("formatCode", "")
                  for f in styles.iter(f"{_MAIN}numFmt")}
        xfs = styles.find(f"{_MAIN}cellXfs")
        dates = set()
        for index, xf in enumerate(xfs if xfs is not None else ()):
            format_id = int(xf.get("numFmtId", 0))
            if format_id in custom:
                if is_date_format(custom[format_id]):
                    dates.add(index)
            elif format_id in _DATE_FORMAT_IDS:
                dates.add(index)
        return frozenset(dates)

    @property
    def estimated_rows(self) -> int | None:
        """Rows the file says it has (header included), or None when it does not say."""
        try:
            with self._open(self._sheet_path) as source:
                for _event, element in iterparse(source, events=("start",)):
                    if element.tag == _MAIN + "dimension":
                        last = element.get("ref", "").rpartition(":")[2].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                        return int(last) if last.isdigit() else None
                    if element.tag == _MAIN + "sheetData":
                        return None
        except _READ_ERRORS:
            return None
        return None

    def header(self, *, max_columns: int = 200) -> tuple:
        """The first row, without the empty cells after its last title."""
        for number, values in self.rows(min_row=1, max_columns=max_columns):
            first = list(values) if number == 1 else []
            while first and (first[-1] is None or first[-1] == ""):
                first.pop()
            return tuple(first)
        return ()

    def rows(self, *, min_row: int = 2, max_columns: int) -> Iterator[tuple[int, tuple]]:
        """(Excel row number, values padded to ``max_columns``) for each row from ``min_row`` that
        the file holds; rows the file leaves out entirely are blank and skipped."""
        strings, dates, epoch = self._strings, self._date_styles, self._epoch
        number = 0
        try:
            with self._open(self._sheet_path) as source:
                for _, element in iterparse(source):
                    if element.tag != _ROW:
                        continue
                    number = int(element.get("r") or number + 1)
                    if number >= min_row:
                        values = [None] * max_columns
                        column = 0
                        for cell in element.iter(_CELL):
                            ref = cell.get("r")
                            column = _column(ref.rstrip(_DIGITS)) if ref else column + 1
                            if column <= max_columns:
                                values[column - 1] = _value(cell, strings, dates, epoch)
                        yield number, tuple(values)
                    element.clear()
        except NotXlsx:
            raise
        except _READ_ERRORS:
            raise NotXlsx("文件内容已损坏，无法读取") from None


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _text_of(element) -> str:
    """A shared or inline string: its own text and its runs', without phonetic guides (rPh)."""
    parts = []
    for child in element:
        if child.tag == _TEXT:
            parts.append(child.text or "")
        elif child.tag == _RUN:
            parts.extend(t.text or "" for t in child.iter(_TEXT))
    return "".join(parts)


_DIGITS = "0123456789"


@lru_cache(maxsize=1024)
def _column(letters: str) -> int:
    """A1-style column letters to a 1-based index: A → 1, Z → 26, AA → 27."""
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


def _value(cell, strings: list[str], dates: frozenset[int], epoch):
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(_INLINE)
        return _text_of(inline) if inline is not None else None
    raw = cell.findtext(_VALUE)
    if raw is None or raw == "":
        return None
    if kind == "s":
        return strings[int(raw)]
    if kind == "n":
        number = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        if int(cell.get("s", 0)) in dates:
            try:
                return from_excel(number, epoch)
            except (OverflowError, ValueError):
                return number  # a date format on a number no calendar holds: show the number
        return number
    if kind == "b":
        return raw in ("1", "true")
    if kind == "d":
        return from_ISO8601(raw)
    return raw  # "str": a formula's text result; "e": an error such as #N/A, shown as it reads


@contextmanager
def read_xlsx(file: IO[bytes]) -> Iterator[SheetReader]:
    """Open an uploaded workbook for reading; raise NotXlsx when it is not one."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if not head:
        raise NotXlsx("文件是空的")
    if head.startswith(_OLE_MAGIC):
        raise NotXlsx("这是旧版 Excel（.xls）、设有打开密码或其他格式的文件，请在 Excel 中“另存为” .xlsx 后再上传")
    if not head.startswith(_ZIP_MAGIC):
        raise NotXlsx("文件不是 Excel（.xlsx）文件")
    try:
        archive = zipfile.ZipFile(file)
    except _READ_ERRORS:
        raise NotXlsx("文件不是有效的 Excel（.xlsx）文件或已损坏") from None
    with archive:
        try:
            reader = SheetReader(archive)
        except NotXlsx:
            raise
        except _READ_ERRORS:
            raise NotXlsx("文件不是有效的 Excel（.xlsx）文件或已损坏") from None
        yield reader
