"""The register's checks, without a database: each kind of bad row names its row and column."""

from datetime import date, datetime

import pytest

from grassroots.rules.idnumber import make_id_number
from grassroots.spreadsheets.register import HEADERS, Lookups, RowError, check_headers, read_register

TODAY = date(2026, 6, 1)
HEAD_ID = make_id_number("150426", date(1968, 3, 5), 11)  # a man
WIFE_ID = make_id_number("150426", date(1970, 8, 1), 22)  # a woman
REGISTERED_ID = make_id_number("150426", date(1980, 1, 1), 33)


def lookups(**over) -> Lookups:
    values = dict(
        grids={"G1": 1, "G2": 2},
        tags={"低保": 10, "残疾": 11, "牧户": 12},
        relations={"户主": "head", "配偶": "spouse", "子女": "child", "其他": "other"},
        existing_households=lambda numbers: numbers & {"OLD-1"},
        registered_ids=lambda ids: ids & {REGISTERED_ID},
        today=TODAY,
    )
    values.update(over)
    return Lookups(**values)


def person(**over) -> tuple:
    row = {"户号": "H1", "网格编码": "G1", "住址": "一组1号", "姓名": "乌云毕力格", "性别": "男", "出生日期": "1968-03-05",
           "与户主关系": "户主", "民族": "蒙古族", "身份证号": HEAD_ID, "手机号": "13904761234", "政治面貌": "群众",
           "流动党员": "", "标签": ""}
    row.update(over)
    return tuple(row[h] for h in HEADERS)


def wife(**over) -> tuple:
    values = {"姓名": "张秀兰", "性别": "女", "出生日期": date(1970, 8, 1), "与户主关系": "配偶", "身份证号": WIFE_ID,
              "手机号": ""}
    values.update(over)
    return person(**values)


def read(*rows, header=HEADERS, **over):
    return read_register(header, enumerate(rows, start=2), lookups(**over))


def errors_of(*rows, **over) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in read(*rows, **over).errors}


def test_a_clean_household_parses():
    result = read(person(标签="牧户、低保", 政治面貌="中共党员", 流动党员="是"), (None,) * 13,
                  wife(住址="", 标签="残疾，低保"))
    assert result.errors == []
    assert list(result.households) == ["H1"]
    household = result.households["H1"]
    assert (household.row, household.grid_code, household.address, household.head_row) == (2, "G1", "一组1号", 2)
    head, spouse = result.people
    assert (head.row, head.gender, head.relation, head.party_status, head.is_mobile_member) == (2, "M", "head", "full",
                                                                                              True)
    assert head.tags == (12, 10)
    assert head.id_number == HEAD_ID and head.mobile == "13904761234"
    assert (spouse.row, spouse.birth_date, spouse.relation, spouse.tags) == (4, date(1970, 8, 1), "spouse", (11, 10))


def test_blank_rows_are_skipped():
    result = read((None,) * 13, ("", " ", None) + ("",) * 10, person())
    assert result.errors == [] and [p.row for p in result.people] == [4]


def test_cells_excel_typed_as_numbers_or_dates_are_read_as_text():
    result = read(person(户号=17.0, 手机号=13904761234, 出生日期=datetime(1968, 3, 5), 身份证号=""))
    assert result.errors == []
    assert result.households["17"].number == "17"
    assert result.people[0].mobile == "13904761234" and result.people[0].birth_date == date(1968, 3, 5)


def test_gender_comes_from_the_id_number_when_left_blank():
    result = read(person(性别=""))
    assert result.errors == [] and result.people[0].gender == ""


@pytest.mark.parametrize("header, problem", [
    (HEADERS[:-1], ("标签", "缺少列")),
    (HEADERS + ("备注",), ("备注", "未知的列")),
    (HEADERS + ("姓名",), ("姓名", "重复")),
    (("户 号",) + HEADERS[1:], ("户 号", "未知的列")),
])
def test_bad_headers_are_reported_and_nothing_else_is_checked(header, problem):
    result = read(person(姓名="", 身份证号="123"), header=header)
    assert any(problem[1] in e.message for e in result.errors if e.column == problem[0])
    assert all(e.row == 1 for e in result.errors) and result.people == []


def test_every_missing_header_is_named():
    _, errors = check_headers(["户号", None, "姓名"])
    assert {e.column for e in errors} == set(HEADERS) - {"户号", "姓名"}


