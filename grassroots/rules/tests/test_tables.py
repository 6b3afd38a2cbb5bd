from datetime import date

from grassroots.rules.tables import YES_NO, Column, a_date, choice, read_table, text, whole_number

COLUMNS = [Column("姓名", "name", text(5), required=True), Column("入党日期", "joined_on", a_date, required=True),
           Column("人数", "count", whole_number, default=0), Column("流动党员", "mobile", choice(YES_NO), default=False)]


def test_rows_are_read_and_every_problem_names_its_row_and_column():
    rows = [(2, ("巴特尔", "2020-07-01", 3, "是")), (3, ("", "", "", "")), (4, ("乌云毕力格其其格", "去年", "x", "也许")),
            (5, ("张三", date(2001, 7, 1), None, None))]
    table = read_table(COLUMNS, ("姓名", "入党日期", "人数", "流动党员"), rows, max_rows=10)
    assert table.rows[0] == {"_row": 2, "name": "巴特尔", "joined_on": date(2020, 7, 1), "count": 3, "mobile": True}
    assert table.rows[-1] == {"_row": 5, "name": "张三", "joined_on": date(2001, 7, 1), "count": 0, "mobile": False}
    assert [(e.row, e.column) for e in table.errors] == [(4, "姓名"), (4, "入党日期"), (4, "人数"), (4, "流动党员")]
    assert "不能超过 5 个字" in table.errors[0].message and "“去年”不是日期" in table.errors[1].message


def test_a_missing_required_column_or_an_unknown_one_stops_before_the_rows():
    table = read_table(COLUMNS, ("姓名", "党龄"), [(2, ("巴特尔", 3))], max_rows=10)
    assert not table.rows
    assert {e.message for e in table.errors} == {"未知的列“党龄”，请使用导入模板的列名", "缺少列“入党日期”"}


def test_empty_required_cells_and_too_many_rows_are_reported():
    rows = [(n, ("巴特尔", "")) for n in range(2, 6)]
    table = read_table(COLUMNS[:2], ("姓名", "入党日期"), rows, max_rows=2)
    assert [(e.row, e.message) for e in table.errors] == [
        (2, "“入党日期”不能为空"), (3, "“入党日期”不能为空"), (4, "一次最多导入 2 行，请分成几个文件")]
