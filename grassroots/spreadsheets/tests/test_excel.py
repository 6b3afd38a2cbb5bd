"""grassroots.core.excel: what is written is never run, and what is read is what was meant."""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from grassroots.core.excel import NotXlsx, content_disposition, read_xlsx, xlsx_bytes, xlsx_response

RISKY = ['=HYPERLINK("http://evil","点我")', "=1+1", "+1+1", "-1+1", "@SUM(A1:A2)", "\t=1+1", "\r=1+1",
         "#N/A", "#DIV/0!", "=", "-", "普通文字", "A\x07B"]


def reopen(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def test_no_string_is_ever_written_as_a_formula_and_its_text_survives():
    ws = reopen(xlsx_bytes(["姓名", "=备注"], [[value, value] for value in RISKY]))
    cells = [cell for row in ws.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type != "s"] == []
    assert ws["B1"].value == "=备注"
    expected = [v.replace("\r", "\n").replace("\x07", "") for v in RISKY]
    assert [ws.cell(row=n, column=1).value for n in range(2, len(RISKY) + 2)] == expected
    # What would become a formula once edited in Excel or WPS keeps its leading apostrophe.
    assert ws["A2"].quotePrefix and ws["A7"].quotePrefix and not ws[f"A{RISKY.index('普通文字') + 2}"].quotePrefix


def test_numbers_and_dates_stay_typed():
    aware = datetime(2026, 1, 2, 1, 30, tzinfo=ZoneInfo("UTC"))
    ws = reopen(xlsx_bytes(["a", "b", "c", "d", "e", "f", "g"],
                           [[7, 2.5, Decimal("3.25"), date(1968, 3, 5), aware, True, None]]))
    cells = ws[2]
    assert [c.data_type for c in cells[:6]] == ["n", "n", "n", "d", "d", "b"]
    assert [c.value for c in cells[:3]] == [7, 2.5, 3.25]
    assert cells[3].value == datetime(1968, 3, 5) and cells[3].is_date
    assert cells[4].value == datetime(2026, 1, 2, 9, 30)  # shown in Asia/Shanghai
    assert cells[5].value is True


def test_a_download_names_the_file_in_chinese_with_an_ascii_fallback():
    response = xlsx_response("户籍_赛沁塔拉嘎查.xlsx", ["姓名"], [["乌云毕力格"]])
    assert response["Content-Disposition"] == (
        "attachment; filename=\"download.xlsx\"; filename*=UTF-8''"
        "%E6%88%B7%E7%B1%8D_%E8%B5%9B%E6%B2%81%E5%A1%94%E6%8B%89%E5%98%8E%E6%9F%A5.xlsx")
    assert reopen(b"".join(response.streaming_content))["A2"].value == "乌云毕力格"
    assert content_disposition("report 2026.xlsx") == (
        "attachment; filename=\"report2026.xlsx\"; filename*=UTF-8''report%202026.xlsx")


def test_rows_are_read_back_with_their_excel_numbers():
    content = xlsx_bytes(["户号", "姓名", None], [["A-1", "巴特尔"], [], ["A-2", None, "多余"]])
    with read_xlsx(io.BytesIO(content)) as sheet:
        assert sheet.header() == ("户号", "姓名")
        assert list(sheet.rows(max_columns=2)) == [(2, ("A-1", "巴特尔")), (3, (None, None)), (4, ("A-2", None))]


@pytest.mark.parametrize("content, words", [
    (b"", "空"),
    (b"just text", "不是 Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    (b"PK\x03\x04" + b"\0" * 100, "不是有效的 Excel"),
])
def test_what_is_not_a_workbook_says_so(content, words):
    with pytest.raises(NotXlsx) as e, read_xlsx(io.BytesIO(content)):
        pass
    assert words in str(e.value)