@pytest.mark.parametrize("change, column, words", [
    ({"户号": ""}, "户号", "户号不能为空"),
    ({"网格编码": ""}, "网格编码", "网格编码不能为空"),
    ({"姓名": "  "}, "姓名", "姓名不能为空"),
    ({"性别": "", "身份证号": ""}, "性别", "性别不能为空"),
    ({"性别": "M"}, "性别", "男"),
    ({"与户主关系": ""}, "与户主关系", "与户主关系不能为空"),
    ({"与户主关系": "老板"}, "与户主关系", "户主、配偶"),
    ({"身份证号": HEAD_ID[:-1] + ("0" if HEAD_ID[-1] != "0" else "1")}, "身份证号", "校验位"),
    ({"身份证号": "150426" + "19681305" + "0110"}, "身份证号", "出生日期"),
    ({"身份证号": "15042619680305"}, "身份证号", "18位"),
    ({"身份证号": 150426196803050000}, "身份证号", "文本格式"),
    ({"手机号": "1390476123"}, "手机号", "手机号"),
    ({"网格编码": "G9"}, "网格编码", "网格编码不存在"),
    ({"标签": "低保、富豪"}, "标签", "富豪"),
    ({"出生日期": "1968-03-06"}, "出生日期", "与身份证号不一致"),
    ({"出生日期": "5/3/1968"}, "出生日期", "1980-01-31"),
    ({"出生日期": "2030-01-01", "身份证号": ""}, "出生日期", "晚于今天"),
    ({"性别": "女"}, "性别", "与身份证号不一致"),
    ({"政治面貌": "党员"}, "政治面貌", "正式党员"),
    ({"流动党员": "对"}, "流动党员", "是"),
    ({"流动党员": "是"}, "流动党员", "党员"),
    ({"姓名": "名" * 51}, "姓名", "50"),
    ({"住址": "址" * 201}, "住址", "200"),
    ({"户号": "号" * 41, "与户主关系": "户主"}, "户号", "40"),
])
def test_each_bad_cell_names_its_row_and_column(change, column, words):
    result = read(wife(与户主关系="户主"), person(**{"与户主关系": "配偶", **change}))
    mine = [e for e in result.errors if e.row == 3]
    assert [e.column for e in mine] == [column], mine
    assert words in mine[0].message


def test_the_same_id_number_twice_in_the_file():
    result = read(person(), wife(身份证号=HEAD_ID, 性别="", 出生日期=""))
    assert [(e.row, e.column, e.message) for e in result.errors] == [(3, "身份证号", "身份证号与第2行重复")]


def test_a_household_with_two_heads():
    assert errors_of(person(), wife(与户主关系="户主")) == {(3, "与户主关系")}
    assert "第2行" in read(person(), wife(与户主关系="户主")).errors[0].message


def test_a_household_without_a_head():
    result = read(wife(), wife(户号="H2", 身份证号="", 姓名="巴特尔", 性别="男", 出生日期="", 与户主关系="子女"),
                  person(户号="H2"), wife(户号="H3", 身份证号="", 与户主关系="子女"))
    assert {(e.row, e.column, e.message) for e in result.errors} == {
        (2, "与户主关系", "户号 H1 没有户主"), (5, "与户主关系", "户号 H3 没有户主")}


def test_a_later_row_of_a_household_must_agree_with_its_first():
    assert errors_of(person(), wife(住址="一组2号")) == {(3, "住址")}
    assert errors_of(person(), wife(网格编码="G2")) == {(3, "网格编码")}
    assert errors_of(person(), wife(住址="")) == set()


def test_what_the_database_already_holds():
    result = read(person(户号="OLD-1"), person(户号="H2", 身份证号=REGISTERED_ID, 出生日期="", 性别=""))
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "户号", "户号 OLD-1 在本村已存在"), (3, "身份证号", "该身份证号已登记")]


def test_errors_come_in_row_then_column_order():
    result = read(person(手机号="1", 户号=""), person(户号="H1", 姓名=""))
    assert [(e.row, e.column) for e in result.errors] == [(2, "户号"), (2, "手机号"), (3, "姓名"), (3, "身份证号")]
    assert all(isinstance(e, RowError) for e in result.errors)
